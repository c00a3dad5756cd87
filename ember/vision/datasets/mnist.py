"""MNIST and FashionMNIST: the standard IDX files, read from ``root/<ClassName>/raw/``."""
import gzip
import os

import numpy as np

from ... import ops as _ops
from ...tensor import Tensor
from .utils import download_from_mirrors
from .vision import VisionDataset

__all__ = ["MNIST", "FashionMNIST", "read_idx"]

# IDX type codes (the third byte of the magic number) -> big-endian NumPy dtypes
_IDX_TYPES = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
              0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def _open_maybe_gz(path):
    with open(path, "rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gz else open(path, "rb")


def read_idx(path):
    """Read an IDX file (gzipped or not) into a native-endian NumPy array.

    The format: two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
    0x0D float32, 0x0E float64), the number of dimensions, then each dimension as a big-endian
    uint32, then the values in row-major order, big-endian.

    Raises:
        RuntimeError: the file is truncated or not an IDX file (the message names the file).
    """
    try:
        with _open_maybe_gz(path) as fh:
            raw = fh.read()
    except (OSError, EOFError) as e:
        raise RuntimeError(f"{path} is corrupt ({e}); delete it and download it again.") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise RuntimeError(f"{path} is not an IDX file (bad magic number); delete it and download "
                           "it again.")
    dtype, ndim = _IDX_TYPES[raw[2]], raw[3]
    head = 4 + 4 * ndim
    if len(raw) < head:
        raise RuntimeError(f"{path} is truncated (incomplete header); delete it and download it again.")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    count = int(np.prod(shape, dtype=np.int64))
    if len(raw) - head != count * dtype.itemsize:
        raise RuntimeError(f"{path} is truncated or corrupt: its header promises {count} values of shape "
                           f"{shape}, the file holds {(len(raw) - head) // dtype.itemsize}; delete it and "
                           "download it again.")
    arr = np.frombuffer(raw, dtype=dtype, count=count, offset=head).reshape(shape)
    return arr.astype(dtype.newbyteorder("="))


class MNIST(VisionDataset):
    r"""The MNIST handwritten digits (60,000 training and 10,000 test 28x28 grayscale images).

    The files are the standard IDX files, gzipped or not, in ``root/MNIST/raw/``:
    ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte`` and
    ``t10k-labels-idx1-ubyte`` (each optionally with ``.gz``).

    Args:
        root (str): the folder holding ``MNIST/raw/`` (``FashionMNIST/raw/`` for FashionMNIST).
        train (bool): the training set (default) or the test set.
        transform (callable, optional): applied to each image, a ``(28, 28)`` uint8 NumPy array
            (``transforms.ToTensor()`` turns it into a ``(1, 28, 28)`` float tensor in [0, 1]).
        target_transform (callable, optional): applied to each target (an ``int``).
        download (bool): fetch the missing files from the mirrors (MD5-checked). Without a network
            this raises a RuntimeError saying where to put the files by hand.

    Attributes:
        data (Tensor): uint8 ``(N, 28, 28)``; targets (Tensor): int64 ``(N,)``;
        classes (list of str).

    Example::

        >>> from ember.vision import datasets, transforms
        >>> train = datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor())
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six",
               "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        missing = [n for n in self._needed() if self._find(n) is None]
        if missing:
            raise RuntimeError(self._where_message(missing, not_found=True))
        self.data, self.targets = self._load_data()

    @property
    def raw_folder(self):
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def _needed(self):
        prefix = "train" if self.train else "t10k"
        return [f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"]

    def _find(self, name):
        for candidate in (name, name + ".gz"):
            path = os.path.join(self.raw_folder, candidate)
            if os.path.isfile(path):
                return path
        return None

    def _check_exists(self):
        return all(self._find(n[:-3]) is not None for n, _ in self.resources)

    def _where_message(self, missing, not_found=False):
        name = self.__class__.__name__
        head = (f"{name} not found: missing {', '.join(missing)} (gzipped or not) in {self.raw_folder}. "
                if not_found else "")
        files = ", ".join(n for n, _ in self.resources)
        return (f"{head}Download {files} from {self.mirrors[0]} (or another {name} mirror) and put "
                f"them in {self.raw_folder}" + (", or pass download=True." if not_found else "."))

    def download(self):
        """Fetch the missing IDX files into ``raw_folder`` (MD5-checked); a no-op when present."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            if self._find(filename[:-3]) is None:
                download_from_mirrors(self.mirrors, filename, self.raw_folder, md5,
                                      self.__class__.__name__, self._where_message([]))

    def _load_data(self):
        img_name, label_name = self._needed()
        img_path, label_path = self._find(img_name), self._find(label_name)
        images, labels = read_idx(img_path), read_idx(label_path)
        if images.ndim != 3 or images.dtype != np.uint8:
            raise RuntimeError(f"{img_path} does not hold uint8 images (N, H, W) (got {images.dtype} "
                               f"{images.shape}); replace it with the original {self.__class__.__name__} file.")
        if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
            raise RuntimeError(f"{label_path} holds {labels.shape} labels for {images.shape[0]} images in "
                               f"{img_path}; replace both with the original {self.__class__.__name__} files.")
        return _ops.from_numpy(np.ascontiguousarray(images)), _ops.from_numpy(labels.astype(np.int64))

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        """(image, target): a ``(H, W)`` uint8 NumPy array and an ``int`` label."""
        if isinstance(index, Tensor):
            index = int(index)
        img = self.data[index].numpy()
        target = int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def extra_repr(self):
        return f"Split: {'Train' if self.train is True else 'Test'}"


class FashionMNIST(MNIST):
    r"""Fashion-MNIST (Zalando): 28x28 grayscale images of 10 kinds of clothing, MNIST's format.

    The IDX files live in ``root/FashionMNIST/raw/``; arguments as :class:`MNIST`.
    """

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
               "Bag", "Ankle boot"]
