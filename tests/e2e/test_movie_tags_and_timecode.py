"""A scene-linear EXR shot end to end through the real `luigi` CLI: its rate and
timecode come from the EXR headers (no 'fps' in the shot config) into the movies'
timecode tracks and publish.json, and the movies are tagged as the display
colour space of the shot's display and view (sRGB, Rec.2100-PQ)."""
from __future__ import annotations

import json
import subprocess
from fractions import Fraction

import OpenImageIO as oiio
import pytest
from torch import nn

from helpers import add_torchscript_style, scene_linear_frames, write_exr_sequence
from pipeline.media.exr import timecode_attribute

pytestmark = pytest.mark.slow

W, H, N = 48, 32, 3


class Identity(nn.Module):
    def forward(self, x):
        return x


def _shot(project, tmp_path, shot: str, **extra) -> None:
    header = {**timecode_attribute("01:02:03:04", Fraction(25), 0),
              "FramesPerSecond": (oiio.TypeRational, (25, 1))}
    pattern = write_exr_sequence(tmp_path / shot, scene_linear_frames(W, H, N),
                                 attributes=header)
    add_torchscript_style(project, "identity", Identity(), size_multiple=1)
    project.add_shot(shot, pattern, style="identity", smoothing={"method": "none"}, **extra)


def _video(path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "stream=r_frame_rate,color_space,color_primaries,color_transfer:"
                          "stream_tags=timecode", "-of", "json", str(path)],
                         capture_output=True, text=True, check=True).stdout
    video = json.loads(out)["streams"][0]
    return {"rate": video["r_frame_rate"], "timecode": video.get("tags", {}).get("timecode"),
            "tags": (video.get("color_space"), video.get("color_primaries"),
                     video.get("color_transfer"))}


def test_exr_header_timecode_and_rate_reach_the_movies_and_publish_json(project, tmp_path):
    _shot(project, tmp_path, "tc")  # no 'fps': 25 from the headers
    done = project.render("tc")
    assert "tc: sequence 48x32 @ 25 fps, 3 frames, audio=none, timecode=01:02:03:04" \
        in done.stderr
    out = project.renders / "tc"
    for movie in ("tc_styled.mov", "tc_styled.mp4"):
        assert _video(out / movie) == {
            "rate": "25/1", "timecode": "01:02:03:04",
            "tags": ("bt709", "bt709", "iec61966-2-1")}, movie  # the sRGB display's pixels
    record = json.loads((out / "publish.json").read_text())
    assert (record["fps"], record["source"]["timecode"]) == ("25", "01:02:03:04")
    assert record["ocio"]["display_colour_space"] == "sRGB - Display"
    for d in record["deliverables"]:
        if d["kind"] in ("mov", "mp4"):
            assert d["colour_tags"] == {"matrix": "bt709", "primaries": "bt709",
                                        "transfer": "iec61966-2-1", "range": "tv"}


def test_a_pq_display_tags_the_movies_smpte2084_and_the_shot_fps_wins(project, tmp_path):
    _shot(project, tmp_path, "pq", fps=24, display="Rec.2100-PQ - Display",
          view="ACES 2.0 - HDR 1000 nits (P3 D65)", output={"frames": False})
    done = project.render("pq")
    first = tmp_path / "pq" / "plate.1001.exr"
    assert (f"shotstyle: WARNING: {first}: the header says 25 frames/s; the shot's 'fps' (24) "
            f"wins") in done.stderr.splitlines()
    for movie in ("pq_styled.mov", "pq_styled.mp4"):
        assert _video(project.renders / "pq" / movie) == {
            "rate": "24/1", "timecode": "01:02:03:04",
            "tags": ("bt2020nc", "bt2020", "smpte2084")}, movie
    exr = oiio.ImageInput.open(str(project.renders / "pq" / "exr" / "pq.1001.exr"))
    assert exr.spec().getattribute("FramesPerSecond") == (24, 1)  # the shot's rate, not the header's
    exr.close()
