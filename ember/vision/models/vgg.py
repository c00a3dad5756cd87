"""VGG-style networks sized for small images (CIFAR-10: 32x32), configurable depth and width."""
from ... import nn
from ._utils import check_image_input

__all__ = ["VGG", "make_layers", "cfgs", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn",
           "vgg19", "vgg19_bn"]

# torchvision's configurations: channel counts, "M" for a 2x2 max pool
cfgs = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


def make_layers(cfg, batch_norm=False, in_channels=3, width_mult=1.0):
    """The convolutional trunk: 3x3 conv (+BN) + ReLU per number of `cfg`, 2x2 max pool per "M"."""
    layers = []
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        v = max(1, int(round(v * width_mult)))
        conv = nn.Conv2d(in_channels, v, kernel_size=3, padding=1)
        # not in place after batch norm: ember's batch-norm backward reads its own output
        layers += [conv, nn.BatchNorm2d(v), nn.ReLU()] if batch_norm else [conv, nn.ReLU(inplace=True)]
        in_channels = v
    return nn.Sequential(*layers)


class VGG(nn.Module):
    r"""A VGG network for small images: the conv trunk, global average pooling, a small classifier.

    Unlike torchvision's ImageNet VGG (7x7 pooled features, two 4096-wide layers), the head here
    averages the last feature map to one vector and classifies it with ``Linear(C, hidden) - ReLU
    - Dropout - Linear(hidden, num_classes)``, the usual CIFAR recipe.

    Args:
        features (nn.Module): the conv trunk (see :func:`make_layers`).
        num_classes (int): output classes. Default: 10
        hidden (int): the classifier's hidden width (0: a single linear layer). Default: 512
        dropout (float): classifier dropout. Default: 0.5
        init_weights (bool): Kaiming-normal conv weights, N(0, 0.01) linear weights, as torchvision.
        in_channels (int): input channels (used for the input check). Default: 3
        num_pools (int): the max pools in `features` (inputs must be at least 2**num_pools wide).

    Shape:
        - Input: :math:`(N, C_{in}, H, W)` with :math:`H, W \geq 2^{num\_pools}` (32 for the cfgs)
        - Output: :math:`(N, num\_classes)`
    """

    def __init__(self, features, num_classes=10, hidden=512, dropout=0.5, init_weights=True, in_channels=3,
                 num_pools=None):
        super().__init__()
        self.features = features
        self.in_channels = in_channels
        convs = [m for m in features.modules() if isinstance(m, nn.Conv2d)]
        out_channels = convs[-1].out_channels if convs else in_channels
        self.num_pools = num_pools if num_pools is not None else sum(
            isinstance(m, nn.MaxPool2d) for m in features.modules())
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        if hidden:
            self.classifier = nn.Sequential(nn.Linear(out_channels, hidden), nn.ReLU(True), nn.Dropout(p=dropout),
                                            nn.Linear(hidden, num_classes))
        else:
            self.classifier = nn.Sequential(nn.Dropout(p=dropout), nn.Linear(out_channels, num_classes))
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.constant_(m.bias, 0)

    def forward(self, x):
        check_image_input(self, x, self.in_channels, min_size=2 ** self.num_pools)
        x = self.features(x)
        x = self.avgpool(x)
        x = x.flatten(1)
        return self.classifier(x)


def _vgg(cfg, batch_norm, weights, num_classes, in_channels, width_mult, **kwargs):
    if weights is not None:
        raise ValueError("Ember ships no pretrained weights (weights must be None): train the model or load a "
                         "state_dict with model.load_state_dict(ember.load(path)).")
    features = make_layers(cfgs[cfg], batch_norm=batch_norm, in_channels=in_channels, width_mult=width_mult)
    return VGG(features, num_classes=num_classes, in_channels=in_channels, **kwargs)


def _make_builder(name, cfg, bn):
    def builder(*, weights=None, progress=True, num_classes=10, in_channels=3, width_mult=1.0, **kwargs):
        return _vgg(cfg, bn, weights, num_classes, in_channels, width_mult, **kwargs)
    builder.__name__ = builder.__qualname__ = name
    depth = {"A": 11, "B": 13, "D": 16, "E": 19}[cfg]
    builder.__doc__ = (
        f"VGG-{depth}{' with batch norm' if bn else ''} (configuration \"{cfg}\") for small images such as "
        "CIFAR-10.\n\n    Args:\n        weights: must be None (no pretrained weights are shipped).\n"
        "        progress (bool): ignored.\n        num_classes (int): output classes. Default: 10\n"
        "        in_channels (int): input channels. Default: 3\n"
        "        width_mult (float): scales every conv width (0.25 gives a quick, small net). Default: 1.0\n"
        "        **kwargs: passed to :class:`VGG` (hidden, dropout, init_weights).\n")
    return builder


vgg11 = _make_builder("vgg11", "A", False)
vgg11_bn = _make_builder("vgg11_bn", "A", True)
vgg13 = _make_builder("vgg13", "B", False)
vgg13_bn = _make_builder("vgg13_bn", "B", True)
vgg16 = _make_builder("vgg16", "D", False)
vgg16_bn = _make_builder("vgg16_bn", "D", True)
vgg19 = _make_builder("vgg19", "E", False)
vgg19_bn = _make_builder("vgg19_bn", "E", True)
