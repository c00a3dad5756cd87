"""The GPU layout of batch norm's channel reductions and of layer norm's rows, run on any OpenCL
device through `_reduce_variant = "gpu"`, with the split thresholds of nn_kernels forced low so
small tensors take every path: chan_wg's element ranges (a range crossing rows mid-run, runs
longer and shorter than a work-group, the 4-load rounds and their tails), chan_cols's row ranges
(4-row rounds and tails), the finishing kernels' 8-partial rounds, ln_fwd_wg / ln_bwd_wg rows
held in registers (<= 8 * RWG) and streamed (longer). Batch norm in training (output, running
statistics, input / weight / bias gradients) and layer norm forward / backward against a float64
NumPy reference and the CPU device, in every floating dtype; two runs bitwise equal.
"""
import math

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.backends.opencl import nn_kernels
from cltools import ocl, backend, host  # noqa: F401  (fixtures)

F32, F64, F16, BF16 = ember.float32, ember.float64, ember.float16, ember.bfloat16
TOL = {F32: 2e-5, F64: 1e-10, F16: 4e-3, BF16: 3e-2}
pytestmark = pytest.mark.usefixtures("ocl")

# split settings: module constants of nn_kernels (defaults: one part for these small tensors)
SPLITS = {
    "one": {},
    "long": {"_GPU_GROUPS_PER_CU": 1000, "_GPU_MIN_ELEMS": 700, "_GPU_MIN_ROWS": 5},
    "many": {"_GPU_GROUPS_PER_CU": 1000, "_GPU_MIN_ELEMS": 1, "_GPU_MIN_ROWS": 1},
}


@pytest.fixture(params=list(SPLITS))
def gpu_split(request, backend, monkeypatch):
    """The GPU layout on this device, with the split settings of SPLITS[param]."""
    monkeypatch.setattr(backend, "_reduce_variant", "gpu", raising=False)
    for k, v in SPLITS[request.param].items():
        monkeypatch.setattr(nn_kernels, k, v)
    return request.param


def skip_f64(backend, dt):
    if dt is F64 and not backend.dev.fp64:
        pytest.skip("no float64 on this device")


def sample(shape, seed, dt=F32, device="opencl"):
    rng = np.random.default_rng(seed)
    a = rng.normal(0.5, 2.0, math.prod(shape)).reshape(shape).astype(np.float32)
    return ember.tensor(a, dtype=dt, device=device)


def h64(t):
    return host(t.detach()).astype(np.float64)


def close(got, want, dt, what):
    t = TOL[dt]
    np.testing.assert_allclose(h64(got), want, rtol=t, atol=t * max(1.0, np.abs(want).max()),
                               err_msg=what)


# ------------------------------------------------------------------------------------------------
# the plans
def _old_split(variant, N, jobs, work, want):
    """The row split the CPU layout keeps (before this change, for both layouts)."""
    parts = 1 if jobs >= want else max(1, min(N, -(-want // jobs),
                                              work // nn_kernels._MIN_PART[variant]))
    chunk = -(-N // parts)
    return -(-N // chunk), chunk


def test_chan_split_gpu_plans():
    # H200 (132 CUs): batch norm (64, 128, 28 * 28): 5 ranges of 10036 elements per channel,
    # 640 work-groups (>= 4 per CU), ranges crossing rows
    parts, chunk = nn_kernels._chan_split("wg", "gpu", 64, 128, 784, 128, 64 * 784,
                                          132 * 1024, 132)
    assert (parts, chunk) == (5, 10036) and 128 * parts >= 4 * 132
    # N = 1 still splits (ranges, not rows)
    assert nn_kernels._chan_split("wg", "gpu", 1, 8, 1 << 20, 8, 1 << 20, 132 * 1024, 132)[0] \
        == 66
    # a small channel is one part (each part reduces _GPU_MIN_ELEMS at least)
    assert nn_kernels._chan_split("wg", "gpu", 2, 4, 1000, 4, 2000, 132 * 1024, 132) == (1, 2000)
    # layer norm's affine gradients (8192, 1024): 132 row ranges of 63 rows
    assert nn_kernels._chan_split("cols", "gpu", 8192, 1024, 1, 1024, 8192, 132 * 1024, 132) \
        == (131, 63)


@pytest.mark.parametrize("kind", ["runs", "cols"])
@pytest.mark.parametrize("N,C,S", [(64, 128, 784), (3, 5, 7), (4096, 3, 1), (100, 1000, 1),
                                   (1, 2, 100000)])
def test_chan_split_cpu_layout_unchanged(kind, N, C, S):
    """CPU runtimes split as before (and a GPU's fallback "runs" when chan_wg cannot run)."""
    cols = 16 if kind == "cols" else 1
    jobs = -(-C // cols) if kind == "cols" else C
    work = N * cols if kind == "cols" else N * S
    for variant, want in (("cpu", 2 * 16 * 8), ("cpu", 64 * 16 * 8)):
        assert nn_kernels._chan_split(kind, variant, N, C, S, jobs, work, want, 2) == \
            _old_split(variant, N, jobs, work, want)
    if kind == "runs":
        assert nn_kernels._chan_split(kind, "gpu", N, C, S, C, N * S, 132 * 1024, 132) == \
            _old_split("gpu", N, C, N * S, 132 * 1024)


def test_split_settings_reach_the_paths(backend, monkeypatch):
    """The forced settings give what the tests below rely on: several partials, ranges crossing
    rows, 4-load rounds (ranges > 3 * RWG elements; >= 4 rows), >= 8 partials."""
    monkeypatch.setattr(backend, "_reduce_variant", "gpu", raising=False)
    rwg = backend._rwg()
    seen = {}
    real = nn_kernels._chan_split

    def spy(kind, *a):
        r = real(kind, *a)
        seen[kind] = r
        return r
    monkeypatch.setattr(nn_kernels, "_chan_split", spy)
    for name, (N, C, S) in (("long", (5, 3, 401)), ("many", (5, 3, 401)),
                            ("long", (37, 5, 1)), ("many", (37, 5, 1))):
        with monkeypatch.context() as m:
            for k, v in SPLITS[name].items():
                m.setattr(nn_kernels, k, v)
            x = sample((N, C, S), 1)
            mean, var = (ember.empty((C,), device="opencl") for _ in range(2))
            backend.channel_moments(mean, var, x, N, C, S)
        parts, chunk = seen["wg" if S > 1 else "cols"]
        if S > 1:
            assert parts > 1 and chunk % S
            assert (chunk > 3 * rwg) if name == "long" else parts >= 8
        else:
            assert (parts > 1 and chunk >= 4) if name == "long" else parts >= 8


# ------------------------------------------------------------------------------------------------
# batch norm in training
def bn_reference(x, w, b, rm, rv, go, momentum, eps):
    ax = (0,) + tuple(range(2, x.ndim))
    sh = (1, -1) + (1,) * (x.ndim - 2)
    M = x.size // x.shape[1]
    mu, var = x.mean(ax), x.var(ax)
    xhat = (x - mu.reshape(sh)) / np.sqrt(var.reshape(sh) + eps)
    y = xhat * w.reshape(sh) + b.reshape(sh)
    rm = (1 - momentum) * rm + momentum * mu
    rv = (1 - momentum) * rv + momentum * var * M / (M - 1)
    gx = (w / np.sqrt(var + eps)).reshape(sh) * (
        go - go.mean(ax, keepdims=True) - xhat * (go * xhat).mean(ax, keepdims=True))
    return [y, rm, rv, gx, (go * xhat).sum(ax), go.sum(ax)]


def bn_run(shape, dt, device):
    sd = F64 if dt is F64 else F32
    C = shape[1]
    x = sample(shape, 3, dt, device).requires_grad_()
    w = sample((C,), 4, sd, device).requires_grad_()
    b = sample((C,), 5, sd, device).requires_grad_()
    rm = sample((C,), 6, sd, device)
    rv = (sample((C,), 7, sd, device).abs() + 1)
    go = sample(shape, 8, dt, device)
    ins = [h64(t) for t in (x, w, b, rm, rv, go)]
    y = F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.3, eps=1e-3)
    grads = ember.autograd.grad(y, [x, w, b], go)
    return [y, rm, rv] + list(grads), ins


BN_SHAPES = [(5, 3, 401), (9, 2, 130), (4, 3, 7, 9), (37, 5), (300, 3)]


@pytest.mark.parametrize("shape,dt", [(s, F32) for s in BN_SHAPES] + [(s, F64) for s in BN_SHAPES]
                         + [(s, d) for s in ((5, 3, 401), (37, 5)) for d in (F16, BF16)],
                         ids=str)
def test_batch_norm_train_gpu_split(backend, gpu_split, shape, dt):
    skip_f64(backend, dt)
    got, ins = bn_run(shape, dt, "opencl")
    want = bn_reference(*ins, 0.3, 1e-3)
    names = ["y", "running_mean", "running_var", "grad x", "grad w", "grad b"]
    for g, r, what in zip(got, want, names):
        close(g, r, dt, f"{what} vs float64")
    cpu, _ = bn_run(shape, dt, "cpu")
    for g, r, what in zip(got, cpu, names):
        close(g, h64(r), dt, f"{what} vs the CPU device")


@pytest.mark.parametrize("shape", [(5, 3, 401), (37, 5)], ids=str)
def test_batch_norm_train_gpu_split_deterministic(backend, gpu_split, shape):
    a, _ = bn_run(shape, F32, "opencl")
    b, _ = bn_run(shape, F32, "opencl")
    for u, v in zip(a, b):
        assert np.array_equal(host(u.detach()), host(v.detach()))


def test_channel_primitives_gpu_split(backend, gpu_split):
    """channel_moments / channel_dot (instance norm, the unfused batch norm path) on the split."""
    N, C, S = 6, 3, 333
    x, g = sample((N, C, S), 1), sample((N, C, S), 2)
    xh, gh = h64(x), h64(g)
    mean, var, sg, sgx = (ember.empty((C,), device="opencl") for _ in range(4))
    backend.channel_moments(mean, var, x, N, C, S)
    close(mean, xh.mean((0, 2)), F32, "mean")
    close(var, xh.var((0, 2)), F32, "var")
    backend.channel_dot(sg, sgx, g, x, mean, N, C, S)
    close(sg, gh.sum((0, 2)), F32, "sum g")
    close(sgx, (gh * (xh - h64(mean)[None, :, None])).sum((0, 2)), F32, "sum g (x - mean)")


# ------------------------------------------------------------------------------------------------
# layer norm
def ln_reference(x, w, b, go, eps):
    mu = x.mean(-1, keepdims=True)
    rstd = 1 / np.sqrt(x.var(-1, keepdims=True) + eps)
    xhat = (x - mu) * rstd
    gw = go * w
    gx = rstd * (gw - gw.mean(-1, keepdims=True) - xhat * (gw * xhat).mean(-1, keepdims=True))
    return [xhat * w + b, gx, (go * xhat).sum(0), go.sum(0)]


def ln_run(rows, n, dt, device):
    x = sample((rows, n), 11, dt, device).requires_grad_()
    w = sample((n,), 12, dt, device).requires_grad_()
    b = sample((n,), 13, dt, device).requires_grad_()
    go = sample((rows, n), 14, dt, device)
    ins = [h64(t) for t in (x, w, b, go)]
    y = F.layer_norm(x, (n,), w, b, eps=1e-5)
    return [y] + list(ember.autograd.grad(y, [x, w, b], go)), ins


# n: ln_*_wg rows in registers (37, 300, 1000, 2000: all 8 slots, some past the row's end),
# streamed (2600: 4-load rounds and tails); rows 7: the affine gradients' chan_cols ranges
@pytest.mark.parametrize("n,dt", [(n, F32) for n in (37, 300, 1000, 2000, 2600)]
                         + [(n, d) for n in (300, 2600) for d in (F64, F16, BF16)], ids=str)
def test_layer_norm_gpu(backend, gpu_split, n, dt):
    skip_f64(backend, dt)
    rows = 7
    got, ins = ln_run(rows, n, dt, "opencl")
    want = ln_reference(*ins, 1e-5)
    names = ["y", "grad x", "grad w", "grad b"]
    for g, r, what in zip(got, want, names):
        close(g, r, dt, f"{what} vs float64")
    cpu, _ = ln_run(rows, n, dt, "cpu")
    for g, r, what in zip(got, cpu, names):
        close(g, h64(r), dt, f"{what} vs the CPU device")


@pytest.mark.parametrize("n", [300, 2600])
def test_layer_norm_gpu_deterministic(backend, gpu_split, n):
    a, _ = ln_run(5, n, F32, "opencl")
    b, _ = ln_run(5, n, F32, "opencl")
    for u, v in zip(a, b):
        assert np.array_equal(host(u.detach()), host(v.detach()))


@pytest.mark.parametrize("n", [300, 2600])
def test_layer_norm_primitive_gpu_layout_equals_rows_seq(backend, monkeypatch, n):
    """The primitives in the GPU layout (ln_*_wg, rows in registers or streamed) agree with the
    CPU layout's ln_*_seq on the same device to float32 rounding (their sums run in different
    orders)."""
    x = sample((4, n), 21)
    go = sample((4, n), 22)
    w = sample((n,), 23)
    outs = {}
    for variant in ("cpu", "gpu"):
        monkeypatch.setattr(backend, "_reduce_variant", variant, raising=False)
        y, mean, rstd = (ember.empty(s, device="opencl") for s in ((4, n), (4,), (4,)))
        backend.layer_norm(y, mean, rstd, x, w, None, 1e-5)
        gi = ember.empty((4, n), device="opencl")
        backend.layer_norm_backward(gi, None, None, go, x, mean, rstd, w)
        outs[variant] = [host(t) for t in (y, mean, rstd, gi)]
    for a, b in zip(outs["gpu"], outs["cpu"]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5 * max(1.0, np.abs(b).max()))
