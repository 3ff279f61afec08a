"""RMSprop (torch.optim.RMSprop's update rule: alpha, eps, weight decay, momentum, centered, maximize)."""
from ..backend.cpu import optim as _k
from .optimizer import Optimizer, _copy_back, _gather, _scalar_tensor, _zeros_like

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop. State per parameter: step, square_avg (+ momentum_buffer when momentum > 0, grad_avg when
    centered)."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        if differentiable:
            raise NotImplementedError("fastnn optimizers do not support differentiable=True")
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
                    "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable}
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns closure()'s loss if given."""
        loss = self._closure(closure)
        for group in self.param_groups:
            momentum, centered = group["momentum"], group["centered"]
            keys = ("square_avg",) + (("momentum_buffer",) if momentum > 0 else ()) + \
                (("grad_avg",) if centered else ())

            def init(p):
                s = {"step": _scalar_tensor(0.0), "square_avg": _zeros_like(p)}
                if momentum > 0:
                    s["momentum_buffer"] = _zeros_like(p)
                if centered:
                    s["grad_avg"] = _zeros_like(p)
                return s

            buckets, copies = _gather(self.state, group, keys, init, True)
            for ps, gs, lists, _ in buckets:
                _k.rmsprop_step(ps, gs, lists[0], lists[1] if momentum > 0 else None,
                                lists[-1] if centered else None, group["lr"], group["alpha"], group["eps"],
                                group["weight_decay"], momentum, centered, group["maximize"])
            _copy_back(copies)
        self._opt_called = True
        return loss
