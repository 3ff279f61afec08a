"""fastnn-train: fit the course notes' MNIST classifier (784-128-64-10, ReLU, LogSoftmax + NLLLoss).

    fastnn-train                                  # MNIST, Adam + cosine schedule, ~98% in a few seconds
    fastnn-train --dataset fashion-mnist --epochs 10
    python -m fastnn.train --optimizer momentum --lr 0.01 --epochs 5

Writes to --out: checkpoint.safetensors (fastnn.save), history.json, curves.png and predictions.png
(the last two need the optional matplotlib extra)."""
import argparse
import json
import os
import sys
import time


DEFAULT_LR = {"sgd": 0.003, "momentum": 0.01, "adagrad": 0.01, "rmsprop": 0.001, "adadelta": 1.0, "adam": 2e-3,
              "adamw": 2e-3}
DATASETS = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}
NORMALIZATION = {"mnist": (0.1307, 0.3081), "fashion-mnist": (0.2860, 0.3530)}


def build_parser():
    p = argparse.ArgumentParser(prog="fastnn-train", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--dataset", choices=sorted(DATASETS), default="mnist")
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--optimizer", choices=sorted(DEFAULT_LR), default="adam")
    p.add_argument("--lr", type=float, default=None, help="learning rate (default: per optimizer)")
    p.add_argument("--schedule", choices=["cosine", "none"], default="cosine",
                   help="learning-rate schedule over all steps")
    p.add_argument("--hidden", default="128,64", help="hidden layer sizes, comma separated")
    p.add_argument("--loss", choices=["nll", "ce"], default="nll",
                   help="nll: LogSoftmax + NLLLoss (the notes' model); ce: logits + CrossEntropyLoss")
    p.add_argument("--threads", type=int, default=None, help="kernel threads (default: as torch)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data", default=os.environ.get("FASTNN_DATA", os.path.join("~", ".fastnn", "data")),
                   help="dataset root (torchvision layout; FASTNN_DATA sets the default)")
    p.add_argument("--out", default="fastnn-run", help="output folder")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG pictures")
    return p


def build_model(hidden, loss, nn):
    sizes = [784] + hidden + [10]
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    if loss == "nll":
        layers.append(nn.LogSoftmax(dim=1))
    return nn.Sequential(*layers)


def build_optimizer(name, params, lr, optim):
    if name == "sgd":
        return optim.SGD(params, lr=lr)
    if name == "momentum":
        return optim.SGD(params, lr=lr, momentum=0.9)
    cls = {"adagrad": optim.Adagrad, "rmsprop": optim.RMSprop, "adadelta": optim.Adadelta, "adam": optim.Adam,
           "adamw": optim.AdamW}[name]
    return cls(params, lr=lr)


class Progress:
    """tqdm when installed, else a plain one-line progress report; silent when stderr is not a terminal
    (the per-epoch summary lines still print)."""

    def __init__(self, total, desc):
        self.total, self.desc, self.n, self.t0 = total, desc, 0, time.perf_counter()
        self.enabled = sys.stderr.isatty()
        self.bar = None
        if self.enabled:
            try:
                from tqdm import tqdm
                self.bar = tqdm(total=total, desc=desc, unit="batch", leave=False, file=sys.stderr,
                                dynamic_ncols=True)
            except ImportError:
                pass
        self.last_print = 0.0

    def update(self, samples, loss):
        self.n += 1
        if not self.enabled:
            return
        elapsed = max(time.perf_counter() - self.t0, 1e-9)
        rate = samples / elapsed
        if self.bar is not None:
            self.bar.update(1)
            if self.n % 20 == 0 or self.n == self.total:
                self.bar.set_postfix(loss=f"{loss:.4f}", samples_s=f"{rate:,.0f}")
        elif elapsed - self.last_print > 0.5 or self.n == self.total:
            self.last_print = elapsed
            sys.stderr.write(f"\r{self.desc}: {self.n}/{self.total} batches, loss {loss:.4f}, "
                             f"{rate:,.0f} samples/s")
            sys.stderr.flush()

    def close(self):
        if self.bar is not None:
            self.bar.close()
        elif self.enabled:
            sys.stderr.write("\r" + " " * 79 + "\r")


def evaluate(model, loader, fastnn, loss_name):
    """Mean loss and accuracy over a loader, without recording the graph."""
    import fastnn.nn.functional as F
    total_loss, correct, count = 0.0, 0, 0
    with fastnn.no_grad():
        for images, labels in loader:
            out = model(images.view(images.shape[0], -1))
            loss = F.nll_loss(out, labels, reduction="sum") if loss_name == "nll" else \
                F.cross_entropy(out, labels, reduction="sum")
            total_loss += loss.item()
            correct += int((out.argmax(1) == labels).sum().item())
            count += labels.shape[0]
    return total_loss / count, correct / count


def main(argv=None):
    """The fastnn-train command: trains, writes its files, exits 0."""
    run(argv)
    return 0


def run(argv=None):
    """Parse argv, train, write the outputs; returns the history dict (per-epoch losses and accuracy)."""
    args = build_parser().parse_args(argv)
    import fastnn
    from fastnn import nn, optim
    from fastnn.utils.data import DataLoader
    from fastnn.vision import datasets, transforms

    if args.threads is not None:
        fastnn.set_num_threads(args.threads)
    fastnn.manual_seed(args.seed)
    hidden = [int(h) for h in args.hidden.split(",") if h.strip()]
    lr = args.lr if args.lr is not None else DEFAULT_LR[args.optimizer]
    mean, std = NORMALIZATION[args.dataset]
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((mean,), (std,))])
    dataset_cls = getattr(datasets, DATASETS[args.dataset])
    root = os.path.expanduser(args.data)
    train_set = dataset_cls(root, train=True, download=True, transform=transform)
    test_set = dataset_cls(root, train=False, download=True, transform=transform)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=1000)

    model = build_model(hidden, args.loss, nn)
    criterion = nn.NLLLoss() if args.loss == "nll" else nn.CrossEntropyLoss()
    optimizer = build_optimizer(args.optimizer, model.parameters(), lr, optim)
    steps = args.epochs * len(train_loader)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps) if args.schedule == "cosine" else None

    print(f"fastnn {fastnn.__version__} ({fastnn.get_isa()}, {fastnn.get_num_threads()} threads): "
          f"{args.dataset} {len(train_set)} train / {len(test_set)} test, model {[784] + hidden + [10]}, "
          f"{args.optimizer} lr={lr}, {args.epochs} epochs, batch {args.batch_size}")
    history = {"epoch": [], "train_loss": [], "test_loss": [], "test_accuracy": [], "seconds": []}
    os.makedirs(args.out, exist_ok=True)
    t_start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.train()
        t0 = time.perf_counter()
        running, seen = 0.0, 0
        progress = Progress(len(train_loader), f"epoch {epoch}/{args.epochs}")
        for images, labels in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(images.view(images.shape[0], -1)), labels)
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            n = labels.shape[0]
            running += loss.item() * n
            seen += n
            progress.update(seen, running / seen)
        progress.close()
        seconds = time.perf_counter() - t0
        model.eval()
        test_loss, test_acc = evaluate(model, test_loader, fastnn, args.loss)
        for key, v in (("epoch", epoch), ("train_loss", running / seen), ("test_loss", test_loss),
                       ("test_accuracy", test_acc), ("seconds", seconds)):
            history[key].append(v)
        print(f"epoch {epoch}: train loss {running / seen:.4f}, test loss {test_loss:.4f}, "
              f"test accuracy {100 * test_acc:.2f}%, {seconds:.2f} s ({seen / seconds:,.0f} samples/s)")
    total = time.perf_counter() - t_start
    print(f"done in {total:.1f} s: test accuracy {100 * history['test_accuracy'][-1]:.2f}%")

    fastnn.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epochs": args.epochs,
                 "args": vars(args)}, os.path.join(args.out, "checkpoint.safetensors"))
    with open(os.path.join(args.out, "history.json"), "w") as f:
        json.dump(history, f, indent=2)
    written = ["checkpoint.safetensors", "history.json"]
    del train_loader, train_set  # 47 MB of images: gone before matplotlib loads, so peak memory stays low
    if not args.no_plots:
        written += _pictures(model, test_set, history, args, fastnn)
    print(f"wrote {', '.join(written)} to {os.path.abspath(args.out)}")
    return history


def _pictures(model, test_set, history, args, fastnn):
    try:
        from fastnn import viz
        viz._plt()
    except ImportError as e:
        print(f"(no pictures: {e})")
        return []
    viz.plot_history(history, os.path.join(args.out, "curves.png"))
    idx = fastnn.randperm(len(test_set), generator=fastnn.Generator().manual_seed(args.seed))[:16]
    batch = [test_set[int(i)] for i in idx]
    images = fastnn.stack([b[0] for b in batch])
    labels = fastnn.tensor([int(b[1]) for b in batch])
    with fastnn.no_grad():
        out = model(images.view(images.shape[0], -1))
        probs = out.exp() if args.loss == "nll" else out.softmax(1)
    raw = test_set.data[idx]
    classes = viz.FASHION_CLASSES if args.dataset == "fashion-mnist" else viz.MNIST_CLASSES
    viz.plot_predictions(raw, probs, labels, classes, os.path.join(args.out, "predictions.png"))
    return ["curves.png", "predictions.png"]


if __name__ == "__main__":
    sys.exit(main())
