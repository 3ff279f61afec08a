"""fastnn.utils.data: DataLoader, samplers, collate, dataset combinators, workers, the MNIST fast path."""
import collections
import os
import pathlib

import numpy as np
import pytest

import fastnn
from fastnn.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, IterableDataset, RandomSampler,
                               SequentialSampler, Subset, SubsetRandomSampler, TensorDataset,
                               WeightedRandomSampler, default_collate, get_worker_info, random_split)
from fastnn.vision import datasets, transforms

SHARED = pathlib.Path(os.environ["FASTNN_DATASETS_MIRROR"])
TUTORIAL = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])


@pytest.fixture(scope="module")
def mnist_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("tv")
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for f in (SHARED / "mnist").glob("t10k-*.gz"):
        (raw / f.name).symlink_to(f)
    return root


@pytest.fixture(scope="module")
def mnist_test(mnist_root):
    return datasets.MNIST(mnist_root, train=False, transform=TUTORIAL)


class Plain(Dataset):
    """A map-style dataset without __getitems__: the generic per-item path."""

    def __init__(self, ds):
        self.ds = ds

    def __getitem__(self, i):
        return self.ds[i]

    def __len__(self):
        return len(self.ds)


def _arrays(batches):
    return [[np.array(part.numpy()) for part in b] for b in batches]


def _assert_same_batches(a, b):
    assert len(a) == len(b)
    for x, y in zip(_arrays(a), _arrays(b)):
        assert len(x) == len(y)
        for p, q in zip(x, y):
            assert p.dtype == q.dtype and p.shape == q.shape
            np.testing.assert_array_equal(p, q)


def _epoch(loader, seed=None):
    if seed is not None:
        fastnn.manual_seed(seed)
    return list(loader)


def _int_dataset(n):
    return TensorDataset(fastnn.arange(n), fastnn.from_numpy(np.arange(n, dtype=np.float32) * 0.5))


# ---------------------------------------------------------------- the tutorial pipeline
def test_tutorial_batches_shapes_dtypes(mnist_test):
    loader = DataLoader(mnist_test, batch_size=64, shuffle=True)
    assert len(loader) == 157
    images, labels = next(iter(loader))
    assert fastnn.is_tensor(images) and images.shape == (64, 1, 28, 28) and images.dtype == fastnn.float32
    assert labels.shape == (64,) and labels.dtype == fastnn.int64
    a = images.numpy()
    assert a.min() >= -1 and a.max() <= 1 and a.min() == -1
    flat = images.view(images.shape[0], -1)
    assert flat.shape == (64, 784)
    sizes = [len(y) for _, y in loader]
    assert sizes == [64] * 156 + [16]
    sizes = [len(y) for _, y in DataLoader(mnist_test, batch_size=64, shuffle=True, drop_last=True)]
    assert sizes == [64] * 156


@pytest.mark.parametrize("batch_size,shuffle,drop_last", [(1, False, False), (7, True, False),
                                                          (64, True, True), (1000, False, False)])
def test_mnist_fast_path_equals_generic_path(mnist_test, batch_size, shuffle, drop_last):
    ds = Subset(mnist_test, list(range(0, 10000, 7))) if batch_size == 1 else mnist_test
    fast = DataLoader(ds, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last)
    generic = DataLoader(Plain(ds), batch_size=batch_size, shuffle=shuffle, drop_last=drop_last)
    listed = DataLoader(ds, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last,
                        collate_fn=lambda samples: default_collate(list(samples)))
    a, b, c = _epoch(fast, 3), _epoch(generic, 3), _epoch(listed, 3)
    _assert_same_batches(a, b)
    _assert_same_batches(a, c)


@pytest.mark.parametrize("tf", [None, transforms.ToTensor(),
                                transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))]),
                                transforms.Compose([transforms.ToTensor(), transforms.Lambda(lambda x: x * 2)])])
def test_mnist_transforms_fast_and_generic(mnist_root, tf):
    ds = datasets.MNIST(mnist_root, train=False, transform=tf)
    idx = [5, 9999, 0, 17, 5, -1, -10000]
    got = default_collate(ds.__getitems__(idx))
    want = default_collate([ds[i] for i in idx])
    _assert_same_batches([got], [want])
    strided = datasets.MNIST(mnist_root, train=False, transform=tf)
    strided.data = fastnn.from_numpy(strided.data.numpy()[::2])  # not C-contiguous: the numpy batch path
    strided.targets = strided.targets[:5000]
    sidx = [5, 4999, 0, 17, -1]
    _assert_same_batches([default_collate(strided.__getitems__(sidx))],
                         [default_collate([strided[i] for i in sidx])])
    if tf is None:
        assert got[0].dtype == fastnn.uint8 and got[0].shape == (7, 28, 28)
    for bad in ([0, 10000], [-10001]):
        with pytest.raises(IndexError):
            ds.__getitems__(bad)


def test_custom_collate_sees_plain_samples(mnist_test):
    seen = []

    def collate(samples):
        seen.append(samples)
        return len(samples)

    out = list(DataLoader(Subset(mnist_test, range(10)), batch_size=4, collate_fn=collate))
    assert out == [4, 4, 2]
    assert all(type(s) is list for s in seen)
    img, label = seen[0][1]
    np.testing.assert_array_equal(img.numpy(), mnist_test[1][0].numpy())
    assert label == mnist_test[1][1] and type(label) is int


# ---------------------------------------------------------------- shuffling and coverage
def test_shuffle_reproducible_and_fresh_each_epoch():
    loader = DataLoader(_int_dataset(100), batch_size=10, shuffle=True)
    fastnn.manual_seed(11)
    e1 = [b[0].numpy().tolist() for b in loader]
    e2 = [b[0].numpy().tolist() for b in loader]
    fastnn.manual_seed(11)
    assert [b[0].numpy().tolist() for b in loader] == e1
    assert e1 != e2
    assert e1 != [list(range(i, i + 10)) for i in range(0, 100, 10)]
    g = fastnn.Generator().manual_seed(5)
    loader = DataLoader(_int_dataset(100), batch_size=10, shuffle=True, generator=g)
    fastnn.manual_seed(1)
    a = [b[0].numpy().tolist() for b in loader]
    g.manual_seed(5)
    fastnn.manual_seed(2)  # the default generator does not matter when one is given
    assert [b[0].numpy().tolist() for b in loader] == a


@pytest.mark.parametrize("n", [1, 7, 65, 257, 1000])
@pytest.mark.parametrize("batch_size", [1, 16, 63])
def test_every_sample_once_per_epoch(n, batch_size):
    loader = DataLoader(_int_dataset(n), batch_size=batch_size, shuffle=True)
    for _ in range(2):
        seen = np.concatenate([b[0].numpy() for b in loader])
        assert sorted(seen.tolist()) == list(range(n))
    batches = list(DataLoader(_int_dataset(n), batch_size=batch_size, shuffle=True, drop_last=True))
    assert len(batches) == n // batch_size
    seen = np.concatenate([b[0].numpy() for b in batches]) if batches else np.array([])
    assert len(set(seen.tolist())) == len(seen) == (n // batch_size) * batch_size


def test_sequential_order_and_values():
    batches = list(DataLoader(_int_dataset(10), batch_size=4))
    assert [b[0].numpy().tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert batches[0][0].dtype == fastnn.int64 and batches[0][1].dtype == fastnn.float32
    assert batches[2][1].numpy().tolist() == [4.0, 4.5]
    assert isinstance(batches[0], list)  # tuples of samples collate to a list, as torch


def test_batch_size_none_yields_samples():
    loader = DataLoader(_int_dataset(3), batch_size=None)
    items = list(loader)
    assert len(loader) == 3 and len(items) == 3
    assert items[2][0].numpy().tolist() == 2 and items[2][0].shape == ()
    out = list(DataLoader([np.array([1, 2]), np.array([3, 4])], batch_size=None))
    assert fastnn.is_tensor(out[0]) and out[1].numpy().tolist() == [3, 4]


# ---------------------------------------------------------------- workers
class Squares(Dataset):
    def __len__(self):
        return 37

    def __getitem__(self, i):
        return {"x": np.full((2, 3), i, dtype=np.float32), "y": i * i, "name": f"s{i}"}


class Failing(Dataset):
    def __len__(self):
        return 10

    def __getitem__(self, i):
        if i == 6:
            raise KeyError("no sample 6")
        return i


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))


def test_workers_equal_in_process(mnist_test):
    for ds in (Subset(mnist_test, range(0, 10000, 13)), Squares()):
        a = _epoch(DataLoader(ds, batch_size=8, shuffle=True), 4)
        b = _epoch(DataLoader(ds, batch_size=8, shuffle=True, num_workers=2), 4)
        assert len(a) == len(b)
        for x, y in zip(a, b):
            if isinstance(x, dict):
                assert x["name"] == y["name"]
                np.testing.assert_array_equal(x["x"].numpy(), y["x"].numpy())
                np.testing.assert_array_equal(x["y"].numpy(), y["y"].numpy())
            else:
                _assert_same_batches([x], [y])


def test_workers_init_fn_info_and_seeds():
    def init(worker_id):
        info = get_worker_info()
        assert info.id == worker_id and info.num_workers == 2

    class WhoAmI(Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            info = get_worker_info()
            return [info.id, info.seed % 1000, int(fastnn.randint(0, 10 ** 9, (1,)).item())]

    fastnn.manual_seed(0)
    out = [b for b in DataLoader(WhoAmI(), batch_size=2, num_workers=2, worker_init_fn=init)]
    ids = [b[0].numpy().tolist() for b in out]
    assert ids == [[0, 0], [1, 1], [0, 0], [1, 1]]  # round robin, in order
    seeds = {b[0].numpy()[0]: b[1].numpy()[0] for b in out}
    assert (seeds[1] - seeds[0]) % 1000 == 1  # base_seed + worker id
    fastnn.manual_seed(0)
    again = [b[2].numpy().tolist() for b in DataLoader(WhoAmI(), batch_size=2, num_workers=2)]
    assert again == [b[2].numpy().tolist() for b in out]  # workers' randomness follows manual_seed
    assert get_worker_info() is None


def test_worker_error_is_reraised_with_traceback():
    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process") as e:
        list(DataLoader(Failing(), batch_size=2, num_workers=2))
    assert "no sample 6" in str(e.value)
    with pytest.raises(KeyError, match="no sample 6"):
        list(DataLoader(Failing(), batch_size=2))


def test_iterable_dataset_with_and_without_workers():
    one = [b.numpy().tolist() for b in DataLoader(Stream(11), batch_size=3)]
    assert one == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10]]
    two = [b.numpy().tolist() for b in DataLoader(Stream(11), batch_size=3, num_workers=2)]
    assert sorted(sum(two, [])) == list(range(11))
    assert two[0] == [0, 2, 4] and two[1] == [1, 3, 5]
    assert [b.numpy().tolist() for b in DataLoader(Stream(7), batch_size=3, drop_last=True)] == [[0, 1, 2],
                                                                                                 [3, 4, 5]]
    assert [int(x) for x in DataLoader(Stream(4), batch_size=None)] == [0, 1, 2, 3]


def test_persistent_workers_two_epochs():
    loader = DataLoader(_int_dataset(50), batch_size=8, shuffle=True, num_workers=2, persistent_workers=True)
    fastnn.manual_seed(7)
    first = [b[0].numpy().tolist() for b in loader]
    it = iter(loader)
    next(it)  # abandon an epoch half-way: the next one must still be whole
    second = [b[0].numpy().tolist() for b in loader]
    assert sorted(sum(first, [])) == sorted(sum(second, [])) == list(range(50))
    fastnn.manual_seed(7)
    assert [b[0].numpy().tolist() for b in DataLoader(_int_dataset(50), batch_size=8, shuffle=True)] == first
    loader._iterator._shutdown_workers()


# ---------------------------------------------------------------- argument checks
@pytest.mark.parametrize("kwargs,exc,msg", [
    (dict(shuffle=True, sampler=[0, 1]), ValueError, "sampler option is mutually exclusive with shuffle"),
    (dict(batch_sampler=[[0]], batch_size=2), ValueError, "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], shuffle=True), ValueError, "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], sampler=[0]), ValueError, "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], drop_last=True), ValueError, "batch_sampler option is mutually exclusive"),
    (dict(batch_size=None, drop_last=True), ValueError, "batch_size=None option disables auto-batching"),
    (dict(batch_size=0), ValueError, "batch_size should be a positive integer value"),
    (dict(num_workers=-1), ValueError, "num_workers option should be non-negative"),
    (dict(timeout=-1), ValueError, "timeout option should be non-negative"),
    (dict(prefetch_factor=2), ValueError, "prefetch_factor option could only be specified"),
    (dict(persistent_workers=True), ValueError, "persistent_workers option needs num_workers > 0"),
    (dict(multiprocessing_context="fork"), ValueError, "multiprocessing_context can only be used"),
    (dict(num_workers=1, multiprocessing_context="nope"), ValueError, "valid start method"),
    (dict(drop_last=1), ValueError, "drop_last should be a boolean value"),
])
def test_dataloader_argument_errors(kwargs, exc, msg):
    with pytest.raises(exc, match=msg):
        DataLoader(_int_dataset(4), **kwargs)


def test_iterable_dataset_argument_errors():
    for kwargs in (dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])):
        with pytest.raises(ValueError, match="DataLoader with IterableDataset: expected unspecified"):
            DataLoader(Stream(3), **kwargs)


def test_attributes_frozen_after_init_and_batch_sampler_use():
    loader = DataLoader(_int_dataset(10), batch_size=4)
    with pytest.raises(ValueError, match="batch_size attribute should not be set after DataLoader is initialized"):
        loader.batch_size = 2
    loader.num_workers = 0  # allowed, as in torch
    bs = BatchSampler(SequentialSampler(range(10)), 3, drop_last=False)
    out = [b[0].numpy().tolist() for b in DataLoader(_int_dataset(10), batch_sampler=bs)]
    assert out == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert len(DataLoader(_int_dataset(10), batch_sampler=bs)) == 4
    out = [b[0].numpy().tolist() for b in DataLoader(_int_dataset(10), sampler=[9, 3, 3], batch_size=2)]
    assert out == [[9, 3], [3]]


# ---------------------------------------------------------------- samplers
def test_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    fastnn.manual_seed(3)
    s = RandomSampler(range(10))
    a, b = list(s), list(s)
    assert sorted(a) == sorted(b) == list(range(10)) and a != b
    s = RandomSampler(range(10), num_samples=25)
    a = list(s)
    assert len(s) == 25 and len(a) == 25 and sorted(a[:20]) == sorted(list(range(10)) * 2)
    s = RandomSampler(range(5), replacement=True, num_samples=1000, generator=fastnn.Generator().manual_seed(1))
    a = list(s)
    assert len(a) == 1000 and set(a) == set(range(5))
    assert list(s) != a
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(range(0))
    s = SubsetRandomSampler([10, 20, 30, 40])
    assert sorted(s) == [10, 20, 30, 40] and len(s) == 4
    s = WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], num_samples=200)
    a = list(s)
    assert set(a) == {1, 3} and a.count(3) > a.count(1)
    assert sorted(WeightedRandomSampler([1, 1, 1], 3, replacement=False)) == [0, 1, 2]
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        BatchSampler(range(3), True, False)
    assert list(BatchSampler(range(7), 3, True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(BatchSampler(range(7), 3, False)) == 3 and len(BatchSampler(range(7), 3, True)) == 2
    assert list(BatchSampler(SequentialSampler(range(7)), 3, False)) == [[0, 1, 2], [3, 4, 5], [6]]


# ---------------------------------------------------------------- datasets
def test_tensor_dataset_and_subset_and_concat():
    x = fastnn.from_numpy(np.arange(12, dtype=np.float32).reshape(6, 2))
    y = fastnn.arange(6)
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    xi, yi = ds[4]
    assert xi.numpy().tolist() == [8.0, 9.0] and int(yi) == 4
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(x, fastnn.arange(5))
    sub = Subset(ds, [5, 0, 3])
    assert len(sub) == 3 and int(sub[0][1]) == 5
    got = default_collate(sub.__getitems__([2, 0]))
    assert got[0].numpy().tolist() == [[6.0, 7.0], [10.0, 11.0]]
    cat = ConcatDataset([sub, ds])
    assert len(cat) == 9 and int(cat[3][1]) == 0 and int(cat[-1][1]) == 5 and int(cat[2][1]) == 3
    with pytest.raises(ValueError, match="absolute value of index"):
        cat[-10]
    cat2 = sub + ds
    assert isinstance(cat2, ConcatDataset) and len(cat2) == 9
    assert [b[1].numpy().tolist() for b in DataLoader(cat, batch_size=4)] == [[5, 0, 3, 0], [1, 2, 3, 4], [5]]


def test_random_split():
    ds = _int_dataset(10)
    a, b = random_split(ds, [7, 3], generator=fastnn.Generator().manual_seed(0))
    assert len(a) == 7 and len(b) == 3
    assert sorted(list(a.indices) + list(b.indices)) == list(range(10))
    a2, _ = random_split(ds, [7, 3], generator=fastnn.Generator().manual_seed(0))
    assert a2.indices == a.indices
    parts = random_split(ds, [0.5, 0.3, 0.2])
    assert [len(p) for p in parts] == [5, 3, 2]
    parts = random_split(_int_dataset(11), [0.5, 0.5])
    assert [len(p) for p in parts] == [6, 5]
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(ds, [5, 4])
    with pytest.raises(ValueError, match="Fraction at index 1 is not between 0 and 1"):
        random_split(ds, [0.5, -0.5, 1.0])


# ---------------------------------------------------------------- collate
def test_collate_nested_against_torch():
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate
    Point = collections.namedtuple("Point", "x y")
    rng = np.random.default_rng(0)
    samples = [{"img": rng.random((2, 3)).astype(np.float32), "label": i, "w": 0.5 * i, "ok": i % 2 == 0,
                "name": f"n{i}", "pair": (np.int32(i), np.float32(i) / 3), "pt": Point(i, [i, i + 1]),
                "t": torch.arange(3, dtype=torch.int16) + i}
               for i in range(4)]
    ours, theirs = default_collate(samples), torch_collate(samples)

    def compare(a, b):
        if isinstance(b, torch.Tensor):
            assert fastnn.is_tensor(a)
            assert a.numpy().dtype == b.numpy().dtype, (a.numpy().dtype, b.numpy().dtype)
            np.testing.assert_array_equal(a.numpy(), b.numpy())
        elif isinstance(b, dict):
            assert type(a) is type(b) and a.keys() == b.keys()
            for k in b:
                compare(a[k], b[k])
        elif isinstance(b, (list, tuple)) and not isinstance(b, str):
            assert type(a) is type(b) and len(a) == len(b)
            for x, y in zip(a, b):
                compare(x, y)
        else:
            assert a == b

    compare(ours, theirs)


def test_collate_errors_and_fastnn_tensors():
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([np.zeros(3), np.zeros(4)])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([np.array(["a"]), np.array(["b"])])
    w = fastnn.ones(2, 2, requires_grad=True)
    out = default_collate([w, w * 2])
    assert out.shape == (2, 2, 2) and not out.requires_grad
    np.testing.assert_array_equal(out.numpy()[1], np.full((2, 2), 2.0, np.float32))
    assert default_collate(["a", "b"]) == ["a", "b"]


class Slow(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 2:
            import time
            time.sleep(1.0)
        return i


def test_worker_timeout_and_spawn_context():
    it = iter(DataLoader(Slow(), batch_size=2, num_workers=1, timeout=0.2))
    assert next(it).numpy().tolist() == [0, 1]
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.2 seconds"):
        next(it)
    del it
    out = [b[0].numpy().tolist() for b in DataLoader(_int_dataset(9), batch_size=4, num_workers=2,
                                                      multiprocessing_context="spawn")]
    assert out == [[0, 1, 2, 3], [4, 5, 6, 7], [8]]


def test_pin_memory_warns_and_still_works():
    with pytest.warns(UserWarning, match="pin_memory"):
        loader = DataLoader(_int_dataset(3), batch_size=2, pin_memory=True)
    assert [b[0].numpy().tolist() for b in loader] == [[0, 1], [2]]
