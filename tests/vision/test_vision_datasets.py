"""ember.vision.datasets: the bundled Digits, and MNIST/FashionMNIST/CIFAR10/ImageFolder read from
small files the tests write in the real formats (IDX, CIFAR binary records, PNG)."""
import gzip
import hashlib
import io
import os
import struct
import urllib.error
import urllib.request

import numpy as np
import pytest

import ember
from ember.utils.data import DataLoader
from ember.vision import datasets, transforms


# ---------------------------------------------------------------------------------- Digits
def test_digits_sizes_types_and_range():
    train, test = datasets.Digits(train=True), datasets.Digits(train=False)
    assert len(train) + len(test) == 1797
    assert abs(len(test) - 0.2 * 1797) <= 10
    img, target = train[0]
    assert isinstance(img, ember.Tensor) and img.shape == (1, 8, 8) and img.dtype == ember.float32
    assert isinstance(target, int) and 0 <= target <= 9
    imgs = train.images.numpy()
    assert imgs.shape == (len(train), 1, 8, 8) and imgs.min() == 0.0 and imgs.max() == 1.0
    assert train.targets.dtype == ember.int64 and train.data.dtype == ember.uint8
    np.testing.assert_array_equal(train.data.numpy().astype(np.float32) / 16, imgs[:, 0])
    assert train.classes == [str(i) for i in range(10)]


def test_digits_matches_the_raw_file():
    raw = np.loadtxt(gzip.open(os.path.join(os.path.dirname(datasets.digits.__file__), "data",
                                            "digits.csv.gz"), "rt"), delimiter=",")
    assert raw.shape == (1797, 65)
    test = datasets.Digits(train=False)
    for k in (0, 17, len(test) - 1):
        row = raw[test.indices[k]]
        img, target = test[k]
        np.testing.assert_allclose(img.numpy().ravel(), row[:64] / 16.0, rtol=0, atol=1e-7)
        assert target == int(row[64])


def test_digits_split_is_deterministic_disjoint_and_stratified():
    a, b = datasets.Digits(train=True), datasets.Digits(train=False)
    a2, b2 = datasets.Digits(train=True, seed=0), datasets.Digits(train=False, seed=0)
    np.testing.assert_array_equal(a.indices, a2.indices)
    np.testing.assert_array_equal(b.indices, b2.indices)
    assert not set(a.indices) & set(b.indices)
    assert sorted(set(a.indices) | set(b.indices)) == list(range(1797))
    counts = np.bincount(b.targets.numpy(), minlength=10)
    assert counts.min() >= 34 and counts.max() <= 37          # ~20% of each class (174..183 each)
    other = datasets.Digits(train=False, seed=1)
    assert not np.array_equal(other.indices, b.indices)
    half = datasets.Digits(train=False, split=0.5)
    assert abs(len(half) - 1797 / 2) <= 10


def test_digits_transforms_and_loader():
    ds = datasets.Digits(train=False, transform=transforms.Normalize((0.5,), (0.5,)),
                         target_transform=lambda t: t + 100)
    img, target = ds[3]
    raw_img, raw_target = datasets.Digits(train=False)[3]
    np.testing.assert_allclose(img.numpy(), (raw_img.numpy() - 0.5) / 0.5, rtol=1e-6)
    assert target == raw_target + 100
    x, y = next(iter(DataLoader(datasets.Digits(train=False), batch_size=16)))
    assert x.shape == (16, 1, 8, 8) and y.dtype == ember.int64
    # samples are copies: transforming one in place leaves the data set unchanged
    img, _ = ds[0]
    img.mul_(0)
    assert datasets.Digits(train=False)[0][0].numpy().max() > 0


def test_digits_bad_split_and_repr():
    with pytest.raises(ValueError, match="split"):
        datasets.Digits(split=1.5)
    r = repr(datasets.Digits(train=False))
    assert r.startswith("Dataset Digits") and "Number of datapoints: 359" in r and "Test" in r


def test_digits_corrupt_file_message(tmp_path, monkeypatch):
    from ember.vision.datasets import digits as mod
    bad = tmp_path / "digits.csv.gz"
    bad.write_bytes(b"not gzip at all")
    with pytest.raises(RuntimeError, match="corrupt.*[Rr]einstall"):
        mod._load_digits_file(str(bad))
    with pytest.raises(RuntimeError, match="missing.*[Rr]einstall"):
        mod._load_digits_file(str(tmp_path / "absent.csv.gz"))


# ---------------------------------------------------------------------------- IDX / MNIST
def idx_bytes(arr):
    code = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C, np.float32: 0x0D,
            np.float64: 0x0E}[arr.dtype.type]
    head = bytes([0, 0, code, arr.ndim]) + b"".join(struct.pack(">I", d) for d in arr.shape)
    return head + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


def write_mnist(root, name="MNIST", n_train=12, n_test=5, gz=True, seed=0):
    rng = np.random.default_rng(seed)
    raw = os.path.join(root, name, "raw")
    os.makedirs(raw, exist_ok=True)
    out = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        imgs = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n).astype(np.uint8)
        for stem, arr in ((f"{prefix}-images-idx3-ubyte", imgs), (f"{prefix}-labels-idx1-ubyte", labels)):
            data = idx_bytes(arr)
            if gz:
                with gzip.open(os.path.join(raw, stem + ".gz"), "wb") as fh:
                    fh.write(data)
            else:
                with open(os.path.join(raw, stem), "wb") as fh:
                    fh.write(data)
        out[prefix] = (imgs, labels)
    return out


@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize("cls", [datasets.MNIST, datasets.FashionMNIST])
def test_mnist_reads_idx_files(tmp_path, gz, cls):
    ref = write_mnist(str(tmp_path), cls.__name__, gz=gz)
    train = cls(str(tmp_path), train=True)
    test = cls(str(tmp_path), train=False)
    assert len(train) == 12 and len(test) == 5
    np.testing.assert_array_equal(train.data.numpy(), ref["train"][0])
    np.testing.assert_array_equal(test.targets.numpy(), ref["t10k"][1].astype(np.int64))
    assert train.data.dtype == ember.uint8 and train.targets.dtype == ember.int64
    img, target = train[4]
    assert isinstance(img, np.ndarray) and img.shape == (28, 28) and img.dtype == np.uint8
    assert target == int(ref["train"][1][4])
    t = cls(str(tmp_path), train=True, transform=transforms.ToTensor())[4][0]
    np.testing.assert_allclose(t.numpy(), ref["train"][0][4][None] / 255.0, rtol=1e-6)
    assert len(cls.classes) == 10 and "Split: Train" in repr(train)


def test_read_idx_other_types(tmp_path):
    from ember.vision.datasets.mnist import read_idx
    for arr in (np.arange(-6, 6, dtype=np.int32).reshape(3, 4), np.linspace(0, 1, 5).astype(np.float32),
                np.arange(8, dtype=np.int16).reshape(2, 2, 2), np.array([1.5, -2.0], dtype=np.float64)):
        p = tmp_path / "x.idx"
        p.write_bytes(idx_bytes(arr))
        got = read_idx(str(p))
        np.testing.assert_array_equal(got, arr)
        assert got.dtype == arr.dtype.newbyteorder("=")


def test_mnist_missing_files_message(tmp_path):
    with pytest.raises(RuntimeError) as e:
        datasets.MNIST(str(tmp_path))
    msg = str(e.value)
    assert "train-images-idx3-ubyte" in msg and os.path.join(str(tmp_path), "MNIST", "raw") in msg
    assert "download=True" in msg


def test_mnist_corrupt_files_message(tmp_path):
    write_mnist(str(tmp_path))
    raw = tmp_path / "MNIST" / "raw"
    path = raw / "train-images-idx3-ubyte.gz"
    data = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(data[:-100]))                     # truncated
    with pytest.raises(RuntimeError, match="truncated or corrupt.*download it again"):
        datasets.MNIST(str(tmp_path))
    path.write_bytes(b"\x1f\x8b garbage")                           # not a gzip stream
    with pytest.raises(RuntimeError, match="corrupt"):
        datasets.MNIST(str(tmp_path))
    path.write_bytes(gzip.compress(b"\x01\x02\x03\x04hello"))       # bad magic
    with pytest.raises(RuntimeError, match="not an IDX file"):
        datasets.MNIST(str(tmp_path))
    write_mnist(str(tmp_path))
    labels = raw / "train-labels-idx1-ubyte.gz"
    labels.write_bytes(gzip.compress(idx_bytes(np.zeros(3, np.uint8))))   # count mismatch
    with pytest.raises(RuntimeError, match="labels for 12 images"):
        datasets.MNIST(str(tmp_path))


def _offline(*args, **kwargs):
    raise urllib.error.URLError("Temporary failure in name resolution")


def test_mnist_download_offline_says_where_to_put_files(tmp_path, monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", _offline)
    with pytest.raises(RuntimeError) as e:
        datasets.FashionMNIST(str(tmp_path), download=True)
    msg = str(e.value)
    assert "Could not download FashionMNIST" in msg
    assert os.path.join(str(tmp_path), "FashionMNIST", "raw") in msg
    assert "train-images-idx3-ubyte.gz" in msg and "name resolution" in msg
    assert not any(f.endswith(".part") for f in os.listdir(tmp_path / "FashionMNIST" / "raw"))


class _Response(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def test_mnist_download_checks_md5(tmp_path, monkeypatch):
    """download=True fetches each file from the first mirror that works and checks its MD5."""
    src = tmp_path / "src"
    write_mnist(str(src))
    files = {p.name: p.read_bytes() for p in (src / "MNIST" / "raw").iterdir()}
    urls = []

    def fake_urlopen(req, timeout=None):
        url = req.full_url if hasattr(req, "full_url") else req
        urls.append(url)
        if url.startswith("https://bad.mirror/"):
            raise urllib.error.URLError("unreachable")
        return _Response(files[url.rsplit("/", 1)[1]])

    class TinyMNIST(datasets.MNIST):
        mirrors = ["https://bad.mirror/", "https://good.mirror/"]
        resources = [(n, hashlib.md5(files[n]).hexdigest()) for n, _ in datasets.MNIST.resources]

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    root = tmp_path / "root"
    ds = TinyMNIST(str(root), download=True)
    assert len(ds) == 12 and any(u.startswith("https://good.mirror/") for u in urls)
    n = len(urls)
    TinyMNIST(str(root), download=True)                  # present: nothing fetched again
    assert len(urls) == n

    class BadMD5(TinyMNIST):
        resources = [(n, "0" * 32) for n, _ in datasets.MNIST.resources]
    with pytest.raises(RuntimeError, match="MD5 mismatch"):
        BadMD5(str(tmp_path / "root2"), download=True)


# --------------------------------------------------------------------------------- CIFAR10
def write_cifar(root, n_per_batch=(3, 2, 2, 1, 2), n_test=4, seed=0):
    rng = np.random.default_rng(seed)
    folder = os.path.join(root, "cifar-10-batches-bin")
    os.makedirs(folder, exist_ok=True)
    out = {}
    names = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]
    for name, n in zip(names, list(n_per_batch) + [n_test]):
        imgs = rng.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n).astype(np.uint8)
        rec = np.concatenate([labels[:, None], imgs.transpose(0, 3, 1, 2).reshape(n, -1)], axis=1)
        rec.astype(np.uint8).tofile(os.path.join(folder, name))
        out[name] = (imgs, labels)
    with open(os.path.join(folder, "batches.meta.txt"), "w") as fh:
        fh.write("\n".join(f"class{i}" for i in range(10)) + "\n\n")
    return out


def test_cifar10_reads_binary_batches(tmp_path):
    ref = write_cifar(str(tmp_path))
    train = datasets.CIFAR10(str(tmp_path), train=True)
    test = datasets.CIFAR10(str(tmp_path), train=False)
    assert len(train) == 10 and len(test) == 4
    exp = np.concatenate([ref[f"data_batch_{i}.bin"][0] for i in range(1, 6)])
    np.testing.assert_array_equal(train.data, exp)
    assert train.targets == np.concatenate([ref[f"data_batch_{i}.bin"][1] for i in range(1, 6)]).tolist()
    img, target = test[2]
    assert img.shape == (32, 32, 3) and img.dtype == np.uint8
    np.testing.assert_array_equal(img, ref["test_batch.bin"][0][2])
    assert target == int(ref["test_batch.bin"][1][2])
    assert train.classes[3] == "class3" and train.class_to_idx["class9"] == 9
    t = datasets.CIFAR10(str(tmp_path), train=False, transform=transforms.ToTensor())[2][0]
    assert t.shape == (3, 32, 32)
    np.testing.assert_allclose(t.numpy(), ref["test_batch.bin"][0][2].transpose(2, 0, 1) / 255.0, rtol=1e-6)


def test_cifar10_missing_and_corrupt(tmp_path, monkeypatch):
    with pytest.raises(RuntimeError, match="CIFAR10 not found.*cifar-10-batches-bin.*download=True"):
        datasets.CIFAR10(str(tmp_path))
    write_cifar(str(tmp_path))
    p = tmp_path / "cifar-10-batches-bin" / "test_batch.bin"
    p.write_bytes(p.read_bytes()[:-7])
    with pytest.raises(RuntimeError, match="truncated or corrupt"):
        datasets.CIFAR10(str(tmp_path), train=False)
    monkeypatch.setattr(urllib.request, "urlopen", _offline)
    with pytest.raises(RuntimeError, match="Could not download CIFAR10.*extract it into"):
        datasets.CIFAR10(str(tmp_path / "empty"), download=True)


def test_cifar10_download_extracts_archive(tmp_path, monkeypatch):
    import tarfile
    src = tmp_path / "src"
    write_cifar(str(src))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(str(src / "cifar-10-batches-bin"), arcname="cifar-10-batches-bin")
    blob = buf.getvalue()
    monkeypatch.setattr(urllib.request, "urlopen", lambda req, timeout=None: _Response(blob))

    class TinyCIFAR(datasets.CIFAR10):
        tgz_md5 = hashlib.md5(blob).hexdigest()
    ds = TinyCIFAR(str(tmp_path / "root"), train=False, download=True)
    assert len(ds) == 4


# ------------------------------------------------------------------ DatasetFolder / ImageFolder
def test_dataset_folder_with_custom_loader(tmp_path):
    for cls, n in (("b", 2), ("a", 3)):
        os.makedirs(tmp_path / cls / "sub")
        for i in range(n):
            np.save(tmp_path / cls / ("sub" if i == 0 else "") / f"{i}.npy", np.full((2, 2), i, np.float32))
    (tmp_path / "a" / "notes.txt").write_text("ignored")
    ds = datasets.DatasetFolder(str(tmp_path), loader=np.load, extensions=(".npy",))
    assert ds.classes == ["a", "b"] and ds.class_to_idx == {"a": 0, "b": 1}
    assert len(ds) == 5 and ds.targets == [0, 0, 0, 1, 1]
    x, y = ds[0]
    assert x.shape == (2, 2) and y == 0
    os.makedirs(tmp_path / "c")
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes c"):
        datasets.DatasetFolder(str(tmp_path), loader=np.load, extensions=(".npy",))
    assert len(datasets.DatasetFolder(str(tmp_path), loader=np.load, extensions=(".npy",), allow_empty=True)) == 5
    with pytest.raises(FileNotFoundError, match="does not exist"):
        datasets.DatasetFolder(str(tmp_path / "nope"), loader=np.load, extensions=(".npy",))


def test_image_folder_without_pillow_is_clear(tmp_path, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "PIL", None)
    os.makedirs(tmp_path / "cat")
    with pytest.raises(ImportError, match="pip install pillow"):
        datasets.ImageFolder(str(tmp_path))


def test_image_folder_reads_png_and_jpeg(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(0)
    ref = {}
    for cls in ("cat", "dog"):
        os.makedirs(tmp_path / cls)
        for i in range(2):
            arr = rng.integers(0, 256, size=(5, 6, 3), dtype=np.uint8)
            Image.fromarray(arr).save(tmp_path / cls / f"{i}.png")
            ref[(cls, i)] = arr
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "dog" / "gray.jpg")
    ds = datasets.ImageFolder(str(tmp_path), transform=transforms.ToTensor())
    assert ds.classes == ["cat", "dog"] and len(ds) == 5 and ds.imgs == ds.samples
    x, y = ds[1]
    assert y == 0 and x.shape == (3, 5, 6)
    np.testing.assert_allclose(x.numpy(), ref[("cat", 1)].transpose(2, 0, 1) / 255.0, rtol=1e-6)
    gray, y = ds[4]
    assert y == 1 and gray.shape == (3, 4, 4)          # converted to RGB
    (tmp_path / "cat" / "broken.png").write_bytes(b"\x89PNG not really")
    ds = datasets.ImageFolder(str(tmp_path))
    with pytest.raises(RuntimeError, match="Could not read image .*broken.png.*remove or replace"):
        ds[ds.samples.index((str(tmp_path / "cat" / "broken.png"), 0))]
