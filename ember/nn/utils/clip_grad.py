"""Gradient clipping (torch.nn.utils.clip_grad): by total norm or by value, in place, no grad.

The total norm is computed on the gradients' device (norms of each gradient, then the norm of
those), and the clipping coefficient stays a tensor: no host round trip unless
``error_if_nonfinite`` asks for a check.
"""
import functools
import warnings

from ...tensor import Tensor
from ...autograd.grad_mode import no_grad
from ... import ops as _ops
from ... import linalg as _linalg

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]


def _no_grad(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with no_grad():
            return func(*args, **kwargs)
    return wrapper


def _as_list(tensors):
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


@_no_grad
def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    r"""The norm of an iterable of tensors, as if their elements were concatenated into one
    vector (usually the gradients of a model's parameters).

    Args:
        tensors (Iterable[Tensor] or Tensor): tensors whose norm is computed (None entries skipped).
        norm_type (float): type of the used p-norm. Can be ``'inf'`` for infinity norm. Default: 2.0
        error_if_nonfinite (bool): raise if the total norm is ``nan``, ``inf`` or ``-inf``. Default: ``False``
        foreach (bool): accepted for compatibility (every device computes the per-tensor norms the same way).

    Returns:
        Total norm of the tensors (viewed as a single vector), a 0-dim tensor.
    """
    tensors = [t for t in _as_list(tensors) if t is not None]
    norm_type = float(norm_type)
    if len(tensors) == 0:
        return _ops.tensor(0.0)
    first_device = tensors[0].device
    norms = [_linalg.vector_norm(g, norm_type) for g in tensors]
    total_norm = _linalg.vector_norm(_ops.stack([n.to(first_device) for n in norms]), norm_type)
    if error_if_nonfinite and bool(_ops.logical_or(total_norm.isnan(), total_norm.isinf())):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it "
                           "cannot be clipped. To disable this error and scale the gradients by the non-finite norm "
                           "anyway, set `error_if_nonfinite=False`")
    return total_norm


@_no_grad
def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    r"""Scale the gradients of ``parameters`` by ``max_norm / (total_norm + 1e-6)`` where that
    is below 1 (the second half of :func:`clip_grad_norm_`).

    Args:
        parameters (Iterable[Tensor] or Tensor): tensors whose gradients will be scaled in place.
        max_norm (float): max norm of the gradients.
        total_norm (Tensor): total norm of the gradients to use for clipping.
        foreach (bool): accepted for compatibility.
    """
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if len(grads) == 0:
        return
    clip_coef = max_norm / (total_norm + 1e-6)
    # multiplying by the clamped coefficient avoids a data-dependent branch (and a host sync)
    clip_coef_clamped = _ops.clamp(clip_coef, max=1.0)
    for g in grads:
        g.mul_(clip_coef_clamped.to(g.device, g.dtype))


@_no_grad
def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    r"""Clip the gradient norm of an iterable of parameters in place.

    The norm is computed over the norms of the individual gradients of all parameters, as if
    they were concatenated into a single vector.

    Args:
        parameters (Iterable[Tensor] or Tensor): an iterable of Tensors or a single Tensor that
            will have gradients normalized
        max_norm (float): max norm of the gradients
        norm_type (float): type of the used p-norm. Can be ``'inf'`` for infinity norm. Default: 2.0
        error_if_nonfinite (bool): raise if the total norm is non-finite. Default: ``False``
        foreach (bool): accepted for compatibility.

    Returns:
        Total norm of the parameter gradients (viewed as a single vector).

    Example::

        >>> loss.backward()
        >>> nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        >>> optimizer.step()
    """
    parameters = _as_list(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    r"""Deprecated: use :func:`clip_grad_norm_`."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


@_no_grad
def clip_grad_value_(parameters, clip_value, foreach=None):
    r"""Clip the gradients of an iterable of parameters at the specified value, in place, to
    :math:`\left[\text{-clip\_value}, \text{clip\_value}\right]`.

    Args:
        parameters (Iterable[Tensor] or Tensor): an iterable of Tensors or a single Tensor
        clip_value (float): maximum allowed value of the gradients
        foreach (bool): accepted for compatibility.
    """
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        if p.grad is not None:
            p.grad.clamp_(min=-clip_value, max=clip_value)
