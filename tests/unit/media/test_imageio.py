"""pipeline.media.imageio: RGB frames read and written as PNG, errors in one line."""
import numpy as np
import pytest

from pipeline.errors import MediaError


def test_read_rgb_errors_are_one_line_and_reads_raise_real_os_errors(tmp_path):
    from pipeline.media.imageio import read_rgb, write_rgb
    rgb = np.random.RandomState(0).randint(0, 255, (6, 7, 3)).astype(np.uint8)
    write_rgb(tmp_path / "f.png", rgb)
    assert np.array_equal(read_rgb(tmp_path / "f.png"), rgb)
    with pytest.raises(MediaError, match="cannot read image \\(missing\\)"):
        read_rgb(tmp_path / "gone.png")
    (tmp_path / "bad.png").write_bytes(b"junk")
    with pytest.raises(MediaError, match="corrupt or not an image"):
        read_rgb(tmp_path / "bad.png")
    (tmp_path / "locked.png").write_bytes(b"x")
    # an I/O error other than 'missing' reaches the stage as an OSError (retried
    # when transient); here a folder named like a frame under a file: ENOTDIR
    with pytest.raises(NotADirectoryError):
        read_rgb(tmp_path / "locked.png" / "f.png")
