"""gradcheck: analytic gradients against float64 central differences, as torch.autograd.gradcheck."""
import numpy as np

from . import grad_mode
from .engine import grad as autograd_grad


class GradcheckError(RuntimeError):
    pass


def _as_tuple(x):
    if isinstance(x, list):  # torch accepts a list of inputs too
        return tuple(x)
    return x if isinstance(x, tuple) else (x,)


def _numerical_jacobian(fn, inputs, idx, eps):
    """d(flattened outputs)/d(inputs[idx]) by central differences: shape (numel_in, numel_out)."""
    arr = inputs[idx]._data  # perturbed in place, element by element in C order (any strides)
    cols = []
    with grad_mode.no_grad():
        for j in np.ndindex(arr.shape):
            orig = arr[j]
            arr[j] = orig + eps
            plus = np.concatenate([o._data.reshape(-1).astype(np.float64) for o in _as_tuple(fn(*inputs))])
            arr[j] = orig - eps
            minus = np.concatenate([o._data.reshape(-1).astype(np.float64) for o in _as_tuple(fn(*inputs))])
            arr[j] = orig
            cols.append((plus - minus) / (2 * eps))
    return np.stack(cols) if cols else np.zeros((0, 0))


def _analytic_jacobian(fn, inputs, diff_idx):
    from ..tensor import Tensor

    outputs = [o for o in _as_tuple(fn(*inputs))]
    n_out = sum(o.numel() for o in outputs)
    jac = {i: np.zeros((inputs[i].numel(), n_out)) for i in diff_idx}
    col = 0
    for k, o in enumerate(outputs):
        for j in range(o.numel()):
            if not o.requires_grad:
                col += 1
                continue
            seed = np.zeros(o.shape, dtype=o.dtype.numpy)
            seed.reshape(-1)[j] = 1
            grads = autograd_grad([o], [inputs[i] for i in diff_idx], [Tensor._make(seed)], retain_graph=True,
                                  allow_unused=True)
            for i, g in zip(diff_idx, grads):
                if g is not None:
                    jac[i][:, col] = g._data.reshape(-1)
            col += 1
    return jac


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, **_ignored):
    """True when the analytic gradient of `func` at `inputs` matches central differences.

    Inputs that require grad should be float64 (a warning-free check needs the precision). Raises
    GradcheckError naming the input and the worst element when they differ (or returns False with
    raise_exception=False)."""
    from ..tensor import Tensor

    inputs = _as_tuple(inputs)
    diff_idx = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient")
    analytic = _analytic_jacobian(func, inputs, diff_idx)
    for i in diff_idx:
        numeric = _numerical_jacobian(func, inputs, i, eps)
        a = analytic[i]
        if numeric.shape != a.shape or not np.allclose(a, numeric, rtol=rtol, atol=atol):
            if not raise_exception:
                return False
            err = np.abs(a - numeric) if numeric.shape == a.shape else None
            where = np.unravel_index(np.argmax(err), err.shape) if err is not None and err.size else None
            raise GradcheckError(f"Jacobian mismatch for output 0 with respect to input {i}: worst element "
                                 f"{where}: analytic {a[where] if where else a.shape} vs numerical "
                                 f"{numeric[where] if where else numeric.shape}")
    return True
