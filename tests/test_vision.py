"""fastnn.vision: IDX parsing of the real files, corrupt inputs, torchvision's layout, transforms."""
import gzip
import hashlib
import os
import pathlib
import struct

import numpy as np
import pytest

import fastnn
from fastnn.utils.data import DataLoader
from fastnn.vision import datasets, transforms
from fastnn.vision._idx import IDXError, read_idx
from fastnn.vision.transforms import batch_transform

SHARED = pathlib.Path(os.environ["FASTNN_DATASETS_MIRROR"])
MD5 = {("mnist", "train-images-idx3-ubyte"): "6bbc9ace898e44ae57da46a324031adb",
       ("mnist", "train-labels-idx1-ubyte"): "a25bea736e30d166cdddb491f175f624",
       ("mnist", "t10k-images-idx3-ubyte"): "2646ac647ad5339dbf082846283269ea",
       ("mnist", "t10k-labels-idx1-ubyte"): "27ae3e4e09519cfbb04c329615203637",
       ("fashion-mnist", "train-images-idx3-ubyte"): "f4a8712d7a061bf5bd6d2ca38dc4d50a",
       ("fashion-mnist", "train-labels-idx1-ubyte"): "9018921c3c673c538a1fc5bad174d6f9",
       ("fashion-mnist", "t10k-images-idx3-ubyte"): "8181f5470baa50b63fa0f6fddb340f0a",
       ("fashion-mnist", "t10k-labels-idx1-ubyte"): "15d484375f8d13e6eb1aabb0c3f46965"}
MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
TUTORIAL = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])


def _link_layout(root, name, subdir):
    """torchvision's layout root/<name>/raw/*.gz, as symlinks to the shared read-only copy."""
    raw = root / name / "raw"
    raw.mkdir(parents=True)
    for f in (SHARED / subdir).glob("*.gz"):
        (raw / f.name).symlink_to(f)
    return root


@pytest.fixture(scope="module")
def mnist_root(tmp_path_factory):
    return _link_layout(tmp_path_factory.mktemp("tv"), "MNIST", "mnist")


@pytest.fixture(scope="module")
def mnist_train(mnist_root):
    return datasets.MNIST(mnist_root, train=True)


# ---------------------------------------------------------------- the real files
@pytest.mark.parametrize("subdir,name", sorted(MD5))
def test_real_files_parse_and_match_md5(subdir, name):
    path = SHARED / subdir / (name + ".gz")
    content = gzip.decompress(path.read_bytes())
    assert hashlib.md5(content).hexdigest() == MD5[(subdir, name)]
    a = read_idx(path)
    n = 60000 if name.startswith("train") else 10000
    assert a.dtype == np.uint8 and a.flags.c_contiguous and a.flags.writeable
    if "images" in name:
        assert a.shape == (n, 28, 28)
        assert a.tobytes() == content[16:]
        assert 0 < a.mean() < 255 and a.max() == 255
    else:
        assert a.shape == (n,)
        assert a.tobytes() == content[8:]
        counts = np.bincount(a, minlength=10).tolist()
        if subdir == "mnist":
            assert counts == (MNIST_TRAIN_COUNTS if n == 60000 else MNIST_TEST_COUNTS)
        else:
            assert counts == [n // 10] * 10


def test_multibyte_idx_types_are_big_endian(tmp_path):
    values = np.array([[1.5, -2.25, 3e7], [0.0, 7.0, -1.0]], dtype=">f4")
    p = tmp_path / "f.idx"
    p.write_bytes(b"\x00\x00\x0d\x02" + struct.pack(">II", 2, 3) + values.tobytes())
    a = read_idx(p)
    assert a.dtype == np.float32 and a.dtype.isnative
    np.testing.assert_array_equal(a, values.astype(np.float32))
    ints = np.array([-70000, 5, 2 ** 30], dtype=">i4")
    p.write_bytes(b"\x00\x00\x0c\x01" + struct.pack(">I", 3) + ints.tobytes())
    np.testing.assert_array_equal(read_idx(p), [-70000, 5, 2 ** 30])


# ---------------------------------------------------------------- corrupt inputs
def _idx(shape, type_code=0x08, data=None):
    n = int(np.prod(shape))
    if data is None:
        data = np.random.default_rng(1).integers(0, 256, n, dtype=np.uint8).tobytes()
    return bytes([0, 0, type_code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape) + data


@pytest.mark.parametrize("content,msg", [
    (b"", "truncated IDX file"),
    (b"\x00\x00", "truncated IDX file"),
    (b"\x12\x34\x08\x03" + b"\x00" * 100, "bad magic number 0x12340803"),
    (b"\x00\x00\x07\x03" + b"\x00" * 100, "bad magic number"),           # unknown type code
    (b"\x00\x00\x08\x00", "bad magic number"),                          # zero dimensions
    (b"\x00\x00\x08\x03\x00\x00\x00\x02", "truncated IDX file"),        # dimensions cut
    (_idx((3, 4, 4))[:-5], "truncated IDX file"),
    (_idx((3, 4, 4)) + b"\x00", "trailing bytes"),
])
def test_corrupt_raw_files_are_refused_naming_the_file(tmp_path, content, msg):
    p = tmp_path / "bad-images-idx3-ubyte"
    p.write_bytes(content)
    with pytest.raises(IDXError, match=msg) as e:
        read_idx(p)
    assert str(p) in str(e.value)
    assert isinstance(e.value, ValueError)


@pytest.mark.parametrize("kind", ["garbage", "truncated", "crc", "trailing"])
def test_bad_gzip_is_refused_naming_the_file(tmp_path, kind):
    good = gzip.compress(_idx((5, 28, 28)))
    content = {"garbage": b"\x1f\x8b" + b"\x55" * 200,
               "truncated": good[: len(good) // 2],
               "crc": good[:-8] + bytes([good[-8] ^ 0xFF]) + good[-7:],
               "trailing": good + b"junk"}[kind]
    p = tmp_path / "x-images-idx3-ubyte.gz"
    p.write_bytes(content)
    with pytest.raises(IDXError, match="gzip") as e:
        read_idx(p)
    assert str(p) in str(e.value)


def test_gzip_with_two_members_is_read_whole(tmp_path):
    raw = _idx((4, 28, 28))
    p = tmp_path / "two.gz"
    p.write_bytes(gzip.compress(raw[:100]) + gzip.compress(raw[100:]))
    assert read_idx(p).tobytes() == raw[16:]


def test_large_gzip_members_are_decompressed_in_pieces(tmp_path):
    """read_idx decompresses into its array a piece at a time: member ends and zero padding inside the data,
    pieces of input and output much smaller than the file, and a cut-off stream all come out right."""
    raw = _idx((3000, 28, 28))  # 2.35 MB: many pieces of 64 KB in and 1 MB out
    p = tmp_path / "three.gz"
    whole = gzip.compress(raw[:100_001]) + b"\x00" * 8 + gzip.compress(raw[100_001:1_500_007]) + \
        gzip.compress(raw[1_500_007:])
    p.write_bytes(whole)
    assert read_idx(p).tobytes() == raw[16:]
    p.write_bytes(whole[:-5000])
    with pytest.raises(IDXError, match="truncated gzip data"):
        read_idx(p)
    p.write_bytes(whole + b"junk")
    with pytest.raises(IDXError, match="trailing garbage"):
        read_idx(p)


def test_gzip_members_split_anywhere_across_chunks():
    """The shared gzip reader (read_idx and downloads) takes its input in chunks of any size: a member's end, the
    padding and the next member's two magic bytes may fall on any chunk boundary."""
    from fastnn.vision._idx import gunzip_pieces
    raw = _idx((3, 5, 7))
    whole = gzip.compress(raw[:50]) + b"\x00" * 3 + gzip.compress(raw[50:])
    for size in (1, 2, 3, 7, 64, len(whole)):
        chunks = [whole[i:i + size] for i in range(0, len(whole), size)]
        assert b"".join(gunzip_pieces(chunks, "f", piece=5)) == raw
    with pytest.raises(IDXError, match="trailing garbage"):
        b"".join(gunzip_pieces([whole, b"\x1f"], "f"))
    with pytest.raises(IDXError, match="truncated gzip data"):
        b"".join(gunzip_pieces([whole[:-3]], "f"))


def _write_split(raw, images, labels, prefix="train"):
    raw.mkdir(parents=True, exist_ok=True)
    (raw / f"{prefix}-images-idx3-ubyte").write_bytes(images)
    (raw / f"{prefix}-labels-idx1-ubyte").write_bytes(labels)


@pytest.mark.parametrize("case,msg,which", [
    ("count", "holds 5 images but .* holds 4 labels", "images"),
    ("size", "images of 27 x 28, expected 28 x 28", "images"),
    ("labels_ndim", "2 dimensions, expected 1", "labels"),
    ("images_ndim", "2 dimensions, expected 3", "images"),
    ("label_range", "label 10 outside 0..9", "labels"),
    ("type", "type code 0x0c, expected 0x08", "labels"),
])
def test_mnist_refuses_inconsistent_files(tmp_path, case, msg, which):
    images, labels = _idx((5, 28, 28)), _idx((5,), data=bytes([1, 2, 3, 4, 5]))
    if case == "count":
        labels = _idx((4,), data=bytes(4))
    elif case == "size":
        images = _idx((5, 27, 28))
    elif case == "labels_ndim":
        labels = _idx((5, 1), data=bytes(5))
    elif case == "images_ndim":
        images = _idx((5, 784))
    elif case == "label_range":
        labels = _idx((5,), data=bytes([1, 2, 10, 4, 5]))
    elif case == "type":
        labels = _idx((5,), 0x0C, data=bytes(20))
    _write_split(tmp_path / "MNIST" / "raw", images, labels)
    with pytest.raises(IDXError, match=msg) as e:
        datasets.MNIST(tmp_path)
    assert f"{which}-idx" in str(e.value)


def test_missing_files_raise_torchvision_error(tmp_path):
    with pytest.raises(RuntimeError, match="Dataset not found. You can use download=True to download it"):
        datasets.MNIST(tmp_path)
    _write_split(tmp_path / "MNIST" / "raw", _idx((5, 28, 28)), _idx((5,), data=bytes(5)))
    with pytest.raises(RuntimeError, match="Dataset not found"):
        datasets.MNIST(tmp_path, train=False)  # the test split is missing
    assert len(datasets.MNIST(tmp_path)) == 5
    assert sorted(os.listdir(tmp_path / "MNIST" / "raw")) == ["train-images-idx3-ubyte",
                                                              "train-labels-idx1-ubyte"]  # nothing written


# ---------------------------------------------------------------- the dataset
def test_mnist_from_torchvision_layout(mnist_root, mnist_train):
    ds = mnist_train
    assert len(ds) == 60000
    assert ds.data.shape == (60000, 28, 28) and ds.data.dtype == fastnn.uint8
    assert ds.targets.shape == (60000,) and ds.targets.dtype == fastnn.int64
    assert np.bincount(ds.targets.numpy()).tolist() == MNIST_TRAIN_COUNTS
    assert ds.classes[0] == "0 - zero" and ds.classes[9] == "9 - nine" and len(ds.classes) == 10
    assert ds.class_to_idx["7 - seven"] == 7
    img, label = ds[0]
    assert fastnn.is_tensor(img) and img.shape == (28, 28) and img.dtype == fastnn.uint8
    assert type(label) is int and label == 5
    expected = read_idx(SHARED / "mnist" / "train-images-idx3-ubyte.gz")
    np.testing.assert_array_equal(img.numpy(), expected[0])
    np.testing.assert_array_equal(ds[-1][0].numpy(), expected[-1])
    test = datasets.MNIST(str(mnist_root), train=False)
    assert len(test) == 10000 and np.bincount(test.targets.numpy()).tolist() == MNIST_TEST_COUNTS
    text = repr(test)
    assert text.startswith("Dataset MNIST\n    Number of datapoints: 10000\n")
    assert "Split: Test" in text and str(mnist_root) in text


def test_uncompressed_file_is_preferred_and_root_expands_user(tmp_path, monkeypatch):
    raw = tmp_path / "data" / "MNIST" / "raw"
    _write_split(raw, _idx((3, 28, 28)), _idx((3,), data=bytes([7, 8, 9])))
    (raw / "train-labels-idx1-ubyte.gz").write_bytes(b"not even gzip")  # ignored: raw file wins
    monkeypatch.setenv("HOME", str(tmp_path))
    ds = datasets.MNIST("~/data")
    assert ds.root == str(tmp_path / "data")
    assert ds.targets.numpy().tolist() == [7, 8, 9]
    ds = datasets.MNIST(pathlib.Path(tmp_path / "data"), target_transform=lambda y: y * 10)
    assert ds[2][1] == 90


def test_assigning_data_and_targets_is_followed(mnist_train):
    ds = datasets.MNIST(mnist_train.root, transform=TUTORIAL)
    ds.data, ds.targets = ds.data[:100], ds.targets[:100]
    assert len(ds) == 100
    batches = list(DataLoader(ds, batch_size=64))
    assert [len(b[1]) for b in batches] == [64, 36]


@pytest.mark.parametrize("alias, field", [("train_data", "data"), ("train_labels", "targets"),
                                          ("test_data", "data"), ("test_labels", "targets")])
def test_mnist_deprecated_aliases_warn_as_torchvision(mnist_root, alias, field, tmp_path):
    # torchvision's MNIST: a UserWarning "<alias> has been renamed <field>", then the same tensor, either split
    ds = datasets.MNIST(mnist_root, train=False)
    with pytest.warns(UserWarning, match=f"^{alias} has been renamed {field}$"):
        value = getattr(ds, alias)
    assert value is getattr(ds, field)
    ds.data, ds.targets = ds.data[:5], ds.targets[:5]  # follows an assignment, as data / targets do
    with pytest.warns(UserWarning, match=f"^{alias} has been renamed {field}$"):
        assert getattr(ds, alias).shape[0] == 5
    with pytest.raises(AttributeError, match="has no setter"):
        setattr(ds, alias, ds.data)
    fashion = datasets.FashionMNIST(_link_layout(tmp_path, "FashionMNIST", "fashion-mnist"), train=False)
    with pytest.warns(UserWarning, match=f"^{alias} has been renamed {field}$"):
        assert getattr(fashion, alias) is getattr(fashion, field)


def test_fashion_mnist(tmp_path):
    root = _link_layout(tmp_path, "FashionMNIST", "fashion-mnist")
    ds = datasets.FashionMNIST(root, train=False)
    assert len(ds) == 10000 and ds.data.shape == (10000, 28, 28)
    assert ds.classes == ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                          "Sneaker", "Bag", "Ankle boot"]
    assert np.bincount(ds.targets.numpy()).tolist() == [1000] * 10
    assert repr(ds).startswith("Dataset FashionMNIST")
    with pytest.raises(RuntimeError, match="Dataset not found"):
        datasets.MNIST(root)  # its own folder only


# ---------------------------------------------------------------- transforms
def test_to_tensor_rules():
    rng = np.random.default_rng(0)
    hw = rng.integers(0, 256, (7, 5), dtype=np.uint8)
    for pic in (hw, fastnn.from_numpy(hw)):
        t = transforms.ToTensor()(pic)
        assert t.shape == (1, 7, 5) and t.dtype == fastnn.float32
        np.testing.assert_array_equal(t.numpy()[0], hw.astype(np.float32) / np.float32(255))
    hwc = rng.integers(0, 256, (4, 6, 3), dtype=np.uint8)
    t = transforms.ToTensor()(hwc)
    assert t.shape == (3, 4, 6)
    assert t.numpy()[2, 3, 1] == np.float32(hwc[3, 1, 2]) / np.float32(255)
    assert transforms.ToTensor()(np.array([[0, 255]], np.uint8)).numpy().tolist() == [[[0.0, 1.0]]]
    f64 = rng.standard_normal((4, 6, 2))
    t = transforms.ToTensor()(f64)  # non-uint8 keeps values and dtype (torchvision)
    assert t.dtype == fastnn.float64 and t.shape == (2, 4, 6)
    np.testing.assert_array_equal(t.numpy(), f64.transpose(2, 0, 1))
    with pytest.raises(ValueError, match="2/3 dimensional. Got 4"):
        transforms.ToTensor()(np.zeros((1, 2, 2, 1), np.uint8))
    with pytest.raises(TypeError, match="pic should be"):
        transforms.ToTensor()([[1, 2]])


def test_to_tensor_pil():
    Image = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(1)
    gray = rng.integers(0, 256, (5, 3), dtype=np.uint8)
    pic = Image.fromarray(gray)
    assert pic.mode == "L"
    t = transforms.ToTensor()(pic)
    assert t.shape == (1, 5, 3) and t.dtype == fastnn.float32
    np.testing.assert_array_equal(t.numpy()[0], gray / np.float32(255))
    rgb = rng.integers(0, 256, (5, 3, 3), dtype=np.uint8)
    t = transforms.ToTensor()(Image.fromarray(rgb))
    np.testing.assert_array_equal(t.numpy(), rgb.transpose(2, 0, 1) / np.float32(255))
    t = transforms.ToTensor()(Image.fromarray(gray.astype(np.float32) * 2))
    assert t.dtype == fastnn.float32 and t.numpy().max() == float(gray.max()) * 2  # mode F: no scaling


def test_normalize_hand_computed_and_against_torch():
    torch = pytest.importorskip("torch")
    x = np.array([[[0.0, 1.0], [0.5, 0.25]], [[1.0, 0.0], [0.75, 0.1]]], dtype=np.float32)
    out = transforms.Normalize((0.5, 0.25), (0.5, 2.0))(fastnn.from_numpy(x)).numpy()
    np.testing.assert_allclose(out, [[[-1, 1], [0, -0.5]], [[0.375, -0.125], [0.25, -0.075]]], rtol=1e-6)
    assert out.dtype == np.float32
    rng = np.random.default_rng(2)
    for shape, mean, std in [((1, 28, 28), (0.1307,), (0.3081,)), ((3, 7, 5), (0.4, 0.5, 0.6), (0.2, 0.3, 0.1)),
                             ((4, 3, 2, 2), (0.4, 0.5, 0.6), (0.2, 0.3, 0.1)), ((3, 4, 4), 0.5, 0.25)]:
        a = rng.random(shape, dtype=np.float32)
        m = torch.as_tensor(mean, dtype=torch.float32)
        s = torch.as_tensor(std, dtype=torch.float32)
        if m.ndim == 1:
            m, s = m.view(-1, 1, 1), s.view(-1, 1, 1)
        want = torch.from_numpy(a.copy()).sub_(m).div_(s).numpy()
        got = transforms.Normalize(mean, std)(fastnn.from_numpy(a))
        np.testing.assert_array_equal(got.numpy(), want)  # bit-identical to torchvision's arithmetic
        t = fastnn.from_numpy(a.copy())
        assert transforms.Normalize(mean, std, inplace=True)(t) is t
        np.testing.assert_array_equal(t.numpy(), want)
    src = rng.random((1, 2, 2), dtype=np.float32)
    keep = src.copy()
    transforms.Normalize((0.5,), (0.5,))(fastnn.from_numpy(src))
    np.testing.assert_array_equal(src, keep)  # not in place by default


def test_normalize_errors():
    x = fastnn.from_numpy(np.random.default_rng(3).random((1, 28, 28), dtype=np.float32))
    with pytest.raises(RuntimeError) as e:
        transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))(x)
    assert str(e.value) == "output with shape [1, 28, 28] doesn't match the broadcast shape [3, 28, 28]"
    x3 = fastnn.from_numpy(np.ones((3, 4, 4), np.float32))
    with pytest.raises(RuntimeError, match=r"size of tensor a \(3\) must match the size of tensor b \(2\) "
                                           r"at non-singleton dimension 0"):
        transforms.Normalize((0.5, 0.5), (0.5, 0.5))(x3)
    with pytest.raises(ValueError, match="std evaluated to zero"):
        transforms.Normalize((0.5,), (0.0,))(x)
    with pytest.raises(TypeError, match="float tensor"):
        transforms.Normalize((0.5,), (0.5,))(fastnn.from_numpy(np.ones((1, 2, 2), np.uint8)))
    with pytest.raises(ValueError, match=r"size \(\.\.\., C, H, W\)"):
        transforms.Normalize((0.5,), (0.5,))(fastnn.from_numpy(np.ones((2, 2), np.float32)))


def test_compose_lambda_repr():
    t = transforms.Compose([transforms.ToTensor(), transforms.Lambda(lambda x: x), transforms.Normalize((0.5,), (0.5,))])
    assert repr(t) == "Compose(\n    ToTensor()\n    Lambda()\n    Normalize(mean=(0.5,), std=(0.5,))\n)"
    assert transforms.Lambda(lambda v: v + 1)(1) == 2
    with pytest.raises(TypeError, match="callable"):
        transforms.Lambda(3)


def test_seed_three_channel_normalize_raises_at_first_sample(mnist_root):
    seed_transform = transforms.Compose([transforms.ToTensor(),
                                         transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    ds = datasets.MNIST(mnist_root, train=False, transform=seed_transform)  # construction is fine
    loader = DataLoader(ds, batch_size=64, shuffle=True)
    with pytest.raises(RuntimeError) as e:
        next(iter(loader))
    assert str(e.value) == "output with shape [1, 28, 28] doesn't match the broadcast shape [3, 28, 28]"
    with pytest.raises(RuntimeError, match="broadcast shape"):
        ds[0]


# ---------------------------------------------------------------- the batched transform
@pytest.mark.parametrize("shape", [(1, 28, 28), (7, 28, 28), (64, 28, 28), (5, 3, 17), (6, 4, 5, 3)])
def test_batch_transform_equals_per_sample(shape):
    rng = np.random.default_rng(sum(shape))
    images = rng.integers(0, 256, shape, dtype=np.uint8)
    images.reshape(-1)[:256] = np.arange(256)[: images.size]  # every byte value appears
    c = shape[3] if len(shape) == 4 else 1
    cases = [None, transforms.ToTensor(), transforms.Compose([transforms.ToTensor()]),
             transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,) * c, (0.3081,) * c)]),
             transforms.Compose([transforms.ToTensor(), transforms.Normalize(0.5, 0.5),
                                 transforms.Normalize(rng.random(c).tolist(), (rng.random(c) + 0.1).tolist())])]
    for tf in cases:
        got = batch_transform(tf, images)
        per = [tf(fastnn.from_numpy(im)) if tf is not None else fastnn.from_numpy(im) for im in images]
        want = np.stack([p.numpy() for p in per])
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


def test_batch_transform_declines_what_it_cannot_batch():
    images = np.zeros((2, 4, 4), np.uint8)
    assert batch_transform(transforms.Lambda(lambda x: x), images) is None
    assert batch_transform(transforms.Compose([transforms.ToTensor(), transforms.Lambda(lambda x: x)]),
                           images) is None
    assert batch_transform(transforms.Normalize((0.5,), (0.5,)), images) is None  # must raise per sample

    class Scaled(transforms.ToTensor):
        def __call__(self, pic):
            return super().__call__(pic)
    assert batch_transform(Scaled(), images) is None  # a subclass with its own __call__ is not trusted
