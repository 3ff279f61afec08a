"""fastnn.backends: the switches torch scripts set before training (torch.backends.cudnn.deterministic = True,
torch.backends.mps.is_available()). fastnn has no cuDNN or MPS backend, so they are accepted and change nothing.
(fastnn.backend, singular, holds fastnn's own kernel bindings.)"""
from . import cudnn, mps  # noqa: F401
