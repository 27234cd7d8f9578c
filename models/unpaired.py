"""Unpaired style training (CycleGAN-style) from a folder of style images.

For users with reference art but no painted frames of the shot: two
generators (plate -> style, style -> plate), two PatchGAN discriminators,
LSGAN adversarial losses, cycle-consistency and identity L1 terms (Zhu et al.
2017), trained on random patches. Only the plate -> style generator is saved
as the style's checkpoint. Resumable like keyframe training.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from models.checkpoint import save_generator
from models.losses import lsgan_loss
from models.build import build_discriminator, build_generator
from models.train_settings import TrainSettings, resolved, settings_record
from models.training import TrainLoop, augment, check_training, to_tensor

log = logging.getLogger("shotstyle")


class _Patches:
    """Random patches from a list of images of any sizes (small ones upscaled)."""

    def __init__(self, images: Sequence[np.ndarray], size: int, gen: torch.Generator):
        if not images:
            raise ValueError("no images to train on")
        self.images = []
        for img in images:
            t = to_tensor(img)
            short = min(t.shape[-2:])
            if short < size:
                scale = size / short
                t = F.interpolate(t[None], scale_factor=scale, mode="bilinear",
                                  align_corners=False)[0]
            self.images.append(t)
        self.size, self.gen = size, gen

    def _randint(self, hi: int) -> int:
        return int(torch.randint(0, hi, (1,), generator=self.gen))

    def sample(self, n: int) -> torch.Tensor:
        out = []
        for _ in range(n):
            img = self.images[self._randint(len(self.images))]
            h, w = img.shape[-2:]
            y0, x0 = self._randint(h - self.size + 1), self._randint(w - self.size + 1)
            p = img[:, y0:y0 + self.size, x0:x0 + self.size]
            out.append(p.flip(-1) if self._randint(2) else p)
        return torch.stack(out)


def train_unpaired(content: Sequence[np.ndarray], style: Sequence[np.ndarray],
                   settings: TrainSettings, checkpoint: Path,
                   state_path: Optional[Path] = None,
                   progress: Optional[Callable[[int, int, str], None]] = None,
                   meta: Optional[dict] = None) -> dict:
    """Train plate->style from unpaired RGB uint8 images; save G_AB to ``checkpoint``."""
    s = settings = resolved(settings, "unpaired")
    gen = torch.Generator().manual_seed(s.seed)
    torch.manual_seed(s.seed)
    dkw = check_training(s, conditional=False)
    g_ab = build_generator(s.generator, **s.generator_kwargs)
    g_ba = build_generator(s.generator, **s.generator_kwargs)
    d_a, d_b = build_discriminator("patchgan", **dkw), build_discriminator("patchgan", **dkw)
    opt_g = torch.optim.Adam(list(g_ab.parameters()) + list(g_ba.parameters()), lr=s.lr,
                             betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(list(d_a.parameters()) + list(d_b.parameters()), lr=s.lr,
                             betas=(0.5, 0.999))
    loop = TrainLoop("unpaired training", {"g_ab": g_ab, "g_ba": g_ba, "d_a": d_a, "d_b": d_b},
                     {"opt_g": opt_g, "opt_d": opt_d}, gen, s, state_path, progress)
    src, ref = _Patches(content, s.patch_size, gen), _Patches(style, s.patch_size, gen)
    losses: dict[str, float] = {}
    while loop.running():
        a = augment(src.sample(s.batch_size), s.jitter, s.noise, gen)
        b = ref.sample(s.batch_size)
        fake_b, fake_a = g_ab(a), g_ba(b)
        # Generators: fool both discriminators, reconstruct, keep identity.
        adv = lsgan_loss(d_b(fake_b)[-1], True) + lsgan_loss(d_a(fake_a)[-1], True)
        cyc = F.l1_loss(g_ba(fake_b), a) + F.l1_loss(g_ab(fake_a), b)
        idt = (F.l1_loss(g_ab(b), b) + F.l1_loss(g_ba(a), a)) if s.identity_weight > 0 else (
            torch.zeros(()))
        loss_g = adv + s.cycle_weight * cyc + s.identity_weight * idt
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        # Discriminators.
        loss_d = 0.5 * (lsgan_loss(d_b(b)[-1], True) + lsgan_loss(d_b(fake_b.detach())[-1], False)
                        + lsgan_loss(d_a(a)[-1], True) + lsgan_loss(d_a(fake_a.detach())[-1], False))
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        losses = {"adv": adv.item(), "cycle": cyc.item(), "idt": idt.item(), "d": loss_d.item()}
        loop.tick(losses)
    summary = loop.finish(losses)
    g_ab.eval()
    save_generator(checkpoint, g_ab, s.generator_kwargs,
                   meta={"train": settings_record(s), "method": "unpaired", **summary, **(meta or {})})
    return summary
