"""Digits: the 1,797 8x8 handwritten digits of the UCI optical-digits collection, bundled."""
import gzip
import os
import threading

import numpy as np

from ... import random as _random
from ...ops.random import randperm
from ...tensor import Tensor
from ... import ops as _ops
from .vision import VisionDataset

__all__ = ["Digits"]

_DATA_FILE = os.path.join(os.path.dirname(__file__), "data", "digits.csv.gz")
_CACHE = {}
_CACHE_LOCK = threading.Lock()


def _load_digits_file(path=_DATA_FILE):
    """(pixels uint8 (1797, 8, 8) in 0..16, labels int64 (1797,)) parsed from the bundled CSV."""
    with _CACHE_LOCK:
        if path in _CACHE:
            return _CACHE[path]
        try:
            with gzip.open(path, "rt") as fh:
                raw = np.loadtxt(fh, delimiter=",", dtype=np.float64, ndmin=2)
        except FileNotFoundError:
            raise RuntimeError(
                f"The bundled Digits data file is missing ({path}). Reinstall Ember "
                "(`pip install --force-reinstall .` from the source tree) so that "
                "ember/vision/datasets/data/digits.csv.gz is installed.") from None
        except (OSError, EOFError, ValueError) as e:
            raise RuntimeError(
                f"The bundled Digits data file {path} is corrupt ({e}). Reinstall Ember so that "
                "ember/vision/datasets/data/digits.csv.gz is restored.") from None
        if raw.shape[1] != 65 or raw.shape[0] == 0 or raw[:, :64].min() < 0 or raw[:, :64].max() > 16:
            raise RuntimeError(
                f"The bundled Digits data file {path} has unexpected contents (shape {raw.shape}); "
                "reinstall Ember so that ember/vision/datasets/data/digits.csv.gz is restored.")
        pixels = raw[:, :64].astype(np.uint8).reshape(-1, 8, 8)
        labels = raw[:, 64].astype(np.int64)
        _CACHE[path] = (pixels, labels)
        return pixels, labels


def _stratified_split(labels, split, seed):
    """(train indices, test indices), both sorted: `split` of every class is held out."""
    g = _random.Generator().manual_seed(seed)
    train, test = [], []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        perm = idx[randperm(len(idx), generator=g).numpy()]
        n_test = int(round(len(idx) * split))
        test.append(perm[:n_test])
        train.append(perm[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


class Digits(VisionDataset):
    r"""The UCI "Optical Recognition of Handwritten Digits" test set: 1,797 real 8x8 images.

    This is the collection scikit-learn ships as ``load_digits`` (E. Alpaydin and C. Kaynak,
    UCI Machine Learning Repository, CC BY 4.0). It is bundled inside Ember, so it needs no
    download. Each pixel counts the "on" pixels of a 4x4 block of a 32x32 bitmap (0..16);
    images are returned as float32 tensors scaled to ``[0, 1]``.

    The train/test split is deterministic: ``split`` of each class (stratified) is held out for
    testing, chosen by a generator seeded with ``seed``; train and test never overlap for the
    same ``split`` and ``seed``.

    Args:
        root (str, optional): ignored (the data is bundled); kept for a uniform signature.
        train (bool): the training part (``True``, default) or the held-out test part.
        transform (callable, optional): applied to each image (a ``(1, 8, 8)`` float32 tensor).
        target_transform (callable, optional): applied to each target (an ``int``).
        split (float): the fraction of each class held out for testing (default 0.2).
        seed (int): seeds the split (default 0).

    Attributes:
        data (Tensor): uint8 ``(N, 8, 8)`` raw pixel counts (0..16) of this part.
        targets (Tensor): int64 ``(N,)`` labels 0..9.
        images (Tensor): float32 ``(N, 1, 8, 8)``, ``data / 16`` (for whole-batch use).
        indices (numpy.ndarray): the rows of the full collection this part holds.
        classes (list of str): ``["0", ..., "9"]``.

    Example::

        >>> train = Digits(train=True)
        >>> len(train), len(Digits(train=False))
        (1437, 360)
        >>> img, label = train[0]
        >>> img.shape
        ember.Size([1, 8, 8])
    """

    classes = [str(i) for i in range(10)]
    num_total = 1797

    def __init__(self, root=None, train=True, transform=None, target_transform=None,
                 split=0.2, seed=0):
        super().__init__(root, transform=transform, target_transform=target_transform)
        split = float(split)
        if not 0.0 < split < 1.0:
            raise ValueError(f"split should be a fraction in (0, 1), got {split}")
        self.train = bool(train)
        self.split = split
        self.seed = int(seed)
        pixels, labels = _load_digits_file()
        train_idx, test_idx = _stratified_split(labels, split, self.seed)
        self.indices = train_idx if self.train else test_idx
        pixels = np.ascontiguousarray(pixels[self.indices])
        self._labels = np.ascontiguousarray(labels[self.indices])
        self._images = (pixels.astype(np.float32) / np.float32(16.0))[:, None]
        # the tensors share memory with the arrays __getitem__ reads (CPU tensors over NumPy)
        self.data = _ops.from_numpy(pixels)
        self.targets = _ops.from_numpy(self._labels)
        self.images = _ops.from_numpy(self._images)

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def __len__(self):
        return len(self._labels)

    def __getitem__(self, index):
        """(image, target): a float32 ``(1, 8, 8)`` tensor in [0, 1] and an ``int`` label."""
        if isinstance(index, Tensor):
            index = int(index)
        img = _ops.tensor(self._images[index])
        target = int(self._labels[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def extra_repr(self):
        return f"Split: {'Train' if self.train else 'Test'} (held out {self.split:g}, seed {self.seed})"
