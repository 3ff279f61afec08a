"""In-place ops and views under autograd, against torch: an op written into a view rebases the base's history
(CopySlices), a view whose storage changed in place follows its base's current history, fills and copy_ are
recorded in a graph, and the cases torch refuses raise its errors."""
import numpy as np
import pytest
import torch

import fastnn


def rnd(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# Each program gets a library (fastnn or torch) and float64 leaves made from the same arrays; it returns the
# tensors to compare (values), after running backward on something.
def _slice_mul_then_base(T, w):
    y = w * 2
    y[:2].mul_(3)
    y.sum().backward()
    return [y]


def _slice_mul_then_view(T, w):
    y = w * 2
    v = y[:2]
    v.mul_(3)
    (v * v).sum().backward()
    return [y, v]


def _setitem_column_add(T, w):
    y = w.reshape(3, 2).clone()
    y[:, 0] += w.reshape(3, 2)[:, 1]
    (y ** 2).sum().backward()
    return [y]


def _transpose_row(T, w):
    y = w.reshape(3, 2) * 1
    y.t()[0].mul_(10)
    (y * y).sum().backward()
    return [y]


def _diagonal_add(T, w):
    x = w[:4].reshape(2, 2)
    y = x * 1
    d = y.diagonal()
    d.add_(x.diagonal() * 5)
    (y ** 2).sum().backward()
    return [y, d]


def _view_relu(T, w):
    y = w * 1
    y.view(3, 2).relu_()
    (y * w).sum().backward()
    return [y]


def _base_changed_after_view(T, w):
    y = w * 2
    v = y[1:4]
    y.mul_(3)  # v sees the new values, and its gradient goes through the multiplication
    (v * v).sum().backward()
    return [v]


def _plain_base_gains_history(T, w):
    a = T.zeros(6, dtype=T.float64)
    v = a[:3]
    a.add_(w)
    (v * 4).sum().backward()
    return [v, a]


def _view_of_view(T, w):
    y = w.reshape(2, 3) * 1
    r = y[1]
    r[1:].mul_(w[:2])
    (y * y).sum().backward()
    return [y, r]


def _two_views_of_one_base(T, w):
    y = w * 1
    a, b = y[:3], y[3:]
    a.add_(b * 2)  # b keeps its own values; a's new values depend on both halves
    (y * y).sum().backward()
    return [y, a, b]


def _copy_into_slice(T, w):
    y = w.reshape(2, 3) * 1
    y[0].copy_(w[3:] * 7)
    (y * y).sum().backward()
    return [y]


def _zero_slice(T, w):
    y = w * 2
    y[2:].zero_()
    (y * y).sum().backward()
    return [y]


def _fill_with_tensor(T, w):
    y = w * 2
    y[:2].fill_(w[5])
    (y * w).sum().backward()
    return [y]


def _copy_over_overflow(T, w):
    y = w + T.tensor([float("inf"), 0, 0, 0, 0, float("nan")], dtype=T.float64)  # so not y * 0 + src
    y.copy_(w * 3)
    y.sum().backward()
    return [y]


def _fill_whole(T, w):
    y = w * 2
    y.fill_(4.0)
    (y * w).sum().backward()
    return [y]


def _scalar_view_assigned(T, w):
    y = w * 1.5
    e = y[2]
    e[...] = w.mean() * 3
    e.mul_(w[0])
    (y * y).sum().backward()
    return [y, e]


PROGRAMS = [_slice_mul_then_base, _slice_mul_then_view, _setitem_column_add, _transpose_row, _diagonal_add,
            _view_relu, _base_changed_after_view, _plain_base_gains_history, _view_of_view, _two_views_of_one_base,
            _copy_into_slice, _zero_slice, _fill_with_tensor, _copy_over_overflow, _fill_whole,
            _scalar_view_assigned]


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__.strip("_"))
def test_values_and_gradients_follow_torch(program):
    a = rnd(6) * 3
    fw = fastnn.tensor(a, requires_grad=True)
    tw = torch.tensor(a, requires_grad=True)
    fouts, touts = program(fastnn, fw), program(torch, tw)
    for i, (f, t) in enumerate(zip(fouts, touts)):
        np.testing.assert_allclose(f.detach().numpy(), t.detach().numpy(), rtol=1e-12, err_msg=f"output {i}")
    np.testing.assert_allclose(fw.grad.numpy(), tw.grad.numpy(), rtol=1e-12, atol=1e-300)


def test_grad_fn_names_follow_torch():
    x = fastnn.tensor(rnd(2, 2), requires_grad=True)
    y = x * 1
    d = y.diagonal()
    d.mul_(2)
    assert y.grad_fn.name() == "CopySlices"
    assert d.grad_fn.name() == "AsStridedBackward0"
    z = x * 1
    z.fill_(1.0)
    assert z.grad_fn.name() == "FillBackward0"


def test_gradient_matches_finite_differences():
    """CopySlices and the regenerated view node against float64 central differences."""
    def f(T, w):
        y = w.reshape(3, 4) * 1
        y[:, 1:3].mul_(w.reshape(3, 4)[:, :2].exp())
        v = y.t()[2]
        y.mul_(y)
        return (v * v).sum() + y.sum()

    a = rnd(12)
    w = fastnn.tensor(a, requires_grad=True)
    f(fastnn, w).backward()
    eps = 1e-6
    fd = np.empty(12)
    for i in range(12):
        hi, lo = a.copy(), a.copy()
        hi[i] += eps
        lo[i] -= eps
        fd[i] = (f(fastnn, fastnn.tensor(hi)).item() - f(fastnn, fastnn.tensor(lo)).item()) / (2 * eps)
    np.testing.assert_allclose(w.grad.numpy(), fd, rtol=1e-6, atol=1e-6)


def test_random_fill_of_graph_tensor_has_no_gradient():
    x = fastnn.tensor(rnd(4), requires_grad=True)
    y = x * 3
    y[:2].normal_()
    (y * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 0, 6, 6])


@pytest.mark.parametrize("lib", [fastnn, torch], ids=["fastnn", "torch"])
def test_view_of_leaf_in_place_raises(lib):
    w = lib.tensor(rnd(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad is being used in an "
                                           "in-place operation"):
        w[:2].mul_(2)


@pytest.mark.parametrize("lib", [fastnn, torch], ids=["fastnn", "torch"])
def test_view_made_under_no_grad_modified_with_grad_raises(lib):
    y = lib.tensor(rnd(3), requires_grad=True) * 2
    with lib.no_grad():
        v = y[:2]
    with pytest.raises(RuntimeError, match="created in no_grad mode and is being modified inplace"):
        v.mul_(lib.tensor(rnd(2), requires_grad=True))


@pytest.mark.parametrize("lib", [fastnn, torch], ids=["fastnn", "torch"])
def test_saved_sibling_view_changed_raises(lib):
    """a.mul_(b) saves b, which shares the storage (and version counter) that the write changes."""
    y = lib.tensor(rnd(6), requires_grad=True) * 1
    a, b = y[:3], y[3:]
    a.mul_(b)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        (y * y).sum().backward()


@pytest.mark.parametrize("lib", [fastnn, torch], ids=["fastnn", "torch"])
def test_saved_base_changed_through_view_raises(lib):
    x = lib.tensor(rnd(4), requires_grad=True)
    y = x.exp()  # exp saves its output
    y[1:].mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_no_grad_change_of_base_keeps_view_gradient():
    """Under no_grad the base's storage changes without history: the view still reaches the leaf."""
    outs = []
    for lib in (fastnn, torch):
        w = lib.tensor(rnd(4), requires_grad=True)
        y = w * 2
        v = y[:2]
        with lib.no_grad():
            y.add_(1)
        (v * v).sum().backward()
        outs.append((v.detach().numpy().copy(), w.grad.numpy().copy()))
    for f, t in zip(*outs):
        np.testing.assert_allclose(f, t, rtol=1e-6)


def test_training_views_are_untouched():
    """A view that nothing writes into keeps the op's own node (no regeneration cost in a training step)."""
    x = fastnn.tensor(rnd(4, 3), requires_grad=True)
    y = x * 1
    v = y.view(12)
    assert v.grad_fn.name() == "ViewBackward0"


# Random programs: views of a base (or of earlier views) and in-place ops on them, in any order, then a loss
# over the base and every view. fastnn must give torch's values and gradients wherever torch runs the program
# (fastnn may run some that torch refuses: its in-place ops keep a snapshot of the old values, so one that
# saves its own output, as sigmoid_, does not break when the tensor is written again).
_VIEWS = [lambda t: t[1:], lambda t: t[::2], lambda t: t[0], lambda t: t.transpose(0, -1),
          lambda t: t.unsqueeze(0), lambda t: t.narrow(0, 0, max(1, t.shape[0] - 1)) if t.dim() else t,
          lambda t: t.diagonal() if t.dim() == 2 else t, lambda t: t[..., 1:] if t.dim() and t.shape[-1] > 1 else t,
          lambda t: t.squeeze(), lambda t: t.permute(*reversed(range(t.dim()))),
          lambda t: t.select(-1, 0) if t.dim() else t]
_OPS = [lambda t, w: t.mul_(2), lambda t, w: t.add_(w.sum()), lambda t, w: t.relu_(), lambda t, w: t.zero_(),
        lambda t, w: t.fill_(w.sum() * 0.1), lambda t, w: t.clamp_(-0.5, 0.5), lambda t, w: t.sigmoid_(),
        lambda t, w: t.copy_(t * 0 + w.mean()), lambda t, w: t.__setitem__((...,), w.mean() * 3),
        lambda t, w: t.div_(w.max() + 5), lambda t, w: t.masked_fill_(t > 0, 0.25),
        lambda t, w: t.addcmul_(t, t, value=0.5), lambda t, w: t.tanh_()]


def _run_program(lib, a, base_kind, prog):
    w = lib.tensor(a, requires_grad=True)
    base = w * 1.5 if base_kind == 0 else lib.zeros(a.shape, dtype=lib.float64)
    held = []
    for is_view, i, j in prog:
        if is_view:
            held.append(_VIEWS[i % len(_VIEWS)](held[j % len(held)] if held and j % 2 else base))
        else:
            _OPS[i % len(_OPS)](held[j % len(held)] if held and j % 3 else base, w)
    if base_kind == 1:
        base.add_(w)  # a plain base gains history after its views were taken
    loss = (base * base).sum() + sum((h * h).sum() for h in held)
    loss.backward()
    return [base] + held, w.grad


def test_random_view_programs_follow_torch():
    rs = np.random.default_rng(7)
    compared = 0
    for trial in range(300):
        a = rs.standard_normal([(3, 4), (4, 4), (5,), (2, 3, 4)][trial % 4])
        prog = [(bool(rs.integers(2)), int(rs.integers(100)), int(rs.integers(100)))
                for _ in range(int(rs.integers(1, 6)))]
        try:
            touts, tgrad = _run_program(torch, a, trial % 2, prog)
        except RuntimeError:
            continue  # torch refuses this program
        fouts, fgrad = _run_program(fastnn, a, trial % 2, prog)
        for f, t in zip(fouts, touts):
            np.testing.assert_allclose(f.detach().numpy(), t.detach().numpy(), rtol=1e-10, err_msg=str(prog))
        np.testing.assert_allclose(fgrad.numpy(), tgrad.numpy(), rtol=1e-10, atol=1e-12, err_msg=str(prog))
        compared += 1
    assert compared > 200
