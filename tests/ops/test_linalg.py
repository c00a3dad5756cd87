"""Linear algebra products (matmul family, einsum, tensordot) and composite ops against NumPy oracles.

Factorizations, solvers and norms are in test_linalg_decomp.py."""
import warnings

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


# ------------------------------------------------------------------------------------------------
# matmul: every dimensionality case of PyTorch
MATMUL_SHAPES = [
    ((3,), (3,)),                  # dot -> 0-d
    ((2, 3), (3,)),                # mv
    ((3,), (3, 4)),                # 1-D @ 2-D: prepended dim removed
    ((2, 3), (3, 4)),              # mm
    ((5, 2, 3), (3, 4)),           # folded into one mm
    ((5, 2, 3), (3,)),             # folded into one mv
    ((3,), (5, 3, 4)),             # 1-D @ batched
    ((2, 3), (5, 3, 4)),           # 2-D @ batched
    ((5, 2, 3), (5, 3, 4)),        # bmm
    ((2, 1, 2, 3), (5, 3, 4)),     # broadcast batch dims
    ((1, 2, 3), (4, 3, 2)),
    ((4, 2, 3), (1, 3, 2)),
    ((0, 3), (3, 4)),              # empty results
    ((2, 0), (0, 3)),              # empty contraction -> zeros
    ((5, 0, 2, 3), (3, 4)),
    ((2, 3, 0), (0,)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_matmul_cases(device, sa, sb, dtype):
    a, b = rand(*sa, dtype=dtype), rand(*sb, dtype=dtype)
    assert_close(ember.matmul(T(a, device), T(b, device)), np.matmul(a, b))
    assert_close(T(a, device) @ T(b, device), np.matmul(a, b))


def test_matmul_int32_and_method(device):
    a, b = rand(3, 4, dtype=np.int32), rand(4, 2, dtype=np.int32)
    r = T(a, device).matmul(T(b, device))
    assert r.dtype is ember.int32
    assert_close(r, a @ b)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int16, np.int8, np.uint8])
def test_matmul_integer_exact_and_wrapping(device, dtype):
    a = RNG.integers(0, 100, (4, 3, 40)).astype(dtype)       # k >= 8: the exact double-GEMM path
    b = RNG.integers(0, 100, (40, 5)).astype(dtype)
    assert_close(T(a, device) @ T(b, device), np.matmul(a, b))        # small types wrap, as NumPy/PyTorch
    big = np.full((2, 16), np.iinfo(dtype).max, dtype)                  # too big for doubles: integer loop
    assert_close(T(big, device) @ T(big.T.copy(), device), big @ big.T)
    bc = RNG.integers(-9, 9, (3, 1, 4, 20))
    assert_close(T(bc, device) @ T(bc[0, 0].T.copy(), device), np.matmul(bc, bc[0, 0].T))


def test_rmatmul(device):
    a, b = rand(2, 3), rand(3, 4)
    assert_close(T(b, device).__rmatmul__(T(a, device)), a @ b)
    assert T(a, device).__matmul__(3) is NotImplemented
    with pytest.raises(TypeError):
        T(a, device) @ 3


@pytest.mark.parametrize("sa,sb", [((4, 3), (3, 5)), ((2, 4, 3), (2, 3, 5)), ((4, 3), (3,))])
def test_matmul_noncontiguous(device, sa, sb):
    a, b = rand(*sa), rand(*sb)
    assert_close(make(noncontig(a), device) @ make(noncontig(b), device), a @ b)


def test_matmul_transposed_operands(device):
    a, b = rand(5, 4), rand(4, 6)
    at = make(np.ascontiguousarray(a.T).T, device)      # F-ordered views
    bt = make(np.ascontiguousarray(b.T).T, device)
    assert_close(at @ bt, a @ b)
    c, w = rand(3, 4, 5), rand(5, 2)
    ct = make(np.ascontiguousarray(np.swapaxes(c, 1, 2)).swapaxes(1, 2), device)
    assert_close(ct @ T(w, device), np.matmul(c, w), rtol=1e-5, atol=1e-5)


def test_matmul_transposed_does_not_copy(monkeypatch):
    """A transposed view of a contiguous matrix goes to BLAS with a trans flag, never a copy."""
    from ember.backends.cpu import linalg_kernels as K

    def boom(a):
        raise AssertionError("operand was copied")
    monkeypatch.setattr(K, "_blasable", boom)
    a, b = rand(64, 32), rand(48, 64)
    x = ember.from_numpy(np.ascontiguousarray(a.T).T)           # (64, 32) F-ordered
    y = ember.from_numpy(np.ascontiguousarray(b.T).T)           # (48, 64) F-ordered
    assert not x.is_contiguous()
    assert_close(y @ x, b @ a, rtol=1e-4, atol=1e-4)
    batch_np = np.ascontiguousarray(rand(3, 32, 64)).swapaxes(1, 2)     # (3, 64, 32), F-ordered matrices
    w_np = np.ascontiguousarray(rand(16, 32)).T                         # (32, 16) F-ordered
    r = ember.from_numpy(batch_np) @ ember.from_numpy(w_np)
    assert_close(r, np.matmul(batch_np, w_np), rtol=1e-4, atol=1e-4)
    # a strided (non-BLAS) operand does get copied
    with pytest.raises(AssertionError, match="copied"):
        ember.from_numpy(noncontig(a)) @ ember.from_numpy(a.T.copy())


@pytest.mark.parametrize("dt", ["float16", "bfloat16"])
def test_matmul_half(device, dt):
    a, b = rand(3, 8), rand(2, 8, 4)
    ta, tb = T(a, device).to(getattr(ember, dt)), T(b, device).to(getattr(ember, dt))
    r = ta @ tb
    assert r.dtype is getattr(ember, dt)
    ref = np.matmul(to_np(ta.float()), to_np(tb.float()))
    assert_close(r.float(), ref, rtol=2e-2, atol=5e-2)


def test_matmul_errors(device):
    f32, f64 = T(rand(2, 3), device), T(rand(3, 4, dtype=np.float64), device)
    with pytest.raises(RuntimeError, match=r"expected m1 and m2 to have the same dtype, but got: float != double"):
        ember.matmul(f32, f64)
    with pytest.raises(RuntimeError, match=r"expected m1 and m2 to have the same dtype, but got: long int != float"):
        ember.mm(T(rand(2, 3, dtype=np.int64), device), T(rand(3, 2), device))
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
        T(rand(2, 3), device) @ T(rand(4, 5), device)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(10x3 and 4x5\)"):
        T(rand(5, 2, 3), device) @ T(rand(4, 5), device)      # the folded shape, as PyTorch
    with pytest.raises(RuntimeError, match=r"both arguments to matmul need to be at least 1D, but they are 0D and 1D"):
        ember.matmul(T(np.float32(1), device), T(rand(3), device))
    with pytest.raises(RuntimeError, match=r"Expected size for first two dimensions of batch2 tensor to be: \[2, 3\] but got: \[2, 4\]"):
        T(rand(2, 2, 3), device) @ T(rand(2, 4, 5), device)
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(2\) must match the size of tensor b \(3\)"):
        T(rand(2, 2, 3), device) @ T(rand(3, 3, 5), device)
    with pytest.raises(RuntimeError, match=r"expected scalar type Float but found Double"):
        T(rand(2, 2, 3), device) @ T(rand(2, 3, 5, dtype=np.float64), device)
    with pytest.raises(RuntimeError, match=r"size mismatch, got input \(2\), mat \(2x3\), vec \(4\)"):
        T(rand(2, 3), device) @ T(rand(4), device)
    with pytest.raises(RuntimeError, match=r"addmv input tensors must have the same dtype, but got Double, Float, and Double"):
        T(rand(2, 3), device) @ T(rand(3, dtype=np.float64), device)
    with pytest.raises(RuntimeError, match=r"\"addmm_impl_cpu_\" not implemented for 'Bool'"):
        T(np.ones((2, 2), bool), device) @ T(np.ones((2, 2), bool), device)
    with pytest.raises(TypeError, match="must be Tensor"):
        ember.matmul(np.ones((2, 2)), T(rand(2, 2), device))


def test_matmul_out(device):
    a, b = rand(2, 3), rand(3, 4)
    out = T(np.zeros((2, 4), np.float32), device)
    r = ember.matmul(T(a, device), T(b, device), out=out)
    assert r is out
    assert_close(out, a @ b)


# ------------------------------------------------------------------------------------------------
# mm, bmm, mv, dot, vdot, inner, outer
def test_mm_bmm_mv(device):
    a, b = rand(3, 4, dtype=np.float64), rand(4, 2, dtype=np.float64)
    assert_close(ember.mm(T(a, device), T(b, device)), a @ b)
    assert_close(T(a, device).mm(T(b, device)), a @ b)
    x, y = rand(5, 3, 4), rand(5, 4, 2)
    assert_close(ember.bmm(T(x, device), T(y, device)), np.matmul(x, y))
    assert_close(ember.bmm(make(noncontig(x), device), T(y, device)), np.matmul(x, y))
    v = rand(4, dtype=np.float64)
    assert_close(ember.mv(T(a, device), T(v, device)), a @ v)
    assert_close(T(a, device).mv(T(v, device)), a @ v)
    assert_close(ember.mv(make(noncontig(a), device), make(noncontig(v), device)), a @ v)
    assert_close(ember.mm(T(rand(0, 4), device), T(rand(4, 0), device)), np.zeros((0, 0), np.float32))


def test_mm_bmm_errors(device):
    with pytest.raises(RuntimeError, match="self must be a matrix"):
        ember.mm(T(rand(3), device), T(rand(3, 2), device))
    with pytest.raises(RuntimeError, match="mat2 must be a matrix"):
        ember.mm(T(rand(2, 3), device), T(rand(3), device))
    with pytest.raises(RuntimeError, match="batch1 must be a 3D tensor"):
        ember.bmm(T(rand(2, 3), device), T(rand(2, 3, 4), device))
    with pytest.raises(RuntimeError, match="batch2 must be a 3D tensor"):
        ember.bmm(T(rand(2, 2, 3), device), T(rand(3, 4), device))
    with pytest.raises(RuntimeError, match=r"Expected size for first two dimensions of batch2 tensor to be: \[2, 3\] but got: \[3, 3\]"):
        ember.bmm(T(rand(2, 2, 3), device), T(rand(3, 3, 4), device))
    with pytest.raises(RuntimeError, match="vector \\+ matrix @ vector expected, got 1, 3, 1"):
        ember.mv(T(rand(2, 2, 3), device), T(rand(3), device))


def test_dot_vdot(device):
    a, b = rand(7, dtype=np.float64), rand(7, dtype=np.float64)
    assert_close(ember.dot(T(a, device), T(b, device)), np.dot(a, b))
    assert_close(T(a, device).dot(T(b, device)), np.dot(a, b))
    assert_close(ember.vdot(T(a, device), T(b, device)), np.vdot(a, b))
    ai, bi = rand(5, dtype=np.int64), rand(5, dtype=np.int64)
    assert_close(ember.dot(T(ai, device), T(bi, device)), np.dot(ai, bi))
    assert_close(ember.dot(make(noncontig(a), device), T(b, device)), np.dot(a, b))
    assert_close(ember.dot(T(rand(0), device), T(rand(0), device)), np.float32(0))
    with pytest.raises(RuntimeError, match="1D tensors expected, but got 2D and 2D tensors"):
        ember.dot(T(rand(2, 2), device), T(rand(2, 2), device))
    with pytest.raises(RuntimeError, match="dot : expected both vectors to have same dtype, but found Float and Double"):
        ember.dot(T(rand(3), device), T(rand(3, dtype=np.float64), device))
    with pytest.raises(RuntimeError, match=r"inconsistent tensor size, expected tensor \[3\] and src \[4\]"):
        ember.dot(T(rand(3), device), T(rand(4), device))


def test_inner_outer(device):
    a, b = rand(2, 3), rand(4, 3)
    assert_close(ember.inner(T(a, device), T(b, device)), np.inner(a, b))
    c = rand(2, 2, 3)
    assert_close(T(c, device).inner(T(a, device)), np.inner(c, a))
    assert_close(ember.inner(T(np.float32(2.5), device), T(a, device)), np.float32(2.5) * a)
    with pytest.raises(RuntimeError, match=r"inner\(\) the last dimension must match on both input tensors but got shapes \[2, 3\] and \[4\]"):
        ember.inner(T(a, device), T(rand(4), device))
    u, v = rand(3), rand(4, dtype=np.float64)
    assert_close(ember.outer(T(u, device), T(v, device)), np.outer(u, v))      # promotes
    assert_close(T(u, device).ger(T(u, device)), np.outer(u, u))
    ui = rand(3, dtype=np.int64)
    assert_close(ember.ger(T(ui, device), T(ui, device)), np.outer(ui, ui))
    with pytest.raises(RuntimeError, match="outer: Expected 1-D argument self, but got 2-D"):
        ember.outer(T(a, device), T(u, device))


# ------------------------------------------------------------------------------------------------
# fused add-products
def test_addmm(device):
    m, a, b = rand(2, 4), rand(2, 3), rand(3, 4)
    assert_close(ember.addmm(T(m, device), T(a, device), T(b, device)), m + a @ b, rtol=1e-5, atol=1e-5)
    r = ember.addmm(T(m[0], device), T(a, device), T(b, device), beta=0.5, alpha=2.0)
    assert_close(r, 0.5 * m[0] + 2 * (a @ b), rtol=1e-5, atol=1e-5)
    nan = np.full((2, 4), np.nan, np.float32)
    assert_close(ember.addmm(T(nan, device), T(a, device), T(b, device), beta=0), a @ b, rtol=1e-5, atol=1e-5)
    t = T(m, device)
    v = t._version
    assert t.addmm_(T(a, device), T(b, device), alpha=-1) is t
    assert t._version > v
    assert_close(t, m - a @ b, rtol=1e-5, atol=1e-5)
    ai, bi, mi = rand(2, 3, dtype=np.int64), rand(3, 2, dtype=np.int64), rand(2, 2, dtype=np.int64)
    assert_close(ember.addmm(T(mi, device), T(ai, device), T(bi, device), beta=2, alpha=3), 2 * mi + 3 * (ai @ bi))
    with pytest.raises(RuntimeError, match="self and mat2 must have the same dtype, but got Double and Float"):
        ember.addmm(T(m.astype(np.float64), device), T(a, device), T(b, device))
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x4\)"):
        ember.addmm(T(m, device), T(a, device), T(rand(4, 4), device))
    with pytest.raises(RuntimeError, match=r"The expanded size of the tensor \(4\) must match the existing size \(3\)"):
        ember.addmm(T(rand(3), device), T(a, device), T(b, device))
    with pytest.raises(RuntimeError, match="mat1 must be a matrix, got 1-D tensor"):
        ember.addmm(T(m, device), T(rand(3), device), T(b, device))


def test_addmv_addr(device):
    x, m, v = rand(3), rand(3, 4), rand(4)
    assert_close(ember.addmv(T(x, device), T(m, device), T(v, device), beta=2, alpha=0.5),
                 2 * x + 0.5 * (m @ v), rtol=1e-5, atol=1e-5)
    assert_close(ember.addmv(T(np.float32(1), device), T(m, device), T(v, device)), 1 + m @ v, rtol=1e-5, atol=1e-5)
    nan = np.full(3, np.nan, np.float32)
    assert_close(ember.addmv(T(nan, device), T(m, device), T(v, device), beta=0), m @ v, rtol=1e-5, atol=1e-5)
    t = T(x, device)
    t.addmv_(T(m, device), T(v, device))
    assert_close(t, x + m @ v, rtol=1e-5, atol=1e-5)
    with pytest.raises(RuntimeError, match=r"size mismatch, got input \(3\), mat \(3x4\), vec \(5\)"):
        ember.addmv(T(x, device), T(m, device), T(rand(5), device))
    with pytest.raises(RuntimeError, match="vector \\+ matrix @ vector expected, got 2, 2, 1"):
        ember.addmv(T(m, device), T(m, device), T(v, device))
    u, w = rand(3), rand(4)
    assert_close(ember.addr(T(m, device), T(u, device), T(w, device), beta=0.5, alpha=2),
                 0.5 * m + 2 * np.outer(u, w), rtol=1e-5, atol=1e-5)
    assert_close(ember.addr(T(np.zeros((3, 4), np.float64), device), T(u, device), T(w, device)),
                 np.outer(u, w).astype(np.float64))     # promotes, as PyTorch
    ui, wi = rand(3, dtype=np.int64), rand(4, dtype=np.int64)
    assert_close(ember.addr(T(np.ones((3, 4), np.int64), device), T(ui, device), T(wi, device)), 1 + np.outer(ui, wi))
    with pytest.raises(RuntimeError, match="For integral input tensors, argument alpha must not be a floating point number"):
        ember.addr(T(np.ones((3, 4), np.int64), device), T(ui, device), T(wi, device), alpha=0.5)
    with pytest.raises(RuntimeError, match="addr: Expected 1-D argument vec1, but got 2-D"):
        ember.addr(T(m, device), T(m, device), T(w, device))
    t = T(m, device)
    t.addr_(T(u, device), T(w, device))
    assert_close(t, m + np.outer(u, w), rtol=1e-5, atol=1e-5)


def test_baddbmm_addbmm(device):
    m, x, y = rand(2, 3, 5), rand(2, 3, 4), rand(2, 4, 5)
    assert_close(ember.baddbmm(T(m, device), T(x, device), T(y, device), beta=0.5, alpha=2),
                 0.5 * m + 2 * np.matmul(x, y), rtol=1e-5, atol=1e-5)
    assert_close(ember.baddbmm(T(m[0, 0], device), T(x, device), T(y, device)), m[0, 0] + np.matmul(x, y),
                 rtol=1e-5, atol=1e-5)
    nan = np.full((2, 3, 5), np.nan, np.float32)
    assert_close(ember.baddbmm(T(nan, device), T(x, device), T(y, device), beta=0), np.matmul(x, y),
                 rtol=1e-5, atol=1e-5)
    t = T(m, device)
    t.baddbmm_(T(x, device), T(y, device))
    assert_close(t, m + np.matmul(x, y), rtol=1e-5, atol=1e-5)
    assert_close(ember.addbmm(T(m[0], device), T(x, device), T(y, device), beta=2, alpha=0.5),
                 2 * m[0] + 0.5 * np.matmul(x, y).sum(0), rtol=1e-5, atol=1e-5)
    assert_close(ember.addbmm(T(m[0], device), make(noncontig(x), device), T(y, device)),
                 m[0] + np.matmul(x, y).sum(0), rtol=1e-5, atol=1e-5)
    assert_close(ember.addbmm(T(m[0], device), T(rand(0, 3, 4), device), T(rand(0, 4, 5), device)), m[0])
    t = T(m[0], device)
    t.addbmm_(T(x, device), T(y, device))
    assert_close(t, m[0] + np.matmul(x, y).sum(0), rtol=1e-5, atol=1e-5)
    with pytest.raises(RuntimeError, match="batch1 and batch2 must have same number of batches, got 2 and 3"):
        ember.addbmm(T(m[0], device), T(x, device), T(rand(3, 4, 5), device))
    with pytest.raises(RuntimeError, match=r"Incompatible matrix sizes for bmm \(3x4 and 3x5\)"):
        ember.addbmm(T(m[0], device), T(x, device), T(rand(2, 3, 5), device))
    with pytest.raises(RuntimeError, match=r"Expected size for first two dimensions of batch2 tensor"):
        ember.baddbmm(T(m, device), T(x, device), T(rand(3, 4, 5), device))


# ------------------------------------------------------------------------------------------------
# einsum / tensordot
EINSUM_CASES = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ij,jk", [(3, 4), (4, 5)]),
    ("ij->ji", [(3, 4)]),
    ("ii->i", [(4, 4)]),
    ("ii", [(4, 4)]),
    ("ij->", [(3, 4)]),
    ("ij->j", [(3, 4)]),
    ("i,i->", [(5,), (5,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("...ij,jk", [(2, 3, 4), (4, 5)]),
    ("i...->...", [(3, 2, 4)]),
    ("iij->j", [(3, 3, 4)]),
    ("ijk,ikl->jl", [(2, 3, 4), (2, 4, 5)]),
    ("ij,ij->ij", [(3, 4), (3, 4)]),
    ("ij,kl->ijkl", [(2, 3), (2, 2)]),
    ("ab,bc,cd->ad", [(2, 3), (3, 4), (4, 5)]),
    ("ijk,j->ik", [(2, 3, 4), (3,)]),
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
    ("Ab,bA->", [(3, 4), (4, 3)]),
    ("i j , j k -> i k", [(2, 3), (3, 2)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM_CASES)
def test_einsum(device, eq, shapes):
    arrs = [rand(*s, dtype=np.float64) for s in shapes]
    assert_close(ember.einsum(eq, *[T(a, device) for a in arrs]), np.einsum(eq.replace(" ", ""), *arrs))


def test_einsum_forms_and_layouts(device):
    a, b = rand(3, 4, dtype=np.float64), rand(4, 5, dtype=np.float64)
    ta, tb = T(a, device), T(b, device)
    assert_close(ember.einsum("ij,jk->ik", [ta, tb]), a @ b)                # operands as a list
    assert_close(ember.einsum(ta, [0, 1], tb, [1, 2], [0, 2]), a @ b)        # sublist format
    assert_close(ember.einsum(ta, [0, Ellipsis]), np.einsum("a...", a))
    assert_close(ember.einsum("ij,jk->ik", make(noncontig(a), device), make(noncontig(b), device)), a @ b)
    ai = rand(3, 4, dtype=np.int64)
    assert_close(ember.einsum("ij,kj->ik", T(ai, device), T(ai, device)), np.einsum("ij,kj->ik", ai, ai))
    assert_close(ember.einsum("ii", T(rand(0, 0), device)), np.float32(0))
    assert_close(ember.einsum("ij,jk->ik", T(rand(2, 0), device), T(rand(0, 3), device)), np.zeros((2, 3), np.float32))


def test_einsum_errors(device):
    a = T(rand(3, 4), device)
    with pytest.raises(RuntimeError, match=r"einsum\(\): the number of subscripts in the equation \(3\) does not match the number of dimensions \(2\) for operand 0 and no ellipsis was given"):
        ember.einsum("ijk", a)
    with pytest.raises(RuntimeError, match=r"more operands were provided than specified in the equation"):
        ember.einsum("ij", a, a)
    with pytest.raises(RuntimeError, match=r"fewer operands were provided than specified in the equation"):
        ember.einsum("ij,jk", a)
    with pytest.raises(RuntimeError, match=r"invalid subscript given at index 1 in the equation string, subscripts must be in \[a-zA-Z\]"):
        ember.einsum("i1", a)
    with pytest.raises(RuntimeError, match=r"output subscript k does not appear in the equation for any input operand"):
        ember.einsum("ij->k", a)
    with pytest.raises(RuntimeError, match=r"output subscript i appears more than once in the output"):
        ember.einsum("ij->ii", a)
    with pytest.raises(RuntimeError, match=r"subscript i is repeated for operand 0 but the sizes don't match, 4 != 3"):
        ember.einsum("ii->i", a)
    with pytest.raises(RuntimeError, match=r"subscript j has size 5 for operand 1 which does not broadcast with previously seen size 4"):
        ember.einsum("ij,jk", a, T(rand(5, 2), device))
    with pytest.raises(ValueError, match="must specify the equation string and at least one operand"):
        ember.einsum("ij")


def test_tensordot(device):
    a, b = rand(3, 4, 5, dtype=np.float64), rand(4, 5, 2, dtype=np.float64)
    assert_close(ember.tensordot(T(a, device), T(b, device)), np.tensordot(a, b))
    assert_close(ember.tensordot(T(a, device), T(b, device), dims=([1, 2], [0, 1])), np.tensordot(a, b, ([1, 2], [0, 1])))
    assert_close(ember.tensordot(T(a, device), T(b, device), dims=([2, 1], [1, 0])), np.tensordot(a, b, ([2, 1], [1, 0])))
    c = rand(5, dtype=np.float64)
    assert_close(ember.tensordot(T(a, device), T(c, device), dims=([-1], [0])), np.tensordot(a, c, ([-1], [0])))
    assert_close(ember.tensordot(T(a, device), T(b, device), dims=0), np.tensordot(a, b, 0))
    one = rand(1, 2, dtype=np.float64)          # a size-1 contracted dim broadcasts (summed first)
    assert_close(ember.tensordot(T(a, device), T(one, device), dims=([2], [0])),
                 np.tensordot(a.sum(2, keepdims=True), one, ([2], [0])))
    d = rand(5, 2, dtype=np.float64)
    assert_close(ember.tensordot(make(noncontig(a), device), T(d, device), dims=1), np.tensordot(a, d, 1))
    with pytest.raises(RuntimeError, match=r"contracted dimensions need to match, but first has size 5 in dim 2 and second has size 4 in dim 0"):
        ember.tensordot(T(a, device), T(b, device), dims=1)
    with pytest.raises(RuntimeError, match="both dimension lists should have same length"):
        ember.tensordot(T(a, device), T(b, device), dims=([1, 2], [0]))
    with pytest.raises(RuntimeError, match=r"tensordot expects dims >= 0, but got dims=-1"):
        ember.tensordot(T(a, device), T(b, device), dims=-1)


# ------------------------------------------------------------------------------------------------
# composite ops
def test_trace(device):
    a = rand(3, 4, dtype=np.float64)
    assert_close(ember.trace(T(a, device)), np.trace(a))
    assert_close(T(a, device).trace(), np.trace(a))
    ai = rand(4, 4, dtype=np.int32)
    assert_close(ember.trace(T(ai, device)), np.int64(np.trace(ai)))     # integers accumulate in int64
    assert_close(ember.trace(make(noncontig(a), device)), np.trace(a))
    assert_close(ember.trace(T(rand(0, 3), device)), np.float32(0))
    with pytest.raises(RuntimeError, match="trace: expected a matrix, but got tensor with dim 3"):
        ember.trace(T(rand(2, 2, 2), device))


def test_kron(device):
    a, b = rand(2, 3), rand(4, 5)
    assert_close(ember.kron(T(a, device), T(b, device)), np.kron(a, b))
    v = rand(3)
    assert_close(T(a, device).kron(T(v, device)), np.kron(a, v))
    c, c2 = rand(2, 2, 2, dtype=np.int64), rand(3, 1, dtype=np.int64)
    assert_close(ember.kron(T(c, device), T(c2, device)), np.kron(c, c2))
    assert_close(ember.kron(make(noncontig(a), device), T(b, device)), np.kron(a, b))


def test_cross(device):
    a, b = rand(4, 3, dtype=np.float64), rand(4, 3, dtype=np.float64)
    assert_close(LA.cross(T(a, device), T(b, device)), np.cross(a, b))
    assert_close(ember.cross(T(a, device), T(b, device), dim=1), np.cross(a, b))
    assert_close(LA.cross(T(a.T.copy(), device), T(b.T.copy(), device), dim=0), np.cross(a, b).T)
    assert_close(LA.cross(T(a[:1], device), T(b, device)), np.cross(a[:1], b))            # broadcast
    assert_close(LA.cross(make(noncontig(a), device), T(b, device)), np.cross(a, b))
    with pytest.warns(UserWarning, match="without specifying the dim arg is deprecated"):
        r = ember.cross(T(a.T.copy(), device), T(b.T.copy(), device))
    assert_close(r, np.cross(a, b).T)
    with pytest.raises(RuntimeError, match="linalg.cross: inputs dimension -1 must have length 3. Got 2 and 2"):
        LA.cross(T(rand(2), device), T(rand(2), device))
    with pytest.raises(RuntimeError, match="linalg.cross: inputs must have the same number of dimensions."):
        LA.cross(T(rand(3), device), T(rand(2, 3), device))


@pytest.mark.parametrize("p", [2.0, 1.0, 0.0, 3.0, float("inf")])
@pytest.mark.parametrize("rows", [4, 30])
def test_cdist(device, p, rows):
    x1, x2 = rand(2, rows, 5, dtype=np.float64), rand(1, 6, 5, dtype=np.float64)
    d = x1[:, :, None, :] - x2[:, None, :, :]
    ref = np.linalg.vector_norm(d, ord=p, axis=-1)
    assert_close(ember.cdist(T(x1, device), T(x2, device), p=p), ref, rtol=1e-7, atol=1e-7)


def test_cdist_modes_and_errors(device):
    x1, x2 = rand(5, 3, dtype=np.float64), rand(4, 3, dtype=np.float64)
    ref = np.linalg.norm(x1[:, None] - x2[None], axis=-1)
    for mode in ("use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist", "use_mm_for_euclid_dist_if_necessary"):
        assert_close(ember.cdist(T(x1, device), T(x2, device), compute_mode=mode), ref, rtol=1e-7, atol=1e-7)
    assert_close(ember.cdist(T(rand(5, 0), device), T(rand(4, 0), device)), np.zeros((5, 4), np.float32))
    with pytest.raises(RuntimeError, match="cdist only supports floating-point dtypes, X1 got: Long"):
        ember.cdist(T(rand(2, 3, dtype=np.int64), device), T(rand(2, 3, dtype=np.int64), device))
    with pytest.raises(RuntimeError, match="X1 and X2 must have the same number of columns. X1: 3 X2: 4"):
        ember.cdist(T(rand(2, 3), device), T(rand(2, 4), device))
    with pytest.raises(RuntimeError, match="cdist only supports at least 2D tensors, X1 got: 1D"):
        ember.cdist(T(rand(3), device), T(rand(2, 3), device))
    with pytest.raises(RuntimeError, match="cdist only supports non-negative p values"):
        ember.cdist(T(rand(2, 3), device), T(rand(2, 3), device), p=-1)
    with pytest.raises(ValueError, match="is not a valid value for compute_mode"):
        ember.cdist(T(rand(2, 3), device), T(rand(2, 3), device), compute_mode="fast")


def test_cov_corrcoef(device):
    x = rand(3, 6, dtype=np.float64)
    assert_close(ember.cov(T(x, device)), np.cov(x))
    assert_close(T(x, device).cov(correction=0), np.cov(x, ddof=0))
    fw = np.array([1, 2, 1, 3, 1, 2])
    aw = np.abs(rand(6, dtype=np.float64)) + 0.1
    assert_close(ember.cov(T(x, device), fweights=T(fw, device)), np.cov(x, fweights=fw))
    assert_close(ember.cov(T(x, device), aweights=T(aw, device)), np.cov(x, aweights=aw))
    assert_close(ember.cov(T(x, device), fweights=T(fw, device), aweights=T(aw, device), correction=2),
                 np.cov(x, fweights=fw, aweights=aw, ddof=2))
    v = rand(5, dtype=np.float64)
    assert_close(ember.cov(T(v, device)), np.cov(v))                              # 1-D: a 0-d variance
    xi = rand(2, 5, dtype=np.int64)
    assert_close(ember.cov(T(xi, device)), np.cov(xi).astype(np.float32), rtol=1e-5)   # ints -> float32
    assert_close(ember.cov(make(noncontig(x), device)), np.cov(x))
    assert_close(ember.corrcoef(T(x, device)), np.corrcoef(x))
    assert_close(T(x, device).corrcoef(), np.corrcoef(x))
    assert_close(ember.corrcoef(T(v, device)), np.float64(1.0))
    with pytest.raises(RuntimeError, match=r"cov\(\): expected input to have two or fewer dimensions but got an input with 3 dimensions"):
        ember.cov(T(rand(2, 2, 2), device))
    with pytest.raises(RuntimeError, match=r"cov\(\): expected fweights to have integral dtype but got fweights with Float dtype"):
        ember.cov(T(x, device), fweights=T(rand(6), device))
    with pytest.raises(RuntimeError, match=r"cov\(\): aweights cannot be negative"):
        ember.cov(T(x, device), aweights=T(-aw, device))
    with pytest.raises(RuntimeError, match=r"cov\(\): expected aweights to have the same numel as there are observations in the input but got 5 != 6"):
        ember.cov(T(x, device), aweights=T(aw[:5], device))
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        ember.cov(T(x[:, :1], device))
    with pytest.raises(RuntimeError, match=r"corrcoef\(\): expected input to have two or fewer dimensions"):
        ember.corrcoef(T(rand(2, 2, 2), device))


def test_multi_dot_chain_matmul(device):
    shapes = [(3, 10), (10, 2), (2, 7), (7, 4)]
    arrs = [rand(*s, dtype=np.float64) for s in shapes]
    ref = np.linalg.multi_dot(arrs)
    assert_close(LA.multi_dot([T(a, device) for a in arrs]), ref)
    assert_close(LA.multi_dot([T(a, device) for a in arrs[:3]]), np.linalg.multi_dot(arrs[:3]))
    assert_close(LA.multi_dot([T(arrs[0][0], device), T(arrs[1], device), T(arrs[2][:, 0], device)]),
                 np.linalg.multi_dot([arrs[0][0], arrs[1], arrs[2][:, 0]]))
    with pytest.warns(UserWarning, match="chain_matmul is deprecated") if not _chain_warned() else warnings.catch_warnings():
        r = ember.chain_matmul(*[T(a, device) for a in arrs])
    assert_close(r, ref)
    assert_close(ember.chain_matmul(T(arrs[0], device)), arrs[0])
    with pytest.raises(RuntimeError, match=r"multi_dot\(\): expected at least 2 tensors but got 1"):
        LA.multi_dot([T(arrs[0], device)])
    with pytest.raises(RuntimeError, match=r"multi_dot\(\): tensors 0 and 1 with shapes \[3, 10\] and \[2, 7\] cannot be multiplied"):
        LA.multi_dot([T(arrs[0], device), T(arrs[2], device)])
    with pytest.raises(RuntimeError, match=r"multi_dot\(\): tensor 1 must be 2D but got 1D"):
        LA.multi_dot([T(arrs[0], device), T(rand(10), device), T(arrs[2], device)])
    with pytest.raises(RuntimeError, match="Tensor dimension is 1, expected 2 instead."):
        ember.chain_matmul(T(rand(3), device), T(arrs[0], device))


def _chain_warned():
    from ember.ops import _linalg_misc
    return _linalg_misc._chain_warned[0]


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, -1, -3])
def test_matrix_power(device, n):
    a = rand(2, 3, 3, dtype=np.float64) + 2 * np.eye(3)
    assert_close(ember.matrix_power(T(a, device), n), np.linalg.matrix_power(a, n), rtol=1e-6, atol=1e-8)
    assert_close(LA.matrix_power(T(a[0], device), n), np.linalg.matrix_power(a[0], n), rtol=1e-6, atol=1e-8)


def test_matrix_power_int_and_errors(device):
    ai = rand(3, 3, dtype=np.int64)
    assert_close(T(ai, device).matrix_power(4), np.linalg.matrix_power(ai, 4))
    with pytest.raises(RuntimeError, match="linalg.matrix_power: A must be batches of square matrices, but they are 2 by 3 matrices"):
        ember.matrix_power(T(rand(2, 3), device), 2)
    with pytest.raises(RuntimeError, match="linalg.inv: Expected a floating point or complex tensor as input. Got Long"):
        ember.matrix_power(T(ai, device), -1)


def test_vecdot(device):
    x, y = rand(3, 4, dtype=np.float64), rand(4, dtype=np.float64)
    assert_close(LA.vecdot(T(x, device), T(y, device)), x @ y)
    assert_close(LA.vecdot(T(x, device), T(x, device), dim=0), (x * x).sum(0))
    xi = rand(2, 3, dtype=np.int32)
    assert_close(LA.vecdot(T(xi, device), T(xi, device)), (xi.astype(np.int64) ** 2).sum(-1))
    with pytest.raises(RuntimeError, match="linalg.vecdot: Expected x and y to have the same dtype, but found x of type Float and y of type Double instead"):
        LA.vecdot(T(rand(3), device), T(y[:3], device))
