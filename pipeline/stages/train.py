"""Training a style (``TrainStyle``): its images, then the trainer from ``models``.

Not a stage of a shot (it is not in the stage table): a style is trained once,
from the plates of its ``train.shot``, before any shot stylises with it. The
training images are (plate, painted keyframe) pairs, or plates and a folder
of style art. Every problem with them, or with the training settings, is one
line naming the style's file and the key (``train.…``) at fault."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from pipeline.config import style_config_path
from pipeline.errors import ConfigError, MediaError
from pipeline.graph.table import PLATES
from pipeline.stages.common import Progress, log, notify
from pipeline.workarea.plan import ShotPlan, StylePlan

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".exr"}
Reader = Callable[[Path], np.ndarray]


def _plate(shot: ShotPlan, frame: int, read: Reader, where: str) -> np.ndarray:
    path = shot.paths.frame_file(PLATES, frame)
    if not path.is_file():
        first, last = shot.frames.range()
        raise ConfigError(f"{where}: frame {frame} is outside shot {shot.shot} ({first}-{last})")
    return read(path)


def keyframe_pairs(shot: ShotPlan, keyframes: dict[int, Path], read: Reader,
                   style_file: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    """(plate, painted) RGB pairs; a painted frame must match its plate's size."""
    pairs = []
    for frame, painted_path in sorted(keyframes.items()):
        plate = _plate(shot, frame, read, f"{style_file}: key 'train.keyframes.{frame}'")
        painted = read(painted_path)
        if painted.shape != plate.shape:
            ph, pw = painted.shape[:2]
            h, w = plate.shape[:2]
            raise MediaError(f"{painted_path}: painted keyframe is {pw}x{ph} but plate {frame} of "
                             f"{shot.shot} is {w}x{h}; paint over the plate at full size")
        pairs.append((plate, painted))
    return pairs


def content_plates(shot: ShotPlan, count: int, read: Reader, style_file: Path) -> list[np.ndarray]:
    """``count`` plates spread evenly over the shot."""
    first, last = shot.frames.range()
    n = min(count, last - first + 1)
    frames = sorted({first + round(i * (last - first) / max(n - 1, 1)) for i in range(n)})
    return [_plate(shot, f, read, f"{style_file}: key 'train.shot'") for f in frames]


def style_images(folder: Path, read: Reader, style_file: Path) -> list[np.ndarray]:
    """The images of the style art folder (each must read: a corrupt one is one line)."""
    paths = sorted(p for p in Path(folder).iterdir()
                   if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    if not paths:
        raise ConfigError(f"{style_file}: key 'train.style_images': {folder} holds no images "
                          f"(expected {', '.join(sorted(IMAGE_SUFFIXES))} files)")
    return [read(p) for p in paths]


def _check_patch_fits(plates: Sequence[np.ndarray], patch: int, shot: str,
                      style_file: Path) -> None:
    h, w = min((p.shape[:2] for p in plates), key=min)
    if min(h, w) < patch:
        raise ConfigError(f"{style_file}: key 'train.patch_size': a {patch}x{patch} patch does "
                          f"not fit the {w}x{h} plates of shot {shot}: expected at most "
                          f"{min(h, w)}")


def run(splan: StylePlan, progress: Progress = None) -> dict:
    """Train the style's generator (config ``train``) and save its checkpoint."""
    from models.errors import SettingsError
    from models.inference import set_cpu_threads
    from models.training import check_training
    from pipeline.media.imageio import read_rgb

    t = splan.style.train
    style_file = style_config_path(splan.name)
    try:
        # the nets the settings ask for, built and run once on the meta device:
        # a bad setting is one line before any image is read or memory taken
        check_training(t, conditional=t.method == "keyframes")
        set_cpu_threads(splan.pipeline.threads)
        shot = ShotPlan.load(t.shot)
        meta = {"style": splan.name, "shot": t.shot, "method": t.method}
        on_step = (lambda d, n, m: notify(progress, d, n, m))
        if t.method == "keyframes":
            from models.training import train_keyframes
            pairs = keyframe_pairs(shot, t.keyframes, read_rgb, style_file)
            _check_patch_fits([p for p, _ in pairs], t.patch_size, t.shot, style_file)
            meta["keyframes"] = sorted(t.keyframes)
            summary = train_keyframes(pairs, t, splan.style.checkpoint, splan.state_path,
                                      on_step, meta)
        else:
            from models.unpaired import train_unpaired
            content = content_plates(shot, t.content_frames, read_rgb, style_file)
            refs = style_images(t.style_images, read_rgb, style_file)
            summary = train_unpaired(content, refs, t, splan.style.checkpoint, splan.state_path,
                                     on_step, meta)
    except SettingsError as exc:
        raise ConfigError(f"{style_file}: key 'train.{exc.key}': {exc}") from None
    log.info("style %s: trained %d steps in %.0fs -> %s", splan.name, summary["steps"],
             summary["seconds"], splan.style.checkpoint)
    return summary
