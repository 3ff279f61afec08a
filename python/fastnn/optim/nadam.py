"""NAdam (torch.optim.NAdam's update rule: momentum decay, weight decay or decoupled NAdamW, maximize)."""
from ..backend.cpu import optim as _k
from .optimizer import Optimizer, _check_adam_options, _copy_back, _SPLIT, _gather, _scalar_tensor, _zeros_like

__all__ = ["NAdam"]


def _init(p):
    return {"step": _scalar_tensor(0.0), "mu_product": _scalar_tensor(1.0), "exp_avg": _zeros_like(p),
            "exp_avg_sq": _zeros_like(p)}


class NAdam(Optimizer):
    """NAdam; decoupled_weight_decay=True makes it NAdamW. State per parameter: step, mu_product (a 0-d float32
    tensor, as torch keeps it), exp_avg, exp_avg_sq."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_adam_options(lr, betas, eps, weight_decay, differentiable)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay, "decoupled_weight_decay": decoupled_weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns closure()'s loss if given."""
        loss = self._closure(closure)
        for group in self.param_groups:
            buckets, copies = _gather(self.state, group, ("exp_avg", "exp_avg_sq", "mu_product"), _init, _SPLIT)
            beta1, beta2 = group["betas"]
            for ps, gs, (ms, vs, mps), step in buckets:
                # One kernel call per distinct mu_product (they differ only if betas/momentum_decay changed
                # between steps that some parameters skipped).
                by_mp = {}
                for i, a in enumerate(mps):
                    by_mp.setdefault((a.dtype, a.item()), []).append(i)
                for idx in by_mp.values():
                    pick = (lambda lst: lst) if len(by_mp) == 1 else (lambda lst: [lst[i] for i in idx])
                    mp = _k.nadam_step(pick(ps), pick(gs), pick(ms), pick(vs), mps[idx[0]][()], step, group["lr"],
                                       beta1, beta2, group["eps"], group["weight_decay"], group["momentum_decay"],
                                       group["maximize"], group["decoupled_weight_decay"])
                    for i in idx:
                        mps[i][()] = mp
            _copy_back(copies)
        self._opt_called = True
        return loss
