"""SGD with momentum, dampening, Nesterov, weight decay and maximize (torch.optim.SGD's update rule)."""
import numpy as np

from ..backend.cpu import optim as _k
from ..tensor import Tensor
from .optimizer import Optimizer, _copy_back, _kernel_arrays

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent; the momentum buffer starts as the first (decayed) gradient, as in torch."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if differentiable:
            raise NotImplementedError("fastnn optimizers do not support differentiable=True")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
                    "nesterov": nesterov, "maximize": maximize, "foreach": foreach, "differentiable": differentiable,
                    "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns closure()'s loss if given."""
        loss = self._closure(closure)
        state = self.state
        for group in self.param_groups:
            momentum = group["momentum"]
            buckets = {}  # (dtype, first_step) -> (params, grads, bufs)
            copies = []
            for p in group["params"]:
                if p._grad is None:
                    continue
                pa, ga = _kernel_arrays(p, copies)
                buf = state[p].get("momentum_buffer") if momentum else None
                first = buf is None if momentum else False
                if first:  # the kernel fills it with the first d_p
                    buf = state[p]["momentum_buffer"] = Tensor._make(np.empty(pa.shape, dtype=pa.dtype))
                b = buckets.get((pa.dtype, first))
                if b is None:
                    b = buckets[(pa.dtype, first)] = ([], [], [])
                b[0].append(pa)
                b[1].append(ga)
                b[2].append(buf if buf is None else buf._data)
            for (_, first), (ps, gs, bufs) in buckets.items():
                _k.sgd_step(ps, gs, bufs, group["lr"], momentum, group["dampening"], group["nesterov"],
                            group["weight_decay"], group["maximize"], first)
            _copy_back(copies)
        self._opt_called = True
        return loss
