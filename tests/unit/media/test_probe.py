"""pipeline.media.probe against the real ffprobe on small generated clips and sequences:
what a source is, the sources refused (one line each), a source range."""
import subprocess
from fractions import Fraction

import cv2
import numpy as np
import pytest

from helpers import ffprobe_video, make_clip, write_pngs
from unit.media.footage import edit_listed_movie
from pipeline.errors import MediaError
from pipeline.media.decode import decode_to_pngs
from pipeline.media.encode import EncodeJob, encode_prores
from pipeline.media.probe import probe_source, with_range
from pipeline.media.sequence import frame_pattern


def test_probe_movie_with_audio_and_timecode(tmp_path):
    clip = make_clip(tmp_path / "a.mov", 64, 36, frames=10, fps="24000/1001",
                     timecode="01:00:10:00")
    info = probe_source(str(clip))
    assert (info.width, info.height, info.frame_count) == (64, 36, 10)
    assert info.fps_fraction == Fraction(24000, 1001)
    assert info.has_audio and info.audio_codec == "aac"
    assert info.timecode == "01:00:10:00"
    assert info.kind == "movie"


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


def test_a_source_range_past_the_end_is_one_line(tmp_path):
    clip = make_clip(tmp_path / "take.mov", 64, 36, frames=20, audio=False)
    with pytest.raises(MediaError) as err:
        with_range(probe_source(str(clip)), 15, 10)
    assert str(err.value) == (f"{clip}: source_range 15-24 (start 15, duration 10) ends past "
                              f"the source's last frame (19; it has 20 frames)")


# ------------------------------------------- inputs found late: refused at probe (#21)
def _write_oiio(path, channels, w=8, h=4, pixel_type="half", display=None):
    """A real image written by OpenImageIO with these channel names."""
    import OpenImageIO as oiio
    path.parent.mkdir(parents=True, exist_ok=True)
    spec = oiio.ImageSpec(w, h, len(channels), pixel_type)
    spec.channelnames = tuple(channels)
    if display:
        spec.full_width, spec.full_height = display
    out = oiio.ImageOutput.create(str(path))
    assert out.open(str(path), spec), oiio.geterror()
    assert out.write_image(np.full((h, w, len(channels)), 0.5, np.float32)) and out.close()


def _refused(source):
    with pytest.raises(MediaError) as err:
        probe_source(source, Fraction(24))
    return str(err.value)


@pytest.mark.parametrize("channels", [("R", "B"), ("R", "B", "A"),
                                      ("beauty.R", "beauty.G", "beauty.B")])
def test_exr_without_r_g_b_is_refused_naming_its_channels(tmp_path, channels):
    for n in (1, 2):
        _write_oiio(tmp_path / f"p.{n:04d}.exr", channels)
    first = tmp_path / "p.0001.exr"
    assert _refused(str(tmp_path / "p.####.exr")) == (
        f"{first}: channels {', '.join(channels)} found; plates need channels named R, G and "
        f"B (A optional) or one grey channel")


def test_exr_header_claiming_20000_square_is_refused(tmp_path):
    _write_oiio(tmp_path / "big.0001.exr", ("R", "G", "B"), 2, 2, display=(20000, 20000))
    assert _refused(str(tmp_path / "big.####.exr")) == (
        f"{tmp_path / 'big.0001.exr'}: display window 20000x20000 is over the limit (16384 "
        f"pixels a side, 268435456 pixels)")


def test_png_20000_wide_is_refused(tmp_path):
    _write_oiio(tmp_path / "wide.0001.png", ("R", "G", "B"), 20000, 1, pixel_type="uint8")
    assert _refused(str(tmp_path / "wide.####.png")) == (
        f"{tmp_path / 'wide.0001.png'}: display window 20000x1 is over the limit (16384 "
        f"pixels a side, 268435456 pixels)")


def test_bit_depth_changing_at_frame_2_is_refused(tmp_path):
    _write_oiio(tmp_path / "d.0001.png", ("R", "G", "B"), pixel_type="uint8")
    for n in (2, 3):
        _write_oiio(tmp_path / f"d.{n:04d}.png", ("R", "G", "B"), pixel_type="uint16")
    assert _refused(str(tmp_path / "d.####.png")) == (
        f"{tmp_path / 'd.0002.png'}: frame 2 is 16-bit but frame 1 is 8-bit; export every "
        f"frame at one bit depth")


def test_alpha_appearing_at_frame_2_is_refused(tmp_path):
    _write_oiio(tmp_path / "a.0001.exr", ("R", "G", "B"))
    _write_oiio(tmp_path / "a.0002.exr", ("R", "G", "B", "A"))
    assert _refused(str(tmp_path / "a.####.exr")) == (
        f"{tmp_path / 'a.0002.exr'}: frame 2 has channels R, G, B, A but frame 1 has R, G, B; "
        f"export every frame with the same channels")


def test_grey_and_rgba_sequences_pass_the_header_checks(tmp_path):
    _write_oiio(tmp_path / "g.0001.png", ("Y",), pixel_type="uint8")
    _write_oiio(tmp_path / "g.0002.png", ("Y",), pixel_type="uint8")
    assert probe_source(str(tmp_path / "g.####.png"), Fraction(24)).frame_count == 2
    for n in (1, 2):
        _write_oiio(tmp_path / f"c.{n:04d}.exr", ("R", "G", "B", "A"))
    assert probe_source(str(tmp_path / "c.####.exr"), Fraction(24)).has_alpha


# ------------------------------------------------ frame counts from what plays (#21)
def _decoded_by_ffmpeg(path) -> int:
    """How many frames FFmpeg itself shows (its own count, edit lists applied)."""
    out = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                          "-show_entries", "stream=nb_frames,nb_read_frames", "-of",
                          "csv=p=0", str(path)], capture_output=True, text=True, check=True)
    return tuple(int(n) for n in out.stdout.strip().split(","))


def test_an_edit_listed_phone_movie_counts_the_frames_it_plays(tmp_path):
    """The container holds 30 frames, its edit list shows 25: the probe says 25 and
    the plates are exactly those 25 pictures (frames 5-29 of the uncut movie)."""
    whole, cut = edit_listed_movie(tmp_path)
    assert _decoded_by_ffmpeg(cut) == (30, 25)  # nb_frames 30, FFmpeg shows 25
    info = probe_source(str(cut))
    assert info.frame_count == 25
    assert decode_to_pngs(info, tmp_path / "cut", "c", 1001) == 25
    decode_to_pngs(probe_source(str(whole)), tmp_path / "all", "a", 0)
    for i in (0, 24):
        assert np.array_equal(cv2.imread(str(tmp_path / "cut" / f"c.{1001 + i}.png")),
                              cv2.imread(str(tmp_path / "all" / f"a.{5 + i:04d}.png"))), i


@pytest.mark.parametrize("container, readable", [("mp4", 1), ("mkv", 0)])
def test_a_movie_cut_short_is_refused_at_probe(tmp_path, container, readable):
    """Half the bytes of a 24-frame movie: its headers promise 24 frames (the MP4's
    index, the Matroska track's DURATION), its packets stop early."""
    clip = tmp_path / f"cut short.{container}"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                    "testsrc=s=48x32:r=24:d=1", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                    "-movflags", "+faststart", str(clip)], check=True)
    assert probe_source(str(clip)).frame_count == 24
    data = clip.read_bytes()
    clip.write_bytes(data[: len(data) // 2])
    assert _refused(str(clip)) == (
        f"{clip}: only {readable} of 24 frames can be read (truncated or corrupt file)")


# ------------------------------------------------- footage and headers found late (#21)
def _pngs(folder, start=1001, count=4):
    write_pngs(folder, 16, 12, count, name="p", start=start)
    return str(folder / "p.####.png")


@pytest.mark.parametrize("fault, line", [
    ("gap", "{pattern}: 1 frame(s) missing in 1001-1004: 1003"),
    ("empty", "{frame}: frame 1003 is empty (0 bytes); re-export or copy it again"),
    ("folder", "{frame}: frame 1003 is a folder; the sequence needs one image file per frame"),
    ("dangling link", "{frame}: frame 1003 is a symbolic link to {tmp}/gone.png, which is not "
                      "found; the sequence needs one image file per frame"),
    ("not an image", "{frame}: frame 1003 cannot be read as an image (frame 1001 can); "
                     "re-export or copy it again"),
])
def test_a_sequence_with_a_frame_that_is_no_image_is_refused_at_probe(tmp_path, fault, line):
    """FFmpeg would skip such a frame and move every later one up by one."""
    pattern = _pngs(tmp_path / "seq")
    frame = tmp_path / "seq" / "p.1003.png"
    frame.unlink()
    if fault == "empty":
        frame.write_bytes(b"")
    elif fault == "folder":
        frame.mkdir()
    elif fault == "dangling link":
        frame.symlink_to(tmp_path / "gone.png")
    elif fault == "not an image":
        frame.write_bytes(b"a partial copy, not a PNG" * 8)
    assert _refused(pattern) == line.format(pattern=pattern, frame=frame, tmp=tmp_path)


@pytest.mark.parametrize("matrix, line", [
    ((-65536, 0, 0, 0, 65536, 0, 64 << 16, 0, 1 << 30),
     "its display matrix mirrors the picture (as a front camera's may); plates are turned "
     "upright but not mirrored back: re-export it unmirrored"),
    ((46341, 46341, 0, -46341, 46341, 0, 0, 0, 1 << 30),
     "its display matrix turns the picture 45 degrees clockwise; plates are turned upright "
     "by quarter turns only: re-export it upright"),
])
def test_a_mirrored_or_askew_display_matrix_is_refused(tmp_path, matrix, line):
    """Players mirror or tilt such a clip; plates are only turned by quarter turns."""
    from unit.media.footage import with_display_matrix
    whole, _ = edit_listed_movie(tmp_path)
    clip = with_display_matrix(whole, tmp_path / "phone.mp4", matrix)
    assert _refused(str(clip)) == f"{clip}: {line}"


def test_a_movie_of_two_video_streams_says_which_one_makes_the_plates(tmp_path, caplog):
    clip = tmp_path / "two.mov"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                    "testsrc=s=32x18:r=24:d=0.5", "-f", "lavfi", "-i",
                    "testsrc2=s=64x36:r=24:d=0.25", "-map", "0", "-map", "1", "-c:v",
                    "libx264", str(clip)], check=True)
    with caplog.at_level("WARNING", logger="shotstyle"):
        info = probe_source(str(clip))
    assert caplog.messages == [f"{clip}: 2 video streams (0: h264 32x18, 1: h264 64x36); the "
                               f"plates are made of the first, stream 0"]
    assert decode_to_pngs(info, tmp_path / "plates", "t", 1) == info.frame_count == 12


def test_a_movie_over_16384_pixels_a_side_is_refused(tmp_path):
    clip = tmp_path / "wide.mkv"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                    "color=s=20000x2:r=24:d=0.05", "-c:v", "ffv1", str(clip)], check=True)
    assert _refused(str(clip)) == (f"{clip}: frame size 20000x2 is over the limit (16384 "
                                   f"pixels a side, 268435456 pixels)")


def test_a_symlink_loop_a_dangling_link_and_a_folder_are_named_as_such(tmp_path):
    (tmp_path / "a.mov").symlink_to(tmp_path / "b.mov")
    (tmp_path / "b.mov").symlink_to(tmp_path / "a.mov")
    (tmp_path / "old.mov").symlink_to(tmp_path / "moved" / "old.mov")
    (tmp_path / "take.mov").mkdir()
    assert _refused(str(tmp_path / "a.mov")) == (
        f"{tmp_path / 'a.mov'}: the source is a symbolic link loop (a link that leads back "
        f"to itself)")
    assert _refused(str(tmp_path / "old.mov")) == (
        f"{tmp_path / 'old.mov'}: the source is a symbolic link to "
        f"{tmp_path / 'moved' / 'old.mov'}, which is not found")
    assert _refused(str(tmp_path / "take.mov")) == (
        f"{tmp_path / 'take.mov'}: is a folder; give a movie file or a sequence pattern such "
        f"as {tmp_path / 'take.mov' / 'name.%04d.exr'}")


@pytest.mark.parametrize("name", ["one frame.mov", "take\\nmark.mov"])
def test_a_one_frame_movie_and_a_name_with_a_newline_are_rendered(tmp_path, name):
    clip = make_clip(tmp_path / name.replace("\\n", "\n"), 16, 12, frames=1, audio=False)
    info = probe_source(str(clip))
    assert (info.kind, info.frame_count) == ("movie", 1)
    assert decode_to_pngs(info, tmp_path / "plates", "o", 1001) == 1
