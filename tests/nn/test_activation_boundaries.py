"""Activation functions at their kinks, bounds and NaN: values and gradients equal PyTorch's.

Every expected value below was read off torch 2.13 (float64, CPU), one point at a time: e.g.
torch's hardtanh_backward gives 0 at x == min_val or max_val while clamp passes the gradient there.
At NaN, Ember follows the formulas of torch's scalar kernels (threshold_backward, elu_backward,
hardtanh_backward: the `x <= bound` test is false, so the gradient passes); torch's vectorized
paths disagree among themselves there (hardtanh gives 0 for some lengths, elu NaN for others).
"""
import math

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember import nn
from ember.autograd import gradcheck, gradgradcheck
from conftest import to_np

nan, inf = math.nan, math.inf

# (name, f, points, torch's f(points), torch's d f / d x at the points)
CASES = [
    ("hardtanh", lambda x: F.hardtanh(x),
     [-inf, -1.5, -1.0, 0.0, 1.0, 1.5, inf, nan],
     [-1.0, -1.0, -1.0, 0.0, 1.0, 1.0, 1.0, nan],
     [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]),
    ("hardtanh(-2,3)", lambda x: F.hardtanh(x, -2., 3.),
     [-2.0, 0.5, 3.0],
     [-2.0, 0.5, 3.0],
     [0.0, 1.0, 0.0]),
    ("hardtanh(.5,.5)", lambda x: F.hardtanh(x, 0.5, 0.5),
     [0.0, 0.5, 1.0],
     [0.5, 0.5, 0.5],
     [0.0, 0.0, 0.0]),
    ("relu6", lambda x: F.relu6(x),
     [-1.0, -0.0, 0.0, 3.0, 6.0, 7.0, nan],
     [0.0, -0.0, 0.0, 3.0, 6.0, 6.0, nan],
     [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0]),
    ("clamp", lambda x: ember.clamp(x, -1, 1),
     [-2.0, -1.0, 0.0, 1.0, 2.0, nan],
     [-1.0, -1.0, 0.0, 1.0, 1.0, nan],
     [0.0, 1.0, 1.0, 1.0, 0.0, 0.0]),
    ("clamp(1,0)", lambda x: ember.clamp(x, 1, 0),
     [-1.0, 0.0, 0.5, 1.0, 2.0],
     [0.0, 0.0, 0.0, 0.0, 0.0],
     [0.0, 0.0, 0.0, 0.0, 0.0]),
    ("clamp_min", lambda x: ember.clamp_min(x, 0.),
     [-1.0, 0.0, 1.0],
     [0.0, 0.0, 1.0],
     [0.0, 1.0, 1.0]),
    ("clamp_max", lambda x: ember.clamp_max(x, 0.),
     [-1.0, 0.0, 1.0],
     [-1.0, 0.0, 0.0],
     [1.0, 1.0, 0.0]),
    ("hardsigmoid", lambda x: F.hardsigmoid(x),
     [-inf, -3.0, 0.0, 3.0, inf, nan],
     [0.0, 0.0, 0.5, 1.0, 1.0, nan],
     [0.0, 0.0, 0.1666666716337204, 0.0, 0.0, 0.0]),
    ("hardswish", lambda x: F.hardswish(x),
     [-inf, -4.0, -3.0, 0.0, 3.0, 4.0, nan],
     [nan, -0.0, -0.0, 0.0, 3.0, 4.0, nan],
     [0.0, 0.0, 0.0, 0.5, 1.0, 1.0, 1.0]),
    ("threshold", lambda x: F.threshold(x, 1., 5.),
     [0.0, 1.0, 2.0],
     [5.0, 5.0, 2.0],
     [0.0, 0.0, 1.0]),
    ("relu", lambda x: F.relu(x),
     [-1.0, -0.0, 0.0, 1.0, inf, nan],
     [0.0, -0.0, 0.0, 1.0, inf, nan],
     [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]),
    ("leaky_relu", lambda x: F.leaky_relu(x),
     [-1.0, 0.0, 1.0, nan],
     [-0.01, 0.0, 1.0, nan],
     [0.01, 0.01, 1.0, 0.01]),
    ("leaky_relu(-0.5)", lambda x: F.leaky_relu(x, -0.5),
     [-1.0, 0.0, 1.0],
     [0.5, -0.0, 1.0],
     [-0.5, -0.5, 1.0]),
    ("elu", lambda x: F.elu(x),
     [-inf, -1.0, 0.0, 1.0, nan],
     [-1.0, -0.6321205588285577, 0.0, 1.0, nan],
     [0.0, 0.36787944117144233, 1.0, 1.0, 1.0]),
    ("selu", lambda x: F.selu(x),
     [-1.0, 0.0, 1.0, nan],
     [-1.1113307378125625, 0.0, 1.0507009873554805, nan],
     [0.646768603034814, 1.7580993408473766, 1.0507009873554805, 1.0507009873554805]),
    ("celu", lambda x: F.celu(x, 2.),
     [-1.0, 0.0, 1.0, nan],
     [-0.7869386805747332, 0.0, 1.0, nan],
     [0.6065306597126334, 1.0, 1.0, 1.0]),
    ("softplus", lambda x: F.softplus(x, 2., 6.),
     [2.9, 3.0, 3.1],
     [2.9015114904654156, 3.001237842568865, 3.1],
     [0.9969815836752915, 0.9975273768433652, 1.0]),
    ("hardshrink", lambda x: F.hardshrink(x),
     [-1.0, -0.5, 0.0, 0.5, 1.0, nan],
     [-1.0, 0.0, 0.0, 0.0, 1.0, nan],
     [1.0, 0.0, 0.0, 0.0, 1.0, 1.0]),
    ("softshrink", lambda x: F.softshrink(x),
     [-1.0, -0.5, 0.0, 0.5, 1.0, nan],
     [-0.5, -0.0, 0.0, 0.0, 0.5, nan],
     [1.0, 0.0, 0.0, 0.0, 1.0, 1.0]),
    ("logsigmoid", lambda x: F.logsigmoid(x),
     [-inf, -800.0, -1.0, -0.0, 0.0, 1.0, 800.0, inf, nan],
     [-inf, -800.0, -1.3132616875182228, -0.6931471805599453, -0.6931471805599453, -0.31326168751822286, 0.0, 0.0, nan],
     [1.0, 1.0, 0.7310585786300049, 0.5, 0.5, 0.2689414213699951, 0.0, 0.0, nan]),
    ("rrelu", lambda x: F.rrelu(x, 0.2, 0.2, training=True),
     [-1.0, -0.0, 0.0, 1.0, nan],
     [-0.2, -0.0, 0.0, 1.0, nan],
     [0.2, 0.2, 0.2, 1.0, 1.0]),
    ("prelu", lambda x: F.prelu(x, ember.tensor([0.25], dtype=x.dtype, device=x.device)),
     [-1.0, 0.0, 1.0, nan],
     [-0.25, 0.0, 1.0, nan],
     [0.25, 0.25, 1.0, 0.25]),
]


def _dtypes(device):
    return (ember.float32, ember.float64) if device == "cpu" else (ember.float32,)


def _check(got, want, dtype):
    rtol = 1e-6 if dtype is ember.float64 else 2e-6
    np.testing.assert_allclose(to_np(got).astype(np.float64), np.array(want), rtol=rtol,
                               atol=1e-7, equal_nan=True)


@pytest.mark.parametrize("name,f,points,values,grads", CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients_at_boundaries(device, name, f, points, values, grads):
    for dt in _dtypes(device):
        x = ember.tensor(points, dtype=dt, device=device, requires_grad=True)
        y = f(x)
        y.backward(ember.ones_like(y))
        _check(y, values, dt)
        _check(x.grad, grads, dt)


INPLACE = [lambda x: F.hardtanh_(x), lambda x: F.hardtanh(x, inplace=True),
           lambda x: F.relu6(x, inplace=True), lambda x: nn.Hardtanh(inplace=True)(x),
           lambda x: nn.ReLU6(inplace=True)(x), lambda x: nn.ReLU6()(x), lambda x: nn.Hardtanh()(x)]


@pytest.mark.parametrize("k", range(len(INPLACE)))
def test_hardtanh_forms_share_the_boundary_gradient(device, k):
    f = INPLACE[k]
    relu6 = k in (2, 4, 5)
    pts = [-1.0, 0.0, 3.0, 6.0, 7.0] if relu6 else [-1.5, -1.0, 0.0, 1.0, 1.5]
    want = [0.0, 0.0, 1.0, 0.0, 0.0]       # torch: 0 at both bounds, 1 between them
    x = ember.tensor(pts, device=device, requires_grad=True)
    y = f(x * 1)                     # a non-leaf, so the in-place forms may write it
    y.sum().backward()
    _check(x.grad, want, ember.float32)
    _check(y, np.clip(pts, 0.0 if relu6 else -1.0, 6.0 if relu6 else 1.0), ember.float32)


def test_hardtanh_node_dtypes_and_errors(device):
    x = ember.tensor([-1.0, 0.5], device=device, requires_grad=True)
    assert type(F.hardtanh(x).grad_fn).__name__ == "HardtanhBackward0"
    assert type(F.logsigmoid(x).grad_fn).__name__ == "LogSigmoidBackward0"
    # integer inputs keep their dtype, the bounds truncated as a C cast (torch: [-1, 0, 2])
    got = F.hardtanh(ember.tensor([-2, 0, 3], device=device), -1.5, 2.5)
    assert got.dtype is ember.int64 and got.tolist() == [-1, 0, 2]
    got = F.relu6(ember.tensor([254, 0, 7], dtype=ember.uint8, device=device))
    assert got.dtype is ember.uint8 and got.tolist() == [6, 0, 6]
    t = ember.tensor([-2, 0, 3], device=device)
    assert F.hardtanh_(t) is t and t.tolist() == [-1, 0, 1]
    with pytest.raises(RuntimeError, match="^Bool inputs not supported for hardtanh$"):
        F.hardtanh(ember.tensor([True, False], device=device))
    with pytest.raises(ValueError, match="^min_val cannot be greater than max_val$"):
        F.hardtanh(x, 2.0, 1.0)
    with pytest.raises(TypeError, match=r"^hardtanh\(\): argument 'input' \(position 1\) must be "
                                        r"Tensor, not list$"):
        F.hardtanh([1.0])
    y = ember.tensor([-3.0, 0.5, 2.0], device=device, requires_grad=True) * 1
    with ember.no_grad():
        assert F.hardtanh_(y) is y                   # no graph: plain clamp_ in place
    assert y.tolist() == [-1.0, 0.5, 1.0]


def test_double_backward():
    x = ember.tensor([-1.7, -0.3, 0.4, 0.9, 2.5], dtype=ember.float64, requires_grad=True)
    for f in (F.hardtanh, lambda t: F.hardtanh(t, -0.5, 2.0), F.logsigmoid, F.relu6, F.hardswish,
              F.elu, F.selu, lambda t: F.celu(t, 2.0), F.hardshrink,
              lambda t: F.threshold(t, 0.1, 2.0)):
        assert gradcheck(f, (x,))
        assert gradgradcheck(f, (x,))


def test_threshold_keeps_nan(device):
    # PyTorch's `x <= threshold ? value : x`: NaN stays NaN, and its gradient passes
    x = ember.tensor([nan, 0.0, 2.0], device=device, requires_grad=True)
    got = F.threshold(x, 1.0, 5.0)
    assert math.isnan(got.tolist()[0]) and got.tolist()[1:] == [5.0, 2.0]
    got.sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 1.0]


@pytest.mark.parametrize("fn", ["maximum", "minimum", "fmax", "fmin"])
def test_binary_min_max_gradients_at_nan_and_ties(device, fn):
    # torch's formulas: maximum/minimum halve a tie and pass a NaN pair's gradient to both;
    # fmax/fmin pass it to the operand they return (self on a tie or when both are NaN)
    want = {"maximum": ([1, 1, .5, 1, 1, 0], [1, 1, .5, 1, 0, 1]),
            "minimum": ([1, 1, .5, 1, 0, 1], [1, 1, .5, 1, 1, 0]),
            "fmax": ([0, 1, 1, 1, 1, 0], [1, 0, 0, 0, 0, 1]),
            "fmin": ([0, 1, 1, 1, 0, 1], [1, 0, 0, 0, 1, 0])}[fn]
    a = ember.tensor([nan, 1.0, 2.0, nan, 3.0, 0.0], device=device, requires_grad=True)
    b = ember.tensor([1.0, nan, 2.0, nan, 1.0, 5.0], device=device, requires_grad=True)
    getattr(ember, fn)(a, b).sum().backward()
    assert a.grad.tolist() == want[0] and b.grad.tolist() == want[1]
