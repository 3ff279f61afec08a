"""API breadth against torch: in-place bitwise and shift operators, `in`, comparisons with None and lists,
flip(*dims), outer's promotion, maximum's argument check, unique/bincount/masked_select/repeat_interleave,
nan_to_num, clamp_min/max, fmax/fmin, the trigonometric and logarithmic unary ops with their gradients,
and the small shape helpers (tile, select, tensor_split, trace, diff, squeeze_ ...)."""

import numpy as np
import pytest
import torch

import fastnn
from nn_torch_util import outcome

NAN, INF = float("nan"), float("inf")


def _same(fr, tr):
    """Same dtype and values (NaNs equal)."""
    if isinstance(tr, (tuple, list)):
        assert isinstance(fr, (tuple, list)) and len(fr) == len(tr)
        for f, t in zip(fr, tr):
            _same(f, t)
        return
    if not isinstance(tr, torch.Tensor):
        assert fr == tr and type(fr) is type(tr)
        return
    assert fr.dtype.name == str(tr.dtype)[6:], (fr.dtype, tr.dtype)
    assert tuple(fr.shape) == tuple(tr.shape)
    if tr.dtype.is_floating_point:
        np.testing.assert_allclose(fr.detach().numpy(), tr.detach().numpy(), rtol=1e-5, atol=1e-6)
    else:
        np.testing.assert_array_equal(fr.numpy(), tr.numpy())


def _both(fn):
    return fn(fastnn), fn(torch)


def _check(fn):
    f, t = _both(fn)
    _same(f, t)


def _raises_same(fn):
    """fastnn raises the exception type torch raises."""
    with pytest.raises(Exception) as te:
        fn(torch)
    with pytest.raises(type(te.value)):
        fn(fastnn)


def _grads(fn, *values, dtype="float32"):
    """fn(m, *leaves).sum().backward() in both libraries: the leaves' gradients compared."""
    out = []
    for m in (fastnn, torch):
        xs = [m.tensor(v, dtype=getattr(m, dtype), requires_grad=True) for v in values]
        fn(m, *xs).sum().backward()
        out.append([None if x.grad is None else x.grad for x in xs])
    for gf, gt in zip(*out):
        assert (gf is None) == (gt is None)
        if gt is not None:
            _same(gf, gt)


# ---------------------------------------------------------------- in-place bitwise operators
@pytest.mark.parametrize("op", ["&=", "|=", "^=", "<<=", ">>="])
def test_inplace_bitwise_writes_through_views(op):
    res = []
    for m in (fastnn, torch):
        base = m.tensor([1, 2, 3, 12], dtype=m.int32)
        v = base[1:]
        alias = v
        ns = {"v": v, "o": m.tensor([3, 1, 2], dtype=m.int32)}
        exec(f"v {op} o", ns)
        assert ns["v"] is alias  # in place: the same tensor object
        res.append(base)
    _same(*res)


def test_inplace_bitwise_methods_and_bool():
    for name in ["bitwise_and_", "bitwise_or_", "bitwise_xor_"]:
        res = []
        for m in (fastnn, torch):
            b = m.tensor([True, False, True, False])
            r = getattr(b, name)(m.tensor([True, True, False, False]))
            assert r is b
            res.append(b)
        _same(*res)
    res = []
    for m in (fastnn, torch):
        a = m.tensor([5, 6], dtype=m.uint8)
        a &= 4  # a scalar operand
        a |= m.tensor([1, 0], dtype=m.uint8)
        res.append(a)
    _same(*res)


def test_inplace_bitwise_errors():
    def float_and(m):
        f = m.tensor([1.0])
        f &= 1
    _raises_same(float_and)

    def bool_or_long(m):  # the Long result can't be cast back to Bool
        b = m.tensor([True])
        b |= m.tensor([2])
    _raises_same(bool_or_long)


# ---------------------------------------------------------------- shifts
SHIFTS = [
    lambda m: m.tensor([1, 2, 8], dtype=m.int32) << 2,
    lambda m: 2 << m.tensor([1, 2, 8], dtype=m.int32),
    lambda m: m.tensor([1, 2, 8], dtype=m.int32) >> m.tensor([1, 1, 1]),
    lambda m: m.tensor([-8, 8]) >> 1,
    lambda m: 100 >> m.tensor([1, 2]),
    lambda m: m.tensor([True]) << 1,
    lambda m: m.tensor([1, 2, 8], dtype=m.int32) << 40,
    lambda m: m.tensor([1, 2], dtype=m.uint8) << 7,
    lambda m: m.tensor([-8]) >> 70,
    lambda m: m.tensor([8, -8]) >> -1,
    lambda m: m.tensor([1]) << -1,
    lambda m: m.tensor([1]) << 64,
    lambda m: m.tensor([-8, 8], dtype=m.int8) >> m.tensor([9, 9], dtype=m.int8),
    lambda m: m.tensor([1, 2], dtype=m.int8) << m.tensor([7, 9], dtype=m.int8),
    lambda m: m.bitwise_left_shift(m.tensor([3, 4]), 1),
    lambda m: m.tensor([3, 4]).bitwise_right_shift(1),
]


@pytest.mark.parametrize("fn", SHIFTS)
def test_shift(fn):
    _check(fn)


@pytest.mark.parametrize("fn", [lambda m: m.tensor([1.0]) << 1, lambda m: m.tensor([1, 2]) << 1.5,
                                lambda m: m.tensor([True]) << m.tensor([True])])
def test_shift_errors(fn):
    _raises_same(fn)


# ---------------------------------------------------------------- `in`, comparisons with other types
@pytest.mark.parametrize("elem", [2, 2.5, True, np.float64(2.0), "tensor2", "tensor_row", "tensor_other_row"])
def test_contains(elem):
    res = []
    for m in (fastnn, torch):
        t = m.tensor([[1.0, 2.0], [3.0, 4.0]])
        e = {"tensor2": lambda: m.tensor(2.0), "tensor_row": lambda: m.tensor([1.0, 2.0]),
             "tensor_other_row": lambda: m.tensor([5.0, 6.0])}.get(elem, lambda: elem)()
        res.append(e in t)
    assert res[0] == res[1] and type(res[0]) is bool


@pytest.mark.parametrize("elem", ["a", [2.0], None])
def test_contains_other_types_raise(elem):
    _raises_same(lambda m: elem in m.tensor([1.0, 2.0]))


def test_contains_broadcast_error():
    _raises_same(lambda m: m.tensor([1.0, 2.0]) in m.tensor([1.0, 2.0, 3.0]))


@pytest.mark.parametrize("other", [None, [1.0, 2.0, 3.0], (1.0, 2.0, 3.0), "a", object()])
def test_eq_ne_with_other_types(other):
    for m in (fastnn, torch):
        t = m.tensor([1.0, 2.0, 3.0])
        assert (t == other) is False
        assert (t != other) is True
        assert (other == t) is False


@pytest.mark.parametrize("other", [None, [1, 2, 3]])
def test_ordering_with_other_types_raises(other):
    _raises_same(lambda m: m.tensor([1.0, 2.0, 3.0]) < other)
    _raises_same(lambda m: m.tensor([1.0, 2.0, 3.0]) >= other)


def test_eq_still_elementwise():
    _check(lambda m: m.tensor([1.0, 2.0, 3.0]) == 2)
    _check(lambda m: m.tensor([1, 2, 3]) == m.tensor([1, 0, 3]))
    _check(lambda m: m.tensor([1.0, 2.0]) != np.float32(2.0))


# ---------------------------------------------------------------- flip, outer, maximum
@pytest.mark.parametrize("fn", [
    lambda m: m.arange(6).reshape(2, 3).flip(0, 1),
    lambda m: m.arange(6).reshape(2, 3).flip(1),
    lambda m: m.arange(6).reshape(2, 3).flip((0, 1)),
    lambda m: m.arange(6).reshape(2, 3).flip([1]),
    lambda m: m.flip(m.arange(6).reshape(2, 3), dims=[0]),
])
def test_flip(fn):
    _check(fn)


def test_flip_grad_and_missing_dims():
    _grads(lambda m, x: x.flip(0, 1) * m.arange(6.).reshape(2, 3), [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    _raises_same(lambda m: m.ones(2, 3).flip())


@pytest.mark.parametrize("fn", [
    lambda m: m.outer(m.tensor([1, 2]), m.tensor([1.0, 2.0])),
    lambda m: m.outer(m.tensor([1, 2]), m.tensor([3, 4])),
    lambda m: m.tensor([1.0, 2.0], dtype=m.float64).outer(m.tensor([3.0])),
])
def test_outer_promotes(fn):
    _check(fn)


def test_outer_errors_and_grad():
    _raises_same(lambda m: m.outer(m.ones(2, 2), m.ones(2)))
    _raises_same(lambda m: m.outer(m.ones(2), m.ones(1, 1)))
    _grads(lambda m, a, b: m.outer(a, b) * m.arange(6.).reshape(2, 3), [1.0, 2.0], [3.0, 4.0, 5.0])


@pytest.mark.parametrize("fn", [lambda m: m.maximum(m.tensor([1.0]), 3), lambda m: m.minimum(m.tensor([1.0]), 3.0),
                                lambda m: m.maximum(3, m.tensor([1.0])), lambda m: m.fmax(m.tensor([1.0]), 2.0),
                                lambda m: m.atan2(m.tensor([1.0]), 2.0), lambda m: m.hypot(m.tensor([1.0]), 2.0)])
def test_tensor_only_binary_ops_raise_type_error(fn):
    _raises_same(fn)


# ---------------------------------------------------------------- unique, bincount, masked_select, repeat_interleave
@pytest.mark.parametrize("fn", [
    lambda m: m.unique(m.tensor([3, 1, 3, 2])),
    lambda m: m.unique(m.tensor([3.0, 1.0, 3.0]), return_inverse=True),
    lambda m: m.tensor([[3, 1], [3, 1]]).unique(return_counts=True),
    lambda m: m.unique(m.tensor([[3, 1], [3, 1]]), return_inverse=True, return_counts=True),
    lambda m: m.unique(m.tensor([[3, 1], [3, 1], [0, 2]]), dim=0, return_inverse=True, return_counts=True),
    lambda m: m.unique(m.tensor([[3, 1, 3], [4, 0, 4]]), dim=1),
])
def test_unique(fn):
    _check(fn)


def test_unique_of_grad_input_has_no_derivative():
    for m in (fastnn, torch):
        u = m.unique(m.tensor([3.0, 1.0, 3.0], requires_grad=True))
        assert u.requires_grad
        with pytest.raises(RuntimeError):
            u.sum().backward()


@pytest.mark.parametrize("fn", [
    lambda m: m.bincount(m.tensor([1, 3, 1, 0])),
    lambda m: m.bincount(m.tensor([1, 3, 1, 0]), minlength=6),
    lambda m: m.tensor([1, 3, 1, 0]).bincount(weights=m.tensor([1.0, 2, 3, 4])),
    lambda m: m.bincount(m.tensor([1, 3, 1, 0]), weights=m.tensor([1, 2, 3, 4])),
    lambda m: m.bincount(m.tensor([1, 3, 1, 0]), weights=m.tensor([1.0, 2, 3, 4], dtype=m.float64)),
    lambda m: m.bincount(m.tensor([], dtype=m.int64)),
])
def test_bincount(fn):
    _check(fn)


@pytest.mark.parametrize("fn", [lambda m: m.bincount(m.tensor([-1])), lambda m: m.bincount(m.tensor([1.0])),
                                lambda m: m.bincount(m.tensor([True])), lambda m: m.bincount(m.tensor([[1]]))])
def test_bincount_errors(fn):
    _raises_same(fn)


def test_masked_select():
    _check(lambda m: m.masked_select(m.tensor([[1.0, 2], [3, 4]]), m.tensor([True, False])))
    _check(lambda m: m.tensor([1.0]).masked_select(m.tensor([[True], [False], [True]])))
    _raises_same(lambda m: m.masked_select(m.tensor([1.0, 2]), m.tensor([1, 0])))
    _grads(lambda m, x: m.masked_select(x, m.tensor([[True, False, True]])) * m.arange(1., 5.),
           [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    _grads(lambda m, x: m.masked_select(x, m.tensor([[True], [False], [True]])) * m.arange(1., 5.), [1.0, 2.0])


@pytest.mark.parametrize("fn", [
    lambda m: m.repeat_interleave(m.tensor([2, 1])),
    lambda m: m.repeat_interleave(m.tensor([[1, 2], [3, 4]]), 2),
    lambda m: m.repeat_interleave(m.tensor([[1, 2], [3, 4]]), m.tensor([1, 2]), dim=0),
    lambda m: m.tensor([[1, 2], [3, 4]]).repeat_interleave(m.tensor([2]), dim=1),
    lambda m: m.tensor([[1, 2], [3, 4]]).repeat_interleave(3, dim=-1),
    lambda m: m.tensor([1.0, 2.0]).repeat_interleave(m.tensor([0, 2])),
])
def test_repeat_interleave(fn):
    _check(fn)


@pytest.mark.parametrize("fn", [
    lambda m: m.repeat_interleave(m.tensor([[1, 2], [3, 4]]), m.tensor([1, 2, 3]), dim=0),
    lambda m: m.repeat_interleave(m.tensor([[1, 2], [3, 4]]), m.tensor([1, 2])),
    lambda m: m.tensor([1, 2]).repeat_interleave(m.tensor([-1, 2])),
])
def test_repeat_interleave_errors(fn):
    _raises_same(fn)


def test_repeat_interleave_grad():
    w = np.arange(12.0).reshape(2, 6).tolist()
    _grads(lambda m, x: x.repeat_interleave(m.tensor([1, 0, 5]), dim=1) * m.tensor(w), [[1.0, 2, 3], [4, 5, 6]])
    _grads(lambda m, x: x.repeat_interleave(2) * m.arange(12.0), [[1.0, 2, 3], [4, 5, 6]])


# ---------------------------------------------------------------- nan_to_num, clamp_min/max, fmax/fmin
def test_nan_to_num():
    vals = [NAN, INF, -INF, 1.0]
    _check(lambda m: m.nan_to_num(m.tensor(vals)))
    _check(lambda m: m.tensor(vals).nan_to_num(nan=1.5, posinf=9.0, neginf=-9.0))
    _check(lambda m: m.tensor(vals, dtype=m.float64).nan_to_num(posinf=2.0))
    _check(lambda m: m.nan_to_num(m.tensor([1, 2]), nan=3.0))
    _grads(lambda m, x: m.nan_to_num(x, posinf=1.0, neginf=-1.0) * m.arange(1.0, 5.0), vals)
    res = []
    for m in (fastnn, torch):
        t = m.tensor(vals)
        v = t[1:]
        assert v.nan_to_num_(neginf=0.0) is v
        res.append(t)
    _same(*res)


def test_clamp_min_max():
    _check(lambda m: m.clamp_min(m.tensor([1.0, 5.0]), 2))
    _check(lambda m: m.tensor([1, 5]).clamp_max(2.5))
    _check(lambda m: m.tensor([1, 5]).clamp_min(2))
    _grads(lambda m, x: x.clamp_min(0.5) * m.arange(1.0, 4.0), [0.0, 1.0, 2.0])
    _grads(lambda m, x: m.clamp_max(x, 1.5) * m.arange(1.0, 4.0), [0.0, 1.0, 2.0])
    res = []
    for m in (fastnn, torch):
        t = m.tensor([0.0, 1.0, 2.0])
        t.clamp_min_(0.5).clamp_max_(1.5)
        res.append(t)
    _same(*res)


def test_fmax_fmin():
    a, b = [1.0, NAN, 3.0, NAN, 2.0], [2.0, 1.0, NAN, NAN, 2.0]
    for name in ("fmax", "fmin"):
        _check(lambda m: getattr(m, name)(m.tensor(a), m.tensor(b)))
        _check(lambda m: getattr(m.tensor([1, 5]), name)(m.tensor([2.0, NAN])))
        _grads(lambda m, x, y: getattr(m, name)(x, y) * m.arange(1.0, 6.0), a, b)
        _grads(lambda m, x, y: getattr(m, name)(x, y), [[1.0, 4.0]], [[2.0], [3.0]])


# ---------------------------------------------------------------- unary math
UNARY = {  # name: sample values inside the domain
    "tan": [-1.0, 0.2, 1.3], "asin": [-0.9, 0.0, 0.5], "acos": [-0.9, 0.0, 0.5], "atan": [-3.0, 0.2, 4.0],
    "sinh": [-2.0, 0.1, 1.5], "cosh": [-2.0, 0.1, 1.5], "log2": [0.5, 1.0, 8.0], "log10": [0.5, 1.0, 1000.0],
    "exp2": [-1.0, 0.0, 3.5], "erf": [-1.5, 0.0, 0.5], "logit": [0.1, 0.5, 0.8],
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_values_and_grads(name):
    v = UNARY[name]
    _check(lambda m: getattr(m, name)(m.tensor(v)))
    _check(lambda m: getattr(m.tensor(v, dtype=m.float64), name)())
    _grads(lambda m, x: getattr(m, name)(x) * m.arange(1.0, 4.0), v)
    _grads(lambda m, x: getattr(m, name)(x), v, dtype="float64")
    res = []
    for m in (fastnn, torch):  # the in-place form, through a view
        t = m.tensor([0.3] + v)
        assert getattr(t[1:], name + "_")() is not None
        res.append(t)
    _same(*res)


@pytest.mark.parametrize("name", ["tan", "log2", "exp2", "asin", "sinh"])
def test_unary_integer_inputs(name):
    _check(lambda m: getattr(m, name)(m.tensor([0, 1])))
    _raises_same(lambda m: getattr(m.tensor([0, 1]), name + "_")())


def test_logit_eps():
    _check(lambda m: m.logit(m.tensor([0.0, 0.25, 1.0])))
    _check(lambda m: m.logit(m.tensor([0.0, 0.25, 1.0]), eps=0.1))
    _grads(lambda m, x: m.logit(x, eps=0.2), [0.1, 0.5, 0.9])


def test_atan2_hypot():
    a, b = [[1.0, -2.0, 0.5]], [[3.0], [-1.0]]
    for name in ("atan2", "hypot"):
        _check(lambda m: getattr(m, name)(m.tensor(a), m.tensor(b)))
        _grads(lambda m, x, y: getattr(m, name)(x, y), a, b)
    _check(lambda m: m.atan2(m.tensor([1]), m.tensor([2])))
    _check(lambda m: m.tensor([1.0], dtype=m.float64).atan2(m.tensor([2.0])))
    _raises_same(lambda m: m.hypot(m.tensor([3]), m.tensor([4])))
    res = []
    for m in (fastnn, torch):
        t = m.tensor([1.0, 2.0])
        t.atan2_(m.tensor([2.0, 1.0]))
        res.append(t)
    _same(*res)


# ---------------------------------------------------------------- small shape helpers and predicates
@pytest.mark.parametrize("fn", [
    lambda m: m.moveaxis(m.arange(24).reshape(2, 3, 4), 0, -1),
    lambda m: m.arange(24).reshape(2, 3, 4).moveaxis((0, 1), (2, 0)),
    lambda m: m.arange(24).reshape(2, 3, 4).swapdims(0, 2),
    lambda m: m.swapdims(m.arange(6).reshape(2, 3), 0, 1),
    lambda m: m.tile(m.tensor([1, 2]), (2, 2)),
    lambda m: m.tensor([[1, 2]]).tile(2),
    lambda m: m.tensor([[1, 2]]).tile((3, 1, 2)),
    lambda m: m.ones(2, 3).select(1, -1),
    lambda m: m.select(m.arange(6).reshape(2, 3), 0, 1),
    lambda m: m.tensor_split(m.arange(7), 3),
    lambda m: m.arange(7).tensor_split([1, 5]),
    lambda m: m.tensor_split(m.arange(7), (2, 9)),
    lambda m: m.tensor_split(m.arange(12).reshape(3, 4), 3, dim=1),
    lambda m: m.trace(m.tensor([[1, 2], [3, 4]], dtype=m.int32)),
    lambda m: m.ones(2, 3).trace(),
    lambda m: m.diff(m.tensor([1, 3, 6, 10]), n=2),
    lambda m: m.diff(m.tensor([True, False, False])),
    lambda m: m.tensor([1.0, 3.0]).diff(prepend=m.tensor([0.0]), append=m.tensor([7.0])),
    lambda m: m.diff(m.arange(12.0).reshape(3, 4) ** 2, dim=0),
])
def test_shape_helpers(fn):
    _check(fn)


def test_shape_helper_errors_and_grads():
    _raises_same(lambda m: m.ones(3).select(0, 5))
    _raises_same(lambda m: m.trace(m.ones(3)))
    _grads(lambda m, x: x.select(1, 2) * m.tensor([2.0, 3.0]), [[1.0, 2, 3], [4, 5, 6]])
    _grads(lambda m, x: m.trace(x), [[1.0, 2], [3, 4]])
    _grads(lambda m, x: m.diff(x, n=2) * m.tensor([1.0, 5.0]), [1.0, 4.0, 9.0, 16.0])
    _grads(lambda m, x: x.tile(2, 1) * m.arange(8.0).reshape(2, 4), [1.0, 2, 3, 4])
    _grads(lambda m, x: m.tensor_split(x, 2)[1] * 3, [1.0, 2, 3])


def test_inplace_view_ops():
    for name, args in [("squeeze_", ()), ("squeeze_", (1,)), ("unsqueeze_", (0,)), ("t_", ()),
                       ("transpose_", (0, 1))]:
        res = []
        for m in (fastnn, torch):
            t = m.arange(6.0).reshape(3, 1, 2)[:, :, :] if name != "t_" else m.arange(6.0).reshape(3, 2)
            if name == "transpose_":
                t = m.arange(6.0).reshape(3, 2)
            r = getattr(t, name)(*args)
            assert r is t
            res.append(t)
        _same(*res)
    # with autograd: the in-place view change is part of the graph
    out = []
    for m in (fastnn, torch):
        x = m.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
        y = x * 2
        y.squeeze_(0)
        y.unsqueeze_(1)
        (y * m.tensor([[1.0], [2.0], [3.0]])).sum().backward()
        out.append(x.grad)
    _same(*out)


def test_predicates_and_numel():
    for m in (fastnn, torch):
        assert m.numel(m.ones(2, 3)) == 6
        assert m.is_floating_point(m.ones(2)) is True
        assert m.is_floating_point(m.ones(2, dtype=m.int64)) is False
    for name in ["float32", "float64", "int64", "int8", "uint8", "bool"]:
        f, t = fastnn.ones(1, dtype=getattr(fastnn, name)), torch.ones(1, dtype=getattr(torch, name))
        assert f.is_signed() == t.is_signed()
        assert f.is_complex() == t.is_complex()
        assert f.is_floating_point() == t.is_floating_point()


def test_unique_keeps_nans_distinct():
    _check(lambda m: m.unique(m.tensor([NAN, 1.0, NAN]), return_counts=True))


def test_inplace_view_op_on_leaf_requiring_grad():
    _raises_same(lambda m: m.ones(2, 1, requires_grad=True).squeeze_())
    for m in (fastnn, torch):
        x = m.ones(2, 1, requires_grad=True)
        with m.no_grad():
            x.squeeze_()
        assert tuple(x.shape) == (2,)


@pytest.mark.parametrize("call", [
    "m.tensor([5, -5]).div_(2, rounding_mode='floor')", "m.tensor([5., -5]).div_(2, rounding_mode='trunc')",
    "m.tensor([5., -5]).div_(m.tensor(2.), rounding_mode=None)", "m.tensor([5, -5]).div_(2, rounding_mode='bad')",
    "m.reshape(m.arange(4), shape=(2, 2))", "m.ones(2, 3).reshape(shape=(3, 2))", "m.ones(2, 3).permute(dims=(1, 0))",
    "m.arange(4).view(size=(2, 2))", "m.ones(2, 3).expand(size=(2, 2, 3))", "m.ones(2, 3).repeat(repeats=(2, 1))",
    "m.ones(4).split(split_size=2)[1]", "m.split(m.ones(4), split_size_or_sections=2)[1]",
    "m.max(m.arange(3.), other=m.ones(3))", "m.min(m.arange(3.), other=m.ones(3))", "m.arange(3.).max(other=m.ones(3))",
    "m.ones(2, 3).reshape((3, 2), shape=(3, 2))", "m.ones(2).max(0, other=m.ones(2))"])
def test_keyword_forms_of_arguments_as_torch(call):
    f, t = outcome(lambda: eval(call, {"m": fastnn})), outcome(lambda: eval(call, {"m": torch}))
    assert f[0] == t[0]
    if t[0] == "ok":
        assert f[1].dtype == getattr(fastnn, str(t[1].dtype).split(".")[1]) and f[1].tolist() == t[1].tolist()


@pytest.mark.parametrize("args", [(1, -2, 2), (1, 3, 2), (1, 5, 0), (1, 4, 0), (1, -5, 1), (1, 0, -1), (1, -4, 4),
                                  (0, 1, 2), (-1, -1, 1)])
def test_narrow_bounds_and_negative_start_as_torch(args):
    res = []
    for m in (fastnn, torch):
        x = m.arange(12.0).reshape(3, 4).requires_grad_()
        r = outcome(lambda: x.narrow(*args))
        if r[0] == "ok":
            (r[1] * m.arange(1.0, r[1].numel() + 1).reshape(r[1].shape)).sum().backward()
            r = ("ok", r[1].tolist(), x.grad.tolist())
        res.append(r)
    assert res[0][0] == res[1][0] and (res[0][0] != "ok" or res[0] == res[1])
