"""Ember's dtypes and PyTorch's type-promotion rules.

A dtype is a small immutable object; the module-level singletons (``ember.float32`` ...) are the
only instances. ``code`` is the integer the backends switch on.
"""
import numpy as np

__all__ = [
    "dtype", "bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
    "float64", "half", "float", "double", "short", "int", "long", "promote_types", "result_type",
    "get_default_dtype", "set_default_dtype", "can_cast", "finfo", "iinfo",
]

_builtin_bool, _builtin_int, _builtin_float = bool, int, float


class dtype:
    """An element type. Compare with ``is`` or ``==``; ``ember.float32`` etc. are the instances."""

    __slots__ = ("name", "code", "itemsize", "np", "is_floating_point", "is_signed", "kind", "_rank")

    def __init__(self, name, code, np_dtype, kind, rank):
        self.name = name
        self.code = code
        self.np = np.dtype(np_dtype)
        self.itemsize = self.np.itemsize
        self.kind = kind                      # 'b' bool, 'u'/'i' integer, 'f' floating
        self.is_floating_point = kind == "f"
        self.is_signed = kind in "if"
        self._rank = rank

    @property
    def is_complex(self):
        return False

    def __repr__(self):
        return "ember." + self.name

    def __reduce__(self):
        return (_by_name, (self.name,))

    def to_complex(self):
        raise TypeError(f"complex dtypes are not supported (from {self})")


# code order is the backends' table order: keep it stable.
bool = dtype("bool", 0, np.bool_, "b", 0)
uint8 = dtype("uint8", 1, np.uint8, "u", 1)
int8 = dtype("int8", 2, np.int8, "i", 1)
int16 = dtype("int16", 3, np.int16, "i", 2)
int32 = dtype("int32", 4, np.int32, "i", 3)
int64 = dtype("int64", 5, np.int64, "i", 4)
float16 = dtype("float16", 6, np.float16, "f", 5)
# bfloat16 is stored as its 16 raw bits; NumPy has no bfloat16, so its numpy view is uint16.
bfloat16 = dtype("bfloat16", 7, np.uint16, "f", 5)
float32 = dtype("float32", 8, np.float32, "f", 6)
float64 = dtype("float64", 9, np.float64, "f", 7)

half, float, double = float16, float32, float64
short, int, long = int16, int32, int64

ALL = (bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64)
BY_CODE = ALL
_NAMES = {d.name: d for d in ALL}
_NAMES.update(half=float16, float=float32, double=float64, short=int16, int=int32, long=int64)
_FROM_NP = {d.np: d for d in ALL if d is not bfloat16}


def _by_name(name):
    return _NAMES[name]


def from_numpy_dtype(npd):
    """The ember dtype of a NumPy dtype; TypeError for ones Ember lacks (complex, uint16 ...)."""
    npd = np.dtype(npd)
    try:
        return _FROM_NP[npd]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{npd.name}. The only supported types are: "
            "float64, float32, float16, int64, int32, int16, int8, uint8, and bool.") from None


def to_dtype(obj):
    """Accept an ember dtype, a NumPy dtype/type, a Python type or a name; return an ember dtype."""
    if isinstance(obj, dtype):
        return obj
    if obj is None:
        raise TypeError("dtype must be an ember.dtype, not None")
    if obj is _builtin_float:
        return float64
    if obj is _builtin_int:
        return int64
    if obj is _builtin_bool:
        return bool
    if isinstance(obj, str) and obj in _NAMES:
        return _NAMES[obj]
    try:
        return from_numpy_dtype(obj)
    except TypeError:
        raise
    except Exception:
        raise TypeError(f"invalid dtype: {obj!r}") from None


_default_float = float32


def get_default_dtype():
    """The floating dtype of tensors created from Python floats (float32 unless changed)."""
    return _default_float


def set_default_dtype(d):
    """Set the default floating dtype; only floating dtypes are allowed, as in PyTorch."""
    global _default_float
    d = to_dtype(d)
    if d not in (float32, float64, float16, bfloat16):
        raise TypeError("only floating-point types are supported as the default type")
    _default_float = d


# ---------------------------------------------------------------------------------------------
# Promotion
_INT_ORDER = (uint8, int8, int16, int32, int64)


def _promote2(a, b):
    if a is b:
        return a
    if a is bool:
        return b
    if b is bool:
        return a
    fa, fb = a.kind == "f", b.kind == "f"
    if fa and fb:
        if {a, b} == {float16, bfloat16}:
            return float32
        return a if a._rank >= b._rank else b
    if fa:
        return a
    if fb:
        return b
    # both integers
    if a is uint8 or b is uint8:
        other = b if a is uint8 else a
        if other is int8:
            return int16
        return other
    return a if a._rank >= b._rank else b


def promote_types(type1, type2):
    """The smallest dtype both can be cast to (torch.promote_types)."""
    return _promote2(to_dtype(type1), to_dtype(type2))


def _category(d):
    if d is None:
        return -1
    return 0 if d is bool else (1 if d.kind in "ui" else 2)


def _combine(higher, lower):
    # PyTorch's combine_categories (c10/core/ScalarType + TensorIterator's ResultTypeState).
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.is_floating_point:
        return higher
    if higher is bool or lower.is_floating_point:
        return _promote2(higher, lower)
    return higher


def _scalar_dtype(x):
    if isinstance(x, _builtin_bool):
        return bool
    if isinstance(x, _builtin_int):
        return int64
    if isinstance(x, _builtin_float):
        return _default_float
    if isinstance(x, np.generic):
        return _scalar_dtype(x.item())
    if isinstance(x, complex):
        raise TypeError("complex numbers are not supported")
    raise TypeError(f"unsupported operand type: {type(x).__name__}")


def result_type_of(*operands):
    """PyTorch's result type over tensors and Python scalars (dimensioned > 0-d > wrapped)."""
    if len(operands) == 2:
        # fast path: two tensors of one dtype (the common case) promote to that dtype
        a, b = operands
        da = getattr(a, "dtype", None)
        if da is not None and da is getattr(b, "dtype", None) and hasattr(a, "_shape") and hasattr(b, "_shape"):
            return da
    dim = zero = wrapped = None
    for x in operands:
        d = getattr(x, "dtype", None)
        if isinstance(d, dtype) and hasattr(x, "_shape"):
            if len(x._shape):
                dim = d if dim is None else _promote2(dim, d)
            else:
                zero = d if zero is None else _promote2(zero, d)
        else:
            d = _scalar_dtype(x)
            wrapped = d if wrapped is None else _promote2(wrapped, d)
    out = _combine(dim, _combine(zero, wrapped))
    return out


def result_type(tensor1, tensor2):
    """torch.result_type: the dtype an arithmetic op on the two operands produces."""
    return result_type_of(tensor1, tensor2)


def can_cast(from_, to):
    """torch.can_cast: casting allowed under PyTorch's same-kind rules."""
    from_, to = to_dtype(from_), to_dtype(to)
    cf, ct = _category(from_), _category(to)
    return cf <= ct


class finfo:
    """Machine limits of a floating dtype (torch.finfo)."""

    def __init__(self, type=None):
        d = to_dtype(type) if type is not None else _default_float
        if not d.is_floating_point:
            raise TypeError(f"finfo requires a floating point dtype, got {d}")
        if d is bfloat16:
            self.bits, self.eps, self.max, self.min = 16, 0.0078125, 3.3895313892515355e38, -3.3895313892515355e38
            self.tiny = self.smallest_normal = 1.1754943508222875e-38
            self.resolution = 0.01
        else:
            fi = np.finfo(d.np)
            self.bits, self.eps, self.max, self.min = fi.bits, _builtin_float(fi.eps), _builtin_float(fi.max), _builtin_float(fi.min)
            self.tiny = self.smallest_normal = _builtin_float(fi.tiny)
            self.resolution = 10.0 ** -fi.precision      # as c10: 10 ** -digits10, a double
        self.dtype = d.name

    def __repr__(self):
        return (f"finfo(resolution={self.resolution}, min={self.min}, max={self.max}, eps={self.eps}, "
                f"smallest_normal={self.smallest_normal}, tiny={self.tiny}, dtype={self.dtype})")


class iinfo:
    """Machine limits of an integer dtype (torch.iinfo)."""

    def __init__(self, type):
        d = to_dtype(type)
        if d.is_floating_point:
            raise TypeError(f"iinfo requires an integer dtype, got {d}")
        if d is bool:
            self.bits, self.min, self.max = 8, 0, 1
        else:
            ii = np.iinfo(d.np)
            self.bits, self.min, self.max = ii.bits, _builtin_int(ii.min), _builtin_int(ii.max)
        self.dtype = d.name

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
