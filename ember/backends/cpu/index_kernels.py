"""CPU kernels: gather/scatter through an index, index checks, nonzero, masked select/scatter,
binary search.

Methods fill tensors the ops layer allocated; they never allocate user-visible results.

The primitive interface (an OpenCL backend implements the same methods):

``index_check(index, low, high)``
    None when every value of the int64 ``index`` is in [low, high), else the first value that is
    not. The ops layer calls it before any kernel below and raises the op's own error.
``index_gather(out, src, index, size, stride)``
    ``out[i] = src[i + wrap(index[i]) * stride]`` over out's shape (``src``/``index`` are views of
    out's shape, usually with stride 0 in the indexed dims); ``wrap`` adds ``size`` to negatives.
``index_scatter(dst, values, index, size, stride, reduce=None)``
    ``dst[i + wrap(index[i]) * stride] (op)= values[i]`` with op = assignment or reduce in
    ('add', 'multiply', 'amax', 'amin'). Deterministic: colliding writes land in row-major order.
``index_linearize(out, indices, sizes, strides)``
    ``out = sum_k wrap(indices[k]) * strides[k]`` (int64, for several advanced indices at once).
``nonzero_count(t)`` / ``nonzero(out, t)``
    The number of nonzeros / their coordinates (out is (n, t.dim()) int64, any strides).
``masked_select(out, src, mask)`` / ``masked_scatter(dst, mask, source)``
    Row-major compaction / expansion through a bool mask of the same shape.
``searchsorted(out, boundaries, values, sorter, right)``
    Contiguous operands; boundaries 1-D or one row per leading index of values.
"""
from . import _index, _map, _search

_BOOL = 0
_BOOL_OPS = {"add": "amax", "multiply": "amin", "amax": "amax", "amin": "amin"}


class IndexKernels:
    @staticmethod
    def index_check(index, low, high):
        return _index.index_check(index, int(low), int(high), _map.get_num_threads())

    @staticmethod
    def index_gather(out, src, index, size, stride):
        _index.engine(0, 0, out.dtype.itemsize, out, src, index, int(size), int(stride),
                      _map.get_num_threads())

    @staticmethod
    def index_scatter(dst, values, index, size, stride, reduce=None):
        if reduce is not None and dst.dtype.code == _BOOL:
            reduce = _BOOL_OPS[reduce]          # or / and on 0-1 bytes keep bools valid
        op = _index.OPS[reduce]
        kind = dst.dtype.itemsize if reduce is None else dst.dtype.code
        _index.engine(1, op, kind, dst, values, index, int(size), int(stride),
                      _map.get_num_threads())

    @staticmethod
    def index_linearize(out, indices, sizes, strides):
        nt = _map.get_num_threads()
        for k, (ind, size, stride) in enumerate(zip(indices, sizes, strides)):
            _index.linearize(out, ind, int(size), int(stride), k > 0, nt)

    @staticmethod
    def nonzero_count(t):
        return _index.count_nonzero(t, _map.get_num_threads())

    @staticmethod
    def nonzero(out, t):
        _index.nonzero(out, t, _map.get_num_threads())

    @staticmethod
    def masked_select(out, src, mask):
        _index.masked_select(out, src, mask, _map.get_num_threads())

    @staticmethod
    def masked_scatter(dst, mask, source):
        _index.masked_scatter(dst, mask, source, _map.get_num_threads())

    @staticmethod
    def searchsorted(out, boundaries, values, sorter, right):
        _search.searchsorted(out, boundaries, values, sorter, bool(right), _map.get_num_threads())
