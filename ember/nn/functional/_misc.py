"""one_hot and normalize (torch.nn.functional)."""
from ... import ops as _ops
from ... import dtypes as _dt
from ...tensor import Tensor

__all__ = ["one_hot", "normalize"]


def one_hot(tensor, num_classes=-1):
    r"""one_hot(tensor, num_classes=-1) -> LongTensor

    A tensor of shape ``(*, num_classes)`` that is zero everywhere except a 1 at the index given
    by the last dimension's position in ``tensor``.

    Args:
        tensor (LongTensor): class values of any shape.
        num_classes (int, optional): total number of classes. If -1, one more than the largest
            value in ``tensor``.

    Examples:
        >>> F.one_hot(ember.arange(0, 5) % 3)
        tensor([[1, 0, 0],
                [0, 1, 0],
                [0, 0, 1],
                [1, 0, 0],
                [0, 1, 0]])
    """
    if not isinstance(tensor, Tensor) or tensor.dtype is not _dt.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if tensor.numel() == 0:
        if num_classes == -1:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        return _ops.zeros(tuple(tensor.shape) + (num_classes,), dtype=_dt.int64, device=tensor.device)
    lo, hi = int(tensor.min().item()), int(tensor.max().item())
    if lo < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = hi + 1
    elif hi >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = _ops.zeros(tuple(tensor.shape) + (num_classes,), dtype=_dt.int64, device=tensor.device)
    return out.scatter_(-1, tensor.unsqueeze(-1), 1)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    r"""Performs :math:`L_p` normalization of inputs over the specified dimension:
    :math:`v = \frac{v}{\max(\lVert v \rVert_p, \epsilon)}` for each slice along ``dim``.

    Args:
        input: input tensor of any shape
        p (float): the exponent value in the norm formulation. Default: 2
        dim (int or tuple of ints): the dimension to reduce. Default: 1
        eps (float): small value to avoid division by zero. Default: 1e-12
        out (Tensor, optional): the output tensor. If ``out`` is used, this operation won't be
            differentiable.
    """
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    if out is None:
        return input / denom
    return _ops.div(input, denom, out=out)
