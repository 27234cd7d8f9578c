"""models.losses: the least-squares GAN loss and the feature-matching loss."""
from __future__ import annotations

import pytest
import torch

from models.losses import feature_matching_loss, lsgan_loss, ssim_loss


def test_lsgan_is_the_squared_distance_to_one_for_real_and_zero_for_fake():
    score = torch.tensor([[0.0, 0.5], [1.0, 2.0]])
    assert float(lsgan_loss(score, real=True)) == pytest.approx((1 + 0.25 + 0 + 1) / 4)
    assert float(lsgan_loss(score, real=False)) == pytest.approx((0 + 0.25 + 1 + 4) / 4)
    assert float(lsgan_loss(torch.ones(3, 1, 4, 4), real=True)) == 0.0
    assert float(lsgan_loss(torch.zeros(3, 1, 4, 4), real=False)) == 0.0


def test_feature_matching_leaves_out_the_score_and_averages_the_layers():
    fake = [torch.zeros(1, 2, 4, 4), torch.ones(1, 2, 2, 2), torch.full((1, 1, 1, 1), 9.0)]
    real = [torch.ones(1, 2, 4, 4), torch.ones(1, 2, 2, 2) * 3, torch.zeros(1, 1, 1, 1)]
    # layer 1: |0 - 1| = 1, layer 2: |1 - 3| = 2; the score (9 vs 0) is not matched
    assert float(feature_matching_loss(fake, real)) == pytest.approx(1.5)


def test_feature_matching_trains_the_generator_side_only():
    fake = [torch.zeros(1, 1, 2, 2, requires_grad=True), torch.zeros(1, 1, 1, 1)]
    real = [torch.ones(1, 1, 2, 2, requires_grad=True), torch.zeros(1, 1, 1, 1)]
    feature_matching_loss(fake, real).backward()
    assert fake[0].grad is not None and float(fake[0].grad.abs().sum()) > 0
    assert real[0].grad is None  # the real activations are detached


def test_feature_matching_with_only_a_score_is_zero():
    assert feature_matching_loss([torch.ones(1)], [torch.zeros(1)]) == 0


def test_the_ssim_loss_is_one_minus_the_metric_of_the_benchmarks():
    import numpy as np
    from pipeline.temporal.metrics import ssim

    rng = np.random.RandomState(0)
    a = rng.randint(0, 255, (24, 20, 3), dtype=np.uint8)
    b = np.clip(a.astype(int) + rng.randint(-40, 40, a.shape), 0, 255).astype(np.uint8)

    def t(z):
        return torch.from_numpy(z).permute(2, 0, 1)[None].float() / 127.5 - 1

    assert 1 - float(ssim_loss(t(a), t(b))) == pytest.approx(ssim(a, b), abs=1e-5)
    assert float(ssim_loss(t(a), t(a))) == pytest.approx(0.0, abs=1e-6)
    x = t(a).requires_grad_()
    ssim_loss(x, t(b)).backward()
    assert float(x.grad.abs().sum()) > 0
