"""ember.nn.init: gains, fan computations, distributions (moments and bounds), determinism under
a Generator, no_grad on parameters, and the deprecated aliases."""
import math
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.nn import init

from conftest import to_np


def test_calculate_gain():
    for name in ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                 "conv_transpose3d", "sigmoid"):
        assert init.calculate_gain(name) == 1
    assert init.calculate_gain("tanh") == 5.0 / 3
    assert init.calculate_gain("relu") == math.sqrt(2.0)
    assert init.calculate_gain("leaky_relu") == math.sqrt(2.0 / (1 + 0.01 ** 2))
    assert init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2.0 / 1.04)
    assert init.calculate_gain("leaky_relu", 1) == 1.0
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="negative_slope True not a valid number"):
        init.calculate_gain("leaky_relu", True)
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        init.calculate_gain("foo")


def test_fan_in_and_fan_out():
    assert init._calculate_fan_in_and_fan_out(ember.empty(4, 3)) == (3, 4)
    assert init._calculate_fan_in_and_fan_out(ember.empty(16, 8, 3, 5)) == (8 * 15, 16 * 15)
    assert init._calculate_fan_in_and_fan_out(ember.empty(6, 2, 7)) == (14, 42)
    with pytest.raises(ValueError, match="Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(ember.empty(5))
    with pytest.raises(ValueError, match="Mode fan_avg not supported, please use one of \\['fan_in', 'fan_out'\\]"):
        init.kaiming_uniform_(ember.empty(3, 3), mode="fan_avg")


def _stats(t):
    a = to_np(t).astype(np.float64).ravel()
    return a.mean(), a.std(), a.min(), a.max()


def test_uniform_normal_constant(device):
    t = ember.empty(200, 200, device=device)
    mean, std, lo, hi = _stats(init.uniform_(t, -2.0, 3.0))
    assert lo >= -2 and hi <= 3 and abs(mean - 0.5) < 0.03 and abs(std - 5 / math.sqrt(12)) < 0.02
    mean, std, _, _ = _stats(init.normal_(t, 1.5, 0.5))
    assert abs(mean - 1.5) < 0.01 and abs(std - 0.5) < 0.01
    assert np.all(to_np(init.constant_(t, 0.3)) == np.float32(0.3))
    assert np.all(to_np(init.ones_(t)) == 1) and np.all(to_np(init.zeros_(t)) == 0)
    assert init.uniform_(t) is t


def test_eye_and_dirac(device):
    e = init.eye_(ember.empty(3, 5, device=device))
    np.testing.assert_array_equal(to_np(e), np.eye(3, 5, dtype=np.float32))
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(ember.empty(2, 2, 2))
    d = to_np(init.dirac_(ember.empty(4, 2, 3, 3, device=device)))
    expected = np.zeros((4, 2, 3, 3), np.float32)
    expected[0, 0, 1, 1] = expected[1, 1, 1, 1] = 1
    np.testing.assert_array_equal(d, expected)
    d2 = to_np(init.dirac_(ember.empty(4, 2, 3, device=device), groups=2))
    expected = np.zeros((4, 2, 3), np.float32)
    expected[0, 0, 1] = expected[1, 1, 1] = expected[2, 0, 1] = expected[3, 1, 1] = 1
    np.testing.assert_array_equal(d2, expected)
    with pytest.raises(ValueError, match="Only tensors with 3, 4, or 5 dimensions are supported"):
        init.dirac_(ember.empty(2, 2))
    with pytest.raises(ValueError, match="dim 0 must be divisible by groups"):
        init.dirac_(ember.empty(3, 2, 3), groups=2)


def test_xavier(device):
    t = ember.empty(300, 200, device=device)
    a = 2.0 * math.sqrt(6.0 / 500)
    mean, std, lo, hi = _stats(init.xavier_uniform_(t, gain=2.0))
    assert lo >= -a and hi <= a and hi > 0.98 * a and abs(std - a / math.sqrt(3)) < 0.01 * a
    mean, std, _, _ = _stats(init.xavier_normal_(t))
    assert abs(std - math.sqrt(2.0 / 500)) < 0.01 * math.sqrt(2.0 / 500) and abs(mean) < 0.002


@pytest.mark.parametrize("mode,nonlinearity,a", [("fan_in", "relu", 0), ("fan_out", "leaky_relu", 0.1),
                                                 ("fan_in", "leaky_relu", math.sqrt(5)), ("fan_out", "tanh", 0)])
def test_kaiming(mode, nonlinearity, a, device):
    ember.manual_seed(7)        # a fixed draw: the 2% bounds are ~3-4 sigma of 18432 samples
    t = ember.empty(64, 32, 3, 3, device=device)
    fan = 32 * 9 if mode == "fan_in" else 64 * 9
    std = init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    m, s, lo, hi = _stats(init.kaiming_uniform_(t, a=a, mode=mode, nonlinearity=nonlinearity))
    bound = math.sqrt(3.0) * std
    assert lo >= -bound and hi <= bound and abs(s - std) < 0.02 * std
    m, s, _, _ = _stats(init.kaiming_normal_(t, a=a, mode=mode, nonlinearity=nonlinearity))
    assert abs(s - std) < 0.02 * std and abs(m) < 0.02 * std


def test_zero_element_warns():
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_uniform_(ember.empty(0, 3))
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_normal_(ember.empty(3, 0))


def _truncnorm_moments(mean, std, a, b):
    alpha, beta = (a - mean) / std, (b - mean) / std
    phi = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    Phi = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))
    z = Phi(beta) - Phi(alpha)
    m = mean + std * (phi(alpha) - phi(beta)) / z
    var = std ** 2 * (1 + (alpha * phi(alpha) - beta * phi(beta)) / z - ((phi(alpha) - phi(beta)) / z) ** 2)
    return m, math.sqrt(var)


@pytest.mark.parametrize("mean,std,a,b", [(0.0, 1.0, -2.0, 2.0), (0.0, 0.02, -0.04, 0.04), (1.0, 2.0, 0.0, 1.5),
                                          (0.0, 1.0, 2.0, 4.0)])
def test_trunc_normal(mean, std, a, b, device):
    t = ember.empty(400, 250, device=device)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m, s, lo, hi = _stats(init.trunc_normal_(t, mean, std, a, b))
    em, es = _truncnorm_moments(mean, std, a, b)
    assert lo >= a and hi <= b
    assert abs(m - em) < 0.01 * (b - a) and abs(s - es) < 0.02 * es


def test_trunc_normal_warns_far_mean():
    with pytest.warns(UserWarning, match="mean is more than 2 std from \\[a, b\\] in nn.init.trunc_normal_"):
        init.trunc_normal_(ember.empty(10), mean=5.0, std=1.0, a=-1.0, b=1.0)


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (6, 2, 2, 2)])
def test_orthogonal(shape, device):
    t = init.orthogonal_(ember.empty(*shape, dtype=ember.float64, device=device), gain=2.0)
    q = to_np(t).reshape(shape[0], -1) / 2.0
    rows, cols = q.shape
    gram = q.T @ q if rows >= cols else q @ q.T
    np.testing.assert_allclose(gram, np.eye(min(rows, cols)), atol=1e-10)
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions are supported"):
        init.orthogonal_(ember.empty(3))


def test_sparse(device):
    t = init.sparse_(ember.empty(20, 6, device=device), sparsity=0.3, std=0.5)
    zeros = (to_np(t) == 0).sum(0)
    np.testing.assert_array_equal(zeros, np.full(6, 6))
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.sparse_(ember.empty(2, 2, 2), 0.5)


@pytest.mark.parametrize("fn", [lambda t, g: init.uniform_(t, generator=g), lambda t, g: init.normal_(t, generator=g),
                                lambda t, g: init.xavier_uniform_(t, generator=g),
                                lambda t, g: init.kaiming_normal_(t, generator=g),
                                lambda t, g: init.trunc_normal_(t, generator=g),
                                lambda t, g: init.orthogonal_(t, generator=g)])
def test_generator_determinism(fn, device):
    g = ember.Generator(device).manual_seed(123)
    a = to_np(fn(ember.empty(6, 4, device=device), g)).copy()
    g.manual_seed(123)
    b = to_np(fn(ember.empty(6, 4, device=device), g))
    np.testing.assert_array_equal(a, b)


def test_init_on_parameters_is_no_grad():
    p = nn.Parameter(ember.empty(4, 3))
    for f in (init.uniform_, init.normal_, init.xavier_uniform_, init.kaiming_uniform_, init.ones_, init.zeros_,
              init.trunc_normal_, init.orthogonal_, init.eye_, lambda t: init.constant_(t, 2.0),
              lambda t: init.sparse_(t, 0.5)):
        out = f(p)
        assert out is p and p.grad_fn is None and p.requires_grad and p.is_leaf


def test_deprecated_aliases():
    with pytest.warns(FutureWarning, match="`nn.init.normal` is now deprecated in favor of `nn.init.normal_`."):
        init.normal(ember.empty(2))
    with pytest.warns(FutureWarning, match="`nn.init.xavier_uniform` is now deprecated"):
        init.xavier_uniform(ember.empty(2, 2))
