"""Custom autograd Functions: a stable softplus checked with gradcheck, and a straight-through
estimator that trains a linear model whose weights are rounded in the forward pass.

    python examples/custom_function.py             # a second or two
    python examples/custom_function.py --steps 20  # shorter training

``ember.autograd.Function`` works as ``torch.autograd.Function``: a ``forward(ctx, ...)`` that
computes the result (outside autograd) and saves what the backward needs, and a
``backward(ctx, grad_output)`` returning one gradient per input. Writing the backward with ember
ops makes it differentiable again (``create_graph=True``), which ``gradgradcheck`` verifies.
"""
import argparse
import sys

import ember
from ember import nn
from ember.autograd import Function, gradcheck, gradgradcheck


class Softplus(Function):
    """softplus(x) = log(1 + exp(x)), computed without overflow; d/dx = sigmoid(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        # max(x, 0) + log1p(exp(-|x|)) never exponentiates a large positive number
        return ember.clamp(x, min=0) + ember.log1p(ember.exp(-x.abs()))

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * ember.sigmoid(x)


def softplus(x):
    return Softplus.apply(x)


class QuantizeSTE(Function):
    """Round to a multiple of `step` in the forward pass; in the backward pass let the gradient
    through unchanged where |x| <= limit and block it outside (a clipped straight-through
    estimator). Rounding has a zero derivative almost everywhere, so the true gradient would
    never move the weights: the estimator deliberately pretends the rounding was the identity."""

    @staticmethod
    def forward(ctx, x, step, limit):
        ctx.save_for_backward(x)
        ctx.limit = limit
        return ember.clamp(ember.round(x / step) * step, -limit, limit)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        inside = (x.abs() <= ctx.limit).to(grad_output.dtype)
        return grad_output * inside, None, None          # no gradient for step and limit


class QuantizedLinear(nn.Module):
    """A linear layer that uses its weights rounded to multiples of `step` (0.25 by default)."""

    def __init__(self, in_features, out_features, step=0.25, limit=2.0):
        super().__init__()
        self.weight = nn.Parameter(ember.randn(out_features, in_features) * 0.1)
        self.step, self.limit = step, limit

    def quantized_weight(self):
        return QuantizeSTE.apply(self.weight, self.step, self.limit)

    def forward(self, x):
        return x @ self.quantized_weight().T


def check_gradients():
    x = (ember.randn(6, dtype=ember.float64) * 5).requires_grad_()
    print("softplus gradcheck:", gradcheck(softplus, (x,)))
    print("softplus gradgradcheck:", gradgradcheck(softplus, (x,)))
    big = ember.tensor([1000.0, -1000.0], dtype=ember.float64)
    print("softplus(+-1000) =", softplus(big).tolist(), "(no overflow)")
    # the straight-through gradient is not the derivative of rounding, by design: gradcheck says so
    w = ember.tensor([0.1, 0.3, -0.6], dtype=ember.float64, requires_grad=True)
    ok = gradcheck(lambda t: QuantizeSTE.apply(t, 0.25, 2.0), (w,), raise_exception=False)
    print("straight-through gradcheck (expected False):", ok)


def train_quantized(steps, seed=0):
    """Fit y = X @ w_true with weights restricted to the 0.25 grid; returns the final loss."""
    ember.manual_seed(seed)
    w_true = ember.tensor([[0.75, -1.5, 0.25, 1.0]])
    x = ember.randn(256, 4)
    y = x @ w_true.T
    layer = QuantizedLinear(4, 1)
    opt = ember.optim.SGD(layer.parameters(), lr=0.1)
    for step in range(1, steps + 1):
        loss = nn.functional.mse_loss(layer(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 25 == 0 or step == steps:
            print(f"step {step:>4}  loss {loss.item():.5f}  quantized weights "
                  f"{layer.quantized_weight().detach().flatten().tolist()}")
    print("true weights:", w_true.flatten().tolist())
    return loss.item()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=100, help="training steps (default 100)")
    p.add_argument("--quick", action="store_true", help="30 steps (a smoke test)")
    args = p.parse_args(argv)
    steps = min(args.steps, 30) if args.quick else args.steps
    check_gradients()
    train_quantized(steps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
