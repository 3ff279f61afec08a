"""nn.init: in-place initialisers (run under no_grad, as torch's), with torch's fan and gain rules."""
import math

import numpy as np

from ..autograd import grad_mode
from ..ops import inplace
from ..random import _rng


def calculate_gain(nonlinearity, param=None):
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
    if nonlinearity in linear or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    dims = tensor.dim()
    if dims < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = 1
    for s in tensor.shape[2:]:
        receptive *= s
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    with grad_mode.no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    with grad_mode.no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor, val):
    with grad_mode.no_grad():
        return tensor.fill_(val)


def zeros_(tensor):
    with grad_mode.no_grad():
        return tensor.zero_()


def ones_(tensor):
    with grad_mode.no_grad():
        return tensor.fill_(1)


def eye_(tensor):
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    with grad_mode.no_grad():
        tensor.zero_()
        np.fill_diagonal(tensor._data, 1)
    return tensor


def xavier_uniform_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    if 0 in tensor.shape:
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    if 0 in tensor.shape:
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0, std, generator)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    with grad_mode.no_grad():
        rng = _rng(generator)
        out = rng.standard_normal(tensor.shape) * std + mean
        bad = (out < a) | (out > b)
        while bad.any():
            out[bad] = rng.standard_normal(int(bad.sum())) * std + mean
            bad = (out < a) | (out > b)
        np.copyto(tensor._data, out, casting="unsafe")
    return tensor


def _write(tensor, arr):
    """Copy arr into tensor under no_grad (a parameter's in-place init), bumping its version."""
    with grad_mode.no_grad():
        inplace.write(tensor, arr.reshape(tensor.shape))
    return tensor


def orthogonal_(tensor, gain=1, generator=None):
    """Fill tensor with a (semi-)orthogonal matrix times gain, its dims after the first flattened, as torch: the Q
    of a QR factorisation of a normal draw, column signs fixed by R's diagonal. The draw comes from fastnn's
    generator (float64), so the numbers differ from torch's."""
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = _rng(generator).standard_normal((rows, cols))
    q, r = np.linalg.qr(flat if rows >= cols else flat.T)
    q *= np.sign(np.diag(r))
    return _write(tensor, (q if rows >= cols else q.T) * gain)


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """Fill a 2-D tensor from N(0, std) with ceil(sparsity * rows) zeros in each column (rows chosen at random).
    Draws from fastnn's generator, so the numbers differ from torch's."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    rng = _rng(generator)
    values = rng.standard_normal((rows, cols)) * std
    zeros = np.argsort(rng.random((rows, cols)), axis=0)[:math.ceil(sparsity * rows)]  # a random permutation per column
    values[zeros, np.arange(cols)] = 0
    return _write(tensor, values)
