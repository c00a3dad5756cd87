"""Custom autograd Functions, gradcheck and ember.autograd.functional."""
import numpy as np
import pytest

import ember
from ember import autograd
from conftest import assert_close


def t64(x, device="cpu", rg=True):
    return ember.tensor(np.asarray(x, dtype=np.float64), device=device, requires_grad=rg)


class Cube(autograd.Function):
    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(x)
        ctx.k = k
        return x * x * x * k

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x * x * ctx.k, None


def test_custom_function_forward_backward(device):
    x = t64([1.0, 2.0], device)
    y = Cube.apply(x, 2.0)
    assert y.grad_fn.name() == "CubeBackward"
    y.sum().backward()
    assert_close(x.grad, 6 * np.array([1.0, 4.0]))


def test_custom_function_gradcheck_and_double_backward(device):
    x = t64([0.7, -1.3], device)
    assert autograd.gradcheck(lambda a: Cube.apply(a, 1.5), (x,))
    assert autograd.gradgradcheck(lambda a: Cube.apply(a, 1.5), (x,))


def test_needs_input_grad_and_non_differentiable(device):
    seen = {}

    class F(autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            seen["needs"] = ctx.needs_input_grad
            idx = (a > 0)
            ctx.mark_non_differentiable(idx)
            return a * b, idx

        @staticmethod
        def backward(ctx, g, g_idx):
            return g, None

    a = t64([1.0, -1.0], device)
    b = ember.tensor([2.0, 2.0], dtype=ember.float64, device=device)
    out, idx = F.apply(a, b)
    assert seen["needs"] == (True, False)
    assert not idx.requires_grad
    out.sum().backward()
    assert_close(a.grad, np.ones(2))


def test_mark_dirty_inplace(device):
    class AddOne(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    a = t64([1.0], device)
    b = a * 1
    c = AddOne.apply(b)
    assert c is b
    (c * 2).sum().backward()
    assert_close(a.grad, np.array([2.0]))


def test_once_differentiable(device):
    class Sq(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @autograd.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = t64([3.0], device)
    (g,) = autograd.grad(Sq.apply(x).sum(), x, create_graph=True)
    assert not g.requires_grad


def test_gradcheck_detects_wrong_gradient(device):
    class Wrong(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3

    x = t64([1.0, 2.0], device)
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        autograd.gradcheck(Wrong.apply, (x,))
    assert autograd.gradcheck(Wrong.apply, (x,), raise_exception=False) is False


def test_functional_jacobian_hessian_vjp_jvp(device):
    from ember.autograd import functional as F
    x = t64([0.5, -0.2, 1.0], device, rg=False)
    J = F.jacobian(lambda a: ember.sin(a) * 2, x)
    assert_close(J, np.diag(2 * np.cos([0.5, -0.2, 1.0])))
    A = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0]])
    An = ember.tensor(A, device=device)
    H = F.hessian(lambda a: (a * (An * a.reshape(1, 3)).sum(1)).sum(), x)
    assert_close(H, 2 * A)
    v = ember.tensor([1.0, 0.0, 2.0], dtype=ember.float64, device=device)
    out, vj = F.vjp(lambda a: a * a, x, v)
    assert_close(vj, 2 * np.array([0.5, -0.2, 1.0]) * np.array([1.0, 0.0, 2.0]))
    out, jv = F.jvp(lambda a: a * a, x, v)
    assert_close(jv, 2 * np.array([0.5, -0.2, 1.0]) * np.array([1.0, 0.0, 2.0]))


def test_non_differentiable_input_returned_as_is(device):
    class PassThrough(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_non_differentiable(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    x = t64([1.0], device)
    y = PassThrough.apply(x)
    assert not y.requires_grad and y.grad_fn is None
