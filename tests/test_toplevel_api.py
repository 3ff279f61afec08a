"""Top-level names ordinary torch scripts call, against torch 2.13 (CPU): fastnn.accelerator (and PyTorch's
Quickstart tutorial run with fastnn), set_printoptions / get_printoptions, fastnn.testing (assert_close,
make_tensor), fastnn.special (values and gradients) and set_float32_matmul_precision."""
import re
import warnings

import numpy as np
import pytest
import torch

import fastnn
from fastnn.utils.data import Subset

# ---------------------------------------------------------------- helpers


def _outcome(fn, *args, **kwargs):
    """What a call does: ("ok", result) or (exception type name, message), with the warnings it gave; torch's
    names in messages read as fastnn's (torch.float32 -> fastnn.float32, the class torch.Tensor ->
    fastnn.Tensor, which fastnn defines in fastnn.tensor)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = ("ok", fn(*args, **kwargs))
        except Exception as e:  # noqa: BLE001  (the outcome is compared, whatever it is)
            out = (type(e).__name__, str(e).replace("torch.", "fastnn.").replace("fastnn.tensor.Tensor",
                                                                                 "fastnn.Tensor"))
    return out + tuple((w.category.__name__, str(w.message)) for w in caught)


def _close(f, t, rtol=None, atol=None):
    """fastnn tensor f equals torch tensor t: dtype, shape and values (torch's assert_close on the values)."""
    assert f.dtype.name == str(t.dtype)[6:], (f.dtype, t.dtype)
    torch.testing.assert_close(torch.from_numpy(f.detach().numpy().copy()), t.detach(), rtol=rtol, atol=atol,
                               equal_nan=True)


# ---------------------------------------------------------------- fastnn.accelerator

_ACCELERATOR_CALLS = [
    ("is_available", ()), ("current_accelerator", ()), ("current_accelerator", (True,)), ("device_count", ()),
    ("current_device_index", ()), ("current_device_idx", ()), ("set_device_index", (0,)),
    ("set_device_index", (-1,)), ("set_device_index", ("cpu",)), ("set_device_index", (None,)),
    ("set_device_idx", (-1,)), ("synchronize", ()), ("synchronize", (0,)), ("synchronize", ("cpu",)),
    ("synchronize", ("cuda:0",)), ("current_stream", ()), ("get_device_capability", ()),
    ("get_device_capability", ("cpu",)), ("get_memory_info", ()), ("empty_cache", ()), ("empty_host_cache", ()),
    ("memory_stats", ()), ("memory_allocated", ()), ("max_memory_allocated", (0,)), ("memory_reserved", ()),
    ("max_memory_reserved", ()), ("reset_accumulated_memory_stats", ()), ("reset_peak_memory_stats", ()),
    ("Graph", ()),
]


def test_accelerator_has_torchs_names():
    assert set(fastnn.accelerator.__all__) == set(torch.accelerator.__all__)
    assert "accelerator" in dir(fastnn)


@pytest.mark.parametrize("name,args", _ACCELERATOR_CALLS, ids=[f"{n}{a}" for n, a in _ACCELERATOR_CALLS])
def test_accelerator_answers_as_torch_without_accelerator(name, args):
    assert _outcome(getattr(fastnn.accelerator, name), *args) == _outcome(getattr(torch.accelerator, name), *args)


def test_accelerator_device_index_context_and_quickstart_device_line():
    def enter(m, idx):
        with m.accelerator.device_index(idx):
            return "entered"
    for idx in (None, 0):
        assert _outcome(enter, fastnn, idx) == _outcome(enter, torch, idx)

    assert _quickstart_device(fastnn) == _quickstart_device(torch)
    assert fastnn.zeros(2).to(_quickstart_device(fastnn)).device == fastnn.device(_quickstart_device(torch))


def _quickstart_device(torch):  # the Quickstart's line, verbatim
    return torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"


# The Quickstart tutorial (pytorch.org/tutorials/beginner/basics/quickstart_tutorial.html, 2.6+), imports changed.
QUICKSTART = '''
import fastnn as torch
from fastnn import nn
from fastnn.utils.data import DataLoader
from fastnn.vision import datasets
from fastnn.vision.transforms import ToTensor

# Download training data from open datasets.
training_data = datasets.FashionMNIST(
    root="data",
    train=True,
    download=True,
    transform=ToTensor(),
)

# Download test data from open datasets.
test_data = datasets.FashionMNIST(
    root="data",
    train=False,
    download=True,
    transform=ToTensor(),
)

batch_size = 64

# Create data loaders.
train_dataloader = DataLoader(training_data, batch_size=batch_size)
test_dataloader = DataLoader(test_data, batch_size=batch_size)

for X, y in test_dataloader:
    print(f"Shape of X [N, C, H, W]: {X.shape}")
    print(f"Shape of y: {y.shape} {y.dtype}")
    break

device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
print(f"Using {device} device")

# Define model
class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28*28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10)
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits

model = NeuralNetwork().to(device)
print(model)

loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)

def train(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        X, y = X.to(device), y.to(device)

        # Compute prediction error
        pred = model(X)
        loss = loss_fn(pred, y)

        # Backpropagation
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

        if batch % 100 == 0:
            loss, current = loss.item(), (batch + 1) * len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")

def test(dataloader, model, loss_fn):
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            X, y = X.to(device), y.to(device)
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \\n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \\n")

epochs = 5
for t in range(epochs):
    print(f"Epoch {t+1}\\n-------------------------------")
    train(train_dataloader, model, loss_fn, optimizer)
    test(test_dataloader, model, loss_fn)
print("Done!")

torch.save(model.state_dict(), "model.pth")
print("Saved PyTorch Model State to model.pth")

model = NeuralNetwork().to(device)
model.load_state_dict(torch.load("model.pth", weights_only=True))

classes = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]

model.eval()
x, y = test_data[0][0], test_data[0][1]
with torch.no_grad():
    x = x.to(device)
    pred = model(x)
    predicted, actual = classes[pred[0].argmax(0)], classes[y]
    print(f'Predicted: "{predicted}", Actual: "{actual}"')
'''
_TRAIN_IMAGES, _TEST_IMAGES = 640, 320  # ten and five batches: the whole script runs in seconds
_DEFINITIONS = QUICKSTART[QUICKSTART.index("# Define model"):QUICKSTART.index("model = NeuralNetwork()")] + \
    QUICKSTART[QUICKSTART.index("def train("):QUICKSTART.index("epochs = 5")]


def _numbers(line):
    return [float(v) for v in re.findall(r"-?\d+\.\d+", line)]


def _to_torch_batches(dataset):
    return [(torch.from_numpy(x.numpy().copy()), int(y)) for x, y in dataset]


def _torch_copy(tns, fastnn_model):
    model = tns["NeuralNetwork"]()
    model.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy())
                           for k, v in fastnn_model.state_dict().items()})
    return model


def test_quickstart_tutorial_runs_and_matches_torch(tmp_path, monkeypatch, capsys):
    """The tutorial on the first images of FashionMNIST (read through the test mirror): its printed shapes,
    device, model, first-batch loss, test accuracy and loss, save / load and prediction are torch's for the same
    weights and data (torch runs the tutorial's own NeuralNetwork, train and test)."""
    full = fastnn.vision.datasets.FashionMNIST
    monkeypatch.setattr(fastnn.vision.datasets, "FashionMNIST", lambda *a, train=True, **k: Subset(
        full(*a, train=train, **k), range(_TRAIN_IMAGES if train else _TEST_IMAGES)))
    monkeypatch.chdir(tmp_path)
    ns = {}
    exec(compile(QUICKSTART, "quickstart_tutorial", "exec"), ns)
    lines = capsys.readouterr().out.splitlines()

    tns = {"torch": torch, "nn": torch.nn, "device": "cpu"}
    exec(_DEFINITIONS, tns)
    X, y = next(iter(ns["test_dataloader"]))
    assert lines[0] == f"Shape of X [N, C, H, W]: {torch.Size(X.shape)}".replace("torch.", "fastnn.")
    assert lines[1] == f"Shape of y: {torch.Size(y.shape)} {torch.int64}".replace("torch.", "fastnn.")
    assert lines[2] == f"Using {_quickstart_device(torch)} device"
    assert "\n".join(lines[3:3 + len(repr(tns['NeuralNetwork']()).splitlines())]) == repr(tns["NeuralNetwork"]())
    assert lines[-3:-1] == ["Done!", "Saved PyTorch Model State to model.pth"]

    # the reloaded model is the trained one: torch's test() on it prints the script's last test result
    loaded = _torch_copy(tns, ns["model"])
    test_batches = torch.utils.data.DataLoader(_to_torch_batches(ns["test_data"]), batch_size=64)
    tns["test"](test_batches, loaded, torch.nn.CrossEntropyLoss())
    torch_test = _numbers(capsys.readouterr().out)
    script_test = _numbers([ln for ln in lines if "Accuracy" in ln][-1])
    assert script_test[0] == pytest.approx(torch_test[0], abs=100 / _TEST_IMAGES + 0.05)
    assert script_test[1] == pytest.approx(torch_test[1], rel=1e-4)
    x = torch.from_numpy(ns["test_data"][0][0].numpy().copy())
    with torch.no_grad():
        expected = ns["classes"][loaded(x)[0].argmax(0)]
    assert lines[-1] == f'Predicted: "{expected}", Actual: "{ns["classes"][ns["test_data"][0][1]]}"'

    # one epoch of the tutorial's train() from the same weights: same printed loss, same weights after
    fm = ns["NeuralNetwork"]()
    tm = _torch_copy(tns, fm)
    ns["train"](ns["train_dataloader"], fm, fastnn.nn.CrossEntropyLoss(), fastnn.optim.SGD(fm.parameters(), lr=1e-3))
    train_batches = torch.utils.data.DataLoader(_to_torch_batches(ns["training_data"]), batch_size=64)
    tns["train"](train_batches, tm, torch.nn.CrossEntropyLoss(), torch.optim.SGD(tm.parameters(), lr=1e-3))
    printed = capsys.readouterr().out.splitlines()
    assert _numbers(printed[0]) == pytest.approx(_numbers(printed[1]), rel=1e-5)
    for fv, tv in zip(fm.state_dict().values(), tm.state_dict().values()):
        _close(fv, tv, rtol=1e-4, atol=1e-6)


# ---------------------------------------------------------------- set_printoptions / get_printoptions

@pytest.fixture
def default_printoptions():
    yield
    torch.set_printoptions(profile="default")
    fastnn.set_printoptions(profile="default")


_PRINT_SETTINGS = [dict(precision=2), dict(precision=7), dict(threshold=10), dict(threshold=10, edgeitems=1),
                   dict(threshold=50, edgeitems=5), dict(linewidth=40), dict(linewidth=150), dict(sci_mode=True),
                   dict(sci_mode=False), dict(profile="short"), dict(profile="full"), dict(profile="short",
                   precision=6, sci_mode=True), dict(threshold=5, edgeitems=0), dict(edgeitems=0),
                   dict(threshold=0), dict(profile="nonsense", linewidth=60)]


def _print_arrays():
    rng = np.random.default_rng(7)
    return {
        "float": rng.standard_normal((4, 5)).astype(np.float32),
        "float_large": rng.standard_normal((40, 50)).astype(np.float32),
        "float_3d": rng.standard_normal((8, 7, 9)).astype(np.float32),
        "float_wide_range": (rng.standard_normal(30) * 10.0 ** rng.integers(-6, 6, 30)).astype(np.float32),
        "float_integral": np.round(rng.standard_normal((6, 7)) * 100).astype(np.float32),
        "float_nonfinite": np.where(rng.random(12) < 0.3, np.nan, rng.standard_normal(12) * 1e3).astype(np.float32),
        "float64": rng.standard_normal((5, 6)),
        "int64": rng.integers(-10 ** 6, 10 ** 6, (30, 40)),
        "int32": rng.integers(-50, 50, (7, 9)).astype(np.int32),
        "bool": rng.random((12, 13)) > 0.5,
        "scalar": np.array(rng.standard_normal(), np.float32),
    }


@pytest.mark.parametrize("settings", _PRINT_SETTINGS, ids=[str(s) for s in _PRINT_SETTINGS])
def test_printoptions_reprs_match_torch(settings, default_printoptions):
    torch.set_printoptions(**settings)
    fastnn.set_printoptions(**settings)
    assert fastnn.get_printoptions() == torch._tensor_str.get_printoptions()
    for name, a in _print_arrays().items():
        for requires_grad in ((False, True) if a.dtype.kind == "f" else (False,)):
            t = torch.from_numpy(a.copy()).requires_grad_(requires_grad)
            f = fastnn.from_numpy(a.copy()).requires_grad_(requires_grad)
            assert repr(f) == repr(t).replace("torch.", "fastnn."), (name, requires_grad)
            assert str(f) == repr(f)
            assert repr(f * 2) == repr(t * 2).replace("torch.", "fastnn."), (name, requires_grad)


def test_printoptions_accumulate_and_restore_as_torch(default_printoptions):
    a = np.random.default_rng(3).standard_normal((30, 40)).astype(np.float32)
    steps = [dict(precision=3), dict(edgeitems=2), dict(threshold=100, linewidth=50), dict(sci_mode=True),
             dict(precision=1), dict(profile="full"), dict(profile="default")]
    for s in steps:
        torch.set_printoptions(**s)
        fastnn.set_printoptions(**s)
        assert fastnn.get_printoptions() == torch._tensor_str.get_printoptions()
        assert repr(fastnn.from_numpy(a)) == repr(torch.from_numpy(a))
    p = fastnn.nn.Parameter(fastnn.from_numpy(a[:2, :3].copy()))
    assert repr(p) == repr(torch.nn.Parameter(torch.from_numpy(a[:2, :3].copy())))


# ---------------------------------------------------------------- fastnn.testing

def _assert_close_outcome(m, actual, expected, **kwargs):
    def convert(x):
        if isinstance(x, np.ndarray):
            return m.from_numpy(x.copy())
        if isinstance(x, list):
            return [convert(v) for v in x]
        if isinstance(x, dict):
            return {k: convert(v) for k, v in x.items()}
        return x
    return _outcome(m.testing.assert_close, convert(actual), convert(expected), **kwargs)


def _assert_close_pairs():
    rng = np.random.default_rng(11)
    a = rng.standard_normal((3, 4)).astype(np.float32)
    b = a.copy()
    b[1, 2] += 1e-3
    b[0, 0] *= 1.5
    near = a + np.float32(1e-6) * np.abs(a)  # within float32's default tolerances
    ai = rng.integers(-9, 10, (5, 6))
    bi = ai.copy()
    bi[2, 3] += 3
    bi[4, 0] = -bi[4, 0] - 1
    nan = np.array([1.5, np.nan], np.float32)
    return [
        (a, a), (a, b), (a, near), (a, a.astype(np.float64)), (a, b.astype(np.float64)), (a, a[:2]), (ai, bi),
        (ai, ai), (ai > 0, bi > 0), (a.astype(np.float16), b.astype(np.float16)), (a.astype(np.float64),
        b.astype(np.float64)), (a[0, 0], b[0, 0]), (a[0, :1].reshape(()), b[0, :1].reshape(())), (nan, nan),
        (np.array([a[0, 0], np.inf], np.float32), np.array([a[0, 0], np.inf], np.float32)),
        (np.array([a[0, 0], np.inf], np.float32), np.array([a[0, 0], -np.inf], np.float32)),
        (a[0], np.zeros_like(a[0])), ([a, float(a[0, 0])], [a, float(b[0, 0])]),
        ({"x": a, "y": 2}, {"x": b, "y": 2}), ({"x": 1}, {"z": 1}), ([1, 2], [1]), (1.5, 1.5 + 1e-9),
        (float(a[1, 1]), float(b[0, 0])), (3, 4), (1, 1.0), (None, None), (None, 1), (True, False),
        (np.bool_(True), True), (np.float64(2.5), 2.5), (3 + 1j, 3 + 1.1j), ("a", "a"), (a, 1.0), (a, [1.0]),
        (ai, ai.astype(np.int32)), (ai.astype(np.uint8), bi.astype(np.uint8)), (np.array([2 ** 60 + 1]),
        np.array([2 ** 60])),
    ]


_ASSERT_CLOSE_OPTIONS = [dict(), dict(rtol=1e-2, atol=1e-2), dict(rtol=0, atol=0), dict(check_dtype=False),
                         dict(equal_nan=True), dict(msg="custom message"), dict(msg=lambda m: "<" + m + ">"),
                         dict(rtol=1e-3), dict(atol=1e-3)]


@pytest.mark.parametrize("options", _ASSERT_CLOSE_OPTIONS, ids=[str(o) for o in _ASSERT_CLOSE_OPTIONS])
def test_assert_close_passes_and_fails_as_torch(options):
    """Same outcome for every pair: passing, or the same exception type and message (mismatch counts, greatest
    absolute and relative differences and their indices, tolerances, failing item)."""
    outcomes = []
    for actual, expected in _assert_close_pairs():
        f = _assert_close_outcome(fastnn, actual, expected, **options)
        assert f == _assert_close_outcome(torch, actual, expected, **options), (actual, expected)
        outcomes.append(f[0])
    assert "ok" in outcomes and "AssertionError" in outcomes


def test_assert_close_subclasses_stride_and_tensor_methods():
    rng = np.random.default_rng(5)
    a = rng.standard_normal((3, 4)).astype(np.float32)
    for m in (fastnn, torch):
        m.testing.assert_close(m.nn.Parameter(m.from_numpy(a.copy())), m.from_numpy(a.copy()))
    cases = [
        lambda m: m.testing.assert_close(m.nn.Parameter(m.from_numpy(a.copy())), m.from_numpy(a.copy()),
                                         allow_subclasses=False),
        lambda m: m.testing.assert_close(m.from_numpy(a.copy()).t(), m.from_numpy(a.T.copy()), check_stride=True),
        lambda m: m.testing.assert_close(m.from_numpy(a.copy()).t(), m.from_numpy(a.T.copy())),
        lambda m: m.testing.assert_close(m.from_numpy(a.copy()).exp(), m.from_numpy(np.exp(a)) * 1.01),
    ]
    for case in cases:
        assert _outcome(case, fastnn) == _outcome(case, torch)


_MAKE_TENSOR_CASES = [
    ((3, 4), dict(dtype="float32")), (((2, 5),), dict(dtype="float64", low=-1, high=2, requires_grad=True)),
    ((6,), dict(dtype="int64")), ((6,), dict(dtype="uint8")), ((50,), dict(dtype="int8", low=-1000, high=1000)),
    ((4, 4), dict(dtype="bool")), ((2, 5), dict(dtype="float32", noncontiguous=True)),
    ((200,), dict(dtype="int32", low=-1, high=2, exclude_zero=True)), ((8,), dict(dtype="float16", low=3, high=4)),
    ((2, 3), dict(dtype="int64", requires_grad=True)), ((3,), dict(dtype="float32", low=2, high=1)),
    ((3,), dict(dtype="float32", low=float("nan"))), ((4,), dict(dtype="uint8", low=-5, high=-1)),
    ((4,), dict(dtype="float32", low=1.5, high=1.5)),
]


@pytest.mark.parametrize("shape,kwargs", _MAKE_TENSOR_CASES, ids=[str(k) for _, k in _MAKE_TENSOR_CASES])
def test_make_tensor_as_torch(shape, kwargs):
    def make(m):
        t = m.testing.make_tensor(*shape, device="cpu", **dict(kwargs, dtype=getattr(m, kwargs["dtype"])))
        return t
    f, t = _outcome(make, fastnn), _outcome(make, torch)
    if t[0] != "ok":
        assert f == t
        return
    assert f[2:] == t[2:]  # warnings
    f, t = f[1], t[1]
    assert f.dtype.name == str(t.dtype)[6:] and tuple(f.shape) == tuple(t.shape)
    assert f.requires_grad == t.requires_grad and f.is_contiguous() == t.is_contiguous()
    lo = kwargs.get("low", 0 if kwargs["dtype"] in ("bool", "uint8") else -9)
    hi = kwargs.get("high", 2 if kwargs["dtype"] == "bool" else 9 if "float" in kwargs["dtype"] else 10)
    info = np.iinfo(kwargs["dtype"]) if "int" in kwargs["dtype"] else None
    values = f.detach().numpy().astype(np.float64)
    lo, hi = (max(lo, info.min), min(hi, info.max + 1)) if info is not None else (lo, hi)
    assert lo <= values.min() and values.max() <= hi  # floats may round up to high
    if not f.dtype.is_floating_point:
        assert values.max() < hi
    if kwargs.get("exclude_zero"):
        assert (values != 0).all()
    if values.size > 20:  # the draws spread over the range (not a constant)
        assert np.unique(values).size > 1


# ---------------------------------------------------------------- fastnn.special

def _unit(rng):
    return rng.uniform(0.02, 0.98, 40)


_SPECIAL_UNARY = {  # name: the inputs (a function of a random generator): torch's domain for each
    "expit": lambda r: r.standard_normal(40) * 4, "logit": _unit, "erf": lambda r: r.standard_normal(40) * 2,
    "erfc": lambda r: r.standard_normal(40) * 3, "erfinv": lambda r: r.uniform(-0.999, 0.999, 40),
    "exp2": lambda r: r.standard_normal(40) * 3, "expm1": lambda r: r.standard_normal(40) * 1e-3,
    "log1p": lambda r: r.uniform(-0.9, 5, 40), "entr": lambda r: r.uniform(0.01, 5, 40),
    "sinc": lambda r: r.standard_normal(40) * 3, "round": lambda r: r.standard_normal(40) * 10,
    "i0": lambda r: r.standard_normal(40) * 5, "ndtr": lambda r: r.standard_normal(40) * 2,
    "ndtri": _unit, "log_ndtr": lambda r: r.standard_normal(40) * 6,
}


def _leaves(values, dtype):
    return (fastnn.tensor(values, dtype=getattr(fastnn, dtype), requires_grad=True),
            torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=True))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(_SPECIAL_UNARY))
def test_special_unary_values_and_gradients(name, dtype):
    values = _SPECIAL_UNARY[name](np.random.default_rng(sum(map(ord, name))))
    xf, xt = _leaves(values, dtype)
    yf, yt = getattr(fastnn.special, name)(xf), getattr(torch.special, name)(xt)
    _close(yf, yt)
    w = np.random.default_rng(1).standard_normal(values.shape)
    (yf * fastnn.tensor(w, dtype=yf.dtype)).sum().backward()
    (yt * torch.tensor(w, dtype=yt.dtype)).sum().backward()
    _close(xf.grad, xt.grad, rtol=1e-5 if dtype == "float32" else None, atol=1e-5 if dtype == "float32" else None)


@pytest.mark.parametrize("name", ["erfc", "erfinv", "ndtr", "ndtri", "log_ndtr", "entr", "sinc", "i0"])
def test_special_new_ops_edges_integers_and_grad_fn(name):
    edges = {"erfinv": [-1.0, 1.0, 1.5, -1e-30, 1 - 2 ** -40, np.nan], "ndtri": [0.0, 1.0, -0.5, 1e-200, np.nan],
             "log_ndtr": [-45.0, -1.0, 9.0, -np.inf, np.inf, np.nan], "entr": [0.0, -1.0, np.inf, np.nan],
             "sinc": [0.0, 1.0, -2.0, np.inf], "i0": [0.0, -np.inf, 700.0],
             "erfc": [27.0, -np.inf, np.nan], "ndtr": [-np.inf, np.inf, -3.0]}[name]
    _close(getattr(fastnn.special, name)(fastnn.tensor(edges, dtype=fastnn.float64)),
           getattr(torch.special, name)(torch.tensor(edges, dtype=torch.float64)), rtol=1e-12, atol=0)
    ints = np.random.default_rng(2).integers(1, 3, 6)
    _close(getattr(fastnn.special, name)(fastnn.tensor(ints)), getattr(torch.special, name)(torch.tensor(ints)))
    xf, xt = _leaves(np.random.default_rng(3).uniform(0.1, 0.9, 3), "float32")
    expected = getattr(torch.special, name)(xt).grad_fn.name()
    assert getattr(fastnn.special, name)(xf).grad_fn.name() == ("SpecialNdtrBackward0" if name == "ndtr"
                                                                else expected)  # torch's ndtr is a composite


def test_special_ndtr_keeps_the_lower_tail():
    """fastnn's ndtr is erfc(-x / sqrt 2) / 2, which keeps its relative precision below x = -5 where torch's
    (1 + erf) / 2 loses it: checked against torch's log_ndtr, which is accurate there."""
    x = -np.random.default_rng(4).uniform(6, 30, 20)
    f = fastnn.special.ndtr(fastnn.tensor(x)).numpy()
    np.testing.assert_allclose(np.log(f), torch.special.log_ndtr(torch.tensor(x)).numpy(), rtol=1e-13)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["xlogy", "xlog1py"])
def test_special_xlogy_xlog1py(name, dtype):
    rng = np.random.default_rng(9)
    x = rng.standard_normal((3, 4))
    x[0, :2] = 0  # the defining cases: x == 0 gives 0 (nan with a nan y), its x gradient log(y) or 0
    y = rng.uniform(-1.5, 3, (1, 4))
    y[0, 1] = np.nan
    xf, xt = _leaves(x, dtype)
    yf, yt = _leaves(y, dtype)
    of, ot = getattr(fastnn.special, name)(xf, yf), getattr(torch.special, name)(xt, yt)
    _close(of, ot)
    assert of.grad_fn.name() == ot.grad_fn.name()
    of.sum().backward()
    ot.sum().backward()
    _close(xf.grad, xt.grad)
    _close(yf.grad, yt.grad)
    for a, b in [(2, y[0]), (x[1], 2.5), (np.array([3, 1, 2]), np.array([2, 4, 5])), (rng.integers(1, 5, 3), 2.5)]:
        def call(m):
            wrap = lambda v: m.tensor(v) if isinstance(v, np.ndarray) else v
            return getattr(m.special, name)(wrap(a), wrap(b))
        _close(call(fastnn), call(torch))
    for m in (fastnn, torch):
        with pytest.raises(TypeError):
            getattr(m.special, name)(2, 3)
        with pytest.raises(RuntimeError):
            getattr(m.special, name)(m.ones(3), m.ones(4))
    if name == "xlogy":
        _close(fastnn.xlogy(xf, yf), torch.xlogy(xt, yt))


def test_special_softmax_family_needs_dim():
    x = np.random.default_rng(6).standard_normal((3, 5)).astype(np.float32)
    for name in ("softmax", "log_softmax", "logsumexp"):
        _close(getattr(fastnn.special, name)(fastnn.tensor(x), 1), getattr(torch.special, name)(torch.tensor(x), 1))
        for m in (fastnn, torch):
            with pytest.raises(TypeError):
                getattr(m.special, name)(m.tensor(x))
    _close(fastnn.special.softmax(fastnn.tensor(x), 0, dtype=fastnn.float64),
           torch.special.softmax(torch.tensor(x), 0, dtype=torch.float64))
    _close(fastnn.special.logit(fastnn.tensor(x), eps=0.2), torch.special.logit(torch.tensor(x), eps=0.2))


# ---------------------------------------------------------------- float32 matmul precision

@pytest.fixture
def highest_precision():
    yield
    torch.set_float32_matmul_precision("highest")
    fastnn.set_float32_matmul_precision("highest")


@pytest.mark.parametrize("value", ["high", "medium", "highest", "HIGH", "low", 1, None])
def test_float32_matmul_precision_as_torch(value, highest_precision):
    torch.set_float32_matmul_precision("medium")
    fastnn.set_float32_matmul_precision("medium")
    f = _outcome(fastnn.set_float32_matmul_precision, value)
    t = _outcome(torch.set_float32_matmul_precision, value)
    assert f[:2] == t[:2] and [w[1] for w in f[2:]] == [w[1].split(" (Triggered")[0] for w in t[2:]]
    assert fastnn.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
    a = np.random.default_rng(8).standard_normal((64, 256)).astype(np.float32)  # full float32 products
    _close(fastnn.tensor(a) @ fastnn.tensor(a.T), torch.tensor(a) @ torch.tensor(a.T))
