"""Creation ops and the copy/convert core: tensor, as_tensor/asarray, from_numpy, zeros/ones/full,
*_like, arange/range/linspace/logspace, eye, empty_strided, to/clone/contiguous/copy_, fill_,
new_* methods and the half-precision conversions, against NumPy oracles."""
import warnings

import numpy as np
import pytest

import ember
from conftest import assert_close, noncontig, make, to_np

NP_DTYPES = [np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64, np.float16, np.float32,
             np.float64]


# ------------------------------------------------------------------------------------------------
# tensor()
def test_tensor_infers_pytorch_dtypes(device):
    cases = [([[1, 2], [3, 4]], ember.int64, [[1, 2], [3, 4]]),
             ([1.5, 2], ember.float32, [1.5, 2.0]),
             ([True, False], ember.bool, [True, False]),
             ([True, 2], ember.int64, [1, 2]),
             ([True, 2.5], ember.float32, [1.0, 2.5]),
             (3, ember.int64, 3), (2.5, ember.float32, 2.5), (False, ember.bool, False),
             ([], ember.float32, []), ([[], []], ember.float32, [[], []]),
             ((1, 2), ember.int64, [1, 2]), ([(1, 2), [3, 4]], ember.int64, [[1, 2], [3, 4]]),
             (range(3), ember.int64, [0, 1, 2])]
    for data, dtype, expected in cases:
        t = ember.tensor(data, device=device)
        assert t.dtype is dtype, data
        assert t.tolist() == expected
    assert ember.tensor(3, device=device).shape == ()
    assert ember.tensor([[]], device=device).shape == (1, 0)
    assert ember.tensor([[1], [2]], device=device).shape == (2, 1)


@pytest.mark.parametrize("np_dtype", NP_DTYPES, ids=[d.__name__ for d in NP_DTYPES])
def test_tensor_from_numpy_keeps_dtype_and_copies(device, np_dtype):
    arr = (np.arange(6) % 3).astype(np_dtype).reshape(2, 3)
    t = ember.tensor(arr, device=device)
    assert t.dtype.np == np.dtype(np_dtype)
    assert_close(t, arr)
    arr[0, 0] = 1
    assert to_np(t)[0, 0] == 0                       # a copy
    s = ember.tensor(np_dtype(1), device=device)     # NumPy scalars keep their dtype too
    assert s.shape == () and s.dtype.np == np.dtype(np_dtype)
    z = ember.tensor(np.array(2, np_dtype), device=device)
    assert z.shape == () and z.item() == 1 if np_dtype is np.bool_ else z.item() == 2


def test_tensor_from_strided_and_reversed_numpy(device):
    a = np.arange(12.0).reshape(3, 4)
    for view in (a.T, a[::-1], a[:, ::-2], noncontig(a)):
        t = ember.tensor(view, device=device)
        assert t.is_contiguous()
        assert_close(t, view)


def test_tensor_dtype_device_requires_grad(device):
    t = ember.tensor([1.7, -2.7], dtype=ember.int32, device=device)
    assert t.dtype is ember.int32 and t.tolist() == [1, -2]        # truncation toward zero
    assert ember.tensor([1, 0, 2], dtype=ember.bool, device=device).tolist() == [True, False, True]
    assert ember.tensor([1, 2], dtype=ember.float64, device=device).dtype is ember.float64
    assert ember.tensor([1], device=device).device == ember.device(device)
    g = ember.tensor([1.0, 2.0], requires_grad=True, device=device)
    assert g.requires_grad and g.is_leaf
    assert not ember.tensor([1.0], device=device).requires_grad
    with pytest.raises(RuntimeError, match="only Tensors of floating point and complex dtype can "
                                           "require gradients"):
        ember.tensor([1, 2], requires_grad=True, device=device)


def test_tensor_from_tensors(device):
    src = ember.tensor([1.0, 2.0], device=device)
    with pytest.warns(UserWarning, match="To copy construct from a tensor"):
        t = ember.tensor(src)
    assert t.data_ptr() != src.data_ptr() and t.tolist() == [1.0, 2.0]
    with pytest.warns(UserWarning):
        assert ember.tensor(src, dtype=ember.int64).dtype is ember.int64
    parts = ember.tensor([ember.tensor(1.0), ember.tensor(2.0)], device=device)
    assert parts.shape == (2,) and parts.tolist() == [1.0, 2.0]
    nested = ember.tensor([ember.tensor([1, 2]), ember.tensor([3, 4])], device=device)
    assert nested.tolist() == [[1, 2], [3, 4]]


def test_tensor_rejects_bad_data(device):
    with pytest.raises(ValueError, match=r"expected sequence of length 2 at dim 1 \(got 1\)"):
        ember.tensor([[1, 2], [3]], device=device)
    with pytest.raises(ValueError, match=r"expected sequence of length 3 at dim 2 \(got 2\)"):
        ember.tensor([[[1, 2, 3], [4, 5]]], device=device)
    with pytest.raises(TypeError):
        ember.tensor([[1, 2], 3], device=device)
    with pytest.raises(TypeError, match="invalid data type 'str'"):
        ember.tensor("abc", device=device)
    with pytest.raises(TypeError):
        ember.tensor([1, None], device=device)
    with pytest.raises(TypeError):
        ember.tensor(np.zeros(2, np.complex64), device=device)
    with pytest.raises(TypeError):
        ember.tensor(None, device=device)
    for big in (2 ** 63, [1, 2 ** 64], -2 ** 63 - 1):
        with pytest.raises(RuntimeError, match="Overflow when unpacking long"):
            ember.tensor(big, device=device)
    assert ember.tensor(-2 ** 63, device=device).item() == -2 ** 63
    assert ember.tensor(2 ** 63 - 1, device=device).item() == 2 ** 63 - 1


# ------------------------------------------------------------------------------------------------
# Sharing: from_numpy, as_tensor, asarray
def test_from_numpy_shares_memory_both_ways():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = ember.from_numpy(a)
    assert t.dtype is ember.float32 and t.shape == (2, 3) and t.stride() == (3, 1)
    a[0, 0] = 10
    assert t.tolist()[0][0] == 10
    t.add_(1)
    assert a[1, 2] == 6 and a[0, 0] == 11
    assert t.data_ptr() == a.__array_interface__["data"][0]
    v = ember.from_numpy(a[:, 1:])                  # a strided view keeps its layout
    assert v.stride() == (3, 1) and not v.is_contiguous() and v.tolist() == [[2, 3], [5, 6]]
    v.zero_()
    assert a.tolist() == [[11, 0, 0], [4, 0, 0]]
    z = ember.from_numpy(np.array(3.5))
    assert z.shape == () and z.item() == 3.5
    e = ember.from_numpy(np.zeros((0, 4), np.int16))
    assert e.shape == (0, 4) and e.dtype is ember.int16


def test_from_numpy_errors_and_warnings():
    with pytest.raises(ValueError, match="negative"):
        ember.from_numpy(np.arange(4)[::-1])
    with pytest.raises(TypeError, match="expected np.ndarray"):
        ember.from_numpy([1, 2])
    with pytest.raises(TypeError, match="can't convert np.ndarray of type numpy.uint16"):
        ember.from_numpy(np.zeros(2, np.uint16))
    ro = np.arange(3.0)
    ro.flags.writeable = False
    with pytest.warns(UserWarning, match="not writable"):
        t = ember.from_numpy(ro)
    assert t.tolist() == [0.0, 1.0, 2.0]


def test_as_tensor_and_asarray_sharing(device):
    a = np.arange(4, dtype=np.float32)
    t = ember.as_tensor(a)
    a[0] = 9
    assert t.tolist()[0] == 9                                   # shares
    c = ember.as_tensor(a, dtype=ember.float64)
    a[1] = 7
    assert c.dtype is ember.float64 and c.tolist()[1] == 1      # a dtype change copies
    src = ember.tensor([1.0, 2.0], device=device)
    assert ember.as_tensor(src) is src and ember.asarray(src) is src
    assert ember.as_tensor(src, dtype=ember.int64).dtype is ember.int64
    assert ember.as_tensor([1, 2], device=device).tolist() == [1, 2]
    s = ember.asarray(a)
    a[2] = 5
    assert s.tolist()[2] == 5
    k = ember.asarray(a, copy=True)
    a[3] = -1
    assert k.tolist()[3] == 3
    kc = ember.asarray(src, copy=True)
    assert kc is not src and kc.data_ptr() != src.data_ptr() and kc.tolist() == [1.0, 2.0]
    assert ember.asarray([1.5], requires_grad=True).requires_grad
    strided = np.arange(10.0)[::2]
    st = ember.as_tensor(strided)
    strided[1] = 100
    assert st.tolist()[1] == 100


def test_frombuffer():
    buf = bytearray(np.arange(4, dtype=np.int32).tobytes())
    t = ember.frombuffer(buf, dtype=ember.int32)
    assert t.tolist() == [0, 1, 2, 3]
    t.fill_(7)
    assert np.frombuffer(buf, np.int32).tolist() == [7, 7, 7, 7]
    assert ember.frombuffer(buf, dtype=ember.int32, count=2, offset=4).tolist() == [7, 7]


# ------------------------------------------------------------------------------------------------
# zeros / ones / full / empty and *_like
def test_factories_shapes_and_dtypes(device):
    for args in ((2, 3), ((2, 3),), ([2, 3],), (ember.Size([2, 3]),)):
        z = ember.zeros(*args, device=device)
        assert z.shape == (2, 3) and z.dtype is ember.float32 and z.tolist() == [[0.0] * 3] * 2
    assert ember.ones(2, dtype=ember.int32, device=device).tolist() == [1, 1]
    assert ember.ones(2, dtype=ember.bool, device=device).tolist() == [True, True]
    assert ember.zeros((), device=device).shape == ()
    assert ember.zeros(0, 3, device=device).shape == (0, 3)
    e = ember.empty(2, 4, dtype=ember.float64, device=device)
    assert e.shape == (2, 4) and e.dtype is ember.float64 and e.is_contiguous()
    with pytest.raises(RuntimeError, match=r"Trying to create tensor with negative dimension -1"):
        ember.zeros(2, -1, device=device)
    with pytest.raises(TypeError, match="must be tuple of ints"):
        ember.ones(2.5, device=device)
    with pytest.raises(TypeError):
        ember.zeros(True, device=device)


def test_full_infers_dtype_from_fill_value(device):
    assert ember.full((2,), True, device=device).dtype is ember.bool
    assert ember.full((2,), 3, device=device).dtype is ember.int64
    assert ember.full((2,), 3.0, device=device).dtype is ember.float32
    assert ember.full((2,), 3, dtype=ember.float64, device=device).tolist() == [3.0, 3.0]
    assert ember.full((), -1.5, device=device).item() == -1.5
    assert ember.full([2, 1], ember.tensor(4), device=device).tolist() == [[4], [4]]
    assert ember.full((2,), float("nan"), device=device).isnan().tolist() == [True, True]
    assert ember.full((1,), -1, dtype=ember.uint8, device=device).tolist() == [255]
    assert ember.full((1,), 2.9, dtype=ember.int8, device=device).tolist() == [2]
    assert ember.full((1,), float("inf"), dtype=ember.float16, device=device).tolist() == [np.inf]


@pytest.mark.parametrize("dtype,value,ctype", [
    (ember.uint8, 256, "uint8_t"), (ember.uint8, -256, "uint8_t"), (ember.int8, 128, "int8_t"),
    (ember.int16, -40000, "int16_t"), (ember.int32, 2 ** 31, "int"),
    (ember.int64, 2 ** 63, "int64_t"), (ember.int32, float("nan"), "int"),
    (ember.int64, float("inf"), "int64_t"), (ember.float16, 70000.0, "at::Half"),
    (ember.float32, 1e39, "float"), (ember.bfloat16, 1e39, "at::BFloat16")])
def test_full_and_fill_check_overflow(device, dtype, value, ctype):
    with pytest.raises(RuntimeError, match=f"value cannot be converted to type {ctype} without "
                                           "overflow"):
        ember.full((2,), value, dtype=dtype, device=device)
    t = ember.zeros(2, dtype=dtype, device=device)
    with pytest.raises(RuntimeError, match="without overflow"):
        t.fill_(value)
    assert t.tolist() == [0, 0]


def test_like_factories(device):
    src = ember.tensor([[1, 2, 3]], dtype=ember.int32, device=device)
    for fn, value in ((ember.zeros_like, 0), (ember.ones_like, 1)):
        r = fn(src)
        assert r.shape == (1, 3) and r.dtype is ember.int32 and r.tolist() == [[value] * 3]
        assert fn(src, dtype=ember.float64).dtype is ember.float64
    f = ember.full_like(src, 2.7)
    assert f.dtype is ember.int32 and f.tolist() == [[2, 2, 2]]
    assert ember.full_like(src, 2.5, dtype=ember.float32).tolist() == [[2.5] * 3]
    e = ember.empty_like(make(noncontig(np.zeros((2, 3))), device))
    assert e.shape == (2, 3) and e.dtype is ember.float64
    assert ember.zeros_like(ember.tensor(1.0, device=device)).shape == ()
    g = ember.ones_like(ember.ones(2, device=device), requires_grad=True)
    assert g.requires_grad


def test_empty_strided(device):
    t = ember.empty_strided((2, 3), (1, 2), device=device)
    assert t.shape == (2, 3) and t.stride() == (1, 2) and not t.is_contiguous()
    assert t.untyped_storage().nbytes >= 6 * 4
    t.fill_(1.5)
    assert t.tolist() == [[1.5] * 3] * 2
    assert ember.empty_strided((2, 0), (1, 1), device=device).numel() == 0
    with pytest.raises(RuntimeError, match="mismatch in length of strides and shape"):
        ember.empty_strided((2, 3), (1,), device=device)


def test_scalar_tensor(device):
    assert ember.scalar_tensor(3, device=device).dtype is ember.float32
    assert ember.scalar_tensor(3, device=device).shape == ()
    assert ember.scalar_tensor(True, device=device).item() == 1.0
    assert ember.scalar_tensor(3, dtype=ember.int32, device=device).item() == 3


# ------------------------------------------------------------------------------------------------
# Ranges
def test_arange(device):
    assert ember.arange(5, device=device).tolist() == [0, 1, 2, 3, 4]
    assert ember.arange(5, device=device).dtype is ember.int64
    assert ember.arange(1, 4, device=device).tolist() == [1, 2, 3]
    assert ember.arange(5, 0, -2, device=device).tolist() == [5, 3, 1]
    assert ember.arange(1, 1, device=device).tolist() == []
    assert_close(ember.arange(0, 1, 0.25, device=device), np.arange(0, 1, 0.25, dtype=np.float32))
    assert_close(ember.arange(5, 0, -1.5, device=device), np.array([5, 3.5, 2, 0.5], np.float32))
    assert ember.arange(0, 1, 0.1, device=device).shape == (10,)
    assert ember.arange(0.0, 3, device=device).dtype is ember.float32
    assert ember.arange(3, dtype=ember.float64, device=device).tolist() == [0.0, 1.0, 2.0]
    assert ember.arange(4, dtype=ember.uint8, device=device).dtype is ember.uint8
    assert ember.arange(ember.tensor(3), device=device).tolist() == [0, 1, 2]
    assert ember.arange(-3, 3, 2, device=device).tolist() == [-3, -1, 1]
    big = 2 ** 53
    assert ember.arange(big, big + 4, device=device).tolist() == [big, big + 1, big + 2, big + 3]
    # integer dtypes accumulate in int64: float arguments are truncated first
    assert ember.arange(0, 5, 1.5, dtype=ember.int64, device=device).tolist() == [0, 1, 2, 3, 4]
    h = ember.arange(0, 3, 0.5, dtype=ember.float16, device=device)
    assert h.dtype is ember.float16 and h.tolist() == [0, 0.5, 1, 1.5, 2, 2.5]
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        ember.arange(0, 5, 0, device=device)
    with pytest.raises(RuntimeError, match="upper bound and larger bound inconsistent with step "
                                           "sign"):
        ember.arange(0, -3, device=device)
    with pytest.raises(RuntimeError, match="upper bound and larger bound inconsistent"):
        ember.arange(0, 3, -1, device=device)
    with pytest.raises(RuntimeError, match="unsupported range"):
        ember.arange(0, float("inf"), device=device)
    out = ember.empty(0, dtype=ember.int64, device=device)
    assert ember.arange(3, out=out) is out and out.tolist() == [0, 1, 2]


def test_range_is_inclusive_and_deprecated(device):
    with pytest.warns(UserWarning, match="ember.range is deprecated"):
        r = ember.range(1, 4, device=device)
    assert r.dtype is ember.float32 and r.tolist() == [1.0, 2.0, 3.0, 4.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ember.range(0, 1, 0.25, device=device).tolist() == [0, 0.25, 0.5, 0.75, 1.0]
        assert ember.range(3, 0, -1, dtype=ember.int64, device=device).tolist() == [3, 2, 1, 0]
        with pytest.raises(RuntimeError, match="step must be nonzero"):
            ember.range(0, 1, 0)


def test_linspace(device):
    assert_close(ember.linspace(0, 1, 5, device=device),
                 np.array([0, 0.25, 0.5, 0.75, 1], np.float32))
    for start, end, steps in ((-3.3, 7.1, 11), (1e3, -2.5, 7), (0, 1, 2)):
        t = ember.linspace(start, end, steps, dtype=ember.float64, device=device)
        assert_close(t, np.linspace(start, end, steps), rtol=1e-12, atol=1e-12)
        assert t.tolist()[0] == start and t.tolist()[-1] == end     # both ends exact
    assert ember.linspace(2, 5, 1, device=device).tolist() == [2.0]
    assert ember.linspace(0, 1, 0, device=device).shape == (0,)
    assert ember.linspace(0, 10, 4, dtype=ember.int64, device=device).tolist() == [0, 3, 6, 10]
    assert ember.linspace(-1, 2, 4, dtype=ember.int32, device=device).tolist() == [-1, 0, 1, 2]
    assert ember.linspace(0.9, 3.9, 4, dtype=ember.int64, device=device).tolist() == [0, 1, 2, 3]
    assert ember.linspace(ember.tensor(0.0), ember.tensor(2.0), 3, device=device).tolist() == \
        [0.0, 1.0, 2.0]
    with pytest.raises(RuntimeError, match="number of steps must be non-negative"):
        ember.linspace(0, 1, -1, device=device)
    with pytest.raises(TypeError):
        ember.linspace(0, 1, 2.5, device=device)


def test_logspace(device):
    assert_close(ember.logspace(0, 2, 3, device=device), np.array([1, 10, 100], np.float32))
    assert_close(ember.logspace(0, 3, 4, base=2, device=device), np.array([1, 2, 4, 8], np.float32))
    assert_close(ember.logspace(-1, 1, 5, dtype=ember.float64, device=device),
                 np.logspace(-1, 1, 5), rtol=1e-12)
    assert ember.logspace(0, 2, 0, device=device).shape == (0,)
    assert ember.logspace(2, 5, 1, device=device).tolist() == [100.0]
    i = ember.logspace(0, 3, 4, dtype=ember.int64, device=device)
    assert i.dtype is ember.int64 and i.tolist() == [1, 10, 100, 1000]


def test_eye(device):
    assert_close(ember.eye(3, device=device), np.eye(3, dtype=np.float32))
    assert_close(ember.eye(2, 4, device=device), np.eye(2, 4, dtype=np.float32))
    assert_close(ember.eye(4, 2, dtype=ember.int64, device=device), np.eye(4, 2, dtype=np.int64))
    assert_close(ember.eye(3, dtype=ember.bool, device=device), np.eye(3, dtype=bool))
    assert ember.eye(0, device=device).shape == (0, 0)
    assert ember.eye(2, 0, device=device).shape == (2, 0)
    with pytest.raises(RuntimeError, match="n must be greater or equal to 0, got -1"):
        ember.eye(-1, device=device)
    with pytest.raises(RuntimeError, match="m must be greater or equal to 0, got -2"):
        ember.eye(2, -2, device=device)
    with pytest.raises(TypeError):
        ember.eye(2.5, device=device)


# ------------------------------------------------------------------------------------------------
# Copies and conversions
def test_to_clone_contiguous(device):
    t = ember.tensor([[1.5, -2.5], [3.25, 4.0]], device=device)
    assert t.to(ember.float32) is t and t.to(device) is t and t.to() is t
    c = t.to(ember.float32, copy=True)
    assert c is not t and c.data_ptr() != t.data_ptr() and c.tolist() == t.tolist()
    i = t.to(ember.int64)
    assert i.dtype is ember.int64 and i.tolist() == [[1, -2], [3, 4]]
    assert t.to(device, ember.float64).dtype is ember.float64
    assert t.to(dtype=ember.float16).dtype is ember.float16
    assert t.to(ember.tensor([1], device=device)).dtype is ember.int64
    assert t.to(float).dtype is ember.float64 and t.to(bool).dtype is ember.bool
    assert t.double().dtype is ember.float64 and t.half().dtype is ember.float16
    assert t.long().dtype is ember.int64 and t.int().dtype is ember.int32
    assert t.short().dtype is ember.int16 and t.char().dtype is ember.int8
    assert t.byte().dtype is ember.uint8 and t.bool().dtype is ember.bool
    assert t.bfloat16().dtype is ember.bfloat16 and t.float() is t
    k = t.clone()
    assert k.data_ptr() != t.data_ptr() and k.tolist() == t.tolist()
    k.fill_(0)
    assert t.tolist()[0][0] == 1.5
    assert t.contiguous() is t
    nc = make(noncontig(np.arange(6.0).reshape(2, 3)), device)
    cc = nc.contiguous()
    assert cc.is_contiguous() and cc.tolist() == np.arange(6.0).reshape(2, 3).tolist()
    assert nc.clone().is_contiguous() and nc.clone().tolist() == cc.tolist()
    tr = make(np.arange(6.0).reshape(2, 3).T, device)
    assert tr.to(ember.float32).tolist() == np.arange(6.0).reshape(2, 3).T.tolist()


def test_conversion_casts_like_c(device):
    f = ember.tensor([2.9, -2.9, 0.5, -0.5, 300.0, -1.0], device=device)
    assert f.long().tolist() == [2, -2, 0, 0, 300, -1]                  # toward zero
    assert f.bool().tolist() == [True, True, True, True, True, True]
    assert ember.tensor([0.0, -0.0, np.nan], device=device).bool().tolist() == [False, False, True]
    assert ember.tensor([300, -1, 256], device=device).byte().tolist() == [44, 255, 0]
    assert ember.tensor([200], dtype=ember.uint8, device=device).char().tolist() == [-56]
    assert ember.tensor([True, False], device=device).float().tolist() == [1.0, 0.0]


def test_half_precision_round_trips(device):
    x = np.array([1.0, 1 / 3, -2.5, 65504.0, 1e-8, 7e4, np.inf, -np.inf], np.float32)
    with np.errstate(over="ignore"):
        x16 = x.astype(np.float16)                   # 7e4 overflows to inf, as in PyTorch
    h = ember.tensor(x, device=device).half()
    assert_close(h, x16)
    assert_close(h.float(), x16.astype(np.float32))
    assert ember.tensor([np.nan], device=device).half().isnan().tolist() == [True]
    assert ember.tensor(x16, device=device).dtype is ember.float16


def test_bfloat16_rounds_to_nearest_even(device):
    # bfloat16 keeps 7 mantissa bits: ulp(1) = 2 ** -7
    ulp = 2.0 ** -7
    vals = [1.0, 1 + ulp / 2, 1 + 3 * ulp / 2, 1 + ulp / 4, 1 + 3 * ulp / 4, -(1 + ulp / 2),
            3.0, 1e-40, 3.0e38, 3.4e38, 1e39]
    # 3.4e38 is past the midpoint between bfloat16's largest finite value and 2 ** 128: inf
    expected = [1.0, 1.0, 1 + 2 * ulp, 1.0, 1 + ulp, -1.0, 3.0, None, 3.0e38, np.inf, np.inf]
    b = ember.tensor(vals, device=device).bfloat16()
    assert b.dtype is ember.bfloat16 and b.element_size() == 2
    got = b.float().tolist()
    for g, e in zip(got, expected):
        if e is None:
            continue
        if np.isinf(e):
            assert np.isinf(g)
        else:
            assert abs(g - e) <= abs(e) * 2 ** -8, (g, e)
    assert got[:7] == [1.0, 1.0, 1 + 2 * ulp, 1.0, 1 + ulp, -1.0, 3.0]
    nan = ember.tensor([np.nan, -np.inf], device=device).bfloat16().float()
    assert np.isnan(nan.tolist()[0]) and nan.tolist()[1] == -np.inf
    assert ember.tensor([7], device=device).bfloat16().float().tolist() == [7.0]
    assert ember.tensor([1.5], device=device).bfloat16().double().tolist() == [1.5]
    assert ember.tensor([1.5], device=device).bfloat16().tolist() == [1.5]
    assert ember.tensor([1.5], device=device).bfloat16().item() == 1.5
    with pytest.raises(TypeError, match="unsupported ScalarType BFloat16"):
        ember.tensor([1.5]).bfloat16().numpy()


def test_copy_(device):
    dst = ember.zeros(2, 3, device=device)
    ptr, v = dst.data_ptr(), dst._version
    assert dst.copy_(ember.tensor([1, 2, 3], device=device)) is dst        # broadcast + cast
    assert dst.tolist() == [[1.0, 2.0, 3.0]] * 2 and dst.data_ptr() == ptr
    assert dst._version == v + 1
    src = make(noncontig(np.arange(6.0).reshape(2, 3)), device)
    dst.copy_(src)
    assert dst.tolist() == np.arange(6.0).reshape(2, 3).tolist()
    dst.copy_(ember.tensor(7.5, dtype=ember.float64, device=device))
    assert dst.tolist() == [[7.5] * 3] * 2
    i = ember.zeros(3, dtype=ember.int32, device=device)
    i.copy_(ember.tensor([1.9, -1.9, 2.0], device=device))
    assert i.tolist() == [1, -1, 2]
    hb = ember.zeros(2, dtype=ember.bfloat16, device=device)
    hb.copy_(ember.tensor([1.5, 2.5], dtype=ember.float16, device=device))
    assert hb.tolist() == [1.5, 2.5]
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of "
                                           r"tensor b \(2\) at non-singleton dimension 1"):
        dst.copy_(ember.ones(2, device=device))
    with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match the broadcast "
                                           r"shape \[2, 3\]"):
        ember.zeros(3, device=device).copy_(ember.ones(2, 3, device=device))
    with pytest.raises(TypeError, match="argument 'src'"):
        dst.copy_([1, 2, 3])


def test_copy_into_a_strided_view(device):
    base = ember.zeros(3, 4, dtype=ember.float64, device=device)
    base[:, ::2].copy_(ember.tensor([1.0, 2.0]))                      # from the CPU, broadcast
    assert base.tolist() == [[1, 0, 2, 0]] * 3
    square = ember.arange(9.0, dtype=ember.float64, device=device).reshape(3, 3)
    square.copy_(square.t())                                          # overlapping source
    assert square.tolist() == np.arange(9.0).reshape(3, 3).T.tolist()


def test_fill_and_zero(device):
    t = ember.tensor([1, 2, 3], device=device)
    v = t._version
    assert t.fill_(3.7) is t and t.tolist() == [3, 3, 3] and t._version == v + 1
    assert t.zero_() is t and t.tolist() == [0, 0, 0] and t._version == v + 2
    f = ember.zeros(2, device=device)
    f.fill_(ember.tensor(2))
    assert f.tolist() == [2.0, 2.0]
    f.fill_(True)
    assert f.tolist() == [1.0, 1.0]
    b = ember.zeros(2, dtype=ember.bool, device=device)
    b.fill_(0.5)
    assert b.tolist() == [True, True]
    with pytest.raises(RuntimeError, match="fill_ only supports 0-dimension value tensor but got "
                                           "tensor with 1 dimensions"):
        f.fill_(ember.tensor([2.0]))
    with pytest.raises(TypeError):
        f.fill_("x")
    e = ember.zeros(0, device=device)
    assert e.fill_(1.0).shape == (0,)


def test_new_methods(device):
    base = ember.tensor([1, 2], dtype=ember.int32, device=device)
    z = base.new_zeros(2, 3)
    assert z.shape == (2, 3) and z.dtype is ember.int32 and z.device == base.device
    assert base.new_ones((2,)).tolist() == [1, 1]
    assert base.new_full((2,), 3.7).tolist() == [3, 3]
    assert base.new_full((1,), 3.5, dtype=ember.float64).tolist() == [3.5]
    assert base.new_empty(4).shape == (4,) and base.new_empty(4).dtype is ember.int32
    assert base.new_tensor([1.9]).tolist() == [1] and base.new_tensor([1.9]).dtype is ember.int32
    assert base.new_tensor([1.9], dtype=ember.float32).tolist()[0] == pytest.approx(1.9)
    assert base.new_zeros(2, dtype=ember.bool).tolist() == [False, False]
    f = ember.ones(1, device=device)
    assert f.new_ones(2, requires_grad=True).requires_grad
