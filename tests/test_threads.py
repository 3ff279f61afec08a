"""fastnn's idle OpenMP threads yield the cores soon after a kernel (see fastnn/_openmp.py), so numpy's OpenBLAS
right after a 2-thread fastnn kernel runs at its usual speed. Each check runs in a fresh process: libgomp reads
its wait policy when it loads, and this pytest process may have loaded it already (torch, other tests)."""
import os
import subprocess
import sys
import textwrap

import pytest

import fastnn

pytestmark = pytest.mark.skipif(not fastnn._C.openmp_enabled(), reason="fastnn was built without OpenMP")

PRELUDE = textwrap.dedent("""
    import os, resource, sys, time
    import numpy as np
    import fastnn
    from fastnn import _C
    fastnn.set_num_threads(2)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((384, 384)).astype(np.float32)
    c = np.empty_like(a)
""")


def run_script(body, **env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY")}
    env.update(env_overrides)
    code = PRELUDE + textwrap.dedent(body)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return [float(x) for x in out.stdout.split()]


WORKER_CPU = """
    _C.sgemm(a, a, c)
    time.sleep(0.2)
    spent = []
    for _ in range(5):
        r0 = resource.getrusage(resource.RUSAGE_SELF); t0 = time.thread_time()
        _C.sgemm(a, a, c)  # 2 threads: 384^3 is far above the threading threshold
        t1 = time.thread_time()
        time.sleep(0.2)
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        spent.append((r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) - (t1 - t0))
    print(sorted(spent)[2])
"""


def test_environment_is_restored_after_import():
    out = run_script("print(int('GOMP_SPINCOUNT' in os.environ))")
    assert out == [0.0]


def test_idle_worker_stops_spinning_soon_after_a_kernel():
    """CPU time of the worker thread per kernel: its share of the work (~1 ms) plus its spin. libgomp's default
    spin alone is ~8 ms on this machine; ours is ~50 us."""
    ours = run_script(WORKER_CPU)[0]
    assert ours < 0.004, f"worker thread used {ours * 1e3:.1f} ms of CPU per 384^3 kernel"


def test_user_policy_wins():
    """OMP_WAIT_POLICY=active set by the user is respected (and shows the spinning the default policy avoids)."""
    active = run_script(WORKER_CPU, OMP_WAIT_POLICY="active", GOMP_SPINCOUNT="100000000")[0]
    assert active > 0.1, f"worker thread used only {active * 1e3:.1f} ms: the user's policy was overridden"


NUMPY_AFTER_FASTNN = """
    x = rng.standard_normal((64, 784)).astype(np.float32)
    w = rng.standard_normal((784, 128)).astype(np.float32)
    def numpy_time():
        t = time.perf_counter(); x @ w; return time.perf_counter() - t
    for _ in range(20):
        x @ w
    control, after = [], []
    for _ in range(41):  # interleaved: numpy right after the same fastnn kernel on 1 thread, then on 2
        fastnn.set_num_threads(1); _C.sgemm(a, a, c)
        control.append(numpy_time())
        fastnn.set_num_threads(2); _C.sgemm(a, a, c)
        after.append(numpy_time())
    print(sorted(control)[20], sorted(after)[20])
"""


def test_numpy_matmul_right_after_a_two_thread_kernel_is_not_slowed():
    """The control, numpy after the same kernel on 1 thread, has the same caches evicted and OpenBLAS's threads
    idle as long, with no fastnn worker left to spin; so a load from outside slows both alike (OpenBLAS's own
    threads, with a third busy process on the 2 cores, can take 40 ms after either)."""
    control, after = run_script(NUMPY_AFTER_FASTNN)
    assert after < 3 * control + 200e-6, (f"numpy 64x784x128: {control * 1e6:.0f} us after a 1-thread fastnn "
                                          f"kernel, {after * 1e6:.0f} us after the same kernel on 2 threads")


def test_default_thread_count_is_not_taken_from_another_openmp_user():
    """fastnn's default thread count is fixed at import (OMP_NUM_THREADS here), not at its first kernel call,
    when torch.set_num_threads may have changed the shared OpenMP setting."""
    code = textwrap.dedent("""
        import numpy as np
        import fastnn
        import torch
        torch.set_num_threads(1)
        fastnn.tensor(np.ones((4, 4), np.float32)) @ fastnn.tensor(np.ones((4, 4), np.float32))
        print(fastnn.get_num_threads())
    """)
    env = dict(os.environ, OMP_NUM_THREADS="3")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["3"]
