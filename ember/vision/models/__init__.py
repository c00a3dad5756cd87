"""ember.vision.models: classic vision architectures (as torchvision.models) and small ones for
the bundled data. No pretrained weights are shipped: build a model, then train it or load a
state_dict yourself. Each model checks its input and names the shape it expects."""
from .digits import DigitsCNN, digits_cnn
from .lenet import LeNet5, lenet5
from .mlp import MLP, mlp
from .vgg import VGG, make_layers, cfgs, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn
from .resnet import (ResNet, BasicBlock, Bottleneck, resnet18, resnet34, resnet50, CifarResNet, resnet20,
                     resnet32, resnet44, resnet56, cifar_resnet18, cifar_resnet34)
from .vit import VisionTransformer, vit_tiny, vit_b_16

__all__ = ["DigitsCNN", "digits_cnn", "LeNet5", "lenet5", "MLP", "mlp", "VGG", "make_layers", "cfgs",
           "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn", "ResNet",
           "BasicBlock", "Bottleneck", "resnet18", "resnet34", "resnet50", "CifarResNet", "resnet20", "resnet32",
           "resnet44", "resnet56", "cifar_resnet18", "cifar_resnet34", "VisionTransformer", "vit_tiny", "vit_b_16"]
