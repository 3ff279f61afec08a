"""fastnn.save / fastnn.load: exact round trips, safetensors compatibility, corrupt files, atomic writes."""
import io
import os
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import safetensors.numpy
import torch

import fastnn
from fastnn import optim
from fastnn.serialization import SerializationError, load_safetensors


def _rand(rng, shape, dtype):
    if np.dtype(dtype).kind == "b":
        return rng.random(shape) < 0.5
    if np.dtype(dtype).kind in "iu":
        return rng.integers(-100 if np.dtype(dtype).kind == "i" else 0, 100, shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def _sample(rng):
    t32 = fastnn.tensor(_rand(rng, (17, 3), np.float32), requires_grad=True)
    return {
        "weights": OrderedDict([("0.weight", t32), ("0.bias", fastnn.tensor(_rand(rng, (65,), np.float32))),
                                ("2.weight", fastnn.tensor(_rand(rng, (1, 7), np.float64)))]),
        "ints": [fastnn.tensor(_rand(rng, (15,), dt)) for dt in (np.int64, np.int32, np.int16, np.int8, np.uint8)],
        "misc": (fastnn.tensor(_rand(rng, (4, 4), np.float16)), fastnn.tensor(_rand(rng, (3,), np.bool_)),
                 fastnn.tensor(2.5), fastnn.zeros(0, 5), fastnn.tensor(np.float64(-1.25))),
        "tied": t32,  # the same tensor object twice
        "array": _rand(rng, (2, 3), np.float64),
        7: {"nested": [1, -2, 2**70, 0.1, float("inf"), float("-inf"), None, True, False, "ünïcode ✓", ""]},
        (1, "a"): ("x", (), [], {}),
        "dtype": fastnn.float64,
        "npscalar": np.float32(1.5),
    }


def _assert_same(a, b):
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, fastnn.Tensor):
        assert a._data.dtype == b._data.dtype and a._data.shape == b._data.shape
        assert b._data.dtype is np.dtype(b._data.dtype.name)  # the canonical dtype object (kernels use `is`)
        assert a.requires_grad == b.requires_grad
        assert np.array_equal(a._data, b._data)
        assert b._data.flags.c_contiguous and b._data.flags.writeable
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a.keys()) == list(b.keys())
        for k in a:
            _assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    else:
        assert a == b or (a != a and b != b)


def test_round_trip_exact(tmp_path):
    rng = np.random.default_rng(0)
    obj = _sample(rng)
    path = tmp_path / "obj.safetensors"
    fastnn.save(obj, path)
    back = fastnn.load(path)
    obj["npscalar"] = 1.5  # numpy scalars come back as Python scalars (documented)
    _assert_same(obj, back)
    assert back["tied"] is back["weights"]["0.weight"]  # one object stays one object
    assert os.listdir(tmp_path) == ["obj.safetensors"]  # no temp file left


def test_str_path_file_object_and_pathlike(tmp_path):
    obj = {"a": fastnn.tensor([1.0, 2.0]), "b": [3, "x"]}
    fastnn.save(obj, str(tmp_path / "a"))
    _assert_same(obj, fastnn.load(str(tmp_path / "a")))
    buf = io.BytesIO()
    fastnn.save(obj, buf)
    buf.seek(0)
    _assert_same(obj, fastnn.load(buf))
    assert buf.getvalue() == (tmp_path / "a").read_bytes()  # deterministic bytes
    fastnn.save(fastnn.tensor(3.0), tmp_path / "t")  # a bare tensor
    _assert_same(fastnn.tensor(3.0), fastnn.load(tmp_path / "t", map_location="cpu"))


def test_safetensors_library_reads_the_tensors(tmp_path):
    rng = np.random.default_rng(1)
    obj = _sample(rng)
    path = tmp_path / "obj.safetensors"
    fastnn.save(obj, path)
    st = safetensors.numpy.load_file(str(path))
    assert np.array_equal(st["weights.0.weight"], obj["weights"]["0.weight"]._data)
    assert st["weights.2.weight"].dtype == np.float64 and st["misc.3"].shape == (0, 5) and st["misc.2"].shape == ()
    assert np.array_equal(st["ints.4"], obj["ints"][4]._data)
    assert len(st) == 14  # the tied tensor is stored once
    with safetensors.safe_open(str(path), "np") as f:
        assert f.metadata()["format"] == "fastnn"
    # and we read files written by the safetensors library
    safetensors.numpy.save_file({"x": np.arange(6, dtype=np.int32).reshape(2, 3), "y": np.ones(3, np.float16)},
                                str(tmp_path / "lib.safetensors"))
    got = load_safetensors(tmp_path / "lib.safetensors")
    assert np.array_equal(got["x"]._data, np.arange(6).reshape(2, 3)) and got["y"]._data.dtype == np.float16
    with pytest.raises(SerializationError, match="not written by fastnn.save"):
        fastnn.load(tmp_path / "lib.safetensors")


def _saved_bytes(tmp_path):
    path = tmp_path / "good"
    fastnn.save({"w": fastnn.tensor(np.arange(12, dtype=np.float32).reshape(3, 4)), "n": 3,
                 "b": [fastnn.tensor(np.ones(2, np.int64)), "s"]}, path)
    return path.read_bytes()


def test_every_single_byte_corruption_is_detected(tmp_path):
    good = _saved_bytes(tmp_path)
    header_len = int.from_bytes(good[:8], "little")
    bad = tmp_path / "bad"
    for i in range(len(good)):
        for flip in (0x01, 0x80):
            data = bytearray(good)
            data[i] ^= flip
            bad.write_bytes(bytes(data))
            with pytest.raises(SerializationError):
                fastnn.load(bad)
    assert len(good) > header_len + 8 > 100  # the loop did cover length, header and data


def test_truncated_and_extended_files(tmp_path):
    good = _saved_bytes(tmp_path)
    bad = tmp_path / "bad"
    for n in range(0, len(good)):
        bad.write_bytes(good[:n])
        with pytest.raises(SerializationError, match="empty" if n == 0 else "truncated|corrupt|not a safetensors"):
            fastnn.load(bad)
    bad.write_bytes(good + b"\0")
    with pytest.raises(SerializationError, match="trailing"):
        fastnn.load(bad)


def test_tampered_header_with_valid_json_is_detected(tmp_path):
    good = _saved_bytes(tmp_path)
    bad = tmp_path / "bad"
    for old, new in ((b'"shape":[3,4]', b'"shape":[4,3]'), (b'[\\"n\\",3]', b'[\\"n\\",4]')):
        assert old in good
        bad.write_bytes(good.replace(old, new))
        with pytest.raises(SerializationError, match="SHA-256"):
            fastnn.load(bad)


def test_pickle_and_torch_files_are_refused(tmp_path):
    p = tmp_path / "p.pkl"
    p.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(SerializationError, match="pickle"):
        fastnn.load(p)
    z = tmp_path / "t.pt"
    torch.save({"a": torch.ones(2)}, z)
    with pytest.raises(SerializationError, match="zip archive"):
        fastnn.load(z)
    e = tmp_path / "empty"
    e.write_bytes(b"")
    with pytest.raises(SerializationError, match="empty"):
        fastnn.load(e)
    g = tmp_path / "garbage"
    g.write_bytes(b"hello world, this is not a tensor file at all")
    with pytest.raises(SerializationError):
        fastnn.load(g)
    with pytest.raises(FileNotFoundError):
        fastnn.load(tmp_path / "missing")
    assert issubclass(SerializationError, ValueError)


@pytest.mark.parametrize("low_byte", [0x80, 0x78, 0x00])  # headers are padded to 8 bytes
def test_header_lengths_whose_first_byte_looks_like_pickle_load(tmp_path, low_byte):
    """A safetensors file starts with its header length (little-endian): one whose low byte is 0x80, pickle's
    first byte, is still a safetensors file (the Quickstart model's state dict has a 0x480-byte header)."""
    p = tmp_path / "m.fnn"
    for width in range(1, 600):
        sd = {"k" * width: fastnn.randn(3, 2), "bias": fastnn.randn(2)}
        fastnn.save(sd, p)
        if p.read_bytes()[0] == low_byte:
            break
    else:
        pytest.fail("no key length gave that header length")
    back = fastnn.load(p)
    assert list(back) == list(sd)
    for k in sd:
        np.testing.assert_array_equal(back[k].numpy(), sd[k].numpy())


def test_unsupported_objects_raise_before_writing(tmp_path):
    path = tmp_path / "x"
    for obj in ({"f": lambda: 1}, {"m": object()}, [1, {2, 3}], {"c": 1j}):
        with pytest.raises(TypeError, match="fastnn.save cannot store"):
            fastnn.save(obj, path)
    cyc = []
    cyc.append(cyc)
    with pytest.raises(ValueError, match="cycle"):
        fastnn.save(cyc, path)
    assert not os.listdir(tmp_path)


@pytest.mark.parametrize("fail_at", ["write", "replace"])
def test_interrupted_write_keeps_previous_file(tmp_path, monkeypatch, fail_at):
    path = tmp_path / "ckpt"
    fastnn.save({"v": fastnn.tensor([1.0])}, path)
    before = path.read_bytes()
    if fail_at == "replace":
        def boom(*a, **k):
            raise OSError("disk on fire")
        monkeypatch.setattr(os, "replace", boom)
    else:
        real_fsync = os.fsync

        def boom(fd):  # the data was (partly) written, then the flush to disk fails
            real_fsync(fd)
            raise OSError("disk on fire")
        monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError, match="disk on fire"):
        fastnn.save({"v": fastnn.tensor(np.ones(1000))}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt"]
    _assert_same({"v": fastnn.tensor([1.0])}, fastnn.load(path))


def test_new_file_permissions_follow_umask(tmp_path):
    old = os.umask(0o027)
    try:
        fastnn.save({"a": 1}, tmp_path / "f")
    finally:
        os.umask(old)
    assert (os.stat(tmp_path / "f").st_mode & 0o777) == 0o640


def test_training_continues_bit_identically_after_save_load(tmp_path):
    """A 'model' of plain tensors trained with Adam + a scheduler: checkpoint at step 30, resume, compare."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((64, 5)).astype(np.float32)
    y = rng.standard_normal((64, 1)).astype(np.float32)
    w0 = rng.standard_normal((5, 1)).astype(np.float32)

    def make(w, b):
        o = optim.Adam([w, b], lr=0.05, amsgrad=True)
        return o, optim.lr_scheduler.StepLR(o, step_size=10, gamma=0.5)

    def train(w, b, o, s, steps):
        for _ in range(steps):
            o.zero_grad()
            loss = ((fastnn.tensor(x) @ w + b - fastnn.tensor(y)) ** 2).mean()
            loss.backward()
            o.step()
            s.step()

    ref_w, ref_b = fastnn.tensor(w0.copy(), requires_grad=True), fastnn.zeros(1, requires_grad=True)
    ref_o, ref_s = make(ref_w, ref_b)
    train(ref_w, ref_b, ref_o, ref_s, 60)

    w, b = fastnn.tensor(w0.copy(), requires_grad=True), fastnn.zeros(1, requires_grad=True)
    o, s = make(w, b)
    train(w, b, o, s, 30)
    fastnn.save({"model": {"w": w, "b": b}, "optimizer": o.state_dict(), "scheduler": s.state_dict()},
                tmp_path / "ckpt.safetensors")
    ck = fastnn.load(tmp_path / "ckpt.safetensors")
    w2, b2 = ck["model"]["w"], ck["model"]["b"]
    assert w2.requires_grad and b2.requires_grad
    o2, s2 = make(w2, b2)
    o2.load_state_dict(ck["optimizer"])
    s2.load_state_dict(ck["scheduler"])
    train(w2, b2, o2, s2, 30)
    assert np.array_equal(w2._data, ref_w._data) and np.array_equal(b2._data, ref_b._data)
    assert s2.get_last_lr() == ref_s.get_last_lr()


@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
def test_model_and_optimizer_resume_bit_identically_through_save_load(tmp_path, opt_name):
    """Train 15 steps, save model + optimizer state, rebuild both from the file, train 15 more: the parameters
    equal those of an uninterrupted 30-step run bit for bit."""
    from fastnn import nn, optim
    rng = np.random.default_rng(5)
    xs = [fastnn.tensor(rng.standard_normal((16, 20)).astype(np.float32)) for _ in range(30)]
    ys = [fastnn.tensor(rng.integers(0, 5, 16)) for _ in range(30)]

    def build():
        fastnn.manual_seed(3)
        model = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 5))
        kw = {"lr": 0.05, "momentum": 0.9} if opt_name == "SGD" else {"lr": 1e-2}
        return model, getattr(optim, opt_name)(model.parameters(), **kw)

    def train(model, opt, steps):
        for x, y in steps:
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()

    ref_model, ref_opt = build()
    train(ref_model, ref_opt, zip(xs, ys))

    model, opt = build()
    train(model, opt, zip(xs[:15], ys[:15]))
    fastnn.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, tmp_path / "ckpt.safetensors")
    model, opt = build()
    ckpt = fastnn.load(tmp_path / "ckpt.safetensors")
    model.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["optimizer"])
    train(model, opt, zip(xs[15:], ys[15:]))
    for (name, a), (_, b) in zip(model.state_dict().items(), ref_model.state_dict().items()):
        assert np.array_equal(a.numpy(), b.numpy()), name


def test_map_location_forms_of_torch_scripts(tmp_path):
    """'cpu', a device, a dict onto 'cpu' and a function (storage, location) -> storage all load on the CPU."""
    p = tmp_path / "ck.fnn"
    sd = fastnn.nn.Linear(3, 2).state_dict()
    fastnn.save(sd, p)
    seen = []
    for ml in ("cpu", fastnn.device("cpu"), {"cuda:0": "cpu"}, lambda storage, loc: seen.append(loc) or storage):
        out = fastnn.load(p, map_location=ml)
        assert list(out) == ["weight", "bias"] and all(np.array_equal(out[k], sd[k]) for k in sd)
    assert seen == ["cpu", "cpu"]
    for bad in ("cuda", {"cpu": "cuda:0"}):
        with pytest.raises(RuntimeError, match="map_location"):
            fastnn.load(p, map_location=bad)
    with pytest.raises(TypeError, match="map_location returned int"):
        fastnn.load(p, map_location=lambda s, loc: 3)
