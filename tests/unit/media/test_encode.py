"""pipeline.media.encode against the real ffmpeg: the ProRes master and the review mp4
keep the frame count, rate, size, audio and timecode."""
import subprocess
from fractions import Fraction

import pytest

from helpers import ffprobe_video, make_clip, write_pngs
from pipeline.config import OutputConfig
from pipeline.media.decode import decode_to_pngs
from pipeline.errors import MediaError
from pipeline.media.encode import EncodeJob, encode_h264, encode_movies, encode_prores
from pipeline.media.probe import probe_source, with_range
from pipeline.media.sequence import frame_pattern


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


def _frame_hashes(movie) -> list[str]:
    """Every stream's decoded frames (video and audio), by md5."""
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", str(movie), "-map", "0", "-f",
                          "framemd5", "-"], capture_output=True, text=True, check=True).stdout
    return [ln.split(",", 1)[0] + ln.rsplit(",", 1)[1] for ln in out.splitlines()
            if ln and not ln.startswith("#")]


def test_one_run_writes_what_separate_runs_write(tmp_path):
    """Odd size (the mp4 padded), audio, timecode and the plates' alpha (ProRes 4444)."""
    clip = make_clip(tmp_path / "src.mov", 65, 37, frames=5, fps="25", timecode="01:00:00:00",
                     pix_fmt="yuv444p")
    info = probe_source(str(clip))
    decode_to_pngs(info, tmp_path / "f", "sh", 1001)
    decode_to_pngs(info, tmp_path / "p", "sh", 1001)  # as plates: the alpha's frames
    job = EncodeJob(frame_pattern(tmp_path / "f", "sh"), 1001, 5, info,
                    frame_pattern(tmp_path / "p", "sh"))
    encode_prores(job, tmp_path / "a.mov")
    encode_h264(job, tmp_path / "a.mp4", OutputConfig())
    encode_movies(job, {"mov": tmp_path / "b.mov", "mp4": tmp_path / "b.mp4"}, OutputConfig())
    for ext in ("mov", "mp4"):
        separate = _frame_hashes(tmp_path / f"a.{ext}")
        assert len(separate) > 5 and _frame_hashes(tmp_path / f"b.{ext}") == separate, ext
    assert ffprobe_video(tmp_path / "b.mov")["tags"]["timecode"] == "01:00:00:00"
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == [
        "a.mov", "a.mp4", "b.mov", "b.mp4", "src.mov"]  # no temporaries left


def test_a_failed_run_leaves_neither_movie(tmp_path):
    pattern = write_pngs(tmp_path / "f", 32, 24, 3, name="sh", start=1001)
    info = probe_source(str(tmp_path / "f" / "sh.####.png"), Fraction(25))
    job = EncodeJob(pattern, 1001, 4, info)  # one frame more than there is
    with pytest.raises(MediaError, match="b.mov: encoded 3 frames, expected 4"):
        encode_movies(job, {"mov": tmp_path / "b.mov", "mp4": tmp_path / "b.mp4"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]
