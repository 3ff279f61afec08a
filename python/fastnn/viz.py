"""Pictures of training: the course notes' view_classify helper, loss/accuracy curves, and a prediction grid.

matplotlib is an optional extra (`pip install "fastnn[viz]"`); without it these functions raise ImportError
saying so."""
import numpy as np

MNIST_CLASSES = [str(i) for i in range(10)]
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot"]


def _plt():
    try:
        import matplotlib
        if matplotlib.get_backend().lower() not in ("agg", "pdf", "svg") and not _has_display():
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("fastnn.viz needs matplotlib, an optional extra: pip install \"fastnn[viz]\" "
                          "(or pip install matplotlib)") from None
    return plt


def _has_display():
    import os
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("MPLBACKEND"))


def _array(x):
    """A numpy array from a tensor (detached), array or list."""
    if hasattr(x, "detach"):
        x = x.detach()
    if hasattr(x, "numpy"):
        return np.asarray(x.numpy())
    return np.asarray(x)


def view_classify(img, ps, version="MNIST"):
    """Show an image beside a horizontal bar chart of its class probabilities; returns the figure.

    img: 28x28 (or 1x28x28, 784) values; ps: 10 probabilities (any shape that squeezes to 10).
    version: "MNIST" (digits) or "Fashion" (Fashion-MNIST class names)."""
    plt = _plt()
    probs = _array(ps).reshape(-1)
    image = _array(img).reshape(28, 28)
    labels = FASHION_CLASSES if version.lower().startswith("fashion") else MNIST_CLASSES
    fig, (ax_img, ax_bar) = plt.subplots(figsize=(6, 9), ncols=2)
    ax_img.imshow(image, cmap="gray")
    ax_img.axis("off")
    ax_bar.barh(np.arange(len(probs)), probs)
    ax_bar.set_aspect(0.1)
    ax_bar.set_yticks(np.arange(len(probs)))
    ax_bar.set_yticklabels(labels[:len(probs)], size="small")
    ax_bar.set_title("Class Probability")
    ax_bar.set_xlim(0, 1.1)
    fig.tight_layout()
    return fig


def plot_history(history, path=None):
    """Loss (train and test) and test accuracy per epoch; history is the dict fastnn-train writes to
    history.json (keys 'epoch', 'train_loss', 'test_loss', 'test_accuracy'). Saves to `path` when given."""
    plt = _plt()
    epochs = history.get("epoch") or list(range(1, len(history["train_loss"]) + 1))
    fig, (ax_loss, ax_acc) = plt.subplots(ncols=2, figsize=(10, 4))
    ax_loss.plot(epochs, history["train_loss"], marker="o", label="train")
    if history.get("test_loss"):
        ax_loss.plot(epochs, history["test_loss"], marker="o", label="test")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("loss")
    ax_loss.legend()
    ax_loss.set_title("Loss")
    if history.get("test_accuracy"):
        ax_acc.plot(epochs, [100 * a for a in history["test_accuracy"]], marker="o", color="tab:green")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("test accuracy (%)")
    ax_acc.set_title("Test accuracy")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig


def plot_predictions(images, probs, labels=None, classes=None, path=None, columns=4):
    """A grid of test images, each beside the bar chart of its predicted class probabilities."""
    plt = _plt()
    images = _array(images).reshape(-1, 28, 28)
    probs = _array(probs).reshape(images.shape[0], -1)
    classes = classes or MNIST_CLASSES
    n = images.shape[0]
    rows = -(-n // columns)
    fig, axes = plt.subplots(rows, 2 * columns, figsize=(3.2 * columns, 1.8 * rows), squeeze=False)
    for i in range(rows * columns):
        ax_img, ax_bar = axes[i // columns][2 * (i % columns)], axes[i // columns][2 * (i % columns) + 1]
        ax_img.axis("off")
        if i >= n:
            ax_bar.axis("off")
            continue
        ax_img.imshow(images[i], cmap="gray")
        pred = int(probs[i].argmax())
        title = f"pred {classes[pred]}"
        if labels is not None:
            truth = int(_array(labels).reshape(-1)[i])
            title += f" / true {classes[truth]}"
            ax_img.set_title(title, fontsize=7, color="tab:green" if truth == pred else "tab:red")
        else:
            ax_img.set_title(title, fontsize=7)
        ax_bar.barh(np.arange(len(classes)), probs[i], color="tab:blue")
        ax_bar.set_xlim(0, 1.05)
        ax_bar.set_yticks(np.arange(len(classes)))
        ax_bar.set_yticklabels(classes, fontsize=5)
        ax_bar.tick_params(axis="x", labelsize=5)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig
