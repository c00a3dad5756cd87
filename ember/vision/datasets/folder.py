"""DatasetFolder and ImageFolder: samples arranged one folder per class (``root/cat/001.png``)."""
import os

from .vision import VisionDataset

__all__ = ["DatasetFolder", "ImageFolder", "IMG_EXTENSIONS", "default_loader", "pil_loader",
           "find_classes", "make_dataset", "has_file_allowed_extension"]

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def has_file_allowed_extension(filename, extensions):
    """True when `filename` ends with one of `extensions` (case-insensitive)."""
    return filename.lower().endswith(extensions if isinstance(extensions, str) else tuple(extensions))


def find_classes(directory):
    """(sorted class folder names, {name: index}) of the sub-folders of `directory`."""
    try:
        classes = sorted(entry.name for entry in os.scandir(directory) if entry.is_dir())
    except FileNotFoundError:
        raise FileNotFoundError(f"Image folder {directory} does not exist: arrange the images as "
                                f"{os.path.join(directory, '<class name>', '<image file>')}.") from None
    if not classes:
        raise FileNotFoundError(f"Couldn't find any class folder in {directory}.")
    return classes, {name: i for i, name in enumerate(classes)}


def make_dataset(directory, class_to_idx=None, extensions=None, is_valid_file=None, allow_empty=False):
    """The list of ``(path, class_index)`` samples under `directory`, class by class, sorted."""
    directory = os.path.expanduser(directory)
    if class_to_idx is None:
        _, class_to_idx = find_classes(directory)
    elif not class_to_idx:
        raise ValueError("'class_to_index' must have at least one entry to collect any samples.")
    both_none = extensions is None and is_valid_file is None
    both_something = extensions is not None and is_valid_file is not None
    if both_none or both_something:
        raise ValueError("Both extensions and is_valid_file cannot be None or not None at the same time")
    if extensions is not None:
        def is_valid_file(x):
            return has_file_allowed_extension(x, extensions)
    instances, available = [], set()
    for target_class in sorted(class_to_idx):
        class_index = class_to_idx[target_class]
        target_dir = os.path.join(directory, target_class)
        if not os.path.isdir(target_dir):
            continue
        for root, _, fnames in sorted(os.walk(target_dir, followlinks=True)):
            for fname in sorted(fnames):
                path = os.path.join(root, fname)
                if is_valid_file(path):
                    instances.append((path, class_index))
                    available.add(target_class)
    empty = set(class_to_idx) - available
    if empty and not allow_empty:
        msg = f"Found no valid file for the classes {', '.join(sorted(empty))}. "
        if extensions is not None:
            msg += f"Supported extensions are: {extensions if isinstance(extensions, str) else ', '.join(extensions)}"
        raise FileNotFoundError(msg)
    return instances


def _require_pil(what):
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(f"{what} needs Pillow to read PNG/JPEG images: install it with "
                          "`pip install pillow`, or pass your own loader=.") from None
    return Image


def pil_loader(path):
    """Open an image file with Pillow as an RGB ``PIL.Image``."""
    Image = _require_pil("Reading images")
    try:
        with open(path, "rb") as f:
            img = Image.open(f)
            return img.convert("RGB")
    except (OSError, SyntaxError, ValueError) as e:      # PIL.UnidentifiedImageError is an OSError
        raise RuntimeError(f"Could not read image {path} ({e}); remove or replace the file.") from None


def default_loader(path):
    """The loader of :class:`ImageFolder`: :func:`pil_loader`."""
    return pil_loader(path)


class DatasetFolder(VisionDataset):
    r"""A generic dataset of files arranged one folder per class::

        root/class_x/xxx.ext
        root/class_x/nested/xxy.ext
        root/class_y/123.ext

    Args:
        root (str): the root folder.
        loader (callable): reads a sample from its path.
        extensions (tuple of str, optional): the file endings accepted (not with ``is_valid_file``).
        transform (callable, optional): applied to each loaded sample.
        target_transform (callable, optional): applied to each target (an ``int``).
        is_valid_file (callable, optional): decides from a path whether it is a sample.
        allow_empty (bool): accept class folders holding no valid file. Default: ``False``

    Attributes:
        classes (list): the class names, sorted; class_to_idx (dict); samples (list of
        (path, class_index)); targets (list of int).
    """

    def __init__(self, root, loader, extensions=None, transform=None, target_transform=None,
                 is_valid_file=None, allow_empty=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        classes, class_to_idx = self.find_classes(self.root)
        samples = self.make_dataset(self.root, class_to_idx, extensions, is_valid_file, allow_empty)
        self.loader = loader
        self.extensions = extensions
        self.classes = classes
        self.class_to_idx = class_to_idx
        self.samples = samples
        self.targets = [s[1] for s in samples]

    @staticmethod
    def make_dataset(directory, class_to_idx, extensions=None, is_valid_file=None, allow_empty=False):
        if class_to_idx is None:
            raise ValueError("The class_to_idx parameter cannot be None.")
        return make_dataset(directory, class_to_idx, extensions, is_valid_file, allow_empty)

    def find_classes(self, directory):
        return find_classes(directory)

    def __getitem__(self, index):
        path, target = self.samples[index]
        sample = self.loader(path)
        if self.transform is not None:
            sample = self.transform(sample)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return sample, target

    def __len__(self):
        return len(self.samples)


class ImageFolder(DatasetFolder):
    r"""An image dataset arranged one folder per class (``root/dog/xxx.png``, ``root/cat/123.jpg``).

    Images are read with Pillow (``pip install pillow``) as RGB ``PIL.Image`` objects; the
    transforms (e.g. ``transforms.ToTensor()``) accept them. Without Pillow, pass ``loader=``.

    Args:
        root (str): the root folder.
        transform, target_transform, is_valid_file, allow_empty: as :class:`DatasetFolder`.
        loader (callable): reads an image from its path. Default: :func:`default_loader`.

    Attributes:
        classes, class_to_idx, samples, targets: as :class:`DatasetFolder`; imgs: ``samples``.
    """

    def __init__(self, root, transform=None, target_transform=None, loader=default_loader,
                 is_valid_file=None, allow_empty=False):
        if loader is default_loader:
            _require_pil("ImageFolder")
        super().__init__(root, loader, IMG_EXTENSIONS if is_valid_file is None else None,
                         transform=transform, target_transform=target_transform,
                         is_valid_file=is_valid_file, allow_empty=allow_empty)
        self.imgs = self.samples
