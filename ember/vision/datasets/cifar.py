"""CIFAR-10 from its binary batches (``cifar-10-batches-bin/*.bin``): no pickle involved."""
import os

import numpy as np

from ...tensor import Tensor
from .utils import download_and_extract_archive
from .vision import VisionDataset

__all__ = ["CIFAR10"]

_RECORD = 1 + 32 * 32 * 3          # label byte, then 1024 red, 1024 green, 1024 blue bytes


def read_cifar_bin(path):
    """(images uint8 (N, 32, 32, 3), labels int64 (N,)) from one CIFAR-10 binary batch."""
    try:
        raw = np.fromfile(path, dtype=np.uint8)
    except OSError as e:
        raise RuntimeError(f"Could not read {path} ({e}).") from None
    if raw.size == 0 or raw.size % _RECORD:
        raise RuntimeError(f"{path} is truncated or corrupt ({raw.size} bytes is not a whole number of "
                           f"{_RECORD}-byte records); delete the cifar-10-batches-bin folder and download "
                           "it again.")
    rec = raw.reshape(-1, _RECORD)
    labels = rec[:, 0].astype(np.int64)
    if labels.max() > 9:
        raise RuntimeError(f"{path} is corrupt (label {int(labels.max())} is not 0..9); delete the "
                           "cifar-10-batches-bin folder and download it again.")
    images = rec[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


class CIFAR10(VisionDataset):
    r"""CIFAR-10: 50,000 training and 10,000 test 32x32 colour images of 10 classes.

    Reads the *binary version* of the data set (the one "suitable for C programs"): the folder
    ``root/cifar-10-batches-bin/`` with ``data_batch_1.bin`` .. ``data_batch_5.bin``,
    ``test_batch.bin`` and ``batches.meta.txt``. Each record is one label byte followed by the
    1024 red, 1024 green and 1024 blue bytes of the image, row-major.

    Args:
        root (str): the folder holding ``cifar-10-batches-bin/``.
        train (bool): the training set (default) or the test set.
        transform (callable, optional): applied to each image, a ``(32, 32, 3)`` uint8 NumPy array.
        target_transform (callable, optional): applied to each target (an ``int``).
        download (bool): fetch and extract ``cifar-10-binary.tar.gz`` (MD5-checked) when missing;
            offline, a RuntimeError says where to put it.

    Attributes:
        data (numpy.ndarray): uint8 ``(N, 32, 32, 3)``; targets (list of int); classes (list of str).
    """

    base_folder = "cifar-10-batches-bin"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
    filename = "cifar-10-binary.tar.gz"
    tgz_md5 = "c32a1d4ab5d03f1284b67883e8d87530"
    train_list = [f"data_batch_{i}.bin" for i in range(1, 6)]
    test_list = ["test_batch.bin"]
    meta_file = "batches.meta.txt"
    default_classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
                       "truck"]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        files = self.train_list if train else self.test_list
        folder = os.path.join(self.root, self.base_folder)
        missing = [f for f in files if not os.path.isfile(os.path.join(folder, f))]
        if missing:
            raise RuntimeError(
                f"CIFAR10 not found: missing {', '.join(missing)} in {folder}. Download {self.url} and "
                f"extract it into {self.root} (it unpacks to {self.base_folder}/), or pass download=True.")
        parts = [read_cifar_bin(os.path.join(folder, f)) for f in files]
        self.data = np.concatenate([p[0] for p in parts])
        self.targets = np.concatenate([p[1] for p in parts]).tolist()
        self._load_meta(os.path.join(folder, self.meta_file))

    def _load_meta(self, path):
        classes = list(self.default_classes)
        if os.path.isfile(path):
            with open(path, encoding="utf-8", errors="replace") as fh:
                names = [line.strip() for line in fh if line.strip()]
            if len(names) == 10:
                classes = names
        self.classes = classes
        self.class_to_idx = {c: i for i, c in enumerate(classes)}

    def _check_integrity(self):
        folder = os.path.join(self.root, self.base_folder)
        return all(os.path.isfile(os.path.join(folder, f)) for f in self.train_list + self.test_list)

    def download(self):
        """Fetch and extract the binary archive into ``root`` (MD5-checked); a no-op when present."""
        if self._check_integrity():
            return
        try:
            download_and_extract_archive(self.url, self.root, filename=self.filename, md5=self.tgz_md5)
        except (OSError, RuntimeError) as e:
            raise RuntimeError(
                f"Could not download CIFAR10 from {self.url} (no network, or the download failed: "
                f"{getattr(e, 'reason', None) or e}). Download {self.filename} by hand and extract it into "
                f"{self.root} (it unpacks to {self.base_folder}/).") from None

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        """(image, target): a ``(32, 32, 3)`` uint8 NumPy array and an ``int`` label."""
        if isinstance(index, Tensor):
            index = int(index)
        img, target = self.data[index], self.targets[index]
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def extra_repr(self):
        return f"Split: {'Train' if self.train is True else 'Test'}"
