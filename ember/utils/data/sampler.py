"""Samplers: the index orders a DataLoader draws (as torch.utils.data)."""
import itertools
import math

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler", "DistributedSampler"]


def _fresh_generator():
    """A generator seeded from the global one, as PyTorch's samplers do when given none: so
    ``ember.manual_seed`` fixes the order, and each epoch still differs."""
    from ...ops.creation import empty
    from ...random import Generator
    from ... import dtypes
    seed = int(empty((), dtype=dtypes.int64).random_().item())
    return Generator().manual_seed(seed)


class Sampler:
    r"""Base class of samplers: an iterable over dataset indices (or lists of indices).

    Subclasses provide :meth:`__iter__` and, usually, :meth:`__len__` (needed by
    ``len(DataLoader)``).
    """

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError

    def __class_getitem__(cls, item):
        return cls


class SequentialSampler(Sampler):
    r"""Indices ``0, 1, ..., len(data_source) - 1`` in order.

    Args:
        data_source (Sized): the dataset (only its ``len`` is used).
    """

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    r"""Random indices: a shuffled order, or draws with replacement.

    Args:
        data_source (Sized): the dataset (only its ``len`` is used).
        replacement (bool): draw with replacement (default ``False``).
        num_samples (int, optional): how many indices to draw (default ``len(data_source)``);
            without replacement, more than ``len`` repeats whole permutations.
        generator (Generator, optional): the generator to draw from. When ``None``, each
            iteration seeds a fresh generator from the global one.

    Example::

        >>> g = ember.Generator().manual_seed(0)
        >>> list(RandomSampler(range(5), generator=g))
        [...]
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got "
                            f"replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        from ...ops.random import randint, randperm
        from ... import dtypes
        n = len(self.data_source)
        g = _fresh_generator() if self.generator is None else self.generator
        if self.replacement:
            for _ in range(self.num_samples // 32):
                yield from randint(high=n, size=(32,), dtype=dtypes.int64, generator=g).tolist()
            yield from randint(high=n, size=(self.num_samples % 32,), dtype=dtypes.int64,
                               generator=g).tolist()
        else:
            for _ in range(self.num_samples // n):
                yield from randperm(n, generator=g).tolist()
            yield from randperm(n, generator=g).tolist()[:self.num_samples % n]

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    r"""The given indices in a random order (without replacement).

    Args:
        indices (sequence): the indices to draw from.
        generator (Generator, optional): the generator to draw from (default: the global one).
    """

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        from ...ops.random import randperm
        for i in randperm(len(self.indices), generator=self.generator).tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    r"""Indices ``0 .. len(weights) - 1`` drawn with probabilities proportional to ``weights``.

    Args:
        weights (sequence): non-negative weights (they need not sum to one).
        num_samples (int): how many indices to draw.
        replacement (bool): draw with replacement (default ``True``); without it an index is
            drawn at most once.
        generator (Generator, optional): the generator to draw from (default: the global one).

    Example::

        >>> list(WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 5, replacement=True))
        [4, 4, 1, 4, 5]
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        from ...ops.creation import as_tensor
        from ... import dtypes
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        w = as_tensor(weights, dtype=dtypes.float64)
        if len(w.shape) != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{tuple(w.shape)}")
        self.weights = w
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        from ...ops.random import multinomial
        yield from iter(multinomial(self.weights, self.num_samples, self.replacement,
                                    generator=self.generator).tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    r"""Groups the indices of another sampler into lists of ``batch_size``.

    Args:
        sampler (Sampler or Iterable): the index sampler.
        batch_size (int): indices per batch.
        drop_last (bool): drop the last batch when it is short.

    Example::

        >>> list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False))
        [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
        >>> list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=True))
        [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    """

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        it = iter(self.sampler)
        if self.drop_last:
            for batch in zip(*([it] * self.batch_size)):
                yield [*batch]
        else:
            batch = [*itertools.islice(it, self.batch_size)]
            while batch:
                yield batch
                batch = [*itertools.islice(it, self.batch_size)]

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size


class DistributedSampler(Sampler):
    r"""The share of a dataset that one of ``num_replicas`` processes loads (rank ``rank``).

    Ember has no process-group package, so ``num_replicas`` and ``rank`` must be given. Indices
    are padded (or, with ``drop_last``, trimmed) to a multiple of ``num_replicas``; rank ``r``
    takes every ``num_replicas``-th index starting at ``r``. With ``shuffle``, the order is a
    permutation seeded by ``seed + epoch``: call :meth:`set_epoch` before each epoch.

    Args:
        dataset (Dataset): the dataset (only its ``len`` is used).
        num_replicas (int): the number of processes.
        rank (int): this process's rank, in ``[0, num_replicas - 1]``.
        shuffle (bool): shuffle the indices (default ``True``).
        seed (int): the shuffling seed, the same in every process (default 0).
        drop_last (bool): trim the tail instead of padding it (default ``False``).
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        if num_replicas is None or rank is None:
            raise RuntimeError("Requires distributed package to be available: ember has none, "
                               "so pass num_replicas and rank explicitly")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        if self.drop_last and len(self.dataset) % self.num_replicas != 0:
            self.num_samples = math.ceil((len(self.dataset) - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(len(self.dataset) / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        if self.shuffle:
            from ...ops.random import randperm
            from ...random import Generator
            g = Generator().manual_seed(self.seed + self.epoch)
            indices = randperm(len(self.dataset), generator=g).tolist()
        else:
            indices = list(range(len(self.dataset)))
        if not self.drop_last:
            pad = self.total_size - len(indices)
            if pad <= len(indices):
                indices += indices[:pad]
            else:
                indices += (indices * math.ceil(pad / len(indices)))[:pad]
        else:
            indices = indices[:self.total_size]
        assert len(indices) == self.total_size
        indices = indices[self.rank:self.total_size:self.num_replicas]
        assert len(indices) == self.num_samples
        return iter(indices)

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Set the epoch, which seeds the next shuffle (call before each epoch)."""
        self.epoch = epoch
