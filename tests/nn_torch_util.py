"""Shared helpers for the fastnn.nn tests: run the same computation in fastnn and torch and compare.

Not a test module (no test_ prefix): pytest puts tests/ on sys.path, so test files import it by name."""
import contextlib

import numpy as np
import torch

import fastnn

RTOL, ATOL = 1e-5, 1e-6
ODD_BATCHES = (1, 7, 63)


def rng(seed=0):
    return np.random.default_rng(seed)


def randn(r, *shape, dtype=np.float32):
    return r.standard_normal(shape).astype(dtype)


def pair(arr, requires_grad=False):
    """The same array as a fastnn tensor and a torch tensor (separate copies)."""
    a = np.array(arr)
    f = fastnn.tensor(a.copy(), dtype=_fdt(a.dtype), requires_grad=requires_grad)
    t = torch.tensor(a.copy(), requires_grad=requires_grad)
    return f, t


def _fdt(npdt):
    return {np.dtype(np.float32): fastnn.float32, np.dtype(np.float64): fastnn.float64,
            np.dtype(np.int64): fastnn.int64, np.dtype(np.int32): fastnn.int32,
            np.dtype(np.bool_): fastnn.bool, np.dtype(np.uint8): fastnn.uint8}[np.dtype(npdt)]


def np_of(x):
    """A numpy copy of a fastnn or torch tensor (or None)."""
    if x is None:
        return None
    if isinstance(x, torch.Tensor):
        return x.detach().numpy().copy()
    return np.array(x.detach().numpy())


def assert_close(f, t, rtol=RTOL, atol=ATOL, what=""):
    a, b = np_of(f), np_of(t)
    assert a is not None and b is not None, f"{what}: missing tensor (fastnn {a is None}, torch {b is None})"
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs torch {b.shape}"
    assert a.dtype == b.dtype, f"{what}: dtype {a.dtype} vs torch {b.dtype}"
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=what)


def copy_params(fmod, tmod):
    """Copy torch module's parameters and buffers into the fastnn module (same names)."""
    fsd = fmod.state_dict()
    tsd = tmod.state_dict()
    assert list(fsd) == list(tsd), f"state_dict keys differ: {list(fsd)} vs {list(tsd)}"
    fmod.load_state_dict({k: fastnn.tensor(v.detach().numpy().copy()) for k, v in tsd.items()})


def check_fwd_bwd(ffn, tfn, inputs, seed=0, rtol=RTOL, atol=ATOL, fparams=(), tparams=()):
    """Run ffn/tfn on fastnn/torch copies of `inputs` (numpy arrays; float ones require grad), back-propagate
    the same random upstream gradient, and compare the output and every gradient (inputs and parameters)."""
    fin, tin = [], []
    for a in inputs:
        grad = isinstance(a, np.ndarray) and a.dtype.kind == "f"
        if isinstance(a, np.ndarray):
            f, t = pair(a, requires_grad=grad)
        else:
            f, t = a, a
        fin.append(f)
        tin.append(t)
    fo, to = ffn(*fin), tfn(*tin)
    assert_close(fo, to, rtol, atol, "forward")
    g = randn(rng(seed + 1), *to.shape, dtype=np_of(to).dtype)
    fo.backward(fastnn.tensor(g.copy()))
    to.backward(torch.tensor(g.copy()))
    for i, (f, t) in enumerate(zip(fin, tin)):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            assert_close(f.grad, t.grad, rtol, atol, f"grad of input {i}")
    for (fname, fp), (tname, tp) in zip(fparams, tparams):
        assert fname == tname
        assert_close(fp.grad, tp.grad, rtol, atol, f"grad of parameter {fname}")
    return fo, to


@contextlib.contextmanager
def isa_and_threads(isa, threads):
    old_isa, old_threads = fastnn.get_isa(), fastnn.get_num_threads()
    fastnn.set_isa(isa)
    fastnn.set_num_threads(threads)
    try:
        yield
    finally:
        fastnn.set_isa(old_isa)
        fastnn.set_num_threads(old_threads)


def isa_thread_params():
    return [(isa, n) for isa in fastnn.available_isas() for n in (1, 2)]


def outcome(fn):
    """('ok', result) or (exception type name, message with 'torch' spelled 'fastnn')."""
    try:
        return "ok", fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e).replace("torch", "fastnn")


def same_error(ffn, tfn):
    """ffn() raises as tfn() does: same exception type and message (torch's name spelled fastnn's)."""
    f, t = outcome(ffn), outcome(tfn)
    assert t[0] != "ok", f"torch did not raise: {t[1]!r}"
    assert f == t, f"fastnn {f} vs torch {t}"


def same_result(f, t, rtol, atol):
    """fastnn's result f is torch's t: the same dtype, shape and values (NaN where torch has NaN), None where torch
    has None, and tuples item by item (torch.return_types with the same field names)."""
    if t is None:
        assert f is None
        return
    if isinstance(t, tuple):
        assert isinstance(f, tuple) and len(f) == len(t)
        if hasattr(t, "_fields"):
            assert f._fields == tuple(t._fields)
        for a, b in zip(f, t):
            same_result(a, b, rtol, atol)
        return
    assert f.dtype.name == str(t.dtype)[6:], (f.dtype, t.dtype)
    assert tuple(f.shape) == tuple(t.shape), (f.shape, t.shape)
    np.testing.assert_allclose(f.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol, equal_nan=True)


def tensors_of(m, arrays, grad):
    """The arrays as module m's tensors (float ones requiring grad when grad); other arguments unchanged."""
    return [m.tensor(a.copy(), requires_grad=grad and a.dtype.kind == "f") if isinstance(a, np.ndarray) else a
            for a in arrays]


def _result_tensors(out):
    """The tensors of a result: a tensor, or (nested) tuples of them."""
    return [t for o in out for t in _result_tensors(o)] if isinstance(out, tuple) else [out]


def same_as_torch(fn, arrays, grad=True, rtol=1e-5, atol=1e-6, weight_seed=100):
    """fn(module, *tensors) in fastnn and torch: the same results and, with grad, the same input gradients of
    sum(out * w) for random w (normal, seeded weight_seed, weight_seed + 1, ... per float output)."""
    runs = []
    for m in (fastnn, torch):
        ts = tensors_of(m, arrays, grad)
        runs.append((ts, fn(m, *ts)))
    (fts, fo), (tts, to) = runs
    same_result(fo, to, rtol, atol)
    if not grad:
        return
    weights = [np.asarray(np.random.default_rng(weight_seed + i).standard_normal(o.shape)).astype(str(o.dtype)[6:])
               for i, o in enumerate(o for o in _result_tensors(to) if o.requires_grad)]
    assert weights, "nothing to differentiate"
    for m, outs in ((fastnn, fo), (torch, to)):
        diff = [o for o in _result_tensors(outs) if o.requires_grad]
        assert len(diff) == len(weights)
        sum((o * m.tensor(w)).sum() for o, w in zip(diff, weights)).backward()
    for f, t in zip(fts, tts):
        if isinstance(t, torch.Tensor):
            same_result(f.grad, t.grad, rtol, atol)
