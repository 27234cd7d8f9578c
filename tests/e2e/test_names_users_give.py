"""End to end: a movie whose name holds '#', spaces and braces is rendered as a movie (#21)."""
import pytest

from helpers import ffprobe_video, make_clip

pytestmark = pytest.mark.slow


def test_movie_named_with_hash_space_and_braces_renders(project, tmp_path):
    clip = make_clip(tmp_path / "reel#A {v2}.mov", 32, 18, frames=5)
    project.add_shot("n01", clip)
    project.render("n01")
    v = ffprobe_video(project.renders / "n01" / "n01_styled.mov")
    assert (v["codec_name"], v["width"], v["height"], v["frames"]) == ("prores", 32, 18, 5)
