"""Reductions, scans and softmax against NumPy oracles: dims (negative, tuples, keepdim), dtypes and
the dtype= argument, 0-d / empty / non-contiguous inputs, NaN semantics, ties and every error."""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import ember
from ember.ops.reduce import norm as reduce_norm

from conftest import assert_close, noncontig, make, to_np

nan, inf = float("nan"), float("inf")
rng = np.random.default_rng(0)


def _data(npdt, shape, seed=0):
    r = np.random.default_rng(seed)
    if npdt is np.bool_:
        return r.random(shape) > 0.5
    if np.dtype(npdt).kind in "iu":
        return r.integers(0, 9, shape).astype(npdt)
    return r.standard_normal(shape).astype(npdt)


def _np_dims(dim, ndim):
    if dim is None:
        return None
    return tuple(d % ndim for d in (dim if isinstance(dim, tuple) else (dim,)))


# ------------------------------------------------------------------------------------------------
# sum / prod / mean
DIMS = [None, 0, -1, 1, (0, 2), (-1, 0), (0, 1, 2)]


@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
def test_sum_dims_float32(device, dim, keepdim):
    a = _data(np.float32, (3, 4, 5))
    kw = {} if dim is None else {"dim": dim, "keepdim": keepdim}
    exp = a.sum(axis=_np_dims(dim, 3), keepdims=keepdim if dim is not None else False)
    assert_close(ember.sum(make(a, device), **kw), exp.astype(np.float32))
    assert_close(make(a, device).sum(**kw), exp.astype(np.float32))


@pytest.mark.parametrize("npdt", [np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64])
def test_sum_of_integers_is_int64(device, npdt):
    a = _data(npdt, (4, 6))
    assert_close(make(a, device).sum(), np.array(a.sum(dtype=np.int64)))
    assert_close(make(a, device).sum(1), a.sum(1, dtype=np.int64))
    assert_close(make(a, device).sum(0, keepdim=True), a.sum(0, keepdims=True, dtype=np.int64))


def test_sum_float64_and_half(device):
    a = _data(np.float64, (5, 7))
    assert_close(make(a, device).sum(0), a.sum(0))
    h = a.astype(np.float16)
    r = make(h, device).sum(1)
    assert r.dtype is ember.float16
    assert_close(r, h.astype(np.float32).sum(1).astype(np.float16), rtol=2e-3, atol=2e-3)


def test_sum_dtype_argument(device):
    a = _data(np.int32, (3, 4))
    assert_close(make(a, device).sum(dtype=ember.float64), np.array(a.sum(dtype=np.float64)))
    assert_close(make(a, device).sum(1, dtype=ember.int32), a.sum(1, dtype=np.int32))
    f = np.array([[1.7, -2.9], [3.2, 0.5]], dtype=np.float32)
    # the input is converted first: float -> int truncates each element
    assert_close(make(f, device).sum(dtype=ember.int64), np.array(1 - 2 + 3 + 0, dtype=np.int64))
    assert_close(make(f, device).sum(0, dtype=ember.float64), f.astype(np.float64).sum(0))


def test_sum_noncontiguous_and_transposed(device):
    a = _data(np.float32, (4, 6))
    nc = make(noncontig(a), device)
    for dim in (0, 1, (0, 1)):
        assert_close(nc.sum(dim), a.sum(dim))
    t = ember.from_numpy(np.ascontiguousarray(a).T)        # a transposed view
    for dim in (0, 1, -1):
        assert_close(t.sum(dim), a.T.sum(dim))
    b = _data(np.float64, (3, 4, 5))
    v = ember.from_numpy(b.transpose(2, 0, 1))
    assert_close(v.sum((0, 2)), b.transpose(2, 0, 1).sum((0, 2)))
    assert_close(v.sum(1), b.transpose(2, 0, 1).sum(1))


def test_sum_0d_and_empty(device):
    s = ember.tensor(3.5, device=device)
    assert_close(s.sum(), np.array(3.5, dtype=np.float32))
    assert_close(s.sum(0), np.array(3.5, dtype=np.float32))
    assert_close(s.sum(-1, keepdim=True), np.array(3.5, dtype=np.float32))
    e = ember.zeros(0, 3, device=device)
    assert_close(e.sum(), np.array(0.0, dtype=np.float32))
    assert_close(e.sum(0), np.zeros(3, np.float32))
    assert_close(e.sum(1), np.zeros(0, np.float32))
    assert_close(ember.zeros(0, dtype=ember.int32, device=device).sum(), np.array(0, np.int64))


def test_sum_float32_accuracy(device):
    # one million float32 (1 + small): a naive float32 accumulator is off by ~1e-2 relative
    small = np.random.default_rng(1).random(10 ** 6).astype(np.float32) * 1e-3
    a = (np.float32(1) + small).astype(np.float32)
    exact = a.astype(np.float64).sum()
    got = float(make(a, device).sum())
    assert abs(got - exact) / exact < 1e-6
    naive = np.float32(0)
    for chunk in np.array_split(a, 1000):           # float32 accumulation for comparison
        naive = np.float32(naive + np.float32(chunk.sum(dtype=np.float32)))
    assert abs(got - exact) <= abs(float(naive) - exact) + 1e-3
    # along a strided axis too
    b = a.reshape(1000, 1000)
    assert_close(make(b, device).sum(0), b.astype(np.float64).sum(0).astype(np.float32), rtol=1e-6)


def test_sum_parallel_paths(device):
    a = _data(np.float32, (300, 200), seed=3)
    for dim in (0, 1, None):
        exp = a.astype(np.float64).sum(dim)
        assert_close(make(a, device).sum(dim), np.asarray(exp, dtype=np.float32), rtol=1e-5, atol=1e-4)
    big = _data(np.int64, (100_003,), seed=4)
    assert_close(make(big, device).sum(), np.array(big.sum()))
    col = _data(np.float64, (50_000, 3), seed=5)                # outer mode, few columns
    assert_close(make(col, device).sum(0), col.sum(0))
    assert_close(make(col, device).amax(0), col.max(0))


def test_prod(device):
    a = np.array([[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]], dtype=np.float32)
    assert_close(make(a, device).prod(), np.array(a.prod()))
    assert_close(make(a, device).prod(1), a.prod(1))
    assert_close(make(a, device).prod(-2, keepdim=True), a.prod(0, keepdims=True))
    i = np.array([[2, 3], [4, 5]], dtype=np.int32)
    assert_close(make(i, device).prod(), np.array(120, dtype=np.int64))
    assert_close(make(i, device).prod(0, dtype=ember.float64), i.prod(0).astype(np.float64))
    assert_close(ember.ones(0, device=device).prod(), np.array(1.0, np.float32))
    b = np.array([True, True, False])
    assert_close(make(b, device).prod(), np.array(0, np.int64))


def test_prod_rejects_tuple_dims(device):
    with pytest.raises(TypeError):
        ember.ones(2, 2, device=device).prod((0, 1))


def test_mean(device):
    a = _data(np.float32, (3, 4, 5))
    assert_close(make(a, device).mean(), np.array(a.mean(dtype=np.float64), np.float32))
    assert_close(make(a, device).mean((0, -1)), a.mean((0, 2)))
    assert_close(make(a, device).mean(1, keepdim=True), a.mean(1, keepdims=True))
    assert_close(make(noncontig(a), device).mean(2), a.mean(2))
    i = np.array([[1, 2], [3, 5]], dtype=np.int64)
    assert_close(make(i, device).mean(dtype=ember.float32), np.array(2.75, np.float32))
    assert_close(make(i, device).mean(0, dtype=ember.float64), np.array([2.0, 3.5]))
    assert_close(make(a, device).mean(0, dtype=ember.float64), a.astype(np.float64).mean(0))


def test_mean_empty_is_nan(device):
    assert math.isnan(float(ember.zeros(0, device=device).mean()))
    assert_close(ember.zeros(0, 2, device=device).mean(0), np.full(2, np.nan, np.float32))


def test_mean_errors(device):
    with pytest.raises(RuntimeError, match=r"mean\(\): could not infer output dtype. Input dtype "
                       r"must be either a floating point or complex dtype. Got: Long"):
        ember.tensor([1, 2], device=device).mean()
    with pytest.raises(RuntimeError, match="Got: Bool"):
        ember.tensor([True], device=device).mean(0)
    with pytest.raises(RuntimeError, match="Optional dtype must be either a floating point"):
        ember.tensor([1.0], device=device).mean(dtype=ember.int64)


def test_nansum_nanmean(device):
    a = np.array([[1.0, nan, 2.0], [nan, nan, nan], [3.0, -1.0, 0.5]], dtype=np.float32)
    t = make(a, device)
    assert_close(t.nansum(), np.array(np.nansum(a), np.float32))
    assert_close(t.nansum(1), np.nansum(a, 1))
    assert_close(t.nansum(0, keepdim=True), np.nansum(a, 0, keepdims=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_close(t.nanmean(1), np.nanmean(a, 1))
        assert_close(t.nanmean(), np.array(np.nanmean(a), np.float32))
    assert_close(make(np.array([1, 2, 3]), device).nansum(), np.array(6, np.int64))
    with pytest.raises(RuntimeError, match=r"nanmean\(\): expected input to have floating point"):
        ember.tensor([1, 2], device=device).nanmean()


def test_out_argument(device):
    a = _data(np.float32, (3, 4))
    out = ember.empty(4, device=device)
    r = ember.sum(make(a, device), 0, out=out)
    assert r is out
    assert_close(out, a.sum(0))
    out = ember.empty(0, device=device)
    ember.mean(make(a, device), 1, out=out)
    assert_close(out, a.mean(1))
    v, i = ember.empty(0, device=device), ember.empty(0, dtype=ember.int64, device=device)
    res = ember.max(make(a, device), 1, out=(v, i))
    assert res.values is v and res.indices is i
    assert_close(i, a.argmax(1))


# ------------------------------------------------------------------------------------------------
# max / min / amax / amin / argmax / argmin / aminmax
def test_max_min_full(device):
    a = _data(np.float32, (4, 5))
    t = make(a, device)
    assert_close(t.max(), np.array(a.max()))
    assert_close(ember.min(t), np.array(a.min()))
    i = _data(np.int16, (6,))
    assert_close(make(i, device).max(), np.array(i.max()))
    b = np.array([False, True])
    assert_close(make(b, device).max(), np.array(True))
    assert_close(make(b, device).min(), np.array(False))


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_with_dim(device, dim, keepdim):
    a = _data(np.float64, (4, 5))
    t = make(noncontig(a), device)
    r = t.max(dim, keepdim)
    assert isinstance(r, tuple) and r._fields == ("values", "indices")
    assert_close(r.values, a.max(dim, keepdims=keepdim))
    assert_close(r.indices, np.expand_dims(a.argmax(dim), dim) if keepdim else a.argmax(dim))
    values, indices = ember.min(t, dim=dim, keepdim=keepdim)
    assert_close(values, a.min(dim, keepdims=keepdim))
    assert_close(indices, np.expand_dims(a.argmin(dim), dim) if keepdim else a.argmin(dim))
    assert "return_types.max" in repr(r)


def test_max_ties_first_index_and_nan(device):
    a = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, nan, 5.0, nan], [-inf, -inf, -inf, -inf]],
                 dtype=np.float32)
    t = make(a, device)
    v, i = t.max(1)
    assert_close(v, np.array([3.0, nan, -inf], np.float32))
    assert_close(i, np.array([1, 1, 0]))
    v, i = t.min(1)
    assert_close(v, np.array([0.0, nan, -inf], np.float32))
    assert_close(i, np.array([3, 1, 0]))
    assert math.isnan(float(t.max())) and math.isnan(float(t.amin()))
    assert_close(t.amax(1), np.array([3.0, nan, -inf], np.float32))
    assert_close(t.argmax(1), np.array([1, 1, 0]))
    assert int(t.argmax()) == 5 and int(t.argmin()) == 5
    # along a strided dim (outer loop)
    assert_close(make(a.T.copy(), device).max(0).indices, np.array([1, 1, 0]))
    assert_close(make(a.T.copy(), device).argmin(0), np.array([3, 1, 0]))


def test_max_binary_is_maximum(device):
    a = np.array([1.0, 5.0, nan], dtype=np.float32)
    b = np.array([3.0, 2.0, 0.0], dtype=np.float32)
    assert_close(ember.max(make(a, device), make(b, device)), np.maximum(a, b))
    assert_close(make(a, device).min(make(b, device)), np.minimum(a, b))


def test_max_min_0d(device):
    s = ember.tensor(2.5, device=device)
    v, i = s.max(0)
    assert_close(v, np.array(2.5, np.float32))
    assert_close(i, np.array(0))
    assert_close(s.argmax(), np.array(0))
    assert_close(s.argmin(0, keepdim=True), np.array(0))
    assert_close(s.amax(), np.array(2.5, np.float32))


def test_max_min_errors(device):
    e = ember.zeros(0, device=device)
    with pytest.raises(RuntimeError, match=r"max\(\): Expected reduction dim to be specified for "
                       r"input.numel\(\) == 0. Specify the reduction dim with the 'dim' argument."):
        e.max()
    with pytest.raises(RuntimeError, match=r"min\(\): Expected reduction dim to be specified"):
        ember.min(e)
    with pytest.raises(IndexError, match=r"max\(\): Expected reduction dim 0 to have non-zero size."):
        e.max(0)
    with pytest.raises(IndexError, match=r"min\(\): Expected reduction dim 1 to have non-zero size."):
        ember.zeros(2, 0, device=device).min(1)
    # reducing a non-empty dim of an empty tensor is fine
    v, i = ember.zeros(0, 3, device=device).max(1)
    assert v.shape == (0,) and i.shape == (0,)
    with pytest.raises(IndexError, match="Dimension out of range"):
        ember.ones(2, 3, device=device).max(2)
    with pytest.raises(RuntimeError, match=r"amax\(\): Expected reduction dim to be specified"):
        e.amax()
    with pytest.raises(IndexError, match=r"amin\(\): Expected reduction dim 0 to have non-zero"):
        e.amin(0)
    with pytest.raises(IndexError, match=r"argmax\(\): Expected reduction dim to be specified for "
                       r"input.numel\(\) == 0."):
        e.argmax()
    with pytest.raises(IndexError, match=r"argmin\(\): Expected reduction dim 0 to have non-zero"):
        e.argmin(0)
    with pytest.raises(RuntimeError, match=r"aminmax\(\): cannot compute aminmax over an empty"):
        ember.aminmax(e)


@pytest.mark.parametrize("dim", [(), 0, -1, (0, 2), [1, 2]])
def test_amax_amin(device, dim, ):
    a = _data(np.float32, (3, 4, 5))
    t = make(noncontig(a), device)
    axis = None if dim == () else _np_dims(tuple(dim) if isinstance(dim, list) else dim, 3)
    assert_close(t.amax(dim), a.max(axis=axis))
    assert_close(ember.amin(t, dim, keepdim=True), a.min(axis=axis, keepdims=True))
    i = _data(np.int32, (3, 4, 5))
    assert_close(make(i, device).amax(dim), i.max(axis=axis))


def test_amax_duplicate_dims_error(device):
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times in the list of dims"):
        ember.ones(2, 3, device=device).amax((0, -2))


def test_aminmax(device):
    a = _data(np.float32, (4, 6))
    r = ember.aminmax(make(a, device))
    assert r._fields == ("min", "max")
    assert_close(r.min, np.array(a.min()))
    assert_close(r.max, np.array(a.max()))
    mn, mx = make(a, device).aminmax(dim=1, keepdim=True)
    assert_close(mn, a.min(1, keepdims=True))
    assert_close(mx, a.max(1, keepdims=True))
    with pytest.raises(IndexError, match=r"aminmax\(\): Expected reduction dim 0 to have non-zero"):
        ember.zeros(0, 2, device=device).aminmax(dim=0)


@pytest.mark.parametrize("npdt", [np.float32, np.int64, np.uint8, np.bool_])
def test_argmax_argmin(device, npdt):
    a = _data(npdt, (5, 7), seed=2)
    t = make(a, device)
    assert_close(t.argmax(), np.array(a.argmax()))
    assert_close(t.argmin(), np.array(a.argmin()))
    assert_close(t.argmax(1), a.argmax(1))
    assert_close(t.argmin(0, keepdim=True), a.argmin(0)[None, :])
    assert_close(t.argmax(keepdim=True), np.array(a.argmax()).reshape(1, 1))
    assert_close(make(noncontig(a), device).argmax(-1), a.argmax(-1))
    assert_close(ember.from_numpy(np.ascontiguousarray(a).T).argmax(), np.array(a.T.argmax()))


def test_argmax_long_line_split(device):
    a = np.zeros(100_000, np.float32)
    a[[7, 60_001, 99_999]] = 5.0          # ties: the first wins even across thread chunks
    assert int(make(a, device).argmax()) == 7
    a[80_000] = nan
    a[90_000] = nan
    assert int(make(a, device).argmax()) == 80_000
    assert int(make(a, device).argmin()) == 80_000
    b = np.arange(100_000, dtype=np.int64) % 977
    assert int(make(b, device).argmin()) == 0
    assert int(make(b, device).argmax()) == 976


# ------------------------------------------------------------------------------------------------
# all / any / count_nonzero
def test_all_any(device):
    a = np.array([[1.0, 0.0, 2.0], [3.0, 4.0, 5.0]], dtype=np.float32)
    t = make(a, device)
    assert_close(t.all(), np.array(False))
    assert_close(t.any(), np.array(True))
    assert_close(t.all(1), a.all(1))
    assert_close(ember.any(t, 0, keepdim=True), a.any(0, keepdims=True))
    assert_close(t.all((0, 1)), np.array(False))
    assert_close(make(np.array([nan]), device).all(), np.array(True))
    assert_close(ember.zeros(0, device=device).all(), np.array(True))
    assert_close(ember.zeros(0, device=device).any(), np.array(False))
    assert_close(ember.zeros(2, 0, device=device).all(1), np.array([True, True]))
    u = np.array([[0, 3], [1, 1]], dtype=np.uint8)
    r = make(u, device).all(1)
    assert_close(r, np.array([0, 1], dtype=np.uint8))
    assert_close(make(np.array([[True, False], [True, True]]), device).any(-1), np.array([True, True]))
    assert_close(t.all(dim=()), a != 0)


def test_count_nonzero(device):
    a = np.array([[0, 1, 2], [0, 0, 3]], dtype=np.int32)
    t = make(a, device)
    assert_close(ember.count_nonzero(t), np.array(3))
    assert_close(t.count_nonzero(0), np.count_nonzero(a, axis=0).astype(np.int64))
    assert_close(t.count_nonzero((0, 1)), np.array(3))
    assert_close(make(np.array([nan, 0.0, -0.0, 1.0]), device).count_nonzero(), np.array(2))


# ------------------------------------------------------------------------------------------------
# var / std
@pytest.mark.parametrize("dim", [None, 0, -1, (0, 2)])
def test_var_std(device, dim):
    a = _data(np.float64, (3, 4, 5))
    t = make(noncontig(a), device)
    ax = _np_dims(dim, 3)
    assert_close(t.var(dim), a.var(axis=ax, ddof=1))
    assert_close(t.std(dim), a.std(axis=ax, ddof=1))
    assert_close(ember.var(t, dim, correction=0), a.var(axis=ax))
    assert_close(ember.std(t, dim, keepdim=True, correction=2), a.std(axis=ax, ddof=2, keepdims=True))
    if dim is not None:
        assert_close(t.var(dim, False), a.var(axis=ax))          # legacy positional unbiased
        assert_close(t.var(dim, unbiased=True, keepdim=True), a.var(axis=ax, ddof=1, keepdims=True))
    assert_close(t.var(False), np.array(a.var()))
    assert_close(t.std(True), np.array(a.std(ddof=1)))


def test_var_float32_and_half(device):
    a = (_data(np.float32, (6, 8)) + 1000).astype(np.float32)
    assert_close(make(a, device).var(1), a.astype(np.float64).var(1, ddof=1).astype(np.float32),
                 rtol=1e-4)
    h = _data(np.float16, (4, 5))
    assert_close(make(h, device).std(0), h.astype(np.float64).std(0, ddof=1).astype(np.float16),
                 rtol=5e-3, atol=5e-3)


def test_var_mean_std_mean(device):
    a = _data(np.float32, (4, 6))
    v, m = ember.var_mean(make(a, device), 1)
    assert_close(v, a.var(1, ddof=1))
    assert_close(m, a.mean(1))
    s, m = ember.std_mean(make(a, device), (0, 1), keepdim=True, correction=0)
    assert_close(s, a.std(keepdims=True))
    assert_close(m, a.mean(keepdims=True))
    v, m = ember.var_mean(make(a, device))
    assert v.shape == () and m.shape == ()


def test_var_degenerate_and_errors(device):
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        r = ember.tensor([2.0], device=device).var()
    assert math.isnan(float(r))
    with pytest.warns(UserWarning, match="degrees of freedom"):
        r = ember.tensor([1.0, 3.0], device=device).var(correction=3)
    assert float(r) == inf
    with pytest.warns(UserWarning):
        assert math.isnan(float(ember.zeros(0, device=device).std()))
    with pytest.raises(RuntimeError, match="std and var only support floating point and complex"):
        ember.tensor([1, 2], device=device).var()
    with pytest.raises(RuntimeError, match="std and var only support floating point"):
        ember.tensor([1, 2], device=device).std(0)
    with pytest.raises(RuntimeError, match="var_mean only support floating point"):
        ember.var_mean(ember.tensor([1, 2], device=device))
    with pytest.raises(RuntimeError, match="Cannot specify both unbiased and correction"):
        ember.ones(3, device=device).var(0, unbiased=True, correction=1)


# ------------------------------------------------------------------------------------------------
# norm
@pytest.mark.parametrize("fn", [reduce_norm, ember.Tensor.norm])
def test_norm(device, fn):
    a = _data(np.float32, (3, 4))
    t = make(noncontig(a), device)
    assert_close(fn(t), np.array(np.linalg.norm(a), np.float32))
    assert_close(fn(t, "fro"), np.array(np.linalg.norm(a), np.float32))
    for p in (1, 2, 3, 0.5, inf, -inf, 0):
        assert_close(fn(t, p, 1), np.linalg.norm(a, ord=p, axis=1).astype(np.float32), rtol=1e-5)
        assert_close(fn(t, p, 0, True),
                     np.linalg.norm(a, ord=p, axis=0, keepdims=True).astype(np.float32), rtol=1e-5)
    assert_close(fn(t, 2, (0, 1)), np.array(np.linalg.norm(a), np.float32))
    d = _data(np.float64, (5,))
    assert_close(fn(make(d, device), 3), np.array(np.sum(np.abs(d) ** 3) ** (1 / 3)))
    # no float32 overflow in the sum of squares
    big = np.array([3e20, 4e20], dtype=np.float32)
    assert_close(fn(make(big, device)), np.array(5e20, np.float32))
    assert_close(fn(make(np.array([1, 2, 2]), device), dtype=ember.float64), np.array(3.0))


def test_norm_method_and_errors(device):
    a = _data(np.float64, (2, 3))
    assert_close(make(a, device).norm(1), np.array(np.abs(a).sum()))
    for fn in (reduce_norm, ember.norm):
        with pytest.raises(RuntimeError, match="Expected a floating point or complex tensor as "
                           "input. Got Long"):
            fn(ember.tensor([1, 2], device=device))
    with pytest.raises(RuntimeError, match="cannot compute the inf norm on an empty tensor"):
        reduce_norm(ember.zeros(0, device=device), inf)
    with pytest.raises(RuntimeError, match="cannot compute the -inf norm on an empty tensor"):
        ember.norm(ember.zeros(2, 0, device=device), -inf, 1)
    assert_close(ember.norm(ember.zeros(0, 2, device=device), 1, 0), np.zeros(2, np.float32))


def test_norm_nuclear(device):
    a = np.random.default_rng(3).standard_normal((3, 4))
    assert_close(ember.norm(make(a, device), "nuc"), np.array(np.linalg.norm(a, "nuc")))
    assert_close(make(a, device).norm("fro", (0, 1)), np.array(np.linalg.norm(a)))


# ------------------------------------------------------------------------------------------------
# logsumexp
def _lse(a, axis, keepdims=False):
    a = a.astype(np.float64)
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isinf(m), 0, m)
    with np.errstate(divide="ignore"):
        r = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return r if keepdims else np.squeeze(r, axis=axis)


def test_logsumexp(device):
    a = _data(np.float32, (3, 4, 5)) * 50
    t = make(noncontig(a), device)
    for dim in (0, -1, (0, 2)):
        ax = _np_dims(dim, 3)
        assert_close(t.logsumexp(dim), _lse(a, ax).astype(np.float32), rtol=1e-5)
    assert_close(ember.logsumexp(t, 1, keepdim=True), _lse(a, (1,), True).astype(np.float32),
                 rtol=1e-5)
    huge = np.array([[1000.0, 1000.0], [-inf, -inf], [inf, 1.0], [-1000.0, -1001.0]], np.float32)
    assert_close(make(huge, device).logsumexp(1), _lse(huge, (1,)).astype(np.float32))
    ints = np.array([[1, 2], [3, 4]])
    r = make(ints, device).logsumexp(0)
    assert r.dtype is ember.float32
    assert_close(r, _lse(ints, (0,)).astype(np.float32))
    assert_close(ember.zeros(0, 2, device=device).logsumexp(0), np.full(2, -inf, np.float32))


# ------------------------------------------------------------------------------------------------
# softmax / log_softmax
def _softmax(a, axis):
    a = a.astype(np.float64)
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_log_softmax(device, dim):
    a = _data(np.float32, (4, 5, 6)) * 3
    for t in (make(a, device), make(noncontig(a), device)):
        assert_close(ember.softmax(t, dim), _softmax(a, dim).astype(np.float32), atol=1e-6)
        assert_close(t.log_softmax(dim), np.log(_softmax(a, dim)).astype(np.float32), rtol=1e-5,
                     atol=1e-5)
    tr = ember.from_numpy(np.ascontiguousarray(a).transpose(2, 0, 1))
    assert_close(tr.softmax(dim), _softmax(a.transpose(2, 0, 1), dim).astype(np.float32), atol=1e-6)


def test_softmax_stable_for_huge_logits(device):
    a = np.array([[1e30, 1e30, 0.0], [-1e30, 5.0, 5.0], [1e4, 1e4 + 1, 1e4 - 1]], np.float32)
    exp = _softmax(a.astype(np.float64), 1).astype(np.float32)
    assert_close(make(a, device).softmax(1), exp)
    assert_close(make(a.T.copy(), device).softmax(0), exp.T)
    assert_close(make(a, device).log_softmax(-1),
                 np.array([[-math.log(2), -math.log(2), -1e30], [-1e30 - math.log(2),
                           -math.log(2), -math.log(2)], [-1.4076059, -0.4076059, -2.407606]],
                          np.float32), rtol=1e-6)


def test_softmax_nan_inf_rows(device):
    a = np.array([[1.0, nan, 2.0], [-inf, -inf, -inf], [-inf, 0.0, -inf]], np.float32)
    r = to_np(make(a, device).softmax(1))
    assert np.isnan(r[0]).all() and np.isnan(r[1]).all()
    np.testing.assert_allclose(r[2], [0.0, 1.0, 0.0])
    r0 = to_np(make(a.T.copy(), device).softmax(0))
    assert np.isnan(r0[:, 0]).all() and np.isnan(r0[:, 1]).all()
    np.testing.assert_allclose(r0[:, 2], [0.0, 1.0, 0.0])


def test_softmax_dtype_0d_empty(device):
    i = np.array([[1, 2, 3]])
    r = ember.softmax(make(i, device), 1, dtype=ember.float64)
    assert r.dtype is ember.float64
    assert_close(r, _softmax(i, 1))
    r = make(i.astype(np.float32), device).softmax(-1, dtype=ember.float64)
    assert_close(r, _softmax(i, 1))
    h = _data(np.float16, (3, 4))
    assert_close(make(h, device).softmax(1), _softmax(h, 1).astype(np.float16), rtol=2e-3, atol=2e-3)
    assert_close(ember.tensor(3.0, device=device).softmax(0), np.array(1.0, np.float32))
    assert_close(ember.tensor(3.0, device=device).log_softmax(-1), np.array(0.0, np.float32))
    assert ember.zeros(0, 3, device=device).softmax(0).shape == (0, 3)
    assert ember.zeros(2, 0, device=device).log_softmax(1).shape == (2, 0)


def test_softmax_errors(device):
    with pytest.raises(RuntimeError, match="\"softmax_lastdim_kernel_impl\" not implemented for "
                       "'Long'"):
        ember.softmax(ember.tensor([[1, 2]], device=device), 1)
    with pytest.raises(RuntimeError, match="\"log_softmax_kernel_impl\" not implemented for 'Int'"):
        ember.log_softmax(ember.tensor([[1, 2]], dtype=ember.int32, device=device), 0)
    with pytest.raises(IndexError, match="Dimension out of range"):
        ember.softmax(ember.ones(2, 3, device=device), 2)


def test_softmax_large_parallel(device):
    a = _data(np.float32, (256, 300), seed=7) * 4
    assert_close(make(a, device).softmax(-1), _softmax(a, 1).astype(np.float32), atol=1e-6)
    assert_close(make(a, device).softmax(0), _softmax(a, 0).astype(np.float32), atol=1e-6)


# ------------------------------------------------------------------------------------------------
# Scans
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumsum_cumprod(device, dim):
    a = (_data(np.float64, (4, 5)) * 0.5 + 1)
    for t in (make(a, device), make(noncontig(a), device),
              ember.from_numpy(np.ascontiguousarray(a.T).T)):
        assert_close(t.cumsum(dim), np.cumsum(a, dim))
        assert_close(ember.cumprod(t, dim), np.cumprod(a, dim))


@pytest.mark.parametrize("npdt", [np.bool_, np.uint8, np.int32, np.int64])
def test_cumsum_integers_to_int64(device, npdt):
    a = _data(npdt, (3, 6))
    assert_close(make(a, device).cumsum(1), np.cumsum(a, 1, dtype=np.int64))
    assert_close(make(a, device).cumprod(0), np.cumprod(a, 0, dtype=np.int64))
    assert_close(make(a, device).cumsum(0, dtype=ember.float32), np.cumsum(a, 0, dtype=np.float32))
    assert_close(make(a, device).cumsum(1, dtype=ember.int16), np.cumsum(a, 1).astype(np.int16))


def test_cumsum_0d_empty_inplace(device):
    assert_close(ember.tensor(4, device=device).cumsum(0), np.array(4))
    assert ember.zeros(0, 3, device=device).cumsum(0).shape == (0, 3)
    assert ember.zeros(3, 0, device=device).cumprod(1).shape == (3, 0)
    t = ember.tensor([[1.0, 2.0], [3.0, 4.0]], device=device)
    v = t._version
    assert t.cumsum_(0) is t
    assert t._version > v
    assert_close(t, np.array([[1.0, 2.0], [4.0, 6.0]], np.float32))
    t.cumprod_(1)
    assert_close(t, np.array([[1.0, 2.0], [4.0, 24.0]], np.float32))
    with pytest.raises(IndexError, match="Dimension out of range"):
        t.cumsum(2)


def test_cumsum_float32_accumulates_in_double(device):
    a = np.full(200_000, 0.1, np.float32)
    exp = np.cumsum(a.astype(np.float64)).astype(np.float32)
    assert_close(make(a, device).cumsum(0), exp, rtol=1e-6)
    b = np.full((2000, 40), 0.1, np.float32)
    assert_close(make(b, device).cumsum(0), np.cumsum(b.astype(np.float64), 0).astype(np.float32),
                 rtol=1e-6)


def _cum_ext(a, axis, is_max):
    """Oracle for cummax / cummin: ties move to the later index, NaN sticks."""
    a = np.moveaxis(a, axis, -1)
    vals = np.empty_like(a)
    idx = np.empty(a.shape, np.int64)
    for pos in np.ndindex(a.shape[:-1]):
        best, bi = a[pos + (0,)], 0
        for k, x in enumerate(a[pos]):
            better = x >= best if is_max else x <= best
            if np.isnan(x) or (not np.isnan(best) and better):
                best, bi = x, k
            vals[pos + (k,)] = best
            idx[pos + (k,)] = bi
    return np.moveaxis(vals, -1, axis), np.moveaxis(idx, -1, axis)


@pytest.mark.parametrize("dim", [0, 1])
def test_cummax_cummin(device, dim):
    a = np.array([[1.0, 3.0, 3.0, 2.0, 5.0], [2.0, nan, 1.0, nan, 0.0], [4.0, 4.0, 1.0, 1.0, 7.0]],
                 np.float32)
    for fn, is_max in ((ember.cummax, True), (ember.cummin, False)):
        v, i = fn(make(a, device), dim)
        ev, ei = _cum_ext(a, dim, is_max)
        assert_close(v, ev)
        assert_close(i, ei)
    r = make(np.array([2, 2, 1, 3], np.int32), device).cummax(0)
    assert r._fields == ("values", "indices")
    assert_close(r.values, np.array([2, 2, 2, 3], np.int32))
    assert_close(r.indices, np.array([0, 1, 1, 3]))
    b = make(np.array([False, True, False]), device).cummin(0)
    assert_close(b.values, np.array([False, False, False]))
    assert_close(b.indices, np.array([0, 0, 2]))


def test_logcumsumexp(device):
    a = _data(np.float32, (3, 6)) * 30
    for dim in (0, 1):
        exp = np.logaddexp.accumulate(a.astype(np.float64), axis=dim).astype(np.float32)
        assert_close(make(a, device).logcumsumexp(dim), exp, rtol=1e-5)
    e = np.array([-inf, -inf, 0.0, inf, 1.0], np.float32)
    assert_close(make(e, device).logcumsumexp(0), np.array([-inf, -inf, 0.0, inf, inf], np.float32))
    with pytest.raises(RuntimeError, match="not implemented for 'Long'"):
        ember.tensor([1, 2], device=device).logcumsumexp(0)


# ------------------------------------------------------------------------------------------------
# Property tests: random shapes and dim tuples against NumPy
@st.composite
def _shape_and_dims(draw):
    nd = draw(st.integers(1, 4))
    shape = tuple(draw(st.lists(st.integers(0, 5), min_size=nd, max_size=nd)))
    dims = draw(st.lists(st.integers(-nd, nd - 1), unique_by=lambda d: d % nd, max_size=nd))
    keep = draw(st.booleans())
    layout = draw(st.sampled_from(["c", "noncontig", "transposed"]))
    return shape, tuple(dims), keep, layout


def _layout(a, layout):
    if layout == "noncontig":
        return ember.from_numpy(noncontig(a)) if a.ndim else ember.tensor(a)
    if layout == "transposed":
        return ember.from_numpy(np.ascontiguousarray(a.T).T)
    return ember.tensor(a)


@settings(max_examples=60, deadline=None)
@given(_shape_and_dims(), st.integers(0, 2 ** 31))
def test_hypothesis_sum_mean_amax(case, seed):
    shape, dims, keep, layout = case
    a = np.random.default_rng(seed).standard_normal(shape)
    t = _layout(a, layout)
    ax = tuple(d % len(shape) for d in dims) if dims else None
    assert_close(t.sum(dims, keep), np.sum(a, axis=ax, keepdims=keep))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert_close(t.mean(dims, keep), np.mean(a, axis=ax, keepdims=keep))
    reduced = [s for k, s in enumerate(shape) if ax is None or k in ax]
    if a.size == 0 and (not dims or 0 in reduced):
        with pytest.raises((RuntimeError, IndexError)):
            t.amax(dims, keep)
    else:
        assert_close(t.amax(dims, keep), np.max(a, axis=ax, keepdims=keep))
    i = (a * 10).astype(np.int32)
    assert_close(_layout(i, layout).sum(dims, keep), np.sum(i, axis=ax, keepdims=keep, dtype=np.int64))
