"""The derivatives docs/autograd.md once listed as missing: the gamma family (lgamma, digamma,
polygamma, mvlgamma: gradcheck and gradgradcheck in float64), cumprod with zeros in the input
(exact, also to second order), index_reduce (every reduce, include_self both ways) and
scatter(reduce=...) (an error at backward, as torch 2.13)."""
import itertools

import numpy as np
import pytest
import scipy.special as sps

import ember
import ember.special
from ember.autograd import gradcheck, gradgradcheck
from ember.autograd.derivatives_reduce import _cumprod_omitted
from conftest import make, noncontig, to_np

RNG = np.random.default_rng(99)


def T(arr, device):
    return make(np.asarray(arr, np.float64), device, requires_grad=True)


# ------------------------------------------------------------------------------------------------
# the gamma family
GAMMA = [
    ("lgamma", ember.lgamma, lambda a: sps.digamma(a)),
    ("digamma", ember.digamma, lambda a: sps.polygamma(1, a)),
    ("psi", ember.special.psi, lambda a: sps.polygamma(1, a)),
    ("polygamma1", lambda x: ember.polygamma(1, x), lambda a: sps.polygamma(2, a)),
    ("polygamma3", lambda x: x.polygamma(3), lambda a: sps.polygamma(4, a)),
    ("special_polygamma2", lambda x: ember.special.polygamma(2, x), lambda a: sps.polygamma(3, a)),
    ("mvlgamma1", lambda x: ember.mvlgamma(x + 2, 1), lambda a: sps.digamma(a + 2)),
    ("mvlgamma4", lambda x: x.add(4).mvlgamma(p=4),
     lambda a: sum(sps.digamma(a + 4 - i / 2) for i in range(4))),
    ("multigammaln3", lambda x: ember.special.multigammaln(x + 3, 3),
     lambda a: sum(sps.digamma(a + 3 - i / 2) for i in range(3))),
]
# negative non-integers included: the functions are smooth between the poles
_GAMMA_X = np.array([[0.3, 1.7, 4.2], [-0.4, -2.6, 9.5]])


@pytest.mark.parametrize("name,fn,deriv", GAMMA, ids=[g[0] for g in GAMMA])
def test_gamma_family_gradients(device, name, fn, deriv):
    x = T(_GAMMA_X, device)
    (g,) = ember.autograd.grad(fn(x).sum(), x)
    np.testing.assert_allclose(to_np(g), deriv(_GAMMA_X), rtol=1e-10)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))
    assert gradcheck(fn, (T(noncontig(_GAMMA_X), device),))
    assert gradcheck(fn, (T(2.5, device),))
    assert gradgradcheck(fn, (T(-1.5, device),))


def test_gamma_family_nodes_and_inplace(device):
    x = T(_GAMMA_X + 6, device)
    assert ember.lgamma(x).grad_fn.name() == "LgammaBackward0"
    assert ember.digamma(x).grad_fn.name() == "DigammaBackward0"
    assert x.polygamma(2).grad_fn.name() == "PolygammaBackward0"
    assert ember.mvlgamma(x, 2).grad_fn.name() == "MvlgammaBackward0"
    # in-place forms (first order: see docs/autograd.md on double backward through in-place ops)
    for fn, deriv in ((lambda t: t.clone().lgamma_(), sps.digamma),
                      (lambda t: t.clone().digamma_(), lambda a: sps.polygamma(1, a)),
                      (lambda t: t.clone().polygamma_(2), lambda a: sps.polygamma(3, a)),
                      (lambda t: t.clone().mvlgamma_(3),
                       lambda a: sum(sps.digamma(a - i / 2) for i in range(3)))):
        assert gradcheck(fn, (x,))
        (g,) = ember.autograd.grad(fn(x).sum(), x)
        np.testing.assert_allclose(to_np(g), deriv(_GAMMA_X + 6), rtol=1e-10)


def test_polygamma_third_order(device):
    # each backward is polygamma(n + 1): three levels deep
    x = T([0.7, 2.2], device)
    y = ember.digamma(x).sum()
    (g1,) = ember.autograd.grad(y, x, create_graph=True)
    (g2,) = ember.autograd.grad(g1.sum(), x, create_graph=True)
    (g3,) = ember.autograd.grad(g2.sum(), x)
    np.testing.assert_allclose(to_np(g3), sps.polygamma(3, [0.7, 2.2]), rtol=1e-10)


# ------------------------------------------------------------------------------------------------
# cumprod with zeros
def _cumprod_grad_oracle(x, g, d):
    """sum_{j >= k} g_j prod_{i <= j, i != k} x_i by brute force, along axis d."""
    x, g = np.moveaxis(x, d, -1), np.moveaxis(g, d, -1)
    n = x.shape[-1]
    out = np.zeros_like(x)
    for k in range(n):
        for j in range(k, n):
            idx = [i for i in range(j + 1) if i != k]
            out[..., k] += g[..., j] * np.prod(x[..., idx], axis=-1)
    return np.moveaxis(out, -1, d)


ZEROS = {"none": [], "one": [(0, 2, 1)], "two": [(0, 1, 1), (0, 3, 1)],
         "first_and_last": [(1, 0, 0), (1, 4, 0), (0, 0, 2)],
         "adjacent": [(1, 2, 2), (1, 3, 2), (0, 4, 0)]}


@pytest.mark.parametrize("zeros", sorted(ZEROS))
def test_cumprod_with_zeros(device, zeros):
    a = RNG.uniform(-2, 2, (2, 5, 3))
    for z in ZEROS[zeros]:
        a[z] = 0
    x = T(a, device)
    g = RNG.standard_normal(a.shape)
    for d in (1, 0, -1):
        (got,) = ember.autograd.grad(x.cumprod(d), x, ember.tensor(g, device=device))
        np.testing.assert_allclose(to_np(got), _cumprod_grad_oracle(a, g, d), atol=1e-12)
        assert gradcheck(lambda t: t.cumprod(d), (x,))
        assert gradgradcheck(lambda t: t.cumprod(d), (x,))
    assert gradcheck(lambda t: t.clone().cumprod_(1), (T(noncontig(a), device),))


def test_cumprod_second_derivative_with_zeros(device):
    # d2/dx_k dx_z of sum(g * cumprod(x)) is not zero at a zero x_z: the O(n) first-order form
    # would give it wrong, so the recorded backward must use the omitted products
    a = np.array([1.5, 0.0, 2.0, -0.5])
    x = T(a, device)
    (g1,) = ember.autograd.grad(x.cumprod(0).sum(), x, create_graph=True)
    hess = np.stack([to_np(ember.autograd.grad(g1[i], x, retain_graph=True)[0]) for i in range(4)])
    want = np.zeros((4, 4))
    for k, m in itertools.permutations(range(4), 2):
        for j in range(max(k, m), 4):
            want[k, m] += np.prod([a[i] for i in range(j + 1) if i not in (k, m)])
    np.testing.assert_allclose(hess, want, atol=1e-12)


def test_cumprod_omitted_products_in_blocks(device):
    a = RNG.uniform(-2, 2, (3, 7))
    a[0, 2] = a[1, 0] = a[1, 5] = 0
    g = RNG.standard_normal(a.shape)
    x, gt = ember.tensor(a, device=device), ember.tensor(g, device=device)
    for block in (1, 8, 1 << 22):                  # k one row at a time, a few, all at once
        got = _cumprod_omitted(gt, x, 1, block=block)
        np.testing.assert_allclose(to_np(got), _cumprod_grad_oracle(a, g, 1), atol=1e-12)


def test_cumprod_edge_shapes(device):
    for arr, d in ((np.array(0.0), 0), (np.zeros((3, 1)), 1), (np.zeros((0, 4)), 1)):
        x = T(arr, device)
        (g,) = ember.autograd.grad(x.cumprod(d).sum(), x)
        assert g.shape == x.shape
        np.testing.assert_array_equal(to_np(g), np.ones(arr.shape))


# ------------------------------------------------------------------------------------------------
# index_reduce
@pytest.mark.parametrize("reduce,include_self",
                         list(itertools.product(("prod", "mean", "amax", "amin"), (True, False))))
def test_index_reduce_gradients(device, reduce, include_self):
    idx = ember.tensor([0, 2, 0, 3], device=device)
    x = T(RNG.uniform(-2, 2, (3, 5)), device)
    s = T(RNG.uniform(-2, 2, (3, 4)), device)
    f = lambda a, b: a.index_reduce(1, idx, b, reduce, include_self=include_self)
    assert gradcheck(f, (x, s))
    assert gradgradcheck(f, (x, s))
    fi = lambda a, b: a.clone().index_reduce_(0, idx[:2], b.t()[:2], reduce,
                                              include_self=include_self)
    assert gradcheck(fi, (x, T(noncontig(RNG.uniform(-2, 2, (5, 4))), device)))


@pytest.mark.parametrize("include_self", (True, False))
def test_index_reduce_prod_with_zeros(device, include_self):
    idx = ember.tensor([0, 2, 0, 2, 4], device=device)
    a = RNG.uniform(0.5, 2, (2, 5))
    src = RNG.uniform(0.5, 2, (2, 5))
    a[0, 2] = 0                       # a zero in self
    src[0, 0] = 0                     # the only zero of slot (0, 0)
    src[1, 1] = src[1, 3] = 0         # two zeros in slot (1, 2)
    x, s = T(a, device), T(src, device)
    f = lambda p, q: p.index_reduce(1, idx, q, "prod", include_self=include_self)
    assert gradcheck(f, (x, s))
    (gs,) = ember.autograd.grad(f(x, s).sum(), s)
    # slot (0, 0) holds src[0, 0] * src[0, 2] (* self): d/dsrc[0, 0] is the product of the others
    others = src[0, 2] * (a[0, 0] if include_self else 1)
    np.testing.assert_allclose(to_np(gs)[0, 0], others, rtol=1e-12)
    np.testing.assert_array_equal(to_np(gs)[1, [1, 3]], [0, 0])
    # first-order gradients stay available under create_graph; differentiating them again
    # through two zeros in one slot raises, as in torch (a single zero is fine)
    (gs,) = ember.autograd.grad(f(x, s).sum(), s, create_graph=True)
    with pytest.raises(RuntimeError, match=r"^index_reduce\(\): Double backward is unsupported "
                       r"for source when >1 zeros in source are scattered to the same position "
                       r"in self$"):
        ember.autograd.grad(gs.sum(), s)
    s1 = T(np.where(np.arange(10).reshape(2, 5) == 8, 1.5, src), device)     # one zero per slot
    assert gradgradcheck(f, (x, s1))


def test_index_reduce_amax_ties_share_evenly(device):
    idx = ember.tensor([0, 0, 1], device=device)
    x = T([[5.0, 1.0, 2.0]], device)
    s = T([[5.0, 5.0, 3.0]], device)
    y = x.index_reduce(1, idx, s, "amax")
    y.sum().backward()
    np.testing.assert_allclose(to_np(x.grad), [[1 / 3, 0, 1]])
    np.testing.assert_allclose(to_np(s.grad), [[1 / 3, 1 / 3, 1]])
    # include_self=False: self's old 5.0 at a reduced slot takes no share
    x.grad = s.grad = None
    x.index_reduce(1, idx, s, "amax", include_self=False).sum().backward()
    np.testing.assert_allclose(to_np(x.grad), [[0, 0, 1]])
    np.testing.assert_allclose(to_np(s.grad), [[0.5, 0.5, 1]])


# ------------------------------------------------------------------------------------------------
# scatter with reduce
@pytest.mark.parametrize("reduce", ("add", "multiply"))
def test_scatter_reduce_argument_has_no_derivative(device, reduce):
    idx = ember.tensor([[0, 2], [1, 1]], device=device)
    msg = "^derivative for aten::scatter is not implemented$"
    for needs in ((True, True), (True, False), (False, True)):
        x = make(RNG.standard_normal((2, 3)), device, requires_grad=needs[0])
        s = make(RNG.standard_normal((2, 2)), device, requires_grad=needs[1])
        y = x.scatter(1, idx, s, reduce=reduce)              # the forward works
        with pytest.raises(RuntimeError, match=msg):
            y.sum().backward()
    x = make(RNG.standard_normal((2, 3)), device, requires_grad=True)
    with pytest.raises(RuntimeError, match=msg):
        x.scatter(1, idx, 2.5, reduce=reduce).sum().backward()
    with pytest.raises(RuntimeError, match=msg):
        x.clone().scatter_(1, idx, 2.5, reduce=reduce).sum().backward()
    # without reduce the derivative is there
    uniq = ember.tensor([[0, 2], [1, 0]], device=device)
    assert gradcheck(lambda a, b: a.scatter(1, uniq, b), (T(np.ones((2, 3)), device),
                                                          T(np.ones((2, 2)), device)))
