"""output.burn_in: the encode stage burns the shot, frame number and timecode into
the review mp4 only (real ffmpeg); off, the encode key and the mp4 are what they
were; refused in one line without the mp4, or where FFmpeg cannot draw text."""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from pipeline.config import load_shot_config
from pipeline.errors import ConfigError, MediaError
from pipeline.media import burn_in
from pipeline.stages.registry import run_stage
from pipeline.workarea.paths import VersionPaths


def _frames(movie: Path) -> np.ndarray:
    """A 32x24 movie's frames as RGB."""
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", str(movie), "-f", "rawvideo",
                          "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(out, np.uint8).reshape(-1, 24, 32, 3).astype(int)


def _render(version: VersionPaths) -> dict:
    """What the encode wrote into ``version`` (not published: the next encode
    writes the same version again)."""
    movies = version.movie_paths(load_shot_config("st1").output)
    return {"mov": _frames(movies["mov"]), "mp4": _frames(movies["mp4"]),
            "frames": {p.name: p.read_bytes() for p in (version.folder / "frames").iterdir()}}


def test_the_burn_in_goes_on_the_mp4_only(tiny_shot, run_stages, project):
    lossless = {"mp4_crf": 0}  # what is not drawn on stays exactly as it was
    plan = tiny_shot(output=lossless)
    run_stages(plan, "encode")
    off, key_off = _render(plan.paths.version(1)), plan.key("encode")
    plan = tiny_shot(output={**lossless, "burn_in": True})
    assert plan.key("encode") != key_off
    run_stage(plan, "encode")
    on = _render(plan.paths.version(1))
    assert np.array_equal(on["mov"], off["mov"]) and on["frames"] == off["frames"]
    diff = np.abs(on["mp4"] - off["mp4"]).max(axis=(0, 3))
    # 32x24: font 8 px, margin 4: "st1 v001" from the top left, the frame number
    # bottom-right; the bottom left untouched (no timecode: the source has none)
    assert diff[4:11, 4:17].mean() > 40 and diff[14:21, 10:29].mean() > 40
    assert diff[4:11, 24:].mean() > 40 and not diff[12:, :6].any()


def test_burn_in_off_keeps_the_encode_key(tiny_shot):
    assert tiny_shot(output={"burn_in": False}).key("encode") == tiny_shot().key("encode")


def test_burn_in_without_the_mp4_is_refused(project):
    path = project.add_shot("nomp4", "x.mov", output={"mp4": False, "burn_in": True})
    with pytest.raises(ConfigError) as err:
        load_shot_config("nomp4")
    assert str(err.value) == (f"{path}: key 'output': burn_in is on but mp4 is off: burn-ins go "
                              f"on the review mp4 only, never on the ProRes, PNG or EXR")


def test_an_ffmpeg_without_drawtext_refuses_before_any_movie(tiny_shot, run_stages, project,
                                                             monkeypatch):
    plan = tiny_shot(output={"burn_in": True})
    run_stages(plan, "final")
    monkeypatch.setattr(burn_in, "_ffmpeg_says", lambda arg: "")
    burn_in.font_option.cache_clear()
    try:
        with pytest.raises(MediaError, match=r"^output\.burn_in: this FFmpeg has no drawtext"):
            run_stage(plan, "encode")
    finally:
        burn_in.font_option.cache_clear()
    assert not (project.renders / "st1").exists() or not any(
        (project.renders / "st1").iterdir())
