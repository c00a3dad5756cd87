"""Derivatives of the matmul family and of ember.linalg (see derivatives.py for the conventions)."""
import ember
from ..tensor import Tensor
from .function import derivative, non_differentiable

E = ember


def _mT(x):
    return x.transpose(-2, -1)


# ------------------------------------------------------------------------------------------------
# products
@derivative("matmul", "vdot", inputs=("input", "other"), save=("input", "other"))
def _matmul(ctx, g, input, other, **kw):
    a, b = input, other
    if a.dim() == 1 and b.dim() == 1:
        n = ctx.needs_input_grad
        return (g * b if n[0] else None), (g * a if n[1] else None)
    a2 = a.unsqueeze(0) if a.dim() == 1 else a
    b2 = b.unsqueeze(-1) if b.dim() == 1 else b
    g2 = g
    if a.dim() == 1:
        g2 = g2.unsqueeze(-2)
    if b.dim() == 1:
        g2 = g2.unsqueeze(-1)
    ga = gb = None
    if ctx.needs_input_grad[0]:
        ga = E.matmul(g2, _mT(b2))
        if a.dim() == 1:
            ga = ga.squeeze(-2)
    if ctx.needs_input_grad[1]:
        if a2.dim() >= 3 and b.dim() == 2:
            # the forward folded (..., k) @ (k, n) into one GEMM; so does this: (k, rows) @ (rows, n)
            # (a batched product summed over the batch would cost a (batch, k, n) temporary)
            gb = E.mm(a2.reshape(-1, a2.shape[-1]).t(), g2.reshape(-1, g2.shape[-1]))
        else:
            gb = E.matmul(_mT(a2), g2)
        if b.dim() == 1:
            gb = gb.squeeze(-1)
    return ga, gb


@derivative("mm", "bmm", inputs=("input", "mat2"), save=("input", "mat2"))
def _mm_public(ctx, g, input, mat2, **kw):
    return _matmul(ctx, g, input, mat2)


@derivative("mv", inputs=("input", "vec"), save=("input", "vec"))
def _mv_public(ctx, g, input, vec, **kw):
    return _matmul(ctx, g, input, vec)


@derivative("dot", inputs=("input", "tensor"), save=("input", "tensor"))
def _dot_public(ctx, g, input, tensor, **kw):
    return _matmul(ctx, g, input, tensor)


@derivative("_matmul", "_mm", "_dot", inputs=("a", "b"), save=("a", "b"))
def _matmul_private(ctx, g, a, b, *args, **kw):
    return _matmul(ctx, g, a, b)


@derivative("_mv", inputs=("a", "v"), save=("a", "v"))
def _mv_private(ctx, g, a, v, **kw):
    return _matmul(ctx, g, a, v)


@derivative("inner", inputs=("input", "other"), save=("input", "other"))
def _inner(ctx, g, input, other, **kw):
    if input.dim() == 0 or other.dim() == 0:
        return g * other, g * input
    k = input._shape[-1]
    A = input.reshape(-1, k)
    B = other.reshape(-1, k)
    G = g.reshape(A._shape[0], B._shape[0])
    return (G @ B).reshape(input._shape), (G.t() @ A).reshape(other._shape)


@derivative("outer", "ger", inputs=("input", "vec2"), save=("input", "vec2"))
def _outer(ctx, g, input, vec2, **kw):
    return E.mv(g, vec2), E.mv(g.t(), input)


def _beta_input(g, beta):
    if beta == 0:
        return E.zeros_like(g)
    return g if beta == 1 else g * beta


def _scaled(x, alpha):
    return x if alpha == 1 else x * alpha


@derivative("addmm", "addmm_", inputs=("input", "mat1", "mat2"), save=("mat1", "mat2"))
def _addmm(ctx, g, input, mat1, mat2, *, beta=1, alpha=1, **kw):
    n = ctx.needs_input_grad
    return (_beta_input(g, beta) if n[0] else None,
            _scaled(g @ mat2.t(), alpha) if n[1] else None,
            _scaled(mat1.t() @ g, alpha) if n[2] else None)


@derivative("addmv", "addmv_", inputs=("input", "mat", "vec"), save=("mat", "vec"))
def _addmv(ctx, g, input, mat, vec, *, beta=1, alpha=1, **kw):
    n = ctx.needs_input_grad
    return (_beta_input(g, beta) if n[0] else None,
            _scaled(E.outer(g, vec), alpha) if n[1] else None,
            _scaled(E.mv(mat.t(), g), alpha) if n[2] else None)


@derivative("addr", "addr_", inputs=("input", "vec1", "vec2"), save=("vec1", "vec2"))
def _addr(ctx, g, input, vec1, vec2, *, beta=1, alpha=1, **kw):
    n = ctx.needs_input_grad
    return (_beta_input(g, beta) if n[0] else None,
            _scaled(E.mv(g, vec2), alpha) if n[1] else None,
            _scaled(E.mv(g.t(), vec1), alpha) if n[2] else None)


@derivative("baddbmm", "baddbmm_", inputs=("input", "batch1", "batch2"), save=("batch1", "batch2"))
def _baddbmm(ctx, g, input, batch1, batch2, *, beta=1, alpha=1, **kw):
    n = ctx.needs_input_grad
    return (_beta_input(g, beta) if n[0] else None,
            _scaled(E.bmm(g, _mT(batch2)), alpha) if n[1] else None,
            _scaled(E.bmm(_mT(batch1), g), alpha) if n[2] else None)


@derivative("addbmm", "addbmm_", inputs=("input", "batch1", "batch2"), save=("batch1", "batch2"))
def _addbmm(ctx, g, input, batch1, batch2, *, beta=1, alpha=1, **kw):
    n = ctx.needs_input_grad
    gb = g.unsqueeze(0).expand(batch1._shape[0], g._shape[0], g._shape[1])
    return (_beta_input(g, beta) if n[0] else None,
            _scaled(E.bmm(gb, _mT(batch2)), alpha) if n[1] else None,
            _scaled(E.bmm(_mT(batch1), gb), alpha) if n[2] else None)


@derivative("trace", inputs=("input",), save=())
def _trace(ctx, g, input, **kw):
    n, m = input._shape
    return E.eye(n, m, dtype=g.dtype, device=g.device) * g


@derivative("cross", inputs=("input", "other"), save=("input", "other"))
def _cross(ctx, g, input, other, dim=None, **kw):
    if dim is None and ctx.fn == "linalg_cross":
        dim = -1
    if dim is None:
        dim = next(i for i, s in enumerate(g._shape) if s == 3)
    return E.linalg.cross(other, g, dim=dim), E.linalg.cross(g, input, dim=dim)


# ------------------------------------------------------------------------------------------------
# inverses, determinants, solves
@derivative("inv", "inverse", inputs=("A",), save=("result",))
def _inv(ctx, g, A, **kw):
    X = ctx.out
    return -(_mT(X) @ g @ _mT(X))


@derivative("inv_ex", inputs=("A",), save=("result",))
def _inv_ex(ctx, g, A, **kw):
    X = ctx.out[0]
    return -(_mT(X) @ g[0] @ _mT(X))


@derivative("det", inputs=("A",), save=("A", "result"))
def _det(ctx, g, A, **kw):
    return (g * ctx.out).unsqueeze(-1).unsqueeze(-1) * _mT(E.linalg.inv(A))


@derivative("slogdet", inputs=("A",), save=("A",))
def _slogdet(ctx, g, A, **kw):
    return g[1].unsqueeze(-1).unsqueeze(-1) * _mT(E.linalg.inv(A))


@derivative("logdet", inputs=("input",), save=("input",))
def _logdet(ctx, g, input, **kw):
    return g.unsqueeze(-1).unsqueeze(-1) * _mT(E.linalg.inv(input))


@derivative("solve", inputs=("A", "B"), save=("A", "result"))
def _solve(ctx, g, A, B, *, left=True, **kw):
    X = ctx.out
    vec = B.dim() == 1 or (B.dim() == A.dim() - 1 and B._shape == X._shape and X.dim() == A.dim() - 1)
    if not left:                           # X A = B: the left formulas on the transposes
        gB = _mT(E.linalg.solve(A, _mT(g)))
        return -(_mT(X) @ gB), gB
    if vec:
        gB = E.linalg.solve(_mT(A), g)
        gA = -(gB.unsqueeze(-1) @ X.unsqueeze(-2))
        return gA, gB
    gB = E.linalg.solve(_mT(A), g)
    return -(gB @ _mT(X)), gB


@derivative("cholesky", inputs=("input",), save=("result",))
def _cholesky(ctx, g, input, upper=False, **kw):
    L = ctx.out
    if upper:
        L, g = _mT(L), _mT(g)
    P = (_mT(L) @ g).tril()
    P = 0.5 * (P + _mT(P.tril(-1)))          # the lower triangle with a halved diagonal, symmetrised
    Linv = E.linalg.inv(L)
    S = _mT(Linv) @ P @ Linv
    return 0.5 * (S + _mT(S))


@derivative("_eigh", inputs=("A",), save=("A", "result"))
def _eigh(ctx, g, A, UPLO="L", vectors=True, *args, **kw):
    lam, V = ctx.out
    gl, gV = g
    if V is None:
        lam, V = E.linalg.eigh(A, UPLO)
    Vt = _mT(V)
    inner = gl.diag_embed()
    if gV is not None:
        diff = lam.unsqueeze(-2) - lam.unsqueeze(-1)          # E_ij = lam_j - lam_i
        off = ~E.eye(lam._shape[-1], dtype=E.bool, device=lam.device)
        F = E.where(off, 1.0 / E.where(off, diff, E.ones_like(diff)), E.zeros_like(diff))
        inner = inner + F * (Vt @ gV)
    return V @ inner @ Vt


@derivative("_svd", inputs=("A",), save=("A", "result"))
def _svd(ctx, g, A, full_matrices=False, compute_uv=True, *args, **kw):
    """Reduced-SVD backward (real case), as PyTorch's svd_backward."""
    Um, S, Vh = ctx.out
    gU, gS, gVh = g
    m, n = A._shape[-2:]
    k = S._shape[-1]
    if Um is None or (gU is None and gVh is None):
        if Um is None:
            Um, S, Vh = E.linalg.svd(A, full_matrices=False)
        return Um.narrow(-1, 0, k) @ gS.diag_embed() @ Vh.narrow(-2, 0, k)
    Um, Vh = Um.narrow(-1, 0, k), Vh.narrow(-2, 0, k)
    gU = E.zeros_like(Um) if gU is None else gU.narrow(-1, 0, k)
    gVh = E.zeros_like(Vh) if gVh is None else gVh.narrow(-2, 0, k)
    V, gV = _mT(Vh), _mT(gVh)
    UhgU = _mT(Um) @ gU
    VhgV = Vh @ gV
    S2 = S * S
    Emat = S2.unsqueeze(-2) - S2.unsqueeze(-1)
    off = ~E.eye(k, dtype=E.bool, device=S.device)
    Emat = E.where(off, Emat, E.ones_like(Emat))
    skU = UhgU - _mT(UhgU)
    skV = VhgV - _mT(VhgV)
    inner = E.where(off, (skU * S.unsqueeze(-2) + S.unsqueeze(-1) * skV) / Emat, E.zeros_like(Emat))
    inner = inner + gS.diag_embed()
    gA = Um @ inner @ Vh
    if m > k:
        gA = gA + ((gU - Um @ UhgU) / S.unsqueeze(-2)) @ Vh
    if n > k:
        gA = gA + Um @ _mT((gV - V @ VhgV) / S.unsqueeze(-2))
    return gA


# ------------------------------------------------------------------------------------------------
# norms
@derivative("vector_norm", inputs=("x",), save=("x", "result"))
def _vector_norm(ctx, g, x, ord=2, dim=None, keepdim=False, **kw):
    norm = ctx.out
    if not keepdim and dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        nd = x.dim()
        for d in sorted(d % nd for d in dims):
            g = g.unsqueeze(d)
            norm = norm.unsqueeze(d)
    xd = x if x.dtype is g.dtype else x.to(g.dtype)
    if ord == 0:
        return E.zeros_like(xd)
    if ord == 1:
        return g * E.sign(xd)
    if ord in (float("inf"), float("-inf")):
        mask = (E.abs(xd) == norm).to(g.dtype)
        count = mask.sum(dim=dim, keepdim=True) if dim is not None else mask.sum()
        return g * E.sign(xd) * mask / count
    if ord == 2:
        safe = E.where(norm == 0, E.ones_like(norm), norm)
        return E.where(norm == 0, E.zeros_like(xd), g * xd / safe)
    safe = E.where(norm == 0, E.ones_like(norm), norm)
    r = g * E.sign(xd) * E.abs(xd) ** (ord - 1) / safe ** (ord - 1)
    return E.where(norm == 0, E.zeros_like(r), r)


non_differentiable("matrix_rank")


@derivative("_product", inputs=("a", "b"), save=("a", "b"))
def _product_private(ctx, g, shape, a, b, kernel):
    """The batched GEMM under matmul/einsum: a (B, n, m) @ b (B, m, p), operands maybe expanded."""
    n = ctx.needs_input_grad
    return (E.matmul(g, _mT(b)) if n[0] else None), (E.matmul(_mT(a), g) if n[1] else None)


@derivative("fresh", inputs=("res",), save=())
def _fresh(ctx, g, res, shape):
    return g.reshape(tuple(res._shape))


def _through(reference, inputs, grads):
    """Gradients of `reference(*inputs)` (a composite of differentiable ops) for `grads`.

    Used for ops whose kernels have no direct formula; exact to first order (a second derivative
    through them sees the reference's graph detached from the outer one)."""
    from .grad_mode import enable_grad
    from . import grad
    xs = [x.detach().requires_grad_(True) if isinstance(x, Tensor) and x.dtype.is_floating_point
          else x for x in inputs]
    diff = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
    with enable_grad():
        out = reference(*xs)
        res = iter(grad(out, diff, grads, allow_unused=True, materialize_grads=True))
    return tuple(next(res) if isinstance(x, Tensor) and x.requires_grad else None for x in xs)


@derivative("lstsq", inputs=("A", "B"), save=("A", "B"))
def _lstsq(ctx, g, A, B, rcond=None, **kw):
    vec = B.dim() == A.dim() - 1
    def ref(a, b):
        x = E.linalg.pinv(a) @ (b.unsqueeze(-1) if vec else b)
        return x.squeeze(-1) if vec else x
    return _through(ref, (A, B), g[0])


@derivative("linalg_qr", inputs=("A",), save=("A", "result"))
def _qr(ctx, g, A, mode="reduced", **kw):
    """QR backward for m >= n (reduced, or complete when square), as in PyTorch's linalg_qr_backward."""
    Q, R = ctx.out
    gQ, gR = g
    m, n = A._shape[-2:]
    if mode == "r":
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                           "Please use linalg.qr(A, mode='reduced') if you are going to differentiate "
                           "through linalg.qr.")
    if m < n or (mode == "complete" and m > n):
        raise RuntimeError("The derivative of linalg.qr is implemented only for m >= n (and square "
                           "inputs in 'complete' mode)")
    gQ = E.zeros_like(Q) if gQ is None else gQ
    gR = E.zeros_like(R) if gR is None else gR
    M = R @ _mT(gR) - _mT(gQ) @ Q
    copyltu = M.tril() + _mT(M.tril(-1))
    rhs = gQ + Q @ copyltu                                   # gA = rhs R^{-T}
    return _mT(E.linalg.solve(R, _mT(rhs)))
