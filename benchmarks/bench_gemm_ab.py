"""SGEMM A/B: fastnn against numpy in one process, alternating, 1 and 2 threads (square sizes).

    python benchmarks/bench_gemm_ab.py [--sizes 256,512,1024,2048] [--repeats 7]

bench_kernels.py runs each library in its own process; on 2 cores a neighbour's idle-but-spinning pool (torch's)
can take a core from a 2-thread measurement. Here only fastnn's OpenMP pool (which sleeps ~50 us after a kernel)
and numpy's OpenBLAS pool exist, limited by threadpoolctl, and each figure is the best of --repeats
alternating rounds. OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are unset before numpy loads.
"""
import argparse
import os
import sys
import time

for _k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
    os.environ.pop(_k, None)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _devtree import use_dev_tree  # noqa: E402

use_dev_tree()
import numpy as np  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

import fastnn  # noqa: E402
from fastnn import _C  # noqa: E402


def best_gflops(fn, n, repeats_inner):
    fn()
    t = time.perf_counter()
    for _ in range(repeats_inner):
        fn()
    return 2.0 * n ** 3 * repeats_inner / (time.perf_counter() - t) / 1e9


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="256,512,1024,2048")
    p.add_argument("--repeats", type=int, default=7)
    a = p.parse_args()
    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    print(f"numpy BLAS: {blas[0]['internal_api']} {blas[0]['version']} ({blas[0].get('architecture')}); "
          f"fastnn {fastnn.get_isa()}; peak 1 thread {_C.fma_peak(1, 0.2, 3):.0f} GFLOP/s\n")
    print("| n | threads | fastnn GF/s | numpy GF/s | fastnn / numpy |")
    print("|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    for n in (int(s) for s in a.sizes.split(",")):
        x = rng.standard_normal((n, n), dtype=np.float32)
        y = rng.standard_normal((n, n), dtype=np.float32)
        c = np.empty_like(x)
        inner = max(1, int(2e9 // (2 * n ** 3)))
        for threads in (1, 2):
            fastnn.set_num_threads(threads)
            f, m = [], []
            with threadpool_limits(threads, user_api="blas"):
                for _ in range(a.repeats):
                    f.append(best_gflops(lambda: _C.sgemm(x, y, c), n, inner))
                    m.append(best_gflops(lambda: np.matmul(x, y, out=c), n, inner))
            print(f"| {n} | {threads} | {max(f):.1f} | {max(m):.1f} | {max(f) / max(m):.2f} |", flush=True)


if __name__ == "__main__":
    main()
