"""Reductions against torch: zero-safe norm/std/var gradients, var/std signatures, numpy-style axis=/keepdims=,
empty inputs, sort/topk for every dtype, and logsumexp, cumprod, median, mode with their gradients."""
import math
import re

import numpy as np
import pytest
import torch

import fastnn
from nn_torch_util import same_result

inf, nan = math.inf, math.nan


def _same(f, t, rtol=1e-6, atol=1e-7):
    same_result(f, t, rtol, atol)


def _both(data, fn, dtype="float64"):
    """(fn(module, x), x.grad after backward of the sum of the output, or of its values) for fastnn and torch."""
    outs = []
    for m in (fastnn, torch):
        x = m.tensor(np.array(data, dtype=dtype), requires_grad=True)
        y = fn(m, x)
        out = y[0] if isinstance(y, tuple) else y
        out.backward(m.ones_like(out) if out.dim() else None)
        outs.append((y, x.grad))
    return outs


def _same_value_and_grad(data, fn, dtype="float64", rtol=1e-6):
    (fy, fg), (ty, tg) = _both(data, fn, dtype)
    _same(fy, ty, rtol=rtol)
    _same(fg, tg, rtol=rtol)


# ------------------------------------------------------------------ 1. zero-safe gradients
@pytest.mark.parametrize("p", [2, "fro", 1, 3, 1.5, 0.5, -1, 0, inf, -inf])
def test_norm_grad_is_zero_where_the_norm_is_zero(p):
    data = [[0.0, 0.0, 0.0], [1.0, -2.0, 0.0], [0.0, 0.0, 0.0]]
    _same_value_and_grad(data, lambda m, x: m.norm(x, p, dim=1))
    _same_value_and_grad(data, lambda m, x: x.norm(p, 1, keepdim=True))
    _same_value_and_grad([0.0, 0.0], lambda m, x: x.norm(p))


def test_norm_values_and_grads_match_torch():
    a = np.random.default_rng(0).standard_normal((3, 4, 5))
    for p in [2, 1, 3, 1.5, 0.5, inf, -inf, 0]:
        _same_value_and_grad(a, lambda m, x: m.norm(x, p, dim=(0, 2)))
        _same_value_and_grad(a, lambda m, x: x.norm(p))
    _same_value_and_grad(a, lambda m, x: x.norm(keepdim=True))
    with pytest.raises(RuntimeError, match="floating point"):
        fastnn.tensor([1, 2]).norm()


def test_std_var_grad_is_zero_for_constant_input():
    x = fastnn.ones(3, requires_grad=True)
    x.std().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])
    const = [[1.0, 1.0, 1.0], [2.0, 3.0, 5.0]]
    _same_value_and_grad(const, lambda m, x: x.std(1))
    _same_value_and_grad(const, lambda m, x: x.std(dim=1, keepdim=True, correction=0))
    _same_value_and_grad(const, lambda m, x: x.var(1, unbiased=False))


@pytest.mark.filterwarnings("ignore:.*degrees of freedom")
@pytest.mark.parametrize("fn", [
    lambda m, x: x.var(correction=2), lambda m, x: x.var(0, correction=2), lambda m, x: x.var(0, correction=3),
    lambda m, x: x.std(correction=2), lambda m, x: x.std(0, correction=3), lambda m, x: x[:1].var(),
    lambda m, x: x[:1].std(0)])
def test_var_std_with_no_degrees_of_freedom_match_torch(fn):
    _same_value_and_grad([1.0, 2.0], fn)


def test_var_std_values_and_grads_match_torch():
    a = np.random.default_rng(1).standard_normal((4, 3, 5))
    for fn in [lambda m, x: x.var(), lambda m, x: x.std((0, 2)), lambda m, x: x.var(1, keepdim=True),
               lambda m, x: x.std(-1, correction=0.5), lambda m, x: m.var(x, keepdim=True)]:
        _same_value_and_grad(a, fn)
        _same_value_and_grad(a, fn, dtype="float32", rtol=1e-4)


# ------------------------------------------------------------------ 2. var/std signatures
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_signatures_match_torch(name):
    data = [[1.0, 2.0], [3.0, 5.0]]
    calls = [lambda f: f(False), lambda f: f(True), lambda f: f(), lambda f: f(0), lambda f: f(0, False),
             lambda f: f(1, True, True), lambda f: f(dim=0, unbiased=False), lambda f: f(unbiased=False),
             lambda f: f(0, correction=0, keepdim=True), lambda f: f(correction=0), lambda f: f((0, 1), False),
             lambda f: f(None, correction=2)]
    ft, tt = fastnn.tensor(data), torch.tensor(data)
    for call in calls:
        _same(call(getattr(ft, name)), call(getattr(tt, name)))
        _same(call(lambda *a, **k: getattr(fastnn, name)(ft, *a, **k)),
              call(lambda *a, **k: getattr(torch, name)(tt, *a, **k)))
    with pytest.raises(TypeError):
        getattr(ft, name)(0, False, correction=0)
    with pytest.raises(RuntimeError, match="floating point"):
        getattr(fastnn.tensor([1, 2]), name)()


# ------------------------------------------------------------------ 3. numpy-style aliases
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "amax", "amin", "prod", "std", "var", "argmax",
                                  "argmin", "any", "all", "logsumexp", "median"])
def test_axis_and_keepdims_aliases_match_torch(name):
    data = np.random.default_rng(2).standard_normal((3, 4))
    ft, tt = fastnn.tensor(data), torch.tensor(data)
    if name in ("any", "all"):
        ft, tt = ft > 0, tt > 0
    for kwargs in [dict(axis=1), dict(axis=0, keepdims=True), dict(axis=-1, keepdim=True)]:
        f, t = getattr(fastnn, name)(ft, **kwargs), getattr(torch, name)(tt, **kwargs)
        _same(tuple(f) if isinstance(t, tuple) else f, tuple(t) if isinstance(t, tuple) else t)
        if name not in ("logsumexp", "median"):  # methods: see test_new_reductions_are_tensor_methods
            _same(getattr(ft, name)(**kwargs).values if isinstance(t, tuple) else getattr(ft, name)(**kwargs),
                  getattr(tt, name)(**kwargs).values if isinstance(t, tuple) else getattr(tt, name)(**kwargs))
    _same(fastnn.sum(ft, 0, keepdims=True), torch.sum(tt, 0, keepdims=True))
    with pytest.raises(TypeError):
        getattr(fastnn, name)(ft, dim=0, axis=0)


def test_axis_alias_on_cumulative_ops_and_count_nonzero():
    data = np.random.default_rng(3).standard_normal((3, 4))
    ft, tt = fastnn.tensor(data), torch.tensor(data)
    _same(fastnn.cumsum(ft, axis=1), torch.cumsum(tt, axis=1))
    _same(fastnn.cumprod(ft, axis=0), torch.cumprod(tt, axis=0))
    _same(fastnn.count_nonzero(ft > 0, axis=1), torch.count_nonzero(tt > 0, axis=1))


def test_empty_dim_reduces_all_dims_as_torch():
    data = np.arange(6.0).reshape(2, 3)
    ft, tt = fastnn.tensor(data), torch.tensor(data)
    for name in ["sum", "mean", "amax", "amin", "var", "std"]:
        _same(getattr(ft, name)(()), getattr(tt, name)(()))
    _same(ft.norm(dim=[]), tt.norm(dim=[]))


# ------------------------------------------------------------------ 4. empty inputs
def _raises_like_torch(fn):
    with pytest.raises(Exception) as te:
        fn(torch)
    with pytest.raises(type(te.value), match=re.escape(str(te.value))):
        fn(fastnn)


@pytest.mark.parametrize("name", ["max", "min", "amax", "amin", "argmax", "argmin", "median"])
def test_reductions_over_empty_inputs_match_torch(name):
    if name != "median":
        _raises_like_torch(lambda m: getattr(m, name)(m.zeros(0)))
    _raises_like_torch(lambda m: getattr(m, name)(m.zeros(0, 2), 0))
    f, t = getattr(fastnn, name)(fastnn.zeros(0, 2), 1), getattr(torch, name)(torch.zeros(0, 2), 1)
    _same(tuple(f) if isinstance(t, tuple) else f, tuple(t) if isinstance(t, tuple) else t)
    if name in ("amax", "amin"):
        _raises_like_torch(lambda m: getattr(m, name)(m.zeros(2, 0, 3), (0, 1)))
        _same(getattr(fastnn, name)(fastnn.zeros(2, 0, 3), (0, 2)), getattr(torch, name)(torch.zeros(2, 0, 3), (0, 2)))


def test_empty_and_0d_corner_cases_match_torch():
    _same(fastnn.zeros(0, 2).argmax(1, keepdim=True), torch.zeros(0, 2).argmax(1, keepdim=True))
    _same(fastnn.median(fastnn.zeros(0)), torch.median(torch.zeros(0)))
    _same(fastnn.logsumexp(fastnn.zeros(0), 0), torch.logsumexp(torch.zeros(0), 0))
    s, ts = fastnn.tensor(3.0), torch.tensor(3.0)
    for fn in [lambda m, x: m.sort(x).values, lambda m, x: m.sort(x).indices, lambda m, x: m.topk(x, 1).values,
               lambda m, x: m.amax(x, 0), lambda m, x: m.max(x, 0).indices, lambda m, x: m.median(x, 0).values,
               lambda m, x: m.logsumexp(x, 0), lambda m, x: m.cumprod(x, 0), lambda m, x: m.cumsum(x, 0),
               lambda m, x: m.argmax(x, 0), lambda m, x: m.mode(x).values]:
        _same(fn(fastnn, s), fn(torch, ts))
    with pytest.raises(RuntimeError, match="inf norm on an empty tensor"):
        fastnn.zeros(0).norm(inf)


# ------------------------------------------------------------------ 5. sort / topk / argsort
SORT_DATA = [
    ("uint8", [0, 5, 3, 255, 5, 0, 1]),
    ("int8", [-128, 127, 0, -1, 127, -128]),
    ("int16", [3, -3, 0, 3]),
    ("int32", [2**31 - 1, -2**31, 0, 7, -2**31]),
    ("int64", [0, -2**63, 2**63 - 1, -1, -2**63]),
    ("bool", [True, False, True, False, False]),
    ("float32", [1.0, nan, 3.0, -inf, inf, 3.0, -0.0, 0.0, nan]),
    ("float64", [3, 1, 3, 2, 1, 3, 2, 2]),
]


@pytest.mark.parametrize("dtype,data", SORT_DATA, ids=[d[0] for d in SORT_DATA])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_matches_torch_stable_for_every_dtype(dtype, data, descending):
    a = np.array(data, dtype=dtype)
    a2 = np.stack([a, a[::-1]], 1)
    for arr, dim in [(a, -1), (a2, 0)]:
        f = fastnn.sort(fastnn.tensor(arr), dim, descending=descending)
        t = torch.sort(torch.tensor(arr), dim=dim, descending=descending, stable=True)
        _same(tuple(f), tuple(t))
        _same(fastnn.argsort(fastnn.tensor(arr), dim, descending=descending, stable=True),
              torch.argsort(torch.tensor(arr), dim=dim, descending=descending, stable=True))
        _same(fastnn.tensor(arr).sort(dim, descending).values, torch.tensor(arr).sort(dim, descending).values)


@pytest.mark.parametrize("dtype,data", [d for d in SORT_DATA if d[0] != "bool"],
                         ids=[d[0] for d in SORT_DATA if d[0] != "bool"])
@pytest.mark.parametrize("largest", [False, True])
def test_topk_values_match_torch_for_every_dtype(dtype, data, largest):
    a = np.array(data, dtype=dtype)
    for k in [1, 3, len(a)]:
        f = fastnn.topk(fastnn.tensor(a), k, largest=largest)
        t = torch.topk(torch.tensor(a), k, largest=largest)
        _same(f.values, t.values)  # torch's index order among equal values is unspecified
        np.testing.assert_array_equal(a[f.indices.numpy()], f.values.numpy())


def test_sort_gradient_matches_torch():
    a = np.random.default_rng(4).standard_normal((3, 6))
    _same_value_and_grad(a, lambda m, x: m.sort(x, 1, descending=True).values * m.arange(6.0, dtype=m.float64))
    _same_value_and_grad(a, lambda m, x: m.topk(x, 2, dim=0).values * m.arange(6.0, dtype=m.float64))


# ------------------------------------------------------------------ 6. logsumexp, cumprod, median, mode
def test_logsumexp_matches_torch():
    a = np.random.default_rng(5).standard_normal((3, 4, 5)) * 30
    for fn in [lambda m, x: m.logsumexp(x, 1), lambda m, x: m.logsumexp(x, (0, 2), keepdim=True),
               lambda m, x: m.logsumexp(x, -1, True), lambda m, x: m.logsumexp(x, (0, 1, 2))]:
        _same_value_and_grad(a, fn)
        _same_value_and_grad(a, fn, dtype="float32", rtol=1e-5)
    _same_value_and_grad([[-inf, -inf], [inf, 1.0], [-inf, 0.0]], lambda m, x: m.logsumexp(x, 1))
    _same(fastnn.logsumexp(fastnn.tensor([1, 2, 3]), 0), torch.logsumexp(torch.tensor([1, 2, 3]), 0))


@pytest.mark.parametrize("data", [
    [[2.0, 3.0, 0.5, -1.5], [1.5, -2.0, 4.0, 0.25]],
    [[2.0, 0.0, 3.0, 4.0], [0.0, 0.0, 3.0, 1.0]],
    [[0.0, 2.0, 0.0, 5.0], [2.0, 3.0, 4.0, 0.0]],
])
def test_cumprod_value_and_grad_match_torch_with_zeros(data):
    g = np.arange(1.0, 9.0).reshape(2, 4)
    for dim in [0, 1, -1]:
        _same_value_and_grad(data, lambda m, x: m.cumprod(x, dim) * m.tensor(g))
        _same_value_and_grad(np.array(data).T.copy(), lambda m, x: m.cumprod(x, dim % 2) * m.tensor(g.T.copy()))


def test_cumprod_dtypes_match_torch():
    for arr, kw in [([1, 2, 3], {}), (np.array([1, 2, 3], dtype=np.int32), {}), ([True, True, False], {}),
                    ([1.0, 2.0], dict(dtype=torch.float32)), ([1, 2], dict(dtype=torch.float64))]:
        fk = {k: getattr(fastnn, str(v)[6:]) for k, v in kw.items()}
        _same(fastnn.cumprod(fastnn.tensor(arr), 0, **fk), torch.cumprod(torch.tensor(arr), 0, **kw))
        _same(fastnn.cumsum(fastnn.tensor(arr), 0, **fk), torch.cumsum(torch.tensor(arr), 0, **kw))


@pytest.mark.parametrize("data", [
    [4.0, 1.0, 3.0, 2.0], [1.0, 2.0, 2.0, 2.0, 3.0], [2.0, 1.0, 2.0, 2.0, 3.0, 2.0], [5.0],
    [1.0, nan, 3.0, nan], [[3.0, 1.0, 2.0, 1.0], [0.0, 0.0, 7.0, -1.0], [nan, 2.0, 2.0, 1.0]],
])
def test_median_matches_torch(data):
    _same_value_and_grad(data, lambda m, x: m.median(x))
    a = np.array(data)
    for dim in range(-a.ndim, a.ndim):
        for keepdim in (False, True):
            (f, fg), (t, tg) = _both(data, lambda m, x: tuple(m.median(x, dim, keepdim=keepdim)))
            _same(f, t)
            _same(fg, tg)
            _same(fastnn.median(fastnn.tensor(data), dim).indices, torch.median(torch.tensor(data), dim).indices)
    _same(fastnn.median(fastnn.tensor([4, 1, 3, 2])), torch.median(torch.tensor([4, 1, 3, 2])))


def test_mode_matches_torch():
    rng = np.random.default_rng(6)
    for shape, dim in [((5, 9), -1), ((7, 4), 0), ((3, 4, 6), 1), ((1,), 0)]:
        a = rng.integers(0, 4, shape)
        for keepdim in (False, True):
            _same(tuple(fastnn.mode(fastnn.tensor(a), dim, keepdim)), tuple(torch.mode(torch.tensor(a), dim, keepdim)))
            (f, fg), (t, tg) = _both(a.astype(float), lambda m, x: m.mode(x, dim, keepdim).values * 2)
            _same(f, t)
            _same(fg, tg)


def test_new_reductions_are_tensor_methods():
    a = np.random.default_rng(7).standard_normal((3, 4))
    ft, tt = fastnn.tensor(a), torch.tensor(a)
    _same(ft.logsumexp(1), tt.logsumexp(1))
    _same(ft.cumprod(0), tt.cumprod(0))
    _same(ft.median(), tt.median())
    _same(tuple(ft.median(1, keepdim=True)), tuple(tt.median(1, keepdim=True)))
    _same(tuple(ft.mode(0)), tuple(tt.mode(0)))


@pytest.mark.parametrize("call", ["x.max(1)", "x.min(0, keepdim=True)", "x.sort(dim=0)", "x.topk(1)", "x.aminmax()",
                                  "x.median(1)", "x.mode(0)", "x.sort(descending=True)"])
def test_return_types_print_as_torch(call):
    f = eval(call, {"x": fastnn.tensor([[1., 5.], [7., 0.]])})
    t = eval(call, {"x": torch.tensor([[1., 5.], [7., 0.]])})
    assert type(f).__module__ == "fastnn.return_types" and type(f).__name__ == type(t).__name__
    assert repr(f).replace("fastnn.", "torch.") == repr(t) and str(f) == repr(f)


@pytest.mark.parametrize("call", [
    "m.tensor([1, 2, 3]).cumsum(0, dtype=m.int32)", "m.cumprod(m.tensor([1, 2, 3]), 0, dtype=m.int32)",
    "m.tensor([1.5, 2.0]).prod(dtype=m.int32)", "m.tensor([1, 2], dtype=m.int32).prod()",
    "m.tensor([1, 2], dtype=m.int32).cumsum(0)", "m.tensor([True, True]).cumsum(0)",
    "m.tensor([[1, 2], [3, 4]], dtype=m.int16).prod(1, dtype=m.int16)",
    "m.tensor([1.0, 2.0]).cumsum(0, dtype=m.float64)",
    "m.tensor(3, dtype=m.int8).cumsum(0)", "m.tensor([2, 3], dtype=m.uint8).cumprod(0, dtype=m.uint8)"])
def test_prod_cumsum_cumprod_compute_in_the_dtype_asked_as_torch(call):
    f, t = eval(call, {"m": fastnn}), eval(call, {"m": torch})
    assert str(f.dtype).split(".")[1] == str(t.dtype).split(".")[1] and f.tolist() == t.tolist()


@pytest.mark.parametrize("call", ["u.all()", "u.any(1)", "u.all(0, keepdim=True)", "m.any(u)", "f.all()",
                                  "f.any(0)", "b.all(1)"])
def test_all_any_keep_uint8_for_uint8_input_as_torch(call):
    res = []
    for m in (fastnn, torch):
        env = {"m": m, "u": m.tensor([[1, 0], [2, 3]], dtype=m.uint8), "f": m.tensor([[1.5, 0.0], [2.0, 3.0]]),
               "b": m.tensor([[True, False], [True, True]])}
        r = eval(call, env)
        res.append((str(r.dtype).split(".")[1], r.tolist()))
    assert res[0] == res[1]
