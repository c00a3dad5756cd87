"""torch.linalg factorizations, solvers and norms against NumPy oracles (reconstruction checks for
QR / SVD / eigh, whose signs are not unique)."""

import numpy as np
import pytest

import ember
import ember.linalg as LA
from conftest import assert_close, noncontig, make, to_np

RNG = np.random.default_rng(1234)


def rand(*shape, dtype=np.float32):
    if np.dtype(dtype).kind in "iu":
        return RNG.integers(-5, 6, size=shape).astype(dtype)
    return RNG.standard_normal(shape).astype(dtype)


def T(arr, device):
    return ember.tensor(np.asarray(arr), device=device)


def spd(n, batch=(), dtype=np.float64):
    a = RNG.standard_normal(batch + (n, n))
    return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n)).astype(dtype)


# ------------------------------------------------------------------------------------------------
# norms
@pytest.mark.parametrize("ord", [2, 1, 0, 3.5, float("inf"), -float("inf"), -1])
def test_vector_norm(device, ord):
    x = rand(3, 4, 5, dtype=np.float64)
    assert_close(LA.vector_norm(T(x, device), ord), np.linalg.vector_norm(x, ord=ord))
    assert_close(LA.vector_norm(T(x, device), ord, dim=1), np.linalg.vector_norm(x, ord=ord, axis=1))
    assert_close(LA.vector_norm(T(x, device), ord, dim=(0, -1), keepdim=True),
                 np.linalg.vector_norm(x, ord=ord, axis=(0, 2), keepdims=True))
    assert_close(LA.vector_norm(make(noncontig(x), device), ord, dim=-1), np.linalg.vector_norm(x, ord=ord, axis=-1))


def test_vector_norm_special(device):
    x = rand(3, 1, dtype=np.float32)
    assert_close(LA.vector_norm(T(x, device), 2, dim=1), np.abs(x[:, 0]))          # size-1 reduction
    assert_close(LA.vector_norm(T(x, device), 0, dim=1), (x[:, 0] != 0).astype(np.float32))
    assert_close(LA.vector_norm(T(np.float32(-3), device)), np.float32(3))          # 0-d
    assert_close(LA.vector_norm(T(rand(0, 3), device)), np.float32(0))
    assert_close(LA.vector_norm(T(x, device), dtype=ember.float64), np.linalg.vector_norm(x.astype(np.float64)))
    h = T(rand(8), device).half()
    assert LA.vector_norm(h).dtype is ember.float16
    assert_close(LA.vector_norm(h).float(), np.linalg.vector_norm(to_np(h).astype(np.float32)), rtol=2e-3, atol=1e-3)
    with pytest.raises(RuntimeError, match="linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long"):
        LA.vector_norm(T(np.arange(3), device))
    with pytest.raises(RuntimeError, match="linalg.vector_norm cannot compute the inf norm on an empty tensor because the operation does not have an identity"):
        LA.vector_norm(T(rand(0, 3), device), float("inf"))
    with pytest.raises(RuntimeError, match="linalg.vector_norm cannot compute the -1 norm on the dimension 0because this dimension is empty"):
        LA.vector_norm(T(rand(0, 3), device), -1, dim=0)
    with pytest.raises(RuntimeError, match=r"linalg.vector_norm: the dtype of the input \(Double\) should be convertible without narrowing to the specified dtype \(Float\)"):
        LA.vector_norm(T(rand(3, dtype=np.float64), device), dtype=ember.float32)
    with pytest.raises(IndexError, match="Dimension out of range"):
        LA.vector_norm(T(rand(3), device), dim=2)


@pytest.mark.parametrize("ord", ["fro", "nuc", 2, -2, 1, -1, float("inf"), -float("inf")])
def test_matrix_norm(device, ord):
    a = rand(2, 3, 4, dtype=np.float64)
    assert_close(LA.matrix_norm(T(a, device), ord), np.linalg.norm(a, ord=ord, axis=(-2, -1)))
    assert_close(LA.matrix_norm(T(a, device), ord, dim=(0, 2)), np.linalg.norm(a, ord=ord, axis=(0, 2)))
    assert_close(LA.matrix_norm(T(a, device), ord, dim=(2, 0), keepdim=True),
                 np.linalg.norm(a, ord=ord, axis=(2, 0), keepdims=True))
    assert_close(LA.norm(T(a[0], device), ord), np.linalg.norm(a[0], ord=ord))


def test_norm_dispatch_and_errors(device):
    x = rand(3, 4, dtype=np.float64)
    assert_close(LA.norm(T(x, device)), np.linalg.norm(x))
    assert_close(LA.norm(T(x, device), dim=1), np.linalg.norm(x, axis=1))
    assert_close(LA.norm(T(x[0], device), 3), np.linalg.norm(x[0], 3))
    x3 = rand(2, 3, 4, dtype=np.float64)
    assert_close(LA.norm(T(x3, device)), np.linalg.vector_norm(x3))
    assert_close(ember.norm(T(x, device)), np.linalg.norm(x))
    assert_close(T(x, device).norm(1, dim=0), np.linalg.norm(x, 1, axis=0))
    assert_close(T(x, device).norm(p="nuc"), np.linalg.norm(x, "nuc"))
    assert_close(ember.norm(T(x, device), dim=(0, 1), keepdim=True), np.linalg.norm(x, axis=(0, 1), keepdims=True))
    with pytest.raises(RuntimeError, match=r"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got 3D."):
        LA.norm(T(rand(2, 2, 2), device), 2)
    with pytest.raises(RuntimeError, match=r"linalg.norm: If dim is specified, it must be of length 1 or 2. Got \[0, 1, 2\]"):
        LA.norm(T(rand(2, 2, 2), device), dim=(0, 1, 2))
    with pytest.raises(RuntimeError, match="linalg.matrix_norm: Order 3 not supported."):
        LA.matrix_norm(T(x, device), 3)
    with pytest.raises(RuntimeError, match="linalg.matrix_norm: The input tensor A must have at least 2 dimensions."):
        LA.matrix_norm(T(x[0], device))
    with pytest.raises(RuntimeError, match=r"linalg.matrix_norm: dims must be different. Got \(1, 1\)"):
        LA.matrix_norm(T(x, device), dim=(1, -1))


# ------------------------------------------------------------------------------------------------
# LU: inv, solve, det, slogdet
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_inv(device, dtype):
    a = rand(3, 4, 4, dtype=dtype) + 4 * np.eye(4, dtype=dtype)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else {}
    assert_close(LA.inv(T(a, device)), np.linalg.inv(a), **tol)
    assert_close(LA.inv(make(noncontig(a[0]), device)), np.linalg.inv(a[0]), **tol)
    assert_close(ember.inverse(T(a[1], device)), np.linalg.inv(a[1]), **tol)
    assert_close(T(a[2], device).inverse(), np.linalg.inv(a[2]), **tol)
    assert_close(LA.inv(T(np.zeros((0, 0), dtype), device)), np.zeros((0, 0), dtype))


def test_inv_errors(device):
    sing = np.array([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(LA.LinAlgError, match=r"linalg.inv: The diagonal element 2 is zero, the inversion could not be completed because the input matrix is singular."):
        LA.inv(T(sing, device))
    assert issubclass(LA.LinAlgError, RuntimeError)
    mid = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])     # first zero pivot is U[2, 2]
    with pytest.raises(LA.LinAlgError, match=r"linalg.inv: The diagonal element 2 is zero"):
        LA.inv(T(mid, device))
    batch = np.stack([np.eye(2), sing, np.zeros((2, 2))])
    with pytest.raises(LA.LinAlgError, match=r"linalg.inv: \(Batch element 1\): The diagonal element 2 is zero"):
        LA.inv(T(batch, device))
    inv, info = LA.inv_ex(T(batch, device))
    assert to_np(info).tolist() == [0, 2, 1] and info.dtype is ember.int32
    assert_close(LA.inv_ex(T(batch[:1], device)).inverse, np.eye(2)[None])
    with pytest.raises(LA.LinAlgError, match="linalg.inv_ex: The diagonal element 1 is zero"):
        LA.inv_ex(T(np.zeros((2, 2)), device), check_errors=True)
    with pytest.raises(RuntimeError, match="linalg.inv: A must be batches of square matrices, but they are 2 by 3 matrices"):
        LA.inv(T(rand(2, 3), device))
    with pytest.raises(RuntimeError, match="linalg.inv: Expected a floating point or complex tensor as input. Got Long"):
        LA.inv(T(np.eye(2, dtype=np.int64), device))
    with pytest.raises(RuntimeError, match="linalg.inv: The input tensor A must have at least 2 dimensions."):
        LA.inv(T(rand(3), device))
    with pytest.raises(RuntimeError, match="linalg.inv: Low precision dtypes not supported. Got Half"):
        LA.inv(T(np.eye(2), device).half())


def test_solve(device):
    a = rand(2, 3, 3, dtype=np.float64) + 3 * np.eye(3)
    b = rand(2, 3, 4, dtype=np.float64)
    assert_close(LA.solve(T(a, device), T(b, device)), np.linalg.solve(a, b))
    v = rand(3, dtype=np.float64)
    assert_close(LA.solve(T(a, device), T(v, device)), np.linalg.solve(a, v[None, :, None])[..., 0])   # vector rhs
    bv = rand(2, 3, dtype=np.float64)
    assert_close(LA.solve(T(a, device), T(bv, device)), np.linalg.solve(a, bv[..., None])[..., 0])  # batch of vectors
    assert_close(LA.solve(T(a[0], device), T(b, device)), np.linalg.solve(a[0], b))                # broadcast A
    xl = LA.solve(T(a, device), T(np.swapaxes(b, -1, -2), device), left=False)                      # X A = B
    assert_close(xl, np.swapaxes(np.linalg.solve(np.swapaxes(a, -1, -2), b), -1, -2))
    assert_close(LA.solve(make(noncontig(a[0]), device), make(noncontig(b[0]), device)), np.linalg.solve(a[0], b[0]))
    with pytest.raises(LA.LinAlgError, match="linalg.solve: The solver failed because the input matrix is singular."):
        LA.solve(T(np.zeros((2, 2)), device), T(np.ones(2), device))
    with pytest.raises(RuntimeError, match=r"linalg.solve: Incompatible shapes of A and B for the equation AX = B \(3x3 and 4x4\)"):
        LA.solve(T(a, device), T(rand(2, 4, 4, dtype=np.float64), device))
    with pytest.raises(RuntimeError, match="linalg.solve: Expected A and B to have the same dtype, but found A of type Double and B of type Float instead"):
        LA.solve(T(a, device), T(rand(2, 3, 4), device))
    r, info = LA.solve_ex(T(np.zeros((2, 2)), device), T(np.ones((2, 1)), device))
    assert info.item() == 1


def test_det_slogdet(device):
    a = rand(3, 4, 4, dtype=np.float64)
    assert_close(LA.det(T(a, device)), np.linalg.det(a))
    assert_close(ember.det(T(a[0], device)), np.linalg.det(a[0]))
    assert_close(T(a[1], device).det(), np.linalg.det(a[1]))
    sign, logabs = LA.slogdet(T(a, device))
    rs, rl = np.linalg.slogdet(a)
    assert_close(sign, rs)
    assert_close(logabs, rl)
    res = ember.slogdet(T(a[0], device))
    assert res.sign.item() == rs[0] and abs(res.logabsdet.item() - rl[0]) < 1e-9
    sing = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert_close(LA.det(T(sing, device)), np.float64(0))
    s, l = LA.slogdet(T(sing, device))
    assert s.item() == 0 and l.item() == -np.inf
    pos = spd(3)
    assert_close(ember.logdet(T(pos, device)), np.log(np.linalg.det(pos)))
    neg = np.diag([-1.0, 2.0])
    assert np.isnan(ember.logdet(T(neg, device)).item())
    assert_close(LA.det(T(np.zeros((2, 0, 0)), device)), np.ones(2))
    f = rand(4, 4)
    assert_close(LA.det(T(f, device)), np.linalg.det(f), rtol=1e-4, atol=1e-5)      # float32 kept
    with pytest.raises(RuntimeError, match="linalg.det: A must be batches of square matrices, but they are 2 by 3 matrices"):
        LA.det(T(rand(2, 3), device))


# ------------------------------------------------------------------------------------------------
# Cholesky, QR, SVD, eigh
def test_cholesky(device):
    a = spd(4, (2,))
    L = LA.cholesky(T(a, device))
    assert_close(L, np.linalg.cholesky(a))
    Uc = LA.cholesky(T(a, device), upper=True)
    assert_close(Uc, np.swapaxes(np.linalg.cholesky(a), -1, -2))
    assert_close(T(a[0], device).cholesky(), np.linalg.cholesky(a[0]))
    f = spd(3, dtype=np.float32)
    assert_close(LA.cholesky(T(f, device)), np.linalg.cholesky(f), rtol=1e-5, atol=1e-5)
    bad = np.array([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(LA.LinAlgError, match=r"linalg.cholesky: The factorization could not be completed because the input is not positive-definite \(the leading minor of order 2 is not positive-definite\)."):
        LA.cholesky(T(bad, device))
    with pytest.raises(LA.LinAlgError, match=r"linalg.cholesky: \(Batch element 1\): The factorization could not be completed"):
        LA.cholesky(T(np.stack([np.eye(2), -np.eye(2)]), device))
    L, info = LA.cholesky_ex(T(np.stack([np.eye(2), bad]), device))
    assert to_np(info).tolist() == [0, 2]
    with pytest.raises(RuntimeError, match="linalg.cholesky: A must be batches of square matrices"):
        LA.cholesky(T(rand(2, 3, dtype=np.float64), device))


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (2, 4, 4), (0, 3)])
@pytest.mark.parametrize("mode", ["reduced", "complete", "r"])
def test_qr(device, shape, mode):
    a = rand(*shape, dtype=np.float64)
    Q, R = LA.qr(T(a, device), mode=mode)
    k = min(shape[-2:])
    if mode == "r":
        assert Q.shape == (0,)
        assert_close(ember.abs(R), np.abs(np.linalg.qr(a, mode="r")))
        return
    q, r = to_np(Q), to_np(R)
    assert q.shape == shape[:-2] + (shape[-2], shape[-2] if mode == "complete" else k)
    np.testing.assert_allclose(np.matmul(q, r), a, atol=1e-10)
    np.testing.assert_allclose(np.matmul(np.swapaxes(q, -1, -2), q), np.broadcast_to(np.eye(q.shape[-1]), q.shape[:-2] + (q.shape[-1],) * 2), atol=1e-10)
    np.testing.assert_allclose(np.triu(r), r)


def test_qr_legacy_and_errors(device):
    a = rand(4, 3, dtype=np.float64)
    Q, R = ember.qr(T(a, device))
    np.testing.assert_allclose(to_np(Q) @ to_np(R), a, atol=1e-10)
    Q, R = T(a, device).qr(some=False)
    assert Q.shape == (4, 4)
    with pytest.raises(RuntimeError, match="qr received unrecognized mode 'full' but expected one of 'reduced' \\(default\\), 'r', or 'complete'"):
        LA.qr(T(a, device), mode="full")
    with pytest.raises(RuntimeError, match="linalg.qr: Expected a floating point or complex tensor as input. Got Long"):
        LA.qr(T(np.eye(2, dtype=np.int64), device))


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (2, 4, 4), (2, 0, 3)])
@pytest.mark.parametrize("full", [True, False])
def test_svd(device, shape, full):
    a = rand(*shape, dtype=np.float64)
    Um, S, Vh = LA.svd(T(a, device), full_matrices=full)
    u, s, vh = to_np(Um), to_np(S), to_np(Vh)
    m, n = shape[-2:]
    k = min(m, n)
    assert u.shape == shape[:-2] + (m, m if full else k) and vh.shape == shape[:-2] + (n if full else k, n)
    np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), atol=1e-10)
    np.testing.assert_allclose(np.matmul(u[..., :k] * s[..., None, :], vh[..., :k, :]), a, atol=1e-10)
    eye = lambda q: np.broadcast_to(np.eye(q.shape[-1]), q.shape[:-2] + (q.shape[-1],) * 2)
    np.testing.assert_allclose(np.matmul(np.swapaxes(u, -1, -2), u), eye(u), atol=1e-10)
    np.testing.assert_allclose(np.matmul(vh, np.swapaxes(vh, -1, -2)), eye(np.swapaxes(vh, -1, -2)), atol=1e-10)
    assert_close(LA.svdvals(T(a, device)), np.linalg.svd(a, compute_uv=False), atol=1e-10)


def test_svd_legacy_and_errors(device):
    a = rand(4, 3, dtype=np.float64)
    Um, S, V = ember.svd(T(a, device))
    np.testing.assert_allclose(to_np(Um) * to_np(S) @ to_np(V).T, a, atol=1e-10)
    assert Um.shape == (4, 3) and V.shape == (3, 3)
    Um, S, V = T(a, device).svd(compute_uv=False)
    assert not to_np(Um).any() and Um.shape == (4, 4)
    f = rand(3, 3)
    assert_close(LA.svdvals(T(f, device)), np.linalg.svd(f, compute_uv=False), rtol=1e-4, atol=1e-5)
    nan = np.full((2, 2), np.nan)
    with pytest.raises(LA.LinAlgError, match="linalg.svd: The algorithm failed to converge because the input matrix contained non-finite values."):
        LA.svd(T(nan, device))
    with pytest.raises(RuntimeError, match="linalg.svd: The input tensor A must have at least 2 dimensions."):
        LA.svd(T(rand(3), device))


def test_eigh(device):
    a = spd(4, (2,)) - 5 * np.eye(4)
    w, V = LA.eigh(T(a, device))
    rw, _ = np.linalg.eigh(a)
    assert_close(w, rw)
    v = to_np(V)
    np.testing.assert_allclose(np.matmul(v * to_np(w)[..., None, :], np.swapaxes(v, -1, -2)), a, atol=1e-9)
    np.testing.assert_allclose(np.matmul(np.swapaxes(v, -1, -2), v), np.broadcast_to(np.eye(4), (2, 4, 4)), atol=1e-10)
    assert_close(LA.eigvalsh(T(a, device)), rw)
    lower_only = np.tril(a[0])
    assert_close(LA.eigvalsh(T(lower_only, device)), np.linalg.eigvalsh(a[0]))
    upper_only = np.triu(a[0])
    assert_close(LA.eigvalsh(T(upper_only, device), UPLO="U"), np.linalg.eigvalsh(a[0]))
    res = LA.eigh(T(a[0], device))
    assert res.eigenvalues.shape == (4,) and res.eigenvectors.shape == (4, 4)
    assert LA.eigh(T(np.zeros((0, 0)), device)).eigenvalues.shape == (0,)
    with pytest.raises(RuntimeError, match="Expected UPLO argument to be 'L' or 'U', but got X"):
        LA.eigh(T(a, device), UPLO="X")
    with pytest.raises(RuntimeError, match="linalg.eigh: A must be batches of square matrices, but they are 2 by 3 matrices"):
        LA.eigh(T(rand(2, 3, dtype=np.float64), device))


# ------------------------------------------------------------------------------------------------
# pinv, matrix_rank, lstsq
def test_pinv_matrix_rank(device):
    a = rand(5, 3, dtype=np.float64) @ rand(3, 4, dtype=np.float64)          # rank 3
    assert_close(LA.pinv(T(a, device)), np.linalg.pinv(a), rtol=1e-6, atol=1e-8)
    assert_close(ember.pinverse(T(a, device)), np.linalg.pinv(a, rcond=1e-15), rtol=1e-6, atol=1e-8)
    assert_close(T(a, device).pinverse(), np.linalg.pinv(a, rcond=1e-15), rtol=1e-6, atol=1e-8)
    b = rand(2, 4, 3, dtype=np.float64)
    assert_close(LA.pinv(T(b, device)), np.linalg.pinv(b), rtol=1e-6, atol=1e-8)
    s = spd(4) @ np.diag([1.0, 1.0, 1.0, 0.0]) @ spd(4)
    s = s + s.T
    assert_close(LA.pinv(T(s, device), hermitian=True), np.linalg.pinv(s, hermitian=True), rtol=1e-6, atol=1e-8)
    d = np.diag([1.0, 1e-2, 1e-5])
    assert_close(LA.pinv(T(d, device), atol=1e-3), np.diag([1.0, 100.0, 0.0]))
    assert_close(LA.pinv(T(d, device), rtol=1e-6), np.diag([1.0, 100.0, 1e5]), rtol=1e-9)
    assert_close(LA.pinv(T(rand(0, 3, dtype=np.float64), device)), np.zeros((3, 0)))
    assert_close(LA.matrix_rank(T(a, device)), np.int64(3))
    assert_close(LA.matrix_rank(T(np.stack([a[:4, :4], np.eye(4)]), device)), np.array([3, 4]))
    assert_close(LA.matrix_rank(T(s, device), hermitian=True), np.int64(np.linalg.matrix_rank(s, hermitian=True)))
    assert_close(LA.matrix_rank(T(np.diag([1.0, 1e-3, 1e-9]), device), atol=1e-6), np.int64(2))
    assert_close(LA.matrix_rank(T(np.diag([1.0, 1e-3, 1e-9]), device), rtol=1e-2), np.int64(1))
    assert_close(LA.matrix_rank(T(np.zeros((0, 3)), device)), np.int64(0))
    with pytest.raises(RuntimeError, match=r"linalg.pinv\(Long\{\[2, 2\]\}\): expected a tensor with 2 or more dimensions of float, double, cfloat or cdouble types"):
        LA.pinv(T(np.eye(2, dtype=np.int64), device))
    with pytest.raises(RuntimeError, match="torch.linalg.matrix_rank: The input tensor input must have at least 2 dimensions."):
        LA.matrix_rank(T(rand(3), device))


@pytest.mark.parametrize("driver", [None, "gelsd", "gelss", "gels"])
def test_lstsq(device, driver):
    a, b = rand(6, 3, dtype=np.float64), rand(6, 2, dtype=np.float64)
    sol, res, rank, sv = LA.lstsq(T(a, device), T(b, device), driver=driver)
    rx, rres, rrank, rsv = np.linalg.lstsq(a, b, rcond=None)
    assert_close(sol, rx, rtol=1e-7, atol=1e-9)
    if driver in (None, "gelsy"):
        assert res.shape == (0,) and sv.shape == (0,)
        assert_close(rank, np.int64(rrank))
    elif driver == "gels":
        assert_close(res, rres, rtol=1e-7)
        assert rank.shape == (0,) and sv.shape == (0,)
    else:
        assert_close(res, rres, rtol=1e-7)
        assert_close(rank, np.int64(rrank))
        assert_close(sv, rsv)


def test_lstsq_batched_vector_and_errors(device):
    a, b = rand(2, 5, 3, dtype=np.float64), rand(2, 5, dtype=np.float64)
    sol = LA.lstsq(T(a, device), T(b, device)).solution
    ref = np.stack([np.linalg.lstsq(a[i], b[i], rcond=None)[0] for i in range(2)])
    assert_close(sol, ref, rtol=1e-7, atol=1e-9)
    under = rand(2, 4, dtype=np.float64)            # under-determined: minimum-norm solution
    assert_close(LA.lstsq(T(under, device), T(np.ones((2, 1)), device)).solution,
                 np.linalg.lstsq(under, np.ones((2, 1)), rcond=None)[0], rtol=1e-7, atol=1e-9)
    with pytest.raises(RuntimeError, match=r"torch.linalg.lstsq: input.size\(-2\) should match other.size\(-2\)"):
        LA.lstsq(T(a, device), T(rand(2, 4, 2, dtype=np.float64), device))
    with pytest.raises(RuntimeError, match="parameter `driver` should be one of"):
        LA.lstsq(T(a, device), T(b, device), driver="foo")
    with pytest.raises(RuntimeError, match="Expected input and other to have the same dtype"):
        LA.lstsq(T(a, device), T(rand(2, 5), device))


def test_linalg_namespace():
    for name in ["LinAlgError", "matmul", "inv", "inv_ex", "solve", "det", "slogdet", "cholesky", "qr", "svd",
                 "svdvals", "eigh", "eigvalsh", "pinv", "matrix_rank", "lstsq", "norm", "vector_norm",
                 "matrix_norm", "cross", "multi_dot", "matrix_power", "vecdot", "diagonal"]:
        assert hasattr(LA, name), name
    for name in ["matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "addmm", "addmv", "addr",
                 "baddbmm", "addbmm", "einsum", "tensordot", "trace", "kron", "cross", "cdist", "cov",
                 "corrcoef", "chain_matmul", "matrix_power", "det", "slogdet", "logdet", "inverse", "norm"]:
        assert hasattr(ember, name), name
    d = LA.diagonal(ember.tensor(np.arange(8.0).reshape(2, 2, 2)))
    assert_close(d, np.arange(8.0).reshape(2, 2, 2).diagonal(axis1=-2, axis2=-1))
