"""Reductions, scans and the softmax family.

Each op checks its arguments, decides the result shape and dtype as PyTorch does, allocates the
result and calls one backend primitive: ``reduce`` (sum, prod, max, ..., with a scale for means),
``arg_reduce`` (max/min with indices), ``scan`` (cumsum ... cummax) or ``softmax``. var/std,
nanmean, logsumexp and norms for general p are composed from those and elementwise ops.
"""
import math
import numbers
import warnings

from .. import dtypes as _dt
from ..tensor import Tensor, _empty, _wrap_dim
from . import elementwise as _ew
from ._helpers import method
from ._reduce_common import (return_type, type_name, check_tensor, reduce_dims, one_dim,
                             keep_shape, out_shape, alias, contiguous, cast, flat, write_out,
                             write_out_tuple)

__all__ = ["sum", "nansum", "mean", "nanmean", "prod", "max", "min", "amax", "amin", "aminmax",
           "argmax", "argmin", "all", "any", "count_nonzero", "var", "std", "var_mean", "std_mean",
           "norm", "logsumexp", "softmax", "log_softmax", "cumsum", "cumprod", "cummax", "cummin",
           "logcumsumexp"]

_builtin_max, _builtin_min, _builtin_sum, _builtin_all, _builtin_any = max, min, sum, all, any

MaxResult = return_type("max", ["values", "indices"])
MinResult = return_type("min", ["values", "indices"])
AminmaxResult = return_type("aminmax", ["min", "max"])
CummaxResult = return_type("cummax", ["values", "indices"])
CumminResult = return_type("cummin", ["values", "indices"])


def _numel_over(shape, dims):
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def _reduce(op, x, dims, keepdim, dtype, scale=1.0):
    """A new tensor: backend reduce `op` of x over `dims` (a 0-d x reduces its one element)."""
    res = _empty(out_shape(x._shape, dims, keepdim), dtype, x.device)
    x.device.backend.reduce(op, alias(res, keep_shape(x._shape, dims)), x, dims, scale)
    return res


def _acc_input(x, dt):
    """x ready for a reduction into dt: converted only across the integer/floating divide
    (integer inputs accumulate in int64 and floating ones in double anyway)."""
    if dt is x.dtype or (dt.is_floating_point == x.dtype.is_floating_point and dt is not _dt.bool):
        return x
    return cast(x, dt)


def _promoted(x, dtype):
    """Result dtype of sum/prod/cumsum: dtype if given, int64 for bool/integers, else x's."""
    if dtype is not None:
        return _dt.to_dtype(dtype)
    return _dt.int64 if not x.dtype.is_floating_point else x.dtype


def _empty_check(x, dims, dim_given, fname):
    """PyTorch's errors for max-like reductions without an identity over empty input."""
    if x.numel() != 0:
        return
    if not dim_given:
        raise RuntimeError(f"{fname}(): Expected reduction dim to be specified for input.numel() == "
                           f"0. Specify the reduction dim with the 'dim' argument.")
    for d in dims:
        if x.ndim and x._shape[d] == 0:
            raise IndexError(f"{fname}(): Expected reduction dim {d} to have non-zero size.")


def _dim_given(dim):
    return dim is not None and not (isinstance(dim, (list, tuple)) and len(dim) == 0)


# ------------------------------------------------------------------------------------------------
# Sums, products, means
@method()
def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """sum_{i in dim} x_i; bool/integer inputs sum to int64 unless `dtype` says otherwise."""
    check_tensor(input, "sum")
    dt = _promoted(input, dtype)
    dims = reduce_dims(dim, input.ndim)
    return write_out(_reduce("sum", _acc_input(input, dt), dims, keepdim, dt), out)


@method()
def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """sum of the non-NaN elements (NaN counts as zero)."""
    check_tensor(input, "nansum")
    dt = _promoted(input, dtype)
    dims = reduce_dims(dim, input.ndim)
    x = _acc_input(input, dt)
    op = "nansum" if x.dtype.is_floating_point else "sum"
    return write_out(_reduce(op, x, dims, keepdim, dt), out)


def _mean_dtype(x, dtype, fname):
    if dtype is None:
        if not x.dtype.is_floating_point:
            raise RuntimeError(f"{fname}(): could not infer output dtype. Input dtype must be either "
                               f"a floating point or complex dtype. Got: {type_name(x.dtype)}")
        return x.dtype
    dt = _dt.to_dtype(dtype)
    if not dt.is_floating_point:
        raise RuntimeError(f"{fname}(): could not infer output dtype. Optional dtype must be either "
                           f"a floating point or complex dtype. Got: {type_name(dt)}")
    return dt


def _inv(n):
    return 1.0 / n if n > 0 else math.inf       # 0 * inf = NaN: the mean of nothing


@method()
def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """(1/n) sum_{i in dim} x_i; floating dtypes only (NaN over an empty dim)."""
    check_tensor(input, "mean")
    dt = _mean_dtype(input, dtype, "mean")
    dims = reduce_dims(dim, input.ndim)
    n = _numel_over(input._shape, dims)
    return write_out(_reduce("sum", _acc_input(input, dt), dims, keepdim, dt, _inv(n)), out)


@method()
def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """mean of the non-NaN elements."""
    check_tensor(input, "nanmean")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but "
                           f"got {type_name(input.dtype)}")
    dims = reduce_dims(dim, input.ndim)
    s = nansum(input, dim, keepdim, dtype=dtype)
    count = _reduce("count_nonzero", _ew.logical_not(_ew.isnan(input)), dims, keepdim, _dt.int64)
    return write_out(_ew.div(s, count), out)


@method()
def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """prod_{i in dim} x_i (one dim or all); bool/integers multiply to int64; 1 when empty."""
    check_tensor(input, "prod")
    dt = _promoted(input, dtype)
    dims = reduce_dims(None, input.ndim) if dim is None else (one_dim(dim, input.ndim, "prod"),)
    return write_out(_reduce("prod", _acc_input(input, dt), dims, keepdim, dt), out)


# ------------------------------------------------------------------------------------------------
# Max / min
def _as_1d(x):
    """A 0-d tensor seen as one element along a dim 0 (reductions with a dim accept 0-d)."""
    return alias(contiguous(x), (1,)) if x.ndim == 0 else x


def _max_min(op, input, dim, keepdim, out, result_cls):
    check_tensor(input, op)
    if isinstance(dim, Tensor):
        if keepdim:
            raise TypeError(f"{op}() received an invalid combination of arguments")
        return (_ew.maximum if op == "max" else _ew.minimum)(input, dim, out=out)
    if dim is None:
        if keepdim:
            raise TypeError(f"{op}() received an invalid combination of arguments - got "
                            f"(Tensor, keepdim=bool), but expected (Tensor input, int dim, bool "
                            f"keepdim = False)")
        _empty_check(input, (), False, op)
        return write_out(_reduce(op, input, tuple(range(input.ndim)), False, input.dtype), out)
    d = one_dim(dim, input.ndim, op)
    if input.ndim and input._shape[d] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")
    x = _as_1d(input)
    shape = out_shape(input._shape, (d,), keepdim) if input.ndim else ()
    values = _empty(shape, input.dtype, input.device)
    indices = _empty(shape, _dt.int64, input.device)
    ks = keep_shape(x._shape, (d,))
    x.device.backend.arg_reduce(op, alias(values, ks), alias(indices, ks), x, d)
    return write_out_tuple(result_cls(values, indices), out, op)


@method()
def max(input, dim=None, keepdim=False, *, out=None):
    """max over all elements; with `dim` (values, indices) of the first max; with a tensor as
    second argument the elementwise maximum. NaN propagates."""
    return _max_min("max", input, dim, keepdim, out, MaxResult)


@method()
def min(input, dim=None, keepdim=False, *, out=None):
    """min over all elements; with `dim` (values, indices); with a tensor, elementwise minimum."""
    return _max_min("min", input, dim, keepdim, out, MinResult)


def _amax_amin(op, input, dim, keepdim, out):
    check_tensor(input, "a" + op)
    dims = reduce_dims(dim, input.ndim)
    _empty_check(input, dims, _dim_given(dim), "a" + op)
    return write_out(_reduce(op, input, dims, keepdim, input.dtype), out)


@method()
def amax(input, dim=(), keepdim=False, *, out=None):
    """max over `dim` (all dims by default); NaN propagates."""
    return _amax_amin("max", input, dim, keepdim, out)


@method()
def amin(input, dim=(), keepdim=False, *, out=None):
    """min over `dim` (all dims by default); NaN propagates."""
    return _amax_amin("min", input, dim, keepdim, out)


@method()
def aminmax(input, *, dim=None, keepdim=False, out=None):
    """(min, max) over `dim` (one dim or all)."""
    check_tensor(input, "aminmax")
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                               "operation has no identity.")
        dims = tuple(range(input.ndim))
    else:
        dims = (one_dim(dim, input.ndim, "aminmax"),)
        _empty_check(input, dims, True, "aminmax")
    res = AminmaxResult(_reduce("min", input, dims, keepdim, input.dtype),
                        _reduce("max", input, dims, keepdim, input.dtype))
    return write_out_tuple(res, out, "aminmax")


def _arg(op, input, dim, keepdim, out):
    fname = "arg" + op
    check_tensor(input, fname)
    if dim is None:
        if input.numel() == 0:
            raise IndexError(f"{fname}(): Expected reduction dim to be specified for input.numel() "
                             f"== 0.")
        res = _empty((1,) * input.ndim if keepdim else (), _dt.int64, input.device)
        input.device.backend.arg_reduce(op, None, alias(res, (1,)), flat(input), 0)
        return write_out(res, out)
    d = one_dim(dim, input.ndim, fname)
    if input.ndim and input._shape[d] == 0:
        raise IndexError(f"{fname}(): Expected reduction dim {d} to have non-zero size.")
    x = _as_1d(input)
    res = _empty(out_shape(input._shape, (d,), keepdim) if input.ndim else (), _dt.int64,
                 input.device)
    x.device.backend.arg_reduce(op, None, alias(res, keep_shape(x._shape, (d,))), x, d)
    return write_out(res, out)


@method()
def argmax(input, dim=None, keepdim=False, *, out=None):
    """Index of the first maximum (of the flattened input when dim is None); NaN wins."""
    return _arg("max", input, dim, keepdim, out)


@method()
def argmin(input, dim=None, keepdim=False, *, out=None):
    """Index of the first minimum (of the flattened input when dim is None); NaN wins."""
    return _arg("min", input, dim, keepdim, out)


# ------------------------------------------------------------------------------------------------
# Logical reductions
def _all_any(op, input, dim, keepdim, out):
    check_tensor(input, op)
    dt = _dt.uint8 if input.dtype is _dt.uint8 else _dt.bool
    if isinstance(dim, (list, tuple)) and len(dim) == 0:
        # an empty dim list reduces nothing: the elementwise truth value
        return write_out(_ew.ne(input, 0).to(dt), out)
    dims = reduce_dims(dim, input.ndim)
    return write_out(_reduce(op, input, dims, keepdim, dt), out)


@method()
def all(input, dim=None, keepdim=False, *, out=None):
    """True where every element over `dim` is non-zero (True for empty)."""
    return _all_any("all", input, dim, keepdim, out)


@method()
def any(input, dim=None, keepdim=False, *, out=None):
    """True where some element over `dim` is non-zero (False for empty)."""
    return _all_any("any", input, dim, keepdim, out)


@method()
def count_nonzero(input, dim=None):
    """Number of non-zero elements over `dim` (int64)."""
    check_tensor(input, "count_nonzero")
    return _reduce("count_nonzero", input, reduce_dims(dim, input.ndim), False, _dt.int64)


# ------------------------------------------------------------------------------------------------
# Variance and standard deviation
def _correction(fname, dim, unbiased, correction):
    if isinstance(dim, bool):               # var(x, True): the legacy `unbiased` overload
        if unbiased is not None:
            raise TypeError(f"{fname}() received an invalid combination of arguments")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise RuntimeError(f"{fname}: Cannot specify both unbiased and correction")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return dim, float(correction)


def _var_core(fname, input, dim, correction, keepdim, take_sqrt):
    """(var or std, mean keepdim) over dim with `correction` (Bessel's when 1)."""
    check_tensor(input, fname)
    if not input.dtype.is_floating_point:
        if fname in ("var", "std"):
            raise RuntimeError("std and var only support floating point and complex dtypes")
        raise RuntimeError(f"{fname} only support floating point and complex dtypes")
    dims = reduce_dims(dim, input.ndim)
    n = _numel_over(input._shape, dims)
    nout = _numel_over(input._shape, [d for d in range(input.ndim) if d not in dims])
    if (n if nout else 0) - correction <= 0:
        warnings.warn(f"{fname}(): degrees of freedom is <= 0. Correction should be strictly less "
                      f"than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)
    m = _reduce("sum", input, dims, True, input.dtype, _inv(n))
    dev = _ew.sub(input, m)
    dof = n - correction
    v = _reduce("sumsq", dev, dims, keepdim, input.dtype, 1.0 / dof if dof > 0 else math.inf)
    if take_sqrt:
        v = _ew.sqrt_(v)
    return v, m


@method()
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """sum (x - mean)^2 / (n - correction) over dim; correction=1 (Bessel) by default."""
    dim, c = _correction("var", dim, unbiased, correction)
    return write_out(_var_core("var", input, dim, c, keepdim, False)[0], out)


@method()
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """sqrt(var(input, dim, correction))."""
    dim, c = _correction("std", dim, unbiased, correction)
    return write_out(_var_core("std", input, dim, c, keepdim, True)[0], out)


def _stat_mean(fname, input, dim, unbiased, keepdim, correction, take_sqrt):
    dim, c = _correction(fname, dim, unbiased, correction)
    v, m = _var_core(fname, input, dim, c, keepdim, take_sqrt)
    if not keepdim:
        m = alias(m, v._shape)
    return v, m


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over dim."""
    return _stat_mean("var_mean", input, dim, unbiased, keepdim, correction, False)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over dim."""
    return _stat_mean("std_mean", input, dim, unbiased, keepdim, correction, True)


# ------------------------------------------------------------------------------------------------
# Norms
@method()
def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """(sum |x|^p)^(1/p) over dim; p = inf / -inf give max / min |x|, p = 0 counts non-zeros."""
    check_tensor(input, "norm")
    x = cast(input, _dt.to_dtype(dtype)) if dtype is not None else input
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {type_name(x.dtype)}")
    if isinstance(p, str):
        if p != "fro" or (isinstance(dim, (list, tuple)) and len(dim) > 2):
            # nuclear and other matrix norms: linalg's matrix_norm (its errors for bad p / dims)
            from ..linalg import matrix_norm
            mdim = tuple(range(x.ndim)) if dim is None else dim
            return write_out(matrix_norm(x, p, mdim, keepdim), out)
        p = 2.0
    if p is None:
        p = 2.0
    p = float(p)
    dims = reduce_dims(dim, x.ndim)
    if math.isinf(p):
        if x.numel() == 0 and _numel_over(x._shape, dims) == 0:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {'' if p > 0 else '-'}inf "
                               f"norm on an empty tensor because the operation does not have an "
                               f"identity")
        res = _reduce("maxabs" if p > 0 else "minabs", x, dims, keepdim, x.dtype)
    elif p == 0:
        res = _reduce("count_nonzero", x, dims, keepdim, x.dtype)
    elif p == 1:
        res = _reduce("sumabs", x, dims, keepdim, x.dtype)
    else:
        # accumulate in float64 so float32 sums of squares cannot overflow before the root
        wide = _dt.float64
        if p == 2:
            s = _reduce("sumsq", x, dims, keepdim, wide)
            s = _ew.sqrt_(s)
        else:
            s = _reduce("sum", _ew.pow(_ew.abs(cast(x, wide)), p), dims, keepdim, wide)
            s = _ew.pow(s, 1.0 / p)
        res = cast(s, x.dtype)
    return write_out(res, out)


# ------------------------------------------------------------------------------------------------
# log-sum-exp and softmax
@method()
def logsumexp(input, dim, keepdim=False, *, out=None):
    """log sum_{i in dim} exp(x_i), computed as m + log sum exp(x - m) with m the (finite) max."""
    check_tensor(input, "logsumexp")
    x = input if input.dtype.is_floating_point else cast(input, _dt.get_default_dtype())
    dims = reduce_dims(dim, x.ndim)
    if x.numel() == 0:
        return write_out(_ew.log(_reduce("sum", _ew.exp(x), dims, keepdim, x.dtype)), out)
    m = _reduce("max", x, dims, True, x.dtype)
    m = _ew.where(_ew.isinf(m), 0.0, m)        # an infinite max would turn x - m into NaN
    s = _reduce("sum", _ew.exp(_ew.sub(x, m)), dims, keepdim, x.dtype)
    res = _ew.add(_ew.log_(s), m if keepdim else alias(contiguous(m), s._shape))
    return write_out(res, out)


def _softmax(name, input, dim, dtype, log):
    check_tensor(input, name)
    x = cast(input, _dt.to_dtype(dtype)) if dtype is not None else input
    if dim is None:
        raise TypeError(f"{name}() missing required argument 'dim'")
    d = _wrap_dim(dim, x.ndim)
    if not x.dtype.is_floating_point:
        kernel = "lastdim_kernel_impl" if d == x.ndim - 1 or x.ndim == 0 else "kernel_impl"
        raise RuntimeError(f"\"{name}_{kernel}\" not implemented for '{type_name(x.dtype)}'")
    res = _empty(x._shape, x.dtype, x.device)
    if x.ndim == 0:
        x.device.backend.softmax(alias(res, (1,)), _as_1d(x), 0, log)
    else:
        x.device.backend.softmax(res, x, d, log)
    return res


@method()
def softmax(input, dim, dtype=None):
    """exp(x - max) / sum exp(x - max) along dim (fused, stable for huge logits)."""
    return _softmax("softmax", input, dim, dtype, False)


@method()
def log_softmax(input, dim, dtype=None):
    """x - max - log sum exp(x - max) along dim."""
    return _softmax("log_softmax", input, dim, dtype, True)


# ------------------------------------------------------------------------------------------------
# Scans
def _scan(op, input, dim, dt, indices=False):
    x = _as_1d(_acc_input(input, dt))
    d = _wrap_dim(dim, input.ndim)
    res = _empty(input._shape, dt, input.device)
    idx = _empty(input._shape, _dt.int64, input.device) if indices else None
    shape = x._shape
    x.device.backend.scan(op, alias(res, shape), alias(idx, shape) if indices else None, x, d)
    return (res, idx) if indices else res


@method()
def cumsum(input, dim, *, dtype=None, out=None):
    """y_i = sum_{j <= i} x_j along dim; bool/integers accumulate in int64."""
    check_tensor(input, "cumsum")
    return write_out(_scan("cumsum", input, dim, _promoted(input, dtype)), out)


@method()
def cumprod(input, dim, *, dtype=None, out=None):
    """y_i = prod_{j <= i} x_j along dim; bool/integers accumulate in int64."""
    check_tensor(input, "cumprod")
    return write_out(_scan("cumprod", input, dim, _promoted(input, dtype)), out)


def _scan_inplace(fn, self, dim, dtype):
    r = fn(self, dim, dtype=dtype)
    from ._helpers import check_inplace
    check_inplace(self, r.dtype, r._shape)
    self.device.backend.copy(self, r)
    self._storage.version += 1
    return self


@method()
def cumsum_(self, dim, *, dtype=None):
    """In-place cumsum."""
    return _scan_inplace(cumsum, self, dim, dtype or self.dtype)


@method()
def cumprod_(self, dim, *, dtype=None):
    """In-place cumprod."""
    return _scan_inplace(cumprod, self, dim, dtype or self.dtype)


@method()
def logcumsumexp(input, dim, *, out=None):
    """y_i = log sum_{j <= i} exp(x_j) along dim."""
    check_tensor(input, "logcumsumexp")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"\"logcumsumexp_out_cpu\" not implemented for '{type_name(input.dtype)}'")
    return write_out(_scan("logcumsumexp", input, dim, input.dtype), out)


@method()
def cummax(input, dim, *, out=None):
    """(running max, index of the last position attaining it) along dim; NaN sticks."""
    check_tensor(input, "cummax")
    res = CummaxResult(*_scan("cummax", input, dim, input.dtype, indices=True))
    return write_out_tuple(res, out, "cummax")


@method()
def cummin(input, dim, *, out=None):
    """(running min, index of the last position attaining it) along dim; NaN sticks."""
    check_tensor(input, "cummin")
    res = CumminResult(*_scan("cummin", input, dim, input.dtype, indices=True))
    return write_out_tuple(res, out, "cummin")

