"""models.stylizer.ready_stylizer: one call makes the same Stylizer, frame for frame,
as the selector calls it replaces, and says what it chose."""
import numpy as np
import pytest
import torch

from helpers import textured_frame, tiny_checkpoint
from models import inference
from models.errors import CheckpointError, DeviceError
from models.inference import (make_stylizer, precision_reason, select_backend, select_device,
                              select_dtype, set_cpu_threads)
from models.loaders import load_style_model
from models.openvino_net import openvino_available
from models.stylizer import StylizerSetup, ready_stylizer


@pytest.fixture
def threads():
    """The test's thread count (ready_stylizer sets it on the CPU), restored after."""
    before = torch.get_num_threads()
    yield 1
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def frames():
    return np.stack([textured_frame(70, 45, i) for i in range(3)])


def _by_hand(path, fmt, kwargs, device, precision, backend, tile_size, tile_overlap, threads):
    """The selector calls ready_stylizer replaces, as the styled stage made them."""
    dev = select_device(device)
    dtype = select_dtype(dev, precision)
    set_cpu_threads(threads) if dev.type == "cpu" else None
    loaded = load_style_model(path, fmt, kwargs)
    chosen = select_backend(dev, backend, loaded.model)
    st = make_stylizer(loaded.model, dev, loaded.input_range, dtype, loaded.size_multiple,
                       tile_size, tile_overlap, chosen, fall_back=backend == "auto")
    return st, dtype


@pytest.mark.parametrize("precision,backend,tile", [
    ("fp32", "torch", 0), ("bf16", "torch", 0), ("fp32", "torch", 32), ("auto", "auto", 0),
    ("fp32", "openvino", 0)])
def test_same_frames_as_the_selector_calls(tmp_path, frames, threads, precision, backend, tile):
    if backend == "openvino" and not openvino_available():
        pytest.skip("OpenVINO is not installed")
    path = tiny_checkpoint(tmp_path / "g.pt", levels=3)
    settings = dict(device="cpu", precision=precision, backend=backend, tile_size=tile,
                    tile_overlap=8, threads=threads)
    stylizer, setup = ready_stylizer(path, "shotstyle", None, **settings)
    by_hand, dtype = _by_hand(path, "shotstyle", None, **settings)
    out = stylizer(frames)
    assert out.dtype == np.uint8 and out.shape == frames.shape
    assert np.array_equal(out, by_hand(frames))
    assert isinstance(setup, StylizerSetup)
    assert (setup.device, setup.dtype, setup.threads) == (torch.device("cpu"), dtype, threads)
    assert setup.backend == stylizer.backend == by_hand.backend
    assert setup.precision_reason == precision_reason(torch.device("cpu"), precision, dtype)
    assert (setup.arch, setup.format) == ("fewshot_unet", "shotstyle")
    assert (stylizer.tile_size, stylizer.tile_overlap, stylizer.multiple) == (tile, 8, 4)


def test_setup_says_what_was_chosen_and_why(tmp_path, threads):
    path = tiny_checkpoint(tmp_path / "g.pt")
    stylizer, setup = ready_stylizer(path, device="cpu", precision="fp32", backend="torch",
                                     threads=threads)
    assert setup.precision_reason == "float32 (precision: fp32)" and setup.dtype is None
    assert setup.backend == "torch" and setup.backend_name == "PyTorch"
    assert torch.get_num_threads() == threads
    if openvino_available():
        _, auto = ready_stylizer(path, device="cpu", precision="fp32", threads=threads)
        assert auto.backend == "openvino" and auto.backend_name == "OpenVINO"


def test_auto_precision_reason_follows_the_cpu(tmp_path, threads, monkeypatch):
    path = tiny_checkpoint(tmp_path / "g.pt")
    monkeypatch.setattr(inference, "cpu_has_fast_bf16", lambda: False)
    _, setup = ready_stylizer(path, device="cpu", backend="torch", threads=threads)
    assert setup.dtype is None
    assert setup.precision_reason == "float32 (precision: auto; this CPU has no native bf16)"


def test_torchscript_style_runs_with_its_range_and_multiple(tmp_path, frames, threads):
    class Negate(torch.nn.Module):
        def forward(self, x):
            return -x

    path = tmp_path / "neg.pt"
    torch.jit.save(torch.jit.script(Negate()), str(path))
    stylizer, setup = ready_stylizer(path, "torchscript", {"size_multiple": 16},
                                     device="cpu", precision="fp32", threads=threads)
    assert (setup.arch, setup.format) == ("torchscript", "torchscript")
    # the backend select_backend picks: the loader's wrapper is no ScriptModule, so on a
    # CPU with OpenVINO 'auto' compiles it there (as the styled stage always has)
    by_hand, _ = _by_hand(path, "torchscript", {"size_multiple": 16}, "cpu", "fp32", "auto", 0, 64,
                          threads)
    assert setup.backend == by_hand.backend and stylizer.multiple == 16
    assert np.abs(stylizer(frames).astype(int) - (255 - frames.astype(int))).max() <= 1


def test_errors_pass_through(tmp_path, threads):
    path = tiny_checkpoint(tmp_path / "g.pt")
    if not torch.cuda.is_available():
        with pytest.raises(DeviceError, match="device 'cuda' requested"):
            ready_stylizer(path, device="cuda")
    with pytest.raises(CheckpointError, match="checkpoint not found"):
        ready_stylizer(tmp_path / "none.pt", device="cpu", threads=threads)
    with pytest.raises(CheckpointError, match="unknown checkpoint format 'caffe'"):
        ready_stylizer(path, "caffe", device="cpu", threads=threads)


class _Grey(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=1, keepdim=True)


class _Alpha(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, x[:, :1]], dim=1)


class _Half(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[..., ::2, ::2]


class _Pair(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return x, x


@pytest.mark.parametrize("net, backend, why", [
    (_Grey, "auto", "its generator makes 1 channel, not 3 (RGB): its frames would come out grey"),
    (_Grey, "torch", "its generator makes 1 channel, not 3 (RGB): its frames would come out grey"),
    (_Alpha, "torch", "its generator makes 4 channels, not 3 (RGB): its frames would come out "
                      "wrong"),
    (_Half, "auto", "its generator turns a 72x48 picture into 36x24: frames must come out at the "
                    "size they go in"),
    (_Pair, "torch", "its generator returns a tuple, not pictures (N x 3 x H x W)"),
])
def test_a_generator_that_does_not_give_rgb_frames_back_stops_at_the_first_batch(
        tmp_path, frames, threads, net, backend, why):
    import warnings
    path = tmp_path / "odd.pt"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.save(torch.jit.script(net()), str(path))
    stylizer, _ = ready_stylizer(path, "torchscript", {"size_multiple": 8}, device="cpu",
                                 precision="fp32", backend=backend, threads=threads)
    with pytest.raises(CheckpointError) as err:
        stylizer(frames)
    assert str(err.value) == f"{path}: {why}"


@pytest.mark.parametrize("kwargs, why", [
    ({"size_multiple": 10 ** 9}, "kwarg 'size_multiple' must be an integer from 1 to 1024, not "
                                 "1000000000"),
    ({"input_range": [float("-inf"), float("inf")]}, "kwarg 'input_range' must be two numbers "
     "[low, high], finite, with low < high, not [-inf, inf]"),
])
def test_torchscript_kwargs_that_would_pad_or_scale_frames_absurdly_are_one_line(tmp_path, kwargs,
                                                                                 why):
    import warnings
    path = tmp_path / "ts.pt"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.save(torch.jit.script(_Half()), str(path))
    with pytest.raises(CheckpointError) as err:
        load_style_model(path, "torchscript", kwargs)
    assert str(err.value) == f"{path}: {why}"


@pytest.mark.skipif(not openvino_available(), reason="OpenVINO not installed")
@pytest.mark.parametrize("net, why", [
    (_Grey, "its generator makes 1 channel, not 3 (RGB): its frames would come out grey"),
    (_Half, "its generator turns a 72x48 picture into 36x24: frames must come out at the size "
            "they go in"),
])
def test_openvino_pictures_are_checked_like_the_float_path_s(frames, threads, net, why):
    """8-bit frames go through OpenVINO as pictures (#23); a generator that does not
    give RGB frames back is refused there too, naming the style."""
    stylizer = inference.Stylizer(net().eval(), torch.device("cpu"), size_multiple=8,
                                  backend="openvino", source="odd.pt")
    with pytest.raises(CheckpointError) as err:
        stylizer(frames)
    assert str(err.value) == f"odd.pt: {why}"


@pytest.mark.skipif(not openvino_available(), reason="OpenVINO not installed")
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_openvino_frames_do_not_depend_on_how_calls_group_frames_and_tiles(tmp_path, frames,
                                                                           threads, dtype):
    """A pixel budget of one picture per call (#23) gives the frames of one call
    for the whole batch, tiled or not; tiled frames are close to whole ones."""
    loaded = load_style_model(tiny_checkpoint(tmp_path / "g.pt", levels=3))

    def stylizer(**kw):
        return inference.Stylizer(loaded.model, torch.device("cpu"), loaded.input_range, None,
                                  loaded.size_multiple, backend="openvino", **kw)

    x = frames if dtype == np.uint8 else frames.astype(np.uint16) * 257
    whole = stylizer(call_pixels=10**9)(x)
    assert whole.dtype == dtype and np.array_equal(stylizer(call_pixels=1)(x), whole)
    tiled = stylizer(tile_size=48, tile_overlap=8, call_pixels=10**9)(x)
    assert np.array_equal(stylizer(tile_size=48, tile_overlap=8, call_pixels=1)(x), tiled)
    level = np.iinfo(dtype).max / 255
    assert np.abs(tiled.astype(float) - whole).mean() / level < 2
