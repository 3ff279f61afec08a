"""RAdam (torch.optim.RAdam's update rule: rectified variance, weight decay or decoupled RAdamW, maximize)."""
from ..backend.cpu import optim as _k
from .optimizer import Optimizer, _check_adam_options, _copy_back, _SPLIT, _gather, _scalar_tensor, _zeros_like

__all__ = ["RAdam"]


def _init(p):
    return {"step": _scalar_tensor(0.0), "exp_avg": _zeros_like(p), "exp_avg_sq": _zeros_like(p)}


class RAdam(Optimizer):
    """RAdam; decoupled_weight_decay=True makes it RAdamW. State per parameter: step, exp_avg, exp_avg_sq."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
        _check_adam_options(lr, betas, eps, weight_decay, differentiable)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable, "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns closure()'s loss if given."""
        loss = self._closure(closure)
        for group in self.param_groups:
            buckets, copies = _gather(self.state, group, ("exp_avg", "exp_avg_sq"), _init, _SPLIT)
            beta1, beta2 = group["betas"]
            for ps, gs, lists, step in buckets:
                _k.radam_step(ps, gs, lists[0], lists[1], step, group["lr"], beta1, beta2, group["eps"],
                              group["weight_decay"], group["maximize"], group["decoupled_weight_decay"])
            _copy_back(copies)
        self._opt_called = True
        return loss
