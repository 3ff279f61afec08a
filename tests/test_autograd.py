"""fastnn.autograd against torch: leaves and grads, backward rules, grad modes, autograd.grad, custom Functions,
gradcheck, in-place checks (leaf, version counter), retain_grad, deep graphs."""
import gc
import time

import numpy as np
import pytest
import torch

import fastnn
from fastnn.autograd import Function, GradcheckError, gradcheck


def rnd(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def test_leaf_flags_and_grad_fn():
    x = fastnn.tensor(rnd(3), requires_grad=True)
    c = fastnn.tensor(rnd(3))
    assert x.requires_grad and x.is_leaf and x.grad is None and x.grad_fn is None
    assert not c.requires_grad and c.is_leaf
    y = x * c
    assert y.requires_grad and not y.is_leaf and y.grad_fn.name() == "MulBackward0"
    z = c * 2
    assert not z.requires_grad and z.is_leaf and z.grad_fn is None
    assert c.requires_grad_() is c and c.requires_grad and c.is_leaf
    with pytest.raises(RuntimeError):
        y.requires_grad_(False)
    with pytest.raises(RuntimeError):
        fastnn.tensor([1, 2]).requires_grad_()
    # next_functions walks the graph as torch's does
    nf = y.grad_fn.next_functions
    assert [type(n).__name__ if n is not None else None for n, _ in nf][0] == "_AccumulateGradView"
    assert nf[0][0].variable is x


def test_backward_scalar_and_gradient_argument():
    a = rnd(4, 3)
    fx, tx = fastnn.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    (fx * fx).sum().backward()
    (tx * tx).sum().backward()
    np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy())
    fx.grad = None
    tx.grad = None
    g = rnd(4, 3, seed=1)
    (fx.exp()).backward(fastnn.tensor(g))
    tx.exp().backward(torch.tensor(g))
    np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy())
    with pytest.raises(RuntimeError, match="implicitly created only for scalar"):
        (fx * 2).backward()
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (fx * 2).backward(fastnn.ones(3))
    with pytest.raises(RuntimeError, match="does not require grad"):
        fastnn.ones(2).sum().backward()
    y = (fx * 3).sum(0, keepdim=True)  # a 1-element non-scalar also takes an implicit gradient
    y2 = fx[0, :1].sum().reshape(1, 1)
    y2.backward()


def test_backward_with_an_explicit_0d_gradient():
    fx, tx = fastnn.tensor(0.7, requires_grad=True), torch.tensor(0.7, requires_grad=True)
    fx.exp().backward(fastnn.tensor(3.0))
    tx.exp().backward(torch.tensor(3.0))
    assert fx.grad.shape == tx.grad.shape == ()
    np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy(), rtol=1e-6)
    fv, tv = fastnn.tensor([0.7, 1.1], requires_grad=True), torch.tensor([0.7, 1.1], requires_grad=True)
    (fv * fv).sum().backward(fastnn.tensor(2.5))
    (tv * tv).sum().backward(torch.tensor(2.5))
    np.testing.assert_allclose(fv.grad.numpy(), tv.grad.numpy(), rtol=1e-6)


def test_backward_uses_the_gradient_argument_without_changing_or_aliasing_it():
    # The engine reads the caller's gradient in place (no copy): nothing may write into it, and a leaf
    # (or a retained non-leaf) must get its own .grad, as in torch.
    g = fastnn.tensor(rnd(4, 3, seed=2).astype(np.float32))
    g_before = g.numpy().copy()
    x = fastnn.tensor(rnd(4, 3).astype(np.float32), requires_grad=True)
    y = fastnn.relu(x)
    y.retain_grad()
    y.backward(g)
    x.backward(g)  # a leaf root: its .grad is a copy of g
    np.testing.assert_array_equal(g.numpy(), g_before)
    x.grad.add_(1.0)
    y.grad.add_(1.0)
    np.testing.assert_array_equal(g.numpy(), g_before)
    np.testing.assert_array_equal(y.grad.numpy(), g_before + 1)
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    torch.relu(tx).backward(torch.tensor(g_before))
    tx.backward(torch.tensor(g_before))
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy() + 1)


def test_gradients_accumulate_across_calls():
    x = fastnn.tensor(rnd(5), requires_grad=True)
    for k in range(1, 4):
        (x * 2).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), np.full(5, 2.0 * k))
    g = x.grad
    (x * x).sum().backward()
    assert x.grad is g  # accumulated in place, as torch
    x.grad.zero_()
    np.testing.assert_array_equal(x.grad.numpy(), 0)
    # a leaf used twice in one graph gets the sum of both paths
    w = fastnn.tensor([2.0], requires_grad=True)
    (w * w * w + w).backward()
    np.testing.assert_allclose(w.grad.numpy(), [3 * 4.0 + 1])


def test_retain_graph_and_freed_graph():
    x = fastnn.tensor(rnd(3), requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    g1 = x.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * g1)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()
    tx = torch.tensor(rnd(3), requires_grad=True)
    ty = (tx.exp() * tx).sum()
    ty.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        ty.backward()


def test_detach_no_grad_enable_grad_set_grad_enabled():
    x = fastnn.tensor(rnd(3), requires_grad=True)
    assert not x.detach().requires_grad
    with fastnn.no_grad():
        assert not fastnn.is_grad_enabled()
        y = x * 2
        with fastnn.enable_grad():
            z = x * 2
            assert fastnn.is_grad_enabled()
        assert not fastnn.is_grad_enabled()
    assert fastnn.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and z.requires_grad

    @fastnn.no_grad()
    def f(t):
        return t * 2

    @fastnn.enable_grad()
    def g(t):
        return t * 2

    assert not f(x).requires_grad and fastnn.is_grad_enabled()
    with fastnn.no_grad():
        assert g(x).requires_grad
    with fastnn.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert fastnn.is_grad_enabled()
    fastnn.set_grad_enabled(False)
    try:
        assert not fastnn.is_grad_enabled() and not (x + 1).requires_grad
    finally:
        fastnn.set_grad_enabled(True)
    assert fastnn.is_grad_enabled()

    @fastnn.set_grad_enabled(False)
    def h(t):
        return t + 1

    assert fastnn.is_grad_enabled()  # decorating does not change the mode
    assert not h(x).requires_grad and fastnn.is_grad_enabled()
    with fastnn.inference_mode():
        assert not (x * 2).requires_grad
    # the mode is restored when the body raises
    with pytest.raises(ValueError):
        with fastnn.no_grad():
            raise ValueError
    assert fastnn.is_grad_enabled()


def test_autograd_grad():
    a, b = rnd(3, 4), rnd(4, seed=1)
    fx, fy = fastnn.tensor(a, requires_grad=True), fastnn.tensor(b, requires_grad=True)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    fo = (fx * fy).tanh().sum()
    to = (tx * ty).tanh().sum()
    fg = fastnn.autograd.grad(fo, [fx, fy])
    tg = torch.autograd.grad(to, [tx, ty])
    for p, q in zip(fg, tg):
        np.testing.assert_allclose(p.numpy(), q.numpy())
    assert fx.grad is None and fy.grad is None  # returned, not accumulated
    (gx,) = fastnn.autograd.grad((fx * 3).sum(), fx)
    np.testing.assert_allclose(gx.numpy(), 3.0)
    # a non-leaf input
    h = fx * 2
    out = (h * h).sum()
    (gh,) = fastnn.autograd.grad(out, h)
    np.testing.assert_allclose(gh.numpy(), 2 * h.detach().numpy())
    unused = fastnn.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="not have been used"):
        fastnn.autograd.grad((fx * 2).sum(), [fx, unused])
    gx, gu = fastnn.autograd.grad((fx * 2).sum(), [fx, unused], allow_unused=True)
    assert gu is None
    go = fastnn.tensor(rnd(3, 4, seed=2))
    (g2,) = fastnn.autograd.grad(fx * fx, fx, grad_outputs=go)
    np.testing.assert_allclose(g2.numpy(), 2 * a * go.numpy())
    with pytest.raises(NotImplementedError):
        fastnn.autograd.grad((fx * fx).sum(), fx, create_graph=True)


class Cube(Function):
    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(x)
        ctx.k = k
        return x * x * x * k

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x * x * ctx.k, None


class WrongCube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x * x  # wrong: should be 3 x^2


def test_custom_function_and_gradcheck():
    a = rnd(5)
    x = fastnn.tensor(a, requires_grad=True)
    y = Cube.apply(x, 2.0)
    assert y.grad_fn.name() == "CubeBackward" and y.requires_grad
    np.testing.assert_allclose(y.detach().numpy(), 2 * a ** 3)
    (y * fastnn.tensor(a)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * a * a * a)
    assert gradcheck(lambda t: Cube.apply(t, 1.5), (fastnn.tensor(a, requires_grad=True),))
    with pytest.raises(GradcheckError):
        gradcheck(WrongCube.apply, (fastnn.tensor(a, requires_grad=True),))
    assert gradcheck(WrongCube.apply, (fastnn.tensor(a, requires_grad=True),), raise_exception=False) is False
    with pytest.raises(ValueError):
        gradcheck(WrongCube.apply, (fastnn.tensor(a),))
    with fastnn.no_grad():
        assert not Cube.apply(x, 1.0).requires_grad
    # composed with built-in ops, and torch agrees
    t = torch.tensor(a, requires_grad=True)
    (t.exp() * t ** 3 * 2).sum().backward()
    x.grad = None
    (x.exp() * Cube.apply(x, 2.0)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())


def test_custom_function_saved_tensor_version_check():
    x = fastnn.tensor(rnd(4), requires_grad=True)
    h = x * 1
    y = Cube.apply(h, 1.0)
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_gradcheck_non_contiguous_and_zero_d_inputs():
    x = fastnn.tensor(rnd(3, 4)).t().detach().requires_grad_()
    assert not x.is_contiguous()
    assert gradcheck(lambda t: t.exp() * t[0], (x,))
    assert gradcheck(lambda t: t * t, (fastnn.tensor(1.5, dtype=fastnn.float64, requires_grad=True),))


def test_gradcheck_on_builtin_composition_and_multiple_inputs():
    a = fastnn.tensor(rnd(3, 4), requires_grad=True)
    b = fastnn.tensor(rnd(4, 2, seed=1), requires_grad=True)
    assert gradcheck(lambda x, y: (x @ y).sigmoid() * x.sum(), (a, b))
    assert gradcheck(lambda x, y: fastnn.log_softmax(x @ y, 1), [a, b])


def test_inplace_on_leaf_requiring_grad():
    w = fastnn.tensor(rnd(3), requires_grad=True)
    for op in [lambda: w.add_(1), lambda: w.mul_(2), lambda: w.zero_(), lambda: w.fill_(1.0), lambda: w.clamp_(0, 1),
               lambda: w.copy_(fastnn.ones(3)), lambda: w.normal_(), lambda: w.uniform_(), lambda: w.div_(2),
               lambda: w.sub_(1), lambda: w.__setitem__(0, 1.0)]:
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            op()
    with fastnn.no_grad():
        w.add_(1)
        w.mul_(2)
        w[0] = 5.0
        w.zero_()
        w.normal_()
    assert w.is_leaf and w.requires_grad and w.grad_fn is None
    tw = torch.tensor(rnd(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        tw.add_(1)


def test_inplace_on_saved_tensor_raises_at_backward():
    x = fastnn.tensor(rnd(4), requires_grad=True)
    h = x * 2
    y = h * h  # saves h
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    # an output saved for backward (exp saves its result)
    x2 = fastnn.tensor(rnd(4), requires_grad=True)
    e = x2.exp()
    e.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        e.sum().backward()
    # in-place on a non-leaf that nothing saved is fine, and its gradient flows as torch's
    a = rnd(4)
    fx, tx = fastnn.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    fh, th = fx + 1, tx + 1
    fh.mul_(3)
    th.mul_(3)
    fh.clamp_(max=2.0)
    th.clamp_(max=2.0)
    fh[1] = 0.5
    th[1] = 0.5
    np.testing.assert_allclose(fh.detach().numpy(), th.detach().numpy())
    (fh * fh).sum().backward()
    (th * th).sum().backward()
    np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy())


def test_retain_grad():
    a = rnd(3)
    fx, tx = fastnn.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    fh, th = fx.exp(), tx.exp()
    assert not fh.retains_grad
    fh.retain_grad()
    th.retain_grad()
    assert fh.retains_grad
    (fh * fh).sum().backward()
    (th * th).sum().backward()
    np.testing.assert_allclose(fh.grad.numpy(), th.grad.numpy())
    np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy())
    other = fx * 2
    (other * 3).sum().backward()
    assert other.grad is None  # non-leaf without retain_grad
    fx.retain_grad()  # no-op on a leaf
    with pytest.raises(RuntimeError):
        fastnn.ones(2).retain_grad()


def test_shared_subgraph_and_multiple_outputs():
    a = rnd(4, 5)
    fx, tx = fastnn.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    fv, fi = fx.max(1)
    tv, ti = tx.max(1)
    fs, ts = fx.sigmoid(), tx.sigmoid()
    (fv.sum() + (fs * fs).sum() + fs.mean() + fx.chunk(2, 1)[1].sum()).backward()
    (tv.sum() + (ts * ts).sum() + ts.mean() + tx.chunk(2, 1)[1].sum()).backward()
    np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy())
    assert not fi.requires_grad


class BlockSecond(Function):
    """x * y whose backward sends no gradient to y (None), although y requires grad."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(y)
        return x * y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y, None


def test_node_receiving_a_none_gradient_still_runs_with_its_other_gradients():
    """h feeds two consumers; one of them returns None for it. torch treats None as zero, so h's node still runs
    with the other consumer's gradient (a dependency count that waits for every edge would never run it)."""
    a, b = rnd(3, 4), rnd(3, 4, seed=1)
    fx, fw = fastnn.tensor(a, requires_grad=True), fastnn.tensor(b, requires_grad=True)
    tx, tw = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)

    class TorchBlockSecond(torch.autograd.Function):
        forward = staticmethod(BlockSecond.forward)
        backward = staticmethod(BlockSecond.backward)

    for x, w, fn in ((fx, fw, BlockSecond.apply), (tx, tw, TorchBlockSecond.apply)):
        h = (x * w).tanh()
        (fn(x, h).sum() + (h * 3).sum()).backward()
    np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(fw.grad.numpy(), tw.grad.numpy(), rtol=1e-12)


def test_backward_runs_nodes_in_reverse_creation_order():
    """Nodes run from the most recently created down: each node after every node that feeds it, whatever the
    order in which the graph's branches are reached."""
    order = []

    class Tag(Function):
        @staticmethod
        def forward(ctx, x, name):
            ctx.name = name
            return x * 1.0

        @staticmethod
        def backward(ctx, g):
            order.append(ctx.name)
            return g, None

    x = fastnn.tensor(rnd(2, 2), requires_grad=True)
    a = Tag.apply(x, "a")
    b = Tag.apply(a, "b")
    c = Tag.apply(a, "c")
    d = Tag.apply(b * c, "d")
    (d.sum() + b.sum()).backward()
    assert order == ["d", "c", "b", "a"]
    c0 = c.detach().numpy()
    b0 = b.detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), c0 + b0 + 1.0)


def test_backward_inputs_argument():
    x = fastnn.tensor(rnd(3), requires_grad=True)
    y = fastnn.tensor(rnd(3, seed=1), requires_grad=True)
    (x * y).sum().backward(inputs=[x])
    np.testing.assert_allclose(x.grad.numpy(), y.detach().numpy())
    assert y.grad is None


def _chain(n):
    x = fastnn.tensor([0.5], dtype=fastnn.float64, requires_grad=True)
    y = x
    for _ in range(n):
        y = y * 1.0001
    return x, y


def _timed_backward(n):
    _, y = _chain(n)
    gc.collect()
    t0 = time.perf_counter()
    y.backward()
    return time.perf_counter() - t0


def test_deep_chain_backward_no_recursion_limit_and_linear_time():
    x, y = _chain(100_000)
    gc.collect()
    t0 = time.perf_counter()
    y.backward()  # iterative: no RecursionError
    large = time.perf_counter() - t0
    np.testing.assert_allclose(x.grad.numpy(), [1.0001 ** 100_000], rtol=1e-9)
    small = min(_timed_backward(10_000) for _ in range(3))
    # linear means ~10x; quadratic would be ~100x. The margin absorbs a shared, noisy machine.
    assert large < 30 * small, (small, large)


def test_deep_graph_frees_memory_after_backward():
    x, y = _chain(1000)
    node = y.grad_fn
    y.backward()
    assert node._freed


def test_register_hook_matches_torch():
    """Tensor hooks: chained in order, a leaf's hook sees its whole gradient once, a non-leaf's hook changes what
    flows on (and what retain_grad keeps), autograd.grad captures a non-leaf before its hooks, remove() works."""
    import torch

    def run(m):
        out = {}
        x = m.ones(2, requires_grad=True)
        seen = []
        h = x.register_hook(lambda g: g * 2)
        x.register_hook(lambda g: seen.append(g.clone()))
        ((x * 3).sum() + (x * 5).sum()).backward()
        out["leaf"], out["seen"] = x.grad.tolist(), [s.tolist() for s in seen]
        h.remove()
        x.grad = None
        (x * 3).sum().backward()
        out["removed"] = x.grad.tolist()
        z = m.tensor([1., -2.], requires_grad=True)
        w = z * z
        w.register_hook(lambda g: g * 10)
        w.retain_grad()
        w.sum().backward()
        out["nonleaf"], out["retained"] = z.grad.tolist(), w.grad.tolist()
        q = m.ones(2, requires_grad=True)
        r = q * 2
        r.register_hook(lambda g: g * 10)
        out["grad"] = [t.tolist() for t in m.autograd.grad(r.sum(), [q, r])]
        with pytest.raises(RuntimeError):
            m.ones(2).register_hook(lambda g: g)
        a = m.ones(2, requires_grad=True)
        a.register_hook(lambda g: m.ones(3))
        with pytest.raises(RuntimeError, match="changed the size"):
            a.sum().backward()
        return out

    assert run(fastnn) == run(torch)


def test_grad_fn_names_match_torch_for_common_ops():
    """What print(y.grad_fn) shows in autograd walk-throughs; the fused Linear + ReLU shows torch's last op."""
    import torch
    import torch.nn.functional as TF

    import fastnn.nn.functional as F

    def names(m, f):
        x = m.randn(4, 3, requires_grad=True)
        w = m.randn(3, 4, requires_grad=True)
        tgt = m.tensor([0, 1, 2, 0])
        cases = [x ** 2, x.mean(), x.sum(), x * 2, x + 1, x - x, x / 2, x @ w, x.relu(), x.sigmoid(), x.tanh(),
                 x.exp(), -x, x.abs(), x.view(-1), x.reshape(-1), x.flatten(), x[0], x[1:], x[m.tensor([0, 1])],
                 f.log_softmax(x, 1), f.softmax(x, 1), f.nll_loss(f.log_softmax(x, 1), tgt), f.cross_entropy(x, tgt),
                 f.mse_loss(x, x.detach()), m.cat([x, x]), x.permute(1, 0),
                 m.nn.Linear(3, 2)(x), m.nn.Sequential(m.nn.Linear(3, 2), m.nn.ReLU())(x),
                 # ops fastnn builds from another op's node, shown under torch's own names
                 x.t(), x.transpose(0, 1), x.unsqueeze(0), x.unsqueeze(0).squeeze(), x.unsqueeze(1).squeeze(1),
                 x.unsqueeze(1).squeeze((1,)), x.max(), x.min(), x.max(1)[0], x.min(1)[0], x.amax(1), x.amin(0),
                 m.stack([x, x]), x.clamp(0, 1), f.dropout(x, 0.5), x.sum(1), x.mean(0), f.linear(x, w.t()),
                 x.double(), x.split(2, 1)[0], x.split([1, 2], 1)[1], x.chunk(2, 0)[1], x.narrow(1, 0, 2),
                 x.unbind(0)[1], x.cumsum(1), x.cumprod(0), x.repeat(2, 1), x.flip(0), x.roll(1, 0)]
        return [y.grad_fn.name() for y in cases]

    assert names(fastnn, F) == names(torch, TF)


@pytest.mark.parametrize("decorator", ["m.no_grad()", "m.no_grad", "m.set_grad_enabled(False)",
                                       "m.inference_mode()"])
def test_grad_mode_decorators_on_generators_apply_to_each_step_as_torch(decorator):
    seen = []
    for m in (fastnn, torch):
        x = m.ones(2, requires_grad=True)

        def body():
            scale = yield x * 2, m.is_grad_enabled()
            try:
                yield x * scale, m.is_grad_enabled()
            except ValueError:
                yield x * 3, m.is_grad_enabled()
            return "done"
        gen = eval(decorator, {"m": m})(body)
        g = gen()
        first = next(g)
        between = m.is_grad_enabled()
        second = g.send(5)
        third = g.throw(ValueError())
        with pytest.raises(StopIteration) as stop:
            next(g)
        seen.append([(t.requires_grad, t.tolist(), mode) for t, mode in (first, second, third)] +
                    [between, stop.value.value])
    assert seen[0] == seen[1]


def test_a_function_returning_its_input_unchanged_returns_a_view_as_torch():
    """Identity-style Functions (straight-through estimators, gradient reversal): the input keeps its history."""
    res = []
    for m in (fastnn, torch):
        class Scale5(m.autograd.Function):
            @staticmethod
            def forward(ctx, a, b):
                ctx.mark_non_differentiable(b)
                return a, b

            @staticmethod
            def backward(ctx, g, gb):
                return 5 * g, None
        x = m.ones(2, requires_grad=True)
        leaf_out, flag = Scale5.apply(x, m.tensor([1.0, 2.0], requires_grad=True))
        h = x * 2
        z, _ = Scale5.apply(h, m.zeros(2))
        (z.sum() + h.sum() + leaf_out.sum()).backward()
        with m.no_grad():
            y2, _ = Scale5.apply(x, m.zeros(2))
        res.append((leaf_out is x, x.is_leaf, leaf_out._base is x, leaf_out.data_ptr() == x.data_ptr(),
                    flag.requires_grad, x.grad.tolist(), y2 is x, y2.requires_grad))
    assert res[0] == res[1]


@pytest.mark.parametrize("call", ["m.ones(3, requires_grad=True)", "m.ones(2, 3, requires_grad=True)"])
def test_flatten_with_nothing_to_flatten_returns_the_tensor_itself_as_torch(call):
    for m in (fastnn, torch):
        x = eval(call, {"m": m})
        assert x.flatten(-1) is x and x.flatten(x.dim() - 1, -1) is x and x.is_leaf
        assert (x.flatten() is x) == (x.dim() == 1)


def test_save_for_backward_refuses_a_non_tensor_as_torch():
    errors = []
    for m in (fastnn, torch):
        class Twice(m.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                ctx.save_for_backward(a, 2.0)
                return a * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2
        with pytest.raises(TypeError) as e:
            Twice.apply(m.ones(1, requires_grad=True))
        errors.append(str(e.value))
    assert errors[0] == errors[1]
