"""A configurable multi-layer perceptron classifier."""
from ... import nn
from ...tensor import Tensor

__all__ = ["MLP", "mlp"]


class MLP(nn.Module):
    r"""A fully connected classifier: flatten, then Linear - activation - dropout per hidden layer.

    Args:
        in_features (int): the number of input features (e.g. 784 for 28x28 images; inputs are
            flattened from dimension 1, so images can be passed as they are).
        hidden (sequence of int): the hidden layer widths. Default: ``(256, 128)``
        num_classes (int): output classes. Default: 10
        dropout (float): dropout after each hidden activation. Default: 0.0
        activation (type): the activation module class. Default: :class:`ember.nn.ReLU`
        batch_norm (bool): BatchNorm1d after each hidden linear layer. Default: ``False``

    Shape:
        - Input: :math:`(N, *)` with :math:`in\_features` elements per sample
        - Output: :math:`(N, num\_classes)`

    Examples::

        >>> model = MLP(64, hidden=[128], num_classes=10, dropout=0.1)
        >>> model(ember.randn(5, 1, 8, 8)).shape
        ember.Size([5, 10])
    """

    def __init__(self, in_features, hidden=(256, 128), num_classes=10, dropout=0.0, activation=nn.ReLU,
                 batch_norm=False):
        super().__init__()
        if isinstance(hidden, int):
            hidden = [hidden]
        self.in_features = in_features
        self.hidden = list(hidden)
        self.num_classes = num_classes
        layers = [nn.Flatten()]
        prev = in_features
        for width in self.hidden:
            layers.append(nn.Linear(prev, width))
            if batch_norm:
                layers.append(nn.BatchNorm1d(width))
            layers.append(activation())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            prev = width
        layers.append(nn.Linear(prev, num_classes))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        if not isinstance(x, Tensor):
            raise TypeError(f"MLP expects a Tensor, got {type(x).__name__}")
        feats = 1
        for s in x.shape[1:]:
            feats *= int(s)
        if x.dim() < 2 or feats != self.in_features:
            raise ValueError(f"MLP expects inputs with {self.in_features} features per sample (N, "
                             f"{self.in_features}) or images holding that many values, got shape "
                             f"({', '.join(str(s) for s in x.shape)})")
        return self.layers(x)


def mlp(in_features, hidden=(256, 128), num_classes=10, dropout=0.0, **kwargs):
    """A configurable MLP classifier (see :class:`MLP`)."""
    return MLP(in_features, hidden=hidden, num_classes=num_classes, dropout=dropout, **kwargs)
