"""MNIST training speed: fastnn against torch eager, same network, same data, alternating runs.

    python benchmarks/bench_mnist.py                      # 1 and 2 threads, SGD / momentum / Adam
    python benchmarks/bench_mnist.py --threads 1 --repeats 3 --tutorial
    python benchmarks/bench_mnist.py --tutorial-only --torchvision-python /path/to/venv/bin/python

Every measurement is one epoch (60,000 images, batch 64, shuffled) in a fresh subprocess that pins its thread
count (OMP_NUM_THREADS, set_num_threads), so the two libraries' thread pools never share a process. The
"in memory" table feeds pre-normalised float32 batches by index gather to both; the "tutorial" table runs the
course notes' pipeline (datasets.MNIST + ToTensor + Normalize + DataLoader(batch_size=64, shuffle=True) + the
seed network with SGD lr=0.003). Medians over --repeats runs; ratios are torch time / fastnn time, of the medians
and (column "paired") the median of each repeat's own ratio.
"""
import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from _devtree import use_dev_tree  # noqa: E402

use_dev_tree()
SHARED_DATA = os.path.abspath(os.path.join(HERE, "..", "..", "shared", "data"))
OPTIMIZERS = {"sgd": dict(lr=0.003), "momentum": dict(lr=0.01, momentum=0.9), "adam": dict(lr=1e-3)}


# ---------------------------------------------------------------- workers (run in their own process)
def _load_arrays(root):
    """MNIST as normalised float32 (N, 784) arrays and int64 labels, read with fastnn's IDX reader."""
    import numpy as np
    from fastnn.vision import datasets
    out = []
    for train in (True, False):
        ds = datasets.MNIST(root, train=train, download=True)
        x = (ds.data.numpy().reshape(len(ds), 784).astype(np.float32) / 255.0 - 0.5) / 0.5
        out += [x, ds.targets.numpy().astype(np.int64)]
    return out


def _worker_memory(lib, opt, threads, root, epochs):
    import numpy as np
    x, y, _, _ = _load_arrays(root)
    if lib == "torch":
        import torch as T
        from torch import nn, optim
        T.set_num_threads(threads)
        X, Y = T.from_numpy(x), T.from_numpy(y)
    else:
        import fastnn as T
        from fastnn import nn, optim
        T.set_num_threads(threads)
        X, Y = T.from_numpy(x), T.from_numpy(y)
    T.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10),
                          nn.LogSoftmax(dim=1))
    crit = nn.NLLLoss()
    kw = OPTIMIZERS[opt]
    optimizer = optim.Adam(model.parameters(), **kw) if opt == "adam" else optim.SGD(model.parameters(), **kw)
    rng = np.random.default_rng(0)

    def epoch(limit=None):
        perm = rng.permutation(len(x))
        total, n = 0.0, 0
        for i in range(0, len(x) if limit is None else limit, 64):
            idx = T.from_numpy(perm[i:i + 64])
            optimizer.zero_grad()
            loss = crit(model(X[idx]), Y[idx])
            loss.backward()
            optimizer.step()
            if n % 100 == 0:
                total = loss.item()
            n += 1
        return total

    epoch(limit=64 * 50)  # warm-up
    times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        last = epoch()
        times.append(time.perf_counter() - t0)
    return {"seconds": min(times), "loss": last}


def _worker_tutorial(lib, threads, root, epochs):
    if lib == "torchvision":
        import torch
        from torch import nn, optim
        from torchvision import datasets, transforms
        torch.set_num_threads(threads)
        DataLoader = torch.utils.data.DataLoader
    else:
        import fastnn as torch
        from fastnn import nn, optim
        from fastnn.utils.data import DataLoader
        from fastnn.vision import datasets, transforms
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    trainset = datasets.MNIST(root, download=lib != "torchvision", train=True, transform=transform)
    trainloader = DataLoader(trainset, batch_size=64, shuffle=True)
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10),
                          nn.LogSoftmax(dim=1))
    criterion = nn.NLLLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.003)
    times, data_times = [], []
    for _ in range(epochs):
        running_loss = 0.0
        t0 = time.perf_counter()
        for images, labels in trainloader:
            optimizer.zero_grad()
            images = images.view(images.shape[0], 784)
            loss = criterion(model(images), labels)
            loss.backward()
            running_loss += loss.item()
            optimizer.step()
        times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for images, labels in trainloader:
            pass
        data_times.append(time.perf_counter() - t0)
    return {"seconds": min(times), "data_seconds": min(data_times), "loss": running_loss / len(trainloader)}


# ---------------------------------------------------------------- parent
def _run(python, args, env_threads, extra_env=None):
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    env["OMP_NUM_THREADS"] = str(env_threads)
    env.update(extra_env or {})
    out = subprocess.run([python, os.path.abspath(__file__), "--worker"] + args, env=env, capture_output=True,
                         text=True)
    if out.returncode != 0:
        raise RuntimeError(f"worker {args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _prepare_root(mirror):
    """A dataset root in torchvision's layout (extracted files), for both libraries' dataset classes."""
    root = tempfile.mkdtemp(prefix="fastnn-bench-")
    raw = os.path.join(root, "MNIST", "raw")
    os.makedirs(raw)
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
        with gzip.open(os.path.join(mirror, "mnist", name + ".gz")) as src, open(os.path.join(raw, name), "wb") as d:
            shutil.copyfileobj(src, d)
    return root


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", default="1,2")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--optimizers", default="sgd,momentum,adam")
    p.add_argument("--tutorial", action="store_true", help="also time the notes' tutorial pipeline")
    p.add_argument("--tutorial-only", action="store_true")
    p.add_argument("--torchvision-python", default=None,
                   help="a Python with torch + torchvision installed, for the tutorial pipeline's rival")
    p.add_argument("--mirror", default=os.environ.get("FASTNN_DATASETS_MIRROR", SHARED_DATA))
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--mode", default="memory", help=argparse.SUPPRESS)
    p.add_argument("--lib", help=argparse.SUPPRESS)
    p.add_argument("--opt", help=argparse.SUPPRESS)
    p.add_argument("--root", help=argparse.SUPPRESS)
    p.add_argument("--epochs", type=int, default=1, help=argparse.SUPPRESS)
    p.add_argument("--nthreads", type=int, default=1, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.worker:
        r = (_worker_memory(a.lib, a.opt, a.nthreads, a.root, a.epochs) if a.mode == "memory"
             else _worker_tutorial(a.lib, a.nthreads, a.root, a.epochs))
        print(json.dumps(r))
        return

    root = _prepare_root(a.mirror)
    env = {"FASTNN_DATASETS_MIRROR": a.mirror}
    threads = [int(t) for t in a.threads.split(",")]
    opts = a.optimizers.split(",")
    import platform
    print(f"# MNIST training benchmark ({time.strftime('%Y-%m-%d')}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores)\n")
    print(f"command: python benchmarks/bench_mnist.py {' '.join(sys.argv[1:])}\n")
    try:
        if not a.tutorial_only:
            for t in threads:
                res = {(lib, o): [] for lib in ("fastnn", "torch") for o in opts}
                for rep in range(a.repeats):
                    # A new order each repeat: no optimizer or library always runs first or after the same one.
                    for o in opts[rep % len(opts):] + opts[:rep % len(opts)]:
                        for lib in (("fastnn", "torch") if rep % 2 == 0 else ("torch", "fastnn")):
                            r = _run(sys.executable, ["--lib", lib, "--opt", o, "--nthreads", str(t), "--root", root],
                                     t, env)
                            res[(lib, o)].append(r["seconds"])
                print(f"## Data in memory, {t} thread(s): seconds per epoch (median of {a.repeats})\n")
                print("| optimizer | fastnn s | torch s | fastnn samples/s | torch samples/s | speed-up | paired |")
                print("|---|---|---|---|---|---|---|")
                for o in opts:
                    f, tt = statistics.median(res[("fastnn", o)]), statistics.median(res[("torch", o)])
                    paired = statistics.median(b / a for a, b in zip(res[("fastnn", o)], res[("torch", o)]))
                    print(f"| {o} | {f:.3f} | {tt:.3f} | {60000 / f:,.0f} | {60000 / tt:,.0f} | {tt / f:.2f}x | "
                          f"{paired:.2f}x |")
                print("\nspeed-up: torch's median over fastnn's; paired: the median of the repeats' own ratios (the "
                      "two epochs of a repeat run back to back, so a slow phase of the machine hits both).\n")
        if a.tutorial or a.tutorial_only:
            libs = [("fastnn", sys.executable)]
            if a.torchvision_python:
                libs.append(("torchvision", a.torchvision_python))
            res = {lib: [] for lib, _ in libs}
            for _ in range(a.repeats):
                for lib, py in libs:
                    res[lib].append(_run(py, ["--mode", "tutorial", "--lib", lib, "--nthreads", "1", "--root", root],
                                         1, env))
            print(f"## The notes' tutorial pipeline, 1 thread: seconds per epoch (median of {a.repeats})\n")
            print("| library | epoch s | data loading alone s | final running loss |")
            print("|---|---|---|---|")
            for lib, _ in libs:
                s = statistics.median(r["seconds"] for r in res[lib])
                d = statistics.median(r["data_seconds"] for r in res[lib])
                print(f"| {lib} | {s:.3f} | {d:.3f} | {res[lib][-1]['loss']:.3f} |")
            if a.torchvision_python:
                s_f = statistics.median(r["seconds"] for r in res["fastnn"])
                s_t = statistics.median(r["seconds"] for r in res["torchvision"])
                print(f"\nspeed-up: {s_t / s_f:.1f}x")
            print()
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
