"""Row-wise softmax / log-softmax over the last axis of a 2-D array, and the fused cross-entropy."""
import numpy as np


def softmax(x):
    m = x.max(axis=-1, keepdims=True)
    e = np.exp(x - m)
    e /= e.sum(axis=-1, keepdims=True)
    return e


def softmax_backward(grad, y):
    """dx = y * (grad - sum(grad * y, row))."""
    return y * (grad - (grad * y).sum(axis=-1, keepdims=True))


def log_softmax(x):
    m = x.max(axis=-1, keepdims=True)
    s = x - m
    s -= np.log(np.exp(s).sum(axis=-1, keepdims=True))
    return s


def log_softmax_backward(grad, y):
    """dx = grad - exp(y) * sum(grad, row), with y the forward output."""
    return grad - np.exp(y) * grad.sum(axis=-1, keepdims=True)


def cross_entropy(logits, targets):
    """Per-row loss -log softmax(logits)[i, t_i] and dlogits = softmax(logits) - onehot(t) in one pass.

    logits: (N, C) float; targets: (N,) int64 in [0, C) (IndexError naming the bad value otherwise)."""
    n, c = logits.shape
    if targets.shape != (n,):
        raise ValueError(f"cross_entropy: targets of shape {list(targets.shape)} for logits of shape {[n, c]}")
    if n and (targets.min() < 0 or targets.max() >= c):
        bad = targets[(targets < 0) | (targets >= c)][0]
        raise IndexError(f"Target {int(bad)} is out of bounds for {c} classes.")
    logp = log_softmax(logits)
    rows = np.arange(n)
    loss = -logp[rows, targets]
    d = np.exp(logp)
    d[rows, targets] -= 1
    return loss, d
