"""Distances and similarities (torch.nn.functional): pairwise_distance, cosine_similarity, pdist."""
import numpy as np

from ... import ops as _ops
from ...tensor import Tensor

__all__ = ["pairwise_distance", "cosine_similarity", "pdist"]


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    r"""pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False) -> Tensor

    The p-norm of ``x1 - x2 + eps`` over the last dimension (inputs broadcast).

    Shape:
        - Input1: :math:`(N, D)` or :math:`(D)`
        - Input2: :math:`(N, D)` or :math:`(D)`, same shape as Input1 (or broadcastable)
        - Output: :math:`(N)` or :math:`()`; with ``keepdim=True`` :math:`(N, 1)` or :math:`(1)`.
    """
    out_dim = max(x1.dim(), x2.dim())
    diff = x1 - x2 + eps
    if out_dim == 0:
        return diff.abs() if not keepdim else diff.abs().reshape(())
    return diff.norm(p, out_dim - 1, keepdim=keepdim)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    r"""cosine_similarity(x1, x2, dim=1, eps=1e-8) -> Tensor

    :math:`\frac{x_1 \cdot x_2}{\max(\Vert x_1 \Vert _2, \epsilon) \cdot \max(\Vert x_2 \Vert _2, \epsilon)}`
    along ``dim`` (inputs broadcast). Each input is divided by its norm before the product, which
    keeps the result within [-1, 1].

    Args:
        x1 (Tensor): First input.
        x2 (Tensor): Second input.
        dim (int, optional): Dimension along which cosine similarity is computed. Default: 1
        eps (float, optional): Small value to avoid division by zero. Default: 1e-8
    """
    x1, x2 = _ops.broadcast_tensors(x1, x2)
    n1 = x1.norm(2, dim, keepdim=True)
    n2 = x2.norm(2, dim, keepdim=True)
    # PyTorch clamps the norms under no_grad: the value is clamped, the gradient is the norm's
    n1 = n1 + (n1.detach().clamp_min(eps) - n1.detach())
    n2 = n2 + (n2.detach().clamp_min(eps) - n2.detach())
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pdist(input, p=2):
    r"""pdist(input, p=2) -> Tensor

    The p-norm distance between every pair of row vectors of the :math:`N \times M` input: the
    upper triangle of ``cdist(input, input)`` without the diagonal, :math:`N (N - 1) / 2` values
    in row-major order.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"pdist(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if not input.dtype.is_floating_point:
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    n = input.shape[0]
    i, j = np.triu_indices(n, 1)
    ii = _ops.tensor(i.astype(np.int64), device=input.device)
    jj = _ops.tensor(j.astype(np.int64), device=input.device)
    diff = input.index_select(0, ii) - input.index_select(0, jj)
    return diff.norm(p, 1)
