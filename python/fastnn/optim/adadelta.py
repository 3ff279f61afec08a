"""Adadelta (torch.optim.Adadelta's update rule: lr, rho, eps, weight decay, maximize)."""
from ..backend.cpu import optim as _k
from .optimizer import Optimizer, _copy_back, _gather, _scalar_tensor, _zeros_like

__all__ = ["Adadelta"]


def _init(p):
    return {"step": _scalar_tensor(0.0), "square_avg": _zeros_like(p), "acc_delta": _zeros_like(p)}


class Adadelta(Optimizer):
    """Adadelta. State per parameter: step, square_avg, acc_delta."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if differentiable:
            raise NotImplementedError("fastnn optimizers do not support differentiable=True")
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                    "capturable": capturable, "foreach": foreach, "differentiable": differentiable}
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns closure()'s loss if given."""
        loss = self._closure(closure)
        for group in self.param_groups:
            buckets, copies = _gather(self.state, group, ("square_avg", "acc_delta"), _init, True)
            for ps, gs, lists, _ in buckets:
                _k.adadelta_step(ps, gs, lists[0], lists[1], group["lr"], group["rho"], group["eps"],
                                 group["weight_decay"], group["maximize"])
            _copy_back(copies)
        self._opt_called = True
        return loss
