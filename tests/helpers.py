"""Test helpers: real clips made with the real ffmpeg, tiny real projects."""
from __future__ import annotations

import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Optional

import cv2
import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[1]
LUIGI = str(Path(sys.executable).parent / "luigi")
#: openjd-cli's command (the test extra)
OPENJD = str(Path(sys.executable).parent / "openjd")


def textured_frame(w: int, h: int, i: int, seed: int = 0) -> np.ndarray:
    """A moving, textured RGB frame (gradients + noise + a moving square)."""
    rng = np.random.RandomState(seed)
    base = rng.randint(0, 255, (h // 4 + 2, w // 4 + 2, 3), dtype=np.uint8)
    big = cv2.resize(base, (w + 8, h + 8), interpolation=cv2.INTER_CUBIC)
    dx = i % 8
    img = big[4:4 + h, dx:dx + w].copy()
    x0 = (i * 3) % max(w - 10, 1)
    img[h // 3:h // 3 + 8, x0:x0 + 8] = (255, 32, 32)
    return img


def write_pngs(folder: Path, w: int, h: int, n: int, name: str = "src", start: int = 1,
               digits: int = 4) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        rgb = textured_frame(w, h, i)
        cv2.imwrite(str(folder / f"{name}.{start + i:0{digits}d}.png"),
                    cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return str(folder / f"{name}.%0{digits}d.png")


def make_clip(path: Path, w: int = 64, h: int = 36, frames: int = 12, fps: str = "24",
              audio: bool = True, timecode: Optional[str] = None,
              vcodec: str = "libx264", pix_fmt: str = "yuv420p",
              extra: tuple = ()) -> Path:
    """Encode a real movie with ffmpeg: textured frames (any size), optional sine audio."""
    path = Path(path)
    pattern = write_pngs(path.parent / f".{path.stem}_src", w, h, frames)
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-framerate", fps, "-start_number", "1",
           "-i", pattern]
    if audio:
        dur = float(frames / Fraction(fps)) + 0.5
        cmd += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={dur}"]
    cmd += ["-map", "0:v"] + (["-map", "1:a", "-c:a", "aac"] if audio else [])
    cmd += ["-c:v", vcodec, "-pix_fmt", pix_fmt, *extra]
    if timecode:
        cmd += ["-timecode", timecode]
    cmd += [str(path)]
    subprocess.run(cmd, check=True)
    return path


def long_name(length: int, start: str = "s") -> str:
    """A valid shot (or style) name of ``length`` characters, up to 128."""
    return (start + "0123456789_abcdefghijklmnopqrstuvwxyz-" * 4)[:length]


def ffprobe_video(path: Path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-count_packets", "-show_entries",
                          "stream=codec_type,codec_name,width,height,r_frame_rate,"
                          "nb_read_packets,pix_fmt,profile:stream_tags=timecode",
                          "-of", "json", str(path)], check=True, capture_output=True, text=True)
    import json
    streams = json.loads(out.stdout)["streams"]
    video = next(s for s in streams if s["codec_type"] == "video")
    video["has_audio"] = any(s["codec_type"] == "audio" for s in streams)
    video["frames"] = int(video["nb_read_packets"])
    return video


def tiny_checkpoint(path: Path, seed: int = 0, **kwargs) -> Path:
    import torch

    import models  # noqa: F401
    from models.checkpoint import save_generator
    from models.build import build_generator
    torch.manual_seed(seed)
    kw = {"base_channels": 4, "levels": 2, **kwargs}
    save_generator(path, build_generator("fewshot_unet", **kw), kw, {"test": True})
    return path


def add_torchscript_style(project: "Project", name: str, module, size_multiple: int) -> Path:
    """Script ``module``, save it and register it as style ``name`` (input range [-1, 1])."""
    import warnings

    import torch
    path = project.root / "styles" / f"{name}.pt"
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.save(torch.jit.script(module), str(path))
    return write_yaml(project.configs / "styles" / f"{name}.yaml", {
        "checkpoint": str(path), "format": "torchscript",
        "model": {"input_range": [-1, 1], "size_multiple": size_multiple}})


def write_yaml(path: Path, data: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


TINY_UNET = {"base_channels": 4, "levels": 2}


def keyframe_project(project, tmp_path, steps=8, **train):
    """Shot t10 and style 'learned', trained from one painted keyframe (an inverted plate)."""
    clip = make_clip(tmp_path / "in.mov", 64, 48, frames=6, audio=False)
    project.add_shot("t10", clip, style="learned")
    # The 'painting': an inverted copy of plate 1001, made from the source PNG
    # (same pixels as the decoded plate up to codec loss).
    src = cv2.imread(str(tmp_path / ".in_src" / "src.0001.png"))
    keys = tmp_path / "keys"
    keys.mkdir()
    cv2.imwrite(str(keys / "t10.1001.png"), 255 - src)
    write_yaml(project.configs / "styles" / "learned.yaml", {
        "checkpoint": "../../styles/learned.pt",
        "train": {"method": "keyframes", "shot": "t10", "keyframes": {1001: str(keys / "t10.1001.png")},
                  "steps": steps, "patch_size": 32, "batch_size": 4, "generator_kwargs": TINY_UNET,
                  **train}})
    return project.root / "styles" / "learned.pt"


class Project:
    """A throwaway shotstyle project: configs, work and render roots under tmp."""

    def __init__(self, root: Path, chunk_size: int = 4, batch_size: int = 2):
        self.root = Path(root)
        self.configs = self.root / "configs"
        (self.configs / "shots").mkdir(parents=True)
        write_yaml(self.configs / "pipeline.yaml", {
            "work_root": "../work", "render_root": "../renders", "chunk_size": chunk_size,
            "batch_size": batch_size, "device": "cpu", "threads": 1})
        tiny_checkpoint(self.root / "styles" / "tiny.pt")
        write_yaml(self.configs / "styles" / "tiny.yaml", {"checkpoint": "../../styles/tiny.pt"})

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def renders(self) -> Path:
        return self.root / "renders"

    def add_shot(self, shot: str, source: Path | str, **extra) -> Path:
        return write_yaml(self.configs / "shots" / f"{shot}.yaml",
                          {"source": str(source), "style": "tiny", **extra})

    def env(self, **extra: str) -> dict:
        env = dict(os.environ)
        env.pop("SHOTSTYLE_WORK_ROOT", None)
        env.pop("SHOTSTYLE_RENDER_ROOT", None)
        env.pop("OCIO", None)  # the pipeline's built-in config unless ``extra`` names one
        # The code of this checkout, not the one the venv's editable install points at
        # (a git worktree's tests would otherwise run the main checkout's pipeline).
        path = [str(REPO)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        env.update({"SHOTSTYLE_CONFIG_DIR": str(self.configs), "PYTHONPATH": os.pathsep.join(path),
                    "LUIGI_CONFIG_PATH": str(REPO / "luigi.cfg"),
                    "PYTHONUNBUFFERED": "1"}, **extra)
        return env

    def luigi_cmd(self, task: str = "RenderShot", *args: str) -> list[str]:
        return [LUIGI, "--module", "tasks", task, *args, "--local-scheduler",
                "--no-lock"]

    def render(self, shot: str, *args: str, check: bool = True, timeout: float = 300,
               env: Optional[dict] = None) -> subprocess.CompletedProcess:
        """``luigi ... RenderShot --shot <shot>``; ``env``: extra environment variables."""
        proc = subprocess.run(self.luigi_cmd("RenderShot", "--shot", shot, *args),
                              cwd=self.root, env=self.env(**(env or {})), capture_output=True,
                              text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"render failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
        return proc


def read_frames(folder: Path) -> dict[str, np.ndarray]:
    return {p.name: cv2.imread(str(p), cv2.IMREAD_UNCHANGED) for p in sorted(folder.glob("*.png"))}


def write_exr_sequence(folder: Path, frames: list, alpha: Optional[list] = None,
                       name: str = "plate", start: int = 1001, pixel_type: str = "half",
                       attributes: Optional[dict] = None) -> str:
    """Write float RGB frames (and alpha) as an OpenEXR sequence with OpenImageIO."""
    import OpenImageIO as oiio
    folder.mkdir(parents=True, exist_ok=True)
    for i, rgb in enumerate(frames):
        channels = [rgb] + ([alpha[i][..., None]] if alpha is not None else [])
        data = np.ascontiguousarray(np.concatenate(channels, axis=-1), dtype=np.float32)
        spec = oiio.ImageSpec(data.shape[1], data.shape[0], data.shape[2], pixel_type)
        spec.channelnames = ("R", "G", "B", "A")[:data.shape[2]]
        for key, value in (attributes or {}).items():
            spec.attribute(key, *value) if isinstance(value, tuple) else spec.attribute(key, value)
        out = oiio.ImageOutput.create(str(folder / f"{name}.{start + i:04d}.exr"))
        assert out.open(str(folder / f"{name}.{start + i:04d}.exr"), spec), oiio.geterror()
        assert out.write_image(data) and out.close()
    return str(folder / f"{name}.####.exr")


def scene_linear_frames(w: int, h: int, n: int, seed: int = 0) -> list:
    """Textured frames as ACEScg scene-linear floats (through OCIO from sRGB), with
    sub-8-bit grain and a highlight patch above display white (4.0)."""
    import PyOpenColorIO as ocio

    from pipeline.config import BUILTIN_OCIO_CONFIG
    config = ocio.Config.CreateFromFile(BUILTIN_OCIO_CONFIG)
    cpu = config.getProcessor("sRGB - Texture", "ACEScg").getDefaultCPUProcessor()
    rng = np.random.RandomState(seed)
    frames = []
    for i in range(n):
        rgb = np.ascontiguousarray(textured_frame(w, h, i, seed).astype(np.float32) / 255.0)
        cpu.applyRGB(rgb)
        rgb = rgb * (1.0 + rng.normal(0.0, 0.004, rgb.shape).astype(np.float32))  # grain
        rgb[2:6, 2:6] = 4.0  # a highlight
        frames.append(rgb.astype(np.float32))
    return frames


def set_rotation(src: Path, dst: Path, degrees: int) -> Path:
    """Remux ``src`` (stream copy) with a ``rotate`` tag, which FFmpeg 5.1's mov/mp4
    muxer writes as the display matrix players follow."""
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(src), "-c", "copy",
                    "-metadata:s:v:0", f"rotate={degrees}", str(dst)], check=True)
    return Path(dst)


def write_rgba_pngs(folder: Path, w: int, h: int, n: int, name: str = "rgba") -> str:
    """A PNG sequence with an alpha channel (a soft ramp) beside the textured RGB."""
    folder.mkdir(parents=True, exist_ok=True)
    alpha = np.tile(np.linspace(0, 255, w).astype(np.uint8), (h, 1))
    for i in range(n):
        bgr = cv2.cvtColor(textured_frame(w, h, i), cv2.COLOR_RGB2BGR)
        cv2.imwrite(str(folder / f"{name}.{1 + i:04d}.png"), np.dstack([bgr, alpha]))
    return str(folder / f"{name}.####.png")


LUIGI_SUMMARY = "===== Luigi Execution Summary ====="


def lines_to_read(text: str) -> list[str]:
    """The lines of a command's output a user must read: all but Luigi's INFO
    lines and shotstyle's INFO / WARNING records (with a multi-line record's
    indented lines, such as the metrics table). Tracebacks stay."""
    out, in_record = [], False
    for line in text.splitlines():
        if line.startswith(("INFO: ", "shotstyle: INFO: ", "shotstyle: WARNING: ")):
            in_record = line.startswith("shotstyle: ")
            continue
        if in_record and line.startswith("  ") and not line.startswith("  File "):
            continue
        in_record = False
        out.append(line)
    return out


def write_facility_ocio_config(path: Path, film_gamma: float = 2.2) -> Path:
    """A small facility-style OCIO config (none of the ACES names): display
    'Studio Monitor' with views 'Log Film' (for 'cineon' sources only, by a viewing
    rule), 'Film' (a ``film_gamma`` curve) and 'Raw'; file rules 'CG' (``*cg*.exr``:
    'lin_ap1') and 'Scans' (``*.dpx``: 'cineon'), default rule 'lin_rec709';
    scene_linear role 'lin_rec709'."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"""\
ocio_profile_version: 2.1
roles:
  scene_linear: lin_rec709
  default: lin_rec709
  data: raw
file_rules:
  - !<Rule> {{name: CG, pattern: "*cg*", extension: exr, colorspace: lin_ap1}}
  - !<Rule> {{name: Scans, pattern: "*", extension: dpx, colorspace: cineon}}
  - !<Rule> {{name: Default, colorspace: lin_rec709}}
viewing_rules:
  - !<Rule> {{name: LogOnly, colorspaces: [cineon]}}
displays:
  Studio Monitor:
    - !<View> {{name: Log Film, colorspace: monitor_film, rule: LogOnly}}
    - !<View> {{name: Film, colorspace: monitor_film}}
    - !<View> {{name: Raw, colorspace: raw}}
active_displays: []
active_views: []
colorspaces:
  - !<ColorSpace> {{name: lin_rec709, family: scene, encoding: scene-linear}}
  - !<ColorSpace>
    name: lin_ap1
    encoding: scene-linear
    to_scene_reference: !<MatrixTransform> {{matrix: [1.705, -0.622, -0.083, 0, -0.130, 1.141, -0.011, 0, -0.024, -0.129, 1.153, 0, 0, 0, 0, 1]}}
  - !<ColorSpace>
    name: cineon
    encoding: log
    to_scene_reference: !<LogCameraTransform> {{log_side_slope: 0.293255, log_side_offset: 0.669599, lin_side_slope: 0.989, lin_side_offset: 0.0108, lin_side_break: 0.0, direction: inverse}}
  - !<ColorSpace> {{name: raw, isdata: true, encoding: data}}
  - !<ColorSpace>
    name: monitor_film
    encoding: sdr-video
    from_scene_reference: !<ExponentTransform> {{value: {film_gamma}, direction: inverse}}
""", encoding="utf-8")
    return path
