"""DLPack both ways with NumPy (memory sharing, strides, dtypes, lifetimes) and the comparison
utilities (isclose / allclose / equal / predicates / `in`) against NumPy oracles."""
import gc
import weakref

import numpy as np
import pytest

import ember
from ember.backends.cpu import _dlpack
from ember.backends.cpu._storage import memory_stats

from conftest import assert_close, noncontig, make, to_np

nan, inf = float("nan"), float("inf")

DTYPES = [np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64, np.float16, np.float32,
          np.float64]


def _sample(npdt, shape=(3, 4), seed=0):
    rng = np.random.default_rng(seed)
    if npdt is np.bool_:
        return rng.random(shape) > 0.5
    if np.dtype(npdt).kind in "iu":
        return rng.integers(0, 100, shape).astype(npdt)
    return rng.standard_normal(shape).astype(npdt)


def _capsule_name(cap):
    return repr(cap).split('"')[1]


# -- export: np.from_dlpack(tensor) --------------------------------------------------------------
@pytest.mark.parametrize("npdt", DTYPES)
def test_numpy_from_dlpack_dtypes_and_sharing(npdt):
    arr = _sample(npdt)
    t = ember.tensor(arr)
    a = np.from_dlpack(t)
    assert a.dtype == arr.dtype and a.shape == arr.shape
    np.testing.assert_array_equal(a, arr)
    assert a.__array_interface__["data"][0] == t.data_ptr()
    assert a.flags.writeable                      # versioned capsule without the read-only flag
    a[0, 0] = a[1, 1]
    assert to_np(t)[0, 0] == arr[1, 1]            # writes through numpy show in the tensor


def test_dunder_dlpack_device():
    t = ember.tensor([1., 2.])
    assert t.__dlpack_device__() == (1, 0)
    assert tuple(t.__dlpack_device__()) == (_dlpack.kDLCPU, 0)


def test_export_strides_offset_and_0d_empty():
    base = np.arange(60, dtype=np.float32).reshape(3, 4, 5)
    t = ember.from_numpy(base[:, 1:, ::2])            # offset + non-unit strides
    a = np.from_dlpack(t)
    assert a.strides == base[:, 1:, ::2].strides
    np.testing.assert_array_equal(a, base[:, 1:, ::2])
    a[...] = -1
    assert (base[:, 1:, ::2] == -1).all() and base[0, 0, 0] == 0
    tt = ember.from_numpy(base[0].T)                  # transposed
    assert np.from_dlpack(tt).strides == base[0].T.strides
    z = ember.tensor(3.5)
    az = np.from_dlpack(z)
    assert az.shape == () and az == 3.5
    e = np.from_dlpack(ember.zeros(0, 3))
    assert e.shape == (0, 3) and e.dtype == np.float32


def test_export_lifetime_keeps_storage_alive():
    gc.collect()
    live0 = _dlpack.live_exports()
    t = ember.tensor(np.arange(1 << 16, dtype=np.float64))   # 512 KiB: a pooled block
    alloc_with_t = memory_stats()["allocated"]
    a = np.from_dlpack(t)
    assert _dlpack.live_exports() == live0 + 1
    r = weakref.ref(t)
    del t
    gc.collect()
    assert r() is None                                  # the tensor object may go ...
    assert memory_stats()["allocated"] == alloc_with_t  # ... but its storage stays allocated
    junk = ember.full((1 << 16,), 7.0, dtype=ember.float64)   # would reuse a freed block
    np.testing.assert_array_equal(a, np.arange(1 << 16, dtype=np.float64))
    del junk
    del a
    gc.collect()
    assert _dlpack.live_exports() == live0              # deleter ran (exactly once: no underflow)
    assert memory_stats()["allocated"] < alloc_with_t


def test_unconsumed_capsule_is_released():
    live0 = _dlpack.live_exports()
    t = ember.tensor([1, 2, 3])
    caps = [t.__dlpack__(), t.__dlpack__(max_version=(1, 0))]
    assert _dlpack.live_exports() == live0 + 2
    assert [_capsule_name(c) for c in caps] == ["dltensor", "dltensor_versioned"]
    del caps
    gc.collect()
    assert _dlpack.live_exports() == live0


def test_capsule_consumed_once():
    t = ember.tensor([1., 2.])
    for kw in ({}, {"max_version": (1, 0)}):
        cap = t.__dlpack__(**kw)
        u = ember.from_dlpack(cap)
        assert _capsule_name(cap).startswith("used_")
        with pytest.raises(RuntimeError, match="consumed only once"):
            ember.from_dlpack(cap)
        assert u.tolist() == [1., 2.]


def test_export_copy_and_errors():
    t = ember.tensor([1., 2., 3.])
    a = np.from_dlpack(t, copy=True)
    a[0] = 99.
    assert t.tolist() == [1., 2., 3.]
    b = np.from_dlpack(t, copy=False)
    b[0] = 5.
    assert t.tolist() == [5., 2., 3.]
    g = ember.tensor([1., 2.], requires_grad=True)
    with pytest.raises(BufferError, match="Can't export tensors that require gradient"):
        g.__dlpack__()
    with pytest.raises(BufferError, match="require gradient"):
        np.from_dlpack(g)
    with pytest.raises(AssertionError, match="stream should be None on cpu"):
        t.__dlpack__(stream=5)
    with pytest.raises(TypeError, match="stream must be"):
        t.__dlpack__(stream="s")
    with pytest.raises(BufferError, match="DLPack device"):
        t.__dlpack__(dl_device=(2, 0))
    t.__dlpack__(stream=-1, dl_device=(1, 0))               # accepted (no-op on the CPU)


# -- import: ember.from_dlpack(x) ----------------------------------------------------------------
@pytest.mark.parametrize("npdt", DTYPES)
def test_from_dlpack_numpy_dtypes_and_sharing(npdt):
    arr = _sample(npdt)
    t = ember.from_dlpack(arr)
    assert t.dtype is ember.dtypes.from_numpy_dtype(arr.dtype)
    assert_close(t, arr)
    assert t.data_ptr() == arr.__array_interface__["data"][0]
    arr[0, 0] = arr[2, 3]
    assert to_np(t)[0, 0] == arr[2, 3]            # writes to the array show in the tensor


def test_from_dlpack_writes_through_tensor():
    arr = np.zeros(5, dtype=np.float32)
    t = ember.from_dlpack(arr)
    t.add_(2.0)
    assert arr.tolist() == [2.0] * 5
    t.fill_(3.0)
    assert arr.tolist() == [3.0] * 5


def test_from_dlpack_strides_0d_empty():
    base = np.arange(60, dtype=np.int64).reshape(3, 4, 5)
    v = base[1:, ::2, 1::3]
    t = ember.from_dlpack(v)
    assert t.shape == v.shape
    assert t.stride() == tuple(s // 8 for s in v.strides)
    assert_close(t, v)
    tt = ember.from_dlpack(base[0].T)
    assert tt.stride() == (1, 5) and not tt.is_contiguous()
    assert_close(tt, base[0].T)
    z = ember.from_dlpack(np.array(2.5))
    assert z.shape == () and z.item() == 2.5 and z.dtype is ember.float64
    e = ember.from_dlpack(np.zeros((2, 0), dtype=np.int32))
    assert e.shape == (2, 0) and e.dtype is ember.int32 and e.numel() == 0
    nc = noncontig(np.arange(6.).reshape(2, 3))
    assert_close(ember.from_dlpack(nc), nc)


def test_from_dlpack_lifetime_keeps_producer_alive():
    arr = np.arange(10.)
    r = weakref.ref(arr)
    t = ember.from_dlpack(arr)
    view = t.detach()                           # a second tensor over the same storage
    del arr
    gc.collect()
    assert r() is not None                      # the tensor keeps the exporter alive
    assert t.tolist() == list(np.arange(10.))
    del t
    gc.collect()
    assert r() is not None
    del view
    gc.collect()
    assert r() is None                          # the deleter ran once the last user went


def test_roundtrip_ember_ember_lifetime():
    gc.collect()
    live0 = _dlpack.live_exports()
    t = ember.tensor([[1, 2], [3, 4]], dtype=ember.int32)
    u = ember.from_dlpack(t)
    assert u.data_ptr() == t.data_ptr() and u.dtype is ember.int32
    assert _dlpack.live_exports() == live0 + 1
    u.add_(10)
    assert t.tolist() == [[11, 12], [13, 14]]
    del t
    gc.collect()
    assert u.tolist() == [[11, 12], [13, 14]]
    del u
    gc.collect()
    assert _dlpack.live_exports() == live0


def test_roundtrip_bfloat16_via_capsule():
    t = ember.tensor([1.5, -2.0, 3.0], dtype=ember.bfloat16)
    u = ember.from_dlpack(t)
    assert u.dtype is ember.bfloat16 and u.data_ptr() == t.data_ptr()
    assert u.float().tolist() == [1.5, -2.0, 3.0]


def test_roundtrip_numpy_ember_numpy():
    arr = np.arange(12, dtype=np.int16).reshape(3, 4)[:, 1:]
    back = np.from_dlpack(ember.from_dlpack(arr))
    assert back.__array_interface__["data"][0] == arr.__array_interface__["data"][0]
    assert back.strides == arr.strides
    np.testing.assert_array_equal(back, arr)


def test_from_dlpack_copy_and_device_args():
    arr = np.arange(4.)
    t = ember.from_dlpack(arr, copy=True)
    t.add_(1.0)
    assert arr.tolist() == [0., 1., 2., 3.]
    u = ember.from_dlpack(arr, device="cpu")
    assert u.data_ptr() == arr.__array_interface__["data"][0]


class _LegacyProducer:
    """A pre-DLPack-1.0 producer: __dlpack__ accepts no keyword arguments."""

    def __init__(self, arr):
        self.arr = arr

    def __dlpack__(self):
        return self.arr.__dlpack__()

    def __dlpack_device__(self):
        return (1, 0)


class _DeviceProducer:
    """A producer on an accelerator: from_dlpack must ask it for a host copy."""

    def __init__(self, arr):
        self.arr = arr
        self.calls = []

    def __dlpack__(self, **kwargs):
        self.calls.append(kwargs)
        assert kwargs.get("dl_device") == (1, 0)
        return self.arr.__dlpack__(max_version=kwargs.get("max_version"))

    def __dlpack_device__(self):
        return (2, 0)


def test_from_dlpack_protocol_negotiation():
    arr = np.arange(3, dtype=np.int64)
    t = ember.from_dlpack(_LegacyProducer(arr))
    assert t.tolist() == [0, 1, 2] and t.data_ptr() == arr.__array_interface__["data"][0]
    p = _DeviceProducer(arr)
    assert ember.from_dlpack(p).tolist() == [0, 1, 2]
    assert p.calls[0]["max_version"] == (1, 0)
    t = ember.from_dlpack(arr.__dlpack__())          # a raw legacy capsule
    assert t.tolist() == [0, 1, 2]


def test_from_dlpack_read_only_warns():
    arr = np.arange(3.)
    arr.flags.writeable = False
    with pytest.warns(UserWarning, match="read-only"):
        t = ember.from_dlpack(arr)
    assert t.tolist() == [0., 1., 2.]


def test_from_dlpack_errors():
    with pytest.raises(TypeError, match="__dlpack__"):
        ember.from_dlpack([1, 2, 3])
    with pytest.raises(BufferError, match="unsupported dtype kDLComplex"):
        ember.from_dlpack(np.zeros(3, dtype=np.complex64))
    with pytest.raises(BufferError, match="unsupported dtype kDLUInt with 16 bits"):
        ember.from_dlpack(np.zeros(3, dtype=np.uint16))
    with pytest.raises(BufferError, match="negative strides"):
        ember.from_dlpack(np.arange(5.)[::-1])
    # a failed import still releases the producer's memory (the deleter runs)
    arr = np.zeros(3, dtype=np.complex128)
    r = weakref.ref(arr)
    cap = arr.__dlpack__()
    del arr
    with pytest.raises(BufferError):
        ember.from_dlpack(cap)
    del cap
    gc.collect()
    assert r() is None


# -- isclose / allclose --------------------------------------------------------------------------
def _special_pairs(npdt, n=400, seed=1):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(n).astype(npdt) * np.asarray(10.0, npdt) ** rng.integers(-9, 9, n).astype(npdt)
    rel = rng.choice([0, 1e-7, 5e-6, 1e-5, 2e-5, 1e-3], n)
    b = (a * (1 + rel * rng.choice([-1, 1], n))).astype(npdt)
    b[:40] = rng.choice([nan, inf, -inf, 0.0, 1e-9], 40)
    a[20:60] = rng.choice([nan, inf, -inf, 0.0, -0.0], 40)
    return a, b


@pytest.mark.parametrize("npdt", [np.float32, np.float64])
@pytest.mark.parametrize("equal_nan", [False, True])
def test_isclose_random_vs_numpy(device, npdt, equal_nan):
    a, b = _special_pairs(npdt)
    got = ember.isclose(make(a, device), make(b, device), equal_nan=equal_nan)
    assert_close(got, np.isclose(a, b, equal_nan=equal_nan))
    for rtol, atol in [(1e-3, 0.0), (0.0, 1e-6), (0.0, 0.0), (0.1, 0.5)]:
        got = ember.isclose(make(a, device), make(b, device), rtol=rtol, atol=atol,
                            equal_nan=equal_nan)
        assert_close(got, np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))
        assert_close(make(a, device).isclose(make(b, device), rtol, atol, equal_nan),
                     np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def test_isclose_inf_handling(device):
    a = ember.tensor([inf, inf, -inf, inf, 1e38, nan, 0.0], device=device)
    b = ember.tensor([inf, -inf, -inf, 1e38, inf, nan, -0.0], device=device)
    exp = np.array([True, False, True, False, False, False, True])
    assert_close(ember.isclose(a, b), exp)
    assert_close(ember.isclose(a, b, rtol=0, atol=0), exp)
    assert_close(ember.isclose(a, b, equal_nan=True), exp | np.array([0, 0, 0, 0, 0, 1, 0], bool))
    assert_close(ember.isclose(a, b, rtol=inf, atol=inf), exp)   # inf - inf is never "close"


def test_isclose_broadcast_noncontig_0d(device):
    a = np.array([[1.0], [2.0], [3.0]], dtype=np.float32)
    b = noncontig(np.array([1.0, 2.00001, 2.9, 3.0], dtype=np.float32))
    assert_close(ember.isclose(make(a, device), make(b, device)), np.isclose(a, b))
    s = ember.tensor(2.0, device=device)
    assert_close(ember.isclose(s, make(b, device)), np.isclose(np.float32(2.0), b))
    assert_close(ember.isclose(s, s), np.array(True))
    e = ember.zeros(0, 2, device=device)
    assert_close(ember.isclose(e, e), np.zeros((0, 2), bool))


@pytest.mark.parametrize("npdt", [np.int64, np.int32, np.int8, np.uint8])
def test_isclose_int_inputs(device, npdt):
    a = np.array([0, 5, 100, 100, 7], dtype=npdt)
    b = np.array([0, 6, 100, 99, 9], dtype=npdt)
    got = ember.isclose(make(a, device), make(b, device))
    assert got.dtype is ember.bool
    assert_close(got, np.isclose(a.astype(np.int64), b.astype(np.int64)))
    got = ember.isclose(make(a, device), make(b, device), rtol=0.0, atol=1.0)
    # as PyTorch, the difference is taken in the input dtype: uint8 5 - 6 wraps to 255
    assert_close(got, np.array([True, npdt is not np.uint8, True, True, False]))
    got = ember.isclose(make(a, device), make(b, device), rtol=0.02, atol=0.0)
    assert_close(got, np.array([True, False, True, True, False]))


def test_isclose_bool_inputs(device):
    a = ember.tensor([True, False, True], device=device)
    b = ember.tensor([True, True, False], device=device)
    assert_close(ember.isclose(a, b), np.array([True, False, False]))
    assert_close(ember.isclose(a, b, atol=1.0), np.array([True, True, True]))


def test_isclose_errors(device):
    f = ember.tensor([1.0], device=device)
    d = ember.tensor([1.0], device=device, dtype=ember.float64)
    i = ember.tensor([1], device=device)
    with pytest.raises(RuntimeError, match="Float did not match Double"):
        ember.isclose(f, d)
    with pytest.raises(RuntimeError, match="Long did not match Float"):
        ember.allclose(i, f)
    with pytest.raises(RuntimeError, match="rtol must be greater than or equal to zero, but got -1"):
        ember.isclose(f, f, rtol=-1.0)
    with pytest.raises(RuntimeError, match="atol must be greater than or equal to zero"):
        ember.isclose(f, f, atol=-1e-3)
    with pytest.raises(TypeError, match=r"isclose\(\): argument 'other' \(position 2\) must be Tensor, not float"):
        ember.isclose(f, 1.0)
    with pytest.raises(TypeError, match=r"allclose\(\): argument 'input' \(position 1\) must be Tensor, not list"):
        ember.allclose([1.0], f)
    with pytest.raises(RuntimeError, match="The size of tensor a"):
        ember.isclose(ember.zeros(2, device=device), ember.zeros(3, device=device))


def test_allclose(device):
    a = ember.tensor([1.0, 2.0, nan], device=device)
    b = ember.tensor([1.0 + 1e-6, 2.0, nan], device=device)
    r = ember.allclose(a, b)
    assert r is False
    assert ember.allclose(a, b, equal_nan=True) is True
    assert a.allclose(b, equal_nan=True) is True
    assert ember.allclose(ember.tensor([1.0], device=device), ember.tensor([1.1], device=device)) is False
    assert ember.allclose(ember.tensor([1.0], device=device), ember.tensor([1.1], device=device),
                          atol=0.2) is True
    e = ember.zeros(0, device=device)
    assert ember.allclose(e, e) is True
    x = np.random.default_rng(3).standard_normal((5, 4))
    assert ember.allclose(make(noncontig(x), device), make(x, device)) is True
    assert ember.allclose(make(x, device), make(x + 1e-3, device)) is False


# -- equal and predicates ------------------------------------------------------------------------
def test_equal(device):
    a = ember.tensor([[1, 2], [3, 4]], device=device)
    assert ember.equal(a, ember.tensor([[1, 2], [3, 4]], device=device)) is True
    assert ember.equal(a, ember.tensor([[1, 2], [3, 5]], device=device)) is False
    assert ember.equal(a, ember.tensor([1, 2, 3, 4], device=device)) is False        # shape
    assert ember.equal(a, ember.tensor([[1, 2]], device=device)) is False             # no broadcast
    assert ember.equal(a, ember.tensor([[1., 2.], [3., 4.]], device=device)) is True  # promotion
    assert a.equal(a) is True
    n = ember.tensor([1.0, nan], device=device)
    assert ember.equal(n, n) is False                                                # nan != nan
    assert ember.equal(ember.zeros(0, 3, device=device), ember.zeros(0, 3, device=device)) is True
    x = np.arange(6.).reshape(2, 3)
    assert ember.equal(make(noncontig(x), device), make(x, device)) is True
    assert ember.equal(ember.tensor(2.0, device=device), ember.tensor(2.0, device=device)) is True
    with pytest.raises(TypeError, match=r"equal\(\): argument 'other' \(position 2\) must be Tensor, not list"):
        ember.equal(a, [1, 2])


def test_is_tensor_storage_floating_point(device):
    t = ember.tensor([1.0], device=device)
    assert ember.is_tensor(t) is True
    assert ember.is_tensor(np.zeros(1)) is False and ember.is_tensor(1.0) is False
    assert ember.is_storage(t.untyped_storage()) is True
    assert ember.is_storage(t) is False and ember.is_storage(b"abc") is False
    assert ember.is_floating_point(t) is True
    assert ember.is_floating_point(ember.tensor([1], device=device)) is False
    assert ember.is_floating_point(ember.tensor([1.], device=device, dtype=ember.bfloat16)) is True
    assert ember.is_floating_point(ember.tensor([True], device=device)) is False
    with pytest.raises(TypeError, match=r"is_floating_point\(\): argument 'input' \(position 1\) must be Tensor, not float"):
        ember.is_floating_point(1.0)


def test_is_nonzero(device):
    assert ember.is_nonzero(ember.tensor(1.5, device=device)) is True
    assert ember.is_nonzero(ember.tensor([0], device=device)) is False
    assert ember.is_nonzero(ember.tensor([[False]], device=device)) is False
    assert ember.is_nonzero(ember.tensor(nan, device=device)) is True
    assert ember.tensor([3], device=device).is_nonzero() is True
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with no values is ambiguous"):
        ember.is_nonzero(ember.zeros(0, device=device))
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        ember.is_nonzero(ember.tensor([1, 2], device=device))
    with pytest.raises(TypeError, match="must be Tensor"):
        ember.is_nonzero(1)


def test_numel(device):
    assert ember.numel(ember.zeros(2, 3, 4, device=device)) == 24
    assert ember.numel(ember.tensor(5.0, device=device)) == 1
    assert ember.numel(ember.zeros(0, 3, device=device)) == 0
    assert isinstance(ember.numel(ember.zeros(2, device=device)), int)
    with pytest.raises(TypeError, match=r"numel\(\): argument 'input' \(position 1\) must be Tensor, not list"):
        ember.numel([1, 2])


def test_contains(device):
    t = ember.tensor([[1, 2], [3, 4]], device=device)
    assert 2 in t
    assert 5 not in t
    assert 2.0 in t and 2.5 not in t
    assert np.int64(4) in t
    assert ember.tensor(3, device=device) in t
    assert ember.tensor([9, 4], device=device) in t            # broadcast, any match
    assert ember.tensor([9, 8], device=device) not in t
    f = ember.tensor([nan, 1.0], device=device)
    assert nan not in f and 1 in f
    assert True in ember.tensor([False, True], device=device)
    assert 1 not in ember.zeros(0, device=device)
    assert 0 in ember.tensor(0.0, device=device)
    with pytest.raises(RuntimeError, match="Tensor.__contains__ only supports Tensor or scalar, but "
                                           "you passed in a <class 'str'>"):
        "a" in t
    with pytest.raises(RuntimeError, match="only supports Tensor or scalar"):
        [1] in t
