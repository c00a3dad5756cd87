"""linear and bilinear (torch.nn.functional), composites of BLAS-backed ember ops."""
from ... import ops as _ops
from ...tensor import Tensor, _empty, _make
from ...autograd.function import differentiable
from ...backends.cpu._map import BINARY as _BINARY, FAMILY as _FAMILY

_F_BINARY, _ADD = _FAMILY["binary"], _BINARY["add"]

__all__ = ["linear", "bilinear"]


def linear(input, weight, bias=None):
    r"""linear(input, weight, bias=None) -> Tensor

    Applies the affine transformation :math:`y = xA^T + b`.

    Shape:
        - Input: :math:`(*, in\_features)` where `*` means any number of additional dimensions,
          including none
        - Weight: :math:`(out\_features, in\_features)` or :math:`(in\_features)`
        - Bias: :math:`(out\_features)` or :math:`()`
        - Output: :math:`(*, out\_features)` or :math:`(*)`, based on the shape of the weight
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"linear(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if input.dim() == 2 and weight.dim() == 2:
        return _linear2d(input, weight, bias)
    out = _ops.matmul(input, weight.t())
    if bias is not None:
        out = out + bias
    return out


def _linear2d_backward(ctx, g, input, weight, bias=None, **kw):
    """grad_input = g @ W, grad_weight = g^T @ x (a fresh contiguous (out, in) GEMM output, so
    AccumulateGrad stores it without a copy), grad_bias = sum(g, 0): one kernel each. Written with
    ember ops, so it is recorded under create_graph (double backward)."""
    need_i, need_w, need_b = ctx.needs_input_grad
    return (_ops.mm(g, weight) if need_i else None,
            _ops.mm(g.t(), input) if need_w else None,
            g.sum(0) if need_b else None)


@differentiable(_linear2d_backward, inputs=("input", "weight", "bias"), save=("input", "weight"),
                node="AddmmBackward0")
def _linear2d(input, weight, bias):
    """input @ weight^T (+ bias) for a 2-D input and weight: one GEMM (reading weight^T as a
    transposed view: no copy), then the bias added in place; one graph node.

    The common case (one floating dtype and device, matching non-empty shapes, bias of shape
    (out,)) calls the backend directly; anything else goes through addmm / mm, which raise
    PyTorch's errors.
    """
    dt, dev = input.dtype, input.device
    (n, k), (o, kw) = input._shape, weight._shape
    if dt.is_floating_point and weight.dtype is dt and weight.device is dev and k == kw \
            and n and k and o and (bias is None or (bias.dtype is dt and bias.device is dev
                                                    and bias._shape == (o,))):
        out = _empty((n, o), dt, dev)
        wt = _make(weight._storage, (k, o), (weight._stride[1], weight._stride[0]), weight._offset,
                   dt, dev)
        dev.backend.matmul(out, input, wt)
        if bias is not None:
            dev.backend.map(_F_BINARY, _ADD, out, [out, bias])
        return out
    if bias is not None:
        return _ops.addmm(bias, input, weight.t())
    return _ops.mm(input, weight.t())


def bilinear(input1, input2, weight, bias=None):
    r"""bilinear(input1, input2, weight, bias=None) -> Tensor

    Applies :math:`y = x_1^T A x_2 + b` for each output feature.

    Shape:
        - input1: :math:`(N, *, H_{in1})` where :math:`H_{in1}=\text{in1\_features}`
        - input2: :math:`(N, *, H_{in2})` where :math:`H_{in2}=\text{in2\_features}`
        - weight: :math:`(\text{out\_features}, \text{in1\_features}, \text{in2\_features})`
        - bias: :math:`(\text{out\_features})`
        - output: :math:`(N, *, H_{out})` where :math:`H_{out}=\text{out\_features}`
    """
    if input1.dim() != input2.dim():
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.dim()} and {input2.dim()}")
    for i in range(input1.dim() - 1):
        if input1.shape[i] != input2.shape[i]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: got "
                               f"{input1.shape[i]} and {input2.shape[i]}")
    if weight.dim() != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-dimensional, got {weight.dim()}")
    n_out, n1, n2 = weight.shape
    if input1.shape[-1] != n1:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} "
                           f"but expected {n1}")
    if input2.shape[-1] != n2:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} "
                           f"but expected {n2}")
    if bias is not None and bias.shape[0] != n_out:
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got {bias.shape[0]} but "
                           f"expected {n_out}")
    # x1 A: one GEMM against A laid out as (in1, out * in2), then a product-sum with x2
    batch = tuple(input1.shape[:-1])
    x1 = input1.reshape(-1, n1)
    x2 = input2.reshape(-1, 1, n2)
    t = _ops.matmul(x1, weight.permute(1, 0, 2).reshape(n1, n_out * n2)).reshape(-1, n_out, n2)
    out = (t * x2).sum(-1)
    if bias is not None:
        out = out + bias
    return out.reshape(batch + (n_out,))
