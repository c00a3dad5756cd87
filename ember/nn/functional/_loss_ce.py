"""cross_entropy and nll_loss (class indices of any shape, class probabilities, weights,
ignore_index, label smoothing) with PyTorch's argument checks and weighted-mean semantics.

Class-index cross entropy runs one fused primitive over the (N, C, S) view of the logits: a
numerically stable log-softmax and the (smoothed, weighted) NLL of each sample in one sweep, and
its backward softmax - onehot in another. The formula switches to ember ops when the backward pass
is recorded (create_graph) or a weight gradient is wanted.
"""
import math

import ember as E
from ...tensor import Tensor, _empty
from ... import dtypes as _dt
from ...autograd.function import differentiable
from ...autograd.grad_mode import is_grad_enabled
from ._loss_util import reduction_from_legacy, check_reduction

__all__ = ["cross_entropy", "nll_loss"]


def _has(x, name):
    """Whether x's backend implements the primitive (others take the composite path)."""
    return hasattr(x.device.backend, name)


def _prod(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _check_target_dtype(target):
    if target.dtype not in (_dt.int64, _dt.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{_type_name(target.dtype)}")


def _type_name(d):
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool", "float32": "Float", "float64": "Double", "float16": "Half",
            "bfloat16": "BFloat16"}[d.name]


def _nll_geometry(input, target, weight):
    """PyTorch's nll_loss_nd checks; returns (N, C, S) of the input's (N, C, *) view."""
    if input.dim() < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.dim()})")
    if input.dim() != 1 and target.dim() > 0 and input._shape[0] != target._shape[0]:
        raise ValueError(f"Expected input batch_size ({input._shape[0]}) to match target batch_size "
                         f"({target._shape[0]}).")
    _check_target_dtype(target)
    if input.dim() <= 2:
        if target.dim() > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if not (input.dim() == 1 and target.dim() == 0) and input._shape[0] != (
                target._shape[0] if target.dim() else 1):
            raise RuntimeError(f"size mismatch (got input: {list(input._shape)}, target: "
                               f"{list(target._shape)})")
        C = input._shape[-1]
        N = 1 if input.dim() == 1 else input._shape[0]
        S = 1
    else:
        N, C = input._shape[0], input._shape[1]
        if input.dim() == 4 and target.dim() != 3:
            raise RuntimeError(f"only batches of spatial targets supported (3D tensors) but got "
                               f"targets of dimension: {target.dim()}")
        if tuple(target._shape[1:]) != tuple(input._shape[2:]):
            raise RuntimeError(f"Expected target size {[N] + list(input._shape[2:])}, got "
                               f"{list(target._shape)}")
        S = _prod(input._shape[2:])
    if weight is not None and (weight.dim() != 1 or weight.numel() != C):
        if input.dim() == 4:
            raise RuntimeError("weight tensor should be defined either for all or no classes")
        raise RuntimeError(f"weight tensor should be defined either for all {C} classes or no "
                           f"classes but got weight tensor of shape: {list(weight._shape)}")
    return N, C, S


def _check_bounds(target, C, ignore_index):
    """IndexError "Target t is out of bounds." for the first bad target (one host sync)."""
    bad = ((target < 0) | (target >= C)) & (target != ignore_index)
    if bad.any().item():
        raise IndexError(f"Target {int(target[bad][0].item())} is out of bounds.")


def _target_weights(target, weight, ignore_index, dtype):
    """w[t] per sample (1 without weights), 0 where target == ignore_index."""
    keep = target != ignore_index
    if weight is None:
        return keep.to(dtype)
    safe = E.where(keep, target, 0)
    return weight.to(dtype)[safe.reshape(-1)].reshape(target._shape) * keep.to(dtype)


def _reduce_weighted(loss, wt, reduction):
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / wt.sum()


# ------------------------------------------------------------------------------------------------
# nll_loss
def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    r"""The negative log likelihood loss of log-probabilities against class indices.

    ``loss_i = -weight[t_i] * input[i, t_i]`` (0 where ``t_i == ignore_index``); ``'mean'`` divides
    the sum by the sum of the ``weight[t_i]`` of non-ignored samples.

    Args:
        input (Tensor): log-probabilities ``(C)``, ``(N, C)`` or ``(N, C, d1, ..., dK)``.
        target (Tensor): int64 class indices ``()``, ``(N)`` or ``(N, d1, ..., dK)``.
        weight (Tensor, optional): per-class weight ``(C,)``.
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        ignore_index (int): target value that contributes nothing. Default: -100.
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Examples::

        >>> logp = F.log_softmax(ember.randn(3, 5), dim=1)
        >>> loss = F.nll_loss(logp, ember.tensor([1, 0, 4]))
    """
    reduction = reduction_from_legacy(size_average, reduce, reduction)
    reduction = check_reduction(reduction)
    N, C, S = _nll_geometry(input, target, weight)
    _check_bounds(target, C, ignore_index)
    keep = target != ignore_index
    safe = E.where(keep, target, 0).to(_dt.int64)
    if input.dim() == 1:
        picked = input.gather(0, safe.reshape(1)).reshape(target._shape)
    else:
        picked = input.gather(1, safe.unsqueeze(1)).squeeze(1)
    wt = _target_weights(target, weight, ignore_index, input.dtype)
    loss = -picked * wt
    return _reduce_weighted(loss, wt, reduction)


# ------------------------------------------------------------------------------------------------
# cross_entropy with class indices: the fused primitive
def _mean_scale(reduction, wtot):
    if reduction != "mean":
        return 1.0
    return 1.0 / wtot if wtot else math.inf       # all ignored: no sample has a gradient anyway


def _ce_composite_grads(g, input, target, weight, ignore_index, ls, scale):
    """Gradient w.r.t. the (N, C, S) logits of sum_i g_i * loss_i, written with ember ops
    (recorded under create_graph, so double backward works)."""
    N, C, S = input._shape
    logp = E.log_softmax(input, 1)
    keep = (target != ignore_index).reshape(N, 1, S).to(input.dtype)
    safe = E.where(target == ignore_index, 0, target).reshape(N, 1, S)
    onehot = E.zeros_like(input).scatter(1, safe, 1.0)
    gv = (g.reshape(N, 1, S) if g.dim() else g) * keep
    if scale != 1.0:
        gv = gv * scale
    if weight is not None:
        w = weight.to(input.dtype).reshape(1, C, 1)
        wt = (w * onehot).sum(1, keepdim=True)
        wsum = float(weight.sum().item())
    else:
        w, wt, wsum = 1.0, 1.0, float(C)
    a = (1 - ls) * wt + ls / C * wsum
    return gv * (E.exp(logp) * a - (1 - ls) * wt * onehot - (ls / C) * w)


def _ce_backward(ctx, grads, input, target, weight=None, ignore_index=-100, label_smoothing=0.0,
                 reduction="mean"):
    g = grads[0]
    _, lse, wtot, scale_t = ctx.out
    device_scale = _has(input, "cross_entropy_device") and not is_grad_enabled()
    # on a device the 'mean' scale 1 / wtot stays there (no host read): it multiplies g
    scale = 1.0 if device_scale else _mean_scale(reduction, wtot.item())
    if is_grad_enabled() or not _has(input, "cross_entropy_backward"):
        return _ce_composite_grads(g, input, target, weight, ignore_index, label_smoothing, scale)
    N, C, S = input._shape
    x = input.contiguous()
    gi = _empty(x._shape, x.dtype, x.device)
    gg = g if g.dtype is x.dtype else g.to(x.dtype)
    if device_scale and reduction == "mean":
        gg = gg * scale_t
    w = weight.to(x.dtype).contiguous() if weight is not None else None
    x.device.backend.cross_entropy_backward(gi, gg, scale, x, lse, target, w, N, C, S,
                                            ignore_index, label_smoothing)
    return gi


def _scalar(value, dtype, device):
    t = _empty((), dtype, device)
    device.backend.fill(t, value)
    return t


@differentiable(_ce_backward, inputs=("input",), save=("input", "target", "weight", "result"),
                node="NllLossBackward0")
def _cross_entropy_fused(input, target, weight=None, ignore_index=-100, label_smoothing=0.0,
                         reduction="mean"):
    """(loss, lse, weight_total, scale) of the (N, C, S) logits against flat int64 targets
    (N*S,): loss reduced by `reduction` (per sample for 'none'), the log-sum-exp of each sample,
    the 'mean' denominator sum_i w[t_i] and the backward's scale (1 / that for 'mean', else 1)
    as 0-d tensors.

    Backends with ``cross_entropy_device`` (OpenCL) finish the reduction on the device and report
    an out-of-range target at the host's next synchronization instead of waiting for it here, as
    CUDA's device-side asserts (with the CPU's IndexError): a training step then never waits."""
    N, C, S = input._shape
    x = input.contiguous()
    loss = _empty((N * S,), x.dtype, x.device)
    lse = _empty((N * S,), x.dtype, x.device)
    w = weight.to(x.dtype).contiguous() if weight is not None else None
    be = x.device.backend
    if hasattr(be, "cross_entropy_device"):
        red, wtot_t, scale_t = (_empty((), x.dtype, x.device) for _ in range(3))
        be.cross_entropy_device(loss, lse, x, target, w, N, C, S, ignore_index, label_smoothing,
                                reduction == "mean", red, wtot_t, scale_t)
        return (loss if reduction == "none" else red), lse, wtot_t, scale_t
    bad, tot, wtot = be.cross_entropy(loss, lse, x, target, w, N, C, S, ignore_index,
                                      label_smoothing)
    if bad >= 0:
        raise IndexError(f"Target {int(target[bad].item())} is out of bounds.")
    if reduction == "sum":
        loss = _scalar(tot, x.dtype, x.device)
    elif reduction == "mean":
        loss = _scalar(tot / wtot if wtot else (math.copysign(math.inf, tot) if tot else math.nan),
                       x.dtype, x.device)
    return (loss, lse, _scalar(wtot, x.dtype, x.device),
            _scalar(_mean_scale(reduction, wtot), x.dtype, x.device))


def _ce_composite(x3, t, weight, ignore_index, ls):
    """Per-sample loss of (N, C, S) logits with ember ops (devices without the primitive)."""
    N, C, S = x3._shape
    _check_bounds(t, C, ignore_index)
    logp = E.log_softmax(x3, 1)
    keep = (t != ignore_index).reshape(N, 1, S)
    safe = E.where(keep.reshape(-1), t, 0).reshape(N, 1, S)
    wt = weight.to(x3.dtype)[safe.reshape(-1)].reshape(N, 1, S) if weight is not None else 1.0
    nll = -logp.gather(1, safe) * wt
    if ls:
        w = weight.to(x3.dtype).reshape(1, C, 1) if weight is not None else 1.0
        nll = (1 - ls) * nll - ls / C * (logp * w).sum(1, keepdim=True)
    return (nll * keep.to(x3.dtype)).reshape(-1)


def _cross_entropy_probs(input, target, weight, reduction, ls):
    """cross_entropy with class-probability targets (same shape as input)."""
    if not target.dtype.is_floating_point:
        raise RuntimeError(f"Expected floating point type for target with class probabilities, got "
                           f"{_type_name(target.dtype)}")
    class_dim = 0 if input.dim() == 1 else 1
    C = input._shape[class_dim]
    if weight is not None and (weight.dim() != 1 or weight.numel() != C):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all {C} "
                           f"classes or no classes but got weight tensor of shape: "
                           f"{list(weight._shape)}")
    logp = E.log_softmax(input, class_dim)
    if ls > 0:
        target = target * (1 - ls) + ls / C
    prod = logp * target
    if weight is not None:
        wv = weight.reshape((1, C) + (1,) * (input.dim() - 2)) if input.dim() > 1 else weight
        prod = prod * wv
    if reduction == "none":
        return -prod.sum(class_dim)
    if reduction == "sum":
        return -prod.sum()
    if input.numel() == 0:
        return -prod.sum() * float("nan")
    return -prod.sum() / (input.numel() // C)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    r"""The cross entropy between logits and class indices or class probabilities.

    With class indices ``t``: ``loss_i = (1-ls) * w[t_i] * (lse_i - x_{i,t_i}) +
    ls/C * sum_c w[c] * (lse_i - x_{i,c})`` (``lse`` the log-sum-exp of the sample's logits, 0 for
    ignored samples), and ``'mean'`` divides the sum by ``sum_i w[t_i]`` over non-ignored samples.
    With probabilities ``p`` (same shape as input): ``loss = -sum_c w[c] p_c log_softmax(x)_c``
    and ``'mean'`` divides by the number of samples. Huge logits stay finite.

    Args:
        input (Tensor): logits ``(C)``, ``(N, C)`` or ``(N, C, d1, ..., dK)``.
        target (Tensor): int64 class indices ``()``, ``(N)``, ``(N, d1, ..., dK)``, or
            floating class probabilities of the input's shape.
        weight (Tensor, optional): per-class weight ``(C,)``.
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        ignore_index (int): class-index target value that contributes nothing. Default: -100.
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.
        label_smoothing (float): in [0, 1]; mixes the target with the uniform distribution.

    Shape:
        - Output: scalar, or the target's shape (class indices) / the input without its class
          dim (probabilities) with ``reduction='none'``.

    Examples::

        >>> logits = ember.randn(3, 5, requires_grad=True)
        >>> loss = F.cross_entropy(logits, ember.tensor([1, 0, 4]))
        >>> loss.backward()
    """
    reduction = reduction_from_legacy(size_average, reduce, reduction)
    reduction = check_reduction(reduction)
    if not isinstance(input, Tensor) or not isinstance(target, Tensor):
        raise TypeError("cross_entropy(): argument 'input' and 'target' must be Tensor")
    ls = float(label_smoothing)
    if tuple(input._shape) == tuple(target._shape) and target.dtype.is_floating_point:
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        if ls < 0 or ls > 1:
            raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {ls}")
        return _cross_entropy_probs(input, target, weight, reduction, ls)
    if ls < 0 or ls > 1:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {ls}")
    N, C, S = _nll_geometry(input, target, weight)
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"\"log_softmax_lastdim_kernel_impl\" not implemented for "
                           f"'{_type_name(input.dtype)}'")
    t = target.reshape(-1)
    if t.dtype is not _dt.int64 or not t.is_contiguous():
        t = t.to(_dt.int64).contiguous()
    x3 = input.reshape(N, C, S)
    weight_grad = weight is not None and weight.requires_grad and is_grad_enabled()
    if _has(input, "cross_entropy") and not weight_grad:
        loss = _cross_entropy_fused(x3, t, weight, int(ignore_index), ls, reduction)[0]
        if reduction == "none" and tuple(loss._shape) != tuple(target._shape):
            loss = loss.reshape(target._shape)
        return loss
    # composite (differentiable w.r.t. weight too, and for devices without the primitive)
    loss = _ce_composite(x3, t, weight, int(ignore_index), ls)
    if reduction == "none":
        return loss.reshape(target._shape)
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / _target_weights(t, weight, ignore_index, loss.dtype).sum()
