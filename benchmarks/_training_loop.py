"""The MNIST training loop timed by bench_mnist.py and ab_step.py, and the block-alternating way they time it.

A worker process sets up one library's loop (fastnn or torch; the seed network, batch 64, 1 or 2 threads) and
then runs blocks of steps on request: a line 'N' on its stdin -> a line 'us_per_step last_loss' on its stdout.
The parent keeps one worker per side alive and asks them in turn, the order swapped every block, so that blocks
run back to back see the same phase of a shared machine; whole epochs in separate processes, seconds apart, do
not (on the 2-core machine of RESULTS.md one epoch's ratio moved from 1.69x to 2.55x between two runs).

Loops: 'memory' feeds pre-normalised float32 batches gathered by index (a fresh permutation every epoch);
'tutorial' runs the course notes' pipeline (datasets.MNIST + ToTensor + Normalize + DataLoader(batch_size=64,
shuffle=True)), with torchvision on the torch side.

Models: 'sequential' is the seed network as the notes train it, nn.Sequential(Linear, ReLU, Linear, ReLU, Linear,
LogSoftmax); 'module' is the same network written as the notes' `class Network(nn.Module)`, three nn.Linear
attributes and F.relu / F.log_softmax in forward, which fastnn runs op by op.
"""
import gzip
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SHARED_DATA = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data"))
OPTIMIZERS = {"sgd": dict(lr=0.003), "momentum": dict(lr=0.01, momentum=0.9), "adam": dict(lr=1e-3)}


def prepare_root(mirror):
    """A dataset root in torchvision's layout (extracted files) from a mirror folder, for both libraries' dataset
    classes; the caller removes it."""
    root = tempfile.mkdtemp(prefix="fastnn-bench-")
    raw = os.path.join(root, "MNIST", "raw")
    os.makedirs(raw)
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
        with gzip.open(os.path.join(mirror, "mnist", name + ".gz")) as src, open(os.path.join(raw, name), "wb") as d:
            shutil.copyfileobj(src, d)
    return root


def load_arrays(root):
    """MNIST as normalised float32 (N, 784) arrays and int64 labels (train, then test), read with fastnn's IDX
    reader."""
    import numpy as np
    from fastnn.vision import datasets
    out = []
    for train in (True, False):
        ds = datasets.MNIST(root, train=train, download=True)
        x = (ds.data.numpy().reshape(len(ds), 784).astype(np.float32) / 255.0 - 0.5) / 0.5
        out += [x, ds.targets.numpy().astype(np.int64)]
    return out


def _batches(lib, loop, T, root):
    """An endless iterator of (images [64, 784], labels) in `lib`'s tensors."""
    import numpy as np
    if loop == "tutorial":
        if lib == "torch":
            from torchvision import datasets, transforms
            from torch.utils.data import DataLoader
        else:
            from fastnn.utils.data import DataLoader
            from fastnn.vision import datasets, transforms
        tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
        loader = DataLoader(datasets.MNIST(root, train=True, transform=tf), batch_size=64, shuffle=True)
        while True:
            for images, labels in loader:
                yield images.view(images.shape[0], 784), labels
    x, y, _, _ = load_arrays(root)
    X, Y = T.from_numpy(x), T.from_numpy(y)
    rng = np.random.default_rng(0)
    while True:
        perm = rng.permutation(len(x))
        for i in range(0, len(perm), 64):
            idx = T.from_numpy(perm[i:i + 64])
            yield X[idx], Y[idx]


MODELS = ("sequential", "module")


def _model(nn, F, kind):
    """The seed network (784-128-64-10, ReLU, LogSoftmax) as an nn.Sequential or as an nn.Module subclass."""
    if kind == "sequential":
        return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10),
                             nn.LogSoftmax(dim=1))

    class Network(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(784, 128)
            self.fc2 = nn.Linear(128, 64)
            self.fc3 = nn.Linear(64, 10)

        def forward(self, x):
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return F.log_softmax(self.fc3(x), dim=1)

    return Network()


def serve(lib, loop, opt, threads, root, model="sequential"):
    """Worker main: set up the loop, then answer block requests on stdin until it closes."""
    if lib == "torch":
        import torch as T
        import torch.nn.functional as F
        from torch import nn, optim
    else:
        import fastnn as T
        import fastnn.nn.functional as F
        from fastnn import nn, optim
    T.set_num_threads(threads)
    T.manual_seed(0)
    model = _model(nn, F, model)
    criterion = nn.NLLLoss()
    kw = OPTIMIZERS[opt]
    optimizer = optim.Adam(model.parameters(), **kw) if opt == "adam" else optim.SGD(model.parameters(), **kw)
    batches = _batches(lib, loop, T, root)
    for line in sys.stdin:
        n = int(line)
        t0 = time.perf_counter()
        for _ in range(n):
            images, labels = next(batches)
            optimizer.zero_grad()
            loss = criterion(model(images), labels)
            loss.backward()
            optimizer.step()
        last = loss.item()
        print(f"{(time.perf_counter() - t0) / n * 1e6:.3f} {last:.6f}", flush=True)


class Worker:
    """A worker process: `python script --worker ARGS...`, with the thread count pinned in its environment and
    OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset."""

    def __init__(self, python, script, args, threads, extra_env=None):
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), **(extra_env or {}))
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
        self.proc = subprocess.Popen([python, script, "--worker"] + args, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env=env)

    def ask(self, steps):
        """Run `steps` steps; returns (us per step, the last step's loss)."""
        self.proc.stdin.write(f"{steps}\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("a worker stopped (see its error above)")
        us, loss = line.split()
        return float(us), float(loss)

    def close(self):
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait()


def alternate(workers, blocks, steps, warmup=200, pause=0.0):
    """Warm every worker up, then run `blocks` rounds of one block each, the order reversed every round.

    Returns (per-worker lists of us per step, per-worker last losses). `pause` seconds pass between two blocks
    (a spinning thread pool of the previous worker settles)."""
    for w in workers:
        w.ask(warmup)
    times = [[] for _ in workers]
    losses = [None] * len(workers)
    for b in range(blocks):
        order = range(len(workers)) if b % 2 == 0 else reversed(range(len(workers)))
        for i in order:
            if pause:
                time.sleep(pause)
            us, losses[i] = workers[i].ask(steps)
            times[i].append(us)
    return times, losses


def median_ratio(slow, fast):
    """Median over blocks of slow[i] / fast[i]: each ratio compares two blocks run back to back."""
    return statistics.median(s / f for s, f in zip(slow, fast))
