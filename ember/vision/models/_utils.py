"""Shared model helpers: one clear message for an input of the wrong shape."""
from ...tensor import Tensor

__all__ = []


def check_image_input(model, x, channels=None, sizes=None, min_size=None, name=None):
    """Raise one ValueError naming what `model` expects when `x` is not an (N, C, H, W) batch of it.

    Args:
        model: the module (its class name heads the message unless ``name`` is given).
        x: the forward input.
        channels (int, optional): the number of input channels the model was built for.
        sizes (list of (H, W), optional): the spatial sizes it accepts.
        min_size (int, optional): the smallest height/width it accepts.
    """
    name = name or type(model).__name__
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} expects a Tensor of images (N, C, H, W), got {type(x).__name__}")
    expect = []
    if sizes:
        expect = [f"{channels if channels is not None else 'C'}\u00d7{h}\u00d7{w}" for h, w in sizes]
    elif channels is not None:
        expect = [f"{channels}\u00d7H\u00d7W"]
    what = " or ".join(expect) if expect else "C\u00d7H\u00d7W"
    if x.dim() != 4:
        hint = " (add a batch dimension with x.unsqueeze(0))" if x.dim() == 3 else ""
        raise ValueError(f"{name} expects a batch of {what} inputs shaped (N, C, H, W), got a "
                         f"{x.dim()}-d tensor of shape ({', '.join(str(s) for s in x.shape)}){hint}")
    c, h, w = (int(s) for s in x.shape[1:])
    ok = channels is None or c == channels
    if sizes:
        ok = ok and (h, w) in [tuple(s) for s in sizes]
    if min_size is not None:
        ok = ok and h >= min_size and w >= min_size
        if not sizes:
            what += f" (H, W >= {min_size})"
    if not ok:
        raise ValueError(f"{name} expects {what} inputs, got {c}\u00d7{h}\u00d7{w}")
