"""Optimizer steps over all parameters of a group at once, with torch.optim's exact update rules.

Every list holds arrays of one shape per parameter; everything is updated in place."""
import numpy as np


def sgd_step(params, grads, bufs, lr, momentum, dampening, nesterov, weight_decay, maximize, first_step):
    """bufs: momentum buffers (ignored when momentum == 0); first_step: buffers start as a copy of d_p."""
    for p, g, buf in zip(params, grads, bufs):
        d = -g if maximize else g
        if weight_decay:
            d = d + weight_decay * p
        if momentum:
            if first_step:
                buf[...] = d
            else:
                buf *= momentum
                buf += (1 - dampening) * d
            d = d + momentum * buf if nesterov else buf
        p -= lr * d


def adam_step(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, step, lr, beta1, beta2, eps,
              weight_decay, amsgrad, maximize, decoupled_weight_decay):
    """Adam (decoupled_weight_decay=False) or AdamW; step counts from 1; max_exp_avg_sqs used with amsgrad."""
    bc1 = 1 - beta1 ** step
    bc2_sqrt = (1 - beta2 ** step) ** 0.5
    step_size = lr / bc1
    for i, (p, g, m, v) in enumerate(zip(params, grads, exp_avgs, exp_avg_sqs)):
        g = -g if maximize else g
        if weight_decay:
            if decoupled_weight_decay:
                p *= 1 - lr * weight_decay
            else:
                g = g + weight_decay * p
        m += (g - m) * (1 - beta1)
        v *= beta2
        v += (1 - beta2) * g * g
        if amsgrad:
            np.maximum(max_exp_avg_sqs[i], v, out=max_exp_avg_sqs[i])
            denom = np.sqrt(max_exp_avg_sqs[i]) / bc2_sqrt + eps
        else:
            denom = np.sqrt(v) / bc2_sqrt + eps
        p -= step_size * m / denom


def adagrad_step(params, grads, state_sums, step, lr, lr_decay, weight_decay, eps, maximize):
    clr = lr / (1 + (step - 1) * lr_decay)
    for p, g, s in zip(params, grads, state_sums):
        g = -g if maximize else g
        if weight_decay:
            g = g + weight_decay * p
        s += g * g
        p -= clr * g / (np.sqrt(s) + eps)


def rmsprop_step(params, grads, square_avgs, momentum_bufs, grad_avgs, lr, alpha, eps, weight_decay, momentum,
                 centered, maximize):
    """momentum_bufs used when momentum > 0, grad_avgs when centered (else may be None)."""
    for i, (p, g, v) in enumerate(zip(params, grads, square_avgs)):
        g = -g if maximize else g
        if weight_decay:
            g = g + weight_decay * p
        v *= alpha
        v += (1 - alpha) * g * g
        if centered:
            ga = grad_avgs[i]
            ga += (g - ga) * (1 - alpha)
            avg = np.sqrt(v - ga * ga) + eps
        else:
            avg = np.sqrt(v) + eps
        if momentum > 0:
            buf = momentum_bufs[i]
            buf *= momentum
            buf += g / avg
            p -= lr * buf
        else:
            p -= lr * g / avg


def adadelta_step(params, grads, square_avgs, acc_deltas, lr, rho, eps, weight_decay, maximize):
    for p, g, v, u in zip(params, grads, square_avgs, acc_deltas):
        g = -g if maximize else g
        if weight_decay:
            g = g + weight_decay * p
        v *= rho
        v += (1 - rho) * g * g
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u *= rho
        u += (1 - rho) * delta * delta
        p -= lr * delta
