"""Adamax (torch.optim.Adamax's update rule: weight decay, maximize)."""
from ..backend.cpu import optim as _k
from .optimizer import Optimizer, _check_adam_options, _copy_back, _SPLIT, _gather, _scalar_tensor, _zeros_like

__all__ = ["Adamax"]


def _init(p):
    return {"step": _scalar_tensor(0.0), "exp_avg": _zeros_like(p), "exp_inf": _zeros_like(p)}


class Adamax(Optimizer):
    """Adamax (Adam with the infinity norm). State per parameter: step, exp_avg, exp_inf."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        _check_adam_options(lr, betas, eps, weight_decay, differentiable)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns closure()'s loss if given."""
        loss = self._closure(closure)
        for group in self.param_groups:
            buckets, copies = _gather(self.state, group, ("exp_avg", "exp_inf"), _init, _SPLIT)
            beta1, beta2 = group["betas"]
            for ps, gs, lists, step in buckets:
                _k.adamax_step(ps, gs, lists[0], lists[1], step, group["lr"], beta1, beta2, group["eps"],
                               group["weight_decay"], group["maximize"])
            _copy_back(copies)
        self._opt_called = True
        return loss
