"""Sorting and order statistics: sort, argsort, msort, topk, kthvalue, median, nanmedian, mode,
quantile, nanquantile, unique, unique_consecutive.

Everything goes through the backend's stable ``sort`` (NaN sorts as the largest value); the
order statistics then read sorted rows (``select_sorted``, ``quantile_sorted``) and unique gathers
groups of equal sorted rows (``unique_fill``).
"""
import numbers

from .. import dtypes as _dt
from ..tensor import Tensor, _empty, _wrap_dim
from . import elementwise as _ew
from ._helpers import method
from ._reduce_common import (return_type, type_name, check_tensor, one_dim, keep_shape,
                             out_shape, alias, contiguous, flat, permute, movedim, narrow,
                             write_out, write_out_tuple)

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "mode",
           "quantile", "nanquantile", "unique", "unique_consecutive"]

SortResult = return_type("sort", ["values", "indices"])
TopkResult = return_type("topk", ["values", "indices"])
KthvalueResult = return_type("kthvalue", ["values", "indices"])
MedianResult = return_type("median", ["values", "indices"])
NanmedianResult = return_type("nanmedian", ["values", "indices"])
ModeResult = return_type("mode", ["values", "indices"])


def _sorted(x, dim, descending=False, values=True, indices=True):
    """(values, indices) of x stably sorted along dim (either may be skipped: None)."""
    v = _empty(x._shape, x.dtype, x.device) if values else None
    i = _empty(x._shape, _dt.int64, x.device) if indices else None
    if x.numel():
        x.device.backend.sort(v, i, x, dim, descending, True)
    return v, i


def _sorted_last(x, dim):
    """x's values and indices sorted along dim, with that dim moved last (contiguous rows)."""
    xm = movedim(x, dim, x.ndim - 1)
    return _sorted(xm, xm.ndim - 1)


# ------------------------------------------------------------------------------------------------
@method()
def sort(input, dim=-1, descending=False, stable=False, *, out=None):
    """(values, indices) sorted along dim; NaN is the largest value; always stable."""
    check_tensor(input, "sort")
    d = _wrap_dim(dim, input.ndim)
    if input.ndim == 0:
        res = SortResult(input.clone(), _zeros_index((), input.device))
    else:
        res = SortResult(*_sorted(input, d, bool(descending)))
    return write_out_tuple(res, out, "sort")


def _zeros_index(shape, device=None):
    from .creation import zeros
    return zeros(shape, dtype=_dt.int64, device=device)


@method()
def argsort(input, dim=-1, descending=False, stable=False):
    """Indices that sort input along dim (stable; NaN last when ascending)."""
    check_tensor(input, "argsort")
    d = _wrap_dim(dim, input.ndim)
    if input.ndim == 0:
        return _zeros_index((), input.device)
    return _sorted(input, d, bool(descending), values=False)[1]


@method()
def msort(input, *, out=None):
    """input sorted along its first dim."""
    return write_out(sort(input, 0).values, out)


@method()
def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    """The k largest (smallest) elements along dim and their indices, in sorted order."""
    check_tensor(input, "topk")
    d = _wrap_dim(dim, input.ndim)
    n = input._shape[d] if input.ndim else 1
    if not isinstance(k, numbers.Integral) or not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    if input.ndim == 0:
        res = TopkResult(input.clone() if k else input.new_empty(()),
                         _zeros_index((), input.device))
        return write_out_tuple(res, out, "topk")
    v, i = _sorted(input, d, bool(largest))
    res = TopkResult(contiguous(narrow(v, d, 0, k)), contiguous(narrow(i, d, 0, k)))
    return write_out_tuple(res, out, "topk")


def _reduction_dim_check(input, dim, fname):
    d = one_dim(dim, input.ndim, fname)
    if input.ndim and input._shape[d] == 0:
        raise IndexError(f"{fname}(): Expected reduction dim {d} to have non-zero size.")
    return d


def _as_1d(x):
    return alias(contiguous(x), (1,)) if x.ndim == 0 else x


@method()
def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """(k-th smallest value along dim, its index); NaN is the largest value."""
    check_tensor(input, "kthvalue")
    d = _reduction_dim_check(input, dim, "kthvalue")
    n = input._shape[d] if input.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    x = _as_1d(input)
    sv, si = _sorted_last(x, d)
    shape = out_shape(input._shape, (d,), keepdim) if input.ndim else ()
    values = _empty(shape, input.dtype, input.device)
    indices = _empty(shape, _dt.int64, input.device)
    last = sv.ndim - 1
    row_shape = sv._shape[:-1] + (1,)
    be = input.device.backend
    be.copy(alias(values, row_shape), narrow(sv, last, k - 1, 1))
    be.copy(alias(indices, row_shape), narrow(si, last, k - 1, 1))
    return write_out_tuple(KthvalueResult(values, indices), out, "kthvalue")


def _select(op, input, dim, keepdim, out, result_cls):
    check_tensor(input, op)
    if dim is None:
        if input.numel() == 0:
            if input.dtype.is_floating_point:
                from .creation import full
                return full((), float("nan"), dtype=input.dtype, device=input.device)
            raise RuntimeError(f"{op}() operation does not have an identity for empty input tensor")
        sv, si = _sorted(flat(input), 0)
        v = _empty((), input.dtype, input.device)
        i = _empty((), _dt.int64, input.device)
        input.device.backend.select_sorted(op, alias(v, (1,)), alias(i, (1,)),
                                           alias(sv, (1, sv.numel())), alias(si, (1, si.numel())))
        return write_out(v, out)
    d = _reduction_dim_check(input, dim, op)
    x = _as_1d(input)
    sv, si = _sorted_last(x, d)
    shape = out_shape(input._shape, (d,), keepdim) if input.ndim else ()
    values = _empty(shape, input.dtype, input.device)
    indices = _empty(shape, _dt.int64, input.device)
    n = sv._shape[-1]
    rows = values.numel()
    if rows:
        input.device.backend.select_sorted(op, alias(values, (rows,)), alias(indices, (rows,)),
                                           alias(sv, (rows, n)), alias(si, (rows, n)))
    return write_out_tuple(result_cls(values, indices), out, op)


@method()
def median(input, dim=None, keepdim=False, *, out=None):
    """Lower median (element (n-1)//2 of the sorted values); NaN if any; with dim, its index."""
    return _select("median", input, dim, keepdim, out, MedianResult)


@method()
def nanmedian(input, dim=None, keepdim=False, *, out=None):
    """Lower median of the non-NaN values (NaN when there are none)."""
    return _select("nanmedian", input, dim, keepdim, out, NanmedianResult)


@method()
def mode(input, dim=-1, keepdim=False, *, out=None):
    """(most frequent value along dim, smallest on ties; the last index where it occurs)."""
    return _select("mode", input, dim, keepdim, out, ModeResult)


# ------------------------------------------------------------------------------------------------
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input, q, dim, keepdim, interpolation, out, ignore_nan):
    check_tensor(input, "nanquantile" if ignore_nan else "quantile")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"quantile() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    if isinstance(q, Tensor):
        qt = q
    elif isinstance(q, numbers.Real) and not isinstance(q, bool):
        if not 0 <= q <= 1:
            raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {q}")
        qt = None
    else:
        raise TypeError(f"quantile(): argument 'q' must be Tensor or float, not {type(q).__name__}")
    if input.numel() == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    if qt is not None and qt.ndim > 1:
        raise RuntimeError("quantile() q must be a scalar or 1D tensor")
    if input.dtype not in (_dt.float32, _dt.float64):
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if qt is not None and qt.dtype is not input.dtype:
        raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
    if qt is not None and qt.device != input.device:
        raise RuntimeError("quantile() q tensor must be on the same device as the input tensor")
    qs = [float(q)] if qt is None else [float(v) for v in flat(qt).tolist()]
    if not all(0 <= v <= 1 for v in qs):
        raise RuntimeError("quantile() q values must be in the range [0, 1]")
    if dim is None:
        x = flat(input)
        d = 0
        shape = (1,) * input.ndim if keepdim else ()
    else:
        d = _wrap_dim(dim, input.ndim)
        x = _as_1d(input)
        shape = out_shape(input._shape, (d,), keepdim) if input.ndim else ()
    if qt is not None and qt.ndim == 1:
        shape = (len(qs),) + shape
    sv, _ = _sorted(movedim(x, d, x.ndim - 1), x.ndim - 1, indices=False)
    res = _empty(shape, input.dtype, input.device)
    n = sv._shape[-1]
    rows = sv.numel() // n
    if res.numel():
        input.device.backend.quantile_sorted(alias(res, (len(qs), rows)), alias(sv, (rows, n)), qs,
                                             interpolation, ignore_nan)
    return write_out(res, out)


@method()
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """q-th quantiles along dim (all elements when None); NaN if the row has NaN."""
    return _quantile(input, q, dim, keepdim, interpolation, out, False)


@method()
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """q-th quantiles ignoring NaN (NaN where a row is all NaN)."""
    return _quantile(input, q, dim, keepdim, interpolation, out, True)


# ------------------------------------------------------------------------------------------------
def _group_mask(srt):
    """mask[i] = row i of the (n, w) tensor differs from row i - 1 (mask[0] = True)."""
    n = srt._shape[0]
    be = srt.device.backend
    mask = _empty((n,), _dt.bool, srt.device)
    be.fill(narrow(mask, 0, 0, 1), True)
    if n > 1:
        diff = _ew.ne(narrow(srt, 0, 1, n - 1), narrow(srt, 0, 0, n - 1))
        if srt._shape[1] != 1:
            from .reduce import any as _any
            diff = _any(diff, 1)
        be.copy(narrow(mask, 0, 1, n - 1), alias(contiguous(diff), (n - 1,)))
    return mask


def _unique_impl(input, dim, do_sort, return_inverse, return_counts):
    dev = input.device
    be = dev.backend
    if dim is None:
        rows = alias(flat(input), (input.numel(), 1))
        inv_shape = input._shape
    else:
        d = _wrap_dim(dim, input.ndim)
        moved = contiguous(movedim(_as_1d(input), d, 0))
        n = moved._shape[0]
        rows = alias(moved, (n, moved.numel() // n if n else 0))
        inv_shape = (n,)
    n = rows._shape[0]
    if do_sort and n:
        srt = _empty(rows._shape, rows.dtype, dev)
        perm = _empty((n,), _dt.int64, dev)
        if rows._shape[1] == 1:
            be.sort(alias(srt, (n,)), perm, alias(rows, (n,)), 0, False, True)
        else:
            be.sort_rows(srt, perm, rows)
    else:
        from .creation import arange
        srt, perm = rows, arange(n, device=dev)
    mask = _group_mask(srt) if n else _empty((0,), _dt.bool, dev)
    from .reduce import count_nonzero
    groups = int(count_nonzero(mask).item()) if n else 0
    values = _empty((groups,) + rows._shape[1:], input.dtype, dev)
    inverse = _empty(inv_shape, _dt.int64, dev) if return_inverse else None
    counts = _empty((groups,), _dt.int64, dev) if return_counts else None
    if n:
        be.unique_fill(values, alias(inverse, (n,)) if inverse is not None else None, counts, srt,
                       perm, mask)
    if dim is None:
        out = alias(values, (groups,))
    else:
        others = moved._shape[1:]
        out = contiguous(movedim(alias(values, (groups,) + others), 0, d))
        if input.ndim == 0:
            out = alias(out, ())
    res = [out]
    if return_inverse:
        res.append(inverse)
    if return_counts:
        res.append(counts)
    return res[0] if len(res) == 1 else tuple(res)


@method()
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements (or slices along dim) in ascending order, optionally with the
    inverse indices and the counts. NaNs are all distinct."""
    check_tensor(input, "unique")
    return _unique_impl(input, dim, True, return_inverse, return_counts)


@method()
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse each run of equal consecutive elements (or slices along dim) to one."""
    check_tensor(input, "unique_consecutive")
    return _unique_impl(input, dim, False, return_inverse, return_counts)
