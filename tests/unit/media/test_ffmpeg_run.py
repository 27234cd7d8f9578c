"""pipeline.media.ffmpeg_run: ffmpeg and ffprobe run for real through ffmpeg-python;
failures are one MediaError line, a full disk a DiskFullError, raw frames counted."""
from __future__ import annotations

import os
from pathlib import Path

import ffmpeg
import numpy as np
import pytest

from pipeline.errors import DiskFullError, MediaError
from pipeline.media import ffmpeg_run
from pipeline.media.ffmpeg_run import frames, last_error_line, probe, run


def lavfi_testsrc(seconds: float = 0.2, size: str = "32x24", rate: int = 25):
    return ffmpeg.input(f"testsrc=s={size}:r={rate}:d={seconds}", f="lavfi")


def test_the_most_telling_line_of_stderr():
    stderr = (b"Input #0, lavfi\n  Stream #0:0: Video: rawvideo\n"
              b"[h264 @ 0x1] Invalid NAL unit size\nsome trailing detail\n\n")
    assert last_error_line(stderr) == "[h264 @ 0x1] Invalid NAL unit size"
    assert last_error_line("just one line\nand the last one") == "and the last one"
    assert last_error_line("caf\xe9 r\xe9sum\xe9 failed".encode("latin-1")).endswith("failed")
    assert last_error_line(b"") == "ffmpeg failed"
    assert last_error_line(None, "no output") == "no output"


def test_probe_reads_a_real_clip(tmp_path):
    out = tmp_path / "c.mov"
    run(lavfi_testsrc().output(str(out), vcodec="mpeg4"), "make clip")
    info = probe(str(out))
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    assert (video["width"], video["height"], video["codec_name"]) == (32, 24, "mpeg4")


def test_probe_of_a_file_that_is_not_media_is_one_line_without_the_path_twice(tmp_path):
    bad = tmp_path / "notes.mov"
    bad.write_text("not a movie\n" * 20)
    with pytest.raises(MediaError) as err:
        probe(str(bad))
    msg = str(err.value)
    assert msg.startswith(f"{bad}: ffprobe cannot read it: ") and "\n" not in msg
    assert msg.count(str(bad)) == 1


def test_run_writes_the_output_and_polls_while_ffmpeg_runs(tmp_path):
    calls = []
    out = tmp_path / "long.mov"
    run(lavfi_testsrc(seconds=4, size="320x240").output(str(out), vcodec="mpeg4"), "make clip",
        poll=lambda: calls.append(1), poll_interval=0.01)
    assert out.stat().st_size > 0 and calls, "poll was never called"


def test_a_poll_that_raises_stops_ffmpeg_and_propagates(tmp_path):
    def cancel():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(lavfi_testsrc(seconds=60, size="320x240").output(str(tmp_path / "x.mov"), vcodec="mpeg4"),
            "make clip", poll=cancel, poll_interval=0.01)


def test_a_failed_run_is_one_line_naming_what_failed(tmp_path):
    graph = ffmpeg.input(str(tmp_path / "missing.mov")).output(str(tmp_path / "o.mov"))
    with pytest.raises(MediaError) as err:
        run(graph, "encode s01")
    assert str(err.value).startswith("encode s01: ") and "\n" not in str(err.value)
    assert "No such file or directory" in str(err.value)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_a_write_to_a_full_device_is_a_disk_full_error():
    # a mov (header, trailer): FFmpeg 5.1 exits 0 when a rawvideo write hits ENOSPC
    with pytest.raises(DiskFullError) as err:
        run(lavfi_testsrc(seconds=1).output("/dev/full", f="mov", vcodec="mpeg4"), "encode s01")
    assert err.value.folder == "/dev"
    assert str(err.value).startswith("disk full writing under /dev")


def test_frames_yields_exactly_the_frames_asked_for():
    graph = lavfi_testsrc(seconds=0.2).output("pipe:", format="rawvideo", pix_fmt="rgb24")
    got = list(frames(graph, (24, 32, 3), np.uint8, 5, "decode s01"))
    assert len(got) == 5 and all(f.shape == (24, 32, 3) and f.dtype == np.uint8 for f in got)
    assert not np.array_equal(got[0], got[4])  # testsrc moves


def test_frames_names_a_stream_shorter_than_promised():
    graph = lavfi_testsrc(seconds=0.12).output("pipe:", format="rawvideo", pix_fmt="rgb48le")
    with pytest.raises(MediaError) as err:
        list(frames(graph, (24, 32, 3), np.uint16, 10, "decode s01"))
    assert str(err.value).startswith("decode s01: decoded 3 of 10 frames (")


def test_stopping_early_does_not_wait_for_the_rest():
    graph = lavfi_testsrc(seconds=600, size="320x240").output("pipe:", format="rawvideo",
                                                         pix_fmt="rgb24")
    stream = frames(graph, (240, 320, 3), np.uint8, 15000, "decode")
    first = next(stream)
    stream.close()  # kills ffmpeg; a 10-minute decode would time the test out
    assert first.shape == (240, 320, 3)


def test_missing_binaries_are_named(monkeypatch):
    monkeypatch.setenv("PATH", os.devnull)
    with pytest.raises(MediaError, match="'ffmpeg' not found on PATH: install FFmpeg"):
        ffmpeg_run.require_binaries()
