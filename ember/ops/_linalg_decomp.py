"""Factorizations and solvers of torch.linalg: inv, solve, det, slogdet, cholesky, qr, svd, eigh,
lstsq, and the SVD-based pinv / matrix_rank.

The LAPACK work is a backend primitive per factorization; failures come back as LAPACK `info`
codes and are raised here as LinAlgError with PyTorch's messages.
"""
import collections

from .. import dtypes as _dt
from ..tensor import Tensor, _empty
from ._helpers import method, finish_out, broadcast_shapes
from . import _linalg_util as U
from ._linalg_util import LinAlgError
from . import elementwise as _ew
from ._linalg_matmul import matmul

__all__ = ["det", "logdet", "slogdet", "inverse", "pinverse", "cholesky", "qr", "svd"]

InvEx = collections.namedtuple("linalg_inv_ex", ["inverse", "info"])
SolveEx = collections.namedtuple("linalg_solve_ex", ["result", "info"])
CholeskyEx = collections.namedtuple("linalg_cholesky_ex", ["L", "info"])
Slogdet = collections.namedtuple("linalg_slogdet", ["sign", "logabsdet"])
QR = collections.namedtuple("linalg_qr", ["Q", "R"])
SVD = collections.namedtuple("linalg_svd", ["U", "S", "Vh"])
SVDOld = collections.namedtuple("svd", ["U", "S", "V"])
Eigh = collections.namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])
Lstsq = collections.namedtuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])


def _new(shape, dtype, device):
    return _empty(tuple(shape), dtype, device)


def _finish_tuple(res, out, cls):
    if out is None:
        return res
    if not isinstance(out, (tuple, list)) or len(out) != len(res):
        raise TypeError(f"argument 'out' must be tuple of {len(res)} Tensors")
    return cls(*(finish_out(r, o) for r, o in zip(res, out)))


def _check_errors(info, api, is_matrix):
    """Raise PyTorch's LinAlgError for the first non-zero LAPACK info code."""
    codes = U.reshape(info, (info.numel(),)).tolist()
    bad = next((i for i, c in enumerate(codes) if c != 0), None)
    if bad is None:
        return
    code = codes[bad]
    where = "" if is_matrix else f": (Batch element {bad})"
    if code < 0 and "svd" in api:
        raise LinAlgError(f"{api}{where}: The algorithm failed to converge because the input matrix "
                          f"contained non-finite values.")
    if "inv" in api:
        msg = (f"The diagonal element {code} is zero, the inversion could not be completed because the "
               f"input matrix is singular.")
    elif "solve" in api:
        msg = "The solver failed because the input matrix is singular."
    elif "cholesky" in api:
        msg = (f"The factorization could not be completed because the input is not positive-definite "
               f"(the leading minor of order {code} is not positive-definite).")
    elif "svd" in api:
        msg = (f"The algorithm failed to converge because the input matrix is ill-conditioned or has too "
               f"many repeated singular values (error code: {code}).")
    else:
        msg = (f"The algorithm failed to converge because the input matrix is ill-conditioned or has too "
               f"many repeated eigenvalues (error code: {code}).")
    raise LinAlgError(f"{api}{where}: {msg}")


def _info(A):
    return _new(A._shape[:-2], _dt.int32, A.device)


# ------------------------------------------------------------------------------------------------
# LU: inv, solve, det, slogdet
def _inv(A, fname):
    U.check_float_matrix(A, fname, square=True)
    res, info = _new(A._shape, A.dtype, A.device), _info(A)
    A.device.backend.inv(res, info, A)
    return res, info


def inv_ex(A, *, check_errors=False, out=None):
    """(A^-1, info) without raising on singular input unless check_errors."""
    res, info = _inv(A, "linalg.inv_ex")
    if check_errors:
        _check_errors(info, "linalg.inv_ex", A.dim() == 2)
    return _finish_tuple(InvEx(res, info), out, InvEx)


def inv(A, *, out=None):
    """The inverse A^-1 of each square matrix; LinAlgError when singular."""
    res, info = _inv(A, "linalg.inv")
    _check_errors(info, "linalg.inv", A.dim() == 2)
    return finish_out(res, out)


@method()
def inverse(input, *, out=None):
    """Alias of linalg.inv."""
    return inv(input, out=out)


def _solve(A, B, left, fname):
    U.check_float_matrix(A, fname)
    if not isinstance(B, Tensor):
        raise TypeError(f"{fname.replace('.', '_')}(): argument 'B' must be Tensor, not {type(B).__name__}")
    if A.dtype is not B.dtype:
        raise RuntimeError(f"{fname}: Expected A and B to have the same dtype, but found A of type "
                           f"{U.st_name(A.dtype)} and B of type {U.st_name(B.dtype)} instead")
    vector = B.dim() == 1 or (A.dim() - 1 == B.dim() and B._shape == A._shape[:-1])
    B_ = U.unsqueeze(B, -1) if vector else B
    U.check_float_matrix(A, fname, square=True)
    if B_.dim() < 2:
        raise RuntimeError(f"{fname}: The input tensor B must have at least 2 dimensions.")
    if (A._shape[-2] != B_._shape[-2]) if left else (A._shape[-1] != B_._shape[-1]):
        raise RuntimeError(f"{fname}: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({A._shape[-2]}x{A._shape[-1]} and "
                           f"{B_._shape[-2]}x{B_._shape[-1]})")
    if not left and vector:
        raise RuntimeError(f"{fname}: Vector broadcasting of the left hand side is not supported for "
                           f"left=False. In this case linalg.solve is equivalent to B / A.squeeze(-1)")
    if not left:        # X A = B  <=>  A^T X^T = B^T
        A, B_ = U.mT(A), U.mT(B_)
    batch = broadcast_shapes(A._shape[:-2], B_._shape[:-2])
    Ae = U.expand(A, batch + A._shape[-2:])
    Be = U.expand(B_, batch + B_._shape[-2:])
    res = _new(Be._shape, A.dtype, A.device)
    info = _new(batch, _dt.int32, A.device)
    A.device.backend.solve(res, info, Ae, Be)
    if not left:
        res = U.mT(res)
    if vector:
        res = U.squeeze_dims(res, [-1])
    return res, info


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    res, info = _solve(A, B, left, "linalg.solve_ex")
    if check_errors:
        _check_errors(info, "linalg.solve_ex", A.dim() == 2)
    return _finish_tuple(SolveEx(res, info), out, SolveEx)


def solve(A, B, *, left=True, out=None):
    """X with A X = B (or X A = B when left=False); B may be a (batch of) vector(s)."""
    res, info = _solve(A, B, left, "linalg.solve")
    _check_errors(info, "linalg.solve", A.dim() == 2)
    return finish_out(res, out)


@method()
def det(A, *, out=None):
    """The determinant of each square matrix."""
    U.check_float_matrix(A, "linalg.det", square=True)
    res = _new(A._shape[:-2], A.dtype, A.device)
    A.device.backend.det(res, A)
    return finish_out(res, out)


@method()
def slogdet(A, *, out=None):
    """(sign, log|det|) of each square matrix; sign 0 and -inf for singular ones."""
    U.check_float_matrix(A, "linalg.slogdet", square=True)
    sign, logabs = _new(A._shape[:-2], A.dtype, A.device), _new(A._shape[:-2], A.dtype, A.device)
    A.device.backend.slogdet(sign, logabs, A)
    return _finish_tuple(Slogdet(sign, logabs), out, Slogdet)


@method()
def logdet(input):
    """log(det(A)): NaN for a negative determinant, -inf for a singular matrix."""
    U.check_float_matrix(input, "logdet", square=True)
    sign, logabs = slogdet(input)
    return _ew.where(_ew.eq(sign, -1), float("nan"), logabs)


# ------------------------------------------------------------------------------------------------
# Cholesky, QR, SVD, eigh
def _cholesky(A, upper, fname):
    U.check_float_matrix(A, fname, square=True)
    res, info = _new(A._shape, A.dtype, A.device), _info(A)
    A.device.backend.cholesky(res, info, A, bool(upper))
    return res, info


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    res, info = _cholesky(A, upper, "linalg.cholesky_ex")
    if check_errors:
        _check_errors(info, "linalg.cholesky_ex", A.dim() == 2)
    return _finish_tuple(CholeskyEx(res, info), out, CholeskyEx)


def linalg_cholesky(A, *, upper=False, out=None):
    """L lower-triangular with A = L L^T (U = L^T with upper=True); LinAlgError if not PD."""
    res, info = _cholesky(A, upper, "linalg.cholesky")
    _check_errors(info, "linalg.cholesky", A.dim() == 2)
    return finish_out(res, out)


@method()
def cholesky(input, upper=False, *, out=None):
    """torch.cholesky (deprecated form of linalg.cholesky)."""
    res, info = _cholesky(input, upper, "cholesky")
    _check_errors(info, "cholesky", input.dim() == 2)
    return finish_out(res, out)


def linalg_qr(A, mode="reduced", *, out=None):
    """A = Q R with orthonormal Q and upper-triangular R (mode 'reduced', 'complete' or 'r')."""
    U.check_float_matrix(A, "linalg.qr")
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' "
                           f"(default), 'r', or 'complete'")
    m, n = A._shape[-2:]
    k = min(m, n)
    batch = A._shape[:-2]
    rows = m if mode == "complete" else k
    R = _new(batch + (rows, n), A.dtype, A.device)
    if mode == "r":
        Q = _new((0,), A.dtype, A.device)
        A.device.backend.qr(None, R, A, mode)
    else:
        Q = _new(batch + (m, rows), A.dtype, A.device)
        A.device.backend.qr(Q, R, A, mode)
    return _finish_tuple(QR(Q, R), out, QR)


@method()
def qr(input, some=True, *, out=None):
    """torch.qr: reduced (some=True) or complete QR."""
    return linalg_qr(input, "reduced" if some else "complete", out=out)


def _svd(A, full_matrices, compute_uv, fname):
    U.check_float_matrix(A, fname)
    m, n = A._shape[-2:]
    k = min(m, n)
    batch = A._shape[:-2]
    S = _new(batch + (k,), A.dtype, A.device)
    if compute_uv:
        Um = _new(batch + (m, m if full_matrices else k), A.dtype, A.device)
        Vh = _new(batch + (n if full_matrices else k, n), A.dtype, A.device)
    else:
        Um = Vh = None
    if A.numel() == 0:
        if compute_uv:      # the orthogonal factors of an empty matrix are identities
            for T in (Um, Vh):
                A.device.backend.fill(T, 0)
                if T.numel():
                    A.device.backend.fill(U.diagonal(T, 0, -2, -1), 1)
        return Um, S, Vh
    code = A.device.backend.svd(Um, S, Vh, A, bool(full_matrices))
    if code:
        _check_errors(_full_info(A, code), fname, A.dim() == 2)
    return Um, S, Vh


def _full_info(A, code):
    info = _info(A)
    A.device.backend.fill(info, code)
    return info


def linalg_svd(A, full_matrices=True, *, driver=None, out=None):
    """A = U diag(S) Vh with singular values S in descending order."""
    return _finish_tuple(SVD(*_svd(A, full_matrices, True, "linalg.svd")), out, SVD)


def svdvals(A, *, driver=None, out=None):
    """The singular values of A in descending order."""
    return finish_out(_svd(A, False, False, "linalg.svdvals")[1], out)


@method()
def svd(input, some=True, compute_uv=True, *, out=None):
    """torch.svd: (U, S, V) with A = U diag(S) V^T (V, not Vh); zero U, V when not compute_uv."""
    Um, S, Vh = _svd(input, not (some and compute_uv), True, "linalg.svd")
    if not compute_uv:
        for T in (Um, Vh):
            input.device.backend.fill(T, 0)
    return _finish_tuple(SVDOld(Um, S, U.mT(Vh)), out, SVDOld)


def _eigh(A, UPLO, vectors, fname):
    U.check_float_matrix(A, fname, square=True)
    if not isinstance(UPLO, str) or UPLO.upper() not in ("L", "U") or len(UPLO) != 1:
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    w = _new(A._shape[:-1], A.dtype, A.device)
    v = _new(A._shape, A.dtype, A.device) if vectors else None
    if A.numel():
        code = A.device.backend.eigh(w, v, A, UPLO.upper())
        if code:
            _check_errors(_full_info(A, code), fname, A.dim() == 2)
    return w, v


def eigh(A, UPLO="L", *, out=None):
    """Eigen-decomposition A = V diag(w) V^T of symmetric A; w ascending."""
    return _finish_tuple(Eigh(*_eigh(A, UPLO, True, "linalg.eigh")), out, Eigh)


def eigvalsh(A, UPLO="L", *, out=None):
    """The eigenvalues (ascending) of symmetric A."""
    return finish_out(_eigh(A, UPLO, False, "linalg.eigvalsh")[0], out)


# ------------------------------------------------------------------------------------------------
_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A, B, rcond=None, *, driver=None):
    """Least-squares solution of A X = B with residuals, rank and singular values as the driver gives."""
    U.check_float_matrix(A, "linalg.lstsq", arg="input")
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg_lstsq(): argument 'b' must be Tensor, not {type(B).__name__}")
    if A.dtype is not B.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got "
                           f"input's dtype {U.st_name(A.dtype)} and other's dtype {U.st_name(B.dtype)}")
    if not (A.dim() >= B.dim() and A.dim() - B.dim() <= 1):
        raise RuntimeError("torch.linalg.lstsq: input.dim() must be greater or equal to other.dim() and "
                           "(input.dim() - other.dim()) <= 1")
    vector = A.dim() - 1 == B.dim()
    B_ = U.unsqueeze(B, -1) if vector else B
    if A._shape[-2] != B_._shape[-2]:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size("
                           f"{'-1' if vector else '-2'})")
    driver = "gelsy" if driver is None else driver
    if driver not in _DRIVERS:
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    m, n = A._shape[-2:]
    batch = broadcast_shapes(A._shape[:-2], B_._shape[:-2])
    Ae = U.expand(A, batch + (m, n))
    Be = U.expand(B_, batch + B_._shape[-2:])
    k = Be._shape[-1]
    dev, dt = A.device, A.dtype
    X = _new(batch + (n, k), dt, dev)
    rank = _new(batch, _dt.int64, dev) if driver != "gels" else None
    sv = _new(batch + (min(m, n),), dt, dev) if driver in ("gelsd", "gelss") else None
    want_res = m > n and driver != "gelsy"
    res = _new(batch + (k,), dt, dev) if want_res else None
    if rcond is None:
        rcond = _dt.finfo(dt).eps * max(m, n)
    dev.backend.lstsq(X, res, rank, sv, Ae, Be, float(rcond))
    if want_res and driver != "gels" and not all(r == n for r in U.reshape(rank, (rank.numel(),)).tolist()):
        res = None          # residuals are only defined when every matrix has full rank
    empty = _new((0,), dt, dev)
    if vector:
        X = U.squeeze_dims(X, [-1])
        if res is not None:
            res = U.squeeze_dims(res, [-1])
    return Lstsq(X, empty if res is None else res, _new((0,), _dt.int64, dev) if rank is None else rank,
                 empty if sv is None else sv)


# ------------------------------------------------------------------------------------------------
# SVD-based: pinv, matrix_rank
def _tolerance(A, S_max, atol, rtol):
    """max(atol, rtol * max singular value), with PyTorch's defaults (rtol = eps * max(m, n))."""
    default_rtol = _dt.finfo(A.dtype).eps * max(A._shape[-1], A._shape[-2])
    if rtol is None:
        if atol is None:
            rtol = default_rtol
        elif isinstance(atol, Tensor):
            rtol = _ew.where(_ew.gt(atol, 0), 0.0, default_rtol)
        else:
            rtol = 0.0 if atol > 0 else default_rtol
    if atol is None:
        atol = 0.0
    if isinstance(rtol, Tensor):
        rtol = U.unsqueeze(rtol.double(), -1)
    tol = _ew.mul(S_max, rtol)
    if isinstance(atol, Tensor):
        return _ew.maximum(U.unsqueeze(atol.double(), -1), tol)
    return _ew.clamp_min(tol, float(atol))


def _smax(S, hermitian):
    from ._linalg_norms import vector_norm
    if hermitian:
        return vector_norm(S, float("inf"), -1, keepdim=True)
    return U.narrow(S, -1, 0, 1)


def pinv(A, rcond=None, *, atol=None, rtol=None, hermitian=False, out=None):
    """Moore-Penrose pseudo-inverse via the SVD (eigh when hermitian), dropping small singular values."""
    if not isinstance(A, Tensor) or A.dtype not in (_dt.float32, _dt.float64) or A.dim() < 2:
        shape = U.shape_str(A._shape) if isinstance(A, Tensor) else "?"
        st = U.st_name(A.dtype) if isinstance(A, Tensor) else type(A).__name__
        raise RuntimeError(f"linalg.pinv({st}{{{shape}}}): expected a tensor with 2 or more dimensions "
                           f"of float, double, cfloat or cdouble types")
    if rcond is not None:
        atol, rtol = 0.0, rcond
    m, n = A._shape[-2:]
    if A.numel() == 0:
        res = _new(A._shape[:-2] + (n, m), A.dtype, A.device)
        A.device.backend.fill(res, 0)
        return finish_out(res, out)
    if hermitian:
        S, V = _eigh(A, "L", True, "linalg.eigh")
        S_abs = _ew.abs(S)
        tol = _tolerance(A, _smax(S, True), atol, rtol)
        S_inv = _ew.where(_ew.gt(S_abs, tol), _ew.reciprocal(S), 0.0).to(A.dtype)
        return finish_out(matmul(_ew.mul(V, U.unsqueeze(S_inv, -2)), U.mT(V)), out)
    Um, S, Vh = _svd(A, False, True, "linalg.svd")
    tol = _tolerance(A, _smax(S, False), atol, rtol)
    S_inv = _ew.where(_ew.gt(S, tol), _ew.reciprocal(S), 0.0).to(A.dtype)
    return finish_out(matmul(_ew.mul(U.mT(Vh), U.unsqueeze(S_inv, -2)), U.mT(Um)), out)


@method()
def pinverse(input, rcond=1e-15):
    """torch.pinverse: pinv with a relative cutoff rcond."""
    return pinv(input, rcond=rcond)


def matrix_rank(A, tol=None, *, atol=None, rtol=None, hermitian=False, out=None):
    """Number of singular values (|eigenvalues| when hermitian) above max(atol, rtol * largest)."""
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg_matrix_rank(): argument 'input' must be Tensor, not {type(A).__name__}")
    if A.dim() < 2:
        raise RuntimeError("torch.linalg.matrix_rank: The input tensor input must have at least 2 dimensions.")
    if tol is not None:
        atol, rtol = tol, 0.0
    if A.numel() == 0:
        res = _new(A._shape[:-2], _dt.int64, A.device)
        A.device.backend.fill(res, 0)
        return finish_out(res, out)
    if hermitian:
        S = _ew.abs(_eigh(A, "L", False, "linalg.eigvalsh")[0])
    else:
        S = _svd(A, False, False, "linalg.svdvals")[1]
    tol_t = _tolerance(A, _smax(S, hermitian), atol, rtol)
    return finish_out(U.sum_dims(_ew.gt(S, tol_t), [-1]), out)
