"""Datasets: the map-style and iterable-style bases and their combinators (as torch.utils.data)."""
import bisect
import itertools
import math
import warnings

from ...random import default_generator

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset",
           "ChainDataset", "Subset", "random_split"]


class Dataset:
    r"""An abstract map-style dataset: a map from keys (usually ``0 .. len - 1``) to samples.

    Subclasses override :meth:`__getitem__` and usually :meth:`__len__` (samplers and the
    default :class:`~ember.utils.data.DataLoader` options need it). They may also define
    ``__getitems__(indices) -> list of samples`` to fetch a whole batch at once.

    Example::

        >>> class Squares(Dataset):
        ...     def __len__(self):
        ...         return 10
        ...     def __getitem__(self, i):
        ...         return i * i
    """

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other):
        return ConcatDataset([self, other])

    def __class_getitem__(cls, item):       # Dataset[int] in annotations, as typing.Generic
        return cls


class IterableDataset(Dataset):
    r"""An iterable-style dataset: a stream of samples, for data read sequentially.

    Subclasses override :meth:`__iter__`. With ``num_workers > 0`` every worker process iterates
    its own copy of the dataset; use :func:`~ember.utils.data.get_worker_info` in ``__iter__``
    (or in the loader's ``worker_init_fn``) to give each copy its own shard, or every sample is
    returned once per worker.

    Example::

        >>> class Range(IterableDataset):
        ...     def __init__(self, start, end):
        ...         self.start, self.end = start, end
        ...     def __iter__(self):
        ...         info = get_worker_info()
        ...         if info is None:                      # loading in the main process
        ...             return iter(range(self.start, self.end))
        ...         per = math.ceil((self.end - self.start) / info.num_workers)
        ...         lo = self.start + info.id * per
        ...         return iter(range(lo, min(lo + per, self.end)))
    """

    def __iter__(self):
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other):
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    r"""A dataset of tensors indexed together along their first dimension.

    Args:
        *tensors (Tensor): tensors with the same size in dimension 0.

    Example::

        >>> ds = TensorDataset(ember.randn(100, 3), ember.randint(0, 2, (100,)))
        >>> x, y = ds[0]
    """

    def __init__(self, *tensors):
        if any(tensors[0].size(0) != t.size(0) for t in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].size(0)


class StackDataset(Dataset):
    r"""Datasets of equal length stacked sample by sample: ``ds[i]`` is a tuple (positional
    datasets) or a dict (keyword datasets) of their ``i``-th samples.

    Args:
        *args (Dataset): datasets whose samples form a tuple.
        **kwargs (Dataset): datasets whose samples form a dict.

    Example::

        >>> StackDataset(images, labels)[0]            # (images[0], labels[0])
        >>> StackDataset(image=images, label=labels)[0]  # {"image": ..., "label": ...}
    """

    def __init__(self, *args, **kwargs):
        if args:
            if kwargs:
                raise ValueError("Supported either ``tuple``- (via ``args``) or``dict``- (via "
                                 "``kwargs``) like input/output, but both types are given.")
            self._length = len(args[0])
            if any(self._length != len(d) for d in args):
                raise ValueError("Size mismatch between datasets")
            self.datasets = args
        elif kwargs:
            values = list(kwargs.values())
            self._length = len(values[0])
            if any(self._length != len(d) for d in values):
                raise ValueError("Size mismatch between datasets")
            self.datasets = kwargs
        else:
            raise ValueError("At least one dataset should be passed")

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices):
        def fetch(d):
            if callable(getattr(d, "__getitems__", None)):
                items = d.__getitems__(indices)
                if len(items) != len(indices):
                    raise ValueError(f"Nested dataset's output size mismatch. Expected "
                                     f"{len(indices)}, got {len(items)}")
                return items
            return [d[i] for i in indices]
        if isinstance(self.datasets, dict):
            cols = {k: fetch(d) for k, d in self.datasets.items()}
            return [{k: c[j] for k, c in cols.items()} for j in range(len(indices))]
        cols = [fetch(d) for d in self.datasets]
        return [tuple(c[j] for c in cols) for j in range(len(indices))]

    def __len__(self):
        return self._length


class ConcatDataset(Dataset):
    r"""Map-style datasets concatenated end to end.

    Args:
        datasets (iterable): the datasets, in order.

    Attributes:
        cumulative_sizes (list): the running totals of their lengths.
    """

    @staticmethod
    def cumsum(sequence):
        r, s = [], 0
        for e in sequence:
            s += len(e)
            r.append(s)
        return r

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        d = bisect.bisect_right(self.cumulative_sizes, idx)
        sample_idx = idx if d == 0 else idx - self.cumulative_sizes[d - 1]
        return self.datasets[d][sample_idx]


class ChainDataset(IterableDataset):
    r"""Iterable datasets chained one after another (lazily).

    Args:
        datasets (iterable of IterableDataset): the datasets, in order.
    """

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self):
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            total += len(d)
        return total


class Subset(Dataset):
    r"""The samples of a dataset at the given indices.

    Args:
        dataset (Dataset): the whole dataset.
        indices (sequence): the indices selected, in order.
    """

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices
        if (type(self).__getitem__ is not Subset.__getitem__
                and type(self).__getitems__ is Subset.__getitems__):
            raise NotImplementedError(
                f"{type(self).__name__} overrides __getitem__ but not __getitems__. When "
                "subclassing Subset and overriding __getitem__, you must also override "
                "__getitems__ to ensure DataLoader works correctly with your custom logic. A "
                "simple implementation:\n\ndef __getitems__(self, indices):\n"
                "    return [self.__getitem__(idx) for idx in indices]")

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self):
        return len(self.indices)


def random_split(dataset, lengths, generator=default_generator):
    r"""Split a dataset at random into non-overlapping subsets of the given lengths.

    When ``lengths`` are fractions summing to 1, each split gets ``floor(frac * len(dataset))``
    samples and the remainder is dealt out one by one, round robin, from the first split.

    Args:
        dataset (Dataset): the dataset to split.
        lengths (sequence): lengths (ints) or fractions of the splits.
        generator (Generator): the generator of the random permutation (default: the global
            one, so ``ember.manual_seed`` makes the split reproducible).

    Returns:
        list of :class:`Subset`.

    Example::

        >>> train, val = random_split(range(10), [0.8, 0.2], generator=ember.Generator().manual_seed(0))
    """
    from ...ops.random import randperm
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        sizes = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            sizes.append(int(math.floor(len(dataset) * frac)))
        remainder = len(dataset) - sum(sizes)
        for i in range(remainder):
            sizes[i % len(sizes)] += 1
        lengths = sizes
        for i, n in enumerate(lengths):
            if n == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty "
                              f"dataset.", stacklevel=2)
    if sum(lengths) != len(dataset):
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    indices = randperm(sum(lengths), generator=generator).tolist()
    return [Subset(dataset, indices[end - n:end])
            for end, n in zip(itertools.accumulate(lengths), lengths)]
