"""The training-step fast paths (issue #5): F.linear's one-node 2-D path, ReLU's backward and the
2x2 max-pool kernel, each against a NumPy / float64 oracle on every device."""
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.autograd import gradcheck, gradgradcheck
from conftest import assert_close, to_np

rng = np.random.default_rng(5)


def make(a, device, requires_grad=False):
    return ember.tensor(a, device=device, requires_grad=requires_grad)


# -- linear ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_2d_values_and_grads(device, dtype, with_bias):
    x, w, b = (rng.standard_normal(s).astype(dtype) for s in [(5, 7), (3, 7), (3,)])
    g = rng.standard_normal((5, 3)).astype(dtype)
    tx, tw = make(x, device, True), make(w, device, True)
    tb = make(b, device, True) if with_bias else None
    out = F.linear(tx, tw, tb)
    assert_close(out, x @ w.T + (b if with_bias else 0))
    assert out.grad_fn.name() == "AddmmBackward0"
    out.backward(make(g, device))
    assert_close(tx.grad, g @ w)
    assert_close(tw.grad, g.T @ x)
    assert tw.grad.is_contiguous()
    if with_bias:
        assert_close(tb.grad, g.sum(0))


def test_linear_2d_noncontiguous_operands(device):
    x = rng.standard_normal((7, 5)).astype(np.float32)       # used transposed: (5, 7)
    w = rng.standard_normal((7, 3)).astype(np.float32)       # used transposed: (3, 7)
    b = rng.standard_normal((6,)).astype(np.float32)         # every other element
    tx, tw, tb = make(x, device, True), make(w, device, True), make(b, device, True)
    out = F.linear(tx.t(), tw.t(), tb[::2])
    assert_close(out, x.T @ w + b[::2])
    out.sum().backward()
    assert_close(tx.grad, (np.ones((5, 3), np.float32) @ w.T).T)
    assert_close(tw.grad, (np.ones((3, 5), np.float32) @ x.T).T)
    assert_close(tb.grad, np.array([5, 0, 5, 0, 5, 0], np.float32))


@pytest.mark.parametrize("bias_shape", [(), (1,)])
def test_linear_2d_broadcast_bias(device, bias_shape):
    x, w = rng.standard_normal((4, 3)), rng.standard_normal((2, 3))
    b = rng.standard_normal(bias_shape)
    tb = make(b, device, True)
    out = F.linear(make(x, device), make(w, device), tb)
    assert_close(out, x @ w.T + b)
    out.sum().backward()
    assert_close(tb.grad, np.full(bias_shape, 8.0))


@pytest.mark.parametrize("shapes", [((0, 3), (2, 3)), ((4, 0), (2, 0)), ((4, 3), (0, 3))])
def test_linear_2d_empty(device, shapes):
    (xs, ws) = shapes
    tx, tw = make(np.ones(xs), device, True), make(np.ones(ws), device, True)
    out = F.linear(tx, tw, make(np.ones(ws[0]), device))
    assert_close(out, np.ones((xs[0], ws[0])))
    out.sum().backward()
    assert_close(tw.grad, np.full(ws, float(xs[0])))


@pytest.mark.parametrize("args, msg", [
    (((2, 3), (4, 5), None), r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 5x4\)"),
    (((2, 3), (4, 3), (5,)), r"The expanded size of the tensor \(4\) must match the existing size \(5\)"),
])
def test_linear_2d_shape_errors(device, args, msg):
    xs, ws, bs = args
    b = make(np.zeros(bs, np.float32), device) if bs else None
    with pytest.raises(RuntimeError, match=msg):
        F.linear(make(np.zeros(xs, np.float32), device, True), make(np.zeros(ws, np.float32), device), b)


def test_linear_2d_dtype_errors(device):
    x = make(np.zeros((2, 3), np.float32), device, True)
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype, but got: float != double"):
        F.linear(x, make(np.zeros((4, 3)), device))
    with pytest.raises(RuntimeError, match="self and mat2 must have the same dtype, but got Double and Float"):
        F.linear(x, make(np.zeros((4, 3), np.float32), device), make(np.zeros(4), device))


def test_linear_2d_double_backward(device):
    x, w, b = (make(rng.standard_normal(s), device, True) for s in [(3, 4), (2, 4), (2,)])
    assert gradcheck(F.linear, (x, w, b))
    assert gradgradcheck(F.linear, (x, w, b))
    assert gradgradcheck(lambda x, w: F.linear(x, w), (x, w))


# -- relu's backward ------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_relu_backward_mask(device, dtype):
    x = np.array([-2.0, -0.0, 0.0, 1e-3, 3.0, np.nan, -np.inf, np.inf], dtype)
    g = np.array([np.inf, 1.0, 2.0, 3.0, 4.0, 5.0, np.nan, 6.0], dtype)
    tx = make(x, device, True)
    F.relu(tx).backward(make(g, device))
    # threshold_backward(g, relu(x), 0): zero where the output is <= 0, whatever g holds (inf, NaN)
    assert_close(tx.grad, np.array([0, 0, 0, 3, 4, 5, 0, 6], dtype))


def test_relu_backward_noncontiguous_and_double(device):
    x = rng.standard_normal((4, 6))
    tx = make(x, device, True)
    y = F.relu(tx[:, ::2])
    gy = make(rng.standard_normal((3, 4)), device).t()           # a transposed gradient
    y.backward(gy)
    expect = np.zeros_like(x)
    expect[:, ::2] = np.where(x[:, ::2] > 0, to_np(gy), 0)
    assert_close(tx.grad, expect)
    x2 = make(rng.standard_normal((3, 3)) + 0.5, device, True)
    assert gradgradcheck(lambda t: F.relu(t) * t, (x2,))


# -- max_pool2d(2): the unrolled 2x2 kernel -----------------------------------------------------
def _ref_pool2x2(x, stride):
    """Values and flat in-plane indices of 2x2 windows at `stride`: the first maximum, NaN wins
    (the last NaN of the scan order, as PyTorch)."""
    P, H, W = x.shape
    OH, OW = (H - 2) // stride + 1, (W - 2) // stride + 1
    vals, idx = np.empty((P, OH, OW), x.dtype), np.empty((P, OH, OW), np.int64)
    for p in range(P):
        for i in range(OH):
            for j in range(OW):
                best, m = None, -np.inf
                for di in range(2):
                    for dj in range(2):
                        r, c = i * stride + di, j * stride + dj
                        v = x[p, r, c]
                        if best is None or v > m or np.isnan(v):
                            best, m = r * W + c, v
                vals[p, i, j], idx[p, i, j] = m, best
    return vals, idx


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size, stride", [((6, 8), 2), ((7, 5), 2), ((5, 6), 1), ((2, 2), 2)])
def test_max_pool_2x2_values_indices_grad(device, dtype, size, stride):
    x = rng.integers(-3, 3, (2, 3) + size).astype(dtype)     # many ties
    x[0, 0, 0, :2] = np.nan
    x[1, 2, -1, -1] = np.nan
    tx = make(x, device, True)
    v, i = F.max_pool2d(tx, 2, stride=stride, return_indices=True)
    rv, ri = _ref_pool2x2(x.reshape((-1,) + size), stride)
    assert_close(v, rv.reshape(v.shape))
    assert_close(i, ri.reshape(i.shape))
    g = rng.standard_normal(v.shape).astype(dtype)
    v.backward(make(g, device))
    expect = np.zeros((6, size[0] * size[1]), dtype)
    for p, (gp, ip) in enumerate(zip(g.reshape(6, -1), ri.reshape(6, -1))):
        np.add.at(expect[p], ip, gp)
    assert_close(tx.grad, expect.reshape(x.shape))


def test_max_pool_2x2_noncontiguous(device):
    x = rng.standard_normal((2, 8, 6, 3)).astype(np.float32)
    t = make(x, device).permute(0, 3, 1, 2)                  # (2, 3, 8, 6), channels-last strides
    v = F.max_pool2d(t, 2)
    rv, _ = _ref_pool2x2(np.ascontiguousarray(x.transpose(0, 3, 1, 2)).reshape(6, 8, 6), 2)
    assert_close(v, rv.reshape(2, 3, 4, 3))
