"""Linear algebra on OpenCL (lapack_kernels.py): vector_norm on the device, compared with the
CPU backend over ords, dtypes (float16 / bfloat16 accumulate in float32), dims, keepdim,
non-contiguous and regrouped inputs, long reductions split in parts, special values, both
reduction kernel shapes, and without any device-to-host transfer; the factorizations' host round
trip with strided operands and optional outputs (their failure infos and errors are
tests/ops/test_linalg_decomp.py's, on every device).
"""
import numpy as np
import pytest

import ember
import ember.linalg as LA
from cltools import ocl, backend, host, variant  # noqa: F401  (fixtures)

F32, F64, F16, BF16 = ember.float32, ember.float64, ember.float16, ember.bfloat16
TOL = {F32: 2e-5, F64: 1e-12, F16: 2e-3, BF16: 1e-2}
INF = float("inf")
ORDS = [2, 1, 0, INF, -INF, 3.5, -1, 0.5]
RNG = np.random.default_rng(7)



def _pair(arr, dtype, ocl):
    """The same values as a CPU and an OpenCL tensor of `dtype`."""
    c = ember.tensor(arr, dtype=dtype)
    return c, c.to(ocl)


def _check(got, exp, dtype):
    assert got.device.type == "opencl" and got.dtype is exp.dtype and got.shape == exp.shape
    np.testing.assert_allclose(host(got), host(exp), rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize("ord", ORDS)
@pytest.mark.parametrize("dtype", [F32, F64, F16, BF16])
def test_vector_norm_matches_cpu(ocl, variant, ord, dtype):
    x = RNG.standard_normal((4, 5, 6))
    x[0, 0, :2] = 0                                    # zeros for ord 0 and the negative ords
    c, d = _pair(x, dtype, ocl)
    for dim, keepdim in [(None, False), (0, False), (-1, True), ((0, 2), False), ((2, 0), True),
                         ((0, 1, 2), True)]:
        _check(LA.vector_norm(d, ord, dim, keepdim), LA.vector_norm(c, ord, dim, keepdim), dtype)
    # non-contiguous, and a transposed layout whose reduced dim is the outer one in memory
    _check(LA.vector_norm(d[:, ::2, 1:], ord, 1), LA.vector_norm(c[:, ::2, 1:], ord, 1), dtype)
    _check(LA.vector_norm(d.transpose(0, 2), ord, -1), LA.vector_norm(c.transpose(0, 2), ord, -1),
           dtype)


@pytest.mark.parametrize("ord", [2, 1, INF, 3.0])
def test_vector_norm_long_and_regrouped(ocl, variant, ord):
    x = RNG.standard_normal(300_000)                   # split in parts, finished in a second pass
    c, d = _pair(x, F32, ocl)
    _check(LA.vector_norm(d, ord), LA.vector_norm(c, ord), F32)
    y = RNG.standard_normal((2, 3, 2, 3, 2, 3, 2))     # more dims than the plan holds
    c, d = _pair(y, F64, ocl)
    p = (0, 2, 4, 6, 1, 3, 5)
    _check(LA.vector_norm(d.permute(p), ord, (0, 2, 4, 6)),
           LA.vector_norm(c.permute(p), ord, (0, 2, 4, 6)), F64)


@pytest.mark.parametrize("ord", ORDS)
def test_vector_norm_special_values(ocl, ord):
    x = np.array([[1.0, np.nan, 2.0], [np.inf, 1.0, -3.0], [-np.inf, 0.0, 0.0], [0.0, -0.0, 0.0]])
    c, d = _pair(x, F32, ocl)
    got, exp = LA.vector_norm(d, ord, 1), LA.vector_norm(c, ord, 1)
    np.testing.assert_array_equal(host(got), host(exp))
    assert host(got).tolist()[3] == 0.0                  # every ord of zeros


@pytest.mark.parametrize("dtype", [F16, BF16])
def test_vector_norm_half_accumulates_in_float(ocl, dtype):
    x = np.full(1000, 300.0)            # the sum of squares (9e7) is far beyond float16's range
    d = ember.tensor(x, dtype=dtype, device=ocl)
    assert host(LA.vector_norm(d)).item() == pytest.approx(300 * np.sqrt(1000), rel=TOL[dtype])
    assert host(LA.vector_norm(d, 4.0)).item() == pytest.approx(300 * 1000 ** 0.25, rel=TOL[dtype])


def test_vector_norm_stays_on_the_device(ocl, backend, monkeypatch):
    x = ember.tensor(RNG.standard_normal((8, 9)), dtype=F32, device=ocl)
    cpu = x.cpu()

    def no_transfer(*args):
        raise AssertionError("vector_norm read device memory back to the host")
    monkeypatch.setattr(backend, "_read_into", no_transfer)
    results = [LA.vector_norm(x, ord, 1) for ord in ORDS]
    monkeypatch.undo()
    for ord, got in zip(ORDS, results):
        _check(got, LA.vector_norm(cpu, ord, 1), F32)


def test_norm_users_on_opencl(ocl):
    """The composites built on vector_norm: normalize, clip_grad_norm_, matrix norms."""
    x = RNG.standard_normal((5, 7))
    c, d = _pair(x, F32, ocl)
    _check(ember.nn.functional.normalize(d, dim=1), ember.nn.functional.normalize(c, dim=1), F32)
    _check(LA.matrix_norm(d), LA.matrix_norm(c), F32)
    _check(LA.matrix_norm(d, 1), LA.matrix_norm(c, 1), F32)
    _check(LA.matrix_norm(d, -INF), LA.matrix_norm(c, -INF), F32)
    p_cpu = ember.nn.Parameter(c.clone())
    p_ocl = ember.nn.Parameter(d.clone())
    p_cpu.grad, p_ocl.grad = c * 3, d * 3
    total_cpu = ember.nn.utils.clip_grad_norm_([p_cpu], 1.0)
    total_ocl = ember.nn.utils.clip_grad_norm_([p_ocl], 1.0)
    _check(total_ocl, total_cpu, F32)
    _check(p_ocl.grad, p_cpu.grad, F32)


# -- factorizations: host round trips --------------------------------------------------------
def test_factorizations_take_strided_operands(ocl):
    a = RNG.standard_normal((3, 4, 4)) + 4 * np.eye(4)
    c, d = _pair(a, F64, ocl)
    ct, dt = c.transpose(-2, -1), d.transpose(-2, -1)      # column-major matrices
    _check(LA.inv(dt), LA.inv(ct), F64)
    _check(LA.det(dt[::2]), LA.det(ct[::2]), F64)
    b = RNG.standard_normal((3, 4, 2))
    cb, db = _pair(b, F64, ocl)
    _check(LA.solve(dt, db[..., ::2]), LA.solve(ct, cb[..., ::2]), F64)
    spd = c @ c.transpose(-2, -1)
    _check(LA.cholesky(spd.to(ocl), upper=True), LA.cholesky(spd, upper=True), F64)
    _check(LA.eigvalsh(spd.to(ocl)), LA.eigvalsh(spd), F64)
    _check(LA.svdvals(dt), LA.svdvals(ct), F64)
    r_cpu = LA.qr(ct, mode="r")
    r_ocl = LA.qr(dt, mode="r")
    assert r_ocl.Q.numel() == 0 and r_cpu.Q.numel() == 0
    _check(r_ocl.R, r_cpu.R, F64)


def test_lstsq_optional_outputs(ocl):
    a = RNG.standard_normal((2, 6, 3))
    b = RNG.standard_normal((2, 6, 2))
    ca, da = _pair(a, F64, ocl)
    cb, db = _pair(b, F64, ocl)
    for driver in ("gelsd", "gels"):
        got, exp = LA.lstsq(da, db, driver=driver), LA.lstsq(ca, cb, driver=driver)
        for g, e in zip(got, exp):
            assert g.shape == e.shape and g.dtype is e.dtype
            if e.numel():
                np.testing.assert_allclose(host(g), host(e), rtol=1e-10, atol=1e-10)
