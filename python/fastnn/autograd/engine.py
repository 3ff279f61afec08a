"""The backward pass: an iterative walk of the graph in dependency order (no recursion, linear in its size).

Gradients travel as numpy arrays, and no node writes into an incoming one. A gradient a leaf keeps as its .grad
is its own: the engine copies an array that a node returned for two inputs, and a leaf copies a read-only one
(the caller's gradient, passed as a read-only view) before keeping it.
"""
from heapq import heappop, heappush

import numpy as np

from ..backend.cpu import buffers
from ..tensor import Tensor
from . import grad_mode

_make = Tensor._make


def _to_array(g):
    return g._data if hasattr(g, "_data") else g


def _run_node(node, grads):
    """Call one node's backward with the gradients of its outputs; return one array (or None) per input."""
    if node._internal:
        out = type(node).backward(node, *grads)
        if type(out) is not tuple:
            return (out,)
        if node._fresh_grads:
            return out
        if len(out) == 2:  # the common binary case, without the general bookkeeping below
            a, b = out
            return (a, b.copy()) if a is b and a is not None else out
    else:
        wrapped = [Tensor._make(g) if g is not None else None for g in grads]
        with grad_mode.no_grad():
            out = type(node).backward(node, *wrapped)
    if not isinstance(out, tuple):
        out = (out,)
    n_in = len(node._edges)
    if len(out) != n_in:
        if len(out) > n_in and all(g is None for g in out[n_in:]):
            out = out[:n_in]
        else:
            raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                               f"(expected {n_in}, got {len(out)})")
    if not node._internal:
        out = tuple(None if g is None else np.array(_to_array(g)) for g in out)
    elif n_in > 1:
        seen = set()
        fixed = []
        for g in out:
            if g is not None:
                if id(g) in seen:
                    g = g.copy()
                seen.add(id(g))
            fixed.append(g)
        out = fixed
    return out


def _accumulate_leaf(leaf, g):
    d = leaf._data
    if g.shape != d.shape:
        raise RuntimeError(f"gradient of shape {list(g.shape)} does not match the shape {list(leaf.shape)} of "
                           "the tensor it is accumulated into")
    if g.dtype is not d.dtype and g.dtype != d.dtype:
        g = g.astype(d.dtype)
    grad = leaf._grad
    if grad is None:
        f = g.flags
        if not (f.c_contiguous and f.writeable and (g.base is None or buffers.owns(g))):
            g = np.array(g, order="C")
        leaf._grad = _make(g)
    else:
        grad._data += g


def _call_hooks(hooks, g):
    """Run register_hook hooks in order on gradient g (an array); each may return a replacement."""
    for hook in list(hooks.values()):
        r = hook(_make(g))
        if r is not None:
            r = _to_array(r)
            if r.shape != g.shape:
                raise RuntimeError(f"hook '{getattr(hook, '__name__', hook)}' has changed the size of value")
            g = r
    return g


def run_backward(roots, root_grads, retain_graph, capture=None):
    """Backpropagate root_grads (arrays; the caller's own are read-only views) from the root tensors.

    Nodes run from the most recently created down (torch's order): every node that sends a node gradients was
    created after it, so a node's gradients are complete when it runs, with no dependency count to keep.

    Without `capture`, gradients accumulate into leaves' .grad (and retained non-leaves). With `capture`
    (a dict keyed by id(leaf) or (node, output_nr) for non-leaves), the matching gradients are stored there
    instead and no .grad is touched (autograd.grad)."""
    pending = {}  # node -> the gradients of its outputs received so far
    heap = []  # (-sequence number, node) of the nodes in `pending`
    hooked = {}  # id(leaf) -> [leaf, gradient so far] for leaves with hooks: they see the whole gradient once

    def to_leaf(leaf, g):
        if leaf._grad_hooks:
            entry = hooked.get(id(leaf))
            if entry is None:
                hooked[id(leaf)] = [leaf, g]
            else:
                entry[1] = entry[1] + g
        elif capture is None:
            _accumulate_leaf(leaf, g)
        elif id(leaf) in capture:
            prev = capture[id(leaf)]
            capture[id(leaf)] = np.array(g) if prev is None else prev + g

    for t, g in zip(roots, root_grads):
        node = t.grad_fn
        if node is None:
            if t.requires_grad:
                to_leaf(t, g)
            continue
        buf = pending.get(node)
        if buf is None:
            buf = pending[node] = [None] * len(node._out_meta)
            heappush(heap, (-node._seq, node))
        nr = t._output_nr
        buf[nr] = g if buf[nr] is None else buf[nr] + g

    while heap:
        node = heappop(heap)[1]
        grads = pending.pop(node)
        if node.materialize_grads and (len(grads) > 1 or grads[0] is None):
            for i, g in enumerate(grads):
                if g is None:
                    shape, dt = node._out_meta[i]
                    grads[i] = np.zeros(shape, dtype=dt)
        if capture is not None:
            for i, g in enumerate(grads):
                key = (node, i)
                if key in capture and g is not None:
                    capture[key] = g.copy()
        if node._hooks:
            for i, hooks in node._hooks.items():
                if grads[i] is not None and hooks:
                    grads[i] = _call_hooks(hooks, grads[i])
        if capture is None and node._retained:
            for i, ref in node._retained.items():
                t = ref()
                if t is not None and grads[i] is not None:
                    if t.grad is None:
                        t._grad = _make(np.array(grads[i], order="C"))
                    else:
                        t.grad._data += grads[i]
        in_grads = _run_node(node, grads)
        if not retain_graph:
            node._release()
        for e, g in zip(node._edges, in_grads):
            if e is None or g is None:
                continue
            child, nr = e
            if child is None:
                if capture is None and nr._grad_hooks is None:
                    _accumulate_leaf(nr, g)  # the common case, without to_leaf's call
                else:
                    to_leaf(nr, g)
                continue
            buf = pending.get(child)
            if buf is None:
                buf = pending[child] = [None] * len(child._out_meta)
                heappush(heap, (-child._seq, child))
            buf[nr] = g if buf[nr] is None else buf[nr] + g

    for leaf, g in hooked.values():
        g = _call_hooks(leaf._grad_hooks, g)
        if capture is None:
            _accumulate_leaf(leaf, g)
        elif id(leaf) in capture:
            capture[id(leaf)] = np.array(g)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Compute and accumulate gradients of `tensors` w.r.t. graph leaves (torch.autograd.backward)."""
    if create_graph:
        raise NotImplementedError("fastnn does not build graphs of backward passes (create_graph=True)")
    if isinstance(tensors, Tensor):
        tensors = (tensors,)
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        grad_tensors = (grad_tensors,) * len(tensors) if grad_tensors is None else (grad_tensors,)
    roots, grads = _prepare_roots(tensors, grad_tensors)
    if inputs is not None:
        inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
        captured = grad(roots, inputs, [Tensor._make(g) for g in grads], retain_graph=retain_graph,
                        allow_unused=True)
        for t, g in zip(inputs, captured):
            if g is not None:
                _accumulate_leaf(t, g._data)
        return
    run_backward(roots, grads, bool(retain_graph))


def _prepare_roots(tensors, grad_tensors):
    if len(grad_tensors) != len(tensors):
        raise RuntimeError(f"got {len(grad_tensors)} gradients for {len(tensors)} tensors")
    roots, grads = [], []
    for t, g in zip(tensors, grad_tensors):
        if not t.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        if g is None:
            d = t._data
            if d.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = np.ones(d.shape, dtype=d.dtype)
        else:
            src = g._data if isinstance(g, Tensor) else np.asarray(g)
            if src.shape != t._data.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {list(src.shape)} and "
                                   f"output[0] has a shape of {list(t.shape)}.")
            g = np.asarray(src, dtype=t.dtype.numpy)
            if not g.flags.c_contiguous:
                g = np.ascontiguousarray(g)  # (never for a 0-d gradient, which this would make 1-d)
            if np.shares_memory(g, src):
                # The caller's memory, used without a copy: no node writes into an incoming gradient, and a
                # leaf copies a read-only gradient before keeping it as its .grad.
                g = g.view()
                g.flags.writeable = False
        roots.append(t)
        grads.append(g)
    return roots, grads


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of outputs w.r.t. inputs, returned rather than accumulated (torch.autograd.grad)."""
    if create_graph:
        raise NotImplementedError("fastnn does not build graphs of backward passes (create_graph=True)")
    if isinstance(outputs, Tensor):
        outputs = (outputs,)
    single_input = isinstance(inputs, Tensor)
    inputs = (inputs,) if single_input else tuple(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,) * len(outputs) if grad_outputs is None else (grad_outputs,)
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    roots, grads = _prepare_roots(outputs, grad_outputs)
    keys = [id(t) if t.grad_fn is None else (t.grad_fn, t._output_nr) for t in inputs]
    capture = {k: None for k in keys}
    run_backward(roots, grads, bool(retain_graph), capture=capture)
    result = []
    for t, k in zip(inputs, keys):
        g = capture[k]
        if g is None:
            if materialize_grads:
                g = np.zeros(t.shape, dtype=t.dtype.numpy)
            elif not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the graph. "
                                   "Set allow_unused=True if this is the desired behavior.")
        result.append(None if g is None else Tensor._make(np.array(g, order="C")))
    return tuple(result)
