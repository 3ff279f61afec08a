"""Module full backward hooks (torch.utils.hooks.BackwardHook): identity nodes on a call's inputs and outputs.

The node on the outputs sees grad_output first (the engine runs nodes newest first) and runs the backward pre-hooks;
the node on the inputs then sees grad_input and runs the hooks with both. Each module call gets its own state.
"""
import warnings

import numpy as np

from ...autograd import grad_mode
from ...autograd.function import Function
from ...tensor import Tensor

_NO_INPUT_GRAD_WARNING = (
    "Full backward hook is firing when gradients are computed with respect to module outputs since no inputs "
    "require gradients. See https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
    "#torch.nn.Module.register_full_backward_hook for more details.")


class _Identity(Function):
    """Passes tensors through unchanged (sharing storage and version counter); its backward hands the gradients
    of its outputs to `on_grads`, which returns those of its inputs. On a module's outputs the hooks see None
    for an output that got no gradient, as torch's (materialize=False)."""

    _internal = True

    def name(self):
        return "BackwardHookFunctionBackward"

    @staticmethod
    def forward(ctx, on_grads, materialize, *tensors):
        ctx.on_grads = on_grads
        ctx.materialize_grads = materialize
        return tuple(t._data for t in tensors)

    @staticmethod
    def backward(ctx, *grads):
        return (None, None) + tuple(ctx.on_grads(grads))


def _array(g):
    return g._data if isinstance(g, Tensor) else g


class BackwardHook:
    """One module call's full backward hooks: hook(module, grad_input, grad_output) and pre_hook(module,
    grad_output), each returning None or replacement gradients (a tuple of the same length).

    As torch's: once any tensor argument requires grad, every tensor argument is in grad_input (zeros for those
    that do not require grad); other arguments are None."""

    def __init__(self, module, hooks, pre_hooks):
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.grad_outputs = None
        self.n_inputs = self.n_outputs = 0
        self.input_index = self.output_index = None  # positions of the tensors that pass through an _Identity
        self.input_zeros = {}  # position -> zeros, for tensor arguments that do not require grad

    def _wrap(self, values, on_grads, materialize):
        """values with every tensor that requires grad replaced by an _Identity output, and the positions
        replaced (None when no tensor requires grad, or grad mode is off)."""
        index = [i for i, v in enumerate(values) if isinstance(v, Tensor) and v.requires_grad]
        if not index or not grad_mode.state.enabled:
            return values, None
        outs = _Identity.apply(on_grads, materialize, *[values[i] for i in index])
        out = list(values)
        for i, t in zip(index, outs):
            t._version = values[i]._version
            out[i] = t
        return tuple(out), index

    def setup_inputs(self, args):
        self.n_inputs = len(args)
        wrapped, self.input_index = self._wrap(args, self._on_input_grads, True)
        if self.input_index is not None:
            self.input_zeros = {i: a for i, a in enumerate(args)
                                if isinstance(a, Tensor) and i not in self.input_index}
        return wrapped

    def setup_outputs(self, result):
        single = not isinstance(result, tuple)
        values, self.output_index = self._wrap((result,) if single else result, self._on_output_grads, False)
        self.n_outputs = len(values)
        return values[0] if single else values

    def _on_output_grads(self, grads):
        self.grad_outputs = _pack(self.output_index, grads, self.n_outputs)
        for hook in list(self.pre_hooks.values()):
            r = hook(self.module, self.grad_outputs)
            if r is not None:
                if len(r) != len(self.grad_outputs):
                    raise RuntimeError("Backward pre hook returned an invalid number of grad_output, "
                                       f"got {len(r)}, but expected {len(self.grad_outputs)}")
                self.grad_outputs = tuple(r)
        grad_outputs = self.grad_outputs
        if self.input_index is None:  # no input needs a gradient: the hooks run now, with grad_input all None
            warnings.warn(_NO_INPUT_GRAD_WARNING, stacklevel=2)
            grad_inputs = (None,) * self.n_inputs
            for hook in list(self.hooks.values()):
                r = hook(self.module, grad_inputs, grad_outputs)
                if r is not None and not (isinstance(r, tuple) and all(g is None for g in r)):
                    raise RuntimeError("Backward hook for Modules where no input requires gradient should always "
                                       "return None or None for all gradients.")
            self.grad_outputs = None
        return _unpack(self.output_index, grad_outputs, grads)

    def _on_input_grads(self, grads):
        if self.grad_outputs is None:  # the gradient reached the inputs without passing through the outputs
            return grads
        res = list(_pack(self.input_index, grads, self.n_inputs))
        for i, a in self.input_zeros.items():
            res[i] = Tensor._make(np.zeros(a.shape, dtype=a._data.dtype))
        res = tuple(res)
        for hook in list(self.hooks.values()):
            r = hook(self.module, res, self.grad_outputs)
            if r is not None:
                if len(r) != len(res):
                    raise RuntimeError("Backward hook returned an invalid number of grad_input, "
                                       f"got {len(r)}, but expected {len(res)}")
                res = tuple(r)
        self.grad_outputs = None
        return _unpack(self.input_index, res, grads)


def _pack(index, grads, size):
    """A tuple of `size` entries: the gradients (as tensors) at `index`, None elsewhere."""
    out = [None] * size
    for i, g in zip(index, grads):
        out[i] = None if g is None else Tensor._make(g)
    return tuple(out)


def _unpack(index, values, before):
    """The gradients at `index` as arrays, each checked against the shape of the one it replaces."""
    out = []
    for i, old in zip(index, before):
        g = _array(values[i])
        if g is not None and old is not None and g.shape != old.shape:
            raise RuntimeError("hook 'hook' has changed the size of value")  # torch names its own wrapper
        out.append(g)
    return out
