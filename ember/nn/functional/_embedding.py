"""embedding and embedding_bag (torch.nn.functional).

The lookup is one ``index_select`` recorded as its own op (EmbeddingBackward0), whose gradient
scatters rows back with ``index_add`` and leaves the ``padding_idx`` row at zero (and optionally
scales by the inverse frequency of each index), as PyTorch's embedding_backward does.
"""
from ... import ops as _ops
from ... import dtypes as _dt
from ...tensor import Tensor
from ...autograd.function import differentiable
from ...autograd.grad_mode import no_grad

__all__ = ["embedding", "embedding_bag"]


def _embedding_backward(ctx, grad, weight, indices, padding_idx=-1, scale_grad_by_freq=False):
    num, dim = weight.shape
    idx = indices.reshape(-1)
    g = grad.reshape(-1, dim)
    if padding_idx >= 0:
        g = g * (idx != padding_idx).to(g.dtype).unsqueeze(1)
    if scale_grad_by_freq:
        ones = _ops.ones(idx.shape[0], dtype=g.dtype, device=g.device)
        counts = _ops.zeros(num, dtype=g.dtype, device=g.device).index_add_(0, idx, ones)
        g = g / counts.index_select(0, idx).unsqueeze(1)
    return _ops.zeros((num, dim), dtype=g.dtype, device=g.device).index_add(0, idx, g)


@differentiable(_embedding_backward, inputs=("weight",), save=("indices",), node="EmbeddingBackward0")
def _embedding_lookup(weight, indices, padding_idx=-1, scale_grad_by_freq=False):
    """Rows of `weight` (num, dim) at int64 `indices` (any shape): (*indices.shape, dim)."""
    rows = weight.index_select(0, indices.reshape(-1))
    return rows.reshape(tuple(indices.shape) + (weight.shape[1],))


def _check_indices(input, fname):
    if not isinstance(input, Tensor):
        raise TypeError(f"{fname}(): argument 'indices' (position 2) must be Tensor, not {type(input).__name__}")
    if input.dtype not in (_dt.int64, _dt.int32):
        from ...nn.modules.module import _typename
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {_typename(input)} instead (while checking arguments for {fname})")
    return input if input.dtype is _dt.int64 else input.to(_dt.int64)


def _renorm_(weight, input, max_norm, norm_type):
    """Rescale in place (no grad) the rows of weight referenced by input whose norm exceeds max_norm."""
    with no_grad():
        idx = _ops.unique(input.reshape(-1))
        rows = weight.detach().index_select(0, idx)
        norms = rows.norm(norm_type, 1, keepdim=True)
        scale = _ops.where(norms > max_norm, max_norm / (norms + 1e-7), _ops.ones_like(norms))
        weight.detach().index_copy_(0, idx, rows * scale)


def _norm_padding_idx(padding_idx, num):
    if padding_idx is None:
        return -1
    if padding_idx > 0:
        if padding_idx >= num:
            raise AssertionError("Padding_idx must be within num_embeddings")
    elif padding_idx < 0:
        if padding_idx < -num:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx = num + padding_idx
    return padding_idx


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    r"""Look up the rows of ``weight`` at the indices in ``input``.

    Args:
        input (LongTensor): indices into the embedding matrix, any shape.
        weight (Tensor): the embedding matrix, (num_embeddings, embedding_dim).
        padding_idx (int, optional): the row at this index receives no gradient.
        max_norm (float, optional): rows referenced by ``input`` whose ``norm_type``-norm exceeds
            it are renormalised to ``max_norm`` in place (this modifies ``weight``).
        norm_type (float, optional): the p of the p-norm for ``max_norm``. Default ``2``.
        scale_grad_by_freq (bool, optional): scale gradients by the inverse frequency of the
            indices in the mini-batch. Default ``False``.
        sparse (bool, optional): sparse gradients are not supported by Ember (must be False).

    Shape:
        - Input: LongTensor of arbitrary shape containing the indices to extract
        - Weight: :math:`(V, E)`
        - Output: :math:`(*, E)`, where `*` is the input shape

    Examples::

        >>> weight = ember.tensor([[1., 2.], [3., 4.], [5., 6.]])
        >>> F.embedding(ember.tensor([[0, 2], [1, 1]]), weight)
    """
    input = _check_indices(input, "embedding")
    if sparse:
        raise NotImplementedError("ember.nn.functional.embedding: sparse gradients are not supported")
    if weight.dim() != 2:
        raise RuntimeError("'weight' must be 2-D")
    padding_idx = _norm_padding_idx(padding_idx, weight.shape[0])
    if max_norm is not None:
        _renorm_(weight, input, max_norm, norm_type)
    return _embedding_lookup(weight, input, padding_idx, bool(scale_grad_by_freq))


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    r"""Sums, averages or takes the maximum of bags of embeddings, without materialising the
    intermediate (bag, index, dim) tensor.

    Args:
        input (LongTensor): bags of indices: 2D ``(B, N)`` (fixed-length bags) or 1D with ``offsets``.
        weight (Tensor): the embedding matrix, (num_embeddings, embedding_dim).
        offsets (LongTensor, optional): start of each bag in a 1D ``input``.
        max_norm, norm_type, scale_grad_by_freq: as :func:`embedding`.
        mode (str): ``"sum"``, ``"mean"`` (default) or ``"max"``.
        per_sample_weights (Tensor, optional): a weight per index (``mode="sum"`` only).
        include_last_offset (bool): ``offsets`` has B+1 entries, the last one the end of the last bag.
        padding_idx (int, optional): entries equal to it are left out of their bag (and of the mean).

    Shape:
        - Output: :math:`(B, E)`; empty bags give zeros.
    """
    input = _check_indices(input, "embedding_bag")
    if per_sample_weights is not None and input.size() != per_sample_weights.size():
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, then it "
                         f"must have the same shape as the input ({input.shape})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             f"fixed length sequences. However, found offsets of type {type(offsets)}")
        offsets = _ops.arange(0, input.numel(), input.size(1), dtype=input.dtype, device=input.device)
        include_last_offset = False
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max":
        if scale_grad_by_freq:
            raise ValueError("max mode does not support scaling the gradient by the frequency")
        if sparse:
            raise ValueError("max mode does not support sparse weights")
    if sparse:
        raise NotImplementedError("ember.nn.functional.embedding_bag: sparse gradients are not supported")
    if max_norm is not None:
        _renorm_(weight, input, max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError("embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
                                  "on GitHub.")
    offsets = offsets.to(_dt.int64)
    n = input.shape[0]
    if offsets.numel() and int(offsets[0].item()) != 0:
        raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                           f"position 0. However, got {int(offsets[0].item())}")
    if include_last_offset:
        if offsets.numel() < 1:
            raise RuntimeError("include_last_offset: number of offset should be at least 1")
        starts, end = offsets[:-1], int(offsets[-1].item())
    else:
        starts, end = offsets, n
    n_bags = starts.shape[0]
    padding_idx = _norm_padding_idx(padding_idx, weight.shape[0])
    positions = _ops.arange(n, device=input.device)
    bag = _ops.searchsorted(starts, positions, right=True) - 1
    valid = positions < end
    if padding_idx >= 0:
        valid = valid & (input != padding_idx)
    keep = valid.nonzero().reshape(-1)
    if keep.shape[0] != n:
        input, bag = input.index_select(0, keep), bag.index_select(0, keep)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.index_select(0, keep)
    dim = weight.shape[1]
    emb = _embedding_lookup(weight, input, padding_idx, bool(scale_grad_by_freq))
    if per_sample_weights is not None:
        emb = emb * per_sample_weights.unsqueeze(1)
    base = _ops.zeros((n_bags, dim), dtype=weight.dtype, device=weight.device)
    if mode == "max":
        return base.scatter_reduce(0, bag.unsqueeze(1).expand(bag.shape[0], dim), emb, "amax", include_self=False)
    out = base.index_add(0, bag, emb)
    if mode == "mean":
        ones = _ops.ones(bag.shape[0], dtype=weight.dtype, device=weight.device)
        counts = _ops.zeros(n_bags, dtype=weight.dtype, device=weight.device).index_add_(0, bag, ones)
        out = out / counts.clamp_min(1).unsqueeze(1)
    return out
