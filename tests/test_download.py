"""Dataset download: mirror directory, file:// and local HTTP mirrors, MD5 checks, atomic writes, errors.

Every test points FASTNN_DATASETS_MIRROR (or the mirror list) at local things: nothing here ever tries the
official URLs, and nothing writes into the shared data folder (roots live in tmp_path).
"""
import contextlib
import functools
import gzip
import hashlib
import http.server
import os
import pathlib
import shutil
import threading

import numpy as np
import pytest

from fastnn.vision import datasets
from fastnn.vision._download import MIRROR_ENV, DownloadError, download_file, mirrors_for

SHARED = pathlib.Path(os.environ[MIRROR_ENV])
LABELS = "t10k-labels-idx1-ubyte"
LABELS_MD5 = "27ae3e4e09519cfbb04c329615203637"


@contextlib.contextmanager
def http_mirror(directory, broken=None):
    """Serve `directory` on 127.0.0.1 in a thread; `broken` maps a path to a handler variant."""
    log = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            log.append(self.path)
            if broken and self.path in broken:
                kind = broken[self.path]
                if kind == "cut":  # promise the whole file, send half, hang up
                    data = (pathlib.Path(directory) / self.path.lstrip("/")).read_bytes()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.send_error(500, "broken on purpose")
                return
            super().do_GET()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", log
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _no_leftovers(folder):
    return [f for f in os.listdir(folder) if f.startswith(".") or f.endswith(".part")] if os.path.isdir(folder) else []


def _md5(path):
    return hashlib.md5(pathlib.Path(path).read_bytes()).hexdigest()


def test_mirror_setting_and_official_list(monkeypatch, tmp_path):
    monkeypatch.delenv(MIRROR_ENV, raising=False)
    assert mirrors_for(datasets.MNIST.mirrors, "mnist") == ["https://ossci-datasets.s3.amazonaws.com/mnist/",
                                                            "http://yann.lecun.com/exdb/mnist/"]
    assert mirrors_for(datasets.FashionMNIST.mirrors, "fashion-mnist") == [
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    monkeypatch.setenv(MIRROR_ENV, str(tmp_path))
    assert mirrors_for(datasets.MNIST.mirrors, "mnist") == [tmp_path.as_uri() + "/mnist/"]
    monkeypatch.setenv(MIRROR_ENV, "http://127.0.0.1:9/base/")
    assert mirrors_for(datasets.MNIST.mirrors, "fashion-mnist") == ["http://127.0.0.1:9/base/fashion-mnist/"]
    monkeypatch.setenv(MIRROR_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(DownloadError, match="neither an existing directory"):
        mirrors_for(datasets.MNIST.mirrors, "mnist")


def test_download_mnist_through_mirror_directory(tmp_path, monkeypatch):
    monkeypatch.setenv(MIRROR_ENV, str(SHARED))
    ds = datasets.MNIST(tmp_path / "root", train=False, download=True)
    raw = tmp_path / "root" / "MNIST" / "raw"
    assert sorted(os.listdir(raw)) == sorted(name for name, _ in datasets.MNIST.resources)
    for name, md5 in datasets.MNIST.resources:
        assert _md5(raw / name) == md5  # stored uncompressed, verified
    assert len(ds) == 10000 and ds.data.shape == (10000, 28, 28)
    # present files are not fetched again: an unreachable mirror is then never asked
    monkeypatch.setenv(MIRROR_ENV, "http://127.0.0.1:9/")
    assert len(datasets.MNIST(tmp_path / "root", train=True, download=True)) == 60000


def test_download_fashion_through_local_http_server(tmp_path, monkeypatch):
    with http_mirror(SHARED) as (url, log):
        monkeypatch.setenv(MIRROR_ENV, url + "/")
        ds = datasets.FashionMNIST(str(tmp_path), train=False, download=True)
    assert len(ds) == 10000 and np.bincount(ds.targets.numpy()).tolist() == [1000] * 10
    assert sorted(log) == sorted(f"/fashion-mnist/{name}.gz" for name, _ in datasets.FashionMNIST.resources)
    raw = tmp_path / "FashionMNIST" / "raw"
    for name, md5 in datasets.FashionMNIST.resources:
        assert _md5(raw / name) == md5
    assert _no_leftovers(raw) == []


def test_file_url_and_uncompressed_mirror(tmp_path):
    mirror = tmp_path / "mirror" / "mnist"
    mirror.mkdir(parents=True)
    (mirror / LABELS).write_bytes(gzip.decompress((SHARED / "mnist" / (LABELS + ".gz")).read_bytes()))
    out = tmp_path / "raw"
    path = download_file(LABELS, str(out), [(tmp_path / "mirror").as_uri() + "/mnist/"], LABELS_MD5)
    assert path == str(out / LABELS) and _md5(path) == LABELS_MD5
    assert _no_leftovers(out) == []


def test_wrong_checksum_is_refused_and_leaves_nothing(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    shutil.copytree(SHARED / "mnist", mirror / "mnist")
    content = bytearray(gzip.decompress((mirror / "mnist" / (LABELS + ".gz")).read_bytes()))
    content[100] ^= 1  # one flipped bit
    (mirror / "mnist" / (LABELS + ".gz")).write_bytes(gzip.compress(bytes(content)))
    monkeypatch.setenv(MIRROR_ENV, str(mirror))
    root = tmp_path / "root"
    with pytest.raises(DownloadError, match="MD5 mismatch") as e:
        datasets.MNIST(root, train=False, download=True)
    assert LABELS in str(e.value) and MIRROR_ENV in str(e.value)
    raw = root / "MNIST" / "raw"
    assert LABELS not in os.listdir(raw) and _no_leftovers(raw) == []
    # the next mirror in the list is tried after a bad one
    good = SHARED.as_uri() + "/mnist/"
    download_file(LABELS, str(raw), [mirror.as_uri() + "/mnist/", good], LABELS_MD5)
    assert _md5(raw / LABELS) == LABELS_MD5 and _no_leftovers(raw) == []


def test_cut_connection_and_server_errors_leave_nothing(tmp_path):
    raw = tmp_path / "raw"
    with http_mirror(SHARED, broken={f"/mnist/{LABELS}.gz": "cut"}) as (url, log):
        with pytest.raises(DownloadError) as e:
            download_file(LABELS, str(raw), [url + "/mnist/"], LABELS_MD5)
    assert f"{url}/mnist/{LABELS}.gz" in str(e.value)
    assert log == [f"/mnist/{LABELS}.gz"]  # a failed .gz is not followed by the raw name
    assert os.listdir(raw) == []
    with http_mirror(SHARED, broken={f"/mnist/{LABELS}.gz": "500"}) as (url, log):
        with pytest.raises(DownloadError, match="HTTP 500"):
            download_file(LABELS, str(raw), [url + "/mnist/"], LABELS_MD5)
    assert os.listdir(raw) == []


def test_all_mirrors_failing_gives_clear_error(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    (empty / "mnist").mkdir(parents=True)
    with http_mirror(empty) as (url, log):
        mirrors = [url + "/mnist/", empty.as_uri() + "/mnist/", "http://127.0.0.1:9/mnist/"]
        with pytest.raises(DownloadError) as e:
            download_file(LABELS, str(tmp_path / "raw"), mirrors, LABELS_MD5, dataset="MNIST")
    msg = str(e.value)
    assert msg.startswith(f"Could not download MNIST file {LABELS}. Tried:")
    for tried in (f"{url}/mnist/{LABELS}.gz (HTTP 404", f"{url}/mnist/{LABELS} (HTTP 404",
                  f"{empty.as_uri()}/mnist/{LABELS}.gz", "http://127.0.0.1:9/mnist/"):
        assert tried in msg
    assert MIRROR_ENV in msg and "put the file" in msg
    assert log == [f"/mnist/{LABELS}.gz", f"/mnist/{LABELS}"]  # missing .gz: the raw name is asked too
    monkeypatch.setenv(MIRROR_ENV, str(empty))
    with pytest.raises(DownloadError, match="Could not download MNIST file"):
        datasets.MNIST(tmp_path / "root", download=True)
    assert _no_leftovers(tmp_path / "root" / "MNIST" / "raw") == []
