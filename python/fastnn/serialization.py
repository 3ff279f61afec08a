"""fastnn.save / fastnn.load: state dicts (nested dicts, lists, tuples of tensors, numbers, strings, None, bools)
in the safetensors file format. Never pickle: loading a file cannot run code.

File layout (safetensors): 8-byte little-endian header length N, N bytes of JSON header (space-padded to a
multiple of 8), then the raw little-endian tensor bytes. The header maps each tensor's flattened key
("state.0.exp_avg") to {"dtype", "shape", "data_offsets"}, so the `safetensors` library reads the tensors too;
its "__metadata__" (str -> str) holds "format": "fastnn", "fastnn.structure" (the object's structure as JSON, with
tensors replaced by their keys) and "fastnn.sha256" (a SHA-256 over the rest of the header and all tensor bytes,
verified on load: it catches corruption and truncation, not deliberate forgery).

Errors: a file that is empty, truncated, corrupt, tampered with, not a safetensors file, or a pickle / torch.save
archive raises SerializationError (a ValueError); a missing path raises FileNotFoundError; saving an object
fastnn cannot store (a module, a function, ...) raises TypeError before anything is written.

Tensors come back as new, C-contiguous tensors with their dtype, shape, values and requires_grad (an nn.Parameter
as a Parameter); a tensor object that appears several times in the saved object comes back as one object (views of
one storage do not).
OrderedDict and tuple types are kept; other dict subclasses come back as dict, numpy scalars as Python scalars.
save() writes atomically: a temp file in the same directory, flushed and fsynced, then renamed over `f`; on any
failure the previous file is untouched and the temp file removed."""
import hashlib
import io
import json
import math
import os
import sys
import tempfile
from collections import OrderedDict

import numpy as np

from . import dtypes as _dtypes
from .tensor import Tensor

__all__ = ["save", "load", "load_safetensors", "SerializationError"]

FORMAT = "fastnn"
FORMAT_VERSION = "1"
_MAX_HEADER = 100 * 1024 * 1024  # the safetensors library's own limit

_TO_ST = {np.dtype(np.bool_): "BOOL", np.dtype(np.uint8): "U8", np.dtype(np.int8): "I8", np.dtype(np.int16): "I16",
          np.dtype(np.uint16): "U16", np.dtype(np.int32): "I32", np.dtype(np.uint32): "U32",
          np.dtype(np.int64): "I64", np.dtype(np.uint64): "U64", np.dtype(np.float16): "F16",
          np.dtype(np.float32): "F32", np.dtype(np.float64): "F64"}
_FROM_ST = {v: k for k, v in _TO_ST.items()}  # numpy's canonical dtype objects (kernels test dtypes by identity)
_SWAP = sys.byteorder != "little"  # the file is little-endian


class SerializationError(ValueError):
    """A file fastnn.load cannot trust: empty, truncated, corrupt, tampered with, or not fastnn's format."""


# ---------------------------------------------------------------- structure <-> JSON
# Containers and tensors become one-key JSON objects (tags); scalars stay JSON scalars, so every JSON object in
# the structure is a tag. D: dict as [key, value] pairs (keys may be ints, tuples, ...), O: OrderedDict,
# L: list, U: tuple, T: tensor key (+ "g": requires_grad, "p": an nn.Parameter), A: numpy array key, dtype: a fastnn
# dtype name.

class _Encoder:
    def __init__(self):
        self.tensors = []  # (key, contiguous array)
        self.keys = set()
        self.memo = {}  # id(tensor or array) -> key, so a shared object is stored once
        self.active = set()  # ids of the containers being encoded (cycle check)

    def key_for(self, path):
        base = ".".join(path) or "_"
        key, n = base, 0
        while key in self.keys or key == "__metadata__":
            n += 1
            key = f"{base}#{n}"
        self.keys.add(key)
        return key

    def array(self, obj, arr, path):
        key = self.memo.get(id(obj))
        if key is None:
            if arr.dtype.newbyteorder("=") not in _TO_ST:
                raise TypeError(f"fastnn.save: tensors of dtype {arr.dtype} cannot be saved")
            key = self.key_for(path)
            self.memo[id(obj)] = key
            arr = np.asarray(arr, order="C")  # (ascontiguousarray would make 0-d arrays 1-d)
            if arr.dtype.byteorder == ">" or (arr.dtype.byteorder == "=" and sys.byteorder == "big"):
                arr = arr.astype(arr.dtype.newbyteorder("<"))
            self.tensors.append((key, arr))
        return key

    def encode(self, obj, path):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            return float(obj)
        if isinstance(obj, Tensor):
            tag = {"T": self.array(obj, obj._data, path)}
            if obj.requires_grad:
                tag["g"] = 1
            if isinstance(obj, _parameter_cls()):
                tag["p"] = 1
            return tag
        if isinstance(obj, np.ndarray):
            return {"A": self.array(obj, obj, path)}
        if isinstance(obj, np.generic) and not isinstance(obj, (np.void, np.object_)):
            return self.encode(obj.item(), path)
        if isinstance(obj, _dtypes.dtype):
            return {"dtype": obj.name}
        if isinstance(obj, (dict, list, tuple)):
            if id(obj) in self.active:
                raise ValueError("fastnn.save: the object contains a reference cycle")
            self.active.add(id(obj))
            try:
                if isinstance(obj, dict):
                    items = [[self.encode(k, path + ["key"]), self.encode(v, path + [str(k)])]
                             for k, v in obj.items()]
                    return {"O" if isinstance(obj, OrderedDict) else "D": items}
                items = [self.encode(v, path + [str(i)]) for i, v in enumerate(obj)]
                return {"L" if isinstance(obj, list) else "U": items}
            finally:
                self.active.discard(id(obj))
        raise TypeError(f"fastnn.save cannot store an object of type {type(obj).__module__}.{type(obj).__qualname__}"
                        " (it stores tensors, numpy arrays, numbers, strings, None, bools, dicts, lists and tuples "
                        "of these; it never pickles)")


def _decode(node, tensors):
    """Rebuild the object from its JSON structure; malformed input raises SerializationError."""
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, dict) and len(node) >= 1:
        if "T" in node:
            t = tensors[node["T"]]
            if node.get("p") and not isinstance(t, _parameter_cls()):
                t = tensors[node["T"]] = _parameter_cls()(t, requires_grad=bool(node.get("g")))  # later refs: same
            elif node.get("g"):
                t.requires_grad = True
            return t
        if "A" in node and len(node) == 1:
            return tensors[node["A"]]._data
        if "dtype" in node and len(node) == 1:
            return _dtypes._by_name(node["dtype"])
        if len(node) == 1:
            (tag, items), = node.items()
            if isinstance(items, list):
                if tag in ("D", "O"):
                    pairs = ((_hashable(_decode(k, tensors)), _decode(v, tensors)) for k, v in items)
                    return dict(pairs) if tag == "D" else OrderedDict(pairs)
                if tag == "L":
                    return [_decode(v, tensors) for v in items]
                if tag == "U":
                    return tuple(_decode(v, tensors) for v in items)
    raise SerializationError(f"fastnn.load: malformed structure node {str(node)[:80]!r}")


def _mapped(map_location, t):
    out = map_location(t, "cpu")
    if not isinstance(out, Tensor):
        raise TypeError(f"fastnn.load: map_location returned {type(out).__name__}, expected the tensor it was given")
    return out


def _parameter_cls():
    from .nn.parameter import Parameter  # (fastnn.nn imports this module's package first)
    return Parameter


def _hashable(key):
    try:
        hash(key)
    except TypeError:
        raise SerializationError(f"fastnn.load: unhashable dict key {key!r}") from None
    return key


# ---------------------------------------------------------------- save

def _digest(header, chunks):
    """SHA-256 over the canonical JSON of the header (without the digest itself) and the tensor bytes."""
    h = hashlib.sha256(json.dumps(header, sort_keys=True, separators=(",", ":")).encode())
    for c in chunks:
        h.update(c)
    return h.hexdigest()


def _bytes_of(arr):
    return arr.reshape(-1).view(np.uint8)


def _serialize(obj):
    """(header bytes, [tensor byte buffers]) for obj."""
    enc = _Encoder()
    structure = json.dumps(enc.encode(obj, []), separators=(",", ":"), allow_nan=True)
    # largest itemsize first: with the 8-aligned header every tensor starts aligned to its dtype
    ordered = sorted(enc.tensors, key=lambda kv: -kv[1].dtype.itemsize)
    header, chunks, offset = {}, [], 0
    for key, arr in ordered:
        header[key] = {"dtype": _TO_ST[arr.dtype.newbyteorder("=")], "shape": list(arr.shape),
                       "data_offsets": [offset, offset + arr.nbytes]}
        chunks.append(_bytes_of(arr))
        offset += arr.nbytes
    meta = {"format": FORMAT, "fastnn.format_version": FORMAT_VERSION, "fastnn.structure": structure}
    header["__metadata__"] = meta
    meta["fastnn.sha256"] = _digest(header, chunks)
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * (-len(hb) % 8)
    return len(hb).to_bytes(8, "little") + hb, chunks


def _new_file_mode():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except OSError:
        pass
    umask = os.umask(0o22)
    os.umask(umask)
    return 0o666 & ~umask


def _atomic_write(path, parts):
    path = os.path.abspath(os.fspath(path))
    directory = os.path.dirname(path)
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        mode = _new_file_mode()
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            for p in parts:
                f.write(p)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:  # make the rename itself durable
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def save(obj, f):
    """Save obj (a state dict or any nesting of dicts / lists / tuples of tensors, numpy arrays, numbers,
    strings, None, bools) to `f` (a path, str or os.PathLike, written atomically; or a binary file object)."""
    head, chunks = _serialize(obj)
    if hasattr(f, "write"):
        f.write(head)
        for c in chunks:
            f.write(c)
        return
    _atomic_write(f, [head, *chunks])


# ---------------------------------------------------------------- load

def _fail(msg):
    raise SerializationError(msg)


def _read_header(fobj, size, name):
    """Parse and validate the safetensors header; returns (header dict, data start, [(key, dtype, shape, n)])."""
    first = fobj.read(8)
    if not first:
        _fail(f"fastnn.load: {name} is empty")
    if first.startswith(b"PK\x03\x04"):
        _fail(f"fastnn.load: {name} is a zip archive (torch.save's format?). fastnn.load reads only safetensors "
              "files written by fastnn.save and never unpickles: convert it with torch.load(weights_only=True) "
              "and save the tensors with fastnn.save")
    n = int.from_bytes(first, "little")
    plausible = len(first) == 8 and n <= _MAX_HEADER and n <= size - 8
    raw = fobj.read(n) if plausible else b""
    if not (len(raw) == n and raw.startswith(b"{")):
        # Not a safetensors header. A pickle starts with 0x80, but so does a valid header length of 0x...80:
        # hence the header is tried first.
        if first[0] == 0x80:
            _fail(f"fastnn.load: {name} is a pickle file. fastnn.load never unpickles (unpickling can run "
                  "arbitrary code): load it with the program that wrote it and re-save with fastnn.save")
        if len(first) < 8:
            _fail(f"fastnn.load: {name} is truncated ({len(first)} bytes) or not a safetensors file")
        if not plausible:
            _fail(f"fastnn.load: {name} is truncated or not a safetensors file (header length {n}, file size "
                  f"{size})")
        if len(raw) != n:
            _fail(f"fastnn.load: {name} is truncated")
        _fail(f"fastnn.load: {name} is not a safetensors file (its header is not a JSON object)")
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        _fail(f"fastnn.load: {name} has a corrupt header ({e})")
    if not isinstance(header, dict):
        _fail(f"fastnn.load: {name} has a corrupt header (not a JSON object)")
    entries = []
    for key, info in header.items():
        if key == "__metadata__":
            continue
        try:
            dt = _FROM_ST[info["dtype"]]
            shape = tuple(info["shape"])
            begin, end = info["data_offsets"]
            ok = (all(type(d) is int and d >= 0 for d in shape) and type(begin) is int and type(end) is int
                  and len(info) == 3)
        except (KeyError, TypeError, ValueError):
            ok = False
        if not ok:
            _fail(f"fastnn.load: {name} has a corrupt header entry for {key!r}: {str(info)[:120]}")
        if end - begin != math.prod(shape) * dt.itemsize:
            _fail(f"fastnn.load: {name}: tensor {key!r} of shape {list(shape)} does not match its byte range")
        entries.append((begin, end, key, dt, shape))
    entries.sort(key=lambda e: (e[0], e[1]))
    pos = 0
    for begin, end, key, _, _ in entries:
        if begin != pos:
            _fail(f"fastnn.load: {name}: tensor byte ranges overlap or leave holes (at {key!r})")
        pos = end
    data_size = size - 8 - n
    if pos != data_size:
        what = "truncated" if pos > data_size else "followed by unexpected trailing bytes"
        _fail(f"fastnn.load: {name} is {what} (tensors need {pos} bytes, the file holds {data_size})")
    return header, entries


def _read_tensors(fobj, entries, name):
    """Read each tensor straight into a fresh array; returns ({key: array}, [byte views in file order])."""
    arrays, chunks = {}, []
    for begin, end, key, dt, shape in entries:
        swap = _SWAP and dt.itemsize > 1
        arr = np.empty(shape, dtype=dt.newbyteorder("<") if swap else dt)
        view = memoryview(_bytes_of(arr))
        got = fobj.readinto(view) if end > begin else 0
        if got != end - begin:
            _fail(f"fastnn.load: {name} is truncated")
        arrays[key] = arr.astype(dt) if swap else arr
        chunks.append(view)
    return arrays, chunks


def _open(f):
    """(binary file object, size, display name, close?) for a path or a readable file object."""
    if hasattr(f, "read"):
        data = f.read()
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError("fastnn.load: the file object must be opened in binary mode")
        return io.BytesIO(data), len(data), repr(getattr(f, "name", "<file object>")), True
    path = os.fspath(f)
    fobj = open(path, "rb")
    return fobj, os.fstat(fobj.fileno()).st_size, repr(path), True


def load(f, map_location=None, weights_only=True, **kwargs):
    """Load an object saved by fastnn.save from `f` (a path or a binary file object), verifying its SHA-256.
    `map_location` may be None, 'cpu', a dict mapping locations to 'cpu', or a function(tensor, 'cpu') returning
    the tensor to use (torch passes storages; fastnn tensors live on the CPU); `weights_only` is accepted for torch
    compatibility (loading is always safe: no pickle)."""
    targets = map_location.values() if isinstance(map_location, dict) else [map_location]
    if not callable(map_location) and any(t is not None and str(t) != "cpu" for t in targets):
        raise RuntimeError(f"fastnn.load: map_location={map_location!r} is not supported (only 'cpu')")
    fobj, size, name, close = _open(f)
    try:
        header, entries = _read_header(fobj, size, name)
        meta = header.get("__metadata__")
        if not isinstance(meta, dict) or meta.get("format") != FORMAT or "fastnn.structure" not in meta:
            _fail(f"fastnn.load: {name} is a safetensors file not written by fastnn.save (or its metadata is "
                  "corrupt); read plain safetensors files with fastnn.serialization.load_safetensors")
        if meta.get("fastnn.format_version") != FORMAT_VERSION:
            _fail(f"fastnn.load: {name} has format version {meta.get('fastnn.format_version')!r}; this fastnn "
                  f"reads version {FORMAT_VERSION}")
        arrays, chunks = _read_tensors(fobj, entries, name)
    finally:
        if close:
            fobj.close()
    expected = meta.pop("fastnn.sha256", None)
    if not isinstance(expected, str) or _digest(header, chunks) != expected:
        _fail(f"fastnn.load: {name} is corrupt (SHA-256 mismatch: the file was damaged or modified)")
    tensors = {k: Tensor._make(a) for k, a in arrays.items()}
    if callable(map_location):
        tensors = {k: _mapped(map_location, t) for k, t in tensors.items()}
    try:
        structure = json.loads(meta["fastnn.structure"])
        return _decode(structure, tensors)
    except SerializationError:
        raise
    except (ValueError, TypeError, KeyError, RecursionError) as e:
        _fail(f"fastnn.load: {name} has a malformed structure ({type(e).__name__}: {e})")


def load_safetensors(f):
    """{key: Tensor} from any safetensors file (e.g. written by the safetensors library), in file order.
    These files carry no checksum, so only the layout is validated."""
    fobj, size, name, close = _open(f)
    try:
        _, entries = _read_header(fobj, size, name)
        arrays, _ = _read_tensors(fobj, entries, name)
    finally:
        if close:
            fobj.close()
    return {k: Tensor._make(a) for k, a in arrays.items()}
