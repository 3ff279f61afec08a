"""Linear layers as one autograd node: F.linear, F.linear_relu, and nn.Sequential's runs of Linear (+ ReLU)
layers, optionally ending in LogSoftmax over the features.

Each layer is y = x @ W^T + b, optionally followed by ReLU, as one GEMM with a fused epilogue. A training step of a
small MLP is bound by per-op costs rather than arithmetic, so a Sequential's whole run (the seed's 784-128-64-10
network with its LogSoftmax) is one node instead of four: 4-8% of a tutorial training step, measured A/B. The
kernels and their order are those of the layer-by-layer path, so values and gradients are bit-identical to it.
"""
from ..autograd.function import Function
from ..backend import cpu as K
from ..ops._util import c_contiguous


class _LinearChain(Function):
    """Inputs (x, relus, log_softmax, W1, b1, W2, b2, ...): relus[i] says whether layer i's output goes through
    ReLU; b_i may be None. Backward computes only the products somebody needs: no dX for a first layer whose
    input does not require grad (nor for layers with nothing that requires grad before them)."""

    _internal = True
    _fresh_grads = True

    def name(self):
        # the chain's last op, as torch shows it
        if self.log_softmax:
            return "LogSoftmaxBackward0"
        return "ReluBackward0" if self.relus[-1] else "AddmmBackward0" if self.has_bias else "MmBackward0"

    @staticmethod
    def forward(ctx, x, relus, log_softmax, *params):
        h = c_contiguous(x._data)
        lead = h.shape[:-1]
        if h.ndim != 2:
            h = h.reshape(-1, h.shape[-1])
        outs = K.linear_chain(h, [w._data for w in params[::2]],
                              [None if b is None else b._data for b in params[1::2]], relus, log_softmax)
        out = outs[-1]
        if log_softmax:
            del outs[-1]
        ctx.acts = [h] + outs  # each layer's input, then the last layer's output
        ctx.lead, ctx.relus, ctx.log_softmax = lead, relus, log_softmax
        ctx.has_bias = params[-1] is not None
        ctx.save_for_backward(x, *params[::2])
        if log_softmax or relus[-1]:
            ctx.save_output(out)  # needed by backward: an in-place change of the output must raise there
        return out if len(lead) == 1 else out.reshape(lead + (out.shape[-1],))

    @staticmethod
    def backward(ctx, g):
        saved = ctx.saved_tensors  # version check of x and the weights
        need = ctx.needs_input_grad
        acts, relus = ctx.acts, ctx.relus
        g = c_contiguous(g)
        if g.ndim != 2:
            g = g.reshape(acts[-1].shape)
        lsm = None
        if ctx.log_softmax or relus[-1]:
            out = ctx.saved_output  # raises if the output was changed in place
            if ctx.log_softmax:
                lsm = out.reshape(g.shape)
        # need_x[i]: whether anything before layer i (its input included) needs a gradient
        need_x = [need[0]]
        for i in range(len(relus) - 1):
            need_x.append(need_x[-1] or need[3 + 2 * i] or need[4 + 2 * i])
        gx, gws, gbs = K.linear_chain_backward(g, acts, [w._data for w in saved[1:]], relus, lsm, need_x,
                                               need[3::2], need[4::2])
        if gx is not None and len(ctx.lead) != 1:
            gx = gx.reshape(ctx.lead + (gx.shape[-1],))
        grads = [gx, None, None]
        for gw, gb in zip(gws, gbs):
            grads += (gw, gb)
        return tuple(grads)


def linear_chain(input, layers, relus, log_softmax=False):
    """The output of `layers` ((weight, bias or None) pairs) applied in turn to input, relus[i] applying ReLU
    after layer i, then log_softmax over the last dim if asked; as one node. The caller has checked the shapes
    and dtypes (input at least 2-D)."""
    params = []
    for w, b in layers:
        params += (w, b)
    return _LinearChain.apply(input, tuple(relus), log_softmax, *params)


def chain_fits(input, layers):
    """Whether input (a Tensor of at least 2 dims) and layers ((weight, bias) pairs) chain: the same floating
    dtype throughout (the same dtype object: numpy's builtin dtypes are singletons; anything else goes module by
    module), and each layer's in_features equal to the previous out_features."""
    x = input._data
    dt = x.dtype
    if x.ndim < 2 or dt.kind != "f":
        return False
    k = x.shape[-1]
    for w, b in layers:
        wd = w._data
        shape = wd.shape
        if wd.dtype is not dt or len(shape) != 2 or shape[1] != k:
            return False
        k = shape[0]
        if b is not None:
            bd = b._data
            if bd.dtype is not dt or bd.shape != (k,):
                return False
    return True
