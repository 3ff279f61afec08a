"""MNIST and Fashion-MNIST with torchvision's API and folder layout (root/<Name>/raw/<idx files>).

Files are read uncompressed or as .gz (an existing torchvision download is reused as it is) and every IDX
header is checked: a corrupt file raises IDXError (a ValueError) naming it. download=True fetches missing
files (see _download: MD5-verified, atomic, FASTNN_DATASETS_MIRROR for offline machines).

Batches: __getitems__ gathers a whole batch with one index operation and, when the transform is made of
ToTensor / Normalize (Compose of these), transforms it in one vectorised step; the result equals, bit for
bit, what __getitem__ + default_collate give, which the DataLoader uses for any other transform.
"""
import os
import warnings

import numpy as np

import fastnn
from fastnn import _C

from ..utils.data.dataset import CollatedBatch, Dataset, in_range
from . import _download
from ._idx import IDXError, read_idx
from .transforms import IDENTITY, batch_transform, uint8_table

__all__ = ["MNIST", "FashionMNIST", "IDXError"]


class MNIST(Dataset):
    """The MNIST digits: 60,000 training and 10,000 test images, 28 x 28 uint8, labels 0-9.

    root: folder holding MNIST/raw/ (~ is expanded). train: training or test split. transform /
    target_transform: applied to the image (a uint8 28 x 28 tensor) / the int label of each item.
    download: fetch missing files into root/MNIST/raw first.
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    mirror_subdir = "mnist"
    resources = [("train-images-idx3-ubyte", "6bbc9ace898e44ae57da46a324031adb"),
                 ("train-labels-idx1-ubyte", "a25bea736e30d166cdddb491f175f624"),
                 ("t10k-images-idx3-ubyte", "2646ac647ad5339dbf082846283269ea"),
                 ("t10k-labels-idx1-ubyte", "27ae3e4e09519cfbb04c329615203637")]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]
    image_shape = (28, 28)

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        if isinstance(root, (str, bytes, os.PathLike)):
            root = os.path.expanduser(os.fsdecode(root))
        self.root = root
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        if download:
            self.download()
        prefix = "train" if train else "t10k"
        images = self._find(f"{prefix}-images-idx3-ubyte")
        labels = self._find(f"{prefix}-labels-idx1-ubyte")
        if images is None or labels is None:
            raise RuntimeError("Dataset not found. You can use download=True to download it")
        data = read_idx(images, expect_type=0x08, expect_ndim=3)
        targets = read_idx(labels, expect_type=0x08, expect_ndim=1)
        if data.shape[1:] != self.image_shape:
            raise IDXError(f"{images}: images of {data.shape[1]} x {data.shape[2]}, expected "
                           f"{self.image_shape[0]} x {self.image_shape[1]}")
        if data.shape[0] != targets.shape[0]:
            raise IDXError(f"{images} holds {data.shape[0]} images but {labels} holds {targets.shape[0]} labels")
        if targets.size and targets.max() >= len(self.classes):
            raise IDXError(f"{labels}: label {int(targets.max())} outside 0..{len(self.classes) - 1}")
        self.data = fastnn.from_numpy(data)
        self.targets = fastnn.from_numpy(targets.astype(np.int64))

    # data / targets are tensors; assigning them (e.g. `ds.data = ds.data[:1000]`) is allowed, as in
    # torchvision. The numpy views are kept beside them for the item and batch paths.
    @property
    def data(self):
        return self._data_t

    @data.setter
    def data(self, value):
        self._data_t = value if fastnn.is_tensor(value) else fastnn.from_numpy(np.asarray(value))
        self._data = self._data_t.numpy()

    @property
    def targets(self):
        return self._targets_t

    @targets.setter
    def targets(self, value):
        self._targets_t = value if fastnn.is_tensor(value) else fastnn.tensor(value, dtype=fastnn.int64)
        self._targets = self._targets_t.numpy()

    # torchvision's deprecated names (older tutorials use them), with its warnings; each is the same tensor as
    # data / targets whichever the split
    @property
    def train_labels(self):
        warnings.warn("train_labels has been renamed targets")
        return self.targets

    @property
    def test_labels(self):
        warnings.warn("test_labels has been renamed targets")
        return self.targets

    @property
    def train_data(self):
        warnings.warn("train_data has been renamed data")
        return self.data

    @property
    def test_data(self):
        warnings.warn("test_data has been renamed data")
        return self.data

    # -- files ----------------------------------------------------------------------------------------
    @property
    def raw_folder(self):
        return os.path.join(self.root, self.__class__.__name__, "raw")

    def _find(self, name):
        """The file to read for `name`: uncompressed first (as torchvision extracts), else name.gz."""
        for candidate in (name, name + ".gz"):
            path = os.path.join(self.raw_folder, candidate)
            if os.path.isfile(path):
                return path
        return None

    def _check_exists(self):
        return all(self._find(name) is not None for name, _ in self.resources)

    def download(self):
        """Fetch every missing file of both splits into raw_folder (MD5-checked, atomic)."""
        if self._check_exists():
            return
        mirrors = _download.mirrors_for(self.mirrors, self.mirror_subdir)
        for name, md5 in self.resources:
            if self._find(name) is None:
                _download.download_file(name, self.raw_folder, mirrors, md5, dataset=self.__class__.__name__)

    # -- items ----------------------------------------------------------------------------------------
    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def __len__(self):
        return self._data.shape[0]

    def __getitem__(self, index):
        img = fastnn.from_numpy(self._data[index])
        target = int(self._targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __getitems__(self, indices):
        """A whole batch: one gather, one vectorised transform; falls back to per-item when it must."""
        if self.target_transform is not None:
            return [self[i] for i in indices]
        data = self._data
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        table = uint8_table(self.transform) if data.ndim == 3 else None
        if (table is not None and table is not IDENTITY and table.dtype == np.float32 and data.dtype == np.uint8
                and data.flags.c_contiguous):
            # one pass in C++: gather the rows and map every byte through the transform's table (the binding
            # checks the indices: IndexError as torch words it)
            out = np.empty((idx.size,) + data.shape[1:], dtype=np.float32)
            _C.gather_lut_u8(data, idx, table[0], out)
            out = out[:, None]
        else:
            idx = in_range(idx, data.shape[0])
            out = batch_transform(self.transform, data[idx])
            if out is None:
                return [self[i] for i in indices]
        collated = [fastnn.from_numpy(out), fastnn.from_numpy(self._targets[idx])]
        return CollatedBatch(collated, len(idx), lambda i: self[int(idx[i])])

    def __repr__(self):
        head = "Dataset " + self.__class__.__name__
        body = [f"Number of datapoints: {len(self)}", f"Root location: {self.root}",
                f"Split: {'Train' if self.train else 'Test'}"]
        if self.transform is not None:
            body += _indented("Transform: ", repr(self.transform))
        if self.target_transform is not None:
            body += _indented("Target transform: ", repr(self.target_transform))
        return "\n".join([head] + ["    " + line for line in body])


def _indented(head, text):
    lines = text.splitlines()
    return [head + lines[0]] + [" " * len(head) + line for line in lines[1:]]


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: same format and sizes as MNIST, ten kinds of clothing."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    mirror_subdir = "fashion-mnist"
    resources = [("train-images-idx3-ubyte", "f4a8712d7a061bf5bd6d2ca38dc4d50a"),
                 ("train-labels-idx1-ubyte", "9018921c3c673c538a1fc5bad174d6f9"),
                 ("t10k-images-idx3-ubyte", "8181f5470baa50b63fa0f6fddb340f0a"),
                 ("t10k-labels-idx1-ubyte", "15d484375f8d13e6eb1aabb0c3f46965")]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]
