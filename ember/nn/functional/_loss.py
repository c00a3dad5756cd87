"""Loss functions (as torch.nn.functional): regression losses, binary cross entropy, KL divergence,
Poisson / Gaussian NLL here; cross_entropy / nll_loss in _loss_ce.py, the margin and embedding
losses in _loss_margin.py, ctc_loss in _loss_ctc.py (all re-exported from this module).

Losses are composites of ember ops (so they run on any device and differentiate twice), except
cross_entropy and ctc_loss, which run fused primitives, and binary_cross_entropy, whose
derivative is PyTorch's clamped closed form (finite where the clamped log is flat).
"""
import math
import numbers
import warnings

import ember as E
from ...tensor import Tensor
from ...autograd.function import differentiable
from ._loss_util import reduction_from_legacy, check_reduction, apply_reduction
from ._loss_ce import cross_entropy, nll_loss
from ._loss_margin import (cosine_embedding_loss, margin_ranking_loss, hinge_embedding_loss,
                           triplet_margin_loss, triplet_margin_with_distance_loss,
                           soft_margin_loss, multilabel_margin_loss, multilabel_soft_margin_loss,
                           multi_margin_loss)
from ._loss_ctc import ctc_loss

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "poisson_nll_loss",
           "gaussian_nll_loss", "cosine_embedding_loss", "margin_ranking_loss",
           "hinge_embedding_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss",
           "soft_margin_loss", "multilabel_margin_loss", "multilabel_soft_margin_loss",
           "multi_margin_loss", "ctc_loss"]


def _size_warning(input, target):
    if tuple(target._shape) != tuple(input._shape):
        warnings.warn(f"Using a target size ({E.Size(target._shape)!r}) that is different to the "
                      f"input size ({E.Size(input._shape)!r}). This will likely lead to incorrect "
                      f"results due to broadcasting. Please ensure they have the same size.",
                      stacklevel=3)


def _weighted(err, weight, input, reduction):
    """PyTorch's optional per-element weight of mse/l1: 'mean' divides by the weight sum."""
    if weight is None:
        return apply_reduction(err, reduction)
    if tuple(weight._shape) != tuple(input._shape):
        raise ValueError("Weights and input must have the same size.")
    err = err * weight
    if reduction == "none":
        return err
    if reduction == "sum":
        return err.sum()
    return err.sum() / weight.sum()


def _check_invalid_mode(reduction):
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")


# ------------------------------------------------------------------------------------------------
# regression
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    r"""Mean squared error ``(input - target) ** 2``, optionally weighted per element.

    Args:
        input, target (Tensor): same shape (broadcast with a warning otherwise).
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.
        weight (Tensor, optional): per-element weight; ``'mean'`` then divides by its sum.

    Examples::

        >>> F.mse_loss(ember.randn(3), ember.zeros(3))
    """
    _size_warning(input, target)
    reduction = reduction_from_legacy(size_average, reduce, reduction)
    if weight is None:
        reduction = check_reduction(reduction)
    else:
        _check_invalid_mode(reduction)
    d = input - target
    return _weighted(d * d, weight, input, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    r"""Mean absolute error ``|input - target|``, optionally weighted per element.

    Args:
        input, target (Tensor): same shape (broadcast with a warning otherwise).
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.
        weight (Tensor, optional): per-element weight; ``'mean'`` then divides by its sum.

    Examples::

        >>> F.l1_loss(ember.randn(3), ember.zeros(3))
    """
    _size_warning(input, target)
    reduction = reduction_from_legacy(size_average, reduce, reduction)
    if weight is None:
        reduction = check_reduction(reduction)
    else:
        _check_invalid_mode(reduction)
    return _weighted(E.abs(input - target), weight, input, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    r"""Smooth L1: ``0.5 z**2 / beta`` where ``z = |input - target| < beta``, else ``z - beta/2``.

    Args:
        input, target (Tensor): same shape.
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.
        beta (float): the threshold (>= 0; 0 gives the L1 loss). Default: 1.0.

    Examples::

        >>> F.smooth_l1_loss(ember.randn(3), ember.zeros(3), beta=0.5)
    """
    _size_warning(input, target)
    reduction = check_reduction(reduction_from_legacy(size_average, reduce, reduction))
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    d = input - target
    z = E.abs(d)
    if beta == 0.0:
        return apply_reduction(z, reduction)
    loss = E.where(z < beta, (0.5 / beta) * d * d, z - 0.5 * beta)
    return apply_reduction(loss, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    r"""Huber loss: ``0.5 z**2`` where ``z = |input - target| < delta``, else
    ``delta * (z - delta/2)``; optionally weighted per element.

    Args:
        input, target (Tensor): same shape.
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.
        delta (float): the threshold (> 0). Default: 1.0.
        weight (Tensor, optional): per-element weight (``'mean'`` averages the weighted loss).

    Examples::

        >>> F.huber_loss(ember.randn(3), ember.zeros(3), delta=2.0)
    """
    _size_warning(input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    d = input - target
    z = E.abs(d)
    loss = E.where(z < delta, 0.5 * d * d, delta * (z - 0.5 * delta))
    if weight is None:
        return apply_reduction(loss, check_reduction(reduction))
    if tuple(weight._shape) != tuple(input._shape):
        raise ValueError("Weights and input must have the same size.")
    _check_invalid_mode(reduction)
    return apply_reduction(loss * weight, reduction)


# ------------------------------------------------------------------------------------------------
# binary cross entropy
def _bce_backward(ctx, g, input, target, weight=None):
    n = ctx.needs_input_grad
    w = g * weight if weight is not None else g
    gi = gt = gw = None
    if n[0]:
        # PyTorch's closed form: finite at 0 and 1 where the clamped log is flat
        gi = w * (input - target) / E.clamp_min((1 - input) * input, 1e-12)
    if n[1]:
        gt = w * (E.clamp_min(E.log1p(-input), -100.0) - E.clamp_min(E.log(input), -100.0))
    if n[2] and weight is not None:
        gw = g * _bce_elementwise(input, target)
    return gi, gt, gw


def _bce_elementwise(x, t):
    return -(t * E.clamp_min(E.log(x), -100.0) + (1 - t) * E.clamp_min(E.log1p(-x), -100.0))


@differentiable(_bce_backward, inputs=("input", "target", "weight"),
                save=("input", "target", "weight"), node="BinaryCrossEntropyBackward0")
def _binary_cross_entropy(input, target, weight=None):
    loss = _bce_elementwise(input, target)
    return loss * weight if weight is not None else loss


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    r"""Binary cross entropy between probabilities and targets:
    ``-w * (t * log(x) + (1 - t) * log(1 - x))``, each log clamped to >= -100 (as PyTorch).

    Args:
        input (Tensor): probabilities in [0, 1].
        target (Tensor): same shape, values in [0, 1].
        weight (Tensor, optional): rescaling weight broadcast to the target's shape.
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Examples::

        >>> p = ember.sigmoid(ember.randn(4))
        >>> F.binary_cross_entropy(p, ember.tensor([0., 1., 1., 0.]))
    """
    reduction = check_reduction(reduction_from_legacy(size_average, reduce, reduction))
    if tuple(target._shape) != tuple(input._shape):
        raise ValueError(f"Using a target size ({E.Size(target._shape)!r}) that is different to the "
                         f"input size ({E.Size(input._shape)!r}) is deprecated. Please ensure they "
                         f"have the same size.")
    if input.numel() and bool(((input < 0) | (input > 1)).any().item()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    if weight is not None:
        weight = weight.expand(E.broadcast_shapes(tuple(target._shape), tuple(weight._shape)))
    return apply_reduction(_binary_cross_entropy(input, target, weight), reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    r"""Binary cross entropy of ``sigmoid(input)``, computed stably from the logits:
    ``(1 - t) * x - (1 + (pos_weight - 1) * t) * log_sigmoid(x)`` (finite for huge logits).

    Args:
        input (Tensor): logits.
        target (Tensor): same shape, values in [0, 1].
        weight (Tensor, optional): rescaling weight broadcast against the loss.
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.
        pos_weight (Tensor, optional): weight of positive examples, broadcast with the target.

    Examples::

        >>> F.binary_cross_entropy_with_logits(ember.randn(4), ember.tensor([0., 1., 1., 0.]))
    """
    reduction = check_reduction(reduction_from_legacy(size_average, reduce, reduction))
    if tuple(target._shape) != tuple(input._shape):
        raise ValueError(f"Target size ({E.Size(target._shape)!r}) must be the same as input size "
                         f"({E.Size(input._shape)!r})")
    log_sig = -E.softplus(-input, 1.0, 40.0)     # log(sigmoid(x)): stable, exact in float64
    if pos_weight is not None:
        log_sig = log_sig * ((pos_weight - 1) * target + 1)
    loss = (1 - target) * input - log_sig
    if weight is not None:
        loss = loss * weight
    return apply_reduction(loss, reduction)


# ------------------------------------------------------------------------------------------------
def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    r"""Kullback-Leibler divergence pointwise: ``target * (log(target) - input)`` with ``input``
    in log space (``exp(target) * (target - input)`` when ``log_target``).

    Args:
        input (Tensor): log-probabilities.
        target (Tensor): probabilities (log-probabilities when ``log_target``).
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        reduction (str): ``'none'`` | ``'batchmean'`` | ``'sum'`` | ``'mean'``. ``'batchmean'``
            divides the sum by the batch size (the KL divergence proper). Default: ``'mean'``.
        log_target (bool): target given in log space. Default: False.

    Examples::

        >>> F.kl_div(F.log_softmax(ember.randn(2, 3), 1), F.softmax(ember.randn(2, 3), 1),
        ...          reduction="batchmean")
    """
    if size_average is not None or reduce is not None:
        red = reduction_from_legacy(size_average, reduce, reduction)
    else:
        if reduction == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                          "support size.'batchmean' divides only by the batch size, and aligns with "
                          "the KL div math definition.'mean' will be changed to behave the same as "
                          "'batchmean' in the next major release.", stacklevel=2)
        red = "sum" if reduction == "batchmean" else check_reduction(reduction)
    if log_target:
        loss = E.exp(target) * (target - input)
    else:
        loss = E.xlogy(target, target) - target * input
    out = apply_reduction(loss, red)
    if reduction == "batchmean" and input.dim() != 0:
        out = out / input._shape[0]
    return out


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    r"""Poisson negative log likelihood: ``exp(input) - target * input`` (``log_input``) or
    ``input - target * log(input + eps)``; ``full`` adds the Stirling term
    ``t log t - t + 0.5 log(2 pi t)`` for targets > 1.

    Args:
        input (Tensor): the expectation (its log when ``log_input``).
        target (Tensor): samples.
        log_input (bool): input is the log of the rate. Default: True.
        full (bool): add the Stirling approximation term. Default: False.
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        eps (float): keeps ``log`` finite when not ``log_input``. Default: 1e-8.
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Examples::

        >>> F.poisson_nll_loss(ember.randn(4), ember.tensor([0., 1., 2., 3.]))
    """
    reduction = reduction_from_legacy(size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not a valid value for reduction")
    if log_input:
        loss = E.exp(input) - target * input
    else:
        loss = input - target * E.log(input + eps)
    if full:
        big = target > 1
        t = E.where(big, target, 1.0)       # the masked entries stay finite (and their grads)
        stirling = t * E.log(t) - t + 0.5 * E.log(2 * math.pi * t)
        loss = loss + E.where(big, stirling, 0.0)
    return apply_reduction(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    r"""Gaussian negative log likelihood: ``0.5 * (log(var) + (input - target)**2 / var)``
    (+ ``0.5 log(2 pi)`` when ``full``), var clamped to >= eps (the clamp passes gradients).

    Args:
        input (Tensor): the expectation.
        target (Tensor): samples.
        var (Tensor or float): positive variance(s): the input's shape, one dim short, broadcast
            in a single dim (homoscedastic), or a scalar.
        full (bool): include the constant term. Default: False.
        eps (float): lower bound of var. Default: 1e-6.
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Examples::

        >>> F.gaussian_nll_loss(ember.randn(5, 2), ember.randn(5, 2), ember.ones(5, 1))
    """
    if isinstance(var, numbers.Real) and not isinstance(var, Tensor):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * E.ones_like(input)
    elif bool((var < 0).any().item()):
        raise ValueError("var has negative entry/entries")
    if tuple(var._shape) != tuple(input._shape):
        if tuple(input._shape[:-1]) == tuple(var._shape):
            var = var.unsqueeze(-1)
        elif input.dim() == var.dim() and sum(
                b for a, b in zip(input._shape, var._shape) if a != b) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with E.no_grad():
        var.clamp_(min=eps)
    d = input - target
    loss = 0.5 * (E.log(var) + d * d / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return apply_reduction(loss, reduction)
