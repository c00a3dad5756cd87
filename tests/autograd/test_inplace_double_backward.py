"""Second derivatives through in-place ops that save the input's old value."""
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck


@pytest.mark.parametrize("op", ["sin_", "exp_", "digamma_", "lgamma_"])
def test_gradgradcheck_through_unary_inplace(device, op):
    x = (ember.rand(5, dtype=ember.float64, device=device) + 0.5).requires_grad_()

    def f(x):
        y = x * 1.0                    # a non-leaf to modify in place
        return getattr(y, op)()
    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))


def test_gradgradcheck_through_mul_inplace(device):
    x = ember.randn(4, dtype=ember.float64, device=device, requires_grad=True)
    w = ember.randn(4, dtype=ember.float64, device=device, requires_grad=True)

    def f(x, w):
        y = x * 1.0
        return y.mul_(w).mul_(w + 2)
    assert gradgradcheck(f, (x, w))


def test_tensor_where_method_order(device):
    x = ember.tensor([0.5, 2.0, 3.0], device=device, requires_grad=True)
    y = x.where(x > 1, 0.0)
    assert y.detach().cpu().tolist() == [0.0, 2.0, 3.0]
    y.sum().backward()
    assert x.grad.cpu().tolist() == [0.0, 1.0, 1.0]
