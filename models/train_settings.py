"""The settings of style training, shared by both trainers (no torch here).

``TrainSettings`` is the one set of training settings and defaults: the
keyframe trainer (``models.training``) and the unpaired trainer
(``models.unpaired``) both take it, and a style config's ``train`` section
(``pipeline.config.TrainConfig``) extends it with where the images come from.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, Optional


@dataclass(frozen=True, kw_only=True)
class TrainSettings:
    """How a style generator is trained: the one set of settings and defaults for
    both trainers (``train_keyframes``, ``models.unpaired.train_unpaired``).
    A style config's ``train`` section (``pipeline.config.TrainConfig``) is one
    of these plus where the training images come from."""
    generator: str = "fewshot_unet"
    generator_kwargs: dict[str, Any] = field(default_factory=dict)
    discriminator_kwargs: dict[str, Any] = field(default_factory=dict)
    steps: int = 3000
    minutes: float = 0.0  # wall-clock budget; 0 = steps only
    patch_size: int = 64
    batch_size: int = 16
    lr: float = 2e-4
    l1_weight: float = 1.0  # keyframes: L1 to the painted frame
    adv_weight: float = 0.02  # keyframes: PatchGAN (LSGAN) term; 0 and fm_weight 0: no discriminator
    fm_weight: float = 1.0  # keyframes: discriminator feature matching
    perceptual_weight: float = 0.0  # keyframes: VGG feature loss; needs vgg_weights
    vgg_weights: Optional[Path] = None  # torchvision VGG16/19 state_dict on disk
    cycle_weight: float = 10.0  # unpaired: cycle consistency
    identity_weight: float = 5.0  # unpaired: identity (0.5 x cycle, as in CycleGAN)
    jitter: float = 0.1  # colour jitter amplitude on the input
    noise: float = 0.02  # gaussian noise sigma on the input ([-1, 1] units)
    seed: int = 0
    # auto: bf16 autocast on CPUs with native bf16 (1.7x the steps per second of
    # fp32 on the default generator and discriminator), fp32 elsewhere
    precision: Literal["auto", "fp32", "bf16"] = "auto"
    save_every_s: float = 60.0  # training state is saved this often (resume after a kill)
    log_every: int = 50


def settings_record(settings: TrainSettings) -> dict[str, Any]:
    """The settings as plain values (for a checkpoint's metadata)."""
    return {f.name: (str(v) if isinstance(v := getattr(settings, f.name), Path) else v)
            for f in fields(TrainSettings)}
