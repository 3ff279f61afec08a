"""The differentiable ops, as functions on Tensors (fastnn.exp(t), fastnn.matmul(a, b), ...)."""
from .pointwise import (abs, add, allclose, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, ceil, clamp, cos, div,
                        eq, equal, exp, expm1, floor, floor_divide, fmod, frac, ge, gt, isclose, isfinite, isinf,
                        isnan, le, log, log1p, logical_and, logical_not, logical_or, logical_xor, lt, maximum,
                        minimum, mul, ne, neg, pow, reciprocal, remainder, round, rsqrt, rsub, sign, sin, sqrt,
                        square, sub, to_dtype, trunc, where)
from .reduction import (all, amax, amin, any, argmax, argmin, argsort, count_nonzero, cumprod, cumsum, logsumexp,
                        max, mean, median, min, mode, norm, prod, sort, std, sum, topk, var)
from .shape import (broadcast_to, cat, chunk, clone, contiguous, diag, diagonal, einsum, expand, expand_as, flatten,
                    flip, hstack, movedim, narrow, permute, repeat, reshape, reshape_as, roll, split, squeeze, stack, t,
                    transpose, tril, triu, unbind, unflatten, unsqueeze, view, view_as, vstack)
from .indexing import (argwhere, gather, getitem, index_add, index_select, masked_fill, nonzero, one_hot, scatter,
                       scatter_add, setitem)
from .linalg import bmm, dot, matmul, mm, mv, outer
from .activation import log_softmax, relu, sigmoid, softmax, tanh

clip = clamp
fix = trunc
concat = cat
concatenate = cat
absolute = abs
negative = neg
multiply = mul
divide = div
true_divide = div
subtract = sub
greater = gt
less = lt
swapaxes = transpose
