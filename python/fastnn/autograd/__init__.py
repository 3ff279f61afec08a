"""fastnn.autograd: the tape, the backward engine, grad mode, custom Functions and gradcheck."""
from .function import Function, once_differentiable
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .engine import backward, grad
from .gradcheck import GradcheckError, gradcheck

__all__ = ["Function", "once_differentiable", "enable_grad", "inference_mode", "is_grad_enabled", "no_grad",
           "set_grad_enabled", "backward", "grad", "GradcheckError", "gradcheck"]
