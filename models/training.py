"""Keyframe style training: learn (plate -> painted keyframe) with L1 + SSIM + PatchGAN.

Few-shot patch training after Texler et al. 2020: random patches of a few
(plate, painted) pairs, input augmentation (colour jitter, noise) so frames far
from the keyframes still map well, L1 and SSIM terms for fidelity and a
conditional PatchGAN (LSGAN loss, plus discriminator feature matching) for
crisp strokes. For speed on CPU: bf16 autocast where the CPU has it, the
channels-last layout, two discriminator passes a step; the learning rate
follows ``lr_schedule`` over the budget (``TrainLoop``).

Training state (both nets, both optimisers, step, elapsed time, RNG) is saved
atomically every ``save_every_s`` seconds, so a killed run resumes.
"""
from __future__ import annotations

import logging
import math
import time
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from models.checkpoint import load_file, save_atomically, save_generator
from models.errors import CheckpointError, SettingsError
from models.losses import feature_matching_loss, lsgan_loss, ssim_loss
from models.build import build_discriminator, build_generator
from models.registry import GENERATORS
from models.train_settings import TrainSettings, resolved, settings_record

log = logging.getLogger("shotstyle")

#: The most pixels one training step may take: ``batch_size`` patches of
#: ``patch_size`` squared (the defaults take 65,536).
MAX_STEP_PIXELS = 1 << 24


def _first_line(exc: BaseException) -> str:
    """The first telling line of an exception's message (not a heading such as
    torch's "Error(s) in loading state_dict for X:")."""
    lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
    telling = [ln for ln in lines if not ln.endswith(":")] or lines or [type(exc).__name__]
    return telling[0][:200]


def check_training(s: TrainSettings, conditional: bool) -> Optional[dict[str, Any]]:
    """Whether the nets ``s`` asks for can be trained, checked before any memory is
    taken: each is built and run once on a patch on the meta device. Returns the
    discriminator's kwargs (``in_channels`` 6 when ``conditional``: the input and
    the output side by side; else 3), or None when no discriminator is trained.
    SettingsError naming the setting at fault otherwise."""
    pixels = s.batch_size * s.patch_size ** 2
    if pixels > MAX_STEP_PIXELS:
        raise SettingsError("batch_size", f"{s.batch_size} patches of {s.patch_size}x"
                            f"{s.patch_size} pixels are {pixels:,} pixels a step, more than "
                            f"{MAX_STEP_PIXELS:,}: use fewer or smaller patches")
    key = "generator_kwargs" if s.generator in GENERATORS else "generator"
    size, n = s.patch_size, s.batch_size  # a batch as training makes it (batch norm needs it)
    with torch.device("meta"):  # layouts and shapes only: no memory for weights or patches
        try:
            G = build_generator(s.generator, **s.generator_kwargs)
        except CheckpointError as exc:
            raise SettingsError(key, str(exc)) from None
        patch = torch.empty(n, 3, size, size)
        try:
            shape = tuple(G(patch).shape)
        except (RuntimeError, ValueError, TypeError, IndexError) as exc:
            raise SettingsError("patch_size", f"generator {s.generator!r} "
                                f"{s.generator_kwargs} cannot take a {size}x{size} patch: "
                                f"{_first_line(exc)}") from None
        if shape != (n, 3, size, size):
            raise SettingsError(key, f"generator {s.generator!r} {s.generator_kwargs} turns "
                                f"{n}x3x{size}x{size} patches into {'x'.join(map(str, shape))}; "
                                f"it must give back RGB at the size it is given")
        uses_d = not conditional or s.adv_weight > 0 or s.fm_weight > 0
        if not uses_d:
            return None
        need = 6 if conditional else 3
        given = s.discriminator_kwargs.get("in_channels", need)
        if given != need:
            why = "the plate and the output side by side" if conditional else "one frame"
            raise SettingsError("discriminator_kwargs", f"in_channels is set by the training "
                                f"method: {need} ({why}), not {given!r}")
        dkw = {**s.discriminator_kwargs, "in_channels": need}
        try:
            D = build_discriminator("patchgan", **dkw)
        except CheckpointError as exc:
            raise SettingsError("discriminator_kwargs", str(exc)) from None
        try:
            D(torch.empty(n, need, size, size))
        except (RuntimeError, ValueError) as exc:
            raise SettingsError("patch_size", f"a {size}x{size} patch is too small for the "
                                f"discriminator {s.discriminator_kwargs or '(the default)'} "
                                f"({_first_line(exc)}): use larger patches or fewer "
                                f"discriminator layers") from None
    return dkw


def to_tensor(rgb: np.ndarray) -> torch.Tensor:
    """HxWx3 uint8 (or uint16) -> 3xHxW float in [-1, 1]."""
    half = np.iinfo(rgb.dtype).max / 2.0
    pixels = rgb if rgb.dtype == np.uint8 else rgb.astype(np.float32)
    return torch.from_numpy(np.ascontiguousarray(pixels)).permute(2, 0, 1).float().div(half).sub(1.0)


class PatchSampler:
    def __init__(self, pairs: Sequence[tuple[np.ndarray, np.ndarray]], size: int,
                 gen: torch.Generator):
        self.pairs = [(to_tensor(p), to_tensor(k)) for p, k in pairs]
        for p, k in self.pairs:
            if p.shape != k.shape:
                raise ValueError(f"plate {tuple(p.shape)} and keyframe {tuple(k.shape)} differ")
            if min(p.shape[-2:]) < size:
                raise ValueError(f"frames smaller than the {size}px training patch")
        self.size, self.gen = size, gen

    def _randint(self, hi: int) -> int:
        return int(torch.randint(0, hi, (1,), generator=self.gen))

    def sample(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        xs, ys = [], []
        for _ in range(n):
            p, k = self.pairs[self._randint(len(self.pairs))]
            h, w = p.shape[-2:]
            y0, x0 = self._randint(h - self.size + 1), self._randint(w - self.size + 1)
            a = p[:, y0:y0 + self.size, x0:x0 + self.size]
            b = k[:, y0:y0 + self.size, x0:x0 + self.size]
            if self._randint(2):
                a, b = a.flip(-1), b.flip(-1)
            xs.append(a)
            ys.append(b)
        return torch.stack(xs), torch.stack(ys)


def augment(x: torch.Tensor, jitter: float, noise: float, gen: torch.Generator) -> torch.Tensor:
    """Brightness/contrast/saturation jitter and noise on [-1, 1] input patches."""
    n = x.shape[0]

    def rnd(scale: float) -> torch.Tensor:
        return (torch.rand(n, 1, 1, 1, generator=gen) * 2 - 1) * scale

    if jitter > 0:
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        grey = x.mean(dim=1, keepdim=True)
        x = (x - mean) * (1 + rnd(jitter)) + mean + rnd(jitter)
        x = grey + (x - grey) * (1 + rnd(jitter))
    if noise > 0:
        x = x + torch.randn(x.shape, generator=gen) * noise
    return x.clamp(-1, 1)


def save_training_state(path: Path, payload: dict) -> None:
    """Atomic, durable torch.save of a training-state dict."""
    save_atomically(path, payload)


class TrainLoop:
    """Bookkeeping shared by the trainers: step and time budget, progress and
    log lines, periodic atomic saves of the training state, and resume.

    ``nets`` and ``optims`` map state-file keys to modules and optimisers.
    """

    def __init__(self, name: str, nets: dict, optims: dict, gen: torch.Generator, settings,
                 state_path: Optional[Path], progress: Optional[Callable[[int, int, str], None]]):
        self.name, self.nets, self.optims, self.gen = name, nets, optims, gen
        if settings.lr is None or settings.lr_schedule is None:
            settings = resolved(settings, "keyframes")
        self.steps, self.log_every, self.save_every_s = (settings.steps, settings.log_every,
                                                         settings.save_every_s)
        self.budget = settings.minutes * 60 if settings.minutes > 0 else math.inf
        self.lr = settings.lr
        self.schedule = settings.lr_schedule
        self.state_path = Path(state_path) if state_path else None
        self.progress = progress
        self.step, self.elapsed = 0, 0.0
        if self.state_path and self.state_path.is_file():
            self._resume()
        now = time.monotonic()
        self.t_start, self.t_saved, self.t_log, self.step_log = now - self.elapsed, now, now, self.step
        self._set_lr()

    def done_fraction(self) -> float:
        """How much of the budget is spent: steps or wall-clock time, whichever is
        further along (0 at the start, 1 at the end)."""
        by_time = self.elapsed / self.budget if math.isfinite(self.budget) else 0.0
        return min(1.0, max(self.step / self.steps, by_time))

    def lr_now(self) -> float:
        """The learning rate for the next step under ``lr_schedule``."""
        if self.schedule == "cosine":
            return self.lr * 0.5 * (1.0 + math.cos(math.pi * self.done_fraction()))
        return self.lr

    def _set_lr(self) -> None:
        lr = self.lr_now()
        for opt in self.optims.values():
            for group in opt.param_groups:
                group["lr"] = lr

    def _resume(self) -> None:
        state = load_file(self.state_path)
        try:
            if not isinstance(state, dict):
                raise TypeError(f"it holds a {type(state).__name__}, not a mapping")
            missing = [key for key in (*self.nets, *self.optims, "step", "elapsed_s", "rng")
                       if key not in state]
            if missing:
                raise KeyError(f"it has no {', '.join(missing)}")
            for key, obj in {**self.nets, **self.optims}.items():
                obj.load_state_dict(state[key])
            step, elapsed = int(state["step"]), float(state["elapsed_s"])
            self.gen.set_state(state["rng"])
        except (KeyError, RuntimeError, ValueError, TypeError) as exc:
            why = exc.args[0] if isinstance(exc, KeyError) and exc.args else _first_line(exc)
            raise CheckpointError(f"{self.state_path}: a training state of other networks or "
                                  f"settings ({why}); delete it to train afresh") from None
        self.step, self.elapsed = step, elapsed
        log.info("%s: resumed at step %d (%.0fs done)", self.name, self.step, self.elapsed)

    def _check_finite(self, losses: dict[str, float]) -> None:
        """SettingsError (``lr``) when the training diverged: a loss or a weight is
        NaN or infinite. Nothing diverged is saved: the state saved before stays."""
        bad = sorted(k for k, v in losses.items() if not math.isfinite(v))
        if not bad:
            bad = [f"{key} weights" for key, net in self.nets.items()
                   if not all(bool(torch.isfinite(p).all()) for p in net.parameters())]
        if bad:
            raise SettingsError("lr", f"the training diverged at step {self.step} "
                                f"({', '.join(bad)} not finite): lower the learning rate "
                                f"({self.lr:g}) and train again; the state saved before it is "
                                f"kept")

    def save(self) -> None:
        self._check_finite({})
        if self.state_path:
            payload = {key: obj.state_dict() for key, obj in {**self.nets, **self.optims}.items()}
            payload.update(step=self.step, elapsed_s=self.elapsed, rng=self.gen.get_state())
            save_training_state(self.state_path, payload)

    def running(self) -> bool:
        return self.step < self.steps and self.elapsed < self.budget

    def tick(self, losses: dict[str, float]) -> None:
        """Count one step; log, report and save when due."""
        self.step += 1
        self._check_finite(losses)
        now = time.monotonic()
        self.elapsed = now - self.t_start
        self._set_lr()
        if self.step % self.log_every == 0 or self.step == self.steps:
            rate = (self.step - self.step_log) / max(now - self.t_log, 1e-6)
            self.t_log, self.step_log = now, self.step
            text = " ".join(f"{k}={v:.4f}" for k, v in sorted(losses.items()))
            log.info("%s: step %d/%d %s lr=%.3g %.2f it/s", self.name, self.step, self.steps,
                     text, self.lr_now(), rate)
            if self.progress:
                self.progress(self.step, self.steps, f"training {text} {rate:.2f} it/s")
        if now - self.t_saved >= self.save_every_s:
            self.save()
            self.t_saved = now

    def finish(self, losses: dict[str, float]) -> dict:
        self.save()
        return {"steps": self.step, "seconds": round(self.elapsed, 1),
                "losses": {k: round(v, 5) for k, v in losses.items()}}


def training_autocast(precision: str) -> Callable[[], Any]:
    """A context factory: bf16 autocast where ``precision`` asks for it ('auto': on
    CPUs with native bf16), else a no-op. Parameters, optimiser state and losses
    stay fp32."""
    from models.inference import cpu_has_fast_bf16

    enabled = precision == "bf16" or (precision == "auto" and cpu_has_fast_bf16())
    return lambda: torch.autocast("cpu", dtype=torch.bfloat16, enabled=enabled)


def train_keyframes(pairs: Sequence[tuple[np.ndarray, np.ndarray]], settings: TrainSettings,
                    checkpoint: Path, state_path: Optional[Path] = None,
                    progress: Optional[Callable[[int, int, str], None]] = None,
                    meta: Optional[dict] = None) -> dict:
    """Train a generator on (plate, painted) RGB uint8 pairs; save it to ``checkpoint``.

    Returns a summary (steps, seconds, final losses). Resumes from ``state_path``.
    """
    s = settings = resolved(settings, "keyframes")
    gen = torch.Generator().manual_seed(s.seed)
    torch.manual_seed(s.seed)
    dkw = check_training(s, conditional=True)
    G = build_generator(s.generator, **s.generator_kwargs)
    D = build_discriminator("patchgan", **dkw) if dkw is not None else None
    layout = torch.channels_last if s.channels_last else torch.contiguous_format
    G = G.to(memory_format=layout)
    D = D.to(memory_format=layout) if D is not None else None
    opt_g = torch.optim.Adam(G.parameters(), lr=s.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=s.lr, betas=(0.5, 0.999)) if D else None
    perceptual = None
    if s.perceptual_weight > 0 and s.vgg_weights:
        from models.perceptual import VGGPerceptualLoss
        perceptual = VGGPerceptualLoss(Path(s.vgg_weights))
    nets = {"G": G, **({"D": D} if D is not None else {})}
    optims = {"opt_g": opt_g, **({"opt_d": opt_d} if D is not None else {})}
    loop = TrainLoop("training", nets, optims, gen, s, state_path, progress)
    sampler = PatchSampler(pairs, s.patch_size, gen)
    amp = training_autocast(s.precision)
    G.train()
    losses: dict[str, float] = {}
    while loop.running():
        x, y = sampler.sample(s.batch_size)
        x = augment(x, s.jitter, s.noise, gen).contiguous(memory_format=layout)
        y = y.contiguous(memory_format=layout)
        with amp():
            fake = G(x)
        if D is not None:
            with amp():
                real_feats = D(torch.cat([x, y], 1))
                fake_feats = D(torch.cat([x, fake.detach()], 1))
                loss_d = 0.5 * (lsgan_loss(real_feats[-1], True)
                                + lsgan_loss(fake_feats[-1], False))
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
            losses["d"] = loss_d.item()
        loss_l1 = F.l1_loss(fake.float(), y)
        loss_g = s.l1_weight * loss_l1
        if s.ssim_weight > 0:
            structure = ssim_loss(fake, y)
            loss_g = loss_g + s.ssim_weight * structure
            losses["ssim"] = structure.item()
        if D is not None:
            with amp():
                fake_feats = D(torch.cat([x, fake], 1))
            fake_feats = [f.float() for f in fake_feats]
            # the real pair's features from the discriminator's step (as pix2pixHD
            # does): a third discriminator pass per step saved
            real_feats = [f.detach().float() for f in real_feats]
            if s.adv_weight > 0:
                adv = lsgan_loss(fake_feats[-1], True)
                loss_g = loss_g + s.adv_weight * adv
                losses["adv"] = adv.item()
            if s.fm_weight > 0:
                fm = feature_matching_loss(fake_feats, real_feats)
                loss_g = loss_g + s.fm_weight * fm
                losses["fm"] = fm.item()
        if perceptual is not None:
            pl = perceptual(fake.float(), y)
            loss_g = loss_g + s.perceptual_weight * pl
            losses["vgg"] = pl.item()
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        losses["l1"] = loss_l1.item()
        loop.tick(losses)
    summary = loop.finish(losses)
    G.eval()
    save_generator(checkpoint, G, s.generator_kwargs,
                   meta={"train": settings_record(s), **summary, **(meta or {})})
    return summary
