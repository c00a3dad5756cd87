"""Random numbers: the Philox spec (known answers, a NumPy transcription), reproducibility,
generator state, statistics, ranges, thread-split equivalence and PyTorch's errors."""
import copy
import math
import pickle

import numpy as np
import pytest

import ember
from conftest import assert_close, noncontig, make, to_np
from ember.backends.cpu import _random

M32 = 0xFFFFFFFF


# ------------------------------------------------------------------------------------------------
# a NumPy transcription of the spec in ember/random.py (independent of the Cython kernel)
def philox_np(lo64, hi64, seed):
    lo64 = np.asarray(lo64, dtype=np.uint64)
    hi64 = np.broadcast_to(np.asarray(hi64, dtype=np.uint64), lo64.shape)
    c0, c1 = lo64 & np.uint64(M32), lo64 >> np.uint64(32)
    c2, c3 = hi64 & np.uint64(M32), hi64 >> np.uint64(32)
    k0, k1 = seed & M32, (seed >> 32) & M32
    for r in range(10):
        if r:
            k0, k1 = (k0 + 0x9E3779B9) & M32, (k1 + 0xBB67AE85) & M32
        p0 = np.uint64(0xD2511F53) * c0
        p1 = np.uint64(0xCD9E8D57) * c2
        n0 = (p1 >> np.uint64(32)) ^ c1 ^ np.uint64(k0)
        n2 = (p0 >> np.uint64(32)) ^ c3 ^ np.uint64(k1)
        c0, c1, c2, c3 = n0, p1 & np.uint64(M32), n2, p0 & np.uint64(M32)
    return np.stack([c0, c1, c2, c3], axis=-1)


def words(seed, offset, nblocks):
    ctr = (np.uint64(offset) + np.arange(nblocks, dtype=np.uint64))
    return philox_np(ctr, 0, seed).reshape(-1)


def u24(w):
    return (w >> np.uint64(8)).astype(np.float64) * 2.0 ** -24


def u64(lo, hi):
    return lo | (hi << np.uint64(32))


def u53(lo, hi):
    return (u64(lo, hi) >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


@pytest.fixture(autouse=True)
def _restore_rng():
    with ember.random.fork_rng():
        yield


# ------------------------------------------------------------------------------------------------
# Philox itself
@pytest.mark.parametrize("ctr,key,expected", [
    ((0, 0, 0, 0), (0, 0), (0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8)),
    ((M32, M32, M32, M32), (M32, M32), (0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd)),
    ((0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344), (0xa4093822, 0x299f31d0),
     (0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1)),
])
def test_philox_known_answers(ctr, key, expected):
    assert _random.philox4x32_10(*ctr, *key) == expected
    # and the NumPy transcription used below agrees
    got = philox_np([ctr[0] | ctr[1] << 32], [ctr[2] | ctr[3] << 32], key[0] | key[1] << 32)
    assert tuple(int(x) for x in got[0]) == expected


def test_rand_float32_matches_spec(device):
    g = ember.Generator(device).manual_seed(1234)
    g.set_offset(7)
    got = to_np(ember.rand(3, 5, generator=g, device=device))
    w = words(1234, 7, 4)[:15]
    np.testing.assert_array_equal(got, u24(w).astype(np.float32).reshape(3, 5))
    assert g.get_offset() == 7 + 4


def test_rand_float64_matches_spec(device):
    g = ember.Generator(device).manual_seed(99)
    got = to_np(ember.rand(5, dtype=ember.float64, generator=g, device=device))
    w = words(99, 0, 3)
    np.testing.assert_array_equal(got, u53(w[0:10:2], w[1:10:2]))
    assert g.get_offset() == 3


def test_rand_half_keeps_top_bits(device):
    g = ember.Generator(device).manual_seed(5)
    got = to_np(ember.rand(9, dtype=ember.float16, generator=g, device=device))
    w = words(5, 0, 3)[:9]
    np.testing.assert_array_equal(got, ((w >> np.uint64(21)).astype(np.float64) / 2048).astype(np.float16))


def test_randint_matches_spec(device):
    g = ember.Generator(device).manual_seed(2 ** 40 + 3)
    got = to_np(ember.randint(-5, 1000, (7,), generator=g, device=device))
    w = words(2 ** 40 + 3, 0, 4)
    x = u64(w[0:14:2], w[1:14:2])
    np.testing.assert_array_equal(got, (x % np.uint64(1005)).astype(np.int64) - 5)


def test_randn_matches_spec(device):
    g = ember.Generator(device).manual_seed(7)
    got = to_np(ember.randn(7, dtype=ember.float64, generator=g, device=device))
    w = words(7, 0, 4)
    u1, u2 = u53(w[0::4], w[1::4]), u53(w[2::4], w[3::4])
    r = np.sqrt(-2 * np.log(1 - u1))
    z = np.stack([r * np.cos(2 * np.pi * u2), r * np.sin(2 * np.pi * u2)], 1).reshape(-1)[:7]
    np.testing.assert_allclose(got, z, rtol=1e-13, atol=1e-14)
    g = ember.Generator(device).manual_seed(7)
    got32 = to_np(ember.randn(6, generator=g, device=device))
    w = words(7, 0, 2)
    u1, u2 = u24(w[0::2]), u24(w[1::2])
    r = np.sqrt(-2 * np.log(1 - u1))
    z = np.stack([r * np.cos(2 * np.pi * u2), r * np.sin(2 * np.pi * u2)], 1).reshape(-1)[:6]
    np.testing.assert_allclose(got32, z.astype(np.float32), rtol=1e-6, atol=1e-7)


def test_float64_transforms_bit_exact(device):
    """Python's math module uses the same C libm, so float64 results must match to the bit
    (this also catches a fused multiply-add in `mean + std * z`)."""
    g = ember.Generator(device).manual_seed(31)
    got = to_np(ember.empty(5, dtype=ember.float64, device=device).normal_(0.3, 1.7, generator=g))
    w = [int(x) for x in words(31, 0, 3)]
    ref = []
    for p in range(3):
        a = ((w[4 * p] | w[4 * p + 1] << 32) >> 11) * 2.0 ** -53
        b = ((w[4 * p + 2] | w[4 * p + 3] << 32) >> 11) * 2.0 ** -53
        r = math.sqrt(-2.0 * math.log(1.0 - a))
        t = 6.283185307179586 * b
        ref += [0.3 + 1.7 * (r * math.cos(t)), 0.3 + 1.7 * (r * math.sin(t))]
    assert got.tolist() == ref[:5]
    g.manual_seed(32)
    got = to_np(ember.empty(6, dtype=ember.float64, device=device).exponential_(0.7, generator=g))
    w = [int(x) for x in words(32, 0, 3)]
    us = [((w[2 * i] | w[2 * i + 1] << 32) >> 11) * 2.0 ** -53 for i in range(6)]
    assert got.tolist() == [-math.log1p(-u) / 0.7 for u in us]


def test_poisson_and_bernoulli_match_spec(device):
    g = ember.Generator(device).manual_seed(41)
    g.set_offset(3)
    rates = [0.5, 2.0, 0.0, 7.5, 1.0]
    got = to_np(ember.poisson(ember.tensor(rates, dtype=ember.float64, device=device), generator=g))
    blocks = philox_np(np.arange(3, 8, dtype=np.uint64), 0, 41)
    ref = []
    for lam, b in zip(rates, blocks):
        u = ((int(b[0]) | int(b[1]) << 32) >> 11) * 2.0 ** -53
        k, q = 0, math.exp(-lam)
        F = q
        while lam > 0 and u >= F and k < 1000:
            k += 1
            q = q * lam / k
            F = F + q
        ref.append(float(k))
    assert got.tolist() == ref and g.get_offset() == 8
    g.manual_seed(42)
    p = [0.1, 0.5, 0.9, 0.3, 0.7]
    got = to_np(ember.bernoulli(ember.tensor(p, dtype=ember.float64, device=device), generator=g))
    w = words(42, 0, 3)
    np.testing.assert_array_equal(got, (u53(w[0:10:2], w[1:10:2]) < np.array(p)).astype(np.float64))


def test_offset_accounting(device):
    """Blocks each call takes (spec sections 2 and 5): another backend must take the same."""
    g = ember.Generator(device).manual_seed(0)
    steps = [
        (lambda: ember.rand(7, generator=g, device=device), 2),
        (lambda: ember.rand(7, dtype=ember.float64, generator=g, device=device), 4),
        (lambda: ember.randn(7, generator=g, device=device), 2),
        (lambda: ember.randn(7, dtype=ember.float64, generator=g, device=device), 4),
        (lambda: ember.randint(0, 5, (5,), generator=g, device=device), 3),
        (lambda: ember.empty(3, device=device).bernoulli_(0.5, generator=g), 2),
        (lambda: ember.empty(5, dtype=ember.int32, device=device).geometric_(0.5, generator=g), 3),
        (lambda: ember.empty(5, device=device).exponential_(generator=g), 2),
        (lambda: ember.poisson(ember.ones(5, device=device), generator=g), 5),
        (lambda: ember.randperm(9, generator=g, device=device), 5),
        (lambda: ember.multinomial(ember.ones(2, 3, device=device), 2, generator=g), 3),
        (lambda: ember.multinomial(ember.ones(2, 3, device=device), 5, True, generator=g), 5),
    ]
    for fn, blocks in steps:
        before = g.get_offset()
        fn()
        assert g.get_offset() - before == blocks


def test_randperm_matches_spec(device):
    g = ember.Generator(device).manual_seed(11)
    got = to_np(ember.randperm(9, generator=g, device=device))
    w = words(11, 0, 5)
    keys = u64(w[0:18:2], w[1:18:2])
    np.testing.assert_array_equal(got, np.argsort(keys, kind="stable"))


def test_offsets_compose(device):
    """Element i depends only on (key, offset, i): two calls equal one call of the total size."""
    g = ember.Generator(device).manual_seed(3)
    whole = to_np(ember.rand(4000, generator=g, device=device))
    g.manual_seed(3)
    first = to_np(ember.rand(1000, generator=g, device=device))
    second = to_np(ember.rand(3000, generator=g, device=device))
    np.testing.assert_array_equal(np.concatenate([first, second]), whole)


def test_half_rounding_matches_numpy():
    rs = np.random.RandomState(0)
    vals = np.concatenate([
        rs.standard_normal(20000) * 10.0 ** rs.randint(-9, 6, 20000),
        [0.0, -0.0, 65504, 65519.99, 65520, 1e6, -1e6, np.inf, -np.inf, 2 ** -24, 2 ** -25,
         3 * 2 ** -26, 2 ** -14, 2 ** -14 * (1 - 2 ** -11), 1 + 2 ** -11, 1 + 3 * 2 ** -11]])
    vals = vals.astype(np.float32)
    out = np.empty(vals.shape, np.uint16)
    _random.f32_to_f16_bits(vals, out)
    with np.errstate(over="ignore"):
        ref = vals.astype(np.float16)
    np.testing.assert_array_equal(out, ref.view(np.uint16))


# ------------------------------------------------------------------------------------------------
# seeding, state, generators
def test_manual_seed_reproduces(device):
    outs = []
    for _ in range(2):
        r = ember.manual_seed(42)
        assert r is ember.default_generator
        outs.append([to_np(ember.rand(10, device=device)), to_np(ember.randn(3, 3, device=device)),
                     to_np(ember.randint(0, 100, (5,), device=device)),
                     to_np(ember.randperm(20, device=device)),
                     to_np(ember.empty(8, device=device).exponential_())])
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a, b)
    assert ember.initial_seed() == 42


def test_different_seeds_differ(device):
    ember.manual_seed(1)
    a = to_np(ember.rand(100, device=device))
    ember.manual_seed(2)
    b = to_np(ember.rand(100, device=device))
    assert (a != b).mean() > 0.99
    # consecutive calls differ too
    assert (to_np(ember.rand(100, device=device)) != b).mean() > 0.99


def test_seed_values():
    ember.manual_seed(-1)
    assert ember.initial_seed() == 2 ** 64 - 1
    ember.manual_seed(2 ** 64 - 1)
    with pytest.raises(RuntimeError, match="Overflow when unpacking long"):
        ember.manual_seed(2 ** 64)
    with pytest.raises(TypeError, match="manual_seed expected a long"):
        ember.Generator().manual_seed(1.5)
    s = ember.seed()
    assert 0 <= s < 2 ** 64 and ember.initial_seed() == s
    assert ember.Generator().initial_seed() == 67280421310721


def test_state_save_restore(device):
    rng = ember if device == "cpu" else getattr(ember, device)   # the device's default generator
    ember.manual_seed(5)
    ember.rand(3, device=device)
    st = rng.get_rng_state()
    assert st.dtype is ember.uint8 and st.shape == (16,) and st.device.type == "cpu"
    a = to_np(ember.randn(50, device=device))
    rng.set_rng_state(st)
    np.testing.assert_array_equal(to_np(ember.randn(50, device=device)), a)
    g = ember.Generator(device).manual_seed(9)
    gs = g.get_state()
    b = to_np(ember.rand(7, generator=g, device=device))
    assert g.set_state(gs) is g
    np.testing.assert_array_equal(to_np(ember.rand(7, generator=g, device=device)), b)
    assert list(to_np(gs)[:8]) == [9, 0, 0, 0, 0, 0, 0, 0]


def test_state_errors():
    with pytest.raises(TypeError, match="ByteTensor"):
        ember.set_rng_state([1, 2])
    with pytest.raises(TypeError, match="ByteTensor"):
        ember.set_rng_state(ember.zeros(16))
    with pytest.raises(RuntimeError, match="RNG state is wrong size"):
        ember.set_rng_state(ember.zeros(15, dtype=ember.uint8))


def test_generators_independent_of_global(device):
    g = ember.Generator(device).manual_seed(123)
    ref = to_np(ember.rand(20, generator=ember.Generator(device).manual_seed(123), device=device))
    ember.manual_seed(0)
    glob = to_np(ember.rand(20, device=device))
    ember.manual_seed(0)
    ember.rand(5, device=device)      # the global generator moves ...
    np.testing.assert_array_equal(to_np(ember.rand(20, generator=g, device=device)), ref)
    ember.manual_seed(0)              # ... and g's use leaves it alone
    ember.rand(20, generator=g, device=device)
    np.testing.assert_array_equal(to_np(ember.rand(20, device=device)), glob)


def test_fork_rng(device):
    ember.manual_seed(8)
    with ember.random.fork_rng():
        a = to_np(ember.rand(5, device=device))
    np.testing.assert_array_equal(to_np(ember.rand(5, device=device)), a)
    with ember.random.fork_rng(enabled=False):
        ember.rand(5, device=device)
    assert not np.array_equal(to_np(ember.rand(5, device=device)), a)


def test_generator_pickle_and_deepcopy():
    g = ember.Generator().manual_seed(77)
    ember.rand(10, generator=g)
    for h in (copy.deepcopy(g), pickle.loads(pickle.dumps(g))):
        np.testing.assert_array_equal(to_np(ember.rand(4, generator=h)),
                                      to_np(ember.rand(4, generator=copy.deepcopy(g))))


def test_generator_device_mismatch():
    g = ember.Generator(device="opencl")
    assert g.device.type == "opencl"
    with pytest.raises(RuntimeError, match="Expected a 'cpu' device type for generator but found 'opencl'"):
        ember.rand(3, generator=g)
    with pytest.raises(TypeError, match="generator"):
        ember.rand(3, generator=5)


def test_empty_and_zero_dim_do_not_misbehave(device):
    g = ember.Generator(device).manual_seed(1)
    e = ember.rand(0, 3, generator=g, device=device)
    assert e.shape == (0, 3) and g.get_offset() == 0
    s = ember.randn((), generator=g, device=device)
    assert s.shape == () and g.get_offset() == 1
    assert ember.randperm(0, device=device).shape == (0,)
    assert ember.empty(0, device=device).normal_().shape == (0,)
    assert ember.poisson(ember.empty(0, device=device)).shape == (0,)


# ------------------------------------------------------------------------------------------------
# dtypes, shapes, out=, like-variants
def test_factory_dtypes_and_shapes(device):
    assert ember.rand(2, 3, device=device).dtype is ember.float32
    assert ember.rand((2, 3), device=device).shape == (2, 3)
    assert ember.rand([4], device=device).shape == (4,)
    assert ember.randn(size=(2,), device=device).shape == (2,)
    assert ember.randint(5, (3,), device=device).dtype is ember.int64
    assert ember.randint(3, 5, size=(2, 2), device=device).shape == (2, 2)
    assert ember.randint(low=3, high=5, size=(2,), device=device).dtype is ember.int64
    assert ember.randperm(4, device=device).dtype is ember.int64
    assert ember.randperm(4, dtype=ember.float32, device=device).dtype is ember.float32
    assert ember.normal(0.0, 1.0, (2, 3), device=device).dtype is ember.float32
    assert ember.randn(3, dtype=ember.float64, device=device).dtype is ember.float64
    assert ember.randn(3, dtype=ember.bfloat16, device=device).dtype is ember.bfloat16
    x = ember.randn(2, 5, dtype=ember.float64, device=device)
    assert ember.rand_like(x).dtype is ember.float64 and ember.randn_like(x).shape == (2, 5)
    r = ember.randint_like(x, 3, 9)
    assert r.dtype is ember.float64 and ((to_np(r) >= 3) & (to_np(r) < 9)).all()
    assert (to_np(r) == np.round(to_np(r))).all()
    assert ember.randint_like(ember.zeros(4, dtype=ember.int32), 10).dtype is ember.int32
    t = ember.rand(3, requires_grad=True, device=device)
    assert t.requires_grad


def test_default_dtype_followed(device):
    old = ember.get_default_dtype()
    try:
        ember.set_default_dtype(ember.float64)
        assert ember.rand(2, device=device).dtype is ember.float64
        assert ember.randn(2, device=device).dtype is ember.float64
    finally:
        ember.set_default_dtype(old)


def test_out_argument(device):
    out = ember.empty(0, dtype=ember.float64, device=device)
    g1 = ember.Generator(device).manual_seed(4)
    r = ember.rand(2, 3, out=out, generator=g1)
    assert r is out and out.shape == (2, 3) and out.dtype is ember.float64
    g2 = ember.Generator(device).manual_seed(4)
    assert_close(out, to_np(ember.rand(2, 3, dtype=ember.float64, generator=g2, device=device)))
    o = ember.empty(5, dtype=ember.int64, device=device)
    ember.randint(0, 3, (5,), out=o)
    assert ((to_np(o) >= 0) & (to_np(o) < 3)).all()
    o = ember.empty(4, dtype=ember.int64, device=device)
    ember.randperm(4, out=o)
    assert sorted(to_np(o)) == [0, 1, 2, 3]


def test_inplace_noncontiguous_and_version(device):
    x = make(noncontig(np.zeros((4, 6), np.float32)), device)
    assert not x.is_contiguous()
    v = x._version
    g = ember.Generator(device).manual_seed(6)
    assert x.uniform_(generator=g) is x
    assert x._version == v + 1
    ref = ember.empty(4, 6, device=device).uniform_(generator=ember.Generator(device).manual_seed(6))
    assert_close(x, to_np(ref))


def test_inplace_rejects_overlap(device):
    base = ember.zeros(1, device=device)
    from ember.tensor import _make
    x = _make(base._storage, (3,), (0,), 0, base.dtype, base.device)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        x.uniform_()


# ------------------------------------------------------------------------------------------------
# ranges
@pytest.mark.parametrize("dt", [ember.float32, ember.float64, ember.float16, ember.bfloat16])
def test_rand_range(device, dt):
    ember.manual_seed(0)
    a = ember.rand(20000, dtype=dt, device=device).float()
    a = to_np(a)
    assert a.min() >= 0 and a.max() < 1
    assert a.max() > 0.99 and a.min() < 0.01


def test_uniform_range_and_rounding_guard(device):
    ember.manual_seed(0)
    x = to_np(ember.empty(50000, device=device).uniform_(-3, 5))
    assert x.min() >= -3 and x.max() < 5 and x.max() > 4.99
    h = to_np(ember.empty(50000, dtype=ember.float16, device=device).uniform_(0, 1000))
    assert h.min() >= 0 and h.max() < 1000
    # [1, 1 + 2^-22) in float32: u >= 3/4 rounds up to `to` itself and must become `from`
    to = 1.0 + 2.0 ** -22
    t = to_np(ember.empty(4000, device=device).uniform_(1.0, to)).astype(np.float64)
    assert set(np.unique(t).tolist()) == {1.0, 1.0 + 2.0 ** -23}
    assert 0.45 < (t == 1.0).mean() < 0.55      # 1/4 rounded to 1 plus the 1/4 sent back from `to`
    same = to_np(ember.empty(4, device=device).uniform_(2, 2))
    np.testing.assert_array_equal(same, np.full(4, 2, np.float32))


@pytest.mark.parametrize("low,high", [(0, 1), (0, 10), (-7, 3), (-(2 ** 40), 2 ** 40),
                                      (-(2 ** 63), 2 ** 63 - 1)])
def test_randint_range(device, low, high):
    ember.manual_seed(1)
    a = to_np(ember.randint(low, high, (5000,), device=device))
    assert a.dtype == np.int64 and a.min() >= low and a.max() < high
    if high - low <= 10:
        assert set(a.tolist()) == set(range(low, high))


@pytest.mark.parametrize("dt,lo,hi", [(ember.uint8, 0, 255), (ember.int8, 0, 127),
                                      (ember.int16, 0, 32767), (ember.bool, 0, 1),
                                      (ember.float16, 0, 2048)])
def test_random_default_range(device, dt, lo, hi):
    ember.manual_seed(2)
    a = to_np(ember.empty(20000, dtype=dt, device=device).random_()).astype(np.int64)
    assert a.min() >= lo and a.max() <= hi
    assert a.max() > hi * 0.9 and a.min() <= max(lo, hi * 0.1)


def test_random_variants(device):
    ember.manual_seed(3)
    x = ember.empty(3000, dtype=ember.int64, device=device)
    a = to_np(x.random_(7))
    assert set(a.tolist()) == set(range(7))
    a = to_np(x.random_(-2, 2))
    assert set(a.tolist()) == {-2, -1, 0, 1}
    a = to_np(ember.empty(3000, dtype=ember.int8, device=device).random_(100, None))
    assert a.min() >= 100 and a.max() <= 127
    a = to_np(x.random_(-(2 ** 63), None))
    assert a.min() < -(2 ** 60) and a.max() > 2 ** 60          # the full 64-bit range
    f = to_np(ember.empty(2000, device=device).random_(0, 5))
    assert set(f.tolist()) == {0.0, 1.0, 2.0, 3.0, 4.0}
    r = to_np(ember.empty(3000, dtype=ember.float32, device=device).random_())
    assert r.min() >= 0 and r.max() <= 2 ** 24 and r.max() > 2 ** 23


def test_randperm_is_permutation(device):
    ember.manual_seed(4)
    for n in (1, 2, 7, 1000):
        p = to_np(ember.randperm(n, device=device))
        assert sorted(p.tolist()) == list(range(n))
    p = to_np(ember.randperm(50, dtype=ember.int32, device=device))
    assert p.dtype == np.int32 and sorted(p.tolist()) == list(range(50))
    p = to_np(ember.randperm(300, dtype=ember.float16, device=device))
    assert sorted(p.tolist()) == list(range(300))
    # every position sees every value: no bias toward the identity
    firsts = [int(to_np(ember.randperm(5, device=device))[0]) for _ in range(200)]
    assert set(firsts) == set(range(5))


# ------------------------------------------------------------------------------------------------
# statistics (fixed seeds, so these are deterministic; bounds are a few standard errors)
def _moments_ok(x, mean, var, k=5.0):
    n = x.size
    assert abs(x.mean() - mean) < k * math.sqrt(var / n), (x.mean(), mean)
    assert abs(x.var() - var) < k * var * math.sqrt(2.0 / n) * 3, (x.var(), var)


def _ks(x, cdf):
    x = np.sort(x.astype(np.float64))
    n = x.size
    F = cdf(x)
    d = max(np.max(np.arange(1, n + 1) / n - F), np.max(F - np.arange(n) / n))
    return d * math.sqrt(n)


_ERF = np.vectorize(math.erf)
KS_CRIT = 1.95      # alpha = 0.001


@pytest.mark.parametrize("dt", [ember.float32, ember.float64, ember.float16, ember.bfloat16])
def test_uniform_and_normal_statistics(device, dt):
    ember.manual_seed(10)
    u = to_np(ember.rand(100000, dtype=dt, device=device).float()).astype(np.float64)
    _moments_ok(u, 0.5, 1 / 12)
    z = to_np(ember.randn(100000, dtype=dt, device=device).float()).astype(np.float64)
    _moments_ok(z, 0.0, 1.0)
    if dt in (ember.float32, ember.float64):      # the 16-bit grids are too coarse for KS at 1e5
        assert _ks(u, lambda x: x) < KS_CRIT
        assert _ks(z, lambda x: 0.5 * (1 + _ERF(x / math.sqrt(2)))) < KS_CRIT
    # the two halves of a Box-Muller pair are uncorrelated
    assert abs(np.corrcoef(z[0::2], z[1::2])[0, 1]) < 0.02


def test_normal_overloads_statistics(device):
    ember.manual_seed(11)
    x = to_np(ember.normal(3.0, 2.0, (100000,), device=device)).astype(np.float64)
    _moments_ok(x, 3.0, 4.0)
    x = to_np(ember.empty(100000, dtype=ember.float64, device=device).normal_(-1, 0.5))
    _moments_ok(x, -1.0, 0.25)
    mean = ember.tensor([[0.0], [10.0]], device=device)
    std = ember.tensor([1.0, 3.0, 0.0], device=device)
    # (Tensor, Tensor) broadcasts
    r = ember.normal(mean, std)
    assert r.shape == (2, 3) and r.dtype is ember.float32
    assert to_np(r)[1, 2] == 10.0 and to_np(r)[0, 2] == 0.0
    big = to_np(ember.normal(ember.full((50000,), 5.0, device=device), 2.0)).astype(np.float64)
    _moments_ok(big, 5.0, 4.0)
    big = to_np(ember.normal(1.0, ember.full((50000,), 3.0, device=device))).astype(np.float64)
    _moments_ok(big, 1.0, 9.0)
    big = to_np(ember.normal(ember.full((50000,), -2.0, dtype=ember.float64, device=device),
                             ember.full((50000,), 0.5, dtype=ember.float64, device=device)))
    _moments_ok(big, -2.0, 0.25)
    assert ember.normal(ember.zeros(3, dtype=ember.float64), 1.0).dtype is ember.float64


def test_other_distributions_statistics(device):
    ember.manual_seed(12)
    n = 100000
    e = to_np(ember.empty(n, dtype=ember.float64, device=device).exponential_(2.0))
    _moments_ok(e, 0.5, 0.25)
    assert e.min() >= 0
    assert _ks(e, lambda x: 1 - np.exp(-2 * x)) < KS_CRIT
    g = to_np(ember.empty(n, device=device).geometric_(0.25)).astype(np.float64)
    assert g.min() >= 1 and (g == np.round(g)).all()
    _moments_ok(g, 4.0, 0.75 / 0.0625)
    gi = to_np(ember.empty(n, dtype=ember.int64, device=device).geometric_(0.5))
    _moments_ok(gi.astype(np.float64), 2.0, 2.0)
    ln = to_np(ember.empty(n, dtype=ember.float64, device=device).log_normal_(0.5, 0.25))
    _moments_ok(np.log(ln), 0.5, 0.0625)
    c = to_np(ember.empty(n, dtype=ember.float64, device=device).cauchy_(1.0, 2.0))
    assert abs(np.median(c) - 1.0) < 0.05
    assert _ks(c, lambda x: 0.5 + np.arctan((x - 1.0) / 2.0) / np.pi) < KS_CRIT
    b = to_np(ember.empty(n, device=device).bernoulli_(0.3)).astype(np.float64)
    assert set(np.unique(b).tolist()) == {0.0, 1.0}
    _moments_ok(b, 0.3, 0.21)
    counts = np.bincount(to_np(ember.randint(0, 10, (n,), device=device)), minlength=10)
    chi2 = ((counts - n / 10) ** 2 / (n / 10)).sum()
    assert chi2 < 30          # 9 dof, p ~ 4e-4


@pytest.mark.parametrize("lam", [0.5, 3.0, 9.9, 10.0, 50.0, 1000.0])
def test_poisson_statistics(device, lam):
    ember.manual_seed(13)
    x = to_np(ember.poisson(ember.full((40000,), lam, dtype=ember.float64, device=device)))
    assert (x >= 0).all() and (x == np.round(x)).all()
    _moments_ok(x, lam, lam)


def test_poisson_special_rates(device):
    r = ember.tensor([0.0, float("inf"), 2.0], device=device)
    x = to_np(ember.poisson(r))
    assert x[0] == 0 and np.isinf(x[1]) and x.dtype == np.float32


def test_bernoulli_tensor_probabilities(device):
    ember.manual_seed(14)
    p = ember.tensor([0.0, 1.0, 0.25, 0.9], device=device)
    draws = to_np(ember.bernoulli(p.reshape(1, 4).expand(20000, 4)
                                  if hasattr(p, "expand") else
                                  ember.tensor(np.tile([0.0, 1.0, 0.25, 0.9], (20000, 1)),
                                               device=device)))
    assert draws.dtype == np.float32
    m = draws.mean(0)
    assert m[0] == 0 and m[1] == 1 and abs(m[2] - 0.25) < 0.015 and abs(m[3] - 0.9) < 0.01
    # broadcasting p into bernoulli_, into an integer and a bool tensor
    pi = ember.tensor([0.0, 1.0], device=device)
    x = ember.empty(3, 2, dtype=ember.int64, device=device).bernoulli_(pi)
    np.testing.assert_array_equal(to_np(x), [[0, 1]] * 3)
    xb = ember.empty(5, dtype=ember.bool, device=device).bernoulli_(1.0)
    np.testing.assert_array_equal(to_np(xb), [True] * 5)
    q = ember.bernoulli(ember.zeros(3, dtype=ember.float64, device=device), 1.0)
    assert q.dtype is ember.float64 and to_np(q).tolist() == [1.0, 1.0, 1.0]
    assert to_np(p.bernoulli()).tolist()[:2] == [0.0, 1.0]
    nc = make(noncontig(np.array([[1.0, 0.0, 1.0]], np.float64)), device)
    np.testing.assert_array_equal(to_np(ember.bernoulli(nc)), [[1.0, 0.0, 1.0]])


def test_multinomial(device):
    ember.manual_seed(15)
    probs = ember.tensor([0.1, 0.0, 0.6, 0.3], device=device)
    s = to_np(ember.multinomial(probs, 60000, replacement=True))
    assert s.dtype == np.int64 and s.shape == (60000,)
    freq = np.bincount(s, minlength=4) / s.size
    np.testing.assert_allclose(freq, [0.1, 0.0, 0.6, 0.3], atol=0.01)
    assert freq[1] == 0
    # without replacement: no repeats, zero-probability categories only once others run out
    for _ in range(20):
        r = to_np(ember.multinomial(probs, 3))
        assert len(set(r.tolist())) == 3 and 1 not in r.tolist()
    r = to_np(ember.multinomial(probs, 4))
    assert sorted(r.tolist()) == [0, 1, 2, 3] and r[-1] == 1
    # 2-D, unnormalised weights, row-wise
    w = ember.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 5.0]], dtype=ember.float64, device=device)
    np.testing.assert_array_equal(to_np(ember.multinomial(w, 2, True)), [[0, 0], [2, 2]])
    out = ember.multinomial(ember.rand(5, 10, device=device), 10)
    o = to_np(out)
    assert o.shape == (5, 10) and all(sorted(row) == list(range(10)) for row in o.tolist())
    # first-draw frequencies without replacement follow the probabilities
    firsts = to_np(ember.multinomial(ember.tensor(np.tile([0.2, 0.8], (20000, 1)), device=device), 1))
    assert abs(firsts.mean() - 0.8) < 0.015
    assert to_np(probs.multinomial(2)).shape == (2,)


def test_multinomial_errors(device):
    p = ember.tensor([0.5, 0.5], device=device)
    with pytest.raises(RuntimeError, match="cannot sample n_sample > prob_dist.size\\(-1\\) samples without replacement"):
        ember.multinomial(p, 3)
    with pytest.raises(RuntimeError, match="cannot sample n_sample <= 0 samples"):
        ember.multinomial(p, 0)
    with pytest.raises(RuntimeError, match="prob_dist must be 1 or 2 dim"):
        ember.multinomial(ember.tensor(0.5, device=device), 1)
    with pytest.raises(RuntimeError, match="multinomial only supports floating-point dtypes for input, got: Long"):
        ember.multinomial(ember.tensor([1, 2], device=device), 1)
    with pytest.raises(RuntimeError, match="probability tensor contains either `inf`, `nan` or element < 0"):
        ember.multinomial(ember.tensor([0.5, -0.1], device=device), 1)
    with pytest.raises(RuntimeError, match="probability tensor contains either `inf`, `nan` or element < 0"):
        ember.multinomial(ember.tensor([0.5, float("nan")], device=device), 1)
    with pytest.raises(RuntimeError, match="invalid multinomial distribution \\(sum of probabilities <= 0\\)"):
        ember.multinomial(ember.tensor([0.0, 0.0], device=device), 1)
    with pytest.raises(RuntimeError, match="encountering probability entry < 0"):
        ember.multinomial(ember.tensor([0.5, -1.0], device=device), 2, True)
    with pytest.raises(RuntimeError, match="encountering probability entry = infinity or NaN"):
        ember.multinomial(ember.tensor([0.5, float("inf")], device=device), 2, True)
    with pytest.raises(RuntimeError, match="sum of probabilities <= 0"):
        ember.multinomial(ember.tensor([[1.0, 0.0], [0.0, 0.0]], device=device), 2, True)
    with pytest.raises(RuntimeError, match="multinomial expects Long tensor out, got: Float"):
        ember.multinomial(p, 1, out=ember.empty(1, device=device))


# ------------------------------------------------------------------------------------------------
# threads: a counter-based fill split across threads equals the single-thread fill
@pytest.mark.parametrize("dist,dt,p0,p1,rng", [
    ("uniform", 8, 0.0, 1.0, 0), ("uniform", 6, -1.0, 3.0, 0), ("normal", 9, 0.0, 1.0, 0),
    ("normal", 8, 2.0, 3.0, 0), ("exponential", 8, 1.5, 0.0, 0), ("random", 5, 0.0, 0.0, 1000),
    ("bernoulli", 0, 0.3, 0.0, 0), ("geometric", 4, 0.2, 0.0, 0), ("cauchy", 9, 0.0, 1.0, 0),
])
def test_thread_split_equivalence(dist, dt, p0, p1, rng):
    n = (1 << 17) + 13           # above the parallel threshold, not a multiple of anything
    wide, ubits = ember.random.precision(dist, ember.dtypes.ALL[dt])
    np_dt = ember.dtypes.ALL[dt].np
    outs = []
    for nt in (1, 2, 3, 8):
        a = np.empty(n, np_dt)
        _random.fill(_random.DIST[dist], dt, a.ctypes.data, n, 0xDEADBEEF12345, 1 << 33, wide,
                     p0, p1, rng, 0, ubits, None, nt)
        outs.append(a)
    for a in outs[1:]:
        np.testing.assert_array_equal(a.view(np.uint8), outs[0].view(np.uint8))


@pytest.mark.parametrize("dist", ["poisson", "bernoulli_tensor"])
def test_thread_split_equivalence_param(dist):
    n = 20000
    src = np.random.RandomState(0).uniform(0, 1 if dist == "bernoulli_tensor" else 40, n)
    outs = []
    for nt in (1, 4):
        a = np.empty(n, np.float64)
        _random.fill(_random.DIST[dist], 9, a.ctypes.data, n, 77, 5, True, 0.0, 0.0, 0, 0, 0,
                     src, nt)
        outs.append(a)
    np.testing.assert_array_equal(outs[0], outs[1])


def test_thread_count_does_not_change_results(device):
    old = ember.get_num_threads()
    try:
        res = []
        for nt in (1, 4):
            ember.set_num_threads(nt)
            ember.manual_seed(21)
            res.append([to_np(ember.randn(300000, device=device)),
                        to_np(ember.randint(0, 7, (300000,), device=device))])
        for a, b in zip(*res):
            np.testing.assert_array_equal(a, b)
    finally:
        ember.set_num_threads(old)


# ------------------------------------------------------------------------------------------------
# errors, as PyTorch
def test_argument_errors(device):
    with pytest.raises(RuntimeError, match="random_ expects 'from' to be less than 'to', but got from=5 >= to=5"):
        ember.randint(5, 5, (3,), device=device)
    with pytest.raises(RuntimeError, match="random_ expects 'from' to be less than 'to', but got from=7 >= to=2"):
        ember.empty(3, device=device).random_(7, 2)
    with pytest.raises(RuntimeError, match="normal expects std >= 0.0, but found std -1"):
        ember.normal(0.0, -1.0, (3,), device=device)
    with pytest.raises(RuntimeError, match="normal expects std >= 0.0, but found std -1.5"):
        ember.empty(3, device=device).normal_(0, -1.5)
    with pytest.raises(RuntimeError, match="normal expects all elements of std >= 0.0"):
        ember.normal(ember.zeros(2, device=device), ember.tensor([1.0, -1.0], device=device))
    with pytest.raises(RuntimeError, match="normal expects std >= 0.0, but found std -2"):
        ember.normal(ember.zeros(2, device=device), -2.0)
    with pytest.raises(TypeError, match="normal\\(\\) received an invalid combination"):
        ember.normal(0.0, 1.0)
    with pytest.raises(RuntimeError, match="bernoulli_ expects p to be in \\[0, 1\\], but got p=1.5"):
        ember.empty(3, device=device).bernoulli_(1.5)
    with pytest.raises(RuntimeError, match="Expected p_in >= 0 && p_in <= 1 to be true"):
        ember.bernoulli(ember.tensor([0.5, 1.2], device=device))
    with pytest.raises(RuntimeError, match="Expected p_in >= 0 && p_in <= 1 to be true"):
        ember.bernoulli(ember.tensor([float("nan")], device=device))
    with pytest.raises(RuntimeError, match="bernoulli_tensor_cpu_p_\" not implemented for 'Long'"):
        ember.bernoulli(ember.tensor([1, 0], device=device))
    with pytest.raises(RuntimeError, match="The expanded size of the tensor"):
        ember.empty(3, device=device).bernoulli_(ember.tensor([0.5, 0.5], device=device))
    with pytest.raises(RuntimeError, match="\"check_uniform_bounds\" not implemented for 'Long'"):
        ember.rand(3, dtype=ember.int64, device=device)
    with pytest.raises(RuntimeError, match="\"normal_kernel_cpu\" not implemented for 'Int'"):
        ember.randn(3, dtype=ember.int32, device=device)
    with pytest.raises(RuntimeError, match="uniform_ expects to return a \\[from, to\\) range, but found from=1 > to=0"):
        ember.empty(3, device=device).uniform_(1, 0)
    with pytest.raises(RuntimeError, match="exponential_ expects lambda > 0.0, but found lambda=0"):
        ember.empty(3, device=device).exponential_(0)
    with pytest.raises(RuntimeError, match="geometric_ expects p to be in \\(0, 1\\), but got p=1"):
        ember.empty(3, device=device).geometric_(1.0)
    with pytest.raises(RuntimeError, match="log_normal_ expects std > 0.0, but found std=0"):
        ember.empty(3, device=device).log_normal_(0, 0)
    with pytest.raises(RuntimeError, match="cauchy_ expects sigma > 0.0, but found sigma=-1"):
        ember.empty(3, device=device).cauchy_(0, -1)
    with pytest.raises(RuntimeError, match="Cauchy distribution is a continuous probability distribution"):
        ember.empty(3, dtype=ember.int64, device=device).cauchy_()
    with pytest.raises(RuntimeError, match="invalid Poisson rate, expected rate to be non-negative"):
        ember.poisson(ember.tensor([1.0, -1.0], device=device))
    with pytest.raises(RuntimeError, match="\"poisson_cpu\" not implemented for 'Long'"):
        ember.poisson(ember.tensor([1, 2], device=device))
    with pytest.raises(RuntimeError, match="to - 1 is out of bounds for unsigned char"):
        ember.randint(0, 300, (3,), dtype=ember.uint8, device=device)
    with pytest.raises(RuntimeError, match="from is out of bounds for signed char"):
        ember.empty(3, dtype=ember.int8, device=device).random_(-200, 0)
    with pytest.raises(RuntimeError, match="n must be non-negative"):
        ember.randperm(-1, device=device)
    with pytest.raises(RuntimeError, match="n cannot be greater than 2049 for Half type."):
        ember.randperm(3000, dtype=ember.float16, device=device)
    with pytest.raises(RuntimeError, match="n is too large for result tensor type"):
        ember.randperm(300, dtype=ember.uint8, device=device)
    with pytest.raises(TypeError, match="size"):
        ember.randint(0, 10, 5, device=device)
    with pytest.raises(RuntimeError, match="Overflow when unpacking long"):
        ember.randint(0, 2 ** 64, (2,), device=device)


def test_random_float_bounds_are_adjusted(device):
    # PyTorch's update_to: 65504 would round up to `to` in half, so the top is moved down
    with pytest.warns(UserWarning, match="out of bounds \\[-\\(2\\^11\\), 2\\^11\\]"):
        x = to_np(ember.empty(20000, dtype=ember.float16, device=device).random_(65000, 65504))
    assert x.max() < 65504 and x.min() >= 65000
