"""A/B of the MNIST training step against another revision of fastnn, each side in its own process, run in turn.

    python benchmarks/ab_step.py REV [--loop tutorial|memory] [--optimizer sgd|momentum|adam]
                                     [--model sequential|module] [--blocks 30]

REV (a commit, tag or branch) is exported with `git archive` into a temporary directory, this tree's files as
they are now into another, and both extensions are built there alike (CMake, Release, no CUDA). Two
long-lived workers, one per side, set up the same model, data and seed on one thread, then the parent asks them
in turn (the order swapped every block) to run a block of steps. It prints the median of the per-block time
ratios: blocks run back to back see the same phase of a shared machine, which separate runs do not. Still, one
run can be far off when the neighbours' load shifts during it (on the 2-core machine of RESULTS.md the same pair
gave 1.178, 0.984 and 0.946 in three runs): run it more than once. Both sides must compute the same values when
only speed changed: the last loss of each is printed.

--loop tutorial: the notes' pipeline (MNIST + ToTensor + Normalize + DataLoader(batch_size=64, shuffle=True) +
the seed network). --loop memory: pre-normalised float32 batches gathered by index, as bench_mnist.py.
--model: the seed network as an nn.Sequential (the default) or as an nn.Module subclass (_training_loop.py).
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from _devtree import export_rev, use_dev_tree  # noqa: E402
from _training_loop import (MODELS, OPTIMIZERS, SHARED_DATA, Worker, alternate, median_ratio,  # noqa: E402
                            prepare_root, serve)

# The development tree goes on sys.path (when built); a worker inserts its own side's path in front of it.
use_dev_tree()


# ---------------------------------------------------------------- parent
def _snapshot(where):
    """This tree's files as they are now (tracked, and untracked ones git does not ignore) into `where`."""
    listed = subprocess.run(["git", "-C", REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = os.path.join(REPO, rel)
        if os.path.isfile(src):
            os.makedirs(os.path.dirname(os.path.join(where, rel)), exist_ok=True)
            shutil.copy2(src, os.path.join(where, rel))


def _compile(where, label):
    """Build the extension in place in `where`, with the same options for both sides; returns its python/
    folder. (The development build is not used: its options differ, CUDA among them, and so would its binary.)"""
    import pybind11
    build = os.path.join(where, "build")
    for cmd in (["cmake", "-S", where, "-B", build, "-DCMAKE_BUILD_TYPE=Release", "-DFASTNN_DEV_INPLACE=ON",
                 "-DFASTNN_CUDA=OFF", f"-Dpybind11_DIR={pybind11.get_cmake_dir()}",
                 f"-DPython_EXECUTABLE={sys.executable}"],
                ["cmake", "--build", build, "-j", str(os.cpu_count() or 1)]):
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"building {label} failed: {' '.join(cmd)}\n{(out.stdout + out.stderr)[-3000:]}")
    return os.path.join(where, "python")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("rev", nargs="?")
    p.add_argument("--loop", choices=("tutorial", "memory"), default="tutorial")
    p.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="sgd")
    p.add_argument("--model", choices=MODELS, default="sequential")
    p.add_argument("--blocks", type=int, default=30)
    p.add_argument("--steps", type=int, default=100, help="steps per block")
    p.add_argument("--mirror", default=os.environ.get("FASTNN_DATASETS_MIRROR", SHARED_DATA))
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--path", default="", help=argparse.SUPPRESS)
    p.add_argument("--root", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.worker:
        if a.path:
            sys.path.insert(0, a.path)
        return serve("fastnn", a.loop, a.optimizer, 1, a.root, a.model)
    if not a.rev:
        p.error("the revision to compare with is required")
    tmp = tempfile.mkdtemp(prefix="fastnn-ab-")
    root = prepare_root(a.mirror)
    workers = []
    try:
        print(f"building {a.rev} and this tree ...", flush=True)
        os.makedirs(os.path.join(tmp, "base"))
        os.makedirs(os.path.join(tmp, "here"))
        export_rev(a.rev, os.path.join(tmp, "base"))
        base = _compile(os.path.join(tmp, "base"), a.rev)
        _snapshot(os.path.join(tmp, "here"))
        here = _compile(os.path.join(tmp, "here"), "this tree")
        script = os.path.abspath(__file__)
        args = ["--loop", a.loop, "--optimizer", a.optimizer, "--model", a.model, "--root", root]
        workers = [Worker(sys.executable, script, ["--path", path] + args, 1) for path in (base, here)]
        times, losses = alternate(workers, a.blocks, a.steps)
        print(f"{a.loop} loop, {a.optimizer}, model {a.model}, 1 thread, {a.blocks} blocks of {a.steps} steps")
        print(f"{a.rev}: median {statistics.median(times[0]):.1f} us per step (last loss {losses[0]:.6f})")
        print(f"this tree: median {statistics.median(times[1]):.1f} us per step (last loss {losses[1]:.6f})")
        print(f"this tree / {a.rev}: {median_ratio(times[1], times[0]):.3f} (median of the per-block ratios)")
    finally:
        for w in workers:
            w.close()
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
