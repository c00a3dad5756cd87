"""CPU kernels: reductions, arg-reductions, scans, sort/top-k, softmax family.

Methods fill tensors the ops layer allocated; they never allocate user-visible results. The
interface (what an OpenCL backend implements too):

  reduce(op, out, input, dims, scale=1.0)      op in REDUCE_OPS; out keeps input's rank (size-1
                                               reduced dims) and may have another dtype; floating
                                               results are multiplied by scale (mean, var)
  arg_reduce(op, values, indices, input, dim)  op 'max' / 'min'; either output may be None
  scan(op, out, indices, input, dim)           cumsum, cumprod, logcumsumexp, cummax, cummin
  softmax(out, input, dim, log=False)          fused, stable
  sort(values, indices, input, dim, descending, stable)
  sort_rows(sorted_rows, perm, rows)           lexicographic (stable) sort of a matrix's rows
  select_sorted(op, values, indices, sorted_values, sorted_indices)  median / nanmedian / mode
  quantile_sorted(out, sorted_values, q, interpolation, ignore_nan)
  unique_fill(values, inverse, counts, sorted_rows, perm, mask)
"""
import numpy as np

from . import _map, _reduce, _scan

REDUCE_OPS = tuple(_reduce.OPS)
SCAN_OPS = tuple(_scan.SCANS)

_D_F16, _D_BF16, _D_F32 = 6, 7, 8


def _is_half(t):
    return t is not None and t.dtype.code in (_D_F16, _D_BF16)


def _f32(t, copy=True):
    """A float32 tensor with t's shape (holding t's values when `copy`)."""
    from ember.tensor import _empty
    from ember import dtypes
    u = _empty(t._shape, dtypes.float32, t.device)
    if copy:
        from . import CpuBackend
        CpuBackend.copy(u, t)
    return u


def _writeback(dst, tmp):
    if tmp is not dst:
        from . import CpuBackend
        CpuBackend.copy(dst, tmp)


class ReduceKernels:
    """Reductions and friends; mixed into CpuBackend."""

    @staticmethod
    def reduce(op, out, input, dims, scale=1.0):
        """out = scale * op over `dims` of input; half types are computed in float32."""
        x = _f32(input) if _is_half(input) else input
        o = _f32(out, copy=False) if _is_half(out) else out
        _reduce.reduce(_reduce.OPS[op], o, x, set(dims), _map.get_num_threads(), float(scale))
        _writeback(out, o)

    @staticmethod
    def arg_reduce(op, values, indices, input, dim):
        """values/indices = first max (min) along dim (size > 0); NaN counts as the largest."""
        x = _f32(input) if _is_half(input) else input
        v = _f32(values, copy=False) if _is_half(values) else values
        _reduce.arg_reduce(op == "min", v, indices, x, dim, _map.get_num_threads())
        if values is not None:
            _writeback(values, v)

    @staticmethod
    def scan(op, out, indices, input, dim):
        """Inclusive scan along dim; indices (int64) for cummax / cummin."""
        x = _f32(input) if _is_half(input) else input
        o = _f32(out, copy=False) if _is_half(out) else out
        _scan.scan(_scan.SCANS[op], o, indices, x, dim, _map.get_num_threads())
        _writeback(out, o)

    @staticmethod
    def softmax(out, input, dim, log=False):
        x = _f32(input) if _is_half(input) else input
        o = _f32(out, copy=False) if _is_half(out) else out
        _scan.softmax(o, x, dim, bool(log), _map.get_num_threads())
        _writeback(out, o)

    # -- sorting (NumPy's stable sort for now) --------------------------------------------------
    @staticmethod
    def sort(values, indices, input, dim, descending=False, stable=True):
        """Sort along dim, NaN as the largest value; ties keep their order (always stable)."""
        from . import np_view
        x = _f32(input) if input.dtype.code == _D_BF16 else input
        a = np_view(x)
        if a.ndim == 0:
            a = a.reshape(1)
        if descending:
            # a stable ascending sort of the reversed line, reversed back, is a stable
            # descending sort that puts NaN first
            n = a.shape[dim]
            rev = np.flip(a, axis=dim)
            idx = np.flip(np.argsort(rev, axis=dim, kind="stable"), axis=dim)
            idx = (n - 1) - idx
        else:
            idx = np.argsort(a, axis=dim, kind="stable")
        if indices is not None:
            np_view(indices)[...] = idx.reshape(indices._shape)
        if values is not None:
            vals = np.take_along_axis(a, idx, axis=dim)
            if values.dtype.code == _D_BF16:
                tmp = _f32(values, copy=False)
                np_view(tmp)[...] = vals.reshape(values._shape)
                _writeback(values, tmp)
            else:
                np_view(values)[...] = vals.reshape(values._shape)

    @staticmethod
    def sort_rows(sorted_rows, perm, rows):
        """The rows of a 2-d tensor in stable lexicographic order, and that permutation."""
        from . import np_view
        x = _f32(rows) if rows.dtype.code == _D_BF16 else rows
        a = np_view(x)
        if a.shape[0] == 0:
            return
        keys = a.T[::-1] if a.shape[1] else np.zeros((1, a.shape[0]), a.dtype)
        order = np.lexsort(keys)
        np_view(perm)[...] = order
        np_view(sorted_rows)[...] = np_view(rows)[order]

    @staticmethod
    def select_sorted(op, values, indices, sorted_values, sorted_indices):
        """Per row of sorted (rows, n) tensors: the median / nanmedian / mode and its index."""
        sv = _f32(sorted_values) if _is_half(sorted_values) else sorted_values
        v = _f32(values, copy=False) if _is_half(values) else values
        _scan.select_sorted(_scan.SELECT[op], v, indices, sv, sorted_indices)
        _writeback(values, v)

    @staticmethod
    def quantile_sorted(out, sorted_values, q, interpolation, ignore_nan):
        """out (len(q), rows) = quantiles q (floats in [0, 1]) of each sorted row."""
        _scan.quantile_sorted(out, sorted_values, list(q), interpolation, bool(ignore_nan))

    @staticmethod
    def unique_fill(values, inverse, counts, sorted_rows, perm, mask):
        _scan.unique_fill(values, inverse, counts, sorted_rows, perm, mask)
