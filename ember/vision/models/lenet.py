"""LeNet-5 (LeCun et al., 1998) with ReLU and max pooling, for 28x28 or 32x32 inputs."""
from ... import nn
from ...nn import functional as F
from ._utils import check_image_input

__all__ = ["LeNet5", "lenet5"]


class LeNet5(nn.Module):
    r"""LeNet-5: conv(5x5, 6) - pool - conv(5x5, 16) - pool - fc 120 - fc 84 - fc classes.

    The original network takes 32x32 images; 28x28 images (MNIST) are zero-padded by 2 pixels
    on each side first, so the same weights serve both sizes. ReLU and max pooling replace the
    original's scaled tanh and trainable subsampling, as in most modern descriptions.

    Args:
        num_classes (int): output classes. Default: 10
        in_channels (int): input channels (1 for MNIST, 3 for CIFAR). Default: 1

    Shape:
        - Input: :math:`(N, C_{in}, 28, 28)` or :math:`(N, C_{in}, 32, 32)`
        - Output: :math:`(N, num\_classes)` (logits)

    Examples::

        >>> model = lenet5()
        >>> model(ember.randn(2, 1, 28, 28)).shape
        ember.Size([2, 10])
    """

    def __init__(self, num_classes=10, in_channels=1):
        super().__init__()
        self.in_channels = in_channels
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, kernel_size=5), nn.ReLU(inplace=True), nn.MaxPool2d(2),   # 28 -> 14
            nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(inplace=True), nn.MaxPool2d(2),            # 10 -> 5
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.ReLU(inplace=True),
            nn.Linear(120, 84), nn.ReLU(inplace=True),
            nn.Linear(84, num_classes),
        )

    def forward(self, x):
        check_image_input(self, x, self.in_channels, sizes=[(28, 28), (32, 32)])
        if x.shape[-1] == 28:
            x = F.pad(x, (2, 2, 2, 2))
        return self.classifier(self.features(x))


def lenet5(num_classes=10, in_channels=1):
    """LeNet-5 for 28x28 or 32x32 images (see :class:`LeNet5`)."""
    return LeNet5(num_classes=num_classes, in_channels=in_channels)
