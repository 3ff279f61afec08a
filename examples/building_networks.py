"""The course notes' network-building snippets with fastnn: a Module subclass, nn.Sequential (positional and
named), weight access and initialisation, and a forward pass shown with view_classify."""
from collections import OrderedDict

import fastnn as torch
from fastnn import nn
import fastnn.nn.functional as F
from fastnn.vision import datasets, transforms


def activation(x):
    """Sigmoid activation function (the notes leave `activation` to the reader)."""
    return 1 / (1 + torch.exp(-x))


### Generate some data
torch.manual_seed(7)  # Set the random seed so things are predictable
features = torch.randn((1, 5))
weights = torch.randn_like(features)
bias = torch.randn((1, 1))
output = activation(torch.mm(features, weights.view(5, 1)) + bias)
print("single neuron output:", output)


class Network(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(784, 256)
        self.output = nn.Linear(256, 10)

    def forward(self, x):
        x = F.sigmoid(self.hidden(x))
        x = F.softmax(self.output(x), dim=1)
        return x


print(Network())

input_size, hidden_sizes, output_size = 784, [128, 64], 10
model = nn.Sequential(OrderedDict([
    ('fc1', nn.Linear(input_size, hidden_sizes[0])),
    ('relu1', nn.ReLU()),
    ('fc2', nn.Linear(hidden_sizes[0], hidden_sizes[1])),
    ('relu2', nn.ReLU()),
    ('output', nn.Linear(hidden_sizes[1], output_size)),
    ('softmax', nn.Softmax(dim=1))]))
print(model)
print(model[0], model.fc1.weight.shape)
model.fc1.bias.data.fill_(0)
model.fc1.weight.data.normal_(std=0.01)

transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
trainset = datasets.MNIST('~/.pytorch/MNIST_data/', download=True, train=True, transform=transform)
trainloader = torch.utils.data.DataLoader(trainset, batch_size=64, shuffle=True)
images, labels = next(iter(trainloader))
images.resize_(images.shape[0], 1, 784)
ps = model.forward(images[0, :])
print("class probabilities of an untrained network:", ps)
try:
    from fastnn import viz
    viz.view_classify(images[0].view(1, 28, 28), ps).savefig("untrained.png")
    print("wrote untrained.png")
except ImportError as err:
    print(err)
