"""MNIST training speed: fastnn against torch eager, same network, same data, in alternating blocks of steps.

    python benchmarks/bench_mnist.py                      # 1 and 2 threads, SGD / momentum / Adam
    python benchmarks/bench_mnist.py --threads 1 --tutorial --torchvision-python /path/to/venv/bin/python
    python benchmarks/bench_mnist.py --tutorial-only --torchvision-python /path/to/venv/bin/python

One worker process per library and thread count (OMP_NUM_THREADS and set_num_threads pinned, so the two
libraries' thread pools never share a process) keeps its model, optimizer and data; after a warm-up the parent
asks the two in turn for --blocks blocks of --steps steps, the order swapped every block (_training_loop.py).
Seconds per epoch are the median time per step times the 938 steps of an epoch (60,000 images, batch 64, the
last batch 32); the speed-up is the median of the per-block ratios torch / fastnn, each from two blocks run back
to back. The "in memory" table feeds pre-normalised float32 batches by index gather to both; the "tutorial" table
runs the course notes' pipeline (datasets.MNIST + ToTensor + Normalize + DataLoader(batch_size=64, shuffle=True)
+ the seed network with SGD lr=0.003), torchvision's on the torch side (a separate Python: --torchvision-python).
bench_data.py times the data pipeline alone.
"""
import argparse
import os
import shutil
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from _devtree import use_dev_tree  # noqa: E402
from _training_loop import MODELS, SHARED_DATA, Worker, alternate, median_ratio, prepare_root, serve  # noqa: E402

use_dev_tree()
STEPS_PER_EPOCH = 938


# ---------------------------------------------------------------- parent
def _compare(rival, loop, opt, threads, root, a, env):
    """fastnn and its rival (lib, python) in alternating blocks: (fastnn us/step, rival us/step, speed-up)."""
    script = os.path.abspath(__file__)
    args = ["--loop", loop, "--opt", opt, "--nthreads", str(threads), "--root", root, "--model", a.model]
    workers = [Worker(sys.executable, script, ["--lib", "fastnn"] + args, threads, env),
               Worker(rival[1], script, ["--lib", rival[0]] + args, threads, env)]
    try:
        # Two threads: an idle pool of the worker that just ran may still spin for a while.
        (fast, slow), _ = alternate(workers, a.blocks, a.steps, pause=0.2 if threads > 1 else 0.0)
    finally:
        for w in workers:
            w.close()
    return statistics.median(fast), statistics.median(slow), median_ratio(slow, fast)


def _row(name, fast_us, slow_us, ratio):
    f, t = fast_us * STEPS_PER_EPOCH / 1e6, slow_us * STEPS_PER_EPOCH / 1e6
    return f"| {name} | {f:.3f} | {t:.3f} | {60000 / f:,.0f} | {60000 / t:,.0f} | {ratio:.2f}x |"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", default="1,2")
    p.add_argument("--blocks", type=int, default=20, help="blocks per library and case")
    p.add_argument("--steps", type=int, default=200, help="steps per block")
    p.add_argument("--optimizers", default="sgd,momentum,adam")
    p.add_argument("--model", choices=MODELS, default="sequential",
                   help="the seed network as an nn.Sequential, or as an nn.Module subclass calling F.relu")
    p.add_argument("--tutorial", action="store_true", help="also time the notes' tutorial pipeline")
    p.add_argument("--tutorial-only", action="store_true")
    p.add_argument("--torchvision-python", default=None,
                   help="a Python with torch + torchvision installed, for the tutorial pipeline's rival")
    p.add_argument("--mirror", default=os.environ.get("FASTNN_DATASETS_MIRROR", SHARED_DATA))
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--loop", default="memory", help=argparse.SUPPRESS)
    p.add_argument("--lib", help=argparse.SUPPRESS)
    p.add_argument("--opt", default="sgd", help=argparse.SUPPRESS)
    p.add_argument("--root", help=argparse.SUPPRESS)
    p.add_argument("--nthreads", type=int, default=1, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.worker:
        return serve(a.lib, a.loop, a.opt, a.nthreads, a.root, a.model)

    root = prepare_root(a.mirror)
    env = {"FASTNN_DATASETS_MIRROR": a.mirror}
    import platform
    cpu = platform.processor() or platform.machine()
    print(f"# MNIST training benchmark ({time.strftime('%Y-%m-%d %H:%M')}, {cpu}, {os.cpu_count()} cores)\n")
    print(f"command: python benchmarks/bench_mnist.py {' '.join(sys.argv[1:])}\n")
    header = ("| {} | fastnn s/epoch | {} s/epoch | fastnn samples/s | {} samples/s | speed-up |\n"
              "|---|---|---|---|---|---|")
    try:
        if not a.tutorial_only:
            for t in (int(t) for t in a.threads.split(",")):
                print(f"## Data in memory, {t} thread(s), model {a.model} ({a.blocks} blocks of {a.steps} steps per "
                      "library)\n")
                print(header.format("optimizer", "torch", "torch"))
                for o in a.optimizers.split(","):
                    print(_row(o, *_compare(("torch", sys.executable), "memory", o, t, root, a, env)), flush=True)
                print()
        if a.tutorial or a.tutorial_only:
            if not a.torchvision_python:
                p.error("the tutorial table needs --torchvision-python (a Python with torch + torchvision)")
            print(f"## The notes' tutorial pipeline, 1 thread, SGD lr=0.003 ({a.blocks} blocks of {a.steps} steps "
                  "per library)\n")
            print(header.format("pipeline", "torchvision", "torchvision"))
            print(_row("MNIST + ToTensor + Normalize + DataLoader",
                       *_compare(("torch", a.torchvision_python), "tutorial", "sgd", 1, root, a, env)))
            print()
        print("s/epoch: median time per step x 938 steps; speed-up: median of the per-block ratios (rival's block "
              "time / fastnn's, two blocks run back to back).")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
