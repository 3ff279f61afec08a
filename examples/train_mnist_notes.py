"""The course notes' full MNIST example, run with fastnn: only the imports differ from the torch version
(and Normalize has one channel, as MNIST does; the notes' three-channel version raises, as in torchvision).

    python examples/train_mnist_notes.py            # downloads MNIST into ~/.pytorch/MNIST_data/
    FASTNN_DATASETS_MIRROR=../shared/data python examples/train_mnist_notes.py   # offline, from a local copy
"""
import fastnn as torch
from fastnn import nn, optim
from fastnn.vision import datasets, transforms

# Define a transform to normalize the data
transform = transforms.Compose([transforms.ToTensor(),
                                transforms.Normalize((0.5,), (0.5,)),
                                ])
# Download and load the training data
trainset = datasets.MNIST('~/.pytorch/MNIST_data/', download=True, train=True, transform=transform)
trainloader = torch.utils.data.DataLoader(trainset, batch_size=64, shuffle=True)

model = nn.Sequential(nn.Linear(784, 128),
                      nn.ReLU(),
                      nn.Linear(128, 64),
                      nn.ReLU(),
                      nn.Linear(64, 10),
                      nn.LogSoftmax(dim=1))

criterion = nn.NLLLoss()
optimizer = optim.SGD(model.parameters(), lr=0.003)

epochs = 5
for e in range(epochs):
    running_loss = 0
    for images, labels in trainloader:
        optimizer.zero_grad()
        # Flatten MNIST images into a 784 long vector
        images = images.view(images.shape[0], 784)
        # Training pass
        output = model(images)

        loss = criterion(output, labels)
        loss.backward()
        running_loss += loss.item()
        optimizer.step()
    else:
        print(f"Training loss: {running_loss/len(trainloader)}")

# Look at one prediction, as the notes do with helper.view_classify
images, labels = next(iter(trainloader))
img = images[0].view(1, 784)
with torch.no_grad():
    logps = model(img)
ps = torch.exp(logps)
print("predicted", int(ps.argmax()), "label", int(labels[0]))
try:
    from fastnn import viz
    fig = viz.view_classify(img.view(1, 28, 28), ps)
    fig.savefig("view_classify.png")
    print("wrote view_classify.png")
except ImportError as err:
    print(err)
