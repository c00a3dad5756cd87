"""Indexing on OpenCL (index_kernels.py, kernels_cl/index.cl), through the public ops, compared
with the CPU backend on the same inputs: gather / scatter (every reduction, duplicates in
row-major order), index_select / index_add / index_copy / index_fill / index_reduce, take / put,
advanced __getitem__ / __setitem__, masks, nonzero, masked_select / masked_scatter,
searchsorted / bucketize, flip and repeat_interleave, over dtypes, 0-d, empty, non-contiguous and
broadcast operands, negative dims and indices, and identical errors.

The scatter and compaction kernels have a CPU-runtime and a GPU variant; both run here on any
device through the backend's test hooks (`index_scatter_mode`, `index_variant`)."""
import numpy as np
import pytest

import ember
from cltools import ocl, backend, host  # noqa: F401  (fixtures)

ALL = [ember.float32, ember.float64, ember.float16, ember.bfloat16, ember.int64, ember.int32,
       ember.int16, ember.int8, ember.uint8, ember.bool]
SOME = [ember.float32, ember.float64, ember.float16, ember.int64, ember.int8, ember.bool]


def sample(dt, shape, seed=0):
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if dt is ember.bool:
        a = rng.integers(0, 2, n).astype(bool)
    elif dt.is_floating_point:
        a = rng.integers(-40, 40, n) / 4.0          # exact in every float dtype
    else:
        lo = 0 if dt is ember.uint8 else -60
        a = rng.integers(lo, 60, n)
    return a.astype(np.float32 if dt is ember.bfloat16 else dt.np).reshape(shape)


def on(dev, a, dt=None):
    return ember.tensor(np.asarray(a), dtype=dt, device=dev)


def both(fn):
    """fn(device) on OpenCL and on the CPU: (OpenCL result, CPU result)."""
    return fn("opencl"), fn("cpu")


def same(got, want, exact=True):
    """Equal results (tensors, tuples of tensors or plain values); OpenCL results stay there."""
    if isinstance(want, (tuple, list)):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            same(g, w, exact)
        return
    if not isinstance(want, ember.Tensor):
        assert got == want
        return
    assert got.device.type == "opencl", got.device
    assert got.dtype is want.dtype and got.shape == want.shape
    g, w = host(got), host(want)
    if exact:
        assert g.tobytes() == w.tobytes() or np.array_equal(g, w, equal_nan=True), (g, w)
    else:
        tol = {ember.float16: 2e-3, ember.bfloat16: 1.6e-2}.get(want.dtype, 1e-5)
        np.testing.assert_allclose(g.astype(np.float64), w.astype(np.float64), rtol=tol,
                                   atol=tol)


def check(fn, exact=True):
    got, want = both(fn)
    same(got, want, exact)
    return got


def same_error(fn):
    errs = []
    for dev in ("opencl", "cpu"):
        with pytest.raises(Exception) as ei:
            fn(dev)
        errs.append((type(ei.value), str(ei.value)))
    assert errs[0] == errs[1]
    return errs[0]


@pytest.fixture(params=["native", "other-variant", "atomic"])
def strategy(request, backend):
    """The device's own kernels, then the other device class's (on CPU runtimes the GPU layout:
    one work-item per element, serial or atomic scatters by the GPU heuristics), and the atomic
    scatters forced."""
    saved = backend.index_variant, backend.index_scatter_mode
    if request.param == "other-variant":
        backend.index_variant = "gpu" if backend.dev.is_cpu else "cpu"
    elif request.param == "atomic":
        backend.index_variant, backend.index_scatter_mode = "gpu", "atomic"
    yield request.param
    backend.index_variant, backend.index_scatter_mode = saved


@pytest.fixture(params=["native", "other-variant"])
def variant(request, backend):
    """The device's own chunked kernels (index_check, counts, compaction), then the other
    device class's."""
    saved = backend.index_variant
    if request.param == "other-variant":
        backend.index_variant = "gpu" if backend.dev.is_cpu else "cpu"
    yield request.param
    backend.index_variant = saved


# ------------------------------------------------------------------------------------------------
# gather / index_select / take
@pytest.mark.parametrize("dt", ALL, ids=str)
def test_gather_every_dtype(ocl, dt):
    x = sample(dt, (5, 7))
    idx = np.random.default_rng(1).integers(0, 5, (3, 7))
    check(lambda d: on(d, x, dt).gather(0, on(d, idx)))
    check(lambda d: on(d, x, dt).gather(-1, on(d, idx % 7)))
    check(lambda d: on(d, x, dt).index_select(1, on(d, [6, 0, 0, 3])))
    check(lambda d: on(d, x, dt).take(on(d, [[0, 34], [-1, -35]])))


def test_gather_layouts(ocl):
    x = sample(ember.float32, (6, 8))
    idx = np.random.default_rng(2).integers(-0, 6, (8, 6))
    # transposed input and index, a broadcast (expanded) index, 0-d, empty
    check(lambda d: on(d, x).t().gather(1, on(d, idx).t()[:, :5]))
    check(lambda d: on(d, x).gather(0, on(d, [[1, 2, 0, 5, 4, 3, 2, 1]]).expand(4, 8)))
    check(lambda d: on(d, x)[:, ::2].gather(1, on(d, idx[:6, :3] % 4)))
    check(lambda d: on(d, 2.5).gather(0, on(d, np.array(0))))
    check(lambda d: on(d, x).gather(0, on(d, np.zeros((0, 8), np.int64))))
    check(lambda d: on(d, x).index_select(0, on(d, np.zeros(0, np.int64))))
    check(lambda d: on(d, x).index_select(0, on(d, [1, 2, 3], ember.int32)))
    check(lambda d: on(d, x).take_along_dim(on(d, idx.T[:1, :] % 6), dim=0))
    check(lambda d: on(d, x).take_along_dim(on(d, [[3, 40, 0]])))


def test_embedding_lookup(ocl):
    w = sample(ember.float32, (50, 16))
    ids = np.random.default_rng(3).integers(0, 50, (4, 9))
    check(lambda d: ember.nn.functional.embedding(on(d, ids), on(d, w)))


# ------------------------------------------------------------------------------------------------
# scatter family (every strategy)
@pytest.mark.parametrize("dt", ALL, ids=str)
def test_scatter_every_dtype(ocl, backend, dt, strategy):
    # float sums and products are exact where the kernels keep the CPU's order (serial ones:
    # always on CPU runtimes); atomics (GPUs, or forced) only promise them up to rounding
    exact = not dt.is_floating_point or strategy == "native" and backend.dev.is_cpu
    rng = np.random.default_rng(4)
    x = sample(dt, (5, 6))
    src = sample(dt, (20, 6), seed=5)
    idx = rng.integers(0, 5, (20, 6))                       # many duplicates
    check(lambda d: on(d, x, dt).scatter(0, on(d, idx), on(d, src, dt)))
    check(lambda d: on(d, x, dt).scatter(1, on(d, idx[:5] % 6), 3))
    check(lambda d: on(d, x, dt).scatter_add(0, on(d, idx), on(d, src, dt)), exact)
    if dt is not ember.bool:
        for red in ("sum", "prod", "mean", "amax", "amin"):
            for inc in (True, False):
                check(lambda d: on(d, x, dt).scatter_reduce(0, on(d, idx), on(d, src, dt), red,
                                                            include_self=inc),
                      exact or red in ("amax", "amin"))
    check(lambda d: on(d, x, dt).index_add(0, on(d, idx[:, 0]), on(d, src, dt)), exact)
    check(lambda d: on(d, x, dt).index_copy(0, on(d, [4, 0, 2]), on(d, src[:3], dt)))
    check(lambda d: on(d, x, dt).index_fill(1, on(d, [0, -1, 2]), 1))
    check(lambda d: on(d, x, dt).put(on(d, idx[:, 0] * 6 - 29), on(d, src[:, 0], dt),
                                     accumulate=True), exact)


def test_scatter_float_sums(ocl, backend, strategy):
    # values whose sums round differently in another order: exact on the serial kernels, equal
    # up to rounding under atomics (their order is the hardware's)
    rng = np.random.default_rng(6)
    v = rng.standard_normal(3000).astype(np.float32)
    i = rng.integers(0, 7, 3000)
    exact = strategy == "native" and backend.dev.is_cpu
    check(lambda d: ember.zeros(7, device=d).index_add(0, on(d, i), on(d, v)), exact)
    check(lambda d: ember.zeros(7, device=d).index_put((on(d, i),), on(d, v), accumulate=True),
          exact)
    check(lambda d: ember.zeros(7, 3, device=d).index_add(0, on(d, i[:50]),
                                                          on(d, v[:150].reshape(50, 3))), exact)


def test_assignment_duplicates_last_in_row_major_order(ocl, strategy):
    i = np.array([3, 1, 3, 3, 0, 1] * 200)
    v = np.arange(i.size, dtype=np.float32)
    got = check(lambda d: ember.zeros(5, device=d).index_put((on(d, i),), on(d, v)))
    assert host(got).tolist() == [1198.0, 1199.0, 0.0, 1197.0, 0.0]
    check(lambda d: ember.zeros(5, 4, device=d).scatter_(0, on(d, np.tile(i[:, None], 4)),
                                                        on(d, np.tile(v[:, None], 4))))
    src = np.arange(12.0, dtype=np.float32).reshape(2, 6)
    check(lambda d: ember.zeros(2, 5, device=d).index_copy_(1, on(d, i[:6]), on(d, src)))


def test_scatter_strided_broadcast_0d_empty(ocl, strategy):
    x = sample(ember.float32, (6, 8))
    rng = np.random.default_rng(7)
    idx = rng.integers(0, 6, (4, 8))
    # a transposed destination view written in place, a broadcast source, 0-d and empty
    def tview(d):
        t = on(d, x.T.copy()).t()
        t.scatter_add_(0, on(d, idx), on(d, np.ones((4, 8), np.float32)).expand(4, 8))
        return t
    check(tview)
    check(lambda d: on(d, x)[:, ::2].scatter_(1, on(d, idx[:, :3] % 4), 7.0))
    f32 = ember.float32
    check(lambda d: on(d, 1.5, f32).scatter_(0, on(d, np.array(0)), on(d, 4.0, f32)))
    check(lambda d: on(d, x).scatter_add(0, on(d, np.zeros((0, 8), np.int64)),
                                         on(d, np.zeros((0, 8), np.float32))))
    check(lambda d: on(d, x).index_add(-1, on(d, [7, 0, 7]), on(d, x[:, :3]), alpha=2))


def test_many_serial_dims(ocl, strategy):
    # 8 colliding dims (index_put over 4 broadcast index dims plus a scattered value layout):
    # more than the kernel's serial geometry holds, so the host loops the outer ones in order
    a = np.arange(2 ** 8, dtype=np.float32).reshape((2,) * 8)
    perm = (0, 2, 4, 6, 1, 3, 5, 7)
    def fn(d):
        dst = ember.zeros(3, device=d)
        idx = on(d, (a.astype(np.int64) % 3)).permute(*perm)
        return dst.index_put_((idx,), on(d, a).permute(*perm), accumulate=True)
    check(fn)


# ------------------------------------------------------------------------------------------------
# advanced indexing, masks, nonzero
@pytest.mark.parametrize("dt", SOME, ids=str)
def test_getitem_setitem(ocl, dt):
    x = sample(dt, (4, 5, 6))
    m = sample(ember.bool, (4, 5, 6), seed=8)
    check(lambda d: on(d, x, dt)[on(d, [1, -1, 0])])
    check(lambda d: on(d, x, dt)[on(d, [1, -1]), :, on(d, [[0], [5]])])
    check(lambda d: on(d, x, dt)[:, on(d, [4, 0]), 1:4])
    check(lambda d: on(d, x, dt)[on(d, m)])
    check(lambda d: on(d, x, dt)[on(d, m[:, :, 0])])
    check(lambda d: on(d, x, dt)[..., on(d, m[0, 0])])

    def setter(d):
        t = on(d, x, dt)
        t[on(d, [0, 2, 0])] = on(d, sample(dt, (3, 5, 6), seed=9), dt)
        t[on(d, m)] = 1
        t[:, on(d, [1, 1]), on(d, [2, 3])] = on(d, sample(dt, (4, 2), seed=10), dt)
        return t
    check(setter)


@pytest.mark.parametrize("dt", ALL, ids=str)
def test_nonzero_and_masked_ops_every_dtype(ocl, dt, variant):
    x = sample(dt, (7, 9), seed=11)
    m = sample(ember.bool, (7, 9), seed=12)
    check(lambda d: on(d, x, dt).nonzero())
    check(lambda d: on(d, x, dt).t().nonzero(as_tuple=True))
    check(lambda d: ember.device(d).backend.nonzero_count(on(d, x, dt)[:, 1:]))
    check(lambda d: on(d, x, dt).masked_select(on(d, m)))
    check(lambda d: on(d, x, dt).masked_select(on(d, m[0])))            # broadcast mask
    check(lambda d: on(d, x, dt).masked_scatter(on(d, m), on(d, sample(dt, (70,), 13), dt)))
    check(lambda d: on(d, x, dt).t().masked_scatter(on(d, m.T.copy()),
                                                   on(d, sample(dt, (63,), 14), dt)))


def test_nonzero_shapes(ocl, variant):
    rng = np.random.default_rng(15)
    big = rng.random((3, 50, 41)) > 0.6
    check(lambda d: on(d, big).nonzero())
    check(lambda d: on(d, big).permute(2, 0, 1)[:, 1:, ::3].nonzero())
    check(lambda d: on(d, big[0, 0]).expand(3, 41).nonzero())
    check(lambda d: on(d, np.array(3.0)).nonzero())
    check(lambda d: on(d, np.array(0.0)).nonzero(as_tuple=True))
    check(lambda d: on(d, np.zeros((2, 0))).nonzero())
    check(lambda d: on(d, np.zeros((4, 5))).nonzero())
    check(lambda d: ember.argwhere(on(d, np.array([0.0, -0.0, np.nan, 1e-30]))))
    check(lambda d: on(d, np.ones((2,) * 9)).nonzero())                 # more than 8 dims
    check(lambda d: on(d, big).float().masked_select(on(d, big)))


# ------------------------------------------------------------------------------------------------
# searchsorted, flip, repeat_interleave
@pytest.mark.parametrize("dt", [ember.float32, ember.float64, ember.int64, ember.int32,
                                ember.int16, ember.int8, ember.uint8, ember.float16], ids=str)
def test_searchsorted(ocl, dt):
    rng = np.random.default_rng(16)
    b = np.sort(sample(dt, (3, 12), seed=17), axis=1)
    v = sample(dt, (3, 5), seed=18)
    for right in (False, True):
        check(lambda d: ember.searchsorted(on(d, b, dt), on(d, v, dt), right=right))
        check(lambda d: ember.searchsorted(on(d, b[0], dt), on(d, v, dt), out_int32=True,
                                           side="right" if right else "left"))
    perm = np.argsort(rng.random((3, 12)), axis=1)
    unsorted = np.take_along_axis(b, np.argsort(perm, axis=1), axis=1)
    check(lambda d: ember.searchsorted(on(d, unsorted, dt), on(d, v, dt), sorter=on(d, perm)))
    check(lambda d: ember.bucketize(on(d, v, dt), on(d, b[1], dt)))
    if dt.is_floating_point:
        check(lambda d: ember.searchsorted(on(d, [1.0, 2.0, np.nan], dt),
                                           on(d, [np.nan, 2.0, -np.inf], dt)))
        check(lambda d: ember.searchsorted(on(d, b[0], dt), 0.5))


@pytest.mark.parametrize("dt", ALL, ids=str)
def test_flip_and_repeat_interleave(ocl, dt):
    x = sample(dt, (3, 4, 5), seed=19)
    check(lambda d: on(d, x, dt).flip(0, -1))
    check(lambda d: on(d, x, dt).flip(1))
    check(lambda d: on(d, x, dt).permute(2, 0, 1)[::2].flip(0, 2))
    check(lambda d: ember.fliplr(on(d, x[0], dt)))
    check(lambda d: on(d, x, dt).repeat_interleave(on(d, [2, 0, 3]), dim=0))
    check(lambda d: on(d, x, dt).repeat_interleave(on(d, [1, 2, 0, 1, 3]), dim=-1))
    check(lambda d: on(d, x, dt).repeat_interleave(on(d, 2), dim=1))
    check(lambda d: on(d, x, dt).transpose(0, 2).repeat_interleave(on(d, np.arange(60) % 3)))


def test_shape_edge_cases(ocl):
    check(lambda d: on(d, np.array(5.0)).flip(0))
    check(lambda d: on(d, np.zeros((0, 3))).flip(1))
    check(lambda d: on(d, [3, 0, 2]).repeat_interleave())
    check(lambda d: on(d, np.zeros(0, np.int64)).repeat_interleave())
    check(lambda d: on(d, np.ones((2, 3))).repeat_interleave(on(d, [0, 0]), dim=0))
    check(lambda d: on(d, np.ones((2, 3))).repeat_interleave(on(d, [1, 2], ember.int32), dim=0,
                                                             output_size=3))


# ------------------------------------------------------------------------------------------------
# errors: the same exceptions and messages as the CPU, raised before anything is written
def test_errors_match_cpu(ocl):
    x = sample(ember.float32, (5, 7))
    idx = np.random.default_rng(20).integers(0, 5, (3, 7))
    bad = idx.copy()
    bad[1, 2], bad[2, 0] = 9, -1
    same_error(lambda d: on(d, x).gather(0, on(d, bad)))
    same_error(lambda d: on(d, x).scatter_add(0, on(d, bad), on(d, x)))
    same_error(lambda d: on(d, x)[on(d, [0, 7, -9])])
    same_error(lambda d: on(d, x)[on(d, [0, -9, 7])])
    same_error(lambda d: on(d, x).index_select(1, on(d, [0, 7])))
    same_error(lambda d: on(d, x).take(on(d, [3, 35])))
    same_error(lambda d: on(d, x).put_(on(d, [-36]), on(d, [1.0])))
    same_error(lambda d: on(d, x).index_fill_(1, on(d, [-8]), 1.0))
    same_error(lambda d: on(d, x).index_add_(0, on(d, [0, 5, 1, 2, 3]), on(d, x)))
    same_error(lambda d: on(d, x).masked_scatter_(on(d, x > -100), on(d, [1.0])))
    same_error(lambda d: on(d, x).repeat_interleave(on(d, [1, -1, 1, 1, 1]), dim=0))
    same_error(lambda d: ember.searchsorted(on(d, [1.0, 2.0]), on(d, [1.0]), sorter=on(d, [0, 2])))
    msg = same_error(lambda d: on(d, x)[on(d, np.r_[np.zeros(5000, np.int64), 12, -40])])
    assert msg[1] == "index 12 is out of bounds for dimension 0 with size 5"
    # nothing was written by a scatter whose index check failed
    t = ember.zeros(5, 7, device="opencl")
    with pytest.raises(RuntimeError):
        t.scatter_(0, on("opencl", bad), 1.0)
    assert not host(t).any()


def test_index_check_finds_first_bad_value(ocl, backend, variant):
    rng = np.random.default_rng(21)
    for n in (1, 7, 1000, 100_000):
        v = rng.integers(0, 10, n)
        assert backend.index_check(on("opencl", v), 0, 10) is None
        for pos in {0, n // 2, n - 1}:
            w = v.copy()
            w[pos] = 10 + pos
            w[-1] = -20 if pos != n - 1 else w[-1]
            t = on("opencl", w)
            assert backend.index_check(t, 0, 10) == ember.device("cpu").backend.index_check(
                ember.tensor(w), 0, 10)
    # strided, broadcast and 0-d indices
    w = rng.integers(-3, 3, (40, 30))
    t, c = on("opencl", w), ember.tensor(w)
    cpu = ember.device("cpu").backend
    views = [lambda u: u.t(), lambda u: u[:, ::3], lambda u: u[5:6].expand(8, 30),
             lambda u: u[3, 4]]
    for view in views:
        for lo, hi in ((-3, 3), (0, 3), (-2, 2), (-3, 0)):
            assert backend.index_check(view(t), lo, hi) == cpu.index_check(view(c), lo, hi)


def test_results_feed_further_device_ops(ocl):
    # chained index ops stay on the device; only the final read waits
    x = ember.randn(200, 30, device="opencl")
    i = ember.randint(0, 200, (500,), device="opencl")
    y = x.index_select(0, i).index_add(0, i[:100] % 500, x[:100])
    want = host(x)[host(i)]
    np.add.at(want, host(i)[:100] % 500, host(x)[:100])
    np.testing.assert_allclose(host(y), want, rtol=1e-5, atol=1e-6)
