"""fastnn.special: torch.special's functions, with gradients where torch has them.

The ones fastnn already has (erf, exp2, expm1, log1p, logit, round, sigmoid as expit, softmax, log_softmax,
logsumexp) are the same ops. The new ones compute in float64 and round to the input's dtype (integer inputs
give the default float dtype): erfc, erfinv, ndtr, ndtri, log_ndtr, entr, sinc, i0, xlogy and xlog1py. Where
this differs from torch it is more precise: ndtr is erfc(-x / sqrt 2) / 2, so its lower tail keeps its relative
precision (torch's loses it below x = -5), and float32 i0 overflows only where its float32 result does.
"""
import math

import numpy as np

from .autograd.function import Function
from .ops import erf, exp2, expm1, log1p, logit, logsumexp, round
from .ops import log_softmax as _log_softmax, sigmoid as expit, softmax as _softmax
from .ops._util import as_tensor_operand, sum_to
from .ops.pointwise import _check_broadcast, _erf, _finish, _float_operands, _float_unary, _unary_cls
from .tensor import Tensor

__all__ = ["entr", "erf", "erfc", "erfinv", "exp2", "expit", "expm1", "i0", "log1p", "log_ndtr", "log_softmax",
           "logit", "logsumexp", "ndtr", "ndtri", "round", "sinc", "softmax", "xlog1py", "xlogy"]

_SQRT2 = math.sqrt(2.0)
_SQRT_PI = math.sqrt(math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_erfc = np.vectorize(math.erfc, otypes=[np.float64])


def _ndtr(x):
    return 0.5 * _erfc(-x / _SQRT2)


def _erfinv_center(y):
    """erfinv for |y| <= 0.5: Halley's method on erf from the first-order guess (relative precision even for
    tiny y)."""
    x = y * (_SQRT_PI / 2)
    for _ in range(4):
        u = (_erf(x) - y) * (_SQRT_PI / 2) * np.exp(x * x)
        x = x - u / (1 + x * u)
    return x


def _ndtri_tail(q):
    """ndtri for 0 < q <= 0.25: Abramowitz & Stegun 26.2.23 (error < 4.5e-4), then Halley's method on ndtr,
    whose erfc keeps the relative precision of tiny q."""
    t = np.sqrt(-2 * np.log(q))
    x = (2.515517 + t * (0.802853 + t * 0.010328)) / (1 + t * (1.432788 + t * (0.189269 + t * 0.001308))) - t
    for _ in range(3):
        u = (_ndtr(x) - q) * _SQRT_2PI * np.exp(x * x / 2)
        x = x - u / (1 + x * u / 2)
    return x


def _ndtri(p):
    center = np.abs(p - 0.5) <= 0.25
    inner = _SQRT2 * _erfinv_center(np.where(center, 2 * p - 1, 0))  # 2p - 1 is exact here
    q = np.where(center, 0.25, np.where(p < 0.5, p, 1 - p))  # 1 - p is exact for p >= 0.5
    tail = _ndtri_tail(q)
    x = np.where(center, inner, np.where(p < 0.5, tail, -tail))
    return np.where(p == 0, -np.inf, np.where(p == 1, np.inf, x))


def _erfinv(y):
    a = np.abs(y)
    center = a <= 0.5
    inner = _erfinv_center(np.where(center, y, 0))
    tail = -_ndtri_tail(np.where(center, 0.25, (1 - a) / 2)) / _SQRT2  # erfc(tail) = 1 - |y|, exact here
    x = np.where(center, inner, np.copysign(tail, y))
    return np.where(a == 1, np.copysign(np.inf, y), x)


def _log_ndtr(x):
    """log(ndtr(x)): log1p(-ndtr(-x)) from -1 up (as torch), log(ndtr(x)) below, and below -30, where ndtr
    nears float64's underflow, the asymptotic series log(phi(x) / -x * (1 - 1/x^2 + 3/x^4 - ...))."""
    xa = np.where(x < -30, x, -30.0)
    inv2 = 1 / (xa * xa)
    term, series = np.ones_like(xa), np.ones_like(xa)
    for k in range(1, 9):
        term = -term * (2 * k - 1) * inv2
        series = series + term
    asymptotic = -xa * xa / 2 - np.log(-xa) - math.log(_SQRT_2PI) + np.log(series)
    return np.where(x < -30, asymptotic, np.where(x < -1, np.log(_ndtr(x)), np.log1p(-_ndtr(-x))))


def _i1(x):
    """The modified Bessel function I1 (i0's derivative) by its power series sum (x/2)^(2k+1) / (k! (k+1)!)."""
    finite = np.isfinite(x)
    h = np.where(finite, x, 0) / 2
    term, total, k = h, h, 0
    while np.any(np.abs(term) > 1e-17 * np.abs(total)):
        k += 1
        term = term * (h * h / (k * (k + 1)))
        total = total + term
    return np.where(finite, total, x)


def _sinc(x):
    px = np.pi * x
    return np.where(x == 0, 1.0, np.sin(px) / px)


def _sinc_grad(g, x, y):
    px = np.pi * x
    return np.where(x == 0, 0.0, g * (px * np.cos(px) - np.sin(px)) / (px * x))


def _entr(x):
    return np.where(np.isnan(x), x, np.where(x > 0, -x * np.log(x), np.where(x == 0, 0.0, -np.inf)))


def _op(name, node, f, grad, saves_output=False):
    """A float unary op whose f and grad(g, x, y) run in float64, rounded back to the input's dtype; node names
    its grad_fn as torch does."""
    def f64(a):
        return None if a is None else a.astype(np.float64)

    cls = _unary_cls(node, lambda x: f(f64(x)).astype(x.dtype, copy=False),
                     lambda g, x, y: grad(f64(g), f64(x), f64(y)).astype(g.dtype, copy=False), saves_output)

    def op(input, *, out=None):
        return _float_unary(cls, input, out)
    op.__name__ = op.__qualname__ = name
    return op


erfc = _op("erfc", "Erfc", _erfc, lambda g, x, y: g * (-2 / _SQRT_PI) * np.exp(-x * x))
erfinv = _op("erfinv", "Erfinv", _erfinv, lambda g, x, y: g * (_SQRT_PI / 2) * np.exp(y * y),
             saves_output=True)
ndtr = _op("ndtr", "SpecialNdtr", _ndtr, lambda g, x, y: g * np.exp(-x * x / 2) / _SQRT_2PI)
ndtri = _op("ndtri", "SpecialNdtri", _ndtri, lambda g, x, y: g * _SQRT_2PI * np.exp(y * y / 2),
            saves_output=True)
log_ndtr = _op("log_ndtr", "SpecialLogNdtr", _log_ndtr,
               lambda g, x, y: g * np.exp(-x * x / 2 - _log_ndtr(x)) / _SQRT_2PI)
entr = _op("entr", "SpecialEntr", _entr, lambda g, x, y: -g * (1 + np.log(x)))
sinc = _op("sinc", "Sinc", _sinc, _sinc_grad)
i0 = _op("i0", "I0", np.i0, lambda g, x, y: g * _i1(x))


class _XLogY(Function):
    """x * log(y), and 0 where x == 0 unless y is nan (torch's xlogy); torch's x gradient xlogy(g, y), 0 where
    x == 0 and y is outside log's domain."""

    _internal = True
    _node_name = "Xlogy"
    log = staticmethod(np.log)
    domain_start = 0  # log(y) needs y > 0

    @classmethod
    def _value(cls, x, y):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return np.where((x == 0) & ~np.isnan(y), 0, x * cls.log(y)).astype(y.dtype, copy=False)

    @classmethod
    def forward(cls, ctx, x, y):
        ctx.save_for_backward(x, y)
        return cls._value(x._data, y._data)

    @classmethod
    def backward(cls, ctx, g):
        x, y = ctx.saved_tensors
        nx, ny = ctx.needs_input_grad
        xv, yv = x._data, y._data
        gx = gy = None
        if nx:
            gx = sum_to(np.where((xv == 0) & (yv <= cls.domain_start), 0, cls._value(g, yv)), xv.shape)
        if ny:
            with np.errstate(divide="ignore", invalid="ignore"):
                gy = sum_to(g * xv / (yv - cls.domain_start), yv.shape)
        return gx, gy


class _XLog1pY(_XLogY):
    """x * log1p(y), and 0 where x == 0 unless y is nan (torch's xlog1py)."""

    _node_name = "SpecialXlog1Py"
    log = staticmethod(np.log1p)
    domain_start = -1


def _xlog(cls, name, input, other, out):
    """Tensor or number operands (not two numbers), promoted as torch does, integers to the default float."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{name}() received an invalid combination of arguments - got ({type(input).__name__}, "
                        f"{type(other).__name__}), but expected a Tensor for input or other")
    a, b = _float_operands(as_tensor_operand(input), as_tensor_operand(other))
    _check_broadcast(a, b)
    return _finish(cls.apply(a, b), out)


def xlogy(input, other, *, out=None):
    """input * log(other), 0 where input is 0 (unless other is nan)."""
    return _xlog(_XLogY, "xlogy", input, other, out)


def xlog1py(input, other, *, out=None):
    """input * log1p(other), 0 where input is 0 (unless other is nan)."""
    return _xlog(_XLog1pY, "xlog1py", input, other, out)


def softmax(input, dim, *, dtype=None):
    return _softmax(input, dim, dtype)


def log_softmax(input, dim, *, dtype=None):
    return _log_softmax(input, dim, dtype)
