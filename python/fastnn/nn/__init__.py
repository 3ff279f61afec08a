"""fastnn.nn: layers, containers, losses, initialisers and functional forms, as torch.nn."""
from . import functional, init, utils
from .modules import *  # noqa: F401,F403
from .modules import Module
from .parameter import Parameter
