"""Build and run-time configuration: threads, instruction set, show_config()."""
import os

from . import _C
from ._version import __version__


def _apply_isa_from_environment():
    """FASTNN_ISA=generic|avx2|avx512 forces a kernel path at import; an ISA the CPU lacks raises."""
    name = os.environ.get("FASTNN_ISA", "").strip().lower()
    if name:
        _C.set_isa(name)


def set_num_threads(n):
    """Threads the kernels may use (default: OMP_NUM_THREADS, else the machine's cores), as torch."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"set_num_threads expects an int, got {type(n).__name__}")
    _C.set_num_threads(n)


def get_num_threads():
    return _C.get_num_threads()


def set_isa(name):
    """Switch the CPU kernels to one instruction set ('generic', 'avx2', 'avx512'); tests use it."""
    _C.set_isa(name)


def get_isa():
    return _C.current_isa()


def available_isas():
    """The instruction sets built into this package that this CPU supports."""
    return [isa for isa in _C.built_isas.split(",") if _C.isa_supported(isa)]


def show_config():
    """Print (and return) how fastnn was built and what it runs on."""
    cuda = "built" if _C.cuda_built else "not built"
    if _C.cuda_built:
        cuda += f", {_C.cuda_device_count()} device(s) visible"
    lines = [
        f"fastnn {__version__}",
        f"  compiler: {_C.compiler}",
        f"  ISAs built: {_C.built_isas}; CPU supports: {', '.join(available_isas())}; in use: {get_isa()}",
        f"  OpenMP: {'yes' if _C.openmp_enabled() else 'no'}, threads: {get_num_threads()}",
        f"  CUDA: {cuda}",
    ]
    text = "\n".join(lines)
    print(text)
    return text
