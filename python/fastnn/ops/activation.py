"""Activations with autograd: relu, sigmoid, tanh, softmax, log_softmax on fastnn's C++ kernels for float32, and
the numpy-computed ones of nn.functional (gelu, mish, hardswish, hardsigmoid, threshold, celu/selu, the shrinks)."""
import math
import warnings

import numpy as np

from ..autograd.function import Function
from ..backend import cpu as K
from ..tensor import Tensor
from ._util import c_contiguous, float_dtype_for, wrap_dim
from .pointwise import _erf


class _Activation(Function):
    """y = f(x) on a C++ kernel; the backward kernel takes the forward output y (relu, sigmoid, tanh)."""

    _internal = True

    @classmethod
    def forward(cls, ctx, x):
        y = cls.kernel(c_contiguous(x._data))
        ctx.save_output(y)
        return y

    @classmethod
    def backward(cls, ctx, g):
        return cls.kernel_backward(c_contiguous(g), ctx.saved_output)


def _activation(name):
    return type(name, (_Activation,), {"kernel": staticmethod(getattr(K, name.lower())),
                                      "kernel_backward": staticmethod(getattr(K, name.lower() + "_backward"))})


Relu = _activation("Relu")
Sigmoid = _activation("Sigmoid")
Tanh = _activation("Tanh")


def _to_float(x):
    if not x.dtype.is_floating_point:
        from .pointwise import to_dtype
        return to_dtype(x, float_dtype_for(x))
    return x


def relu(input):
    if not input.dtype.is_floating_point:
        return Tensor._make(np.maximum(input._data, 0))
    return Relu.apply(input)


def sigmoid(input):
    return Sigmoid.apply(_to_float(input))


def tanh(input):
    return Tanh.apply(_to_float(input))


def _rows(arr, dim):
    """View/copy arr as 2-D (rows, size along dim) C-contiguous, and a function restoring the layout."""
    nd = arr.ndim
    if nd == 2 and dim == 1 and arr.flags.c_contiguous:
        return arr, _as_is  # (N, C) over C, the classifier's case: no reshape either way
    if nd == 0:
        return arr.reshape(1, 1), lambda r: r.reshape(())
    if dim == nd - 1:
        shape = arr.shape
        return c_contiguous(arr).reshape(math.prod(shape[:-1]), shape[-1]), lambda r: r.reshape(shape)
    moved = np.moveaxis(arr, dim, -1)
    mshape = moved.shape  # (rows given explicitly: -1 is ambiguous when dim has size 0)
    return np.ascontiguousarray(moved).reshape(math.prod(mshape[:-1]), mshape[-1]), \
        lambda r: np.moveaxis(r.reshape(mshape), -1, dim)


def _as_is(r):
    return r


class _RowSoftmax(Function):
    _internal = True
    log = False

    @classmethod
    def forward(cls, ctx, x, dim):
        x2, restore = _rows(x._data, dim)
        y2 = K.log_softmax(x2) if cls.log else K.softmax(x2)
        ctx.save_output(y2)
        ctx.dim = dim
        return restore(y2)

    @classmethod
    def backward(cls, ctx, g):
        g2, restore = _rows(g, ctx.dim)
        fn = K.log_softmax_backward if cls.log else K.softmax_backward
        return restore(fn(g2, ctx.saved_output)), None


class Softmax(_RowSoftmax):
    log = False


class LogSoftmax(_RowSoftmax):
    log = True


def _softmax_dim(ndim, dim, name):
    if dim is None:
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
                      "dim=X as an argument.", stacklevel=3)
        dim = 0 if ndim in (0, 1, 3) else 1
    return wrap_dim(dim, ndim)


def softmax(input, dim=None, dtype=None, _stacklevel=3):
    if dtype is not None:
        input = input.to(dtype)
    return Softmax.apply(_to_float(input), _softmax_dim(input._data.ndim, dim, "softmax"))


def log_softmax(input, dim=None, dtype=None, _stacklevel=3):
    if dtype is not None:
        input = input.to(dtype)
    return LogSoftmax.apply(_to_float(input), _softmax_dim(input._data.ndim, dim, "log_softmax"))


# ---------------------------------------------------------------- numpy-computed activations
class _Elementwise(Function):
    """y = f(x, *params), params Python numbers; backward is g * df(x, *params), with x saved (version-checked).
    Subclasses give f and df as staticmethods on arrays, computing in x's dtype (as torch: float32 stays float32).
    Each mirrors torch's kernel at the kinks (which side a point exactly on one belongs to)."""

    _internal = True

    @classmethod
    def forward(cls, ctx, x, *params):
        ctx.save_for_backward(x)
        ctx.params = params
        with np.errstate(over="ignore"):  # exp of a large input in the branch np.where discards
            return cls.f(x._data, *params)

    @classmethod
    def backward(cls, ctx, g):
        (x,) = ctx.saved_tensors
        with np.errstate(over="ignore"):
            return (g * cls.df(x._data, *ctx.params),) + (None,) * len(ctx.params)


def _elementwise(name, f, df):
    return type(name, (_Elementwise,), {"f": staticmethod(f), "df": staticmethod(df)})


def _tanh_softplus(x):
    return np.tanh(np.logaddexp(0, x))


def _mish_grad(x):
    t = _tanh_softplus(x)
    return t + x / (1 + np.exp(-x)) * (1 - t * t)


def _inside(x, lambd):
    return (x >= -lambd) & (x <= lambd)


Mish = _elementwise("Mish", lambda x: x * _tanh_softplus(x), _mish_grad)
Hardswish = _elementwise("Hardswish", lambda x: x * np.clip(x + 3, 0, 6) / 6,
                         lambda x: np.where(x <= -3, 0, np.where(x < 3, x / 3 + 0.5, 1)))
# torch's backward uses its float literal 1.0f / 6.0f for every dtype (float64 too)
_SIXTH = float(np.float32(1 / 6))
Hardsigmoid = _elementwise("Hardsigmoid", lambda x: np.clip(x + 3, 0, 6) / 6,
                           lambda x: ((x > -3) & (x < 3)) * x.dtype.type(_SIXTH))
# threshold and value are cast to x's dtype first, as torch does (an integer input truncates them)
Threshold = _elementwise("Threshold", lambda x, t, v: np.where(x > x.dtype.type(t), x, x.dtype.type(v)),
                         lambda x, t, v: x > x.dtype.type(t))


def _elu(x, alpha, scale, input_scale):
    """torch's elu kernel, which celu and selu call: scale * (x if x > 0 else alpha * (exp(x * input_scale) - 1))."""
    return np.where(x > 0, x * scale, np.expm1(x * input_scale) * (alpha * scale))


def _elu_grad(x, alpha, scale, input_scale):
    return np.where(x > 0, scale, np.exp(x * input_scale) * (input_scale * alpha * scale))


Elu = _elementwise("Elu", _elu, _elu_grad)
# clamp with torch's gradient: 1 strictly between the bounds, 0 on them (clamp's passes on them)
Hardtanh = _elementwise("Hardtanh", lambda x, lo, hi: np.clip(x, lo, hi), lambda x, lo, hi: (x > lo) & (x < hi))


def _softplus_grad(x, beta, threshold):
    return np.where(x * beta > threshold, 1, 1 / (1 + np.exp(-x * beta)))  # sigmoid(beta x): torch's z / (z + 1)


# log(1 + exp(beta x)) / beta by log1p, exact far into the negative tail; x itself above the threshold
Softplus = _elementwise("Softplus", lambda x, beta, threshold: np.where(
    x * beta > threshold, x, np.log1p(np.exp(x * beta)) / beta), _softplus_grad)


def _log_sigmoid_grad(x):
    """torch's kernel: 1 - sigmoid(x), from exp(-|x|) so that neither tail overflows (0.5 at 0)."""
    z = np.exp(-np.abs(x))
    return np.where(x < 0, 1 - z / (1 + z), z / (1 + z))


LogSigmoid = _elementwise("LogSigmoid", lambda x: np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x))), _log_sigmoid_grad)
# torch's celu backward takes input_scale = 1 / alpha with alpha rounded to float (1.0 / alpha.toFloat())
Celu = _elementwise("Celu", _elu, lambda x, alpha, scale, input_scale: _elu_grad(
    x, alpha, scale, 1 / float(np.float32(alpha))))
Softshrink = _elementwise("Softshrink", lambda x, lambd: np.where(x > lambd, x - lambd, np.where(
                              x < -lambd, x + lambd, 0)), lambda x, lambd: ~_inside(x, lambd))
Hardshrink = _elementwise("Hardshrink", lambda x, lambd: np.where(_inside(x, lambd), 0, x),
                          lambda x, lambd: ~_inside(x, lambd))

_SQRT1_2 = math.sqrt(0.5)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_KAPPA = 0.044715


class Gelu(Function):
    """x * Phi(x) (Phi the normal CDF, through the erf kernel), or torch's tanh approximation of it. Forward keeps
    Phi (or the tanh) for backward."""

    _internal = True

    @staticmethod
    def forward(ctx, x, approximate):
        ctx.save_for_backward(x)
        ctx.tanh = approximate == "tanh"
        a = x._data
        if ctx.tanh:
            ctx.t = np.tanh(_SQRT_2_OVER_PI * (a + _KAPPA * a * a * a))
            return 0.5 * a * (1 + ctx.t)
        ctx.cdf = 0.5 * (1 + _erf(a * _SQRT1_2))
        return a * ctx.cdf

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        a = x._data
        if ctx.tanh:
            t = ctx.t
            return g * (0.5 * (1 + t) + 0.5 * a * (1 - t * t) * _SQRT_2_OVER_PI * (1 + 3 * _KAPPA * a * a)), None
        return g * (ctx.cdf + a * _INV_SQRT_2PI * np.exp(-0.5 * a * a)), None
