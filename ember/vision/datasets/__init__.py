"""ember.vision.datasets: image datasets (as torchvision.datasets).

``Digits`` is bundled (no download); ``MNIST``, ``FashionMNIST`` and ``CIFAR10`` read the standard
files from a root folder (``download=True`` fetches them when online); ``ImageFolder`` and
``DatasetFolder`` read class-per-folder trees (PNG/JPEG need Pillow).
"""
from .vision import VisionDataset, StandardTransform
from .digits import Digits
from .mnist import MNIST, FashionMNIST
from .cifar import CIFAR10
from .folder import DatasetFolder, ImageFolder
from . import utils

__all__ = ["VisionDataset", "StandardTransform", "Digits", "MNIST", "FashionMNIST", "CIFAR10",
           "DatasetFolder", "ImageFolder", "utils"]
