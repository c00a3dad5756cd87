"""ResNets: torchvision's ImageNet layout (resnet18/34/50) and CIFAR-sized variants.

The module and parameter names match torchvision's (``conv1``, ``bn1``, ``layer1.0.conv1``,
``layer2.0.downsample.0``, ``fc``), so a torchvision state_dict converted to Ember tensors loads.
"""
from ... import nn
from ...nn import functional as F
from ._utils import check_image_input

__all__ = ["ResNet", "BasicBlock", "Bottleneck", "resnet18", "resnet34", "resnet50", "CifarResNet",
           "resnet20", "resnet32", "resnet44", "resnet56", "cifar_resnet18", "cifar_resnet34"]


def conv3x3(in_planes, out_planes, stride=1, groups=1, dilation=1):
    """3x3 convolution with padding."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation, groups=groups,
                     bias=False, dilation=dilation)


def conv1x1(in_planes, out_planes, stride=1):
    """1x1 convolution."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with batch norm and an identity (or projected) shortcut."""
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64, dilation=1,
                 norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        if groups != 1 or base_width != 64:
            raise ValueError("BasicBlock only supports groups=1 and base_width=64")
        if dilation > 1:
            raise NotImplementedError("Dilation > 1 not supported in BasicBlock")
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU()          # not in place: ember's batch-norm backward reads its output
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3 (the stride is here, as torchvision's "ResNet V1.5"), 1x1 expand by 4."""
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64, dilation=1,
                 norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = nn.ReLU()
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        return self.relu(out + identity)


class ResNet(nn.Module):
    r"""A residual network, as torchvision.models.ResNet.

    Args:
        block (type): :class:`BasicBlock` or :class:`Bottleneck`.
        layers (list of 4 int): blocks per stage.
        num_classes (int): output classes. Default: 1000
        zero_init_residual (bool): zero the last BN weight of each block (each block starts as the
            identity). Default: ``False``
        groups, width_per_group, replace_stride_with_dilation, norm_layer: as torchvision.
        in_channels (int): input channels. Default: 3
        small_input (bool): a CIFAR-style stem for 32x32 images: a 3x3 stride-1 ``conv1`` and no
            max pool (instead of the 7x7 stride-2 conv and 3x3 max pool). Default: ``False``

    Shape:
        - Input: :math:`(N, C_{in}, H, W)` (224x224 for the ImageNet layout; any size works)
        - Output: :math:`(N, num\_classes)`
    """

    def __init__(self, block, layers, num_classes=1000, zero_init_residual=False, groups=1, width_per_group=64,
                 replace_stride_with_dilation=None, norm_layer=None, in_channels=3, small_input=False):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        self._norm_layer = norm_layer
        self.inplanes = 64
        self.dilation = 1
        self.in_channels = in_channels
        if replace_stride_with_dilation is None:
            replace_stride_with_dilation = [False, False, False]
        if len(replace_stride_with_dilation) != 3:
            raise ValueError("replace_stride_with_dilation should be None or a 3-element tuple, got "
                             f"{replace_stride_with_dilation}")
        self.groups = groups
        self.base_width = width_per_group
        if small_input:
            self.conv1 = nn.Conv2d(in_channels, self.inplanes, kernel_size=3, stride=1, padding=1, bias=False)
        else:
            self.conv1 = nn.Conv2d(in_channels, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = norm_layer(self.inplanes)
        self.relu = nn.ReLU()
        self.maxpool = nn.Identity() if small_input else nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2, dilate=replace_stride_with_dilation[0])
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2, dilate=replace_stride_with_dilation[1])
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2, dilate=replace_stride_with_dilation[2])
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)
        _init_resnet(self, zero_init_residual)

    def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
        norm_layer = self._norm_layer
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                       norm_layer(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width, previous_dilation,
                        norm_layer)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, groups=self.groups, base_width=self.base_width,
                                dilation=self.dilation, norm_layer=norm_layer))
        return nn.Sequential(*layers)

    def forward(self, x):
        check_image_input(self, x, self.in_channels)
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = self.avgpool(x).flatten(1)
        return self.fc(x)


def _init_resnet(model, zero_init_residual):
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
            nn.init.constant_(m.weight, 1)
            nn.init.constant_(m.bias, 0)
    if zero_init_residual:
        for m in model.modules():
            if isinstance(m, Bottleneck) and m.bn3.weight is not None:
                nn.init.constant_(m.bn3.weight, 0)
            elif isinstance(m, BasicBlock) and m.bn2.weight is not None:
                nn.init.constant_(m.bn2.weight, 0)


def _no_weights(weights):
    if weights is not None:
        raise ValueError("Ember ships no pretrained weights (weights must be None): train the model or load a "
                         "state_dict with model.load_state_dict(ember.load(path)).")


def resnet18(*, weights=None, progress=True, **kwargs):
    """ResNet-18 (torchvision's layout; ``num_classes=1000`` by default). `weights` must be None."""
    _no_weights(weights)
    return ResNet(BasicBlock, [2, 2, 2, 2], **kwargs)


def resnet34(*, weights=None, progress=True, **kwargs):
    """ResNet-34 (torchvision's layout). `weights` must be None."""
    _no_weights(weights)
    return ResNet(BasicBlock, [3, 4, 6, 3], **kwargs)


def resnet50(*, weights=None, progress=True, **kwargs):
    """ResNet-50 (torchvision's layout, Bottleneck blocks). `weights` must be None."""
    _no_weights(weights)
    return ResNet(Bottleneck, [3, 4, 6, 3], **kwargs)


def cifar_resnet18(num_classes=10, in_channels=3, **kwargs):
    """ResNet-18 for 32x32 images: 3x3 stride-1 stem, no max pool (the widths and keys of resnet18)."""
    return ResNet(BasicBlock, [2, 2, 2, 2], num_classes=num_classes, in_channels=in_channels, small_input=True,
                  **kwargs)


def cifar_resnet34(num_classes=10, in_channels=3, **kwargs):
    """ResNet-34 for 32x32 images: 3x3 stride-1 stem, no max pool."""
    return ResNet(BasicBlock, [3, 4, 6, 3], num_classes=num_classes, in_channels=in_channels, small_input=True,
                  **kwargs)


# ----------------------------------------------------------------- He et al.'s CIFAR ResNets
class _ShortcutA(nn.Module):
    """The parameter-free "option A" shortcut: subsample by 2 and zero-pad the new channels."""

    def __init__(self, extra_channels):
        super().__init__()
        self.extra = extra_channels

    def forward(self, x):
        x = x[:, :, ::2, ::2]
        lo = self.extra // 2
        return F.pad(x, (0, 0, 0, 0, lo, self.extra - lo))


class _CifarBlock(BasicBlock):
    def __init__(self, inplanes, planes, stride=1, option="A"):
        downsample = None
        if stride != 1 or inplanes != planes:
            if option == "A":
                downsample = _ShortcutA(planes - inplanes)
            else:
                downsample = nn.Sequential(conv1x1(inplanes, planes, stride), nn.BatchNorm2d(planes))
        super().__init__(inplanes, planes, stride, downsample)


class CifarResNet(nn.Module):
    r"""The CIFAR-10 ResNets of He et al. (2016), section 4.2: 6n+2 layers, 16/32/64 channels.

    A 3x3 conv (16 channels), three stages of ``n`` basic blocks (16, 32, 64 channels; stride 2
    at the start of stages 2 and 3), global average pooling and a linear classifier.

    Args:
        depth (int): 6n+2: 20, 32, 44, 56, 110...
        num_classes (int): output classes. Default: 10
        in_channels (int): input channels. Default: 3
        width (int): the channels of the first stage (16 in the paper).
        shortcut (str): ``"A"`` (the paper's parameter-free zero-padding shortcut) or ``"B"``
            (1x1 conv + BN projections).

    Shape:
        - Input: :math:`(N, C_{in}, H, W)` (32x32 for CIFAR; at least 4x4)
        - Output: :math:`(N, num\_classes)`
    """

    def __init__(self, depth=20, num_classes=10, in_channels=3, width=16, shortcut="A"):
        super().__init__()
        if (depth - 2) % 6 != 0 or depth < 8:
            raise ValueError(f"CifarResNet depth should be 6n+2 (20, 32, 44, 56, 110), got {depth}")
        if shortcut not in ("A", "B"):
            raise ValueError(f"shortcut should be 'A' or 'B', got {shortcut!r}")
        n = (depth - 2) // 6
        self.in_channels = in_channels
        self.conv1 = nn.Conv2d(in_channels, width, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU()
        self.inplanes = width
        self.layer1 = self._make_layer(width, n, 1, shortcut)
        self.layer2 = self._make_layer(2 * width, n, 2, shortcut)
        self.layer3 = self._make_layer(4 * width, n, 2, shortcut)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(4 * width, num_classes)
        _init_resnet(self, False)

    def _make_layer(self, planes, blocks, stride, shortcut):
        layers = [_CifarBlock(self.inplanes, planes, stride, shortcut)]
        self.inplanes = planes
        layers += [_CifarBlock(planes, planes, 1, shortcut) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        check_image_input(self, x, self.in_channels, min_size=4)
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(self.avgpool(x).flatten(1))


def resnet20(num_classes=10, in_channels=3, **kwargs):
    """The 20-layer CIFAR ResNet (0.27M parameters), see :class:`CifarResNet`."""
    return CifarResNet(20, num_classes=num_classes, in_channels=in_channels, **kwargs)


def resnet32(num_classes=10, in_channels=3, **kwargs):
    """The 32-layer CIFAR ResNet, see :class:`CifarResNet`."""
    return CifarResNet(32, num_classes=num_classes, in_channels=in_channels, **kwargs)


def resnet44(num_classes=10, in_channels=3, **kwargs):
    """The 44-layer CIFAR ResNet, see :class:`CifarResNet`."""
    return CifarResNet(44, num_classes=num_classes, in_channels=in_channels, **kwargs)


def resnet56(num_classes=10, in_channels=3, **kwargs):
    """The 56-layer CIFAR ResNet, see :class:`CifarResNet`."""
    return CifarResNet(56, num_classes=num_classes, in_channels=in_channels, **kwargs)
