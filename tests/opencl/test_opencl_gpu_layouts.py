"""The GPU work layouts of issue #4, run on any OpenCL device through the backends' test hooks.

max_pool_backward given its windows: a deterministic gather per input element on GPUs (forced
here with `conv_variant = "gpu"`), bit for bit the CPU backend's scatter (float32, float64, the
16-bit floats, overlapping windows whose indices collide, dilation, adaptive windows, a
non-contiguous grad_input). Batch norm in training: its launch count on the OpenCL device
(channel_moments, one fused normalize + affine, the running statistics; channel_dot and one
fused kernel backward), asserted so it cannot regress, and its results against a float64
reference on both layouts (`_reduce_variant`).
"""
import math

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.tensor import _empty
from ember.nn.functional._pooling import _windows
from cltools import ocl, backend, host  # noqa: F401  (fixtures)

CPU = ember.device("cpu")


@pytest.fixture(params=["cpu", "gpu"])
def pool_variant(request, backend):
    backend.conv_variant = request.param
    yield request.param
    backend.__dict__.pop("conv_variant", None)


def sample(shape, seed, dt=ember.float32):
    """Values exact in every float dtype (quarters, plus a third that rounds per dtype)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(-40, 40, math.prod(shape)) / 4.0 + 1 / 3
    return ember.tensor(a.reshape(shape).astype(np.float32), dtype=dt)


def same_bits(got, want):
    assert got.device.type == "opencl" and want.device.type == "cpu"
    assert got.dtype is want.dtype and got.shape == want.shape
    g, w = host(got), host(want)
    assert np.array_equal(g, w) and np.array_equal(np.signbit(g), np.signbit(w)), \
        np.abs(g.astype(np.float64) - w.astype(np.float64)).max()


# ------------------------------------------------------------------------------------------------
# max_pool_backward: the gather
GEOMS = {   # key of _windows, input planes shape
    "1d-overlap-dilated": (("max", (13,), (3,), (1,), (1,), (2,), True, True), (3, 13)),
    "2d-overlap-pad": (("max", (7, 8), (3, 3), (1, 2), (1, 1), (1, 1), False, True), (4, 7, 8)),
    "2d-2x2": (("max", (8, 6), (2, 2), (2, 2), (0, 0), (1, 1), False, True), (2, 8, 6)),
    "3d": (("max", (4, 5, 6), (2, 3, 2), (1, 2, 1), (1, 1, 0), (1, 1, 2), True, True),
           (2, 4, 5, 6)),
    "adaptive-2d": (("adaptive", (7, 5), (4, 3)), (3, 7, 5)),
}


def pool_backward(dev, key, xshape, dt, ties, strided):
    """(grad_input, indices) of the max pool `key` on device dev: forward by the backend's
    max_pool, then max_pool_backward with the windows (into a transposed view if strided)."""
    d = ember.device(dev)
    b = d.backend
    wins = _windows(key)[0]
    x = sample(xshape, 1, dt)
    if ties:                         # few distinct values: overlapping windows share argmaxes
        x = (x * 0.25).floor()
    x = x.to(d)
    osz = (xshape[0],) + tuple(len(w[0]) for w in wins)
    out, idx = _empty(osz, dt, d), _empty(osz, ember.int64, d)
    b.max_pool(out, idx, x, wins)
    g = sample(osz, 2, dt).to(d)
    if strided:
        gi = _empty(xshape[::-1], dt, d).permute(*range(len(xshape) - 1, -1, -1))
    else:
        gi = _empty(xshape, dt, d)
    b.max_pool_backward(gi, g, idx, wins)
    return gi, idx


@pytest.mark.parametrize("dt", [ember.float32, ember.float64, ember.float16, ember.bfloat16],
                         ids=str)
@pytest.mark.parametrize("geom", list(GEOMS))
def test_max_pool_backward_gather_matches_cpu(ocl, backend, pool_variant, geom, dt):
    if dt is ember.float64 and not backend.dev.fp64:
        pytest.skip("no float64 on this device")
    key, xshape = GEOMS[geom]
    for ties in (False, True):
        got, gidx = pool_backward("opencl", key, xshape, dt, ties, strided=dt is ember.float32)
        want, widx = pool_backward("cpu", key, xshape, dt, ties, False)
        assert np.array_equal(host(gidx), host(widx))
        if ties and geom != "2d-2x2":          # the collisions the gather must sum in order
            flat = host(widx).reshape(xshape[0], -1)
            assert any(len(np.unique(r)) < len(r) for r in flat)
        same_bits(got, want)


def test_max_pool_backward_takes_the_gather_on_gpus(ocl, backend, monkeypatch):
    """The GPU layout gathers (no zero fill, no per-plane kernel); without windows it scatters."""
    names = []
    real = backend._cv_kernel
    monkeypatch.setattr(backend, "_cv_kernel", lambda *a: names.append(a[3]) or real(*a))
    monkeypatch.setattr(backend, "conv_variant", "gpu")
    key, xshape = GEOMS["2d-overlap-pad"]
    pool_backward("opencl", key, xshape, ember.float32, False, False)
    assert names == ["max_pool", "max_pool_backward_gather"]
    names.clear()
    monkeypatch.setattr(backend, "conv_variant", "cpu")
    pool_backward("opencl", key, xshape, ember.float32, False, False)
    assert names == ["max_pool", "max_pool_backward"]


def test_max_pool_backward_gather_shape_errors(ocl, backend, monkeypatch):
    monkeypatch.setattr(backend, "conv_variant", "gpu")
    key, xshape = GEOMS["2d-2x2"]
    wins = _windows(key)[0]
    d = ember.device("opencl")
    gi = _empty((2, 8, 6), ember.float32, d)
    g, idx = _empty((2, 4, 2), ember.float32, d), ember.zeros((2, 4, 2), dtype=ember.int64,
                                                                 device=d)
    with pytest.raises(ValueError, match="do not match the windows"):
        backend.max_pool_backward(gi, g, idx, wins)


def test_max_pool_functions_gather_and_empty(ocl, backend, pool_variant):
    """Through F.max_pool2d / adaptive_max_pool1d: gradients equal the CPU's; empty batches."""
    x = sample((2, 3, 9, 8), 5)
    for fn in (lambda t: F.max_pool2d(t, 3, 1, 1), lambda t: F.adaptive_max_pool1d(t[0], 5),
               lambda t: F.max_pool2d(t[:0], 2)):
        grads = []
        for dev in ("opencl", "cpu"):
            t = x.to(dev).requires_grad_()
            y = fn(t)
            grads.append(ember.autograd.grad(y, t, ember.ones_like(y) / 3)[0])
        same_bits(*grads)


# ------------------------------------------------------------------------------------------------
# batch norm in training: launch counts and results
class _Counter:
    """Counts the device commands (kernel launches, fills, copies) enqueued through pyopencl."""

    def __init__(self, cl):
        self.cl, self.n = cl, {}

    def __getattr__(self, name):
        f = getattr(self.cl, name)
        if not name.startswith("enqueue_"):
            return f

        def counted(*a, **k):
            self.n[name] = self.n.get(name, 0) + 1
            return f(*a, **k)
        return counted


def commands(backend, monkeypatch, fn):
    """{enqueue function: calls} of running fn() (once before, untimed, to build programs)."""
    fn()
    c = _Counter(backend._cl)
    with monkeypatch.context() as m:
        m.setattr(backend, "_cl", c)
        m.setattr(backend.launch, "_enqueue", c.enqueue_nd_range_kernel)
        fn()
    return c.n


def bn_setup(shape, dt=ember.float32, affine=True, stat_dt=ember.float32):
    d = ember.device("opencl")
    x = sample(shape, 3, dt).to(d).requires_grad_()
    C = shape[1]
    w = b = None
    if affine:
        w = sample((C,), 4, stat_dt).to(d).requires_grad_()
        b = sample((C,), 5, stat_dt).to(d).requires_grad_()
    rm = sample((C,), 6, stat_dt).to(d)
    rv = (sample((C,), 7, stat_dt).abs() + 1).to(d)
    return x, w, b, rm, rv


@pytest.mark.parametrize("variant,split", [("cpu", False), ("gpu", False), ("gpu", True)])
def test_batch_norm_train_launch_counts(ocl, backend, monkeypatch, variant, split):
    """Forward: sum + finish, sqdev + bn_fwd_finish, chan_affine (was 17 launches); backward
    adds gdot, bn_bwd_finish, chan_affine (was 17 more). `split`: the GPU channel reductions
    forced into many parts (still one launch each)."""
    monkeypatch.setattr(backend, "_reduce_variant", variant, raising=False)
    if split:
        from ember.backends.opencl import nn_kernels
        monkeypatch.setattr(nn_kernels, "_GPU_GROUPS_PER_CU", 1000)
        monkeypatch.setattr(nn_kernels, "_GPU_MIN_ELEMS", 1)
    x, w, b, rm, rv = bn_setup((8, 16, 10, 10))
    go = sample(tuple(x.shape), 8).to(x.device)

    def forward():
        return F.batch_norm(x, rm, rv, w, b, training=True)

    def backward():
        ember.autograd.grad(forward(), (x, w, b), go)
    assert commands(backend, monkeypatch, forward) == {"enqueue_nd_range_kernel": 5}
    n = commands(backend, monkeypatch, backward)
    assert n.get("enqueue_nd_range_kernel") == 8, n
    with ember.no_grad():
        assert commands(backend, monkeypatch, lambda: F.batch_norm(x, None, None, training=True)) \
            == {"enqueue_nd_range_kernel": 5}


def h64(t):
    return host(t.detach()).astype(np.float64)


def bn_reference(x, w, b, rm, rv, go, momentum, eps):
    """float64 NumPy: output, running stats, gradients of x, w, b (x (N, C, *))."""
    x = x.astype(np.float64)
    ax = (0,) + tuple(range(2, x.ndim))
    sh = (1, -1) + (1,) * (x.ndim - 2)
    M = x.size // x.shape[1]
    mu, var = x.mean(ax), x.var(ax)
    xhat = (x - mu.reshape(sh)) / np.sqrt(var.reshape(sh) + eps)
    wv = np.ones(x.shape[1]) if w is None else w.astype(np.float64)
    y = xhat * wv.reshape(sh) + (0 if b is None else b.astype(np.float64).reshape(sh))
    rm = (1 - momentum) * rm + momentum * mu
    rv = (1 - momentum) * rv + momentum * var * M / (M - 1)
    gx = (wv / np.sqrt(var + eps)).reshape(sh) * (
        go - go.mean(ax, keepdims=True) - xhat * (go * xhat).mean(ax, keepdims=True))
    return y, rm, rv, gx, (go * xhat).sum(ax), go.sum(ax)


@pytest.mark.parametrize("variant", ["cpu", "gpu"])
@pytest.mark.parametrize("shape,affine,dt", [
    ((6, 5, 7, 3), True, ember.float32), ((33, 20), True, ember.float32),
    ((2, 3, 40), False, ember.float32), ((4, 17, 5, 6), True, ember.float16),
    ((3, 4, 9), True, ember.bfloat16), ((5, 3, 2, 2, 3), True, ember.float64)], ids=str)
def test_batch_norm_train_fused_matches_float64(ocl, backend, monkeypatch, variant, shape,
                                                affine, dt):
    if dt is ember.float64 and not backend.dev.fp64:
        pytest.skip("no float64 on this device")
    monkeypatch.setattr(backend, "_reduce_variant", variant, raising=False)
    sd = ember.float64 if dt is ember.float64 else ember.float32
    x, w, b, rm, rv = bn_setup(shape, dt, affine, sd)
    ref_in = [None if t is None else h64(t) for t in (x, w, b, rm, rv)]
    go = sample(shape, 9, dt).to(x.device)
    y = F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.3, eps=1e-3)
    grads = ember.autograd.grad(y, [t for t in (x, w, b) if t is not None], go)
    want = bn_reference(*ref_in, h64(go), 0.3, 1e-3)
    tol = {ember.float16: 4e-3, ember.bfloat16: 3e-2, ember.float64: 1e-10}.get(dt, 2e-5)
    got = [y, rm, rv] + list(grads)
    for g, r in zip(got, want if affine else want[:4]):
        assert g.dtype in (dt, sd)
        np.testing.assert_allclose(h64(g), r, rtol=tol,
                                   atol=tol * max(1.0, np.abs(r).max()))


def test_batch_norm_train_fallbacks_agree(ocl, backend):
    """Half running statistics of a half input (not the statistics dtype) and a strided running
    mean take the unfused path; both agree with the fused one."""
    x, w, b, rm, rv = bn_setup((4, 6, 5), ember.float16)
    outs = []
    for conv in (lambda t: t, lambda t: t.half(), lambda t: ember.stack([t, t], 1)[:, 0]):
        rm2, rv2 = conv(rm.clone()), conv(rv.clone())
        y = F.batch_norm(x, rm2, rv2, w, b, training=True)
        outs.append([h64(t) for t in (y, rm2, rv2)])
    for other in outs[1:]:
        for a, r in zip(other, outs[0]):
            np.testing.assert_allclose(a, r, rtol=2e-3, atol=2e-3)


def test_batch_norm_train_primitive_errors(ocl, backend):
    """Statistics of another dtype than the kernels' (float32 here) and empty inputs refused."""
    d = ember.device("opencl")
    x = ember.zeros((2, 3, 4), device=d)
    mean, var = ember.zeros(3, device=d), ember.zeros(3, device=d)
    half_w = ember.ones(3, dtype=ember.float16, device=d)
    with pytest.raises(ValueError, match="must be float32 for float32 inputs"):
        backend.batch_norm_train(ember.empty_like(x), mean, var, x, half_w, None, None, None,
                                 1e-5, 0.1, 2, 3, 4)
    e = ember.zeros((0, 3, 4), device=d)
    with pytest.raises(ValueError, match="empty"):
        backend.batch_norm_train(ember.empty_like(e), mean, var, e, None, None, None, None,
                                 1e-5, 0.1, 0, 3, 4)
    with pytest.raises(ValueError, match="empty"):
        backend.batch_norm_train_backward(None, None, None, e, e, mean, var, None, 1e-5, 0, 3, 4)
