"""models.unpaired on tiny sizes: unpaired training runs and resumes."""
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
    # unpaired keeps its learning rate and schedule (keyframes take 1e-3, cosine)
    assert (loaded.meta["train"]["lr"], loaded.meta["train"]["lr_schedule"]) == (2e-4, "constant")
