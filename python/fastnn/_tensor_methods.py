"""Tensor methods and operators, bound to the functions in fastnn.ops (t.exp() is fastnn.exp(t))."""
import numbers

import numpy as np

from . import ops
from .autograd import engine as _engine
from .creation import float_dtype_for_draws
from .ops import inplace
from .ops._util import py_scalar, wrap_int
from .random import _gen, _rng
from .tensor import Tensor


_SAME_NAME = [
    "abs", "add", "sub", "mul", "div", "pow", "neg", "exp", "expm1", "log", "log1p", "sqrt", "rsqrt", "reciprocal",
    "sin", "cos", "square", "sign", "floor", "ceil", "round", "trunc", "fix", "frac", "floor_divide", "remainder",
    "fmod", "clamp", "maximum", "minimum",
    "eq", "ne", "lt", "le", "gt", "ge", "equal", "allclose", "isclose", "isnan", "isinf", "isfinite",
    "logical_not", "logical_and", "logical_or", "logical_xor", "bitwise_not",
    "sum", "mean", "prod", "var", "std", "norm", "max", "min", "amax", "amin", "argmax", "argmin", "topk", "sort",
    "argsort", "cumsum", "cumprod", "logsumexp", "median", "mode", "all", "any", "count_nonzero",
    "view", "view_as", "reshape", "reshape_as", "flatten", "unflatten", "squeeze", "unsqueeze", "permute",
    "transpose", "t", "expand", "expand_as", "repeat", "clone", "contiguous", "chunk", "unbind", "narrow",
    "flip", "movedim", "tril", "triu", "diag", "diagonal", "roll", "gather", "scatter", "scatter_add", "index_add",
    "index_select", "masked_fill", "nonzero", "argwhere", "matmul", "mm", "bmm", "dot", "mv", "outer",
    "relu", "sigmoid", "tanh", "softmax", "log_softmax",
    "tan", "asin", "acos", "atan", "sinh", "cosh", "log2", "log10", "exp2", "erf", "logit", "atan2", "hypot",
    "arcsin", "arccos", "arctan", "arctan2", "fmax", "fmin", "clamp_min", "clamp_max", "nan_to_num", "ger",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift",
    "unique", "bincount", "masked_select", "repeat_interleave", "moveaxis", "swapdims", "tile", "select",
    "tensor_split", "trace", "diff", "lerp", "addmm", "addmv", "baddbmm", "kron", "cross", "nansum", "nanmean",
    "quantile", "nanquantile", "histc", "aminmax",
    "kthvalue", "cummax", "cummin", "take", "take_along_dim", "rot90", "signbit", "sgn", "index_fill", "addcmul",
    "addcdiv", "ravel", "hsplit", "vsplit", "dsplit", "as_strided",
]
for _name in _SAME_NAME:  # a plain function set on the class is a method: no wrapper frame per call
    setattr(Tensor, _name, getattr(ops, _name))
Tensor.unfold = ops.shape.unfold  # a method only, as in torch
Tensor.clip = Tensor.clamp
Tensor.absolute = Tensor.abs
Tensor.multiply = Tensor.mul
Tensor.divide = Tensor.div
Tensor.subtract = Tensor.sub
Tensor.swapaxes = Tensor.transpose
Tensor.where = lambda self, condition, other: ops.where(condition, self, other)
Tensor.broadcast_to = Tensor.expand


def _split(self, split_size, dim=0):
    """Tensor.split calls its first argument split_size (torch.split: split_size_or_sections)."""
    return ops.split(self, split_size, dim)


Tensor.split = _split

# ---- operators ----
def _reflected(op):
    return lambda a, b: op(b, a)


# An operator whose operands keep their order is the op itself (no wrapper frame per call); a reflected one swaps.
for _name, _op in {"add": ops.add, "sub": ops.sub, "mul": ops.mul, "truediv": ops.div, "pow": ops.pow,
                   "matmul": ops.matmul, "and": ops.bitwise_and, "or": ops.bitwise_or, "xor": ops.bitwise_xor,
                   "floordiv": ops.floor_divide, "mod": ops.remainder, "lshift": ops.bitwise_left_shift,
                   "rshift": ops.bitwise_right_shift}.items():
    setattr(Tensor, f"__{_name}__", _op)
    setattr(Tensor, f"__r{_name}__", _reflected(_op))
_pw = ops.pointwise
for _name, _op in {"neg": ops.neg, "abs": ops.abs, "invert": ops.bitwise_not,
                   "eq": _pw.eq_operator, "ne": _pw.ne_operator, "lt": _pw.lt_operator, "le": _pw.le_operator,
                   "gt": _pw.gt_operator, "ge": _pw.ge_operator,
                   "getitem": ops.getitem, "setitem": ops.setitem}.items():
    setattr(Tensor, f"__{_name}__", _op)
Tensor.__pos__ = lambda a: a


def __contains__(self, element):
    """`element in t`: whether any element of t equals element (a number or a broadcastable tensor), as torch."""
    if isinstance(element, (Tensor, numbers.Number)):
        return bool(ops.eq(element, self)._data.any())
    raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a {type(element)}.")


Tensor.__contains__ = __contains__
Tensor.is_signed = lambda self: self.dtype.is_signed
Tensor.itemsize = property(lambda self: self._data.itemsize, doc="The size of one element in bytes.")
Tensor.nbytes = property(lambda self: self._data.size * self._data.itemsize,
                         doc="numel() * itemsize: the bytes of the elements (an expanded tensor counts each view).")
Tensor.is_complex = lambda self: False
if not hasattr(Tensor, "is_floating_point"):
    Tensor.is_floating_point = lambda self: self.dtype.is_floating_point


# ---- in-place ops ----
def _scalar(self, other):
    """A numpy scalar as a Python number; an int wrapped into an integer tensor's dtype (uint8 += 300), as torch."""
    if type(other) is int and self._data.dtype.kind in "iu":
        return wrap_int(other, self._data.dtype)
    return py_scalar(other)


def add_(self, other, *, alpha=1):
    return inplace.binary_inplace(self, _scalar(self, other * alpha if alpha != 1 else other), "add")


def sub_(self, other, *, alpha=1):
    return inplace.binary_inplace(self, _scalar(self, other * alpha if alpha != 1 else other), "sub")


def mul_(self, other):
    return inplace.binary_inplace(self, _scalar(self, other), "mul")


def div_(self, other, *, rounding_mode=None):
    if rounding_mode is not None:
        return inplace.rewrite(self, lambda s, o: ops.div(s, o, rounding_mode=rounding_mode), _scalar(self, other))
    return inplace.binary_inplace(self, _scalar(self, other), "div")


def _unary_inplace(name):
    def fn(self, *args, **kwargs):
        op = getattr(ops, name)
        return inplace.rewrite(self, lambda s, _: op(s, *args, **kwargs))
    fn.__name__ = name + "_"
    return fn


for _name in ["clamp", "neg", "exp", "log", "sqrt", "abs", "relu", "sigmoid", "tanh", "masked_fill",
              "floor", "ceil", "round", "trunc", "frac", "sign", "reciprocal", "square",
              "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "log2", "log10", "log1p", "exp2", "expm1",
              "rsqrt", "erf", "logit", "clamp_min", "clamp_max", "nan_to_num", "sgn"]:
    setattr(Tensor, _name + "_", _unary_inplace(_name))
Tensor.clip_ = Tensor.clamp_
Tensor.scatter_ = ops.indexing.scatter_
Tensor.scatter_add_ = ops.indexing.scatter_add_
Tensor.index_add_ = ops.indexing.index_add_
Tensor.index_fill_ = ops.indexing.index_fill_
Tensor.fix_ = Tensor.trunc_


def _binary_inplace(name):
    """self.op_(other) for ops without a numpy in-place fast path (pow_, remainder_, ...); the graph is recorded
    when either operand requires grad."""
    def fn(self, other):
        return inplace.rewrite(self, getattr(ops, name), other)
    fn.__name__ = name + "_"
    return fn


for _name in ["pow", "floor_divide", "remainder", "fmod", "bitwise_and", "bitwise_or", "bitwise_xor",
              "bitwise_left_shift", "bitwise_right_shift", "atan2", "hypot"]:
    setattr(Tensor, _name + "_", _binary_inplace(_name))


def _operands_inplace(name, shape_error):
    """self.op_(*operands) for ops of several tensors (lerp_, addmm_): the graph is recorded when self or an
    operand requires grad; a result of another shape than self raises shape_error, formatted with both shapes."""
    def fn(self, *args, **kwargs):
        op = getattr(ops, name)

        def compute(s, _):
            r = op(s, *args, **kwargs)
            if r._data.shape != s._data.shape:
                raise RuntimeError(shape_error.format(list(s.shape), list(r.shape)))
            return r
        grad_operand = next((a for a in args if isinstance(a, Tensor) and a.requires_grad), None)
        return inplace.rewrite(self, compute, grad_operand)
    fn.__name__ = name + "_"
    return fn


for _name in ["lerp", "addcmul", "addcdiv"]:
    setattr(Tensor, _name + "_", _operands_inplace(_name, "output with shape {} doesn't match the broadcast shape {}"))
for _name in ["addmm", "addmv", "baddbmm"]:
    setattr(Tensor, _name + "_", _operands_inplace(
        _name, "Bad in-place call: input tensor size {} and output tensor size {} should match"))
Tensor.arcsin_, Tensor.arccos_, Tensor.arctan_ = Tensor.asin_, Tensor.acos_, Tensor.atan_
Tensor.arctan2_ = Tensor.atan2_
for _name in ["squeeze_", "unsqueeze_", "t_", "transpose_"]:
    setattr(Tensor, _name, getattr(ops.shape, _name))


def _fill(self, arr_fn, overlap_ok=False, name="Fill", value=None):
    """arr_fn writes self's array; overlap_ok: a constant fill of an expanded tensor is fine (torch's fill_).
    On a tensor in a graph the fill is recorded: no gradient flows to the old values (nor to a random draw),
    a 0-d tensor `value` gets the summed gradient."""
    inplace.check_leaf(self)
    if not overlap_ok:
        inplace.check_overlap(self)
    if inplace.needs_graph(self, value):
        new = np.empty_like(self._data)
        arr_fn(new)
        src = value.to(self.dtype) if isinstance(value, Tensor) else Tensor._make(new)
        return inplace.overwrite(self, src, name)
    arr_fn(self._data)
    self._version[0] += 1
    return self


def zero_(self):
    return _fill(self, lambda a: a.fill(0), overlap_ok=True, name="Zero")


def fill_(self, value):
    v = value.item() if isinstance(value, Tensor) else value
    return _fill(self, lambda a: a.fill(v), overlap_ok=True, value=value if isinstance(value, Tensor) else None)


def _in_memory_order(a):
    """A view of a whose C order is its memory order: the order in which torch's kernels draw into a tensor."""
    return a.transpose(sorted(range(a.ndim), key=lambda d: -abs(a.strides[d])))


def _draw_into(self, draw):
    """Fill self with draw(n, contiguous) (n values, in memory order), as torch's random in-place ops."""
    def fill(a):
        view = _in_memory_order(a)
        np.copyto(view, draw(a.size, a.flags.c_contiguous).reshape(view.shape), casting="unsafe")
    return _fill(self, fill)


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    dt = float_dtype_for_draws(self.dtype, "normal_kernel_cpu")
    return _draw_into(self, lambda n, c: _gen(generator).normal((n,), mean, std, dt, c))


def uniform_(self, a=0.0, b=1.0, *, generator=None):
    dt = float_dtype_for_draws(self.dtype, "check_uniform_bounds")
    return _draw_into(self, lambda n, c: _gen(generator).uniform((n,), a, b, dt))


def random_(self, low=None, high=None, *, generator=None):
    """random_(from, to), random_(to) or random_() (see Generator.default_random), as torch draws them."""
    if low is None and high is None:
        return _draw_into(self, lambda n, c: _gen(generator).default_random(n, self._data.dtype))
    low, high = (0, low) if high is None else (low, high)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    return _draw_into(self, lambda n, c: _gen(generator).integers(low, high, (n,)))


def bernoulli_(self, p=0.5, *, generator=None):
    return _fill(self, lambda a: np.copyto(a, _rng(generator).random(a.shape) < p, casting="unsafe"))


def exponential_(self, lambd=1.0, *, generator=None):
    return _fill(self, lambda a: np.copyto(a, _rng(generator).exponential(1.0 / lambd, a.shape),
                                           casting="unsafe"))


def copy_(self, src, non_blocking=False):
    src = src if isinstance(src, Tensor) else Tensor._make(np.asarray(src))
    try:
        np.broadcast_shapes(src._data.shape, self._data.shape)
        if np.broadcast_shapes(src._data.shape, self._data.shape) != self._data.shape:
            raise ValueError
    except ValueError:
        raise RuntimeError(f"The size of tensor a ({list(self.shape)}) must match the size of tensor b "
                           f"({list(src.shape)})") from None
    if not inplace.needs_graph(self, src):
        inplace.check_leaf(self)
        inplace.check_overlap(self)
        np.copyto(self._data, src._data, casting="unsafe")
        self._version[0] += 1
        return self
    return inplace.overwrite(self, src.to(self.dtype), "Copy")


def resize_(self, *sizes):
    """Change the shape in place (same data when the element count is unchanged, as torch)."""
    from .ops.shape import _parse_shape
    shape = _parse_shape(sizes)
    if self.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    n = int(np.prod(shape)) if shape else 1
    flat = self._data.reshape(-1) if self._data.flags.c_contiguous else self._data.copy().reshape(-1)
    if n <= flat.size:
        self._data = flat[:n].reshape(shape)
    else:
        new = np.zeros(n, dtype=self._data.dtype)
        new[:flat.size] = flat
        self._data = new.reshape(shape)
    self._version[0] += 1
    return self


def resize_as_(self, other):
    return resize_(self, other.shape)


for _fn in [add_, sub_, mul_, div_, zero_, fill_, normal_, uniform_, random_, bernoulli_, exponential_, copy_,
            resize_, resize_as_]:
    setattr(Tensor, _fn.__name__, _fn)
Tensor.__iadd__ = lambda a, b: add_(a, b)
Tensor.__isub__ = lambda a, b: sub_(a, b)
Tensor.__imul__ = lambda a, b: mul_(a, b)
Tensor.__itruediv__ = lambda a, b: div_(a, b)
Tensor.__ifloordiv__ = Tensor.floor_divide_
Tensor.__imod__ = Tensor.remainder_
Tensor.__ipow__ = Tensor.pow_
Tensor.__iand__ = Tensor.bitwise_and_
Tensor.__ior__ = Tensor.bitwise_or_
Tensor.__ixor__ = Tensor.bitwise_xor_
Tensor.__ilshift__ = Tensor.bitwise_left_shift_
Tensor.__irshift__ = Tensor.bitwise_right_shift_


def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Compute and accumulate the gradients of this tensor w.r.t. the graph's leaves (torch.Tensor.backward)."""
    _engine.backward(self, gradient, retain_graph, create_graph, inputs)


Tensor.backward = backward
