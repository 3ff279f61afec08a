"""Optimizer: torch.optim.Optimizer's public behaviour (param_groups, state, state_dict, zero_grad, repr).

Subclasses implement step(); each step makes ONE backend kernel call per (param group, dtype, step count)
covering every parameter of the group that has a gradient (normally one call per group)."""
from collections import defaultdict
from copy import deepcopy
from itertools import chain

import numpy as np

from ..autograd.grad_mode import enable_grad
from ..tensor import Tensor

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Singleton marking a default that every param group must set (torch.optim.optimizer.required)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj):
    if isinstance(obj, Tensor):
        return "fastnn." + {"float32": "FloatTensor", "float64": "DoubleTensor", "int64": "LongTensor"}.get(
            obj.dtype.name, "Tensor")
    t = type(obj)
    return t.__name__ if t.__module__ in ("builtins", "__builtin__") else f"{t.__module__}.{t.__qualname__}"


def _scalar_tensor(value):
    """torch keeps state['step'] as a 0-d float32 tensor; so do we (state_dict / save stay torch-shaped)."""
    return Tensor._make(np.array(value, dtype=np.float32))


class Optimizer:
    """Base class of all optimizers. `params` is an iterable of Tensors or of dicts (param groups, each with
    'params' and per-group options overriding `defaults`)."""

    def __init__(self, params, defaults):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got " + _typename(params))
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    # ---- torch's pickling protocol (deepcopy of an optimizer works) ----
    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)

    def __repr__(self):
        s = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    s += f"    {key}: {group[key]}\n"
        return s + ")"

    def add_param_group(self, param_group):
        """Append a group (dict with 'params' and optional per-group options; missing ones take defaults)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        tensors, names = [], []
        for p in params:
            if isinstance(p, tuple):  # (name, tensor) pairs, as from named_parameters()
                names.append(p[0])
                tensors.append(p[1])
            else:
                tensors.append(p)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names
        for p in tensors:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + _typename(p))
            if not self.defaults.get("differentiable", None) and not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter "
                                 f"{name}")
            param_group.setdefault(name, default)
        if len({id(p) for p in tensors}) != len(tensors):
            import warnings
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will "
                          "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        seen = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if any(id(p) in seen for p in tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Drop the gradients (set_to_none=True, the default) or zero them in place."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad
                if g is not None:
                    if set_to_none:
                        p._grad = None
                    else:
                        g.grad_fn = None
                        g.requires_grad = False
                        g._data[...] = 0

    def step(self, closure=None):
        raise NotImplementedError

    @staticmethod
    def _closure(closure):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # ---- state_dict: torch's format {'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]} ----
    def state_dict(self):
        """The optimizer state with parameters replaced by their running index over the groups (torch's format).
        State tensors are the live ones, as in torch (save or deepcopy to snapshot)."""
        index = {}
        start = 0
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load a state_dict() of an optimizer with the same group structure. Floating state tensors are copied
        and cast to their parameter's dtype (except 'step'), so the loaded state never aliases the source."""
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                p = id_map[k]
                state[p] = {key: _cast(p, val, key) for key, val in v.items()}
            else:
                state[k] = v
        for group, new_group in zip(groups, saved_groups):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
        self.__setstate__({"state": state, "param_groups": saved_groups})


def _check_adam_options(lr, betas, eps, weight_decay, differentiable):
    """The argument checks (and messages) that torch's Adam family shares, in torch's order."""
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")
    if differentiable:
        raise NotImplementedError("fastnn optimizers do not support differentiable=True")


_ELEMENTWISE_STATE = frozenset(("momentum_buffer", "exp_avg", "exp_avg_sq", "max_exp_avg_sq", "sum", "square_avg",
                                "acc_delta", "grad_avg", "exp_inf"))


def _cast(param, value, key=None):
    """A deep copy of value with tensors cast to param's dtype (floating params; never 'step'), C-contiguous."""
    if isinstance(value, Tensor):
        arr = value._data
        if key != "step" and param._data.dtype.kind == "f" and arr.dtype != param._data.dtype:
            arr = arr.astype(param._data.dtype)
        else:
            arr = arr.copy()
        if key in _ELEMENTWISE_STATE and arr.shape != param._data.shape:
            raise ValueError(f"loaded state '{key}' has shape {tuple(arr.shape)}, but its parameter has shape "
                             f"{tuple(param._data.shape)}")
        return Tensor._make(np.asarray(arr, order="C"))
    if isinstance(value, dict):
        return {k: _cast(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(param, v) for v in value)
    return value


_SPLIT = "split"


def _gather(state, group, keys, init_state, counted):
    """Collect the kernel's lists for the parameters of `group` that have a gradient.

    Returns ([(params, grads, lists, step), ...], copies): one bucket per (dtype, step count) -- normally a single
    one -- with `lists[i]` the arrays of state[keys[i]]; `copies` lists (param array, contiguous copy) pairs to
    copy back after the kernel (only for non-contiguous parameters; else None). `init_state(p)` builds a new
    parameter's state; `counted` true increments state['step']; counted=_SPLIT also splits buckets by its value
    (for kernels that use it: it counts from 1 there, as in torch; parameters skipped on some steps lag behind).
    Bumps each updated parameter's version counter, as torch's in-place step does."""
    ps, gs, ss, ks = [], [], [], []
    copies = []
    split = counted is _SPLIT
    for p in group["params"]:
        if p._grad is None:
            continue
        s = state.get(p)
        if not s:
            s = state[p] = init_state(p)
        pa, ga = _kernel_arrays(p, copies)
        if counted:
            st = s["step"]._data
            st[()] = st.item() + 1.0  # 20x faster than st += 1 on a 0-d array
            ks.append((pa.dtype, st.item()) if split else pa.dtype)
        else:
            ks.append(pa.dtype)
        ps.append(pa)
        gs.append(ga)
        ss.append(s)
    if not ps:
        return (), copies
    k0 = ks[0]
    if ks.count(k0) == len(ks):  # the usual case: one dtype, steps in sync
        return [(ps, gs, [[s[k]._data for s in ss] for k in keys], k0[1] if split else None)], copies
    buckets = {}
    for i, k in enumerate(ks):
        buckets.setdefault(k, []).append(i)
    out = []
    for k, idx in buckets.items():
        sub = [ss[i] for i in idx]
        out.append(([ps[i] for i in idx], [gs[i] for i in idx], [[s[key]._data for s in sub] for key in keys],
                    k[1] if split else None))
    return out, copies


def _kernel_arrays(p, copies):
    """p's array and its gradient's as the kernels take them (C-contiguous, one dtype). A non-contiguous parameter
    is updated through a contiguous copy, recorded in `copies` for _copy_back. Bumps p's version counter, as
    torch's in-place step does."""
    pa, ga = p._data, p._grad._data
    if ga.dtype is not pa.dtype or not ga.flags.c_contiguous:
        ga = np.asarray(ga, dtype=pa.dtype, order="C")
    if not pa.flags.c_contiguous:
        pc = np.asarray(pa, order="C")
        copies.append((pa, pc))
        pa = pc
    p._version[0] += 1
    return pa, ga


def _copy_back(copies):
    if copies:
        for pa, pc in copies:
            pa[...] = pc


def _zeros_like(p):
    return Tensor._make(np.zeros(p._data.shape, dtype=p._data.dtype))
