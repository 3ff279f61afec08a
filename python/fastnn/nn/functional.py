"""fastnn.nn.functional: the functional forms of layers, activations and losses (as torch.nn.functional).

linear (with bias and an optional fused ReLU) and cross_entropy run as single fused C++ kernels on float32.
"""
import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..backend import cpu as K
from ..ops import inplace as _inplace_ops
from ..ops import log_softmax as _log_softmax
from ..ops import relu as _relu
from ..ops import sigmoid, tanh  # noqa: F401  (re-exported)
from ..ops import softmax as _softmax
from ..random import _rng
from ..tensor import Tensor
from ._losses import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, l1_loss,  # noqa: F401
                      mse_loss, nll_loss, smooth_l1_loss, huber_loss, kl_div)
from ._losses import _check_float, _check_softmax_input
from ._normalization import batch_norm, layer_norm  # noqa: F401


def _c(a):
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


class _Linear(Function):
    """y = x @ W^T + b, optionally followed by ReLU, as one GEMM with a fused epilogue.

    Backward computes only the products somebody needs: dX = g @ W (skipped for a first layer whose input does
    not require grad), dW = g^T @ X, db = column sums of g."""

    _internal = True
    _fresh_grads = True

    def name(self):
        return "ReluBackward0" if self.fuse_relu else "AddmmBackward0"  # the fusion's last op, as torch shows it

    @staticmethod
    def forward(ctx, x, weight, bias, fuse_relu):
        x2 = _c(x._data)
        lead = x2.shape[:-1]
        if x2.ndim != 2:
            x2 = x2.reshape(-1, x2.shape[-1])
        y = K.linear(x2, weight._data, bias._data if bias is not None else None, fuse_relu)
        ctx.x2, ctx.lead, ctx.fuse_relu = x2, lead, fuse_relu
        ctx.save_for_backward(x, weight)
        if fuse_relu:
            ctx.save_output(y)
        return y if len(lead) == 1 else y.reshape(lead + (y.shape[-1],))

    @staticmethod
    def backward(ctx, g):
        ctx.saved_tensors  # version check of x and weight
        nx, nw, nb, _ = ctx.needs_input_grad
        w = ctx._saved[1]._data
        g2 = _c(g)
        if g2.ndim != 2:
            g2 = g2.reshape(-1, g2.shape[-1])
        y = ctx.saved_output.reshape(g2.shape) if ctx.fuse_relu else None
        gx, gw, gb = K.linear_backward(g2, y, ctx.x2, w, nx, nw, nb)
        if gx is not None and len(ctx.lead) != 1:
            gx = gx.reshape(ctx.lead + (w.shape[1],))
        return gx, gw, gb, None


def _check_linear(input, weight, bias):
    x, w = input._data, weight._data
    if x.dtype.kind == "f" and x.dtype == w.dtype and x.ndim and x.shape[-1] == w.shape[1] and (
            bias is None or bias._data.shape == w.shape[:1]):
        return  # the usual case, checked in one expression
    if input._data.ndim == 0:
        raise RuntimeError("linear(): input must be at least 1-D")
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {_dt.torch_name(input.dtype)} and "
                           f"{_dt.torch_name(weight.dtype)}")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"\"addmm_impl_cpu_\" not implemented for '{_dt.torch_name(input.dtype)}'")
    if input._data.shape[-1] != weight._data.shape[1]:
        rows = int(np.prod(input._data.shape[:-1]))
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input._data.shape[-1]} and "
                           f"{weight._data.shape[1]}x{weight._data.shape[0]})")
    if bias is not None and bias._data.shape != (weight._data.shape[0],):
        raise RuntimeError(f"bias of shape {list(bias.shape)} does not match {weight._data.shape[0]} output "
                           "features")


def linear(input, weight, bias=None):
    """y = input @ weight^T + bias over the last dimension."""
    _check_linear(input, weight, bias)
    if input._data.ndim == 1:
        return _Linear.apply(input.unsqueeze(0), weight, bias, False).squeeze(0)
    return _Linear.apply(input, weight, bias, False)


def linear_relu(input, weight, bias=None):
    """relu(linear(input, weight, bias)) in one fused kernel: what nn.Sequential runs for Linear + ReLU."""
    _check_linear(input, weight, bias)
    if input._data.ndim == 1:
        return _relu(linear(input, weight, bias))
    return _Linear.apply(input, weight, bias, True)


# ---------------------------------------------------------------- activations and friends
def relu(input, inplace=False):
    """max(input, 0); inplace=True overwrites input (torch's signature)."""
    return input.relu_() if inplace else _relu(input)


def relu_(input):
    return input.relu_()


def leaky_relu(input, negative_slope=0.01, inplace=False):
    _check_float(input, "leaky_relu_cpu")
    if inplace:
        return _inplace_ops.rewrite(input, lambda x, _: leaky_relu(x, negative_slope))
    from ..ops import where
    return where(input > 0, input, input * negative_slope)


def elu(input, alpha=1.0, inplace=False):
    _check_float(input, "elu_cpu")
    if inplace:
        return _inplace_ops.rewrite(input, lambda x, _: elu(x, alpha))
    from ..ops import where
    return where(input > 0, input, (input.clamp(max=0).exp() - 1) * alpha)


def softplus(input, beta=1.0, threshold=20.0):
    from ..ops import where
    bx = input * beta
    return where(bx > threshold, input, (bx.clamp(max=threshold).exp() + 1).log() / beta)


def silu(input, inplace=False):
    _check_float(input, "silu_cpu")
    if inplace:
        return _inplace_ops.rewrite(input, lambda x, _: silu(x))
    return input * sigmoid(input)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """clamp(input, min_val, max_val); an integer input keeps its dtype (bounds truncated), as torch."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if not input.dtype.is_floating_point:
        min_val, max_val = int(min_val), int(max_val)
    if inplace:
        return _inplace_ops.rewrite(input, lambda x, _: x.clamp(min_val, max_val))
    return input.clamp(min_val, max_val)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def logsigmoid(input):
    return -softplus(-input)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    _check_softmax_input(input, dim, dtype, "softmax")
    return _softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    _check_softmax_input(input, dim, dtype, "log_softmax")
    return _log_softmax(input, dim, dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    return softmax(-input, dim, dtype=dtype)


def normalize(input, p=2.0, dim=1, eps=1e-12):
    n = input.norm(p, dim, keepdim=True).clamp(min=eps)
    return input / n


def one_hot(tensor, num_classes=-1):
    from ..ops import one_hot as _one_hot
    return _one_hot(tensor, num_classes)


# ---------------------------------------------------------------- dropout
class _Dropout(Function):
    _internal = True

    @staticmethod
    def forward(ctx, x, p, generator):
        keep = _rng(generator).random(x._data.shape, dtype=np.float32) >= p
        scale = np.asarray(1.0 / (1.0 - p), dtype=x._data.dtype)
        ctx.mask = keep * scale
        return x._data * ctx.mask

    @staticmethod
    def backward(ctx, g):
        return g * ctx.mask, None, None


def dropout(input, p=0.5, training=True, inplace=False, generator=None):
    """Zero each element with probability p and scale the rest by 1/(1-p) (identity when not training)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input.mul_(0) if inplace else input * 0
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"result type Float can't be cast to the desired output type {_dt.torch_name(input.dtype)}")
    out = _Dropout.apply(input, p, generator)
    return input.copy_(out) if inplace else out
