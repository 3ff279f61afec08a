"""nn.utils: gradient clipping and parameter/vector conversion."""
from .clip_grad import clip_grad_norm_, clip_grad_value_


def parameters_to_vector(parameters):
    from ...ops import cat
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    offset = 0
    for p in parameters:
        n = p.numel()
        p.data = vec[offset:offset + n].reshape(p.shape).detach().clone()
        offset += n
