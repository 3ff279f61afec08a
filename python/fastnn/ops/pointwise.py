"""Element-wise math with broadcasting and autograd: arithmetic, unary functions, comparisons, clamp, where."""
import math

import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..backend.cpu import erf as _erf
from ..tensor import Tensor
from ._util import (as_tensor_operand, broadcast_shapes, float_dtype_for, named, promote_dtypes, py_scalar,
                    result_dtype, scalar_category, sum_to, value, wrap_int)


# ---------------------------------------------------------------- dtype casts
class ToDtype(Function):
    _internal = True
    _node_name = "ToCopy"

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.src = x._data.dtype
        return x._data.astype(dtype.numpy)

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.src), None


def to_dtype(x, dtype):
    if x.dtype is dtype:
        return x
    return ToDtype.apply(x, dtype)


def _cast_operands(a, b):
    """Both operands in their result dtype; a Python int wraps into an integer dtype (uint8 + 300), as torch."""
    dt = result_dtype(a, b)
    if isinstance(a, Tensor):
        if a.dtype is not dt:
            a = to_dtype(a, dt)
    elif type(a) is int and dt._category == 1:
        a = wrap_int(a, dt.numpy)
    if isinstance(b, Tensor):
        if b.dtype is not dt:
            b = to_dtype(b, dt)
    elif type(b) is int and dt._category == 1:
        b = wrap_int(b, dt.numpy)
    return a, b


def _float_operands(a, b):
    """Two operands (tensors or numbers) as tensors of their result dtype, an integer one the default float type:
    what atan2 and xlogy compute in, as torch."""
    from ..creation import tensor
    dt = result_dtype(a, b)
    if not dt.is_floating_point:
        dt = _dt.get_default_dtype()
    return [(t if t.dtype is dt else to_dtype(t, dt)) if isinstance(t, Tensor) else tensor(t, dtype=dt) for t in (a, b)]


def _check_broadcast(a, b):
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._data.shape != b._data.shape:
        broadcast_shapes(a._data.shape, b._data.shape)


# ---------------------------------------------------------------- binary arithmetic
class Add(Function):
    _internal = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.sa = a._data.shape if isinstance(a, Tensor) else None
        ctx.sb = b._data.shape if isinstance(b, Tensor) else None
        return np.add(value(a), value(b))

    @staticmethod
    def backward(ctx, g):
        na, nb = ctx.needs_input_grad
        return (sum_to(g, ctx.sa) if na else None), (sum_to(g, ctx.sb) if nb else None)


class Sub(Function):
    _internal = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.sa = a._data.shape if isinstance(a, Tensor) else None
        ctx.sb = b._data.shape if isinstance(b, Tensor) else None
        try:
            return np.subtract(value(a), value(b))
        except TypeError:  # two bool tensors of _binary's fast path
            _check_bool_sub(a, b)
            raise

    @staticmethod
    def backward(ctx, g):
        na, nb = ctx.needs_input_grad
        return (sum_to(g, ctx.sa) if na else None), (sum_to(-g, ctx.sb) if nb else None)


class Mul(Function):
    _internal = True

    @staticmethod
    def forward(ctx, a, b):
        na, nb = ctx.needs_input_grad
        ctx.save_for_backward(b if na and isinstance(b, Tensor) else None,
                              a if nb and isinstance(a, Tensor) else None)
        ctx.a_scalar = None if isinstance(a, Tensor) else a
        ctx.b_scalar = None if isinstance(b, Tensor) else b
        ctx.sa = a._data.shape if isinstance(a, Tensor) else None
        ctx.sb = b._data.shape if isinstance(b, Tensor) else None
        return np.multiply(value(a), value(b))

    @staticmethod
    def backward(ctx, g):
        bt, at = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = gb = None
        if na:
            ga = sum_to(g * (bt._data if bt is not None else ctx.b_scalar), ctx.sa)
        if nb:
            gb = sum_to(g * (at._data if at is not None else ctx.a_scalar), ctx.sb)
        return ga, gb


class Div(Function):
    _internal = True

    @staticmethod
    def forward(ctx, a, b):
        na, nb = ctx.needs_input_grad
        ctx.save_for_backward(a if nb and isinstance(a, Tensor) else None, b if isinstance(b, Tensor) else None)
        ctx.a_scalar = None if isinstance(a, Tensor) else a
        ctx.b_scalar = None if isinstance(b, Tensor) else b
        ctx.sa = a._data.shape if isinstance(a, Tensor) else None
        ctx.sb = b._data.shape if isinstance(b, Tensor) else None
        return np.true_divide(value(a), value(b))

    @staticmethod
    def backward(ctx, g):
        at, bt = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        bv = bt._data if bt is not None else ctx.b_scalar
        ga = sum_to(g / bv, ctx.sa) if na else None
        gb = None
        if nb:
            av = at._data if at is not None else ctx.a_scalar
            gb = sum_to(-g * av / (bv * bv), ctx.sb)
        return ga, gb


class Pow(Function):
    _internal = True

    @staticmethod
    def forward(ctx, a, b):
        av, bv = a._data, value(b)
        out = np.power(av, bv) if av.dtype.kind == "f" or not isinstance(b, Tensor) else _int_pow(av, bv)
        ctx.save_for_backward(a if isinstance(a, Tensor) else None, b if isinstance(b, Tensor) else None)
        ctx.save_output(out)
        ctx.a_scalar = None if isinstance(a, Tensor) else a
        ctx.b_scalar = None if isinstance(b, Tensor) else b
        ctx.sa = a._data.shape if isinstance(a, Tensor) else None
        ctx.sb = b._data.shape if isinstance(b, Tensor) else None
        return out

    @staticmethod
    def backward(ctx, g):
        at, bt = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        av = at._data if at is not None else ctx.a_scalar
        bv = bt._data if bt is not None else ctx.b_scalar
        ga = gb = None
        # torch's pow_backward: a zero exponent has a zero gradient (not 0 * 0**-1 = nan), and the exponent's
        # gradient is zero where the base is 0 and the exponent >= 0 (not 0 * log(0) = nan)
        if na:
            if bt is None:
                ga = g * (2 * av) if bv == 2 else g * bv * np.power(av, bv - 1) if bv != 0 else np.zeros_like(g)
            else:
                with np.errstate(divide="ignore", invalid="ignore"):
                    ga = np.where(bv == 0, 0, g * bv * np.power(av, bv - 1))
            ga = sum_to(ga, ctx.sa)
        if nb:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = np.where((av == 0) & (bv >= 0), 0, g * ctx.saved_output * np.log(av))
            gb = sum_to(gb, ctx.sb)
        return ga, gb


class _Extremum(Function):
    """Element-wise maximum / minimum; a tie sends half the gradient to each input, as torch."""

    _internal = True

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.save_for_backward(a, b)
        return cls.pick(a._data, b._data)

    @classmethod
    def backward(cls, ctx, g):
        a, b = ctx.saved_tensors
        av, bv = a._data, b._data
        wa = (cls.pick(av, bv) == av) - 0.5 * (av == bv)
        return (sum_to(g * wa, av.shape).astype(av.dtype, copy=False),
                sum_to(g * (1 - wa), bv.shape).astype(bv.dtype, copy=False))


class Maximum(_Extremum):
    pick = staticmethod(np.maximum)


class Minimum(_Extremum):
    pick = staticmethod(np.minimum)


def _binary(cls, a, b):
    if isinstance(a, Tensor):
        ad = a._data
        if isinstance(b, Tensor):
            bd = b._data
            if ad.dtype == bd.dtype:  # the common case: no promotion
                if ad.shape != bd.shape:
                    broadcast_shapes(ad.shape, bd.shape)
                return cls.apply(a, b)
        elif type(b) is float and ad.dtype.kind == "f" or type(b) is int and ad.dtype.kind in "fi":
            try:
                return cls.apply(a, b)
            except OverflowError:  # an int out of the dtype's range: wrapped below
                pass
    a = as_tensor_operand(a)
    b = as_tensor_operand(b)
    if cls is Sub:
        _check_bool_sub(a, b)
    a, b = _cast_operands(a, b)
    _check_broadcast(a, b)
    return cls.apply(a, b)


def _times_alpha(input, other, alpha):
    """other * alpha for add / sub, as torch: a floating alpha needs a floating result, and beside two bool
    operands alpha counts as a bool."""
    dt = result_dtype(as_tensor_operand(input), as_tensor_operand(other))
    if not dt.is_floating_point:
        if isinstance(alpha, float):
            raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
        if dt is _dt.bool_:
            alpha = bool(alpha)
    return mul(other, alpha)


def add(input, other, *, alpha=1, out=None):
    if alpha != 1:
        other = _times_alpha(input, other, alpha)
    return _finish(_binary(Add, input, other), out)


def _is_bool(x):
    return type(x) is bool or isinstance(x, Tensor) and x._data.dtype.kind == "b"


def _check_bool_sub(a, b):
    """torch refuses a - b with a bool operand (before promotion turns it into an integer)."""
    ba, bb = _is_bool(a), _is_bool(b)
    if ba and bb:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                           "`logical_xor()` operator instead.")
    if ba or bb:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
                           "to invert a mask, use the `~` or `logical_not()` operator instead.")


def sub(input, other, *, alpha=1, out=None):
    if alpha != 1:
        other = _times_alpha(input, other, alpha)
    return _finish(_binary(Sub, input, other), out)


def mul(input, other, *, out=None):
    return _finish(_binary(Mul, input, other), out)


def div(input, other, *, rounding_mode=None, out=None):
    if rounding_mode is not None:
        if rounding_mode not in ("floor", "trunc"):
            raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                               f"'{rounding_mode}'")
        a, b = _int_division_operands(input, other, "div_" + rounding_mode)
        return _finish(RoundedDiv.apply(a, b, rounding_mode), out)
    a, b = as_tensor_operand(input), as_tensor_operand(other)
    dt = result_dtype(a, b)
    if not dt.is_floating_point:  # true division of integers gives the default float type, as torch
        fdt = _dt.get_default_dtype()
        a = to_dtype(a, fdt) if isinstance(a, Tensor) else a
        b = to_dtype(b, fdt) if isinstance(b, Tensor) else b
    return _finish(_binary(Div, a, b), out)


def pow(input, exponent, *, out=None):
    if not isinstance(input, Tensor):
        input = _scalar_tensor(py_scalar(input), exponent)
    if input._data.dtype.kind == "b" and _is_bool(exponent):  # torch: bool ** bool scalar stays bool
        if isinstance(exponent, Tensor):
            raise NotImplementedError("\"pow\" not implemented for 'Bool'")
        return _finish(Tensor._make(input._data.copy() if exponent else np.ones_like(input._data)), out)
    if input._data.dtype.kind in "iu" and isinstance(exponent, (int, np.integer)):
        _check_int_exponent(input._data.dtype, int(exponent))
    return _finish(_binary(Pow, input, exponent), out)


_C_TYPE_NAMES = {"int32": "int"}  # c10's names in its overflow message; the others are <name>_t


def _overflow_error(np_dtype):
    name = _C_TYPE_NAMES.get(np_dtype.name, np_dtype.name + "_t")
    return RuntimeError(f"value cannot be converted to type {name} without overflow")


def _check_int_exponent(np_dtype, e):
    if e < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    if e > np.iinfo(np_dtype).max:
        raise _overflow_error(np_dtype)


def _int_scalar(v, np_dtype):
    """A Python int converted to an integer dtype as torch converts a scalar argument (c10's checked_convert):
    out of range raises, and a negative value of an unsigned dtype within its width wraps (-1 -> 255)."""
    if not -2 ** 63 <= v < 2 ** 64:
        raise OverflowError("int too big to convert")
    info = np.iinfo(np_dtype)
    unsigned = info.min == 0
    if not (-info.max if unsigned else info.min) <= v <= info.max:
        raise _overflow_error(np_dtype)
    return v % (info.max + 1) if unsigned else v


def _int_pow(a, b):
    """torch's integer power: a negative exponent gives 0, or +-1 for a base of +-1 (numpy raises)."""
    neg = b < 0
    if not neg.any():
        return np.power(a, b)
    out = np.power(a, np.where(neg, 0, b))
    return np.where(neg, np.where(a == 1, 1, np.where(a == -1, 1 - 2 * (b & 1), 0)), out).astype(out.dtype)


def _scalar_tensor(x, like):
    """A Python number as a 0-d tensor of the dtype it takes beside `like` (2 ** int32 tensor is int32)."""
    from ..creation import tensor
    return tensor(x, dtype=result_dtype(x, like) if isinstance(like, Tensor) else None)


def _check_tensors(name, input, other, names=("input", "other")):
    """torch's TypeError for a binary op that takes two tensors only (maximum(t, 3)); `names` as torch calls
    the two arguments."""
    for i, (arg, x) in enumerate(zip(names, (input, other))):
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' (position {i + 1}) must be Tensor, not {type(x).__name__}")


def _tensor_pair(cls, name, input, other, out):
    """maximum / minimum / fmax / fmin: two tensors (torch's TypeError otherwise), promoted and broadcast."""
    if not isinstance(other, Tensor) or not isinstance(input, Tensor):
        _check_tensors(name, input, other)
    a, b = _cast_operands(input, other)
    _check_broadcast(a, b)
    return _finish(cls.apply(a, b), out)


def maximum(input, other, *, out=None):
    return _tensor_pair(Maximum, "maximum", input, other, out)


def minimum(input, other, *, out=None):
    return _tensor_pair(Minimum, "minimum", input, other, out)


class _FExtremum(_Extremum):
    """fmax / fmin: a NaN loses to a number; the gradient goes to input where it is picked (ties included), as
    torch's fmax_backward."""

    @classmethod
    def backward(cls, ctx, g):
        a, b = ctx.saved_tensors
        av, bv = a._data, b._data
        wa = cls.cmp(av, bv) | np.isnan(bv)
        return (sum_to(np.where(wa, g, 0).astype(g.dtype, copy=False), av.shape),
                sum_to(np.where(wa, 0, g).astype(g.dtype, copy=False), bv.shape))


class Fmax(_FExtremum):
    pick = staticmethod(np.fmax)
    cmp = staticmethod(np.greater_equal)


class Fmin(_FExtremum):
    pick = staticmethod(np.fmin)
    cmp = staticmethod(np.less_equal)


def fmax(input, other, *, out=None):
    return _tensor_pair(Fmax, "fmax", input, other, out)


def fmin(input, other, *, out=None):
    return _tensor_pair(Fmin, "fmin", input, other, out)


def outer(input, vec2, *, out=None):
    """The outer product of two 1-D tensors, with type promotion (int x float -> float), as torch."""
    _check_tensors("outer", input, vec2)
    for name, v in (("self", input), ("vec2", vec2)):
        if v._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {v._data.ndim}-D")
    from .shape import reshape
    return _finish(mul(reshape(input, (-1, 1)), reshape(vec2, (1, -1))), out)


ger = outer


_CPP_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
                   "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
                   "bool": "bool"}


def cpp_type_name(d):
    """The C++ name torch's messages give some dtypes in ('float', 'long int'), where others say 'Float'."""
    return _CPP_TYPE_NAMES[d.name]


def lerp_arrays(a, b, w):
    """a + w * (b - a), computed from b where w >= 0.5 as torch does, so that w = 1 gives b exactly."""
    d = b - a
    return np.where(w < 0.5, a + w * d, b - d * (1 - w))


class Lerp(Function):
    _internal = True

    @staticmethod
    def forward(ctx, a, b, w):
        ctx.save_for_backward(a, b, w if isinstance(w, Tensor) else None)
        ctx.w = value(w)
        return lerp_arrays(a._data, b._data, ctx.w)

    @staticmethod
    def backward(ctx, g):
        a, b, w = ctx.saved_tensors
        na, nb, nw = ctx.needs_input_grad
        av, bv, wv = a._data, b._data, ctx.w
        return (sum_to(g * (1 - wv), av.shape) if na else None, sum_to(g * wv, bv.shape) if nb else None,
                sum_to(g * (bv - av), w._data.shape) if nw else None)


def lerp(input, end, weight, *, out=None):
    """input + weight * (end - input) for a tensor or number weight; input, end and a tensor weight share one
    floating dtype (torch does not promote them) and broadcast together."""
    _check_tensors("lerp", input, end, ("input", "end"))
    if not isinstance(weight, Tensor):
        weight = py_scalar(weight)
        scalar_category(weight)  # TypeError for anything but a number
    for arg, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t.dtype is not input.dtype:
            raise RuntimeError(f"expected dtype {cpp_type_name(input.dtype)} for `{arg}` but got dtype "
                               f"{cpp_type_name(t.dtype)}")
    if not input.dtype.is_floating_point:
        kernel = "tensor" if isinstance(weight, Tensor) else "scalar"
        raise NotImplementedError(f"\"lerp_kernel_{kernel}\" not implemented for '{_dt.torch_name(input.dtype)}'")
    shape = broadcast_shapes(input._data.shape, end._data.shape)
    if isinstance(weight, Tensor):
        broadcast_shapes(shape, weight._data.shape)
    return _finish(Lerp.apply(input, end, weight), out)


def rsub(input, other, alpha=1):
    return sub(other, input, alpha=alpha)


# ---------------------------------------------------------------- rounded division and remainders
def _rounded_div(a, b, mode):
    """a / b rounded down ('floor') or toward zero ('trunc'); integers exactly, without a float detour."""
    q = np.floor_divide(a, b)
    if mode == "floor":
        return q
    if q.dtype.kind == "f":
        return np.trunc(np.true_divide(a, b))
    return q + ((np.remainder(a, b) != 0) & ((a < 0) != (b < 0)))


class RoundedDiv(Function):
    """div(..., rounding_mode=...): piecewise constant, so zero gradients, as torch."""

    _internal = True
    _node_name = "Div"

    @staticmethod
    def forward(ctx, a, b, mode):
        ctx.sa = a._data.shape if isinstance(a, Tensor) else None
        ctx.sb = b._data.shape if isinstance(b, Tensor) else None
        with np.errstate(divide="ignore", invalid="ignore"):
            return _rounded_div(value(a), value(b), mode)

    @staticmethod
    def backward(ctx, g):
        na, nb, _ = ctx.needs_input_grad
        return (np.zeros(ctx.sa, g.dtype) if na else None), (np.zeros(ctx.sb, g.dtype) if nb else None), None


class _Mod(Function):
    """remainder (sign of the divisor) and fmod (sign of the dividend): d/da = 1, d/db = -q(a / b), q rounding
    the quotient down (remainder) or toward zero (fmod)."""

    _internal = True

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.sa = a._data.shape
        ctx.sb = b._data.shape if isinstance(b, Tensor) else None
        if ctx.needs_input_grad[1]:
            ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            return cls.f(a._data, value(b))

    @classmethod
    def backward(cls, ctx, g):
        na, nb = ctx.needs_input_grad
        gb = None
        if nb:
            a, b = ctx.saved_tensors
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = sum_to(-g * _rounded_div(a._data, b._data, cls.mode), ctx.sb)
        return (sum_to(g, ctx.sa) if na else None), gb


class Remainder(_Mod):
    f = staticmethod(np.remainder)
    mode = "floor"


class Fmod(_Mod):
    f = staticmethod(np.fmod)
    mode = "trunc"


class NoDerivative(Function):
    """The result of an op torch has no derivative for (floor_divide, remainder(Scalar, Tensor)): it requires grad,
    and backward raises, as torch's NotImplemented node does."""

    _internal = True
    _node_name = "NotImplemented"

    @staticmethod
    def forward(ctx, out, op, *inputs):
        ctx.op = op
        return out

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError(f"derivative for aten::{ctx.op} is not implemented")


def _int_division_operands(input, other, kernel):
    """The operands of a rounded division or remainder, in their result dtype; an integer zero divisor raises
    torch's RuntimeError, a bool one its NotImplementedError."""
    a, b = _cast_operands(as_tensor_operand(input), as_tensor_operand(other))
    _check_broadcast(a, b)
    t = a if isinstance(a, Tensor) else b
    if not isinstance(t, Tensor):
        raise TypeError(f"{kernel}() expects a Tensor operand, got two numbers")
    kind = t._data.dtype.kind
    if kind == "b":
        raise NotImplementedError(f"\"{kernel}_cpu\" not implemented for 'Bool'")
    if kind in "iu" and not np.all(value(b)):
        raise RuntimeError("ZeroDivisionError")
    return a, b


def floor_divide(input, other, *, out=None):
    """input // other (torch.floor_divide: no derivative; div(..., rounding_mode='floor') has a zero one)."""
    a, b = _int_division_operands(input, other, "div_floor")
    with np.errstate(divide="ignore", invalid="ignore"):
        r = _rounded_div(value(a), value(b), "floor")
    return _finish(NoDerivative.apply(r, "floor_divide", a, b), out)


def remainder(input, other, *, out=None):
    """The remainder with the sign of the divisor (Python's %)."""
    a, b = _int_division_operands(input, other, "remainder")
    if isinstance(a, Tensor):
        return _finish(Remainder.apply(a, b), out)
    with np.errstate(divide="ignore", invalid="ignore"):  # remainder(Scalar, Tensor): torch has no derivative
        return _finish(NoDerivative.apply(np.remainder(a, b._data), "remainder", b), out)


def fmod(input, other, *, out=None):
    """The remainder with the sign of the dividend (C's fmod)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"fmod(): argument 'input' must be Tensor, not {type(input).__name__}")
    a, b = _int_division_operands(input, other, "fmod")
    return _finish(Fmod.apply(a, b), out)


def _finish(result, out):
    if out is None:
        return result
    out.copy_(result)
    return out


# ---------------------------------------------------------------- unary functions
class _Unary(Function):
    """y = f(x); subclasses define f and df(x, y) (the local derivative). Out-of-domain inputs give inf or nan
    without numpy's RuntimeWarning, as torch's ops do."""

    _internal = True
    saves_output = False

    @classmethod
    def forward(cls, ctx, x):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            y = cls.f(x._data)
        if cls.saves_output:
            ctx.save_output(y)
        else:
            ctx.save_for_backward(x)
        return y

    @classmethod
    def backward(cls, ctx, g):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if cls.saves_output:
                return cls.grad(g, None, ctx.saved_output)
            (x,) = ctx.saved_tensors
            return cls.grad(g, x._data, None)


def _unary_cls(name, f, grad, saves_output=False):
    return type(name, (_Unary,), {"f": staticmethod(f), "grad": staticmethod(grad), "saves_output": saves_output})


def _sign(x):
    """torch.sign: 0 for nan, where np.sign keeps nan."""
    if x.dtype.kind != "f":
        return np.sign(x)
    return np.where(np.isnan(x), x.dtype.type(0), np.sign(x))


Neg = _unary_cls("Neg", np.negative, lambda g, x, y: -g)
Abs = _unary_cls("Abs", np.abs, lambda g, x, y: g * _sign(x))
Exp = _unary_cls("Exp", np.exp, lambda g, x, y: g * y, saves_output=True)
Log = _unary_cls("Log", np.log, lambda g, x, y: g / x)
Log1p = _unary_cls("Log1p", np.log1p, lambda g, x, y: g / (1 + x))
Expm1 = _unary_cls("Expm1", np.expm1, lambda g, x, y: g * (y + 1), saves_output=True)
Sqrt = _unary_cls("Sqrt", np.sqrt, lambda g, x, y: g / (2 * y), saves_output=True)
Rsqrt = _unary_cls("Rsqrt", lambda x: 1 / np.sqrt(x), lambda g, x, y: -0.5 * g * y * y * y, saves_output=True)
Reciprocal = _unary_cls("Reciprocal", np.reciprocal, lambda g, x, y: -g * y * y, saves_output=True)
Sin = _unary_cls("Sin", np.sin, lambda g, x, y: g * np.cos(x))
Cos = _unary_cls("Cos", np.cos, lambda g, x, y: -g * np.sin(x))
Square = _unary_cls("Square", np.square, lambda g, x, y: g * 2 * x)
Tan = _unary_cls("Tan", np.tan, lambda g, x, y: g * (1 + y * y), saves_output=True)
Asin = _unary_cls("Asin", np.arcsin, lambda g, x, y: g / np.sqrt(1 - x * x))
Acos = _unary_cls("Acos", np.arccos, lambda g, x, y: -g / np.sqrt(1 - x * x))
Atan = _unary_cls("Atan", np.arctan, lambda g, x, y: g / (1 + x * x))
Sinh = _unary_cls("Sinh", np.sinh, lambda g, x, y: g * np.cosh(x))
Cosh = _unary_cls("Cosh", np.cosh, lambda g, x, y: g * np.sinh(x))
Log2 = _unary_cls("Log2", np.log2, lambda g, x, y: g / (x * math.log(2.0)))
Log10 = _unary_cls("Log10", np.log10, lambda g, x, y: g / (x * math.log(10.0)))
Exp2 = _unary_cls("Exp2", np.exp2, lambda g, x, y: g * y * math.log(2.0), saves_output=True)


Erf = _unary_cls("Erf", _erf, lambda g, x, y: g * (2 / math.sqrt(math.pi)) * np.exp(-x * x))


def _float_unary(cls, x, out=None):
    if not isinstance(x, Tensor):
        raise TypeError(f"expected a Tensor, got {type(x).__name__}")
    if not x.dtype.is_floating_point:
        x = to_dtype(x, float_dtype_for(x))
    return _finish(cls.apply(x), out)


def neg(x, *, out=None):
    if x.dtype is _dt.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")
    return _finish(Neg.apply(x), out)


def abs(x, *, out=None):
    return _finish(Abs.apply(x), out)


def _float_op(cls):
    """The function form of a float-valued unary op (integer inputs are promoted to the default float type)."""
    def op(x, *, out=None):
        return _float_unary(cls, x, out)
    op.__name__ = op.__qualname__ = cls.__name__.lower()
    return op


exp, log, log1p, expm1, sqrt, rsqrt, reciprocal, sin, cos = (
    _float_op(c) for c in (Exp, Log, Log1p, Expm1, Sqrt, Rsqrt, Reciprocal, Sin, Cos))
tan, asin, acos, atan, sinh, cosh, log2, log10, exp2, erf = (
    _float_op(c) for c in (Tan, Asin, Acos, Atan, Sinh, Cosh, Log2, Log10, Exp2, Erf))
arcsin, arccos, arctan = asin, acos, atan


class Logit(Function):
    """log(x / (1 - x)), x clamped to [eps, 1 - eps] when eps is given (zero gradient outside, as torch)."""

    _internal = True

    @staticmethod
    def forward(ctx, x, eps):
        ctx.save_for_backward(x)
        ctx.eps = eps
        xv = x._data if eps is None else np.clip(x._data, eps, 1 - eps)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(xv / (1 - xv))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        xv, eps = x._data, ctx.eps
        with np.errstate(divide="ignore", invalid="ignore"):
            gx = g / (xv * (1 - xv))
            if eps is not None:
                gx = np.where((xv < eps) | (xv > 1 - eps), 0, gx)
        return gx.astype(xv.dtype, copy=False), None


def logit(input, eps=None, *, out=None):
    if not input.dtype.is_floating_point:
        input = to_dtype(input, float_dtype_for(input))
    return _finish(Logit.apply(input, eps), out)


class Atan2(Function):
    _internal = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.arctan2(a._data, b._data)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        av, bv = a._data, b._data
        na, nb = ctx.needs_input_grad
        d = av * av + bv * bv
        return (sum_to(g * bv / d, av.shape) if na else None), (sum_to(-g * av / d, bv.shape) if nb else None)


class Hypot(Function):
    _internal = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        out = np.hypot(a._data, b._data)
        ctx.save_output(out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        y = ctx.saved_output
        na, nb = ctx.needs_input_grad
        return (sum_to(g * a._data / y, a._data.shape) if na else None), (
            sum_to(g * b._data / y, b._data.shape) if nb else None)


def atan2(input, other, *, out=None):
    """The angle of (other, input); integer inputs give the default float type, as torch."""
    _check_tensors("atan2", input, other)
    a, b = _float_operands(input, other)
    _check_broadcast(a, b)
    return _finish(Atan2.apply(a, b), out)


arctan2 = atan2


def hypot(input, other, *, out=None):
    _check_tensors("hypot", input, other)
    a, b = _cast_operands(input, other)
    if not a.dtype.is_floating_point:
        raise NotImplementedError(f"\"hypot_cpu\" not implemented for '{_dt.torch_name(a.dtype)}'")
    _check_broadcast(a, b)
    return _finish(Hypot.apply(a, b), out)


def square(x, *, out=None):
    if x._data.dtype.kind == "b":  # torch's square is pow(x, 2): int64 for bool
        return pow(x, 2, out=out)
    return _finish(Square.apply(x), out)


class _Piecewise(Function):
    """floor, ceil, round, trunc, sign: in the graph with a zero gradient, as torch; frac: gradient 1."""

    _internal = True
    slope = 0

    @classmethod
    def forward(cls, ctx, x, *args):
        return cls.f(x._data, *args)

    @classmethod
    def backward(cls, ctx, g):
        return (g if cls.slope else np.zeros_like(g),) + (None,) * (len(ctx.needs_input_grad) - 1)


def _piecewise_cls(name, f, slope=0):
    return type(name, (_Piecewise,), {"f": staticmethod(f), "slope": slope})


Sign = _piecewise_cls("Sign", _sign)
Floor = _piecewise_cls("Floor", np.floor)
Ceil = _piecewise_cls("Ceil", np.ceil)
Trunc = _piecewise_cls("Trunc", np.trunc)
Round = _piecewise_cls("Round", np.round)
Frac = _piecewise_cls("Frac", lambda x: x - np.trunc(x), slope=1)


def _integral(x, name):
    """Rounding an integer tensor is a copy; torch has no bool kernel."""
    if x._data.dtype.kind == "b":
        raise NotImplementedError(f"\"{name}_vml_cpu\" not implemented for 'Bool'")
    return Tensor._make(x._data.copy())


def sign(x, *, out=None):
    if x._data.dtype.kind == "b":
        return _finish(Tensor._make(x._data.copy()), out)
    return _finish(Sign.apply(x), out)


def floor(x, *, out=None):
    return _finish(Floor.apply(x) if x._data.dtype.kind == "f" else _integral(x, "floor"), out)


def ceil(x, *, out=None):
    return _finish(Ceil.apply(x) if x._data.dtype.kind == "f" else _integral(x, "ceil"), out)


def trunc(x, *, out=None):
    return _finish(Trunc.apply(x) if x._data.dtype.kind == "f" else _integral(x, "trunc"), out)


def round(x, *, decimals=0, out=None):
    if x._data.dtype.kind == "f":
        return _finish(Round.apply(x, decimals) if decimals else Round.apply(x), out)
    if decimals:
        raise NotImplementedError(f"\"round_cpu\" not implemented for '{_dt.torch_name(x.dtype)}'")
    return _finish(_integral(x, "round"), out)


def frac(x, *, out=None):
    if x._data.dtype.kind != "f":
        raise NotImplementedError(f"\"frac_cpu\" not implemented for '{_dt.torch_name(x.dtype)}'")
    return _finish(Frac.apply(x), out)


# ---------------------------------------------------------------- clamp / where
class Clamp(Function):
    _internal = True
    _node_version = 1  # torch's ClampBackward1: clamp with number bounds

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return np.clip(x._data, lo, hi)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        xv = x._data
        mask = np.ones(xv.shape, dtype=bool)
        if ctx.lo is not None:
            mask &= xv >= ctx.lo
        if ctx.hi is not None:
            mask &= xv <= ctx.hi
        return g * mask, None, None


_PLAIN = {int, float, type(None)}


def clamp(input, min=None, max=None, *, out=None):
    if type(min) not in _PLAIN or type(max) not in _PLAIN:
        min, max = py_scalar(min), py_scalar(max)
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        x, lo, hi = input, min, max
        if lo is not None:
            x, lo = _cast_operands(x, lo if isinstance(lo, Tensor) else _scalar_tensor(lo, input))
            _check_broadcast(x, lo)
        if hi is not None:
            x, hi = _cast_operands(x, hi if isinstance(hi, Tensor) else _scalar_tensor(hi, input))
            _check_broadcast(x, hi)
            if lo is not None and lo.dtype is not x.dtype:
                lo = to_dtype(lo, x.dtype)
        return _finish(ClampTensors.apply(x, lo, hi), out)
    if input.dtype.is_floating_point is False and (isinstance(min, float) or isinstance(max, float)):
        input = to_dtype(input, _dt.get_default_dtype())
    elif input._data.dtype.kind in "iu":
        min, max = (b if b is None or type(b) is bool else _int_scalar(b, input._data.dtype) for b in (min, max))
    return _finish(Clamp.apply(input, min, max), out)


class ClampTensors(Function):
    """clamp with tensor bounds (either may be None), torch's gradients on ties: input gets it where
    lo <= input <= hi, lo where lo > input and lo < hi, hi where hi < input or hi < lo (hi wins when the bounds
    cross, as the result is hi there)."""

    _internal = True
    _node_name = "Clamp"

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x, lo, hi)
        out = x._data
        if lo is not None:
            out = np.maximum(out, lo._data)
        if hi is not None:
            out = np.minimum(out, hi._data)
        return np.asarray(out)

    @staticmethod
    def backward(ctx, g):
        x, lo, hi = ctx.saved_tensors
        a, l, h = x._data, None if lo is None else lo._data, None if hi is None else hi._data
        nx, nl, nh = ctx.needs_input_grad
        gx = gl = gh = None
        if nx:
            inside = True
            if l is not None:
                inside = inside & (a >= l)
            if h is not None:
                inside = inside & (a <= h)
            gx = sum_to(np.where(inside, g, 0), a.shape)
        if nl:
            below = l > a if h is None else (l > a) & (l < h)
            gl = sum_to(np.where(below, g, 0), l.shape)
        if nh:
            above = h < a if l is None else (h < a) | (h < l)
            gh = sum_to(np.where(above, g, 0), h.shape)
        return gx, gl, gh


class Where(Function):
    _internal = True

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.cond = cond._data
        ctx.sa = a._data.shape if isinstance(a, Tensor) else None
        ctx.sb = b._data.shape if isinstance(b, Tensor) else None
        return np.where(cond._data, value(a), value(b))

    @staticmethod
    def backward(ctx, g):
        _, na, nb = ctx.needs_input_grad
        c = ctx.cond
        ga = sum_to(np.where(c, g, 0).astype(g.dtype, copy=False), ctx.sa) if na else None
        gb = sum_to(np.where(c, 0, g).astype(g.dtype, copy=False), ctx.sb) if nb else None
        return None, ga, gb


def where(condition, input=None, other=None):
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    if condition.dtype is not _dt.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{condition.dtype.name.capitalize()}")
    a, b = as_tensor_operand(input), as_tensor_operand(other)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):  # where(c, 1.0, 0.0): the scalars' dtype
        a = _scalar_tensor(a, None).to(result_dtype(a, b))
    a, b = _cast_operands(a, b)
    return Where.apply(condition, a, b)


# ---------------------------------------------------------------- comparisons and logic (no gradient)
def _compare(npfn, a, b):
    a, b = as_tensor_operand(a), as_tensor_operand(b)
    _check_broadcast(a, b)
    return Tensor._make(np.asarray(npfn(value(a), value(b))))


def eq(a, b):
    return _compare(np.equal, a, b)


def ne(a, b):
    return _compare(np.not_equal, a, b)


def lt(a, b):
    return _compare(np.less, a, b)


def le(a, b):
    return _compare(np.less_equal, a, b)


def gt(a, b):
    return _compare(np.greater, a, b)


def ge(a, b):
    return _compare(np.greater_equal, a, b)


def equal(a, b):
    """True when both tensors have the same shape and elements."""
    return a._data.shape == b._data.shape and bool(np.array_equal(a._data, b._data))


def allclose(a, b, rtol=1e-5, atol=1e-8, equal_nan=False):
    return bool(isclose(a, b, rtol, atol, equal_nan)._data.all())


def isclose(a, b, rtol=1e-5, atol=1e-8, equal_nan=False):
    """|a - b| <= atol + rtol * |b| elementwise; a and b tensors of one dtype and broadcastable shapes, as torch."""
    _check_tensors("isclose", a, b)
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"{_dt.torch_name(a.dtype)} did not match {_dt.torch_name(b.dtype)}")
    _check_broadcast(a, b)
    for name, tol in (("rtol", rtol), ("atol", atol)):
        if tol < 0:
            raise RuntimeError(f"{name} must be greater than or equal to zero, but got {tol}")
    return Tensor._make(isclose_arrays(a._data, b._data, rtol, atol, equal_nan))


def isclose_arrays(a, b, rtol, atol, equal_nan):
    """torch.isclose on two arrays of one dtype: exactly equal, or a finite |a - b| <= atol + rtol * |b| with
    integers and bools measured in the default float dtype. So two large int64 values that differ are unequal with
    zero tolerances but can be close with any other (np.isclose rounds them before the equality test too)."""
    close = a == b
    if a.dtype.kind == "f" and equal_nan:
        close |= np.isnan(a) & np.isnan(b)
    if rtol == 0 and atol == 0:
        return close
    f = a.dtype if a.dtype.kind == "f" else _dt.get_default_dtype().numpy
    with np.errstate(invalid="ignore", over="ignore"):
        error = np.abs(a.astype(f) - b.astype(f))
        allowed = atol + np.abs(rtol * b.astype(f))
        return close | np.isfinite(error) & (error <= allowed)


def isnan(x):
    return Tensor._make(np.isnan(x._data))


def isinf(x):
    return Tensor._make(np.isinf(x._data))


def isfinite(x):
    return Tensor._make(np.isfinite(x._data))


def logical_not(x):
    return Tensor._make(np.logical_not(x._data))


def logical_and(a, b):
    return _compare(np.logical_and, a, b)


def logical_or(a, b):
    return _compare(np.logical_or, a, b)


def logical_xor(a, b):
    return _compare(np.logical_xor, a, b)


def _bitwise(npfn, a, b):
    a, b = as_tensor_operand(a), as_tensor_operand(b)
    dt = result_dtype(a, b)
    if dt.is_floating_point:
        raise NotImplementedError(f"\"{npfn.__name__}_cpu\" not implemented for '{_dt.torch_name(dt)}'")
    return _compare(npfn, *_cast_operands(a, b))


def bitwise_and(a, b):
    return _bitwise(np.bitwise_and, a, b)


def bitwise_or(a, b):
    return _bitwise(np.bitwise_or, a, b)


def bitwise_xor(a, b):
    return _bitwise(np.bitwise_xor, a, b)


def bitwise_not(x):
    if x.dtype.is_floating_point:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return Tensor._make(np.invert(x._data))



def _shift(a, b, left):
    """torch's << and >> on integers: a shift by a negative amount or by the width or more gives 0 (<<) or the
    sign fill (>>), not C's undefined behaviour."""
    a, b = as_tensor_operand(a), as_tensor_operand(b)
    dt = result_dtype(a, b)
    if dt._category != 1:
        raise NotImplementedError(f"\"{'l' if left else 'r'}shift_cpu\" not implemented for '{_dt.torch_name(dt)}'")
    a, b = _cast_operands(a, b)
    _check_broadcast(a, b)
    npdt = dt.numpy
    av, bv = np.asarray(value(a), npdt), np.asarray(value(b), npdt)
    bad = (bv < 0) | (bv >= 8 * npdt.itemsize)
    s = np.where(bad, 0, bv).astype(npdt, copy=False)
    if left:
        r = np.where(bad, 0, np.left_shift(av, s))
    else:
        r = np.where(bad, np.where(av < 0, -1, 0), np.right_shift(av, s))
    return Tensor._make(np.asarray(r).astype(npdt, copy=False))


def bitwise_left_shift(input, other, *, out=None):
    return _finish(_shift(input, other, True), out)


def bitwise_right_shift(input, other, *, out=None):
    return _finish(_shift(input, other, False), out)


def _compare_operator(npfn):
    """t == x as torch's operator: an operand torch.eq refuses (None, a list, a string) gives NotImplemented, so
    Python falls back to identity (t == None is False, t != None True) or raises TypeError (t < None)."""
    def op(a, b):
        if not isinstance(b, _OPERAND_TYPES):
            return NotImplemented
        return _compare(npfn, a, b)
    op.__name__ = op.__qualname__ = npfn.__name__
    return op


_OPERAND_TYPES = (Tensor, int, float, np.number, np.bool_, np.ndarray)  # bool is an int
eq_operator, ne_operator, lt_operator, le_operator, gt_operator, ge_operator = (
    _compare_operator(f) for f in (np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal))


def clamp_min(input, min, *, out=None):
    return clamp(input, min=min, out=out)


def clamp_max(input, max, *, out=None):
    return clamp(input, max=max, out=out)


class NanToNum(Function):
    _internal = True

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.finite = np.isfinite(x._data)
        return np.nan_to_num(x._data, copy=True, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, g):
        return np.where(ctx.finite, g, 0).astype(g.dtype, copy=False), None, None, None


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """NaN, +inf and -inf replaced (by default with 0 and the dtype's largest and smallest finite values)."""
    if not input.dtype.is_floating_point:
        return _finish(Tensor._make(input._data.copy()), out)
    return _finish(NanToNum.apply(input, nan, posinf, neginf), out)


# ---------------------------------------------------------------- sign bits, addcmul / addcdiv, isin, promotion
def signbit(input, *, out=None):
    """True where the sign bit is set: negative numbers, -0.0 and -nan (never for unsigned or bool tensors)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"signbit(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    a = input._data
    r = np.signbit(a) if a.dtype.kind == "f" else a < 0 if a.dtype.kind == "i" else np.zeros(a.shape, np.bool_)
    return _finish(Tensor._make(np.asarray(r)), out)


def sgn(input, *, out=None):
    """sign(input) for real tensors (torch's sgn is x / |x| for complex ones, which fastnn lacks); zero gradient."""
    return _finish(named(sign(input), "Sgn"), out)


def _operands_dtype(*tensors):
    """torch's result dtype of several tensors: that of the dimensioned ones, unless the 0-d ones are of a higher
    category (bool < integer < floating), which then take part in the promotion."""
    dims = [t.dtype for t in tensors if t._data.ndim]
    zeros = [t.dtype for t in tensors if not t._data.ndim]
    dt = zt = None
    for d in dims:
        dt = d if dt is None else promote_dtypes(dt, d)
    for d in zeros:
        zt = d if zt is None else promote_dtypes(zt, d)
    if dt is None or zt is None:
        return dt or zt
    return promote_dtypes(dt, zt) if zt._category > dt._category else dt


_ADDC_DIV_INT_ERROR = (
    "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform a true "
    "division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as (input + value * "
    "torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) "
    "for float inputs. The future addcdiv behavior is just the latter implementation: (input + value * tensor1 / "
    "tensor2), for all dtypes.")


def _addc(name, input, tensor1, tensor2, value, out):
    """input + value * tensor1 (* or /) tensor2, the three tensors promoted together and broadcast; value is
    converted to the result dtype (truncated for integers, as torch)."""
    for i, (arg, t) in enumerate((("input", input), ("tensor1", tensor1), ("tensor2", tensor2))):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' (position {i + 1}) must be Tensor, not {type(t).__name__}")
    value = py_scalar(value)
    if not isinstance(value, (bool, int, float)):
        raise TypeError(f"{name}(): argument 'value' must be Number, not {type(value).__name__}")
    if name == "addcdiv" and not (tensor1.dtype.is_floating_point or tensor2.dtype.is_floating_point):
        raise RuntimeError(_ADDC_DIV_INT_ERROR)
    dt = _operands_dtype(input, tensor1, tensor2)
    if dt is _dt.bool_:
        raise NotImplementedError(f"\"{name}_cpu_out\" not implemented for 'Bool'")
    broadcast_shapes(broadcast_shapes(input._data.shape, tensor1._data.shape), tensor2._data.shape)
    input, tensor1, tensor2 = (to_dtype(t, dt) for t in (input, tensor1, tensor2))
    value = float(value) if dt.is_floating_point else int(value)
    scaled = tensor1 if value == 1 else mul(tensor1, value)
    r = add(input, mul(scaled, tensor2) if name == "addcmul" else div(scaled, tensor2))
    return _finish(named(r, name.capitalize()), out)


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 * tensor2 (torch's default value 1)."""
    return _addc("addcmul", input, tensor1, tensor2, value, out)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 / tensor2; torch refuses two integer (or bool) tensor1 and tensor2."""
    return _addc("addcdiv", input, tensor1, tensor2, value, out)


def _isin_operand(x, arg):
    if isinstance(x, Tensor):
        if x.dtype is _dt.bool_:
            raise RuntimeError("Unsupported input type encountered for isin(): Bool")
        return x
    x = py_scalar(x)
    if not isinstance(x, (bool, int, float)):
        raise TypeError(f"isin(): argument '{arg}' must be Tensor or Number, not {type(x).__name__}")
    if isinstance(x, bool):
        raise RuntimeError("Unsupported input type encountered for isin(): Bool")
    return x


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each element of `elements` is in `test_elements` (tensors or numbers, not both numbers), compared
    in their promoted dtype (an integer number wraps into an integer tensor's dtype, as torch); NaN is never in.
    torch refuses bool operands. assume_unique only speeds torch up."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError(f"isin() received an invalid combination of arguments - got ({type(elements).__name__}, "
                        f"{type(test_elements).__name__}), but expected a Tensor for elements or test_elements")
    a, b = _cast_operands(_isin_operand(elements, "elements"), _isin_operand(test_elements, "test_elements"))
    dt = result_dtype(a, b).numpy
    return Tensor._make(np.asarray(np.isin(np.asarray(value(a), dt), np.asarray(value(b), dt), invert=invert)))


def promote_types(type1, type2):
    """The dtype torch promotes two dtypes to (a Python type stands for its dtype: float is float64)."""
    dts = []
    for i, t in enumerate((type1, type2)):
        if not isinstance(t, _dt.dtype) and t not in (bool, int, float):
            raise TypeError(f"promote_types(): argument 'type{i + 1}' (position {i + 1}) must be torch.dtype, not "
                            f"{type(t).__name__}")
        dts.append(_dt.to_dtype(t))
    return promote_dtypes(*dts)


def result_type(tensor1, tensor2):
    """The dtype an arithmetic op gives for two operands, tensors or Python numbers (a dimensioned tensor outranks
    a 0-d one of its category, which outranks a number)."""
    ops = []
    for x in (tensor1, tensor2):
        if not isinstance(x, Tensor):
            x = py_scalar(x)
            if not isinstance(x, (bool, int, float)):
                raise TypeError(f"result_type() received an invalid combination of arguments - got "
                                f"({type(tensor1).__name__}, {type(tensor2).__name__}), but expected Tensors or "
                                "Numbers")
        ops.append(x)
    return result_dtype(*ops)
