"""Convolution data movement and pooling on OpenCL (conv_kernels.py, kernels_cl/conv.cl, pool.cl).

The primitives (im2col, col2im, max_pool, max_pool_backward, avg_pool, avg_pool_backward) are
called directly and compared bit for bit with the CPU backend on the same data, and im2col /
col2im with NumPy references: 1-3 spatial dims, stride / padding / dilation, every dtype im2col
moves, the floating dtypes, non-contiguous operands (the conv's permuted column buffer too),
empty tensors and odd window tables. Then the public functions (conv1d/2d/3d, groups and
depthwise, conv_transpose, unfold/fold, every pool incl. ceil_mode, count_include_pad,
divisor_override, return_indices, adaptive pools, NaN) forward and backward against the CPU.

im2col / col2im and the pools have a CPU-runtime and a GPU layout; both run here through the
backend's test hook `conv_variant`. The conv tests need the OpenCL GEMM (backend.matmul):
without it they fail.
"""
import itertools
import math

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.tensor import _empty, _make
from ember.backends.opencl import conv_kernels
from cltools import ocl, backend, host  # noqa: F401  (fixtures)

FLOATS = [ember.float32, ember.float64, ember.float16, ember.bfloat16]
ALL = FLOATS + [ember.int64, ember.int32, ember.int16, ember.int8, ember.uint8, ember.bool]
CPU = ember.device("cpu")


@pytest.fixture(params=["native", "other-variant"])
def variant(request, backend):
    """The device's own im2col / col2im / pooling layout, then the other device class's."""
    if request.param == "other-variant":
        backend.conv_variant = "cpu" if backend.dev.is_gpu else "gpu"
    yield request.param
    backend.__dict__.pop("conv_variant", None)


def sample(dt, shape, seed=0):
    """Values exact in every dtype (quarters for floats)."""
    rng = np.random.default_rng(seed)
    n = math.prod(shape)
    if dt is ember.bool:
        a = rng.integers(0, 2, n).astype(bool)
    elif dt.is_floating_point:
        a = rng.integers(-40, 40, n) / 4.0
    else:
        a = rng.integers(0 if dt is ember.uint8 else -60, 60, n)
    return a.astype(np.float32 if dt is ember.bfloat16 else dt.np).reshape(shape)


def on(dev, a, dt=None, requires_grad=False):
    return ember.tensor(np.asarray(a), dtype=dt, device=dev, requires_grad=requires_grad)


def same_bits(got, want):
    """got (OpenCL) holds exactly want's (CPU) values: shape, dtype, bits (NaNs as NaNs)."""
    assert got.device.type == "opencl" and want.device.type == "cpu"
    assert got.dtype is want.dtype and got.shape == want.shape
    g, w = host(got.detach()), host(want.detach())
    assert np.array_equal(g, w, equal_nan=g.dtype.kind == "f"), np.abs(
        g.astype(np.float64) - w.astype(np.float64)).max()
    if g.dtype.kind == "f":
        assert np.array_equal(np.signbit(g), np.signbit(w))


def close(got, want, tol=None):
    """got (OpenCL) is want (CPU) up to rounding order (the conv GEMMs sum in their own order)."""
    assert got.device.type == "opencl" and got.dtype is want.dtype and got.shape == want.shape
    if tol is None:
        tol = {ember.float16: 2e-3, ember.bfloat16: 1.6e-2, ember.float64: 1e-11}.get(
            want.dtype, 2e-5)
    g, w = host(got.detach()).astype(np.float64), host(want.detach()).astype(np.float64)
    scale = max(1.0, float(np.abs(w).max())) if w.size else 1.0
    np.testing.assert_allclose(g, w, rtol=tol, atol=tol * scale)


# ------------------------------------------------------------------------------------------------
# NumPy references
def out_sizes(S, k, s, p, d):
    return [max((n + 2 * pp - dd * (kk - 1) - 1) // ss + 1, 0)
            for n, kk, ss, pp, dd in zip(S, k, s, p, d)]


def _taps(S, k, s, p, d):
    """(padded shape, per tap: (tap, slices of the padded image)), O."""
    O = out_sizes(S, k, s, p, d)
    padded = tuple(n + 2 * pp for n, pp in zip(S, p))
    taps = []
    for t in itertools.product(*[range(v) for v in k]):
        taps.append((t, tuple(slice(t[i] * d[i], t[i] * d[i] + s[i] * (O[i] - 1) + 1, s[i])
                              for i in range(len(k)))))
    return padded, taps, O


def np_im2col(x, k, s, p, d):
    N, C, S = x.shape[0], x.shape[1], x.shape[2:]
    padded, taps, O = _taps(S, k, s, p, d)
    xp = np.zeros((N, C) + padded, x.dtype)
    xp[(slice(None),) * 2 + tuple(slice(pp, pp + n) for n, pp in zip(S, p))] = x
    out = np.zeros((N, C) + tuple(k) + tuple(O), x.dtype)
    for t, sl in taps:
        out[(slice(None),) * 2 + t] = xp[(slice(None),) * 2 + sl]
    return out.reshape(N, C * math.prod(k), math.prod(O))


def np_col2im(cols, S, k, s, p, d):
    N, C = cols.shape[0], cols.shape[1] // math.prod(k)
    padded, taps, O = _taps(S, k, s, p, d)
    c = cols.astype(np.float64).reshape((N, C) + tuple(k) + tuple(O))
    xp = np.zeros((N, C) + padded)
    for t, sl in taps:
        xp[(slice(None),) * 2 + sl] += c[(slice(None),) * 2 + t]
    return xp[(slice(None),) * 2 + tuple(slice(pp, pp + n) for n, pp in zip(S, p))]


# (image spatial size, kernel, stride, padding, dilation)
GEOMS = [
    ((10,), (3,), (2,), (1,), (2,)),
    ((5,), (5,), (1,), (2,), (1,)),
    ((7, 9), (3, 2), (2, 1), (1, 0), (1, 2)),
    ((6, 6), (1, 1), (1, 1), (0, 0), (1, 1)),
    ((5, 4), (2, 2), (3, 3), (1, 1), (2, 1)),
    ((3, 3), (3, 3), (1, 1), (2, 2), (1, 1)),        # rows that are all padding
    ((4, 5, 3), (2, 3, 2), (1, 2, 1), (1, 1, 0), (1, 1, 2)),
]
GEOM_IDS = [f"{len(g[0])}d-{i}" for i, g in enumerate(GEOMS)]


def cols_buffer(dev, shape, dt, layout):
    """An (N, CK, L) tensor on dev: contiguous, the conv's (CK, N, L) buffer permuted, or a view
    with a column stride of 2 and an offset."""
    N, CK, L = shape
    dev = ember.device(dev)
    if layout == "plain":
        return _empty(shape, dt, dev)
    if layout == "batch-inner":
        buf = _empty((CK, N, L), dt, dev)
        return _make(buf._storage, shape, (L, N * L, 1), 0, dt, dev)
    buf = _empty((N * CK * L * 2 + 1,), dt, dev)
    return _make(buf._storage, shape, (CK * L * 2, L * 2, 2), 1, dt, dev)


def run_im2col(dev, x, geom, layout):
    _, k, s, p, d = geom
    S = tuple(x.shape[2:])
    N, C = x.shape[0], x.shape[1]
    cols = cols_buffer(dev, (N, C * math.prod(k), math.prod(out_sizes(S, k, s, p, d))), x.dtype,
                       layout)
    x.device.backend.im2col(cols, x, k, s, p, d)
    return cols


def run_col2im(dev, cols, geom, out=None):
    S, k, s, p, d = geom
    N, C = cols.shape[0], cols.shape[1] // math.prod(k)
    if out is None:
        out = _empty((N, C) + S, cols.dtype, ember.device(dev))
    cols.device.backend.col2im(out, cols, k, s, p, d)
    return out


# ------------------------------------------------------------------------------------------------
# im2col / col2im
@pytest.mark.parametrize("geom", GEOMS, ids=GEOM_IDS)
@pytest.mark.parametrize("layout", ["plain", "batch-inner", "strided"])
def test_im2col_matches_numpy_and_cpu(ocl, variant, geom, layout):
    x = sample(ember.float32, (2, 3) + geom[0])
    got = run_im2col("opencl", on("opencl", x), geom, layout)
    want = run_im2col("cpu", on("cpu", x), geom, layout)
    same_bits(got, want)
    np.testing.assert_array_equal(host(got), np_im2col(x, *geom[1:]))


@pytest.mark.parametrize("dt", ALL, ids=str)
def test_im2col_every_dtype_and_strided_input(ocl, variant, dt):
    geom = GEOMS[2]
    x = sample(dt, (2, 3, 9, 7), seed=1)
    for dev_x in (lambda d: on(d, x, dt), lambda d: on(d, x, dt).transpose(2, 3),
                  lambda d: on(d, np.concatenate([x, x], 1), dt)[:, 1:4]):
        got = run_im2col("opencl", dev_x("opencl"), geom, "batch-inner")
        want = run_im2col("cpu", dev_x("cpu"), geom, "batch-inner")
        same_bits(got, want)


@pytest.mark.parametrize("geom", GEOMS, ids=GEOM_IDS)
@pytest.mark.parametrize("dt", FLOATS, ids=str)
def test_col2im_matches_cpu_bitwise(ocl, variant, geom, dt):
    S, k, s, p, d = geom
    shape = (2, 3 * math.prod(k), math.prod(out_sizes(S, k, s, p, d)))
    c = sample(dt, shape, seed=2) + np.float32(1) / 3      # inexact sums: rounding order shows
    got = run_col2im("opencl", on("opencl", c, dt), geom)
    want = run_col2im("cpu", on("cpu", c, dt), geom)
    same_bits(got, want)
    if dt is ember.float64:
        np.testing.assert_allclose(host(got), np_col2im(c, *geom), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("layout", ["batch-inner", "strided"])
def test_col2im_strided_cols_and_out(ocl, variant, layout):
    geom = GEOMS[6]
    S, k, s, p, d = geom
    shape = (2, 2 * math.prod(k), math.prod(out_sizes(S, k, s, p, d)))
    c = sample(ember.float32, shape, seed=3)

    def run(dev):
        cols = cols_buffer(dev, shape, ember.float32, layout)
        cols.copy_(on(dev, c))
        big = _empty((2, 2) + S[:2] + (2 * S[2],), ember.float32, ember.device(dev))
        out = big[..., ::2]                                 # a non-contiguous image
        run_col2im(dev, cols, geom, out)
        return out
    got, want = run("opencl"), run("cpu")
    same_bits(got, want)
    np.testing.assert_allclose(host(got), np_col2im(c, *geom), rtol=1e-6, atol=1e-6)


def test_col2im_is_adjoint_of_im2col(ocl, variant):
    """<im2col(x), c> == <x, col2im(c)> in float64 on the device alone."""
    for geom in GEOMS:
        S, k, s, p, d = geom
        x = np.random.default_rng(4).standard_normal((2, 3) + S)
        cols = run_im2col("opencl", on("opencl", x), geom, "plain")
        c = np.random.default_rng(5).standard_normal(tuple(cols.shape))
        back = run_col2im("opencl", on("opencl", c), geom)
        assert np.isclose(np.sum(host(cols) * c), np.sum(x * host(back)), rtol=1e-12)


def test_im2col_col2im_empty(ocl, variant):
    geom = GEOMS[2]
    for n in (0, 2):
        x = sample(ember.float32, (n, 3) + geom[0])
        same_bits(run_im2col("opencl", on("opencl", x), geom, "plain"),
                  run_im2col("cpu", on("cpu", x), geom, "plain"))
    # no output positions at all (the kernel is larger than the image): col2im gives zeros
    big = ((2, 3), (5, 5), (1, 1), (0, 0), (1, 1))
    x = sample(ember.float32, (2, 3, 2, 3))
    cols = run_im2col("opencl", on("opencl", x), big, "plain")
    assert tuple(cols.shape) == (2, 75, 0)
    out = run_col2im("opencl", cols, big)
    np.testing.assert_array_equal(host(out), np.zeros((2, 3, 2, 3), np.float32))


def test_im2col_col2im_errors(ocl, backend):
    x = on("opencl", sample(ember.float32, (2, 3, 5, 5)))
    bad = _empty((2, 27, 10), ember.float32, ocl)
    errs = []
    for b, t in ((backend, x), (CPU.backend, x.cpu())):
        c = bad if b is backend else _empty((2, 27, 10), ember.float32, CPU)
        with pytest.raises(ValueError) as e1:
            b.im2col(c, t, (3, 3), (1, 1), (0, 0), (1, 1))
        with pytest.raises(ValueError) as e2:
            b.col2im(t, c, (3,), (1,), (0,), (1,))
        errs.append((str(e1.value), str(e2.value)))
    assert errs[0] == errs[1]
    with pytest.raises(RuntimeError, match="same device"):
        backend.im2col(_empty((2, 27, 9), ember.float32, CPU), x, (3, 3), (1, 1), (0, 0), (1, 1))
    ints = on("opencl", sample(ember.int32, (2, 27, 9)))
    with pytest.raises(RuntimeError, match="not implemented for 'Int'"):
        backend.col2im(_empty((2, 3, 5, 5), ember.int32, ocl), ints, (3, 3), (1, 1), (0, 0), (1, 1))


def test_pool_primitive_errors(ocl, backend):
    x = on("opencl", sample(ember.float32, (2, 6)))
    windows = ((np.array([0, 2]), np.array([2, 4]), 1),)
    out = _empty((2, 2), ember.float32, ocl)
    with pytest.raises(ValueError, match="do not match the windows"):
        backend.max_pool(_empty((2, 3), ember.float32, ocl), None, x, windows)
    with pytest.raises(ValueError, match="int64"):
        backend.max_pool(out, _empty((2, 2), ember.int32, ocl), x, windows)
    with pytest.raises(ValueError, match="differ in length"):
        backend.max_pool(out, None, x, ((np.array([0, 2]), np.array([2]), 1),))
    with pytest.raises(ValueError, match="int64"):
        backend.max_pool_backward(_empty((2, 6), ember.float32, ocl), out,
                                  _empty((2, 3), ember.int64, ocl))
    with pytest.raises(RuntimeError, match="not implemented for 'Long'"):
        backend.avg_pool(_empty((2, 2), ember.int64, ocl), on("opencl", np.zeros((2, 6), np.int64)),
                         windows, (np.ones(2),))


def test_64bit_index_path(ocl, variant, backend, monkeypatch):
    """The kernels' 64-bit index decoding (taken by launches of 2**31 elements and more)."""
    monkeypatch.setattr(conv_kernels, "_SMALL_MAX", 0)
    geom = GEOMS[6]
    x = sample(ember.float32, (2, 3) + geom[0], seed=27) + np.float32(1) / 3
    cols = [run_im2col(d, on(d, x), geom, "batch-inner") for d in ("opencl", "cpu")]
    same_bits(*cols)
    same_bits(run_col2im("opencl", cols[0], geom), run_col2im("cpu", cols[1], geom))
    for name in ("max3d", "avg3d", "adaptive-avg3d"):
        check_pool(backend, name, x)


# ------------------------------------------------------------------------------------------------
# pooling primitives, directly
def test_max_pool_odd_windows_and_no_indices(ocl, variant, backend):
    """Tables that are not monotone, an empty window (-inf at its start, as the CPU), no
    indices, a non-contiguous output."""
    x = sample(ember.float32, (3, 6), seed=6)
    windows = ((np.array([2, 0, 1, 3]), np.array([4, 5, 2, 3]), 1),)

    def run(dev):
        b = ember.device(dev).backend
        out, idx = _empty((3, 4), ember.float32, ember.device(dev)), \
            _empty((3, 4), ember.int64, ember.device(dev))
        b.max_pool(out, idx, on(dev, x), windows)
        big = _empty((4, 3), ember.float32, ember.device(dev))
        b.max_pool(big.t(), None, on(dev, x), windows)
        return out, idx, big.t()
    for g, w in zip(run("opencl"), run("cpu")):
        same_bits(g, w)


def test_avg_pool_backward_odd_windows(ocl, variant, backend):
    """Tables that are not monotone: the gather still visits exactly the covering windows."""
    # along the first dim, element 1 lies in windows 0 and 2 but not 1
    windows = ((np.array([0, 3, 1]), np.array([3, 5, 2]), 1),
               (np.array([0, 2]), np.array([3, 5]), 1))
    divisors = (np.array([2.0, 3.0, 1.0]), np.array([3.0, 7.0]))
    g = sample(ember.float32, (2, 3, 2), seed=7) + np.float32(1) / 3
    x = sample(ember.float32, (2, 5, 5), seed=17) + np.float32(1) / 3

    def run(dev, override):
        b = ember.device(dev).backend
        gi = _empty((2, 5, 5), ember.float32, ember.device(dev))
        b.avg_pool_backward(gi, on(dev, g), windows, divisors, override)
        out = _empty((2, 3, 2), ember.float32, ember.device(dev))
        b.avg_pool(out, on(dev, x), windows, divisors, override)
        return gi, out
    for override in (None, 3):
        for a, b in zip(run("opencl", override), run("cpu", override)):
            same_bits(a, b)


@pytest.mark.parametrize("dt", FLOATS, ids=str)
def test_max_pool_backward_colliding_indices(ocl, dt):
    """Every gradient lands on its index, collisions summed in output order (as the CPU)."""
    rng = np.random.default_rng(8)
    g = sample(dt, (4, 30), seed=9) + np.float32(1) / 3
    idx = rng.integers(0, 5, (4, 30))

    def run(dev):
        gi = _empty((4, 2, 3), dt, ember.device(dev))
        ember.device(dev).backend.max_pool_backward(gi.view(4, 6), on(dev, g, dt), on(dev, idx))
        return gi
    got = run("opencl")
    same_bits(got, run("cpu"))
    ref = np.zeros((4, 6))
    for p in range(4):
        np.add.at(ref[p], idx[p], host(on("cpu", g, dt)).astype(np.float64)[p])
    np.testing.assert_allclose(host(got).reshape(4, 6), ref, rtol=2e-2 if dt in FLOATS[2:] else
                               1e-6)


def test_pool_tables_cache_stays_right(ocl, backend):
    """More geometries than the cache keeps, then the first ones again: never stale tables."""
    x = sample(ember.float32, (2, 3, 9, 11), seed=10)
    xo, xc = on("opencl", x), on("cpu", x)
    sizes = [(o, 3) for o in range(1, 25)] + [(3, o) for o in range(1, 25)] + \
        [(o, o + 1) for o in range(1, 25)]
    assert len(set(sizes)) > conv_kernels._TABLES_KEPT
    for size in sizes + sizes[:5]:
        same_bits(F.adaptive_avg_pool2d(xo, size), F.adaptive_avg_pool2d(xc, size))
    assert len(backend.__dict__["_cv_tables"]) == conv_kernels._TABLES_KEPT


# ------------------------------------------------------------------------------------------------
# pooling functions, forward and backward, against the CPU
POOLS = {
    "max1d": (1, lambda x: F.max_pool1d(x, 3, 2, 1, dilation=2, ceil_mode=True,
                                        return_indices=True)),
    "max2d": (2, lambda x: F.max_pool2d(x, (3, 2), (2, 1), (1, 1), dilation=(1, 2), ceil_mode=True,
                                        return_indices=True)),
    "max2d-2x2": (2, lambda x: F.max_pool2d(x, 2)),
    "max3d": (3, lambda x: F.max_pool3d(x, 2, 1, 1, return_indices=True)),
    "avg1d": (1, lambda x: F.avg_pool1d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False)),
    "avg2d": (2, lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, divisor_override=5)),
    "avg2d-nopad": (2, lambda x: F.avg_pool2d(x, (2, 3), (1, 2), (1, 1), count_include_pad=False)),
    "avg3d": (3, lambda x: F.avg_pool3d(x, (2, 2, 3), 2, (1, 0, 1), ceil_mode=True)),
    "adaptive-avg1d": (1, lambda x: F.adaptive_avg_pool1d(x, 4)),
    "adaptive-avg2d": (2, lambda x: F.adaptive_avg_pool2d(x, (5, 3))),
    "adaptive-avg3d": (3, lambda x: F.adaptive_avg_pool3d(x, (2, 3, 4))),
    "adaptive-max1d": (1, lambda x: F.adaptive_max_pool1d(x, 4, return_indices=True)),
    "adaptive-max2d": (2, lambda x: F.adaptive_max_pool2d(x, (5, 3), return_indices=True)),
    "adaptive-max3d": (3, lambda x: F.adaptive_max_pool3d(x, (2, 3, 4), return_indices=True)),
    "lp2d": (2, lambda x: F.lp_pool2d(x, 2, 3, 2)),
}
SIZES = {1: (2, 3, 11), 2: (2, 3, 8, 9), 3: (1, 2, 5, 6, 7)}


def pool_both(name, x, dt=ember.float32, transform=None):
    """(OpenCL, CPU) of pool `name` on x: outputs, then the input gradient of a fixed cotangent."""
    nd, fn = POOLS[name]
    res = []
    for dev in ("opencl", "cpu"):
        t = on(dev, x, dt, requires_grad=dt.is_floating_point)
        y = fn(t if transform is None else transform(t))
        vals = y[0] if isinstance(y, tuple) else y
        outs = list(y) if isinstance(y, tuple) else [y]
        if dt.is_floating_point:
            ct = sample(dt, tuple(vals.shape), seed=11) + np.float32(1) / 3
            outs.append(ember.autograd.grad(vals, t, on(dev, ct, dt))[0])
        res.append(outs)
    return res


def check_pool(backend, name, x, dt=ember.float32, transform=None):
    got, want = pool_both(name, x, dt, transform)
    # lp pools add elementwise pow / mul (not bit-exact across devices); the average pools sum
    # in float (not double as the CPU) without fp64
    exact = not name.startswith("lp") and (backend.dev.fp64 or not name.startswith("avg"))
    for g, w in zip(got, want):
        if exact or not g.dtype.is_floating_point:
            same_bits(g, w)
        else:
            close(g, w, 1e-5)


@pytest.mark.parametrize("name", list(POOLS))
def test_pool_forward_backward(ocl, variant, backend, name):
    check_pool(backend, name, sample(ember.float32, SIZES[POOLS[name][0]], seed=12) + 1 / 3)


def test_pool_long_rows_few_planes(ocl, variant, backend):
    """Rows split in several runs (CPU runtimes: fewer rows than work-items wanted)."""
    x = sample(ember.float32, (1, 2, 997), seed=24) + 1 / 3
    for name in ("max1d", "avg1d", "adaptive-avg1d", "adaptive-max1d"):
        check_pool(backend, name, x)
    check_pool(backend, "avg2d-nopad", sample(ember.float32, (1, 1, 3, 999), seed=25))


@pytest.mark.parametrize("dt", [ember.float64, ember.float16, ember.bfloat16, ember.int64], ids=str)
@pytest.mark.parametrize("name", ["max2d", "avg2d", "adaptive-avg3d", "adaptive-max1d"])
def test_pool_dtypes(ocl, backend, name, dt):
    if dt in (ember.float64, ember.int64) and not backend.dev.fp64:
        pytest.skip("no float64 on this device (integer pools compute in float64)")
    check_pool(backend, name, sample(dt, SIZES[POOLS[name][0]], seed=13), dt)


@pytest.mark.parametrize("name", ["max2d", "avg2d-nopad", "adaptive-max2d", "adaptive-avg2d"])
def test_pool_noncontiguous_unbatched_empty(ocl, variant, backend, name):
    x = sample(ember.float32, (2, 3, 9, 8), seed=14)
    check_pool(backend, name, x, transform=lambda t: t.transpose(2, 3))
    check_pool(backend, name, x[0])
    if not name.startswith("adaptive"):          # adaptive pools reject empty batches (PyTorch)
        check_pool(backend, name, x[:0])


def test_max_pool_nan_and_inf(ocl, variant, backend):
    x = sample(ember.float32, (2, 3, 8, 9), seed=15)
    x[0, 0, 1, 1] = x[0, 0, 2, 1] = x[1, 2, 5, 5] = np.nan      # two NaNs in one window
    x[0, 1, :4, :4] = -np.inf
    x[1, 1, :3, :3] = np.inf
    for name in ("max2d", "max2d-2x2", "adaptive-max2d", "avg2d"):
        check_pool(backend, name, x)


def test_pool_double_backward(ocl):
    """The backward of each pool's backward (through the cotangent): the adjoint kernels."""
    x = sample(ember.float32, (2, 3, 8, 9), seed=16) + 1 / 3
    res = []
    for dev in ("opencl", "cpu"):
        t = on(dev, x, requires_grad=True)
        for fn in (lambda v: F.avg_pool2d(v, 3, 2, 1), lambda v: F.max_pool2d(v, 3, 2, 1),
                   lambda v: F.adaptive_max_pool2d(v, (5, 4))):
            y = fn(t)
            v = on(dev, sample(ember.float32, tuple(y.shape), seed=18), requires_grad=True)
            g = ember.autograd.grad(y, t, v, create_graph=True)[0]
            w = on(dev, sample(ember.float32, tuple(g.shape), seed=19) + 1 / 3)
            res.append(ember.autograd.grad((g * w).sum(), v)[0])
    for g, w in zip(res[:3], res[3:]):
        same_bits(g, w)


def test_avg_pool_negative_divisor_override(ocl):
    """A negative override divides, as in PyTorch (NumPy oracle; forward and backward)."""
    x = sample(ember.float64, (2, 3, 4, 6), seed=26)
    t = on("opencl", x, requires_grad=True)
    y = F.avg_pool2d(t, 2, divisor_override=-3)
    want = x.reshape(2, 3, 2, 2, 3, 2).sum(axis=(3, 5)) / -3
    np.testing.assert_allclose(host(y.detach()), want, rtol=1e-15)
    g = ember.autograd.grad(y, t, ember.ones_like(y))[0]
    np.testing.assert_allclose(host(g), np.full(x.shape, -1 / 3), rtol=1e-15)


def test_pool_errors_match_cpu(ocl):
    x = sample(ember.float32, (2, 3, 5, 5))
    for fn in (lambda t: F.max_pool2d(t, 7), lambda t: F.avg_pool2d(t, 2, padding=2),
               lambda t: F.max_pool1d(t[0], 2, dilation=0), lambda t: F.adaptive_avg_pool2d(t, -1),
               lambda t: F.avg_pool2d(t, 2, divisor_override=0)):
        errs = []
        for dev in ("opencl", "cpu"):
            with pytest.raises(RuntimeError) as e:
                fn(on(dev, x))
            errs.append(str(e.value))
        assert errs[0] == errs[1]


# ------------------------------------------------------------------------------------------------
# convolutions (these need backend.matmul, the OpenCL GEMM)
CONVS = {
    "conv1d": ((2, 4, 11), (6, 2, 3), lambda x, w, b: F.conv1d(x, w, b[:6], 2, 1, 2, 2)),
    "conv2d": ((2, 3, 9, 8), (4, 3, 3, 2),
               lambda x, w, b: F.conv2d(x, w, b[:4], (2, 1), (1, 0), (1, 2))),
    "conv2d-depthwise": ((2, 4, 7, 7), (8, 1, 3, 3),
                         lambda x, w, b: F.conv2d(x, w, b, padding="same", groups=4)),
    "conv2d-pointwise": ((2, 5, 6, 4), (3, 5, 1, 1), lambda x, w, b: F.conv2d(x, w)),
    "conv3d": ((1, 2, 5, 4, 6), (3, 2, 2, 3, 2),
               lambda x, w, b: F.conv3d(x, w, b[:3], (1, 2, 1), 1, (2, 1, 1))),
    "conv-transpose1d": ((2, 4, 7), (4, 3, 3),
                         lambda x, w, b: F.conv_transpose1d(x, w, None, 2, 1, 1, 2)),
    "conv-transpose2d": ((2, 4, 5, 6), (4, 2, 3, 2),
                         lambda x, w, b: F.conv_transpose2d(x, w, b[:4], (2, 1), 1, (1, 0), 2,
                                                            (1, 2))),
    "conv-transpose3d": ((1, 2, 3, 4, 3), (2, 3, 2, 2, 3),
                         lambda x, w, b: F.conv_transpose3d(x, w, b[:3], 2)),
    "unfold-fold": ((2, 3, 7, 6), (1,),
                    lambda x, w, b: F.fold(F.unfold(x, (2, 3), 2, 1, (2, 1)) * 2, (7, 6), (2, 3), 2,
                                           1, (2, 1))),
}


def conv_both(name, dt=ember.float32, transform=None):
    """(OpenCL, CPU) of conv `name`: the output and the gradients of input, weight and bias."""
    xs, ws, fn = CONVS[name]
    x, w = sample(dt, xs, seed=20) + 1 / 3, sample(dt, ws, seed=21)
    b = sample(dt, (8,), seed=22)
    res = []
    for dev in ("opencl", "cpu"):
        ts = [on(dev, a, dt, requires_grad=True) for a in (x, w, b)]
        y = fn(ts[0] if transform is None else transform(ts[0]), *ts[1:])
        ct = on(dev, sample(dt, tuple(y.shape), seed=23), dt)
        grads = ember.autograd.grad(y, ts, ct, allow_unused=True)
        res.append([y] + [g for g in grads if g is not None])
    return res


@pytest.mark.parametrize("name", list(CONVS))
def test_conv_forward_backward(ocl, variant, name):
    assert hasattr(ocl.backend, "matmul"), "the OpenCL GEMM (backend.matmul) is missing"
    got, want = conv_both(name)
    assert len(got) == len(want) >= 2
    for g, w in zip(got, want):
        close(g, w)


@pytest.mark.parametrize("dt", [ember.float64, ember.float16, ember.bfloat16], ids=str)
def test_conv_dtypes(ocl, backend, dt):
    if dt is ember.float64 and not backend.dev.fp64:
        pytest.skip("no float64 on this device")
    for name in ("conv2d", "conv-transpose2d"):
        got, want = conv_both(name, dt)
        for g, w in zip(got, want):
            close(g, w)


def test_conv_noncontiguous_and_unbatched(ocl):
    for got, want in (conv_both("conv2d", transform=lambda t: t.transpose(2, 3)),
                      conv_both("conv1d", transform=lambda t: t[0])):
        for g, w in zip(got, want):
            close(g, w)


def test_program_specs_per_device_class():
    """--warmup lists float64 programs only with fp64, and each class's col2im of 16-bit floats."""
    class Dev:
        def __init__(self, fp64, is_gpu):
            self.fp64, self.is_gpu = fp64, is_gpu
    f64, f32, f16 = ember.float64.code, ember.float32.code, ember.float16.code
    for fp64, gpu in itertools.product((False, True), repeat=2):
        specs = [(s, dict(d)) for s, d in conv_kernels.program_specs(Dev(fp64, gpu))]
        assert any(d["IN_CODE"] == f64 for _, d in specs) == fp64
        conv16 = [d["OUT_CODE"] for s, d in specs if s == "conv.cl" and d["IN_CODE"] == f16]
        assert conv16 == [f16 if gpu else f32]
        assert {s for s, _ in specs} == {"conv.cl", "pool.cl"}


def test_program_specs_build(ocl, backend):
    """Every program --warmup lists for this family builds; the only programs the tests used
    beyond them are the other device class's col2im of the 16-bit floats (forced above)."""
    specs = conv_kernels.program_specs(backend.dev)
    for source, defines in specs:
        backend.programs.get(source, defines)
    listed = {(s, backend.programs.options(d)) for s, d in specs}
    halves = {ember.float16.code, ember.bfloat16.code}
    other = {(h, ember.float32.code if backend.dev.is_gpu else h) for h in halves}
    extra = {backend.programs.options((("IN_CODE", a), ("OUT_CODE", b))) for a, b in other}
    for source, options in backend.programs._mem:
        if source in ("conv.cl", "pool.cl"):
            assert (source, options) in listed or (source == "conv.cl" and options in extra)
