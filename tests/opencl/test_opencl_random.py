"""Random numbers on OpenCL (random_kernels.py, kernels_cl/random.cl): for the same seed every
sampling op gives the CPU's numbers element for element, and the per-device generator advances
exactly as the CPU one does.

Exact equality for everything computed without transcendental functions (uniform, random_ /
randint, bernoulli, randperm, multinomial, geometric and Poisson's integer results); the
Box-Muller, exponential, Cauchy and log-normal transforms go through the device's double
log/sin/cos/tan/exp, so float32 and narrower outputs are allowed 1 ulp and float64 outputs a
relative 1e-12 (the spec: "bit-exact only where the math library rounds the same")."""
import numpy as np
import pytest

import ember
from cltools import ocl, backend, host  # noqa: F401  (fixtures)

FLOATS = [ember.float32, ember.float64, ember.float16, ember.bfloat16]
INTS = [ember.int64, ember.int32, ember.int16, ember.int8, ember.uint8, ember.bool]
N = 1003                       # odd, not a multiple of a block's 4 words


def draw(fn, seed=7):
    """fn(device) after manual_seed(seed) on OpenCL and on the CPU: (results, generator offsets)."""
    res, offs = [], []
    for dev in ("opencl", "cpu"):
        ember.manual_seed(seed)
        res.append(fn(dev))
        offs.append(ember.random.default_generator_for(dev).get_offset())
    return res, offs


def ulps(a, b):
    """Distance in units in the last place between same-dtype float arrays (16/32/64 bits)."""
    it = {2: np.int16, 4: np.int32, 8: np.int64}[a.dtype.itemsize]
    ia, ib = a.view(it).astype(np.int64), b.view(it).astype(np.int64)
    ia = np.where(ia < 0, np.iinfo(it).min - ia, ia)
    ib = np.where(ib < 0, np.iinfo(it).min - ib, ib)
    return np.abs(ia - ib)


def raw(t):
    """The NumPy array of t (bfloat16 as its raw bits, widened to view them as uint16)."""
    t = t.cpu()
    if t.dtype is ember.bfloat16:
        return t.view(ember.int16).numpy()
    return t.numpy()


def compare(fn, exact=True, seed=7):
    (got, want), (og, ow) = draw(fn, seed)
    assert og == ow, "the OpenCL generator advanced differently"
    assert got.device.type == "opencl" and got.dtype is want.dtype and got.shape == want.shape
    g, w = raw(got), raw(want)
    if exact or g.dtype.kind in "biu" and got.dtype is not ember.bfloat16:
        np.testing.assert_array_equal(g, w)
    elif got.dtype is ember.float64:
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)
    else:
        if got.dtype is ember.bfloat16:
            g, w = g.view(np.int16), w.view(np.int16)
            assert np.abs(g.astype(np.int64) - w).max(initial=0) <= 1
        else:
            assert ulps(g, w).max(initial=0) <= 1
    return got


@pytest.fixture(params=["native", "one-block-per-item"])
def layout(request, backend):
    """The device's own kernels, then (CPU runtimes) the GPU layout of one Philox block per
    work-item, which runs here too."""
    saved = backend.random_blocks_per_item
    if request.param != "native":
        backend.random_blocks_per_item = 1 if backend.dev.is_cpu else 16
    yield request.param
    backend.random_blocks_per_item = saved


@pytest.mark.parametrize("dt", FLOATS, ids=str)
def test_float_distributions(ocl, dt, layout):
    compare(lambda d: ember.rand(N, dtype=dt, device=d))
    compare(lambda d: ember.empty(N, dtype=dt, device=d).uniform_(-2.5, 3.0))
    compare(lambda d: ember.randn(N, dtype=dt, device=d), exact=False)
    compare(lambda d: ember.empty(N, dtype=dt, device=d).normal_(1.5, 0.25), exact=False)
    compare(lambda d: ember.empty(N, dtype=dt, device=d).log_normal_(0.1, 0.5), exact=False)
    compare(lambda d: ember.empty(N, dtype=dt, device=d).exponential_(1.5), exact=False)
    compare(lambda d: ember.empty(N, dtype=dt, device=d).cauchy_(0.5, 2.0), exact=False)
    compare(lambda d: ember.empty(N, dtype=dt, device=d).geometric_(0.3))
    compare(lambda d: ember.empty(N, dtype=dt, device=d).random_())
    compare(lambda d: ember.empty(N, dtype=dt, device=d).random_(-5, 77))
    compare(lambda d: ember.empty(N, dtype=dt, device=d).bernoulli_(0.3))
    compare(lambda d: ember.randint(-9, 9, (N,), dtype=dt, device=d))


@pytest.mark.parametrize("dt", INTS, ids=str)
def test_integer_distributions(ocl, dt, layout):
    hi = 2 if dt is ember.bool else 100
    compare(lambda d: ember.empty(N, dtype=dt, device=d).random_())
    compare(lambda d: ember.empty(N, dtype=dt, device=d).random_(0, hi))
    compare(lambda d: ember.randint(0, hi, (3, 7), dtype=dt, device=d))
    compare(lambda d: ember.empty(N, dtype=dt, device=d).bernoulli_(0.7))
    if dt is not ember.bool:
        compare(lambda d: ember.empty(N, dtype=dt, device=d).geometric_(0.01))


def test_full_ranges_and_parameters(ocl):
    compare(lambda d: ember.empty(N, dtype=ember.int64, device=d).random_(-2 ** 63, None))
    compare(lambda d: ember.empty(N, dtype=ember.int64, device=d).random_(-2 ** 63 + 5, None))
    compare(lambda d: ember.randint(-3, 2 ** 40, (3, 333), device=d))
    compare(lambda d: ember.empty(N, device=d).uniform_(-1e-30, 1e-30))
    compare(lambda d: ember.empty(N, dtype=ember.float16, device=d).uniform_(0, 65504))
    compare(lambda d: ember.empty(N, device=d).bernoulli_(0.0))
    compare(lambda d: ember.empty(N, device=d).bernoulli_(1.0))
    compare(lambda d: ember.empty(N, dtype=ember.int8, device=d).geometric_(1e-6))   # clamped
    for seed in (0, 2 ** 64 - 1, -1, 2 ** 32 + 3):
        compare(lambda d: ember.rand(9, device=d), seed=seed)


@pytest.mark.parametrize("dt", FLOATS + [ember.int64, ember.uint8], ids=str)
def test_tensor_parameters(ocl, dt, layout):
    p = np.random.default_rng(0).random((4, 5))
    compare(lambda d: ember.empty(3, 4, 5, dtype=dt, device=d).bernoulli_(
        ember.tensor(p, device=d)))
    compare(lambda d: ember.empty(4, 5, dtype=dt, device=d).bernoulli_(
        ember.tensor(p[:, :1], device=d, dtype=ember.float32)))
    if dt.is_floating_point:
        compare(lambda d: ember.bernoulli(ember.tensor(p, dtype=dt, device=d)))
        rates = np.r_[np.linspace(0, 30, 50), [0.5, 9.99, 10.0, 1e4, np.inf]]
        compare(lambda d: ember.poisson(ember.tensor(rates, dtype=dt, device=d)))
        compare(lambda d: ember.normal(ember.arange(6.0, device=d, dtype=dt),
                                       ember.ones(6, device=d, dtype=dt)), exact=False)
        compare(lambda d: ember.normal(2.0, ember.full((6,), 0.5, device=d, dtype=dt)),
                exact=False)


@pytest.mark.parametrize("n", [1, 2, 3, 255, 1000, 4099])
def test_randperm(ocl, n, layout):
    compare(lambda d: ember.randperm(n, device=d))
    if n <= 255:
        compare(lambda d: ember.randperm(n, dtype=ember.uint8, device=d))
    compare(lambda d: ember.randperm(n, dtype=ember.float32, device=d))


def test_randperm_other_dtypes(ocl):
    for dt in (ember.int32, ember.int16, ember.int8, ember.float64, ember.float16):
        compare(lambda d: ember.randperm(100, dtype=dt, device=d))
    compare(lambda d: ember.randperm(0, device=d))


@pytest.mark.parametrize("dt", [ember.float32, ember.float64, ember.float16], ids=str)
def test_multinomial(ocl, dt, layout):
    p = np.random.default_rng(1).random((4, 30))
    p[1, ::2] = 0.0
    p[2, :] = 0.0
    p[2, 7] = 3.0
    for rep, k in ((True, 50), (False, 20), (False, 30), (True, 1)):
        compare(lambda d: ember.multinomial(ember.tensor(p, dtype=dt, device=d), k, rep))
    compare(lambda d: ember.multinomial(ember.tensor([0, 1.0, 2, 0, 3], dtype=dt, device=d), 3))
    compare(lambda d: ember.multinomial(ember.tensor(p, dtype=dt, device=d).t()[:7], 10, True))


def test_inplace_views_and_empty(ocl):
    compare(lambda d: ember.zeros(10, 10, device=d)[:, ::2].uniform_())
    compare(lambda d: ember.zeros(10, 10, device=d).t().normal_(), exact=False)
    compare(lambda d: ember.zeros(10, 10, device=d)[2:].random_(0, 10))
    compare(lambda d: ember.rand(0, 3, device=d))
    compare(lambda d: ember.randn((), device=d), exact=False)
    compare(lambda d: ember.nn.functional.dropout(ember.ones(100, device=d), 0.3))


def test_generators_and_state(ocl):
    g_cl, g_cpu = ember.Generator("opencl"), ember.Generator()
    g_cl.manual_seed(11)
    g_cpu.manual_seed(11)
    a = ember.randn(77, generator=g_cl, device="opencl")
    b = ember.randn(77, generator=g_cpu)
    assert np.abs(host(a) - host(b)).max() <= 1e-6
    assert g_cl.get_offset() == g_cpu.get_offset() == 20
    # a stream continues across calls as on the CPU; get/set_state replays it
    st = g_cl.get_state()
    x = ember.rand(33, generator=g_cl, device="opencl")
    g_cl.set_state(st)
    y = ember.rand(33, generator=g_cl, device="opencl")
    np.testing.assert_array_equal(host(x), host(y))
    np.testing.assert_array_equal(host(x), host(ember.rand(33, generator=g_cpu)))
    # manual_seed reaches the OpenCL default generator too
    ember.manual_seed(5)
    u = ember.rand(4, device="opencl")
    ember.manual_seed(5)
    np.testing.assert_array_equal(host(u), host(ember.rand(4)))
    with pytest.raises(RuntimeError, match="Expected a 'opencl' device type for generator"):
        ember.rand(3, generator=g_cpu, device="opencl")


def test_errors_match_cpu(ocl):
    def same_error(fn):
        errs = []
        for dev in ("opencl", "cpu"):
            with pytest.raises(Exception) as ei:
                fn(dev)
            errs.append((type(ei.value), str(ei.value)))
        assert errs[0] == errs[1]
    same_error(lambda d: ember.empty(5, device=d).bernoulli_(ember.tensor([0.5, 1.5], device=d)))
    same_error(lambda d: ember.empty(2, device=d).bernoulli_(ember.tensor([0.5, np.nan], device=d)))
    same_error(lambda d: ember.poisson(ember.tensor([1.0, -1.0], device=d)))
    same_error(lambda d: ember.normal(ember.zeros(2, device=d),
                                      ember.tensor([1.0, -1.0], device=d)))
    for probs, rep in (([[0.5, -1.0]], True), ([[0.5, np.inf]], True), ([[0.0, 0.0]], True),
                       ([[0.5, np.nan]], False), ([[0.0, 0.0]], False), ([[1.0, 1.0]], False)):
        same_error(lambda d: ember.multinomial(ember.tensor(probs, device=d), 3 if not rep and
                                               probs == [[1.0, 1.0]] else 1, rep))
    same_error(lambda d: ember.randn(3, dtype=ember.int64, device=d))
    same_error(lambda d: ember.empty(3, device=d).uniform_(2, 1))


def test_random_check(ocl, backend):
    cpu = ember.device("cpu").backend
    rows = np.array([[0.1, 0.2], [0.0, 0.0], [1.0, -1.0], [np.inf, 1.0]])
    for mode in ("prob", "nonneg", "multinomial", "multinomial_norep"):
        for a in (rows, rows[:1], rows[::-1].copy(), rows.T.copy(), np.zeros((0, 2)),
                  np.array([0.5, 0.5, 2.0])):
            want = cpu.random_check(ember.tensor(a), mode)
            assert backend.random_check(ember.tensor(a, device="opencl"), mode) == want, (mode, a)
            t = ember.tensor(a.T.copy(), device="opencl").t() if a.ndim == 2 else None
            if t is not None:
                assert backend.random_check(t, mode) == want


def test_device_without_fp64(ocl, backend, monkeypatch):
    # a device without cl_khr_fp64: float distributions come from the CPU backend (the spec's
    # double arithmetic), integer ones from the integer-only build of random.cl
    monkeypatch.setattr(backend.dev, "fp64", False)
    compare(lambda d: ember.randn(N, device=d), exact=False)
    compare(lambda d: ember.rand(N, dtype=ember.float16, device=d))
    compare(lambda d: ember.randint(-7, 2 ** 35, (N,), device=d))
    compare(lambda d: ember.empty(N, dtype=ember.int8, device=d).random_())
    compare(lambda d: ember.randperm(300, device=d))
    compare(lambda d: ember.randperm(300, dtype=ember.float16, device=d))
