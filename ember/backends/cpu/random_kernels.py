"""CPU kernels: Philox 4x32-10 random fills (the specification is ember/random.py's docstring).

Methods fill tensors the ops layer allocated; they never allocate user-visible results. The
generator's bookkeeping (seed, offset, how many blocks a call takes) stays in the ops layer: a
primitive gets the seed and the first block offset and computes element i from (key, offset, i).
"""
import numpy as np

from . import _map, _random

_F64 = 9       # ember.float64.code
_I64 = 5       # ember.int64.code


def _spec():
    from ember import random
    return random


def _threads(nthreads):
    # Ember's setting, not OpenMP's per-thread one: ops may run on another Python thread
    return nthreads or _map.get_num_threads()


def _param_array(param, shape):
    """`param` (a float64 tensor broadcastable to `shape`) as a contiguous float64 NumPy array."""
    from . import np_view
    return np.ascontiguousarray(np.broadcast_to(np_view(param), shape), dtype=np.float64)


class RandomKernels:
    @staticmethod
    def philox_fill(out, dist, seed, offset, p0=0.0, p1=0.0, rng=0, base=0, nthreads=0):
        """Fill contiguous `out` with distribution `dist` (a name of ember.random's spec).

        p0, p1: the distribution's float parameters (uniform from/to, normal mean/std,
        exponential lambd, cauchy median/sigma, geometric p, bernoulli p); rng/base: random_'s
        unsigned 64-bit range (0 = 2**64) and first value. Modifies `out`.
        """
        wide, ubits = _spec().precision(dist, out.dtype)
        _random.fill(_random.DIST[dist], out.dtype.code, out.data_ptr(), out.numel(),
                     seed & 0xFFFFFFFFFFFFFFFF, offset, wide, p0, p1, rng,
                     base, ubits, None, _threads(nthreads))

    @staticmethod
    def philox_fill_param(out, dist, param, seed, offset, nthreads=0):
        """Fill contiguous `out` with a per-element-parameter distribution: 'bernoulli_tensor'
        (param = probabilities) or 'poisson' (param = rates). `param` is a float64 tensor
        broadcastable to out's shape, already validated. Modifies `out`."""
        src = _param_array(param, out._shape).reshape(-1)
        _random.fill(_random.DIST[dist], out.dtype.code, out.data_ptr(), out.numel(), seed,
                     offset, True, 0.0, 0.0, 0, 0, 0, src, _threads(nthreads))

    @staticmethod
    def philox_randperm(out, seed, offset):
        """out (1-D, contiguous, n elements) = a random permutation of 0..n-1. Modifies `out`."""
        from . import np_view
        n = out.numel()
        keys = np.empty(n, dtype=np.int64)
        _random.fill(_random.DIST["random"], _I64, keys.ctypes.data, n, seed, offset, True,
                     0.0, 0.0, 0, 0, 0, None, _threads(0))
        # stable sort of the unsigned keys: equal keys keep index order, as the spec says
        order = np.argsort(keys.view(np.uint64), kind="stable")
        np.copyto(np_view(out), order, casting="unsafe")

    @staticmethod
    def philox_multinomial(out, probs, replacement, seed, offset):
        """out (R x k int64, contiguous) = k category draws per row of probs (R x C float64,
        validated). Modifies `out`."""
        from . import np_view
        p = np.ascontiguousarray(np_view(probs), dtype=np.float64)
        R, C = p.shape
        k = out._shape[1]
        res = np_view(out)
        if replacement:
            u = np.empty((R, k), dtype=np.float64)
            _random.fill(_random.DIST["uniform"], _F64, u.ctypes.data, R * k, seed, offset, True,
                         0.0, 1.0, 0, 0, 0, None, _threads(0))
            _random.multinomial_draw(p, u, res, _threads(0))
            return
        e = np.empty((R, C), dtype=np.float64)
        _random.fill(_random.DIST["exponential"], _F64, e.ctypes.data, R * C, seed, offset, True,
                     1.0, 0.0, 0, 0, 0, None, _threads(0))
        with np.errstate(divide="ignore", invalid="ignore"):
            score = np.where(p > 0, p / e, 0.0)
        # top-k by descending score, ties to the lower index: stable sort of -score
        order = np.argsort(-score, axis=1, kind="stable")[:, :k]
        np.copyto(res, order)

    @staticmethod
    def random_check(t, mode):
        """0 when the float64 tensor `t` is valid for `mode` (ember.backends.cpu._random.check),
        else the error code. Multinomial modes read `t` as rows of its last dim."""
        from . import np_view
        a = np.ascontiguousarray(np_view(t), dtype=np.float64)
        a = a.reshape(1, -1) if mode in ("prob", "nonneg") or a.ndim < 2 else \
            a.reshape(-1, a.shape[-1])
        if a.size == 0:
            return 0
        return _random.check(_random.CHECK[mode], a)
