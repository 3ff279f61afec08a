"""Adagrad (torch.optim.Adagrad's update rule: lr decay, weight decay, initial accumulator, maximize)."""
import numpy as np

from ..backend.cpu import optim as _k
from ..tensor import Tensor
from .optimizer import Optimizer, _copy_back, _SPLIT, _gather, _scalar_tensor

__all__ = ["Adagrad"]


def _state(p, init_value):
    return {"step": _scalar_tensor(0.0), "sum": Tensor._make(np.full(p._data.shape, init_value, p._data.dtype))}


class Adagrad(Optimizer):
    """Adagrad; as in torch, every parameter's state (step, sum) is created at construction."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if differentiable:
            raise NotImplementedError("fastnn optimizers do not support differentiable=True")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        # as torch: the accumulator starts at the constructor's value, whatever a group's own option says
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p] = _state(p, initial_accumulator_value)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns closure()'s loss if given."""
        loss = self._closure(closure)
        for group in self.param_groups:
            init_value = self.defaults["initial_accumulator_value"]  # (torch ignores the group's value here)
            buckets, copies = _gather(self.state, group, ("sum",), lambda p: _state(p, init_value), _SPLIT)
            for ps, gs, lists, step in buckets:
                _k.adagrad_step(ps, gs, lists[0], step, group["lr"], group["lr_decay"], group["weight_decay"],
                                group["eps"], group["maximize"])
            _copy_back(copies)
        self._opt_called = True
        return loss
