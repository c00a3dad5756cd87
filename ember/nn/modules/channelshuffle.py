"""ChannelShuffle (torch.nn)."""
from .module import Module
from .. import functional as F

__all__ = ["ChannelShuffle"]


class ChannelShuffle(Module):
    r"""Divides the channels of a :math:`(N, C, *)` tensor into ``groups`` and interleaves them
    (ShuffleNet).

    Args:
        groups (int): number of groups to divide channels in

    Examples::

        >>> cs = nn.ChannelShuffle(2)
        >>> cs(ember.arange(4.).view(1, 4, 1, 1)).flatten()
        tensor([0., 2., 1., 3.])
    """

    __constants__ = ["groups"]

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, input):
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"
