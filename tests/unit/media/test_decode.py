"""pipeline.media.decode against the real ffmpeg: plates numbered from the first frame,
close to the source's pixels, a failed decode keeps the old plates."""
import cv2
import numpy as np
import pytest

from helpers import make_clip
from pipeline.errors import MediaError
from pipeline.media.decode import decode_to_pngs
from pipeline.media.probe import probe_source


def test_decode_numbers_frames_from_first_frame(tmp_path):
    clip = make_clip(tmp_path / "a.mp4", 64, 36, frames=7, audio=False)
    info = probe_source(str(clip))
    out = tmp_path / "plates"
    assert decode_to_pngs(info, out, "s09", 1001) == 7
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"s09.{f}.png" for f in range(1001, 1008)]
    assert cv2.imread(str(out / "s09.1001.png")).shape == (36, 64, 3)
    assert not list(tmp_path.glob(".*tmp*")), "temporary folder left behind"


def test_decode_is_close_to_source_pixels(tmp_path):
    """Colour round trip: decoded plates match the PNGs the clip was made from."""
    clip = make_clip(tmp_path / "a.mov", 64, 36, frames=3, audio=False,
                     vcodec="libx264", pix_fmt="yuv444p", extra=("-qp", "0"))
    info = probe_source(str(clip))
    decode_to_pngs(info, tmp_path / "plates", "s", 1)
    src = cv2.imread(str(tmp_path / ".a_src" / "src.0001.png")).astype(float)
    got = cv2.imread(str(tmp_path / "plates" / "s.0001.png")).astype(float)
    assert np.abs(src - got).mean() < 1.5


def test_truncated_movie_fails_cleanly_and_keeps_old_plates(tmp_path):
    clip = make_clip(tmp_path / "a.mov", 64, 36, frames=20, audio=False)
    info = probe_source(str(clip))
    out = tmp_path / "plates"
    decode_to_pngs(info, out, "s", 1)
    data = clip.read_bytes()
    clip.write_bytes(data[: len(data) // 3])
    with pytest.raises(MediaError):
        info2 = probe_source(str(clip))
        decode_to_pngs(info2, out, "s", 1)
    assert len(list(out.glob("*.png"))) == 20, "earlier plates must survive a failed decode"


def test_decode_frames_streams_code_values_and_names_a_short_stream(tmp_path):
    import dataclasses

    from pipeline.media.decode import decode_frames
    clip = make_clip(tmp_path / "c.mov", 40, 30, frames=3, audio=False, pix_fmt="yuv444p",
                     extra=("-qp", "0"))
    info = probe_source(str(clip))
    frames = list(decode_frames(info))
    assert len(frames) == 3 and frames[0].shape == (30, 40, 3) and frames[0].dtype == np.uint16
    longer = dataclasses.replace(info, frame_count=5)  # the file holds fewer than promised
    with pytest.raises(MediaError) as err:
        list(decode_frames(longer))
    assert str(err.value).startswith(f"{clip}: decode failed: decoded 3 of 5 frames (")
