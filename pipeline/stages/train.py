"""Training a style (``TrainStyle``): its images, then the trainer from ``models``.

Not a stage of a shot (it is not in the stage table): a style is trained once,
from the plates of its ``train.shot``, before any shot stylises with it. The
training images are (plate, painted keyframe) pairs, or plates and a folder
of style art."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from pipeline.errors import ConfigError, MediaError
from pipeline.graph.table import PLATES
from pipeline.stages.common import Progress, log, notify
from pipeline.workarea.plan import ShotPlan, StylePlan

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".exr"}
Reader = Callable[[Path], np.ndarray]


def _plate(shot: ShotPlan, frame: int, read: Reader) -> np.ndarray:
    path = shot.paths.frame_file(PLATES, frame)
    if not path.is_file():
        first, last = shot.frames.range()
        raise ConfigError(f"keyframe {frame} is outside shot {shot.shot} ({first}-{last})")
    return read(path)


def keyframe_pairs(shot: ShotPlan, keyframes: dict[int, Path],
                   read: Reader) -> list[tuple[np.ndarray, np.ndarray]]:
    """(plate, painted) RGB pairs; a painted frame must match its plate's size."""
    pairs = []
    for frame, painted_path in sorted(keyframes.items()):
        plate = _plate(shot, frame, read)
        painted = read(painted_path)
        if painted.shape != plate.shape:
            ph, pw = painted.shape[:2]
            h, w = plate.shape[:2]
            raise MediaError(f"{painted_path}: painted keyframe is {pw}x{ph} but plate {frame} of "
                             f"{shot.shot} is {w}x{h}; paint over the plate at full size")
        pairs.append((plate, painted))
    return pairs


def content_plates(shot: ShotPlan, count: int, read: Reader) -> list[np.ndarray]:
    """``count`` plates spread evenly over the shot."""
    first, last = shot.frames.range()
    n = min(count, last - first + 1)
    frames = sorted({first + round(i * (last - first) / max(n - 1, 1)) for i in range(n)})
    return [_plate(shot, f, read) for f in frames]


def style_images(folder: Path, read: Reader) -> list[np.ndarray]:
    paths = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not paths:
        raise ConfigError(f"{folder}: no style images (expected {', '.join(sorted(IMAGE_SUFFIXES))})")
    return [read(p) for p in paths]


def run(splan: StylePlan, progress: Progress = None) -> dict:
    """Train the style's generator (config ``train``) and save its checkpoint."""
    from models.inference import set_cpu_threads
    from pipeline.media.imageio import read_rgb

    t = splan.style.train
    set_cpu_threads(splan.pipeline.threads)
    shot = ShotPlan.load(t.shot)
    meta = {"style": splan.name, "shot": t.shot, "method": t.method}
    on_step = (lambda d, n, m: notify(progress, d, n, m))
    if t.method == "keyframes":
        from models.training import train_keyframes
        pairs = keyframe_pairs(shot, t.keyframes, read_rgb)
        meta["keyframes"] = sorted(t.keyframes)
        summary = train_keyframes(pairs, t, splan.style.checkpoint, splan.state_path,
                                  on_step, meta)
    else:
        from models.unpaired import train_unpaired
        content = content_plates(shot, t.content_frames, read_rgb)
        refs = style_images(t.style_images, read_rgb)
        summary = train_unpaired(content, refs, t, splan.style.checkpoint, splan.state_path,
                                 on_step, meta)
    log.info("style %s: trained %d steps in %.0fs -> %s", splan.name, summary["steps"],
             summary["seconds"], splan.style.checkpoint)
    return summary
