"""Element-wise math with broadcasting and autograd: arithmetic, unary functions, comparisons, clamp, where."""
import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..tensor import Tensor
from ._util import as_tensor_operand, broadcast_shapes, float_dtype_for, result_dtype, sum_to, value


# ---------------------------------------------------------------- dtype casts
class ToDtype(Function):
    _internal = True

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
    dt = result_dtype(a, b)
    if isinstance(a, Tensor) and a.dtype is not dt:
        a = to_dtype(a, dt)
    if isinstance(b, Tensor) and b.dtype is not dt:
        b = to_dtype(b, dt)
    return a, b


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
        return np.subtract(value(a), value(b))

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
        out = np.power(value(a), value(b))
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
        if na:
            if bt is None and bv == 2:
                ga = g * (2 * av)
            else:
                ga = g * bv * np.power(av, bv - 1)
            ga = sum_to(ga, ctx.sa)
        if nb:
            with np.errstate(divide="ignore", invalid="ignore"):
                logs = np.where(av > 0, np.log(np.where(av > 0, av, 1)), np.where(av == 0, 0, np.nan))
            gb = sum_to(g * ctx.saved_output * logs, ctx.sb)
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
            return cls.apply(a, b)
    a = as_tensor_operand(a)
    b = as_tensor_operand(b)
    a, b = _cast_operands(a, b)
    _check_broadcast(a, b)
    return cls.apply(a, b)


def add(input, other, *, alpha=1, out=None):
    if alpha != 1:
        other = mul(other, alpha)
    return _finish(_binary(Add, input, other), out)


def sub(input, other, *, alpha=1, out=None):
    if alpha != 1:
        other = mul(other, alpha)
    return _finish(_binary(Sub, input, other), out)


def mul(input, other, *, out=None):
    return _finish(_binary(Mul, input, other), out)


def div(input, other, *, rounding_mode=None, out=None):
    if rounding_mode is not None:
        a, b = _cast_operands(as_tensor_operand(input), as_tensor_operand(other))
        fn = np.floor_divide if rounding_mode == "floor" else (lambda x, y: np.trunc(np.true_divide(x, y)))
        if rounding_mode not in ("floor", "trunc"):
            raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                             f"'{rounding_mode}'")
        r = np.asarray(fn(value(a), value(b)))
        dt = a.dtype if isinstance(a, Tensor) else b.dtype
        return _finish(Tensor._make(r.astype(dt.numpy, copy=False)), out)
    a, b = as_tensor_operand(input), as_tensor_operand(other)
    dt = result_dtype(a, b)
    if not dt.is_floating_point:  # true division of integers gives the default float type, as torch
        fdt = _dt.get_default_dtype()
        a = to_dtype(a, fdt) if isinstance(a, Tensor) else a
        b = to_dtype(b, fdt) if isinstance(b, Tensor) else b
    return _finish(_binary(Div, a, b), out)


def pow(input, exponent, *, out=None):
    if not isinstance(input, Tensor):
        input = _scalar_tensor(input, exponent)
    return _finish(_binary(Pow, input, exponent), out)


def _scalar_tensor(x, like):
    from ..creation import tensor
    dt = like.dtype if isinstance(like, Tensor) and like.dtype.is_floating_point else None
    return tensor(x, dtype=dt)


def maximum(input, other):
    a, b = _cast_operands(input, other)
    _check_broadcast(a, b)
    return Maximum.apply(a, b)


def minimum(input, other):
    a, b = _cast_operands(input, other)
    _check_broadcast(a, b)
    return Minimum.apply(a, b)


def rsub(input, other, alpha=1):
    return sub(other, input, alpha=alpha)


def _finish(result, out):
    if out is None:
        return result
    out.copy_(result)
    return out


# ---------------------------------------------------------------- unary functions
class _Unary(Function):
    """y = f(x); subclasses define f and df(x, y) (the local derivative)."""

    _internal = True
    saves_output = False

    @classmethod
    def forward(cls, ctx, x):
        y = cls.f(x._data)
        if cls.saves_output:
            ctx.save_output(y)
        else:
            ctx.save_for_backward(x)
        return y

    @classmethod
    def backward(cls, ctx, g):
        if cls.saves_output:
            return cls.grad(g, None, ctx.saved_output)
        (x,) = ctx.saved_tensors
        return cls.grad(g, x._data, None)


def _unary_cls(name, f, grad, saves_output=False):
    return type(name, (_Unary,), {"f": staticmethod(f), "grad": staticmethod(grad), "saves_output": saves_output})


def _sign(x):
    return np.sign(x)


Neg = _unary_cls("Neg", np.negative, lambda g, x, y: -g)
Abs = _unary_cls("Abs", np.abs, lambda g, x, y: g * np.sign(x))
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


def square(x, *, out=None):
    return _finish(Square.apply(x), out)


def sign(x):
    return Tensor._make(np.sign(x._data))


def floor(x):
    return Tensor._make(np.floor(x._data))


def ceil(x):
    return Tensor._make(np.ceil(x._data))


def round(x, *, decimals=0):
    return Tensor._make(np.round(x._data, decimals))


# ---------------------------------------------------------------- clamp / where
class Clamp(Function):
    _internal = True

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


def clamp(input, min=None, max=None, *, out=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        r = input
        if min is not None:
            r = maximum(r, min if isinstance(min, Tensor) else _scalar_tensor(min, input))
        if max is not None:
            r = minimum(r, max if isinstance(max, Tensor) else _scalar_tensor(max, input))
        return _finish(r, out)
    if input.dtype.is_floating_point is False and (isinstance(min, float) or isinstance(max, float)):
        input = to_dtype(input, _dt.get_default_dtype())
    return _finish(Clamp.apply(input, min, max), out)


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
    return bool(np.allclose(value(a), value(b), rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(a, b, rtol=1e-5, atol=1e-8, equal_nan=False):
    return Tensor._make(np.isclose(value(a), value(b), rtol=rtol, atol=atol, equal_nan=equal_nan))


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
    for x in (a, b):
        if isinstance(x, Tensor) and x.dtype.is_floating_point:
            raise RuntimeError(f"\"{npfn.__name__}_cpu\" not implemented for '{x.dtype.name.capitalize()}'")
    return _compare(npfn, a, b)


def bitwise_and(a, b):
    return _bitwise(np.bitwise_and, a, b)


def bitwise_or(a, b):
    return _bitwise(np.bitwise_or, a, b)


def bitwise_xor(a, b):
    return _bitwise(np.bitwise_xor, a, b)


def bitwise_not(x):
    if x.dtype.is_floating_point:
        raise TypeError("~ (bitwise_not) is only supported for integer and bool tensors")
    return Tensor._make(np.invert(x._data))

