"""Sampling ops: rand/randn/randint/randperm/normal/bernoulli/multinomial/poisson and the in-place
fills (uniform_, normal_, random_, exponential_, geometric_, log_normal_, cauchy_, bernoulli_).

The numbers follow the Philox 4x32-10 specification in ember/random.py: each op checks its
arguments as PyTorch does, takes the blocks it needs from the generator (`Generator._reserve`)
and calls one backend primitive (`philox_fill`, `philox_fill_param`, `philox_randperm`,
`philox_multinomial`, `random_check`).
"""
import math
import numbers
import warnings

import numpy as np

from .. import dtypes as _dt
from .. import random as _rng
from ..device import as_device, CPU
from ..random import (Generator, default_generator, manual_seed, seed, initial_seed, get_rng_state,
                      set_rng_state)
from ..tensor import Tensor, _empty, _flat
from ._helpers import method, finish_out, broadcast_shapes, _dtype_name
from .creation import _shape_arg, _alloc_like

__all__ = ["rand", "rand_like", "randn", "randn_like", "randint", "randint_like", "randperm",
           "normal", "bernoulli", "multinomial", "poisson",
           "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "Generator",
           "default_generator"]

_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
_MASK64 = (1 << 64) - 1
_DIGITS = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}
# the C++ type names PyTorch prints for a dtype (TypeMeta) in some messages
_CNAME = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short int",
          "int32": "int", "int64": "long int", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
          "float32": "float", "float64": "double"}


def _g(x):
    """A double formatted as C++ streams print it (PyTorch's messages)."""
    return f"{float(x):g}"


# ------------------------------------------------------------------------------------------------
# generators, outputs and the backend call
def _generator(generator, dev):
    if generator is None:
        return _rng.default_generator_for(dev)
    if not isinstance(generator, Generator):
        raise TypeError(f"argument 'generator' must be ember.Generator, not "
                        f"{type(generator).__name__}")
    if generator.device.type != dev.type:
        raise RuntimeError(f"Expected a '{dev.type}' device type for generator but found "
                           f"'{generator.device.type}'")
    return generator


def _has_primitives(dev):
    return hasattr(dev.backend, "philox_fill")


def _fill(out, dist, gen, p0=0.0, p1=0.0, rng=0, base=0):
    """Fill the contiguous tensor `out` with `dist`, advancing `gen`."""
    n = out.numel()
    if n == 0:
        return out
    s, off = gen._reserve(_rng.nblocks(dist, out.dtype, n))
    if _has_primitives(out.device):
        out.device.backend.philox_fill(out, dist, s, off, p0, p1, rng, base)
    else:
        # a backend without the primitives: same numbers computed on the CPU, then copied over
        tmp = _empty(out._shape, out.dtype, CPU)
        CPU.backend.philox_fill(tmp, dist, s, off, p0, p1, rng, base)
        out.copy_(tmp)
    return out


def _fill_param(out, dist, param, gen):
    """Fill contiguous `out` with `dist` ('bernoulli_tensor' / 'poisson') of float64 `param`."""
    n = out.numel()
    if n == 0:
        return out
    s, off = gen._reserve(_rng.nblocks(dist, out.dtype, n))
    if _has_primitives(out.device):
        out.device.backend.philox_fill_param(out, dist, param, s, off)
    else:
        tmp = _empty(out._shape, out.dtype, CPU)
        CPU.backend.philox_fill_param(tmp, dist, param.cpu(), s, off)
        out.copy_(tmp)
    return out


def _check(t, mode):
    """The backend's validity code for float64 tensor `t` (0: valid)."""
    b = t.device.backend if _has_primitives(t.device) else CPU.backend
    return b.random_check(t if t.device.type == "cpu" or _has_primitives(t.device) else t.cpu(), mode)


def _as_f64(t):
    return t if t.dtype is _dt.float64 else t.to(_dt.float64)


def _check_no_overlap(self):
    for n, s in zip(self._shape, self._stride):
        if n > 1 and s == 0:
            raise RuntimeError("unsupported operation: more than one element of the written-to "
                               "tensor refers to a single memory location. Please clone() the "
                               "tensor before performing the operation.")


def _inplace(self, fill):
    """Run `fill(target)` on self, or on a contiguous temporary copied into a strided self."""
    if not isinstance(self, Tensor):
        raise TypeError(f"expected Tensor as self, but got {type(self).__name__}")
    _check_no_overlap(self)
    if self._requires_grad and self.grad_fn is None:
        from ._helpers import check_inplace
        check_inplace(self, self.dtype, self._shape)
    if self.numel() == 0:
        return self
    if self.is_contiguous():
        fill(self)
    else:
        tmp = _empty(self._shape, self.dtype, self.device)
        fill(tmp)
        self.device.backend.copy(self, tmp)
    self._storage.version += 1
    return self


def _float_only(dtype, kernel):
    if not dtype.is_floating_point:
        raise RuntimeError(f"\"{kernel}\" not implemented for '{_dtype_name(dtype)}'")


def _new(shape, dtype, device, out):
    """Output allocation for factories: dtype/device default to out's when out= is given."""
    if dtype is None:
        dtype = out.dtype if isinstance(out, Tensor) else _dt.get_default_dtype()
    dtype = _dt.to_dtype(dtype)
    if device is None and isinstance(out, Tensor):
        dev = out.device
    else:
        dev = as_device(device)
    return _empty(shape, dtype, dev)


def _finish(t, out, requires_grad):
    t = finish_out(t, out) if out is not None else t
    if requires_grad:
        t.requires_grad_(True)
    return t


def _size_args(args, size, fname):
    if size is not None:
        if args:
            raise TypeError(f"{fname}() got multiple values for argument 'size'")
        args = (size,)
    return _shape_arg(args, fname)


# ------------------------------------------------------------------------------------------------
# in-place fills
@method()
def uniform_(self, from_=0.0, to=1.0, *, generator=None, **kwargs):
    """self ~ U[from, to): v = from + u * (to - from)."""
    from_ = kwargs.pop("from", from_)
    _no_extra(kwargs, "uniform_")
    dt = self.dtype
    _float_only(dt, "check_uniform_bounds")
    info = _finfo(dt)
    from_, to = float(from_), float(to)
    if not (info[0] <= from_ <= info[1]):
        raise RuntimeError(f"from is out of bounds for {_CNAME[dt.name]}")
    if not (info[0] <= to <= info[1]):
        raise RuntimeError(f"to is out of bounds for {_CNAME[dt.name]}")
    if not from_ <= to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={_g(from_)} > to={_g(to)}")
    if not (to - from_) <= info[1]:
        raise RuntimeError(f"uniform_ expects to-from <= std::numeric_limits<{_dtype_name(dt)}>"
                           f"::max(), but found to={_g(to)} and from={_g(from_)} which result in "
                           f"to-from to exceed the limit")
    gen = _generator(generator, self.device)
    return _inplace(self, lambda t: _fill(t, "uniform", gen, from_, to))


def _finfo(dt):
    if dt is _dt.bfloat16:
        m = float(np.float32(3.3895313892515355e38))
        return -m, m
    f = np.finfo(dt.np)
    return float(f.min), float(f.max)


def _no_extra(kwargs, name):
    if kwargs:
        raise TypeError(f"{name}() got an unexpected keyword argument '{next(iter(kwargs))}'")


@method()
def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """self ~ N(mean, std^2) (Box-Muller)."""
    std = float(std)
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_g(std)}")
    gen = _generator(generator, self.device)
    if self.numel():
        _float_only(self.dtype, "normal_kernel_cpu")
    return _inplace(self, lambda t: _fill(t, "normal", gen, float(mean), std))


@method()
def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """self ~ exp(N(mean, std^2))."""
    std = float(std)
    if not std > 0.0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_g(std)}")
    gen = _generator(generator, self.device)
    if self.numel():
        _float_only(self.dtype, "log_normal_cpu")
    return _inplace(self, lambda t: _fill(t, "log_normal", gen, float(mean), std))


@method()
def exponential_(self, lambd=1.0, *, generator=None):
    """self ~ Exp(lambd): v = -log(1 - u) / lambd."""
    lambd = float(lambd)
    if not lambd > 0.0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_g(lambd)}")
    gen = _generator(generator, self.device)
    if self.numel():
        _float_only(self.dtype, "exponential_cpu")
    return _inplace(self, lambda t: _fill(t, "exponential", gen, lambd))


@method()
def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """self ~ Cauchy(median, sigma): v = median + sigma * tan(pi * (u - 1/2))."""
    sigma = float(sigma)
    if not sigma > 0.0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_g(sigma)}")
    if not self.dtype.is_floating_point:
        raise RuntimeError(f"Cauchy distribution is a continuous probability distribution. dtype "
                           f"must be a floating point but you specified {_CNAME[self.dtype.name]}")
    gen = _generator(generator, self.device)
    return _inplace(self, lambda t: _fill(t, "cauchy", gen, float(median), sigma))


@method()
def geometric_(self, p, *, generator=None):
    """self ~ Geometric(p) on {1, 2, ...}: v = 1 + floor(log(1 - u) / log(1 - p))."""
    p = float(p)
    if not (0.0 < p < 1.0):
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_g(p)}")
    gen = _generator(generator, self.device)
    if self.numel() and self.dtype is _dt.bool:
        raise RuntimeError("\"geometric_cpu\" not implemented for 'Bool'")
    return _inplace(self, lambda t: _fill(t, "geometric", gen, p))


@method()
def bernoulli_(self, p=0.5, *, generator=None):
    """self ~ Bernoulli(p) as 0 / 1 (p a float or a tensor broadcastable to self)."""
    gen = _generator(generator, self.device)
    if isinstance(p, Tensor):
        if p.numel() and not p.dtype.is_floating_point:
            raise RuntimeError(f"\"bernoulli_tensor_cpu_p_\" not implemented for "
                               f"'{_dtype_name(p.dtype)}'")
        _check_expand(p._shape, self._shape)
        if self.numel() == 0:
            return self
        pp = _as_f64(p)
        if p.device != self.device:
            pp = pp.to(self.device)
        if _check(pp, "prob"):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
        return _inplace(self, lambda t: _fill_param(t, "bernoulli_tensor", pp, gen))
    p = float(p)
    if not (0.0 <= p <= 1.0):
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_g(p)}")
    return _inplace(self, lambda t: _fill(t, "bernoulli", gen, p))


def _check_expand(shape, target):
    """RuntimeError as PyTorch's expand when `shape` can't broadcast to `target`."""
    if len(shape) > len(target):
        raise RuntimeError(f"expand: the number of sizes provided ({len(target)}) must be greater "
                           f"or equal to the number of dimensions in the tensor ({len(shape)})")
    off = len(target) - len(shape)
    for i, n in enumerate(shape):
        if n != 1 and n != target[off + i]:
            raise RuntimeError(f"The expanded size of the tensor ({target[off + i]}) must match the "
                               f"existing size ({n}) at non-singleton dimension {off + i}.  Target "
                               f"sizes: {list(target)}.  Tensor sizes: {list(shape)}")


# -- random_ ---------------------------------------------------------------------------------------
def _to_int64(v, name):
    if isinstance(v, Tensor):
        v = v.item()
    if not isinstance(v, numbers.Integral):
        raise TypeError(f"argument '{name}' must be int, not {type(v).__name__}")
    v = int(v)
    if not _INT64_MIN <= v <= _INT64_MAX:
        raise RuntimeError("Overflow when unpacking long")
    return v


def _round_to(x, dt):
    """The int64 PyTorch gets from static_cast<int64_t>(static_cast<scalar_t>(x)); None if inf."""
    if dt is _dt.bfloat16:
        f = np.array([x], dtype=np.float32).view(np.uint32)
        r = ((f + np.uint32(0x7FFF) + ((f >> np.uint32(16)) & np.uint32(1))) >> np.uint32(16))
        v = float((r << np.uint32(16)).astype(np.uint32).view(np.float32)[0])
    else:
        with np.errstate(over="ignore"):
            v = float(dt.np.type(x))
    return None if math.isinf(v) else int(v)


def _update_from(frm, dt):
    fp1 = _round_to(frm + 1, dt)
    if fp1 is not None and fp1 < frm:
        n = abs(frm + 1).bit_length() - 1
        frm = fp1 + (1 << (n - _DIGITS[dt.name] + 1))
    return frm


def _update_to(to, dt):
    tm1 = _round_to(to - 1, dt)
    if tm1 is not None and tm1 >= to:
        n = abs(to - 1).bit_length() - 1
        to = tm1 - (1 << (n - _DIGITS[dt.name] + 1))
    return to


def _check_from_to_in_range(frm, to_inc, dt):
    if dt.is_floating_point:
        lo, hi = _finfo(dt)
        digits = _DIGITS[dt.name]
    elif dt is _dt.bool:
        lo, hi = 0, 1
    else:
        info = np.iinfo(dt.np)
        lo, hi = int(info.min), int(info.max)
    if not lo <= frm <= hi:
        raise RuntimeError(f"from is out of bounds for {_CNAME[dt.name]}")
    if not lo <= to_inc <= hi:
        raise RuntimeError(f"to - 1 is out of bounds for {_CNAME[dt.name]}")
    if dt.is_floating_point:
        for v, name in ((frm, "from"), (to_inc, "to - 1")):
            if v < -(1 << digits) or v > (1 << digits):
                warnings.warn(f"{name} is out of bounds [-(2^{digits}), 2^{digits}]. Due to "
                              f"precision limitations {_CNAME[dt.name]} can support discrete "
                              f"uniform distribution only within this range. This warning will "
                              f"become an error in version 1.7 release, please fix the code in "
                              f"advance", UserWarning, stacklevel=4)


def _random_from_to(self, frm, to, gen):
    """random_(from, to) of PyTorch: [from, to), or [from, dtype max] when to is None."""
    dt = self.dtype
    if to is not None:
        if not frm < to:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={frm} "
                               f">= to={to}")
        if dt.is_floating_point:
            frm, to = _update_from(frm, dt), _update_to(to, dt)
            if not frm < to:
                raise RuntimeError(f"random_ expects 'from' casted to dtype to be less than 'to' "
                                   f"casted to dtype, but got from={frm} >= to={to}")
        _check_from_to_in_range(frm, to - 1, dt)
        rng, base = (to - frm) & _MASK64, frm
    elif frm != _INT64_MIN:
        if dt.is_floating_point:
            to_inc = min(1 << _DIGITS[dt.name], _INT64_MAX)
            frm = _update_from(frm, dt)
            if not frm < to_inc:
                raise RuntimeError(f"random_ expects 'from' casted to dtype to be less than or "
                                   f"equal to 'to_inc' casted to dtype, but got from={frm} > "
                                   f"to_inc={to_inc}")
        elif dt is _dt.bool:
            to_inc = 1
        else:
            to_inc = int(np.iinfo(dt.np).max)
        _check_from_to_in_range(frm, to_inc, dt)
        rng, base = (to_inc - frm + 1) & _MASK64, frm
    else:
        rng, base = 0, _INT64_MIN
    return _inplace(self, lambda t: _fill(t, "random", gen, rng=rng, base=base))


@method()
def random_(self, *args, generator=None, **kwargs):
    """random_(): [0, 2^mantissa] (floats) / [0, max] (integers); random_(to): [0, to);
    random_(from, to): [from, to); random_(from, None): [from, max]. v = from + x mod (to - from)."""
    frm = kwargs.pop("from", None)
    to = kwargs.pop("to", "unset")
    _no_extra(kwargs, "random_")
    args = list(args)
    if len(args) > 2:
        raise TypeError(f"random_() takes from 0 to 2 positional arguments but {len(args)} were given")
    if len(args) == 2:
        frm, to = args
    elif len(args) == 1:
        if frm is not None:
            to = args[0]
        elif to != "unset":
            frm = args[0]
        else:
            to = args[0]
            frm = 0
    gen = _generator(generator, self.device)
    if frm is None and to == "unset":
        dt = self.dtype
        if dt.is_floating_point:
            rng = (1 << _DIGITS[dt.name]) + 1
        elif dt is _dt.bool:
            rng = 2
        else:
            rng = int(np.iinfo(dt.np).max) + 1
        return _inplace(self, lambda t: _fill(t, "random", gen, rng=rng, base=0))
    frm = 0 if frm is None else _to_int64(frm, "from")
    to = None if to in ("unset", None) else _to_int64(to, "to")
    return _random_from_to(self, frm, to, gen)


# ------------------------------------------------------------------------------------------------
# factories
def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False, **kwargs):
    """Samples of U[0, 1) with the given shape (default float dtype)."""
    shape = _size_args(size, kwargs.pop("size", None), "rand")
    _no_extra(kwargs, "rand")
    t = _new(shape, dtype, device, out)
    _float_only(t.dtype, "check_uniform_bounds")
    _fill(t, "uniform", _generator(generator, t.device), 0.0, 1.0)
    return _finish(t, out, requires_grad)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False, **kwargs):
    """Samples of N(0, 1) with the given shape (default float dtype)."""
    shape = _size_args(size, kwargs.pop("size", None), "randn")
    _no_extra(kwargs, "randn")
    t = _new(shape, dtype, device, out)
    _float_only(t.dtype, "normal_kernel_cpu")
    _fill(t, "normal", _generator(generator, t.device), 0.0, 1.0)
    return _finish(t, out, requires_grad)


def rand_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """U[0, 1) samples shaped like `input`, strides as `memory_format` says (None: preserve);
    the samples are drawn in memory order."""
    t = _alloc_like(input, dtype, device, memory_format, "rand_like")
    _float_only(t.dtype, "check_uniform_bounds")
    _fill(_flat(t), "uniform", _generator(generator, t.device), 0.0, 1.0)
    return _finish(t, None, requires_grad)


def randn_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    """N(0, 1) samples shaped like `input`, strides as `memory_format` says (None: preserve);
    the samples are drawn in memory order."""
    t = _alloc_like(input, dtype, device, memory_format, "randn_like")
    _float_only(t.dtype, "normal_kernel_cpu")
    _fill(_flat(t), "normal", _generator(generator, t.device), 0.0, 1.0)
    return _finish(t, None, requires_grad)


def randint(*args, size=None, low=None, high=None, generator=None, out=None, dtype=None,
            layout=None, device=None, requires_grad=False, pin_memory=False):
    """Integers uniform on [low, high) (randint(high, size) / randint(low, high, size)); int64."""
    args = list(args)
    if size is None:
        if not args:
            raise TypeError("randint() missing required argument 'size'")
        size = args.pop()
    if high is None:
        if not args:
            raise TypeError("randint() missing required argument 'high'")
        high = args.pop()
    if low is None:
        low = args.pop() if args else 0
    if args:
        raise TypeError("randint() received an invalid combination of arguments")
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): argument 'size' must be tuple of ints, not "
                        f"{type(size).__name__}")
    shape = _shape_arg((tuple(size),), "randint")
    low, high = _to_int64(low, "low"), _to_int64(high, "high")
    t = _new(shape, dtype if dtype is not None else (None if out is not None else _dt.int64),
             device, out)
    _random_from_to(t, low, high, _generator(generator, t.device))
    return _finish(t, out, requires_grad)


def randint_like(input, *args, low=None, high=None, generator=None, dtype=None, layout=None,
                 device=None, requires_grad=False, memory_format=None):
    """Integers uniform on [low, high) shaped like `input` (input's dtype), strides as
    `memory_format` says (None: preserve); the samples are drawn in memory order."""
    args = list(args)
    if high is None:
        if not args:
            raise TypeError("randint_like() missing required argument 'high'")
        high = args.pop()
    if low is None:
        low = args.pop() if args else 0
    if args:
        raise TypeError("randint_like() received an invalid combination of arguments")
    t = _alloc_like(input, dtype, device, memory_format, "randint_like")
    _random_from_to(_flat(t), _to_int64(low, "low"), _to_int64(high, "high"),
                    _generator(generator, t.device))
    return _finish(t, None, requires_grad)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    """A random permutation of 0..n-1 (int64 unless dtype says otherwise)."""
    if isinstance(n, Tensor):
        n = n.item()
    if not isinstance(n, numbers.Integral) or isinstance(n, bool):
        raise TypeError(f"randperm(): argument 'n' must be int, not {type(n).__name__}")
    n = int(n)
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got{n}")
    t = _new((n,), dtype if dtype is not None else (None if out is not None else _dt.int64),
             device, out)
    dt = t.dtype
    if dt in (_dt.bool, _dt.bfloat16):
        raise RuntimeError(f"\"randperm\" not implemented for '{_dtype_name(dt)}'")
    limits = {"float16": ((1 << 11) + 1, "2049"), "float32": ((1 << 24) + 1, "2^24+1"),
              "float64": ((1 << 53) + 1, "2^53+1")}
    if dt.name in limits:
        lim, txt = limits[dt.name]
        if n > lim:
            raise RuntimeError(f"n cannot be greater than {txt} for {_dtype_name(dt)} type.")
    elif n > 0 and n - 1 > int(np.iinfo(dt.np).max):
        raise RuntimeError(f"n is too large for result tensor type: '{_dtype_name(dt)}Tensor'")
    gen = _generator(generator, t.device)
    if n:
        s, off = gen._reserve((n + 1) // 2)
        if _has_primitives(t.device):
            t.device.backend.philox_randperm(t, s, off)
        else:
            tmp = _empty((n,), dt, CPU)
            CPU.backend.philox_randperm(tmp, s, off)
            t.copy_(tmp)
    return _finish(t, out, requires_grad)


# ------------------------------------------------------------------------------------------------
def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, pin_memory=False, requires_grad=False):
    """Samples of N(mean, std^2): mean/std tensors (broadcast) or floats with `size`."""
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mt and not st:
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments - got "
                            f"({type(mean).__name__}, {type(std).__name__}), but expected one of "
                            "(Tensor mean, Tensor std), (Tensor mean, float std), "
                            "(float mean, Tensor std), (float mean, float std, tuple of ints size)")
        std = float(std)
        if not std >= 0.0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {_g(std)}")
        shape = _shape_arg((size,) if isinstance(size, (tuple, list)) else (size,), "normal")
        t = _new(shape, dtype, device, out)
        _float_only(t.dtype, "normal_kernel_cpu")
        _fill(t, "normal", _generator(generator, t.device), float(mean), std)
        return _finish(t, out, requires_grad)
    if size is not None:
        raise TypeError("normal() received an invalid combination of arguments - got a size "
                        "together with a Tensor mean or std")
    if st:
        if std.numel() and _check(_as_f64(std), "nonneg"):
            raise RuntimeError("normal expects all elements of std >= 0.0")
    else:
        std = float(std)
        if not std >= 0.0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {_g(std)}")
    if mt and st:
        shape, like = broadcast_shapes(mean._shape, std._shape), mean
    elif mt:
        shape, like = mean._shape, mean
    else:
        shape, like = std._shape, std
    t = _empty(shape, like.dtype, like.device)
    gen = _generator(generator, t.device)
    if t.numel():
        _float_only(t.dtype, "normal_kernel_cpu")
        if mt and not st:
            _fill(t, "normal", gen, 0.0, std)
            t.add_(mean)
        else:
            _fill(t, "normal", gen, 0.0, 1.0)
            t.mul_(std).add_(mean)
    return _finish(t, out, requires_grad)


@method()
def bernoulli(input, p=None, *, generator=None, out=None):
    """0 / 1 samples with P(1) = input (or = p, shaped like input)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"bernoulli(): argument 'input' must be Tensor, not {type(input).__name__}")
    res = _empty(input._shape, input.dtype, input.device)
    bernoulli_(res, input if p is None else p, generator=generator)
    return finish_out(res, out)


@method()
def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """num_samples category indices per row drawn with probabilities proportional to input."""
    if not isinstance(input, Tensor):
        raise TypeError(f"multinomial(): argument 'input' must be Tensor, not "
                        f"{type(input).__name__}")
    if not isinstance(num_samples, numbers.Integral) or isinstance(num_samples, bool):
        raise TypeError(f"multinomial(): argument 'num_samples' must be int, not "
                        f"{type(num_samples).__name__}")
    if out is not None and out.device != input.device:
        raise RuntimeError("multinomial arguments must have the same device")
    if not 0 < input.dim() <= 2:
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_dtype_name(input.dtype)}")
    if out is not None and out.dtype is not _dt.int64:
        raise RuntimeError(f"multinomial expects Long tensor out, got: {_dtype_name(out.dtype)}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    n_cat = input._shape[-1]
    if not replacement and num_samples > n_cat:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if n_cat > (1 << 24):
        raise RuntimeError("number of categories cannot exceed 2^24")
    n_dist = input._shape[0] if input.dim() == 2 else 1
    res = _empty((n_dist, num_samples), _dt.int64, input.device)
    gen = _generator(generator, input.device)
    if res.numel():
        probs = _as_f64(input)
        code = _check(probs, "multinomial" if replacement else "multinomial_norep")
        if code:
            raise RuntimeError({
                1: "invalid multinomial distribution (encountering probability entry < 0)"
                if replacement else "probability tensor contains either `inf`, `nan` or element < 0",
                2: "invalid multinomial distribution (encountering probability entry = infinity "
                   "or NaN)",
                3: "invalid multinomial distribution (sum of probabilities <= 0)"}[code])
        n_el = n_dist * (num_samples if replacement else n_cat)
        s, off = gen._reserve(_rng.nblocks("uniform", _dt.float64, n_el))
        p2 = probs if probs.dim() == 2 else _view2d(probs)
        if _has_primitives(res.device):
            res.device.backend.philox_multinomial(res, p2, replacement, s, off)
        else:
            tmp = _empty(res._shape, _dt.int64, CPU)
            CPU.backend.philox_multinomial(tmp, p2.cpu(), replacement, s, off)
            res.copy_(tmp)
    if input.dim() == 1:
        res = _view1d(res)
    return finish_out(res, out)


def _view2d(t):
    """A (1, n) view of a 1-D tensor (metadata only)."""
    from ..tensor import _make
    return _make(t._storage, (1, t._shape[0]), (t._shape[0] * t._stride[0], t._stride[0]),
                 t._offset, t.dtype, t.device)


def _view1d(t):
    """The (k,) view of a contiguous (1, k) tensor."""
    from ..tensor import _make
    return _make(t._storage, (t._shape[1],), (1,), t._offset, t.dtype, t.device)


def poisson(input, generator=None):
    """Poisson samples with rates `input` (same dtype and shape)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"poisson(): argument 'input' must be Tensor, not {type(input).__name__}")
    res = _empty(input._shape, input.dtype, input.device)
    if res.numel() == 0:
        return res
    _float_only(input.dtype, "poisson_cpu")
    rates = _as_f64(input)
    if _check(rates, "nonneg"):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    return _fill_param(res, "poisson", rates, _generator(generator, input.device))
