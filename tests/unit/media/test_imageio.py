"""pipeline.media.imageio: RGB frames read and written as PNG (a picture for a person
as PNG or TIFF, at its bit depth), errors in one line."""
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


def test_write_lossless_keeps_16_bits_in_png_and_tiff_and_refuses_others(tmp_path):
    from pipeline.media.imageio import read_rgb, write_lossless
    deep = np.random.RandomState(1).randint(0, 65535, (5, 6, 3)).astype(np.uint16)
    for name, magic in (("k.png", b"\x89PNG"), ("k.tif", b"II*\x00"), ("K.TIFF", b"II*\x00")):
        write_lossless(tmp_path / name, deep)
        assert (tmp_path / name).read_bytes()[:4] == magic, name
        back = read_rgb(tmp_path / name)
        assert back.dtype == np.uint16 and np.array_equal(back, deep), name
    for name in ("k.jpg", "k.exr", "k"):
        with pytest.raises(MediaError) as err:
            write_lossless(tmp_path / name, deep)
        assert str(err.value).endswith("; expected .png, .tif, .tiff")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["K.TIFF", "k.png", "k.tif"]
