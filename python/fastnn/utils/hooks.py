"""RemovableHandle: what registering a hook returns (torch.utils.hooks)."""
import itertools

_ids = itertools.count()


class RemovableHandle:
    """Registers hook in hooks_dict under a fresh id (first when prepend), and marks that id in each of
    extra_dicts (flags such as a module's with_kwargs hooks); remove() undoes both. Also a context manager
    that removes the hook on exit."""

    def __init__(self, hooks_dict, hook=None, *, prepend=False, extra_dicts=()):
        self.id = next(_ids)
        self.hooks_dict = hooks_dict
        self.extra_dicts = list(extra_dicts)
        if hook is not None:
            rest = list(hooks_dict.items()) if prepend else []
            if prepend:
                hooks_dict.clear()
            hooks_dict[self.id] = hook
            hooks_dict.update(rest)
        for d in self.extra_dicts:
            d[self.id] = True

    def remove(self):
        self.hooks_dict.pop(self.id, None)
        for d in self.extra_dicts:
            d.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
