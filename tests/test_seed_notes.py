"""The nn snippets of the course notes (/work/shared/seed) run unchanged with `import fastnn as torch`.

Each snippet's source is executed twice, once with `torch` bound to fastnn and once to torch itself; the
printed model must be the same text, and (after copying torch's weights into the fastnn model) the outputs,
losses and gradients must agree. MNIST batches are replaced by random data of the same shapes."""
import collections
import contextlib
import io
import textwrap

import numpy as np
import pytest
import torch as real_torch

import fastnn
from nn_torch_util import assert_close, copy_params

NETWORK_MODULES = """
class Network(nn.Module):
    def __init__(self):
        super().__init__()
        # Inputs to hidden layer linear transformation
        self.hidden = nn.Linear(784, 256)
        # Output layer, 10 units - one for each digit
        self.output = nn.Linear(256, 10)

        # Define sigmoid activation and softmax output
        self.sigmoid = nn.Sigmoid()
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        # Pass the input tensor through each of our operations
        x = self.hidden(x)
        x = self.sigmoid(x)
        x = self.output(x)
        x = self.softmax(x)

        return x
model = Network()
print(model)
"""

NETWORK_FUNCTIONAL = """
class Network(nn.Module):
    def __init__(self):
        super().__init__()
        # Inputs to hidden layer linear transformation
        self.hidden = nn.Linear(784, 256)
        # Output layer, 10 units - one for each digit
        self.output = nn.Linear(256, 10)

    def forward(self, x):
        # Hidden layer with sigmoid activation
        x = F.sigmoid(self.hidden(x))
        # Output layer with softmax activation
        x = F.softmax(self.output(x), dim=1)

        return x
model = Network()
print(model)
"""

SEQUENTIAL = """
# Hyperparameters for our network
input_size = 784
hidden_sizes = [128, 64]
output_size = 10

# Build a feed-forward network
model = nn.Sequential(nn.Linear(input_size, hidden_sizes[0]),
                      nn.ReLU(),
                      nn.Linear(hidden_sizes[0], hidden_sizes[1]),
                      nn.ReLU(),
                      nn.Linear(hidden_sizes[1], output_size),
                      nn.Softmax(dim=1))
print(model)
"""

SEQUENTIAL_FORWARD = """
images.resize_(images.shape[0], 1, 784)
ps = model.forward(images[0,:])
out = ps
"""

ORDERED_DICT = """
from collections import OrderedDict
input_size = 784
hidden_sizes = [128, 64]
output_size = 10
model = nn.Sequential(OrderedDict([
                      ('fc1', nn.Linear(input_size, hidden_sizes[0])),
                      ('relu1', nn.ReLU()),
                      ('fc2', nn.Linear(hidden_sizes[0], hidden_sizes[1])),
                      ('relu2', nn.ReLU()),
                      ('output', nn.Linear(hidden_sizes[1], output_size)),
                      ('softmax', nn.Softmax(dim=1))]))
print(model)
print(model[0])
print(model.fc1)
"""

CROSS_ENTROPY = """
# Build a feed-forward network
model = nn.Sequential(nn.Linear(784, 128),
                      nn.ReLU(),
                      nn.Linear(128, 64),
                      nn.ReLU(),
                      nn.Linear(64, 10)) #<------- output without activation function

# Define the loss
criterion = nn.CrossEntropyLoss() #<---------- softmax + negative log loss
print(model)
print(criterion)
"""

LOSS_RUN = """
# Flatten images
images = images.view(images.shape[0], -1)

# Forward pass, get our logits
logits = model(images)
# Calculate the loss with the logits and the labels
loss = criterion(logits, labels)
print(labels.size())
out = loss
"""

LOG_SOFTMAX_NLL = """
model = nn.Sequential(nn.Linear(784, 128),
                      nn.ReLU(),
                      nn.Linear(128, 64),
                      nn.ReLU(),
                      nn.Linear(64, 10),
                     nn.LogSoftmax(dim=1)) #<------------

# TODO: Define the loss
criterion = nn.NLLLoss() #<----------------
print(model)
print(criterion)
"""

MSE = """
mse = nn.MSELoss()
print(mse)
"""

MSE_RUN = """
# compute the loss (mean squared error)
output = mse(input, target)
out = output
"""

MATRIX = """
torch.manual_seed(7) # Set the random seed so things are predictable
# Features are 3 random normal variables
features = torch.randn((1, 5))
# True weights for our data, random normal variables again
weights = torch.randn_like(features)
# and a true bias term
bias = torch.randn((1, 1))
def activation(x):
    return 1/(1+torch.exp(-x))
"""

MATRIX_RUN = """
x=torch.mm(features,weights.view(5,1))
y=torch.sum(x)
output=activation(y)
output=activation(torch.mm(features,weights.view(5,1)))
out = output
"""

TRAIN = """
model = nn.Sequential(nn.Linear(784, 128),
                      nn.ReLU(),
                      nn.Linear(128, 64),
                      nn.ReLU(),
                      nn.Linear(64, 10),
                      nn.LogSoftmax(dim=1))
criterion = nn.NLLLoss()
"""

# The notes' loop with optim.SGD(lr=0.003); the step is written out (optim is tested elsewhere)
TRAIN_RUN = """
losses = []
for images, labels in trainloader:
    model.zero_grad()
    images = images.view(images.shape[0], 784)
    output = model(images)
    loss = criterion(output, labels)
    loss.backward()
    losses.append(loss.item())
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.003 * p.grad
out = output
"""


def _run(src, lib, env=None):
    """exec `src` as the notes would with `import <lib> as torch`; returns (namespace, printed text)."""
    ns = {"torch": lib, "nn": lib.nn, "F": lib.nn.functional, "OrderedDict": collections.OrderedDict}
    ns.update(env or {})
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(textwrap.dedent(src), ns)
    return ns, buf.getvalue()


def _build_both(src):
    fns, fout = _run(src, fastnn)
    tns, tout = _run(src, real_torch)
    assert fout == tout, f"printed text differs:\n{fout}\n---- torch:\n{tout}"
    return fns, tns


def _data(lib, n=64, seed=0):
    r = np.random.default_rng(seed)
    images = lib.tensor(r.standard_normal((n, 1, 28, 28)).astype(np.float32))
    labels = lib.tensor(r.integers(0, 10, n).astype(np.int64))
    return images, labels


def _run_both(fns, tns, src, seed=0, **extra):
    fi, fl = _data(fastnn, seed=seed)
    ti, tl = _data(real_torch, seed=seed)
    fr, fout = _run(src, fastnn, {**fns, "images": fi, "labels": fl, **extra.get("f", {})})
    tr, tout = _run(src, real_torch, {**tns, "images": ti, "labels": tl, **extra.get("t", {})})
    assert fout.replace("fastnn.", "torch.") == tout
    return fr, tr


@pytest.mark.parametrize("src", [NETWORK_MODULES, NETWORK_FUNCTIONAL], ids=["modules", "functional"])
def test_network_class(src):
    fns, tns = _build_both(src)
    fm, tm = fns["model"], tns["model"]
    assert fm.hidden.weight.shape == (256, 784) and fm.output.bias.shape == (10,)
    copy_params(fm, tm)
    x = np.random.default_rng(1).standard_normal((64, 784)).astype(np.float32)
    fo, to = fm(fastnn.tensor(x)), tm(real_torch.tensor(x))
    assert_close(fo, to)
    np.testing.assert_allclose(fo.detach().numpy().sum(1), 1, rtol=1e-5)
    fo[:, 3].sum().backward()
    to[:, 3].sum().backward()
    for (k, a), (_, b) in zip(fm.named_parameters(), tm.named_parameters()):
        assert_close(a.grad, b.grad, rtol=1e-4, atol=1e-7, what=k)


def test_sequential_and_forward_on_one_image():
    fns, tns = _build_both(SEQUENTIAL)
    copy_params(fns["model"], tns["model"])
    fr, tr = _run_both(fns, tns, SEQUENTIAL_FORWARD)
    assert fr["out"].shape == (1, 10)
    assert_close(fr["out"], tr["out"])


def test_ordered_dict_access_and_weight_data_init():
    fns, tns = _build_both(ORDERED_DICT)
    model = fns["model"]
    assert model[0] is model.fc1
    w = model.fc1.weight
    assert w.shape == (128, 784) and w.requires_grad
    model.fc1.bias.data.fill_(0)
    assert np.all(model.fc1.bias.detach().numpy() == 0)
    model.fc1.weight.data.normal_(std=0.01)
    wv = model.fc1.weight.detach().numpy()
    assert abs(wv.std() - 0.01) < 0.0005 and abs(wv.mean()) < 0.0005
    assert model.fc1.weight is w and model.fc1.weight.requires_grad


@pytest.mark.parametrize("build", [CROSS_ENTROPY, LOG_SOFTMAX_NLL], ids=["cross_entropy", "log_softmax_nll"])
def test_loss_snippets(build):
    fns, tns = _build_both(build)
    copy_params(fns["model"], tns["model"])
    fr, tr = _run_both(fns, tns, LOSS_RUN)
    assert_close(fr["out"], tr["out"])
    assert fr["model"][0].weight.grad is None  # "before loss.backward() grad is none"
    fr["out"].backward()
    tr["out"].backward()
    assert_close(fr["model"][0].weight.grad, tr["model"][0].weight.grad, atol=1e-6)


def test_mse_snippet():
    fns, tns = _build_both(MSE)
    x = np.random.default_rng(3).standard_normal((64, 10)).astype(np.float32)
    y = np.random.default_rng(4).standard_normal((64, 10)).astype(np.float32)
    fr, tr = _run_both(fns, tns, MSE_RUN, f={"input": fastnn.tensor(x), "target": fastnn.tensor(y)},
                       t={"input": real_torch.tensor(x), "target": real_torch.tensor(y)})
    assert_close(fr["out"], tr["out"])


def test_matrix_snippet_runs():
    fns, _ = _run(MATRIX, fastnn)
    fr, _ = _run(MATRIX_RUN, fastnn, fns)
    f, w = fns["features"].numpy(), fns["weights"].numpy()
    expect = 1 / (1 + np.exp(-(f @ w.reshape(5, 1))))
    np.testing.assert_allclose(fr["out"].numpy(), expect, rtol=1e-6)


def test_training_loop_tracks_torch():
    fns, tns = _build_both(TRAIN)
    copy_params(fns["model"], tns["model"])
    batches = [(_data(fastnn, seed=s), _data(real_torch, seed=s)) for s in range(5)]
    fl = [(i.view(64, 784) * 0.3, l) for (i, l), _ in batches]
    tl = [(i.view(64, 784) * 0.3, l) for _, (i, l) in batches]
    fr, _ = _run(TRAIN_RUN, fastnn, {**fns, "trainloader": fl})
    tr, _ = _run(TRAIN_RUN, real_torch, {**tns, "trainloader": tl})
    np.testing.assert_allclose(fr["losses"], tr["losses"], rtol=1e-5)
    for (k, a), (_, b) in zip(fr["model"].named_parameters(), tr["model"].named_parameters()):
        assert_close(a, b, atol=1e-6, what=k)
