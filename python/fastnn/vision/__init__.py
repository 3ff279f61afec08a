"""fastnn.vision: datasets (MNIST, FashionMNIST) and transforms with torchvision's API."""
from . import datasets, transforms

__all__ = ["datasets", "transforms"]
