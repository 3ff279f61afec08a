"""THE kernel benchmark: fastnn against numpy and torch (CPU), in one run, interleaved.

    python benchmarks/bench_kernels.py [--quick] [--threads 1,2] [--only 4096,b64] [--write]

Every library runs in its own worker process per thread count (their thread pools would clash in one process:
torch's spinning OpenMP pool beside OpenBLAS), with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset before numpy
loads, numpy limited by threadpoolctl, torch by set_num_threads. The parent asks the workers in turn (rotating
order, a pause between switches so that spinning pools settle) to time one case; a time is the mean over an inner
loop of calls, and each figure is the median of >= 7 such repeats, the cases taken in a new order each repeat.

The FMA peak (a C++ loop in the extension) is measured at the start of every repeat; the header shows the best.
Square SGEMMs show fastnn's fraction of it two ways: "best", the median GFLOP/s over that best peak (a floor: the
median spans the machine's slow phases, the best peak its fastest), and "paired", the median over repeats of the
GFLOP/s over a peak measured just before that repeat's SGEMM timing.

The SGEMM sections call the kernel API on arrays with a preallocated output (fastnn.backend.cpu.matmul against
np.matmul(out=) and torch.mm(out=)); "Public API: SGEMM" times the batch-64 products as users write them on
tensors (x @ W.t(), dY.t() @ x, dY @ W; arrays for numpy), each call making its view and its output.

Adding a kernel: append a Case to CASES (a section name, a case name, its flop count or None, and one factory
per library: factory(rng) -> zero-argument callable, or None where the library has no equivalent).
--write replaces the "Kernels" section of benchmarks/RESULTS.md with the tables.
"""
import argparse
import datetime
import itertools
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Callable, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
LIBS = ("fastnn", "numpy", "torch")


@dataclass
class Case:
    section: str
    name: str
    flops: Optional[float]  # None: report microseconds only
    fastnn: Optional[Callable]
    numpy: Optional[Callable]
    torch: Optional[Callable]
    quick: bool = True  # part of --quick


# ---- case factories: each takes (rng) and returns a zero-argument callable ----

def _operands(rng, M, N, K, ta, tb):
    import numpy as np
    a = rng.standard_normal((K, M) if ta else (M, K)).astype(np.float32)
    b = rng.standard_normal((N, K) if tb else (K, N)).astype(np.float32)
    return a, b, np.empty((M, N), np.float32)


def gemm_case(section, name, M, N, K, ta=False, tb=False, quick=True):
    def f_fastnn(rng):
        from fastnn.backend import cpu
        a, b, c = _operands(rng, M, N, K, ta, tb)
        return lambda: cpu.matmul(a, b, ta, tb, out=c)

    def f_numpy(rng):
        import numpy as np
        a, b, c = _operands(rng, M, N, K, ta, tb)
        A, B = (a.T if ta else a), (b.T if tb else b)
        return lambda: np.matmul(A, B, out=c)

    def f_torch(rng):
        import torch
        a, b, c = (torch.from_numpy(x) for x in _operands(rng, M, N, K, ta, tb))
        A, B = (a.t() if ta else a), (b.t() if tb else b)
        return lambda: torch.mm(A, B, out=c)

    return Case(section, name, 2.0 * M * N * K, f_fastnn, f_numpy, f_torch, quick)


def public_gemm_case(name, M, N, K, ta, tb):
    """The product as users write it, on tensors (arrays for numpy) of torch's layouts: x @ W.t(), dY.t() @ x,
    dY @ W. Each call allocates its output and makes its transposed view; no autograd (nothing requires grad)."""
    def make(lib):
        def factory(rng):
            import importlib
            a, b, _ = _operands(rng, M, N, K, ta, tb)
            if lib == "numpy":
                return (lambda: a.T @ b) if ta else (lambda: a @ b.T) if tb else (lambda: a @ b)
            mod = importlib.import_module(lib)
            a, b = mod.from_numpy(a), mod.from_numpy(b)
            return (lambda: a.t() @ b) if ta else (lambda: a @ b.t()) if tb else (lambda: a @ b)
        return factory

    return Case("Public API: SGEMM, MLP shapes (us per call)", name, 2.0 * M * N * K, make("fastnn"), make("numpy"),
                make("torch"))


def _tiny(rng):
    import numpy as np
    return rng.standard_normal((1, 1)).astype(np.float32), rng.standard_normal((1, 1)).astype(np.float32)


def tiny_matmul_case():
    """One tiny op through each library's public API: what every Python-level op pays."""
    def f_fastnn(rng):
        import fastnn
        x, y = (fastnn.from_numpy(v) for v in _tiny(rng))
        return lambda: fastnn.matmul(x, y)

    def f_numpy(rng):
        import numpy as np
        x, y = _tiny(rng)
        return lambda: np.matmul(x, y)

    def f_torch(rng):
        import torch
        x, y = (torch.from_numpy(v) for v in _tiny(rng))
        return lambda: torch.matmul(x, y)

    return Case("Tiny op: Python API overhead", "matmul 1x1 @ 1x1", None, f_fastnn, f_numpy, f_torch)


def tiny_add_grad_case():
    def f_fastnn(rng):
        import fastnn
        x, y = (fastnn.from_numpy(v) for v in _tiny(rng))
        x.requires_grad_(True)
        return lambda: x + y

    def f_numpy(rng):
        x, y = _tiny(rng)
        return lambda: x + y

    def f_torch(rng):
        import torch
        x, y = (torch.from_numpy(v) for v in _tiny(rng))
        x.requires_grad_(True)
        return lambda: x + y

    return Case("Tiny op: Python API overhead", "add 1x1 (requires_grad)", None, f_fastnn, f_numpy, f_torch)


def tiny_backward_case():
    def f_fastnn(rng):
        import fastnn
        x, y = (fastnn.from_numpy(v) for v in _tiny(rng))
        x.requires_grad_(True)
        return lambda: (x * y).sum().backward()

    def f_torch(rng):
        import torch
        x, y = (torch.from_numpy(v) for v in _tiny(rng))
        x.requires_grad_(True)
        return lambda: (x * y).sum().backward()

    return Case("Tiny op: Python API overhead", "(x*y).sum().backward() 1x1", None, f_fastnn, None, f_torch)


def public_case(kind, rows, cols):
    """Forward + backward through the public API with autograd (what a user's training step pays)."""
    def make(lib):
        def factory(rng):
            import importlib
            import numpy as np
            mod = importlib.import_module(lib)
            F = importlib.import_module(lib + ".nn.functional")
            x = mod.from_numpy(rng.standard_normal((rows, cols)).astype(np.float32)).requires_grad_(True)
            g = mod.from_numpy(rng.standard_normal((rows, cols)).astype(np.float32))
            if kind == "cross_entropy":
                t = mod.from_numpy(rng.integers(0, cols, rows))
                return lambda: F.cross_entropy(x, t).backward()
            fn = {"relu": F.relu, "sigmoid": mod.sigmoid, "tanh": mod.tanh,
                  "softmax": lambda v: F.softmax(v, dim=1), "log_softmax": lambda v: F.log_softmax(v, dim=1)}[kind]
            return lambda: fn(x).backward(g)
        return factory

    family = "softmax family" if kind in ("softmax", "log_softmax", "cross_entropy") else "activations"
    return Case(f"Public API: {family}, forward + backward (us per call)", f"{kind} {rows}x{cols}", None,
                make("fastnn"), None, make("torch"), quick=rows < 1000)


def bias_grad_case(M, N):
    def data(rng):
        import numpy as np
        return rng.standard_normal((M, N)).astype(np.float32), np.empty(N, np.float32)

    def f_fastnn(rng):
        from fastnn.backend import cpu
        g, out = data(rng)
        return lambda: cpu.bias_grad(g, out)

    def f_numpy(rng):
        import numpy as np
        g, out = data(rng)
        return lambda: np.sum(g, axis=0, out=out)

    def f_torch(rng):
        import torch
        g, out = (torch.from_numpy(v) for v in data(rng))
        return lambda: torch.sum(g, 0, out=out)

    return Case("Other kernels", f"bias_grad {M}x{N}", None, f_fastnn, f_numpy, f_torch)


def row_gather_case(rows, cols, batch):
    """X[idx]: a shuffled batch gathered from an in-memory dataset, through each library's indexing."""
    def data(rng):
        import numpy as np
        return rng.standard_normal((rows, cols)).astype(np.float32), rng.permutation(rows)

    def make(lib):
        def factory(rng):
            import importlib
            x, perm = data(rng)
            mod = importlib.import_module(lib)
            X = x if lib == "numpy" else mod.from_numpy(x)
            idx = [perm[i:i + batch] for i in range(0, rows - batch + 1, batch)]
            if lib != "numpy":
                idx = [mod.from_numpy(i) for i in idx]
            batches = itertools.cycle(idx)
            return lambda: X[next(batches)]
        return factory

    return Case("Other kernels", f"row gather X[idx], {batch} of {rows}x{cols}", None, make("fastnn"),
                make("numpy"), make("torch"))


def build_cases():
    cases = []
    for n in (64, 128, 256, 512, 1024, 2048):
        cases.append(gemm_case("SGEMM, square (GFLOP/s)", f"{n}^3", n, n, n, quick=n in (64, 256, 1024)))
    # The nine products of one training step of the 784-128-64-10 MLP (torch's Linear layout, W: out x in),
    # plus dX of the first layer and dW in the (in x out) layout, at batch 64 and 256.
    public = []  # the batch-64 products through the Tensor API, after the kernel figures
    for bs in (64, 256):
        for label, M, N, K, ta, tb in [
            ("fwd x@W1^T", bs, 128, 784, False, True), ("fwd h1@W2^T", bs, 64, 128, False, True),
            ("fwd h2@W3^T", bs, 10, 64, False, True),
            ("dW3 dY^T@h2", 10, 64, bs, True, False), ("dW2 dY^T@h1", 64, 128, bs, True, False),
            ("dW1 dY^T@x", 128, 784, bs, True, False), ("dW1' x^T@dY", 784, 128, bs, True, False),
            ("dX3 dY@W3", bs, 64, 10, False, False), ("dX2 dY@W2", bs, 128, 64, False, False),
            ("dX1 dY@W1", bs, 784, 128, False, False)]:
            mode = ("T" if ta else "N") + ("T" if tb else "N")
            name = f"b{bs} {label} {mode} ({M}x{K})@({K}x{N})"
            cases.append(gemm_case("SGEMM, MLP shapes (us per call)", name, M, N, K, ta, tb, quick=bs == 64))
            if bs == 64:
                public.append(public_gemm_case(name, M, N, K, ta, tb))
    cases += public
    # Short x @ W with W [K, N] rows a multiple of 4 KB apart (a layer kept as in x out, at inference batch
    # sizes), and matrix-vector products (a regression head, batch 1).
    for M, N, K, ta, tb in ((64, 1024, 300, False, False), (96, 4096, 1000, False, False),
                            (1000, 1, 1000, False, True), (1, 1000, 1000, False, False)):
        mode = ("T" if ta else "N") + ("T" if tb else "N")
        cases.append(gemm_case("SGEMM, other shapes (us per call)", f"{mode} ({M}x{K})@({K}x{N})", M, N, K, ta, tb,
                               quick=False))
    cases.append(bias_grad_case(256, 128))
    cases.append(row_gather_case(60000, 784, 64))
    for rows, cols in ((64, 10), (4096, 1000)):
        cases += [public_case(k, rows, cols) for k in ("softmax", "log_softmax", "cross_entropy")]
    for rows, cols in ((64, 128), (4096, 4096)):
        cases += [public_case(k, rows, cols) for k in ("relu", "sigmoid", "tanh")]
    sys.path.insert(0, HERE)
    import bench_ops  # the same kernels through the raw backend functions, beside the public figures
    cases += [Case("Raw kernels: " + c.section, c.name, c.flops, c.fastnn, c.numpy, c.torch, c.quick)
              for c in bench_ops.build_cases()]
    cases += [tiny_matmul_case(), tiny_add_grad_case(), tiny_backward_case()]
    return cases


# ---- worker process: one library, one thread count ----

def worker(lib, threads):
    sys.path.insert(0, HERE)
    from _devtree import use_dev_tree
    use_dev_tree()
    import numpy as np
    from threadpoolctl import threadpool_info, threadpool_limits
    threadpool_limits(threads)
    info = {}
    if lib == "fastnn":
        import fastnn
        if not hasattr(fastnn._C, "fma_peak"):
            raise SystemExit(f"bench_kernels: {fastnn.__file__} is not this tree's fastnn (build it first)")
        fastnn.set_num_threads(threads)
        info = {"isa": fastnn.get_isa()}
    elif lib == "torch":
        import torch
        torch.set_num_threads(threads)
        info = {"torch": torch.__version__}
    else:
        blas = [p for p in threadpool_info() if p["user_api"] == "blas"]
        info = {"blas": ", ".join(f"{p['internal_api']} {p['version']} ({p.get('architecture')}, "
                                  f"{p['num_threads']} threads)" for p in blas)}
    cases = build_cases()
    fns = {}
    print(json.dumps(info), flush=True)
    for line in sys.stdin:
        if line.startswith("peak"):  # fastnn worker: measured FMA peak (GFLOP/s) on `threads` threads
            import fastnn
            print(json.dumps(fastnn._C.fma_peak(threads, 0.05, 3)), flush=True)
            continue
        idx, target = line.split()
        idx, target = int(idx), float(target)
        if idx not in fns:
            factory = getattr(cases[idx], lib)
            fns[idx] = factory(np.random.default_rng(idx)) if factory else None
            if fns[idx]:
                for _ in range(3):
                    fns[idx]()
        fn = fns[idx]
        if fn is None:
            print("null", flush=True)
            continue
        n, t = 1, 0.0
        while True:  # inner loop of n calls lasting >= target seconds
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            t = time.perf_counter() - t0
            if t >= target:
                break
            n = max(n * 2, int(n * target / max(t, 1e-9) * 1.2))
        print(json.dumps(t / n), flush=True)


def coexistence(threads, rounds=3):
    """numpy 64x784x128 matmul (its own `threads`) right after another numpy call / a 384^3 fastnn kernel on 1
    and on 2 threads / a 2-thread torch kernel in the same process: shows whose idle threads spin against
    OpenBLAS. The 1-thread fastnn kernel is the control: it evicts the same caches and keeps OpenBLAS's threads
    idle as long, without a fastnn worker thread left to spin. Each case runs in its own process, the cases
    alternating over `rounds` rounds; a figure is the median of the rounds' medians."""
    code = f"""
import os, sys, time
for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
    os.environ.pop(k, None)
sys.path.insert(0, {HERE!r})
from _devtree import use_dev_tree
use_dev_tree()
import numpy as np
from threadpoolctl import threadpool_limits
threadpool_limits({threads}, user_api="blas")
rng = np.random.default_rng(0)
x = rng.standard_normal((64, 784)).astype(np.float32); w = rng.standard_normal((784, 128)).astype(np.float32)
a = rng.standard_normal((384, 384)).astype(np.float32); c = np.empty_like(a)
if sys.argv[1].startswith("fastnn"):
    import fastnn; fastnn.set_num_threads(1 if sys.argv[1] == "fastnn1" else 2)
    other = lambda: fastnn._C.sgemm(a, a, c)
elif sys.argv[1] == "torch":
    import torch; torch.set_num_threads(2); ta, tc = torch.from_numpy(a), torch.from_numpy(c)
    other = lambda: torch.mm(ta, ta, out=tc)
else:
    other = lambda: x @ w
for _ in range(20):
    x @ w; other()
ts = []
for _ in range(31):
    other(); t = time.perf_counter(); x @ w; ts.append(time.perf_counter() - t)
print(sorted(ts)[15])
"""
    times = {who: [] for who in ("numpy", "fastnn1", "fastnn", "torch")}
    for _ in range(rounds):
        for who, ts in times.items():
            r = subprocess.run([sys.executable, "-c", code, who], capture_output=True, text=True, timeout=300)
            ts.append(float(r.stdout.split()[0]) if r.returncode == 0 else float("nan"))
    return {who: statistics.median(ts) for who, ts in times.items()}


# ---- parent ----

def start_worker(lib, threads):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    p = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker", lib, "--threads", str(threads)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    info = json.loads(p.stdout.readline())
    return p, info


def ask(p, idx, target):
    p.stdin.write(f"{idx} {target}\n")
    p.stdin.flush()
    return json.loads(p.stdout.readline())


def ask_peak(p):
    """The fastnn worker's FMA peak (GFLOP/s) measured now."""
    p.stdin.write("peak\n")
    p.stdin.flush()
    return json.loads(p.stdout.readline())


def _square(case):
    return case.flops and "square" in case.section


def median(xs):
    xs = sorted(x for x in xs if x is not None)
    return xs[len(xs) // 2] if xs else None


def run(threads_list, quick, repeats, only=None):
    cases = build_cases()
    selected = [i for i, c in enumerate(cases)
                if (c.quick or not quick) and (not only or any(s in c.name for s in only))]
    target = 0.01 if quick else 0.03
    results, infos = {}, {}
    for threads in threads_list:
        procs = {lib: start_worker(lib, threads) for lib in LIBS}
        infos[threads] = {lib: info for lib, (p, info) in procs.items()}
        times = {(i, lib): [] for i in selected for lib in LIBS}
        peaks = []
        # Square SGEMMs: fastnn's GFLOP/s over the peak measured just before, per repeat (the machine's speed
        # swings between repeats; a median time against the best peak of all repeats understates the fraction).
        fractions = {i: [] for i in selected if _square(cases[i])}
        for r in range(repeats):
            peaks.append(ask_peak(procs["fastnn"][0]))
            # Cases in a new order each repeat: the first large case after a run of small ones pays the kernel's
            # page-allocation warm-up (~70-100 ms of system time on a 4096x4096 relu here), which a fixed order
            # charges to the same case every time.
            for k, i in enumerate(random.Random(r).sample(selected, len(selected))):
                order = LIBS[(r + k) % 3:] + LIBS[:(r + k) % 3]
                for lib in order:
                    time.sleep(0.02)  # let the previous worker's spinning threads go idle
                    peak_now = ask_peak(procs[lib][0]) if lib == "fastnn" and i in fractions else None
                    times[(i, lib)].append(ask(procs[lib][0], i, target))
                    if peak_now:
                        fractions[i].append(cases[i].flops / times[(i, lib)][-1] / 1e9 / peak_now)
            print(f"  threads={threads}: repeat {r + 1}/{repeats} done", file=sys.stderr, flush=True)
        for p, _ in procs.values():
            p.stdin.close()
            p.wait()
        results[threads] = {(i, lib): median(v) for (i, lib), v in times.items()}
        infos[threads]["fastnn"]["peak"] = max(peaks)  # a ceiling: the best of the repeats
        infos[threads]["fractions"] = {i: median(v) for i, v in fractions.items()}
        infos[threads]["coexistence"] = coexistence(threads)
    return cases, selected, results, infos


def fmt_ratio(a, b):
    return f"{b / a:.2f}" if a and b else "-"


def report(cases, selected, results, infos, argv):
    lines = []
    when = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = infos.pop("load", None)
    first = infos[next(iter(infos))]
    lines += [f"Command: `python benchmarks/bench_kernels.py {' '.join(argv)}` ({when}, {cpu}, {os.cpu_count()} CPUs)",
              f"fastnn ISA {first['fastnn']['isa']}; numpy BLAS: {first['numpy']['blas']}; "
              f"torch {first['torch']['torch']}. Ratios > 1: fastnn faster."]
    if load:
        lines.append(f"Load average (1 min) at start / end: {load[0]:.1f} / {load[1]:.1f} on {os.cpu_count()} CPUs "
                     "(other work on the machine: above ~0.5 the figures, 2-thread ones most, are not clean).")
    lines.append("")
    for threads, res in results.items():
        peak = infos[threads]["fastnn"]["peak"]
        lines.append(f"### {threads} thread(s): measured FMA peak {peak:.0f} GFLOP/s")
        section = None
        for i in selected:
            c = cases[i]
            if c.section != section:
                section = c.section
                if _square(c):
                    head = ("| case | fastnn GF/s | numpy GF/s | torch GF/s | vs numpy | vs torch | % of peak "
                            "(best; paired) |")
                elif c.flops:
                    head = "| case | fastnn us | numpy us | torch us | vs numpy | vs torch | fastnn GF/s |"
                else:
                    head = "| case | fastnn us | numpy us | torch us | vs numpy | vs torch | |"
                lines += ["", f"**{section}**", "", head, "|---|---|---|---|---|---|---|"]
            t = {lib: res[(i, lib)] for lib in LIBS}
            if _square(c):
                g = {lib: (c.flops / t[lib] / 1e9 if t[lib] else None) for lib in LIBS}
                cells = [f"{g[lib]:.1f}" if g[lib] else "-" for lib in LIBS]
                extra = f"{100 * g['fastnn'] / peak:.0f}%; {100 * infos[threads]['fractions'][i]:.0f}%"
            else:
                cells = [f"{t[lib] * 1e6:.2f}" if t[lib] else "-" for lib in LIBS]
                extra = f"{c.flops / t['fastnn'] / 1e9:.1f}" if c.flops else ""
            lines.append(f"| {c.name} | {' | '.join(cells)} | {fmt_ratio(t['fastnn'], t['numpy'])} | "
                         f"{fmt_ratio(t['fastnn'], t['torch'])} | {extra} |")
        co = infos[threads]["coexistence"]
        lines += ["", f"**Idle threads vs OpenBLAS**: numpy 64x784x128 matmul ({threads} BLAS thread(s)) right after "
                  f"another numpy call {co['numpy'] * 1e6:.0f} us; after a 384^3 fastnn kernel on 1 thread "
                  f"{co['fastnn1'] * 1e6:.0f} us (the control: same caches evicted, no fastnn worker left), on 2 "
                  f"threads {co['fastnn'] * 1e6:.0f} us ({fmt_ratio(co['fastnn1'], co['fastnn'])}x the control's time); "
                  f"after a 2-thread torch kernel {co['torch'] * 1e6:.0f} us (same process, median of 31 calls, "
                  "median of 3 processes per case).", ""]
    return "\n".join(lines)


def write_results(text):
    path = os.path.join(HERE, "RESULTS.md")
    old = open(path).read() if os.path.exists(path) else "# Benchmark results\n"
    head, sep, rest = old.partition("\n## Kernels\n")
    tail = ""
    if sep:
        nxt = rest.find("\n## ")
        tail = rest[nxt:] if nxt >= 0 else ""
    else:
        head = old.rstrip("\n") + "\n"
    with open(path, "w") as f:
        f.write(head.rstrip("\n") + "\n\n## Kernels\n\n" + text.rstrip("\n") + "\n" + tail)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer sizes, shorter timings")
    ap.add_argument("--threads", default="1,2", help="comma-separated thread counts (default 1,2)")
    ap.add_argument("--repeats", type=int, default=None, help="repeats per figure (>= 7; default 7, 11 full)")
    ap.add_argument("--only", help="comma-separated substrings: only the cases whose name contains one")
    ap.add_argument("--write", action="store_true", help="write the tables into benchmarks/RESULTS.md")
    ap.add_argument("--worker", choices=LIBS, help=argparse.SUPPRESS)
    args = ap.parse_args()
    threads_list = [int(t) for t in args.threads.split(",")]
    if args.worker:
        return worker(args.worker, threads_list[0])
    for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        os.environ.pop(k, None)
    repeats = max(7, args.repeats or (7 if args.quick else 11))
    load_before = os.getloadavg()[0]
    only = args.only.split(",") if args.only else None
    cases, selected, results, infos = run(threads_list, args.quick, repeats, only)
    infos["load"] = (load_before, os.getloadavg()[0])
    text = report(cases, selected, results, infos, sys.argv[1:])
    print(text)
    if args.write:
        write_results(text)


if __name__ == "__main__":
    main()
