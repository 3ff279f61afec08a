"""Test accuracy after training the notes' network, fastnn against torch, over several seeds.

    python benchmarks/accuracy_mnist.py                 # MNIST and Fashion-MNIST, 5 epochs, 3 seeds
    python benchmarks/accuracy_mnist.py --seeds 1 --datasets mnist
    python benchmarks/accuracy_mnist.py --normalize dataset   # inputs as fastnn-train feeds them

Same network (784-128-64-10, ReLU, LogSoftmax + NLLLoss), batch 64, shuffled each epoch, 1 thread. Inputs are
ToTensor's [0, 1] pixels normalised with `--normalize`: notes = the notes' (0.5, 0.5), to [-1, 1]; dataset = the
dataset's own mean and std, as fastnn-train does; none = left in [0, 1]. fastnn draws torch's random numbers, so
with one seed both start from the same weights and see the same batches; they part only through float32 rounding
(torch's summation orders differ from fastnn's), which training amplifies. Prints mean and per-seed test accuracy
and the final epoch's mean training loss.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from _devtree import use_dev_tree  # noqa: E402

use_dev_tree()
SHARED_DATA = os.path.abspath(os.path.join(HERE, "..", "..", "shared", "data"))
SETTINGS = {"sgd": ("SGD", dict(lr=0.003)), "momentum": ("SGD", dict(lr=0.01, momentum=0.9)),
            "adam": ("Adam", dict(lr=1e-3))}


def _mean_std(normalize, dataset):
    if normalize == "notes":
        return 0.5, 0.5
    if normalize == "dataset":
        from fastnn.train import NORMALIZATION
        return NORMALIZATION[dataset]
    return 0.0, 1.0


def worker(lib, dataset, opt, seed, epochs, root, normalize):
    import numpy as np
    from fastnn.vision import datasets
    cls = datasets.MNIST if dataset == "mnist" else datasets.FashionMNIST
    mean, std = _mean_std(normalize, dataset)
    arrays = []
    for train in (True, False):
        ds = cls(root, train=train, download=True)
        arrays += [(ds.data.numpy().reshape(len(ds), 784).astype(np.float32) / 255 - mean) / std,
                   ds.targets.numpy().astype(np.int64)]
    x, y, xt, yt = arrays
    T = __import__(lib)
    T.set_num_threads(1)
    T.manual_seed(seed)
    nn, optim = T.nn, T.optim
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10),
                          nn.LogSoftmax(dim=1))
    name, kw = SETTINGS[opt]
    optimizer = getattr(optim, name)(model.parameters(), **kw)
    crit = nn.NLLLoss()
    X, Y = T.from_numpy(x), T.from_numpy(y)
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        perm = T.from_numpy(rng.permutation(len(x)))
        total = 0.0
        for i in range(0, len(x), 64):
            idx = perm[i:i + 64]
            optimizer.zero_grad()
            loss = crit(model(X[idx]), Y[idx])
            loss.backward()
            optimizer.step()
            total += loss.item()
        train_loss = total / ((len(x) + 63) // 64)
    with T.no_grad():
        acc = float((model(T.from_numpy(xt)).argmax(1).numpy() == yt).mean())
    return {"accuracy": acc, "train_loss": train_loss}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--datasets", default="mnist,fashion-mnist")
    p.add_argument("--optimizers", default="sgd,momentum,adam")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--normalize", choices=["notes", "dataset", "none"], default="notes",
                   help="inputs (x - mean) / std from [0, 1]: the notes' (0.5, 0.5), the dataset's mean and std, "
                        "or none")
    p.add_argument("--mirror", default=os.environ.get("FASTNN_DATASETS_MIRROR", SHARED_DATA))
    p.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    p.add_argument("--root", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.worker:
        lib, dataset, opt, seed = a.worker
        print(json.dumps(worker(lib, dataset, opt, int(seed), a.epochs, a.root, a.normalize)))
        return
    import tempfile
    root = tempfile.mkdtemp(prefix="fastnn-acc-")
    env = dict(os.environ, FASTNN_DATASETS_MIRROR=a.mirror, OMP_NUM_THREADS="1")
    print(f"# Test accuracy after {a.epochs} epochs, batch 64, {a.seeds} seed(s) ({time.strftime('%Y-%m-%d')})\n")
    print(f"command: python benchmarks/accuracy_mnist.py {' '.join(sys.argv[1:])}\n")
    print("| dataset | optimizer | fastnn mean acc | torch mean acc | difference | fastnn per seed | torch per seed "
          "| fastnn last-epoch train loss |")
    print("|---|---|---|---|---|---|---|---|")
    for dataset in a.datasets.split(","):
        for opt in a.optimizers.split(","):
            res = {"fastnn": [], "torch": []}
            for seed in range(a.seeds):
                for lib in res:
                    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", lib, dataset, opt,
                                          str(seed), "--epochs", str(a.epochs), "--root", root,
                                          "--normalize", a.normalize], env=env, capture_output=True, text=True)
                    if out.returncode:
                        raise RuntimeError(out.stderr[-2000:])
                    res[lib].append(json.loads(out.stdout.strip().splitlines()[-1]))
            fa = [r["accuracy"] for r in res["fastnn"]]
            ta = [r["accuracy"] for r in res["torch"]]
            fm, tm = statistics.mean(fa), statistics.mean(ta)
            print(f"| {dataset} | {opt} | {100 * fm:.2f}% | {100 * tm:.2f}% | {100 * (fm - tm):+.2f} | "
                  f"{', '.join(f'{100 * v:.2f}' for v in fa)} | {', '.join(f'{100 * v:.2f}' for v in ta)} | "
                  f"{statistics.mean(r['train_loss'] for r in res['fastnn']):.3f} |", flush=True)


if __name__ == "__main__":
    main()
