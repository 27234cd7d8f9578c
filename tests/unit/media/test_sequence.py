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



@pytest.mark.parametrize("name", [
    "plate.####.exr", "plate.%04d.exr", "plate.@@@@.exr", "plate.$F4.exr", "plate.$F.exr",
    "plate_####.exr", "plate####.exr", "a.#.exr", "a.%d.png", "Scene 1.2 final.####.exr",
    "shots/s#01/plate.####.exr"])
def test_names_with_a_frame_token_before_the_extension_are_sequences(name):
    assert is_sequence_pattern(name)


@pytest.mark.parametrize("name", [
    "reel#A.mov", "Scene 1.2 final.mov", "shot_{v2}.mov", "reel#A {v2}.mov", "A001#1.mov",
    "take#.mov", "s#01.mov", "plate.1001.exr", "plate.1-10#.exr", "clip.mov",
    "plates/s#01/clip.mov"])
def test_names_users_give_movies_are_movies(name):
    assert not is_sequence_pattern(name)


@pytest.mark.parametrize("name", ["A001#1.mov", "plate.####.mov", "take_##.mov"])
def test_an_existing_file_is_a_movie_whatever_its_name(tmp_path, name):
    (tmp_path / name).write_bytes(b"")
    assert not is_sequence_pattern(str(tmp_path / name))


@pytest.mark.parametrize("stem, frames", [("A001.", (1001, 1002, 1003)),
                                          ("A001_", (1001, 1002, 1003)), ("one.", (1002,))])
def test_one_frame_names_the_sequence_on_disk_that_holds_it(tmp_path, stem, frames):
    """What a TD pastes from a file browser (``sequence: true``), grouped as fileseq
    groups the folder's files; a frame alone is a sequence of one (#21)."""
    from pipeline.media.sequence import sequence_of_frame
    for f in frames:
        (tmp_path / f"{stem}{f}.exr").write_bytes(b"")
    (tmp_path / "other.1002.exr").write_bytes(b"")
    pattern = str(tmp_path / f"{stem}####.exr")
    assert sequence_of_frame(str(tmp_path / f"{stem}1002.exr")) == pattern
    assert is_sequence_pattern(pattern)


@pytest.mark.parametrize("name", ["clip.mov", "missing.1001.exr", "folder.1001.exr"])
def test_a_file_that_is_no_frame_of_a_sequence_has_none(tmp_path, name):
    from pipeline.media.sequence import sequence_of_frame
    (tmp_path / "clip.mov").write_bytes(b"")
    (tmp_path / "folder.1001.exr").mkdir()
    assert sequence_of_frame(str(tmp_path / name)) is None
