"""Loss modules (torch.nn): thin wrappers storing the options of the functional losses.

Each accepts PyTorch's constructor arguments, including the deprecated ``size_average`` /
``reduce`` flags (mapped to ``reduction`` with a warning, as PyTorch); class weights are buffers
(so they follow ``.to()`` and appear in ``state_dict`` as in PyTorch).
"""
from .module import Module
from .. import functional as F
from ..functional._loss_util import legacy_get_string

__all__ = ["L1Loss", "MSELoss", "SmoothL1Loss", "HuberLoss", "CrossEntropyLoss", "NLLLoss",
           "BCELoss", "BCEWithLogitsLoss", "KLDivLoss", "PoissonNLLLoss", "GaussianNLLLoss",
           "CosineEmbeddingLoss", "MarginRankingLoss", "HingeEmbeddingLoss", "TripletMarginLoss",
           "TripletMarginWithDistanceLoss", "SoftMarginLoss", "MultiLabelMarginLoss",
           "MultiLabelSoftMarginLoss", "MultiMarginLoss", "CTCLoss"]


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        if size_average is not None or reduce is not None:
            self.reduction = legacy_get_string(size_average, reduce)
        else:
            self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class L1Loss(_Loss):
    r"""Mean absolute error between each element of the input and the target: ``|x - y|``.

    Args:
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Examples::

        >>> loss = nn.L1Loss()
        >>> loss(ember.randn(3, 5, requires_grad=True), ember.randn(3, 5)).backward()
    """

    __constants__ = ["reduction"]

    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    r"""Mean squared error between each element of the input and the target: ``(x - y)**2``.

    Args:
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Examples::

        >>> loss = nn.MSELoss()
        >>> loss(ember.randn(3, 5, requires_grad=True), ember.randn(3, 5)).backward()
    """

    __constants__ = ["reduction"]

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    r"""Squared term where ``|x - y| < beta`` (``0.5 (x-y)**2 / beta``), L1 term otherwise.

    Args:
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.
        beta (float): the threshold (>= 0). Default: 1.0.

    Examples::

        >>> nn.SmoothL1Loss(beta=0.5)(ember.randn(3), ember.randn(3))
    """

    __constants__ = ["reduction"]

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    r"""Squared term where ``|x - y| < delta`` (``0.5 (x-y)**2``), ``delta``-scaled L1 otherwise.

    Args:
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.
        delta (float): the threshold (> 0). Default: 1.0.

    Examples::

        >>> nn.HuberLoss(delta=2.0)(ember.randn(3), ember.randn(3))
    """

    __constants__ = ["reduction", "delta"]

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class CrossEntropyLoss(_WeightedLoss):
    r"""Cross entropy between logits and class indices or class probabilities (fused, stable
    log-softmax + NLL).

    Args:
        weight (Tensor, optional): per-class weight ``(C,)``.
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        ignore_index (int): class-index target that contributes nothing. Default: -100.
        reduction (str): ``'none'`` | ``'mean'`` (weighted mean over non-ignored targets) |
            ``'sum'``. Default: ``'mean'``.
        label_smoothing (float): in [0, 1]. Default: 0.0.

    Shape:
        - Input: :math:`(C)`, :math:`(N, C)` or :math:`(N, C, d_1, ..., d_K)`.
        - Target: class indices :math:`()`, :math:`(N)`, :math:`(N, d_1, ..., d_K)`, or
          probabilities of the input's shape.

    Examples::

        >>> loss = nn.CrossEntropyLoss()
        >>> out = loss(ember.randn(3, 5, requires_grad=True), ember.tensor([1, 0, 4]))
        >>> out.backward()
    """

    __constants__ = ["ignore_index", "reduction", "label_smoothing"]

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean", label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    r"""Negative log likelihood of log-probabilities against class indices.

    Args:
        weight (Tensor, optional): per-class weight ``(C,)``.
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        ignore_index (int): target that contributes nothing. Default: -100.
        reduction (str): ``'none'`` | ``'mean'`` (weighted mean) | ``'sum'``. Default: ``'mean'``.

    Examples::

        >>> m, loss = nn.LogSoftmax(dim=1), nn.NLLLoss()
        >>> out = loss(m(ember.randn(3, 5)), ember.tensor([1, 0, 4]))
    """

    __constants__ = ["ignore_index", "reduction"]

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class BCELoss(_WeightedLoss):
    r"""Binary cross entropy between probabilities and targets (logs clamped to >= -100).

    Args:
        weight (Tensor, optional): rescaling weight, broadcast to the target's shape.
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Examples::

        >>> m, loss = nn.Sigmoid(), nn.BCELoss()
        >>> out = loss(m(ember.randn(3)), ember.tensor([0., 1., 1.]))
    """

    __constants__ = ["reduction"]

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    r"""A sigmoid and binary cross entropy in one stable function of the logits.

    Args:
        weight (Tensor, optional): rescaling weight, broadcast against the loss.
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.
        pos_weight (Tensor, optional): weight of positive examples, broadcast with the target.

    Examples::

        >>> loss = nn.BCEWithLogitsLoss(pos_weight=ember.ones(3))
        >>> out = loss(ember.randn(2, 3), ember.tensor([[0., 1., 1.], [1., 0., 0.]]))
    """

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean",
                 pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  pos_weight=self.pos_weight,
                                                  reduction=self.reduction)


class KLDivLoss(_Loss):
    r"""Kullback-Leibler divergence of the target from the input (log-probabilities).

    Args:
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        reduction (str): ``'none'`` | ``'batchmean'`` | ``'sum'`` | ``'mean'``. Default: ``'mean'``.
        log_target (bool): the target is given in log space. Default: False.

    Examples::

        >>> kl = nn.KLDivLoss(reduction="batchmean")
        >>> out = kl(F.log_softmax(ember.randn(3, 5), 1), F.softmax(ember.rand(3, 5), 1))
    """

    __constants__ = ["reduction"]

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class PoissonNLLLoss(_Loss):
    r"""Negative log likelihood of a Poisson-distributed target.

    Args:
        log_input (bool): the input is the log rate. Default: True.
        full (bool): add the Stirling term. Default: False.
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        eps (float): keeps the log finite when not ``log_input``. Default: 1e-8.
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Examples::

        >>> nn.PoissonNLLLoss()(ember.randn(5, 2), ember.randn(5, 2))
    """

    __constants__ = ["log_input", "full", "eps", "reduction"]

    def __init__(self, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                 reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input, target):
        return F.poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full,
                                  eps=self.eps, reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    r"""Negative log likelihood of a Gaussian target with predicted mean and variance.

    Args:
        full (bool): include the constant term. Default: False.
        eps (float): lower bound of the variance. Default: 1e-6.
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Examples::

        >>> nn.GaussianNLLLoss()(ember.randn(5, 2), ember.randn(5, 2), ember.ones(5, 1))
    """

    __constants__ = ["full", "eps", "reduction"]

    def __init__(self, *, full=False, eps=1e-6, reduction="mean"):
        super().__init__(None, None, reduction)
        self.full = full
        self.eps = eps

    def forward(self, input, target, var):
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps,
                                   reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    r"""``1 - cos(x1, x2)`` for ``y = 1``, ``max(0, cos(x1, x2) - margin)`` for ``y = -1``.

    Args:
        margin (float): in [-1, 1]. Default: 0.
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Examples::

        >>> nn.CosineEmbeddingLoss()(ember.randn(3, 5), ember.randn(3, 5), ember.tensor([1, -1, 1]))
    """

    __constants__ = ["margin", "reduction"]

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin,
                                       reduction=self.reduction)


class MarginRankingLoss(_Loss):
    r"""``max(0, -y * (x1 - x2) + margin)``.

    Args:
        margin (float): Default: 0.
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Examples::

        >>> nn.MarginRankingLoss()(ember.randn(3), ember.randn(3), ember.tensor([1., -1., 1.]))
    """

    __constants__ = ["margin", "reduction"]

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.margin_ranking_loss(input1, input2, target, margin=self.margin,
                                     reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    r"""``x`` for ``y = 1``, ``max(0, margin - x)`` for ``y = -1``.

    Args:
        margin (float): Default: 1.0.
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Examples::

        >>> nn.HingeEmbeddingLoss()(ember.rand(4), ember.tensor([1., -1., -1., 1.]))
    """

    __constants__ = ["margin", "reduction"]

    def __init__(self, margin=1.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input, target):
        return F.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    r"""``max(d(a, p) - d(a, n) + margin, 0)`` with the pairwise p-norm distance ``d``.

    Args:
        margin (float): > 0. Default: 1.0.
        p (float): norm degree. Default: 2.
        eps (float): added to the differences. Default: 1e-6.
        swap (bool): the distance swap of Balntas et al. Default: False.
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Examples::

        >>> loss = nn.TripletMarginLoss(margin=1.0, p=2)
        >>> out = loss(ember.randn(100, 128), ember.randn(100, 128), ember.randn(100, 128))
    """

    __constants__ = ["margin", "p", "eps", "swap", "reduction"]

    def __init__(self, margin=1.0, p=2.0, eps=1e-6, swap=False, size_average=None, reduce=None,
                 reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got {margin} "
                             f"instead")
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p,
                                     eps=self.eps, swap=self.swap, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    r"""The triplet margin loss with a custom distance (default: :class:`PairwiseDistance`).

    Args:
        distance_function (callable, optional): ``(x1, x2) -> distances``.
        margin (float): > 0. Default: 1.0.
        swap (bool): the distance swap. Default: False.
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Examples::

        >>> loss = nn.TripletMarginWithDistanceLoss(distance_function=nn.PairwiseDistance())
        >>> out = loss(ember.randn(4, 8), ember.randn(4, 8), ember.randn(4, 8))
    """

    __constants__ = ["margin", "swap", "reduction"]

    def __init__(self, *, distance_function=None, margin=1.0, swap=False, reduction="mean"):
        super().__init__(size_average=None, reduce=None, reduction=reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, "
                             f"got {margin} instead")
        if distance_function is None:
            try:
                from .distance import PairwiseDistance
                distance_function = PairwiseDistance()
            except ImportError:
                distance_function = None
        self.distance_function = distance_function
        self.margin = margin
        self.swap = swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_with_distance_loss(anchor, positive, negative,
                                                   distance_function=self.distance_function,
                                                   margin=self.margin, swap=self.swap,
                                                   reduction=self.reduction)


class SoftMarginLoss(_Loss):
    r"""Two-class logistic loss ``log(1 + exp(-y x))``.

    Args:
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Examples::

        >>> nn.SoftMarginLoss()(ember.randn(4), ember.tensor([1., -1., -1., 1.]))
    """

    __constants__ = ["reduction"]

    def forward(self, input, target):
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    r"""Multi-class multi-label hinge loss (targets: class indices padded with -1).

    Args:
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Examples::

        >>> loss = nn.MultiLabelMarginLoss()
        >>> loss(ember.tensor([[0.1, 0.2, 0.4, 0.8]]), ember.tensor([[3, 0, -1, 1]]))
        tensor(0.8500)
    """

    __constants__ = ["reduction"]

    def forward(self, input, target):
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    r"""One-versus-all logistic loss averaged over the classes.

    Args:
        weight (Tensor, optional): per-class weight ``(C,)``.
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Examples::

        >>> nn.MultiLabelSoftMarginLoss()(ember.randn(2, 3), ember.tensor([[0., 1., 1.], [1., 0., 0.]]))
    """

    __constants__ = ["reduction"]

    def forward(self, input, target):
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight,
                                             reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    r"""Multi-class hinge loss ``sum_{i != y} w_y max(0, margin - x_y + x_i)**p / C``.

    Args:
        p (int): 1 or 2. Default: 1.
        margin (float): Default: 1.
        weight (Tensor, optional): per-class weight ``(C,)``.
        size_average, reduce (bool, optional): deprecated (see ``reduction``).
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Examples::

        >>> loss = nn.MultiMarginLoss()
        >>> loss(ember.tensor([[0.1, 0.2, 0.4, 0.8]]), ember.tensor([3]))
        tensor(0.3250)
    """

    __constants__ = ["p", "margin", "reduction"]

    def __init__(self, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                 reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError("only p == 1 and p == 2 supported")
        if weight is not None and weight.dim() != 1:
            raise ValueError(f"MultiMarginLoss: expected weight to be None or 1D tensor, got "
                             f"{weight.dim()}D instead")
        self.p = p
        self.margin = margin

    def forward(self, input, target):
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin, weight=self.weight,
                                   reduction=self.reduction)


class CTCLoss(_Loss):
    r"""The Connectionist Temporal Classification loss.

    Args:
        blank (int): the blank label. Default: 0.
        reduction (str): ``'none'`` | ``'mean'`` (losses divided by target lengths, then
            averaged) | ``'sum'``. Default: ``'mean'``.
        zero_infinity (bool): zero infinite losses and their gradients. Default: False.

    Shape:
        - Log_probs: :math:`(T, N, C)` or :math:`(T, C)`; Targets: :math:`(N, S)` or
          :math:`(\sum target\_lengths)`; Input_lengths / Target_lengths: :math:`(N)`.

    Examples::

        >>> ctc = nn.CTCLoss()
        >>> lp = ember.randn(50, 16, 20).log_softmax(2).detach().requires_grad_()
        >>> loss = ctc(lp, ember.randint(1, 20, (16, 30)), [50] * 16, [30] * 16)
        >>> loss.backward()
    """

    __constants__ = ["blank", "reduction"]

    def __init__(self, blank=0, reduction="mean", zero_infinity=False):
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                          self.reduction, self.zero_infinity)
