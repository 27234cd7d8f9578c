"""Encode a frame sequence to the delivery movies (ProRes .mov, H.264 .mp4).

Both keep the source's exact frame count, frame rate, size (upright, as players
show it) and sample aspect ratio; audio comes from the source; the timecode is
kept. The movies a stage asks for come from one FFmpeg run (``encode_movies``)
that reads the frames once and splits them, each movie with its own filters
and options, so each is what a run of its own would write. Each movie is
written under a temporary name
with an explicit container format and renamed when complete, then checked with
ffprobe.
"""
from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence

import ffmpeg

from pipeline.media import ffmpeg_run, geometry
from pipeline.media.atomic import temporary_path
from pipeline.config import OutputConfig
from pipeline.errors import MediaError
from pipeline.media.display_tags import MovieTags
from pipeline.media.probe import SourceInfo

# Audio codecs each container takes as they are; others are re-encoded.
_MOV_AUDIO_COPY = {"pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_f32le", "pcm_s16be",
                   "pcm_s24be", "aac", "alac", "mp3", "ac3"}
_MP4_AUDIO_COPY = {"aac", "mp3"}
_COLOUR_TAGS = {  # matrix -> (colorspace, primaries, trc)
    "bt709": ("bt709", "bt709", "bt709"),
    "smpte170m": ("smpte170m", "smpte170m", "smpte170m"),
    "bt470bg": ("bt470bg", "bt470bg", "smpte170m"),
    "bt2020": ("bt2020nc", "bt2020", "bt709"),
}
#: The scale filter's name of each matrix a movie is tagged with.
_SCALE_MATRIX = {space: matrix for matrix, (space, _, _) in _COLOUR_TAGS.items()}


@dataclass(frozen=True)
class EncodeJob:
    frames_pattern: str  # printf pattern of the frames to encode
    first: int
    count: int
    info: SourceInfo  # the source: rate, size, audio, timecode, colour
    alpha_pattern: Optional[str] = None  # frames whose alpha the .mov carries (the plates)
    crop: Optional[tuple[int, int, int, int]] = None  # (x, y, w, h) of frames with overscan
    #: the movies' colour tags (a colour-managed shot's display colour space,
    #: ``pipeline.media.display_tags``); None: the source's, from its YUV matrix
    tags: Optional[MovieTags] = None


def _matrix(info: SourceInfo) -> str:
    return info.color_matrix or ("bt709" if info.height >= 720 else "smpte170m")


def _cropped(stream, job: EncodeJob):
    """The display window of frames that hold overscan (``SourceInfo.display_crop``)."""
    if job.crop is None:
        return stream
    x, y, w, h = job.crop
    return stream.filter("crop", w, h, x, y, exact=1)


def _colour(job: EncodeJob) -> tuple[str, str, str, str]:
    """(scale filter matrix, colorspace, primaries, trc) of the job's movies;
    ``unknown`` for a tag left unspecified."""
    if job.tags is None:
        return (_matrix(job.info), *_COLOUR_TAGS[_matrix(job.info)])
    t = job.tags
    return (_SCALE_MATRIX[t.matrix], t.matrix, t.primaries or "unknown",
            t.transfer or "unknown")


def _frames(job: EncodeJob):
    """The job's frames, read once whatever the movies made of them."""
    v = ffmpeg.input(job.frames_pattern, f="image2", framerate=job.info.fps,
                     start_number=job.first).video
    # Limit the video in the graph, not with -frames:v: that option ends the
    # whole output and cuts the audio short.
    return _cropped(v.filter("trim", end_frame=job.count), job)


def _video(job: EncodeJob, frames, pix_fmt: str, pad_even: bool = False,
           burn_in: Sequence[Mapping[str, Any]] = ()):
    """A movie's video from ``frames`` (``_frames``, or one branch of it)."""
    v = frames
    if job.alpha_pattern and pix_fmt.startswith("yuva"):
        # The plates' alpha joins the frames' planes at 16 bits (FFmpeg's
        # alphamerge works in 8 bits only): G, B, R from the frames, A from the plates.
        alpha = ffmpeg.input(job.alpha_pattern, f="image2", framerate=job.info.fps,
                             start_number=job.first).video
        alpha = _cropped(alpha.filter("trim", end_frame=job.count), job).filter("format",
                                                                                "gbrap16le")
        v = ffmpeg.filter([v.filter("format", "gbrp16le"), alpha.filter("extractplanes", "a")],
                          "mergeplanes", "0x00010210", "gbrap16le")
    if pad_even:
        v = v.filter("pad", "ceil(iw/2)*2", "ceil(ih/2)*2", color="black")
    matrix, space, primaries, trc = _colour(job)
    v = v.filter("scale", out_color_matrix=matrix, out_range="tv")
    # Tag the frames too: some encoders (prores_ks) read colour from frames only.
    v = v.filter("setparams", range="tv", colorspace=space, color_primaries=primaries,
                 color_trc=trc)
    # drawn on the coded frames (white and black are the same in every matrix)
    for options in burn_in:
        v = v.filter("drawtext", **options)
    v = geometry.encode_filters(v, job.info.sar_fraction)
    return v.filter("format", pix_fmt)


def _audio(job: EncodeJob):
    """The source's audio from its first frame read on; for a source range, that
    range's stretch: FFmpeg's input seek decodes up to the exact sample when the
    audio is re-encoded (``_audio_copy`` makes sure it is)."""
    info = job.info
    if not info.has_audio or info.kind != "movie":
        return None
    start = info.audio_offset + float(info.range_start / info.fps_fraction)
    kwargs = {"ss": f"{start:.6f}"} if start > 1e-4 else {}
    if info.ranged:
        kwargs["t"] = f"{float(info.frame_count / info.fps_fraction):.6f}"
    return ffmpeg.input(info.source, **kwargs)["a:0"]


def _audio_copy(job: EncodeJob, codecs: set[str]) -> bool:
    """Copy the source's audio packets (no re-encode) when the codec fits and
    no range is cut out of it (a cut needs the samples)."""
    return job.info.audio_codec in codecs and not job.info.ranged


def _common_args(job: EncodeJob) -> dict:
    _, space, primaries, trc = _colour(job)
    args = {"colorspace": space, "color_primaries": primaries,
            "color_trc": trc, "color_range": "tv", "r": job.info.fps,
            **geometry.ENCODE_OUTPUT_ARGS}
    if job.info.timecode:
        args["timecode"] = job.info.timecode
    return args


@dataclass(frozen=True)
class _Movie:
    """One movie of an FFmpeg run: its streams, output options, expected size, name."""
    streams: list
    args: dict
    size: tuple[int, int]
    what: str


def encode_prores(job: EncodeJob, target: Path, poll: Optional[Callable] = None) -> None:
    """ProRes 422 HQ, 10-bit 4:2:2 (takes odd sizes as they are); ProRes 4444 with
    an alpha channel when the job has one."""
    encode_movies(job, {"mov": target}, poll=poll)


def encode_h264(job: EncodeJob, target: Path, cfg: OutputConfig,
                burn_in: Sequence[Mapping[str, Any]] = (),
                poll: Optional[Callable] = None) -> None:
    """H.264 review copy: yuv420p, or yuv444p for odd sizes when mp4_odd_size=exact;
    ``burn_in``: its drawtext filters (``pipeline.media.burn_in.drawtext_chain``)."""
    encode_movies(job, {"mp4": target}, cfg, burn_in, poll)


def encode_movies(job: EncodeJob, targets: Mapping[str, Path], cfg: Optional[OutputConfig] = None,
                  burn_in: Sequence[Mapping[str, Any]] = (),
                  poll: Optional[Callable] = None) -> None:
    """The movies of ``targets`` (``mov``: ``encode_prores``'s, ``mp4``:
    ``encode_h264``'s, with ``cfg``) from ONE FFmpeg run that reads the frames,
    the plates' alpha and the audio once; each movie is what its own run writes.
    A failure names every movie of the run."""
    frames = _frames(job)
    branches = iter([frames] if len(targets) == 1 else
                    [frames.split()[i] for i in range(len(targets))])
    audio = _audio(job)
    movies = {kind: (_prores_movie(job, next(branches), audio, target) if kind == "mov" else
                     _h264_movie(job, next(branches), audio, target, cfg or OutputConfig(),
                                 burn_in))
              for kind, target in targets.items()}
    _write(movies, targets, job, poll)


def _prores_movie(job: EncodeJob, frames, audio, target: Path) -> _Movie:
    alpha = job.alpha_pattern is not None
    args = dict(_common_args(job), vcodec="prores_ks", **{"profile:v": 4 if alpha else 3},
                vendor="apl0", f="mov")
    if alpha:
        args["alpha_bits"] = 16
    streams = [_video(job, frames, "yuva444p10le" if alpha else "yuv422p10le")]
    if audio is not None:
        streams.append(audio)
        args["acodec"] = "copy" if _audio_copy(job, _MOV_AUDIO_COPY) else "pcm_s24le"
    return _Movie(streams, args, (job.info.width, job.info.height),
                  f"{Path(target).name}: ProRes encode failed")


def mp4_needs_444(info: SourceInfo, cfg: OutputConfig) -> bool:
    odd = info.width % 2 or info.height % 2
    return bool(odd) and cfg.mp4_odd_size == "exact"


def _h264_movie(job: EncodeJob, frames, audio, target: Path, cfg: OutputConfig,
                burn_in: Sequence[Mapping[str, Any]]) -> _Movie:
    odd = bool(job.info.width % 2 or job.info.height % 2)
    pad = odd and cfg.mp4_odd_size == "pad"
    size = ((job.info.width + 1) // 2 * 2, (job.info.height + 1) // 2 * 2) if pad else (
        job.info.width, job.info.height)
    pix_fmt = "yuv444p" if mp4_needs_444(job.info, cfg) else "yuv420p"
    args = dict(_common_args(job), vcodec="libx264", crf=cfg.mp4_crf, preset=cfg.mp4_preset,
                movflags="+faststart", f="mp4")
    streams = [_video(job, frames, pix_fmt, pad_even=pad, burn_in=burn_in)]
    if audio is not None:
        streams.append(audio)
        if _audio_copy(job, _MP4_AUDIO_COPY):
            args["acodec"] = "copy"
        else:
            args.update({"acodec": "aac", "b:a": "256k"})
    return _Movie(streams, args, size, f"{Path(target).name}: H.264 encode failed")


def _write(movies: Mapping[str, _Movie], targets: Mapping[str, Path], job: EncodeJob,
           poll: Optional[Callable]) -> None:
    """Each movie under a temporary name, all from one FFmpeg run, then checked."""
    with ExitStack() as stack:
        tmps = {}
        for kind, target in targets.items():
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            tmps[kind] = stack.enter_context(temporary_path(Path(target)))
        outputs = [ffmpeg.output(*m.streams, str(tmps[kind]), **m.args)
                   for kind, m in movies.items()]
        what = "; ".join(m.what for m in movies.values())
        ffmpeg_run.run(ffmpeg.merge_outputs(*outputs) if len(outputs) > 1 else outputs[0],
                       what, poll=poll)
        for kind, m in movies.items():
            check_movie(tmps[kind], job, m.size, what=Path(targets[kind]).name)


def check_movie(path: Path, job: EncodeJob, size: tuple[int, int], what: str) -> dict:
    """Verify frame count, rate, size and sample aspect ratio of an encoded movie, and
    that it carries no rotation; returns its video stream."""
    data = ffmpeg_run.probe(str(path), count_packets=None)
    video = next((s for s in data.get("streams", []) if s.get("codec_type") == "video"), None)
    if video is None:
        raise MediaError(f"{what}: encoded file has no video stream")
    count = int(video.get("nb_read_packets") or 0)
    if count != job.count:
        raise MediaError(f"{what}: encoded {count} frames, expected {job.count}")
    if Fraction(video.get("r_frame_rate", "0/1")) != job.info.fps_fraction:
        raise MediaError(f"{what}: frame rate {video.get('r_frame_rate')}, "
                         f"expected {job.info.fps}")
    got = (int(video.get("width", 0)), int(video.get("height", 0)))
    if got != tuple(size):
        raise MediaError(f"{what}: encoded size {got[0]}x{got[1]}, expected {size[0]}x{size[1]}")
    sar = geometry.parse_sar(video.get("sample_aspect_ratio"))
    if sar != job.info.sar_fraction:
        raise MediaError(f"{what}: encoded sample aspect ratio {geometry.sar_text(sar)}, "
                         f"expected {geometry.sar_text(job.info.sar_fraction)}")
    rotation = geometry.rotation_of(video)
    if rotation:
        raise MediaError(f"{what}: encoded with a rotation of {rotation} degrees, expected none")
    return video
