"""ember.utils.data datasets, random_split and samplers (orders, statistics, errors)."""
import collections
import math
import warnings

import numpy as np
import pytest

import ember
from ember.utils.data import (BatchSampler, ChainDataset, ConcatDataset, Dataset,
                              DistributedSampler, IterableDataset, RandomSampler, SequentialSampler,
                              StackDataset, Subset, SubsetRandomSampler, TensorDataset,
                              WeightedRandomSampler, random_split)


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i * i


class Count(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def gen(seed):
    return ember.Generator().manual_seed(seed)


# ------------------------------------------------------------------------------------------------
# Datasets
def test_dataset_base_and_add():
    with pytest.raises(NotImplementedError, match="Subclasses of Dataset should implement __getitem__"):
        Dataset()[0]
    both = Squares(3) + Squares(2)
    assert isinstance(both, ConcatDataset) and [both[i] for i in range(5)] == [0, 1, 4, 0, 1]
    chained = Count(2) + Count(3)
    assert isinstance(chained, ChainDataset) and list(chained) == [0, 1, 0, 1, 2]
    assert len(chained) == 5


def test_tensor_dataset(device):
    x = ember.arange(12.0, device=device).reshape(4, 3)
    y = ember.tensor([0, 1, 0, 1], device=device)
    ds = TensorDataset(x, y)
    assert len(ds) == 4
    xi, yi = ds[2]
    assert xi.tolist() == [6.0, 7.0, 8.0] and yi.item() == 0
    assert ds[1:3][0].shape == (2, 3)
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(x, ember.zeros(3))


def test_concat_dataset():
    ds = ConcatDataset([Squares(3), [10, 11], Squares(2)])
    assert len(ds) == 7 and ds.cumulative_sizes == [3, 5, 7]
    assert [ds[i] for i in range(7)] == [0, 1, 4, 10, 11, 0, 1]
    assert ds[-1] == 1 and ds[-7] == 0
    with pytest.raises(ValueError, match="absolute value of index should not exceed dataset length"):
        ds[-8]
    with pytest.raises(AssertionError, match="datasets should not be an empty iterable"):
        ConcatDataset([])
    with pytest.raises(AssertionError, match="ConcatDataset does not support IterableDataset"):
        ConcatDataset([Count(2)])


def test_chain_dataset_rejects_map_style():
    with pytest.raises(AssertionError, match="ChainDataset only supports IterableDataset"):
        list(ChainDataset([Count(1), Squares(2)]))


def test_subset():
    s = Subset(Squares(10), [7, 2, 5])
    assert len(s) == 3 and s[0] == 49 and [s[i] for i in range(3)] == [49, 4, 25]
    assert s.__getitems__([2, 0]) == [25, 49]

    class Bad(Subset):
        def __getitem__(self, i):
            return 0
    with pytest.raises(NotImplementedError, match="overrides __getitem__ but not __getitems__"):
        Bad(Squares(3), [0])


def test_stack_dataset():
    t = StackDataset(Squares(3), [5, 6, 7])
    assert t[1] == (1, 6) and len(t) == 3
    assert t.__getitems__([0, 2]) == [(0, 5), (4, 7)]
    d = StackDataset(a=Squares(3), b=[5, 6, 7])
    assert d[2] == {"a": 4, "b": 7}
    assert d.__getitems__([1]) == [{"a": 1, "b": 6}]
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        StackDataset(Squares(3), [1])
    with pytest.raises(ValueError, match="both types are given"):
        StackDataset(Squares(3), b=Squares(3))
    with pytest.raises(ValueError, match="At least one dataset should be passed"):
        StackDataset()


# ------------------------------------------------------------------------------------------------
# random_split
def test_random_split_lengths_partition_and_determinism():
    parts = random_split(range(10), [3, 7], generator=gen(42))
    assert [len(p) for p in parts] == [3, 7]
    got = sorted(x for p in parts for x in (p[i] for i in range(len(p))))
    assert got == list(range(10))
    again = random_split(range(10), [3, 7], generator=gen(42))
    assert [list(p.indices) for p in parts] == [list(p.indices) for p in again]
    other = random_split(range(10), [3, 7], generator=gen(43))
    assert [list(p.indices) for p in parts] != [list(p.indices) for p in other]


def test_random_split_fractions():
    parts = random_split(range(10), [0.33, 0.33, 0.34], generator=gen(0))
    # floor gives 3, 3, 3; the remaining one goes round robin from the first split
    assert [len(p) for p in parts] == [4, 3, 3]
    parts = random_split(range(30), [0.3, 0.3, 0.4], generator=gen(0))
    assert [len(p) for p in parts] == [9, 9, 12]
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        random_split(range(2), [0.9, 0.05, 0.05], generator=gen(0))
    assert [str(w.message) for w in rec] == [
        f"Length of split at index {i} is 0. This might result in an empty dataset." for i in (1, 2)]
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(range(10), [3, 6])
    with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
        random_split(range(10), [1.5, -0.5])


def test_random_split_uses_the_global_generator_by_default():
    ember.manual_seed(7)
    a = [list(p.indices) for p in random_split(range(20), [10, 10])]
    ember.manual_seed(7)
    b = [list(p.indices) for p in random_split(range(20), [10, 10])]
    assert a == b


# ------------------------------------------------------------------------------------------------
# Samplers
def test_sequential_sampler():
    s = SequentialSampler(range(5))
    assert list(s) == [0, 1, 2, 3, 4] and len(s) == 5


def test_random_sampler_permutation_and_determinism():
    s = RandomSampler(range(20), generator=gen(3))
    first = list(s)
    assert sorted(first) == list(range(20)) and len(s) == 20
    assert list(RandomSampler(range(20), generator=gen(3))) == first
    assert list(s) != first                      # the generator advanced: a new epoch order
    ember.manual_seed(5)
    a = list(RandomSampler(range(20)))
    ember.manual_seed(5)
    assert list(RandomSampler(range(20))) == a


def test_random_sampler_num_samples_without_replacement_repeats_permutations():
    out = list(RandomSampler(range(4), num_samples=10, generator=gen(0)))
    assert len(out) == 10
    assert sorted(out[:4]) == [0, 1, 2, 3] and sorted(out[4:8]) == [0, 1, 2, 3]


def test_random_sampler_with_replacement_statistics():
    n, draws = 5, 10000
    s = RandomSampler(range(n), replacement=True, num_samples=draws, generator=gen(1))
    out = list(s)
    assert len(out) == draws == len(s) and set(out) <= set(range(n))
    counts = np.bincount(out, minlength=n)
    expected = draws / n
    sigma = math.sqrt(draws * (1 / n) * (1 - 1 / n))
    assert np.all(np.abs(counts - expected) < 5 * sigma), counts
    # chi-square with 4 degrees of freedom; 18.5 is its 0.999 quantile
    assert ((counts - expected) ** 2 / expected).sum() < 18.5


def test_random_sampler_errors():
    with pytest.raises(TypeError, match="replacement should be a boolean value, but got replacement=1"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value, but got num_samples=0"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(ValueError, match="num_samples=0"):
        RandomSampler([])


def test_subset_random_sampler():
    idx = [10, 20, 30, 40]
    s = SubsetRandomSampler(idx, generator=gen(0))
    out = list(s)
    assert sorted(out) == idx and len(s) == 4
    assert list(SubsetRandomSampler(idx, generator=gen(0))) == out


def test_weighted_random_sampler_statistics():
    w = [1.0, 3.0, 0.0, 4.0]
    draws = 16000
    s = WeightedRandomSampler(w, draws, generator=gen(2))
    out = list(s)
    assert len(out) == draws == len(s)
    counts = np.bincount(out, minlength=4)
    assert counts[2] == 0
    p = np.array(w) / sum(w)
    sigma = np.sqrt(draws * p * (1 - p))
    assert np.all(np.abs(counts - draws * p) <= 5 * sigma + 1e-9), counts
    assert s.weights.dtype is ember.float64


def test_weighted_random_sampler_without_replacement():
    out = list(WeightedRandomSampler([0.9, 0.4, 0.05, 0.2, 0.3, 0.1], 5, replacement=False,
                                     generator=gen(0)))
    assert len(set(out)) == 5
    # the heaviest index comes first most of the time
    firsts = collections.Counter(
        next(iter(WeightedRandomSampler([10.0, 1.0, 1.0], 2, replacement=False, generator=gen(s))))
        for s in range(200))
    assert firsts[0] > 140


def test_weighted_random_sampler_errors():
    with pytest.raises(ValueError, match="num_samples should be a positive integer value, but got num_samples=0"):
        WeightedRandomSampler([1.0], 0)
    with pytest.raises(ValueError, match="num_samples=True"):
        WeightedRandomSampler([1.0], True)
    with pytest.raises(ValueError, match="replacement should be a boolean value, but got replacement=0"):
        WeightedRandomSampler([1.0], 1, replacement=0)
    with pytest.raises(ValueError, match=r"weights should be a 1d sequence but given weights have shape \(2, 1\)"):
        WeightedRandomSampler([[1.0], [2.0]], 1)


def test_batch_sampler():
    seq = SequentialSampler(range(10))
    assert list(BatchSampler(seq, 3, False)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert list(BatchSampler(seq, 3, True)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert len(BatchSampler(seq, 3, False)) == 4 and len(BatchSampler(seq, 3, True)) == 3
    assert list(BatchSampler(range(4), 2, False)) == [[0, 1], [2, 3]]   # any iterable
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
            BatchSampler(seq, bad, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean value, but got drop_last=1"):
        BatchSampler(seq, 2, 1)


def test_distributed_sampler_partitions():
    ds = range(10)
    shards = [list(DistributedSampler(ds, num_replicas=3, rank=r, shuffle=False)) for r in range(3)]
    assert shards == [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]       # padded to 12
    dropped = [list(DistributedSampler(ds, 3, r, shuffle=False, drop_last=True)) for r in range(3)]
    assert sorted(sum(dropped, [])) == list(range(9))
    s = DistributedSampler(ds, 2, 0, seed=1)
    e0 = list(s)
    s.set_epoch(1)
    assert list(s) != e0 and len(s) == 5
    s.set_epoch(0)
    assert list(s) == e0
    both = list(DistributedSampler(ds, 2, 0, seed=1)) + list(DistributedSampler(ds, 2, 1, seed=1))
    assert sorted(both) == list(range(10))
    with pytest.raises(ValueError, match="Invalid rank 3"):
        DistributedSampler(ds, 3, 3)
    with pytest.raises(RuntimeError, match="Requires distributed package"):
        DistributedSampler(ds)


def test_sampler_base():
    from ember.utils.data import Sampler
    with pytest.raises(NotImplementedError):
        iter(Sampler())


def test_torch_compat_messages():
    """The same inputs raise the same messages as torch.utils.data."""
    pytest.importorskip("torch")
    from torch.utils import data as td
    cases = [lambda m: m.RandomSampler(range(3), num_samples=-1),
             lambda m: m.BatchSampler(range(3), 0, False),
             lambda m: m.WeightedRandomSampler([1.0], 1, replacement="x"),
             lambda m: m.ConcatDataset([])]
    for case in cases:
        with pytest.raises(Exception) as theirs:
            case(td)
        with pytest.raises(Exception) as ours:
            case(ember.utils.data)
        assert type(ours.value) is type(theirs.value)
        assert str(ours.value) == str(theirs.value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = [len(p) for p in td.random_split(range(11), [0.2, 0.3, 0.5])]
        b = [len(p) for p in random_split(range(11), [0.2, 0.3, 0.5])]
    assert a == b
