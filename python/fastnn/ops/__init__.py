"""The differentiable ops, as functions on Tensors (fastnn.exp(t), fastnn.matmul(a, b), ...)."""
from .pointwise import (abs, acos, add, addcdiv, addcmul, allclose, arccos, arcsin, arctan, arctan2, asin, atan, atan2,
                        bitwise_and, bitwise_left_shift, bitwise_not, bitwise_or, bitwise_right_shift, bitwise_xor,
                        ceil, clamp, clamp_max, clamp_min, cos, cosh, div, eq, equal, erf, exp, exp2, expm1, floor,
                        floor_divide, fmax, fmin, fmod, frac, ge, ger, gt, hypot, isclose, isfinite, isin, isinf, isnan,
                        le, lerp, log, log10, log1p, log2, logical_and, logical_not, logical_or, logical_xor, logit, lt,
                        maximum, minimum, mul, nan_to_num, ne, neg, outer, pow, promote_types, reciprocal, remainder,
                        result_type, round, rsqrt, rsub, sgn, sign, signbit, sin, sinh, sqrt, square, sub, tan,
                        to_dtype, trunc, where)
from .reduction import (all, amax, amin, aminmax, any, argmax, argmin, argsort, bincount, count_nonzero, cummax, cummin,
                        cumprod, cumsum, histc, kthvalue, logsumexp, max, mean, median, min, mode, nanmean, nanquantile,
                        nansum, norm, prod, quantile, sort, std, std_mean, sum, topk, unique, var, var_mean)
from .shape import (as_strided, atleast_1d, atleast_2d, atleast_3d, broadcast_to, cat, chunk, clone, contiguous, diag,
                    diagonal, diff, dsplit, einsum, expand, expand_as, flatten, flip, hsplit, hstack, meshgrid,
                    moveaxis, movedim, narrow, permute, ravel, repeat, repeat_interleave, reshape, reshape_as, roll,
                    rot90, select, split, squeeze, stack, swapdims, t, tensor_split, tile, trace, transpose, tril,
                    triu, unbind, unflatten, unsqueeze, view, view_as, vsplit, vstack)
from .indexing import (argwhere, gather, getitem, index_add, index_fill, index_select, masked_fill, masked_select,
                       nonzero, one_hot, scatter, scatter_add, setitem, take, take_along_dim)
from .linalg import addmm, addmv, baddbmm, bmm, dot, kron, matmul, mm, mv
from .linalg import cross_first_dim_of_3 as cross  # fastnn.linalg.cross is torch.linalg.cross (dim=-1)
from .distance import cdist, cosine_similarity
from .search import bucketize, searchsorted
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


def numel(input):
    """The number of elements of a tensor (torch.numel)."""
    return int(input._data.size)


def is_floating_point(input):
    return input.dtype.is_floating_point


def relu_(input):
    """relu in place (torch.relu_): input itself, its negative elements zeroed."""
    return input.relu_()
