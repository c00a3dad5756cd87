"""ember.vision: datasets, transforms, models and image utilities (the torchvision counterpart).

* :mod:`~ember.vision.datasets`: ``Digits`` (bundled 8x8 handwritten digits, no download),
  ``MNIST``, ``FashionMNIST``, ``CIFAR10``, ``ImageFolder``, ``DatasetFolder``.
* :mod:`~ember.vision.transforms`: ``Compose``, ``ToTensor``, ``Normalize``, ``Resize``,
  ``RandomCrop``, ``RandomRotation``, ``ColorJitter``... on tensors, NumPy arrays and PIL images.
* :mod:`~ember.vision.models`: ``digits_cnn``, ``lenet5``, ``MLP``, VGGs, ResNets, ``vit_tiny``.
* :mod:`~ember.vision.utils`: ``make_grid``, ``save_image``.
"""
from . import datasets, models, transforms, utils

__all__ = ["datasets", "models", "transforms", "utils"]
