"""Shape and view ops against NumPy: values, view semantics (shared storage, PyTorch's strides) and
PyTorch's error types/messages. The copying ops (cat, flip, roll, repeat ...) are in
test_shape_copy.py."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

import ember
from conftest import assert_close, noncontig, make, to_np

HSET = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def arange(shape, dtype=np.float32):
    n = int(np.prod(shape))
    return (np.arange(n) - n // 3).astype(dtype).reshape(shape)


def shares(view, base):
    """Writing through `view` shows up in `base` (both tensors of the same device)."""
    if view.numel() == 0:
        return view._storage is base._storage
    before = to_np(base).copy()
    view.fill_(77)
    after = to_np(base)
    return not np.array_equal(before, after) and (after == 77).sum() >= 1


# ================================================================================================
# view / reshape
def test_view_shapes_and_strides(device):
    a = arange((3, 4))
    x = ember.tensor(a, device=device)
    v = x.view(4, 3)
    assert v.shape == (4, 3) and v.stride() == (3, 1) and v.is_contiguous()
    assert_close(v, a.reshape(4, 3))
    assert_close(x.view(-1), a.reshape(-1))
    assert_close(x.view((2, -1)), a.reshape(2, 6))
    assert_close(x.view([2, 2, 3]), a.reshape(2, 2, 3))
    assert_close(x.view(ember.Size([12, 1])), a.reshape(12, 1))
    assert shares(x.view(2, 6).select(0, 1), x)


def test_view_shares_storage_and_offset(device):
    x = ember.tensor(arange((4, 6)), device=device)
    v = x.narrow(0, 1, 2).view(12)
    assert v.storage_offset() == 6 and v.stride() == (1,)
    v.fill_(5)
    exp = arange((4, 6))
    exp[1:3] = 5
    assert_close(x, exp)
    assert v._base is x


def test_view_zero_d_and_empty(device):
    s = ember.tensor(3.5, device=device)
    assert s.view(1, 1).stride() == (1, 1)
    assert s.view(-1).shape == (1,)
    assert s.view(1).view(()).shape == ()
    e = ember.zeros(0, 3, device=device)
    assert e.view(3, 0).shape == (3, 0) and e.view(3, 0).stride() == (1, 1)
    assert e.view(0, 3).stride() == (3, 1)
    assert e.view(-1).shape == (0,)
    assert e.t().view(0, 1, 3).shape == (0, 1, 3)


def test_view_errors(device):
    x = ember.tensor(arange((3, 4)), device=device)
    with pytest.raises(RuntimeError, match=r"view size is not compatible with input tensor's size and "
                       r"stride \(at least one dimension spans across two contiguous subspaces\)\. "
                       r"Use \.reshape\(\.\.\.\) instead\."):
        x.t().view(12)
    with pytest.raises(RuntimeError, match=r"shape '\[2, 5\]' is invalid for input of size 12"):
        x.view(2, 5)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        x.view(-1, -1)
    with pytest.raises(RuntimeError, match="invalid shape dimension -2"):
        x.view(-2, 6)
    with pytest.raises(RuntimeError, match=r"shape '\[0, -1\]' is invalid for input of size 12"):
        x.view(0, -1)
    with pytest.raises(RuntimeError, match=r"cannot reshape tensor of 0 elements into shape \[0, -1\] "
                       "because the unspecified dimension size -1 can be any value and is ambiguous"):
        ember.zeros(0, 3, device=device).view(0, -1)
    with pytest.raises(TypeError, match="must be tuple of ints"):
        x.view(2.0, 6)


def test_view_noncontig_compatible(device):
    # a narrowed last dim can still split its leading dim
    base = ember.tensor(arange((4, 6)), device=device)
    v = base.narrow(1, 0, 3)
    w = v.view(2, 2, 3)
    assert w.stride() == (12, 6, 1)
    assert_close(w, arange((4, 6))[:, :3].reshape(2, 2, 3))


def test_view_dtype(device):
    a = np.array([[1.5, -2.0, 3.25, 0.0]], dtype=np.float32)
    x = ember.tensor(a, device=device)
    v = x.view(ember.int32)
    assert v.dtype is ember.int32 and v.shape == (1, 4)
    assert_close(v, a.view(np.int32))
    assert_close(x.view(ember.int16), a.view(np.int16))     # smaller items: last dim grows
    assert x.view(ember.int16).stride() == (8, 1)
    assert_close(x.view(ember.float64), a.view(np.float64))  # larger items: last dim shrinks
    assert_close(x.view(ember.uint8).view(ember.float32), a)
    b = np.arange(6, dtype=np.int64).reshape(2, 3)
    assert_close(ember.tensor(b, device=device).view(ember.float64), b.view(np.float64))
    assert_close(ember.tensor(np.array([True, False]), device=device).view(ember.uint8),
                 np.array([1, 0], dtype=np.uint8))


def test_view_dtype_errors(device):
    x = ember.tensor(arange((2, 3)), device=device)
    with pytest.raises(RuntimeError, match=r"self.size\(-1\) must be divisible by 2 to view Float as "
                       r"Double \(different element sizes\), but got 3"):
        x.view(ember.float64)
    with pytest.raises(RuntimeError, match=r"self.stride\(-1\) must be 1 to view Float as Short"):
        x.t().view(ember.int16)
    with pytest.raises(RuntimeError, match=r"self.dim\(\) cannot be 0 to view Float as Double"):
        ember.tensor(1.0, device=device).view(ember.float64)


def test_reshape_view_or_copy(device):
    a = arange((2, 3, 4))
    x = ember.tensor(a, device=device)
    r = x.reshape(6, 4)
    assert r._storage is x._storage and r.stride() == (4, 1)
    assert_close(ember.reshape(x, (4, -1)), a.reshape(4, -1))
    assert_close(x.reshape(shape=(24,)), a.reshape(24))
    t = x.transpose(0, 1)                       # (3, 2, 4) strides (4, 12, 1)
    assert t.stride() == (4, 12, 1)
    v = t.reshape(3, 2, 2, 2)
    assert v._storage is x._storage and v.stride() == (4, 12, 2, 1)
    c = t.reshape(3, 8)                         # dims 1 and 2 are not adjacent in memory: copy
    assert c._storage is not x._storage and c.is_contiguous()
    assert_close(c, a.transpose(1, 0, 2).reshape(3, 8))
    assert_close(x.reshape_as(ember.zeros(4, 6)), a.reshape(4, 6))
    assert_close(x.view_as(ember.zeros(4, 6)), a.reshape(4, 6))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.int32, np.bool_])
def test_reshape_noncontig_dtypes(device, dtype):
    a = arange((3, 4), dtype)
    x = make(noncontig(a), device)
    assert_close(x.reshape(2, 6), a.reshape(2, 6))
    assert_close(x.reshape(-1), a.reshape(-1))
    assert_close(ember.ravel(x), a.ravel())
    assert_close(x.flatten(), a.flatten())


@HSET
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=4), data=st.data())
def test_hypothesis_reshape_matches_numpy_viewability(device, shape, data):
    a = arange(tuple(shape), np.float64)
    perm = data.draw(st.permutations(range(len(shape))))
    x = ember.tensor(a, device=device).permute(perm)
    an = a.transpose(perm)
    n = an.size
    # a random factorisation of n as the new shape
    new, rest = [], n
    for p in (2, 3, 2, 5, 7):
        if rest % p == 0 and data.draw(st.booleans()):
            new.append(p)
            rest //= p
    new.append(rest)
    new = data.draw(st.permutations(new))
    new.insert(data.draw(st.integers(0, len(new))), 1)
    r = x.reshape(new)
    assert_close(r, an.reshape(new))
    try:
        nv = an.reshape(new, copy=False)
    except (ValueError, AttributeError):
        nv = None
    assert (r._storage is x._storage) == (nv is not None)
    if nv is not None:
        for s, ts, ns in zip(new, r.stride(), nv.strides):
            if s > 1:
                assert ts * 8 == ns


# ================================================================================================
# permutations
def test_permute_transpose_t(device):
    a = arange((2, 3, 4))
    x = ember.tensor(a, device=device)
    p = x.permute(2, 0, 1)
    assert p.stride() == (1, 12, 4) and not p.is_contiguous()
    assert_close(p, a.transpose(2, 0, 1))
    assert_close(ember.permute(x, (-1, 0, -2)), a.transpose(2, 0, 1))
    assert_close(x.permute(dims=[1, 0, 2]), a.transpose(1, 0, 2))
    assert_close(x.transpose(0, 2), a.swapaxes(0, 2))
    assert_close(ember.swapaxes(x, -1, 0), a.swapaxes(-1, 0))
    assert_close(x.swapdims(1, 2), a.swapaxes(1, 2))
    m = ember.tensor(arange((3, 4)), device=device)
    assert m.t().stride() == (1, 4)
    assert_close(ember.t(m), arange((3, 4)).T)
    v = ember.tensor([1, 2, 3], device=device)
    assert ember.t(v).shape == (3,)
    assert ember.tensor(2.0, device=device).t().shape == ()
    assert ember.tensor(2.0, device=device).transpose(0, -1).shape == ()
    assert shares(x.permute(1, 2, 0), x)


def test_permute_errors(device):
    x = ember.zeros(2, 3, device=device)
    with pytest.raises(RuntimeError, match=r"permute\(sparse_coo\): number of dimensions in the tensor "
                       r"input does not match the length of the desired ordering of dimensions i\.e\. "
                       r"input\.dim\(\) = 2 is not equal to len\(dims\) = 3"):
        x.permute(0, 1, 2)
    with pytest.raises(RuntimeError, match=r"permute\(\): duplicate dims are not allowed\."):
        x.permute(0, -2)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of "
                       r"\[-2, 1\], but got 2\)"):
        x.transpose(0, 2)
    with pytest.raises(RuntimeError, match=r"t\(\) expects a tensor with <= 2 dimensions, but self is 3D"):
        ember.zeros(1, 2, 3, device=device).t()


def test_inplace_geometry(device):
    a = arange((2, 3))
    x = ember.tensor(a, device=device)
    st = x._storage
    assert x.t_() is x and x.shape == (3, 2) and x.stride() == (1, 3) and x._storage is st
    assert_close(x, a.T)
    x.transpose_(0, 1).unsqueeze_(0)
    assert x.shape == (1, 2, 3)
    x.squeeze_()
    assert x.shape == (2, 3)
    x.as_strided_((3,), (2,), 1)
    assert_close(x, a.reshape(-1)[1::2])


def test_T_mT_H_adjoint(device):
    a = arange((2, 3, 4))
    x = ember.tensor(a, device=device)
    assert_close(x.mT, a.swapaxes(-1, -2))
    assert_close(x.mH, a.swapaxes(-1, -2))
    assert_close(ember.adjoint(x), a.swapaxes(-1, -2))
    m = ember.tensor(arange((3, 4)), device=device)
    assert_close(m.T, arange((3, 4)).T)
    assert_close(m.H, arange((3, 4)).T)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_close(x.T, a.transpose(2, 1, 0))
        assert ember.tensor(1.0, device=device).T.shape == ()
    with pytest.raises(RuntimeError, match=r"tensor\.mT is only supported on matrices or batches of "
                       r"matrices\. Got 1-D tensor\."):
        ember.zeros(3, device=device).mT
    with pytest.raises(RuntimeError, match=r"tensor\.H is only supported on matrices \(2-D tensors\)\. "
                       r"Got 3-D tensor\. For batches of matrices, consider using tensor\.mH"):
        x.H


def test_movedim(device):
    a = arange((2, 3, 4, 5))
    x = ember.tensor(a, device=device)
    for src, dst in [(0, 3), (-1, 0), ((0, 1), (2, 3)), ((3, 0), (0, -1)), ([], [])]:
        assert_close(ember.movedim(x, src, dst), np.moveaxis(a, src, dst))
        assert_close(x.moveaxis(src, dst), np.moveaxis(a, src, dst))
    assert ember.movedim(ember.tensor(1.0, device=device), 0, 0).shape == ()
    with pytest.raises(RuntimeError, match=r"movedim: Invalid source or destination dims: source "
                       r"\(\[0, 1\] dims\) should contain the same number of dims as destination "
                       r"\(\[0\] dims\)"):
        ember.movedim(x, (0, 1), (0,))
    with pytest.raises(RuntimeError, match=r"movedim: repeated dim in `source` \(\[0, -4\]\)"):
        ember.movedim(x, (0, -4), (0, 1))
    with pytest.raises(RuntimeError, match=r"movedim: repeated dim in `destination` \(\[1, 1\]\)"):
        ember.movedim(x, (0, 2), (1, 1))
    with pytest.raises(IndexError, match="Dimension out of range"):
        ember.movedim(x, 4, 0)


@HSET
@given(shape=st.lists(st.integers(0, 4), min_size=0, max_size=5), data=st.data())
def test_hypothesis_permute_transpose_roundtrip(device, shape, data):
    a = arange(tuple(shape), np.float32)
    x = ember.tensor(a, device=device)
    perm = data.draw(st.permutations(range(len(shape))))
    p = x.permute(perm)
    assert_close(p, a.transpose(perm))
    assert_close(p.permute(list(np.argsort(perm))), a)
    if shape:
        i = data.draw(st.integers(-len(shape), len(shape) - 1))
        j = data.draw(st.integers(-len(shape), len(shape) - 1))
        t = x.transpose(i, j)
        assert_close(t, np.swapaxes(a, i, j))
        assert_close(t.transpose(i, j), a)
        assert_close(t.contiguous().transpose(i, j), a)


# ================================================================================================
# expand / broadcast
def test_expand(device):
    a = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    x = ember.tensor(a, device=device)
    e = x.expand(2, 3)
    assert e.stride() == (0, 1) and e.shape == (2, 3)
    assert_close(e, np.broadcast_to(a, (2, 3)))
    assert x.expand(4, -1).shape == (4, 3)
    assert x.expand((2, 2, 3)).stride() == (0, 0, 1)
    assert x.expand(1, 3).stride() == (3, 1)        # a new size-1 leading dim keeps a real stride
    c = ember.tensor(arange((3, 1)), device=device)
    assert c.expand(3, 4).stride() == (1, 0)
    assert_close(c.expand(2, 3, 4), np.broadcast_to(arange((3, 1)), (2, 3, 4)))
    s = ember.tensor(5, device=device).expand(2, 3)
    assert s.stride() == (0, 0) and to_np(s).tolist() == [[5] * 3] * 2
    assert_close(x.expand_as(ember.zeros(4, 3)), np.broadcast_to(a, (4, 3)))
    assert_close(ember.broadcast_to(x, (2, 3)), np.broadcast_to(a, (2, 3)))
    assert ember.zeros(0, 1, device=device).expand(0, 5).shape == (0, 5)
    assert x.expand(3)._storage is x._storage


def test_expand_errors(device):
    x = ember.tensor([1.0, 2.0, 3.0], device=device)
    with pytest.raises(RuntimeError, match=r"The expanded size of the tensor \(4\) must match the "
                       r"existing size \(3\) at non-singleton dimension 1\.  Target sizes: \[2, 4\]\.  "
                       r"Tensor sizes: \[3\]"):
        x.expand(2, 4)
    with pytest.raises(RuntimeError, match=r"The expanded size of the tensor \(-1\) isn't allowed in a "
                       r"leading, non-existing dimension 0"):
        x.expand(-1, 3)
    with pytest.raises(RuntimeError, match=r"the number of sizes provided \(1\) must be greater or "
                       r"equal to the number of dimensions in the tensor \(2\)"):
        ember.zeros(2, 3, device=device).expand(3)


def test_broadcast_tensors_and_shapes(device):
    a, b = arange((3, 1)), arange((1, 4), np.int64)
    x, y = ember.broadcast_tensors(ember.tensor(a, device=device), ember.tensor(b, device=device))
    ea, eb = np.broadcast_arrays(a, b)
    assert_close(x, ea)
    assert_close(y, eb)
    assert x.stride() == (1, 0) and y.stride() == (0, 1)
    assert ember.broadcast_shapes((2, 1), (3,), 1) == ember.Size([2, 3])
    assert ember.broadcast_shapes((0, 1), (1, 5)) == (0, 5)
    assert ember.broadcast_shapes() == ()
    with pytest.raises(RuntimeError, match="Shape mismatch: objects cannot be broadcast to a single shape"):
        ember.broadcast_shapes((2,), (3,))
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of tensor b "
                       r"\(4\) at non-singleton dimension 1"):
        ember.broadcast_tensors(ember.zeros(2, 3), ember.zeros(2, 4))


# ================================================================================================
# squeeze / unsqueeze / flatten
def test_squeeze_unsqueeze_strides(device):
    a = arange((2, 3))
    x = ember.tensor(a, device=device)
    assert x.unsqueeze(0).stride() == (6, 3, 1)
    assert x.unsqueeze(1).stride() == (3, 3, 1)
    assert x.unsqueeze(2).stride() == (3, 1, 1)
    assert x.unsqueeze(-1).shape == (2, 3, 1)
    assert ember.unsqueeze(x, -3).shape == (1, 2, 3)
    assert x.t().unsqueeze(1).stride() == (1, 6, 3)
    assert ember.tensor(1.0, device=device).unsqueeze(0).stride() == (1,)
    y = ember.zeros(2, 1, 3, 1, device=device)
    assert y.squeeze().shape == (2, 3) and y.squeeze().stride() == (3, 1)
    assert y.squeeze(1).shape == (2, 3, 1)
    assert y.squeeze(0).shape == (2, 1, 3, 1)              # non-1 dims are left alone
    assert ember.squeeze(y, (1, -1)).shape == (2, 3)
    assert ember.squeeze(y, dim=(0, 1)).shape == (2, 3, 1)
    assert ember.tensor(1.0, device=device).squeeze(0).shape == ()
    assert ember.zeros(1, 1, device=device).squeeze().shape == ()
    assert_close(ember.tensor(arange((1, 3, 1)), device=device).squeeze(), arange((1, 3, 1)).squeeze())
    assert shares(x.unsqueeze(1), x)
    with pytest.raises(IndexError, match=r"expected to be in range of \[-3, 2\], but got 3"):
        x.unsqueeze(3)
    with pytest.raises(IndexError, match="Dimension out of range"):
        y.squeeze(4)
    with pytest.raises(RuntimeError, match="dim 1 appears multiple times in the list of dims"):
        y.squeeze((1, -3))


def test_flatten_unflatten_ravel(device):
    a = arange((2, 3, 4))
    x = ember.tensor(a, device=device)
    f = x.flatten()
    assert f.shape == (24,) and f._storage is x._storage
    assert_close(ember.flatten(x, 1), a.reshape(2, 12))
    assert_close(x.flatten(0, 1), a.reshape(6, 4))
    assert_close(x.flatten(-2, -1), a.reshape(2, 12))
    assert x.flatten(1, 1) is x
    t = x.transpose(0, 2).flatten()
    assert t._storage is not x._storage
    assert_close(t, a.transpose(2, 1, 0).reshape(-1))
    assert ember.tensor(3.0, device=device).flatten().shape == (1,)
    with pytest.raises(RuntimeError, match="flatten\\(\\) has invalid args: start_dim cannot come after end_dim"):
        x.flatten(2, 1)
    u = f.unflatten(0, (2, -1, 4))
    assert u.shape == (2, 3, 4) and u._storage is x._storage
    assert_close(ember.unflatten(x, -1, (2, 2)), a.reshape(2, 3, 2, 2))
    with pytest.raises(RuntimeError, match=r"unflatten: Provided sizes \[5, 5\] don't multiply up to the "
                       r"size of dim 1 \(3\) in the input tensor"):
        x.unflatten(1, (5, 5))
    with pytest.raises(RuntimeError, match="unflatten: sizes must be non-empty"):
        x.unflatten(1, ())
    assert_close(ember.ravel(x.permute(1, 0, 2)), a.transpose(1, 0, 2).ravel())


# ================================================================================================
# narrow / select / split family
def test_narrow_select_unbind(device):
    a = arange((4, 5))
    x = ember.tensor(a, device=device)
    n = x.narrow(1, 1, 3)
    assert n.stride() == (5, 1) and n.storage_offset() == 1 and not n.is_contiguous()
    assert_close(n, a[:, 1:4])
    assert_close(ember.narrow(x, -2, -2, 2), a[2:4])
    assert_close(x.narrow(0, ember.tensor(1), 2), a[1:3])
    assert x.narrow(0, 4, 0).shape == (0, 5)
    assert_close(x.narrow_copy(1, 0, 2), a[:, :2])
    s = x.select(1, -1)
    assert s.shape == (4,) and s.stride() == (5,) and s.storage_offset() == 4
    assert_close(s, a[:, -1])
    assert_close(ember.select(x, 0, 2), a[2])
    u = ember.unbind(x, 1)
    assert isinstance(u, tuple) and len(u) == 5
    for i, t in enumerate(u):
        assert_close(t, a[:, i])
    assert len(x.unbind()) == 4
    assert shares(x.select(0, 1), x)
    assert ember.unbind(ember.zeros(0, 3, device=device)) == ()


def test_narrow_select_errors(device):
    x = ember.zeros(2, 3, device=device)
    with pytest.raises(RuntimeError, match=r"narrow\(\) cannot be applied to a 0-dim tensor\."):
        ember.tensor(1.0, device=device).narrow(0, 0, 1)
    with pytest.raises(RuntimeError, match=r"narrow\(\): length must be non-negative\."):
        x.narrow(0, 0, -1)
    with pytest.raises(IndexError, match=r"start out of range \(expected to be in range of \[-2, 2\], "
                       r"but got 3\)"):
        x.narrow(0, 3, 0)
    with pytest.raises(RuntimeError, match=r"start \(1\) \+ length \(2\) exceeds dimension size \(2\)\."):
        x.narrow(0, 1, 2)
    with pytest.raises(IndexError, match=r"select\(\): index 3 out of range for tensor of size \[2, 3\] "
                       r"at dimension 1"):
        x.select(1, 3)
    with pytest.raises(IndexError, match=r"select\(\): index -3 out of range"):
        x.select(0, -3)
    with pytest.raises(IndexError, match=r"select\(\) cannot be applied to a 0-dim tensor\."):
        ember.tensor(1.0, device=device).select(0, 0)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.unbind(2)
    with pytest.raises(IndexError, match="Dimension specified as 0 but tensor has no dimensions"):
        ember.tensor(1.0, device=device).unbind()


def _check_parts(parts, expected):
    assert isinstance(parts, tuple)
    assert len(parts) == len(expected)
    for p, e in zip(parts, expected):
        assert_close(p, e)


def test_split_chunk(device):
    a = arange((7, 4), np.int64)
    x = ember.tensor(a, device=device)
    _check_parts(x.split(3), [a[0:3], a[3:6], a[6:7]])
    _check_parts(ember.split(x, [2, 0, 5]), [a[0:2], a[2:2], a[2:7]])
    _check_parts(x.split(3, dim=-1), [a[:, :3], a[:, 3:]])
    _check_parts(x.split(10), [a])
    _check_parts(x.split_with_sizes([3, 4]), [a[:3], a[3:]])
    _check_parts(x.chunk(3), [a[0:3], a[3:6], a[6:7]])
    _check_parts(ember.chunk(x, 4, 1), [a[:, i:i + 1] for i in range(4)])
    _check_parts(ember.chunk(ember.tensor(arange((6,)), device=device), 4), np.split(arange((6,)), [2, 4]))
    assert len(ember.zeros(0, 2, device=device).chunk(3)) == 3
    assert len(ember.zeros(0, device=device).split(0)) == 1
    assert all(p._storage is x._storage for p in x.split(2))
    with pytest.raises(RuntimeError, match=r"split_with_sizes expects split_sizes to sum exactly to 7 "
                       r"\(input tensor's size at dimension 0\), but got split_sizes=\[3, 3\]"):
        x.split([3, 3])
    with pytest.raises(RuntimeError, match=r"split_with_sizes expects split_sizes have only "
                       r"non-negative entries, but got split_sizes=\[8, -1\]"):
        x.split([8, -1])
    with pytest.raises(RuntimeError, match="split expects split_size be non-negative, but got split_size=-1"):
        x.split(-1)
    with pytest.raises(RuntimeError, match="split_size can only be 0 if dimension size is 0, but got "
                       "dimension size of 7"):
        x.split(0)
    with pytest.raises(RuntimeError, match="chunk expects `chunks` to be greater than 0, got: 0"):
        x.chunk(0)
    with pytest.raises(RuntimeError, match="chunk expects at least a 1-dimensional tensor"):
        ember.tensor(1.0).chunk(2)


def test_tensor_split_and_hvdsplit(device):
    a = arange((7, 6, 4))
    x = ember.tensor(a, device=device)
    _check_parts(ember.tensor_split(x, 3), np.array_split(a, 3))
    _check_parts(x.tensor_split(3, dim=1), np.array_split(a, 3, axis=1))
    _check_parts(x.tensor_split([1, 5, -1]), np.split(a, [1, 5, 6]))
    _check_parts(x.tensor_split((4, 2, 9)), [a[0:4], a[4:2], a[2:7], a[7:7]])
    _check_parts(x.tensor_split(ember.tensor([2, 3])), np.split(a, [2, 3]))
    _check_parts(x.tensor_split(ember.tensor(2), 2), np.array_split(a, 2, axis=2))
    _check_parts(x.tensor_split(10), np.array_split(a, 10))
    _check_parts(ember.hsplit(x, 3), np.hsplit(a, 3))
    _check_parts(ember.hsplit(x, [1, 4]), np.hsplit(a, [1, 4]))
    _check_parts(ember.hsplit(ember.tensor(arange((6,)), device=device), 2), np.hsplit(arange((6,)), 2))
    _check_parts(ember.vsplit(x, [3]), np.vsplit(a, [3]))
    _check_parts(x.dsplit(2), np.dsplit(a, 2))
    with pytest.raises(RuntimeError, match="number of sections must be larger than 0, got 0"):
        x.tensor_split(0)
    with pytest.raises(RuntimeError, match="tensor_split expected at least a 1-dimensional tensor, but got "
                       "a tensor with 0 dims"):
        ember.tensor(1.0).tensor_split(2)
    with pytest.raises(RuntimeError, match="tensor_split expected tensor_indices_or_sections to have dtype "
                       "of long, but got Float"):
        x.tensor_split(ember.tensor([1.0]))
    with pytest.raises(RuntimeError, match=r"torch\.hsplit attempted to split along dimension 1, but the "
                       r"size of the dimension 6 is not divisible by the split_size 4!"):
        ember.hsplit(x, 4)
    with pytest.raises(RuntimeError, match=r"torch\.vsplit requires a tensor with at least 2 dimension, "
                       r"but got a tensor with 1 dimensions!"):
        ember.vsplit(ember.zeros(4), 2)
    with pytest.raises(RuntimeError, match=r"torch\.dsplit attempted to split along dimension 2, but the "
                       r"size of the dimension 4 is not divisible by the split_size 0!"):
        ember.dsplit(x, 0)


# ================================================================================================
# as_strided / diagonal / unfold / atleast
def test_as_strided(device):
    a = arange((10,))
    x = ember.tensor(a, device=device)
    for size, stride, off in [((3, 3), (1, 1), 0), ((2, 4), (3, 1), 2), ((4,), (0,), 5), ((0, 3), (9, 9), 0)]:
        v = ember.as_strided(x, size, stride, off)
        exp = np.lib.stride_tricks.as_strided(a[off:], size, tuple(s * 4 for s in stride))
        assert_close(v, exp)
        assert v.stride() == stride and v.storage_offset() == off
    n = x.narrow(0, 2, 5)
    assert n.as_strided((2,), (1,)).storage_offset() == 2       # default: the input's offset
    assert shares(x.as_strided((2,), (3,), 1), x)
    with pytest.raises(RuntimeError, match=r"setStorage: sizes \[4\], strides \[3\], storage offset 1, "
                       r"and itemsize 4 requiring a storage size of 44 are out of bounds for storage "
                       r"of size 40"):
        x.as_strided((4,), (3,), 1)
    with pytest.raises(RuntimeError, match="as_strided: Negative strides are not supported at the moment, "
                       r"got strides: \[-1\]"):
        x.as_strided((2,), (-1,))
    with pytest.raises(RuntimeError, match="mismatch in length of strides and shape"):
        x.as_strided((2, 2), (1,))


def test_diagonal(device):
    a = arange((3, 4, 5))
    x = ember.tensor(a, device=device)
    for off, d1, d2 in [(0, 0, 1), (1, 0, 1), (-2, 0, 1), (2, -1, 0), (0, 2, 1), (-1, 1, -1), (7, 0, 1), (-9, 1, 2)]:
        assert_close(x.diagonal(off, d1, d2), np.diagonal(a, off, d1, d2))
    m = ember.tensor(arange((3, 4)), device=device)
    d = ember.diagonal(m, 1)
    assert d.stride() == (5,) and d.storage_offset() == 1
    d.fill_(0)
    exp = arange((3, 4))
    exp[[0, 1, 2], [1, 2, 3]] = 0
    assert_close(m, exp)
    assert_close(make(noncontig(arange((4, 3))), device).diagonal(offset=-1), np.diagonal(arange((4, 3)), -1))
    with pytest.raises(RuntimeError, match="diagonal dimensions cannot be identical 0, -3"):
        x.diagonal(0, 0, -3)


def test_unfold(device):
    a = arange((3, 10))
    x = ember.tensor(a, device=device)
    for dim, size, step in [(1, 3, 1), (1, 3, 2), (1, 10, 1), (0, 2, 1), (-1, 4, 3), (1, 0, 2)]:
        u = x.unfold(dim, size, step)
        w = np.lib.stride_tricks.sliding_window_view(a, size, axis=dim)
        sl = [slice(None)] * 3
        sl[dim % 2] = slice(None, None, step)
        assert_close(u, w[tuple(sl)])
        assert u._storage is x._storage
    assert x.unfold(1, 3, 2).stride() == (10, 2, 1)
    assert_close(ember.tensor(5.0, device=device).unfold(0, 1, 1), np.array([5.0], dtype=np.float32))
    with pytest.raises(RuntimeError, match="maximum size for tensor at dimension 1 is 10 but size is 11"):
        x.unfold(1, 11, 1)
    with pytest.raises(RuntimeError, match="step is 0 but must be > 0"):
        x.unfold(1, 2, 0)


def test_atleast(device):
    for shape in [(), (3,), (2, 3), (2, 3, 4), (1, 2, 3, 4)]:
        a = arange(shape)
        x = ember.tensor(a, device=device)
        assert_close(ember.atleast_1d(x), np.atleast_1d(a))
        assert_close(ember.atleast_2d(x), np.atleast_2d(a))
        assert_close(ember.atleast_3d(x), np.atleast_3d(a))
        assert ember.atleast_3d(x)._storage is x._storage
    outs = ember.atleast_2d(ember.tensor(1.0), ember.zeros(3))
    assert isinstance(outs, tuple) and [o.shape for o in outs] == [(1, 1), (1, 3)]
    assert [o.shape for o in ember.atleast_1d([ember.tensor(1.0)])] == [(1,)]


def test_names_exported():
    names = ["view", "reshape", "permute", "transpose", "swapaxes", "swapdims", "t", "adjoint",
             "squeeze", "unsqueeze", "flatten", "unflatten", "ravel", "narrow", "select", "unbind",
             "chunk", "split", "tensor_split", "hsplit", "vsplit", "dsplit", "movedim", "moveaxis",
             "as_strided", "diagonal", "atleast_1d", "atleast_2d", "atleast_3d", "broadcast_to",
             "broadcast_tensors", "cat", "concat", "concatenate", "stack", "hstack", "vstack",
             "row_stack", "dstack", "column_stack", "flip", "fliplr", "flipud", "roll", "rot90",
             "tile", "repeat_interleave", "tril", "triu", "diag", "diag_embed", "diagflat",
             "meshgrid", "block_diag", "cartesian_prod"]
    for n in names:
        if n == "view":
            assert hasattr(ember.Tensor, n)
            continue
        assert hasattr(ember, n), n
    for m in ["view", "view_as", "reshape_as", "expand", "expand_as", "repeat", "unfold", "T", "mT",
              "H", "mH", "transpose_", "squeeze_", "unsqueeze_", "t_", "tril_", "triu_", "flip",
              "roll", "diag", "diag_embed", "split", "chunk", "unbind", "narrow", "select"]:
        assert hasattr(ember.Tensor, m), m
