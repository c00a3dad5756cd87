"""DataLoader: batches from a dataset, in the main process or in worker processes.

Worker processes (``num_workers > 0``) follow PyTorch's design (see ``_worker.py`` for the
protocol): the main process hands out batch indices round robin, at most ``prefetch_factor``
tasks per worker in flight, and returns batches in sampler order. It never waits blindly: every
wait on the result queue times out after ``MP_STATUS_CHECK_INTERVAL`` seconds to check that the
workers are alive, so a worker that dies (killed, segfault, out of memory) makes the iterator
raise ``RuntimeError`` instead of hanging; an exception raised in a worker is re-raised in the
main process with the worker's traceback. Iterators shut their workers down when exhausted,
garbage collected, or at exit (join with a timeout, then terminate).
"""
import atexit
import itertools
import math
import multiprocessing as python_multiprocessing
import os
import pickle
import queue
import threading
import time
import warnings
import weakref

from . import _worker
from ._collate import default_collate, default_convert
from ._worker import _DatasetKind, ExceptionWrapper, get_worker_info
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader"]

_python_exit_status = False


def _set_python_exit_flag():
    global _python_exit_status
    _python_exit_status = True


atexit.register(_set_python_exit_flag)
_live_iterators = weakref.WeakSet()
_live_lock = threading.Lock()


def _shutdown_all():
    with _live_lock:
        its = list(_live_iterators)
    for it in its:
        it._shutdown_workers(at_exit=True)


# registered after _set_python_exit_flag, so it runs first (atexit is last in, first out)
atexit.register(_shutdown_all)


class _InfiniteConstantSampler(Sampler):
    """The sampler of an IterableDataset: ``None`` forever (the dataset decides when to stop)."""

    def __iter__(self):
        while True:
            yield None


class DataLoader:
    r"""Iterate over a dataset in batches, optionally loading them in worker processes.

    Args:
        dataset (Dataset): a map-style or iterable-style dataset.
        batch_size (int, optional): samples per batch (default 1); ``None`` turns automatic
            batching off (samples are only passed through ``collate_fn``, by default
            :func:`default_convert`).
        shuffle (bool, optional): reshuffle the data every epoch (default ``False``). The order
            comes from ``generator`` (or from the global generator, so ``ember.manual_seed``
            makes it reproducible).
        sampler (Sampler or Iterable, optional): the order of the indices; excludes ``shuffle``.
        batch_sampler (Sampler or Iterable, optional): yields lists of indices; excludes
            ``batch_size``, ``shuffle``, ``sampler`` and ``drop_last``.
        num_workers (int, optional): worker processes (default 0: load in the main process).
        collate_fn (Callable, optional): merges a list of samples into a batch (default
            :func:`default_collate`).
        pin_memory (bool, optional): accepted for compatibility; a no-op (host memory is what
            the OpenCL device copies from).
        drop_last (bool, optional): drop the last batch when it is short (default ``False``).
        timeout (float, optional): if positive, seconds to wait for a batch from the workers
            before raising ``RuntimeError`` (default 0: wait as long as the workers live).
        worker_init_fn (Callable, optional): called in each worker with its id, after seeding
            and before loading.
        multiprocessing_context (str or context, optional): the start method ('fork', 'spawn',
            'forkserver') or a context; default: Python's default.
        generator (Generator, optional): drives the RandomSampler and the workers' base seed.
        prefetch_factor (int, optional, keyword-only): batches in flight per worker (default 2
            when ``num_workers > 0``).
        persistent_workers (bool, optional, keyword-only): keep the workers (and their dataset
            copies) alive across epochs (default ``False``).
        pin_memory_device (str, optional, keyword-only): accepted, unused.
        in_order (bool, optional, keyword-only): return batches in sampler order (default
            ``True``); ``False`` returns them as workers finish.

    Workers are seeded as PyTorch's: worker ``i`` gets ``base_seed + i`` for Python's
    ``random`` and :func:`ember.manual_seed`, and a hash of both for NumPy, where ``base_seed``
    is drawn from ``generator`` for each iterator.

    Example::

        >>> ds = TensorDataset(ember.randn(100, 3), ember.randint(0, 2, (100,)))
        >>> for x, y in DataLoader(ds, batch_size=32, shuffle=True, num_workers=2):
        ...     ...
    """

    _DataLoader__initialized = False

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                             "let num_workers > 0 to enable multiprocessing, otherwise set "
                             "prefetch_factor to None.")
        elif num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        if isinstance(dataset, IterableDataset):
            self._dataset_kind = _DatasetKind.Iterable
            if shuffle not in {False, None}:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
            self._dataset_kind = _DatasetKind.Map

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")

        if sampler is None:
            if self._dataset_kind == _DatasetKind.Iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self._DataLoader__initialized = True
        self._IterableDataset_len_called = None
        self._iterator = None
        self.check_worker_number_rationality()

    def _get_iterator(self):
        if self.num_workers == 0:
            return _SingleProcessDataLoaderIter(self)
        self.check_worker_number_rationality()
        return _MultiProcessingDataLoaderIter(self)

    @property
    def multiprocessing_context(self):
        return self.__multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, ctx):
        if ctx is not None:
            if self.num_workers > 0:
                if isinstance(ctx, str):
                    valid = python_multiprocessing.get_all_start_methods()
                    if ctx not in valid:
                        raise ValueError(f"multiprocessing_context option should specify a valid "
                                         f"start method in {valid!r}, but got "
                                         f"multiprocessing_context={ctx!r}")
                    ctx = python_multiprocessing.get_context(ctx)
                if not isinstance(ctx, python_multiprocessing.context.BaseContext):
                    raise TypeError(f"multiprocessing_context option should be a valid context "
                                    f"object or a string specifying the start method, but got "
                                    f"multiprocessing_context={ctx}")
            else:
                raise ValueError(f"multiprocessing_context can only be used with multi-process "
                                 f"loading (num_workers > 0), but got "
                                 f"num_workers={self.num_workers}")
        self.__multiprocessing_context = ctx

    def __setattr__(self, attr, val):
        if self.__initialized and attr in ("batch_size", "batch_sampler", "sampler", "drop_last",
                                           "dataset", "persistent_workers"):
            raise ValueError(f"{attr} attribute should not be set after "
                             f"{self.__class__.__name__} is initialized")
        super().__setattr__(attr, val)

    def __iter__(self):
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None:
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self):
        if self._dataset_kind == _DatasetKind.Iterable:
            length = self._IterableDataset_len_called = len(self.dataset)
            if self.batch_size is not None:
                length = (length // self.batch_size if self.drop_last
                          else math.ceil(length / self.batch_size))
            return length
        return len(self._index_sampler)

    def check_worker_number_rationality(self):
        """Warn when more workers are asked for than this process may use CPUs."""
        if not self.num_workers:
            return
        cpuset_checked = hasattr(os, "sched_getaffinity")
        try:
            suggest = len(os.sched_getaffinity(0)) if cpuset_checked else os.cpu_count()
        except OSError:
            suggest = os.cpu_count()
        if suggest is None or self.num_workers > suggest:
            if suggest is not None:
                detail = (f"Our suggested max number of worker in current system is {suggest}"
                          f"{'' if cpuset_checked else ' (`cpuset` is not taken into account)'}, "
                          f"which is smaller than what this DataLoader is going to create.")
            else:
                detail = ("DataLoader is not able to compute a suggested max number of worker in "
                          "current system.")
            warnings.warn(f"This DataLoader will create {self.num_workers} worker processes in "
                          f"total. {detail} Please be aware that excessive worker creation might "
                          f"get DataLoader running slow or even freeze, lower the worker number "
                          f"to avoid potential slowness/freeze if necessary.", stacklevel=2)


class _BaseDataLoaderIter:
    def __init__(self, loader):
        from ...ops.creation import empty
        from ... import dtypes
        self._dataset = loader.dataset
        self._dataset_kind = loader._dataset_kind
        self._IterableDataset_len_called = loader._IterableDataset_len_called
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._sampler_iter = iter(self._index_sampler)
        self._base_seed = int(empty((), dtype=dtypes.int64).random_(generator=loader.generator)
                              .item())
        self._persistent_workers = loader.persistent_workers
        self._num_yielded = 0

    def __iter__(self):
        return self

    def _reset(self, loader, first_iter=False):
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._IterableDataset_len_called = loader._IterableDataset_len_called

    def _next_index(self):
        return next(self._sampler_iter)

    def _next_data(self):
        raise NotImplementedError

    def __next__(self):
        data = self._next_data()
        self._num_yielded += 1
        if (self._dataset_kind == _DatasetKind.Iterable
                and self._IterableDataset_len_called is not None
                and self._num_yielded > self._IterableDataset_len_called):
            msg = (f"Length of IterableDataset {self._dataset} was reported to be "
                   f"{self._IterableDataset_len_called}(when accessing len(dataloader)), but "
                   f"{self._num_yielded} samples have been fetched. ")
            if self._num_workers > 0:
                msg += ("For multiprocessing data-loading, this could be caused by not properly "
                        "configuring the IterableDataset replica at each worker.")
            warnings.warn(msg, stacklevel=2)
        return data

    def __len__(self):
        return len(self._index_sampler)

    def __getstate__(self):
        raise NotImplementedError(f"{self.__class__.__name__} cannot be pickled")


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader):
        super().__init__(loader)
        if self._timeout != 0:
            raise AssertionError("_SingleProcessDataLoaderIter requires timeout == 0")
        self._dataset_fetcher = _DatasetKind.create_fetcher(
            self._dataset_kind, self._dataset, self._auto_collation, self._collate_fn,
            self._drop_last)

    def _next_data(self):
        index = self._next_index()
        return self._dataset_fetcher.fetch(index)


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    """Batches from worker processes, in sampler order (see the module docstring)."""

    def __init__(self, loader):
        super().__init__(loader)
        self._shutdown = True               # until the workers exist (for __del__ on errors)
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        if self._prefetch_factor <= 0:
            raise AssertionError("prefetch_factor must be greater than 0 for "
                                 "MultiProcessingDataLoaderIter")
        ctx = loader.multiprocessing_context or python_multiprocessing.get_context()
        self._status_interval = _worker.MP_STATUS_CHECK_INTERVAL
        self._worker_init_fn = loader.worker_init_fn
        self._worker_result_queue = ctx.Queue()
        self._workers_done_event = ctx.Event()
        self._index_queues = []
        self._workers = []
        self._shutdown = False
        try:
            for i in range(self._num_workers):
                index_queue = ctx.Queue()
                # a dead worker must not make the main process hang at exit flushing its queue
                index_queue.cancel_join_thread()
                w = ctx.Process(
                    target=_worker._worker_loop,
                    args=(self._dataset_kind, self._dataset, index_queue,
                          self._worker_result_queue, self._workers_done_event,
                          self._auto_collation, self._collate_fn, self._drop_last,
                          self._base_seed, self._worker_init_fn, i, self._num_workers,
                          self._persistent_workers, self._status_interval),
                    daemon=True)
                w.start()
                self._index_queues.append(index_queue)
                self._workers.append(w)
        except BaseException:
            self._shutdown_workers()
            raise
        self._data_queue = self._worker_result_queue
        with _live_lock:
            _live_iterators.add(self)
        self._reset(loader, first_iter=True)

    def _reset(self, loader, first_iter=False):
        super()._reset(loader, first_iter)
        self._send_idx = 0                  # the next task to send
        self._rcvd_idx = 0                  # the next task to return
        self._task_info = {}                # task -> (worker,) in flight, or (worker, data)
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers
        self._workers_num_tasks = [0] * self._num_workers
        self._worker_queue_idx_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            # persistent workers: start a new epoch, dropping results of the previous one
            for q in self._index_queues:
                q.put(_worker._ResumeIteration())
            pending = self._num_workers
            while pending > 0:
                idx, _ = self._get_data()
                if isinstance(idx, _worker._ResumeIteration):
                    pending -= 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _try_get_data(self, timeout):
        try:
            raw = self._data_queue.get(timeout=timeout)
        except queue.Empty:
            self._check_workers_alive()
            return False, None
        except (OSError, EOFError) as e:
            self._check_workers_alive()
            raise RuntimeError(f"DataLoader: lost contact with the worker processes ({e})") from e
        try:
            return True, pickle.loads(raw)
        except Exception as e:
            raise RuntimeError(f"DataLoader: a batch from a worker process could not be "
                               f"unpickled in the main process: {type(e).__name__}: {e}") from e

    def _check_workers_alive(self):
        failed = [w for i, w in enumerate(self._workers)
                  if self._workers_status[i] and not w.is_alive()]
        if failed:
            for i, w in enumerate(self._workers):
                if w in failed:
                    self._workers_status[i] = False
            pids = ", ".join(str(w.pid) for w in failed)
            codes = ", ".join(str(w.exitcode) for w in failed)
            self._shutdown_workers()
            raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly "
                               f"(exit code(s) {codes}; a negative code is the signal that "
                               f"killed it)")

    def _get_data(self):
        # wait in slices of the status interval, checking the workers' liveness after each
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        while True:
            wait = self._status_interval
            if deadline is not None:
                wait = min(wait, max(deadline - time.monotonic(), 0.0))
            ok, data = self._try_get_data(wait)
            if ok:
                return data
            if deadline is not None and time.monotonic() >= deadline:
                self._shutdown_workers()
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")

    def _next_data(self):
        while True:
            # skip tasks of workers that ended (iterable datasets) before answering them
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info:
                    if len(info) == 2 or self._workers_status[info[0]]:
                        break
                    del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration
            if len(self._task_info[self._rcvd_idx]) == 2:
                worker_id, data = self._task_info.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)
            if self._shutdown:
                raise RuntimeError("DataLoader iterator used after its workers were shut down")
            idx, data = self._get_data()
            self._tasks_outstanding -= 1
            if self._dataset_kind == _DatasetKind.Iterable and isinstance(
                    data, _worker._IterableDatasetStopIteration):
                self._mark_worker_as_unavailable(data.worker_id)
                self._try_put_index()
                continue
            if isinstance(idx, _worker._ResumeIteration) or idx not in self._task_info:
                continue                    # a stale answer from before a reset
            if idx != self._rcvd_idx:
                if not self._in_order:
                    worker_id = self._task_info.pop(idx)[0]
                    return self._process_data(data, worker_id)
                self._task_info[idx] += (data,)
            else:
                worker_id = self._task_info.pop(idx)[0]
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

    def _try_put_index(self):
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):
            wid = next(self._worker_queue_idx_cycle)
            if self._workers_status[wid]:
                if self._in_order:
                    break
                cap = self._prefetch_factor * self._num_workers // sum(self._workers_status)
                if self._workers_num_tasks[wid] < cap:
                    break
        else:
            return
        self._index_queues[wid].put((self._send_idx, index))
        self._task_info[self._send_idx] = (wid,)
        self._workers_num_tasks[wid] += 1
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _process_data(self, data, worker_id):
        self._workers_num_tasks[worker_id] -= 1
        self._try_put_index()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        return data

    def _mark_worker_as_unavailable(self, worker_id, shutdown=False):
        # an iterable dataset's worker that ended: tell it to exit (persistent: keep it for
        # the next epoch; only stop sending it tasks)
        if not self._persistent_workers or shutdown:
            try:
                self._index_queues[worker_id].put(None)
            except (OSError, ValueError):
                pass
        self._workers_status[worker_id] = False

    def _shutdown_workers(self, at_exit=False):
        """Stop the workers: ask, wait a little, then terminate; never blocks for long."""
        if self._shutdown or (_python_exit_status and not at_exit):
            return
        self._shutdown = True
        with _live_lock:
            _live_iterators.discard(self)
        try:
            self._workers_done_event.set()
            for q in self._index_queues:
                try:
                    q.put(None)
                except (OSError, ValueError):
                    pass
            for w in self._workers:
                w.join(timeout=self._status_interval)
            for q in self._index_queues:
                q.cancel_join_thread()
                q.close()
        finally:
            for w in self._workers:
                if w.is_alive():
                    w.terminate()
                    w.join(timeout=self._status_interval)
            # results nobody will read must not keep this process from exiting
            self._worker_result_queue.cancel_join_thread()
            self._worker_result_queue.close()

    def __del__(self):
        if not getattr(self, "_shutdown", True):
            self._shutdown_workers()


# re-exported here as in torch.utils.data.dataloader
get_worker_info = get_worker_info
