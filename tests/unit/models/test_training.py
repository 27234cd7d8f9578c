"""The trainers on tiny sizes: unpaired training resumes; the perceptual loss reads VGG files."""
import numpy as np

from helpers import TINY_UNET


def test_unpaired_training_runs_and_resumes(tmp_path):
    from models.checkpoint import load_generator
    import dataclasses

    from models.train_settings import TrainSettings
    from models.unpaired import train_unpaired
    rng = np.random.RandomState(0)
    content = [rng.randint(0, 255, (40, 50, 3), dtype=np.uint8) for _ in range(2)]
    style = [rng.randint(0, 255, (20, 30, 3), dtype=np.uint8)]  # smaller than a patch: upscaled
    s = TrainSettings(generator_kwargs=TINY_UNET, steps=3, patch_size=24, batch_size=2, log_every=1)
    assert train_unpaired(content, style, s, tmp_path / "u.pt", tmp_path / "u.state")["steps"] == 3
    s = dataclasses.replace(s, steps=5)
    assert train_unpaired(content, style, s, tmp_path / "u.pt", tmp_path / "u.state")["steps"] == 5
    loaded = load_generator(tmp_path / "u.pt")
    assert loaded.meta["method"] == "unpaired" and loaded.meta["steps"] == 5


def test_perceptual_loss_reads_torchvision_vgg_layout(tmp_path):
    import torch

    from models.perceptual import VGGPerceptualLoss
    # torchvision vgg16 `features` conv indices and channel counts, classifier keys too.
    convs = [(0, 3, 64), (2, 64, 64), (5, 64, 128), (7, 128, 128), (10, 128, 256), (12, 256, 256),
             (14, 256, 256), (17, 256, 512), (19, 512, 512), (21, 512, 512), (24, 512, 512),
             (26, 512, 512), (28, 512, 512)]
    sd = {}
    for i, cin, cout in convs:
        sd[f"features.{i}.weight"] = torch.randn(cout, cin, 3, 3) * 0.01
        sd[f"features.{i}.bias"] = torch.zeros(cout)
    sd["classifier.0.weight"] = torch.zeros(4, 4)
    torch.save(sd, tmp_path / "vgg16.pth")
    loss = VGGPerceptualLoss(tmp_path / "vgg16.pth")
    assert loss.arch == "vgg16"
    a = torch.rand(1, 3, 32, 32) * 2 - 1
    assert float(loss(a, a)) == 0.0 and float(loss(a, -a)) > 0
