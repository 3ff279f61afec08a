"""Autograd through views whose storage changes in place (torch's CopySlices and view regeneration).

A view and its base share memory, so an in-place op on either changes both. Written into a view, the op gives
the base a new history: a CopySlices node, whose backward sends the base's gradient outside the view's elements
to the base's old history and the part inside them to the op's result. Any view of a base whose storage
changed takes its gradient from the base's current history the next time its grad_fn is read: an AsStrided
node that picks the view's elements out of the base's gradient. Both locate the view's elements in the base by
their memory addresses, so they serve every view op (slicing, transpose, view, diagonal, ...) alike.
"""
import numpy as np

from . import grad_mode
from .function import Function
from ..tensor import Tensor, _View

_state = grad_mode.state


def view_index(view, base):
    """Flat C-order positions in `base` of the elements of `view`, an array that views base's memory."""
    def offsets(a, start):
        off = np.full(a.shape, start, dtype=np.int64)
        for d, (n, stride) in enumerate(zip(a.shape, a.strides)):
            off += (np.arange(n, dtype=np.int64) * stride).reshape((n,) + (1,) * (a.ndim - d - 1))
        return off

    start = view.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    voff = offsets(view, start)
    if base.flags.c_contiguous:
        return voff // base.itemsize
    boff = offsets(base, 0).reshape(-1)
    order = np.argsort(boff, kind="stable")
    return order[np.searchsorted(boff[order], voff)]


class _AsStrided(Function):
    """A view's elements picked out of its base: the regenerated grad_fn of a view (torch's AsStridedBackward0)."""

    _internal = True
    _fresh_grads = True
    _node_name = "AsStrided"

    @staticmethod
    def forward(ctx, base, index, values):
        ctx.index, ctx.base_shape = index, base._data.shape
        return values

    @staticmethod
    def backward(ctx, g):
        out = np.zeros(ctx.base_shape, dtype=g.dtype)
        np.add.at(out.reshape(-1), ctx.index, g)  # an expanded view repeats elements: their gradients add up
        return out, None, None


class _CopySlices(Function):
    """The base's history after an in-place op wrote `result` into the view's elements (torch's CopySlices)."""

    _internal = True
    _fresh_grads = True

    def name(self):
        return "CopySlices"

    @staticmethod
    def forward(ctx, old_base, result, index):
        ctx.index = index
        return old_base._data

    @staticmethod
    def backward(ctx, g):
        need_old, need_result = ctx.needs_input_grad[:2]
        g = np.ascontiguousarray(g)
        g_old = g_result = None
        if need_old:
            g_old = g.copy()
            g_old.reshape(-1)[ctx.index] = 0
        if need_result:  # (indexed flat and reshaped: a 0-d index would pick a numpy scalar)
            g_result = g.reshape(-1)[ctx.index.reshape(-1)].reshape(ctx.index.shape)
        return g_old, g_result, None


def _history(t):
    """A stand-in tensor carrying t's current autograd fields (not its values)."""
    s = Tensor._make(t._data, t.requires_grad)
    s.grad_fn, s._output_nr = t.grad_fn, t._output_nr
    return s


def view_of_base(view, base):
    """Give `view` the gradient of its elements in base's current history."""
    enabled = _state.enabled
    _state.enabled = True  # reading a grad_fn under no_grad regenerates it all the same
    try:
        t = _AsStrided.apply(base, view_index(view._data, base._data), view._data)
    finally:
        _state.enabled = enabled
    view.grad_fn, view._output_nr, view.requires_grad = t.grad_fn, 0, True


def check_view_writable(x):
    """torch's errors for an in-place op with the graph recorded on a view x that cannot take it."""
    base = x._base
    if base.grad_fn is None and base.requires_grad:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    if type(x) is not _View:
        raise RuntimeError("A view was created in no_grad mode and is being modified inplace with grad mode "
                           "enabled. This view is the output of a function that returns multiple views or was "
                           "created in no_grad mode. Such functions do not allow the output views to be modified "
                           "inplace. You should replace the inplace operation by an out-of-place one.")


def write_into_view(x, result, write):
    """An in-place op's result (computed from a snapshot of view x) written into x's memory through
    write(x, array): x's base takes a CopySlices history (x then follows it through view_of_base)."""
    base = x._base
    index = view_index(x._data, base._data)
    old = _history(base)
    write(x, result._data)
    if result.requires_grad:
        t = _CopySlices.apply(old, result, index)
        base.grad_fn, base._output_nr, base.requires_grad = t.grad_fn, 0, True
    return x
