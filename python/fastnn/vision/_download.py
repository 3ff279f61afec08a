"""Fetch dataset files from mirrors, verify the MD5 of their uncompressed content, write them atomically.

FASTNN_DATASETS_MIRROR (a directory, or an http(s)/file URL) replaces the official mirrors; it must hold the
original file names under one sub-folder per dataset (mnist/, fashion-mnist/), as the official sites do.
Files are stored uncompressed (torchvision's raw/ layout), so later loads skip the gzip step.
"""
import hashlib
import http.client
import itertools
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request

from ._idx import gunzip_pieces

__all__ = ["DownloadError", "MIRROR_ENV", "mirrors_for", "download_file"]

MIRROR_ENV = "FASTNN_DATASETS_MIRROR"
_CHUNK = 1 << 20
_TIMEOUT_S = 60


class DownloadError(RuntimeError):
    """Every mirror failed for one file; the message lists the URLs tried and what to do."""


def mirrors_for(official, subdir):
    """Base URLs to try in order: the FASTNN_DATASETS_MIRROR setting (alone) if set, else the official list."""
    setting = os.environ.get(MIRROR_ENV, "").strip()
    if not setting:
        return list(official)
    if urllib.parse.urlsplit(setting).scheme not in ("http", "https", "file"):
        setting = os.path.abspath(os.path.expanduser(setting))
        if not os.path.isdir(setting):
            raise DownloadError(f"{MIRROR_ENV}={setting!r} is neither an existing directory nor an "
                                "http(s)/file URL")
        setting = urllib.request.pathname2url(setting)
        setting = "file://" + setting
    return [setting.rstrip("/") + "/" + subdir + "/"]


def _read_chunks(resp):
    chunk = resp.read(_CHUNK)
    while chunk:
        yield chunk
        chunk = resp.read(_CHUNK)


def _fetch_into(url, tmp, md5):
    """Stream url into the open file tmp, gunzipping if the content is gzip; check the content's MD5."""
    digest = hashlib.md5()
    with urllib.request.urlopen(url, timeout=_TIMEOUT_S) as resp:
        chunks = _read_chunks(resp)
        first = next(chunks, b"")
        if not first:
            raise ValueError("empty file")
        chunks = itertools.chain([first], chunks)
        if first[:2] == b"\x1f\x8b":
            chunks = gunzip_pieces(chunks, url.rsplit("/", 1)[-1])
        for chunk in chunks:
            digest.update(chunk)
            tmp.write(chunk)
    got = digest.hexdigest()
    if got != md5:
        raise ValueError(f"MD5 mismatch: got {got}, expected {md5}")


def _is_missing(e):
    return (isinstance(e, urllib.error.HTTPError) and e.code in (403, 404, 410)) or \
        isinstance(getattr(e, "reason", None), FileNotFoundError) or isinstance(e, FileNotFoundError)


def download_file(name, folder, mirrors, md5, dataset=""):
    """Fetch `name` into folder/name, verified (MD5 of the uncompressed content) and atomic.

    Each mirror is asked for name.gz, then for the uncompressed name if the .gz is missing there. On
    success the file appears at once, complete; on failure nothing is left behind and DownloadError
    lists every URL tried with its error.
    """
    os.makedirs(folder, exist_ok=True)
    final = os.path.join(folder, name)
    tried = []
    for base in mirrors:
        for remote in (name + ".gz", name):
            url = base + remote
            fd, tmp_path = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
            try:
                with os.fdopen(fd, "wb") as tmp:
                    _fetch_into(url, tmp, md5)
                    tmp.flush()
                    os.fsync(tmp.fileno())
                os.replace(tmp_path, final)
                _fsync_dir(folder)
                return final
            except (OSError, ValueError, http.client.HTTPException) as e:  # (IDXError is a ValueError)
                tried.append(f"{url} ({_describe(e)})")
                if not _is_missing(e):
                    break  # reachable but bad, or unreachable: go to the next mirror
            finally:
                if os.path.exists(tmp_path):
                    os.unlink(tmp_path)
    label = f"{dataset} file {name}" if dataset else name
    raise DownloadError(
        f"Could not download {label}. Tried:\n  " + "\n  ".join(tried) +
        f"\nSet {MIRROR_ENV} to a directory or an http(s)/file URL holding the original files under "
        f"mnist/ and fashion-mnist/ (for example a copy of the official mirrors), or put the file, "
        f"uncompressed or as {name}.gz, into {folder}.")


def _describe(e):
    if isinstance(e, urllib.error.HTTPError):
        return f"HTTP {e.code} {e.reason}"
    if isinstance(e, urllib.error.URLError):
        return f"{e.reason}"
    return f"{e}" or e.__class__.__name__


def _fsync_dir(folder):
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
