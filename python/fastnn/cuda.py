"""fastnn.cuda: what a torch script asks before choosing a device.

fastnn has no CUDA tensors yet, so is_available() is False even where the CUDA kernels were built (scripts that
pick `'cuda' if torch.cuda.is_available() else 'cpu'` then run on the CPU). kernels_built() and device_count()
report the CUDA unit itself."""
from . import _C


def is_available():
    return False


def kernels_built():
    """True when this build compiled fastnn's CUDA kernels (FASTNN_CUDA=ON, or AUTO with nvcc found)."""
    return bool(_C.cuda_built)


def device_count():
    """CUDA devices the driver reports (0 without a CUDA build, driver or device)."""
    return int(_C.cuda_device_count())


def is_initialized():
    return False


def manual_seed(seed):
    """Accepted and ignored, as torch does without a CUDA device (scripts seed every backend)."""


def manual_seed_all(seed):
    """Accepted and ignored, as torch does without a CUDA device."""


def empty_cache():
    """Nothing is cached on a device: a no-op, as torch's before CUDA is initialised."""
