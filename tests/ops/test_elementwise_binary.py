"""Binary, comparison and ternary elementwise ops, Python operators, in-place semantics and
broadcasting, against NumPy/SciPy oracles (unary ops: test_elementwise.py; promotion tables:
tests/test_dtypes.py)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import ember
from conftest import assert_close, noncontig, make, to_np

FLOATS = [ember.float32, ember.float64]
INTS = [ember.uint8, ember.int8, ember.int16, ember.int32, ember.int64]


def _np(dtype):
    return dtype.np


def _layouts(arr, device):
    """(tensor, expected-input) pairs: contiguous, strided (non-contiguous), transposed view."""
    return [(make(arr, device), arr), (make(noncontig(arr), device), arr),
            (make(arr.T, device), arr.T)]


# ------------------------------------------------------------------------------------------------
# Binary ops on floats
def _pair(dtype, positive_base=False):
    rng = np.random.default_rng(7)
    a = rng.uniform(0.1 if positive_base else -4, 4, (3, 4)).astype(_np(dtype))
    b = rng.uniform(-3, 3, (3, 4)).astype(_np(dtype))
    b[np.abs(b) < 0.2] = 0.5
    return a, b


FLOAT_BINARY = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
    "true_divide": np.divide, "floor_divide": np.floor_divide, "remainder": np.remainder,
    "fmod": np.fmod, "pow": np.power, "atan2": np.arctan2, "hypot": np.hypot,
    "copysign": np.copysign, "logaddexp": np.logaddexp, "logaddexp2": np.logaddexp2,
    "maximum": np.maximum, "minimum": np.minimum, "fmax": np.fmax, "fmin": np.fmin,
    "xlogy": lambda a, b: np.where(a == 0, 0.0, a * np.log(np.abs(b))),
    "float_power": np.power,
}


@pytest.mark.parametrize("name", sorted(FLOAT_BINARY))
@pytest.mark.parametrize("dtype", FLOATS)
def test_float_binary(device, name, dtype):
    a, b = _pair(dtype, positive_base=name in ("pow", "float_power"))
    if name == "xlogy":
        b = np.abs(b)
    ref = FLOAT_BINARY[name]
    out_np = np.float64 if name == "float_power" else _np(dtype)
    fn = getattr(ember, name)
    for (ta, xa), (tb, xb) in zip(_layouts(a, device), _layouts(b, device)):
        expected = ref(xa.astype(np.float64), xb.astype(np.float64)).astype(out_np)
        assert_close(fn(ta, tb), expected, rtol=2e-5 if dtype is ember.float32 else None)
        if hasattr(ember.Tensor, name):
            assert_close(getattr(ta, name)(tb), expected,
                         rtol=2e-5 if dtype is ember.float32 else None)
    # a Python scalar operand
    expected = ref(a.astype(np.float64), 1.5).astype(out_np)
    assert_close(fn(ember.tensor(a, device=device), 1.5), expected,
                 rtol=2e-5 if dtype is ember.float32 else None)


@pytest.mark.parametrize("name", sorted(set(FLOAT_BINARY) - {"float_power", "true_divide"}))
def test_float_binary_inplace(device, name):
    a, b = _pair(ember.float32, positive_base=name == "pow")
    if name == "xlogy":
        b = np.abs(b)
    t = ember.tensor(a, device=device)
    inplace = getattr(t, name + "_", None)
    if inplace is None:                       # maximum, fmax, logaddexp ... have none in torch
        return
    version, ptr = t._version, t.data_ptr()
    assert inplace(ember.tensor(b, device=device)) is t
    assert t._version == version + 1 and t.data_ptr() == ptr
    assert_close(t, FLOAT_BINARY[name](a.astype(np.float64), b.astype(np.float64))
                 .astype(np.float32), rtol=2e-5)


def test_nan_propagation_max_min_vs_fmax_fmin(device):
    a = ember.tensor([np.nan, 1.0, np.nan, -0.5], device=device)
    b = ember.tensor([2.0, np.nan, np.nan, 3.0], device=device)
    assert_close(ember.maximum(a, b), np.array([np.nan, np.nan, np.nan, 3.0], np.float32))
    assert_close(ember.minimum(a, b), np.array([np.nan, np.nan, np.nan, -0.5], np.float32))
    assert_close(ember.fmax(a, b), np.array([2.0, 1.0, np.nan, 3.0], np.float32))
    assert_close(ember.fmin(a, b), np.array([2.0, 1.0, np.nan, -0.5], np.float32))
    i = ember.tensor([1, 5], device=device)
    assert ember.maximum(i, ember.tensor([3, 2], device=device)).tolist() == [3, 5]
    assert ember.maximum(i, 2.5).tolist() == [2.5, 5.0]


def test_float_division_special_values(device):
    a = ember.tensor([1.0, -1.0, 0.0, 7.5, -7.5], device=device)
    z = ember.zeros(5, device=device)
    assert_close(a / z, np.array([np.inf, -np.inf, np.nan, np.inf, -np.inf], np.float32))
    assert_close(a // z, np.array([np.inf, -np.inf, np.nan, np.inf, -np.inf], np.float32))
    assert_close(a % z, np.full(5, np.nan, np.float32))
    assert_close(ember.fmod(a, z), np.full(5, np.nan, np.float32))
    assert_close(ember.div(a, z, rounding_mode="trunc"),
                 np.array([np.inf, -np.inf, np.nan, np.inf, -np.inf], np.float32))
    # floor division keeps signed zeros, as Python does
    r = ember.tensor([0.0, -0.0, 1.0], device=device) // ember.tensor([-3.0, 3.0, -3.0],
                                                                       device=device)
    assert_close(r, np.array([-0.0, -0.0, -1.0], np.float32))
    assert np.signbit(to_np(r)).tolist() == [True, True, True]


# ------------------------------------------------------------------------------------------------
# Division flavours and signs
SIGNED = np.array([7, -7, 7, -7, 6, -6, 0, 1])
DIVISORS = np.array([2, 2, -2, -2, 3, -3, 5, -4])


def _trunc_div(a, b):
    return np.sign(a) * np.sign(b) * (np.abs(a) // np.abs(b))


@pytest.mark.parametrize("dtype", [ember.int8, ember.int16, ember.int32, ember.int64] + FLOATS)
def test_division_rounding_and_modulo_signs(device, dtype):
    a = ember.tensor(SIGNED, dtype=dtype, device=device)
    b = ember.tensor(DIVISORS, dtype=dtype, device=device)
    npd = _np(dtype).type
    x, y = SIGNED.astype(npd), DIVISORS.astype(npd)
    trunc = _trunc_div(SIGNED, DIVISORS).astype(npd)
    assert_close(ember.div(a, b, rounding_mode="trunc"), trunc)
    assert_close(ember.div(a, b, rounding_mode="floor"), np.floor_divide(x, y))
    assert_close(a // b, np.floor_divide(x, y))
    assert_close(ember.floor_divide(a, b), np.floor_divide(x, y))
    assert_close(a % b, np.remainder(x, y))                 # sign of the divisor, like Python
    assert_close(ember.fmod(a, b), np.fmod(x, y))           # sign of the dividend, like C
    assert_close(ember.remainder(a, 3), np.remainder(x, npd(3)))
    assert_close(ember.fmod(a, -3), np.fmod(x, npd(-3)))
    assert (ember.div(a, b)).dtype is (dtype if dtype.is_floating_point else ember.float32)
    assert_close(ember.div(a, b), (x.astype(np.float64) / y).astype(
        npd if dtype.is_floating_point else np.float32))
    for v, r in zip(SIGNED.tolist(), (a % 5).tolist()):
        assert r == v % 5


def test_remainder_with_a_scalar_dividend(device):
    b = ember.tensor([3, -3, 4], device=device)
    assert ember.remainder(-7, b).tolist() == [-7 % 3, -7 % -3, -7 % 4]
    assert (-7 % b).tolist() == [-7 % 3, -7 % -3, -7 % 4]
    assert (7 // b).tolist() == [7 // 3, 7 // -3, 7 // 4]
    assert (7.5 // b).tolist() == [7.5 // 3, 7.5 // -3, 7.5 // 4]


@pytest.mark.parametrize("dtype", [ember.uint8, ember.int8, ember.int32, ember.int64])
def test_integer_division_by_zero_raises(device, dtype):
    a = ember.tensor([6, 5, 4], dtype=dtype, device=device)
    z = ember.tensor([1, 0, 2], dtype=dtype, device=device)
    ops = [lambda: a // z, lambda: a % z, lambda: ember.fmod(a, z), lambda: a // 0,
           lambda: ember.remainder(a, 0), lambda: ember.div(a, z, rounding_mode="trunc"),
           lambda: ember.div(a, 0, rounding_mode="floor"), lambda: ember.fmod(a, 0),
           lambda: ember.tensor(3, dtype=dtype, device=device) % z]
    # (OpenCL: raised at the next synchronization, here the read of the result)
    for op in ops:
        with pytest.raises(ZeroDivisionError):
            op().tolist()
    with pytest.raises(ZeroDivisionError):
        a.clone().floor_divide_(z).tolist()
    with pytest.raises(ZeroDivisionError):
        a.clone().remainder_(0).tolist()
    # true division promotes to float and never raises
    assert_close(a / z, np.array([6.0, np.inf, 2.0], np.float32))


@pytest.mark.parametrize("dtype", [ember.int32, ember.int64])
def test_int_min_divided_by_minus_one_does_not_crash(device, dtype):
    lo = int(np.iinfo(_np(dtype)).min)
    a = ember.tensor([lo, lo, 7], dtype=dtype, device=device)
    m = ember.tensor([-1, -1, -1], dtype=dtype, device=device)
    assert (a // m).tolist() == [lo, lo, -7]               # wraps, as two's complement does
    assert ember.div(a, m, rounding_mode="trunc").tolist() == [lo, lo, -7]
    assert (a % m).tolist() == [0, 0, 0]
    assert ember.fmod(a, m).tolist() == [0, 0, 0]
    assert (a // -1).tolist() == [lo, lo, -7]


def test_div_rounding_mode_errors(device):
    a = ember.tensor([1.0, 2.0], device=device)
    with pytest.raises(RuntimeError, match="div expected rounding_mode to be one of None, "
                                           "'trunc', or 'floor' but found 'round'"):
        ember.div(a, 2, rounding_mode="round")
    with pytest.raises(RuntimeError, match="not implemented for 'Bool'"):
        ember.div(ember.tensor([True]), ember.tensor([True]), rounding_mode="floor")


def test_div_inplace_dtype_rules(device):
    i = ember.tensor([7, -7], device=device)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output "
                                           "type Long"):
        i.div_(2)
    i.div_(2, rounding_mode="floor")
    assert i.tolist() == [3, -4]
    i.div_(2, rounding_mode="trunc")
    assert i.tolist() == [1, -2]
    f = ember.tensor([7.0, -7.0], device=device)
    f /= 2
    assert f.tolist() == [3.5, -3.5]
    f //= 2
    assert f.tolist() == [1.0, -2.0]


# ------------------------------------------------------------------------------------------------
# Integer arithmetic, pow, alpha
@pytest.mark.parametrize("dtype", INTS)
def test_integer_arithmetic_wraps_like_numpy(device, dtype):
    info = np.iinfo(_np(dtype))
    x = np.array([info.min, -1 if info.min else 0, 0, 3, info.max], _np(dtype))
    y = np.array([1, 2, info.max, 3, 1], _np(dtype))
    a, b = ember.tensor(x, device=device), ember.tensor(y, device=device)
    with np.errstate(all="ignore"):
        assert_close(a + b, x + y)
        assert_close(a - b, x - y)
        assert_close(a * b, x * y)
        assert_close(ember.maximum(a, b), np.maximum(x, y))
        assert_close(ember.minimum(a, b), np.minimum(x, y))


def test_add_sub_alpha(device):
    a = ember.tensor([1, 2, 3], device=device)
    b = ember.tensor([10, 20, 30], device=device)
    assert ember.add(a, b, alpha=2).tolist() == [21, 42, 63]
    assert ember.sub(a, b, alpha=2).tolist() == [-19, -38, -57]
    assert a.add(b, alpha=-1).tolist() == [-9, -18, -27]
    assert ember.add(a, 5, alpha=3).tolist() == [16, 17, 18]
    assert ember.rsub(a, b).tolist() == [9, 18, 27]
    assert ember.rsub(a, 1, alpha=2).tolist() == [-1, -3, -5]
    f = ember.tensor([1.0, 2.0], device=device)
    assert ember.add(f, ember.tensor([1, 1], device=device), alpha=0.5).tolist() == [1.5, 2.5]
    with pytest.raises(RuntimeError, match="For integral input tensors, argument alpha must not be "
                                           "a floating point number"):
        ember.add(a, b, alpha=0.5)
    with pytest.raises(RuntimeError, match="argument alpha must not be a floating point number"):
        a.sub_(b, alpha=1.5)
    with pytest.raises(RuntimeError, match="Boolean alpha only supported for Boolean results"):
        ember.add(a, b, alpha=True)
    c = a.clone()
    c.add_(b, alpha=2)
    assert c.tolist() == [21, 42, 63]
    c.sub_(1, alpha=3)
    assert c.tolist() == [18, 39, 60]


def test_pow_variants(device):
    i = ember.tensor([-2, 0, 3], device=device)
    assert (i ** 2).tolist() == [4, 0, 9] and (i ** 2).dtype is ember.int64
    assert (i ** 0).tolist() == [1, 1, 1]
    assert_close(i ** 0.5, np.array([np.nan, 0.0, 3 ** 0.5], np.float32))
    assert_close(i ** -1.0, np.array([-0.5, np.inf, 1 / 3], np.float32))
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        i ** -1
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        i.pow_(-2)
    # tensor ** tensor with negative integer exponents: 0 except for bases 1 and -1
    base = ember.tensor([2, 1, -1, -1, 5], device=device)
    expo = ember.tensor([-1, -3, -3, -2, 0], device=device)
    assert (base ** expo).tolist() == [0, 1, -1, 1, 1]
    assert (2 ** ember.tensor([0, 3, 10], device=device)).tolist() == [1, 8, 1024]
    assert_close(2.0 ** ember.tensor([0, -1, 3], device=device),
                 np.array([1.0, 0.5, 8.0], np.float32))
    f = ember.tensor([1.5, -2.0, 0.0], dtype=ember.float64, device=device)
    for e in (2, 3, 0.5, -1, -2, -0.5, 1, 0, 2.5):
        with np.errstate(all="ignore"):
            assert_close(f ** e, np.power(f.numpy() if device == "cpu" else to_np(f), e))
    assert_close(ember.pow(f, f), np.power(to_np(f), to_np(f)))
    assert ember.pow(ember.tensor([True, False], device=device), 2).tolist() == [1, 0]
    i8 = ember.tensor([3, -2], dtype=ember.int8, device=device)     # wraps, exponent kept int64
    assert (i8 ** 1000).tolist() == [_wrap(3 ** 1000, ember.int8), 0]
    assert (i8 ** 7).tolist() == [_wrap(3 ** 7, ember.int8), -128]
    assert ember.float_power(i, 2).dtype is ember.float64
    u = ember.tensor([2.0, 3.0], device=device)
    v = u._version
    u **= 2
    assert u.tolist() == [4.0, 9.0] and u._version == v + 1
    u.pow_(ember.tensor([0.5, 0.5], device=device))
    assert u.tolist() == [2.0, 3.0]
    with pytest.raises(RuntimeError, match="result type Float can't be cast"):
        ember.tensor([4], device=device).pow_(0.5)


def test_integer_only_float_kernels_error(device):
    i = ember.tensor([3, 4], device=device)
    for name in ("hypot", "logaddexp", "logaddexp2"):
        with pytest.raises(RuntimeError, match="not implemented for 'Long'"):
            getattr(ember, name)(i, i)
    assert_close(ember.hypot(i, 0.0), np.array([3.0, 4.0], np.float32))   # float scalar: Float
    for name in ("atan2", "copysign", "xlogy"):                            # these promote
        assert getattr(ember, name)(i, i).dtype is ember.float32


def test_special_binary_values(device):
    x = ember.tensor([0.0, 0.0, 1.0, 2.0], dtype=ember.float64, device=device)
    y = ember.tensor([0.0, np.nan, 0.0, np.e], dtype=ember.float64, device=device)
    assert_close(ember.xlogy(x, y), np.array([0.0, np.nan, -np.inf, 2.0]))
    assert_close(x.xlogy(2), np.array([0.0, 0.0, np.log(2), 2 * np.log(2)]))
    inf = ember.tensor([np.inf, -np.inf, np.inf], device=device)
    assert_close(ember.logaddexp(inf, inf), np.array([np.inf, -np.inf, np.inf], np.float32))
    assert_close(ember.logaddexp2(inf, inf), np.array([np.inf, -np.inf, np.inf], np.float32))
    assert_close(ember.logaddexp(ember.tensor([np.nan], device=device), 1.0),
                 np.array([np.nan], np.float32))
    assert_close(ember.copysign(ember.tensor([1.0, 2.0, 0.0], device=device),
                                ember.tensor([-0.0, np.nan, -1.0], device=device)),
                 np.copysign([1.0, 2.0, 0.0], [-0.0, np.nan, -1.0]).astype(np.float32))
    assert_close(ember.atan2(ember.tensor([0.0, -0.0, 1.0], device=device),
                             ember.tensor([-1.0, -1.0, 0.0], device=device)),
                 np.arctan2([0.0, -0.0, 1.0], [-1.0, -1.0, 0.0]).astype(np.float32))


# ------------------------------------------------------------------------------------------------
# Bitwise, logical, comparisons
@pytest.mark.parametrize("dtype", INTS + [ember.bool])
def test_bitwise_ops(device, dtype):
    rng = np.random.default_rng(3)
    x = rng.integers(0, 2 if dtype is ember.bool else 100, (3, 4)).astype(_np(dtype))
    y = rng.integers(0, 2 if dtype is ember.bool else 100, (3, 4)).astype(_np(dtype))
    if dtype.is_signed:
        x[0] = -x[0]
    for (ta, xa), (tb, xb) in zip(_layouts(x, device), _layouts(y, device)):
        assert_close(ta & tb, xa & xb)
        assert_close(ta | tb, xa | xb)
        assert_close(ta ^ tb, xa ^ xb)
        assert_close(ember.bitwise_and(ta, tb), xa & xb)
        assert_close(ta.bitwise_or(tb), xa | xb)
        assert_close(ember.bitwise_xor(ta, tb), xa ^ xb)
    if dtype is not ember.bool:
        a = ember.tensor(x, device=device)
        assert_close(a & 6, x & _np(dtype).type(6))
        assert_close(6 | a, x | _np(dtype).type(6))
        c = a.clone()
        c &= 12
        assert_close(c, x & _np(dtype).type(12))


def _wrap(v, dtype):
    """A Python int converted to `dtype` the way C wraps it (two's complement)."""
    bits = 8 * dtype.itemsize
    v &= (1 << bits) - 1
    return v - (1 << bits) if dtype.is_signed and v >= 1 << (bits - 1) else v


@pytest.mark.parametrize("dtype", [ember.int8, ember.int32, ember.int64, ember.uint8])
def test_shifts(device, dtype):
    bits = 8 * dtype.itemsize
    x = [1, 3, 5, 1, 7, 1]
    s = [0, 1, 2, bits - 1, bits, bits + 3]
    a = ember.tensor(x, dtype=dtype, device=device)
    b = ember.tensor(s, dtype=dtype, device=device)
    # PyTorch: shifting by >= the bit width gives 0 (left) or the sign fill (right)
    assert (a << b).tolist() == [_wrap(v << k, dtype) if k < bits else 0 for v, k in zip(x, s)]
    assert (a >> b).tolist() == [v >> k if k < bits else 0 for v, k in zip(x, s)]
    assert ember.bitwise_left_shift(a, 2).tolist() == [_wrap(v << 2, dtype) for v in x]
    assert a.bitwise_right_shift(1).tolist() == [v >> 1 for v in x]
    assert (1 << ember.tensor([0, 3], dtype=dtype, device=device)).tolist() == [1, 8]
    assert (64 >> ember.tensor([1, 3], dtype=dtype, device=device)).tolist() == [32, 8]
    if dtype.is_signed:                                   # arithmetic right shift keeps the sign
        n = ember.tensor([-8, -1, -8], dtype=dtype, device=device)
        assert (n >> ember.tensor([1, 1, bits + 1], dtype=dtype, device=device)).tolist() == \
            [-4, -1, -1]
        assert (n << 1).tolist() == [-16, -2, -16]
    c = a.clone()
    c <<= 1
    assert c.tolist() == [_wrap(v << 1, dtype) for v in x]
    c >>= 1
    assert c.tolist() == [_wrap(v << 1, dtype) >> 1 for v in x]


def test_bitwise_rejects_floats(device):
    f = ember.ones(2, device=device)
    i = ember.ones(2, dtype=ember.int32, device=device)
    for op in (lambda: f & i, lambda: i | f, lambda: ember.bitwise_xor(f, 1),
               lambda: ember.bitwise_left_shift(f, 1), lambda: f.bitwise_and_(i)):
        with pytest.raises(RuntimeError, match="not implemented for 'Float'"):
            op()
    with pytest.raises(TypeError, match="must be an integer or bool, not float"):
        i & 1.5


def test_logical_ops(device):
    x = np.array([0.0, 1.5, -2.0, 0.0, np.nan])
    y = np.array([0, 0, 3, 7, 0])
    a = ember.tensor(x, device=device)
    b = ember.tensor(y, device=device)
    for name, ref in (("logical_and", np.logical_and), ("logical_or", np.logical_or),
                      ("logical_xor", np.logical_xor)):
        r = getattr(ember, name)(a, b)
        assert r.dtype is ember.bool
        assert_close(r, ref(x, y))
        assert_close(getattr(a, name)(0), ref(x, 0))
        c = ember.tensor(y, device=device)
        getattr(c, name + "_")(a)                   # in place keeps self's dtype
        assert c.dtype is ember.int64 and c.tolist() == ref(y, x).astype(np.int64).tolist()


COMPARISONS = {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal,
               "gt": np.greater, "ge": np.greater_equal}
OPERATORS = {"eq": "__eq__", "ne": "__ne__", "lt": "__lt__", "le": "__le__", "gt": "__gt__",
             "ge": "__ge__"}


@pytest.mark.parametrize("name", sorted(COMPARISONS))
def test_comparisons_mixed_dtypes(device, name):
    x = np.array([[1.5, 2.0, -1.0, np.nan], [0.0, 3.0, 2.0, 7.0]], np.float32)
    y = np.array([2, 2, -1, 0], np.int64)
    a, b = ember.tensor(x, device=device), ember.tensor(y, device=device)
    ref = COMPARISONS[name]
    for r, e in ((getattr(ember, name)(a, b), ref(x, y)),
                 (getattr(a, OPERATORS[name])(b), ref(x, y)),
                 (getattr(b, name)(a), ref(y, x)),
                 (getattr(ember, name)(a, 2), ref(x, 2)),
                 (getattr(ember, name)(b, 1.5), ref(y, 1.5)),     # compared as floats
                 (getattr(ember, name)(b, ember.tensor(2.0, device=device)), ref(y, 2.0)),
                 (getattr(ember, name)(ember.tensor([True, False], device=device), True),
                  ref(np.array([True, False]), True))):
        assert r.dtype is ember.bool
        assert_close(r, e)
    c = ember.tensor(x, device=device)
    getattr(c, name + "_")(b)
    assert c.dtype is ember.float32 and c.tolist() == ref(x, y).astype(np.float32).tolist()


def test_comparison_aliases_and_reflection(device):
    a = ember.tensor([1, 2, 3], device=device)
    assert ember.greater(a, 2).tolist() == [False, False, True]
    assert ember.less_equal(a, 2).tolist() == [True, True, False]
    assert ember.not_equal(a, 2).tolist() == [True, False, True]
    assert ember.greater_equal(a, 2).tolist() == ember.ge(a, 2).tolist()
    assert ember.less(a, 2).tolist() == [True, False, False]
    assert (2 < a).tolist() == [False, False, True]          # reflected to a > 2
    assert (2 == a).tolist() == [False, True, False]
    assert (a == None) is False and (a != "x") is True       # noqa: E711
    u = ember.tensor([1, 200], dtype=ember.uint8, device=device)
    assert (u > 100).tolist() == [False, True]


def test_predicates(device):
    x = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, -2.5, 3.0], np.float32)
    t = ember.tensor(x, device=device)
    for name, ref in (("isnan", np.isnan), ("isinf", np.isinf), ("isfinite", np.isfinite),
                      ("isposinf", np.isposinf), ("isneginf", np.isneginf),
                      ("signbit", np.signbit)):
        assert_close(getattr(ember, name)(t), ref(x))
        assert_close(getattr(t, name)(), ref(x))
        assert_close(getattr(ember, name)(t.half()), ref(x.astype(np.float16)))
    i = ember.tensor([-1, 0, 2], device=device)
    assert ember.isnan(i).tolist() == [False] * 3 and ember.isfinite(i).tolist() == [True] * 3
    assert ember.signbit(i).tolist() == [True, False, False]
    assert ember.isreal(t).tolist() == [True] * 7


# ------------------------------------------------------------------------------------------------
# where, lerp, addcmul, addcdiv, clamp
def test_where_broadcasts_three_and_promotes(device):
    c = np.array([[True], [False]])
    x = np.arange(3, dtype=np.float32)
    y = np.array(-1, dtype=np.int64)
    r = ember.where(ember.tensor(c, device=device), ember.tensor(x, device=device),
                    ember.tensor(y, device=device))
    assert_close(r, np.where(c, x, y).astype(np.float32))
    cond = ember.tensor([True, False, True], device=device)
    assert ember.where(cond, 1, 0).dtype is ember.int64
    assert ember.where(cond, 1.0, 0).dtype is ember.float32
    assert ember.where(cond, 1, 0).tolist() == [1, 0, 1]
    i32 = ember.tensor([1, 2, 3], dtype=ember.int32, device=device)
    assert ember.where(cond, i32, 7).dtype is ember.int32
    assert ember.where(cond, i32, 2.5).tolist() == [1.0, 2.5, 3.0]
    assert ember.where(cond, i32, ember.tensor([9.0], dtype=ember.float64,
                                                device=device)).dtype is ember.float64
    b = ember.where(cond, ember.tensor([True] * 3, device=device), False)
    assert b.dtype is ember.bool and b.tolist() == [True, False, True]
    h = ember.where(cond, ember.ones(3, device=device).half(), 0.5)
    assert h.dtype is ember.float16 and h.tolist() == [1.0, 0.5, 1.0]
    nc = make(noncontig(np.arange(6.0).reshape(2, 3)), device)
    assert_close(ember.where(nc > 2, nc, -nc), np.where(np.arange(6.0).reshape(2, 3) > 2,
                                                        np.arange(6.0).reshape(2, 3),
                                                        -np.arange(6.0).reshape(2, 3)))
    assert ember.where(ember.tensor(True, device=device), 1.0, 2.0).shape == ()
    with pytest.raises(RuntimeError, match="where expected condition to be a boolean tensor, but "
                                           "got a tensor with dtype Float"):
        ember.where(ember.ones(2, device=device), 1, 0)
    with pytest.raises(RuntimeError, match="The size of tensor a"):
        ember.where(ember.tensor([True, False], device=device), ember.ones(3, device=device), 0)


@pytest.mark.parametrize("dtype", FLOATS)
def test_lerp(device, dtype):
    a = np.array([[0.0, 1.0, -2.0, 10.0]], _np(dtype))
    b = np.array([[1.0, 3.0, 2.0], [0.0, 0.0, 0.0]], _np(dtype)).repeat(2, 1)[:, :4]
    w = np.array([0.25, 0.75, 0.5, 1.5], _np(dtype))
    ta, tb, tw = (ember.tensor(v, device=device) for v in (a, b, w))
    expected = a + w * (b - a)
    assert_close(ember.lerp(ta, tb, tw), expected)
    assert_close(ember.lerp(ta, tb, 0.3), a + _np(dtype).type(0.3) * (b - a))
    assert_close(ta.lerp(tb, ember.tensor(0.5, dtype=ember.float64, device=device)),
                 a + 0.5 * (b - a))
    c = ember.tensor(np.broadcast_to(a, b.shape).copy(), device=device)
    v = c._version
    assert c.lerp_(tb, tw) is c and c._version == v + 1
    assert_close(c, expected)
    # the |w| >= 0.5 branch hits `end` exactly at w == 1
    assert ember.lerp(ta, ember.tensor([[3.3, 3.3, 3.3, 3.3]], dtype=dtype, device=device),
                      1.0).tolist() == [[_np(dtype).type(3.3).item()] * 4]
    with pytest.raises(RuntimeError, match="expected dtype float for `end` but got dtype double"):
        ember.lerp(ember.ones(2, device=device), ember.ones(2, dtype=ember.float64, device=device),
                   0.5)
    with pytest.raises(RuntimeError, match="for `weight` but got dtype"):
        ember.lerp(ember.ones(2, device=device), ember.ones(2, device=device),
                   ember.ones(2, dtype=ember.float64, device=device))


def test_addcmul_addcdiv(device):
    rng = np.random.default_rng(1)
    x, y, z = (rng.uniform(1, 2, s).astype(np.float32) for s in ((2, 3), (1, 3), (2, 1)))
    tx, ty, tz = (ember.tensor(v, device=device) for v in (x, y, z))
    assert_close(ember.addcmul(tx, ty, tz), x + y * z)
    assert_close(ember.addcmul(tx, ty, tz, value=-0.5), x - 0.5 * y * z)
    assert_close(ember.addcdiv(tx, ty, tz, value=2), x + 2 * y / z)
    assert_close(tx.addcdiv(ty, tz), x + y / z)
    c = tx.clone()
    c.addcmul_(ty, tz, value=3)
    assert_close(c, x + 3 * y * z)
    c.addcdiv_(ty, tz)
    assert_close(c, x + 3 * y * z + y / z)
    i = ember.tensor([1, 2], device=device)
    assert ember.addcmul(i, i, i, value=2).tolist() == [3, 10]
    with pytest.raises(RuntimeError, match="Integer division with addcdiv is no longer supported"):
        ember.addcdiv(tx[0] if hasattr(ember.Tensor, "__getitem__") else ember.ones(2), i, i)
    with pytest.raises(RuntimeError, match="argument value must not be a floating point number"):
        ember.addcmul(i, i, i, value=0.5)


@pytest.mark.parametrize("dtype", FLOATS)
def test_clamp_scalars(device, dtype):
    x = np.array([-3.0, -0.5, 0.0, 0.5, 3.0, np.nan, np.inf, -np.inf], _np(dtype))
    t = ember.tensor(x, device=device)
    assert_close(ember.clamp(t, -1, 1), np.clip(x, -1, 1))
    assert_close(ember.clamp(t, min=0), np.maximum(x, 0))
    assert_close(ember.clamp(t, max=0.25), np.minimum(x, _np(dtype).type(0.25)))
    assert_close(t.clip(-2, 2), np.clip(x, -2, 2))
    assert_close(ember.clamp_min(t, 0.5), np.maximum(x, _np(dtype).type(0.5)))
    assert_close(ember.clamp_max(t, 0.5), np.minimum(x, _np(dtype).type(0.5)))
    # min > max: every (non-NaN) element becomes max
    assert_close(ember.clamp(t, 2, 1), np.where(np.isnan(x), np.nan, 1).astype(_np(dtype)))
    c = ember.tensor(x, device=device)
    v = c._version
    assert c.clamp_(-1, 1) is c and c._version == v + 1
    assert_close(c, np.clip(x, -1, 1))
    c.clamp_min_(0.0)
    c.clamp_max_(0.5)
    assert_close(c, np.clip(np.clip(x, -1, 1), 0, 0.5))


def test_clamp_tensors_ints_and_errors(device):
    x = np.array([[-3.0, 0.5, 4.0], [1.0, np.nan, -1.0]], np.float32)
    t = ember.tensor(x, device=device)
    lo = ember.tensor([-1.0, 0.0, 1.0], device=device)
    hi = ember.tensor([[0.0], [2.0]], device=device)
    lo_np, hi_np = np.array([-1.0, 0.0, 1.0], np.float32), np.array([[0.0], [2.0]], np.float32)
    assert_close(ember.clamp(t, lo, hi), np.minimum(np.maximum(x, lo_np), hi_np))
    assert_close(ember.clamp(t, min=lo), np.maximum(x, lo_np))
    assert_close(ember.clamp(t, max=hi), np.minimum(x, hi_np))
    assert_close(ember.clamp(t, lo, 0.25), np.minimum(np.maximum(x, lo_np), np.float32(0.25)))
    i = ember.tensor([-5, 0, 5], device=device)
    assert ember.clamp(i, -2, 2).tolist() == [-2, 0, 2] and ember.clamp(i, -2, 2).dtype is ember.int64
    r = ember.clamp(i, 0.5, 2.5)                  # a float bound makes the result float
    assert r.dtype is ember.float32 and r.tolist() == [0.5, 0.5, 2.5]
    assert ember.clamp(i, 3, 1).tolist() == [1, 1, 1]
    assert ember.clamp(ember.tensor(7.0, device=device), max=2).shape == ()
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max' must not be None"):
        ember.clamp(t)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output "
                                           "type Long"):
        i.clamp_(min=0.5)


# ------------------------------------------------------------------------------------------------
# Python operators
def test_operators_forward_and_reflected(device):
    x = np.array([1.0, -2.0, 4.0], np.float32)
    t = ember.tensor(x, device=device)
    cases = [(t + 2, x + 2), (2 + t, 2 + x), (t - 2, x - 2), (2 - t, 2 - x), (t * 3, x * 3),
             (3 * t, 3 * x), (t / 2, x / 2), (2 / t, 2 / x), (t // 3, x // 3), (7 // t, 7 // x),
             (t % 3, x % 3), (7 % t, 7 % x), (t ** 2, x ** 2), (2 ** t, 2 ** x),
             (-t, -x), (+t, x), (abs(t), np.abs(x)), (t + t, x + x)]
    for got, expected in cases:
        assert_close(got, expected.astype(np.float32))
    i = ember.tensor([1, 2, 3], device=device)
    assert (1 << i).tolist() == [2, 4, 8] and (i << 1).tolist() == [2, 4, 6]
    assert (16 >> i).tolist() == [8, 4, 2]
    assert (5 & i).tolist() == [1, 0, 1] and (5 | i).tolist() == [5, 7, 7]
    assert (5 ^ i).tolist() == [4, 7, 6]
    assert (2 - i).dtype is ember.int64 and (2.5 - i).dtype is ember.float32
    assert (2 / i).dtype is ember.float32 and (2 ** i).dtype is ember.int64
    assert (2.0 ** i).dtype is ember.float32


def test_numpy_scalars_on_either_side(device):
    t = ember.tensor([1.0, 2.0], device=device)
    i = ember.tensor([1, 2], device=device)
    for got, expected in ((np.float32(2) * t, [2.0, 4.0]), (t * np.float32(2), [2.0, 4.0]),
                          (np.float64(3) - t, [2.0, 1.0]), (np.int64(3) // i, [3, 1]),
                          (np.int32(2) + i, [3, 4]), (t / np.float64(2), [0.5, 1.0]),
                          (np.float64(1) + i, [2.0, 3.0])):
        assert isinstance(got, ember.Tensor)
        assert got.tolist() == expected
    assert (np.int64(3) + i).dtype is ember.int64
    assert (np.float64(1.5) * i).dtype is ember.float32      # a float scalar: the default dtype
    assert (np.float32(1.5) > t).tolist() == [True, False]


def test_inplace_operators_keep_identity_and_storage(device):
    t = ember.tensor([1.0, 2.0, 3.0], device=device)
    ident, ptr, version = id(t), t.data_ptr(), t._version
    t += 1
    t *= 2
    t -= ember.tensor([1.0, 1.0, 1.0], device=device)
    t /= 2
    t **= 2
    t %= 5
    t //= 1
    assert id(t) == ident and t.data_ptr() == ptr and t._version == version + 7
    assert t.tolist() == [2.0, 1.0, 2.0]
    i = ember.tensor([6, 7], device=device)
    i &= 3
    i |= 8
    i ^= 1
    i <<= 1
    i >>= 2
    assert i.tolist() == [5, 5]
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output "
                                           "type Long"):
        i += 1.5
    with pytest.raises(RuntimeError, match="result type Float can't be cast"):
        i /= 2
    with pytest.raises(RuntimeError, match=r"output with shape \[2\] doesn't match the broadcast "
                                           r"shape \[2, 2\]"):
        i += ember.ones(2, 2, dtype=ember.int64, device=device)
    b = ember.tensor([True, False], device=device)
    with pytest.raises(RuntimeError, match="result type Long can't be cast to the desired output "
                                           "type Bool"):
        b *= 2
    b += True
    assert b.tolist() == [True, True]


def test_inplace_promotes_then_casts_back(device):
    f = ember.tensor([1.0, 2.0], device=device)
    f += ember.tensor([0.5, 0.25], dtype=ember.float64, device=device)
    assert f.dtype is ember.float32 and f.tolist() == [1.5, 2.25]
    h = ember.tensor([1.0, 2.0], device=device).half()
    h *= 3
    assert h.dtype is ember.float16 and h.tolist() == [3.0, 6.0]
    i = ember.tensor([1, 2], dtype=ember.int32, device=device)
    i.add_(ember.tensor(2 ** 40 + 3, device=device))          # a 0-d int64 joins int32: wraps
    assert i.dtype is ember.int32 and i.tolist() == [4, 5]
    u = ember.tensor([250, 3], dtype=ember.uint8, device=device)
    u += 10
    assert u.tolist() == [4, 13]


def test_inplace_with_an_overlapping_alias_reads_the_old_values(device):
    t = ember.arange(9.0, dtype=ember.float64, device=device).reshape(3, 3)
    t.add_(t.t())                                       # the same memory, transposed
    np.testing.assert_array_equal(to_np(t), np.arange(9.0).reshape(3, 3) + np.arange(9.0).reshape(3, 3).T)


def test_bool_arithmetic_rules(device):
    b = ember.tensor([True, False], device=device)
    assert (b + b).dtype is ember.bool and (b + b).tolist() == [True, False]
    assert (b * b).tolist() == [True, False] and (b * b).dtype is ember.bool
    assert (b * 2).tolist() == [2, 0] and (b * 2).dtype is ember.int64
    assert (b + 1.5).tolist() == [2.5, 1.5]
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with two bool tensors"):
        b - b
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with a bool tensor is "
                                           "not supported"):
        b - 1
    with pytest.raises(RuntimeError, match="with a bool tensor is not supported"):
        1 - b
    with pytest.raises(RuntimeError, match="with two bool tensors"):
        b.sub_(True)


def test_operands_must_be_tensors_or_numbers(device):
    t = ember.ones(2, device=device)
    with pytest.raises(TypeError):
        t + "a"
    with pytest.raises(TypeError):
        t * [1, 2]
    with pytest.raises(TypeError, match="must be Tensor or Number"):
        ember.add(t, "a")
    with pytest.raises(TypeError):
        ember.exp([1.0, 2.0])


@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16])
def test_half_types_compute_in_float32(device, dtype):
    x = np.array([0.5, 1.0, -2.0, 3.0], np.float32)
    t = ember.tensor(x, dtype=dtype, device=device)
    r = ember.exp(t)
    assert r.dtype is dtype
    ref = np.exp(to_np(t.float()).astype(np.float64))
    np.testing.assert_allclose(to_np(r.float()), ref, rtol=1e-2)
    s = t + t
    assert s.dtype is dtype and s.float().tolist() == (2 * x).tolist()
    assert (t * 2.5).dtype is dtype
    assert (t > 0).tolist() == [True, True, False, True]
    assert (t + ember.ones(4, device=device)).dtype is ember.float32
    other = ember.float16 if dtype is ember.bfloat16 else ember.bfloat16
    assert (t + ember.ones(4, dtype=other, device=device)).dtype is ember.float32


# ------------------------------------------------------------------------------------------------
# Broadcasting
@settings(max_examples=60, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4),
       data=st.data())
def test_broadcasting_matches_numpy(shapes, data):
    (sa, sb), result = shapes.input_shapes, shapes.result_shape
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 16)))
    a = rng.standard_normal(sa).astype(np.float32)
    b = rng.standard_normal(sb).astype(np.float32)
    ta, tb = ember.tensor(a), ember.tensor(b)
    if data.draw(st.booleans()) and a.ndim:
        ta = make(noncontig(a), "cpu")
    for fn, ref in ((ember.add, np.add), (ember.mul, np.multiply), (ember.maximum, np.maximum),
                    (ember.lt, np.less), (ember.atan2, np.arctan2)):
        r = fn(ta, tb)
        assert tuple(r.shape) == result
        assert_close(r, ref(a, b))
    w = ember.where(ember.tensor(a > 0), ta, tb)
    assert_close(w, np.where(a > 0, a, b))


@settings(max_examples=40, deadline=None)
@given(shape=st.lists(st.integers(2, 4), min_size=1, max_size=4), data=st.data())
def test_non_broadcastable_shapes_raise(shape, data):
    dim = data.draw(st.integers(0, len(shape) - 1))
    other = list(shape)
    other[dim] = shape[dim] + data.draw(st.integers(1, 3))
    with pytest.raises(RuntimeError, match=rf"The size of tensor a \({shape[dim]}\) must match the "
                                           rf"size of tensor b \({other[dim]}\) at non-singleton "
                                           rf"dimension {dim}"):
        ember.zeros(*shape) + ember.zeros(*other)


def test_broadcast_error_message_example(device):
    with pytest.raises(RuntimeError, match=r"^The size of tensor a \(3\) must match the size of "
                                           r"tensor b \(4\) at non-singleton dimension 1$"):
        ember.ones(2, 3, device=device) * ember.ones(2, 4, device=device)
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of "
                                           r"tensor b \(4\) at non-singleton dimension 1"):
        ember.lerp(ember.ones(2, 3, device=device), ember.ones(2, 4, device=device), 0.5)


def test_broadcast_with_empty_and_zero_dim(device):
    e = ember.zeros(0, 3, device=device)
    assert (e + ember.ones(3, device=device)).shape == (0, 3)
    assert (e * ember.ones(1, 1, device=device)).shape == (0, 3)
    z = ember.tensor(2.0, device=device)
    assert (z * z).shape == () and (z * z).item() == 4.0
    assert (z + ember.ones(2, 1, device=device)).shape == (2, 1)


def test_large_inputs_use_the_parallel_path(device):
    # big enough to be split across threads, with a broadcast and a strided operand
    a = np.arange(300_000, dtype=np.float64).reshape(600, 500) / 7
    b = np.linspace(-1, 1, 500)
    ta = make(noncontig(a), device)
    assert_close(ta * ember.tensor(b, device=device) + 1, a * b + 1)
    assert_close(ember.exp(ember.tensor(b, device=device) - ta / 1e5), np.exp(b - a / 1e5))
    i = ember.tensor(np.arange(300_000, dtype=np.int64), device=device)
    assert_close(i // 7, np.arange(300_000) // 7)
    with pytest.raises(ZeroDivisionError):
        (i % ember.tensor(np.arange(300_000, dtype=np.int64)[::-1].copy(), device=device)).tolist()
