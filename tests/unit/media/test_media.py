"""Probe / decode / encode against the real ffmpeg on small generated clips."""
import subprocess
from fractions import Fraction

import cv2
import numpy as np
import pytest

from helpers import ffprobe_video, make_clip, write_pngs
from pipeline.config import OutputConfig
from pipeline.media.decode import decode_to_pngs
from pipeline.media.encode import EncodeJob, encode_h264, encode_prores
from pipeline.errors import MediaError
from pipeline.media.sequence import frame_pattern
from pipeline.media.probe import probe_source, with_range


def test_probe_movie_with_audio_and_timecode(tmp_path):
    clip = make_clip(tmp_path / "a.mov", 64, 36, frames=10, fps="24000/1001",
                     timecode="01:00:10:00")
    info = probe_source(str(clip))
    assert (info.width, info.height, info.frame_count) == (64, 36, 10)
    assert info.fps_fraction == Fraction(24000, 1001)
    assert info.has_audio and info.audio_codec == "aac"
    assert info.timecode == "01:00:10:00"
    assert info.kind == "movie"


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


@pytest.mark.parametrize("w, h", [(64, 36), (65, 37), (63, 36)])
def test_encode_keeps_exact_count_rate_size_audio_timecode(tmp_path, w, h):
    clip = make_clip(tmp_path / "src.mov", w, h, frames=9, fps="30000/1001",
                     timecode="00:59:59:00", vcodec="libx264", pix_fmt="yuv444p")
    info = probe_source(str(clip))
    decode_to_pngs(info, tmp_path / "f", "sh", 1001)
    job = EncodeJob(frame_pattern(tmp_path / "f", "sh"), 1001, 9, info)
    encode_prores(job, tmp_path / "out.mov")
    encode_h264(job, tmp_path / "out.mp4", OutputConfig())
    # the review mp4 of an odd size is padded to even (4:2:0); the ProRes keeps it
    for name, codec, size in (("out.mov", "prores", (w, h)),
                              ("out.mp4", "h264", (w + w % 2, h + h % 2))):
        v = ffprobe_video(tmp_path / name)
        assert v["codec_name"] == codec
        assert (v["width"], v["height"], v["frames"]) == (*size, 9), name
        assert Fraction(v["r_frame_rate"]) == Fraction(30000, 1001)
        assert v["has_audio"], name
        assert v.get("tags", {}).get("timecode") == "00:59:59:00" or name == "out.mp4"
    mov = ffprobe_video(tmp_path / "out.mov")
    assert mov["profile"] == "HQ" and mov["pix_fmt"] == "yuv422p10le"
    mp4 = ffprobe_video(tmp_path / "out.mp4")
    assert mp4["pix_fmt"] == "yuv420p"


def test_mp4_exact_mode_keeps_an_odd_size_in_444(tmp_path):
    pattern = write_pngs(tmp_path / "f", 65, 37, 4, name="sh", start=1001)
    info = probe_source(str(tmp_path / "f" / "sh.####.png"), Fraction(25))
    job = EncodeJob(pattern, 1001, 4, info)
    encode_h264(job, tmp_path / "o.mp4", OutputConfig(mp4_odd_size="exact"))
    v = ffprobe_video(tmp_path / "o.mp4")
    assert (v["width"], v["height"], v["pix_fmt"], v["frames"]) == (65, 37, "yuv444p", 4)


def test_image_sequence_source(tmp_path):
    write_pngs(tmp_path / "plates", 48, 32, 5, name="s01", start=1)
    info = probe_source(str(tmp_path / "plates" / "s01.####.png"), Fraction(24))
    assert (info.kind, info.frame_count, info.seq_first, info.has_audio) == ("sequence", 5, 1, False)
    assert decode_to_pngs(info, tmp_path / "out", "s01", 1001) == 5
    assert (tmp_path / "out" / "s01.1005.png").is_file()


def test_sequence_needs_fps(tmp_path):
    write_pngs(tmp_path / "p", 16, 16, 2, name="a")
    with pytest.raises(MediaError, match="need 'fps'"):
        probe_source(str(tmp_path / "p" / "a.%04d.png"))


def test_missing_source(tmp_path):
    with pytest.raises(MediaError, match="source not found"):
        probe_source(str(tmp_path / "none.mov"))


def test_not_a_video(tmp_path):
    bad = tmp_path / "notes.mov"
    bad.write_text("this is not a movie\n" * 50)
    with pytest.raises(MediaError) as err:
        probe_source(str(bad))
    assert str(err.value).startswith(f"{bad}: ffprobe cannot read it:")
    assert "\n" not in str(err.value)


def test_audio_only(tmp_path):
    import subprocess
    wav = tmp_path / "a.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=duration=0.5", str(wav)],
                   check=True)
    with pytest.raises(MediaError, match=r"not a video \(audio only\)"):
        probe_source(str(wav))


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


def test_variable_frame_rate_is_refused_unless_conformed(tmp_path):
    import subprocess
    vfr = tmp_path / "vfr clip ü.mp4"  # spaces and non-ASCII in the path too
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                    "testsrc=s=64x36:r=25:d=1", "-vf", "setpts='if(lt(N,12),N,N*3)/25/TB'",
                    "-fps_mode", "vfr", "-c:v", "libx264", str(vfr)], check=True)
    with pytest.raises(MediaError) as err:
        probe_source(str(vfr))
    assert str(err.value).startswith(f"{vfr}: variable frame rate (stream rate 25.000, average")
    assert "set 'fps' in the shot config" in str(err.value)
    info = probe_source(str(vfr), Fraction(25))  # conformed: every frame kept, constant rate
    assert (info.frame_count, info.fps) == (25, "25")


def test_deep_sources_are_recognised():
    from pipeline.media.probe import bits_per_component
    assert [bits_per_component(f) for f in ("yuv420p", "yuv422p10le", "rgb48le", "gray16le",
                                            "yuv444p12le", "rgb24")] == [8, 10, 16, 16, 12, 8]


@pytest.mark.parametrize("ext", ["png", "exr", "dpx", "tif", "jpg"])
def test_sequence_with_an_odd_sized_frame_is_refused(tmp_path, ext):
    """FFmpeg would rescale a frame of another size without a word: the probe
    reads every frame's header and names the odd one."""
    import subprocess
    from pipeline.media.exr import image_size

    def frames(size: str, start: int, count: int) -> None:
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                        f"testsrc=s={size}:r=24", "-frames:v", str(count), "-start_number",
                        str(start), str(tmp_path / f"p.%04d.{ext}")], check=True)

    frames("40x30", 1, 5)
    pattern = str(tmp_path / f"p.####.{ext}")
    assert probe_source(pattern, Fraction(24)).width == 40
    assert image_size(tmp_path / f"p.0002.{ext}") == (40, 30)
    frames("24x20", 3, 1)
    assert image_size(tmp_path / f"p.0003.{ext}") == (24, 20)
    (tmp_path / "notes.txt").write_text("not an image")
    assert image_size(tmp_path / "notes.txt") is None
    with pytest.raises(MediaError) as err:
        probe_source(pattern, Fraction(24))
    assert str(err.value) == (f"{tmp_path / f'p.0003.{ext}'}: frame 3 is 24x20 but the sequence "
                              f"is 40x30 (frame 1); re-export it at the sequence's size")


def test_image_headers_that_are_damaged_or_unusual(tmp_path):
    import struct
    from pipeline.media.exr import image_size
    # EXR whose attribute size is negative: must end, not loop
    exr = tmp_path / "bad.exr"
    exr.write_bytes(b"\x76\x2f\x31\x01" + b"\x02\0\0\0" + b"a\0b\0" + struct.pack("<i", -8))
    assert image_size(exr) is None
    # a PNG cut inside its header
    png = tmp_path / "cut.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\x0dIH")
    assert image_size(png) is None
    # JPEG with fill bytes and a standalone marker before the frame header
    ok, buf = cv2.imencode(".jpg", np.zeros((20, 24, 3), np.uint8))
    data = buf.tobytes()
    jpg = tmp_path / "fill.jpg"
    jpg.write_bytes(data[:2] + b"\xff\xd0" + b"\xff\xff" + data[2:])
    assert image_size(jpg) == (24, 20)
    # big-endian TIFF: one 8-bit grey strip, 33x17
    tif = tmp_path / "be.tif"
    pixels = bytes(33 * 17)
    entries = [(256, 3, 33), (257, 3, 17), (258, 3, 8), (259, 3, 1), (262, 3, 1),
               (273, 4, 8 + 2 + 9 * 12 + 4), (277, 3, 1), (278, 3, 17), (279, 4, len(pixels))]
    ifd = struct.pack(">H", len(entries)) + b"".join(
        struct.pack(">HHI", tag, kind, 1) + (struct.pack(">H", v) + b"\0\0" if kind == 3
                                             else struct.pack(">I", v))
        for tag, kind, v in entries) + b"\0\0\0\0"
    tif.write_bytes(b"MM\0*" + struct.pack(">I", 8) + ifd + pixels)
    assert image_size(tif) == (33, 17)


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


def test_a_source_range_keeps_its_frames_timecode_and_audio(tmp_path):
    """Frames 5-10 of a 24 fps take with timecode 01:00:00:00: exactly those
    pictures, timecode 01:00:00:05, and 6 frames' worth of audio."""
    clip = make_clip(tmp_path / "take.mov", 64, 36, frames=20, fps="24", timecode="01:00:00:00",
                     pix_fmt="yuv444p", extra=("-qp", "0"))
    whole = probe_source(str(clip))
    cut = with_range(whole, 5, 6)
    assert (cut.frame_count, cut.range_start, cut.timecode) == (6, 5, "01:00:00:05")
    decode_to_pngs(whole, tmp_path / "all", "a", 0)
    decode_to_pngs(cut, tmp_path / "cut", "c", 1001)
    for i in range(6):
        assert np.array_equal(cv2.imread(str(tmp_path / "cut" / f"c.{1001 + i}.png")),
                              cv2.imread(str(tmp_path / "all" / f"a.{5 + i:04d}.png"))), i
    assert sorted(p.name for p in (tmp_path / "cut").iterdir())[-1] == "c.1006.png"
    encode_prores(EncodeJob(frame_pattern(tmp_path / "cut", "c"), 1001, 6, cut),
                  tmp_path / "o.mov")
    v = ffprobe_video(tmp_path / "o.mov")
    assert (v["frames"], v["tags"]["timecode"]) == (6, "01:00:00:05")
    audio = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
                            "stream=duration", "-of", "csv=p=0", str(tmp_path / "o.mov")],
                           capture_output=True, text=True, check=True).stdout
    assert abs(float(audio) - 6 / 24) < 0.002


def test_a_source_range_from_frame_0_gets_only_its_audio(tmp_path):
    clip = make_clip(tmp_path / "take.mov", 64, 36, frames=20, fps="24")
    cut = with_range(probe_source(str(clip)), 0, 6)
    decode_to_pngs(cut, tmp_path / "cut", "c", 1001)
    encode_prores(EncodeJob(frame_pattern(tmp_path / "cut", "c"), 1001, 6, cut),
                  tmp_path / "o.mov")
    audio = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
                            "stream=duration", "-of", "csv=p=0", str(tmp_path / "o.mov")],
                           capture_output=True, text=True, check=True).stdout
    assert abs(float(audio) - 6 / 24) < 0.002


def test_a_source_range_past_the_end_is_one_line(tmp_path):
    clip = make_clip(tmp_path / "take.mov", 64, 36, frames=20, audio=False)
    with pytest.raises(MediaError) as err:
        with_range(probe_source(str(clip)), 15, 10)
    assert str(err.value) == (f"{clip}: source_range 15-24 (start 15, duration 10) ends past "
                              f"the source's last frame (19; it has 20 frames)")
