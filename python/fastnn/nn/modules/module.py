"""nn.Module: the base class of layers and models, with torch's registration, traversal and state_dict API."""
import collections

import numpy as np

from ...autograd import grad_mode
from ...tensor import Tensor
from ...utils.hooks import RemovableHandle
from ..parameter import Parameter
from ._backward_hook import BackwardHook

class _IncompatibleKeys(collections.namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What load_state_dict returns; prints as torch's (`<All keys matched successfully>` when clean)."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class Module:
    """Base class for all layers and models. Subclasses set attributes in __init__ (after super().__init__())
    and define forward(); calling the module runs forward."""

    training: bool
    _version = 1

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() takes no arguments (got {args} {kwargs})")
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = {}
        d["_buffers"] = {}
        d["_non_persistent_buffers_set"] = set()
        d["_modules"] = {}
        d["_forward_hooks"] = {}
        d["_forward_pre_hooks"] = {}
        d["_backward_hooks"] = {}
        d["_backward_pre_hooks"] = {}

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args, **kwargs):
        if self._forward_pre_hooks or self._forward_hooks or self._backward_hooks or self._backward_pre_hooks:
            return self._call_with_hooks(*args, **kwargs)
        return self.forward(*args, **kwargs)

    def _call_with_hooks(self, *args, **kwargs):
        d = self.__dict__
        pre_kw, kw, always = (d.get(k, ()) for k in ("_forward_pre_hooks_with_kwargs", "_forward_hooks_with_kwargs",
                                                      "_forward_hooks_always_called"))
        out, called = None, set()
        try:
            for hid, hook in list(self._forward_pre_hooks.items()):
                if hid in pre_kw:
                    r = hook(self, args, kwargs)
                    if r is not None:
                        if not (isinstance(r, tuple) and len(r) == 2):
                            raise RuntimeError("forward pre-hook must return None or a tuple of (new_args, "
                                               f"new_kwargs), but got {r}.")
                        args, kwargs = r
                else:
                    r = hook(self, args)
                    if r is not None:
                        args = r if isinstance(r, tuple) else (r,)
            bw = None
            if self._backward_hooks or self._backward_pre_hooks:
                bw = BackwardHook(self, self._backward_hooks, self._backward_pre_hooks)
                args = bw.setup_inputs(args)
            out = self.forward(*args, **kwargs)
            for hid, hook in list(self._forward_hooks.items()):
                called.add(hid)
                r = hook(self, args, kwargs, out) if hid in kw else hook(self, args, out)
                if r is not None:
                    out = r
            return out if bw is None else bw.setup_outputs(out)
        except Exception:
            # always_call hooks not reached yet still run (their results are moot, their own errors only warned
            # about), as torch's
            for hid, hook in list(self._forward_hooks.items()):
                if hid in always and hid not in called:
                    try:
                        hook(self, args, kwargs, out) if hid in kw else hook(self, args, out)
                    except Exception as e:
                        import warnings
                        warnings.warn("module forward hook with ``always_call=True`` raised an exception that was "
                                      f"silenced as another error was raised in forward: {e}", stacklevel=2)
            raise

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        """hook(module, args, output) (or (module, args, kwargs, output) with_kwargs) after forward; a non-None
        return replaces the output. always_call: also run when forward raises."""
        flags = {"_forward_hooks_with_kwargs": with_kwargs, "_forward_hooks_always_called": always_call}
        return RemovableHandle(self._forward_hooks, hook, prepend=prepend, extra_dicts=self._hook_flags(flags))

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """hook(module, args) -> None or new args (with_kwargs: hook(module, args, kwargs) -> None or
        (new_args, new_kwargs)) before forward."""
        flags = {"_forward_pre_hooks_with_kwargs": with_kwargs}
        return RemovableHandle(self._forward_pre_hooks, hook, prepend=prepend,
                               extra_dicts=self._hook_flags(flags))

    def register_full_backward_hook(self, hook, prepend=False):
        """hook(module, grad_input, grad_output) once the gradients of the module's positional inputs are
        computed (None for arguments that are not tensors, zeros for tensors that do not require grad while
        another does); a non-None return replaces grad_input."""
        return RemovableHandle(self._backward_hooks, hook, prepend=prepend)

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """hook(module, grad_output) when the gradients of the module's outputs are computed, before the
        module's own backward; a non-None return replaces grad_output."""
        return RemovableHandle(self._backward_pre_hooks, hook, prepend=prepend)

    def _hook_flags(self, flags):
        """The flag dicts (created on first use) a new hook id goes into."""
        return [self.__dict__.setdefault(name, {}) for name, on in flags.items() if on]

    # ---- attribute registration ----
    def __setattr__(self, name, value):
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._remove_from(name, keep="_parameters")
            params[name] = value
        elif params is not None and name in params:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                "(torch.nn.Parameter or None expected)")
            if value is not None and not isinstance(value, Parameter):
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                "(torch.nn.Parameter or None expected)")
            params[name] = value
        elif isinstance(value, Module):
            if d.get("_modules") is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._remove_from(name, keep="_modules")
            d["_modules"][name] = value
        elif d.get("_modules") is not None and name in d["_modules"]:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module '{name}' "
                                "(torch.nn.Module or None expected)")
            d["_modules"][name] = value
        elif d.get("_buffers") is not None and name in d["_buffers"]:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                "(torch.Tensor or None expected)")
            d["_buffers"][name] = value
        else:
            object.__setattr__(self, name, value)

    def _remove_from(self, name, keep):
        """Drop `name` from the other stores; the store named `keep` is left so that reassigning a parameter or
        submodule keeps its place in named_parameters()/state_dict()/repr, as torch's."""
        d = self.__dict__
        d.pop(name, None)
        for key in ("_parameters", "_buffers", "_modules"):
            if key != keep and name in d.get(key, {}):
                del d[key][name]
        d.get("_non_persistent_buffers_set", set()).discard(name)

    def __getattr__(self, name):
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            store = d.get(key)
            if store is not None and name in store:
                return store[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            if name in d[key]:
                del d[key][name]
                d["_non_persistent_buffers_set"].discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(object.__dir__(self)) | set(self._parameters) | set(self._buffers) | set(self._modules))

    def register_parameter(self, name, param):
        if "." in name or name == "":
            raise KeyError(f"parameter name can't contain \".\" or be empty, got '{name}'")
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                            "(torch.nn.Parameter or None required)")
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        if "." in name or name == "":
            raise KeyError(f"buffer name can't contain \".\" or be empty, got '{name}'")
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                            "(torch Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name, module):
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if "." in name or name == "":
            raise KeyError(f"module name can't contain \".\" or be empty, got '{name}'")
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target):
        mod = self
        if target == "":
            return mod
        for item in target.split("."):
            if item not in mod._modules:
                raise AttributeError(f"{type(mod).__name__} has no attribute `{item}`")
            mod = mod._modules[item]
        return mod

    def get_parameter(self, target):
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if name not in mod._parameters:
            raise AttributeError(f"{type(mod).__name__} has no parameter `{name}`")
        return mod._parameters[name]

    # ---- traversal ----
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        memo = set() if memo is None else memo
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, m in self._modules.items():
            if m is None:
                continue
            yield from m.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()
        for name, m in self._modules.items():
            if m is not None and m not in seen:
                seen.add(m)
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def _named_members(self, get, prefix, recurse, remove_duplicate=True):
        seen = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for mprefix, m in mods:
            for name, v in get(m):
                if v is None or (remove_duplicate and id(v) in seen):
                    continue
                if remove_duplicate:
                    seen.add(id(v))
                yield mprefix + ("." if mprefix else "") + name, v

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members(lambda m: m._parameters.items(), prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members(lambda m: m._buffers.items(), prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn):
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ---- modes and gradients ----
    def train(self, mode=True):
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for m in self.children():
            m.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad.detach_()
                p.grad.zero_()

    # ---- dtype / device ----
    def _apply_to_tensors(self, fn):
        """Convert every parameter and buffer with fn. Parameters keep their identity (their storage is
        swapped, as torch's default), so an optimizer built before model.double() still holds them."""
        for m in self.modules():
            for key, p in m._parameters.items():
                if p is not None:
                    with grad_mode.no_grad():
                        new = fn(p)
                    if new is not p:
                        p.data = new
                        if p.grad is not None:
                            p.grad.data = fn(p.grad)
            for key, b in m._buffers.items():
                if b is not None:
                    m._buffers[key] = fn(b)
        return self

    def to(self, *args, **kwargs):
        """to(device) / to(dtype) / to(device, dtype): floating-point parameters and buffers change dtype."""
        from ... import dtypes
        dtype = kwargs.get("dtype")
        for a in args:
            if isinstance(a, dtypes.dtype):
                dtype = a
            elif isinstance(a, Tensor):
                dtype = a.dtype
            else:
                from ...tensor import _check_device
                _check_device(a)
        from ...tensor import _check_device
        _check_device(kwargs.get("device"))
        if dtype is None:
            return self
        if not dtype.is_floating_point:
            raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got desired dtype={dtype}")
        return self._apply_to_tensors(lambda t: t.to(dtype) if t.dtype.is_floating_point else t)

    def float(self):
        from ... import dtypes
        return self.to(dtypes.float32)

    def double(self):
        from ... import dtypes
        return self.to(dtypes.float64)

    def half(self):
        from ... import dtypes
        return self.to(dtypes.float16)

    def cpu(self):
        return self

    def cuda(self, device=None):
        raise RuntimeError("fastnn tensors live on the CPU in this version")

    def type(self, dst_type):
        return self.to(dst_type)

    # ---- state dict ----
    def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
        """An OrderedDict of parameter and persistent buffer tensors by dotted name (detached, sharing storage).
        A module or tensor reachable under several names appears under each of them, as torch's."""
        out = collections.OrderedDict() if destination is None else destination
        for name, m in self.named_modules(prefix=prefix.rstrip("."), remove_duplicate=False):
            mp = name + "." if name else ""
            for k, p in m._parameters.items():
                if p is not None:
                    out[mp + k] = p if keep_vars else p.detach()
            for k, b in m._buffers.items():
                if b is not None and k not in m._non_persistent_buffers_set:
                    out[mp + k] = b if keep_vars else b.detach()
        return out

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy tensors from state_dict into this module's parameters and buffers.

        strict=True: missing or unexpected keys raise RuntimeError naming them; a shape mismatch always raises.
        assign=True: the module takes the state dict's tensors themselves instead of copying their values."""
        if not isinstance(state_dict, collections.abc.Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        for k, target in own.items():
            if k not in state_dict:
                continue
            src = state_dict[k]
            if not isinstance(src, Tensor):
                if isinstance(src, np.ndarray):
                    src = Tensor._make(src)
                else:
                    errors.append(f'While copying the parameter named "{k}", expected torch.Tensor or Tensor-like '
                                  f"object from checkpoint but received {type(src)}")
                    continue
            if src.shape != target.shape:
                errors.append(f"size mismatch for {k}: copying a param with shape {_size(src.shape)} from "
                              f"checkpoint, the shape in current model is {_size(target.shape)}.")
                continue
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected)
                              + ". ")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". ")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        with grad_mode.no_grad():
            for k, target in own.items():
                if k in state_dict:
                    src = state_dict[k]
                    src = src if isinstance(src, Tensor) else Tensor._make(np.asarray(src))
                    if assign:
                        self._assign_tensor(k, target, src)
                    else:
                        np.copyto(target._data, src._data, casting="unsafe")
                        target._version[0] += 1
        return _IncompatibleKeys(missing, unexpected)

    def _assign_tensor(self, key, target, src):
        """load_state_dict(assign=True): the module's tensor at key becomes src itself (its dtype too); a parameter
        stays a Parameter, with the requires_grad of the one it replaces, as torch."""
        path, _, name = key.rpartition(".")
        owner = self.get_submodule(path) if path else self
        if isinstance(target, Parameter):
            src = src if isinstance(src, Parameter) else Parameter(src, requires_grad=target.requires_grad)
            src.requires_grad_(target.requires_grad)
        setattr(owner, name, src)

    # ---- printing ----
    def extra_repr(self):
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        for name, m in self._modules.items():
            mod_str = _indent(repr(m), 2)
            lines.append(f"({name}): {mod_str}")
        main = self._get_name() + "("
        if lines:
            if len(lines) == 1 and not self._modules:
                main += lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"

    def __setstate__(self, state):
        self.__dict__.update(state)


def _size(shape):
    from ...tensor import Size
    return repr(Size(shape))


def _indent(s, n):
    lines = s.split("\n")
    if len(lines) == 1:
        return s
    return lines[0] + "\n" + "\n".join(" " * n + line for line in lines[1:])
