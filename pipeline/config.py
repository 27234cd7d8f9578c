"""Typed, validated configuration: one dataclass per YAML file.

* ``configs/pipeline.yaml``      -> PipelineConfig (defaults for every shot)
* ``configs/shots/<shot>.yaml``  -> ShotConfig
* ``configs/styles/<style>.yaml``-> StyleConfig

The config folder is ``$SHOTSTYLE_CONFIG_DIR`` or ``./configs``. Relative paths
inside a YAML file are relative to that file's folder. ``$SHOTSTYLE_WORK_ROOT``
and ``$SHOTSTYLE_RENDER_ROOT`` override the work and render roots.

Validation is driven by the dataclass type hints and each field's metadata
(``setting``: help text, bounds), so a field added to a class is validated, and
documented in docs/CONFIG.md (``python -m pipeline.config_doc``), with no extra
code. Every problem is a ConfigError whose message names the file, the key and
what was expected.
"""
from __future__ import annotations

import copy
import dataclasses
import os
import re
import types
import typing
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any, Collection, Literal, NamedTuple, Optional

import yaml

from models.formats import CHECKPOINT_FORMATS, FORMAT_OPTIONS
from models.train_settings import TrainSettings
from pipeline.errors import ConfigError
from pipeline.media.sequence import is_sequence_pattern, sequence_of_frame

#: OpenColorIO's built-in ACES studio config by its versioned name: the config
#: ``ocio://studio-config-latest`` is in OpenColorIO 2.6, so its pixels stay put
#: when a later wheel's "latest" moves on.
BUILTIN_OCIO_CONFIG = "ocio://studio-config-v5.0.0_aces-v2.1_ocio-v2.6"
#: The display and view with BUILTIN_OCIO_CONFIG when no shot, style or pipeline
#: sets them: the primaries plus the sRGB curve, no tone mapping (exact inverse).
BUILTIN_DISPLAY_VIEW = ("sRGB - Display", "Un-tone-mapped")

#: The longest shot (or style) name, in characters.
SHOT_NAME_MAX = 128
SHOT_NAME_RE = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9_.-]{{0,{SHOT_NAME_MAX - 1}}}$")


# --------------------------------------------------------------------------- #
# Schema
# --------------------------------------------------------------------------- #
# Each field carries its own documentation and bounds in its metadata, read by
# the validator (``_check_bounds``) and by ``pipeline.config_doc`` (docs/CONFIG.md):
#   help   what the key does (Markdown, one paragraph)
#   min / max        inclusive bounds of a number, checked on load
#   below            exclusive upper bound of a number, checked on load
#   unit             'seconds': the bounds message says seconds
#   rule             a check made in code beyond the bounds (documentation only)
#   required         a key with a null default that its loader insists on
# Allowed values are the field's Literal type, which the loader checks.
def setting(default: Any = dataclasses.MISSING, *, help: str,
            default_factory: Any = dataclasses.MISSING, min: Any = None, max: Any = None,
            below: Any = None, unit: Optional[str] = None, rule: Optional[str] = None,
            path: Optional[str] = None, must_exist: bool = False,
            required: bool = False) -> Any:
    """A config field with its help text and bounds in its metadata (``required``:
    a key with a null default that its loader insists on)."""
    meta: dict[str, Any] = {"help": help}
    if required:
        meta["required"] = True
    for key, value in (("min", min), ("max", max), ("below", below), ("unit", unit),
                       ("rule", rule), ("path", path)):
        if value is not None:
            meta[key] = value
    if path is not None:
        meta["must_exist"] = must_exist
    return field(default=default, default_factory=default_factory, metadata=meta)


def _path(kind: str = "any", must_exist: bool = False, default: Any = None, *,
          help: str, required: bool = False) -> Any:
    """A path field; ``kind`` is 'file', 'dir' or 'any'."""
    return setting(default, help=help, path=kind, must_exist=must_exist, required=required)


#: Bounds shared by the pipeline's keys and the shots' overrides of them.
CHUNK_SIZE_BOUNDS = {"min": 1, "max": 100_000}
BATCH_SIZE_BOUNDS = {"min": 1, "max": 4096}
#: The highest frame rate a shot, a header or ``--rate`` may give.
FPS_MAX = 1000


@dataclass(frozen=True)
class PipelineConfig:
    work_root: Path = _path("dir", default=Path("work"), help=(
        "Per-stage checkpoints and logs, `<work_root>/<shot>/...`; "
        "`$SHOTSTYLE_WORK_ROOT` overrides it. Put it on shared storage for several hosts."))
    render_root: Path = _path("dir", default=Path("renders"), help=(
        "Deliverables, `<render_root>/<shot>/...`; `$SHOTSTYLE_RENDER_ROOT` overrides it."))
    chunk_size: int = setting(48, **CHUNK_SIZE_BOUNDS, help=(
        "Frames per stylise / flow / smooth task (one Luigi task or farm task per chunk)."))
    batch_size: int = setting(4, **BATCH_SIZE_BOUNDS, help=(
        "Frames per generator call. On the CPU fewer where a call would take more pixels "
        "than `models.inference.CPU_CALL_PIXELS` (one 1920x1080 frame), so its memory "
        "does not grow with the frame size (bench/RESULTS.md, \"Pixels per generator "
        "call\"). Halved (then the tile size) on CUDA out-of-memory and the frames "
        "retried."))
    device: Literal["auto", "cpu", "cuda"] = setting("auto", help=(
        "`auto`: CUDA if present, else the CPU; `cuda` is an error where there is none."))
    precision: Literal["auto", "fp32", "bf16", "fp16"] = setting("auto", help=(
        "`auto`: bf16 on CUDA and on CPUs with native bf16 (AVX512-BF16 or AMX), fp32 "
        "elsewhere; with PyTorch on the CPU the first layer stays fp32. The stage log "
        "says which ran and why."))
    cpu_backend: Literal["auto", "torch", "openvino"] = setting("auto", help=(
        "How the generator runs on the CPU. `auto`: OpenVINO for styles that are PyTorch "
        "modules (faster than PyTorch at the same precision, with a looser bf16; "
        "bench/RESULTS.md \"Precision\"), PyTorch for TorchScript files and for a network "
        "OpenVINO cannot convert (with a warning). OpenVINO's usage telemetry is declined "
        "when shotstyle imports it: a render sends nothing and writes nothing under "
        "`~/intel`."))
    threads: int = setting(0, min=0, max=4096, help=(
        "CPU threads for inference and training, and the flow stage's frame pairs computed "
        "at once; 0 = one per core. On a machine shared with other CPU-heavy "
        "jobs use fewer (bench/RESULTS.md, \"Training threads\")."))
    tile_size: int = setting(2048, min=0, max=1 << 16, help=(
        "Frames with a larger side are stylised in overlapping, feathered tiles so 4K fits "
        "in memory; 0 = never tile. 2048: 1080p and 2K are stylised whole, 4K in 4-6 tiles "
        "(bench/RESULTS.md, \"Pixels per generator call\"); part of the styled stage's key."))
    tile_overlap: int = setting(64, min=0, max=4096, rule="less than half of tile_size", help=(
        "Overlap of neighbouring tiles, in pixels."))
    png_compression: int = setting(0, min=0, max=9, help=(
        "zlib level of the work-area PNGs (and of `frames/`, which copies them); 0 stores "
        "them uncompressed: more disk, fastest to write and read (bench/RESULTS.md, "
        "\"bench_io.py\")."))
    retries: int = setting(2, min=0, max=10, help=(
        "Extra attempts of a stage after a transient I/O error in its own file I/O (EIO, "
        "ESTALE, timeouts), in the stage's process; user errors and a full disk are never "
        "retried."))
    retry_wait: float = setting(10.0, min=0, max=600, unit="seconds", help=(
        "Seconds before the first retry; doubles each time."))
    ocio_config: str = setting(BUILTIN_OCIO_CONFIG, help=(
        "OpenColorIO config for every colour conversion: a file (relative to this file's "
        "folder) or a config built into OpenColorIO (nothing is downloaded). `$OCIO` wins "
        "when set, as in every OCIO application. The default is OCIO's ACES studio config "
        "by its versioned name, so a new OpenColorIO wheel cannot change a render; an "
        "`ocio://...-latest` name is allowed but warned about."))
    display: Optional[str] = setting(None, help=(
        "The display of the display-referred pictures the generator sees (and keyframes "
        "are painted on) for colour-managed sources; a style, then a shot, overrides it. "
        "Null: the OCIO config's default display, except with the built-in default config "
        "(neither `$OCIO` nor `ocio_config` names another): `sRGB - Display` "
        "(docs/COMPOSITORS.md)."))
    view: Optional[str] = setting(None, help=(
        "The view for `display`; a style, then a shot, overrides it. Null: the display's "
        "default view for the source's colour space (the config's viewing rules), except "
        "with the built-in default config: `Un-tone-mapped` (`BUILTIN_DISPLAY_VIEW`: the "
        "primaries plus the sRGB curve, no tone mapping; that config's own default view "
        "tone-maps and does not invert exactly)."))


#: How smoothing blends the history (``pipeline.temporal.smoother``).
SMOOTHING_METHODS = ("adaptive", "flow", "none")
#: OpenCV DIS optical-flow presets (cv2.DISOPTICAL_FLOW_PRESET_<NAME>).
FLOW_PRESETS = ("medium", "fast", "ultrafast")
#: How the flow's occlusion / reliability mask is found (``pipeline.temporal.flow``).
FLOW_OCCLUSIONS = ("forward_backward", "photometric")
#: x264's presets: a name ffmpeg does not know would fail the encode stage after the
#: frames are made, so it is refused with the config
X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow",
                "slower", "veryslow", "placebo")


@dataclass(frozen=True)
class SmoothingConfig:
    """Temporal smoothing and its optical flow: these defaults are the only ones."""
    method: Literal[SMOOTHING_METHODS] = setting("adaptive", help=(
        "`adaptive`: flow-guided, the history's weight falls where the picture really "
        "changed, so moving objects leave no trail (best measured); `flow`: the plain "
        "flow-guided blend (removes more flicker, softens texture, leaves trails); "
        "`none`: off. Changing it redoes only the smoothing."))
    strength: float = setting(0.9, min=0.0, below=1.0, help=(
        "Weight of the flow-carried previous output frame; 0 = off."))
    flow_scale: float = setting(1.0, min=0.1, max=1.0, help=(
        "Optical flow computed at this fraction of the frame size. Half size is faster "
        "but not as good (larger photometric error of the warped plates, a smaller cut in "
        "E_warp after smoothing, most on large motion; bench/RESULTS.md, \"Flow "
        "resolution and preset\"), so the flow is computed at full size."))
    flow_preset: Literal[FLOW_PRESETS] = setting("medium", help=(
        "OpenCV DIS preset; `fast` and `ultrafast` measured much worse for smoothing."))
    flow_occlusion: Literal[FLOW_OCCLUSIONS] = setting("photometric", help=(
        "How the flow's reliability (occlusion) mask is found. `photometric`: one DIS flow "
        "per frame pair, unreliable where the warped previous plate differs from the current "
        "one by more than the local gradient explains or where the flow is strongly "
        "compressed (about 0.65x the flow stage's CPU time of `forward_backward`, the same "
        "flicker reduction within 0.005); `forward_backward`: a second, reverse DIS flow "
        "per pair and the forward-backward consistency test (docs/SMOOTHING.md, "
        "bench/RESULTS.md \"One DIS flow per pair\")."))


#: Lossless OpenEXR compressions (OpenImageIO's names).
EXR_COMPRESSIONS = ("zip", "zips", "piz", "rle", "none")


@dataclass(frozen=True)
class OutputConfig:
    mov: bool = setting(True, help=(
        "Write `<shot>_styled.mov`: ProRes 422 HQ (ProRes 4444 when the source has alpha)."))
    mp4: bool = setting(True, help="Write `<shot>_styled.mp4`: the H.264 review copy.")
    frames: bool = setting(True, help="Write the PNG frame sequence `frames/<shot>.####.png`.")
    mp4_crf: int = setting(18, min=0, max=51, help="x264 constant rate factor of the mp4.")
    mp4_preset: Literal[X264_PRESETS] = setting("medium", help="x264 preset of the mp4.")
    mp4_odd_size: Literal["exact", "pad"] = setting("pad", help=(
        "H.264 4:2:0 cannot store odd sizes. `pad` pads the mp4 to even with black on the "
        "right / bottom (1 px more; plays in browsers and hardware decoders); `exact` keeps "
        "the size and writes H.264 High 4:4:4, which many of them do not play. The ProRes "
        "keeps the size either way."))
    exr: Optional[bool] = setting(None, help=(
        "Write `exr/<shot>.####.exr`: half float in the source's colour space "
        "(docs/COMPOSITORS.md). Null: on for EXR and DPX sources, off for movies (a movie "
        "needs a `colorspace` for it)."))
    exr_compression: Literal[EXR_COMPRESSIONS] = setting("zip", help=(
        "Compression of the EXR frames (all lossless)."))
    burn_in: bool = setting(False, help=(
        "Burn the shot, version, frame number and source timecode into the mp4 (FFmpeg's "
        "drawtext): shot and version top-left, timecode bottom-left, frame number "
        "bottom-right. Never on the ProRes, PNG or EXR frames."))


@dataclass(frozen=True)
class SourceRange:
    """Part of a source, in its frames: ``start`` frames in (0 = the file's or the
    sequence's first frame), ``duration`` frames long (OpenTimelineIO's names)."""
    start: int = setting(min=0, max=99_999_999, help=(
        "Frames in from the source's first frame (0)."))
    duration: int = setting(min=1, max=9_999_999, help="Frames long.")


#: The highest frame number the ``edit`` section may give (a first frame up to
#: 9,999,999 plus a duration up to 9,999,999).
EDIT_FRAME_MAX = 99_999_999


@dataclass(frozen=True)
class ShotEdit:
    """Where a shot is in the edit it was made from: ``shots-from-edit`` writes
    it; metadata that no stage reads (publishing reads the cut and handles)."""
    cut: str = setting(help="The edit's file name (`reel_a.edl`), as the lines show it.")
    clip: str = setting(help="The clip's name in the edit, as the lines show it.")
    cut_in: int = setting(min=0, max=EDIT_FRAME_MAX, help=(
        "The first frame of the cut, in this shot's frame numbers."))
    cut_out: int = setting(min=0, max=EDIT_FRAME_MAX, rule="not before cut_in", help=(
        "The last frame of the cut (inclusive), in this shot's frame numbers."))
    handles: tuple[int, int] = setting(min=0, max=9_999_999, help=(
        "Handle frames `[head, tail]`: kept before the cut and after it, beyond the frames a "
        "transition shows of the clip past its cut (which are part of the cut)."))
    transition_in: int = setting(0, min=0, max=9_999_999, help=(
        "Length in frames of the transition (a dissolve) at the cut in; 0: a cut."))
    transition_out: int = setting(0, min=0, max=9_999_999, help=(
        "Length in frames of the transition at the cut out; 0: a cut."))


@dataclass(frozen=True)
class ShotConfig:
    source: str = setting(help=(
        "Movie file, or image-sequence pattern (`plates/s01.%04d.exr`, "
        "`plates/s01.####.png`), or with `sequence: true` one frame of a sequence; "
        "relative to this file's folder."))
    style: str = setting(rule="a style name: configs/styles/<name>.yaml", help=(
        "Name of the style, `configs/styles/<style>.yaml`."))
    sequence: Optional[bool] = setting(None, rule="true: a pattern or one frame of a "
                                       "sequence on disk; false: not a pattern", help=(
        "`true`: the source is an image sequence, and may be given by one of its frames "
        "(`plates/A001.1001.exr`, as a file browser copies it): the whole sequence on disk "
        "that holds that frame is read (fileseq). `false`: a movie. Null: a pattern "
        "(`####`, `%04d`, `@`, `$F4` right before the extension) is a sequence, anything "
        "else a movie."))
    first_frame: int = setting(1001, min=0, max=9_999_999, help=(
        "Number of the first frame in the work area and outputs."))
    source_range: Optional[SourceRange] = setting(None, help=(
        "Only this part of the source (a shot cut from a long take; `shots-from-edit` "
        "writes it), e.g. `{start: 120, duration: 64}`: decoded exactly, with the audio and "
        "the timecode of the range. Null: the whole source."))
    fps: Optional[str] = setting(None, rule=f"greater than 0, at most {FPS_MAX}", help=(
        "Frame rate: `24`, `23.976`, `24000/1001` (common NTSC decimals snap to /1001). "
        "Null: the movie's rate, or a sequence's header rate (EXR `framesPerSecond`, DPX "
        "frame rate); required for sequences whose headers carry none. When it differs "
        "from a header's, it wins with a warning."))
    deinterlace: bool = setting(False, help=(
        "Interlaced source: deinterlace the plates with FFmpeg's `bwdif`, one frame per "
        "frame."))
    chunk_size: Optional[int] = setting(None, **CHUNK_SIZE_BOUNDS, help=(
        "Overrides the pipeline's `chunk_size` for this shot."))
    batch_size: Optional[int] = setting(None, **BATCH_SIZE_BOUNDS, help=(
        "Overrides the pipeline's `batch_size` for this shot."))
    colorspace: Optional[str] = setting(None, help=(
        "The source's colour space in the OCIO config (`ACEScg`, `ARRI LogC3 (EI800)`, "
        "`Linear Rec.709 (sRGB)`, `ADX10`, ...); an unknown name stops the render with the "
        "close names. Null, for an EXR or DPX sequence: a file rule of the config that "
        "matches it (not its default rule; not with the built-in default config), else for "
        "a DPX the colour space its header's transfer names, else EXR the config's "
        "`scene_linear` role, DPX `sRGB - Texture`, else the config's default rule. Movies: "
        "as their tags say (display-referred, no OCIO) unless given one (a log ProRes: "
        "`ARRI LogC3 (EI800)`), which makes them colour-managed."))
    display: Optional[str] = setting(None, help="Overrides the style's and pipeline's `display`.")
    view: Optional[str] = setting(None, help="Overrides the style's and pipeline's `view`.")
    smoothing: SmoothingConfig = setting(default_factory=SmoothingConfig, help=(
        "Temporal smoothing and its optical flow."))
    output: OutputConfig = setting(default_factory=OutputConfig, help=(
        "Which deliverables are written to `renders/<shot>/`, and how."))
    edit: Optional[ShotEdit] = setting(None, help=(
        "Where the shot is in its edit (`shots-from-edit` writes it), e.g. `{cut: reel_a.edl, "
        "clip: take1.mov, cut_in: 1009, cut_out: 1020, handles: [8, 8], transition_in: 0, "
        "transition_out: 12}`: metadata for publishing, in this shot's frame numbers; no "
        "stage reads it, so it never makes a stage redo. Null: not from an edit."))


@dataclass(frozen=True, kw_only=True)
class TrainConfig(TrainSettings):
    """How TrainStyle makes the style's checkpoint (when the file is missing): the
    training settings (``models.train_settings.TrainSettings``, its defaults)
    plus where the training images come from."""
    method: Literal["keyframes", "unpaired"] = setting(help=(
        "`keyframes`: a U-Net learns plate -> painting from painted keyframes; "
        "`unpaired`: CycleGAN-style from a folder of reference art (docs/STYLES.md)."))
    shot: str = setting(rule="a shot name", help=(
        "The shot whose plates are painted (keyframes) or give the content (unpaired)."))
    keyframes: Optional[dict[int, Path]] = _path("file", must_exist=True, default=None, help=(
        "keyframes: frame number -> painted frame (same size as the plate), e.g. "
        "`{1001: keys/s01.1001.png}`; at least one."))
    style_images: Optional[Path] = _path("dir", must_exist=True, help=(
        "unpaired: a folder of style images (reference art)."))
    content_frames: int = setting(24, min=1, max=1000, help=(
        "unpaired: plates sampled evenly from the shot."))
    vgg_weights: Optional[Path] = _path("file", must_exist=True, help=(
        "A torchvision VGG16/19 `state_dict` on disk (nothing is downloaded); needed when "
        "`perceptual_weight` > 0."))


@dataclass(frozen=True)
class StyleConfig:
    checkpoint: Optional[Path] = _path("file", required=True, help=(
        "The generator file: loaded if it exists, written by training (the "
        "`train` section) if not."))
    format: Literal[CHECKPOINT_FORMATS] = setting("shotstyle", help=(
        "The checkpoint's family: this project's, or a public one (docs/STYLES.md)."))
    model: dict[str, Any] = setting(default_factory=dict, help=(
        "Loader options for public formats, e.g. `{netG: resnet_9blocks, norm: instance}` "
        "(docs/STYLES.md)."))
    train: Optional[TrainConfig] = setting(None, help=(
        "How `TrainStyle` makes the checkpoint when the file is missing (only format "
        "`shotstyle`). Null: the checkpoint must exist."))
    description: str = setting("", help="Free text.")
    display: Optional[str] = setting(None, help=(
        "The display the style is painted for (its keyframes, the pictures its generator "
        "sees): overrides the pipeline's; a shot overrides it."))
    view: Optional[str] = setting(None, help=(
        "The view the style is painted for: overrides the pipeline's; a shot overrides it."))


# --------------------------------------------------------------------------- #
# Generic loader
# --------------------------------------------------------------------------- #
def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(tp))
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return " or ".join(_type_name(a) for a in args) + " (or null)"
    if origin in (dict, typing.Dict):
        k, v = typing.get_args(tp)
        return f"a mapping of {_type_name(k)} to {_type_name(v)}"
    if origin is tuple:
        return f"[{', '.join(_type_name(a) for a in typing.get_args(tp))}]"
    if dataclasses.is_dataclass(tp):
        return "a mapping"
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false",
            Path: "a path (string)"}.get(tp, getattr(tp, "__name__", str(tp)))


def _coerce(value: Any, tp: Any, where: str, base: Path, meta: dict) -> Any:
    """Check ``value`` against type ``tp``; return the typed value or raise."""
    def bad() -> ConfigError:
        return ConfigError(f"{where}: expected {_type_name(tp)}, got {value!r}")

    if tp is Any:
        return value
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _coerce(value, args[0], where, base, meta)
    if origin is Literal:
        if value not in typing.get_args(tp):
            raise bad()
        return value
    if origin in (dict, typing.Dict):
        if not isinstance(value, dict):
            raise bad()
        ktp, vtp = typing.get_args(tp)
        inner = where[:-1] if where.endswith("'") else where
        return {_coerce(k, ktp, f"{inner}.{k}'", base, {}):
                _coerce(v, vtp, f"{inner}.{k}'", base, meta) for k, v in value.items()}
    if origin is tuple:  # a YAML list of as many values as the type gives
        items = typing.get_args(tp)
        if not isinstance(value, (list, tuple)) or len(value) != len(items):
            raise bad()
        return tuple(_coerce(v, t, where, base, meta) for v, t in zip(value, items))
    if tp is bool:
        if not isinstance(value, bool):
            raise bad()
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad()
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad()
        return float(value)
    if tp is str:
        # YAML reads 24 or 23.976 as numbers; a str field takes them as text.
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise bad()
        return str(value)
    if tp is Path:
        if not isinstance(value, str) or not value:
            raise bad()
        path = Path(os.path.expanduser(value))
        path = path if path.is_absolute() else base / path
        path = Path(os.path.normpath(path))
        if meta.get("must_exist"):
            kind = meta.get("path")
            if kind == "file" and not path.is_file():
                raise ConfigError(f"{where}: file not found: {path}")
            if kind == "dir" and not path.is_dir():
                raise ConfigError(f"{where}: folder not found: {path}")
        return path
    raise TypeError(f"unsupported config type {tp!r}")  # programming error


#: The most nodes (keys, values, list items) a config file may hold once its
#: aliases are expanded: every reader of the config (stage keys, ``status``)
#: walks it whole, so a few nested aliases ("billion laughs") would take all memory.
YAML_MAX_NODES = 10_000


class _Refused(Exception):
    """A config file the loader refuses: its str() is the message after the file."""


class ConfigLoader(yaml.SafeLoader):
    """YAML's safe loader, for config files: a key written twice in one mapping is
    refused (not the last value taken), and so is a document that its aliases
    expand past YAML_MAX_NODES nodes, or into itself."""

    def get_single_node(self):
        node = super().get_single_node()
        if node is not None:
            size = self._expanded_size(node, {}, set())
            if size > YAML_MAX_NODES:
                raise _Refused(f"its aliases expand it past {YAML_MAX_NODES:,} keys and values, "
                               f"more than a config may hold: write the values out")
        return node

    def _expanded_size(self, node: yaml.Node, sizes: dict, open_: set) -> int:
        """Nodes under ``node`` with every alias expanded (each node counted once
        per place it appears; shared nodes measured once); stops past the budget."""
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_:
            mark = node.start_mark
            raise _Refused(f"the value anchored at line {mark.line + 1} holds an alias of itself")
        open_.add(key)
        size = 1
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            children = []
        for child in children:
            size += self._expanded_size(child, sizes, open_)
            if size > YAML_MAX_NODES:
                break
        open_.discard(key)
        sizes[key] = size
        return size

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                try:
                    if key in seen:
                        raise _Refused(f"key {key!r} is written twice (lines {seen[key]} "
                                       f"and {line}): keep one")
                    seen[key] = line
                except TypeError:
                    continue  # an unhashable key: the constructor says so
        return super().construct_mapping(node, deep=deep)


def read_config_yaml(stream) -> Any:
    """The one document of a config file, through ConfigLoader (a SafeLoader:
    plain data only, no Python objects)."""
    loader = ConfigLoader(stream)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _parsed(path: Path) -> Any:
    """``read_config_yaml`` of the file at ``path``: parsed once per version of the
    file in a process (a render asks for its shot's configs a few hundred times:
    Luigi checks every task, and each builds the shot's plan afresh), a copy
    returned each time. A version is the file's inode, size and change times: an
    edited or replaced file is parsed again. Only the parse is kept: building the
    config (and checking the files it names) is done on every load."""
    st = path.stat()
    stamp = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    return copy.deepcopy(_parse_file(str(path.resolve()), stamp))


@lru_cache(maxsize=64)
def _parse_file(path: str, stamp: tuple) -> Any:
    """The parsed file (``stamp``: the version ``_parsed`` found; only a key).
    Errors are not kept: a file that fails is read again next time."""
    with open(path, encoding="utf-8") as fh:
        return read_config_yaml(fh)


def load_yaml_config(cls: type, path: Path) -> Any:
    """Load ``path`` into dataclass ``cls``; every problem is a ConfigError."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        data = _parsed(path)
    except _Refused as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        pos = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}: not valid YAML{pos}: {problem}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level, "
                          f"got {type(data).__name__}")
    return _Builder(path).build(cls, data, "")


class _Builder:
    """Builds nested dataclasses so messages read ``file: key 'a.b': ...``."""

    def __init__(self, path: Path):
        self.path = path
        self.base = path.parent

    def build(self, cls: type, data: dict, prefix: str) -> Any:
        hints = typing.get_type_hints(cls)
        # A class's own keys first, then those it extends (TrainConfig: the
        # training images, then the TrainSettings it builds on).
        own = cls.__dict__.get("__annotations__", {})
        fields = {f.name: f for f in sorted(dataclasses.fields(cls),
                                            key=lambda f: f.name not in own)}
        for key in data:
            if key not in fields:
                raise ConfigError(f"{self.path}: key '{prefix}{key}': unknown key "
                                  f"(expected one of: {', '.join(fields)})")
        kwargs = {}
        for name, f in fields.items():
            where = f"{self.path}: key '{prefix}{name}'"
            if name not in data:
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    raise ConfigError(f"{where}: missing required key, expected "
                                      f"{_type_name(hints[name])}")
                default = (f.default if f.default is not dataclasses.MISSING
                           else f.default_factory())
                if isinstance(default, Path) and not default.is_absolute():
                    default = Path(os.path.normpath(self.base / default))
                kwargs[name] = default
                continue
            tp = hints[name]
            optional = typing.get_origin(tp) in (typing.Union, types.UnionType)
            if optional and data[name] is not None:
                inner = [a for a in typing.get_args(tp) if a is not type(None)][0]
                tp = inner if dataclasses.is_dataclass(inner) else tp
            if dataclasses.is_dataclass(tp):
                value = data[name]
                if value is None:
                    value = {}
                if not isinstance(value, dict):
                    raise ConfigError(f"{where}: expected a mapping, got {value!r}")
                kwargs[name] = self.build(tp, value, f"{prefix}{name}.")
            else:
                kwargs[name] = _coerce(data[name], tp, where, self.base, dict(f.metadata))
        return cls(**kwargs)


# --------------------------------------------------------------------------- #
# Semantic checks beyond types
# --------------------------------------------------------------------------- #
def parse_fps(text: str, where: str) -> Fraction:
    """'24', '23.976', '24000/1001' -> Fraction; common NTSC decimals snap to /1001."""
    try:
        value = Fraction(str(text).strip())
    except (ValueError, ZeroDivisionError):
        raise ConfigError(f"{where}: expected a frame rate such as 24, 23.976 or "
                          f"24000/1001, got {text!r}") from None
    if value <= 0 or value > FPS_MAX:
        raise ConfigError(f"{where}: expected a frame rate greater than 0 and at most {FPS_MAX}, "
                          f"got {str(text).strip()}")
    for ntsc in (24, 30, 48, 60, 120):
        exact = Fraction(ntsc * 1000, 1001)
        if value != exact and abs(value - exact) < Fraction(1, 500):
            return exact
    return value


def _check_range(path: Path, key: str, value: Optional[int], lo: int, hi: int) -> None:
    if value is not None and not lo <= value <= hi:
        raise ConfigError(f"{path}: key '{key}': expected an integer from {lo} to {hi}, "
                          f"got {value}")


def _check_bounds(path: Path, obj: Any, prefix: str = "") -> None:
    """Check every number of ``obj`` (and of its sections) against the ``min``,
    ``max`` and ``below`` of its field's metadata."""
    for f in dataclasses.fields(obj):
        value, key = getattr(obj, f.name), f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value):
            _check_bounds(path, value, f"{key}.")
            continue
        lo, hi, below = (f.metadata.get(k) for k in ("min", "max", "below"))
        if value is None or (lo is None and hi is None and below is None):
            continue
        if isinstance(value, tuple):  # each of its numbers
            for item in value:
                _check_range(path, key, item, lo, hi)
        elif not isinstance(value, float):
            _check_range(path, key, value, lo, hi)
        elif f.metadata.get("unit") == "seconds":
            if not lo <= value <= hi:
                raise ConfigError(f"{path}: key '{key}': expected seconds in [{lo:g}, "
                                  f"{hi:g}], got {value}")
        elif below is not None:
            if not lo <= value < below:
                raise ConfigError(f"{path}: key '{key}': expected a number from {lo:g} up to "
                                  f"(not including) {below:g}, got {value!r}")
        elif not lo <= value <= hi:
            raise ConfigError(f"{path}: key '{key}': expected a number from {lo:g} to "
                              f"{hi:g}, got {value!r}")


def is_name(name: Any) -> bool:
    """The one rule for shot and style names (a file's stem under configs/ and a
    folder under the work root): letters, digits, '_', '-' and '.', starting with
    a letter or digit, no '..', at most SHOT_NAME_MAX characters; so no path
    separator, no leading '.', no control character (not even a trailing newline)."""
    return isinstance(name, str) and SHOT_NAME_RE.fullmatch(name) is not None and ".." not in name


def check_shot_name(name: str) -> str:
    if isinstance(name, str) and len(name) > SHOT_NAME_MAX:
        raise ConfigError(f"shot name {name!r}: too long ({len(name)} characters; the limit "
                          f"is {SHOT_NAME_MAX} characters)")
    if not is_name(name):
        raise ConfigError(f"shot name {name!r}: expected letters, digits, '_', '-' and '.' "
                          f"only (no path separators or '..')")
    return name


class RootSetting(NamedTuple):
    key: str       # of pipeline.yaml (and PipelineConfig)
    variable: str  # the environment variable that overrides it
    label: str     # what the lines call it


WORK_ROOT = RootSetting("work_root", "SHOTSTYLE_WORK_ROOT", "work root")
RENDER_ROOT = RootSetting("render_root", "SHOTSTYLE_RENDER_ROOT", "render root")
ROOTS = (WORK_ROOT, RENDER_ROOT)


# --------------------------------------------------------------------------- #
# Public loaders
# --------------------------------------------------------------------------- #
def config_dir() -> Path:
    return Path(os.environ.get("SHOTSTYLE_CONFIG_DIR") or "configs").resolve()


def load_pipeline_config(cfg_dir: Optional[Path] = None) -> PipelineConfig:
    cfg_dir = Path(cfg_dir) if cfg_dir else config_dir()
    path = cfg_dir / "pipeline.yaml"
    cfg = load_yaml_config(PipelineConfig, path) if path.exists() else PipelineConfig(
        work_root=cfg_dir / "work", render_root=cfg_dir / "renders")
    _check_bounds(path, cfg)
    if cfg.tile_size and cfg.tile_overlap * 2 >= cfg.tile_size:
        raise ConfigError(f"{path}: key 'tile_overlap': must be less than half of tile_size "
                          f"({cfg.tile_size}), got {cfg.tile_overlap}")
    overrides = {}
    if path.exists() and "://" not in cfg.ocio_config:  # a file: relative to this one's folder
        overrides["ocio_config"] = os.path.normpath(path.parent / os.path.expanduser(
            cfg.ocio_config))
    for root in ROOTS:  # an empty variable is unset; a relative one is from the current folder
        if os.environ.get(root.variable):
            overrides[root.key] = Path(os.environ[root.variable]).resolve()
    return dataclasses.replace(cfg, **overrides) if overrides else cfg


def configured_shots(cfg_dir: Optional[Path] = None) -> list[str]:
    """Names of the shots with a configs/shots/<shot>.yaml, sorted."""
    folder = (Path(cfg_dir) if cfg_dir else config_dir()) / "shots"
    return sorted(p.stem for p in folder.glob("*.yaml"))


def shot_config_path(shot: str, cfg_dir: Optional[Path] = None) -> Path:
    cfg_dir = Path(cfg_dir) if cfg_dir else config_dir()
    return cfg_dir / "shots" / f"{check_shot_name(shot)}.yaml"


def check_delivers(path: Path, output: OutputConfig, writes_exr: bool) -> None:
    """ConfigError where the shot's ``output`` section leaves nothing to deliver
    (``writes_exr``: whether it writes the EXR; its default depends on the source),
    or asks for burn-ins without the mp4 they go on."""
    if not (output.mov or output.mp4 or output.frames or writes_exr):
        exr = "exr" if output.exr is False else "exr (off by default for this source)"
        raise ConfigError(f"{path}: key 'output': nothing to deliver: mov, mp4, frames and "
                          f"{exr} are all off")
    if output.burn_in and not output.mp4:
        raise ConfigError(f"{path}: key 'output': burn_in is on but mp4 is off: burn-ins go on "
                          f"the review mp4 only, never on the ProRes, PNG or EXR")


def load_shot_config(shot: str, cfg_dir: Optional[Path] = None) -> ShotConfig:
    path = shot_config_path(shot, cfg_dir)
    if not path.is_file():
        raise ConfigError(f"{path}: no config for shot '{shot}'")
    cfg = load_yaml_config(ShotConfig, path)
    _check_bounds(path, cfg)
    if cfg.fps is not None:
        parse_fps(cfg.fps, f"{path}: key 'fps'")
    if not is_name(cfg.style):
        raise ConfigError(f"{path}: key 'style': expected a style name (a file "
                          f"configs/styles/<name>.yaml), got {cfg.style!r}")
    check_delivers(path, cfg.output, cfg.output.exr is not False)
    if cfg.edit is not None and cfg.edit.cut_out < cfg.edit.cut_in:
        raise ConfigError(f"{path}: key 'edit.cut_out': expected a frame not before cut_in "
                          f"({cfg.edit.cut_in}), got {cfg.edit.cut_out}")
    # Resolve the source relative to the shot file.
    src = Path(os.path.expanduser(cfg.source))
    src = src if src.is_absolute() else path.parent / src
    return dataclasses.replace(cfg, source=_sequence_source(path, os.path.normpath(src),
                                                            cfg.sequence))


def _sequence_source(path: Path, source: str, sequence: Optional[bool]) -> str:
    """The source as the pipeline reads it: with ``sequence: true``, one frame
    becomes its sequence's pattern; ``sequence`` contradicting the source is refused."""
    if sequence is None or sequence == is_sequence_pattern(source):
        return source
    if sequence is False:
        raise ConfigError(f"{path}: key 'sequence': false, but the source {source} is an "
                          f"image-sequence pattern; give a movie file, or leave 'sequence' out")
    pattern = sequence_of_frame(source)
    if pattern is None:
        raise ConfigError(f"{path}: key 'sequence': true, but the source {source} is not a "
                          f"frame of an image sequence on disk (a file such as name.1001.exr) "
                          f"nor a pattern (name.####.exr)")
    return pattern


def configured_styles(cfg_dir: Optional[Path] = None) -> list[str]:
    """Names of the styles with a configs/styles/<style>.yaml, sorted."""
    folder = (Path(cfg_dir) if cfg_dir else config_dir()) / "styles"
    return sorted(p.stem for p in folder.glob("*.yaml") if is_name(p.stem))


def check_style_name(style: str, cfg_dir: Optional[Path] = None) -> str:
    """``style`` if it is a style name (``is_name``); else one line listing the
    known styles. A style is a name looked up in configs/styles, never a path,
    so neither its config nor its training state can be taken from, or
    written to, anywhere else."""
    if not is_name(style):
        folder = (Path(cfg_dir) if cfg_dir else config_dir()) / "styles"
        shown = repr(style[:SHOT_NAME_MAX + 2] + "..." if isinstance(style, str)
                     and len(style) > SHOT_NAME_MAX + 2 else style)
        raise ConfigError(f"style {shown}: expected the name of a style in {folder} (letters, "
                          f"digits, '_', '-' and '.', not a path); known styles: "
                          f"{', '.join(configured_styles(cfg_dir)) or 'none'}")
    return style


def style_config_path(style: str, cfg_dir: Optional[Path] = None) -> Path:
    """configs/styles/<style>.yaml of a style name (``check_style_name``)."""
    cfg_dir = Path(cfg_dir) if cfg_dir else config_dir()
    return cfg_dir / "styles" / f"{check_style_name(style, cfg_dir)}.yaml"


def load_style_config(style: str, cfg_dir: Optional[Path] = None,
                      coming_shots: Optional[Collection[str]] = ()) -> StyleConfig:
    """The style ``style`` of ``cfg_dir``, checked; a style still to be trained
    needs its ``train.shot`` configured, or among ``coming_shots`` (the shot
    configs about to be written, by ``shots-from-edit``; None: not known yet,
    the shot is not checked)."""
    cfg_dir = Path(cfg_dir) if cfg_dir else config_dir()
    path = style_config_path(style, cfg_dir)
    if not path.is_file():
        raise ConfigError(f"{path}: unknown style '{style}' (known styles: "
                          f"{', '.join(configured_styles(cfg_dir)) or 'none'})")
    cfg = load_yaml_config(StyleConfig, path)
    if cfg.checkpoint is None:
        raise ConfigError(f"{path}: key 'checkpoint': missing required key, expected a path "
                          f"(the file to load, or where training writes it)")
    if cfg.checkpoint.is_dir():
        raise ConfigError(f"{path}: key 'checkpoint': expected a file, found a folder: "
                          f"{cfg.checkpoint}")
    if cfg.train is None and not cfg.checkpoint.is_file():
        raise ConfigError(f"{path}: key 'checkpoint': file not found: {cfg.checkpoint} "
                          f"(and no 'train' section to make it)")
    options = FORMAT_OPTIONS[cfg.format]
    for key in cfg.model:
        if key not in options:
            raise ConfigError(f"{path}: key 'model.{key}': unknown option for format "
                              f"{cfg.format!r} (expected "
                              f"{'one of: ' + ', '.join(options) if options else 'none'})"[:400])
    if cfg.train is not None:
        _check_train(path, cfg, coming_shots)
    return cfg


def _check_train(path: Path, cfg: StyleConfig,
                 coming_shots: Optional[Collection[str]] = ()) -> None:
    t = cfg.train
    if cfg.format != "shotstyle":
        raise ConfigError(f"{path}: key 'train': only format 'shotstyle' checkpoints are "
                          f"trained here (format is {cfg.format!r})")
    if not is_name(t.shot):
        raise ConfigError(f"{path}: key 'train.shot': expected a shot name, got {t.shot!r}")
    cfg_dir = path.parent.parent
    if (coming_shots is not None and not cfg.checkpoint.is_file()
            and t.shot not in coming_shots and not shot_config_path(t.shot, cfg_dir).is_file()):
        known = ", ".join(configured_shots(cfg_dir)) or "none"
        raise ConfigError(f"{path}: key 'train.shot': no shot {t.shot!r} to train from "
                          f"(expected one of: {known})")
    if t.method == "keyframes" and not t.keyframes:
        raise ConfigError(f"{path}: key 'train.keyframes': method 'keyframes' needs at least "
                          f"one frame: painted image, e.g. {{1001: keys/s01.1001.png}}")
    if t.method == "unpaired" and t.style_images is None:
        raise ConfigError(f"{path}: key 'train.style_images': method 'unpaired' needs a folder "
                          f"of style images")
    if t.perceptual_weight > 0 and t.vgg_weights is None:
        raise ConfigError(f"{path}: key 'train.vgg_weights': perceptual_weight > 0 needs VGG "
                          f"weights on disk (torchvision vgg16/vgg19 state_dict)")
    _check_bounds(path, t, "train.")

