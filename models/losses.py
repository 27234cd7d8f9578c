"""Losses for style training."""
from __future__ import annotations

import torch
import torch.nn.functional as F


def lsgan_loss(score: torch.Tensor, real: bool) -> torch.Tensor:
    """Least-squares GAN loss (as in CycleGAN): MSE to 1 for real, 0 for fake."""
    return F.mse_loss(score, torch.full_like(score, 1.0 if real else 0.0))


def feature_matching_loss(fake_feats: list[torch.Tensor],
                          real_feats: list[torch.Tensor]) -> torch.Tensor:
    """L1 between discriminator activations of fake and real (all but the score)."""
    pairs = list(zip(fake_feats[:-1], real_feats[:-1]))
    return sum(F.l1_loss(f, r.detach()) for f, r in pairs) / max(len(pairs), 1)
