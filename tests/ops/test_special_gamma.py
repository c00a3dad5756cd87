"""digamma, polygamma and mvlgamma (and their ember.special names) against scipy.special: values in
float64 and float32 (large |x|, negative non-integers, poles), dtype rules, layouts, out= and
in-place forms, and PyTorch's argument errors."""
import math

import numpy as np
import pytest
import scipy.special as sps

import ember
import ember.special
from conftest import DEVICES, assert_close, make, noncontig, to_np

RNG = np.random.default_rng(7)
# negative non-integers, tiny, moderate and large values; no integers <= 0 (poles)
_X = np.concatenate([RNG.uniform(-30, 30, 400), RNG.uniform(0, 3, 200),
                     10.0 ** RNG.uniform(-8, 12, 200), -(10.0 ** RNG.uniform(-8, 4, 200)),
                     [1.4616321449683623, 10.0, 1e17, 3e30, -1e4 - 0.5]])
_X = _X[(_X > 0) | (np.abs(_X - np.round(_X)) > 1e-4)]


def _ref(name, x, n):
    with np.errstate(all="ignore"):
        if name == "digamma":
            return sps.digamma(x)
        if name == "polygamma":
            return sps.polygamma(n, x)
        # scipy's multigammaln refuses x <= (p - 1) / 2, where torch (and Ember) still sum
        # lgamma; the sum itself is the oracle, checked against multigammaln below
        x = np.asarray(x, np.float64)
        return n * (n - 1) / 4 * math.log(math.pi) + sum(sps.gammaln(x - i / 2) for i in range(n))


def _call(name, t, n):
    if name == "digamma":
        return ember.digamma(t)
    return ember.polygamma(n, t) if name == "polygamma" else ember.mvlgamma(t, n)


def _scale(name, x, n):
    """The size of the terms a value at x is computed from: 1, or for polygamma(n >= 1) at x < 0
    the pole terms n! / dist^(n+1) that cancel to it (scipy sums them too, with the same
    cancellation, e.g. psi^(10)(-1e4 - 0.5) ~ -3e-35 comes out as -1.3e-7)."""
    s = np.ones_like(x)
    if name == "polygamma" and n >= 1:
        dist = np.abs(x - np.round(x))
        with np.errstate(all="ignore"):
            s = np.where(x < 0, np.maximum(s, math.factorial(n) * dist ** -(n + 1.0)), s)
    return s


def _check(got, want, dtype, scale):
    """float64: 1e-12 relative to max(|want|, scale); float32: the reference rounded to float32,
    one float32 rounding apart (the kernels compute float32 in double and round once)."""
    got = to_np(got).astype(np.float64)
    if dtype is ember.float32:
        with np.errstate(over="ignore"):
            want = want.astype(np.float32).astype(np.float64)
    tol = 1e-12 if dtype is ember.float64 else 1.2e-7
    fin = np.isfinite(want)
    assert np.array_equal(got[~fin], want[~fin], equal_nan=True)
    err = np.abs(got[fin] - want[fin]) / np.maximum(np.abs(want[fin]), scale[fin])
    assert err.max(initial=0) <= tol, (err.max(), want[fin][err.argmax()])


CASES = [("digamma", 0), ("polygamma", 0), ("polygamma", 1), ("polygamma", 2), ("polygamma", 3),
         ("polygamma", 4), ("polygamma", 10), ("mvlgamma", 1), ("mvlgamma", 3), ("mvlgamma", 7)]


@pytest.mark.parametrize("name,n", CASES, ids=[f"{c[0]}{c[1]}" for c in CASES])
@pytest.mark.parametrize("dtype", [ember.float64, ember.float32], ids=str)
def test_values_against_scipy(device, name, n, dtype):
    x = _X if name != "mvlgamma" else np.abs(_X[np.abs(_X) < 1e6]) + (n - 1) / 2
    x = x.astype(dtype.np).astype(np.float64)
    got = _call(name, ember.tensor(x, dtype=dtype, device=device), n)
    _check(got, _ref(name, x, n), dtype, _scale(name, x, n))


def test_huge_negative_arguments_do_not_hang(device):
    # cephes' zeta adds ~|x| terms for x < 0; ours is bounded. At half-integers the reflection
    # formulas give psi1 = pi^2 - psi1(1 - x), psi3 = 2 pi^4 - psi3(1 - x): the second terms are
    # below double's resolution here
    x = ember.tensor([-1e15 - 0.5, -2.0 ** 52 + 0.5], dtype=ember.float64, device=device)
    np.testing.assert_allclose(to_np(ember.polygamma(1, x)), [math.pi ** 2] * 2, rtol=1e-12)
    np.testing.assert_allclose(to_np(ember.polygamma(3, x)), [2 * math.pi ** 4] * 2, rtol=1e-12)
    np.testing.assert_allclose(to_np(ember.digamma(x)), sps.digamma(to_np(x)), rtol=1e-12)


def test_special_values(device):
    v = np.array([0.0, -0.0, -1.0, -7.0, -np.inf, np.inf, np.nan, 1.0, 0.5], np.float64)
    for dt in (ember.float64, ember.float32):
        t = ember.tensor(v, dtype=dt, device=device)
        with np.errstate(all="ignore"):
            want = sps.digamma(v)                 # -inf, +inf, NaN at the poles and -inf
            assert_close(ember.digamma(t), want.astype(dt.np))
            for n in (1, 2, 3, 6):
                # poles: (-1)^(n+1) inf, as scipy; +-0 at +inf (scipy; torch's float path has NaN)
                assert_close(ember.polygamma(n, t), sps.polygamma(n, v).astype(dt.np))
        assert np.signbit(to_np(ember.digamma(t))[:2]).tolist() == [True, False]
        assert to_np(ember.polygamma(2, t))[5] == 0 and np.signbit(to_np(ember.polygamma(2, t))[5])
    r = ember.mvlgamma(ember.tensor([1.0, 0.5, np.nan, np.inf], device=device), 2)
    assert_close(r, np.array([sps.multigammaln(1.0, 2), np.inf, np.nan, np.inf], np.float32))
    r = ember.mvlgamma(ember.tensor([4.25, 30.0], dtype=ember.float64, device=device), 7)
    assert_close(r, [sps.multigammaln(4.25, 7), sps.multigammaln(30.0, 7)], rtol=1e-13)


@pytest.mark.parametrize("name,n", [("digamma", 0), ("polygamma", 2), ("mvlgamma", 3)])
def test_dtype_rules(device, name, n):
    xi = [2, 3, 5]
    want = _ref(name, np.array(xi, np.float64), n).astype(np.float32)
    for dt in (ember.int64, ember.int32, ember.int16, ember.int8, ember.uint8):
        assert_close(_call(name, ember.tensor(xi, dtype=dt, device=device), n), want)
    if name != "mvlgamma":                      # (mvlgamma refuses bool, see the errors test)
        b = ember.tensor([True, True], device=device)
        assert_close(_call(name, b, n), _ref(name, np.ones(2), n).astype(np.float32))
    for dt in (ember.float16, ember.bfloat16):  # computed in float32, rounded once
        x = ember.tensor([1.25, 2.5, 3.75], dtype=dt, device=device)
        r = _call(name, x, n)
        assert r.dtype is dt
        want = _call(name, x.float(), n).to(dt)
        np.testing.assert_array_equal(to_np(r.float()), to_np(want.float()))
    ember.set_default_dtype(ember.float64)
    try:
        r = _call(name, ember.tensor(xi, device=device), n)
        assert r.dtype is ember.float64
        assert_close(r, _ref(name, np.array(xi, np.float64), n))
    finally:
        ember.set_default_dtype(ember.float32)


@pytest.mark.parametrize("name,n", [("digamma", 0), ("polygamma", 1), ("mvlgamma", 2)])
def test_layouts_0d_empty_and_out(device, name, n):
    a = RNG.uniform(1.0, 6.0, (3, 4))
    for arr in (a, noncontig(a), a.T):
        assert_close(_call(name, make(arr, device), n), _ref(name, arr, n))
    r = _call(name, ember.tensor(2.5, dtype=ember.float64, device=device), n)
    assert r.shape == ()
    assert_close(r, np.float64(_ref(name, np.array(2.5), n)))
    e = _call(name, ember.zeros((0, 3), device=device), n)
    assert e.shape == (0, 3) and e.dtype is ember.float32
    x = ember.tensor(a, device=device)
    out = ember.empty(0, dtype=ember.float64, device=device)
    res = {"digamma": lambda: ember.digamma(x, out=out),
           "polygamma": lambda: ember.polygamma(n, x, out=out),
           "mvlgamma": lambda: ember.mvlgamma(x, n, out=out)}[name]()
    assert res is out and out.shape == (3, 4) and out.dtype is ember.float64
    assert_close(out, _ref(name, a.astype(np.float32).astype(np.float64), n), rtol=1e-6, atol=1e-6)


def test_methods_and_inplace(device):
    a = RNG.uniform(1.0, 6.0, (2, 3))
    x = ember.tensor(a, dtype=ember.float64, device=device)
    assert_close(x.digamma(), sps.digamma(a))
    assert_close(x.polygamma(2), sps.polygamma(2, a))
    assert_close(x.polygamma(n=1), sps.polygamma(1, a))
    assert_close(ember.polygamma(n=3, input=x), sps.polygamma(3, a))
    assert_close(x.mvlgamma(2), _ref("mvlgamma", a, 2))
    assert_close(x.mvlgamma(p=3), _ref("mvlgamma", a, 3))
    for fn, want in ((lambda t: t.digamma_(), sps.digamma(a)),
                     (lambda t: t.polygamma_(1), sps.polygamma(1, a)),
                     (lambda t: t.mvlgamma_(2), _ref("mvlgamma", a, 2))):
        y = x.clone()
        v0 = y._storage.version
        assert fn(y) is y and y._storage.version > v0
        assert_close(y, want)
    # in place through a non-contiguous view writes only the view
    base = ember.tensor(a, dtype=ember.float64, device=device)
    base.t()[1].polygamma_(2)
    want = a.copy()
    want[:, 1] = sps.polygamma(2, a[:, 1])
    assert_close(base, want)


def test_special_namespace(device):
    a = RNG.uniform(0.5, 5.0, 6)
    x = ember.tensor(a, dtype=ember.float64, device=device)
    S = ember.special
    assert_close(S.digamma(x), sps.digamma(a))
    assert_close(S.psi(x), sps.digamma(a))
    assert_close(S.polygamma(2, x), sps.polygamma(2, a))
    assert_close(S.multigammaln(x + 2, 3), _ref("mvlgamma", a + 2, 3))
    assert_close(S.gammaln(x), sps.gammaln(a))
    assert_close(S.expit(x), sps.expit(a))
    assert_close(S.xlogy(x, x), sps.xlogy(a, a))
    out = ember.empty(6, dtype=ember.float64, device=device)
    assert S.psi(x, out=out) is out
    assert_close(out, sps.digamma(a))


def _raises(exc, msg, fn):
    with pytest.raises(exc) as info:
        fn()
    assert str(info.value) == msg


def test_errors_as_torch(device):
    x = ember.tensor([1.5, 2.5], device=device)
    i = ember.tensor([1, 2], device=device)
    S = ember.special
    _raises(RuntimeError, "polygamma(n, x) does not support negative n.",
            lambda: ember.polygamma(-1, x))
    _raises(RuntimeError, "polygamma(n, x) does not support negative n.", lambda: x.polygamma_(-2))
    _raises(RuntimeError, "polygamma(n, x) does not support negative n.",
            lambda: S.polygamma(-1, x))
    _raises(TypeError, "polygamma(): argument 'n' (position 1) must be int, not float",
            lambda: ember.polygamma(1.5, x))
    _raises(TypeError, "polygamma(): argument 'n' (position 1) must be int, not bool",
            lambda: ember.polygamma(True, x))
    _raises(TypeError, "polygamma(): argument 'n' (position 1) must be int, not Tensor",
            lambda: ember.polygamma(ember.tensor(1), x))
    _raises(TypeError, "special_polygamma(): argument 'n' (position 1) must be int, not float",
            lambda: S.polygamma(1.5, x))
    _raises(TypeError, "polygamma(): argument 'input' (position 2) must be Tensor, not list",
            lambda: ember.polygamma(1, [1.0]))
    _raises(TypeError, "digamma(): argument 'input' (position 1) must be Tensor, not float",
            lambda: ember.digamma(2.0))
    _raises(TypeError, "special_psi(): argument 'input' (position 1) must be Tensor, not float",
            lambda: S.psi(2.0))
    _raises(TypeError, "special_digamma(): argument 'input' (position 1) must be Tensor, not "
            "float", lambda: S.digamma(2.0))
    _raises(RuntimeError, "p has to be greater than or equal to 1", lambda: ember.mvlgamma(x, 0))
    _raises(RuntimeError, "p has to be greater than or equal to 1", lambda: x.mvlgamma_(0))
    _raises(RuntimeError, "p has to be greater than or equal to 1",
            lambda: S.multigammaln(x, -1))
    _raises(TypeError, "mvlgamma(): argument 'p' (position 2) must be int, not float",
            lambda: ember.mvlgamma(x, 1.5))
    _raises(TypeError, "special_multigammaln(): argument 'p' (position 2) must be int, not float",
            lambda: S.multigammaln(x, 1.5))
    _raises(TypeError, "mvlgamma(): argument 'input' (position 1) must be Tensor, not float",
            lambda: ember.mvlgamma(3.0, 2))
    b = ember.tensor([True], device=device)
    _raises(RuntimeError, "The input tensor may not be a boolean tensor.",
            lambda: ember.mvlgamma(b, 2))
    _raises(RuntimeError, "The input tensor may not be a boolean tensor.", lambda: b.mvlgamma_(2))
    _raises(RuntimeError, "result type Float can't be cast to the desired output type Long",
            lambda: i.clone().digamma_())
    _raises(RuntimeError, "result type Float can't be cast to the desired output type Long",
            lambda: i.clone().polygamma_(1))
    _raises(RuntimeError, "mvlgamma: result type Long can't be cast to the desired output type "
            "Float", lambda: i.clone().mvlgamma_(1))
    _raises(RuntimeError, "result type Float can't be cast to the desired output type Long",
            lambda: ember.digamma(x, out=ember.empty(2, dtype=ember.int64, device=device)))
    np.testing.assert_array_equal(to_np(i), [1, 2])       # nothing was written


@pytest.mark.parametrize("dev", [d for d in DEVICES if d == "opencl"])
def test_opencl_without_fp64(dev, monkeypatch):
    # a device without cl_khr_fp64 computes the family in float: looser, but right
    backend = ember.device(dev).backend
    monkeypatch.setattr(backend.dev, "fp64", False)
    x = np.concatenate([RNG.uniform(-20, 20, 300), RNG.uniform(0.05, 3, 100)]).astype(np.float32)
    x = x[np.abs(x - np.round(x)) > 1e-2].astype(np.float64)
    for name, n in (("digamma", 0), ("polygamma", 1), ("polygamma", 3), ("mvlgamma", 2)):
        xs = x if name != "mvlgamma" else np.abs(x) + 0.5
        got = to_np(_call(name, ember.tensor(xs, dtype=ember.float32, device=dev), n))
        want = _ref(name, xs, n)
        err = np.abs(got - want) / np.maximum(np.abs(want), 1)
        assert err.max() < 1e-4, (name, n, err.max())
