"""CPU kernels: matmul (batched, BLAS) and LAPACK-backed factorizations.

Methods fill tensors the ops layer allocated; they never allocate user-visible results.
NumPy is the BLAS/LAPACK binding here: ``np.matmul`` on zero-copy views calls GEMM/GEMV (a
transposed view of a contiguous matrix is F-ordered and goes to BLAS with a trans flag, no copy),
and ``np.linalg`` runs the batched LAPACK drivers. Factorizations report failures through `info`
tensors (LAPACK's convention: 0 = success, k > 0 = failing pivot/minor) so that the ops layer can
raise PyTorch's messages.
"""
import numpy as np

from . import _blas, _map

_D_F16, _D_BF16, _D_F32, _D_F64 = 6, 7, 8, 9
_LinAlgError = np.linalg.LinAlgError


def _arr(t):
    """A NumPy view of `t` (bfloat16 shows as its raw uint16 bits)."""
    it = t.dtype.itemsize
    return np.ndarray(t._shape, t.dtype.np, t._storage, t._offset * it, [s * it for s in t._stride])


def _mat_ok(t):
    """Whether BLAS takes t's matrices as they are: row- or column-major, leading dim >= extent."""
    s, n = t._stride, t._shape
    return (s[-1] == 1 and s[-2] >= n[-1]) or (s[-2] == 1 and s[-1] >= n[-2])


def _as_f32(t):
    """The values of a half-precision tensor as a float32 array (they compute in float32)."""
    a = _arr(t)
    if t.dtype.code == _D_BF16:
        return (a.astype(np.uint32) << 16).view(np.float32)
    return a.astype(np.float32)


def _store(out, values):
    """out[...] = values, rounding float32 to bfloat16 when needed."""
    o = _arr(out)
    if out.dtype.code == _D_BF16:
        x = np.ascontiguousarray(np.broadcast_to(values, o.shape), dtype=np.float32)
        u = x.view(np.uint32)
        r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
        r[np.isnan(x)] = 0x7FC0
        o[...] = r
    else:
        with np.errstate(all="ignore"):
            o[...] = values


def _blas_ok(a):
    """Whether the matrices (last two dims) are row- or column-major with a valid leading dim."""
    it = a.itemsize
    s_r, s_c = a.strides[-2], a.strides[-1]
    m, n = a.shape[-2], a.shape[-1]
    row = s_c == it and s_r % it == 0 and s_r >= max(n, 1) * it
    col = s_r == it and s_c % it == 0 and s_c >= max(m, 1) * it
    return row or col


def _blasable(a):
    """`a`, or a copy whose matrices BLAS accepts; stride-0 (broadcast) batch dims stay broadcast."""
    if _blas_ok(a):
        return a
    return np.broadcast_to(np.ascontiguousarray(_compact(a)), a.shape)


def _compact(a):
    """`a` without its stride-0 (broadcast) batch dims, so conversions don't materialize them."""
    idx = tuple(slice(0, 1) if s == 0 else slice(None) for s in a.strides[:-2])
    return a[idx] if idx else a


def _f64(a):
    return np.broadcast_to(_compact(a).astype(np.float64), a.shape)


def _absmax(a):
    c = _compact(a)
    return max(int(c.max()), -int(c.min())) if c.size else 0


def _exact_in_f64(A, B):
    """Whether an integer product A @ B has all partial sums exactly representable in float64."""
    if A.dtype == np.bool_ or A.shape[-1] < 8:
        return False
    return _absmax(A) * _absmax(B) * A.shape[-1] < 2 ** 53


def _batches(shape):
    return np.ndindex(*shape[:-2]) if len(shape) > 2 else iter([()])


def _getrf_info(m):
    """LAPACK getrf's info for one matrix: the 1-based index of the first zero pivot, or 0."""
    a = np.array(m, dtype=m.dtype, copy=True)
    n = a.shape[0]
    for k in range(n):
        p = k + int(np.argmax(np.abs(a[k:, k])))
        if a[p, k] == 0:
            return k + 1
        if p != k:
            a[[k, p]] = a[[p, k]]
        a[k + 1:, k] /= a[k, k]
        a[k + 1:, k + 1:] -= np.outer(a[k + 1:, k], a[k, k + 1:])
    return max(n, 1)     # LAPACK saw an exact zero that rounding hid from us: blame the last pivot


def _potrf_info(m, upper):
    """LAPACK potrf's info: the order of the first leading minor that is not positive-definite."""
    a = np.array(m.T.conj() if upper else m, dtype=np.float64)
    n = a.shape[0]
    L = np.zeros_like(a)
    for j in range(n):
        d = a[j, j] - L[j, :j] @ L[j, :j]
        if not d > 0:
            return j + 1
        L[j, j] = np.sqrt(d)
        L[j + 1:, j] = (a[j + 1:, j] - L[j + 1:, :j] @ L[j, :j]) / L[j, j]
    return max(n, 1)


class LinalgKernels:
    # -- products ----------------------------------------------------------------------------
    @staticmethod
    def matmul(out, a, b):
        """out[..., m, n] = a[..., m, k] @ b[..., k, n].

        The three share one batch shape (broadcast batch dims arrive as stride-0 views) and one
        dtype. float32/float64 go to BLAS GEMM without copies when each matrix is row- or
        column-major; half types compute in float32; integers use NumPy's exact integer loop.
        """
        if 0 in out._shape:
            return
        _blas.use_threads(out._shape[-2], out._shape[-1], a._shape[-1], _map.get_num_threads())
        code = out.dtype.code
        if code in (_D_F16, _D_BF16):
            _store(out, np.matmul(_as_f32(a), _as_f32(b)))
            return
        A, B, O = _arr(a), _arr(b), _arr(out)
        if code == _D_F32 or code == _D_F64:
            if not _mat_ok(a):
                A = _blasable(A)
            if not _mat_ok(b):
                B = _blasable(B)
            if not _mat_ok(out):
                O[...] = np.matmul(A, B)
                return
        elif _exact_in_f64(A, B):
            # every partial sum is an integer below 2^53, so double GEMM is exact (and BLAS fast)
            r = np.matmul(_f64(A), _f64(B))
            O[...] = r.astype(np.int64).astype(O.dtype, copy=False)
            return
        np.matmul(A, B, out=O)

    @staticmethod
    def vector_norm(out, x, ord, dims, keepdim):
        """out = (sum |x|^ord over dims)^(1/ord); ord may be 0 (count), +-inf (max/min |x|)."""
        X = _as_f32(x) if x.dtype.code in (_D_F16, _D_BF16) else _arr(x)
        with np.errstate(all="ignore"):
            r = np.linalg.vector_norm(X, ord=ord, axis=tuple(dims), keepdims=keepdim)
        _store(out, r)

    # -- LU-based ----------------------------------------------------------------------------
    @staticmethod
    def inv(out, info, a):
        """out = a^-1 per matrix; info[b] = first zero pivot of singular matrices (out is NaN there)."""
        A, O, I = _arr(a), _arr(out), _arr(info)
        if a.numel() == 0:
            I[...] = 0
            return
        try:
            O[...] = np.linalg.inv(A)
            I[...] = 0
            return
        except _LinAlgError:
            pass
        for idx in _batches(A.shape):
            try:
                O[idx] = np.linalg.inv(A[idx])
                I[idx] = 0
            except _LinAlgError:
                O[idx] = np.nan
                I[idx] = _getrf_info(A[idx])

    @staticmethod
    def solve(out, info, a, b):
        """out = a^-1 b for a (*, n, n), b (*, n, k) sharing the batch shape."""
        A, B, O, I = _arr(a), _arr(b), _arr(out), _arr(info)
        if a.numel() == 0 or b.numel() == 0:
            I[...] = 0
            O[...] = 0
            return
        try:
            O[...] = np.linalg.solve(A, B)
            I[...] = 0
            return
        except _LinAlgError:
            pass
        for idx in _batches(A.shape):
            try:
                O[idx] = np.linalg.solve(A[idx], B[idx])
                I[idx] = 0
            except _LinAlgError:
                O[idx] = np.nan
                I[idx] = _getrf_info(A[idx])

    @staticmethod
    def det(out, a):
        _arr(out)[...] = np.linalg.det(_arr(a))

    @staticmethod
    def slogdet(sign, logabsdet, a):
        s, l = np.linalg.slogdet(_arr(a))
        _arr(sign)[...] = s
        _arr(logabsdet)[...] = l

    # -- symmetric / orthogonal ----------------------------------------------------------------
    @staticmethod
    def cholesky(out, info, a, upper):
        """out = L (or U = L^H) with a = L L^H; info[b] = order of the failing leading minor."""
        A, O, I = _arr(a), _arr(out), _arr(info)
        if a.numel() == 0:
            I[...] = 0
            return
        try:
            O[...] = np.linalg.cholesky(A, upper=upper)
            I[...] = 0
            return
        except _LinAlgError:
            pass
        for idx in _batches(A.shape):
            try:
                O[idx] = np.linalg.cholesky(A[idx], upper=upper)
                I[idx] = 0
            except _LinAlgError:
                O[idx] = np.nan
                I[idx] = _potrf_info(A[idx], upper)

    @staticmethod
    def qr(q, r, a, mode):
        """a = q r (mode 'reduced' or 'complete'); q is None for mode 'r'."""
        A = _arr(a)
        if q is None:
            _arr(r)[...] = np.linalg.qr(A, mode="r")
            return
        Q, R = np.linalg.qr(A, mode=mode)
        _arr(q)[...] = Q
        _arr(r)[...] = R

    @staticmethod
    def svd(u, s, vh, a, full_matrices):
        """a = u diag(s) vh (u, vh None: singular values only). Returns LAPACK-style info."""
        A = _arr(a)
        try:
            if u is None:
                _arr(s)[...] = np.linalg.svd(A, compute_uv=False)
            else:
                U, S, Vh = np.linalg.svd(A, full_matrices=full_matrices)
                _arr(u)[...] = U
                _arr(s)[...] = S
                _arr(vh)[...] = Vh
        except _LinAlgError:
            return -4 if not np.isfinite(A).all() else 1
        return 0

    @staticmethod
    def eigh(w, v, a, uplo):
        """a = v diag(w) v^H for symmetric a read from its `uplo` triangle (v None: values only)."""
        A = _arr(a)
        try:
            if v is None:
                _arr(w)[...] = np.linalg.eigvalsh(A, UPLO=uplo)
            else:
                W, V = np.linalg.eigh(A, UPLO=uplo)
                _arr(w)[...] = W
                _arr(v)[...] = V
        except _LinAlgError:
            return 1
        return 0

    @staticmethod
    def lstsq(x, residuals, rank, sv, a, b, rcond):
        """Least squares x = argmin ||a x - b|| per matrix (SVD based, minimum norm).

        residuals (||a x - b||^2 per column), rank and sv (singular values) are filled when given.
        """
        A, B, X = _arr(a), _arr(b), _arr(x)
        n = A.shape[-1]
        for idx in _batches(A.shape):
            Ai, Bi = A[idx], B[idx]
            if Ai.size == 0:
                sol, rk, s = np.zeros((n, Bi.shape[-1]), A.dtype), 0, np.zeros((0,), A.dtype)
            else:
                sol, _, rk, s = np.linalg.lstsq(Ai, Bi, rcond=rcond)
            X[idx] = sol
            if rank is not None:
                _arr(rank)[idx] = rk
            if sv is not None:
                _arr(sv)[idx] = s
            if residuals is not None:
                _arr(residuals)[idx] = ((Ai @ sol - Bi) ** 2).sum(axis=-2)
