"""Adam and AdamW (torch.optim.Adam / AdamW update rules, amsgrad and maximize included)."""
from ..backend.cpu import optim as _k
from .optimizer import Optimizer, _check_adam_options, _copy_back, _SPLIT, _gather, _scalar_tensor, _zeros_like

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam; decoupled_weight_decay=True makes it AdamW. State per parameter: step, exp_avg, exp_avg_sq
    (and max_exp_avg_sq with amsgrad)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        _check_adam_options(lr, betas, eps, weight_decay, False)
        if not (isinstance(betas[0], float) and isinstance(betas[1], float)):
            raise ValueError("betas must be either both floats or both Tensors")
        if differentiable:
            raise NotImplementedError("fastnn optimizers do not support differentiable=True")
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns closure()'s loss if given."""
        loss = self._closure(closure)
        for group in self.param_groups:
            amsgrad = group["amsgrad"]
            keys = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq") if amsgrad else ("exp_avg", "exp_avg_sq")

            def init(p):
                s = {"step": _scalar_tensor(0.0), "exp_avg": _zeros_like(p), "exp_avg_sq": _zeros_like(p)}
                if amsgrad:
                    s["max_exp_avg_sq"] = _zeros_like(p)
                return s

            buckets, copies = _gather(self.state, group, keys, init, _SPLIT)
            beta1, beta2 = group["betas"]
            for ps, gs, lists, step in buckets:
                _k.adam_step(ps, gs, lists[0], lists[1], lists[2] if amsgrad else None, step, group["lr"], beta1,
                             beta2, group["eps"], group["weight_decay"], amsgrad, group["maximize"],
                             group["decoupled_weight_decay"])
            _copy_back(copies)
        self._opt_called = True
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (default 1e-2)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
