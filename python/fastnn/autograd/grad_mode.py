"""Grad mode: whether operations record the graph. Context managers that double as decorators, as torch's."""
import functools
import inspect


class _GradState:
    enabled = True


state = _GradState()


def is_grad_enabled():
    return state.enabled


class _ModeContext:
    """Base: a context manager that sets grad mode and restores it; also usable as a decorator."""

    _mode = True

    def __enter__(self):
        self._prev = state.enabled
        state.enabled = self._mode

    def __exit__(self, *exc):
        state.enabled = self._prev
        return False

    def __call__(self, func):
        return _decorate(func, self.__class__)


def _decorate(func, make_context):
    """func run under a fresh make_context(); a generator function's body runs under it at each step (between
    yields the caller's mode holds), as torch's decorators do."""
    if not inspect.isgeneratorfunction(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with make_context():
                return func(*args, **kwargs)
        return wrapper

    @functools.wraps(func)
    def generator(*args, **kwargs):
        gen = func(*args, **kwargs)
        try:
            with make_context():
                response = gen.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with make_context():
                        gen.close()
                    raise
                except BaseException as e:
                    with make_context():
                        response = gen.throw(e)
                else:
                    with make_context():
                        response = gen.send(request)
        except StopIteration as e:  # gen finished: finish with its return value
            return e.value
    return generator


class _BareDecoratorContext(_ModeContext):
    """Also a decorator without parentheses (`@fastnn.no_grad`), as torch 2's."""

    def __new__(cls, func=None):
        self = super().__new__(cls)
        return self if func is None else self(func)

    def __init__(self, func=None):
        pass


class no_grad(_BareDecoratorContext):
    """Disable graph recording: `with fastnn.no_grad():`, `@fastnn.no_grad()` or `@fastnn.no_grad`."""

    _mode = False


class enable_grad(_BareDecoratorContext):
    """Enable graph recording inside a no_grad region."""

    _mode = True


class set_grad_enabled(_ModeContext):
    """Set grad mode now (as a function) or for a block (as a context manager / decorator)."""

    def __init__(self, mode):
        self._prev = state.enabled
        self._mode = bool(mode)
        state.enabled = self._mode

    def __enter__(self):
        pass

    def __call__(self, func):
        state.enabled = self._prev  # used as a decorator: do not leave the mode changed at definition time
        mode = self._mode
        return _decorate(func, lambda: set_grad_enabled(mode))


class inference_mode(no_grad):
    """Like no_grad (fastnn has no separate inference tensors)."""

    def __new__(cls, mode=True):
        self = _ModeContext.__new__(cls)
        return self(mode) if callable(mode) else self

    def __init__(self, mode=True):
        self._mode = not mode if not callable(mode) else False
