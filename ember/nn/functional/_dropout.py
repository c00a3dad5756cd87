"""Dropout family (torch.nn.functional): masks drawn with ember's random ops (seeded by
ember.manual_seed), applied as one multiply so the gradient is the same mask."""
import warnings

from ... import ops as _ops
from ...autograd.grad_mode import is_grad_enabled

__all__ = ["dropout", "alpha_dropout", "dropout1d", "dropout2d", "dropout3d", "feature_alpha_dropout"]

_SELU_ALPHA_SCALE = 1.7580993408473766      # -SELU's (scale * alpha): the value SELU saturates to


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _apply(input, noise, bias, inplace):
    """input * noise (+ bias), written into input when inplace."""
    if inplace:
        if input.requires_grad and is_grad_enabled():
            res = input.clone() * noise
            if bias is not None:
                res = res + bias
            return input.copy_(res)
        input.mul_(noise)
        return input.add_(bias) if bias is not None else input
    out = input * noise
    return out + bias if bias is not None else out


def _dropout_impl(input, p, train, inplace, feature=False, alpha=False):
    if not train or p == 0 or input.numel() == 0:
        return input
    if p == 1:
        return _apply(input, _ops.zeros((), dtype=input.dtype, device=input.device), None, inplace)
    if feature:
        # one draw per (sample, channel), broadcast over the remaining (spatial) dimensions
        if input.dim() < 2:
            raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
        shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
    else:
        shape = tuple(input.shape)
    noise = _ops.empty(shape, dtype=input.dtype, device=input.device).bernoulli_(1 - p)
    if alpha:
        a = 1.0 / ((_SELU_ALPHA_SCALE ** 2 * p + 1) * (1 - p)) ** 0.5
        b = (noise - 1).mul_(_SELU_ALPHA_SCALE * a).add_(_SELU_ALPHA_SCALE * a * p)
        return _apply(input, noise.mul_(a), b, inplace)
    return _apply(input, noise.div_(1 - p), None, inplace)


def dropout(input, p=0.5, training=True, inplace=False):
    r"""During training, zeroes each element of ``input`` with probability ``p`` (Bernoulli draws)
    and scales the kept ones by :math:`\frac{1}{1-p}`; identity otherwise. See :class:`~ember.nn.Dropout`.

    Args:
        p: probability of an element to be zeroed. Default: 0.5
        training: apply dropout if ``True``. Default: ``True``
        inplace: do the operation in place. Default: ``False``
    """
    _check_p(p)
    return _dropout_impl(input, p, training, inplace)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    r"""Alpha dropout (for SELU networks): dropped elements are set to SELU's negative saturation
    value and the result is affinely rescaled to keep zero mean and unit variance. See
    :class:`~ember.nn.AlphaDropout`."""
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, alpha=True)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    r"""Alpha dropout of whole channels. See :class:`~ember.nn.FeatureAlphaDropout`."""
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, feature=True, alpha=True)


def dropout1d(input, p=0.5, training=True, inplace=False):
    r"""Zeroes whole channels (of an :math:`(N, C, L)` or :math:`(C, L)` input) with probability
    ``p``. See :class:`~ember.nn.Dropout1d`."""
    _check_p(p)
    inp_dim = input.dim()
    if inp_dim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {inp_dim}D input. Note that "
                           "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
                           "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
                           "inputs).")
    return _feature_dropout_unbatched(input, p, training, inplace, inp_dim == 3)


def _feature_dropout_unbatched(input, p, training, inplace, is_batched):
    if is_batched:
        return _dropout_impl(input, p, training, inplace, feature=True)
    if not training or p == 0:
        return input
    # no batch dimension: the channels are dimension 0; drop on a (1, C, ...) view
    src = input.clone() if inplace and input.requires_grad and is_grad_enabled() else input
    res = _dropout_impl(src.unsqueeze(0), p, training, False, feature=True).squeeze(0)
    return input.copy_(res) if inplace else res


def dropout2d(input, p=0.5, training=True, inplace=False):
    r"""Zeroes whole channels (of an :math:`(N, C, H, W)` input) with probability ``p``. See
    :class:`~ember.nn.Dropout2d`."""
    _check_p(p)
    inp_dim = input.dim()
    if inp_dim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {inp_dim}-D input to dropout2d, which is deprecated and will "
                      "result in an error in a future release. To retain the behavior and silence this "
                      "warning, please use dropout instead. Note that dropout2d exists to provide "
                      "channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, and an "
                      "optional batch dimension (i.e. 3D or 4D inputs).", stacklevel=2)
    if inp_dim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel "
                      "dim. This behavior will change in a future release to interpret the input as one "
                      "without a batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
                      "dropout behavior, please switch to using dropout1d instead.", stacklevel=2)
    return _dropout_impl(input, p, training, inplace, feature=True)


def dropout3d(input, p=0.5, training=True, inplace=False):
    r"""Zeroes whole channels (of an :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)` input) with
    probability ``p``. See :class:`~ember.nn.Dropout3d`."""
    _check_p(p)
    inp_dim = input.dim()
    if inp_dim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {inp_dim}-D input to dropout3d, which is deprecated and will "
                      "result in an error in a future release. To retain the behavior and silence this "
                      "warning, please use dropout instead. Note that dropout3d exists to provide "
                      "channel-wise dropout on inputs with 3 spatial dimensions, a channel dimension, and an "
                      "optional batch dimension (i.e. 4D or 5D inputs).", stacklevel=2)
    return _feature_dropout_unbatched(input, p, training, inplace, inp_dim == 5)
