"""Normalization functions: batch_norm, instance_norm, layer_norm, group_norm, rms_norm,
local_response_norm (as torch.nn.functional).

layer_norm and batch_norm run fused backend kernels (one pass for the statistics, one for the
affine output; their backward likewise). Their derivative formulas call the backward kernels when
the backward pass is not itself recorded; under ``create_graph=True`` they switch to a composite of
ember ops, so double backward works. group_norm and instance_norm reuse the same primitives;
rms_norm and local_response_norm are composites. On a device whose backend lacks the primitives
every function falls back to its composite form.
"""
import numbers

import ember as E
from ...tensor import Tensor, _empty
from ... import dtypes as _dt
from ...autograd.function import differentiable
from ...autograd.grad_mode import no_grad, is_grad_enabled

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm",
           "local_response_norm"]


def _has(x, name):
    return hasattr(x.device.backend, name)


def _stat_dtype(x):
    """Statistics of half inputs are kept in float32 (as PyTorch's accumulate type)."""
    return _dt.float32 if x.dtype in (_dt.float16, _dt.bfloat16) else x.dtype


def _check_float(x, kernel):
    if not isinstance(x, Tensor):
        raise TypeError(f"expected Tensor as element 0 in argument 0, but got {type(x).__name__}")
    if not x.dtype.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_type_name(x.dtype)}'")


def _type_name(d):
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool", "float32": "Float", "float64": "Double", "float16": "Half",
            "bfloat16": "BFloat16"}[d.name]


def _prod(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _as(t, like):
    """t converted to like's dtype (None stays None)."""
    return t if t is None or t.dtype is like.dtype else t.to(like.dtype)


# ------------------------------------------------------------------------------------------------
# layer_norm: fused primitive (rows of n = prod(normalized_shape) elements)
def _layer_norm_composite_grads(ctx, g, input, weight, bias, k, eps):
    """The gradients of layer_norm written with ember ops (recorded under create_graph)."""
    dims = tuple(range(input.dim() - k, input.dim()))
    lead = tuple(range(input.dim() - k))
    x = input.to(g.dtype) if input.dtype is not g.dtype else input
    mu = x.mean(dims, keepdim=True)
    xc = x - mu
    rstd = E.rsqrt((xc * xc).mean(dims, keepdim=True) + eps)
    xhat = xc * rstd
    n = ctx.needs_input_grad
    gi = gw = gb = None
    if n[0]:
        gx = g * weight if weight is not None else g
        gi = rstd * (gx - gx.mean(dims, keepdim=True) - xhat * (gx * xhat).mean(dims, keepdim=True))
    if n[1] and weight is not None:
        gw = (g * xhat).sum(lead) if lead else g * xhat
    if n[2] and bias is not None:
        gb = g.sum(lead) if lead else g
    return gi, gw, gb


def _layer_norm_backward(ctx, grads, input, weight=None, bias=None, k=1, eps=1e-5):
    g = grads[0]
    if is_grad_enabled():
        return _layer_norm_composite_grads(ctx, g, input, weight, bias, k, eps)
    _, mean, rstd = ctx.out
    n = ctx.needs_input_grad
    x = input.contiguous()
    g = g.contiguous()
    gi = _empty(x._shape, x.dtype, x.device) if n[0] else None
    gw = _empty(weight._shape, weight.dtype, x.device) if n[1] and weight is not None else None
    gb = _empty(bias._shape, bias.dtype, x.device) if n[2] and bias is not None else None
    w = _as(weight, x)
    if w is not None:
        w = w.contiguous()
    x.device.backend.layer_norm_backward(gi, gw, gb, g, x, mean, rstd, w)
    return gi, gw, gb


@differentiable(_layer_norm_backward, inputs=("input", "weight", "bias"),
                save=("input", "weight", "result1", "result2"), node="NativeLayerNormBackward0")
def _layer_norm_fused(input, weight=None, bias=None, k=1, eps=1e-5):
    """(out, mean, rstd) of the layer norm over the last k dims (mean/rstd: one per row)."""
    x = input.contiguous()
    n = _prod(x._shape[x.dim() - k:])
    rows = x.numel() // n if n else _prod(x._shape[:x.dim() - k])
    out = _empty(x._shape, x.dtype, x.device)
    sd = _stat_dtype(x)
    mean = _empty((rows,), sd, x.device)
    rstd = _empty((rows,), sd, x.device)
    w = _as(weight, x)
    b = _as(bias, x)
    x.device.backend.layer_norm(out, mean, rstd, x, w.contiguous() if w is not None else None,
                                b.contiguous() if b is not None else None, eps)
    return out, mean, rstd


def _layer_norm_composite(x, k, weight, bias, eps):
    dims = tuple(range(x.dim() - k, x.dim()))
    mu = x.mean(dims, keepdim=True)
    xc = x - mu
    y = xc * E.rsqrt((xc * xc).mean(dims, keepdim=True) + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def _normalized_shape(normalized_shape):
    if isinstance(normalized_shape, numbers.Integral):
        return (int(normalized_shape),)
    return tuple(int(s) for s in normalized_shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    r"""Apply Layer Normalization over the last ``len(normalized_shape)`` dimensions.

    .. math:: y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} * \gamma + \beta

    The variance is the biased one. Runs a fused kernel (statistics and affine in one sweep of
    each row, rows split across threads).

    Args:
        input (Tensor): input of shape ``(*, *normalized_shape)``.
        normalized_shape (int or tuple): the trailing shape to normalize over.
        weight (Tensor, optional): :math:`\gamma`, of shape ``normalized_shape``.
        bias (Tensor, optional): :math:`\beta`, of shape ``normalized_shape``.
        eps (float): added to the variance for numerical stability. Default: 1e-5.

    Shape:
        - Input: :math:`(*, *normalized\_shape)`; Output: same shape as the input.

    Examples::

        >>> x = ember.randn(4, 10)
        >>> y = F.layer_norm(x, (10,))
    """
    _check_float(input, "LayerNormKernelImpl")
    ns = _normalized_shape(normalized_shape)
    k = len(ns)
    if k == 0 or tuple(input._shape[input.dim() - k:]) != ns or input.dim() < k:
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape "
                           f"[*, {', '.join(str(s) for s in ns)}], but got input of size"
                           f"{list(input._shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t._shape) != ns:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got "
                               f"{name} of shape {list(t._shape)} and normalized_shape = {list(ns)}")
    if not _has(input, "layer_norm"):
        return _layer_norm_composite(input, k, weight, bias, eps)
    return _layer_norm_fused(input, weight, bias, k, float(eps))[0]


# ------------------------------------------------------------------------------------------------
# batch_norm: fused primitives over the (N, C, S) view of the input
def _ncs(x):
    return x._shape[0], (x._shape[1] if x.dim() > 1 else 1), _prod(x._shape[2:])


def _channel_view(t, x):
    """A (C,) vector reshaped to broadcast against x's channel dim."""
    return t.reshape((1, -1) + (1,) * (x.dim() - 2))


def _channel_affine_backward(ctx, g, input, scale, shift):
    n = ctx.needs_input_grad
    dims = (0,) + tuple(range(2, input.dim()))
    gi = gs = gb = None
    if n[0]:
        gi = _channel_affine(g, scale, None)
    if is_grad_enabled() or not _has(g, "channel_dot"):
        if n[1]:
            gs = (g * input).sum(dims)
        if n[2]:
            gb = g.sum(dims)
        return gi, gs, gb
    if n[1] or n[2]:
        x = input.contiguous()
        gc = g.contiguous()
        N, C, S = _ncs(x)
        sg = _empty((C,), x.dtype, x.device)
        sgx = _empty((C,), x.dtype, x.device)
        zero = E.zeros((C,), dtype=x.dtype, device=x.device)
        x.device.backend.channel_dot(sg, sgx, gc, x, zero, N, C, S)
        gs = sgx if n[1] else None
        gb = sg if n[2] else None
    return gi, gs, gb


@differentiable(_channel_affine_backward, inputs=("input", "scale", "shift"),
                save=("input", "scale"), node="NativeBatchNormBackward0")
def _channel_affine(input, scale, shift):
    """input * scale[c] + shift[c] over the channel dim 1 of input (N, C, *); either may be None."""
    x = input.contiguous()
    N, C, S = _ncs(x)
    if scale is None:
        scale = E.ones((C,), dtype=x.dtype, device=x.device)
    if shift is None:
        shift = E.zeros((C,), dtype=x.dtype, device=x.device)
    if not _has(x, "channel_affine"):
        return x * _channel_view(scale, x) + _channel_view(shift, x)
    out = _empty(x._shape, x.dtype, x.device)
    x.device.backend.channel_affine(out, x, _as(scale, x).contiguous(), None, None,
                                    _as(shift, x).contiguous(), N, C, S)
    return out


def _batch_norm_train_backward(ctx, grads, input, weight=None, bias=None, eps=1e-5, running=None):
    g = grads[0]
    n = ctx.needs_input_grad
    dims = (0,) + tuple(range(2, input.dim()))
    if is_grad_enabled():
        # composite (recorded): the statistics recomputed from input so they differentiate too
        x = input
        mu = x.mean(dims, keepdim=True)
        xc = x - mu
        invstd = E.rsqrt((xc * xc).mean(dims, keepdim=True) + eps)
        xhat = xc * invstd
        gi = gw = gb = None
        if n[0]:
            k = invstd * _channel_view(weight, x) if weight is not None else invstd
            gi = k * (g - g.mean(dims, keepdim=True) - xhat * (g * xhat).mean(dims, keepdim=True))
        if n[1] and weight is not None:
            gw = (g * xhat).sum(dims)
        if n[2] and bias is not None:
            gb = g.sum(dims)
        return gi, gw, gb
    _, mean, var = ctx.out
    x = input.contiguous()
    gc = g.contiguous()
    N, C, S = _ncs(x)
    M = N * S
    sd = mean.dtype
    if _has(x, "batch_norm_train_backward") and x.numel():
        # fused (OpenCL): the per-channel sums, then the coefficients and affine gradients in
        # one kernel, then the input gradient's per-channel affine
        gi = _empty(x._shape, x.dtype, x.device) if n[0] else None
        gw = _empty((C,), sd, x.device) if n[1] and weight is not None else None
        gb = _empty((C,), sd, x.device) if n[2] and bias is not None else None
        x.device.backend.batch_norm_train_backward(gi, gw, gb, gc, x, mean, var,
                                                   weight.to(sd) if weight is not None else None,
                                                   eps, N, C, S)
        return gi, gw, gb
    sg = _empty((C,), sd, x.device)
    sgx = _empty((C,), sd, x.device)
    x.device.backend.channel_dot(sg, sgx, gc, x, mean, N, C, S)
    invstd = E.rsqrt(var + eps)
    gi = gw = gb = None
    if n[0]:
        k1 = invstd * weight.to(sd) if weight is not None else invstd
        k2 = -k1 * invstd * invstd * (sgx / M)
        k3 = -k1 * (sg / M) - k2 * mean
        gi = _empty(x._shape, x.dtype, x.device)
        x.device.backend.channel_affine(gi, gc, _as(k1, x).contiguous(), x, _as(k2, x).contiguous(),
                                        _as(k3, x).contiguous(), N, C, S)
    if n[1] and weight is not None:
        gw = sgx * invstd
    if n[2] and bias is not None:
        gb = sg
    return gi, gw, gb


@differentiable(_batch_norm_train_backward, inputs=("input", "weight", "bias"),
                save=("input", "weight", "result1", "result2"), node="NativeBatchNormBackward0")
def _batch_norm_train(input, weight=None, bias=None, eps=1e-5, running=None):
    """(out, mean, var): batch norm with the batch's own statistics (var biased). `running`
    (running_mean, running_var, momentum), given only where the backend has the fused
    batch_norm_train (the statistics dtype, a non-empty input), is updated in place there."""
    x = input.contiguous()
    N, C, S = _ncs(x)
    sd = _stat_dtype(x)
    mean = _empty((C,), sd, x.device)
    var = _empty((C,), sd, x.device)
    out = _empty(x._shape, x.dtype, x.device)
    if running is not None:
        rm, rv, momentum = running
        x.device.backend.batch_norm_train(out, mean, var, x,
                                          weight.to(sd) if weight is not None else None,
                                          bias.to(sd) if bias is not None else None, rm, rv,
                                          eps, momentum, N, C, S)
        for t in (rm, rv):
            if t is not None:
                t._bump_version()
        return out, mean, var
    x.device.backend.channel_moments(mean, var, x, N, C, S)
    scale = E.rsqrt(var + eps)
    if weight is not None:
        scale = scale * weight.to(sd)
    shift = -mean * scale
    if bias is not None:
        shift = shift + bias.to(sd)
    x.device.backend.channel_affine(out, x, _as(scale, x), None, None, _as(shift, x), N, C, S)
    return out, mean, var


def _batch_norm_composite(x, weight, bias, eps):
    dims = (0,) + tuple(range(2, x.dim()))
    mean = x.mean(dims, keepdim=True)
    var = x.var(dims, correction=0, keepdim=True)
    y = (x - mean) * E.rsqrt(var + eps)
    if weight is not None:
        y = y * _channel_view(weight, x)
    if bias is not None:
        y = y + _channel_view(bias, x)
    return y, mean.reshape(-1), var.reshape(-1)


def _verify_batch_size(size):
    if _prod(size[:1] + size[2:]) == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                         f"{E.Size(size)!r}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    r"""Apply Batch Normalization for each channel (dim 1) across a batch of data.

    In training mode the batch statistics (biased variance) normalize the input, and the running
    statistics, when given, are updated in place:
    ``running = (1 - momentum) * running + momentum * batch_stat`` (the variance unbiased).
    Otherwise the running statistics normalize it.

    Args:
        input (Tensor): ``(N, C)`` or ``(N, C, *)``.
        running_mean (Tensor, optional): ``(C,)``, updated in place when training.
        running_var (Tensor, optional): ``(C,)``, updated in place when training.
        weight (Tensor, optional): per-channel scale ``(C,)``.
        bias (Tensor, optional): per-channel shift ``(C,)``.
        training (bool): use (and update) batch statistics. Default: False.
        momentum (float): the running statistics' update factor. Default: 0.1.
        eps (float): added to the variance. Default: 1e-5.

    Shape:
        - Input: :math:`(N, C, *)`; Output: same shape.

    Examples::

        >>> x = ember.randn(8, 3, 4, 4)
        >>> rm, rv = ember.zeros(3), ember.ones(3)
        >>> y = F.batch_norm(x, rm, rv, training=True)
    """
    _check_float(input, "batch_norm")
    if input.dim() < 2:
        C = input._shape[0] if input.dim() else 1
        for name, t in (("running_mean", running_mean), ("running_var", running_var)):
            if t is not None and t.numel() != 0:
                raise RuntimeError(f"{name} should contain 0 elements not {t.numel()}")
        raise RuntimeError(f"batch_norm expects an input of at least 2 dimensions, got {input.dim()}")
    C = input._shape[1]
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        if t is not None and t.numel() != C:
            raise RuntimeError(f"{name} should contain {C} elements not {t.numel()}")
    if training:
        _verify_batch_size(tuple(input._shape))
    elif running_mean is None or running_var is None:
        raise RuntimeError(f"running_{'mean' if running_mean is None else 'var'} must be defined "
                           f"in evaluation mode")
    if not training:
        # eval: one per-channel affine, its scale/shift differentiable through ember ops
        sd = _stat_dtype(input)
        scale = E.rsqrt(running_var.to(sd) + eps)
        if weight is not None:
            scale = scale * weight.to(sd)
        shift = -running_mean.to(sd) * scale
        if bias is not None:
            shift = shift + bias.to(sd)
        return _channel_affine(input, scale, shift)
    sd = _stat_dtype(input)
    if _has(input, "batch_norm_train") and input.numel() and \
            all(t is None or (t.dtype is sd and t.is_contiguous() and t.device == input.device)
                for t in (running_mean, running_var)):
        # fused (OpenCL): statistics, output and running statistics in five launches
        return _batch_norm_train(input, weight, bias, float(eps),
                                 (running_mean, running_var, float(momentum)))[0]
    if _has(input, "channel_moments"):
        out, mean, var = _batch_norm_train(input, weight, bias, float(eps))
    else:
        out, mean, var = _batch_norm_composite(input, weight, bias, eps)
    if running_mean is not None or running_var is not None:
        M = input.numel() // C
        with no_grad():
            # running = (1 - momentum) * running + momentum * stat (the variance unbiased)
            if running_mean is not None:
                running_mean.mul_(1 - momentum).add_(mean.detach().to(running_mean.dtype),
                                                     alpha=momentum)
            if running_var is not None:
                f = momentum * M / (M - 1) if M > 1 else momentum
                running_var.mul_(1 - momentum).add_(var.detach().to(running_var.dtype), alpha=f)
    return out


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    r"""Apply Instance Normalization: each channel of each sample normalized on its own.

    Computed as a batch norm of the input viewed as ``(1, N*C, *)``; the running statistics,
    when given, get the batch average of the per-instance updates (as PyTorch).

    Args:
        input (Tensor): ``(N, C, *)``.
        running_mean, running_var (Tensor, optional): ``(C,)`` running statistics.
        weight, bias (Tensor, optional): per-channel affine ``(C,)``.
        use_input_stats (bool): normalize with the instance statistics. Default: True.
        momentum (float): running-statistics factor. Default: 0.1.
        eps (float): added to the variance. Default: 1e-5.

    Shape:
        - Input: :math:`(N, C, *)`; Output: same shape.

    Examples::

        >>> y = F.instance_norm(ember.randn(2, 3, 8, 8))
    """
    _check_float(input, "batch_norm")
    if use_input_stats and _prod(input._shape[2:]) == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                         f"{E.Size(input._shape)!r}")
    N, C = input._shape[0], input._shape[1]
    shape = (1, N * C) + tuple(input._shape[2:])
    x = input.reshape(shape)

    def rep(t):
        return t.repeat(N) if t is not None else None

    rm, rv = rep(running_mean), rep(running_var)
    out = batch_norm(x, rm, rv, rep(weight), rep(bias), use_input_stats, momentum, eps)
    with no_grad():
        if running_mean is not None:
            running_mean.copy_(rm.view(N, C).mean(0))
        if running_var is not None:
            running_var.copy_(rv.view(N, C).mean(0))
    return out.reshape(input._shape)


# ------------------------------------------------------------------------------------------------
# group_norm: fused forward (statistics per (sample, group), per-channel affine in one sweep)
def _group_norm_backward(ctx, grads, input, weight=None, bias=None, G=1, eps=1e-5):
    g = grads[0]
    n = ctx.needs_input_grad
    N, C = input._shape[0], input._shape[1]
    dims = (0,) + tuple(range(2, input.dim()))
    gi = gw = gb = None
    if is_grad_enabled():
        # composite (recorded): the group statistics recomputed from input
        xr = input.reshape(N, G, input.numel() // (N * G) if N else 0)
        xc = xr - xr.mean(2, keepdim=True)
        rstd = E.rsqrt((xc * xc).mean(2, keepdim=True) + eps)
        xhat = xc * rstd
        if n[0]:
            gy = (g * _channel_view(weight, input) if weight is not None else g).reshape(xr.shape)
            gi = rstd * (gy - gy.mean(2, keepdim=True) - xhat * (gy * xhat).mean(2, keepdim=True))
            gi = gi.reshape(input._shape)
        if n[1] and weight is not None:
            gw = (g * xhat.reshape(input._shape)).sum(dims)
        if n[2] and bias is not None:
            gb = g.sum(dims)
        return gi, gw, gb
    _, mean, rstd = ctx.out
    be = input.device.backend
    x = input.contiguous()
    gc = g.contiguous()
    S = x.numel() // (N * C) if N * C else 0
    if n[0]:
        gy = gc
        if weight is not None:
            gy = _empty(x._shape, x.dtype, x.device)
            be.channel_affine(gy, gc, _as(weight, x).contiguous(), None, None,
                              E.zeros((C,), dtype=x.dtype, device=x.device), N, C, S)
        gi = _empty(x._shape, x.dtype, x.device)
        be.layer_norm_backward(gi, None, None, gy, x, mean, rstd, None)
    if (n[1] and weight is not None) or (n[2] and bias is not None):
        # per (sample, channel) sums of g and g*x, combined with the group statistics
        sg = _empty((N * C,), x.dtype, x.device)
        sgx = _empty((N * C,), x.dtype, x.device)
        be.channel_dot(sg, sgx, gc, x, E.zeros((N * C,), dtype=x.dtype, device=x.device), 1,
                       N * C, S)
        sg, sgx = sg.reshape(N, G, C // G), sgx.reshape(N, G, C // G)
        if n[1] and weight is not None:
            m, r = mean.reshape(N, G, 1).to(x.dtype), rstd.reshape(N, G, 1).to(x.dtype)
            gw = (r * (sgx - m * sg)).sum(0).reshape(C)
        if n[2] and bias is not None:
            gb = sg.sum(0).reshape(C)
    return gi, gw, gb


@differentiable(_group_norm_backward, inputs=("input", "weight", "bias"),
                save=("input", "weight", "result1", "result2"), node="NativeGroupNormBackward0")
def _group_norm_fused(input, weight=None, bias=None, G=1, eps=1e-5):
    """(out, mean, rstd) of the group norm of input (N, C, *) (mean/rstd: (N*G,))."""
    x = input.contiguous()
    N, C = x._shape[0], x._shape[1]
    S = x.numel() // (N * C) if N * C else 0
    out = _empty(x._shape, x.dtype, x.device)
    sd = _stat_dtype(x)
    mean = _empty((N * G,), sd, x.device)
    rstd = _empty((N * G,), sd, x.device)
    w, b = _as(weight, x), _as(bias, x)
    x.device.backend.group_norm(out, mean, rstd, x, w.contiguous() if w is not None else None,
                                b.contiguous() if b is not None else None, N, C, S, G, eps)
    return out, mean, rstd


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    r"""Apply Group Normalization: statistics over groups of channels of each sample.

    Args:
        input (Tensor): ``(N, C, *)`` with ``C`` divisible by ``num_groups``.
        num_groups (int): number of groups.
        weight, bias (Tensor, optional): per-channel affine ``(C,)``.
        eps (float): added to the variance. Default: 1e-5.

    Shape:
        - Input: :math:`(N, C, *)`; Output: same shape.

    Examples::

        >>> y = F.group_norm(ember.randn(2, 6, 5), 3)
    """
    _check_float(input, "GroupNormKernelImpl")
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    N, C = input._shape[0], input._shape[1]
    if num_groups <= 0 or C % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but "
                           f"got input of shape {list(input._shape)} and num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.numel() != C):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of "
                               f"channels in input, but got {name} of shape {list(t._shape)} and "
                               f"input of shape {list(input._shape)}")
    if _has(input, "group_norm"):
        return _group_norm_fused(input, weight, bias, int(num_groups), float(eps))[0]
    x = input.reshape((N, num_groups, -1)) if input.numel() else input.reshape((N, num_groups, 0))
    y = _layer_norm_composite(x, 1, None, None, eps).reshape(input._shape)
    if weight is None and bias is None:
        return y
    return _channel_affine(y, weight, bias)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    r"""Apply Root Mean Square Layer Normalization over the trailing ``normalized_shape``.

    .. math:: y = \frac{x}{\sqrt{\mathrm{mean}(x^2) + \epsilon}} * \gamma

    Args:
        input (Tensor): ``(*, *normalized_shape)``.
        normalized_shape (int or tuple): the trailing shape.
        weight (Tensor, optional): :math:`\gamma` of shape ``normalized_shape``.
        eps (float, optional): default ``ember.finfo(input.dtype).eps``.

    Examples::

        >>> y = F.rms_norm(ember.randn(2, 8), (8,))
    """
    _check_float(input, "rms_norm")
    ns = _normalized_shape(normalized_shape)
    k = len(ns)
    if input.dim() < k or tuple(input._shape[input.dim() - k:]) != ns:
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape "
                           f"[*{', '.join(str(s) for s in ns)}], but got input of size"
                           f"{list(input._shape)}")
    if weight is not None and tuple(weight._shape) != ns:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got "
                           f"weight of shape {list(weight._shape)} and normalized_shape = {list(ns)}")
    if eps is None:
        eps = E.finfo(input.dtype).eps
    dims = tuple(range(input.dim() - k, input.dim()))
    y = input * E.rsqrt((input * input).mean(dims, keepdim=True) + eps)
    if weight is not None:
        y = y * weight
    return y


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    r"""Apply local response normalization across channels (dim 1).

    .. math:: b_c = a_c \left(k + \frac{\alpha}{n} \sum_{c'=c-n/2}^{c+(n-1)/2} a_{c'}^2\right)^{-\beta}

    Args:
        input (Tensor): ``(N, C, *)`` with at least 3 dimensions.
        size (int): number of neighbouring channels in the sum.
        alpha, beta, k (float): as in the formula. Defaults: 1e-4, 0.75, 1.0.

    Examples::

        >>> y = F.local_response_norm(ember.randn(2, 6, 4, 4), 3)
    """
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          "
                         f"input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    C = input._shape[1]
    sq = input * input
    lo, hi = size // 2, (size - 1) // 2
    pad_shape = list(input._shape)
    parts = []
    if lo:
        pad_shape[1] = lo
        parts.append(E.zeros(tuple(pad_shape), dtype=input.dtype, device=input.device))
    parts.append(sq)
    if hi:
        pad_shape[1] = hi
        parts.append(E.zeros(tuple(pad_shape), dtype=input.dtype, device=input.device))
    padded = E.cat(parts, 1) if len(parts) > 1 else sq
    # the window sum as a difference of prefix sums would lose precision; add the shifts instead
    div = padded.narrow(1, 0, C)
    for j in range(1, size):
        div = div + padded.narrow(1, j, C)
    div = (div * (alpha / size) + k) ** beta
    return input / div
