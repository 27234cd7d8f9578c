"""models.training: keyframe training's parts on tiny tensors: [-1, 1] tensors
from 8- and 16-bit frames, patches that stay paired, bounded augmentation, the
loop's budget, logging, saves and resume, and a two-step training without a
discriminator."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from torch import nn

from models.checkpoint import load_generator
from models.errors import CheckpointError, SettingsError
from models.train_settings import TrainSettings
from models.training import PatchSampler, TrainLoop, augment, to_tensor, train_keyframes


def test_frames_become_minus_one_to_one_whatever_their_depth():
    eight = np.array([[[0, 255, 128]]], np.uint8)
    sixteen = np.array([[[0, 65535, 32768]]], np.uint16)
    for frame in (eight, sixteen):
        t = to_tensor(frame)
        assert t.shape == (3, 1, 1) and t.dtype == torch.float32
        assert t[0, 0, 0] == -1.0 and t[1, 0, 0] == 1.0 and abs(float(t[2, 0, 0])) < 0.01


def test_patches_are_cut_at_the_same_place_of_plate_and_keyframe():
    rng = np.random.RandomState(0)
    plate = rng.randint(0, 255, (20, 30, 3), dtype=np.uint8)
    sampler = PatchSampler([(plate, 255 - plate)], 8, torch.Generator().manual_seed(1))
    x, y = sampler.sample(16)
    assert x.shape == y.shape == (16, 3, 8, 8)
    assert torch.allclose(x, -y, atol=1e-6)  # the keyframe is the inverted plate, patch by patch
    flipped = sum(not any(torch.equal(p, to_tensor(plate)[:, r:r + 8, c:c + 8])
                          for r in range(13) for c in range(23)) for p in x)
    assert 0 < flipped < 16  # some patches are mirrored, some not


def test_a_sampler_refuses_pairs_that_cannot_train():
    gen = torch.Generator()
    a = np.zeros((16, 16, 3), np.uint8)
    with pytest.raises(ValueError, match=r"plate \(3, 16, 16\) and keyframe \(3, 16, 12\) differ"):
        PatchSampler([(a, np.zeros((16, 12, 3), np.uint8))], 8, gen)
    with pytest.raises(ValueError, match="frames smaller than the 32px training patch"):
        PatchSampler([(a, a)], 32, gen)


def test_augmentation_stays_in_range_and_is_off_at_zero():
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(4, 3, 8, 8) * 2 - 1
    assert torch.equal(augment(x, 0.0, 0.0, gen), x)
    y = augment(x, 0.5, 0.2, gen)
    assert y.shape == x.shape and float(y.min()) >= -1 and float(y.max()) <= 1
    assert not torch.equal(y, x)


class _Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(2))


def loop_parts(settings, state_path, progress=None, seed=0):
    net = _Net()
    opt = torch.optim.SGD(net.parameters(), lr=1.0)
    return net, TrainLoop("training", {"G": net}, {"opt_g": opt},
                          torch.Generator().manual_seed(seed), settings, state_path, progress)


def test_the_loop_counts_steps_reports_progress_and_resumes(tmp_path):
    settings = TrainSettings(steps=5, log_every=2, save_every_s=3600)
    reports = []
    net, loop = loop_parts(settings, tmp_path / "t.state",
                           lambda done, total, msg: reports.append((done, total)))
    while loop.running() and loop.step < 3:
        net.w.data += 1
        loop.tick({"l1": 0.5})
    assert [r[:2] for r in reports] == [(2, 5)]  # every log_every steps
    assert not (tmp_path / "t.state").exists()  # not due yet
    rng_before = loop.gen.get_state()
    summary = loop.finish({"l1": 0.123456789})
    assert summary["steps"] == 3 and summary["losses"] == {"l1": 0.12346}
    net2, resumed = loop_parts(settings, tmp_path / "t.state", seed=99)
    assert resumed.step == 3 and torch.equal(net2.w, torch.full((2,), 3.0))
    assert torch.equal(resumed.gen.get_state(), rng_before)
    while resumed.running():
        resumed.tick({})
    assert resumed.step == 5


def test_the_loop_saves_when_due_and_stops_at_its_time_budget(tmp_path):
    net, loop = loop_parts(TrainSettings(steps=100, save_every_s=0.0), tmp_path / "t.state")
    loop.tick({})
    assert (tmp_path / "t.state").is_file()  # save_every_s 0: after every step
    _, timed = loop_parts(TrainSettings(steps=100, minutes=1e-9), None)
    timed.tick({})
    assert not timed.running()  # the budget is spent, whatever the steps left


def test_two_steps_of_keyframe_training_without_a_discriminator(tmp_path):
    rng = np.random.RandomState(0)
    plate = rng.randint(0, 255, (24, 24, 3), dtype=np.uint8)
    settings = TrainSettings(steps=2, patch_size=16, batch_size=2, adv_weight=0, fm_weight=0,
                             generator_kwargs={"base_channels": 4, "levels": 2}, log_every=1,
                             precision="fp32")
    summary = train_keyframes([(plate, 255 - plate)], settings, tmp_path / "k.pt",
                              tmp_path / "k.state", meta={"shot": "t10"})
    assert summary["steps"] == 2 and set(summary["losses"]) == {"l1", "ssim"}  # no d, adv, fm
    loaded = load_generator(tmp_path / "k.pt")
    assert loaded.meta["shot"] == "t10" and loaded.meta["steps"] == 2
    # what the training took for the settings left null is recorded
    assert (loaded.meta["train"]["lr"], loaded.meta["train"]["lr_schedule"]) == (1e-3, "cosine")
    assert loaded.meta["train"]["adv_weight"] == 0 and not loaded.model.training


def test_a_diverged_training_stops_in_one_line_and_keeps_the_state_saved_before(tmp_path):
    state = tmp_path / "t.state"
    net, loop = loop_parts(TrainSettings(steps=10, save_every_s=0.0, lr=0.5), state)
    loop.tick({"l1": 0.5})
    saved = state.read_bytes()
    with pytest.raises(SettingsError) as err:
        loop.tick({"l1": 0.4, "adv": float("nan")})
    assert (err.value.key, str(err.value)) == ("lr", (
        "the training diverged at step 2 (adv not finite): lower the learning rate (0.5) and "
        "train again; the state saved before it is kept"))
    net.w.data[0] = float("inf")  # a step that blew a weight up, its losses still finite
    with pytest.raises(SettingsError, match=r"diverged at step 3 \(G weights not finite\)"):
        loop.tick({"l1": 0.4})
    with pytest.raises(SettingsError, match=r"\(G weights not finite\)"):
        loop.finish({"l1": 0.4})
    assert state.read_bytes() == saved


def test_a_training_state_of_other_networks_is_one_line_and_kept(tmp_path):
    state = tmp_path / "t.state"
    _, loop = loop_parts(TrainSettings(steps=10), state)
    loop.finish({})
    kept = state.read_bytes()

    class _Wider(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.zeros(3))

    wider = _Wider()
    with pytest.raises(CheckpointError) as err:
        TrainLoop("training", {"G": wider}, {"opt_g": torch.optim.SGD(wider.parameters(), lr=1)},
                  torch.Generator(), TrainSettings(), state, None)
    assert str(err.value) == (
        f"{state}: a training state of other networks or settings (size mismatch for w: "
        f"copying a param with shape torch.Size([2]) from checkpoint, the shape in current "
        f"model is torch.Size([3]).); delete it to train afresh")
    net = _Net()
    d = _Net()
    with pytest.raises(CheckpointError) as err:  # a discriminator now, none before
        TrainLoop("training", {"G": net, "D": d}, {"opt_g": torch.optim.SGD(net.parameters(),
                                                                            lr=1)},
                  torch.Generator(), TrainSettings(), state, None)
    assert str(err.value) == (f"{state}: a training state of other networks or settings (it "
                              f"has no D); delete it to train afresh")
    assert state.read_bytes() == kept


def test_the_cosine_schedule_runs_the_learning_rate_down_over_the_budget():
    net, loop = loop_parts(TrainSettings(steps=4, lr=0.1, lr_schedule="cosine"), None)
    opt = loop.optims["opt_g"]
    seen = [opt.param_groups[0]["lr"]]
    while loop.running():
        loop.tick({})
        seen.append(opt.param_groups[0]["lr"])
    assert seen == pytest.approx([0.1, 0.1 * (2 + 2 ** 0.5) / 4, 0.05, 0.1 * (2 - 2 ** 0.5) / 4,
                                  0.0])
    _, const = loop_parts(TrainSettings(steps=4, lr=0.1, lr_schedule="constant"), None)
    const.tick({})
    assert const.optims["opt_g"].param_groups[0]["lr"] == 0.1


def test_the_schedule_follows_the_time_budget_when_it_runs_out_first():
    _, loop = loop_parts(TrainSettings(steps=10 ** 6, minutes=1.0, lr=0.1, lr_schedule="cosine"),
                         None)
    loop.elapsed = 30.0  # half the minute, hardly any of the steps
    assert loop.done_fraction() == 0.5 and loop.lr_now() == pytest.approx(0.05)
    loop.elapsed = 90.0
    assert loop.done_fraction() == 1.0 and loop.lr_now() == pytest.approx(0.0)


def test_a_resumed_training_picks_the_schedule_up_where_it_was(tmp_path):
    settings = TrainSettings(steps=4, lr=0.1, lr_schedule="cosine", save_every_s=3600)
    _, loop = loop_parts(settings, tmp_path / "t.state")
    loop.tick({})
    loop.tick({})
    loop.finish({})
    _, resumed = loop_parts(settings, tmp_path / "t.state")
    assert resumed.step == 2
    assert resumed.optims["opt_g"].param_groups[0]["lr"] == pytest.approx(0.05)


@pytest.mark.parametrize("channels_last", [True, False])
def test_keyframe_training_in_either_layout_saves_a_usual_checkpoint(tmp_path, channels_last):
    rng = np.random.RandomState(0)
    plate = rng.randint(0, 255, (24, 24, 3), dtype=np.uint8)
    settings = TrainSettings(steps=2, patch_size=16, batch_size=2, log_every=1,
                             generator_kwargs={"base_channels": 4, "levels": 2},
                             discriminator_kwargs={"base_channels": 4, "layers": 1},
                             precision="fp32", channels_last=channels_last)
    summary = train_keyframes([(plate, 255 - plate)], settings, tmp_path / "k.pt",
                              tmp_path / "k.state")
    assert summary["steps"] == 2 and {"d", "adv", "fm", "l1"} <= set(summary["losses"])
    saved = torch.load(tmp_path / "k.pt", weights_only=True)
    weights = saved.get("state_dict", saved)
    convs = [t for t in weights.values() if isinstance(t, torch.Tensor) and t.dim() == 4]
    assert convs and all(t.is_contiguous() for t in convs)
    loaded = load_generator(tmp_path / "k.pt")
    assert loaded.meta["train"]["channels_last"] is channels_last
    # the training state resumes into nets of either layout
    again = train_keyframes([(plate, 255 - plate)], dataclasses.replace(
        settings, steps=3, channels_last=not channels_last), tmp_path / "k2.pt",
        tmp_path / "k.state")
    assert again["steps"] == 3
