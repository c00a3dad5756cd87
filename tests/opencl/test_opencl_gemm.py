"""The OpenCL GEMM (backend.matmul and the ops that funnel into it) against float64 NumPy: sizes
that hit every edge tile (1, primes, one past a tile), k == 0, empty operands, 1-d operands,
transposed views read in place (no copy: the allocator's peak says so), broadcast and
non-coalescible batch dims, a strided `out`, every dtype, and the ops built on it (linear,
einsum, mm, bmm, addmm, ...) giving the CPU's results.

Both kernel designs run on every device: ``variant`` switches the backend between the
CPU-runtime design (packed b, register blocking) and the GPU design (local-memory tiles), so PoCL
tests the GPU kernel too.
"""
import types

import numpy as np
import pytest

import ember
import ember.opencl
from ember.backends.opencl import linalg_kernels as LK
from ember.backends.opencl.allocator import size_class
from cltools import ocl, backend, host  # noqa: F401  (fixtures)

F32, F64, F16, BF16 = ember.float32, ember.float64, ember.float16, ember.bfloat16
I8, I16, I32, I64, U8, BOOL = ember.int8, ember.int16, ember.int32, ember.int64, ember.uint8, \
    ember.bool
# unit roundoff of the accumulator and of the stored result
_EPS = {F32: (2.0 ** -24, 2.0 ** -24), F64: (2.0 ** -53, 2.0 ** -53),
        F16: (2.0 ** -24, 2.0 ** -11), BF16: (2.0 ** -24, 2.0 ** -8)}


@pytest.fixture(params=["cpu", "gpu"])
def variant(request, backend):
    old = backend.__dict__.get("_gemm_variant")
    backend._gemm_variant = request.param
    yield request.param
    if old is None:
        del backend._gemm_variant
    else:
        backend._gemm_variant = old


def values(dt, shape, seed=0):
    """Random values exactly representable in `dt` (float64 array; integers spread so that
    products of int8 / int16 / uint8 overflow and must wrap)."""
    rng = np.random.default_rng(seed)
    if dt.is_floating_point:
        v = rng.uniform(-2, 2, shape)
        if dt is BF16:
            v = (v.astype(np.float32).view(np.uint32) & 0xFFFF0000).view(np.float32)
        return v.astype(dt.np if dt is not BF16 else np.float32).astype(np.float64)
    if dt is BOOL:
        return rng.integers(0, 2, shape).astype(np.float64)
    info = np.iinfo(dt.np)
    lo, hi = max(info.min, -(1 << 40)), min(info.max, 1 << 40)
    return rng.integers(lo, hi, shape, endpoint=True).astype(np.float64)


def cl(arr, dt):
    return ember.tensor(np.asarray(arr).astype(dt.np if dt is not BF16 else np.float32),
                        dtype=dt, device="opencl")


def expect(got, A, B, dt):
    """Assert the OpenCL result `got` (a tensor) equals A @ B (float64 arrays of dt's values):
    exactly for integers (wrapped to dt) and bool, within the rounding-error bound for floats."""
    g = host(got)
    if dt.is_floating_point:
        ref = np.matmul(A, B)
        k = A.shape[-1]
        acc, store = _EPS[dt]
        bound = (k + 2) * acc * np.matmul(np.abs(A), np.abs(B)) + store * np.abs(ref) + 1e-300
        assert g.shape == ref.shape
        err = np.abs(g.astype(np.float64) - ref)
        assert np.all(err <= bound), f"max error {err.max()} (bound {bound.ravel()[err.argmax()]})"
    elif dt is BOOL:
        ref = np.matmul(A.astype(np.int64), B.astype(np.int64)) != 0
        np.testing.assert_array_equal(g, ref)
    else:
        ref = np.matmul(A.astype(np.int64), B.astype(np.int64)).astype(dt.np)
        np.testing.assert_array_equal(g, ref)


SIZES = [(1, 1, 1), (3, 5, 7), (17, 33, 65), (65, 127, 1), (1, 17, 127), (33, 1, 17),
         (127, 64, 33), (8, 32, 2), (9, 129, 16), (97, 31, 130)]


@pytest.mark.parametrize("mnk", SIZES, ids=str)
def test_sizes(ocl, variant, mnk):
    m, n, k = mnk
    A, B = values(F32, (m, k), 1), values(F32, (k, n), 2)
    expect(cl(A, F32) @ cl(B, F32), A, B, F32)


@pytest.mark.parametrize("dt", [F64, F16, BF16, I64, I32, I16, I8, U8], ids=str)
def test_dtypes(ocl, variant, dt):
    if dt is F64 and not ocl.backend.dev.fp64:
        pytest.skip("device without fp64 (test_float64_needs_fp64 covers it)")
    A, B = values(dt, (2, 19, 37), 3), values(dt, (2, 37, 35), 4)
    expect(ember.matmul(cl(A, dt), cl(B, dt)), A, B, dt)


def test_integer_exact_beyond_float(ocl, variant):
    # partial sums past 2^53 (int64) and products that wrap (int32): exact as the CPU's
    for dt, v in ((I64, (1 << 40) + 3), (I32, (1 << 30) + 7)):
        A = np.full((3, 40), v, np.float64)
        B = np.full((40, 5), -v + 1, np.float64)
        A[1, 3] = -5
        got = cl(A.astype(dt.np), dt) @ cl(B.astype(dt.np), dt)
        cpu = ember.tensor(A.astype(dt.np)) @ ember.tensor(B.astype(dt.np))
        np.testing.assert_array_equal(host(got), cpu.numpy())


def test_bool_primitive(ocl, variant, backend):
    # the ops layer refuses bool products (as PyTorch); the primitive still mirrors the CPU's
    A, B = values(BOOL, (13, 9), 5), values(BOOL, (9, 34), 6)
    out = ember.empty((13, 34), dtype=BOOL, device="opencl")
    backend.matmul(out, cl(A, BOOL), cl(B, BOOL))
    expect(out, A, B, BOOL)
    x = cl(A, BOOL)
    for dev_x in (x, x.cpu()):
        with pytest.raises(RuntimeError, match="not implemented for 'Bool'"):
            dev_x @ dev_x.t()


def test_k_zero_and_empty(ocl, variant, backend):
    a, b = ember.ones(3, 0, device="opencl"), ember.ones(0, 4, device="opencl")
    np.testing.assert_array_equal(host(a @ b), np.zeros((3, 4), np.float32))
    out = ember.full((3, 4), 7.0, device="opencl")
    backend.matmul(out, a, b)                   # the primitive itself: zeros, not the old values
    np.testing.assert_array_equal(host(out), np.zeros((3, 4), np.float32))
    for sa, sb, so in (((0, 3), (3, 4), (0, 4)), ((3, 4), (4, 0), (3, 0)),
                       ((0, 2, 3), (0, 3, 4), (0, 2, 4)), ((2, 0, 5), (2, 5, 0), (2, 0, 0))):
        r = ember.ones(*sa, device="opencl") @ ember.ones(*sb, device="opencl")
        assert tuple(r.shape) == so and r.device.type == "opencl"


def test_vectors(ocl, variant):
    v, w = values(F32, (37,), 7), values(F32, (37,), 8)
    M, T = values(F32, (37, 21), 9), values(F32, (4, 37, 6), 10)
    N = values(F32, (5, 37), 11)
    expect(ember.matmul(cl(v, F32), cl(w, F32)), v, w, F32)
    expect(ember.matmul(cl(v, F32), cl(M, F32)), v, M, F32)
    expect(ember.matmul(cl(N, F32), cl(v, F32)), N, v, F32)
    expect(ember.matmul(cl(v, F32), cl(T, F32)), v, T, F32)
    expect(ember.matmul(cl(T.transpose(0, 2, 1), F32), cl(v, F32)), T.transpose(0, 2, 1), v, F32)


def _packed_bytes(backend, layout, m, n, k):
    """The scratch of the CPU design's packed panels: of b, or of a^T when it swaps."""
    variant, tiles, swap = backend._gemm_plan(m, n, k, 1, F32, a_colmajor=layout[0] == "T",
                                              b_colmajor=layout[1] == "T")
    if variant == "gpu":
        return 0
    nr = tiles[1] * tiles[2]
    width = m if swap else n
    return size_class(-(-width // nr) * nr * k * 4)


@pytest.mark.parametrize("layout", ["NN", "TN", "NT", "TT"])
def test_transposed_views_without_copies(ocl, variant, backend, layout):
    m, n, k = 64, 32, 64
    A, B = values(F32, (m, k), 12), values(F32, (k, n), 13)
    a = cl(A.T, F32).t() if layout[0] == "T" else cl(A, F32)
    b = cl(B.T, F32).t() if layout[1] == "T" else cl(B, F32)
    assert a.is_contiguous() == (layout[0] == "N") and b.is_contiguous() == (layout[1] == "N")
    ember.opencl.synchronize()
    alloc = backend.allocator
    base = alloc.allocated
    alloc.reset_peak()
    r = a @ b
    grew = alloc.peak - base
    expect(r, A, B, F32)
    # the result, plus the packed panels of the CPU design; a copy of a or b would add 8+ KiB
    assert grew == size_class(m * n * 4) + _packed_bytes(backend, layout, m, n, k), grew


def test_batch_broadcast(ocl, variant):
    A, B = values(F32, (2, 1, 7, 13), 14), values(F32, (3, 13, 11), 15)
    expect(cl(A, F32) @ cl(B, F32), A, B, F32)
    M = values(F32, (13, 11), 16)                              # 3-d @ 2-d without folding
    At = values(F32, (4, 13, 7), 17).transpose(0, 2, 1)
    expect(cl(At.transpose(0, 2, 1), F32).transpose(1, 2) @ cl(M, F32), At, M, F32)
    expect(cl(M.T, F32) @ cl(At.transpose(0, 2, 1), F32), M.T, At.transpose(0, 2, 1), F32)
    a = cl(values(F32, (1, 7, 13), 18), F32).expand(5, 7, 13)  # stride-0 batch of a and b
    b = cl(values(F32, (1, 13, 9), 19), F32).expand(5, 13, 9)
    expect(ember.bmm(a, b), host(a).astype(np.float64), host(b).astype(np.float64), F32)


def test_batch_dims_beyond_the_plan(ocl, variant):
    # four batch dims that do not coalesce (permuted): one launch per leading index
    X = values(F32, (2, 3, 2, 3, 5, 6), 20)
    Y = values(F32, (3, 2, 3, 2, 6, 4), 21)
    px, py = (2, 0, 3, 1, 4, 5), (1, 3, 0, 2, 4, 5)
    a, b = cl(X, F32).permute(*px), cl(Y, F32).permute(*py)
    assert tuple(a.shape[:4]) == tuple(b.shape[:4]) == (2, 2, 3, 3)
    expect(a @ b, X.transpose(px), Y.transpose(py), F32)


def test_gpu_grid_chunks(ocl, variant, monkeypatch):
    # batches past the GPU grid limit run as several launches (limit shrunk to test it here)
    monkeypatch.setattr(LK, "_GPU_GRID", 2)
    A, B = values(F32, (5, 3, 4), 22), values(F32, (5, 4, 300), 23)
    expect(cl(A, F32) @ cl(B, F32), A, B, F32)


def test_strided_out(ocl, variant, backend):
    m, n, k = 9, 35, 20
    A, B = values(F32, (m, k), 24), values(F32, (k, n), 25)
    big = ember.zeros((n, 2 * m + 1), device="opencl")
    out = big[:, 1::2].t()                     # (m, n) view, strides (2, 2m + 1)
    backend.matmul(out, cl(A, F32), cl(B, F32))
    expect(out, A, B, F32)
    rest = host(big)
    assert not rest[:, 0::2].any(), "elements outside the view were written"
    wide = ember.zeros((m, 2 * n), dtype=F16, device="opencl")
    o16 = wide[:, :n]
    backend.matmul(o16, cl(A, F16), cl(B, F16))
    expect(o16, A.astype(np.float16).astype(np.float64), B.astype(np.float16).astype(np.float64),
           F16)
    assert not host(wide)[:, n:].any()


_SHIPPED = sorted({(acc, cfg) for table in LK._GPU_TILES.values()
                   for (acc, _), cfg in table.items()})


@pytest.mark.parametrize("acc,cfg", _SHIPPED, ids=str)
def test_every_gpu_tile_table_entry(ocl, backend, monkeypatch, acc, cfg):
    # each shipped GPU tile shape (NVIDIA's too) builds and is right here, edge tiles included
    dt = F32 if acc == 4 else F64
    if dt is F64 and not backend.dev.fp64:
        pytest.skip("device without fp64")
    monkeypatch.setattr(backend, "_gemm_variant", "gpu", raising=False)
    monkeypatch.setattr(LK, "_gpu_tiles", lambda dev, acc_bytes, large: cfg)
    A, B = values(dt, (2, cfg[0] + 3, 2 * cfg[2] + 1), 40), values(dt, (2, 2 * cfg[2] + 1, 5), 41)
    expect(cl(A, dt) @ cl(B, dt), A, B, dt)
    Bw = values(dt, (2 * cfg[2] + 1, cfg[1] + 1), 42)
    expect(cl(A[0], dt) @ cl(Bw, dt), A[0], Bw, dt)


def test_large_once(ocl, variant):
    A, B = values(F32, (512, 512), 26), values(F32, (512, 512), 27)
    expect(cl(A, F32) @ cl(B.T, F32).t(), A, B, F32)


def _same_as_cpu(fn, arrays, dt=F32, tol=2e-5):
    got = fn(*[ember.tensor(a, dtype=dt, device="opencl") for a in arrays])
    want = fn(*[ember.tensor(a, dtype=dt) for a in arrays])
    assert got.device.type == "opencl" and tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(host(got), host(want), rtol=tol, atol=tol)


def test_linear_einsum_and_friends(ocl, variant):
    x, W, bias = values(F32, (4, 6, 10), 28), values(F32, (7, 10), 29), values(F32, (7,), 30)
    F = ember.nn.functional
    _same_as_cpu(lambda x, w, b: F.linear(x, w, b), [x, W, bias])
    _same_as_cpu(lambda x, w: F.linear(x, w), [x[0], W])
    P, Q = values(F32, (3, 5, 6), 31), values(F32, (3, 6, 4), 32)
    _same_as_cpu(lambda p, q: ember.einsum("bij,bjk->bik", p, q), [P, Q])
    _same_as_cpu(lambda p, q: ember.einsum("bij,bkj->ik", p, q), [P, Q.transpose(0, 2, 1)])
    _same_as_cpu(lambda p: ember.einsum("bij,bik->jk", p, p), [P])
    M, N, C = values(F32, (5, 6), 33), values(F32, (6, 4), 34), values(F32, (5, 4), 35)
    _same_as_cpu(lambda m, n: ember.mm(m, n), [M, N])
    _same_as_cpu(lambda p, q: ember.bmm(p, q), [P, Q])
    _same_as_cpu(lambda c, m, n: ember.addmm(c, m, n, beta=0.5, alpha=2), [C, M, N])
    _same_as_cpu(lambda c, p, q: ember.baddbmm(c, p, q), [np.repeat(C[None], 3, 0), P, Q])
    _same_as_cpu(lambda m, v: ember.mv(m, v), [M, N[:, 0]])
    _same_as_cpu(lambda u, v: ember.dot(u, v), [M[0], N[:, 1]])
    _same_as_cpu(lambda c, p, q: ember.addbmm(c, p, q), [C, P, Q])


def test_autograd_through_matmul(ocl, variant):
    A, B = values(F32, (5, 7), 36), values(F32, (7, 3), 37)
    a = cl(A, F32).requires_grad_(True)
    b = cl(B, F32).requires_grad_(True)
    (a @ b).sum().backward()
    np.testing.assert_allclose(host(a.grad), np.ones((5, 3)) @ B.T, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(host(b.grad), A.T @ np.ones((5, 3)), rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------------------------------------
# errors, variant choice, tile tables
def test_errors(ocl, backend, monkeypatch):
    a = ember.ones(2, 3, device="opencl")
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        a @ ember.ones(3, 2)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 "
                                           r"and 2x3\)"):
        a @ a
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype"):
        a @ ember.ones(3, 2, dtype=F16, device="opencl")
    monkeypatch.setenv("EMBER_OPENCL_GEMM", "fast")
    monkeypatch.delattr(backend, "_gemm_variant", raising=False)
    with pytest.raises(ValueError, match="EMBER_OPENCL_GEMM must be 'cpu' or 'gpu', not 'fast'"):
        a @ a.t()


def test_env_selects_variant(ocl, backend, monkeypatch):
    monkeypatch.delattr(backend, "_gemm_variant", raising=False)
    for v in ("gpu", "cpu"):
        monkeypatch.setenv("EMBER_OPENCL_GEMM", v)
        assert backend._gvariant() == v
    monkeypatch.delenv("EMBER_OPENCL_GEMM")
    assert backend._gvariant() == ("gpu" if backend.dev.is_gpu else "cpu")


def test_float64_needs_fp64(ocl, backend, monkeypatch):
    a = ember.ones(2, 2, dtype=F64, device="opencl") if backend.dev.fp64 else None
    if a is None:
        with pytest.raises(RuntimeError, match="float64 is not supported on OpenCL device"):
            ember.ones(2, 2, dtype=F64, device="opencl")
        return
    monkeypatch.setattr(backend.dev, "fp64", False)
    with pytest.raises(RuntimeError, match="lacks the cl_khr_fp64 extension"):
        backend.matmul(ember.empty((2, 2), dtype=F64, device="opencl"), a, a)


def _fake_dev(**kw):
    d = dict(is_gpu=True, is_cpu=False, vendor="NVIDIA Corporation", max_work_group_size=1024,
             local_memory=48 * 1024, compute_units=132, fp64=True)
    d.update(kw)
    return types.SimpleNamespace(**d)


def test_gpu_devices_get_the_gpu_design(monkeypatch):
    monkeypatch.delenv("EMBER_OPENCL_GEMM", raising=False)
    fake = types.SimpleNamespace(dev=_fake_dev())
    assert LK.LinalgKernels._gvariant(fake) == "gpu"
    assert LK.LinalgKernels._gvariant(types.SimpleNamespace(dev=_fake_dev(is_gpu=False))) == "cpu"
    specs = LK.program_specs(_fake_dev())
    assert specs and all(dict(d).get("GEMM_GPU") == 1 for _, d in specs)
    assert all(dict(d).get("GEMM_CPU") == 1 for _, d in LK.program_specs(_fake_dev(is_gpu=False)))
    no_fp64 = LK.program_specs(_fake_dev(fp64=False))
    assert not any(dict(d)["IN_CODE"] == F64.code for _, d in no_fp64)


@pytest.mark.parametrize("vendor", ["NVIDIA Corporation", "Advanced Micro Devices, Inc."])
@pytest.mark.parametrize("wg,lmem", [(1024, 48 * 1024), (256, 32 * 1024), (128, 16 * 1024),
                                     (64, 16 * 1024), (256, 8 * 1024)])
def test_gpu_tiles_fit_the_device(vendor, wg, lmem):
    dev = _fake_dev(max_work_group_size=wg, local_memory=lmem, vendor=vendor)
    for acc in (4, 8):
        for large in (True, False):
            mwg, nwg, kwg, mdimc, ndimc, vw = LK._gpu_tiles(dev, acc, large)
            assert mdimc * ndimc <= wg
            assert kwg * (mwg + nwg + 2 * vw) * acc <= lmem
            nth = mdimc * ndimc
            assert (mwg * kwg) % nth == 0 and (nwg * kwg) % nth == 0
            assert (mwg // mdimc) % vw == 0 and (nwg // ndimc) % vw == 0
