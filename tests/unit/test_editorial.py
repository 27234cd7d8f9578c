"""pipeline.editorial: shots from a real CMX 3600 EDL (OpenTimelineIO's adapter)
over a real take with a start timecode: source ranges in the media's frames,
handles clipped at the media's ends, unique names, missing media named."""
from __future__ import annotations

from fractions import Fraction

import opentimelineio as otio
import pytest
import yaml

from helpers import make_clip
from pipeline.editorial import EditShot, _frames, edit_shots, write_shot_configs
from pipeline.errors import ConfigError

EDL = """TITLE: reel_a
FCM: NON-DROP FRAME

001  AX       V     C        01:00:00:10 01:00:00:20 00:00:00:00 00:00:00:10
* FROM CLIP NAME: take1.mov

002  AX       V     C        01:00:00:02 01:00:00:05 00:00:00:10 00:00:00:13
* FROM CLIP NAME: take1.mov

003  AX       V     C        01:00:00:00 01:00:00:04 00:00:00:13 00:00:00:17
* FROM CLIP NAME: gone.mov

004  AX       V     C        01:00:01:20 01:00:02:04 00:00:00:17 00:00:01:01
* FROM CLIP NAME: take1.mov
"""


@pytest.fixture
def cut(tmp_path):
    """take1.mov: 48 frames at 24 fps from 01:00:00:00; the EDL cuts it three times."""
    folder = tmp_path / "edit"
    folder.mkdir()
    make_clip(folder / "take1.mov", 32, 24, frames=48, audio=False, timecode="01:00:00:00")
    (folder / "reel_a.edl").write_text(EDL)
    return folder / "reel_a.edl"


def test_shots_are_the_clips_in_media_frames_with_handles(cut):
    shots, missing = edit_shots(cut, handles=8)
    take = str(cut.parent / "take1.mov")
    assert shots == [
        EditShot("take1", take, start=2, duration=26, handles=(8, 8)),
        EditShot("take1_2", take, start=0, duration=13, handles=(2, 8)),  # 2 frames before
    ]
    assert len(missing) == 2
    assert missing[0] == (f"{cut}: clip 3 (gone.mov): media not found (looked in "
                          f"{cut.parent})")
    # 01:00:01:20-01:00:02:04 is frames 44-51 of a 48-frame take
    assert missing[1] == (f"{cut}: clip 4 (take1.mov): its source range (frames 44-51 of the "
                          f"media) is outside {take} (48 frames)")


def test_shot_configs_are_written_once_with_a_comment_on_the_cut(cut, tmp_path):
    cfg = tmp_path / "configs"
    result = write_shot_configs(cut, "oil", handles=8, cfg_dir=cfg)
    assert [p.name for p in result.written] == ["take1.yaml", "take1_2.yaml"]
    assert len(result.missing) == 2 and result.kept == []
    text = (cfg / "shots" / "take1_2.yaml").read_text()
    assert text.splitlines()[0] == ("# From reel_a.edl: frame 1001 is the first handle frame; "
                                    "the cut is 1003-1005 (2 and 8 handle frames)")
    assert yaml.safe_load(text) == {"source": str(cut.parent / "take1.mov"), "style": "oil",
                                    "first_frame": 1001,
                                    "source_range": {"start": 0, "duration": 13}}
    (cfg / "shots" / "take1.yaml").write_text("# edited by hand\n")
    again = write_shot_configs(cut, "oil", cfg_dir=cfg)
    assert [p.name for p in again.kept] == ["take1.yaml", "take1_2.yaml"]
    assert (cfg / "shots" / "take1.yaml").read_text() == "# edited by hand\n"
    assert write_shot_configs(cut, "oil", overwrite=True, cfg_dir=cfg).kept == []


def test_media_found_in_another_folder(cut, tmp_path):
    media = tmp_path / "media"
    (cut.parent / "take1.mov").rename(media.mkdir() or media / "take1.mov")
    shots, missing = edit_shots(cut, handles=0, media_dirs=[media])
    assert [(s.source, s.start, s.duration) for s in shots] == [
        (str(media / "take1.mov"), 10, 10), (str(media / "take1.mov"), 2, 3)]


def test_edits_it_cannot_read_are_one_line(tmp_path):
    with pytest.raises(ConfigError, match=r"cut\.aaf: not an edit this reads \(known: \.edl, "
                                          r"\.otio, \.xml\)"):
        edit_shots(tmp_path / "cut.aaf")
    with pytest.raises(ConfigError, match=r"none\.edl: edit not found"):
        edit_shots(tmp_path / "none.edl")


def test_edit_time_counts_frames_as_timecode_does():
    # 23.976 and 24 both count 24 frames a timecode second: no drift over an hour
    hour_at_24 = otio.opentime.RationalTime(86400, 24)
    assert _frames(hour_at_24, Fraction(24000, 1001)) == 86400
    assert _frames(hour_at_24, Fraction(24)) == 86400
    assert _frames(otio.opentime.RationalTime(50, 25), Fraction(50)) == 100
