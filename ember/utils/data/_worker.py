"""What runs inside DataLoader worker processes: the worker loop, fetchers, seeding, worker info.

Protocol (one loader iterator, ``W`` workers):

* main -> worker ``i``: its own index queue carries ``(task_idx, indices)``, ``_ResumeIteration``
  (persistent workers: start a new epoch) or ``None`` (exit).
* workers -> main: one shared result queue carries *bytes*: ``(task_idx, data)`` pickled in the
  worker (``data`` is the batch, an :class:`ExceptionWrapper`, or
  ``_IterableDatasetStopIteration``). Pickling in the worker, not in the queue's feeder thread,
  means an unpicklable batch becomes an error reported to the main process instead of a batch
  silently dropped (and a loader waiting for it forever).
* a worker exits when it gets ``None``, or when its parent dies (checked each time its index
  queue has been idle for the status interval).
"""
import os
import pickle
import queue
import random
import sys
import traceback
from dataclasses import dataclass
from multiprocessing.reduction import ForkingPickler

__all__ = ["get_worker_info"]

MP_STATUS_CHECK_INTERVAL = 1.0
"""Seconds between liveness checks while a queue is idle (PyTorch uses 5)."""


class _DatasetKind:
    Map = 0
    Iterable = 1

    @staticmethod
    def create_fetcher(kind, dataset, auto_collation, collate_fn, drop_last):
        cls = _MapDatasetFetcher if kind == _DatasetKind.Map else _IterableDatasetFetcher
        return cls(dataset, auto_collation, collate_fn, drop_last)


class _BaseDatasetFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last


class _IterableDatasetFetcher(_BaseDatasetFetcher):
    """Pulls samples from one iterator over the dataset; StopIteration when it is exhausted."""

    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        super().__init__(dataset, auto_collation, collate_fn, drop_last)
        self.dataset_iter = iter(dataset)
        self.ended = False

    def fetch(self, possibly_batched_index):
        if self.ended:
            raise StopIteration
        if self.auto_collation:
            data = []
            for _ in possibly_batched_index:
                try:
                    data.append(next(self.dataset_iter))
                except StopIteration:
                    self.ended = True
                    break
            if len(data) == 0 or (self.drop_last and len(data) < len(possibly_batched_index)):
                raise StopIteration
        else:
            data = next(self.dataset_iter)
        return self.collate_fn(data)


class _MapDatasetFetcher(_BaseDatasetFetcher):
    """Indexes the dataset (``__getitems__`` for a whole batch when the dataset has it)."""

    def fetch(self, possibly_batched_index):
        if self.auto_collation:
            if getattr(self.dataset, "__getitems__", None):
                data = self.dataset.__getitems__(possibly_batched_index)
            else:
                data = [self.dataset[i] for i in possibly_batched_index]
        else:
            data = self.dataset[possibly_batched_index]
        return self.collate_fn(data)


class KeyErrorMessage(str):
    """A str whose repr is itself: KeyError shows its argument's repr, which would print the
    re-raised traceback as one long quoted line."""

    def __repr__(self):
        return self


class ExceptionWrapper:
    """An exception and its formatted traceback, carried from a worker to the main process."""

    def __init__(self, exc_info=None, where="in background"):
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def __getstate__(self):
        state = dict(self.__dict__)
        try:
            pickle.dumps(self.exc_type)
        except Exception:
            # a class the main process could not import (e.g. defined inside a function)
            state["exc_msg"] = f"({self.exc_type.__qualname__}, re-raised as RuntimeError)\n" + self.exc_msg
            state["exc_type"] = RuntimeError
        return state

    def reraise(self):
        """Raise the wrapped exception type with the original traceback in its message."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        elif getattr(self.exc_type, "message", None):
            raise self.exc_type(message=msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            # the type takes other arguments: keep the message, lose the type
            raise RuntimeError(msg) from None
        raise exception


@dataclass(frozen=True)
class WorkerInfo:
    """What :func:`get_worker_info` returns inside a worker process."""

    id: int
    num_workers: int
    seed: int
    dataset: object


_worker_info = None


def get_worker_info():
    r"""Information about the current DataLoader worker, or ``None`` in the main process.

    Returns:
        ``WorkerInfo`` with ``id`` (0 .. num_workers - 1), ``num_workers``, ``seed`` (the seed
        this worker's generators were given: ``base_seed + id``) and ``dataset`` (this worker's
        copy of the dataset). Use it in an IterableDataset's ``__iter__`` or a ``worker_init_fn``
        to shard the data.
    """
    return _worker_info


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    seed: object = None


def _generate_state(base_seed, worker_id):
    """NumPy's seed for a worker: PyTorch's hash of (base_seed, worker_id), four 32-bit words,
    so that workers' NumPy streams differ and match PyTorch's scheme."""
    INIT_A, MULT_A, INIT_B, MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
    MIX_MULT_L, MIX_MULT_R, XSHIFT, MASK32 = 0xCA01F9DD, 0x4973F715, 16, 0xFFFFFFFF
    entropy = [worker_id, base_seed & MASK32, base_seed >> 32, 0]
    pool = [0] * 4
    hash_const_a = INIT_A

    def hash_(value):
        nonlocal hash_const_a
        value = (value ^ hash_const_a) & MASK32
        hash_const_a = (hash_const_a * MULT_A) & MASK32
        value = (value * hash_const_a) & MASK32
        return (value ^ (value >> XSHIFT)) & MASK32

    def mix(x, y):
        r = ((MIX_MULT_L * x) & MASK32) - ((MIX_MULT_R * y) & MASK32) & MASK32
        return (r ^ (r >> XSHIFT)) & MASK32

    for i in range(4):
        pool[i] = hash_(entropy[i])
    for i_src in range(4):
        for i_dst in range(4):
            if i_src != i_dst:
                pool[i_dst] = mix(pool[i_dst], hash_(pool[i_src]))
    hash_const_b = INIT_B
    state = []
    for i_dst in range(4):
        v = (pool[i_dst] ^ hash_const_b) & MASK32
        hash_const_b = (hash_const_b * MULT_B) & MASK32
        v = (v * hash_const_b) & MASK32
        state.append((v ^ (v >> XSHIFT)) & MASK32)
    return state


class _ManagerWatchdog:
    """Tells whether the process that started this worker is still alive."""

    def __init__(self):
        self.manager_pid = os.getppid()
        self.manager_dead = False

    def is_alive(self):
        if not self.manager_dead:
            self.manager_dead = os.getppid() != self.manager_pid
        return not self.manager_dead


def _put(data_queue, idx, data, worker_id):
    """Send (idx, data) as bytes; a batch that cannot be pickled is sent as its error instead."""
    try:
        payload = ForkingPickler.dumps((idx, data))
    except Exception:
        err = ExceptionWrapper(where=f"in DataLoader worker process {worker_id} (pickling the "
                                     f"batch to send it to the main process)")
        payload = ForkingPickler.dumps((idx, err))
    data_queue.put(bytes(payload))


def _seed_worker(base_seed, worker_id):
    """Seed Python's, Ember's and NumPy's generators as PyTorch does in a worker."""
    import numpy as np
    from ...random import manual_seed
    seed = base_seed + worker_id
    random.seed(seed)
    manual_seed(seed)
    np.random.seed(_generate_state(base_seed, worker_id))
    return seed


def _worker_loop(dataset_kind, dataset, index_queue, data_queue, done_event, auto_collation,
                 collate_fn, drop_last, base_seed, init_fn, worker_id, num_workers,
                 persistent_workers, status_interval=MP_STATUS_CHECK_INTERVAL):
    """The body of a worker process (see the module docstring for the protocol)."""
    try:
        # a forked child must not enter the parent's OpenMP thread pool (it would wait forever
        # for threads that were not forked); PyTorch's workers run one thread too
        from ...backends.cpu._map import set_num_threads
        set_num_threads(1)
        seed = _seed_worker(base_seed, worker_id)
        global _worker_info
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)
        where = f"in DataLoader worker process {worker_id}"
        init_exception = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation,
                                                  collate_fn, drop_last)
        except Exception:
            init_exception = ExceptionWrapper(where=where)
        iteration_end = False
        watchdog = _ManagerWatchdog()
        while watchdog.is_alive():
            try:
                r = index_queue.get(timeout=status_interval)
            except queue.Empty:
                continue
            if isinstance(r, _ResumeIteration):
                _put(data_queue, r, None, worker_id)
                iteration_end = False
                try:
                    fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation,
                                                          collate_fn, drop_last)
                except Exception:
                    init_exception = ExceptionWrapper(where=where)
                continue
            if r is None:
                break
            if done_event.is_set() or iteration_end:
                continue
            idx, index = r
            if init_exception is not None:
                data, init_exception = init_exception, None
            else:
                try:
                    data = fetcher.fetch(index)
                except Exception as e:
                    if isinstance(e, StopIteration) and dataset_kind == _DatasetKind.Iterable:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = ExceptionWrapper(where=where)
            _put(data_queue, idx, data, worker_id)
            del data, idx, index, r
    except KeyboardInterrupt:
        pass
    if done_event.is_set():
        # the main process may no longer read: don't block exit flushing the result queue
        data_queue.cancel_join_thread()
        data_queue.close()
