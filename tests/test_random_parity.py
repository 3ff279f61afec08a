"""fastnn's random numbers against torch's: the same seed gives the same numbers (see fastnn/random.py), for the
creation functions, the in-place draws, nn's initialisation and the data pipeline's shuffling."""
import numpy as np
import pytest
import torch

import fastnn
from nn_torch_util import outcome


def _loader_epochs(m):
    ds = m.utils.data.TensorDataset(m.arange(100))
    return np.concatenate([b[0].numpy() for _ in range(2) for b in m.utils.data.DataLoader(ds, batch_size=16,
                                                                                            shuffle=True)])


def _seed_notes(m):  # the course notes' first cell
    features = m.randn((1, 5))
    weights = m.randn_like(features)
    bias = m.randn((1, 1))
    return np.concatenate([features.numpy().ravel(), weights.numpy().ravel(), bias.numpy().ravel()])


EXACT = {
    "seed notes": _seed_notes,
    "rand": lambda m: m.rand(3, 4).numpy(),
    "rand float64": lambda m: m.rand(7, dtype=m.float64).numpy(),
    "randn below 16, then from the cached pair": lambda m: np.concatenate([m.randn(15).numpy(), m.randn(3).numpy()]),
    "randn float64 in blocks of 16": lambda m: m.randn(37, dtype=m.float64).numpy(),
    "randint": lambda m: m.randint(-3, 9, (20,)).numpy(),
    "randint from 2^28": lambda m: m.randint(0, 2 ** 40, (5,)).numpy(),
    "randperm": lambda m: m.randperm(1000).numpy(),
    "randperm 60000": lambda m: m.randperm(60000).numpy(),
    "randperm 0 and 1": lambda m: np.concatenate([m.randperm(0).numpy(), m.randperm(1).numpy(), m.rand(1).numpy()]),
    "Linear init": lambda m: np.concatenate([p.detach().numpy().ravel() for p in m.nn.Sequential(
        m.nn.Linear(784, 128), m.nn.ReLU(), m.nn.Linear(128, 64), m.nn.Linear(64, 10)).parameters()]),
    "normal_ on a transposed tensor": lambda m: (lambda x: (x.t().normal_(), x)[1].numpy())(m.empty(5, 6)),
    "uniform_ on a strided tensor": lambda m: (lambda x: (x[:, ::2].uniform_(-1, 2), x)[1].numpy())(m.zeros(4, 6)),
    "random_": lambda m: np.concatenate([
        m.empty(5, dtype=m.int64).random_().numpy(), m.empty(5, dtype=m.int32).random_().numpy(),
        m.empty(4).random_().numpy(), m.empty(4, dtype=m.float64).random_().numpy(),
        m.empty(3, dtype=m.bool).random_().numpy(), m.empty(3, dtype=m.uint8).random_(2, 9).numpy(),
        m.empty(3, dtype=m.int16).random_(7).numpy()]).astype(np.float64),
    "normal(float, float, size)": lambda m: m.normal(2., 3., (5,)).numpy(),
    "init.normal_": lambda m: m.nn.init.normal_(m.empty(3, 4), 0., 0.02).numpy(),
    "xavier_uniform_": lambda m: m.nn.init.xavier_uniform_(m.empty(30, 40)).numpy(),
    "DataLoader shuffle, two epochs": _loader_epochs,
    "random_split": lambda m: np.array(m.utils.data.random_split(range(10), [3, 7])[0].indices),
    "SubsetRandomSampler": lambda m: np.array(list(m.utils.data.SubsetRandomSampler([5, 6, 7, 8]))),
    "RandomSampler with replacement": lambda m: np.array(list(
        m.utils.data.RandomSampler(range(10), replacement=True, num_samples=40))),
    "a Generator of its own": lambda m: m.rand(4, generator=m.Generator().manual_seed(3)).numpy(),
    "the default seed of a new Generator": lambda m: m.randn(3, generator=m.Generator()).numpy(),
}

# torch's AVX2 kernel computes these with its own log/sin/cos: apart by a few millionths at most
CLOSE = {
    "randn float32 in blocks of 16": lambda m: m.randn(37).numpy(),
    "normal(tensor, tensor)": lambda m: m.normal(m.arange(20.), m.ones(20) * 2).numpy(),
    "randn 64x784": lambda m: m.randn(64, 784).numpy(),
}


def _both(fn, seed):
    out = []
    for m in (torch, fastnn):
        m.manual_seed(seed)
        out.append(np.asarray(fn(m)))
    return out


@pytest.mark.parametrize("name", list(EXACT))
@pytest.mark.parametrize("seed", [0, 7, 2 ** 40 + 3, -1])
def test_same_seed_same_numbers_as_torch(name, seed):
    t, f = _both(EXACT[name], seed)
    assert t.dtype == f.dtype and t.shape == f.shape
    np.testing.assert_array_equal(f, t)


@pytest.mark.parametrize("name", list(CLOSE))
def test_float32_normal_blocks_within_a_few_millionths_of_torch(name):
    t, f = _both(CLOSE[name], 7)
    assert t.dtype == f.dtype and t.shape == f.shape
    np.testing.assert_allclose(f, t, rtol=1e-5, atol=1e-5)


def test_draws_after_float32_blocks_stay_in_step_with_torch():
    t, f = _both(lambda m: (m.randn(100), m.rand(5).numpy())[1], 3)
    np.testing.assert_array_equal(f, t)


@pytest.mark.parametrize("seed", [2 ** 64, -2 ** 63 - 1])
def test_seed_out_of_range_raises_as_torch(seed):
    f, t = outcome(lambda: fastnn.manual_seed(seed)), outcome(lambda: torch.manual_seed(seed))
    assert f[0] == t[0] == "ValueError"


def test_initial_seed_and_state_round_trip_with_the_cached_normal():
    g = fastnn.Generator()
    assert g.initial_seed() == torch.Generator().initial_seed()
    assert fastnn.manual_seed(-1).initial_seed() == torch.manual_seed(-1).initial_seed()
    fastnn.manual_seed(5)
    fastnn.randn(3)  # leaves the second value of a pair for the next draw
    state = fastnn.get_rng_state()
    first = fastnn.randn(4).numpy()
    fastnn.set_rng_state(state)
    np.testing.assert_array_equal(fastnn.randn(4).numpy(), first)


@pytest.mark.parametrize("draws,n,error", [
    (np.zeros(4, np.float64), 5, TypeError), (np.zeros(3, np.int64), 5, ValueError),
    (np.array([0, -1, 0, 0], np.int64), 5, ValueError), (np.zeros((2, 2), np.int64), 5, ValueError)])
def test_randperm_binding_refuses_bad_draws(draws, n, error):
    with pytest.raises(error):
        fastnn._C.randperm_from_draws(draws, np.empty(n, np.int64))


def _train_losses(m, x, y):
    """Two epochs of the seed network (SGD with momentum, shuffled batches of 64) from manual_seed(0)."""
    m.manual_seed(0)
    threads = m.get_num_threads()
    m.set_num_threads(1)
    try:
        nn = m.nn
        model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10),
                              nn.LogSoftmax(dim=1))
        opt = m.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        data = m.utils.data.TensorDataset(m.from_numpy(x), m.from_numpy(y))
        losses = []
        for _ in range(2):
            for xb, yb in m.utils.data.DataLoader(data, batch_size=64, shuffle=True):
                opt.zero_grad()
                loss = nn.NLLLoss()(model(xb), yb)
                loss.backward()
                opt.step()
                losses.append(loss.item())
        return np.array(losses)
    finally:
        m.set_num_threads(threads)


def test_a_seeded_training_run_follows_torchs_loss_curve(tmp_path):
    """Same seed: the same initial weights and the same batches, so 200 steps on real MNIST images stay within
    float32 rounding of torch's losses (the products' summation orders differ)."""
    from fastnn.vision import datasets
    test_set = datasets.MNIST(tmp_path, train=False, download=True)
    x = (test_set.data.numpy()[:6400].reshape(-1, 784).astype(np.float32) / 255 - 0.5) / 0.5
    y = test_set.targets.numpy()[:6400].astype(np.int64)
    t, f = _train_losses(torch, x, y), _train_losses(fastnn, x, y)
    assert len(f) == len(t) == 200 and t[-1] < 0.7 * t[0]
    np.testing.assert_allclose(f, t, rtol=0, atol=1e-4)


@pytest.mark.parametrize("call", ["m.empty(3, dtype=m.int64).normal_()", "m.empty(3, dtype=m.int32).uniform_()",
                                  "m.randn(3, dtype=m.int64)", "m.rand(3, dtype=m.bool)",
                                  "m.empty(3).random_(5, 2)"])
def test_draws_of_the_wrong_dtype_or_range_raise_as_torch(call):
    f, t = outcome(lambda: eval(call, {"m": fastnn})), outcome(lambda: eval(call, {"m": torch}))
    assert f == t


class _Draws:
    """A map-style dataset whose items are draws from the lib's generator, numpy's and Python's, in a worker."""

    def __init__(self, lib):
        self.lib = lib

    def __len__(self):
        return 8

    def __getitem__(self, i):
        import random
        return np.array([float(self.lib.randint(0, 10 ** 6, (1,)).item()), float(np.random.randint(10 ** 6)),
                         float(random.randint(0, 10 ** 6)), float(self.lib.rand(1).item())])


def test_worker_processes_draw_torchs_numbers():
    """Each worker seeds fastnn, numpy and Python from the loader's base seed as torch's workers do."""
    out = []
    for m in (torch, fastnn):
        m.manual_seed(3)
        loader = m.utils.data.DataLoader(_Draws(m), batch_size=2, num_workers=2, shuffle=True)
        out.append(np.concatenate([b.numpy() for b in loader]))
    np.testing.assert_array_equal(out[1], out[0])
