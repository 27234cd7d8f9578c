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


def _gaussian_window(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    x = torch.arange(size, dtype=torch.float32) - (size - 1) / 2
    g = torch.exp(-x ** 2 / (2 * sigma ** 2))
    return g / g.sum()


def ssim_loss(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """1 - mean SSIM (Wang et al. 2004: 11x11 Gaussian window, sigma 1.5, per
    channel, valid region) of two NxCxHxW batches in [-1, 1], with the usual
    constants for the [0, 1] range. Computed in fp32."""
    x = (x.float() + 1) / 2
    y = (y.float() + 1) / 2
    c = x.shape[1]
    g = _gaussian_window().to(x.device)
    # the 2-D Gaussian as two 1-D passes, every moment of every channel in one batch
    stack = torch.cat([x, y, x * x, y * y, x * y], 1)
    stack = F.conv2d(stack, g.view(1, 1, 1, -1).expand(5 * c, 1, 1, -1), groups=5 * c)
    stack = F.conv2d(stack, g.view(1, 1, -1, 1).expand(5 * c, 1, -1, 1), groups=5 * c)
    mx, my, xx, yy, xy = stack.split(c, 1)
    vx, vy, cov = xx - mx * mx, yy - my * my, xy - mx * my
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    s = ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return 1 - s.mean()
