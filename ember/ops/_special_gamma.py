"""The gamma family beside lgamma: digamma, polygamma and mvlgamma (torch names; torch.special's
spellings are in ember/special.py). Re-exported by elementwise.py.

Each is one row of the elementwise table (op codes DIGAMMA, POLYGAMMA, MVLGAMMA of _map.pyx, the
same rows in kernels_cl/map_ops.h): integer and bool inputs promote to the default float dtype,
float16/bfloat16 compute in float32, float32 in double (one rounding at the end).
"""
import numbers

import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor
from ..backends.cpu._map import UNARY
from ._helpers import _dtype_name
from .elementwise import _float_dtype, _unary_impl, _unary_inplace

__all__ = []


def _export(fn, method=None):
    """Put `fn` in ember's namespace and (as `method`, default fn itself) on Tensor."""
    __all__.append(fn.__name__)
    setattr(Tensor, fn.__name__, method or fn)
    return fn


def _type_name(v):
    return "Tensor" if isinstance(v, Tensor) else type(v).__name__


def check_tensor(v, fname, pos=1):
    """TypeError as torch's argument parser when `v` is not a Tensor."""
    if not isinstance(v, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position {pos}) must be Tensor, not "
                        f"{_type_name(v)}")


def check_int(v, fname, arg, pos):
    """`v` as a Python int, or the TypeError torch's parser gives (bool and Tensor are refused)."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral):
        raise TypeError(f"{fname}(): argument '{arg}' (position {pos}) must be int, not "
                        f"{_type_name(v)}")
    return int(v)


def check_polygamma_n(n, fname="polygamma"):
    n = check_int(n, fname, "n", 1)
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return n


def check_mvlgamma(input, p, fname="mvlgamma"):
    """p as an int after torch's checks: a bool input and p < 1 are RuntimeErrors."""
    check_tensor(input, fname)
    p = check_int(p, fname, "p", 2)
    if input.dtype is _dt.bool:
        raise RuntimeError("The input tensor may not be a boolean tensor.")
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    return p


def digamma(input, *, out=None):
    """psi(x) = d/dx ln|gamma(x)|; -inf at +0, +inf at -0, NaN at the negative integers."""
    check_tensor(input, "digamma")
    return _unary_impl(UNARY["digamma"], input, out)


def digamma_(self):
    """In-place digamma (floating self only)."""
    return _unary_inplace(UNARY["digamma"], self)


def polygamma(n, input, *, out=None):
    """psi^(n)(x), the n-th derivative of digamma (n >= 0): (-1)^(n+1) n! zeta(n + 1, x) for
    n >= 1 (Hurwitz zeta), +-inf at the poles 0, -1, -2, ... (+inf for odd n)."""
    n = check_polygamma_n(n)
    check_tensor(input, "polygamma", 2)
    return _unary_impl(UNARY["polygamma"], input, out, float(n))


def polygamma_(self, n):
    """In-place polygamma: self = psi^(n)(self)."""
    n = check_polygamma_n(n)
    return _unary_inplace(UNARY["polygamma"], self, float(n))


def _polygamma_method(self, n):
    """Tensor.polygamma(n): polygamma(n, self)."""
    n = check_polygamma_n(n)
    return _unary_impl(UNARY["polygamma"], self, None, float(n))


_polygamma_method.__name__ = _polygamma_method.__qualname__ = "polygamma"


def mvlgamma(input, p, *, out=None):
    """ln of the multivariate gamma function of dimension p >= 1:
    p (p - 1) / 4 ln(pi) + sum_{i < p} lgamma(x - i / 2). No domain check (as torch 2.x): below
    (p - 1) / 2 the value is lgamma's, inf at its poles."""
    p = check_mvlgamma(input, p)
    return _unary_impl(UNARY["mvlgamma"], input, out, float(p))


def mvlgamma_(self, p):
    """In-place mvlgamma; an integer self raises as torch (its message names the types reversed)."""
    p = check_mvlgamma(self, p)
    dt = _float_dtype(self.dtype)
    if not _dt.can_cast(dt, self.dtype):
        raise RuntimeError(f"mvlgamma: result type {_dtype_name(self.dtype)} can't be cast to the "
                           f"desired output type {_dtype_name(dt)}")
    return _unary_inplace(UNARY["mvlgamma"], self, float(p))


_export(digamma)
_export(digamma_)
_export(polygamma, _polygamma_method)
_export(polygamma_)
_export(mvlgamma)
_export(mvlgamma_)
