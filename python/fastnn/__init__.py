"""fastnn: a small, fast deep-learning framework with a PyTorch-shaped API."""
from ._openmp import quiet_idle_threads as _quiet_idle_threads
with _quiet_idle_threads():  # before libgomp loads: idle OpenMP threads must not spin against numpy
    from . import _C
from ._config import (__version__, available_isas, get_isa, get_num_threads, set_isa, set_num_threads,
                      show_config, _apply_isa_from_environment)

_apply_isa_from_environment()
