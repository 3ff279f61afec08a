"""Data loading alone for the tutorial pipeline: one epoch of MNIST train (60,000 images) through
MNIST + Compose([ToTensor(), Normalize((0.5,), (0.5,))]) + DataLoader(batch_size=64, shuffle=True).

    PYTHONPATH=python python benchmarks/bench_data.py [--repeats 7] [--root DIR]

Reports the median seconds per epoch of: the fast path (batched gather + table transform), the generic
per-sample path (__getitem__ + default_collate, what any other dataset gets), and num_workers=2.
The root defaults to a temporary torchvision layout linked to ../shared/data (FASTNN_DATASETS_MIRROR).
"""
import os

for _var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # they slow numpy on some machines; see common brief
    os.environ.pop(_var, None)

import argparse  # noqa: E402
import pathlib  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import fastnn  # noqa: E402
from fastnn.utils.data import DataLoader, Dataset  # noqa: E402
from fastnn.vision import datasets, transforms  # noqa: E402


class PerSample(Dataset):
    """Hides __getitems__: the DataLoader goes item by item, then collates."""

    def __init__(self, ds):
        self.ds = ds

    def __getitem__(self, i):
        return self.ds[i]

    def __len__(self):
        return len(self.ds)


def epoch_seconds(loader, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        n = 0
        for images, labels in loader:
            n += labels.shape[0]
        times.append(time.perf_counter() - t)
        assert n == len(loader.dataset), n
    return statistics.median(times), min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--root", default=None)
    ap.add_argument("--skip-generic", action="store_true")
    args = ap.parse_args()
    fastnn.set_num_threads(1)
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
        threadpool_limits(1)
        blas = ", ".join(f"{i['internal_api']} {i.get('architecture', '')}" for i in threadpool_info())
    except ImportError:
        blas = "threadpoolctl not installed"
    root = args.root
    if root is None:
        shared = pathlib.Path(os.environ.get("FASTNN_DATASETS_MIRROR",
                                             pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "data"))
        root = tempfile.mkdtemp(prefix="bench_data_")
        raw = pathlib.Path(root) / "MNIST" / "raw"
        raw.mkdir(parents=True)
        for f in (shared / "mnist").glob("*.gz"):
            (raw / f.name).symlink_to(f)
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    t = time.perf_counter()
    ds = datasets.MNIST(root, train=True, transform=tf)
    load = time.perf_counter() - t
    print(f"numpy {np.__version__}, BLAS: {blas}; fastnn threads 1")
    print(f"MNIST train load (gzip IDX parse): {load:.3f} s")
    fastnn.manual_seed(0)
    med, best = epoch_seconds(DataLoader(ds, batch_size=64, shuffle=True), args.repeats)
    print(f"fast path      : median {med:.4f} s/epoch (min {best:.4f}) over {args.repeats} epochs")
    med, best = epoch_seconds(DataLoader(ds, batch_size=64, shuffle=True, num_workers=2), max(2, args.repeats // 2))
    print(f"num_workers=2  : median {med:.4f} s/epoch (min {best:.4f})")
    if not args.skip_generic:
        med, best = epoch_seconds(DataLoader(PerSample(ds), batch_size=64, shuffle=True), 2)
        print(f"per-sample path: median {med:.4f} s/epoch (min {best:.4f}) over 2 epochs")


if __name__ == "__main__":
    main()
