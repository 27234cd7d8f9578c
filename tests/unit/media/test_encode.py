"""pipeline.media.encode against the real ffmpeg: the ProRes master and the review mp4
keep the frame count, rate, size, audio and timecode."""
import subprocess
from fractions import Fraction

import pytest

from helpers import ffprobe_video, make_clip, write_pngs
from pipeline.config import OutputConfig
from pipeline.media.decode import decode_to_pngs
from pipeline.media.encode import EncodeJob, encode_h264, encode_prores
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
