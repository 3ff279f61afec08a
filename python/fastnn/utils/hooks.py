"""RemovableHandle: what registering a hook returns (torch.utils.hooks)."""
import itertools

_ids = itertools.count()


class RemovableHandle:
    """Removes its hook from the dict it was registered in; also a context manager that removes it on exit."""

    def __init__(self, hooks_dict, hook=None):
        self.id = next(_ids)
        self.hooks_dict = hooks_dict
        if hook is not None:
            hooks_dict[self.id] = hook

    def remove(self):
        self.hooks_dict.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
