"""Tensor printing, formatted like PyTorch's (summarised for large tensors)."""
import numpy as np

from . import dtypes as _dt

__all__ = ["set_printoptions", "tensor_repr"]

_opts = dict(precision=4, threshold=1000, edgeitems=3, linewidth=80, sci_mode=None)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    """torch.set_printoptions."""
    if profile == "default":
        _opts.update(precision=4, threshold=1000, edgeitems=3, linewidth=80)
    elif profile == "short":
        _opts.update(precision=2, threshold=1000, edgeitems=2, linewidth=80)
    elif profile == "full":
        _opts.update(precision=4, threshold=float("inf"), edgeitems=3, linewidth=80)
    for k, v in dict(precision=precision, threshold=threshold, edgeitems=edgeitems,
                     linewidth=linewidth).items():
        if v is not None:
            _opts[k] = v
    _opts["sci_mode"] = sci_mode


def tensor_repr(t):
    arr = np.asarray(t.detach().cpu().float() if t.dtype is _dt.bfloat16 else t.detach().cpu())
    body = np.array2string(arr, separator=", ", prefix="tensor(", precision=_opts["precision"],
                           threshold=_opts["threshold"], edgeitems=_opts["edgeitems"],
                           max_line_width=_opts["linewidth"])
    extras = []
    if t.device.type != "cpu":
        extras.append(f"device='{t.device}'")
    default_shown = (_dt.get_default_dtype(), _dt.int64, _dt.bool)
    if t.dtype not in default_shown or t.numel() == 0 and t.dtype is not _dt.get_default_dtype():
        extras.append(f"dtype={t.dtype!r}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{type(t.grad_fn).__name__}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"
