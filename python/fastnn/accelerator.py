"""fastnn.accelerator: torch.accelerator as torch answers it on a machine without an accelerator.

fastnn tensors live on the CPU, which torch does not count as an accelerator: is_available() is False,
current_accelerator() None and device_count() 0 (so the Quickstart's `torch.accelerator.current_accelerator().type
if torch.accelerator.is_available() else "cpu"` picks "cpu"); the calls that need a device raise torch's errors.
"""
import warnings

from .tensor import device as _device

__all__ = ["Graph", "current_accelerator", "current_device_idx", "current_device_index", "current_stream",
           "device_count", "device_index", "empty_cache", "empty_host_cache", "get_device_capability",
           "get_memory_info", "is_available", "max_memory_allocated", "max_memory_reserved", "memory_allocated",
           "memory_reserved", "memory_stats", "reset_accumulated_memory_stats", "reset_peak_memory_stats",
           "set_device_idx", "set_device_index", "set_stream", "synchronize"]

_NO_DEVICE = "Cannot access accelerator device when none is available."


def _unavailable(*args, **kwargs):
    raise RuntimeError(_NO_DEVICE)


def _device_index(device, optional=True):
    """torch's reading of a device argument: an int is an index; a named device has no accelerator to match."""
    if isinstance(device, int):
        return device
    if isinstance(device, str):
        device = _device(device)  # an unknown device type raises here, as in torch
    if isinstance(device, _device):
        raise RuntimeError("Accelerator expected")
    if not optional:
        raise ValueError(f"Expected a torch.device with a specified index or an integer, but got:{device}")
    return current_device_index()


def is_available():
    return False


def current_accelerator(check_available=False):
    return None


def device_count():
    return 0


current_device_index = empty_cache = empty_host_cache = _unavailable
memory_stats = memory_allocated = max_memory_allocated = memory_reserved = max_memory_reserved = _unavailable
reset_accumulated_memory_stats = reset_peak_memory_stats = set_stream = _unavailable


def _device_call(device=None, /):
    _device_index(device)
    _unavailable()


synchronize = current_stream = get_device_capability = get_memory_info = _device_call


def set_device_index(device, /):
    """A no-op for a negative index, as torch; any other device needs an accelerator."""
    if _device_index(device, optional=False) >= 0:
        _unavailable()


def current_device_idx():
    warnings.warn("Use `current_device_index` instead.", FutureWarning, stacklevel=2)
    return current_device_index()


def set_device_idx(device, /):
    warnings.warn("Use `set_device_index` instead.", FutureWarning, stacklevel=2)
    return set_device_index(device)


class device_index:
    """Context manager switching the device index; with None it does nothing, as torch's."""

    def __init__(self, device, /):
        self.idx = device

    def __enter__(self):
        if self.idx is not None:
            _unavailable()

    def __exit__(self, *exc_info):
        pass


class Graph:
    """An accelerator graph capture: there is no accelerator to capture on."""

    def __init__(self, keep_graph=False, *, pool=None, capture_error_mode="default"):
        _unavailable()
