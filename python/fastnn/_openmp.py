"""OpenMP wait policy, applied while the extension (and with it libgomp) loads.

libgomp's idle threads busy-wait ~300000 pause instructions (~8 ms on this Zen 3) after every parallel region
by default. Beside numpy's OpenBLAS threads that steals the cores numpy is about to use (torch's pool did that
to a 66 us numpy matmul: 7.7 ms). fastnn's threads spin GOMP_SPINCOUNT=2000 (~50 us: back-to-back kernels still
find them awake) and then sleep. A user's own OMP_WAIT_POLICY or GOMP_SPINCOUNT wins. libgomp reads the
variable once, when it loads; the variable is removed again afterwards so child processes do not inherit it.
(If another library loaded libgomp first, e.g. torch imported before fastnn, that copy's settings stay.)
"""
import contextlib
import os

SPINCOUNT = "2000"


@contextlib.contextmanager
def quiet_idle_threads():
    ours = "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ
    if ours:
        os.environ["GOMP_SPINCOUNT"] = SPINCOUNT
    try:
        yield
    finally:
        if ours:
            os.environ.pop("GOMP_SPINCOUNT", None)
