"""ravel, hsplit / vsplit / dsplit, Tensor.unfold and as_strided against torch: values, gradients (an element in
several windows adds its gradients up), views that in-place ops write through, and torch's errors."""
import numpy as np
import pytest
import torch

import fastnn
from nn_torch_util import outcome, same_as_torch, same_error


def rnd(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("fn", [
    lambda m, x: m.ravel(x.t()),
    lambda m, x: x.ravel(),
    lambda m, x: m.hsplit(x, 3),
    lambda m, x: x.hsplit([1, 4]),
    lambda m, x: m.vsplit(x, 2),
    lambda m, x: m.vsplit(x, [1]),
    lambda m, x: m.hsplit(x.reshape(-1), 4),
    lambda m, x: m.dsplit(x.reshape(2, 2, 6), [2, 5]),
    lambda m, x: x.unfold(1, 3, 2),
    lambda m, x: x.unfold(0, 2, 1),
    lambda m, x: x.unfold(-1, 6, 6),
    lambda m, x: x.unfold(1, 2, 1).unfold(0, 3, 1),
    lambda m, x: x.reshape(-1)[5].unfold(0, 1, 1),
    lambda m, x: (x * 1).as_strided((3, 3), (1, 6)),
    lambda m, x: (x * 1).as_strided((2, 5), (3, 2), 1),
    lambda m, x: (x * 1).as_strided((4, 4), (1, 1)),  # overlapping: elements repeat
    lambda m, x: m.as_strided(x * 1, (0, 3), (1, 1)),
], ids=lambda f: "")
def test_values_and_gradients_match_torch(fn):
    same_as_torch(fn, [rnd(4, 6)])


def test_views_share_storage_and_in_place_writes_reach_the_base():
    for m in (fastnn, torch):
        x = m.zeros(12)
        x.unfold(0, 4, 4)[1].fill_(1.0)
        x.as_strided((2,), (5,), 1).add_(2.0)
        m.hsplit(x, 3)[2].mul_(-1)
        if m is fastnn:
            got = x.tolist()
        else:
            assert got == x.tolist()
    w = fastnn.tensor(rnd(12), requires_grad=True)
    y = w * 1
    y.unfold(0, 3, 3)[1].mul_(10)  # CopySlices through an unfold view
    (y * y).sum().backward()
    tw = torch.tensor(w.detach().numpy(), requires_grad=True)
    ty = tw * 1
    ty.unfold(0, 3, 3)[1].mul_(10)
    (ty * ty).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("call", [
    lambda m, x: m.hsplit(x, 4),
    lambda m, x: m.hsplit(x, 0),
    lambda m, x: m.vsplit(x.reshape(-1), 2),
    lambda m, x: m.dsplit(x, 2),
    lambda m, x: x.unfold(1, 7, 1),
    lambda m, x: x.unfold(1, 2, 0),
    lambda m, x: x.unfold(2, 2, 1),
    lambda m, x: x.as_strided((2, 2), (1, -1)),
    lambda m, x: x.as_strided((4, 7), (6, 1)),
    lambda m, x: x.as_strided((2, 2), (1, 1), 23),
    lambda m, x: x.as_strided((2, 2), (1,)),
])
def test_errors_match_torch(call):
    a = rnd(4, 6)
    f, t = outcome(lambda: call(fastnn, fastnn.tensor(a))), outcome(lambda: call(torch, torch.tensor(a)))
    assert t[0] != "ok" and f[0] == t[0], (f, t)
    if t[0] == "RuntimeError" and "mismatch" not in t[1]:
        same_error(lambda: call(fastnn, fastnn.tensor(a)), lambda: call(torch, torch.tensor(a)))


def test_as_strided_outside_its_input_with_autograd_is_refused():
    """fastnn's documented difference: recording autograd, as_strided of a view reaches only that view."""
    x = fastnn.tensor(rnd(12), requires_grad=True) * 1
    with pytest.raises(RuntimeError, match="can only address the elements of its input"):
        x[2:6].as_strided((3,), (1,), 0)
    np.testing.assert_array_equal(x[2:6].as_strided((2,), (2,)).detach().numpy(), x.detach().numpy()[2:6:2])
