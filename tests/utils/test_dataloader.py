"""DataLoader in the main process: ordering, batching, drop_last, shuffling, samplers, options and
their errors, iterable datasets, len()."""
import warnings

import numpy as np
import pytest

import ember
from ember.utils.data import (BatchSampler, DataLoader, Dataset, IterableDataset, RandomSampler,
                              SequentialSampler, TensorDataset, default_collate)


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i * i


class Count(IterableDataset):
    def __init__(self, n, with_len=True):
        self.n = n
        self.with_len = with_len

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        if not self.with_len:
            raise TypeError("no len")
        return self.n


def flat(batches):
    return [x for b in batches for x in b.tolist()]


def gen(seed):
    return ember.Generator().manual_seed(seed)


def test_default_batching_and_order():
    dl = DataLoader(Squares(10), batch_size=4)
    batches = list(dl)
    assert [b.tolist() for b in batches] == [[0, 1, 4, 9], [16, 25, 36, 49], [64, 81]]
    assert len(dl) == 3
    assert [b.tolist() for b in DataLoader(Squares(3))] == [[0], [1], [4]]    # batch_size=1


def test_drop_last():
    dl = DataLoader(Squares(10), batch_size=4, drop_last=True)
    assert [b.tolist() for b in dl] == [[0, 1, 4, 9], [16, 25, 36, 49]] and len(dl) == 2
    assert len(DataLoader(Squares(8), batch_size=4, drop_last=True)) == 2


def test_tensor_dataset_batches(device):
    x = ember.arange(20.0, device=device).reshape(10, 2)
    y = ember.arange(10, device=device)
    xs, ys = zip(*DataLoader(TensorDataset(x, y), batch_size=3))
    assert [tuple(b.shape) for b in xs] == [(3, 2), (3, 2), (3, 2), (1, 2)]
    assert xs[0].device == ember.device(device)
    assert ember.cat(list(ys)).tolist() == list(range(10))


def test_shuffle_is_a_permutation_and_deterministic_with_a_generator():
    a = flat(DataLoader(Squares(20), batch_size=3, shuffle=True, generator=gen(0)))
    assert sorted(a) == sorted(i * i for i in range(20)) and a != [i * i for i in range(20)]
    assert flat(DataLoader(Squares(20), batch_size=3, shuffle=True, generator=gen(0))) == a
    assert flat(DataLoader(Squares(20), batch_size=3, shuffle=True, generator=gen(1))) != a


def test_shuffle_reshuffles_each_epoch_and_follows_manual_seed():
    ember.manual_seed(123)
    dl = DataLoader(Squares(20), batch_size=5, shuffle=True)
    e1, e2 = flat(dl), flat(dl)
    assert e1 != e2 and sorted(e1) == sorted(e2)
    ember.manual_seed(123)
    dl = DataLoader(Squares(20), batch_size=5, shuffle=True)
    assert flat(dl) == e1 and flat(dl) == e2


def test_sampler_and_batch_sampler():
    dl = DataLoader(Squares(6), batch_size=2, sampler=[5, 4, 3, 2, 1, 0])
    assert [b.tolist() for b in dl] == [[25, 16], [9, 4], [1, 0]]
    bs = [[0, 2], [1], [5, 4, 3]]
    dl = DataLoader(Squares(6), batch_sampler=bs)
    assert [b.tolist() for b in dl] == [[0, 4], [1], [25, 16, 9]]
    assert dl.batch_size is None and not dl.drop_last and len(dl) == 3
    dl = DataLoader(Squares(7), batch_sampler=BatchSampler(SequentialSampler(range(7)), 3, True))
    assert len(dl) == 2
    assert isinstance(DataLoader(Squares(3), shuffle=True).sampler, RandomSampler)


def test_mutually_exclusive_options():
    ds = Squares(4)
    with pytest.raises(ValueError, match="^sampler option is mutually exclusive with shuffle$"):
        DataLoader(ds, sampler=[0, 1], shuffle=True)
    msg = "^batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last$"
    for kw in ({"batch_size": 2}, {"shuffle": True}, {"sampler": [0]}, {"drop_last": True}):
        with pytest.raises(ValueError, match=msg):
            DataLoader(ds, batch_sampler=[[0]], **kw)
    with pytest.raises(ValueError, match="batch_size=None option disables auto-batching and is "
                                         "mutually exclusive with drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)


def test_option_validation():
    ds = Squares(4)
    with pytest.raises(ValueError, match="num_workers option should be non-negative; use num_workers=0 "
                                         "to disable multiprocessing."):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="^timeout option should be non-negative$"):
        DataLoader(ds, timeout=-1)
    with pytest.raises(ValueError, match="prefetch_factor option could only be specified in multiprocessing"):
        DataLoader(ds, prefetch_factor=2)
    with pytest.raises(ValueError, match="prefetch_factor option should be non-negative"):
        DataLoader(ds, num_workers=1, prefetch_factor=-1)
    with pytest.raises(ValueError, match="persistent_workers option needs num_workers > 0"):
        DataLoader(ds, persistent_workers=True)
    with pytest.raises(ValueError, match="multiprocessing_context can only be used with multi-process "
                                         "loading \\(num_workers > 0\\), but got num_workers=0"):
        DataLoader(ds, multiprocessing_context="fork")
    with pytest.raises(ValueError, match="multiprocessing_context option should specify a valid start method"):
        DataLoader(ds, num_workers=1, multiprocessing_context="teleport")
    with pytest.raises(TypeError, match="multiprocessing_context option should be a valid context object"):
        DataLoader(ds, num_workers=1, multiprocessing_context=3)
    dl = DataLoader(ds, batch_size=2)
    for attr in ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers"):
        with pytest.raises(ValueError, match=f"{attr} attribute should not be set after DataLoader is initialized"):
            setattr(dl, attr, None)
    dl.num_workers = 0                      # other attributes may change
    with pytest.raises(AssertionError, match="_SingleProcessDataLoaderIter requires timeout == 0"):
        iter(DataLoader(ds, timeout=1))     # as PyTorch


def test_pin_memory_is_accepted():
    dl = DataLoader(Squares(4), batch_size=2, pin_memory=True, pin_memory_device="opencl")
    assert [b.tolist() for b in dl] == [[0, 1], [4, 9]]


def test_collate_fn_and_no_auto_batching():
    dl = DataLoader(Squares(5), batch_size=2, collate_fn=lambda b: sum(b))
    assert list(dl) == [1, 13, 16]
    dl = DataLoader([np.array([1, 2]), np.array([3])], batch_size=None)
    out = list(dl)
    assert all(isinstance(t, ember.Tensor) for t in out) and out[1].tolist() == [3]
    assert len(dl) == 2
    dl = DataLoader(Squares(3), batch_size=None)
    assert list(dl) == [0, 1, 4]                # default_convert leaves ints alone


def test_dict_samples_collate():
    class D(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return {"x": ember.full((2,), float(i)), "label": i % 2, "name": f"s{i}"}
    b = next(iter(DataLoader(D(), batch_size=3)))
    assert b["x"].shape == (3, 2) and b["label"].tolist() == [0, 1, 0]
    assert b["name"] == ["s0", "s1", "s2"]


def test_getitems_is_used_for_batches():
    class Batched(Squares):
        calls = []

        def __getitems__(self, idx):
            self.calls.append(list(idx))
            return [i * i for i in idx]
    ds = Batched(5)
    assert [b.tolist() for b in DataLoader(ds, batch_size=2)] == [[0, 1], [4, 9], [16]]
    assert ds.calls == [[0, 1], [2, 3], [4]]


def test_iterable_dataset():
    assert flat(DataLoader(Count(7), batch_size=3)) == list(range(7))
    assert [b.tolist() for b in DataLoader(Count(7), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    assert list(DataLoader(Count(3), batch_size=None)) == [0, 1, 2]
    assert len(DataLoader(Count(7), batch_size=3)) == 3
    assert len(DataLoader(Count(7), batch_size=3, drop_last=True)) == 2
    with pytest.raises(ValueError, match="DataLoader with IterableDataset: expected unspecified shuffle "
                                         "option, but got shuffle=True"):
        DataLoader(Count(3), shuffle=True)
    with pytest.raises(ValueError, match="expected unspecified sampler option"):
        DataLoader(Count(3), sampler=[0])
    with pytest.raises(ValueError, match="expected unspecified batch_sampler option"):
        DataLoader(Count(3), batch_sampler=[[0]])
    DataLoader(Count(3), shuffle=False)
    with pytest.raises(TypeError):
        len(DataLoader(Count(3, with_len=False)))


def test_iterable_dataset_length_warning():
    class Liar(Count):
        def __len__(self):
            return 2
    dl = DataLoader(Liar(4), batch_size=None)
    assert len(dl) == 2
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        assert list(dl) == [0, 1, 2, 3]
    assert any("was reported to be 2" in str(w.message) for w in rec)


def test_len_and_iterator_len():
    dl = DataLoader(Squares(10), batch_size=3)
    it = iter(dl)
    assert len(it) == 4 == len(dl)
    with pytest.raises(NotImplementedError):
        import pickle
        pickle.dumps(it)


def test_exception_in_dataset_propagates_unchanged_in_main_process():
    class Bad(Squares):
        def __getitem__(self, i):
            if i == 2:
                raise KeyError("missing")
            return i
    it = iter(DataLoader(Bad(4)))
    assert next(it).tolist() == [0]
    next(it)
    with pytest.raises(KeyError, match="missing"):
        next(it)


def test_default_collate_is_the_default():
    dl = DataLoader(Squares(2))
    assert dl.collate_fn is default_collate
