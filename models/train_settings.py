"""The settings of style training, shared by both trainers (no torch here).

``TrainSettings`` is the one set of training settings and defaults: the
keyframe trainer (``models.training``) and the unpaired trainer
(``models.unpaired``) both take it, and a style config's ``train`` section
(``pipeline.config.TrainConfig``) extends it with where the images come from.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, Optional


#: The largest count (steps, ...) a style config may give.
_MAX = 10_000_000
#: Bounds of a loss weight (0: the term is off).
_WEIGHT = {"min": 0.0, "max": 10_000.0}
#: What bounds a training step's patches together (models.training.MAX_STEP_PIXELS).
_PIXELS = "batch_size x patch_size² at most 16,777,216 pixels"


def _s(default: Any, help: str, **bounds: Any) -> Any:
    """A training setting with its help text (and bounds) in its metadata."""
    return field(default=default, metadata={"help": help, **bounds})


@dataclass(frozen=True, kw_only=True)
class TrainSettings:
    """How a style generator is trained: the one set of settings and defaults for
    both trainers (``train_keyframes``, ``models.unpaired.train_unpaired``).
    A style config's ``train`` section (``pipeline.config.TrainConfig``) is one
    of these plus where the training images come from."""
    # Each field's metadata holds its help text and, for the counts a style config
    # may set, its bounds ("min", "max"), checked when a style config is loaded
    # (pipeline.config) and listed in docs/CONFIG.md.
    generator: str = _s("fewshot_unet", "The generator architecture (a name in the models "
                        "registry); keyframes default: a small fully convolutional U-Net.")
    generator_kwargs: dict[str, Any] = field(default_factory=dict, metadata={
        "help": "Options for the generator's constructor."})
    discriminator_kwargs: dict[str, Any] = field(default_factory=dict, metadata={
        "help": "Options for the discriminator's constructor."})
    steps: int = _s(3000, "Stop after this many steps (or `minutes`, whichever comes first).",
                    min=1, max=_MAX)
    minutes: float = _s(0.0, "Wall-clock budget in minutes; 0 = steps only.", min=0.0,
                        max=100_000.0)
    patch_size: int = _s(64, "Side of the random training patches, in pixels; they must fit "
                         "the plates, and the discriminator's layers must fit them.",
                         min=16, max=4096, rule=_PIXELS)
    batch_size: int = _s(16, "Patches per training step.", min=1, max=4096, rule=_PIXELS)
    lr: Optional[float] = _s(None, "Learning rate (Adam; with `lr_schedule` its peak). Null: "
                             "1e-3 for keyframes, 2e-4 for unpaired. A training that "
                             "diverges (a loss or a weight not finite) stops, keeping the "
                             "state saved before it.", min=1e-8, max=1.0)
    lr_schedule: Optional[Literal["constant", "cosine"]] = _s(
        None, "How the learning rate moves over the budget (`steps` or `minutes`, whichever "
        "runs out first): `constant`, or `cosine`: from `lr` down to zero at the end of the "
        "budget. Null: cosine for keyframes (more quality in the same time: bench/RESULTS.md "
        "\"Training throughput\"), constant for unpaired.")
    l1_weight: float = _s(1.0, "keyframes: L1 to the painted frame.", **_WEIGHT)
    ssim_weight: float = _s(1.0, "keyframes: structural term, 1 - SSIM (Wang et al. 2004) "
                            "to the painted frame, on the same patches as L1 (bench/RESULTS.md "
                            "\"Training throughput\").", **_WEIGHT)
    adv_weight: float = _s(0.02, "keyframes: conditional PatchGAN (LSGAN) term; with "
                           "`fm_weight` 0 too, no discriminator is trained.", **_WEIGHT)
    fm_weight: float = _s(1.0, "keyframes: discriminator feature matching.", **_WEIGHT)
    perceptual_weight: float = _s(0.0, "keyframes: VGG feature loss; needs `vgg_weights`.",
                                  **_WEIGHT)
    vgg_weights: Optional[Path] = _s(None, "torchvision VGG16/19 state_dict on disk.")
    cycle_weight: float = _s(10.0, "unpaired: cycle consistency.", **_WEIGHT)
    identity_weight: float = _s(5.0, "unpaired: identity (0.5 x cycle, as in CycleGAN).",
                                **_WEIGHT)
    jitter: float = _s(0.1, "Colour-jitter amplitude on the input (augmentation).",
                       min=0.0, max=1.0)
    noise: float = _s(0.02, "Gaussian noise sigma on the input ([-1, 1] units).",
                      min=0.0, max=1.0)
    seed: int = _s(0, "Random seed (patches, augmentation, initial weights).",
                   min=0, max=2 ** 32 - 1)
    precision: Literal["auto", "fp32", "bf16"] = _s(
        "auto", "`auto`: bf16 autocast on CPUs with native bf16 (faster than fp32; "
        "bench/RESULTS.md \"Precision\"), fp32 elsewhere.")
    channels_last: bool = _s(True, "Train in the channels-last memory layout (faster "
                             "convolutions on CPU; the checkpoint is saved in the usual "
                             "layout either way).")
    save_every_s: float = _s(60.0, "The training state (both networks, both optimisers, step, "
                             "RNG) is saved this often, in seconds, so a killed training "
                             "resumes where it was.", min=0.0, max=86_400.0, unit="seconds")
    log_every: int = _s(50, "Steps between progress lines (step, losses, it/s).",
                        min=1, max=_MAX)


#: What each trainer takes for the settings a style leaves null (``resolved``).
METHOD_DEFAULTS: dict[str, dict[str, Any]] = {
    "keyframes": {"lr": 1e-3, "lr_schedule": "cosine"},
    "unpaired": {"lr": 2e-4, "lr_schedule": "constant"},
}


def resolved(settings: TrainSettings, method: str) -> TrainSettings:
    """``settings`` with ``method``'s defaults (``METHOD_DEFAULTS``) for what it left null."""
    chosen = {k: v for k, v in METHOD_DEFAULTS[method].items() if getattr(settings, k) is None}
    return replace(settings, **chosen) if chosen else settings


def settings_record(settings: TrainSettings) -> dict[str, Any]:
    """The settings as plain values (for a checkpoint's metadata)."""
    return {f.name: (str(v) if isinstance(v := getattr(settings, f.name), Path) else v)
            for f in fields(TrainSettings)}
