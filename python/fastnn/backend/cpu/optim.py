"""Optimizer steps over all parameters of a group at once, with torch.optim's exact update rules.

Every list holds arrays of one shape per parameter; everything is updated in place. When every array is
float32 and C-contiguous, one C++ call updates the whole group (fastnn._C.*_step); otherwise the numpy path
below does the same arithmetic in the same order."""
import numpy as np

from ... import _C

_F32 = np.dtype(np.float32)


def _fast(*lists):
    for lst in lists:
        for a in lst:
            if a.dtype is not _F32 or not a.flags.c_contiguous:
                return False
    return True


def _list(x):
    return x if type(x) is list else list(x)


def sgd_step(params, grads, bufs, lr, momentum, dampening, nesterov, weight_decay, maximize, first_step):
    """bufs: momentum buffers (ignored when momentum == 0); first_step: buffers start as a copy of d_p."""
    if _fast(params, grads, bufs if momentum else ()):
        _C.sgd_step(_list(params), _list(grads), _list(bufs) if momentum else None, lr, momentum, dampening,
                    nesterov, weight_decay, maximize, first_step)
        return
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


def _lerp_(a, end, w):
    """a.lerp_(end, w) with torch's two formulas (exact at both ends)."""
    if w < 0.5:
        a += w * (end - a)
    else:
        a[...] = end - (end - a) * (1 - w)


def adam_step(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, step, lr, beta1, beta2, eps,
              weight_decay, amsgrad, maximize, decoupled_weight_decay):
    """Adam (decoupled_weight_decay=False) or AdamW; step counts from 1; max_exp_avg_sqs used with amsgrad."""
    if _fast(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs if amsgrad else ()):
        _C.adam_step(_list(params), _list(grads), _list(exp_avgs), _list(exp_avg_sqs),
                     _list(max_exp_avg_sqs) if amsgrad else None, step, lr, beta1, beta2, eps, weight_decay,
                     amsgrad, maximize, decoupled_weight_decay)
        return
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
        _lerp_(m, g, 1 - beta1)
        v *= beta2
        v += (1 - beta2) * g * g
        if amsgrad:
            np.maximum(max_exp_avg_sqs[i], v, out=max_exp_avg_sqs[i])
            denom = np.sqrt(max_exp_avg_sqs[i]) / bc2_sqrt + eps
        else:
            denom = np.sqrt(v) / bc2_sqrt + eps
        p += -step_size * m / denom


def adagrad_step(params, grads, state_sums, step, lr, lr_decay, weight_decay, eps, maximize):
    """step counts from 1 (torch increments before use)."""
    if _fast(params, grads, state_sums):
        _C.adagrad_step(_list(params), _list(grads), _list(state_sums), step, lr, lr_decay, weight_decay, eps,
                        maximize)
        return
    clr = lr / (1 + (step - 1) * lr_decay)
    for p, g, s in zip(params, grads, state_sums):
        g = -g if maximize else g
        if weight_decay:
            g = g + weight_decay * p
        s += g * g
        p += -clr * g / (np.sqrt(s) + eps)


def rmsprop_step(params, grads, square_avgs, momentum_bufs, grad_avgs, lr, alpha, eps, weight_decay, momentum,
                 centered, maximize):
    """momentum_bufs used when momentum > 0, grad_avgs when centered (else may be None)."""
    if _fast(params, grads, square_avgs, momentum_bufs if momentum > 0 else (), grad_avgs if centered else ()):
        _C.rmsprop_step(_list(params), _list(grads), _list(square_avgs),
                        _list(momentum_bufs) if momentum > 0 else None, _list(grad_avgs) if centered else None,
                        lr, alpha, eps, weight_decay, momentum, centered, maximize)
        return
    for i, (p, g, v) in enumerate(zip(params, grads, square_avgs)):
        g = -g if maximize else g
        if weight_decay:
            g = g + weight_decay * p
        v *= alpha
        v += (1 - alpha) * g * g
        if centered:
            ga = grad_avgs[i]
            _lerp_(ga, g, 1 - alpha)
            avg = np.sqrt(v - ga * ga) + eps
        else:
            avg = np.sqrt(v) + eps
        if momentum > 0:
            buf = momentum_bufs[i]
            buf *= momentum
            buf += g / avg
            p -= lr * buf
        else:
            p += -lr * g / avg


def adadelta_step(params, grads, square_avgs, acc_deltas, lr, rho, eps, weight_decay, maximize):
    if _fast(params, grads, square_avgs, acc_deltas):
        _C.adadelta_step(_list(params), _list(grads), _list(square_avgs), _list(acc_deltas), lr, rho, eps,
                         weight_decay, maximize)
        return
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


# NAdam, RAdam and Adamax follow torch's float32 CPU kernels more closely: those fuse add(alpha=), addcmul_ and
# lerp_ into one rounding (fma), as the C++ kernels do.
def _fma(a, b, c):
    """a * b + c rounded once for float32 (an exact product in float64; a scalar is rounded to float32 first, as
    torch rounds its Python-float scalars); a * b + c for other dtypes. c: an array."""
    if c.dtype != _F32:
        return a * b + c
    return (np.asarray(a, _F32).astype(np.float64) * np.asarray(b, _F32) + c).astype(_F32)


def _lerp_fma_(a, end, w):
    """a.lerp_(end, w) as torch's float32 CPU kernel computes it: fma in both of its formulas."""
    w = a.dtype.type(w)
    a[...] = _fma(w, end - a, a) if w < 0.5 else _fma(end - a, -(1 - w), end)


def _adam_moments_(p, g, m, v, lr, beta1, beta2, weight_decay, maximize, decoupled):
    """The element step NAdam and RAdam share, in torch's order: the sign, weight decay (p *= 1 - lr * wd when
    decoupled, else g + wd * p fused), exp_avg.lerp_(g, 1 - beta1), exp_avg_sq.mul_(beta2).addcmul_(g, g,
    1 - beta2). Updates p, m, v in place; returns the gradient used."""
    g = -g if maximize else g
    if weight_decay:
        if decoupled:
            p *= 1 - lr * weight_decay
        else:
            g = _fma(weight_decay, p, g)
    _lerp_fma_(m, g, 1 - beta1)
    v *= beta2
    v[...] = _fma((1 - beta2) * g, g, v)
    return g


def nadam_step(params, grads, exp_avgs, exp_avg_sqs, mu_product, step, lr, beta1, beta2, eps, weight_decay,
               momentum_decay, maximize, decoupled_weight_decay):
    """step counts from 1; mu_product: the state's 0-d value (numpy scalar of its dtype) before this step.
    Returns mu_product after it (torch keeps it as a tensor of that dtype: mu_product *= mu)."""
    if _fast(params, grads, exp_avgs, exp_avg_sqs):
        return _C.nadam_step(_list(params), _list(grads), _list(exp_avgs), _list(exp_avg_sqs), float(mu_product),
                             step, lr, beta1, beta2, eps, weight_decay, momentum_decay, maximize,
                             decoupled_weight_decay)
    mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
    mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
    dt = np.asarray(mu_product).dtype.type
    mp = float(dt(mu_product) * dt(mu))
    grad_coef = -lr * (1.0 - mu) / (1.0 - mp)
    avg_coef = (-lr * mu_next) / (1.0 - mp * mu_next)
    bc2 = 1 - beta2 ** step
    for p, g, m, v in zip(params, grads, exp_avgs, exp_avg_sqs):
        g = _adam_moments_(p, g, m, v, lr, beta1, beta2, weight_decay, maximize, decoupled_weight_decay)
        denom = np.sqrt(v / bc2) + eps
        p += grad_coef * g / denom
        p += avg_coef * m / denom
    return mp


def radam_step(params, grads, exp_avgs, exp_avg_sqs, step, lr, beta1, beta2, eps, weight_decay, maximize,
               decoupled_weight_decay):
    """step counts from 1."""
    if _fast(params, grads, exp_avgs, exp_avg_sqs):
        _C.radam_step(_list(params), _list(grads), _list(exp_avgs), _list(exp_avg_sqs), step, lr, beta1, beta2, eps,
                      weight_decay, maximize, decoupled_weight_decay)
        return
    bc1 = 1 - beta1 ** step
    bc2 = 1 - beta2 ** step
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * (beta2 ** step) / bc2
    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5 \
        if rho_t > 5.0 else None
    for p, g, m, v in zip(params, grads, exp_avgs, exp_avg_sqs):
        _adam_moments_(p, g, m, v, lr, beta1, beta2, weight_decay, maximize, decoupled_weight_decay)
        upd = m / bc1 * lr
        if rect is not None:  # as torch: a reciprocal times the scalar
            upd = upd * (1 / (np.sqrt(v) + eps) * bc2 ** 0.5) * rect
        p -= upd


def adamax_step(params, grads, exp_avgs, exp_infs, step, lr, beta1, beta2, eps, weight_decay, maximize):
    """step counts from 1."""
    if _fast(params, grads, exp_avgs, exp_infs):
        _C.adamax_step(_list(params), _list(grads), _list(exp_avgs), _list(exp_infs), step, lr, beta1, beta2, eps,
                       weight_decay, maximize)
        return
    clr = lr / (1 - beta1 ** step)
    for p, g, m, u in zip(params, grads, exp_avgs, exp_infs):
        g = -g if maximize else g
        if weight_decay:
            g = _fma(weight_decay, p, g)
        _lerp_fma_(m, g, 1 - beta1)
        u *= beta2
        np.maximum(u, np.abs(g) + eps, out=u)
        p += -clr * m / u
