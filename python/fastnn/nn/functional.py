"""fastnn.nn.functional: the functional forms of layers, activations and losses (as torch.nn.functional).

linear (with bias and an optional fused ReLU) and cross_entropy run as single fused C++ kernels on float32.
"""
import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..ops import activation as _act
from ..ops import inplace as _inplace_ops
from ..ops import log_softmax as _log_softmax
from ..ops import relu as _relu
from ..ops import sigmoid, tanh  # noqa: F401  (re-exported)
from ..ops import softmax as _softmax
from ..ops import where as _where
from ..ops._util import wrap_dim as _wrap_dim
from ..random import _rng
from ..tensor import Tensor
from ._losses import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, l1_loss,  # noqa: F401
                      mse_loss, nll_loss, smooth_l1_loss, huber_loss, kl_div)
from ._losses import _check_float, _check_softmax_input
from ._normalization import batch_norm, layer_norm  # noqa: F401
from ._functional_extra import cosine_similarity, pad, pairwise_distance  # noqa: F401
from ._linear_chain import linear_chain


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
    """y = input @ weight^T + bias over the last dimension. As torch, a 1-D weight (no bias) is a dot product over
    the last dimension, and a bias of another shape than (out_features,) broadcasts to the output."""
    if weight._data.ndim != 2 or (bias is not None and bias._data.shape != weight._data.shape[:1]):
        return _linear_other_shapes(input, weight, bias)
    _check_linear(input, weight, bias)
    if input._data.ndim == 1:
        return linear_chain(input.unsqueeze(0), ((weight, bias),), (False,)).squeeze(0)
    return linear_chain(input, ((weight, bias),), (False,))


def _linear_other_shapes(input, weight, bias):
    nd = weight._data.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    if nd < 2:
        if bias is not None or nd == 0:
            raise RuntimeError(f"mat2 must be a matrix, got {nd}-D tensor")
        return input.matmul(weight)
    out = input.matmul(weight.t())
    return out + bias.expand(out.shape)


def linear_relu(input, weight, bias=None):
    """relu(linear(input, weight, bias)) in one fused kernel: what nn.Sequential runs for Linear + ReLU."""
    _check_linear(input, weight, bias)
    if input._data.ndim == 1:
        return _relu(linear(input, weight, bias))
    return linear_chain(input, ((weight, bias),), (True,))


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
    return _run_activation(_act.Elu, input, inplace, alpha, 1.0, 1.0)


def softplus(input, beta=1.0, threshold=20.0):
    _check_float(input, "softplus_cpu")
    return _act.Softplus.apply(input, beta, threshold)


def silu(input, inplace=False):
    _check_float(input, "silu_cpu")
    if inplace:
        return _inplace_ops.rewrite(input, lambda x, _: silu(x))
    return input * sigmoid(input)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """clamp(input, min_val, max_val), with torch's gradient: 0 on the bounds. An integer input keeps its dtype
    (bounds truncated), as torch."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if input.dtype.is_floating_point:
        return _run_activation(_act.Hardtanh, input, inplace, min_val, max_val)
    min_val, max_val = int(min_val), int(max_val)
    if inplace:
        return _inplace_ops.rewrite(input, lambda x, _: x.clamp(min_val, max_val))
    return input.clamp(min_val, max_val)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def logsigmoid(input):
    _check_float(input, "log_sigmoid_cpu")
    return _act.LogSigmoid.apply(input)


def _run_activation(fn, input, inplace, *params):
    """fn (an ops.activation Function) applied to input, or written into input's storage when inplace."""
    if inplace:
        return _inplace_ops.rewrite(input, lambda x, _: fn.apply(x, *params))
    return fn.apply(input, *params)


def gelu(input, *, approximate="none"):
    """x * Phi(x) (Phi the standard normal CDF); approximate='tanh' uses torch's tanh formula."""
    if not isinstance(approximate, str):
        raise TypeError(f"gelu(): argument 'approximate' must be str, not {type(approximate).__name__}")
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    _check_float(input, "GeluKernelImpl")
    return _act.Gelu.apply(input, approximate)


def mish(input, inplace=False):
    """x * tanh(softplus(x))."""
    _check_float(input, "mish_cpu")
    return _run_activation(_act.Mish, input, inplace)


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6."""
    _check_float(input, "hardswish_cpu")
    return _run_activation(_act.Hardswish, input, inplace)


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6."""
    _check_float(input, "hardsigmoid_cpu")
    return _run_activation(_act.Hardsigmoid, input, inplace)


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else value; integer inputs keep their dtype (threshold and value truncated)."""
    if input.dtype is _dt.bool_:
        raise NotImplementedError("\"threshold_cpu\" not implemented for 'Bool'")
    return _run_activation(_act.Threshold, input, inplace, threshold, value)


def threshold_(input, threshold, value):
    return _threshold(input, threshold, value, inplace=True)


_threshold = threshold  # threshold_'s parameter of that name hides the function inside it


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    _check_float(input, "elu_cpu")
    return _run_activation(_act.Celu, input, inplace, alpha, 1.0, 1.0 / alpha)


def celu_(input, alpha=1.0):
    return celu(input, alpha, inplace=True)


def selu(input, inplace=False):
    """scale * elu(x, alpha) with the self-normalising constants."""
    _check_float(input, "elu_cpu")
    return _run_activation(_act.Elu, input, inplace, _SELU_ALPHA, _SELU_SCALE, 1.0)


def selu_(input):
    return selu(input, inplace=True)


def softshrink(input, lambd=0.5):
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""
    _check_float(input, "softshrink_check")
    top = np.finfo(input._data.dtype).max
    if not 0 <= lambd <= top:
        raise RuntimeError(f"lambda must be in range [0, {top:g}] for input dtype {_dt.torch_name(input.dtype)}, "
                           f"but found {lambd:g}")
    return _act.Softshrink.apply(input, lambd)


def hardshrink(input, lambd=0.5):
    """x outside [-lambd, lambd], 0 inside."""
    _check_float(input, "hardshrink_cpu")
    return _act.Hardshrink.apply(input, lambd)


def softsign(input):
    return input / (input.abs() + 1)


def tanhshrink(input):
    return input - tanh(input)


def glu(input, dim=-1):
    """a * sigmoid(b), a and b the two halves of input along dim."""
    nd = input._data.ndim
    if nd == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    dim = _wrap_dim(dim, nd)
    if input.shape[dim] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim} is size {input.shape[dim]}")
    _check_float(input, "glu_cpu")
    a, b = input.chunk(2, dim)
    return a * sigmoid(b)


def prelu(input, weight):
    """x where x > 0, else weight * x, weight holding one slope, or one per channel (dim 1)."""
    nd, wn = input._data.ndim, weight._data.size
    if wn != 1:
        channels = input.shape[1] if nd > 1 else 1
        if channels != wn:
            raise RuntimeError("Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                               f"{wn} and channel size = {channels}.")
    if weight._data.ndim > 1:
        raise RuntimeError("prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = "
                           f"{weight._data.ndim}")
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {_dt.torch_name(input.dtype)} and "
                           f"{_dt.torch_name(weight.dtype)}")
    _check_float(input, "prelu_cpu")
    if nd != weight._data.ndim:
        weight = weight.reshape([wn if d == 1 else 1 for d in range(nd)])
    return _where(input > 0, input, weight * input)


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
    _node_name = "Mul"  # torch's dropout multiplies by its scaled mask

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
