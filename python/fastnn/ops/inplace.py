"""In-place ops (add_, mul_, clamp_, index assignment, ...) and their autograd rules, as torch's:

- a leaf that requires grad cannot be modified in place while grad mode is on (under no_grad it can);
- a modified tensor's version counter moves, so a backward that needs its old value raises;
- a non-leaf (or a plain tensor mixed with one that requires grad) takes the op's node as its new grad_fn;
- written into a view, the op rebases the view's base instead (autograd/views.py: torch's CopySlices).
"""
import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode, views
from ..autograd.function import Function
from ..tensor import Tensor
from ._util import named, sum_to


def needs_graph(x, other=None):
    if not grad_mode.state.enabled:
        return False
    return x.requires_grad or (isinstance(other, Tensor) and other.requires_grad)


def check_leaf(x):
    if grad_mode.state.enabled and x.requires_grad and x.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")


def apply_inplace(x, compute):
    """Run compute(src) (an out-of-place op recording the graph) on a snapshot of x, write its result into x,
    rebase x's history. The snapshot (torch's original_self) keeps x's old values for a backward that needs
    them, so a chain like h.mul_(3); h.clamp_(max=2) does not trip the version check."""
    check_leaf(x)
    if x._base is not None:
        views.check_view_writable(x)
    src = Tensor._make(x._data.copy(), x.requires_grad)
    src.grad_fn, src._output_nr = x.grad_fn, x._output_nr
    result = compute(src)
    if x._base is not None:
        return views.write_into_view(x, result, write)
    write(x, result._data)
    if result.requires_grad:
        x.grad_fn = result.grad_fn
        x._output_nr = result._output_nr
        x.requires_grad = True
    return x


def rewrite(x, compute, other=None):
    """x.op_(other) as x = compute(x, other) written into x's storage, where compute is the out-of-place op
    (other stands for x itself when it is x); the graph is recorded (apply_inplace) when either requires grad."""
    if not needs_graph(x, other):
        check_leaf(x)
        write(x, compute(x, other)._data)
        return x
    return apply_inplace(x, lambda s: compute(s, s if other is x else other))


def check_overlap(x):
    """torch refuses an in-place write to a tensor whose elements share memory (an expanded one; fill_ and
    zero_ excepted)."""
    a = x._data if isinstance(x, Tensor) else x
    if 0 in a.strides and any(s == 0 and n > 1 for s, n in zip(a.strides, a.shape)):
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a single "
                           "memory location. Please clone() the tensor before performing the operation.")


def write(x, arr):
    """Copy arr into x's storage with torch's casting rule for in-place results, and bump the version."""
    check_overlap(x)
    if arr.dtype != x._data.dtype and not np.can_cast(arr.dtype, x._data.dtype, casting="same_kind"):
        raise RuntimeError(f"result type {_dt.torch_name(arr.dtype)} can't be cast to the desired output type "
                           f"{_dt.torch_name(x._data.dtype)}")
    np.copyto(x._data, arr, casting="unsafe")
    x._version[0] += 1


_UFUNCS = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide}


def binary_inplace(x, other, op):
    """x.op_(other) for op in add/sub/mul/div: a numpy in-place ufunc when no graph is needed."""
    if not needs_graph(x, other):
        check_leaf(x)
        check_overlap(x)
        ov = other._data if isinstance(other, Tensor) else other
        try:
            _UFUNCS[op](x._data, ov, out=x._data, casting="same_kind")
        except TypeError:
            res = np.result_type(x._data, ov)
            raise RuntimeError(f"result type {_dt.torch_name(res)} can't be cast to the desired output type "
                               f"{_dt.torch_name(x._data.dtype)}") from None
        except ValueError:
            raise RuntimeError(f"output with shape {list(x.shape)} doesn't match the broadcast shape "
                               f"{list(np.broadcast_shapes(x._data.shape, np.shape(ov)))}") from None
        x._version[0] += 1
        return x
    from . import pointwise
    return apply_inplace(x, lambda s: getattr(pointwise, op)(s, s if other is x else other))


class _Overwrite(Function):
    """x's elements replaced by src (broadcast, cast to x's dtype): no gradient to x's old values, the summed
    gradient to src. The recorded form of copy_ and of the fills."""

    _internal = True
    _fresh_grads = True

    @staticmethod
    def forward(ctx, x, src):
        ctx.src_shape = src._data.shape
        return np.broadcast_to(src._data, x._data.shape).astype(x._data.dtype)

    @staticmethod
    def backward(ctx, g):
        need_x, need_src = ctx.needs_input_grad
        return (np.zeros_like(g) if need_x else None), (sum_to(g, ctx.src_shape) if need_src else None)


def overwrite(x, src, name):
    """x.copy_(src) / x.fill_(...) with the graph recorded (the caller has checked shapes and the leaf rule)."""
    return apply_inplace(x, lambda s: named(_Overwrite.apply(s, src), name))
