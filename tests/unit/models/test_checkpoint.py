"""models.checkpoint: generator files saved atomically and loaded as plain weights,
every problem one line that names the file."""
from __future__ import annotations

import zipfile

import pytest
import torch

import models  # noqa: F401 - registers the architectures
from models.checkpoint import (FORMAT, load_file, load_generator, load_state_dict_strict,
                               save_atomically, save_generator)
from models.errors import CheckpointError
from models.build import build_generator

TINY = {"base_channels": 4, "levels": 2}


def tiny(seed: int = 0):
    torch.manual_seed(seed)
    return build_generator("fewshot_unet", **TINY)


def test_save_writes_the_documented_layout_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "styles" / "a.pt"  # the folder is made
    save_generator(path, tiny(), TINY, {"steps": 7})
    assert [p.name for p in path.parent.iterdir()] == ["a.pt"]
    data = torch.load(path, weights_only=True)
    assert (data["format"], data["arch"], data["kwargs"], data["input_range"], data["meta"]) == (
        FORMAT, "fewshot_unet", TINY, [-1.0, 1.0], {"steps": 7})
    assert set(data["state_dict"]) == set(tiny().state_dict())


def test_a_reloaded_generator_gives_the_same_pixels_and_its_info(tmp_path):
    model = tiny(seed=3).eval()
    save_generator(tmp_path / "a.pt", model, TINY, {"method": "keyframes"})
    loaded = load_generator(tmp_path / "a.pt")
    back = loaded.model
    assert not back.training
    assert (loaded.arch, dict(loaded.kwargs), loaded.input_range, dict(loaded.meta)) == (
        "fewshot_unet", TINY, (-1.0, 1.0), {"method": "keyframes"})
    x = torch.rand(1, 3, 10, 14) * 2 - 1
    with torch.no_grad():
        assert torch.equal(back(x), model(x))


def test_a_save_over_an_old_checkpoint_replaces_it_whole(tmp_path):
    path = tmp_path / "a.pt"
    save_generator(path, tiny(seed=1), TINY, {"version": 1})
    save_generator(path, tiny(seed=2), TINY, {"version": 2})
    assert load_generator(path).meta == {"version": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["a.pt"]


def test_a_failed_save_names_the_file_and_keeps_the_old_one(tmp_path):
    path = tmp_path / "a.pt"
    save_atomically(path, {"x": torch.zeros(2)})

    class Unsaveable:
        def __reduce__(self):
            raise OSError(28, "No space left on device")  # as a full disk fails a write

    with pytest.raises(OSError) as err:
        save_atomically(path, {"x": Unsaveable()})
    assert err.value.filename == str(path)
    assert torch.equal(torch.load(path, weights_only=True)["x"], torch.zeros(2))
    assert [p.name for p in tmp_path.iterdir()] == ["a.pt"]


def test_files_that_are_not_checkpoints_are_refused_in_one_line(tmp_path):
    with pytest.raises(CheckpointError, match=r"a\.pt: checkpoint not found$"):
        load_file(tmp_path / "a.pt")
    text = tmp_path / "notes.pt"
    text.write_text("these are notes")
    with pytest.raises(CheckpointError, match=r"notes\.pt: cannot read checkpoint: not a PyTorch file"):
        load_file(text)
    save_atomically(tmp_path / "whole.pt", {"x": torch.zeros(100)})
    cut = tmp_path / "cut.pt"
    data = (tmp_path / "whole.pt").read_bytes()
    cut.write_bytes(data[:len(data) // 2])
    assert not zipfile.is_zipfile(cut)  # its directory, at the end, is gone
    with pytest.raises(CheckpointError) as err:
        load_file(cut)
    assert str(err.value) == (f"{cut}: cannot read checkpoint: a zip archive cut short "
                              f"(truncated or corrupt file)")


def test_metadata_that_lacks_a_key_or_names_an_unknown_arch(tmp_path):
    state = tiny().state_dict()
    save_atomically(tmp_path / "a.pt", {"format": FORMAT, "kwargs": TINY, "state_dict": state})
    with pytest.raises(CheckpointError, match=r"a\.pt: checkpoint metadata lacks 'arch'"):
        load_generator(tmp_path / "a.pt")
    save_atomically(tmp_path / "b.pt", {"format": FORMAT, "arch": "no_such_net", "kwargs": {},
                                        "state_dict": state})
    with pytest.raises(CheckpointError) as err:
        load_generator(tmp_path / "b.pt")
    assert str(err.value).startswith(f"{tmp_path / 'b.pt'}: unknown generator architecture "
                                     f"'no_such_net' (known: ")
    assert "fewshot_unet" in str(err.value)


def test_strict_loading_lists_at_most_four_keys_of_each_kind():
    model = tiny()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    dropped = sorted(state)[:6]
    for key in dropped:
        del state[key]
    state["extra.weight"] = torch.zeros(1)
    with pytest.raises(CheckpointError) as err:
        load_state_dict_strict(model, state, "w.pt")
    msg = str(err.value)
    assert msg.startswith("w.pt: checkpoint does not match architecture 'fewshot_unet'; ")
    assert "missing keys: " in msg and "(+2 more)" in msg
    assert "unexpected keys: extra.weight" in msg and "wrong shapes" not in msg
    with pytest.raises(CheckpointError, match="w.pt: state_dict is not a mapping of tensors"):
        load_state_dict_strict(model, {"stem.0.weight": [1, 2]}, "w.pt")


def test_a_state_dict_of_another_size_names_the_wrong_shapes():
    small, wide = tiny(), build_generator("fewshot_unet", base_channels=8, levels=2)
    with pytest.raises(CheckpointError, match=r"wrong shapes: stem\.0\.weight"):
        load_state_dict_strict(small, wide.state_dict(), "w.pt")


def _hand_made(path, **fields):
    data = {"format": FORMAT, "arch": "fewshot_unet", "kwargs": dict(TINY),
            "input_range": [-1.0, 1.0], "meta": {}, "state_dict": tiny().state_dict()}
    data.update(fields)
    torch.save(data, path)
    return path


@pytest.mark.parametrize("kwargs, line", [
    ({"base_channels": 65536, "levels": 2},
     "generator 'fewshot_unet': base_channels must be an integer from 1 to 1024, not 65536"),
    ({"base_channels": 4, "levels": 17},
     "generator 'fewshot_unet': levels must be an integer from 1 to 16, not 17"),
    ({"base_channels": 1024, "levels": 16, "max_channels": 1024},
     "generator 'fewshot_unet': {'base_channels': 1024, 'levels': 16, 'max_channels': 1024} make "
     "698,443,779 parameters, more than 200,000,000: make it smaller"),
    ({"base_channels": 4, "levels": 2, "in_channels": 4},
     "generator 'fewshot_unet': in_channels must be 3 (frames are RGB), not 4"),
    ({"base_channels": 4, "levels": 2, "out_channels": 1},  # a grey generator
     "generator 'fewshot_unet': out_channels must be 3 (frames are RGB), not 1"),
    ({"base_channels": 4, "levels": 2, "in_channels": 1},
     "generator 'fewshot_unet': in_channels must be 3 (frames are RGB), not 1"),
])
def test_a_checkpoint_asking_for_a_huge_or_wrong_generator_is_refused_before_building(
        tmp_path, builds, kwargs, line):
    path = _hand_made(tmp_path / "big.pt", kwargs=kwargs)
    builds.clear()  # from here: the load's builds
    with pytest.raises(CheckpointError) as err:
        load_generator(path)
    assert str(err.value) == f"{path}: {line}"
    assert "cpu" not in builds  # nothing built with real memory


@pytest.mark.parametrize("fields, line", [
    ({"kwargs": {**TINY, "padding_mode": "bogus"}},
     "generator 'fewshot_unet': bad arguments {'base_channels': 4, 'levels': 2, 'padding_mode': "
     "'bogus'}: padding_mode must be one of 'zeros', 'reflect', 'replicate', 'circular', "
     "not 'bogus'"),
    ({"arch": ["fewshot_unet"]},
     "checkpoint metadata 'arch' must be an architecture name, not ['fewshot_unet']"),
    ({"input_range": "-1..1"},
     "checkpoint metadata 'input_range' must be two numbers, low then high, not '-1..1'"),
    ({"input_range": [1, -1]},
     "checkpoint metadata 'input_range' must be two numbers, low then high, not [1, -1]"),
    ({"kwargs": [4, 2]}, "checkpoint metadata 'kwargs' must be a mapping of names, not [4, 2]"),
    ({"meta": "x"}, "checkpoint metadata 'meta' must be a mapping, not 'x'"),
])
def test_checkpoint_metadata_of_a_wrong_type_is_one_line(tmp_path, fields, line):
    path = _hand_made(tmp_path / "odd.pt", **fields)
    with pytest.raises(CheckpointError) as err:
        load_generator(path)
    assert str(err.value) == f"{path}: {line}"


# ---------------------------------------------------------------- hostile and broken files
# Files made byte by byte as torch.save lays them out (a zip of data.pkl and one
# record per storage, or an old raw pickle), declaring what their data is not.

class _Storage:
    """A storage as data.pkl names it: its key and how many elements it declares."""

    def __init__(self, key: str, numel: int):
        self.key, self.numel = key, numel


class _Tensor:
    """A tensor over a _Storage, rebuilt as torch rebuilds one."""

    def __init__(self, storage: _Storage, size: tuple, stride: tuple):
        self.storage, self.size, self.stride = storage, size, stride

    def __reduce__(self):
        import collections
        return (torch._utils._rebuild_tensor_v2,
                (self.storage, 0, self.size, self.stride, False, collections.OrderedDict()))


def _pickled(obj, legacy: bool = False) -> bytes:
    import io
    import pickle

    class Pickler(pickle.Pickler):
        def persistent_id(self, o):
            if isinstance(o, _Storage):
                return ("storage", torch.FloatStorage, o.key, "cpu", o.numel) + (
                    (None,) if legacy else ())
            return None

    buf = io.BytesIO()
    Pickler(buf, protocol=2).dump(obj)
    return buf.getvalue()


def _archive(path, obj, records, compression=zipfile.ZIP_STORED, data_pkl=True, unpacks_to=0):
    """``unpacks_to``: the size the last record's entry declares (a zip bomb's
    compressed record says how large it inflates)."""
    with zipfile.ZipFile(path, "w", compression=compression) as z:
        if data_pkl:
            z.writestr("archive/data.pkl", _pickled(obj))
        z.writestr("archive/byteorder", "little")
        for key, data in records.items():
            z.writestr(f"archive/data/{key}", data)
        if unpacks_to:
            z.filelist[-1].file_size = unpacks_to
        z.writestr("archive/version", "3\n")
    return path


def _old_file(path, obj, data: bytes):
    """The pre-1.6 layout: magic, protocol, system info, the object, its storage
    keys, then each storage's element count and bytes."""
    import pickle
    import struct
    head = b"".join(pickle.dumps(v, protocol=2) for v in (
        0x1950a86a20f9469cfc6c, 1001,
        {"protocol_version": 1001, "little_endian": True,
         "type_sizes": {"short": 2, "int": 4, "long": 4}}))
    path.write_bytes(head + _pickled(obj, legacy=True) + pickle.dumps(["k"], protocol=2)
                     + struct.pack("<q", len(data) // 4) + data)
    return path


def test_a_zip_whose_records_unpack_past_the_file_is_refused_before_reading(tmp_path):
    from models.loaders import load_style_model
    record = {"w": _Tensor(_Storage("0", 2 ** 26), (2 ** 26,), (1,))}
    for fmt in ("shotstyle", "torchscript"):
        bomb = _archive(tmp_path / f"{fmt}.pt", record, {"0": bytes(4096)},
                        compression=zipfile.ZIP_DEFLATED, unpacks_to=2 ** 28)
        with pytest.raises(CheckpointError) as err:
            load_style_model(bomb, fmt)
        assert str(err.value) == (f"{bomb}: refused: its records unpack to 268,435,632 bytes "
                                  f"from a {bomb.stat().st_size:,}-byte file (a zip bomb?)")


@pytest.mark.parametrize("make, why", [
    (lambda p: _archive(p, {"w": 1}, {}, data_pkl=False),
     "cannot read checkpoint: the archive has no data.pkl (truncated, or not a torch.save file)"),
    (lambda p: _archive(p, {"w": _Tensor(_Storage("0", 4), (10 ** 5, 10 ** 5), (10 ** 5, 1))},
                        {"0": bytes(16)}),
     "cannot read checkpoint: a tensor reaches past its stored data (truncated or corrupt file)"),
    (lambda p: _archive(p, {"w": _Tensor(_Storage("0", 10 ** 11), (4,), (1,))}, {"0": bytes(16)}),
     "cannot read checkpoint: record size (16 bytes) does not match expected size (400000000000 "
     "bytes = 400000000000 elements * 1 bytes/element) for dtype Byte"),
    (lambda p: _old_file(p, {"w": _Tensor(_Storage("k", 5 * 10 ** 12), (4,), (1,))}, bytes(16)),
     "refused: its tensors declare 20,000,000,000,000 bytes, more than the {size:,}-byte file holds "
     "(a corrupt or hostile file)"),
    (lambda p: p.write_bytes(len(b'{"w":{}}').to_bytes(8, "little") + b'{"w":{}}' + bytes(8)),
     "cannot read checkpoint: a safetensors file, which no checkpoint format here reads (save its "
     "state_dict with torch.save)"),
    (lambda p: torch.save({"x": _Calls()}, p),
     "refused: not a plain weights file (it asks for posix.system, which loading weights does "
     "not run)"),
    (lambda p: torch.jit.save(torch.jit.script(torch.nn.Conv2d(3, 3, 1)), str(p)),
     "cannot read checkpoint: a TorchScript archive: give the style format 'torchscript'"),
    (lambda p: p.mkdir(), "a folder, not a checkpoint file"),
])
def test_a_broken_or_hostile_file_is_one_line_and_allocates_nothing_it_declares(tmp_path, make,
                                                                                why):
    # 20 TB declared: were it allocated first, the line would be the allocator's
    path = tmp_path / "x.pt"
    make(path)
    with pytest.raises(CheckpointError) as err:
        load_file(path)
    size = path.stat().st_size if path.is_file() else 0
    assert str(err.value) == f"{path}: {why.format(size=size)}"


class _Calls:
    def __reduce__(self):
        import os
        return (os.system, ("echo this must not run",))


def test_an_old_file_that_holds_what_it_declares_loads(tmp_path):
    w = torch.arange(100, dtype=torch.float32)
    torch.save({"a": w, "b": w[10:20]}, tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    data = load_file(tmp_path / "old.pt")
    assert torch.equal(data["a"], w) and torch.equal(data["b"], w[10:20])
    made = _old_file(tmp_path / "made.pt", {"w": _Tensor(_Storage("k", 4), (4,), (1,))},
                     torch.arange(4, dtype=torch.float32).numpy().tobytes())
    assert torch.equal(load_file(made)["w"], torch.arange(4, dtype=torch.float32))


def test_weights_that_are_nan_or_infinite_are_refused():
    model = tiny()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    state["head.weight"][0, 0] = float("nan")
    state["stem.0.bias"][1] = float("inf")
    with pytest.raises(CheckpointError) as err:
        load_state_dict_strict(model, state, "w.pt")
    assert str(err.value) == ("w.pt: weights that are NaN or infinite in stem.0.bias, "
                              "head.weight: every frame would come out black or grey (a "
                              "training that diverged?)")
