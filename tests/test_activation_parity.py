"""Parity with torch of the fully-connected toolbox in nn / nn.functional: the activations (values, dtypes and
gradients, at their kinks too, float64 gradchecks, modules and reprs, in-place forms, errors), pad, cosine_similarity
and pairwise_distance, and init.orthogonal_ / sparse_."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import fastnn
import fastnn.nn.functional as F
from fastnn import nn
from nn_torch_util import assert_close, check_fwd_bwd, np_of, outcome, pair, randn, rng, same_error

DTYPES = [np.float32, np.float64]


def _tol(dtype):
    return {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-12}


def _same_error_start(ffn, tfn):
    """The same exception type, fastnn's message starting with torch's (fastnn may add the shapes)."""
    f, t = outcome(ffn), outcome(tfn)
    assert t[0] != "ok" and f[0] == t[0] and f[1].startswith(t[1]), f"fastnn {f} vs torch {t}"


# ---------------------------------------------------------------- activations: values and gradients
# name -> (call on a functional module, F or torch.nn.functional; the points where the function has a kink)
ACTS = {
    "gelu": (lambda m, x: m.gelu(x), [0.0]),
    "gelu_tanh": (lambda m, x: m.gelu(x, approximate="tanh"), [0.0]),
    "mish": (lambda m, x: m.mish(x), [0.0]),
    "hardswish": (lambda m, x: m.hardswish(x), [-3.0, 0.0, 3.0]),
    "hardsigmoid": (lambda m, x: m.hardsigmoid(x), [-3.0, 3.0]),
    "softsign": (lambda m, x: m.softsign(x), [0.0]),
    "tanhshrink": (lambda m, x: m.tanhshrink(x), [0.0]),
    "threshold": (lambda m, x: m.threshold(x, 0.1, 20.0), [0.1]),
    "celu": (lambda m, x: m.celu(x, 0.7), [0.0]),
    "selu": (lambda m, x: m.selu(x), [0.0]),
    "glu": (lambda m, x: m.glu(x), [0.0]),
    "glu_dim0": (lambda m, x: m.glu(x, 0), [0.0]),
    "softshrink": (lambda m, x: m.softshrink(x, 0.5), [-0.5, 0.5]),
    "hardshrink": (lambda m, x: m.hardshrink(x, 1.5), [-1.5, 1.5]),
    "logsigmoid": (lambda m, x: m.logsigmoid(x), [0.0]),
}
# the ones that are torch Functions of their own (the rest are compositions): torch's grad_fn name
NODE_NAMES = {"gelu": "GeluBackward0", "mish": "MishBackward0", "hardswish": "HardswishBackward0",
              "hardsigmoid": "HardsigmoidBackward0", "threshold": "ThresholdBackward0", "celu": "CeluBackward0",
              "selu": "EluBackward0", "softshrink": "SoftshrinkBackward0", "hardshrink": "HardshrinkBackward0"}


def _points(dtype, kinks, seed=0):
    """(6, 8) values: normal * 3, with the kinks, points just beside them and large magnitudes placed first."""
    x = randn(rng(seed), 6, 8, dtype=np.float64) * 3
    special = kinks + [k + d for k in kinks for d in (-1e-3, 1e-3)] + [-30.0, 30.0, -8.0, 8.0]
    x.reshape(-1)[:len(special)] = special
    return x.astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name", list(ACTS))
def test_activation_matches_torch(name, dtype):
    fn, kinks = ACTS[name]
    fo, to = check_fwd_bwd(lambda a: fn(F, a), lambda a: fn(TF, a), [_points(dtype, kinks)], **_tol(dtype))
    if name in NODE_NAMES:
        assert fo.grad_fn.name() == to.grad_fn.name() == NODE_NAMES[name]


@pytest.mark.parametrize("name", list(ACTS))
def test_activation_float64_gradcheck(name):
    """Central differences agree with the analytic gradient away from the kinks (on both sides of each)."""
    fn, kinks = ACTS[name]
    x = randn(rng(2), 4, 6, dtype=np.float64) * 3
    near = [k + d for k in kinks for d in (-0.01, 0.01)]
    x.reshape(-1)[:len(near)] = near
    assert min(abs(v - k) for v in x.reshape(-1) for k in kinks) > 1e-3
    assert fastnn.autograd.gradcheck(lambda a: fn(F, a), (fastnn.tensor(x, requires_grad=True),))


@pytest.mark.parametrize("name", list(ACTS))
def test_activation_integer_input_like_torch(name):
    """Integer input: torch's NotImplementedError, or its result and dtype (threshold keeps ints, softsign and
    tanhshrink promote)."""
    fn, _ = ACTS[name]
    x = np.array([[-3, -2, -1, 0], [1, 2, 3, 4]])
    f, t = outcome(lambda: fn(F, fastnn.tensor(x))), outcome(lambda: fn(TF, torch.tensor(x)))
    if t[0] == "ok":
        assert f[0] == "ok", f
        assert_close(f[1], t[1])
    else:
        assert f == t


def test_threshold_truncates_for_integers_like_torch():
    x = np.array([-3, -2, -1, 0, 1, 2])
    for thr, val in [(-1.5, 5.7), (1.9, -2.7), (0, 9)]:
        assert_close(F.threshold(fastnn.tensor(x), thr, val), TF.threshold(torch.tensor(x), thr, val))


def test_backward_after_input_modified_in_place_raises_like_torch():
    """The activations save their input; changing it before backward is torch's version error."""
    for name in NODE_NAMES:
        fn, _ = ACTS[name]
        outcomes = []
        for lib, m in ((fastnn, F), (torch, TF)):
            h = lib.ones(3, requires_grad=True) * 2
            y = fn(m, h)
            h.add_(1)
            outcomes.append(outcome(lambda: y.sum().backward()))
        (ft, fmsg), (tt, tmsg) = outcomes
        expect = "one of the variables needed for gradient computation has been modified by an inplace operation"
        assert ft == tt == "RuntimeError" and fmsg.startswith(expect) and tmsg.startswith(expect), (name, outcomes)


# ---------------------------------------------------------------- prelu
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("shape,nw", [((4, 3, 5), 3), ((4, 3), 3), ((4, 3, 2, 2), 1), ((7,), 1), ((), 1)])
def test_prelu_matches_torch_with_weight_gradient(shape, nw, dtype):
    x = randn(rng(0), *shape, dtype=dtype) if shape else np.array(-1.5, dtype=dtype)
    x.reshape(-1)[:1] = 0  # the kink
    w = (randn(rng(3), nw, dtype=dtype) * 0.3)
    check_fwd_bwd(F.prelu, TF.prelu, [x, w], **_tol(dtype))


def test_prelu_gradcheck():
    x = randn(rng(4), 3, 4, 2, dtype=np.float64)
    w = fastnn.tensor(randn(rng(5), 4, dtype=np.float64), requires_grad=True)
    assert fastnn.autograd.gradcheck(F.prelu, (fastnn.tensor(x, requires_grad=True), w))


def test_prelu_module_like_torch():
    for args, kwargs in [((), {}), ((3, 0.1), {}), ((3,), {"dtype": "float64"})]:
        fkw = {k: getattr(fastnn, v) for k, v in kwargs.items()}
        tkw = {k: getattr(torch, v) for k, v in kwargs.items()}
        fm, tm = nn.PReLU(*args, **fkw), torch.nn.PReLU(*args, **tkw)
        assert repr(fm) == repr(tm)
        assert [n for n, _ in fm.named_parameters()] == [n for n, _ in tm.named_parameters()] == ["weight"]
        assert_close(fm.weight, tm.weight, what="initial weight")
        assert fm.weight.requires_grad
        x = randn(rng(6), 2, fm.num_parameters, 3, dtype=np_of(tm.weight).dtype)
        fx, tx = pair(x)
        fm(fx).sum().backward()
        tm(tx).sum().backward()
        assert_close(fm.weight.grad, tm.weight.grad, what="weight grad")


@pytest.mark.parametrize("xs,ws,xdt,wdt", [((2, 4), (3,), "float32", "float32"), ((2, 3), (1, 1), "float32", "float32"),
                                           ((2, 3), (1, 3), "float32", "float32"), ((5,), (5,), "float32", "float32"),
                                           ((2, 3), (1,), "float64", "float32"), ((2, 3), (1,), "int64", "int64")])
def test_prelu_errors_like_torch(xs, ws, xdt, wdt):
    def run(lib, fn):
        return lambda: fn(lib.ones(xs, dtype=getattr(lib, xdt)), lib.ones(ws, dtype=getattr(lib, wdt)))
    same_error(run(fastnn, F.prelu), run(torch, TF.prelu))


# ---------------------------------------------------------------- errors of the others
@pytest.mark.parametrize("call", [
    "gelu(x, approximate='foo')", "gelu(x, approximate=None)", "gelu(x, 'tanh')", "glu(x)", "glu(x, dim=3)",
    "glu(x[0, 0])", "softshrink(x, -0.5)", "softshrink(x.double(), -1)", "celu(x, 0.0)",
    "threshold(x.bool(), 0.1, 1.0)", "mish(x.long(), inplace=True)"])
def test_activation_errors_like_torch(call):
    fx, tx = pair(randn(rng(0), 2, 5))
    same_error(lambda: eval("F." + call, {"F": F, "x": fx}), lambda: eval("F." + call, {"F": TF, "x": tx}))


# ---------------------------------------------------------------- modules and reprs
MODULES = ["GELU()", "GELU('tanh')", "GELU(approximate='tanh')", "PReLU()", "PReLU(3, 0.1)", "Mish()", "Mish(True)",
           "Hardswish()", "Hardswish(True)", "Hardsigmoid()", "Hardsigmoid(True)", "Softsign()", "Tanhshrink()",
           "Threshold(0.1, 20)", "Threshold(-0.5, 2.0, True)", "CELU()", "CELU(0.5, True)", "SELU()", "SELU(True)",
           "GLU()", "GLU(0)", "Softshrink()", "Softshrink(1)", "Hardshrink()", "Hardshrink(2)", "LogSigmoid()"]


@pytest.mark.parametrize("ctor", MODULES)
def test_activation_module_like_torch(ctor):
    fm, tm = eval("nn." + ctor), eval("torch.nn." + ctor)
    assert repr(fm) == repr(tm)
    fx, tx = pair(randn(rng(0), 2, 3, 4) * 4)
    fy, ty = fm(fx), tm(tx)
    assert (fy is fx) == (ty is tx)
    assert_close(fy, ty)
    assert_close(fx, tx, what="input after the call")


# ---------------------------------------------------------------- in-place forms
# test_nn_parity.test_inplace_functional_activations covers these activations' inplace=True too.


@pytest.mark.parametrize("call", ["threshold_(x, 0.5, 3.0)", "celu_(x)", "celu_(x, 2.0)", "selu_(x)"])
def test_underscore_forms(call):
    fx, tx = pair(randn(rng(0), 3, 4) * 3)
    fy, ty = eval("F." + call, {"F": F, "x": fx}), eval("F." + call, {"F": TF, "x": tx})
    assert fy is fx and ty is tx
    assert_close(fx, tx)
    assert fx._version[0] == tx._version


def test_inplace_threshold_on_integers():
    fx, tx = pair(np.array([-3, -1, 0, 2, 5]))
    F.threshold(fx, 0.5, -7.9, inplace=True)
    TF.threshold(tx, 0.5, -7.9, inplace=True)
    assert_close(fx, tx)


# ---------------------------------------------------------------- pad
CONSTANT_CASES = [((2, 3, 4), (1, 2)), ((2, 3, 4), (1, -1, 2, 0)), ((2, 3, 4), (0, 0, -1, 1, 2, 2)), ((5,), (3, -2)),
                  ((2, 3), (-1, -2)), ((2, 3), (-1, -2, 1, 0)), ((2, 1, 3, 2, 2), (1, 1, 0, 2, -1, 0, 1, 0, 2, 1)),
                  ((2, 3), ())]


@pytest.mark.parametrize("value", [None, 2.5])
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("shape,pads", CONSTANT_CASES)
def test_constant_pad_matches_torch(shape, pads, dtype, value):
    x = randn(rng(0), *shape, dtype=dtype)
    fo, to = check_fwd_bwd(lambda a: F.pad(a, pads, value=value), lambda a: TF.pad(a, pads, value=value), [x],
                           **_tol(dtype))
    assert fo.grad_fn.name() == to.grad_fn.name()


def test_pad_of_a_scalar_like_torch():
    fx, tx = pair(np.array(1.5), requires_grad=True)
    fy, ty = F.pad(fx, ()), TF.pad(tx, ())
    assert_close(fy, ty)
    fy.backward()
    ty.backward()
    assert_close(fx.grad, tx.grad)


@pytest.mark.parametrize("dtype,value", [("int64", 2.7), ("int64", -2.7), ("int32", 3), ("bool", 1), ("uint8", 7)])
def test_constant_pad_other_dtypes(dtype, value):
    x = np.array([[1, 0, 3], [4, 5, 0]]).astype(dtype)
    fx, tx = pair(x)
    assert_close(F.pad(fx, (1, 2, 1, 0), value=value), TF.pad(tx, (1, 2, 1, 0), value=value))


GATHER_CASES = [((2, 5), (2, 3)), ((2, 3, 5), (4, 1)), ((2, 3, 5), (-1, 2)), ((2, 3, 4), (3, -2)), ((2, 3), (-2, 2)),
                ((2, 4, 5), (1, 2, 3, 0)), ((1, 2, 4, 5), (-1, 2, 3, -2)), ((1, 2, 3, 4, 5), (1, 2, 2, 1, 1, 2)),
                ((2, 3, 4, 5), (1, 1, 1, 1, 1, 1)), ((0, 2, 5), (1, 1)), ((2, 3, 4), (0, 0))]


@pytest.mark.parametrize("mode", ["reflect", "replicate"])
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("shape,pads", GATHER_CASES)
def test_reflect_replicate_pad_match_torch(shape, pads, dtype, mode):
    x = randn(rng(0), *shape, dtype=dtype)
    fo, to = check_fwd_bwd(lambda a: F.pad(a, pads, mode), lambda a: TF.pad(a, pads, mode), [x], **_tol(dtype))
    assert fo.grad_fn.name() == to.grad_fn.name()


def test_replicate_pad_wider_than_input_and_integers():
    fx, tx = pair(np.array([[1, 2, 3], [4, 5, 6]]))
    for mode in ("replicate", "reflect"):
        assert_close(F.pad(fx, (2, 1), mode), TF.pad(tx, (2, 1), mode))
    check_fwd_bwd(lambda a: F.pad(a, (5, 4), "replicate"), lambda a: TF.pad(a, (5, 4), "replicate"),
                  [randn(rng(0), 2, 3)])


@pytest.mark.parametrize("mode,pads", [("constant", (2, -1, 0, 1)), ("reflect", (2, 1)), ("replicate", (3, 1, 0, 2))])
def test_pad_gradcheck(mode, pads):
    x = fastnn.tensor(randn(rng(1), 2, 3, 4, dtype=np.float64), requires_grad=True)
    assert fastnn.autograd.gradcheck(lambda a: F.pad(a, pads, mode), (x,))


# (input shape, pad as code, mode, value); pad code may name torch (fastnn's side gets fastnn)
PAD_ERRORS = [
    ((2, 3), "(1,)", "constant", None), ((2, 3), "(1, 1, 1, 1, 1, 1)", "constant", None),
    ((), "(1, 1)", "constant", None), ((2, 3), "(1, 1)", "foo", None), ((2, 3), "(1.0, 1)", "constant", None),
    ((2, 3), "torch.tensor([1, 1])", "constant", None), ((2, 3), "(-2, -2)", "constant", None),
    ((2, 3), "(-4, 2)", "constant", None), ((2, 3), "(0, 0, -2, -1)", "constant", None),
    ((5,), "(1, 1)", "reflect", None), ((2, 3), "(1, 1, 1, 1)", "reflect", None),
    ((1, 1, 2, 3, 4), "(1, 1, 1, 1)", "replicate", None), ((2, 3, 4), "()", "reflect", None),
    ((2, 3), "(3, 3)", "reflect", None), ((2, 3), "(0, 3)", "reflect", None),
    ((1, 2, 3, 4), "(4, 0, 3, 0)", "reflect", None), ((1, 1, 2, 3, 4), "(0, 0, 3, 0, 2, 0)", "reflect", None),
    ((1, 1, 2, 3, 4), "(0, 0, 0, 0, 2, 0)", "reflect", None), ((2, 3), "(1, 1)", "reflect", 1.0),
    ((2, 3), "(1, 1)", "replicate", 2), ((2, 3), "(-2, -2)", "reflect", None), ((2, 3), "(-1, -2)", "replicate", None),
    ((2, 3, 4), "(-2, -2)", "replicate", None), ((1, 2, 3, 4), "(-2, -2, -1, -2)", "reflect", None),
    ((1, 1, 2, 3, 4), "(-2, -2, -1, -2, -1, -1)", "reflect", None), ((1, 2, 3, 4), "(-3, -2, 0, 0)", "replicate", None),
    ((1, 1, 2, 3, 4), "(0, 0, 0, 0, -3, -2)", "replicate", None), ((0, 3), "(1, 1)", "reflect", None),
    ((2, 0, 3), "(1, 1)", "replicate", None), ((2, 0, 3, 3), "(1, 1, 1, 1)", "reflect", None),
]


@pytest.mark.parametrize("shape,pads,mode,value", PAD_ERRORS)
def test_pad_errors_like_torch(shape, pads, mode, value):
    fx, tx = fastnn.zeros(shape), torch.zeros(shape)
    same_error(lambda: F.pad(fx, eval(pads, {"torch": fastnn}), mode, value),
                lambda: TF.pad(tx, eval(pads, {"torch": torch}), mode, value))


def test_pad_value_zero_allowed_for_reflect_and_circular_not_implemented():
    fx, tx = pair(randn(rng(0), 2, 4))
    assert_close(F.pad(fx, (1, 2), "reflect", 0.0), TF.pad(tx, (1, 2), "reflect", 0.0))
    with pytest.raises(NotImplementedError, match="circular"):
        F.pad(fx, (1, 1), "circular")


# ---------------------------------------------------------------- cosine_similarity / pairwise_distance
BROADCAST = [((4, 3), (1, 3), 1), ((4, 3), (3,), -1), ((4, 3), (3,), 1), ((2, 4, 3), (3,), -1),
             ((2, 4, 3), (2, 1, 3), 0), ((5,), (5,), 0), ((3, 1), (1, 4), 0)]


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("s1,s2,dim", BROADCAST)
def test_cosine_similarity_matches_torch(s1, s2, dim, dtype):
    a, b = randn(rng(0), *s1, dtype=dtype), randn(rng(1), *s2, dtype=dtype)
    check_fwd_bwd(lambda x, y: F.cosine_similarity(x, y, dim), lambda x, y: TF.cosine_similarity(x, y, dim), [a, b],
                  **_tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_cosine_similarity_eps(dtype):
    """Norms under eps are clamped to eps in the value, not in the gradient (torch clamps under no_grad), and a
    zero vector gives 0 with a zero-norm gradient."""
    a = randn(rng(0), 4, 3, dtype=dtype)
    a[0] = 0
    a[1] *= 1e-3
    b = randn(rng(1), 4, 3, dtype=dtype)
    for eps in (1e-8, 0.5):
        check_fwd_bwd(lambda x, y: F.cosine_similarity(x, y, eps=eps),
                      lambda x, y: TF.cosine_similarity(x, y, eps=eps), [a, b], **_tol(dtype))


def test_cosine_similarity_dtypes_and_errors():
    i, f = np.array([[1, 2, 3]]), np.array([[1.0, -2.0, 0.5]], dtype=np.float32)
    for x, y, dim in [(i, f, 1), (f, f.astype(np.float64), 1), (f[0], f.astype(np.float64), -1)]:
        (fx, tx), (fy, ty) = pair(x), pair(y)
        assert_close(F.cosine_similarity(fx, fy, dim), TF.cosine_similarity(tx, ty, dim))
    fi, ti = pair(i)
    same_error(lambda: F.cosine_similarity(fi, fi), lambda: TF.cosine_similarity(ti, ti))
    fa, ta = pair(randn(rng(0), 4, 3))
    fb, tb = pair(randn(rng(0), 4, 4))
    _same_error_start(lambda: F.cosine_similarity(fa, fb), lambda: TF.cosine_similarity(ta, tb))
    same_error(lambda: F.cosine_similarity(fa, fa, 2), lambda: TF.cosine_similarity(ta, ta, 2))


@pytest.mark.parametrize("p", [2.0, 1, 3, math.inf, -1, 0.5])
@pytest.mark.parametrize("s1,s2,_", BROADCAST[:5])
def test_pairwise_distance_matches_torch(s1, s2, _, p):
    a, b = randn(rng(0), *s1), randn(rng(1), *s2)
    for keepdim in (False, True):
        check_fwd_bwd(lambda x, y: F.pairwise_distance(x, y, p, keepdim=keepdim),
                      lambda x, y: TF.pairwise_distance(x, y, p, keepdim=keepdim), [a, b], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("p", [2.0, 1, 0])
def test_pairwise_distance_of_scalars_and_p0(p):
    """0-d inputs give a 0-d distance; p=0 (a count) gives no gradient at all, as torch."""
    for a, b in [(np.array(1.5), np.array(-0.5)), (randn(rng(0), 4, 3), randn(rng(1), 3))]:
        (fa, ta), (fb, tb) = pair(a, requires_grad=True), pair(b, requires_grad=True)
        fy, ty = F.pairwise_distance(fa, fb, p), TF.pairwise_distance(ta, tb, p)
        assert_close(fy, ty)
        fy.sum().backward()
        ty.sum().backward()
        for f, t in ((fa, ta), (fb, tb)):
            if t.grad is None:
                assert f.grad is None
            else:
                assert_close(f.grad, t.grad)


def test_pairwise_distance_eps_dtypes_and_errors():
    a = randn(rng(0), 3, 4, dtype=np.float64)
    for eps in (1e-6, 0.0, 0.3):
        check_fwd_bwd(lambda x, y: F.pairwise_distance(x, y, eps=eps), lambda x, y: TF.pairwise_distance(x, y, eps=eps),
                      [a, a.copy()], **_tol(np.float64))
    for x, y in [(np.array([[1, 2]]), np.array([[1, 3]])), (np.array([[1, 2]]), np.array([[1.0, 3.0]])),
                 (a.astype(np.float32), a)]:
        assert_close(F.pairwise_distance(pair(x)[0], pair(y)[0]), TF.pairwise_distance(pair(x)[1], pair(y)[1]))
    fa, ta = pair(randn(rng(0), 4, 3))
    fb, tb = pair(randn(rng(0), 4, 4))
    _same_error_start(lambda: F.pairwise_distance(fa, fb), lambda: TF.pairwise_distance(ta, tb))


def test_distance_gradchecks():
    a, b = (fastnn.tensor(randn(rng(s), 3, 4, dtype=np.float64), requires_grad=True) for s in (0, 1))
    assert fastnn.autograd.gradcheck(lambda x, y: F.cosine_similarity(x, y, 1), (a, b))
    assert fastnn.autograd.gradcheck(lambda x, y: F.pairwise_distance(x, y, 3.0), (a, b))


@pytest.mark.parametrize("ctor", ["CosineSimilarity()", "CosineSimilarity(0, 1e-3)", "PairwiseDistance()",
                                  "PairwiseDistance(1, 1e-3, True)", "PairwiseDistance(p=math.inf)"])
def test_distance_modules_like_torch(ctor):
    fm, tm = eval("nn." + ctor), eval("torch.nn." + ctor)
    assert repr(fm) == repr(tm)
    check_fwd_bwd(fm, tm, [randn(rng(0), 4, 3), randn(rng(1), 4, 3)])


# ---------------------------------------------------------------- init.orthogonal_ / sparse_
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (3, 2, 2), (1, 6), (6, 1)])
@pytest.mark.parametrize("gain", [1, 2.5])
def test_orthogonal_is_orthogonal_with_gain(shape, gain, dtype):
    w = fastnn.empty(shape, dtype=getattr(fastnn, dtype))
    assert nn.init.orthogonal_(w, gain=gain) is w
    assert w.shape == shape and w.dtype is getattr(fastnn, dtype)
    m = np_of(w).reshape(shape[0], -1).astype(np.float64)
    gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(len(gram)), atol=1e-5 if dtype == "float32" else 1e-12)


def test_orthogonal_reproducible_under_seed_and_generator():
    def draw(seed=None, generator=None):
        if seed is not None:
            fastnn.manual_seed(seed)
        return np_of(nn.init.orthogonal_(fastnn.empty(4, 6), generator=generator))
    np.testing.assert_array_equal(draw(0), draw(0))
    assert not np.allclose(draw(0), draw(1))
    g1, g2 = fastnn.Generator().manual_seed(3), fastnn.Generator().manual_seed(3)
    np.testing.assert_array_equal(draw(generator=g1), draw(generator=g2))


def test_orthogonal_on_parameter_edge_cases_and_errors():
    fw, tw = nn.Parameter(fastnn.zeros(3, 4)), torch.nn.Parameter(torch.zeros(3, 4))
    nn.init.orthogonal_(fw)
    torch.nn.init.orthogonal_(tw)
    assert fw.requires_grad and fw.grad_fn is None
    assert fw._version[0] > 0 and tw._version > 0
    for shape in [(0, 3), (3, 0)]:
        fe, te = fastnn.empty(shape), torch.empty(shape)
        assert nn.init.orthogonal_(fe) is fe and torch.nn.init.orthogonal_(te) is te
    same_error(lambda: nn.init.orthogonal_(fastnn.empty(5)), lambda: torch.nn.init.orthogonal_(torch.empty(5)))


@pytest.mark.parametrize("rows,cols,sparsity", [(200, 50, 0.3), (10, 7, 0.0), (9, 4, 0.5), (5, 3, 1.0)])
def test_sparse_zeros_per_column_like_torch(rows, cols, sparsity):
    fastnn.manual_seed(0)
    w = nn.init.sparse_(fastnn.empty(rows, cols), sparsity, std=0.02)
    t = torch.nn.init.sparse_(torch.empty(rows, cols), sparsity, std=0.02)
    f = np_of(w)
    np.testing.assert_array_equal((f == 0).sum(0), (np_of(t) == 0).sum(0))
    assert (f == 0).sum(0).tolist() == [math.ceil(sparsity * rows)] * cols
    if rows * cols > 1000:
        assert abs(f[f != 0].std() / 0.02 - 1) < 0.05
    fastnn.manual_seed(0)
    np.testing.assert_array_equal(np_of(nn.init.sparse_(fastnn.empty(rows, cols), sparsity, std=0.02)), f)


def test_sparse_errors_like_torch():
    same_error(lambda: nn.init.sparse_(fastnn.empty(2, 3, 4), 0.1),
                lambda: torch.nn.init.sparse_(torch.empty(2, 3, 4), 0.1))


@pytest.mark.parametrize("shape,dim", [((0, 4), 0), ((0, 4), 1), ((4, 0), 1), ((4, 0), 0), ((0,), 0), ((2, 0, 3), 1),
                                       ((2, 0, 3), 2), ((2, 0, 3), 0)])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_of_empty_tensors_is_empty_as_torch(shape, dim, name):
    for m in (fastnn, torch):
        x = m.zeros(*shape, requires_grad=True)
        y = getattr(m, name)(x, dim=dim)
        y.sum().backward()
        assert tuple(y.shape) == shape and tuple(x.grad.shape) == shape and y.dtype == m.float32


@pytest.mark.parametrize("call", ["F.hardtanh(x)", "F.hardtanh(x, -0.5, 3.0)", "m.nn.ReLU6()(x)", "F.relu6(x)",
                                  "m.nn.Hardtanh(0.0, 1.0)(x)"])
def test_hardtanh_gradient_is_zero_on_the_bounds_as_torch(call):
    grads = []
    for m in (fastnn, torch):
        x = m.tensor([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0, 7.0], requires_grad=True)
        y = eval(call, {"m": m, "F": m.nn.functional, "x": x})
        (y * m.arange(1.0, 10.0)).sum().backward()
        grads.append((y.detach().numpy(), x.grad.numpy()))
    np.testing.assert_array_equal(grads[0][0], grads[1][0])
    np.testing.assert_array_equal(grads[0][1], grads[1][1])


@pytest.mark.parametrize("call", ["F.softplus(x)", "F.softplus(x, beta=0.5, threshold=1.0)", "F.logsigmoid(x)",
                                  "F.logsigmoid(-x)", "F.elu(x)", "F.elu(x, alpha=0.5)", "F.softplus(x, beta=2.0)"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_softplus_logsigmoid_elu_keep_their_tails_as_torch(call, dtype):
    values = [-40.0, -30.0, -20.0, -5.0, -1e-6, -1e-8, 0.0, 1e-7, 0.5, 5.0, 19.0, 21.0, 30.0]
    out = []
    for m in (fastnn, torch):
        x = m.tensor(values, dtype=getattr(m, dtype), requires_grad=True)
        y = eval(call, {"F": m.nn.functional, "x": x})
        y.sum().backward()
        out.append((y.detach().numpy(), x.grad.numpy()))
    tol = 2e-6 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=tol, atol=0)
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=tol, atol=0)


@pytest.mark.parametrize("call", [
    "F.linear(m.ones(2, 3), w3)", "F.linear(m.ones(3), w3)", "F.linear(m.ones(2, 3), w23, m.tensor(1.5))",
    "F.linear(m.ones(2, 3), w23, m.ones(1) * 2)", "F.linear(m.ones(2, 3), w23, m.arange(2.).reshape(2, 1))",
    "F.linear(m.ones(2, 3), m.ones(4, 3, 2))", "F.linear(m.ones(2, 3), w23, m.ones(3))",
    "F.linear(m.ones(5, 2, 3), w3, m.ones(2))"])
def test_linear_with_other_weight_and_bias_shapes_as_torch(call):
    res = []
    for m in (fastnn, torch):
        w3 = m.tensor([1.0, -2.0, 0.5], requires_grad=True)
        w23 = m.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]], requires_grad=True)
        r = outcome(lambda: eval(call, {"m": m, "F": m.nn.functional, "w3": w3, "w23": w23}))
        if r[0] == "ok":
            r[1].sum().backward()
            r = ("ok", r[1].detach().numpy(), [None if w.grad is None else w.grad.numpy() for w in (w3, w23)])
        res.append(r)
    (fk, *f), (tk, *t) = res
    assert fk == tk
    if tk == "ok":
        np.testing.assert_array_equal(f[0], t[0])
        for a, b in zip(f[1], t[1]):
            assert (a is None) == (b is None) and (a is None or np.array_equal(a, b))
