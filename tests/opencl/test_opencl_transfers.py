"""OpenCL transfers and copies: host <-> device for every dtype, strided views read back, copy_
with broadcasting and casts (checked against the CPU backend), fill, ramps, asynchrony."""
import numpy as np
import pytest

import ember
from cltools import ocl, backend, host, cl_tensor  # noqa: F401  (fixtures)

ALL = [ember.bool, ember.uint8, ember.int8, ember.int16, ember.int32, ember.int64, ember.float16,
       ember.bfloat16, ember.float32, ember.float64]


def sample(dtype, shape=(3, 5), seed=0):
    """Values representable in `dtype` (bfloat16: given as float32 with 8-bit mantissas)."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if dtype is ember.bool:
        a = rng.integers(0, 2, n).astype(bool)
    elif dtype.is_floating_point:
        a = rng.uniform(-50, 50, n)
        a[:4] = [0.0, -0.0, 1.5, -2.25][:n]
        a = a.astype(np.float32 if dtype is ember.bfloat16 else dtype.np)
        if dtype is ember.bfloat16:
            a = (a.view(np.uint32) & 0xFFFF0000).view(np.float32)
    else:
        info = np.iinfo(dtype.np)
        a = rng.integers(info.min, info.max, n, endpoint=True).astype(dtype.np)
    return a.reshape(shape)


@pytest.mark.parametrize("dtype", ALL, ids=str)
@pytest.mark.parametrize("shape", [(), (0,), (3, 5), (2, 0, 3), (300,)], ids=str)
def test_round_trip_every_dtype(ocl, dtype, shape):
    a = sample(dtype, shape)
    x = ember.tensor(a, dtype=dtype, device="opencl")
    assert x.device.type == "opencl" and x.is_opencl and x.dtype is dtype
    assert x.shape == shape and x.is_contiguous()
    back = x.cpu()
    assert back.device.type == "cpu" and back.dtype is dtype
    np.testing.assert_array_equal(host(x), a)
    if dtype is not ember.bfloat16:
        assert x.tolist() == a.tolist()


def test_special_float_bits_survive(ocl):
    a = np.array([np.nan, -np.inf, np.inf, -0.0, 1e-45, 3.4e38], np.float32)
    x = cl_tensor(a)
    assert host(x).tobytes() == a.tobytes()
    c = x.clone()                       # a same-dtype device copy moves raw bits
    assert host(c).tobytes() == a.tobytes()
    assert host(x[::2].contiguous()).tobytes() == a[::2].tobytes()


def test_item_bool_and_scalar_conversions(ocl):
    x = cl_tensor(np.array([2.5], np.float32))
    assert x.item() == 2.5 and float(x) == 2.5 and bool(x)
    assert int(cl_tensor(np.array(7, np.int64))) == 7
    assert x.numpy(force=True).tolist() == [2.5]
    with pytest.raises(TypeError, match="can't convert opencl device type tensor to numpy"):
        x.numpy()


def test_strided_views_to_host(ocl):
    a = np.arange(60, dtype=np.float32).reshape(3, 4, 5)
    x = cl_tensor(a)
    np.testing.assert_array_equal(host(x.transpose(0, 2)), a.transpose(2, 1, 0))
    np.testing.assert_array_equal(host(x[1]), a[1])                  # offset
    np.testing.assert_array_equal(host(x[:, 1:3, ::2]), a[:, 1:3, ::2])
    np.testing.assert_array_equal(host(x[2, :, 4]), a[2, :, 4])       # stride 5 with an offset
    e = cl_tensor(np.arange(4, dtype=np.int64)).view(4, 1).expand(4, 3)
    np.testing.assert_array_equal(host(e), np.repeat(np.arange(4)[:, None], 3, 1))
    assert e.tolist() == np.repeat(np.arange(4)[:, None], 3, 1).tolist()
    # to_host_into through Tensor.to('cpu') of a non-contiguous view
    v = x[:, ::2]
    c = v.to("cpu")
    assert c.is_contiguous() and np.array_equal(c.numpy(), a[:, ::2])


def test_to_and_back_with_dtype_and_device_moves(ocl):
    a = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    x = ember.tensor(a)
    y = x.to("opencl", ember.float64)
    assert y.dtype is ember.float64 and y.device == ember.device("opencl")
    np.testing.assert_array_equal(host(y), a.astype(np.float64))
    z = y.to(ember.int32)                      # device-side cast
    np.testing.assert_array_equal(host(z), a.astype(np.int32))
    assert y.to("opencl") is y and y.opencl() is y
    w = y.to("cpu", ember.float16)
    assert w.device.type == "cpu"
    assert np.array_equal(w.numpy(), a.astype(np.float64).astype(np.float16))
    # the host may change the source at once: the upload works on a private copy
    src = ember.tensor(np.ones(1000, np.float32))
    dev = src.to("opencl")
    src.fill_(5)
    assert host(dev).sum() == 1000


def cpu_copy(dst_dtype, src, shape):
    """The CPU backend's answer for copying `src` (a CPU tensor) into a new `shape` tensor."""
    out = ember.empty(shape, dtype=dst_dtype)
    out.copy_(src)
    return host(out)


@pytest.mark.parametrize("src_dt", ALL, ids=str)
def test_copy_casts_like_the_cpu(ocl, src_dt):
    # every (src, dst) dtype pair, each through a broadcast so both kernels paths run
    a = sample(src_dt, (1, 6), seed=1)
    if src_dt.is_floating_point:
        a = np.clip(a, -100, 100)                 # in range of every integer dtype: no UB casts
    src_cpu = ember.tensor(a, dtype=src_dt)
    src_cl = src_cpu.to("opencl")
    for dst_dt in ALL:
        want = cpu_copy(dst_dt, src_cpu, (4, 6))
        d = ember.empty((4, 6), dtype=dst_dt, device="opencl")
        d.copy_(src_cl)                                   # broadcast (stride-0 rows) + cast
        np.testing.assert_array_equal(host(d), want, err_msg=f"{src_dt} -> {dst_dt}")
        flat = src_cl.reshape(6).to(dst_dt)               # contiguous cast
        np.testing.assert_array_equal(host(flat), want[0], err_msg=f"{src_dt} -> {dst_dt}")


def test_copy_strided_overlapping_and_cross_device(ocl):
    a = np.arange(20, dtype=np.float32).reshape(4, 5)
    x = cl_tensor(a)
    y = ember.zeros(5, 4, device="opencl")
    y.copy_(x.t())
    np.testing.assert_array_equal(host(y), a.T)
    y.t().copy_(x)                                     # strided destination
    np.testing.assert_array_equal(host(y), a.T)
    # overlapping views of one storage: reads see the old values, as on the CPU
    z = cl_tensor(np.arange(10, dtype=np.int64))
    z[1:].copy_(z[:-1])
    np.testing.assert_array_equal(host(z), np.r_[0, np.arange(9)])
    # a CPU source is uploaded
    w = ember.zeros(3, device="opencl")
    w.copy_(ember.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(host(w), [1, 2, 3])
    # a 0-d tensor broadcast into a non-contiguous destination
    y[:, ::2].copy_(cl_tensor(np.float32(7)))
    want = a.T.copy()
    want[:, ::2] = 7
    np.testing.assert_array_equal(host(y), want)


@pytest.mark.parametrize("dtype", ALL, ids=str)
def test_fill_like_the_cpu(ocl, dtype):
    for value in (0, 1, -3, 2.75, True, 300, -129, float("nan"), float("inf")):
        if not dtype.is_floating_point and isinstance(value, float):
            continue
        want = ember.empty(2, 6, dtype=dtype)
        ember.backends.cpu.backend.fill(want, value)
        got = ember.empty(2, 6, dtype=dtype, device="opencl")
        got.device.backend.fill(got, value)
        np.testing.assert_array_equal(host(got), host(want), err_msg=f"{dtype} {value}")
        part = ember.zeros(2, 6, dtype=dtype, device="opencl")
        part.device.backend.fill(part[:, 1::2], value)          # strided destination
        exp = np.zeros((2, 6), host(want).dtype)
        exp[:, 1::2] = host(want)[:, 1::2]
        np.testing.assert_array_equal(host(part), exp, err_msg=f"{dtype} {value} strided")


def test_creation_ops_on_the_device(ocl):
    assert np.array_equal(host(ember.zeros(2, 3, device="opencl")), np.zeros((2, 3), np.float32))
    assert np.array_equal(host(ember.ones(4, dtype=ember.int64, device="opencl")), np.ones(4))
    assert np.array_equal(host(ember.full((2,), 1.5, device="opencl")), [1.5, 1.5])
    x = ember.ones(3, device="opencl").fill_(2).zero_()
    assert np.array_equal(host(x), np.zeros(3))
    np.testing.assert_array_equal(host(ember.arange(7, device="opencl")), np.arange(7))
    np.testing.assert_array_equal(host(ember.arange(-3, 300, 2, device="opencl")),
                                  np.arange(-3, 300, 2))
    np.testing.assert_allclose(host(ember.arange(0, 1, 0.1, device="opencl")),
                               host(ember.arange(0, 1, 0.1)))
    for dt in (ember.float32, ember.float64, ember.float16, ember.bfloat16):
        np.testing.assert_array_equal(host(ember.linspace(-1, 2, 9, dtype=dt, device="opencl")),
                                      host(ember.linspace(-1, 2, 9, dtype=dt)), err_msg=str(dt))
    np.testing.assert_array_equal(host(ember.arange(5, dtype=ember.uint8, device="opencl")),
                                  np.arange(5))


def test_asynchronous_until_the_host_reads(ocl, backend):
    x = ember.ones(1 << 16, device="opencl")
    for _ in range(5):
        x = x * 1.5                      # enqueued, not waited for
    backend.synchronize()
    ember.opencl.synchronize()
    assert host(x)[0] == 1.5 ** 5


def test_copy_from_the_host_into_a_view(ocl):
    d = ember.zeros(4, 6, device="opencl")
    d[1].copy_(ember.tensor(np.arange(6, dtype=np.float32)))       # contiguous, with an offset
    d[:, 5].copy_(ember.tensor(np.full(4, 9, np.float32)))         # strided: through the device
    want = np.zeros((4, 6), np.float32)
    want[1] = np.arange(6)
    want[:, 5] = 9
    np.testing.assert_array_equal(host(d), want)
