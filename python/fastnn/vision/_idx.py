"""Reader for the IDX format of MNIST-style datasets (raw or gzip), validating every header field.

An IDX file is: two zero bytes, a type code, the number of dimensions n, then n big-endian uint32 sizes,
then the values (big-endian) in C order. Anything that does not fit raises IDXError naming the file.
"""
import io
import os
import zlib

import numpy as np

__all__ = ["IDXError", "read_idx", "open_idx", "gunzip_pieces"]

# type code -> big-endian numpy dtype
_IDX_TYPES = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
              0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_MAX_ELEMENTS = 1 << 34  # refuse absurd headers before allocating


class IDXError(ValueError):
    """A file is not a valid IDX file (bad magic, truncated, trailing bytes, bad gzip, wrong shape)."""


def gunzip_pieces(chunks, path, piece=1 << 20):
    """The decompressed content of gzip data arriving in `chunks` (bytes-like), as pieces of at most `piece`
    bytes: every member, zero padding between members allowed. IDXError (a ValueError) naming `path` for
    corrupt data, a stream cut short, or anything after the last member that is not another one."""
    d, between, carry = zlib.decompressobj(31), False, b""  # between: after a member, before the next
    for data in chunks:
        data = carry + bytes(data) if carry else data
        carry = b""
        while data:
            if between:
                data = bytes(data).lstrip(b"\x00")
                if len(data) < 2:  # a next member's magic may straddle two chunks
                    carry = data
                    break
                if data[:2] != b"\x1f\x8b":
                    raise IDXError(f"{path}: trailing garbage after the gzip data")
                d, between = zlib.decompressobj(31), False
            try:
                out = d.decompress(data, piece)
            except zlib.error as e:
                raise IDXError(f"{path}: corrupt gzip data ({e})") from e
            if out:
                yield out
            if d.eof:
                data, between = d.unused_data, True
            else:
                data = d.unconsumed_tail  # (after a member's end it repeats unused_data: not read then)
    if carry:
        raise IDXError(f"{path}: trailing garbage after the gzip data")
    if not between:
        raise IDXError(f"{path}: truncated gzip data (the compressed stream ends early)")


class _GunzipStream(io.RawIOBase):
    """gzip data read as its decompressed content, a piece at a time: read_idx decompresses straight into its
    array instead of holding the whole content once more (peak memory of loading MNIST from .gz files: ~3 x 47 MB
    before)."""

    def __init__(self, data, path, chunk=1 << 16):
        view = memoryview(data)
        self._pieces = gunzip_pieces((view[i:i + chunk] for i in range(0, len(view), chunk)), path)
        self._left = memoryview(b"")

    def readable(self):
        return True

    def readinto(self, b):
        out = memoryview(b).cast("B")
        got = 0
        while got < len(out):
            if not self._left:
                piece = next(self._pieces, None)
                if piece is None:
                    break
                self._left = memoryview(piece)
            n = min(len(self._left), len(out) - got)
            out[got:got + n] = self._left[:n]
            self._left = self._left[n:]
            got += n
        return got


def open_idx(path):
    """A binary stream of the IDX content: gzip files (recognised by their magic bytes) are decompressed."""
    f = open(path, "rb")
    if f.read(2) != b"\x1f\x8b":
        f.seek(0)
        return f
    with f:
        f.seek(0)
        return _GunzipStream(f.read(), path)


def _read_exact(stream, n, path, what):
    data = stream.read(n)
    if len(data) != n:
        raise IDXError(f"{path}: truncated IDX file (expected {n} bytes of {what}, got {len(data)})")
    return data


def read_idx(path, expect_type=None, expect_ndim=None):
    """Read one IDX file into a native-endian numpy array (writable, C-contiguous).

    expect_type (a type code such as 0x08) and expect_ndim, when given, are checked against the header.
    Raises IDXError (a ValueError) naming the file for anything malformed, FileNotFoundError if missing.
    """
    path = os.fspath(path)
    with open_idx(path) as stream:
        return _read_stream(stream, path, expect_type, expect_ndim)


def _read_stream(stream, path, expect_type, expect_ndim):
    magic = _read_exact(stream, 4, path, "header")
    if magic[0] != 0 or magic[1] != 0 or magic[2] not in _IDX_TYPES or magic[3] == 0:
        raise IDXError(f"{path}: not an IDX file (bad magic number 0x{magic.hex()})")
    type_code, ndim = magic[2], magic[3]
    if expect_type is not None and type_code != expect_type:
        raise IDXError(f"{path}: IDX type code 0x{type_code:02x}, expected 0x{expect_type:02x}")
    if expect_ndim is not None and ndim != expect_ndim:
        raise IDXError(f"{path}: IDX file has {ndim} dimensions, expected {expect_ndim} "
                       f"(magic number 0x{magic.hex()})")
    shape = tuple(int(d) for d in np.frombuffer(_read_exact(stream, 4 * ndim, path, "dimensions"), ">u4"))
    dtype = _IDX_TYPES[type_code]
    count = int(np.prod(shape, dtype=np.int64))
    if count > _MAX_ELEMENTS:
        raise IDXError(f"{path}: implausible IDX shape {shape}")
    out = np.empty(shape, dtype=dtype)
    nbytes = count * dtype.itemsize
    view = memoryview(out.reshape(-1).view(np.uint8))
    got = 0
    while got < nbytes:
        n = stream.readinto(view[got:])
        if not n:
            break
        got += n
    if got != nbytes:
        raise IDXError(f"{path}: truncated IDX file (shape {shape} needs {nbytes} bytes of data, got {got})")
    if stream.read(1):
        raise IDXError(f"{path}: trailing bytes after the {nbytes} bytes of data that shape {shape} needs")
    if dtype.byteorder not in ("=", "|") and dtype.itemsize > 1:
        out = out.astype(dtype.newbyteorder("="))
    return out
