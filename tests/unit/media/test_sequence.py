import pytest

from pipeline.errors import MediaError
from pipeline.media.sequence import is_sequence_pattern, scan_sequence, to_printf


def test_patterns():
    assert is_sequence_pattern("plates/s01.%04d.exr")
    assert is_sequence_pattern("plates/s01.####.png")
    assert not is_sequence_pattern("clip.mov")
    assert to_printf("plates/s01.####.exr") == "plates/s01.%04d.exr"
    assert to_printf("p/a.@@@.png") == "p/a.%03d.png"


def test_folder_hash_is_not_a_pattern():
    assert not is_sequence_pattern("plates/s#01/clip.mov")


def test_scan_sequence_range_and_gaps(tmp_path):
    for f in (1001, 1002, 1003):
        (tmp_path / f"s.{f:04d}.png").write_bytes(b"")
    (tmp_path / "s.1003.png.bak").write_bytes(b"")
    assert scan_sequence(str(tmp_path / "s.####.png")) == (1001, 1003)
    (tmp_path / "s.1005.png").write_bytes(b"")
    with pytest.raises(MediaError, match=r"1 frame\(s\) missing in 1001-1005: 1004"):
        scan_sequence(str(tmp_path / "s.%04d.png"))
    with pytest.raises(MediaError, match="no frames found"):
        scan_sequence(str(tmp_path / "t.%04d.png"))

