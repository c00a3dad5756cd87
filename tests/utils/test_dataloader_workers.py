"""DataLoader with worker processes: same batches as in-process loading, errors carried back with
their tracebacks, dead workers detected (never a hang), timeouts, seeding, persistent workers,
IterableDataset sharding, and cleanup of the processes."""
import contextlib
import gc
import multiprocessing
import os
import random
import signal
import time

import numpy as np
import pytest

import ember
from ember.utils.data import (DataLoader, Dataset, IterableDataset, TensorDataset,
                              get_worker_info)
from ember.utils.data import _worker

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


@pytest.fixture(autouse=True)
def fast_checks_and_no_leaks(monkeypatch):
    """Liveness checks every 0.2 s (tests run fast), and no worker outlives its test."""
    monkeypatch.setattr(_worker, "MP_STATUS_CHECK_INTERVAL", 0.2)
    yield
    gc.collect()
    deadline = time.time() + 5
    while multiprocessing.active_children() and time.time() < deadline:
        time.sleep(0.05)
    assert multiprocessing.active_children() == []


class Timeout(Exception):
    pass


@contextlib.contextmanager
def guard(seconds):
    """Fail (instead of hanging the suite) when the block takes longer than `seconds`."""
    def handler(signum, frame):
        raise Timeout(f"still running after {seconds} s: the loader hangs")
    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


class Squares(Dataset):
    def __init__(self, n, delay=0.0):
        self.n, self.delay = n, delay

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if self.delay:
            time.sleep(self.delay)
        return {"x": ember.full((2,), float(i)), "i": i, "sq": i * i, "name": f"s{i}"}


def gen(seed):
    return ember.Generator().manual_seed(seed)


def as_lists(batches):
    out = []
    for b in batches:
        out.append({k: (v.tolist() if isinstance(v, ember.Tensor) else v) for k, v in b.items()})
    return out


# ------------------------------------------------------------------------------------------------
# Same batches as in-process loading
@pytest.mark.filterwarnings("ignore:This DataLoader will create")
@pytest.mark.parametrize("workers,prefetch", [(1, 1), (2, 2), (3, 4)])
def test_workers_give_the_same_batches_as_the_main_process(workers, prefetch):
    ds = Squares(23)
    with guard(60):
        for kw in ({"batch_size": 4}, {"batch_size": 5, "drop_last": True},
                   {"batch_size": 3, "shuffle": True}):
            ref = as_lists(DataLoader(ds, generator=gen(7), **kw))
            got = as_lists(DataLoader(ds, generator=gen(7), num_workers=workers,
                                      prefetch_factor=prefetch, **kw))
            assert got == ref


def test_tensor_dataset_with_workers():
    x, y = ember.randn(50, 3), ember.arange(50)
    with guard(60):
        ref = [(a.tolist(), b.tolist()) for a, b in DataLoader(TensorDataset(x, y), batch_size=8)]
        got = [(a.tolist(), b.tolist())
               for a, b in DataLoader(TensorDataset(x, y), batch_size=8, num_workers=2)]
    assert got == ref


def test_out_of_order_returns_every_batch():
    class Uneven(Squares):
        def __getitem__(self, i):
            time.sleep(0.05 if i < 4 else 0.0)         # the first batches are slow
            return i
    with guard(60):
        got = [b.tolist() for b in DataLoader(Uneven(16), batch_size=4, num_workers=2,
                                                in_order=False)]
    assert sorted(got) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15]]


def test_workers_run_ember_ops_after_the_parent_used_threads():
    """A forked worker must not deadlock in the parent's OpenMP pool (workers use 1 thread)."""
    big = ember.randn(1 << 21)
    (big * 2).sum()                                     # the parent's thread pool is up

    class Heavy(Squares):
        def __getitem__(self, i):
            x = ember.randn(1 << 20) * 2 + 1
            return float(x.sum()) * 0 + i
    with guard(60):
        got = [b.tolist() for b in DataLoader(Heavy(4), batch_size=2, num_workers=2)]
    assert got == [[0.0, 1.0], [2.0, 3.0]]
    assert ember.get_num_threads() >= 1                  # the parent's setting is untouched


# ------------------------------------------------------------------------------------------------
# Errors from workers
class Raises(Dataset):
    def __init__(self, bad, exc):
        self.bad, self.exc = bad, exc

    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == self.bad:
            raise_it(self.exc, i)
        return i


def raise_it(exc, i):
    raise exc(f"sample {i} is broken")


class NeedsTwo(Exception):
    def __init__(self, a, b):
        super().__init__(a, b)


@pytest.mark.parametrize("bad,worker", [(0, 0), (1, 1), (5, 1)])
def test_worker_exception_is_reraised_with_its_traceback(bad, worker):
    with guard(60):
        it = iter(DataLoader(Raises(bad, ValueError), num_workers=2))
        got = []
        with pytest.raises(ValueError) as info:
            for b in it:
                got.append(b.item())
    msg = str(info.value)
    assert msg.startswith(f"Caught ValueError in DataLoader worker process {worker}.\nOriginal Traceback")
    assert "in raise_it" in msg and f"ValueError: sample {bad} is broken" in msg
    assert got == list(range(bad))                      # batches before it arrived in order
    del it


def test_worker_exception_types():
    with guard(60):
        with pytest.raises(KeyError) as info:
            list(DataLoader(Raises(0, KeyError), num_workers=1))
        assert "Caught KeyError in DataLoader worker process 0" in str(info.value)
        assert "\\n" not in str(info.value)              # readable, not one quoted line
        with pytest.raises(RuntimeError, match="Caught NeedsTwo in DataLoader worker process 0"):
            list(DataLoader(Raises(0, lambda m: NeedsTwo(m, 2)), num_workers=1))

        class Local(Exception):
            pass
        with pytest.raises(RuntimeError, match="Local"):
            list(DataLoader(Raises(0, Local), num_workers=1))


def test_worker_init_fn_exception_and_unpicklable_batch():
    def bad_init(worker_id):
        raise OSError(f"cannot init worker {worker_id}")
    with guard(60):
        with pytest.raises(OSError, match="Caught OSError in DataLoader worker process 0"):
            list(DataLoader(Squares(4), num_workers=1, worker_init_fn=bad_init))
        with pytest.raises(Exception, match="in DataLoader worker process 0 \\(pickling the batch"):
            list(DataLoader(Squares(4), num_workers=1, collate_fn=lambda b: (lambda: b)))


# ------------------------------------------------------------------------------------------------
# Dead workers and timeouts: an error, never a hang
def test_killed_worker_makes_the_loader_raise():
    with guard(30):
        it = iter(DataLoader(Squares(40, delay=0.05), batch_size=2, num_workers=2))
        next(it)
        victim = it._workers[0]
        os.kill(victim.pid, signal.SIGKILL)
        t0 = time.time()
        with pytest.raises(RuntimeError, match=f"DataLoader worker \\(pid\\(s\\) {victim.pid}\\) "
                                               f"exited unexpectedly"):
            for _ in it:
                pass
        assert time.time() - t0 < 10
        assert not any(w.is_alive() for w in it._workers)     # the others were stopped


class DiesAt(Squares):
    def __getitem__(self, i):
        if i == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        return i


def test_worker_that_dies_while_loading_makes_the_loader_raise():
    with guard(30):
        with pytest.raises(RuntimeError, match="exited unexpectedly"):
            list(DataLoader(DiesAt(8), num_workers=2))
        with pytest.raises(RuntimeError, match="exited unexpectedly"):       # with timeout too
            list(DataLoader(DiesAt(8), num_workers=1, timeout=20))


def test_timeout():
    with guard(30):
        t0 = time.time()
        with pytest.raises(RuntimeError, match="^DataLoader timed out after 0.3 seconds$"):
            list(DataLoader(Squares(4, delay=3.0), num_workers=1, timeout=0.3))
        assert time.time() - t0 < 3
        assert len(list(DataLoader(Squares(4, delay=0.01), num_workers=1, timeout=5))) == 4


def test_iterators_clean_up_their_processes():
    with guard(30):
        it = iter(DataLoader(Squares(10), num_workers=2))
        procs = list(it._workers)
        assert all(p.is_alive() for p in procs)
        list(it)                                         # exhausted: shut down
        assert not any(p.is_alive() for p in procs)
        it = iter(DataLoader(Squares(100), num_workers=2))
        next(it)
        procs = list(it._workers)
        del it                                           # abandoned mid-epoch
        gc.collect()
        assert not any(p.is_alive() for p in procs)


# ------------------------------------------------------------------------------------------------
# Seeding and worker info
class SeedProbe(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        info = get_worker_info()
        return [info.id, info.num_workers, info.seed, ember.initial_seed(),
                float(ember.rand(1).item()), random.random(), float(np.random.rand())]


def test_worker_seeding_as_pytorch():
    assert get_worker_info() is None
    with guard(60):
        run1, run2, run3 = (list(DataLoader(SeedProbe(), batch_size=None, num_workers=2,
                                            generator=gen(s))) for s in (0, 0, 1))
    assert run1 == run2                                  # same generator -> same streams
    assert [r[2] for r in run1] != [r[2] for r in run3]
    w0, w1 = run1[0], run1[1]                            # tasks 0 and 1 -> workers 0 and 1
    assert (w0[0], w1[0]) == (0, 1) and w0[1] == w1[1] == 2
    assert w1[2] == w0[2] + 1                            # base_seed + worker_id
    assert w0[3] == w0[2] and w1[3] == w1[2]             # ember.manual_seed(seed) in the worker
    assert w0[4] != w1[4] and w0[5] != w1[5] and w0[6] != w1[6]
    base = w0[2]
    assert w0[4] == ember.rand(1, generator=ember.Generator().manual_seed(base)).item()
    random.seed(base)
    assert w0[5] == random.random()
    np.random.seed(_worker._generate_state(base, 0))
    assert w0[6] == np.random.rand()


def test_generate_state_matches_pytorch():
    pytest.importorskip("torch")
    from torch.utils.data._utils.worker import _generate_state
    for base, wid in [(0, 0), (12345, 3), ((1 << 63) - 1, 7), (987654321987, 1)]:
        assert _worker._generate_state(base, wid) == _generate_state(base, wid)


def test_worker_init_fn_configures_each_copy():
    def init(worker_id):
        get_worker_info().dataset.offset = 100 * (worker_id + 1)

    class Offset(Squares):
        offset = 0

        def __getitem__(self, i):
            return self.offset + i
    with guard(60):
        got = [b.item() for b in DataLoader(Offset(4), num_workers=2, worker_init_fn=init)]
    assert got == [100, 201, 102, 203]


# ------------------------------------------------------------------------------------------------
# Persistent workers
class Pid(Squares):
    def __getitem__(self, i):
        self.calls = getattr(self, "calls", 0) + 1           # state kept in the worker's copy
        return [i, os.getpid(), self.calls]


def test_persistent_workers_survive_epochs():
    dl = DataLoader(Pid(6), batch_size=None, num_workers=2, persistent_workers=True)
    with guard(60):
        epochs = [list(dl) for _ in range(3)]
        procs = list(dl._iterator._workers)
        assert [[r[0] for r in e] for e in epochs] == [list(range(6))] * 3
        pids = [{r[1] for r in e} for e in epochs]
        assert pids[0] == pids[1] == pids[2] and len(pids[0]) == 2
        assert max(r[2] for r in epochs[2]) == 9             # 3 calls per worker per epoch
        # an epoch abandoned halfway, then a full one
        it = iter(dl)
        next(it)
        next(it)
        assert [r[0] for r in dl] == list(range(6))
        assert all(p.is_alive() for p in procs)
        del dl, it
        gc.collect()
    assert not any(p.is_alive() for p in procs)


def test_persistent_workers_with_shuffle_match_permutations():
    dl = DataLoader(Squares(12), batch_size=3, shuffle=True, num_workers=2,
                    persistent_workers=True, generator=gen(3))
    with guard(60):
        e1 = [i for b in dl for i in b["i"].tolist()]
        e2 = [i for b in dl for i in b["i"].tolist()]
    assert sorted(e1) == sorted(e2) == list(range(12)) and e1 != e2
    first = [i for b in DataLoader(Squares(12), batch_size=3, shuffle=True, generator=gen(3))
             for i in b["i"].tolist()]
    assert e1 == first
    del dl


# ------------------------------------------------------------------------------------------------
# Iterable datasets
class Stream(IterableDataset):
    def __init__(self, n, shard=True):
        self.n, self.shard = n, shard

    def __iter__(self):
        info = get_worker_info()
        if info is None or not self.shard:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


def test_iterable_dataset_sharding():
    with guard(60):
        got = [b.item() for b in DataLoader(Stream(11), num_workers=2)]
        assert sorted(got) == list(range(11))
        assert got[:4] == [0, 1, 2, 3]                   # tasks alternate between workers
        dup = sorted(b.item() for b in DataLoader(Stream(5, shard=False), num_workers=2))
        assert dup == sorted(list(range(5)) * 2)
        batches = [b.tolist() for b in DataLoader(Stream(11), batch_size=2, num_workers=2)]
        assert sorted(sum(batches, [])) == list(range(11))
        assert batches[0] == [0, 2] and batches[1] == [1, 3]
        dropped = [b.tolist() for b in DataLoader(Stream(11), batch_size=2, num_workers=2,
                                                  drop_last=True)]
        assert all(len(b) == 2 for b in dropped) and len(dropped) == 5   # 6 + 5 -> 3 + 2 (+1 dropped)


@pytest.mark.filterwarnings("ignore:This DataLoader will create")
def test_iterable_dataset_with_persistent_workers():
    dl = DataLoader(Stream(7), batch_size=2, num_workers=3, persistent_workers=True)
    with guard(60):
        for _ in range(3):
            assert sorted(sum((b.tolist() for b in dl), [])) == list(range(7))
    del dl


def test_iterable_dataset_worker_exception():
    class BadStream(IterableDataset):
        def __iter__(self):
            yield 1
            raise ValueError("stream broke")
    with guard(30):
        with pytest.raises(ValueError, match="Caught ValueError in DataLoader worker process 0"):
            list(DataLoader(BadStream(), num_workers=1))


# ------------------------------------------------------------------------------------------------
# Start methods
def test_spawn_context():
    ds = TensorDataset(ember.arange(10.0), ember.arange(10))
    with guard(120):
        got = [(a.tolist(), b.tolist()) for a, b in
               DataLoader(ds, batch_size=4, num_workers=2, multiprocessing_context="spawn")]
    assert got == [([0.0, 1.0, 2.0, 3.0], [0, 1, 2, 3]), ([4.0, 5.0, 6.0, 7.0], [4, 5, 6, 7]),
                   ([8.0, 9.0], [8, 9])]
    ctx = multiprocessing.get_context("fork")
    assert len(list(DataLoader(ds, batch_size=5, num_workers=1, multiprocessing_context=ctx))) == 2
