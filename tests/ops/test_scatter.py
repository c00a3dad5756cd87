"""The gather/scatter family, index_* ops, take_along_dim, searchsorted/bucketize against NumPy."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import ember
from conftest import assert_close, noncontig, make, to_np

HYP = settings(max_examples=80, deadline=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture])


def T(a, device, **kw):
    return ember.tensor(a, device=device, **kw)


# ------------------------------------------------------------------------------------------------
# gather
@pytest.mark.parametrize("dt", ["float32", "float64", "int64", "int32", "bool", "float16", "uint8"])
def test_gather_matches_take_along_axis(device, dt):
    rng = np.random.default_rng(0)
    a = (rng.integers(0, 9, size=(3, 4, 5))).astype(dt)
    for dim in (0, 1, 2, -1):
        idx = rng.integers(0, a.shape[dim], size=(3, 4, 5)[:dim % 3] + (6,) + (3, 4, 5)[dim % 3 + 1:])
        got = ember.gather(T(a, device), dim, T(idx, device))
        assert_close(got, np.take_along_axis(a, idx, axis=dim))


def test_gather_smaller_index_noncontig_and_out(device):
    a = np.arange(30, dtype=np.float32).reshape(5, 6)
    t = make(noncontig(a), device)
    idx = np.array([[4, 0], [1, 1], [0, 3]])
    got = t.gather(0, make(noncontig(idx), device))
    exp = np.array([[a[idx[i, j], j] for j in range(2)] for i in range(3)], dtype=np.float32)
    assert_close(got, exp)
    exp_t = np.array([[a.T[i, idx[i, j]] for j in range(2)] for i in range(3)])
    assert_close(t.t().gather(1, T(idx, device)), exp_t)
    out = ember.empty(3, 2, device=device)
    r = ember.gather(t, 0, T(idx, device), out=out)
    assert r is out
    assert_close(out, exp)


def test_gather_0d_and_empty(device):
    s = T(7.0, device)
    assert_close(ember.gather(s, 0, T(0, device)), np.float32(7))
    empty_long = ember.zeros(1, 0, dtype=ember.int64, device=device)
    assert ember.gather(T([[1, 2]], device), 1, empty_long).shape == (1, 0)
    empty_float = ember.zeros(0, dtype=ember.float32, device=device)      # dtype unchecked when empty
    assert ember.gather(T([1, 2], device), 0, empty_float).shape == (0,)


def test_gather_errors(device):
    t = ember.zeros(2, 3, device=device)
    with pytest.raises(RuntimeError, match="index 5 is out of bounds for dimension 1 with size 3"):
        t.gather(1, T([[0, 5]], device))
    with pytest.raises(RuntimeError, match="index -1 is out of bounds for dimension 1 with size 3"):
        t.gather(-1, T([[-1]], device))
    with pytest.raises(RuntimeError, match="index 4611686018427387904 is out of bounds"):
        t.gather(0, T([[2 ** 62]], device))
    with pytest.raises(RuntimeError, match=r"gather\(\): Expected dtype int64 for index"):
        t.gather(1, T([[0]], device, dtype=ember.int32))
    with pytest.raises(RuntimeError, match="Index tensor must have the same number of dimensions as input tensor"):
        t.gather(1, T([0], device))
    with pytest.raises(RuntimeError, match="Size does not match at dimension 0 expected index"):
        t.gather(1, ember.zeros(3, 1, dtype=ember.int64, device=device))
    with pytest.raises(IndexError, match="Dimension out of range"):
        t.gather(2, T([[0]], device))


# ------------------------------------------------------------------------------------------------
# scatter / scatter_add / scatter_reduce
def test_scatter_matches_put_along_axis(device):
    rng = np.random.default_rng(1)
    a = np.zeros((4, 5), dtype=np.float64)
    src = rng.random((4, 5))
    for dim in (0, 1):
        # distinct targets along dim, so the result does not depend on write order
        idx = np.argsort(rng.random((4, 5)), axis=dim)
        idx = idx[:3] if dim == 0 else idx[:, :3]
        exp = a.copy()
        np.put_along_axis(exp, idx, src[:idx.shape[0], :idx.shape[1]], axis=dim)
        t = T(a, device)
        r = t.scatter_(dim, T(idx, device), T(src, device))
        assert r is t
        assert_close(t, exp)
        assert_close(ember.scatter(T(a, device), dim, T(idx, device), T(src, device)), exp)


def test_scatter_value_and_reduce(device):
    t = ember.zeros(3, 4, device=device)
    idx = T([[0, 1, 2, 0]], device)
    t.scatter_(0, idx, 1.5)
    assert_close(t, np.array([[1.5, 0, 0, 1.5], [0, 1.5, 0, 0], [0, 0, 1.5, 0]], dtype=np.float32))
    t.scatter_(0, idx, value=2.0, reduce="add")
    assert to_np(t)[0].tolist() == [3.5, 0, 0, 3.5]
    t.scatter_(1, T([[1, 1]], device), T([[2.0, 3.0]], device), reduce="multiply")
    assert to_np(t)[0].tolist() == [3.5, 0, 0, 3.5]
    u = ember.ones(2, 2, device=device).scatter_(1, T([[1, 1], [0, 0]], device),
                                                 T([[2.0, 3.0], [4.0, 5.0]], device), reduce="multiply")
    assert_close(u, np.array([[1, 6], [20, 1]], dtype=np.float32))
    i = ember.zeros(3, dtype=ember.int64, device=device).scatter(0, T([2], device), 9.7)
    assert to_np(i).tolist() == [0, 0, 9]


@pytest.mark.parametrize("dt", ["float32", "float64", "int64", "int32", "float16", "bfloat16", "int8"])
def test_scatter_add_duplicates(device, dt):
    rng = np.random.default_rng(2)
    idx = rng.integers(0, 4, size=(6, 3))
    src = rng.integers(-3, 4, size=(6, 3)).astype(np.float64)
    exp = np.zeros((4, 3))
    np.add.at(exp, (idx, np.indices(idx.shape)[1]), src)
    d = getattr(ember, dt)
    t = ember.zeros(4, 3, dtype=d, device=device)
    t.scatter_add_(0, T(idx, device), T(src, device).to(d))
    assert_close(t.double(), exp)
    exp1 = np.zeros((6, 5))
    np.add.at(exp1, (np.indices(idx.shape)[0], idx), src)
    got = ember.scatter_add(ember.zeros(6, 5, dtype=d, device=device), 1, T(idx, device),
                            T(src, device).to(d))
    assert_close(got.double(), exp1)


def test_scatter_add_bool_and_noncontig(device):
    t = ember.zeros(3, dtype=ember.bool, device=device)
    t.scatter_add_(0, T([1, 1, 2], device), T([True, True, False], device))
    assert to_np(t).tolist() == [False, True, False]
    a = np.zeros((4, 6), dtype=np.float32)
    self_nc = make(noncontig(a), device)
    idx = np.array([[0, 3], [3, 3], [1, 0]])
    src = np.arange(6, dtype=np.float32).reshape(3, 2) + 1
    self_nc.t().scatter_add_(1, T(idx, device), make(noncontig(src), device))
    exp = a.T.copy()
    np.add.at(exp, (np.indices(idx.shape)[0], idx), src)
    assert_close(self_nc.t(), exp)


def _np_scatter_reduce(a, dim, idx, src, reduce, include_self):
    out = a.astype(np.float64).copy()
    touched = {}
    for pos in np.ndindex(*idx.shape):
        tgt = list(pos)
        tgt[dim] = idx[pos]
        touched.setdefault(tuple(tgt), []).append(src[pos])
    for tgt, vals in touched.items():
        vals = ([out[tgt]] if include_self else []) + vals
        f = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min}[reduce]
        out[tgt] = f(vals)
    return out


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(device, reduce, include_self):
    rng = np.random.default_rng(3)
    a = rng.integers(1, 5, size=(4, 3)).astype(np.float64)
    idx = rng.integers(0, 4, size=(5, 3))
    src = rng.integers(1, 5, size=(5, 3)).astype(np.float64)
    exp = _np_scatter_reduce(a, 0, idx, src, reduce, include_self)
    got = T(a, device).scatter_reduce(0, T(idx, device), T(src, device), reduce, include_self=include_self)
    assert_close(got, exp)
    ai = a.astype(np.int64)
    got_i = T(ai, device).scatter_reduce_(0, T(idx, device), T(src.astype(np.int64), device), reduce,
                                          include_self=include_self)
    exp_i = _np_scatter_reduce(ai, 0, idx, src.astype(np.int64), reduce, include_self)
    if reduce == "mean":
        counts = np.ones_like(exp_i) if include_self else np.zeros_like(exp_i)
        np.add.at(counts, (idx, np.indices(idx.shape)[1]), 1)
        sums = _np_scatter_reduce(ai, 0, idx, src.astype(np.int64), "sum", include_self)
        exp_i = np.where(counts == 0, sums, np.floor_divide(sums, np.maximum(counts, 1)))
    assert_close(got_i, exp_i.astype(np.int64))


def test_scatter_reduce_nan(device):
    t = T([1.0, 2.0], device)
    t.scatter_reduce_(0, T([0, 0], device), T([float("nan"), 5.0], device), "amax")
    assert np.isnan(to_np(t)[0])


def test_scatter_errors(device):
    t = ember.zeros(2, 3, device=device)
    with pytest.raises(RuntimeError, match="index 3 is out of bounds for dimension 1 with size 3"):
        t.scatter_(1, T([[3]], device), 1.0)
    with pytest.raises(RuntimeError, match="index -1 is out of bounds for dimension 0 with size 2"):
        t.scatter_add_(0, T([[-1]], device), ember.ones(1, 1, device=device))
    with pytest.raises(RuntimeError, match=r"scatter\(\): Expected dtype int64 for index"):
        t.scatter_(1, T([[0]], device, dtype=ember.int32), 1.0)
    with pytest.raises(RuntimeError, match=r"scatter\(\): Expected self.dtype to be equal to src.dtype"):
        t.scatter_(1, T([[0]], device), ember.ones(1, 1, dtype=ember.float64, device=device))
    with pytest.raises(RuntimeError, match="Index tensor must have the same number of dimensions as self tensor"):
        t.scatter_(1, T([0], device), 1.0)
    with pytest.raises(RuntimeError, match="Index tensor must have the same number of dimensions as src tensor"):
        t.scatter_(1, T([[0]], device), ember.ones(1, device=device))
    with pytest.raises(RuntimeError, match=r"Expected index \[1, 2\] to be no larger than self \[2, 3\] apart "
                                           r"from dimension 1 and to be no larger size than src \[1, 1\]"):
        t.scatter_(1, T([[0, 1]], device), ember.ones(1, 1, device=device))
    with pytest.raises(RuntimeError, match=r"Expected index \[3, 1\] to be no larger than self"):
        t.scatter_(1, ember.zeros(3, 1, dtype=ember.int64, device=device), 2.0)
    with pytest.raises(RuntimeError, match="reduce argument must be either add or multiply"):
        t.scatter_(1, T([[0]], device), 1.0, reduce="sum")
    with pytest.raises(RuntimeError, match="reduce argument must be either sum, prod, mean, amax or amin"):
        t.scatter_reduce(1, T([[0]], device), ember.ones(1, 1, device=device), "max")


# ------------------------------------------------------------------------------------------------
# index_select / index_add / index_copy / index_fill / index_reduce
@pytest.mark.parametrize("dt", ["float32", "int64", "bool", "float16", "int16"])
def test_index_select(device, dt):
    a = (np.arange(60).reshape(3, 4, 5) % 6).astype(dt)
    t = make(noncontig(a), device)
    for dim in (0, 1, 2, -2):
        idx = np.array([2, 0, 2])[:min(3, a.shape[dim])] % a.shape[dim]
        assert_close(ember.index_select(t, dim, T(idx, device)), np.take(a, idx, axis=dim))
        assert_close(t.index_select(dim, T(idx, device, dtype=ember.int32)), np.take(a, idx, axis=dim))
    assert_close(t.index_select(1, T(3, device)), np.take(a, [3], axis=1))
    assert t.index_select(0, ember.zeros(0, dtype=ember.int64, device=device)).shape == (0, 4, 5)
    assert_close(ember.index_select(T(5.0, device), 0, T([0], device)), np.float32(5))


def test_index_select_errors(device):
    t = ember.zeros(3, 4, device=device)
    with pytest.raises(IndexError, match="index out of range in self"):
        t.index_select(0, T([3], device))
    with pytest.raises(IndexError, match="index out of range in self"):
        t.index_select(1, T([-1], device))
    with pytest.raises(IndexError, match=r"index_select\(\): Index is supposed to be a vector"):
        t.index_select(0, T([[0]], device))
    with pytest.raises(RuntimeError, match=r"index_select\(\): Expected dtype int32 or int64 for index"):
        t.index_select(0, T([0.0], device))


def test_index_add(device):
    a = np.zeros((5, 3), dtype=np.float32)
    idx = np.array([0, 4, 0, 2])
    src = np.arange(12, dtype=np.float32).reshape(4, 3)
    t = T(a, device)
    t.index_add_(0, T(idx, device), T(src, device), alpha=2)
    exp = a.copy()
    np.add.at(exp, idx, 2 * src)
    assert_close(t, exp)
    exp1 = np.zeros((3, 5), dtype=np.float32)
    np.add.at(exp1.T, idx, src)
    assert_close(ember.index_add(ember.zeros(3, 5, device=device), 1, T(idx, device, dtype=ember.int32),
                                 T(src.T.copy(), device)), exp1)
    i = ember.ones(3, dtype=ember.int64, device=device).index_add(0, T([1, 1], device),
                                                                  T([5, 5], device), alpha=2)
    assert to_np(i).tolist() == [1, 21, 1]
    s = T(1.0, device).index_add_(0, T([0], device), T(2.0, device))
    assert to_np(s) == 3.0


def test_index_add_errors(device):
    t = ember.zeros(3, 2, device=device)
    with pytest.raises(IndexError, match="index out of range in self"):
        t.index_add_(0, T([3], device), ember.ones(1, 2, device=device))
    with pytest.raises(IndexError, match="index out of range in self"):
        t.index_add_(0, T([-1], device), ember.ones(1, 2, device=device))
    with pytest.raises(RuntimeError, match=r"index_add_\(\): self \(Float\) and source \(Double\) must "
                                           "have the same scalar type"):
        t.index_add_(0, T([0], device), ember.ones(1, 2, dtype=ember.float64, device=device))
    with pytest.raises(RuntimeError, match=r"index_add_\(\): Number of indices \(2\) should be equal to "
                                           r"source.size\(dim\): \(1\), for dim: 0"):
        t.index_add_(0, T([0, 1], device), ember.ones(1, 2, device=device))
    with pytest.raises(RuntimeError, match="source tensor shape must match self tensor shape, excluding "
                                           "the specified dimension"):
        t.index_add_(0, T([0], device), ember.ones(1, 3, device=device))
    with pytest.raises(RuntimeError, match=r"index_add_\(\): Expected dtype int32/int64 for index but got: Float"):
        t.index_add_(0, T([0.0], device), ember.ones(1, 2, device=device))
    with pytest.raises(IndexError, match=r"index_add_\(\): Index is supposed to be a vector, but got dim: 2"):
        t.index_add_(0, T([[0]], device), ember.ones(1, 2, device=device))


def test_index_copy_and_fill(device):
    a = np.zeros((4, 3), dtype=np.int32)
    src = np.arange(6, dtype=np.int32).reshape(2, 3) + 1
    t = make(noncontig(a), device)
    t.index_copy_(0, T([3, 1], device), T(src, device))
    a[[3, 1]] = src
    assert_close(t, a)
    assert_close(ember.index_copy(T(a, device), 1, T([0], device), T(src[:, :1].repeat(2, 0), device)),
                 np.concatenate([src[:, :1].repeat(2, 0), a[:, 1:]], axis=1))
    f = T(np.zeros((3, 4)), device).index_fill_(1, T([0, -1], device), -2.5)
    exp = np.zeros((3, 4))
    exp[:, [0, -1]] = -2.5
    assert_close(f, exp)
    g = ember.index_fill(T([1, 2, 3], device), 0, T(1, device), T(9, device))
    assert to_np(g).tolist() == [1, 9, 3]
    with pytest.raises(IndexError, match=r"index_copy_\(\): index 4 is out of bounds for dimension 0 with size 4"):
        t.index_copy_(0, T([4, 0], device), T(src, device))
    with pytest.raises(RuntimeError, match=r"index_copy_\(\): Expected a long tensor for index, but got Int"):
        t.index_copy_(0, T([0, 1], device, dtype=ember.int32), T(src, device))
    with pytest.raises(RuntimeError, match=r"index_copy_\(\): Source/destination tensor must have same slice shapes"):
        t.index_copy_(0, T([0, 1], device), ember.zeros(2, 2, dtype=ember.int32, device=device))
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 1 with size 4"):
        T(np.zeros((3, 4)), device).index_fill_(1, T([5], device), 1.0)
    with pytest.raises(IndexError, match=r"index_fill_\(\): Expected dtype int64 for index."):
        T(np.zeros(3), device).index_fill_(0, T([0], device, dtype=ember.int32), 1.0)
    with pytest.raises(RuntimeError, match="index_fill_ only supports a 0-dimensional value tensor"):
        T(np.zeros(3), device).index_fill_(0, T([0], device), T([1.0], device))


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_index_reduce(device, reduce, include_self):
    rng = np.random.default_rng(4)
    a = rng.integers(1, 6, size=(4, 3)).astype(np.float32)
    idx = np.array([0, 2, 0, 3, 0])
    src = rng.integers(1, 6, size=(5, 3)).astype(np.float32)
    exp = _np_scatter_reduce(a, 0, np.repeat(idx[:, None], 3, 1), src, reduce, include_self)
    got = T(a, device).index_reduce(0, T(idx, device), T(src, device), reduce, include_self=include_self)
    assert_close(got, exp.astype(np.float32))
    with pytest.raises(IndexError, match="index out of range in self"):
        T(a, device).index_reduce_(0, T([4, 0, 0, 0, 0], device), T(src, device), reduce)
    with pytest.raises(RuntimeError, match="index_reduce\\(\\): Expected reduce to be one of prod, mean, amax or amin"):
        T(a, device).index_reduce_(0, T(idx, device), T(src, device), "sum")


# ------------------------------------------------------------------------------------------------
# take_along_dim
def test_take_along_dim(device):
    rng = np.random.default_rng(5)
    a = rng.random((3, 4)).astype(np.float32)
    idx = np.argsort(a, axis=1)
    t = T(a, device)
    assert_close(ember.take_along_dim(t, T(idx, device), dim=1), np.take_along_axis(a, idx, axis=1))
    assert_close(t.take_along_dim(T(idx[:, :1], device), dim=-1),
                 np.take_along_axis(a, idx[:, :1], axis=1))
    flat = np.array([11, 0, 5])
    assert_close(ember.take_along_dim(t, T(flat, device)), a.ravel()[flat])
    col = np.array([[0], [3], [1]])
    assert_close(ember.take_along_dim(t, T(col[:1], device), dim=1),
                 np.take_along_axis(a, np.broadcast_to(col[:1], (3, 1)), axis=1))
    with pytest.raises(RuntimeError, match="input and indices should have the same number of dimensions"):
        ember.take_along_dim(t, T([0], device), dim=0)
    with pytest.raises(RuntimeError, match="dtype of indices should be Long but got Int"):
        ember.take_along_dim(t, T([[0]], device, dtype=ember.int32), dim=0)


# ------------------------------------------------------------------------------------------------
# searchsorted / bucketize
@pytest.mark.parametrize("dt", ["float32", "float64", "int64", "int32", "int16", "float16"])
def test_searchsorted_1d(device, dt):
    b = np.array([1, 3, 3, 5, 7, 9]).astype(dt)
    v = np.array([[0, 3, 4], [9, 10, 5]]).astype(dt)
    for side in ("left", "right"):
        exp = np.searchsorted(b, v, side=side)
        assert_close(ember.searchsorted(T(b, device), T(v, device), side=side), exp.astype(np.int64))
        assert_close(ember.searchsorted(T(b, device), T(v, device), right=side == "right", out_int32=True),
                     exp.astype(np.int32))


def test_searchsorted_nd_sorter_scalar_nan(device):
    b = np.array([[1.0, 2.0, 8.0], [0.0, 5.0, 5.0]])
    v = np.array([[2.0, 9.0], [5.0, -1.0]])
    exp = np.stack([np.searchsorted(b[i], v[i]) for i in range(2)])
    assert_close(ember.searchsorted(T(b, device), T(v, device)), exp)
    unsorted = np.array([5.0, 1.0, 3.0])
    sorter = np.argsort(unsorted)
    assert_close(ember.searchsorted(T(unsorted, device), T([2.0, 6.0], device, dtype=ember.float64),
                                    sorter=T(sorter, device)),
                 np.searchsorted(unsorted, [2.0, 6.0], sorter=sorter))
    assert_close(ember.searchsorted(T([1, 3, 5], device), 4), np.int64(2))
    assert_close(ember.searchsorted(T([1.0, 3.0], device), T([float("nan")], device)), np.array([2]))
    assert_close(ember.searchsorted(T([1, 3, 5], device), T([2.5], device)), np.array([1]))   # promotes
    nc = make(noncontig(np.array([0.5, 1.5, 2.5])), device)
    bounds = T([1.0, 2.0], device, dtype=ember.float64)
    assert_close(ember.searchsorted(bounds, nc), np.array([0, 1, 2]))


def test_searchsorted_errors(device):
    b = T([1.0, 2.0], device)
    with pytest.raises(RuntimeError, match="side can only be 'left' or 'right' but got middle"):
        ember.searchsorted(b, b, side="middle")
    with pytest.raises(RuntimeError, match="side and right can't be set to opposites"):
        ember.searchsorted(b, b, side="left", right=True)
    with pytest.raises(RuntimeError, match="boundaries tensor should be 1 dimension or the first N-1 dimensions"):
        ember.searchsorted(ember.zeros(2, 3, device=device), ember.zeros(3, 3, device=device))
    with pytest.raises(RuntimeError, match="input value can be a scalar only when boundaries tensor dimension is 1"):
        ember.searchsorted(ember.zeros(2, 3, device=device), 1.0)
    with pytest.raises(RuntimeError, match="sorter index out of range"):
        ember.searchsorted(b, b, sorter=T([0, 2], device))
    with pytest.raises(RuntimeError, match="sorter must be a tensor of long dtype"):
        ember.searchsorted(b, b, sorter=T([0, 1], device, dtype=ember.int32))
    with pytest.raises(RuntimeError, match="output tensor's dtype is wrong"):
        ember.searchsorted(b, b, out=ember.empty(2, device=device))


def test_bucketize(device):
    bounds = np.array([1.0, 3.0, 5.0])
    x = np.array([[0.5, 1.0, 3.0], [4.0, 5.0, 6.0]], dtype=np.float32)
    # bucketize(right=False) counts boundaries < x: np.digitize(x, bounds, right=True)
    assert_close(ember.bucketize(T(x, device), T(bounds, device, dtype=ember.float32)),
                 np.digitize(x, bounds, right=True).astype(np.int64))
    got = ember.bucketize(T(x, device), T(bounds, device, dtype=ember.float32), right=True,
                          out_int32=True)
    assert_close(got, np.digitize(x, bounds, right=False).astype(np.int32))
    assert_close(ember.bucketize(3, T([1, 3, 5], device)), np.int64(1))
    with pytest.raises(RuntimeError, match=r"boundaries tensor must be 1 dimension, but got dim\(2\)"):
        ember.bucketize(T(x, device), ember.zeros(2, 2, device=device))


@HYP
@given(data=st.data())
def test_hypothesis_gather_scatter_add(device, data):
    nd = data.draw(st.integers(1, 3))
    shape = tuple(data.draw(st.lists(st.integers(1, 4), min_size=nd, max_size=nd)))
    dim = data.draw(st.integers(-nd, nd - 1))
    ishape = tuple(data.draw(st.integers(0, shape[d] if d != dim % nd else 5)) for d in range(nd))
    idx = np.array(data.draw(st.lists(st.integers(0, shape[dim] - 1), min_size=int(np.prod(ishape)),
                                      max_size=int(np.prod(ishape))))).reshape(ishape).astype(np.int64)
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    t = make(noncontig(a), device) if data.draw(st.booleans()) else T(a, device)
    g = ember.gather(t, dim, T(idx, device))
    exp = np.empty(ishape)
    for pos in np.ndindex(*ishape):
        src = list(pos)
        src[dim] = idx[pos]
        exp[pos] = a[tuple(src)]
    assert_close(g, exp)
    src_vals = np.arange(idx.size, dtype=np.float64).reshape(ishape) + 1
    out = ember.scatter_add(t, dim, T(idx, device), T(src_vals, device))
    exp2 = a.copy()
    for pos in np.ndindex(*ishape):
        tgt = list(pos)
        tgt[dim] = idx[pos]
        exp2[tuple(tgt)] += src_vals[pos]
    assert_close(out, exp2)


def test_huge_and_negative_indices_are_rejected_before_any_access(device):
    """Every op validates indices first: these would read or write far outside the storage."""
    t = ember.zeros(3, 4, device=device)
    before = to_np(t).copy()
    huge = [2 ** 62, -2 ** 62, 2 ** 63 - 1, -2 ** 63]
    for v in huge:
        i2 = T([[v]], device)
        i1 = T([v], device)
        with pytest.raises(RuntimeError, match="out of bounds"):
            t.scatter_(1, i2, 1.0)
        with pytest.raises(RuntimeError, match="out of bounds"):
            t.scatter_add_(0, i2, ember.ones(1, 1, device=device))
        with pytest.raises(RuntimeError, match="out of bounds"):
            t.gather(0, i2)
        with pytest.raises(IndexError, match="index out of range in self"):
            t.index_select(1, i1)
        with pytest.raises(IndexError, match="index out of range in self"):
            t.index_add_(0, i1, ember.ones(1, 4, device=device))
        with pytest.raises(IndexError, match="out of bounds"):
            t.index_fill_(1, i1, 2.0)
        with pytest.raises(IndexError, match="out of bounds"):
            t.index_copy_(0, i1, ember.ones(1, 4, device=device))
        with pytest.raises(IndexError, match="out of bounds"):
            t[i1] = 1.0
        with pytest.raises(IndexError, match="out of bounds"):
            t.index_put_((i1,), ember.ones(1, device=device), accumulate=True)
        with pytest.raises(IndexError, match="out of range"):
            t.put_(i1, ember.ones(1, device=device))
        with pytest.raises(IndexError, match="out of range"):
            t.take(i1)
    assert (to_np(t) == before).all()
