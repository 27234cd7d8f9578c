"""Shots from the edit: `python -m pipeline shots-from-edit` on an OTIO timeline and
a CMX 3600 EDL cut from one long take, and the renders of those shots: exactly
the clip plus 2 x 8 handle frames, the right pictures, the range's timecode and
audio; a clip's marker names its shot (`sq010_sh020`), which renders."""
from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

import cv2
import numpy as np
import opentimelineio as otio
import pytest
import yaml

from helpers import ffprobe_video, make_clip
from pipeline.editorial import edit_shots

pytestmark = pytest.mark.slow

RATE = 24
TAKE_TC = 86400  # 01:00:00:00 at 24 frames/s
#: clip name, cut in (frames into the take), length, the shot's name (the clip's marker, if any)
CLIPS = (("alpha", 20, 10, "alpha"), ("beta", 36, 12, "sq010_sh020"))


@pytest.fixture
def take(tmp_path):
    """A 60-frame take with timecode 01:00:00:00 and audio, and its frames as
    FFmpeg decodes them (the reference pictures)."""
    clip = make_clip(tmp_path / "media" / "take.mov", 64, 36, frames=60, fps=str(RATE),
                     timecode="01:00:00:00", vcodec="libx264", pix_fmt="yuv444p",
                     extra=("-qp", "0"))
    ref = tmp_path / "reference"
    ref.mkdir()
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(clip), "-pix_fmt", "rgb24",
                    "-start_number", "0", str(ref / "f.%04d.png")], check=True)
    return clip, ref


def _timeline(clip_path):
    timeline = otio.schema.Timeline(name="cut")
    track = otio.schema.Track(name="V1")
    timeline.tracks.append(track)
    for name, cut_in, length, shot in CLIPS:
        ref = otio.schema.ExternalReference(
            target_url=clip_path.as_uri(),
            available_range=otio.opentime.TimeRange(otio.opentime.RationalTime(TAKE_TC, RATE),
                                                    otio.opentime.RationalTime(60, RATE)))
        track.append(otio.schema.Clip(name=name, media_reference=ref, source_range=(
            otio.opentime.TimeRange(otio.opentime.RationalTime(TAKE_TC + cut_in, RATE),
                                    otio.opentime.RationalTime(length, RATE)))))
        if shot != name:  # an editor's marker on the clip names the shot
            track[-1].markers.append(otio.schema.Marker(name=shot, marked_range=(
                otio.opentime.TimeRange(otio.opentime.RationalTime(TAKE_TC + cut_in, RATE)))))
    return timeline


def _shots_from_edit(project, cut, *args):
    return subprocess.run([sys.executable, "-m", "pipeline", "shots-from-edit", str(cut),
                           "--style", "tiny", *args], cwd=project.root, env=project.env(),
                          capture_output=True, text=True, timeout=120)


def test_two_clips_of_an_otio_timeline_render_with_their_handles(project, tmp_path, take):
    clip, reference = take
    cut = tmp_path / "cut.otio"
    otio.adapters.write_to_file(_timeline(clip), str(cut))
    proc = _shots_from_edit(project, cut)
    assert proc.returncode == 0, proc.stderr
    shots_dir = project.configs / "shots"
    assert proc.stdout.splitlines() == [f"wrote {shots_dir / 'alpha.yaml'}",
                                        f"wrote {shots_dir / 'sq010_sh020.yaml'}"]
    for clip_name, cut_in, length, name in CLIPS:
        config = shots_dir / f"{name}.yaml"
        text = config.read_text()
        assert text.startswith(f"# From cut.otio: frame 1001 is the first handle frame; the cut "
                               f"is 1009-{1008 + length} (8 and 8 handle frames)\n"), text
        assert yaml.safe_load(text) == {"source": str(clip), "style": "tiny", "first_frame": 1001,
                                        "source_range": {"start": cut_in - 8,
                                                         "duration": length + 16},
                                        "edit": {"cut": "cut.otio", "clip": clip_name,
                                                 "cut_in": 1009, "cut_out": 1008 + length,
                                                 "handles": [8, 8], "transition_in": 0,
                                                 "transition_out": 0}}
        project.render(name)
        out = project.renders / name
        frames = sorted((out / "frames").glob("*.png"))
        assert len(frames) == length + 16
        assert frames[0].name == f"{name}.1001.png"
        mov = ffprobe_video(out / f"{name}_styled.mov")
        assert mov["frames"] == length + 16
        # the range's own timecode: its first (handle) frame's
        assert mov["tags"]["timecode"] == otio.opentime.to_timecode(
            otio.opentime.RationalTime(TAKE_TC + cut_in - 8, RATE), RATE)
        audio = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a:0",
                                "-show_entries", "stream=duration", "-of", "csv=p=0",
                                str(out / f"{name}_styled.mov")], capture_output=True,
                               text=True, check=True).stdout.strip()
        assert abs(float(audio) - (length + 16) / RATE) < 0.01, audio
        # the right pictures: plate 1001 + i is frame (cut_in - 8 + i) of the take
        plates = project.work / name / "plates"
        for i in range(length + 16):
            plate = cv2.imread(str(plates / f"{name}.{1001 + i:04d}.png"))
            source = cv2.imread(str(reference / f"f.{cut_in - 8 + i:04d}.png"))
            assert np.array_equal(plate, source), (name, i)

    # run again: the shot files exist and are kept; --overwrite replaces them
    again = _shots_from_edit(project, cut)
    assert again.returncode == 0 and again.stdout.splitlines() == [
        f"kept {shots_dir / 'alpha.yaml'} (exists; --overwrite replaces it)",
        f"kept {shots_dir / 'sq010_sh020.yaml'} (exists; --overwrite replaces it)"]
    assert _shots_from_edit(project, cut, "--overwrite").stdout.startswith("wrote ")


EDL = """TITLE: cut
FCM: NON-DROP FRAME

001  AX       V     C        01:00:00:20 01:00:01:06 00:00:00:00 00:00:00:10
* FROM CLIP NAME: take.mov
002  AX       V     C        01:00:01:12 01:00:02:00 00:00:00:10 00:00:00:22
* FROM CLIP NAME: take.mov
003  AX       V     C        01:00:00:00 01:00:00:05 00:00:00:22 00:00:01:03
* FROM CLIP NAME: lost.mov
"""


def test_an_edl_finds_media_by_clip_name_and_lists_missing_ones(tmp_path, take):
    clip, _ = take
    cut = tmp_path / "cut.edl"
    cut.write_text(EDL)
    shots, missing = edit_shots(cut, handles=8, media_dirs=[clip.parent])
    # the take's own timecode (01:00:00:00) places the EDL's source timecodes
    assert [(s.name, s.start, s.duration, s.handles) for s in shots] == [
        ("take", 12, 26, (8, 8)), ("take_2", 28, 28, (8, 8))]
    assert missing == [f"{cut}: clip 3 (lost.mov): media not found (looked in {tmp_path}, "
                       f"{clip.parent})"]


def test_handles_are_shortened_at_the_ends_of_the_take(tmp_path, take):
    clip, _ = take
    cut = tmp_path / "ends.edl"
    cut.write_text("TITLE: ends\nFCM: NON-DROP FRAME\n\n"
                   "001  AX       V     C        01:00:00:03 01:00:00:10 00:00:00:00 00:00:00:07\n"
                   "* FROM CLIP NAME: take.mov\n"
                   "002  AX       V     C        01:00:02:08 01:00:02:12 00:00:00:07 00:00:00:11\n"
                   "* FROM CLIP NAME: take.mov\n")
    shots, missing = edit_shots(cut, media_dirs=[clip.parent])
    assert not missing
    assert [(s.start, s.duration, s.handles) for s in shots] == [(0, 18, (3, 8)),
                                                                 (48, 12, (8, 0))]
    assert Fraction(ffprobe_video(clip)["r_frame_rate"]) == RATE


def test_an_fcp_xml_of_the_same_cut_gives_the_same_shots(tmp_path, take):
    clip, _ = take
    cut = tmp_path / "cut.xml"
    otio.adapters.write_to_file(_timeline(clip), str(cut), "fcp_xml")
    shots, missing = edit_shots(cut)
    assert not missing
    assert [(s.name, s.source, s.start, s.duration) for s in shots] == [
        ("alpha", str(clip), 12, 26), ("sq010_sh020", str(clip), 28, 28)]


def test_ntsc_rates_keep_the_frame_count_of_timecode(tmp_path):
    """A 23.976 take, 2100 frames from 01:00:00:00: a clip 2000 frames in is frame
    2000 whether the edit is an .otio at 24000/1001 or an EDL read at 24000/1001
    (a conversion by real time would be off by two)."""
    take = make_clip(tmp_path / "ntsc.mov", 32, 18, frames=2100, fps="24000/1001",
                     timecode="01:00:00:00", audio=False)
    rate = float(Fraction(24000, 1001))
    timeline = otio.schema.Timeline()
    track = otio.schema.Track()
    timeline.tracks.append(track)
    track.append(otio.schema.Clip(
        name="late", media_reference=otio.schema.ExternalReference(
            target_url=take.as_uri(), available_range=otio.opentime.TimeRange(
                otio.opentime.RationalTime(86400, rate), otio.opentime.RationalTime(2100, rate))),
        source_range=otio.opentime.TimeRange(otio.opentime.RationalTime(86400 + 2000, rate),
                                             otio.opentime.RationalTime(24, rate))))
    otio.adapters.write_to_file(timeline, str(tmp_path / "ntsc.otio"))
    shots, missing = edit_shots(tmp_path / "ntsc.otio")
    assert not missing and [(s.start, s.duration) for s in shots] == [(1992, 40)]
    edl = tmp_path / "ntsc.edl"
    edl.write_text("TITLE: ntsc\nFCM: NON-DROP FRAME\n\n"
                   "001  AX       V     C        01:01:23:08 01:01:24:08 00:00:00:00 00:00:01:00\n"
                   "* FROM CLIP NAME: ntsc.mov\n")  # 01:01:23:08 = 86400 + 2000 at 24 a second
    shots, missing = edit_shots(edl, rate=rate)
    assert not missing and [(s.start, s.duration) for s in shots] == [(1992, 40)]
