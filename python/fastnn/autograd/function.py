"""torch-style autograd.Function. An instance is both the `ctx` handed to forward/backward and the graph node.

User subclasses define static `forward(ctx, *args)` returning Tensors and `backward(ctx, *grads)` taking and
returning Tensors. fastnn's own ops set `_internal = True`: their forward returns numpy arrays and their
backward takes and returns numpy arrays, which keeps the per-op cost of the training loop small.
"""
import itertools

from ..tensor import Tensor
from . import grad_mode

_state = grad_mode.state
_new = object.__new__
_make = Tensor._make
# Nodes are numbered in creation order. A node's inputs always exist before it does, so walking nodes from the
# highest number down visits every node after all the nodes that send it gradients (the engine's order).
_sequence = itertools.count()


class Function:
    _internal = False
    # Internal ops whose backward returns one gradient per input, each a new array: the engine then skips its
    # check for one array returned for two inputs.
    _fresh_grads = False
    _saved = ()
    _saved_versions = ()
    _freed = False
    _y = None
    _retained = None
    _hooks = None  # output_nr -> {id: hook} from register_hook on the node's outputs
    _dirty = ()
    _non_differentiable = ()
    materialize_grads = True
    _node_version = 0  # the number torch puts after "Backward" (SumBackward1: sum over dims)

    def __init__(self, *args, **kwargs):
        # Nodes are made by apply(); instantiating a Function by hand is what torch calls the legacy API.
        pass

    # ---- ctx API ----
    def save_for_backward(self, *tensors):
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} is of type "
                                f"{type(t).__name__}")
        self._saved = tensors
        self._saved_versions = tuple([t._version[0] if t is not None else 0 for t in tensors])

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved tensors after they "
                "have already been freed). Saved intermediate values of the graph are freed when you call "
                ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
                "graph a second time or if you need to access saved tensors after calling backward.")
        for t, v in zip(self._saved, self._saved_versions):
            if t is not None and t._version[0] != v:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: [{t.dtype.name} {list(t.shape)}] is at version {t._version[0]}; expected version "
                    f"{v} instead.")
        return self._saved

    def save_output(self, y):
        """Internal ops: keep the forward output (an array) for backward; its version is checked there."""
        self._y = y

    @property
    def saved_output(self):
        if self._freed:
            self.saved_tensors  # raises the "backward through the graph a second time" error
        if self._yver[0] != 0:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an inplace operation: "
                f"the output of {self.name()} is at version {self._yver[0]}; expected version 0 instead.")
        return self._y

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable = tensors

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)

    def name(self):
        n = getattr(self, "_node_name", None) or type(self).__name__
        return n + (f"Backward{self._node_version}" if self._internal else "Backward")

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"  # as torch prints a node

    @property
    def next_functions(self):
        out = []
        for e in self._edges:
            if e is None:
                out.append((None, 0))
            elif e[0] is None:
                out.append((_AccumulateGradView(e[1]), 0))
            else:
                out.append(e)
        return tuple(out)

    def _release(self):
        self._saved = ()
        self._y = None
        self._freed = True

    # ---- graph construction ----
    @classmethod
    def apply(cls, *args):
        ctx = _new(cls)
        needs = False
        if _state.enabled:
            # One pass: which inputs need a gradient, and the edge each one's gradient travels along.
            nig, edges = [], []
            for a in args:
                if isinstance(a, Tensor) and a.requires_grad:
                    needs = True
                    nig.append(True)
                    fn = a.grad_fn
                    edges.append((None, a) if fn is None else (fn, a._output_nr))
                else:
                    nig.append(False)
                    edges.append(None)
            ctx.needs_input_grad = tuple(nig)
        else:
            ctx.needs_input_grad = (False,) * len(args)
        if cls._internal:  # forward works on arrays and records nothing: no grad-mode switch needed
            out = cls.forward(ctx, *args)
            if type(out) is not tuple:
                t = _make(out)
                if needs:
                    ctx._edges = tuple(edges)
                    ctx._seq = next(_sequence)
                    ctx._out_meta = ((out.shape, out.dtype),)
                    ctx._yver = t._version
                    if out.dtype.kind == "f":
                        t.requires_grad = True
                        t.grad_fn = ctx
                return t
            outs = tuple([_make(o) for o in out])
        else:
            grad_on = _state.enabled
            _state.enabled = False
            try:
                out = cls.forward(ctx, *args)
            finally:
                _state.enabled = grad_on
            outs = out if type(out) is tuple else (out,)
            for t in ctx._dirty:
                t._version[0] += 1
            if any(o is a for o in outs for a in args):
                outs = tuple(_alias(o, ctx) if any(o is a for a in args) and not any(o is t for t in ctx._dirty)
                             else o for o in outs)
                out = outs if type(out) is tuple else outs[0]
        if needs:
            ctx._edges = tuple(edges)
            ctx._seq = next(_sequence)
            ctx._out_meta = tuple((o._data.shape, o._data.dtype) if isinstance(o, Tensor) else None for o in outs)
            ctx._yver = outs[0]._version
            nd = ctx._non_differentiable
            for i, o in enumerate(outs):
                if isinstance(o, Tensor) and o.dtype.is_floating_point and not any(o is t for t in nd):
                    o.requires_grad = True
                    o.grad_fn = ctx
                    o._output_nr = i
        if cls._internal:
            return outs
        return out

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")


def _alias(x, ctx):
    """A new tensor over an input that forward returned unchanged: torch returns a view of the input there, so
    the input keeps its own history (a leaf stays a leaf)."""
    from ..ops.shape import _mark_view
    v = _mark_view(_make(x._data), x)
    if any(x is t for t in ctx._non_differentiable):
        ctx._non_differentiable = tuple(v if t is x else t for t in ctx._non_differentiable)
    return v


class _AccumulateGradView:
    """What next_functions shows for a leaf (torch's AccumulateGrad node)."""

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {id(self):#x}>"


class once_differentiable:
    """Decorator accepted for compatibility: fastnn never builds graphs of backward passes."""

    def __new__(cls, fn):
        return fn
