"""__getitem__ / __setitem__, index_put, masked ops, nonzero, take / put against NumPy oracles.

PyTorch differs from NumPy in one place that matters here: integer indices are applied as
selects *before* advanced indexing, so they never take part in the placement rule. `_oracle`
reproduces that with NumPy (basic part first, then the advanced part on the resulting view).
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import ember
from conftest import assert_close, noncontig, make, to_np

def T(a, device, **kw):
    return ember.tensor(a, device=device, **kw)


HYP = settings(max_examples=120, deadline=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture])


def _oracle_parts(a, items):
    """Split a PyTorch-style index into NumPy's basic part and the advanced part on its result."""
    spec = sum(x.ndim if isinstance(x, np.ndarray) and x.dtype == bool else 1
               for x in items if x is not None and x is not Ellipsis)
    basic, second = [], []
    for x in items:
        if isinstance(x, np.ndarray):
            basic += [slice(None)] * (x.ndim if x.dtype == bool else 1)
            second.append(x)
        elif x is Ellipsis:
            basic.append(Ellipsis)
            second += [slice(None)] * (a.ndim - spec)
        elif x is None or isinstance(x, slice):
            basic.append(x)
            second.append(slice(None))
        else:
            basic.append(x)
    has_adv = any(isinstance(x, np.ndarray) for x in second)
    return tuple(basic), tuple(second), has_adv


def _oracle(a, items):
    basic, second, has_adv = _oracle_parts(a, items)
    v = a[basic]
    return np.asarray(v[second] if has_adv else v)


def _oracle_set(a, items, value):
    b = a.copy()
    basic, second, has_adv = _oracle_parts(b, items)
    if has_adv:
        b[basic][second] = value
    else:
        b[basic] = value
    return b


def _to_ember_items(items, device, how):
    out = []
    for x in items:
        if isinstance(x, np.ndarray):
            out.append({"tensor": lambda a: T(a, device), "list": lambda a: a.tolist(),
                        "array": lambda a: a}[how](x))
        else:
            out.append(x)
    return tuple(out)


# ------------------------------------------------------------------------------------------------
# basic indexing: views
def test_basic_int_slice_views(device):
    a = np.arange(60, dtype=np.float32).reshape(3, 4, 5)
    t = T(a, device)
    for idx in [1, -1, (1, 2), (-1, -2, -3), slice(1, None), (slice(None), slice(0, 4, 2)),
                (Ellipsis, 3), (None, 1), (1, None, Ellipsis, None),
                (slice(-2, None), Ellipsis, slice(None, None, 3)),
                (slice(5, 1),), (slice(-100, 100, 2),), (Ellipsis,), ()]:
        assert_close(t[idx], a[idx])


def test_basic_indexing_shares_memory(device):
    t = T(np.arange(12.0).reshape(3, 4), device)
    v = t[1:, ::2]
    assert v._storage is t._storage
    assert v.shape == (2, 2) and v.stride() == (4, 2) and v.storage_offset() == 4
    v.fill_(-1)
    assert to_np(t)[1:, ::2].tolist() == [[-1, -1], [-1, -1]]
    assert t[...]._storage is t._storage and t[...] is not t
    assert t[None]._storage is t._storage and t[None].shape == (1, 3, 4)
    assert t[0, 1].dim() == 0 and t[0, 1]._storage is t._storage


def test_basic_on_noncontiguous(device):
    a = np.arange(24, dtype=np.int64).reshape(4, 6)
    t = make(noncontig(a), device)
    assert_close(t[1:3, ::4], a[1:3, ::4])
    assert_close(t.t()[2], a.T[2])
    assert_close(t.t()[::2, 1:], a.T[::2, 1:])


def test_0d_and_empty(device):
    s = T(5.0, device)
    assert_close(s[...], np.float32(5.0))
    assert_close(s[None], np.array([5.0], dtype=np.float32))
    with pytest.raises(IndexError, match="invalid index of a 0-dim tensor"):
        s[0]
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 0"):
        s[0, ]
    e = ember.zeros(0, 3, device=device)
    assert e[:, 1].shape == (0,)
    assert e[1:].shape == (0, 3)
    assert e[T([], device, dtype=ember.int64)].shape == (0, 3)


def test_int_like_indices(device):
    a = np.arange(12).reshape(3, 4)
    t = T(a, device)
    assert_close(t[np.int64(1)], a[1])
    assert_close(t[T(2, device)], a[2])            # 0-d int tensor: a select
    assert t[T(2, device)]._storage is t._storage
    assert_close(t[1, T(-1, device)], a[1, -1])


def test_basic_errors(device):
    t = ember.zeros(3, 4, device=device)
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        t[5]
    with pytest.raises(IndexError, match="index -4 is out of bounds for dimension 0 with size 3"):
        t[-4]
    with pytest.raises(IndexError, match="index 4 is out of bounds for dimension 1 with size 4"):
        t[0, 4]
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 2"):
        t[0, 0, 0]
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 2"):
        t[..., 0, 0, 0]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        t[::-1]
    with pytest.raises(ValueError, match="slice step cannot be zero"):
        t[::0]
    with pytest.raises(IndexError, match="only integers, slices"):
        t[1.5]
    with pytest.raises(IndexError, match="an index can only have a single ellipsis"):
        t[..., ...]


# ------------------------------------------------------------------------------------------------
# advanced indexing
@pytest.mark.parametrize("how", ["tensor", "list", "array"])
def test_advanced_int(device, how):
    a = np.arange(60, dtype=np.float64).reshape(3, 4, 5)
    t = T(a, device)
    cases = [
        (np.array([2, 0, -1]),),
        (np.array([[0, 1], [2, 2]]),),
        (np.array([0, 2]), np.array([1, 3])),                        # broadcast together
        (slice(None), np.array([0, 3]), np.array([[1], [4]])),       # adjacent: result in place
        (np.array([0, 2]), slice(1, 3), np.array([1, 4])),           # separated: result first
        (np.array([1]), Ellipsis, np.array([0, 4])),
        (None, np.array([1, 0]), slice(None), 2),
        (1, slice(None), np.array([0, 4, 4])),                        # ints are selects first
        (np.array([0, 1]), 2, np.array([3, 4])),                     # int between: still adjacent
    ]
    for items in cases:
        got = t[_to_ember_items(items, device, how)]
        assert_close(got, _oracle(a, items))
        assert got._storage is not t._storage


def test_placement_rule_differs_from_numpy_for_ints(device):
    a = np.arange(120).reshape(2, 3, 4, 5)
    t = T(a, device)
    got = t[:, 1, :, [0, 1]]
    assert got.shape == (2, 4, 2)                                   # NumPy would give (2, 2, 4)
    assert_close(got, a[:, 1][:, :, [0, 1]])


def test_advanced_masks(device):
    a = np.arange(24, dtype=np.int32).reshape(2, 3, 4)
    t = T(a, device)
    m2 = a[:, :, 0] % 8 == 0
    m1 = np.array([True, False, True, True])
    assert_close(t[T(a > 10, device)], a[a > 10])
    assert_close(t[T(m2, device)], a[m2])
    assert_close(t[m2], a[m2])                              # (a nested list would be a tuple)
    assert_close(t[..., T(m1, device)], a[..., m1])
    assert_close(t[1, :, m1], a[1][:, m1])
    assert_close(t[T(m2, device), 1:3], a[m2][:, 1:3])
    assert_close(t[T([True, False], device), :, [0, 3]],
                 a[np.array([True, False]), :, [0, 3]])


def test_python_bools_and_0d_bool(device):
    a = np.arange(6.0).reshape(2, 3)
    t = T(a, device)
    assert_close(t[True], a[None], check_dtype=False)
    assert t[False].shape == (0, 2, 3)
    assert t[None, True, 1].shape == (1, 1, 3)
    assert_close(t[T(True, device)], a[None], check_dtype=False)
    assert t[T(False, device)].shape == (0, 2, 3)


def test_advanced_noncontiguous_source_and_index(device):
    a = np.arange(40, dtype=np.float32).reshape(5, 8)
    t = make(noncontig(a), device)
    idx_np = np.array([[4, 0, 2, 2], [1, 1, 3, 0]])
    idx = make(noncontig(idx_np), device)
    assert not idx.is_contiguous()
    assert_close(t[idx], a[idx_np])
    assert_close(t.t()[idx, 1], a.T[idx_np, 1])
    assert_close(t[:, idx[0]], a[:, idx_np[0]])
    assert_close(t[idx[:, :2], idx[:, 2:]], a[idx_np[:, :2], idx_np[:, 2:]])


@pytest.mark.parametrize("dt", ["float32", "float64", "int64", "int32", "int16", "uint8", "bool",
                                "float16"])
def test_advanced_dtypes(device, dt):
    a = (np.arange(30).reshape(5, 6) % 7).astype(dt)
    t = T(a, device)
    assert_close(t[[4, 0, -2]], a[[4, 0, -2]])
    assert_close(t[:, [5, 1]], a[:, [5, 1]])
    assert_close(t[t != 0] if dt != "bool" else t[t], a[a != 0])


def test_bfloat16_advanced(device):
    t = T([[1.0, 2.0], [3.0, 4.0]], device, dtype=ember.bfloat16)
    assert to_np(t[[1, 0], [0, 1]].float()).tolist() == [3.0, 2.0]


def test_int32_and_uint8_indices(device):
    a = np.arange(10.0)
    t = T(a, device)
    assert_close(t[T([3, -1], device, dtype=ember.int32)], a[[3, -1]], check_dtype=False)
    m = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 1], dtype=np.uint8)
    with pytest.warns(UserWarning, match="indexing with dtype torch.uint8 is now deprecated"):
        got = t[T(m, device)]
    assert_close(got, a[m.astype(bool)], check_dtype=False)


def test_empty_index_tensors(device):
    a = np.arange(12.0).reshape(3, 4)
    t = T(a, device)
    e = T([], device, dtype=ember.int64)
    assert t[e].shape == (0, 4)
    assert t[:, e].shape == (3, 0)
    assert t[e, e].shape == (0,)
    assert t[[]].shape == (0, 4)
    assert t[t > 100].shape == (0,)
    z = ember.zeros(0, 4, device=device)
    assert z[e].shape == (0, 4)
    with pytest.raises(IndexError, match="index is out of bounds for dimension with size 0"):
        z[[0]]


def test_advanced_errors(device):
    t = ember.zeros(3, 4, device=device)
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        t[[0, 5]]
    with pytest.raises(IndexError, match="index -4 is out of bounds for dimension 0 with size 3"):
        t[[-4]]
    with pytest.raises(IndexError, match="index 9 is out of bounds for dimension 0 with size 4"):
        t[:, [9]]                     # PyTorch counts dimensions among the advanced indices
    with pytest.raises(IndexError, match="index 7 is out of bounds for dimension 1 with size 4"):
        t[[0, 1], [1, 7]]
    for huge in (2 ** 62, -2 ** 62, 2 ** 63 - 1):
        with pytest.raises(IndexError, match="out of bounds"):
            t[[huge]]
    with pytest.raises(IndexError, match=r"The shape of the mask \[3\] at index 0 does not match the "
                                         r"shape of the indexed tensor \[4\] at index 0"):
        ember.zeros(4, device=device)[T([True, False, True], device)]
    with pytest.raises(IndexError, match=r"The shape of the mask \[2\] at index 0 does not match the "
                                         r"shape of the indexed tensor \[3, 4\] at index 1"):
        t[:, [True, False]]
    with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or bool"):
        t[T([0.0, 1.0], device)]
    with pytest.raises(IndexError, match="shape mismatch: indexing tensors could not be broadcast "
                                         r"together with shapes \[2\], \[3\]"):
        t[[0, 1], [0, 1, 2]]
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 2"):
        t[[0], [0], [0]]


def test_list_heuristics(device):
    a = np.arange(12).reshape(3, 4)
    t = T(a, device)
    assert_close(t[[0, 2]], a[[0, 2]])                      # a plain list of ints: one index
    assert_close(t[[[0, 2], [1, 3]]], a[[0, 2], [1, 3]])    # a short list of lists: a tuple
    assert_close(t[[1, slice(None, 2)]], a[1, :2])
    assert_close(t[(0, 2), ], a[[0, 2]])
    assert_close(t[range(1, 3)], a[1:3])


# ------------------------------------------------------------------------------------------------
# hypothesis: random index tuples against the oracle
@st.composite
def _index_cases(draw, for_set=False):
    ndim = draw(st.integers(1, 4))
    shape = tuple(draw(st.integers(0 if not for_set else 1, 4)) for _ in range(ndim))
    use_ell = draw(st.booleans())
    if use_ell:
        p = draw(st.integers(0, ndim))
        q = draw(st.integers(0, ndim - p))
        dims = list(range(p)) + [None] + list(range(ndim - q, ndim))
    else:
        dims = list(range(draw(st.integers(0, ndim))))
    has_mask = False
    m = draw(st.integers(0, 3))
    items = []
    skip = False
    for j, d in enumerate(dims):
        if skip:
            skip = False
            continue
        if d is None:
            items.append(Ellipsis)
            continue
        n = shape[d]
        kinds = ["slice", "none_then_slice"]
        if n:
            kinds += ["int", "array"]
            if not has_mask:
                kinds.append("mask")
        kind = draw(st.sampled_from(kinds))
        if kind == "int":
            items.append(draw(st.integers(-n, n - 1)))
        elif kind in ("slice", "none_then_slice"):
            if kind == "none_then_slice":
                items.append(None)
            start = draw(st.none() | st.integers(-n - 2, n + 2))
            stop = draw(st.none() | st.integers(-n - 2, n + 2))
            step = draw(st.none() | st.integers(1, 3))
            items.append(slice(start, stop, step))
        elif kind == "mask":
            two = (j + 1 < len(dims) and dims[j + 1] is not None and dims[j + 1] == d + 1
                   and shape[d + 1] > 0 and draw(st.booleans()))
            mshape = (n, shape[d + 1]) if two else (n,)
            mask = np.array(draw(st.lists(st.booleans(), min_size=int(np.prod(mshape)),
                                          max_size=int(np.prod(mshape))))).reshape(mshape)
            items.append(mask)
            has_mask = True
            skip = two
        else:
            items.append(("array", n))
    # int arrays must broadcast with the mask's nonzero count
    mask_count = next((int(x.sum()) for x in items if isinstance(x, np.ndarray)), None)
    length = mask_count if mask_count is not None else m
    out = []
    for x in items:
        if isinstance(x, tuple) and x[0] == "array":
            n = x[1]
            if for_set:   # distinct targets: a prefix of a permutation (or one element)
                size = length if length <= n else 1
                perm = draw(st.permutations(list(range(n))))
                vals = np.array(perm[:size], dtype=np.int64) - draw(st.sampled_from([0, n]))
                shp = (size,)
            else:
                shp = draw(st.sampled_from([(length,), (1,), (2, length)]))
                vals = np.array(draw(st.lists(st.integers(-n, n - 1), min_size=int(np.prod(shp)),
                                              max_size=int(np.prod(shp)))), dtype=np.int64).reshape(shp)
            out.append(vals)
        else:
            out.append(x)
    return shape, tuple(out)


@HYP
@given(case=_index_cases(), how=st.sampled_from(["tensor", "list", "array"]),
       layout=st.sampled_from(["contig", "noncontig"]))
def test_hypothesis_getitem(device, case, how, layout):
    shape, items = case
    a = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    t = make(noncontig(a), device) if layout == "noncontig" and a.size else T(a, device)
    expected = _oracle(a, items)
    got = t[_to_ember_items(items, device, how)]
    assert_close(got, expected)


@HYP
@given(case=_index_cases(for_set=True), scalar=st.booleans(),
       layout=st.sampled_from(["contig", "noncontig"]))
def test_hypothesis_setitem(device, case, scalar, layout):
    shape, items = case
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    region = _oracle(a, items)
    value = -7.5 if scalar else (np.arange(region.size, dtype=np.float64).reshape(region.shape) + 100)
    expected = _oracle_set(a, items, value)
    t = make(noncontig(a), device) if layout == "noncontig" else T(a, device)
    v0 = t._version
    t[_to_ember_items(items, device, "tensor")] = value if scalar else T(value, device)
    assert_close(t, expected)
    assert t._version > v0


# ------------------------------------------------------------------------------------------------
# setitem
def test_setitem_basic(device):
    a = np.zeros((3, 4), dtype=np.float32)
    t = T(a, device)
    t[1] = 5
    a[1] = 5
    t[:, 2] = T([1.0, 2.0, 3.0], device)
    a[:, 2] = [1, 2, 3]
    t[0, 1:3] = T([[7, 8]], device)             # leading 1s dropped, int -> float
    a[0, 1:3] = [7, 8]
    t[..., -1] = T(9.5, device, dtype=ember.float64)
    a[..., -1] = 9.5
    assert_close(t, a)
    v = t._version
    t[2, 0] = True
    assert t._version == v + 1 and to_np(t)[2, 0] == 1.0


def test_setitem_advanced_and_masks(device):
    a = np.arange(12, dtype=np.int64).reshape(3, 4)
    t = T(a, device)
    t[t > 6] = 0
    a[a > 6] = 0
    t[[0, 2], [1, 3]] = T([-1, -2], device)
    a[[0, 2], [1, 3]] = [-1, -2]
    t[:, [True, False, False, True]] = T([[10], [20], [30]], device)
    a[:, [True, False, False, True]] = [[10], [20], [30]]
    t[T([True, False, True], device)] = 3.9                # converted to int64
    a[[True, False, True]] = 3
    assert_close(t, a)
    t[False] = 100
    assert_close(t, a)


def test_setitem_augmented(device):
    a = np.arange(10.0)
    t = T(a, device)
    t[[1, 3]] += 1                                 # getitem (copy), iadd, setitem
    a[[1, 3]] += 1
    t[2:5] *= 2                                    # a view, modified in place
    a[2:5] *= 2
    t[t > 8] -= 100
    a[a > 8] -= 100
    assert_close(t, a)


def test_setitem_noncontiguous_target(device):
    a = np.arange(24.0).reshape(4, 6)
    t = make(noncontig(a), device)
    tt = t.t()
    tt[[0, 5], 1:3] = T(-1.0, device)
    a.T[[0, 5], 1:3] = -1
    assert_close(t, a)


def test_setitem_mask_then_slices(device):
    a = np.arange(24.0).reshape(2, 3, 4)
    t = T(a, device)
    t[T([True, False], device), :, 1:] = 0.0       # mask, then more dims
    a[np.array([True, False]), :, 1:] = 0
    t[T([False, True], device), :] = -1.0
    a[np.array([False, True]), :] = -1
    t[:, T([True, False, True], device)] = 5.0
    a[:, np.array([True, False, True])] = 5
    assert_close(t, a)


def test_writes_from_aliasing_sources(device):
    x = ember.arange(5.0, device=device)
    x[[4, 3, 2, 1, 0]] = x                      # values alias the destination
    assert to_np(x).tolist() == [4.0, 3.0, 2.0, 1.0, 0.0]
    y = ember.arange(6, device=device)
    y.put_(T([5, 4, 3, 2, 1, 0], device), y)
    assert to_np(y).tolist() == [5, 4, 3, 2, 1, 0]
    z = ember.arange(4.0, device=device)
    z.masked_scatter_(T([True, True, True, False], device), z[1:])
    assert to_np(z).tolist() == [1.0, 2.0, 3.0, 3.0]


def test_setitem_errors(device):
    t = ember.zeros(3, 4, device=device)
    with pytest.raises(RuntimeError, match=r"The expanded size of the tensor \(4\) must match the "
                                           r"existing size \(3\) at non-singleton dimension 1"):
        t[0:2] = ember.ones(2, 3, device=device)
    with pytest.raises(RuntimeError, match=r"shape mismatch: value tensor of shape \[3\] cannot be "
                                           r"broadcast to indexing result of shape \[2, 4\]"):
        t[[0, 1]] = ember.ones(3, device=device)
    with pytest.raises(TypeError, match="can't assign a list"):
        t[0] = [1, 2, 3, 4]
    with pytest.raises(IndexError, match="index 3 is out of bounds"):
        t[3] = 1.0
    with pytest.raises(IndexError, match="index 10 is out of bounds for dimension 0 with size 3"):
        t[[10]] = 1.0


# ------------------------------------------------------------------------------------------------
# index_put
def test_index_put_accumulate(device):
    a = np.zeros((4, 3), dtype=np.float32)
    idx = np.array([0, 2, 0, 0, 3])
    vals = np.arange(15, dtype=np.float32).reshape(5, 3)
    t = T(a, device)
    r = t.index_put_((T(idx, device),), T(vals, device), accumulate=True)
    assert r is t
    np.add.at(a, idx, vals)
    assert_close(t, a)
    b = np.zeros((3, 3), dtype=np.int64)
    rows, cols = np.array([0, 0, 2, 0]), np.array([1, 1, 2, 1])
    t2 = ember.index_put(T(b, device),
                         (T(rows, device), T(cols, device)),
                         T(5, device), accumulate=True)
    np.add.at(b, (rows, cols), 5)
    assert_close(t2, b)


@pytest.mark.parametrize("dt", ["float16", "bfloat16", "bool", "int8"])
def test_index_put_accumulate_dtypes(device, dt):
    t = ember.zeros(4, dtype=getattr(ember, dt), device=device)
    idx = T([1, 1, 3, 1], device)
    vals = ember.ones(4, dtype=getattr(ember, dt), device=device)
    t.index_put_((idx,), vals, accumulate=True)
    expected = [0, 1, 0, 1] if dt == "bool" else [0, 3, 0, 1]
    assert to_np(t.float() if dt == "bfloat16" else t).astype(np.float64).tolist() == expected


def test_index_put_none_and_errors(device):
    a = np.zeros((2, 3))
    t = T(a, device)
    t.index_put_((None, T([2, 0], device)), T([1.0, 2.0], device, dtype=ember.float64))
    a[:, [2, 0]] = [1.0, 2.0]
    assert_close(t, a)
    with pytest.raises(RuntimeError, match="Index put requires the source and destination dtypes match, "
                                           "got Double for the destination and Float for the source."):
        t.index_put_((T([0], device),), T([1.0], device))
    with pytest.raises(IndexError, match=r"too many indices for tensor of dimension 2 \(got 3\)"):
        t.index_put_((T([0], device),) * 3, T(1.0, device, dtype=ember.float64))
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 2"):
        t.index_put_((T([3], device),), T(1.0, device, dtype=ember.float64))


# ------------------------------------------------------------------------------------------------
# masked ops
def test_masked_fill(device):
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    m = np.array([True, False, True, False])
    t = T(a, device)
    r = t.masked_fill(T(m, device), -1.5)
    assert_close(r, np.where(m, np.float32(-1.5), a))
    assert_close(t, a)
    t.masked_fill_(T(a > 5, device), T(2.0, device))
    assert_close(t, np.where(a > 5, np.float32(2), a))
    i = T([[1, 2], [3, 4]], device)
    assert_close(ember.masked_fill(i, T([[True], [False]], device), 7.9),
                 np.array([[7, 7], [3, 4]]))
    nc = make(noncontig(a), device)
    nc.t().masked_fill_(T(a.T > 8, device), 0.0)
    assert_close(nc, np.where(a > 8, 0, a).astype(np.float32))
    big = ember.masked_fill(T([1.0, 2.0], device),
                            T([[True], [False]], device), 0.0)
    assert_close(big, np.array([[0.0, 0.0], [1.0, 2.0]], dtype=np.float32))


def test_masked_fill_errors(device):
    t = ember.zeros(3, device=device)
    with pytest.raises(RuntimeError, match="masked_fill_ only supports boolean masks, but got mask with "
                                           "dtype float"):
        t.masked_fill_(ember.zeros(3, device=device), 1.0)
    with pytest.raises(RuntimeError, match="but got mask with dtype long int"):
        t.masked_fill(ember.zeros(3, dtype=ember.int64, device=device), 1.0)
    with pytest.raises(RuntimeError, match="masked_fill_ only supports a 0-dimensional value tensor, but "
                                           r"got tensor with 1 dimension\(s\)"):
        t.masked_fill_(ember.ones(3, dtype=ember.bool, device=device), ember.ones(1, device=device))
    with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match the broadcast shape"):
        t.masked_fill_(ember.ones(2, 3, dtype=ember.bool, device=device), 1.0)


def test_masked_select(device):
    a = np.arange(12, dtype=np.int32).reshape(3, 4)
    m = np.array([True, False, False, True])
    t = make(noncontig(a), device)
    assert_close(ember.masked_select(t, T(m, device)), a[np.broadcast_to(m, (3, 4))])
    assert_close(t.masked_select(T(a % 5 == 0, device)), a[a % 5 == 0])
    col = T([[1.0], [2.0]], device)
    assert_close(col.masked_select(T([True, False, True], device)),
                 np.array([1, 1, 2, 2], dtype=np.float32))
    out = ember.empty(0, dtype=ember.int32, device=device)
    ember.masked_select(t, T(a > 9, device), out=out)
    assert_close(out, a[a > 9])
    assert ember.masked_select(t, ember.zeros(3, 4, dtype=ember.bool, device=device)).shape == (0,)
    with pytest.raises(RuntimeError, match="masked_select: expected BoolTensor for mask"):
        t.masked_select(ember.ones(3, 4, device=device))


def test_masked_scatter(device):
    a = np.zeros((2, 4), dtype=np.float64)
    m = np.array([[True, False, True, False], [False, False, True, True]])
    src = np.arange(10, dtype=np.float64) + 1
    t = T(a, device)
    t.masked_scatter_(T(m, device), T(src.reshape(2, 5), device))
    a[m] = src[:m.sum()]
    assert_close(t, a)
    r = ember.masked_scatter(ember.zeros(4, dtype=ember.float64, device=device),
                             T([[True, False, False, True], [False] * 4], device),
                             T(src, device))
    assert_close(r, np.array([[1, 0, 0, 2], [0, 0, 0, 0]], dtype=np.float64))
    with pytest.raises(RuntimeError, match="Number of elements of source < number of ones in mask"):
        t.masked_scatter_(ember.ones(2, 4, dtype=ember.bool, device=device),
                          ember.ones(3, dtype=ember.float64, device=device))
    with pytest.raises(RuntimeError, match="masked_scatter: expected self and source to have same dtypes"):
        t.masked_scatter_(T(m, device), ember.ones(8, device=device))
    with pytest.raises(RuntimeError, match="masked_scatter_ only supports boolean masks"):
        t.masked_scatter_(ember.ones(2, 4, device=device).double(),
                          ember.ones(8, dtype=ember.float64, device=device))


# ------------------------------------------------------------------------------------------------
# nonzero / argwhere / where
@pytest.mark.parametrize("dt", ["float32", "float64", "int64", "int32", "int16", "int8", "uint8",
                                "bool", "float16"])
def test_nonzero(device, dt):
    a = np.array([[0, 1, 0, 2], [3, 0, 0, 0], [0, 0, 4, 5]]).astype(dt)
    t = T(a, device)
    assert_close(ember.nonzero(t), np.argwhere(a))
    assert_close(t.argwhere(), np.argwhere(a))
    tup = t.nonzero(as_tuple=True)
    assert len(tup) == 2
    for g, e in zip(tup, np.nonzero(a)):
        assert_close(g, e.astype(np.int64))
    for g, e in zip(ember.where(t), np.nonzero(a)):
        assert_close(g, e.astype(np.int64))


def test_nonzero_special_values_and_layouts(device):
    a = np.array([0.0, -0.0, np.nan, 1e-30, -np.inf, 0.0], dtype=np.float32)
    assert_close(T(a, device).nonzero(), np.argwhere(a))
    h = T(a, device).half()
    assert_close(h.nonzero(), np.argwhere(a.astype(np.float16)))
    b = (np.arange(60).reshape(3, 4, 5) % 7 == 0)
    t = make(noncontig(b), device)
    assert_close(t.nonzero(), np.argwhere(b))
    r = T(b, device).nonzero()
    assert r.stride() == (1, r.shape[0])           # column-major, as PyTorch
    big = np.random.default_rng(0).random(300000) > 0.7
    assert_close(T(big, device).nonzero(), np.argwhere(big))


def test_nonzero_0d_and_empty(device):
    assert T(3.0, device).nonzero().shape == (1, 0)
    assert T(0.0, device).nonzero().shape == (0, 0)
    tup = T(3.0, device).nonzero(as_tuple=True)
    assert len(tup) == 1 and to_np(tup[0]).tolist() == [0]
    assert ember.zeros(0, 3, device=device).nonzero().shape == (0, 2)
    assert ember.zeros(2, 3, device=device).nonzero().shape == (0, 2)
    out = ember.empty(0, dtype=ember.int64, device=device)
    ember.nonzero(T([0, 5, 6], device), out=out)
    assert_close(out, np.array([[1], [2]]))


# ------------------------------------------------------------------------------------------------
# take / put
def test_take(device):
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    idx = np.array([[0, -1], [5, 7]])
    t = make(noncontig(a), device)
    assert_close(ember.take(t, T(idx, device)), np.take(a, idx))
    assert_close(t.t().take(T([0, 1, 2], device)), a.T.ravel()[[0, 1, 2]])
    assert ember.take(t, T([], device, dtype=ember.int64)).shape == (0,)
    assert_close(ember.take(T(4.0, device), T(0, device)), np.float32(4))
    with pytest.raises(IndexError, match=r"out of range: tried to access index 12 on a tensor of 12 elements."):
        t.take(T([12], device))
    with pytest.raises(IndexError, match="out of range: tried to access index -13"):
        t.take(T([-13], device))
    with pytest.raises(RuntimeError, match="take\\(\\): Expected a long tensor for index, but got Int"):
        t.take(T([1], device, dtype=ember.int32))
    with pytest.raises(IndexError, match="take\\(\\): tried to take from an empty tensor"):
        ember.zeros(0, device=device).take(T([0], device))


def test_put(device):
    a = np.zeros((2, 3), dtype=np.float64)
    t = make(noncontig(a), device)
    r = t.put_(T([0, -1, 4], device), T([1.0, 2.0, 3.0], device, dtype=ember.float64))
    assert r is t
    np.put(a, [0, -1, 4], [1.0, 2.0, 3.0])
    assert_close(t, a)
    acc = ember.put(ember.zeros(5, dtype=ember.int64, device=device), T([[1, 1], [4, 1]], device),
                    T([[10, 20], [30, 40]], device), accumulate=True)
    b = np.zeros(5, dtype=np.int64)
    np.add.at(b, [1, 1, 4, 1], [10, 20, 30, 40])
    assert_close(acc, b)
    tt = ember.zeros(3, 2, device=device).t()
    tt.put_(T([1], device), T([9.0], device))
    assert_close(tt, np.array([[0, 9, 0], [0, 0, 0]], dtype=np.float32))
    with pytest.raises(IndexError, match="put_\\(\\): Expected source and index to have the same number of "
                                         "elements, but got source.numel\\(\\) = 2, index.numel\\(\\) = 1"):
        t.put_(T([0], device), ember.ones(2, dtype=ember.float64, device=device))
    with pytest.raises(RuntimeError, match="put_\\(\\): self and source expected to have the same dtype"):
        t.put_(T([0], device), ember.ones(1, device=device))
    with pytest.raises(IndexError, match="out of range: tried to access index 6 on a tensor of 6 elements."):
        t.put_(T([6], device), ember.ones(1, dtype=ember.float64, device=device))
    with pytest.raises(IndexError, match="put_\\(\\): Tried to put elements into an empty tensor"):
        ember.zeros(0, device=device).put_(T([0], device), ember.ones(1, device=device))


def test_large_parallel_paths(device):
    rng = np.random.default_rng(1)
    a = rng.random((400, 300)).astype(np.float32)
    t = T(a, device)
    idx = rng.integers(-400, 400, size=1000)
    assert_close(t[T(idx, device)], a[idx])
    assert_close(t[:, T(idx % 300, device)], a[:, idx % 300])
    m = a > 0.5
    assert_close(t[T(m, device)], a[m])
    acc = np.zeros((50, 300), dtype=np.float32)
    ti = ember.zeros(50, 300, device=device)
    rows = rng.integers(0, 50, size=400)
    ti.index_put_((T(rows, device),), t, accumulate=True)
    np.add.at(acc, rows, a)
    assert_close(ti, acc, rtol=1e-4, atol=1e-4)
    t[T(m, device)] = 0.0
    a[m] = 0
    assert_close(t, a)
