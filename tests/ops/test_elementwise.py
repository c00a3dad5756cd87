"""Elementwise ops against NumPy/SciPy oracles: unary math, activations, binary arithmetic,
comparisons, ternary ops, in-place variants, Python operators and broadcasting.

Dtype promotion tables live in tests/test_dtypes.py.
"""
import math

import numpy as np
import pytest
import scipy.special as sps

import ember
from conftest import assert_close, noncontig, make, to_np

FLOATS = [ember.float32, ember.float64]
INTS = [ember.uint8, ember.int8, ember.int16, ember.int32, ember.int64]
SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0])


def _np(dtype):
    return dtype.np


def _domain(kind):
    """12 float64 values inside an op's domain, as a (3, 4) array."""
    lo, hi = {"real": (-3.0, 3.0), "pos": (0.1, 5.0), "unit": (-0.95, 0.95), "ge1": (1.05, 6.0),
              "gt-1": (-0.9, 5.0), "tan": (-1.4, 1.4), "lgamma": (-2.95, 3.0)}[kind]
    return np.linspace(lo, hi, 12).reshape(3, 4)


def _layouts(arr, device):
    """(tensor, expected-input) pairs: contiguous, strided (non-contiguous), transposed view."""
    return [(make(arr, device), arr), (make(noncontig(arr), device), arr),
            (make(arr.T, device), arr.T)]


# ------------------------------------------------------------------------------------------------
# Unary float-valued functions
FLOAT_UNARY = {
    "exp": (np.exp, "real"), "exp2": (np.exp2, "real"), "expm1": (np.expm1, "real"),
    "log": (np.log, "pos"), "log2": (np.log2, "pos"), "log10": (np.log10, "pos"),
    "log1p": (np.log1p, "gt-1"), "sqrt": (np.sqrt, "pos"), "rsqrt": (lambda x: 1 / np.sqrt(x), "pos"),
    "sin": (np.sin, "real"), "cos": (np.cos, "real"), "tan": (np.tan, "tan"),
    "asin": (np.arcsin, "unit"), "acos": (np.arccos, "unit"), "atan": (np.arctan, "real"),
    "sinh": (np.sinh, "real"), "cosh": (np.cosh, "real"), "tanh": (np.tanh, "real"),
    "asinh": (np.arcsinh, "real"), "acosh": (np.arccosh, "ge1"), "atanh": (np.arctanh, "unit"),
    "sigmoid": (sps.expit, "real"), "erf": (sps.erf, "real"), "erfc": (sps.erfc, "real"),
    "erfinv": (sps.erfinv, "unit"),
    # C's lgamma(-inf) is +inf (SciPy says -inf); PyTorch follows C
    "lgamma": (lambda x: np.where(np.isneginf(x), np.inf, sps.gammaln(x)), "lgamma"),
    "reciprocal": (lambda x: 1 / x, "real"), "sinc": (np.sinc, "real"),
}
ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh",
           "arccosh": "acosh", "arctanh": "atanh", "negative": "neg", "absolute": "abs",
           "fix": "trunc", "sgn": "sign"}


@pytest.mark.parametrize("name", sorted(FLOAT_UNARY))
@pytest.mark.parametrize("dtype", FLOATS)
def test_float_unary_values_and_layouts(device, name, dtype):
    ref, dom = FLOAT_UNARY[name]
    x = _domain(dom).astype(_np(dtype))
    for t, xin in _layouts(x, device):
        expected = ref(xin.astype(np.float64)).astype(_np(dtype))
        assert_close(getattr(ember, name)(t), expected)
        assert_close(getattr(t, name)(), expected)


@pytest.mark.parametrize("name", sorted(FLOAT_UNARY))
@pytest.mark.parametrize("dtype", FLOATS)
def test_float_unary_special_values(device, name, dtype):
    ref = FLOAT_UNARY[name][0]
    with np.errstate(all="ignore"):
        expected = ref(SPECIAL).astype(_np(dtype))
    got = getattr(ember, name)(ember.tensor(SPECIAL, dtype=dtype, device=device))
    assert_close(got, expected)
    if name in ("sqrt", "exp", "log", "tanh", "sin"):
        # -0.0 kept; a NaN's sign is unspecified (IEEE 754) and differs between libms (PoCL's
        # log(-1) is +NaN, glibc's -NaN; PyTorch's own CPU and CUDA kernels differ too)
        num = ~np.isnan(expected)
        assert np.array_equal(np.signbit(to_np(got))[num], np.signbit(expected)[num])


@pytest.mark.parametrize("name", sorted(FLOAT_UNARY))
def test_float_unary_promotes_ints_and_bool(device, name):
    ref, dom = FLOAT_UNARY[name]
    xi = {"pos": [1, 2, 5], "unit": [0, 0, 0], "ge1": [1, 2, 5], "gt-1": [0, 1, 4],
          "lgamma": [1, 2, 5]}.get(dom, [-2, 0, 3])
    if name == "reciprocal":
        xi = [-2, 1, 3]
    for dt in (ember.int64, ember.int32, ember.uint8 if min(xi) >= 0 else ember.int8):
        t = ember.tensor(xi, dtype=dt, device=device)
        with np.errstate(all="ignore"):
            assert_close(getattr(ember, name)(t), ref(np.array(xi, np.float64)).astype(np.float32))
    b = ember.tensor([True, False], device=device)
    with np.errstate(all="ignore"):
        assert_close(getattr(ember, name)(b), ref(np.array([1.0, 0.0])).astype(np.float32))
    ember.set_default_dtype(ember.float64)
    try:
        assert getattr(ember, name)(ember.tensor(xi, device=device)).dtype is ember.float64
    finally:
        ember.set_default_dtype(ember.float32)


@pytest.mark.parametrize("name", sorted(FLOAT_UNARY))
def test_float_unary_0d_and_empty(device, name):
    x = float(_domain(FLOAT_UNARY[name][1])[1, 2])
    r = getattr(ember, name)(ember.tensor(x, device=device))
    assert r.shape == () and r.dtype is ember.float32
    assert_close(r, np.float32(FLOAT_UNARY[name][0](np.float64(x))))
    e = getattr(ember, name)(ember.zeros(0, 3, device=device))
    assert e.shape == (0, 3) and e.dtype is ember.float32


@pytest.mark.parametrize("name", sorted(FLOAT_UNARY))
def test_float_unary_inplace(device, name):
    ref, dom = FLOAT_UNARY[name]
    x = _domain(dom).astype(np.float32)
    t = ember.tensor(x, device=device)
    ptr, version = t.data_ptr(), t._version
    r = getattr(t, name + "_")()
    assert r is t and t.data_ptr() == ptr and t._version == version + 1
    assert_close(t, ref(x.astype(np.float64)).astype(np.float32))
    i = ember.tensor([1, 2], device=device)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output "
                                           "type Long"):
        getattr(i, name + "_")()
    assert i.tolist() == [1, 2]


def test_inplace_unary_writes_through_a_strided_view(device):
    orig = np.arange(24, dtype=np.float64).reshape(3, 8) / 10
    base = ember.tensor(orig, device=device)
    base[:, 1::3].exp_()
    expected = orig.copy()
    expected[:, 1::3] = np.exp(orig[:, 1::3])
    assert_close(base, expected)


def test_aliases_are_the_same_ops():
    for alias, target in ALIASES.items():
        assert getattr(ember, alias) is getattr(ember, target)
        assert getattr(ember.Tensor, alias) is getattr(ember.Tensor, target)


def test_erfinv_accuracy_and_edges(device):
    y = np.concatenate([np.linspace(-0.999999, 0.999999, 101), [1 - 1e-12, -1 + 1e-12, 0.0]])
    got = ember.erfinv(ember.tensor(y, dtype=ember.float64, device=device))
    np.testing.assert_allclose(to_np(got), sps.erfinv(y), rtol=1e-10, atol=1e-12)
    edge = ember.erfinv(ember.tensor([1.0, -1.0, 1.5, -2.0, np.nan], device=device))
    assert_close(edge, np.array([np.inf, -np.inf, np.nan, np.nan, np.nan], np.float32))


# ------------------------------------------------------------------------------------------------
# Unary ops that keep the input dtype
SAME_UNARY = {"neg": np.negative, "abs": np.abs, "sign": np.sign, "square": np.square,
              "floor": np.floor, "ceil": np.ceil, "trunc": np.trunc, "round": np.round,
              "relu": lambda x: np.maximum(x, 0)}


@pytest.mark.parametrize("name", sorted(SAME_UNARY))
@pytest.mark.parametrize("dtype", FLOATS)
def test_same_dtype_unary_floats(device, name, dtype):
    x = np.array([[-2.5, -1.5, -0.5, 0.0], [0.5, 1.5, 2.5, 3.7], [-3.7, 1e10, -1e-3, 7.0]],
                 _np(dtype))
    for t, xin in _layouts(x, device):
        assert_close(getattr(ember, name)(t), SAME_UNARY[name](xin))
    # NaN: sign gives 0 (as PyTorch), the others propagate it
    n = getattr(ember, name)(ember.tensor([np.nan, np.inf, -np.inf], dtype=dtype, device=device))
    expected = np.array([0.0, 1, -1]) if name == "sign" else \
        SAME_UNARY[name](np.array([np.nan, np.inf, -np.inf]))
    assert_close(n, expected.astype(_np(dtype)))


@pytest.mark.parametrize("name", sorted(SAME_UNARY))
@pytest.mark.parametrize("dtype", INTS)
def test_same_dtype_unary_ints(device, name, dtype):
    info = np.iinfo(_np(dtype))
    x = np.array([info.min, -3, -1, 0, 1, 7, info.max], np.int64)
    x = x[(x >= info.min) & (x <= info.max)].astype(_np(dtype))
    with np.errstate(all="ignore"):
        expected = SAME_UNARY[name](x).astype(_np(dtype))
    r = getattr(ember, name)(ember.tensor(x, device=device))
    assert r.dtype is dtype
    assert_close(r, expected)


def test_int8_abs_and_neg_wrap(device):
    t = ember.tensor([-128, 127], dtype=ember.int8, device=device)
    assert ember.abs(t).tolist() == [-128, 127]
    assert (-t).tolist() == [-128, -127]
    assert ember.neg(ember.tensor([1, 0], dtype=ember.uint8, device=device)).tolist() == [255, 0]


def test_bool_unary_rules(device):
    b = ember.tensor([True, False], device=device)
    with pytest.raises(RuntimeError, match=r"Negation, the `-` operator, on a bool tensor"):
        -b
    with pytest.raises(RuntimeError, match=r"Negation, the `-` operator"):
        b.neg_()
    with pytest.raises(RuntimeError, match="\"abs_cpu\" not implemented for 'Bool'"):
        ember.abs(b)
    for name in ("floor", "ceil", "trunc", "round"):
        with pytest.raises(RuntimeError, match="not implemented for 'Bool'"):
            getattr(ember, name)(b)
    with pytest.raises(RuntimeError, match="Boolean inputs not supported for relu"):
        ember.relu(b)
    with pytest.raises(RuntimeError, match=r"The `\+` operator, on a bool tensor is not supported"):
        +b
    s = ember.sign(b)
    assert s.dtype is ember.bool and s.tolist() == [True, False]
    sq = ember.square(b)                          # square is pow(x, 2): bool -> int64
    assert sq.dtype is ember.int64 and sq.tolist() == [1, 0]
    assert (~b).tolist() == [False, True]


def test_frac(device):
    x = np.array([2.75, -2.75, 0.0, -0.5, np.inf, np.nan], np.float32)
    with np.errstate(invalid="ignore"):
        assert_close(ember.frac(ember.tensor(x, device=device)), x - np.trunc(x))
    for dt in (ember.int64, ember.int32, ember.bool):
        with pytest.raises(RuntimeError, match=r"\"frac_cpu\" not implemented for '(Long|Int|Bool)'"):
            ember.frac(ember.ones(2, dtype=dt, device=device))


@pytest.mark.parametrize("dtype", FLOATS)
def test_round_half_even_and_decimals(device, dtype):
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 1.2345, 12.5, -7.891], _np(dtype))
    t = ember.tensor(x, device=device)
    assert_close(ember.round(t), np.round(x))
    for d in (1, 2, 3, -1, -2):
        assert_close(ember.round(t, decimals=d), np.round(x, d), rtol=1e-6, atol=1e-6)
        assert_close(t.round(decimals=d), np.round(x, d), rtol=1e-6, atol=1e-6)
    big = ember.tensor([1234.5, 1250.0, -1350.0], dtype=dtype, device=device)
    assert ember.round(big, decimals=-2).tolist() == [1200.0, 1200.0, -1400.0]
    u = ember.tensor(x, device=device)
    version = u._version
    assert u.round_(decimals=1) is u and u._version == version + 1
    assert_close(u, np.round(x, 1), rtol=1e-6, atol=1e-6)


def test_round_integers(device):
    i = ember.tensor([-3, 4], device=device)
    assert ember.round(i).tolist() == [-3, 4] and ember.round(i).dtype is ember.int64
    with pytest.raises(RuntimeError, match="\"round_cpu\" not implemented for 'Long'"):
        ember.round(i, decimals=1)


@pytest.mark.parametrize("dtype", FLOATS + [ember.float16])
def test_nan_to_num(device, dtype):
    x = np.array([np.nan, np.inf, -np.inf, 1.5, -0.0], _np(dtype))
    t = ember.tensor(x, device=device)
    assert_close(ember.nan_to_num(t), np.nan_to_num(x))
    assert_close(ember.nan_to_num(t, nan=2.0, posinf=9.0, neginf=-9.0),
                 np.nan_to_num(x, nan=2.0, posinf=9.0, neginf=-9.0))
    assert_close(t.nan_to_num(posinf=1e3), np.nan_to_num(x, posinf=1e3))
    version = t._version
    assert t.nan_to_num_(nan=-1.0) is t and t._version == version + 1
    assert_close(t, np.nan_to_num(x, nan=-1.0))


def test_nan_to_num_integers_unchanged(device):
    i = ember.tensor([1, -2], device=device)
    r = ember.nan_to_num(i, nan=5.0)
    assert r.tolist() == [1, -2] and r.dtype is ember.int64 and r.data_ptr() != i.data_ptr()
    assert i.nan_to_num_() is i and i.tolist() == [1, -2]


def test_logit(device):
    x = np.array([0.0, 0.05, 0.5, 0.9, 1.0, -0.1, np.nan])
    t = ember.tensor(x, dtype=ember.float64, device=device)
    with np.errstate(all="ignore"):
        assert_close(ember.logit(t), sps.logit(x))
        for eps in (0.0, 0.1, 0.25):
            c = np.clip(x, eps, 1 - eps)
            assert_close(ember.logit(t, eps=eps), np.log(c / (1 - c)))
    assert_close(ember.logit(ember.tensor([1, 0], device=device)),
                 np.array([np.inf, -np.inf], np.float32))
    u = ember.tensor([0.25, 0.75], device=device)
    u.logit_(eps=0.3)
    assert_close(u, np.log(np.array([0.3, 0.7]) / np.array([0.7, 0.3])).astype(np.float32))


def test_bitwise_not_and_logical_not(device):
    i = ember.tensor([0, 5, -1], dtype=ember.int32, device=device)
    assert (~i).tolist() == [-1, -6, 0] and ember.bitwise_not(i).dtype is ember.int32
    u = ember.tensor([0, 5], dtype=ember.uint8, device=device)
    assert ember.bitwise_not(u).tolist() == [255, 250]
    assert ember.logical_not(ember.tensor([0.0, -0.5, np.nan], device=device)).tolist() == \
        [True, False, False]
    f = ember.tensor([0.0, 2.0], device=device)
    f.logical_not_()
    assert f.dtype is ember.float32 and f.tolist() == [1.0, 0.0]
    with pytest.raises(RuntimeError, match="\"bitwise_not_cpu\" not implemented for 'Float'"):
        ~ember.ones(2, device=device)
    i.bitwise_not_()
    assert i.tolist() == [-1, -6, 0]


# ------------------------------------------------------------------------------------------------
# Activations
X_ACT = np.array([[-25.0, -5.0, -2.5, -1.0], [-0.3, -0.0, 0.0, 0.3], [1.0, 2.5, 5.0, 25.0]])


def _softplus(x, beta=1.0, threshold=20.0):
    with np.errstate(over="ignore"):
        return np.where(x * beta > threshold, x, np.log1p(np.exp(x * beta)) / beta)


ACTIVATIONS = [
    ("gelu", {}, lambda x: 0.5 * x * (1 + sps.erf(x / math.sqrt(2)))),
    ("gelu", {"approximate": "tanh"},
     lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))),
    ("silu", {}, lambda x: x * sps.expit(x)),
    ("mish", {}, lambda x: x * np.tanh(np.log1p(np.exp(x)))),
    ("softplus", {}, _softplus),
    ("softplus", {"beta": 2.0, "threshold": 4.0}, lambda x: _softplus(x, 2.0, 4.0)),
    ("leaky_relu", {}, lambda x: np.where(x > 0, x, 0.01 * x)),
    ("leaky_relu", {"negative_slope": 0.2}, lambda x: np.where(x > 0, x, 0.2 * x)),
    ("elu", {}, lambda x: np.where(x > 0, x, np.expm1(x))),
    ("elu", {"alpha": 0.5, "scale": 2.0, "input_scale": 1.5},
     lambda x: np.where(x > 0, 2.0 * x, 2.0 * 0.5 * np.expm1(1.5 * x))),
    ("selu", {}, lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x))),
    ("celu", {"alpha": 2.0}, lambda x: np.where(x > 0, x, 2.0 * np.expm1(x / 2.0))),
    ("hardsigmoid", {}, lambda x: np.clip(x + 3, 0, 6) / 6),
    ("hardswish", {}, lambda x: x * np.clip(x + 3, 0, 6) / 6),
    ("softsign", {}, lambda x: x / (1 + np.abs(x))),
    ("threshold", {"threshold": 0.25, "value": -7.0}, lambda x: np.where(x > 0.25, x, -7.0)),
    ("relu", {}, lambda x: np.maximum(x, 0)),
]


@pytest.mark.parametrize("name,kwargs,ref", ACTIVATIONS, ids=[f"{a[0]}-{i}" for i, a in
                                                               enumerate(ACTIVATIONS)])
@pytest.mark.parametrize("dtype", FLOATS)
def test_activations(device, name, kwargs, ref, dtype):
    x = X_ACT.astype(_np(dtype))
    for t, xin in _layouts(x, device):
        got = getattr(ember, name)(t, **kwargs)
        assert got.dtype is dtype
        assert_close(got, ref(xin.astype(np.float64)).astype(_np(dtype)))
    nan = getattr(ember, name)(ember.tensor([np.nan], dtype=dtype, device=device), **kwargs)
    assert np.isnan(to_np(nan)).all() or name == "threshold"
    assert getattr(ember, name)(ember.tensor(1.0, device=device), **kwargs).shape == ()


@pytest.mark.parametrize("name,kwargs,ref", ACTIVATIONS, ids=[f"{a[0]}-{i}" for i, a in
                                                               enumerate(ACTIVATIONS)])
def test_activations_at_infinities(device, name, kwargs, ref):
    x = np.array([np.inf, -np.inf, 0.0, -0.0])
    with np.errstate(all="ignore"):
        expected = ref(x).astype(np.float32)          # the same formulas: -inf * 0 is NaN
    got = getattr(ember, name)(ember.tensor(x, dtype=ember.float32, device=device), **kwargs)
    assert_close(got, expected)


@pytest.mark.parametrize("name", ["gelu", "silu", "mish", "softplus", "leaky_relu", "elu", "selu",
                                  "celu", "hardsigmoid", "hardswish"])
def test_activations_reject_integers(device, name):
    with pytest.raises(RuntimeError, match="not implemented for 'Long'"):
        getattr(ember, name)(ember.tensor([1, -2], device=device))


@pytest.mark.parametrize("dtype", FLOATS)
def test_threshold_compares_in_the_input_dtype(device, dtype):
    # the bound is converted to the tensor's dtype first, so x == threshold is "not above"
    t = ember.tensor([0.3, 0.30001, -1.0], dtype=dtype, device=device)
    assert ember.threshold(t, 0.3, 5.0).tolist()[0] == 5.0
    assert ember.threshold(t, 0.3, 5.0).tolist()[1] != 5.0


def test_integer_friendly_activations(device):
    i = ember.tensor([-3, 0, 2, 5], device=device)
    r = ember.threshold(i, 1, 9)
    assert r.dtype is ember.int64 and r.tolist() == [9, 9, 2, 5]
    assert ember.relu(i).tolist() == [0, 0, 2, 5] and ember.relu(i).dtype is ember.int64
    s = ember.softsign(i)
    assert s.dtype is ember.float32
    assert_close(s, np.array([-0.75, 0, 2 / 3, 5 / 6], np.float32))
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        ember.gelu(ember.ones(2, device=device), approximate="erf")


# ------------------------------------------------------------------------------------------------
# out= and threads
def test_out_argument(device):
    x = ember.tensor([1.0, 2.0], device=device)
    o = ember.empty(2, device=device)
    assert ember.exp(x, out=o) is o
    assert_close(o, np.exp([1.0, 2.0]).astype(np.float32))
    d = ember.empty(2, dtype=ember.float64, device=device)
    assert ember.mul(x, 3, out=d) is d and d.tolist() == [3.0, 6.0]       # cast into out's dtype
    b = ember.empty(2, dtype=ember.bool, device=device)
    assert ember.lt(x, 1.5, out=b) is b and b.tolist() == [True, False]
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output "
                                           "type Long"):
        ember.add(x, 1, out=ember.empty(2, dtype=ember.int64, device=device))
    big = ember.empty(3, device=device)
    with pytest.warns(UserWarning, match="An output with one or more elements was resized"):
        ember.sub(x, 1, out=big)
    assert big.shape == (2,) and big.tolist() == [0.0, 1.0]
    same = ember.tensor([4.0, 9.0], device=device)
    assert ember.sqrt(same, out=same) is same and same.tolist() == [2.0, 3.0]
    r = ember.round(ember.tensor([1.26], device=device), decimals=1, out=o[:1] if hasattr(
        ember.Tensor, "__getitem__") else ember.empty(1, device=device))
    assert abs(r.tolist()[0] - 1.3) < 1e-6


def test_thread_count_does_not_change_results():
    x = np.linspace(-3, 3, 200_003)
    n = ember.get_num_threads()
    try:
        ember.set_num_threads(1)
        one = ember.tanh(ember.tensor(x)).numpy().copy()
        ember.set_num_threads(max(2, n))
        many = ember.tanh(ember.tensor(x)).numpy().copy()
    finally:
        ember.set_num_threads(n)
    assert np.array_equal(one, many)
    with pytest.raises(ValueError, match="positive"):
        ember.set_num_threads(0)


def test_clamp_and_threshold_convert_scalar_bounds_like_pytorch(device):
    # bounds are converted to the computation dtype with PyTorch's range check; uint8 accepts
    # small negatives by wrapping them (-1 -> 255)
    u = ember.tensor([1, 200], dtype=ember.uint8, device=device)
    assert ember.clamp(u, 0, 100).tolist() == [1, 100]
    assert ember.clamp(u, min=-1).tolist() == [255, 255]
    with pytest.raises(RuntimeError, match="value cannot be converted to type int8_t without "
                                           "overflow"):
        ember.clamp(ember.tensor([1], dtype=ember.int8, device=device), -1000)
    with pytest.raises(RuntimeError, match="value cannot be converted to type at::Half without "
                                           "overflow"):
        ember.clamp(ember.ones(2, dtype=ember.float16, device=device), -1e6, 1e6)
    with pytest.raises(RuntimeError, match="without overflow"):
        ember.threshold(ember.tensor([1], dtype=ember.int8, device=device), 300, 0)
    assert ember.threshold(ember.tensor([1, 5], dtype=ember.int8, device=device), 2.7,
                           -3).tolist() == [-3, 5]
    # a NaN bound makes everything NaN
    nan = ember.clamp(ember.tensor([1.0, -2.0], device=device), float("nan"), 1.0)
    assert np.isnan(to_np(nan)).all()
    assert np.isnan(to_np(ember.clamp(ember.tensor([3], device=device), max=float("nan")))).all()
