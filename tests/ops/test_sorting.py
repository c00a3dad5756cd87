"""sort / argsort / msort / topk / kthvalue / median / nanmedian / mode / quantile / unique against
NumPy oracles: stability and ties, NaN placement, dtypes, 0-d / empty / non-contiguous inputs and
every error."""
import numpy as np
import pytest

import ember

from conftest import assert_close, noncontig, make, to_np

nan, inf = float("nan"), float("inf")


def _data(npdt, shape, seed=0, hi=5):
    r = np.random.default_rng(seed)
    if npdt is np.bool_:
        return r.random(shape) > 0.5
    if np.dtype(npdt).kind in "iu":
        return r.integers(0, hi, shape).astype(npdt)
    return r.integers(-hi, hi, shape).astype(npdt) / 2       # many ties


def _desc_stable(a, axis):
    """Oracle: a stable descending argsort with NaN first (PyTorch's descending order)."""
    n = a.shape[axis]
    return (n - 1) - np.flip(np.argsort(np.flip(a, axis), axis=axis, kind="stable"), axis)


# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("npdt", [np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_,
                                  np.float16])
@pytest.mark.parametrize("dim", [0, -1])
def test_sort_stable_both_directions(device, npdt, dim):
    a = _data(npdt, (6, 7))
    t = make(a, device)
    v, i = t.sort(dim)
    exp_i = np.argsort(a, axis=dim, kind="stable")
    assert_close(i, exp_i)
    assert_close(v, np.take_along_axis(a, exp_i, dim))
    r = ember.sort(t, dim, descending=True)
    assert r._fields == ("values", "indices")
    exp_i = _desc_stable(a, dim)
    assert_close(r.indices, exp_i)
    assert_close(r.values, np.take_along_axis(a, exp_i, dim))


def test_sort_nan_is_largest(device):
    a = np.array([3.0, nan, -1.0, nan, inf, -inf, 0.0], np.float32)
    v, i = make(a, device).sort()
    assert_close(v, np.array([-inf, -1.0, 0.0, 3.0, inf, nan, nan], np.float32))
    assert_close(i, np.array([5, 2, 6, 0, 4, 1, 3]))
    v, i = make(a, device).sort(descending=True)
    assert_close(v, np.array([nan, nan, inf, 3.0, 0.0, -1.0, -inf], np.float32))
    assert_close(i, np.array([1, 3, 4, 0, 6, 2, 5]))


def test_sort_noncontiguous_0d_empty_out(device):
    a = _data(np.float64, (4, 5), seed=3)
    for t in (make(noncontig(a), device), ember.from_numpy(np.ascontiguousarray(a.T).T)):
        v, i = t.sort(1, stable=True)
        assert_close(i, np.argsort(a, 1, kind="stable"))
        assert_close(ember.argsort(t, 0, descending=True), _desc_stable(a, 0))
    s = ember.tensor(2.0, device=device)
    v, i = s.sort()
    assert_close(v, np.array(2.0, np.float32))
    assert_close(i, np.array(0))
    assert_close(ember.argsort(s), np.array(0))
    v, i = ember.zeros(0, 3, device=device).sort(0)
    assert v.shape == (0, 3) and i.shape == (0, 3) and i.dtype is ember.int64
    ov = ember.empty(0, dtype=ember.float64, device=device)
    oi = ember.empty(0, dtype=ember.int64, device=device)
    r = ember.sort(make(a[0], device), out=(ov, oi))
    assert r.values is ov
    assert_close(ov, np.sort(a[0]))
    assert_close(oi, np.argsort(a[0], kind="stable"))
    with pytest.raises(IndexError, match="Dimension out of range"):
        make(a, device).sort(2)


def test_argsort_msort(device):
    a = _data(np.int32, (5, 4), seed=1)
    t = make(a, device)
    assert_close(t.argsort(), np.argsort(a, -1, kind="stable"))
    assert_close(ember.argsort(t, dim=0, descending=True), _desc_stable(a, 0))
    assert_close(ember.msort(t), np.sort(a, 0))
    assert_close(t.msort(), np.sort(a, 0))


# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_topk(device, largest, dim):
    a = np.random.default_rng(4).permutation(30).reshape(5, 6).astype(np.float32)
    t = make(noncontig(a), device)
    k = 3 if a.shape[dim] >= 3 else 1
    v, i = t.topk(k, dim, largest=largest)
    order = np.argsort(-a if largest else a, axis=dim, kind="stable")
    exp_i = np.take(order, np.arange(k), axis=dim)
    assert_close(i, exp_i)
    assert_close(v, np.take_along_axis(a, exp_i, dim))
    assert v.is_contiguous() and i.is_contiguous()


def test_topk_nan_ties_edges_errors(device):
    a = np.array([1.0, nan, 5.0, 5.0, -2.0], np.float32)
    r = ember.topk(make(a, device), 3)
    assert r._fields == ("values", "indices")
    assert_close(r.values, np.array([nan, 5.0, 5.0], np.float32))
    assert_close(r.indices, np.array([1, 2, 3]))
    v, i = make(a, device).topk(2, largest=False)
    assert_close(v, np.array([-2.0, 1.0], np.float32))
    assert_close(i, np.array([4, 0]))
    v, i = make(a, device).topk(0)
    assert v.shape == (0,) and i.shape == (0,)
    v, i = ember.tensor(7.0, device=device).topk(1)
    assert_close(v, np.array(7.0, np.float32))
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        make(a, device).topk(6)
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        make(a, device).topk(-1)


# ------------------------------------------------------------------------------------------------
def test_kthvalue(device):
    a = _data(np.float64, (4, 7), seed=5)
    t = make(noncontig(a), device)
    for k in (1, 3, 7):
        v, i = t.kthvalue(k, 1)
        order = np.argsort(a, 1, kind="stable")
        assert_close(i, order[:, k - 1])
        assert_close(v, np.sort(a, 1)[:, k - 1])
    r = ember.kthvalue(t, 2, 0, keepdim=True)
    assert r._fields == ("values", "indices")
    assert_close(r.values, np.sort(a, 0)[1:2])
    assert_close(r.indices, np.argsort(a, 0, kind="stable")[1:2])
    w = np.array([2.0, nan, 1.0], np.float32)
    v, i = make(w, device).kthvalue(3)
    assert np.isnan(float(v)) and int(i) == 1
    v, i = ember.tensor(5, device=device).kthvalue(1)
    assert_close(v, np.array(5))
    assert_close(i, np.array(0))


def test_kthvalue_errors(device):
    t = ember.ones(2, 3, device=device)
    with pytest.raises(RuntimeError, match=r"kthvalue\(\): selected number k out of range for "
                       r"dimension 1"):
        t.kthvalue(4)
    with pytest.raises(RuntimeError, match="selected number k out of range for dimension 0"):
        t.kthvalue(0, 0)
    with pytest.raises(IndexError, match=r"kthvalue\(\): Expected reduction dim 1 to have non-zero"):
        ember.zeros(2, 0, device=device).kthvalue(1)


# ------------------------------------------------------------------------------------------------
def _lower_median(a, axis):
    """Oracle: element (n-1)//2 of the stable sort, with its original index."""
    order = np.argsort(a, axis=axis, kind="stable")
    k = (a.shape[axis] - 1) // 2
    idx = np.take(order, k, axis=axis)
    return np.take_along_axis(a, np.expand_dims(idx, axis), axis).squeeze(axis), idx


@pytest.mark.parametrize("npdt", [np.float32, np.int64, np.int16])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_median_dim(device, npdt, dim):
    a = _data(npdt, (6, 5), seed=7)
    t = make(noncontig(a), device)
    v, i = t.median(dim)
    ev, ei = _lower_median(a, dim)
    assert_close(v, ev)
    assert_close(i, ei)
    r = ember.median(t, dim, keepdim=True)
    assert r._fields == ("values", "indices")
    assert_close(r.values, np.expand_dims(ev, dim))


def test_median_full_and_nan(device):
    a = np.array([4.0, 1.0, 3.0, 2.0], np.float32)
    assert_close(make(a, device).median(), np.array(2.0, np.float32))   # lower median
    assert_close(make(np.array([5, 1, 3]), device).median(), np.array(3))
    b = np.array([[1.0, nan, 3.0, nan], [2.0, 1.0, 0.0, 5.0]], np.float32)
    assert np.isnan(float(make(b, device).median()))
    v, i = make(b, device).median(1)
    assert_close(v, np.array([nan, 1.0], np.float32))
    assert_close(i, np.array([1, 1]))
    assert_close(ember.tensor(2.5, device=device).median(), np.array(2.5, np.float32))
    assert np.isnan(float(ember.zeros(0, device=device).median()))


def test_nanmedian(device):
    b = np.array([[1.0, nan, 3.0, nan, 2.0], [nan, nan, nan, nan, nan], [4.0, 1.0, 0.0, 5.0, 3.0]],
                 np.float32)
    t = make(b, device)
    v, i = t.nanmedian(1)
    assert_close(v, np.array([2.0, nan, 3.0], np.float32))
    assert_close(i[0], np.array(4))
    assert_close(i[2], np.array(4))
    assert_close(ember.nanmedian(t), np.array(2.0, np.float32))   # lower median of 8 values
    with pytest.raises(IndexError, match=r"nanmedian\(\): Expected reduction dim 0 to have non-zero"):
        ember.zeros(0, 2, device=device).nanmedian(0)
    with pytest.raises(IndexError, match=r"median\(\): Expected reduction dim 1 to have non-zero"):
        ember.zeros(2, 0, device=device).median(1)


def test_mode(device):
    a = np.array([[1, 2, 2, 3, 3, 0], [5, 5, 5, 1, 1, 1], [7, 6, 5, 4, 3, 2]], np.int64)
    v, i = make(a, device).mode()
    assert_close(v, np.array([2, 1, 2]))                 # ties: the smallest value
    assert_close(i, np.array([2, 5, 5]))                 # its last position
    r = ember.mode(make(a.T.copy(), device), 0, keepdim=True)
    assert r._fields == ("values", "indices")
    assert_close(r.values, np.array([[2, 1, 2]]))
    f = np.array([0.5, 0.5, -1.0], np.float32)
    v, i = make(f, device).mode(0)
    assert_close(v, np.array(0.5, np.float32))
    assert int(i) == 1


# ------------------------------------------------------------------------------------------------
METHODS = ["linear", "lower", "higher", "midpoint", "nearest"]


@pytest.mark.parametrize("method", METHODS)
def test_quantile_methods(device, method):
    a = np.random.default_rng(8).standard_normal((4, 7)).astype(np.float64)
    t = make(noncontig(a), device)
    for q in (0.0, 0.25, 0.5, 0.6, 1.0):
        assert_close(t.quantile(q, interpolation=method), np.array(np.quantile(a, q, method=method)))
        assert_close(ember.quantile(t, q, dim=1, interpolation=method),
                     np.quantile(a, q, axis=1, method=method))
        assert_close(t.quantile(q, 0, keepdim=True, interpolation=method),
                     np.quantile(a, q, axis=0, keepdims=True, method=method))


def test_quantile_tensor_q_float32(device):
    a = np.random.default_rng(9).standard_normal((3, 4, 5)).astype(np.float32)
    q = np.array([0.1, 0.5, 0.9], np.float32)
    qt = make(q, device)
    r = make(a, device).quantile(qt, dim=-1)
    assert r.shape == (3, 3, 4) and r.dtype is ember.float32
    assert_close(r, np.quantile(a.astype(np.float64), q.astype(np.float64), axis=-1).astype(np.float32),
                 rtol=1e-5, atol=1e-6)
    r = make(a, device).quantile(qt)
    assert_close(r, np.quantile(a.astype(np.float64), q.astype(np.float64)).astype(np.float32),
                 rtol=1e-5, atol=1e-6)
    r = make(a, device).quantile(qt, keepdim=True)
    assert r.shape == (3, 1, 1, 1)
    r = make(a, device).quantile(make(np.array(0.5, np.float32), device), 1)
    assert r.shape == (3, 5)


def test_quantile_nan(device):
    a = np.array([[1.0, nan, 3.0, 2.0], [4.0, 1.0, 2.0, 3.0], [nan, nan, nan, nan]])
    t = make(a, device)
    r = to_np(t.quantile(0.5, 1))
    assert np.isnan(r[0]) and r[1] == 2.5 and np.isnan(r[2])
    with np.errstate(all="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exp = np.nanquantile(a, [0.3, 0.5], axis=1)
    assert_close(ember.nanquantile(t, make(np.array([0.3, 0.5]), device), 1), exp)
    assert_close(t.nanquantile(0.5, 1, interpolation="lower"), np.array([2.0, 2.0, nan]))


def test_quantile_errors(device):
    t = ember.tensor([1.0, 2.0], device=device)
    with pytest.raises(RuntimeError, match=r"quantile\(\) q must be in the range \[0, 1\] but got 1.5"):
        t.quantile(1.5)
    with pytest.raises(RuntimeError, match=r"quantile\(\) q values must be in the range \[0, 1\]"):
        t.quantile(ember.tensor([0.5, -0.1], device=device))
    with pytest.raises(RuntimeError, match=r"quantile\(\) input tensor must be non-empty"):
        ember.zeros(0, device=device).quantile(0.5)
    with pytest.raises(RuntimeError, match=r"quantile\(\) q must be a scalar or 1D tensor"):
        t.quantile(ember.full((1, 1), 0.5, device=device))
    with pytest.raises(RuntimeError, match="input tensor must be either float or double dtype"):
        ember.tensor([1, 2], device=device).quantile(0.5)
    with pytest.raises(RuntimeError, match="q tensor must be same dtype as the input tensor"):
        t.quantile(ember.tensor([0.5], dtype=ember.float64, device=device))
    with pytest.raises(RuntimeError, match="interpolation must be one of linear, lower, higher, "
                       "midpoint or nearest, but got cubic"):
        t.quantile(0.5, interpolation="cubic")
    with pytest.raises(RuntimeError, match=r"quantile\(\) q values must be in the range"):
        t.nanquantile(ember.tensor([2.0], device=device))


# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("npdt", [np.float32, np.int64, np.int32, np.uint8, np.bool_])
def test_unique(device, npdt):
    a = _data(npdt, (4, 6), seed=10)
    t = make(noncontig(a), device)
    exp, inv, cnt = np.unique(a, return_inverse=True, return_counts=True)
    assert_close(ember.unique(t), exp)
    out, inverse, counts = t.unique(return_inverse=True, return_counts=True)
    assert_close(out, exp)
    assert_close(inverse, inv.reshape(a.shape).astype(np.int64))
    assert_close(counts, cnt.astype(np.int64))
    out, counts = ember.unique(t, return_counts=True)
    assert_close(counts, cnt.astype(np.int64))


def test_unique_nan_empty_0d(device):
    a = np.array([2.0, nan, 1.0, nan, 2.0], np.float32)
    out, counts = ember.unique(make(a, device), return_counts=True)
    assert_close(out, np.array([1.0, 2.0, nan, nan], np.float32))      # NaNs stay distinct
    assert_close(counts, np.array([1, 2, 1, 1]))
    out, inv = ember.zeros(0, device=device).unique(return_inverse=True)
    assert out.shape == (0,) and inv.shape == (0,)
    out, inv = ember.tensor(3, device=device).unique(return_inverse=True)
    assert_close(out, np.array([3]))
    assert_close(inv, np.array(0))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_unique_dim(device, dim):
    a = np.array([[1, 2, 1, 2], [0, 3, 0, 3], [1, 2, 1, 2], [0, 1, 0, 1]], np.int64)
    exp, inv, cnt = np.unique(a, axis=dim, return_inverse=True, return_counts=True)
    out, inverse, counts = ember.unique(make(noncontig(a), device), dim=dim, return_inverse=True,
                                        return_counts=True)
    assert_close(out, exp)
    assert_close(inverse, inv.reshape(-1).astype(np.int64))
    assert_close(counts, cnt.astype(np.int64))


def test_unique_consecutive(device):
    a = np.array([1, 1, 2, 2, 3, 1, 1, 2], np.int64)
    out, inv, cnt = ember.unique_consecutive(make(a, device), return_inverse=True,
                                             return_counts=True)
    assert_close(out, np.array([1, 2, 3, 1, 2]))
    assert_close(inv, np.array([0, 0, 1, 1, 2, 3, 3, 4]))
    assert_close(cnt, np.array([2, 2, 1, 2, 1]))
    m = np.array([[1, 1, 2], [1, 1, 2], [3, 3, 4]], np.float32)
    out, cnt = make(m, device).unique_consecutive(return_counts=True, dim=0)
    assert_close(out, np.array([[1, 1, 2], [3, 3, 4]], np.float32))
    assert_close(cnt, np.array([2, 1]))
    out = make(m, device).unique_consecutive(dim=1)
    assert_close(out, np.array([[1, 2], [1, 2], [3, 4]], np.float32))
