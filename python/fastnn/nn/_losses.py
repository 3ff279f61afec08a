"""Loss functions (functional forms). cross_entropy on class indices runs as one fused C++ kernel (log-softmax,
pick, and the gradient softmax - onehot in one pass); the other cases compose differentiable ops."""
import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..backend import cpu as K
from ..ops import log_softmax, where
from ..ops._util import c_contiguous, named
from ..tensor import Tensor

_REDUCTIONS = ("none", "mean", "sum")


def _reduction(size_average, reduce, reduction):
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        return ("mean" if size_average else "sum") if reduce else "none"
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction, node=None):
    """loss reduced as asked; node: the grad_fn name torch shows for the whole loss (one op there, several here)."""
    r = loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss
    return r if node is None else named(r, node)


def _check_class_targets(input, target, weight):
    """Validate class-index targets (and a per-class weight) in torch's order and words; returns int64 targets,
    0-d for a 1-D input (torch also takes a target of shape (1,) there)."""
    x, t = input._data, target._data
    if weight is None and t.dtype == np.int64 and x.ndim == 2 and t.shape == x.shape[:1]:
        return target  # the usual (N, C) input with (N,) int64 targets
    xd, td = x.ndim, t.ndim
    if xd < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {xd})")
    if xd != 1 and x.shape[0] != (t.shape[0] if td else 0):
        raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target batch_size "
                         f"({t.shape[0] if td else 0}).")
    if xd <= 2 and td > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if xd == 4 and td != 3:
        raise RuntimeError(f"only batches of spatial targets supported (3D tensors) but got targets of dimension: {td}")
    if xd == 4 and t.shape[1:] != x.shape[2:]:
        raise RuntimeError(f"size mismatch (got input: {list(x.shape)} , target: {list(t.shape)}")
    if xd >= 3 and t.shape[1:] != x.shape[2:]:
        raise RuntimeError(f"Expected target size {list(x.shape[:1] + x.shape[2:])}, got {list(t.shape)}")
    if target.dtype.name not in ("int64", "uint8"):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_dt.torch_name(target.dtype)}")
    if xd == 1 and td == 1:
        if t.shape[0] != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {t.shape[0]}")
        target = target.reshape(())
    if target.dtype.name == "uint8":
        target = Tensor._make(target._data.astype(np.int64))
    c = x.shape[1] if xd >= 2 else x.shape[0]
    if weight is not None and weight._data.shape != (c,):
        if xd >= 3:
            raise RuntimeError("weight tensor should be defined either for all or no classes")
        raise RuntimeError(f"weight tensor should be defined either for all {c} classes or no classes but got "
                           f"weight tensor of shape: {list(weight.shape)}")
    return target


def _check_float(input, kernel):
    """torch's NotImplementedError for a kernel that takes only floating-point input."""
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_dt.torch_name(input.dtype)}'")


def _check_softmax_input(input, dim, dtype, name):
    """(log_)softmax of a non-floating dtype raises torch's NotImplementedError (an out-of-range dim is left to
    the op's IndexError)."""
    if input._data.dtype.kind == "f" if dtype is None else dtype.is_floating_point:
        return
    dt = input.dtype if dtype is None else dtype
    nd = input._data.ndim
    if dim is None:
        dim = 0 if nd in (0, 1, 3) else 1
    if not -max(nd, 1) <= dim < max(nd, 1):
        return
    last = "_lastdim" if nd == 0 or dim % nd == nd - 1 else ""
    raise NotImplementedError(f"\"{name}{last}_kernel_impl\" not implemented for '{_dt.torch_name(dt)}'")


def _as_rows(input, target):
    """(N, C, d1, ...) with targets (N, d1, ...) -> (N*d1*..., C) rows and flat targets."""
    if input._data.ndim == 1:
        return input.unsqueeze(0), target.reshape(1)
    if input._data.ndim == 2:
        return input, target
    c = input._data.shape[1]
    return input.movedim(1, -1).reshape(-1, c), target.reshape(-1)


# ---------------------------------------------------------------- NLL
class _NLL(Function):
    _internal = True
    _fresh_grads = True
    _node_name = "NllLoss"

    @staticmethod
    def forward(ctx, input, target, weight, ignore_index, reduction):
        x = input._data
        w = weight._data if weight is not None else None
        losses, total, wsum = K.nll_loss(x, target._data, w, ignore_index)
        ctx.t, ctx.w, ctx.ignore_index, ctx.shape, ctx.reduction = target._data, w, ignore_index, x.shape, reduction
        if reduction == "none":
            return losses
        if reduction == "sum":
            return np.asarray(total, dtype=x.dtype)
        ctx.denom = wsum
        # every target ignored: nan, as torch
        return np.asarray(total / wsum if wsum else np.nan, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        if ctx.reduction == "mean":
            # g[()] is a numpy scalar: the same division in g's dtype, without a 0-d array's ufunc call
            scale = g[()] / ctx.denom if ctx.denom else np.full((), np.nan, dtype=g.dtype)
        else:
            scale = g
        return K.nll_loss_backward(ctx.t, ctx.w, ctx.ignore_index, scale, ctx.shape, g.dtype), None, None, None, None


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log likelihood of class indices given log-probabilities (C,), (N, C) or (N, C, d1, ...)."""
    reduction = _reduction(size_average, reduce, reduction)
    target = _check_class_targets(input, target, weight)
    _check_float(input, "nll_loss_out_frame" if input._data.ndim <= 2 else "nll_loss2d_forward_out_frame")
    if weight is not None and weight.dtype is not input.dtype:
        raise RuntimeError(f"expected scalar type {_dt.torch_name(input.dtype)} but found {_dt.torch_name(weight.dtype)}")
    x, t = _as_rows(input, target)
    out = _NLL.apply(x, t, weight, ignore_index, reduction)
    if reduction == "none" and input._data.ndim != 2:
        out = out.reshape(target.shape)
    return out


# ---------------------------------------------------------------- cross-entropy
class _FusedCrossEntropy(Function):
    """Mean/sum/none cross-entropy of (N, C) logits with class indices; dlogits from the same kernel pass."""

    _internal = True
    _node_name = "NllLoss"

    @staticmethod
    def forward(ctx, logits, target, reduction):
        n = logits._data.shape[0]
        scale = 1.0 / n if reduction == "mean" else 1.0  # dlogits arrive already divided by N
        losses, d = K.cross_entropy(c_contiguous(logits._data), c_contiguous(target._data), scale)
        ctx.d, ctx.reduction = d, reduction
        if reduction == "none":
            return losses
        total = losses.sum(dtype=losses.dtype)
        if reduction == "sum":
            return np.asarray(total)
        return np.asarray(total / losses.dtype.type(max(losses.shape[0], 0)))

    @staticmethod
    def backward(ctx, g):
        d = ctx.d
        if ctx.reduction == "none":
            return d * g[:, None], None, None
        return d * g, None, None  # a fresh array: d stays intact for a retained graph


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Cross-entropy of logits with class indices (N,) or class probabilities (same shape as input)."""
    reduction = _reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    x = input._data
    if x.shape == target._data.shape:  # class probabilities, as torch decides: by shape
        if not target.dtype.is_floating_point:
            raise RuntimeError(f"Expected floating point type for target with class probabilities, got "
                               f"{_dt.torch_name(target.dtype)}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        if x.ndim == 0:
            raise IndexError("Dimension specified as 1 but tensor has no dimensions")
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing)
    if x.ndim == 0:
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    _check_softmax_input(input, 1 if x.ndim >= 2 else 0, None, "log_softmax")
    one = target._data.shape == (1,)
    target = _check_class_targets(input, target, weight)
    if label_smoothing > 0 and x.ndim == 1 and one:
        raise RuntimeError("output with shape [] doesn't match the broadcast shape [1]")  # torch's, verbatim
    c = x.shape[1] if x.ndim >= 2 else x.shape[0]
    t = target._data  # the kernels check the range (IndexError naming the first bad target)
    if (x.ndim == 2 and weight is None and label_smoothing == 0.0 and input.dtype.is_floating_point
            and not (t == ignore_index).any() and x.shape[0] > 0):
        return _FusedCrossEntropy.apply(input, target, reduction)
    logp = log_softmax(input, 1 if x.ndim >= 2 else 0)
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing == 0.0:
        return nll
    return _label_smoothing(logp, target, weight, ignore_index, reduction, label_smoothing, nll, c)


def _label_smoothing(logp, target, weight, ignore_index, reduction, eps, nll, c):
    cdim = 1 if logp._data.ndim >= 2 else 0
    if weight is not None:
        wshape = [1] * logp._data.ndim
        wshape[cdim] = c
        smooth = -(logp * weight.reshape(wshape)).sum(cdim)
    else:
        smooth = -logp.sum(cdim)
    ignore = Tensor._make(target._data == ignore_index)
    smooth = smooth.masked_fill(ignore, 0.0)
    if reduction == "mean":
        valid = target._data[target._data != ignore_index]
        denom = weight._data[valid].sum() if weight is not None else valid.size
        smooth = smooth.sum() / float(denom) if denom else smooth.sum() * float("nan")  # all ignored: nan
    elif reduction == "sum":
        smooth = smooth.sum()
    return nll * (1 - eps) + smooth * (eps / c)


def _cross_entropy_probs(input, target, weight, reduction, eps):
    cdim = 1 if input._data.ndim >= 2 else 0
    c = input._data.shape[cdim]
    if weight is not None and weight._data.shape != (c,):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all {c} classes or no "
                           f"classes but got weight tensor of shape: {list(weight.shape)}")
    _check_softmax_input(input, cdim, None, "log_softmax")
    if eps > 0:
        target = target * (1 - eps) + eps / c
    logp = log_softmax(input, cdim)
    prod = logp * target
    if weight is not None:
        wshape = [1] * input._data.ndim
        wshape[cdim] = c
        prod = prod * weight.reshape(wshape)
    loss = -prod.sum(cdim)
    if reduction == "mean":
        n = input._data.size // c
        return loss.sum() / n
    return _reduce(loss, reduction)


# ---------------------------------------------------------------- regression and binary losses
def _check_same_size(input, target, name):
    if input.shape != target.shape:
        import warnings
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", stacklevel=3)


class _MSE(Function):
    """(input - target)^2 reduced, in one node (torch's MseLossBackward0): same-shape, same-dtype operands."""

    _internal = True
    _node_name = "MseLoss"

    @staticmethod
    def forward(ctx, x, t, reduction):
        d = x._data - t._data
        ctx.d, ctx.reduction = d, reduction
        sq = d * d
        if reduction == "none":
            return sq
        return np.asarray(sq.sum(dtype=d.dtype) if reduction == "sum" else sq.mean(dtype=d.dtype))

    @staticmethod
    def backward(ctx, g):
        d = ctx.d
        scale = g * 2 if ctx.reduction != "mean" else g * (2 / max(d.size, 1))
        gx = d * scale
        return (gx if ctx.needs_input_grad[0] else None), (-gx if ctx.needs_input_grad[1] else None), None


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    reduction = _reduction(size_average, reduce, reduction)
    _check_same_size(input, target, "mse_loss")
    if input.shape == target.shape and input.dtype is target.dtype and input.dtype.is_floating_point:
        return _MSE.apply(input, target, reduction)
    d = input - target
    return _reduce(d * d, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    _check_same_size(input, target, "l1_loss")
    return _reduce((input - target).abs(), reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    reduction = _reduction(size_average, reduce, reduction)
    d = (input - target).abs()
    if beta == 0:
        return _reduce(d, reduction, "SmoothL1Loss")
    return _reduce(where(d < beta, d * d * (0.5 / beta), d - 0.5 * beta), reduction, "SmoothL1Loss")


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    reduction = _reduction(None, None, reduction)
    d = (input - target).abs()
    return _reduce(where(d < delta, d * d * 0.5, (d - 0.5 * delta) * delta), reduction, "HuberLoss")


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Pointwise target * (log(target) - input) (0 where target is 0), or exp(t) * (t - input) with log_target.

    The target's own log is differentiated too (torch's xlogy), so a target that requires grad gets
    log(t) + 1 - input; reduction 'batchmean' divides the sum by the batch size."""
    if reduction != "batchmean":
        reduction = _reduction(size_average, reduce, reduction)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        positive = Tensor._make(target._data > 0)
        loss = target * (where(positive, target, 1.0).log() - input)
    if reduction == "batchmean":
        return loss.sum() / input._data.shape[0]
    return _reduce(loss, reduction)


class _BCE(Function):
    """Elementwise -(t log x + (1 - t) log(1 - x)) with both logs clamped at -100, as torch.

    Its own backward keeps saturated probabilities finite (a float32 sigmoid returns exactly 0 or 1 for |z| > ~17,
    where the composed log's gradient was inf * 0 = nan): dx = (x - t) / max(x (1 - x), 1e-12),
    dt = log(1 - x) - log(x), as torch."""

    _internal = True
    _node_name = "BinaryCrossEntropy"

    @staticmethod
    def forward(ctx, x, t):
        xv, tv = x._data, t._data
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(xv), -100)
            log_1mx = np.maximum(np.log1p(-xv), -100)
        ctx.x, ctx.t = xv, tv
        return -(tv * log_x + (1 - tv) * log_1mx)

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.x, ctx.t
        gx = gt = None
        if ctx.needs_input_grad[0]:
            gx = g * (x - t) / np.maximum(x * (1 - x), x.dtype.type(1e-12))
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):  # unclamped here, as torch: +-inf at 0 and 1
                gt = g * (np.log1p(-x) - np.log(x))
        return gx, gt


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    if target.dtype is not input.dtype:
        raise RuntimeError(f"Found dtype {_dt.torch_name(target.dtype)} but expected {_dt.torch_name(input.dtype)}")
    _check_float(input, "binary_cross_entropy")
    x = input._data
    if x.size and (x.min() < 0 or x.max() > 1 or np.isnan(x).any()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    loss = _BCE.apply(input, target)
    if weight is not None:
        loss = _same_dtype(loss * weight, loss.dtype)
    return _reduce(loss, reduction, "BinaryCrossEntropy")


def _same_dtype(t, dtype):
    """t in dtype: torch's losses multiply weights in place, so the loss keeps its dtype."""
    return t if t.dtype is dtype else t.to(dtype)


class _SoftplusNeg(Function):
    """softplus(-x) = log(1 + exp(-|x|)) + max(-x, 0), stable for any x, with the exact gradient -sigmoid(-x)
    (composing abs and clamp gave -1 instead of -1/2 at x == 0, e.g. for a zero-initialised last layer)."""

    _internal = True
    _node_name = "SoftplusNeg"

    @staticmethod
    def forward(ctx, x):
        xv = x._data
        e = np.exp(-np.abs(xv))
        ctx.x, ctx.e = xv, e
        return np.log1p(e) + np.maximum(-xv, 0)

    @staticmethod
    def backward(ctx, g):
        e = ctx.e
        sig_neg = np.where(ctx.x >= 0, e / (1 + e), 1 / (1 + e))  # sigmoid(-x) without overflow
        return -g * sig_neg


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    reduction = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    _check_float(input, "log_sigmoid_cpu")
    # torch computes the loss in place in (1 - target): its dtype is the target's, which must be floating
    if target.dtype.name == "bool":
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                           "`logical_xor()` operator instead.")
    if not target.dtype.is_floating_point:
        raise RuntimeError(f"result type {_dt.torch_name(input.dtype)} can't be cast to the desired output type "
                           f"{_dt.torch_name(target.dtype)}")
    # (1 - t) x + lw * softplus(-x), lw = 1 + (pos_weight - 1) t
    softplus_neg = _SoftplusNeg.apply(input)
    if pos_weight is not None:
        lw = (pos_weight - 1) * target + 1
        loss = (1 - target) * input + lw * softplus_neg
    else:
        loss = (1 - target) * input + softplus_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(_same_dtype(loss, target.dtype), reduction, "BinaryCrossEntropyWithLogits")
