"""Split-K of the OpenCL GPU GEMM design (linalg_kernels.py `_gemm_split` / `_matmul_split`).

The GPU design is run on PoCL through `backend.gemm_variant('gpu')`, with the split thresholds
lowered (module constants) so that a k of a few hundred splits; results are compared with
float64 NumPy. A spy on `_matmul_split` tells whether a product really split. ``variant`` runs
the slice sum through the reduce's CPU-runtime and GPU layouts.
"""
import types

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.backends.opencl import linalg_kernels as LK
from cltools import ocl, backend, host, variant  # noqa: F401  (fixtures)

F32, F64, F16, I32 = ember.float32, ember.float64, ember.float16, ember.int32
_TOL = {F32: 1e-5, F64: 1e-12}


def values(shape, seed):
    return np.random.default_rng(seed).uniform(-2, 2, shape)


def cl(arr, dt):
    return ember.tensor(np.ascontiguousarray(arr).astype(dt.np), dtype=dt, device="opencl")


def close(got, ref, dt):
    got = host(got).astype(np.float64)
    scale = max(1.0, float(np.abs(ref).max()))
    assert got.shape == ref.shape
    assert np.abs(got - ref).max() <= _TOL[dt] * scale * 10, np.abs(got - ref).max()


@pytest.fixture
def splitk(ocl, backend, monkeypatch):
    """The GPU design with split-K forced: slices of 32+ k, any output counts as unfilled;
    yields the list of (S, kc) of the products that split."""
    if not backend.dev.fp64:
        pytest.skip("device without fp64")
    monkeypatch.setattr(LK, "_SPLITK_MIN_SLICE", 32)
    monkeypatch.setattr(LK, "_SPLITK_RATIO", 1)
    monkeypatch.setattr(LK, "_SPLITK_FILL", 10 ** 6)
    monkeypatch.setattr(LK, "_SPLITK_WG_PER_CU", 10 ** 6)
    calls = []
    real = backend._matmul_split

    def spy(*args):
        calls.append(args[-2:])
        return real(*args)

    monkeypatch.setattr(backend, "_matmul_split", spy, raising=False)
    with backend.gemm_variant("gpu"):
        yield calls


@pytest.mark.parametrize("dt", [F32, F64])
@pytest.mark.parametrize("k", [288, 300])            # S = 9 x 32 exactly; 6 x 48 + 12
def test_split_2d(splitk, variant, dt, k):
    A, B = values((20, k), 1), values((k, 30), 2)
    close(cl(A, dt) @ cl(B, dt), A @ B, dt)
    s, kc = splitk[-1]
    assert (s * kc == k) == (k == 288) and (s - 1) * kc < k <= s * kc


@pytest.mark.parametrize("layout", ["NT", "TN", "TT"])
def test_split_transposed_views(splitk, layout):
    k = 300
    A, B = values((20, k), 3), values((k, 30), 4)
    a = cl(A.T, F32).t() if layout[0] == "T" else cl(A, F32)
    b = cl(B.T, F32).t() if layout[1] == "T" else cl(B, F32)
    close(a @ b, A @ B, F32)
    assert len(splitk) == 1


@pytest.mark.parametrize("dt", [F32, F64])
@pytest.mark.parametrize("colmajor", [False, True])
def test_split_strided_out(splitk, variant, backend, dt, colmajor):
    k = 300
    A, B = values((20, k), 5), values((k, 30), 6)
    big = ember.full((80, 70), 7.0, dtype=dt, device="opencl")
    # rows 5..24, every other column from 10: strided; or a transposed slice (column-major)
    out = big.t()[10:40, 5:25].t() if colmajor else big[5:25, 10:70:2]
    assert not out.is_contiguous()
    backend.matmul(out, cl(A, dt), cl(B, dt))
    close(out, A @ B, dt)
    rest = host(big).copy()
    if colmajor:
        rest[5:25, 10:40] = 7.0
    else:
        rest[5:25, 10:70:2] = 7.0
    assert (rest == 7.0).all()
    assert len(splitk) == 1


def test_split_batch_of_one_and_batches(splitk, variant):
    k = 300
    A, B = values((1, 20, k), 7), values((1, k, 30), 8)
    close(cl(A, F32) @ cl(B, F32), A @ B, F32)              # batch 1: as unbatched
    A3 = values((3, 20, k), 9)
    close(cl(A3, F32) @ cl(B[0], F32), A3 @ B[0], F32)      # broadcast b (stride-0 batch dim)
    B3 = values((2, 3, k, 30), 10)
    close(cl(A3, F32) @ cl(B3, F32), A3 @ B3, F32)          # two batch dims, a broadcast
    assert len(splitk) == 3


def test_no_split_past_the_batch_dims(splitk, backend):
    """Three batch dims that do not coalesce leave no room for the slice dim: one pass."""
    k = 300
    A, B = values((2, 3, 2, 20, k), 11), values((2, 2, 3, k, 30), 12)
    b = cl(B, F32).permute(0, 2, 1, 3, 4)               # (2, 3, 2, k, 30), batch strides mixed
    close(cl(A, F32) @ b, A @ B.transpose(0, 2, 1, 3, 4), F32)
    assert splitk == []


@pytest.mark.parametrize("dt", [F32, F64])
def test_split_deterministic(splitk, dt):
    A, B = values((33, 300), 13), values((300, 17), 14)
    a, b = cl(A, dt), cl(B, dt)
    r1, r2 = host(a @ b), host(a @ b)
    assert np.array_equal(r1, r2) and len(splitk) == 2


def test_gemm_choice_reports_split(splitk, backend):
    assert ", split-K S=7 (k slices of 48)" in backend.gemm_choice(20, 30, 300, F32)
    assert "split-K" not in backend.gemm_choice(20, 30, 300, F16)
    assert "split-K" not in backend.gemm_choice(20, 30, 300, I32)
    assert "split-K" not in backend.gemm_choice(20, 30, 16, F32)       # k below 2 slices


@pytest.mark.parametrize("dt", [F16, I32])
def test_other_dtypes_do_not_split(splitk, dt):
    A = np.random.default_rng(15).integers(-3, 4, (20, 300)).astype(np.float64)
    B = np.random.default_rng(16).integers(-3, 4, (300, 30)).astype(np.float64)
    r = ember.tensor(A.astype(dt.np), device="opencl") @ ember.tensor(B.astype(dt.np),
                                                                      device="opencl")
    assert np.array_equal(host(r).astype(np.float64), A @ B)     # exact in both dtypes
    assert splitk == []


def test_cpu_design_never_splits(splitk, backend):
    A, B = values((20, 300), 17), values((300, 30), 18)
    with backend.gemm_variant("cpu"):
        close(cl(A, F32) @ cl(B, F32), A @ B, F32)
        assert "split-K" not in backend.gemm_choice(20, 30, 300, F32)
    assert splitk == []


def test_conv2d_weight_grad_splits(splitk, variant):
    """conv2d's weight gradient (M = out channels, N = C*3*3, K = batch * pixels) splits on
    OpenCL and matches the CPU device's."""
    x = values((2, 3, 8, 8), 19).astype(np.float32)
    w = values((4, 3, 3, 3), 20).astype(np.float32)
    grads = []
    for dev in ("cpu", "opencl"):
        xt = ember.tensor(x, device=dev, requires_grad=True)
        wt = ember.tensor(w, device=dev, requires_grad=True)
        F.conv2d(xt, wt, padding=1).square().sum().backward()
        grads.append((host(xt.grad), host(wt.grad)))
    assert splitk and max(s for s, _ in splitk) >= 2
    for g_cpu, g_cl in zip(*grads):
        np.testing.assert_allclose(g_cl, g_cpu, rtol=1e-5, atol=1e-4)


def test_h200_conv_weight_grad_plan():
    """The measured case (conv 3x3 backward on (32, 64, 56, 56): M=64, N=576, K=100352) on a
    132-CU NVIDIA GPU splits to 2-4 work-groups per CU; square GEMMs and short k do not."""
    dev = types.SimpleNamespace(is_gpu=True, is_cpu=False, vendor="NVIDIA Corporation",
                                max_work_group_size=1024, local_memory=48 * 1024,
                                compute_units=132, fp64=True)
    fake = types.SimpleNamespace(dev=dev, _gvariant=lambda: "gpu")
    plan = lambda m, n, k, nb=1: LK.LinalgKernels._gemm_plan(fake, m, n, k, nb, F32)

    def split(m, n, k, nb=1):
        return LK.LinalgKernels._gemm_split(fake, *plan(m, n, k, nb), m, n, k, nb, int(nb > 1),
                                            F32)

    variant, tiles, _ = plan(64, 576, 100352)
    s, kc = split(64, 576, 100352)
    groups = -(-64 // tiles[0]) * -(-576 // tiles[1])
    assert 2 * 132 <= groups * s <= 4 * 132 and kc >= 256 and kc % tiles[2] == 0
    assert (s - 1) * kc < 100352 <= s * kc
    assert split(1024, 1024, 65536) is not None                 # linear weight grad, big batch
    assert split(256, 2304, 6272) is not None                   # a later conv layer's
    for m, n, k in ((4096, 4096, 4096), (1024, 1024, 1024), (512, 512, 512), (64, 576, 300)):
        assert split(m, n, k) is None
