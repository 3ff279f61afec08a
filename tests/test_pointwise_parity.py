"""Pointwise ops against torch where they used to differ: numpy scalar operands, %, remainder/fmod, pow's masked
gradients, rounding ops in the graph, in-place augmented assignment, integer wrapping and error types."""
import numpy as np
import pytest
import torch

import fastnn
from nn_torch_util import outcome


def _same(fr, tr):
    assert fr.dtype.name == str(tr.dtype)[6:]
    if tr.dtype.is_floating_point:
        np.testing.assert_allclose(fr.detach().numpy(), tr.detach().numpy(), rtol=1e-6)
    else:
        np.testing.assert_array_equal(fr.numpy(), tr.numpy())


def _grads(m, fn, *values):
    """fn(m, *leaves).sum().backward() on float32 leaves: their gradients, as numpy arrays (None: no gradient)."""
    xs = [m.tensor(v, requires_grad=True) for v in values]
    fn(m, *xs).sum().backward()
    return [None if x.grad is None else x.grad.numpy() for x in xs]


# ---------------------------------------------------------------- numpy scalars act as Python numbers
NUMPY_SCALARS = [
    ("float32 / np.sqrt", lambda m: m.ones(4, 2) / np.sqrt(4)),
    ("float32 * np.float64", lambda m: m.ones(3) * np.float64(1.5)),
    ("np.float64 * float32", lambda m: np.float64(1.5) * m.ones(3)),
    ("np.float64 + float32", lambda m: np.float64(1.5) + m.ones(3)),
    ("float32 * np.int32", lambda m: m.ones(3) * np.int32(2)),
    ("int32 + np.int64", lambda m: m.tensor([1, 2], dtype=m.int32) + np.int64(3)),
    ("int64 + np.float64", lambda m: m.tensor([1, 2]) + np.float64(0.5)),
    ("int64 * np.bool_", lambda m: m.tensor([1, 2]) * np.bool_(True)),  # torch takes np.bool_ as a float
    ("int64 / np.int64", lambda m: m.tensor([1, 2]) / np.int64(2)),
    ("float32 % np.float64", lambda m: m.tensor([5., 7.]) % np.float64(2.5)),
    ("float32 ** np.float64", lambda m: m.tensor([1., 2.]) ** np.float64(2)),
    ("int64 ** np.float64", lambda m: m.tensor([1, 2]) ** np.float64(2)),
    ("np.float64 ** int64", lambda m: np.float64(2) ** m.tensor([1, 2])),
    ("clamp np", lambda m: m.tensor([1, 5]).clamp(np.float32(1.5), np.int64(3))),
    ("clamp np float32", lambda m: m.tensor([1., 5.]).clamp(np.float64(1.5), np.float64(3))),
    ("where np", lambda m: m.where(m.tensor([True, False]), m.tensor([1., 2.]), np.float64(3))),
    ("where np both", lambda m: m.where(m.tensor([True, False]), np.float64(1), np.float64(3))),
    ("add_ np", lambda m: m.tensor([1], dtype=m.int32).add_(np.int64(3))),
]


@pytest.mark.parametrize("name,fn", NUMPY_SCALARS, ids=[c[0] for c in NUMPY_SCALARS])
def test_numpy_scalars_promote_like_python_numbers(name, fn):
    _same(fn(fastnn), fn(torch))


# ---------------------------------------------------------------- %, remainder, fmod, //
REMAINDERS = [
    ("int % float", lambda m: m.tensor([5, 7]) % 2.5),
    ("float % negative", lambda m: m.tensor([-5., 7., 5.5]) % -3),
    ("int % negative", lambda m: m.tensor([-5, 7, 5]) % -3),
    ("rmod float", lambda m: 5 % m.tensor([2., -3.])),
    ("rmod int", lambda m: 5 % m.tensor([2, -3])),
    ("float32 % float64 0-d", lambda m: m.tensor([5., 7.]) % m.tensor(2., dtype=m.float64)),
    ("int32 % int64 0-d", lambda m: m.tensor([5, -7], dtype=m.int32) % m.tensor(3)),
    ("remainder", lambda m: m.remainder(m.tensor([-5., 7.]), m.tensor([3., -2.]))),
    ("remainder scalar first", lambda m: m.remainder(5, m.tensor([-3., 2.]))),
    ("fmod", lambda m: m.fmod(m.tensor([-5., 7.]), -3)),
    ("fmod int", lambda m: m.fmod(m.tensor([-5, 7]), 3)),
    ("fmod method", lambda m: m.tensor([-5.5, 7.]).fmod(m.tensor([2., -2.]))),
    ("float % 0", lambda m: m.tensor([3., -3., 0.]) % 0),
    ("float // 0", lambda m: m.tensor([3., -3., 0.]) // 0),
    ("int8 // 300 wraps", lambda m: m.tensor([5, 100], dtype=m.int8) // 300),
    ("trunc div int exact", lambda m: m.div(m.tensor([-7, 7, 2 ** 62 + 1]), m.tensor([2, -2, 1]),
                                            rounding_mode="trunc")),
    ("trunc div scalar first", lambda m: m.div(7, m.tensor([-2, 2]), rounding_mode="trunc")),
    ("5 // float", lambda m: 5 // m.tensor([-2., 2.])),
    ("0-d % 0-d", lambda m: m.tensor(7.) % m.tensor(2.)),
]


@pytest.mark.parametrize("name,fn", REMAINDERS, ids=[c[0] for c in REMAINDERS])
def test_remainder_values_and_dtypes(name, fn):
    _same(fn(fastnn), fn(torch))


@pytest.mark.parametrize("fn", [lambda m, a, b: a % b, lambda m, a, b: m.fmod(a, b),
                                lambda m, a, b: m.remainder(a, b), lambda m, a, b: a % 1.5],
                         ids=["%", "fmod", "remainder", "% scalar"])
def test_remainder_gradients(fn):
    a, b = [[5., -7., 7., 0.5], [3., 4., -1., 2.]], [2.5, -2., 0.75, 3.]
    for gf, gt in zip(_grads(fastnn, fn, a, b), _grads(torch, fn, a, b)):
        assert (gf is None) == (gt is None)
        if gt is not None:
            np.testing.assert_allclose(gf, gt)


def test_remainder_broadcast_gradient():
    fn = lambda m, a, b: m.remainder(a, b) + m.fmod(a, b)
    a, b = [[5., -7.], [3., 4.]], [2.5]
    for gf, gt in zip(_grads(fastnn, fn, a, b), _grads(torch, fn, a, b)):
        np.testing.assert_allclose(gf, gt)


@pytest.mark.parametrize("fn,op", [(lambda x: 5 % x, "remainder"), (lambda x: x // 2, "floor_divide"),
                                   (lambda x: 5 // x, "floor_divide")], ids=["rmod", "//", "r//"])
def test_ops_without_derivative_raise_in_backward(fn, op):
    for m in (fastnn, torch):
        y = fn(m.tensor([1.5, -2.5], requires_grad=True))
        assert y.requires_grad and y.grad_fn is not None
        with pytest.raises(RuntimeError, match=f"derivative for aten::{op} is not implemented"):
            y.sum().backward()


# ---------------------------------------------------------------- pow's masked gradients
POW_GRADS = [
    ("x ** 0", lambda m, x: x ** 0, [[0., 1., 2.]]),
    ("x ** 0.", lambda m, x: x ** 0., [[0., -1., 2.]]),
    ("x ** x", lambda m, x: x ** x, [[0., 1., 2.]]),
    ("x ** 0-d zero", lambda m, x: x ** m.tensor(0.), [[0., 2.]]),
    ("x ** e", lambda m, x, e: x ** e, [[0., 0., 2., 0.], [0., 2., 0., -1.]]),
    ("0 ** e", lambda m, e: 0.0 ** e, [[0., 2., -1.]]),
    ("base ** e", lambda m, e: m.tensor([0., -1., 2.]) ** e, [[0., 2., -1.]]),
    ("x ** 0.5 at 0", lambda m, x: x ** 0.5, [[0., 4.]]),
]


@pytest.mark.parametrize("name,fn,values", POW_GRADS, ids=[c[0] for c in POW_GRADS])
def test_pow_gradients_masked_like_torch(name, fn, values):
    with np.errstate(all="ignore"):
        fg = _grads(fastnn, fn, *values)
    for gf, gt in zip(fg, _grads(torch, fn, *values)):
        np.testing.assert_array_equal(gf, gt)


# ---------------------------------------------------------------- rounding ops stay in the graph
ROUNDING = [
    ("floor", lambda m, x: m.floor(x)),
    ("ceil", lambda m, x: x.ceil()),
    ("round", lambda m, x: m.round(x)),
    ("round decimals", lambda m, x: m.round(x, decimals=1)),
    ("trunc", lambda m, x: m.trunc(x)),
    ("sign", lambda m, x: x.sign()),
    ("frac", lambda m, x: m.frac(x)),
    ("div floor", lambda m, x: m.div(x, 2, rounding_mode="floor")),
    ("div trunc", lambda m, x: m.div(x, x + 3, rounding_mode="trunc")),
    ("fmod", lambda m, x: m.fmod(x, 1.5)),
]


@pytest.mark.parametrize("name,fn", ROUNDING, ids=[c[0] for c in ROUNDING])
def test_rounding_ops_stay_in_the_graph(name, fn):
    v = [0., 1.5, -2.3, 2.5, 0.75]
    fy, ty = fn(fastnn, fastnn.tensor(v, requires_grad=True)), fn(torch, torch.tensor(v, requires_grad=True))
    assert fy.requires_grad and ty.requires_grad and fy.grad_fn is not None
    _same(fy, ty)
    np.testing.assert_array_equal(_grads(fastnn, fn, v)[0], _grads(torch, fn, v)[0])


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "sign"])
def test_rounding_integer_tensors_keep_their_dtype(name):
    _same(getattr(fastnn, name)(fastnn.tensor([-3, 4])), getattr(torch, name)(torch.tensor([-3, 4])))


# ---------------------------------------------------------------- augmented assignment is in place
@pytest.mark.parametrize("op", ["//=", "**=", "%="])
def test_augmented_assignment_is_in_place(op):
    for m in (fastnn, torch):
        a = m.tensor([5., 7.])
        c = a
        ns = {"a": a}
        exec(f"a {op} 3", ns)
        assert ns["a"] is c
        _same(fastnn.tensor(c.numpy()), torch.tensor(c.numpy()))
    ref = {"//=": [1., 2.], "**=": [125., 343.], "%=": [2., 1.]}[op]
    np.testing.assert_array_equal(c.numpy(), ref)


@pytest.mark.parametrize("op", ["//=", "**=", "%="])
def test_augmented_assignment_autograd(op):
    a = fastnn.tensor([5., 7.], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        exec(f"a {op} 2", {"a": a})
    out = {}
    for m in (fastnn, torch):
        x = m.tensor([1.5, 2.5], requires_grad=True)
        ns = {"a": x * 2}
        exec(f"a {op} 2", ns)
        y = ns["a"]
        assert y.requires_grad
        if op == "//=":
            with pytest.raises(RuntimeError, match="derivative for aten::floor_divide"):
                y.sum().backward()
            continue
        y.sum().backward()
        out[m.__name__] = x.grad.numpy()
    if out:
        np.testing.assert_allclose(out["fastnn"], out["torch"])


def test_augmented_assignment_bumps_version_and_keeps_dtype():
    a = fastnn.tensor([5, 7])
    v = a._version[0]
    a //= 2
    a %= 2
    a **= 2
    assert a._version[0] == v + 3 and a.dtype is fastnn.int64
    np.testing.assert_array_equal(a.numpy(), [0, 1])
    with pytest.raises(RuntimeError, match="can't be cast"):
        a //= 2.5


def test_inplace_remainder_fmod_methods():
    for name in ["remainder_", "fmod_", "floor_divide_", "pow_"]:
        fa, ta = fastnn.tensor([5., -7.]), torch.tensor([5., -7.])
        assert getattr(fa, name)(3) is fa
        getattr(ta, name)(3)
        _same(fa, ta)


# ---------------------------------------------------------------- errors and integer wrapping
ERRORS = [
    ("int ** -1", lambda m: m.tensor([2]) ** -1),
    ("int pow_ -1", lambda m: m.tensor([2]).pow_(-1)),
    ("uint8 ** -1", lambda m: m.tensor([2], dtype=m.uint8) ** -1),
    ("int8 ** 300", lambda m: m.tensor([2], dtype=m.int8) ** 300),
    ("int // 0", lambda m: m.tensor([3]) // 0),
    ("int % 0", lambda m: m.tensor([3]) % 0),
    ("int // tensor 0", lambda m: m.tensor([3, 4]) // m.tensor([1, 0])),
    ("int fmod 0", lambda m: m.fmod(m.tensor([3]), 0)),
    ("int div trunc 0", lambda m: m.div(m.tensor([3]), 0, rounding_mode="trunc")),
    ("bool - bool", lambda m: m.tensor([True]) - m.tensor([False])),
    ("bool - True", lambda m: m.tensor([True]) - True),
    ("bool - 1", lambda m: m.tensor([True]) - 1),
    ("float - bool", lambda m: m.tensor([1.]) - m.tensor([True])),
    ("True - int", lambda m: True - m.tensor([1])),
    ("div rounding_mode", lambda m: m.div(m.tensor([1.]), 2, rounding_mode="x")),
    ("float & float", lambda m: m.tensor([1.]) & m.tensor([1.])),
    ("float64 | float64", lambda m: m.tensor([1.], dtype=m.float64) | m.tensor([1.], dtype=m.float64)),
    ("int ^ 1.5", lambda m: m.tensor([1]) ^ 1.5),
    ("~float", lambda m: ~m.tensor([1.])),
    ("bool % bool", lambda m: m.tensor([True]) % m.tensor([True])),
    ("frac int", lambda m: m.frac(m.tensor([1]))),
    ("round int decimals", lambda m: m.round(m.tensor([15]), decimals=-1)),
    ("floor bool", lambda m: m.floor(m.tensor([True]))),
]


def _error(fn, m):
    with pytest.raises(Exception) as info:
        fn(m)
    return info.value


@pytest.mark.parametrize("name,fn", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors_match_torch(name, fn):
    fe, te = _error(fn, fastnn), _error(fn, torch)
    assert type(fe) is type(te)
    assert str(fe) == str(te)


INT_RESULTS = [
    ("uint8 + 300", lambda m: m.tensor([5], dtype=m.uint8) + 300),
    ("int8 + 300", lambda m: m.tensor([5], dtype=m.int8) + 300),
    ("int8 * 300", lambda m: m.tensor([5], dtype=m.int8) * 300),
    ("300 - int8", lambda m: 300 - m.tensor([5], dtype=m.int8)),
    ("uint8 + -1", lambda m: m.tensor([5], dtype=m.uint8) + -1),
    ("int32 + 2**40", lambda m: m.tensor([1], dtype=m.int32) + 2 ** 40),
    ("int64 + 2**63", lambda m: m.tensor([1]) + 2 ** 63),
    ("int8 % 300", lambda m: m.tensor([5], dtype=m.int8) % 300),
    ("int8 & 300", lambda m: m.tensor([7], dtype=m.int8) & 300),
    ("uint8 add_ 300", lambda m: m.tensor([5], dtype=m.uint8).add_(300)),
    ("int ** negative int tensor", lambda m: m.tensor([7, 1, -1, -1, 0, 2]) ** m.tensor([-2, -2, -3, -2, -2, 3])),
    ("int ** negative 0-d", lambda m: m.tensor([2, 1, -1]) ** m.tensor(-1)),
    ("2 ** negative int", lambda m: 2 ** m.tensor([-1, 2])),
]


@pytest.mark.parametrize("name,fn", INT_RESULTS, ids=[c[0] for c in INT_RESULTS])
def test_integer_results_match_torch(name, fn):
    fr, tr = fn(fastnn), fn(torch)
    assert fr.dtype.name == str(tr.dtype)[6:]
    np.testing.assert_array_equal(fr.numpy(), tr.numpy())


def test_out_of_domain_unary_ops_do_not_warn():
    """log(0), sqrt(-1), 1/0 give torch's inf/nan, forward and backward, without numpy's RuntimeWarning."""
    import warnings
    for name in ("log", "log2", "log10", "sqrt", "rsqrt", "reciprocal", "acos", "asin"):
        x, tx = fastnn.tensor([0., -1., 1.], requires_grad=True), torch.tensor([0., -1., 1.], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            y = getattr(fastnn, name)(x)
            y.sum().backward()
        ty = getattr(torch, name)(tx)
        ty.sum().backward()
        np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
        np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


# ---------------------------------------------------------------- integer clamp bounds are checked as torch's
@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "int64"])
@pytest.mark.parametrize("bound", [300, 2 ** 15, 2 ** 31, 2 ** 63, -1, -255, -256, 2 ** 64])
@pytest.mark.parametrize("side", ["min", "max"])
def test_integer_clamp_bounds_convert_as_torch(dtype, bound, side):
    """Out of the dtype's range raises RuntimeError naming the C type, beyond 64 bits OverflowError; a negative
    bound of uint8 within its width wraps (-1 clamps to 255)."""
    outcomes = []
    for m in (torch, fastnn):
        x = m.tensor([1, 100, 7], dtype=getattr(m, dtype))
        try:
            outcomes.append(("ok", x.clamp(**{side: bound}).tolist()))
        except (RuntimeError, OverflowError) as e:
            outcomes.append((type(e).__name__, str(e)))
    assert outcomes[1] == outcomes[0]


@pytest.mark.parametrize("call", [
    "2 ** m.tensor(7, dtype=m.int32)", "2.5 ** m.tensor(2, dtype=m.int32)", "True ** m.tensor(3, dtype=m.uint8)",
    "m.square(m.tensor([True, False]))", "m.tensor([True, False]) ** True", "m.tensor([True, False]) ** False",
    "m.tensor([True, False]) ** 2", "m.tensor([True, False]) ** m.tensor([True, True])",
    "m.add(m.tensor([True, False]), m.tensor([True, True]), alpha=3)",
    "m.add(m.tensor([True, False]), m.tensor([False, True]), alpha=0)", "m.add(m.tensor([True]), 1, alpha=2)",
    "m.add(m.tensor([1]), m.tensor([1]), alpha=2.5)", "m.sub(m.tensor([1]), 2, alpha=2.0)",
    "m.add(m.tensor([1.]), m.tensor([1.]), alpha=2.5)", "m.sub(m.tensor([3]), m.tensor([1]), alpha=2)",
    "m.tensor([1], dtype=m.int32).add(m.tensor([1.5]), alpha=2.5)",
    "m.sub(m.tensor([True]), m.tensor([True]), alpha=2)",
    "m.sign(m.tensor([float('nan'), -0.0, 0.0, 3.0, -float('inf')]))",
    "m.sign(m.tensor(float('nan'), dtype=m.float64))",
    "m.sign(m.tensor([-3, 0, 2]))", "m.tensor(5.).flip(0)", "m.tensor(5).flip(-1)", "m.tensor(5.).flip(1)",
    "m.ones(2, 2).flip(0, -2)", "m.arange(6).reshape(2, 3).flip(1, 0)"])
def test_promotion_and_edge_cases_as_torch(call):
    f, t = outcome(lambda: eval(call, {"m": fastnn})), outcome(lambda: eval(call, {"m": torch}))
    assert f[0] == t[0]
    if t[0] == "ok":
        assert str(f[1].dtype) == str(t[1].dtype).replace("torch", "fastnn")
        np.testing.assert_array_equal(f[1].numpy(), t[1].numpy())
    else:
        assert f[1] == t[1]


def test_sign_abs_and_flip_at_nan_and_0d_have_torchs_gradients():
    for m in (fastnn, torch):
        x = m.tensor(float("nan"), requires_grad=True)
        y = m.tensor(2., requires_grad=True)
        z = m.tensor([float("nan"), -2., 0., 3.], requires_grad=True)
        (m.sign(x) + y.flip(0) * 3 + m.abs(z).sum()).backward()
        assert x.grad.item() == 0 and y.grad.item() == 3 and z.grad.tolist() == [0., -1., 0., 1.]


def test_clamp_with_tensor_bounds_gives_torchs_gradients_on_ties():
    """Every ordering of input and bounds, ties and NaN included, with broadcasting bounds."""
    import itertools
    vals = [0.0, 1.0, 2.0, float("nan")]
    grid = np.array(list(itertools.product(vals, vals, vals)), dtype=np.float32)
    res = []
    for m in (fastnn, torch):
        x, lo, hi = (m.tensor(grid[:, i].copy(), requires_grad=True) for i in range(3))
        b = m.tensor([[0.5], [1.0]], requires_grad=True)
        outs = [m.clamp(x, lo, hi), m.clamp(x, min=lo), m.clamp(x, max=hi), x.clamp(b, m.full((1,), 1.5)),
                m.clamp(x, max=b)]
        sum((o * m.arange(1.0, o.numel() + 1).reshape(o.shape)).sum() for o in outs).backward()
        res.append([o.detach().numpy() for o in outs] + [t.grad.numpy() for t in (x, lo, hi, b)])
    for f, t in zip(*res):
        np.testing.assert_array_equal(f, t)
