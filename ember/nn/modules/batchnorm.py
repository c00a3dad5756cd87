"""BatchNorm1d/2d/3d and their lazy variants (torch.nn), with running statistics buffers."""
from ... import ops as _ops
from ... import dtypes as _dt
from ...autograd.grad_mode import no_grad
from ...tensor import Tensor
from .module import Module
from .lazy import LazyModuleMixin
from ..parameter import Parameter, UninitializedParameter
from .. import functional as F
from .. import init

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LazyBatchNorm1d", "LazyBatchNorm2d",
           "LazyBatchNorm3d"]


class _UninitializedBuffer(UninitializedParameter):
    """A buffer of a lazy module (torch.nn.UninitializedBuffer): no data until materialized,
    then a plain tensor."""

    __slots__ = ()

    def __new__(cls, requires_grad=False, device=None, dtype=None):
        return UninitializedParameter.__new__(cls, False, device, dtype)

    def materialize(self, shape, device=None, dtype=None):
        super().materialize(shape, device, dtype)
        self.__class__ = Tensor
        self._is_param = False


class _NormBase(Module):
    """Common base of _InstanceNorm and _BatchNorm: affine parameters and running statistics."""

    _version = 2
    __constants__ = ["track_running_stats", "momentum", "eps", "num_features", "affine"]

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None, *, bias=True):
        factory_kwargs = {"device": device, "dtype": dtype}
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if self.affine:
            self.weight = Parameter(_ops.empty(num_features, **factory_kwargs))
            if bias:
                self.bias = Parameter(_ops.empty(num_features, **factory_kwargs))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if self.track_running_stats:
            self.register_buffer("running_mean", _ops.zeros(num_features, **factory_kwargs))
            self.register_buffer("running_var", _ops.ones(num_features, **factory_kwargs))
            self.register_buffer("num_batches_tracked",
                                 _ops.tensor(0, dtype=_dt.int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self):
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input):
        raise NotImplementedError

    def extra_repr(self):
        return ("{num_features}, eps={eps}, momentum={momentum}, affine={affine}, bias={use_bias}, "
                "track_running_stats={track_running_stats}".format(
                    **self.__dict__, use_bias=self.bias is not None))

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):
        version = local_metadata.get("version", None)
        if (version is None or version < 2) and self.track_running_stats:
            # version 2 added num_batches_tracked: old checkpoints start it at 0
            key = prefix + "num_batches_tracked"
            if key not in state_dict:
                state_dict[key] = self.num_batches_tracked if self.num_batches_tracked is not None \
                    else _ops.tensor(0, dtype=_dt.int64)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs)


class _BatchNorm(_NormBase):
    def forward(self, input):
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:       # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.item())
        bn_training = True if self.training else (self.running_mean is None and self.running_var is None)
        track = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if track else None,
                            self.running_var if track else None, self.weight, self.bias,
                            bn_training, factor, self.eps)


_DOC = r"""Applies Batch Normalization over a {dims} input.

    .. math:: y = \frac{{x - \mathrm{{E}}[x]}}{{\sqrt{{\mathrm{{Var}}[x] + \epsilon}}}} * \gamma + \beta

    Statistics are computed per channel (dim 1) over the batch{extra}. In training mode the
    biased batch variance normalizes, and the running estimates are updated with
    ``running = (1 - momentum) * running + momentum * stat`` (unbiased variance; ``momentum=None``
    gives a cumulative average); in eval mode the running estimates normalize.

    Args:
        num_features: :math:`C`, the number of channels.
        eps: added to the variance. Default: 1e-5
        momentum: running-statistics factor, or ``None`` for a cumulative average. Default: 0.1
        affine: learnable per-channel ``weight`` (ones) and ``bias`` (zeros). Default: ``True``
        track_running_stats: keep ``running_mean``, ``running_var`` and ``num_batches_tracked``
            buffers; without them batch statistics are used in eval mode too. Default: ``True``
        bias: learn the additive ``bias`` (with ``affine``). Default: ``True``

    Shape:
        - Input: {shape}; Output: same shape.

    Examples::

        >>> m = nn.{name}(100)
        >>> output = m(ember.randn({example}))
"""


class BatchNorm1d(_BatchNorm):
    __doc__ = _DOC.format(dims="2D or 3D", extra="", shape=":math:`(N, C)` or :math:`(N, C, L)`",
                          name="BatchNorm1d", example="20, 100")

    def _check_input_dim(self, input):
        if input.dim() != 2 and input.dim() != 3:
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class BatchNorm2d(_BatchNorm):
    __doc__ = _DOC.format(dims="4D", extra=" and the spatial dims", shape=":math:`(N, C, H, W)`",
                          name="BatchNorm2d", example="20, 100, 35, 45")

    def _check_input_dim(self, input):
        if input.dim() != 4:
            raise ValueError(f"expected 4D input (got {input.dim()}D input)")


class BatchNorm3d(_BatchNorm):
    __doc__ = _DOC.format(dims="5D", extra=" and the spatial dims",
                          shape=":math:`(N, C, D, H, W)`", name="BatchNorm3d",
                          example="20, 100, 35, 45, 10")

    def _check_input_dim(self, input):
        if input.dim() != 5:
            raise ValueError(f"expected 5D input (got {input.dim()}D input)")


class _LazyNormBase(LazyModuleMixin, _NormBase):
    """num_features inferred from ``input.shape[1]`` on the first forward."""

    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None,
                 dtype=None, *, bias=True):
        factory_kwargs = {"device": device, "dtype": dtype}
        # affine / track_running_stats off here: no tensors that would be replaced at once
        super().__init__(0, eps, momentum, False, False, **factory_kwargs, bias=False)
        self.affine = affine
        self.track_running_stats = track_running_stats
        if self.affine:
            self.weight = UninitializedParameter(**factory_kwargs)
            if bias:
                self.bias = UninitializedParameter(**factory_kwargs)
        if self.track_running_stats:
            self.register_buffer("running_mean", _UninitializedBuffer(**factory_kwargs))
            self.register_buffer("running_var", _UninitializedBuffer(**factory_kwargs))
            self.register_buffer("num_batches_tracked",
                                 _ops.tensor(0, dtype=_dt.int64, device=device))

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input):
        if self.has_uninitialized_params():
            self.num_features = input.shape[1]
            with no_grad():
                if self.affine:
                    self.weight.materialize((self.num_features,))
                    if self.bias is not None:
                        self.bias.materialize((self.num_features,))
                if self.track_running_stats:
                    self.running_mean.materialize((self.num_features,))
                    self.running_var.materialize((self.num_features,))
            self.reset_parameters()


class LazyBatchNorm1d(_LazyNormBase, _BatchNorm):
    """A :class:`BatchNorm1d` whose ``num_features`` is inferred from ``input.size(1)``."""

    cls_to_become = BatchNorm1d

    def _check_input_dim(self, input):
        if input.dim() != 2 and input.dim() != 3:
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class LazyBatchNorm2d(_LazyNormBase, _BatchNorm):
    """A :class:`BatchNorm2d` whose ``num_features`` is inferred from ``input.size(1)``."""

    cls_to_become = BatchNorm2d

    def _check_input_dim(self, input):
        if input.dim() != 4:
            raise ValueError(f"expected 4D input (got {input.dim()}D input)")


class LazyBatchNorm3d(_LazyNormBase, _BatchNorm):
    """A :class:`BatchNorm3d` whose ``num_features`` is inferred from ``input.size(1)``."""

    cls_to_become = BatchNorm3d

    def _check_input_dim(self, input):
        if input.dim() != 5:
            raise ValueError(f"expected 5D input (got {input.dim()}D input)")
