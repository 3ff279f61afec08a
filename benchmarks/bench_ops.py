"""Activation, softmax-family and cross-entropy kernels: fastnn's backend against torch (CPU), interleaved.

    python benchmarks/bench_ops.py [--quick] [--threads 1,2] [--repeats 11]

Each library runs in its own worker process per thread count (torch's OpenMP pool must not spin beside ours),
with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset before numpy loads. The parent asks the workers in turn
(alternating order) to time one case: a time is the mean over an inner loop of calls lasting >= 10-30 ms, each
figure the median of the repeats. fastnn and torch both allocate their outputs on every call.

torch runs the same work at the ATen-op level (forward op + its *_backward op, no autograd graph), the strictest
comparison: autograd would add ~20 us per step to torch.

The cases use the Case/factory shape of benchmarks/bench_kernels.py (factory(rng) -> zero-argument callable,
None where a library has no equivalent), so CASES can be appended to its list as they are.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LIBS = ("fastnn", "torch")


from bench_kernels import Case  # noqa: E402  (one case shape for both benchmarks)


def _data(rng, shape, n=2):
    import numpy as np
    return [rng.standard_normal(shape).astype(np.float32) for _ in range(n)]


def activation_case(act, rows, cols):
    def f_fastnn(rng):
        from fastnn.backend import cpu
        fwd, bwd = getattr(cpu, act), getattr(cpu, act + "_backward")
        x, g = _data(rng, (rows, cols))
        return lambda: bwd(g, fwd(x))

    def f_torch(rng):
        import torch
        x, g = (torch.from_numpy(a) for a in _data(rng, (rows, cols)))
        aten = torch.ops.aten
        if act == "relu":
            return lambda: aten.threshold_backward(g, torch.relu(x), 0)
        fwd, bwd = (torch.sigmoid, aten.sigmoid_backward) if act == "sigmoid" else (torch.tanh, aten.tanh_backward)
        return lambda: bwd(g, fwd(x))

    return Case("Activations, forward + backward (us per call)", f"{act} {rows}x{cols}", None, f_fastnn, None,
                f_torch, quick=True)


def softmax_case(log, rows, cols):
    name = "log_softmax" if log else "softmax"

    def f_fastnn(rng):
        from fastnn.backend import cpu
        fwd, bwd = getattr(cpu, name), getattr(cpu, name + "_backward")
        x, g = _data(rng, (rows, cols))
        return lambda: bwd(g, fwd(x))

    def f_torch(rng):
        import torch
        x, g = (torch.from_numpy(a) for a in _data(rng, (rows, cols)))
        if log:
            return lambda: torch._log_softmax_backward_data(g, torch.log_softmax(x, 1), 1, torch.float32)
        return lambda: torch._softmax_backward_data(g, torch.softmax(x, 1), 1, torch.float32)

    return Case("Softmax family, forward + backward (us per call)", f"{name} {rows}x{cols}", None, f_fastnn, None,
                f_torch)


def cross_entropy_case(rows, cols):
    """Mean cross-entropy loss and dlogits for grad_output = 1."""
    def targets(rng):
        return rng.integers(0, cols, rows)

    def f_fastnn(rng):
        from fastnn.backend import cpu
        x, = _data(rng, (rows, cols), 1)
        t = targets(rng)
        scale = 1.0 / rows

        def step():
            loss, d = cpu.cross_entropy(x, t, scale)
            return loss.sum() * scale, d
        return step

    def f_torch(rng):
        import torch
        x, = (torch.from_numpy(a) for a in _data(rng, (rows, cols), 1))
        t = torch.from_numpy(targets(rng))
        aten, one = torch.ops.aten, torch.ones(())

        def step():
            lp = torch.log_softmax(x, 1)
            loss, total_weight = aten.nll_loss_forward(lp, t, None, 1, -100)
            glp = aten.nll_loss_backward(one, lp, t, None, 1, -100, total_weight)
            return loss, torch._log_softmax_backward_data(glp, lp, 1, torch.float32)
        return step

    return Case("Softmax family, forward + backward (us per call)", f"cross_entropy {rows}x{cols}", None, f_fastnn,
                None, f_torch)


def build_cases():
    cases = []
    for rows, cols in ((64, 10), (4096, 1000)):
        cases += [softmax_case(False, rows, cols), softmax_case(True, rows, cols), cross_entropy_case(rows, cols)]
    for rows, cols in ((64, 128), (4096, 4096)):
        cases += [activation_case(a, rows, cols) for a in ("relu", "sigmoid", "tanh")]
    return cases


CASES = build_cases()


# ---- worker process: one library, one thread count ----

def worker(lib, threads):
    sys.path.insert(0, HERE)
    from _devtree import use_dev_tree
    use_dev_tree()
    import numpy as np
    from threadpoolctl import threadpool_info, threadpool_limits
    threadpool_limits(threads)
    if lib == "fastnn":
        import fastnn
        fastnn.set_num_threads(threads)
        blas = [p for p in threadpool_info() if p["user_api"] == "blas"]
        info = {"isa": fastnn.get_isa(), "blas": ", ".join(f"{p['internal_api']} {p['version']} "
                                                           f"({p.get('architecture')})" for p in blas)}
    else:
        import torch
        torch.set_num_threads(threads)
        info = {"torch": torch.__version__}
    fns = {}
    print(json.dumps(info), flush=True)
    for line in sys.stdin:
        idx, target = line.split()
        idx, target = int(idx), float(target)
        if idx not in fns:
            fns[idx] = getattr(CASES[idx], lib)(np.random.default_rng(idx))
            for _ in range(3):
                fns[idx]()
        fn, n = fns[idx], 1
        while True:
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            t = time.perf_counter() - t0
            if t >= target:
                break
            n = max(n * 2, int(n * target / max(t, 1e-9) * 1.2))
        print(json.dumps(t / n), flush=True)


def start_worker(lib, threads):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    p = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker", lib, "--threads", str(threads)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    return p, json.loads(p.stdout.readline())


def ask(p, idx, target):
    p.stdin.write(f"{idx} {target}\n")
    p.stdin.flush()
    return json.loads(p.stdout.readline())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="shorter timings, 5 repeats")
    ap.add_argument("--threads", default="1,2", help="comma-separated thread counts (default 1,2)")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--worker", choices=LIBS, help=argparse.SUPPRESS)
    args = ap.parse_args()
    threads_list = [int(t) for t in args.threads.split(",")]
    if args.worker:
        return worker(args.worker, threads_list[0])
    repeats = args.repeats or (5 if args.quick else 11)
    target = 0.01 if args.quick else 0.03
    selected = [i for i, c in enumerate(CASES) if c.quick or not args.quick]
    for threads in threads_list:
        procs = {lib: start_worker(lib, threads) for lib in LIBS}
        if threads == threads_list[0]:
            print(f"fastnn ISA {procs['fastnn'][1]['isa']} (numpy BLAS {procs['fastnn'][1]['blas']}), "
                  f"torch {procs['torch'][1]['torch']}; ratio > 1: fastnn faster")
        times = {(i, lib): [] for i in selected for lib in LIBS}
        for r in range(repeats):
            for k, i in enumerate(selected):
                for lib in (LIBS if (r + k) % 2 == 0 else LIBS[::-1]):
                    time.sleep(0.005)
                    times[(i, lib)].append(ask(procs[lib][0], i, target))
        for p, _ in procs.values():
            p.stdin.close()
            p.wait()
        print(f"\n### {threads} thread(s), median of {repeats}\n")
        print("| case | fastnn us | torch us | torch / fastnn |\n|---|---|---|---|")
        for i in selected:
            f, t = (sorted(times[(i, lib)])[repeats // 2] for lib in LIBS)
            print(f"| {CASES[i].name} | {f * 1e6:.2f} | {t * 1e6:.2f} | {t / f:.2f} |")


if __name__ == "__main__":
    main()
