"""Random number generation (torch.random): Generator, the default generator, seeding and state.

Every sampling op in Ember draws from one counter-based generator, Philox 4x32-10. This docstring
is the specification; the CPU kernels (ember/backends/cpu/_random.pyx) transcribe it directly and
an OpenCL backend must follow it to produce the same numbers.

1. State and key
   A Generator holds a 64-bit seed `s` and a 64-bit offset `o` counted in Philox blocks.
   key = (k0, k1) = (s mod 2**32, s >> 32). `manual_seed` sets `s` and resets `o` to 0.
   get_state() is 16 bytes: `s` then `o`, each little-endian uint64.

2. Blocks and words
   A call that needs B blocks takes offset o0 = o and sets o = o0 + B (mod 2**64). Block b of the
   call (0 <= b < B) is Philox4x32-10 with key (k0, k1) and counter
       (c0, c1, c2, c3) = (lo32(o0 + b), hi32(o0 + b), 0, 0)          (o0 + b mod 2**64)
   and yields the four words [x0, x1, x2, x3] in Random123's output order (round function
   (c0,c1,c2,c3) -> (hi(M1*c2)^c1^k0, lo(M1*c2), hi(M0*c0)^c3^k1, lo(M0*c0)), M0 = 0xD2511F53,
   M1 = 0xCD9E8D57, key bumped by (0x9E3779B9, 0xBB67AE85) before rounds 2..10; known answer:
   counter 0, key 0 -> [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]).
   The call's word stream is W[j] = word (j mod 4) of block floor(j / 4).
   Element i of the output (row-major order of the result's shape, whatever its strides) uses
   only the words named below, so it is a pure function of (key, o0, i).

3. Words to uniforms (exact in double)
   U24(x)     = (x >> 8) * 2**-24                       in [0, 1)
   U64(a, b)  = a | (b << 32)                           (a = the lower-indexed word)
   U53(a, b)  = (U64(a, b) >> 11) * 2**-53              in [0, 1)
   Precision class of a float distribution: "narrow" for float32/float16/bfloat16 outputs (element
   i uses W[i], u = U24(W[i])), "wide" for float64 outputs (element i uses W[2i], W[2i+1],
   u = U53(W[2i], W[2i+1])). Integer-valued distributions (random_, bernoulli, geometric into
   integer dtypes) are wide: they use W[2i], W[2i+1].
   B = ceil(words / 4) with words = n (narrow) or 2n (wide), n = numel, unless stated otherwise.

4. Arithmetic and rounding
   Transforms are evaluated in IEEE double, one rounding per + - * / (no fused multiply-add:
   OpenCL kernels need `#pragma OPENCL FP_CONTRACT OFF`), with the C math library for log, log1p,
   exp, sqrt, cos, sin, tan, lgamma. The double result is then rounded to the output dtype:
   float64 as is; float32 round-to-nearest-even (RNE); float16/bfloat16 first RNE to float32,
   then RNE to 16 bits. Integer-valued results convert to float dtypes through double (exact
   below 2**53). A float value stored into an integer dtype is clamped to the dtype's range.
   Uniform bits, random_/randint/randperm/bernoulli/multinomial/Poisson-inversion outputs are
   therefore bit-exact everywhere; results that go through log/exp/sin/cos/tan/lgamma are
   bit-exact only where the math library rounds the same (float32 outputs nearly always agree,
   since the double result is rounded once more; float64 outputs may differ in the last ulps).

5. Distributions (n = numel of the result)
   uniform_(from, to), rand: u as in 3, except float16/bfloat16 keep the top d = 11 / 8 bits:
       u = (W[i] >> (32 - d)) * 2**-d  (every such u is exactly representable);
       v = from + u * (to - from); if v rounded to the dtype is >= to, v = from (only rounding can
       reach `to`; CUDA PyTorch does the same).
   normal_(mean, std), randn, normal: Box-Muller on pairs. Pair p = (elements 2p, 2p+1) uses
       narrow: u1 = U24(W[2p]), u2 = U24(W[2p+1]);
       wide:   u1 = U53(W[4p], W[4p+1]), u2 = U53(W[4p+2], W[4p+3])  (block p of the call);
       r = sqrt(-2 * log(1 - u1)), t = 2pi * u2 (2pi = the double nearest),
       z_2p = r * cos(t), z_2p+1 = r * sin(t); v = mean + std * z.
       words = 2 * ceil(n / 2) (narrow) or 4 * ceil(n / 2) (wide).
       normal(mean, std) with tensor arguments is z ~ N(0, 1) (or N(0, std) for a float std) of
       the result's dtype, then z * std + mean with Ember's elementwise ops.
   log_normal_(mean, std): exp(v) with v as for normal_.
   exponential_(lambd): v = -log1p(-u) / lambd.
   cauchy_(median, sigma): v = median + sigma * tan(pi * (u - 0.5)).
   geometric_(p): v = 1 + floor(log(1 - u) / log1p(-p)) (>= 1); wide for integer dtypes.
   random_(from, to), randint, random_(): R = to - from as an unsigned 64-bit range (R = 0 means
       2**64, the full int64 range); x = U64(W[2i], W[2i+1]);
       v = from + (x mod R) in two's-complement 64-bit arithmetic (x itself when R = 0).
       random_() uses from = 0 and R = max + 1 for integer dtypes (2 for bool) and 2**d + 1 for
       floats (d = 24, 53, 11, 8 mantissa digits), as PyTorch.
   bernoulli_(p) / bernoulli(input): v = (U53(W[2i], W[2i+1]) < p_i) as 1 / 0 (p_i in double).
   poisson(rates): element i owns the blocks with counter (lo64, hi64) = (o0 + i, r) for rounds
       r = 0, 1, ... (c2 = lo32(r), c3 = hi32(r)); B = n. Round r gives U = U53(x0, x1),
       V = U53(x2, x3). rate 0 -> 0; rate inf -> inf; rate < 10: inversion with the round-0 U:
       k = 0, q = exp(-rate), F = q; while U >= F and k < 1000: k += 1, q = q * rate / k,
       F = F + q; result k. rate >= 10: PTRS (Hoermann 1993, the constants of NumPy/PyTorch),
       round r supplying (U, V); after 256 rejected rounds the result is floor(rate).
   randperm(n): key_i = U64(W[2i], W[2i+1]); the result lists 0..n-1 sorted by (key_i, i).
   multinomial(probs (rows x C), k): probabilities are read as double.
       with replacement: sample j of row r is element e = r * k + j, u = U53(W[2e], W[2e+1]);
           cdf_c = (p_0 + ... + p_c) / (p_0 + ... + p_{C-1}) (sums left to right), cdf_{C-1} = 1;
           result = the first c with cdf_c > u.
       without replacement: element e = r * C + c draws E = -log1p(-u) with the wide u of W[2e],
           W[2e+1]; score_c = p_c / E (0 when p_c = 0); the result is the k categories of largest
           score, ties to the lower index, in descending score order.
"""
import contextlib
import numbers
import os
import threading

import numpy as np

from .device import device as _device_cls, CPU

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state", "fork_rng"]

DEFAULT_SEED = 67280421310721          # PyTorch's default_rng_seed_val
_MASK64 = (1 << 64) - 1
STATE_SIZE = 16


def precision(dist, dtype):
    """(wide, ubits) of distribution `dist` writing `dtype`: spec sections 3 and 5."""
    if dist in ("random", "bernoulli", "bernoulli_tensor", "poisson"):
        return True, 0
    wide = dtype.name == "float64" or not dtype.is_floating_point
    ubits = {"float16": 11, "bfloat16": 8}.get(dtype.name, 0) if dist == "uniform" else 0
    return wide, ubits


def nblocks(dist, dtype, n):
    """Blocks a call of `dist` producing `n` elements of `dtype` consumes (spec section 2/5)."""
    if n <= 0:
        return 0
    if dist == "poisson":
        return n
    if dist in ("normal", "log_normal"):
        n = (n + 1) // 2 * 2
    words = n * (2 if precision(dist, dtype)[0] else 1)
    return (words + 3) // 4


def _seed_value(seed):
    """A Python int seed as the unsigned 64-bit value PyTorch stores (negatives wrap)."""
    seed = int(seed)
    if seed < -(1 << 63) or seed > _MASK64:
        raise RuntimeError("Overflow when unpacking long")
    return seed & _MASK64


def _nondeterministic_seed():
    return int.from_bytes(os.urandom(8), "little")


class Generator:
    """A Philox 4x32-10 generator: a 64-bit seed and a 64-bit block offset (see module docs)."""

    def __init__(self, device="cpu"):
        self.device = _device_cls(device if device is not None else "cpu")
        self._seed = DEFAULT_SEED
        self._offset = 0
        self._lock = threading.Lock()

    def manual_seed(self, seed):
        """Seed the generator (restarting its stream); returns the generator."""
        if not isinstance(seed, numbers.Integral):
            raise TypeError(f"manual_seed expected a long, but got {type(seed).__name__}")
        s = _seed_value(seed)
        with self._lock:
            self._seed, self._offset = s, 0
        return self

    def seed(self):
        """Seed from a non-deterministic source and return the 64-bit seed used."""
        s = _nondeterministic_seed()
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The state as a 16-element uint8 CPU tensor: seed then offset, little-endian uint64."""
        from .ops.creation import tensor
        from . import dtypes
        raw = self._seed.to_bytes(8, "little") + self._offset.to_bytes(8, "little")
        return tensor(list(raw), dtype=dtypes.uint8, device="cpu")

    def set_state(self, new_state):
        from .tensor import Tensor
        from . import dtypes
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a ByteTensor, but got {type(new_state).__name__}")
        if new_state.dtype is not dtypes.uint8 or new_state.device.type != "cpu":
            raise TypeError("RNG state must be a ByteTensor (an ember.uint8 CPU tensor)")
        if new_state.numel() != STATE_SIZE:
            raise RuntimeError("RNG state is wrong size")
        raw = np.ascontiguousarray(new_state.detach().numpy()).reshape(-1).tobytes()
        with self._lock:
            self._seed = int.from_bytes(raw[:8], "little")
            self._offset = int.from_bytes(raw[8:], "little")
        return self

    def get_offset(self):
        """The offset, in 128-bit Philox blocks."""
        return self._offset

    def set_offset(self, offset):
        if not isinstance(offset, numbers.Integral) or offset < 0 or offset > _MASK64:
            raise RuntimeError(f"offset must be an unsigned 64-bit integer, got {offset}")
        with self._lock:
            self._offset = int(offset)
        return self

    def _reserve(self, nblocks):
        """Take `nblocks` blocks: return (seed, first offset) and advance the offset."""
        with self._lock:
            off = self._offset
            self._offset = (off + nblocks) & _MASK64
            return self._seed, off

    def __reduce__(self):
        return (_rebuild_generator, (str(self.device), self._seed, self._offset))

    def __repr__(self):
        return f"<ember.Generator object at {hex(id(self))} (device='{self.device}')>"


def _rebuild_generator(dev, seed, offset):
    g = Generator(dev)
    g._seed, g._offset = seed, offset
    return g


default_generator = Generator("cpu")
_device_generators = {}        # non-CPU device -> its default generator, created on first use
_registry_lock = threading.Lock()


def default_generator_for(device):
    """The default generator of `device` (the CPU one is ember.default_generator)."""
    dev = _device_cls(device)
    if dev.type == "cpu":
        return default_generator
    key = (dev.type, dev.index or 0)
    with _registry_lock:
        g = _device_generators.get(key)
        if g is None:
            g = Generator(dev)
            g._seed = default_generator.initial_seed()   # follows the last global seeding
            _device_generators[key] = g
        return g


def manual_seed(seed):
    """Seed every device's default generator; returns the CPU one (as torch.manual_seed)."""
    s = _seed_value(seed)
    default_generator.manual_seed(s)
    with _registry_lock:
        for g in _device_generators.values():
            g.manual_seed(s)
    return default_generator


def seed():
    """Seed every default generator from a non-deterministic source; returns the seed."""
    s = default_generator.seed()
    with _registry_lock:
        for g in _device_generators.values():
            g.manual_seed(s)
    return s


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    """The CPU default generator's state (a 16-element uint8 tensor)."""
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices",
             device_type="opencl"):
    """Run the block with the default generators' states restored afterwards.

    `devices`: the non-CPU devices whose default generators are saved too (all known ones when
    None); the CPU generator is always saved.
    """
    if not enabled:
        yield
        return
    cpu_state = default_generator.get_state()
    if devices is None:
        with _registry_lock:
            gens = list(_device_generators.values())
    else:
        devs = [_device_cls(f"{device_type}:{d}" if isinstance(d, int) else d) for d in devices]
        gens = [default_generator_for(d) for d in devs if d.type != "cpu"]
    saved = [(g, g.get_state()) for g in gens]
    try:
        yield
    finally:
        default_generator.set_state(cpu_state)
        for g, st in saved:
            g.set_state(st)
