"""fastnn: a small, fast deep-learning framework with a PyTorch-shaped API.

`import fastnn as torch` runs typical PyTorch training code: tensors with autograd, fastnn.nn, fastnn.optim,
fastnn.utils.data and fastnn.vision, with the hot kernels in fastnn's own C++ (fastnn._C).
"""
import importlib as _importlib
import warnings as _warnings

# numpy reports float errors (1 / 0, log(0), exp overflow) as RuntimeWarnings; torch returns the same inf and nan
# silently, and so do fastnn's ops. The filter matches only warnings raised from fastnn's own modules.
_warnings.filterwarnings("ignore", message="(divide by zero|invalid value|overflow|underflow) encountered",
                         category=RuntimeWarning, module=r"fastnn(\.|$)")

from ._openmp import quiet_idle_threads as _quiet_idle_threads
with _quiet_idle_threads():  # before libgomp loads: idle OpenMP threads must not spin against numpy
    from . import _C
from ._config import (__version__, _apply_isa_from_environment, available_isas, get_isa, get_num_threads,
                      set_isa, set_num_threads, show_config)
from .dtypes import (bool_ as bool, dtype, finfo, float16, float32, float64, get_default_dtype, iinfo, int8, int16,
                     int32, int64, set_default_dtype, uint8)
from .tensor import Size, Tensor, device, is_tensor
from . import _tensor_methods  # noqa: F401  (binds the methods and operators onto Tensor)
from . import autograd
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .random import (Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed,
                     set_rng_state)
from .creation import (arange, as_tensor, empty, empty_like, eye, from_dlpack, from_numpy, full, full_like,
                       linspace, logspace, multinomial, normal, ones, ones_like, rand, rand_like, randint,
                       randint_like, randn, randn_like, randperm, tensor, zeros, zeros_like)
from .ops import *  # noqa: F401,F403  (fastnn.exp, fastnn.matmul, ...)
from .ops import abs, all, any, max, min, pow, round, sum  # names that shadow builtins, exported on purpose
from ._fast_paths import matmul, mm, t  # the same ops with a C fast path, also bound onto Tensor
from ._tensor_str import get_printoptions, set_printoptions

float = float32
double = float64
half = float16
long = int64
int = int32
short = int16


from .tensor import LEGACY_TYPES as _LEGACY_TYPES
globals().update(_LEGACY_TYPES)  # FloatTensor, LongTensor, ...: torch's legacy tensor types

_SUBMODULES = ("nn", "optim", "utils", "vision", "viz", "backend", "backends", "train", "serialization", "cuda",
               "accelerator", "special", "testing")


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Accepted for torch scripts: fastnn's kernels are always deterministic (bit-identical on any thread
    count), so there is nothing to switch."""
    global _deterministic
    _deterministic = True if mode else False  # (bool is fastnn.bool here)


def are_deterministic_algorithms_enabled():
    return _deterministic


_deterministic = False


def set_float32_matmul_precision(precision):
    """Accepted for torch scripts and returned by get_float32_matmul_precision(): 'highest', 'high' or 'medium'
    (another string warns and changes nothing, as torch). fastnn always multiplies float32 at full float32
    precision (no TF32 or bfloat16 passes), whatever the setting."""
    global _matmul_precision
    if not isinstance(precision, str):
        raise RuntimeError(f"set_float32_matmul_precision expects a str, but got {type(precision).__name__}")
    if precision not in ("highest", "high", "medium"):
        _warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"  # torch's words,
                       "setFloat32MatmulPrecision call has no effect.", stacklevel=2)  # its missing space too
        return
    _matmul_precision = precision


def get_float32_matmul_precision():
    return _matmul_precision


_matmul_precision = "highest"


def __getattr__(name):
    """Submodules load on first use, so `import fastnn` alone makes fastnn.nn, fastnn.optim, ... reachable."""
    if name in _SUBMODULES:
        return _importlib.import_module("." + name, __name__)
    raise AttributeError(f"module 'fastnn' has no attribute '{name}'")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))


from .serialization import load, save  # noqa: E402  (safetensors files, never pickle)
from .special import xlogy  # noqa: E402

_apply_isa_from_environment()
