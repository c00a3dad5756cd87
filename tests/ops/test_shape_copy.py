"""Copying shape ops against NumPy: cat/stack family, flip, roll, rot90, repeat/tile,
repeat_interleave, tril/triu, the diag family, meshgrid, block_diag, cartesian_prod (values, dtype
promotion, layouts and PyTorch's error types/messages). The views are tested in test_shape.py."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

import ember
from conftest import assert_close, noncontig, make, to_np

HSET = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def arange(shape, dtype=np.float32):
    n = int(np.prod(shape))
    return (np.arange(n) - n // 3).astype(dtype).reshape(shape)


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.bool_])
def test_cat(device, dtype):
    a, b = arange((2, 3), dtype), arange((2, 5), dtype)
    x, y = ember.tensor(a, device=device), make(noncontig(b), device)
    assert_close(ember.cat([x, y], 1), np.concatenate([a, b], 1))
    assert_close(ember.cat((x, y), dim=-1), np.concatenate([a, b], -1))
    assert_close(ember.cat([x, x, x]), np.concatenate([a, a, a]))
    assert_close(ember.concat([x.t(), y.t()]), np.concatenate([a.T, b.T]))
    assert_close(ember.concatenate([x, y], axis=1), np.concatenate([a, b], 1))
    assert_close(ember.cat([x]), a)
    e = ember.tensor(np.zeros((0,), dtype), device=device)
    assert_close(ember.cat([e, x, e], 1), a)         # legacy (0,) tensors are skipped
    assert_close(ember.cat([ember.zeros(2, 0, dtype=x.dtype, device=device), x], 1), a)
    assert_close(ember.cat([e, e]), np.zeros((0,), dtype))


def test_cat_promotion_and_out(device):
    i32 = ember.tensor([1, 2], dtype=ember.int32, device=device)
    f32 = ember.tensor([0.5], device=device)
    assert_close(ember.cat([i32, f32]), np.array([1, 2, 0.5], dtype=np.float32))
    assert ember.cat([i32, ember.tensor([3], device=device)]).dtype is ember.int64
    assert ember.cat([ember.tensor([True], device=device), i32]).dtype is ember.int32
    assert ember.cat([ember.tensor([1], dtype=ember.uint8, device=device),
                      ember.tensor([-1], dtype=ember.int8, device=device)]).dtype is ember.int16
    assert ember.cat([ember.zeros(0, dtype=ember.float64, device=device), i32]).dtype is ember.float64
    out = ember.empty(3, dtype=ember.float64, device=device)
    r = ember.cat([i32, f32], out=out)
    assert r is out and to_np(out).tolist() == [1.0, 2.0, 0.5]


def test_cat_errors(device):
    x = ember.zeros(2, 2, device=device)
    with pytest.raises(RuntimeError, match=r"Sizes of tensors must match except in dimension 1\. Expected "
                       r"size 2 but got size 3 for tensor number 1 in the list\."):
        ember.cat([x, ember.zeros(3, 2, device=device)], 1)
    with pytest.raises(RuntimeError, match=r"torch\.cat\(\): expected a non-empty list of Tensors"):
        ember.cat([])
    with pytest.raises(RuntimeError, match=r"zero-dimensional tensor \(at position 1\) cannot be concatenated"):
        ember.cat([x, ember.tensor(1.0, device=device)])
    with pytest.raises(RuntimeError, match="Tensors must have same number of dimensions: got 2 and 1"):
        ember.cat([x, ember.zeros(2, device=device)])
    with pytest.raises(IndexError, match="Dimension out of range"):
        ember.cat([x, x], 2)
    with pytest.raises(TypeError):
        ember.cat(x)


def test_stack_family(device):
    a, b = arange((2, 3)), arange((2, 3)) * 2
    x, y = ember.tensor(a, device=device), make(noncontig(b), device)
    for d in (0, 1, 2, -1, -3):
        assert_close(ember.stack([x, y], d), np.stack([a, b], d))
    assert_close(ember.stack([ember.tensor(1.0), ember.tensor(2.0)]), np.array([1.0, 2.0], np.float32))
    assert ember.stack([x, ember.tensor(a, dtype=ember.float64, device=device)]).dtype is ember.float64
    out = ember.empty(0, device=device)
    assert ember.stack([x, y], out=out) is out and out.shape == (2, 2, 3)
    v1, v2 = arange((3,)), arange((3,), np.int64)
    t1, t2 = ember.tensor(v1, device=device), ember.tensor(v2, device=device)
    # PyTorch promotes float32 + int64 to float32 (NumPy: float64)
    assert_close(ember.hstack([t1, t2]), np.hstack([v1, v2]).astype(np.float32))
    assert_close(ember.hstack([x, y]), np.hstack([a, b]))
    assert_close(ember.vstack([t1, t2]), np.vstack([v1, v2]).astype(np.float32))
    assert_close(ember.row_stack([x, t1]), np.vstack([a, v1]))
    assert_close(ember.dstack([t1, t2]), np.dstack([v1, v2]).astype(np.float32))
    assert_close(ember.dstack([x, y]), np.dstack([a, b]))
    assert_close(ember.column_stack([t1, x.t(), ember.tensor(arange((3, 2)), device=device)]),
                 np.column_stack([v1, a.T, arange((3, 2))]))
    assert_close(ember.column_stack([ember.tensor(1.0), ember.tensor(2.0)]), np.array([[1.0, 2.0]], np.float32))
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but got \[2\] at "
                       r"entry 0 and \[3\] at entry 1"):
        ember.stack([ember.zeros(2), ember.zeros(3)])
    with pytest.raises(RuntimeError, match="stack expects a non-empty TensorList"):
        ember.stack([])
    for fn in ("hstack", "vstack", "dstack", "column_stack"):
        with pytest.raises(RuntimeError, match=f"{fn} expects a non-empty TensorList"):
            getattr(ember, fn)([])
    with pytest.raises(IndexError, match="Dimension out of range"):
        ember.stack([x, x], 3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int64, np.int32, np.int16,
                                   np.int8, np.uint8, np.bool_])
def test_flip_dtypes(device, dtype):
    a = arange((3, 4, 5), dtype)
    x = ember.tensor(a, device=device)
    for dims in [(0,), (1,), (2,), (0, 2), (-1, 0, 1), ()]:
        f = x.flip(dims)
        assert f.is_contiguous() and f._storage is not x._storage
        assert_close(f, np.flip(a, dims) if dims else a)
    assert_close(make(noncontig(a), device).flip(-1), np.flip(a, -1))
    p = x.permute(2, 0, 1).flip(0, 1)
    assert p.stride() == (1, 20, 5)                 # a dense input's layout is preserved
    assert_close(p, np.flip(a.transpose(2, 0, 1), (0, 1)))
    assert make(noncontig(a), device).flip(0).is_contiguous()     # a gappy one is not


def test_flip_misc(device):
    a = arange((4, 3))
    x = ember.tensor(a, device=device)
    assert_close(ember.flip(x, dims=[0]), a[::-1])
    assert_close(ember.flip(x, 1), a[:, ::-1])
    assert_close(ember.fliplr(x), np.fliplr(a))
    assert_close(ember.flipud(x), np.flipud(a))
    assert_close(x.narrow(0, 1, 2).flip(0), a[1:3][::-1])
    assert_close(ember.tensor(2.0, device=device).flip(0), np.float32(2.0))
    assert ember.zeros(0, 3, device=device).flip(0).shape == (0, 3)
    big = arange((70, 40, 30))                       # past the one-thread threshold
    assert_close(ember.tensor(big, device=device).flip(1), np.flip(big, 1))
    assert_close(ember.tensor(big, device=device).flip((0, 2)), np.flip(big, (0, 2)))
    assert_close(ember.tensor(big, device=device).transpose(0, 2).flip(2), np.flip(big.transpose(2, 1, 0), 2))
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times in the list of dims"):
        x.flip(0, -2)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.flip(2)
    with pytest.raises(RuntimeError, match="Input must be >= 2-d."):
        ember.fliplr(ember.zeros(3))
    with pytest.raises(RuntimeError, match="Input must be >= 1-d."):
        ember.flipud(ember.tensor(1.0))


@HSET
@given(shape=st.lists(st.integers(0, 5), min_size=0, max_size=4), data=st.data())
def test_hypothesis_flip_roundtrip(device, shape, data):
    a = arange(tuple(shape), np.float64)
    x = ember.tensor(a, device=device)
    nd = len(shape)
    dims = data.draw(st.lists(st.integers(0, max(nd - 1, 0)), unique=True, max_size=nd)) if nd else []
    if data.draw(st.booleans()) and nd >= 2:
        x, a = x.transpose(0, -1), a.swapaxes(0, -1)
    f = x.flip(dims) if dims else ember.flip(x, dims=[])
    assert_close(f, np.flip(a, dims) if dims else a)
    assert_close(f.flip(dims) if dims else f, a)


def test_roll(device):
    a = arange((3, 4, 5), np.int64)
    x = ember.tensor(a, device=device)
    assert_close(ember.roll(x, 2), np.roll(a, 2))
    assert_close(x.roll(-7), np.roll(a, -7))
    assert_close(x.roll(1, 0), np.roll(a, 1, 0))
    assert_close(x.roll(-2, -1), np.roll(a, -2, -1))
    assert_close(x.roll(13, 1), np.roll(a, 13, 1))
    assert_close(x.roll((1, -2), (0, 2)), np.roll(a, (1, -2), (0, 2)))
    assert_close(x.roll((1, 2, 3), (0, 1, 2)), np.roll(a, (1, 2, 3), (0, 1, 2)))
    assert_close(x.roll((1, 1), (2, 2)), np.roll(a, 2, 2))
    assert_close(x.roll(0, 1), a)
    assert_close(make(noncontig(a), device).roll(3, 2), np.roll(a, 3, 2))
    assert_close(x.permute(2, 1, 0).roll(3), np.roll(a.transpose(2, 1, 0), 3))
    assert ember.zeros(0, 2, device=device).roll(1, 0).shape == (0, 2)
    assert_close(ember.tensor(4.0, device=device).roll(3), np.float32(4.0))
    with pytest.raises(RuntimeError, match="shifts and dimensions must align. shifts: 2, dims:1"):
        x.roll((1, 2), 0)
    with pytest.raises(RuntimeError, match="shifts and dimensions must align. shifts: 2, dims:0"):
        x.roll((1, 2))
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.roll(1, 3)


def test_rot90(device):
    a = arange((3, 4, 2))
    x = ember.tensor(a, device=device)
    for k in range(-5, 6):
        assert_close(ember.rot90(x, k), np.rot90(a, k))
        assert_close(x.rot90(k, [1, 2]), np.rot90(a, k, (1, 2)))
        assert_close(x.rot90(k, (-1, 0)), np.rot90(a, k, (-1, 0)))
    with pytest.raises(RuntimeError, match="expected total rotation dims == 2, but got dims = 3"):
        x.rot90(1, (0, 1, 2))
    with pytest.raises(RuntimeError, match="expected total dims >= 2, but got total dims = 1"):
        ember.zeros(3).rot90()
    with pytest.raises(RuntimeError, match="expected rotation dims to be different, but got dim0 = 0 and "
                       "dim1 = -3"):
        x.rot90(1, (0, -3))
    with pytest.raises(RuntimeError, match="Rotation dim1 out of range, dim1 = 4"):
        x.rot90(1, (0, 4))
    with pytest.raises(RuntimeError, match="Rotation dim0 out of range, dim0 = -4"):
        x.rot90(1, (-4, 1))


def test_repeat_tile(device):
    a = arange((2, 3), np.int32)
    x = ember.tensor(a, device=device)
    for reps in [(1, 1), (2, 1), (2, 3), (3, 1, 2), (2, 2, 1, 1), (0, 2), (2, 0)]:
        r = x.repeat(*reps)
        assert r.numel() == 0 or r.is_contiguous()
        assert_close(r, np.tile(a, reps))
    assert_close(x.repeat((2, 2)), np.tile(a, (2, 2)))
    assert_close(make(noncontig(a), device).repeat(2, 2), np.tile(a, (2, 2)))
    assert_close(x.t().repeat(1, 2), np.tile(a.T, (1, 2)))
    assert_close(ember.tensor(True, device=device).repeat(3), np.array([True] * 3))
    assert_close(ember.tensor(5.0, device=device).repeat(2, 2), np.full((2, 2), 5.0, np.float32))
    assert_close(ember.tile(x, (2,)), np.tile(a, 2))
    assert_close(x.tile(2, 1, 1), np.tile(a, (2, 1, 1)))
    assert_close(ember.tile(x, dims=(3, 2)), np.tile(a, (3, 2)))
    with pytest.raises(RuntimeError, match="Number of dimensions of repeat dims can not be smaller than "
                       "number of dimensions of tensor"):
        x.repeat(2)
    with pytest.raises(RuntimeError, match="negative dimension"):
        x.repeat(-1, 2)


def test_repeat_interleave(device):
    a = arange((3, 4), np.int64)
    x = ember.tensor(a, device=device)
    assert_close(x.repeat_interleave(2), np.repeat(a, 2))
    assert_close(ember.repeat_interleave(x, 3, dim=1), np.repeat(a, 3, 1))
    assert_close(x.repeat_interleave(2, dim=-2), np.repeat(a, 2, 0))
    assert_close(x.repeat_interleave(0, dim=0), np.repeat(a, 0, 0))
    r = np.array([1, 0, 3])
    assert_close(x.repeat_interleave(ember.tensor(r, device=device), dim=0), np.repeat(a, r, 0))
    r4 = np.array([2, 1, 0, 1], dtype=np.int32)
    assert_close(x.repeat_interleave(ember.tensor(r4, device=device), dim=1), np.repeat(a, r4, 1))
    assert_close(x.repeat_interleave(ember.tensor([2], device=device), dim=1), np.repeat(a, 2, 1))
    assert_close(x.repeat_interleave(ember.tensor(2, device=device)), np.repeat(a, 2))
    assert_close(make(noncontig(a), device).repeat_interleave(ember.tensor(r4), 1), np.repeat(a, r4, 1))
    f = arange((3, 2, 5))
    rr = np.array([2, 0, 3])
    assert_close(ember.tensor(f, device=device).repeat_interleave(ember.tensor(rr), dim=0, output_size=5),
                 np.repeat(f, rr, 0))
    assert_close(ember.repeat_interleave(ember.tensor([2, 0, 1], device=device)), np.array([0, 0, 2]))
    idx = ember.repeat_interleave(ember.tensor([1, 2], dtype=ember.int32, device=device))
    assert idx.dtype is ember.int32 and to_np(idx).tolist() == [0, 1, 1]
    assert_close(ember.tensor(7.0, device=device).repeat_interleave(3), np.full(3, 7.0, np.float32))
    big = arange((300, 200), np.float64)
    rb = np.arange(300) % 3
    assert_close(ember.tensor(big, device=device).repeat_interleave(ember.tensor(rb), dim=0),
                 np.repeat(big, rb, 0))


def test_repeat_interleave_errors(device):
    x = ember.zeros(3, 2, device=device)
    with pytest.raises(RuntimeError, match="repeats can not be negative"):
        x.repeat_interleave(ember.tensor([1, -1, 1]), dim=0)
    with pytest.raises(RuntimeError, match="Repeats must be non-negative"):
        x.repeat_interleave(-1)
    with pytest.raises(RuntimeError, match=r"repeats must have the same size as input along dim, but got "
                       r"repeats\.size\(0\) = 2 and input\.size\(0\) = 3"):
        x.repeat_interleave(ember.tensor([1, 2]), dim=0)
    with pytest.raises(RuntimeError, match="repeats must be 0-dim or 1-dim tensor"):
        x.repeat_interleave(ember.tensor([[1, 2, 3]]), dim=0)
    with pytest.raises(RuntimeError, match="repeats has to be Long or Int tensor"):
        x.repeat_interleave(ember.tensor([1.0, 2.0, 3.0]), dim=0)
    with pytest.raises(RuntimeError, match="allocated size does not match required size"):
        x.repeat_interleave(ember.tensor([1, 2, 3]), dim=0, output_size=5)
    with pytest.raises(RuntimeError, match="repeat_interleave: Invalid output_size, expected 6 but got 4"):
        x.repeat_interleave(2, dim=0, output_size=4)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.repeat_interleave(2, dim=2)


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.bool_])
def test_tril_triu(device, dtype):
    a = arange((2, 4, 5), dtype)
    x = ember.tensor(a, device=device)
    for k in (-5, -1, 0, 1, 3, 9):
        assert_close(ember.tril(x, k), np.tril(a, k))
        assert_close(x.triu(diagonal=k), np.triu(a, k))
    assert_close(make(noncontig(a), device).tril(), np.tril(a))
    assert_close(x.transpose(1, 2).triu(1), np.triu(a.transpose(0, 2, 1), 1))
    assert ember.tril(ember.zeros(0, 3, device=device)).shape == (0, 3)
    y = ember.tensor(a, device=device)
    assert y.tril_(-1) is y
    assert_close(y, np.tril(a, -1))
    assert_close(ember.tensor(a, device=device).triu_(), np.triu(a))
    out = ember.empty(0, dtype=x.dtype, device=device)
    assert ember.triu(x, 1, out=out) is out
    assert_close(out, np.triu(a, 1))
    with pytest.raises(RuntimeError, match="tril: input tensor must have at least 2 dimensions"):
        ember.tril(ember.zeros(3))
    with pytest.raises(RuntimeError, match="triu: input tensor must have at least 2 dimensions"):
        ember.triu(ember.tensor(1.0))


def test_diag_family(device):
    v = arange((3,), np.int64)
    x = ember.tensor(v, device=device)
    for k in (-2, -1, 0, 1, 3):
        assert_close(ember.diag(x, k), np.diag(v, k))
    m = arange((3, 5))
    y = ember.tensor(m, device=device)
    for k in (-3, -1, 0, 2, 4, 6):
        d = y.diag(k)
        assert_close(d, np.diag(m, k))
        assert d.numel() == 0 or d._storage is not y._storage
    assert_close(ember.diagflat(y), np.diagflat(m))
    assert_close(ember.diagflat(x, -1), np.diagflat(v, -1))
    assert_close(make(noncontig(m), device).diagflat(2), np.diagflat(m, 2))
    b = arange((2, 3))
    e = ember.diag_embed(ember.tensor(b, device=device))
    exp = np.zeros((2, 3, 3), np.float32)
    for i in range(2):
        exp[i] = np.diag(b[i])
    assert_close(e, exp)
    e1 = ember.tensor(b, device=device).diag_embed(offset=1, dim1=0, dim2=2)
    exp1 = np.zeros((4, 2, 4), np.float32)
    for i in range(2):
        exp1[:, i, :] = np.diag(b[i], 1)
    assert_close(e1, exp1)
    out = ember.empty(0, device=device)
    assert ember.diag(y, out=out) is out
    assert_close(out, np.diag(m))
    with pytest.raises(RuntimeError, match=r"diag\(\): Supports 1D or 2D tensors\. Got 3D"):
        ember.diag(ember.zeros(2, 2, 2))
    with pytest.raises(RuntimeError, match="diagonal dimensions cannot be identical 1, -2"):
        ember.diag_embed(ember.zeros(2, 2), 0, 1, -2)


def test_meshgrid(device):
    a, b, c = arange((3,)), arange((4,)), arange((2,))
    x, y, z = (ember.tensor(t, device=device) for t in (a, b, c))
    for idx in ("ij", "xy"):
        got = ember.meshgrid(x, y, z, indexing=idx)
        exp = np.meshgrid(a, b, c, indexing=idx)
        assert isinstance(got, tuple) and len(got) == 3
        for g, e in zip(got, exp):
            assert_close(g, e)
    gx, gy = ember.meshgrid([x, y])                 # default: 'ij', no warning
    assert gx.shape == (3, 4) and gx.stride() == (1, 0) and gy.stride() == (0, 1)
    assert gx._storage is x._storage
    assert ember.meshgrid(ember.tensor(1.0, device=device), y)[0].shape == (1, 4)
    (only,) = ember.meshgrid(x, indexing="xy")
    assert_close(only, a)
    with pytest.raises(RuntimeError, match="meshgrid expects all tensors to have the same dtype"):
        ember.meshgrid(x, ember.tensor([1, 2], device=device))
    with pytest.raises(RuntimeError, match='torch.meshgrid: indexing must be one of "xy" or "ij", but '
                       "received: ab"):
        ember.meshgrid(x, y, indexing="ab")
    with pytest.raises(RuntimeError, match="torch.meshgrid: Expected 0D or 1D tensor in the tensor list"):
        ember.meshgrid(ember.zeros(2, 2))
    with pytest.raises(RuntimeError, match="meshgrid expects a non-empty TensorList"):
        ember.meshgrid()


def test_block_diag_cartesian_prod(device):
    a, b, c = arange((2, 3)), np.array([7, 8], np.int64), np.array(9.5, np.float32)
    got = ember.block_diag(ember.tensor(a, device=device), ember.tensor(b, device=device),
                           ember.tensor(c, device=device))
    exp = np.zeros((4, 6), np.float32)
    exp[0:2, 0:3] = a
    exp[2, 3:5] = b
    exp[3, 5] = c
    assert_close(got, exp)
    assert ember.block_diag(ember.tensor([1, 2], device=device)).dtype is ember.int64
    assert ember.block_diag().shape == (1, 0)
    assert_close(ember.block_diag(ember.zeros(0, 2, device=device), ember.ones(1, 1, device=device)),
                 np.array([[0, 0, 1]], np.float32))
    with pytest.raises(RuntimeError, match="torch.block_diag: Input tensors must have 2 or fewer "
                       "dimensions. Input 1 has 3 dimensions"):
        ember.block_diag(ember.zeros(2), ember.zeros(1, 1, 1))
    u, v, w = np.array([1, 2, 3]), np.array([4, 5]), np.array([6, 7])
    cp = ember.cartesian_prod(*(ember.tensor(t, device=device) for t in (u, v, w)))
    assert_close(cp, np.array(list(itertools.product(u, v, w))))
    single = ember.tensor(u, device=device)
    assert ember.cartesian_prod(single) is single
    with pytest.raises(RuntimeError, match=r"Expect a 1D vector, but got shape \[2, 2\]"):
        ember.cartesian_prod(ember.zeros(2, 2), single)
