"""Image transforms with torchvision's rules: Compose, ToTensor, Normalize, Lambda.

ToTensor and Normalize also act on whole batches (batch_transform): the MNIST fast path applies them to a
gathered uint8 batch at once. For uint8 input every step is a per-channel function of the byte value, so
the batch path evaluates the chain once on the 256 byte values (with the very same float32 operations) and
maps the batch through that table: bit-identical to transforming each sample, and a single pass.
"""
import sys

import numpy as np

import fastnn

__all__ = ["Compose", "ToTensor", "Normalize", "Lambda", "batch_transform", "uint8_table"]


def _as_array(x):
    return x.numpy() if fastnn.is_tensor(x) else x


class Compose:
    """Apply transforms one after another."""

    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        lines = "".join(f"\n    {t}" for t in self.transforms)
        return f"{self.__class__.__name__}({lines}\n)"


def _is_pil_image(x):
    image = sys.modules.get("PIL.Image")
    return image is not None and isinstance(x, image.Image)


def _pil_to_array(pic):
    """A PIL image as an H x W x C array, with torchvision's dtype per mode (uint8 unless I/I;16/F)."""
    dtypes = {"I": np.int32, "I;16" if sys.byteorder == "little" else "I;16B": np.int16, "F": np.float32}
    a = np.array(pic, dtypes.get(pic.mode, np.uint8), copy=True)
    if pic.mode == "1":
        a = a * np.uint8(255)
    return a.reshape(pic.size[1], pic.size[0], len(pic.getbands()))


class ToTensor:
    """PIL image, numpy array or fastnn tensor (H x W or H x W x C) -> tensor C x H x W.

    uint8 data (and PIL images of 8-bit modes) becomes float32 in [0, 1] (x / 255); other dtypes keep
    their values and dtype, as torchvision does for numpy arrays.
    """

    def __call__(self, pic):
        if _is_pil_image(pic):
            a = _pil_to_array(pic)
        elif isinstance(pic, np.ndarray) or fastnn.is_tensor(pic):
            a = _as_array(pic)
            if a.ndim not in (2, 3):
                raise ValueError(f"pic should be 2/3 dimensional. Got {a.ndim} dimensions.")
            if a.ndim == 2:
                a = a[:, :, None]
        else:
            raise TypeError(f"pic should be PIL Image, ndarray or Tensor. Got {type(pic)}")
        return fastnn.from_numpy(_to_chw(a[None])[0])

    @staticmethod
    def batch(a):
        """uint8 or other batch B x H x W (x C) -> B x C x H x W, with __call__'s rule per sample."""
        return _to_chw(a if a.ndim == 4 else a[..., None])

    def __repr__(self):
        return f"{self.__class__.__name__}()"


def _to_chw(a):
    out = np.ascontiguousarray(a.transpose(0, 3, 1, 2))
    if out.dtype == np.uint8:
        out = out.astype(np.float32)
        np.divide(out, np.float32(255), out=out)
    return out


def _broadcast_check(shape, other, inplace_target=True):
    """torch's errors for an in-place op between a tensor of `shape` and an operand of shape `other`."""
    ndim = max(len(shape), len(other))
    a = (1,) * (ndim - len(shape)) + tuple(shape)
    b = (1,) * (ndim - len(other)) + tuple(other)
    out = []
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                               f"non-singleton dimension {i}")
        out.append(max(x, y) if x != 0 and y != 0 else 0)
    if tuple(out) != tuple(shape):
        raise RuntimeError(f"output with shape {list(shape)} doesn't match the broadcast shape {out}")


class Normalize:
    """(x - mean) / std per channel of a float tensor (..., C, H, W); one value applies to every channel."""

    def __init__(self, mean, std, inplace=False):
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def _operands(self, dtype):
        mean = np.asarray(self.mean, dtype=dtype)
        std = np.asarray(self.std, dtype=dtype)
        if (std == 0).any():
            raise ValueError(f"std evaluated to zero after conversion to {dtype}, leading to division by zero.")
        if mean.ndim == 1:
            mean = mean.reshape(-1, 1, 1)
        if std.ndim == 1:
            std = std.reshape(-1, 1, 1)
        return mean, std

    def _apply(self, a, out):
        """a: float array (..., C, H, W); writes (a - mean) / std into out (may be a)."""
        if a.ndim < 3:
            raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got "
                             f"tensor.size() = {list(a.shape)}")
        mean, std = self._operands(a.dtype)
        _broadcast_check(a.shape, mean.shape)
        _broadcast_check(a.shape, std.shape)
        np.subtract(a, mean, out=out)
        np.divide(out, std, out=out)
        return out

    def __call__(self, tensor):
        if not fastnn.is_tensor(tensor):
            raise TypeError(f"Input tensor should be a fastnn Tensor. Got {type(tensor)}.")
        a = tensor.numpy()
        if a.dtype.kind != "f":
            raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
        if self.inplace:
            self._apply(a, a)
            return tensor
        return fastnn.from_numpy(self._apply(a, np.empty_like(a)))

    def batch(self, a):
        if a.dtype.kind != "f":
            raise TypeError(f"Input tensor should be a float tensor. Got {a.dtype}.")
        return self._apply(a, a)  # a is a fresh array of the batch path

    def __repr__(self):
        return f"{self.__class__.__name__}(mean={self.mean}, std={self.std})"


class Lambda:
    """A user function as a transform (never batched: it sees one sample at a time)."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {repr(type(lambd).__name__)}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return f"{self.__class__.__name__}()"


def _batch_steps(transform):
    """The steps equivalent to `transform` sample by sample, as (kind, batch function, parameters), or
    None if one step is not batchable. Only our own classes (or subclasses keeping their __call__) qualify."""
    if transform is None:
        return []
    cls = type(transform)
    if isinstance(transform, Compose) and cls.__call__ is Compose.__call__:
        steps = []
        for t in transform.transforms:
            s = _batch_steps(t)
            if s is None:
                return None
            steps += s
        return steps
    if isinstance(transform, ToTensor) and cls.__call__ is ToTensor.__call__:
        return [("totensor", ToTensor.batch, None)]
    if isinstance(transform, Normalize) and cls.__call__ is Normalize.__call__:
        return [("normalize", transform.batch, (_freeze(transform.mean), _freeze(transform.std)))]
    return None


def _freeze(values):
    """A hashable snapshot of mean/std (cheap for the usual tuple of floats)."""
    if type(values) is tuple and all(type(v) is float for v in values):
        return values
    if type(values) is float:
        return (values, "scalar")
    a = np.asarray(_as_array(values), dtype=np.float64)
    return (tuple(np.ravel(a).tolist()), a.shape)


_tables = {}  # (channels, step kinds and parameters) -> C x 256 table, or None if the chain fails on it


def _lookup_table(steps, channels):
    """The chain evaluated on the 256 byte values of each channel (same float32 ops as per sample)."""
    key = (channels, tuple([(kind, params) for kind, _, params in steps]))
    try:
        return _tables[key]
    except KeyError:
        pass
    except TypeError:  # unhashable parameters: no caching
        key = None
    table = None
    # Only a chain that starts with ToTensor maps bytes to floats (e.g. Normalize straight on uint8 raises per
    # sample: the per-sample path then raises it).
    if steps[0][0] == "totensor" and all(kind != "totensor" for kind, _, _ in steps[1:]):
        table = np.arange(256, dtype=np.uint8).reshape(1, 1, 256)
        if channels:
            table = np.repeat(table[..., None], channels, axis=3)
        try:
            for _, fn, _ in steps:
                table = fn(table)
            table = np.ascontiguousarray(table[0, :, 0, :])  # C x 256
        except (RuntimeError, ValueError, TypeError):
            table = None  # e.g. a channel-count mismatch: the per-sample path raises torchvision's exact error
        if table is not None and table.shape[0] != max(channels, 1):
            table = None
    if key is not None:
        if len(_tables) > 64:
            _tables.clear()
        _tables[key] = table
    return table


def uint8_table(transform, channels=0):
    """How `transform` maps uint8 images (H x W if channels == 0, else H x W x channels) batched:
    None when it cannot be batched, IDENTITY when there is no transform, else the C x 256 float table with
    out[c] = table[c][byte] that equals applying the transform to each image."""
    steps = _batch_steps(transform)
    if steps is None:
        return None
    if not steps:
        return IDENTITY
    return _lookup_table(steps, channels)


IDENTITY = "identity"


def batch_transform(transform, images):
    """Apply `transform` to a uint8 batch (B x H x W or B x H x W x C numpy array) as if to each image and
    stack the results (a numpy array); None if the transform cannot be batched (the caller then goes
    sample by sample).
    """
    if images.dtype != np.uint8:
        return None
    channels = images.shape[3] if images.ndim == 4 else 0
    table = uint8_table(transform, channels)
    if table is None or table is IDENTITY:
        return images if table is IDENTITY else None
    if images.ndim == 3:
        return table[0].take(images)[:, None]
    return np.stack([table[c].take(images[..., c]) for c in range(channels)], axis=1)
