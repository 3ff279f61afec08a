"""batch_norm and layer_norm (functional forms). Each runs as one autograd node whose backward is the closed-form
gradient, with statistics computed in the input's dtype as torch does on the CPU.

Deliberate difference from torch: a float16 input needs float16 parameters and buffers (torch also takes float32
ones there)."""
import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ._losses import _check_float


def _check_dtypes(input, params):
    """torch's CPU dtype checks for normalisation parameters (and buffers), in its order and words: when the first
    defined parameter's dtype differs from the input's the call counts as mixed-precision, which needs float32
    parameters and a reduced-precision input; otherwise every parameter must have the input's dtype."""
    params = [p for p in params if p is not None]
    if not params:
        return
    want = input.dtype
    if params[0].dtype is not want:
        if any(p.dtype is not _dt.float32 for p in params):
            raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
        raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
    for p in params:
        if p.dtype is not want:
            raise RuntimeError(f"expected scalar type {_dt.torch_name(want)} but found {_dt.torch_name(p.dtype)}")


def _scale_shift(xhat, weight, bias, shape):
    """xhat * weight + bias (each optional), weight and bias viewed as `shape` to broadcast against xhat."""
    y = xhat if weight is None else xhat * weight._data.reshape(shape)
    return y if bias is None else y + bias._data.reshape(shape)


# ---------------------------------------------------------------- batch norm
class _BatchNorm(Function):
    """y = (x - mean) / sqrt(var + eps) * weight + bias per channel (dim 1). Training normalises with the batch's
    biased variance and moves the running stats (when given) towards the batch mean and unbiased variance; eval
    normalises with the running stats."""

    _internal = True
    _fresh_grads = True
    _node_name = "NativeBatchNorm"

    @staticmethod
    def forward(ctx, input, weight, bias, running_mean, running_var, training, momentum, eps):
        x = input._data
        axes = (0,) + tuple(range(2, x.ndim))
        shape = (-1,) + (1,) * (x.ndim - 2)  # a per-channel vector broadcast against x
        n = x.size // x.shape[1] if x.shape[1] else 0  # values per channel
        if training and n == 0:  # an empty batch: nothing to normalise, running stats left as they are (torch)
            mean = var = np.zeros(x.shape[1], dtype=x.dtype)
            d = x
        elif training:
            mean = x.mean(axis=axes)
            d = x - mean.reshape(shape)
            var = (d * d).mean(axis=axes)
            if running_mean is not None:
                # torch's kernel writes the buffers without bumping their version counters; so does this
                for buf, stat in ((running_mean, mean), (running_var, var * (n / (n - 1)))):
                    buf._data[...] = momentum * stat + (1 - momentum) * buf._data
        else:
            mean, var = running_mean._data, running_var._data
            d = x - mean.reshape(shape)
        invstd = 1 / np.sqrt(var + eps)
        xhat = d * invstd.reshape(shape)
        ctx.xhat, ctx.invstd, ctx.axes, ctx.shape, ctx.training = xhat, invstd, axes, shape, training
        ctx.save_for_backward(weight)
        return _scale_shift(xhat, weight, bias, shape)

    @staticmethod
    def backward(ctx, g):
        nx, nw, nb = ctx.needs_input_grad[:3]
        weight = ctx.saved_tensors[0]
        xhat, axes, shape = ctx.xhat, ctx.axes, ctx.shape
        # In training the batch statistics depend on x, so dx needs both channel sums.
        gb = g.sum(axis=axes) if nb or (nx and ctx.training) else None
        gw = (g * xhat).sum(axis=axes) if nw or (nx and ctx.training) else None
        gx = None
        if nx:
            scale = ctx.invstd if weight is None else weight._data * ctx.invstd
            if ctx.training:
                n = g.size // g.shape[1] if g.size else 1  # (an empty batch: the sums are 0 anyway)
                g = g - (gb / n).reshape(shape) - xhat * (gw / n).reshape(shape)
            gx = g * scale.reshape(shape)
        return gx, gw if nw else None, gb if nb else None, None, None, None, None, None


def _verify_batch_size(size):
    if size[0] * int(np.prod(size[2:])) == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-05):
    """Batch normalisation over dim 1 of an (N, C, ...) input, as torch.nn.functional.batch_norm. training=True
    normalises with batch statistics and updates running_mean/running_var in place (when given); training=False
    normalises with running_mean/running_var."""
    if training:
        _verify_batch_size(input.shape)
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if momentum is None:
        raise TypeError("batch_norm(): argument 'momentum' (position 7) must be float, not NoneType")
    nd = input._data.ndim
    c = input._data.shape[1] if nd > 1 else 0
    for name, t in (("running_mean", running_mean), ("running_var", running_var)):
        if t is None and not training:
            raise RuntimeError(f"{name} must be defined in evaluation mode")
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")
    if nd < 2:
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    _check_float(input, "batch_norm")
    _check_dtypes(input, (weight, bias, running_mean, running_var))
    return _BatchNorm.apply(input, weight, bias, running_mean, running_var, training, momentum, eps)


# ---------------------------------------------------------------- layer norm
class _LayerNorm(Function):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, the statistics (biased variance) taken over the last k
    dims of x; weight and bias have those k dims' shape."""

    _internal = True
    _fresh_grads = True
    _node_name = "NativeLayerNorm"

    @staticmethod
    def forward(ctx, input, weight, bias, k, eps):
        x = input._data
        axes = tuple(range(x.ndim - k, x.ndim))
        d = x - x.mean(axis=axes, keepdims=True)
        invstd = 1 / np.sqrt((d * d).mean(axis=axes, keepdims=True) + eps)
        xhat = d * invstd
        ctx.xhat, ctx.invstd, ctx.axes = xhat, invstd, axes
        ctx.save_for_backward(weight)
        return _scale_shift(xhat, weight, bias, x.shape[x.ndim - k:])

    @staticmethod
    def backward(ctx, g):
        nx, nw, nb = ctx.needs_input_grad[:3]
        weight = ctx.saved_tensors[0]
        xhat, axes = ctx.xhat, ctx.axes
        lead = tuple(range(g.ndim - len(axes)))
        gx = None
        if nx:
            gh = g if weight is None else g * weight._data  # gradient with respect to xhat
            gx = (gh - gh.mean(axis=axes, keepdims=True)
                  - xhat * (gh * xhat).mean(axis=axes, keepdims=True)) * ctx.invstd
        gw = (g * xhat).sum(axis=lead) if nw else None
        gb = g.sum(axis=lead) if nb else None
        return gx, gw, gb, None, None


def _normalized_shape(normalized_shape):
    """normalized_shape as a tuple of ints; torch's argument parser's TypeError for anything else."""
    what = "layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints"
    if not isinstance(normalized_shape, (tuple, list)):
        raise TypeError(f"{what}, not {type(normalized_shape).__name__}")
    for i, s in enumerate(normalized_shape):
        if not isinstance(s, int):
            raise TypeError(f"{what}, but found element of type {type(s).__name__} at pos {i}")
    return tuple(normalized_shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    """Layer normalisation over the trailing dims given by normalized_shape, as torch.nn.functional.layer_norm."""
    ns = _normalized_shape(normalized_shape)
    _check_dtypes(input, (weight, bias))
    if not ns:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
                           f"element, but got normalized_shape = {list(ns)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != ns:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{list(t.shape)} and normalized_shape = {list(ns)}")
    shape = input._data.shape
    if shape[len(shape) - len(ns):] != ns:
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape "
                           f"[*, {', '.join(map(str, ns))}], but got input of size{list(shape)}")
    _check_float(input, "LayerNormKernelImpl")
    return _LayerNorm.apply(input, weight, bias, len(ns), eps)
