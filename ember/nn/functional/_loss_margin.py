"""Margin and embedding losses (as torch.nn.functional), composites of ember ops following ATen's
definitions (so values, gradients at the kinks and error messages match PyTorch's)."""
import ember as E
from ... import dtypes as _dt
from ._loss_util import reduction_from_legacy, check_reduction, apply_reduction

__all__ = ["cosine_embedding_loss", "margin_ranking_loss", "hinge_embedding_loss",
           "triplet_margin_loss", "triplet_margin_with_distance_loss", "soft_margin_loss",
           "multilabel_margin_loss", "multilabel_soft_margin_loss", "multi_margin_loss"]

_EPSILON = 1e-12


def _reduction(size_average, reduce, reduction):
    return check_reduction(reduction_from_legacy(size_average, reduce, reduction))


def _log_sigmoid(x):
    return -E.softplus(-x, 1.0, 40.0)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    r"""``1 - cos(x1, x2)`` where ``y == 1``, ``max(0, cos(x1, x2) - margin)`` where ``y == -1``.

    Args:
        input1, input2 (Tensor): ``(N, D)`` or ``(D)``.
        target (Tensor): ``(N)`` or ``()`` of 1 / -1.
        margin (float): in [-1, 1]. Default: 0.
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Examples::

        >>> F.cosine_embedding_loss(ember.randn(3, 5), ember.randn(3, 5), ember.tensor([1, -1, 1]))
    """
    reduction = _reduction(size_average, reduce, reduction)
    td = target.dim()
    if td not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if td == 1 and not (input1.dim() == 2 and input2.dim() == 2):
        raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with sizes "
                           f"{list(input1._shape)} and {list(input2._shape)}.")
    if td == 0 and not (input1.dim() == 1 and input2.dim() == 1):
        raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with sizes "
                           f"{list(input1._shape)} and {list(input2._shape)}.")
    prod_sum = (input1 * input2).sum(td)
    mag1 = (input1 * input1).sum(td) + _EPSILON
    mag2 = (input2 * input2).sum(td) + _EPSILON
    cos = prod_sum / E.sqrt(mag1 * mag2)
    zeros = E.zeros_like(cos)
    pos = 1 - cos
    neg = E.clamp_min(cos - margin, 0)
    out = E.where(target == 1, pos, zeros) + E.where(target == -1, neg, zeros)
    return apply_reduction(out, reduction)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    r"""``max(0, -y * (x1 - x2) + margin)``.

    Args:
        input1, input2 (Tensor): ``(N)`` or ``()``.
        target (Tensor): 1 or -1, same dims.
        margin (float): Default: 0.
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Examples::

        >>> F.margin_ranking_loss(ember.randn(3), ember.randn(3), ember.tensor([1., -1., 1.]))
    """
    reduction = _reduction(size_average, reduce, reduction)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but "
                           f"got sizes: input1: {E.Size(input1._shape)!r}, input2: "
                           f"{E.Size(input2._shape)!r}, target: {E.Size(target._shape)!r} ")
    return apply_reduction(E.clamp_min(-target * (input1 - input2) + margin, 0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    r"""``x`` where ``y == 1``, ``max(0, margin - x)`` where ``y == -1``.

    Args:
        input (Tensor): any shape (usually distances).
        target (Tensor): 1 / -1, same shape.
        margin (float): Default: 1.0.
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Examples::

        >>> F.hinge_embedding_loss(ember.rand(4), ember.tensor([1., -1., -1., 1.]))
    """
    reduction = _reduction(size_average, reduce, reduction)
    zeros = E.zeros_like(input)
    margin_clamp = E.clamp_min(margin - input, 0)
    out = E.where(target != 1, margin_clamp, zeros) + E.where(target != -1, input, zeros)
    return apply_reduction(out, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    r"""Two-class logistic loss ``log(1 + exp(-y * x))`` (computed stably).

    Args:
        input (Tensor): any shape.
        target (Tensor): 1 / -1, same shape.
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Examples::

        >>> F.soft_margin_loss(ember.randn(4), ember.tensor([1., -1., -1., 1.]))
    """
    reduction = _reduction(size_average, reduce, reduction)
    return apply_reduction(E.softplus(-input * target), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    r"""One-versus-all logistic loss averaged over the C classes of each sample:
    ``-mean_c(w_c * (y_c log sigmoid(x_c) + (1 - y_c) log sigmoid(-x_c)))``.

    Args:
        input (Tensor): ``(N, C)`` or ``(C)``.
        target (Tensor): 0 / 1, same shape.
        weight (Tensor, optional): per-class weight ``(C,)``.
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Examples::

        >>> F.multilabel_soft_margin_loss(ember.randn(2, 3), ember.tensor([[0., 1., 1.], [1., 0., 0.]]))
    """
    reduction = reduction_from_legacy(size_average, reduce, reduction)
    loss = -(target * _log_sigmoid(input) + (1 - target) * _log_sigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    C = input.size(class_dim)
    loss = loss.sum(class_dim) / C
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(reduction + " is not valid")


def _frames(input, name):
    nd = input.dim()
    if not ((nd == 2 and input._shape[1] != 0) or (nd == 1 and input._shape[0] != 0) or nd == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but "
                           f"got: {list(input._shape)}")
    nframe = 1 if nd <= 1 else input._shape[0]
    dim = 1 if nd == 0 else input._shape[nd - 1]
    return nframe, dim


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    r"""Multi-class hinge loss: ``sum_{i != y} w_y * max(0, margin - x_y + x_i)**p / C``.

    Args:
        input (Tensor): ``(N, C)`` or ``(C)``.
        target (Tensor): int64 class indices ``(N)`` or ``()``.
        p (int): 1 or 2. Default: 1.
        margin (float): Default: 1.
        weight (Tensor, optional): per-class weight ``(C,)``.
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Examples::

        >>> F.multi_margin_loss(ember.randn(3, 4), ember.tensor([0, 3, 1]))
    """
    reduction = _reduction(size_average, reduce, reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    nframe, dim = _frames(input, "multi_margin_loss")
    if target.dim() > 1 or target.numel() != nframe:
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to the "
                           f"number of input samples (batch size). Expected target size [{nframe}], "
                           f"but got {list(target._shape)}. Input has shape {list(input._shape)}.")
    if weight is not None and weight.numel() != dim:
        raise RuntimeError(f"inconsistent weight size, expected {dim} but got {list(weight._shape)}")
    if bool(((target < 0) | (target >= dim)).any().item()):
        raise RuntimeError("target out of range")
    x = input.reshape(nframe, dim)
    y = target.reshape(nframe, 1).to(_dt.int64)
    z = E.clamp_min(margin - x.gather(1, y) + x, 0)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight.to(x.dtype)[y]
    z = z * (1 - E.zeros_like(x).scatter(1, y, 1.0))       # the target class itself adds nothing
    loss = z.sum(1) / dim
    if input.dim() <= 1:
        loss = loss.reshape(())
    return apply_reduction(loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    r"""Multi-class multi-label hinge loss:
    ``sum_{j, i} max(0, 1 - (x[y_j] - x[i])) / C`` over the target classes ``y_j`` (the row of
    ``target`` up to its first -1) and the non-target classes ``i``.

    Args:
        input (Tensor): ``(N, C)`` or ``(C)``.
        target (Tensor): int64, same shape, class indices padded with -1.
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Examples::

        >>> F.multilabel_margin_loss(ember.tensor([[0.1, 0.2, 0.4, 0.8]]),
        ...                          ember.tensor([[3, 0, -1, 1]]))
    """
    reduction = _reduction(size_average, reduce, reduction)
    nframe, dim = _frames(input, "multilabel_margin_loss")
    ok = (target.dim() <= 1 and target.numel() == dim) if input.dim() <= 1 else \
        (target.dim() == 2 and tuple(target._shape) == (nframe, dim))
    if not ok:
        raise RuntimeError(f"inconsistent target size: {list(target._shape)} for input of size: "
                           f"{list(input._shape)}")
    if bool(((target < -1) | (target >= dim)).any().item()):
        raise RuntimeError("argument #2 'target' is out of range")
    x = input.reshape(nframe, dim)
    t = target.reshape(nframe, dim).to(_dt.int64)
    valid = E.cumprod((t >= 0).to(_dt.int64), 1) > 0            # entries before the first -1
    safe = E.where(valid, t, 0)
    vf = valid.to(x.dtype)
    is_target = E.zeros_like(x).scatter_add(1, safe, vf) > 0
    xt = x.gather(1, safe)                                        # (N, J)
    z = E.clamp_min(1 - xt.unsqueeze(2) + x.unsqueeze(1), 0)      # (N, J, I)
    z = z * vf.unsqueeze(2) * (~is_target).to(x.dtype).unsqueeze(1)
    loss = z.sum((1, 2)) / dim
    if input.dim() <= 1:
        loss = loss.reshape(())
    return apply_reduction(loss, reduction)


# ------------------------------------------------------------------------------------------------
def _pairwise_distance(x1, x2, p=2.0, eps=1e-6):
    """ATen's pairwise_distance: the p-norm of x1 - x2 + eps over the last dim."""
    d = max(x1.dim(), x2.dim()) - 1
    return (x1 - x2 + eps).norm(p, d)


def _check_triplet_dims(anchor, positive, negative):
    a, p, n = anchor.dim(), positive.dim(), negative.dim()
    if not (a == p and p == n):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same "
                           f"number of dimensions, but got: anchor {a}D, positive {p}D, and negative "
                           f"{n}D inputs")


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    r"""``max(d(a, p) - d(a, n) + margin, 0)`` with ``d`` the pairwise p-norm distance.

    Args:
        anchor, positive, negative (Tensor): ``(N, D)`` or ``(D)``.
        margin (float): > 0. Default: 1.0.
        p (float): the norm degree. Default: 2.
        eps (float): added to the differences. Default: 1e-6.
        swap (bool): use ``min(d(a, n), d(p, n))`` as the negative distance. Default: False.
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Examples::

        >>> a, p, n = ember.randn(4, 8), ember.randn(4, 8), ember.randn(4, 8)
        >>> F.triplet_margin_loss(a, p, n)
    """
    reduction = _reduction(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    dist_pos = _pairwise_distance(anchor, positive, p, eps)
    dist_neg = _pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_neg = E.minimum(dist_neg, _pairwise_distance(positive, negative, p, eps))
    return apply_reduction(E.clamp_min(margin + dist_pos - dist_neg, 0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    r"""The triplet margin loss with a custom distance function (default: pairwise distance).

    Args:
        anchor, positive, negative (Tensor): ``(N, *)`` or ``(*)``.
        distance_function (callable, optional): ``(x1, x2) -> distances``.
        margin (float): > 0. Default: 1.0.
        swap (bool): use ``min(d(a, n), d(p, n))`` as the negative distance. Default: False.
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Examples::

        >>> cos = lambda x, y: 1 - F.cosine_similarity(x, y)
        >>> F.triplet_margin_with_distance_loss(ember.randn(4, 8), ember.randn(4, 8),
        ...                                     ember.randn(4, 8), distance_function=cos)
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    if distance_function is None:
        distance_function = _pairwise_distance
    dist_pos = distance_function(anchor, positive)
    dist_neg = distance_function(anchor, negative)
    if swap:
        dist_neg = E.minimum(dist_neg, distance_function(positive, negative))
    loss = E.clamp_min(margin + dist_pos - dist_neg, 0)
    return apply_reduction(loss, reduction)
