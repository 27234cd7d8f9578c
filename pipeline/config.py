"""Typed, validated configuration: one dataclass per YAML file.

* ``configs/pipeline.yaml``      -> PipelineConfig (defaults for every shot)
* ``configs/shots/<shot>.yaml``  -> ShotConfig
* ``configs/styles/<style>.yaml``-> StyleConfig

The config folder is ``$SHOTSTYLE_CONFIG_DIR`` or ``./configs``. Relative paths
inside a YAML file are relative to that file's folder. ``$SHOTSTYLE_WORK_ROOT``
and ``$SHOTSTYLE_RENDER_ROOT`` override the work and render roots.

Validation is driven by the dataclass type hints, so a field added to a class is
validated with no extra code. Every problem is a ConfigError whose message names
the file, the key and what was expected.
"""
from __future__ import annotations

import dataclasses
import os
import re
import types
import typing
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal, Optional

import yaml

from models.formats import CHECKPOINT_FORMATS
from models.train_settings import TrainSettings
from pipeline.errors import ConfigError

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
def _path(kind: str = "any", must_exist: bool = False, default: Any = None):
    """A path field; ``kind`` is 'file', 'dir' or 'any'."""
    return field(default=default, metadata={"path": kind, "must_exist": must_exist})


@dataclass(frozen=True)
class PipelineConfig:
    work_root: Path = _path("dir", default=Path("work"))
    render_root: Path = _path("dir", default=Path("renders"))
    chunk_size: int = 48
    batch_size: int = 4
    device: Literal["auto", "cpu", "cuda"] = "auto"
    precision: Literal["auto", "fp32", "bf16", "fp16"] = "auto"
    # How the generator runs on the CPU: auto = OpenVINO (1.7x faster than
    # PyTorch at the same precision) for PyTorch-module styles, else PyTorch.
    cpu_backend: Literal["auto", "torch", "openvino"] = "auto"
    threads: int = 0  # 0 = one per core
    tile_size: int = 1024  # frames with a larger side run in tiles; 0 = never tile
    tile_overlap: int = 64
    png_compression: int = 0  # zlib level of the work-area PNGs (0-9); 0 = stored, fastest
    retries: int = 2  # extra attempts of a stage after a transient I/O error
    retry_wait: float = 10.0  # seconds before the first retry; doubles each time
    # OpenColorIO config for every colour conversion ($OCIO wins when set, as in
    # every OCIO application): a file (relative to this file's folder) or a config
    # built into OpenColorIO (nothing is downloaded). The default is OCIO's ACES
    # studio config by its versioned name; an ocio://...-latest name is allowed but
    # warned about, as it changes with the OpenColorIO wheel.
    ocio_config: str = BUILTIN_OCIO_CONFIG
    # The display and view of the display-referred pictures the generator sees (and
    # keyframes are painted on) for scene-referred sources; a style, then a shot,
    # overrides each. Unset (null): the OCIO config's own default display, and that
    # display's default view for the source's colour space (its viewing rules),
    # except when the config in use is the built-in default above (neither $OCIO
    # nor ocio_config names another config): then sRGB - Display / Un-tone-mapped
    # (BUILTIN_DISPLAY_VIEW; that config's own default view tone-maps and does not
    # invert exactly).
    display: Optional[str] = None
    view: Optional[str] = None


#: How smoothing blends the history (``pipeline.temporal.smoother``).
SMOOTHING_METHODS = ("adaptive", "flow", "none")
#: OpenCV DIS optical-flow presets (cv2.DISOPTICAL_FLOW_PRESET_<NAME>).
FLOW_PRESETS = ("medium", "fast", "ultrafast")


@dataclass(frozen=True)
class SmoothingConfig:
    """Temporal smoothing and its optical flow: these defaults are the only ones."""
    # adaptive: flow-guided, history weight falls where the picture really
    # changed (best measured); flow: the plain flow-guided blend; none: off.
    method: Literal[SMOOTHING_METHODS] = "adaptive"
    strength: float = 0.9  # weight of the carried history, 0 <= strength < 1
    # Optical flow computed at this fraction of the frame size. Measured in
    # bench/bench_temporal.py: half size is about 3x faster but not as good
    # (larger photometric error of the warped plates, a smaller cut in E_warp
    # after smoothing, most on large motion), so the flow is computed at full size.
    flow_scale: float = 1.0
    # MEDIUM, measured against FAST and ULTRAFAST (both much worse for smoothing).
    flow_preset: Literal[FLOW_PRESETS] = "medium"


#: Lossless OpenEXR compressions (OpenImageIO's names).
EXR_COMPRESSIONS = ("zip", "zips", "piz", "rle", "none")


@dataclass(frozen=True)
class OutputConfig:
    mov: bool = True  # ProRes 422 HQ
    mp4: bool = True  # H.264 review copy
    frames: bool = True  # PNG frame sequence
    mp4_crf: int = 18
    mp4_preset: str = "medium"
    # H.264 4:2:0 cannot store odd sizes. 'pad' (the default) pads the review mp4
    # to even with black on the right / bottom (it grows by 1 px; 4:2:0 plays in
    # browsers and hardware decoders); 'exact' keeps the size and switches that
    # file to 4:4:4, which many of them do not play. The ProRes keeps the size.
    mp4_odd_size: Literal["exact", "pad"] = "pad"
    # renders/<shot>/exr/<shot>.####.exr: half float in the source's colour space.
    # Default (null): on for EXR and DPX sources, off for movies.
    exr: Optional[bool] = None
    exr_compression: Literal[EXR_COMPRESSIONS] = "zip"


@dataclass(frozen=True)
class SourceRange:
    """Part of a source, in its frames: ``start`` frames in (0 = the file's or the
    sequence's first frame), ``duration`` frames long (OpenTimelineIO's names)."""
    start: int
    duration: int


@dataclass(frozen=True)
class ShotConfig:
    source: str  # movie file, or image-sequence pattern (%04d, ####)
    style: str
    first_frame: int = 1001
    # only this part of the source (a shot cut from a long take): decoded exactly,
    # with the audio and the timecode of the range
    source_range: Optional[SourceRange] = None
    fps: Optional[str] = None  # 24, 23.976, 24000/1001; sequences: else their header's
    deinterlace: bool = False  # interlaced source: FFmpeg bwdif, one frame per frame
    chunk_size: Optional[int] = None  # overrides pipeline.chunk_size
    batch_size: Optional[int] = None  # overrides pipeline.batch_size
    # The source's colour space in the OCIO config (ACEScg, ARRI LogC3 (EI800),
    # sRGB - Texture, ...). Default for an EXR or DPX sequence: a file rule of the
    # config that matches it (other than its default rule; not with the built-in
    # default config), else for a DPX the colour space its header's transfer names
    # (printing density: ADX10 / ADX16), else EXR the config's scene_linear role,
    # DPX sRGB - Texture, else the config's default rule
    # (pipeline.media.colour_choice); movies as their tags say (display-referred,
    # no OCIO) unless given one (a log ProRes: ARRI LogC3 (EI800)).
    colorspace: Optional[str] = None
    display: Optional[str] = None  # overrides the style's and pipeline's display
    view: Optional[str] = None  # overrides the style's and pipeline's view
    smoothing: SmoothingConfig = field(default_factory=SmoothingConfig)
    output: OutputConfig = field(default_factory=OutputConfig)


@dataclass(frozen=True, kw_only=True)
class TrainConfig(TrainSettings):
    """How TrainStyle makes the style's checkpoint (when the file is missing): the
    training settings (``models.train_settings.TrainSettings``, its defaults)
    plus where the training images come from."""
    method: Literal["keyframes", "unpaired"]
    shot: str  # the shot whose plates are painted (keyframes) / give content (unpaired)
    keyframes: dict[int, Path] = _path("file", must_exist=True, default=None)
    style_images: Optional[Path] = _path("dir", must_exist=True)
    content_frames: int = 24  # unpaired: plates sampled evenly from the shot
    vgg_weights: Optional[Path] = _path("file", must_exist=True)


@dataclass(frozen=True)
class StyleConfig:
    checkpoint: Optional[Path] = _path("file")
    format: Literal[CHECKPOINT_FORMATS] = "shotstyle"
    model: dict[str, Any] = field(default_factory=dict)  # kwargs for public formats
    train: Optional[TrainConfig] = None
    description: str = ""
    # The display and view the style is painted for (its keyframes, the pictures
    # its generator sees): override pipeline.display/view; a shot overrides these.
    display: Optional[str] = None
    view: Optional[str] = None


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


def load_yaml_config(cls: type, path: Path) -> Any:
    """Load ``path`` into dataclass ``cls``; every problem is a ConfigError."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
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
    if value <= 0 or value > 1000:
        raise ConfigError(f"{where}: expected a frame rate greater than 0 and at most 1000, "
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


def check_shot_name(name: str) -> str:
    if isinstance(name, str) and len(name) > SHOT_NAME_MAX:
        raise ConfigError(f"shot name {name!r}: too long ({len(name)} characters; the limit "
                          f"is {SHOT_NAME_MAX} characters)")
    if not isinstance(name, str) or not SHOT_NAME_RE.match(name) or ".." in name:
        raise ConfigError(f"shot name {name!r}: expected letters, digits, '_', '-' and '.' "
                          f"only (no path separators or '..')")
    return name


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
    _check_range(path, "chunk_size", cfg.chunk_size, 1, 100000)
    _check_range(path, "batch_size", cfg.batch_size, 1, 4096)
    _check_range(path, "threads", cfg.threads, 0, 4096)
    _check_range(path, "png_compression", cfg.png_compression, 0, 9)
    _check_range(path, "tile_size", cfg.tile_size, 0, 1 << 16)
    _check_range(path, "tile_overlap", cfg.tile_overlap, 0, 4096)
    _check_range(path, "retries", cfg.retries, 0, 10)
    if not 0 <= cfg.retry_wait <= 600:
        raise ConfigError(f"{path}: key 'retry_wait': expected seconds in [0, 600], "
                          f"got {cfg.retry_wait}")
    if cfg.tile_size and cfg.tile_overlap * 2 >= cfg.tile_size:
        raise ConfigError(f"{path}: key 'tile_overlap': must be less than half of tile_size "
                          f"({cfg.tile_size}), got {cfg.tile_overlap}")
    overrides = {}
    if path.exists() and "://" not in cfg.ocio_config:  # a file: relative to this one's folder
        overrides["ocio_config"] = os.path.normpath(path.parent / os.path.expanduser(
            cfg.ocio_config))
    for key, env in (("work_root", "SHOTSTYLE_WORK_ROOT"), ("render_root", "SHOTSTYLE_RENDER_ROOT")):
        if os.environ.get(env):
            overrides[key] = Path(os.environ[env]).resolve()
    return dataclasses.replace(cfg, **overrides) if overrides else cfg


def configured_shots(cfg_dir: Optional[Path] = None) -> list[str]:
    """Names of the shots with a configs/shots/<shot>.yaml, sorted."""
    folder = (Path(cfg_dir) if cfg_dir else config_dir()) / "shots"
    return sorted(p.stem for p in folder.glob("*.yaml"))


def shot_config_path(shot: str, cfg_dir: Optional[Path] = None) -> Path:
    cfg_dir = Path(cfg_dir) if cfg_dir else config_dir()
    return cfg_dir / "shots" / f"{check_shot_name(shot)}.yaml"


def load_shot_config(shot: str, cfg_dir: Optional[Path] = None) -> ShotConfig:
    path = shot_config_path(shot, cfg_dir)
    if not path.is_file():
        raise ConfigError(f"{path}: no config for shot '{shot}'")
    cfg = load_yaml_config(ShotConfig, path)
    _check_range(path, "first_frame", cfg.first_frame, 0, 9_999_999)
    if cfg.source_range is not None:
        _check_range(path, "source_range.start", cfg.source_range.start, 0, 99_999_999)
        _check_range(path, "source_range.duration", cfg.source_range.duration, 1, 9_999_999)
    _check_range(path, "chunk_size", cfg.chunk_size, 1, 100000)
    _check_range(path, "batch_size", cfg.batch_size, 1, 4096)
    _check_range(path, "output.mp4_crf", cfg.output.mp4_crf, 0, 51)
    if not 0.0 <= cfg.smoothing.strength < 1.0:
        raise ConfigError(f"{path}: key 'smoothing.strength': expected a number from 0 up to "
                          f"(not including) 1, got {cfg.smoothing.strength!r}")
    if not 0.1 <= cfg.smoothing.flow_scale <= 1.0:
        raise ConfigError(f"{path}: key 'smoothing.flow_scale': expected a number from 0.1 to "
                          f"1, got {cfg.smoothing.flow_scale!r}")
    if cfg.fps is not None:
        parse_fps(cfg.fps, f"{path}: key 'fps'")
    if not SHOT_NAME_RE.match(cfg.style) or ".." in cfg.style:
        raise ConfigError(f"{path}: key 'style': expected a style name (a file "
                          f"configs/styles/<name>.yaml), got {cfg.style!r}")
    # Resolve the source relative to the shot file.
    src = Path(os.path.expanduser(cfg.source))
    src = src if src.is_absolute() else path.parent / src
    return dataclasses.replace(cfg, source=os.path.normpath(src))


def load_style_config(style: str, cfg_dir: Optional[Path] = None) -> StyleConfig:
    cfg_dir = Path(cfg_dir) if cfg_dir else config_dir()
    path = cfg_dir / "styles" / f"{style}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in (cfg_dir / "styles").glob("*.yaml"))
        raise ConfigError(f"{path}: unknown style '{style}' (known styles: "
                          f"{', '.join(known) or 'none'})")
    cfg = load_yaml_config(StyleConfig, path)
    if cfg.checkpoint is None:
        raise ConfigError(f"{path}: key 'checkpoint': missing required key, expected a path "
                          f"(the file to load, or where training writes it)")
    if cfg.train is None and not cfg.checkpoint.is_file():
        raise ConfigError(f"{path}: key 'checkpoint': file not found: {cfg.checkpoint} "
                          f"(and no 'train' section to make it)")
    if cfg.train is not None:
        _check_train(path, cfg)
    return cfg


def _check_train(path: Path, cfg: StyleConfig) -> None:
    t = cfg.train
    if cfg.format != "shotstyle":
        raise ConfigError(f"{path}: key 'train': only format 'shotstyle' checkpoints are "
                          f"trained here (format is {cfg.format!r})")
    if not SHOT_NAME_RE.match(t.shot) or ".." in t.shot:
        raise ConfigError(f"{path}: key 'train.shot': expected a shot name, got {t.shot!r}")
    if t.method == "keyframes" and not t.keyframes:
        raise ConfigError(f"{path}: key 'train.keyframes': method 'keyframes' needs at least "
                          f"one frame: painted image, e.g. {{1001: keys/s01.1001.png}}")
    if t.method == "unpaired" and t.style_images is None:
        raise ConfigError(f"{path}: key 'train.style_images': method 'unpaired' needs a folder "
                          f"of style images")
    if t.perceptual_weight > 0 and t.vgg_weights is None:
        raise ConfigError(f"{path}: key 'train.vgg_weights': perceptual_weight > 0 needs VGG "
                          f"weights on disk (torchvision vgg16/vgg19 state_dict)")
    for key, value, lo in (("steps", t.steps, 1), ("patch_size", t.patch_size, 16),
                           ("batch_size", t.batch_size, 1), ("content_frames", t.content_frames, 1),
                           ("log_every", t.log_every, 1)):
        _check_range(path, f"train.{key}", value, lo, 10_000_000)

