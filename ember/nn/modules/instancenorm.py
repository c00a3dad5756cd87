"""InstanceNorm1d/2d/3d and their lazy variants (torch.nn)."""
import warnings

from .batchnorm import _NormBase, _LazyNormBase
from .. import functional as F

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LazyInstanceNorm1d",
           "LazyInstanceNorm2d", "LazyInstanceNorm3d"]


class _InstanceNorm(_NormBase):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False,
                 device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype,
                         bias=bias)

    def _check_input_dim(self, input):
        raise NotImplementedError

    def _get_no_batch_dim(self):
        raise NotImplementedError

    def _handle_no_batch_input(self, input):
        return self._apply_instance_norm(input.unsqueeze(0)).squeeze(0)

    def _apply_instance_norm(self, input):
        return F.instance_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                               self.training or not self.track_running_stats,
                               self.momentum if self.momentum is not None else 0.0, self.eps)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):
        version = local_metadata.get("version", None)
        # version 1 removed running_mean / running_var when track_running_stats=False
        if version is None and not self.track_running_stats:
            keys = [prefix + n for n in ("running_mean", "running_var") if prefix + n in state_dict]
            if keys:
                klass = self.__class__.__name__
                error_msgs.append(
                    "Unexpected running stats buffer(s) {names} for {klass} with "
                    "track_running_stats=False. If state_dict is a checkpoint saved before 0.4.0, "
                    "this may be expected because {klass} does not track running stats by default "
                    "since 0.4.0. Please remove these keys from state_dict. If the running stats are "
                    "actually needed, instead set track_running_stats=True in {klass} to enable "
                    "them. See the documentation of {klass} for details.".format(
                        names=" and ".join(f'"{k}"' for k in keys), klass=klass))
                for k in keys:
                    state_dict.pop(k)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs)

    def forward(self, input):
        self._check_input_dim(input)
        feature_dim = input.dim() - self._get_no_batch_dim()
        if input.size(feature_dim) != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={feature_dim} to match num_features "
                                 f"({self.num_features}), but got: {input.size(feature_dim)}.")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You can "
                          f"silence this warning by not passing in num_features, which is not used "
                          f"because affine=False", stacklevel=2)
        if input.dim() == self._get_no_batch_dim():
            return self._handle_no_batch_input(input)
        return self._apply_instance_norm(input)


_DOC = r"""Applies Instance Normalization over a {dims} input: each channel of each sample is
    normalized with its own mean and (biased) variance over the spatial dims.

    Args:
        num_features: :math:`C`, the number of channels.
        eps: added to the variance. Default: 1e-5
        momentum: running-statistics factor (``None``: 0). Default: 0.1
        affine: learnable per-channel ``weight`` and ``bias``. Default: ``False``
        track_running_stats: keep running estimates (used in eval mode). Default: ``False``
        bias: learn the additive ``bias`` (with ``affine``). Default: ``True``

    Shape:
        - Input: {shape}; Output: same shape.

    Examples::

        >>> m = nn.{name}(100, affine=True)
        >>> output = m(ember.randn({example}))
"""


class InstanceNorm1d(_InstanceNorm):
    __doc__ = _DOC.format(dims="2D (unbatched) or 3D", shape=":math:`(N, C, L)` or :math:`(C, L)`",
                          name="InstanceNorm1d", example="20, 100, 40")

    def _get_no_batch_dim(self):
        return 2

    def _check_input_dim(self, input):
        if input.dim() not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class InstanceNorm2d(_InstanceNorm):
    __doc__ = _DOC.format(dims="3D (unbatched) or 4D",
                          shape=":math:`(N, C, H, W)` or :math:`(C, H, W)`", name="InstanceNorm2d",
                          example="20, 100, 35, 45")

    def _get_no_batch_dim(self):
        return 3

    def _check_input_dim(self, input):
        if input.dim() not in (3, 4):
            raise ValueError(f"expected 3D or 4D input (got {input.dim()}D input)")


class InstanceNorm3d(_InstanceNorm):
    __doc__ = _DOC.format(dims="4D (unbatched) or 5D",
                          shape=":math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`",
                          name="InstanceNorm3d", example="20, 100, 35, 45, 10")

    def _get_no_batch_dim(self):
        return 4

    def _check_input_dim(self, input):
        if input.dim() not in (4, 5):
            raise ValueError(f"expected 4D or 5D input (got {input.dim()}D input)")


class _LazyInstanceNorm(_LazyNormBase, _InstanceNorm):
    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None,
                 dtype=None, *, bias=True):
        super().__init__(eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def initialize_parameters(self, input):
        # the channel dim is 0 for unbatched input
        if self.has_uninitialized_params():
            n = input.shape[input.dim() - self._get_no_batch_dim()]
            self.num_features = n
            super().initialize_parameters(_Shape1(n))


class _Shape1:
    """Stands for an input whose shape[1] is n (what _LazyNormBase reads)."""

    def __init__(self, n):
        self.shape = (None, n)


class LazyInstanceNorm1d(_LazyInstanceNorm):
    """An :class:`InstanceNorm1d` whose ``num_features`` is inferred from the input."""

    cls_to_become = InstanceNorm1d
    _get_no_batch_dim = InstanceNorm1d._get_no_batch_dim
    _check_input_dim = InstanceNorm1d._check_input_dim


class LazyInstanceNorm2d(_LazyInstanceNorm):
    """An :class:`InstanceNorm2d` whose ``num_features`` is inferred from the input."""

    cls_to_become = InstanceNorm2d
    _get_no_batch_dim = InstanceNorm2d._get_no_batch_dim
    _check_input_dim = InstanceNorm2d._check_input_dim


class LazyInstanceNorm3d(_LazyInstanceNorm):
    """An :class:`InstanceNorm3d` whose ``num_features`` is inferred from the input."""

    cls_to_become = InstanceNorm3d
    _get_no_batch_dim = InstanceNorm3d._get_no_batch_dim
    _check_input_dim = InstanceNorm3d._check_input_dim
