"""pad (torch.nn.functional.pad): constant padding of any dimensions, reflect / replicate /
circular padding of the last 1-3 dimensions; negative padding crops.

Constant padding writes the (cropped) input into a filled tensor with one indexed assignment;
the other modes are one ``index_select`` per padded dimension with indices computed from the
sizes alone, so all of them are differentiable on any device.
"""
import numpy as np

from ... import ops as _ops
from ...tensor import Tensor

__all__ = ["pad"]

_NON_CONSTANT_HELP = ("Supported combinations for non-constant padding:\n"
                      "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
                      "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
                      "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def _source_index(mode, n, left, right):
    """For each output position along a dim of size n, the input position it copies."""
    i = np.arange(-left, n + right)
    if mode == "reflect":
        i = np.abs(i)
        i = np.where(i > n - 1, 2 * (n - 1) - i, i)
    elif mode == "replicate":
        i = np.clip(i, 0, n - 1)
    else:
        # circular: PyTorch crops the negative sides first, then wraps the cropped extent
        lo, hi = max(-left, 0), n - max(-right, 0)
        i = lo + np.mod(np.arange(-max(left, 0), hi - lo + max(right, 0)), hi - lo)
    return i


def pad(input, pad, mode="constant", value=None):
    r"""pad(input, pad, mode="constant", value=None) -> Tensor

    Pads tensor. ``pad`` lists (left, right) amounts starting from the last dimension and moving
    forward: ``(padding_left, padding_right)`` pads the last dimension, ``(padding_left,
    padding_right, padding_top, padding_bottom)`` the last two, and so on. Negative amounts crop.

    Args:
        input (Tensor): N-dimensional tensor
        pad (tuple): m-elements tuple, where :math:`\frac{m}{2} \leq` input dimensions and
            :math:`m` is even.
        mode: ``'constant'``, ``'reflect'``, ``'replicate'`` or ``'circular'``. Default: ``'constant'``
        value: fill value for ``'constant'`` padding. Default: ``0``

    Examples::

        >>> t4d = ember.empty(3, 3, 4, 2)
        >>> F.pad(t4d, (1, 1, 2, 2), "constant", 0).size()
        ember.Size([3, 3, 8, 4])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"pad(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    pad = [int(p) for p in pad]
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    ndim = input.dim()
    if len(pad) // 2 > ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {ndim}")
    npad = len(pad) // 2
    # (dim, left, right) from the last dimension backwards
    pads = [(ndim - 1 - k, pad[2 * k], pad[2 * k + 1]) for k in range(npad)]
    if mode == "constant":
        return _constant_pad(input, pads, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if npad not in (1, 2, 3) or ndim not in (npad + 1, npad + 2):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {ndim}D input tensor.\n"
                                  + _NON_CONSTANT_HELP)
    if mode != "circular":
        # the checks of PyTorch's reflection/replication kernels: only the batch may be empty
        nonbatch = tuple(input.shape[1:]) if ndim == npad + 2 else tuple(input.shape)
        if 0 in nonbatch:
            raise RuntimeError(f"Expected {npad + 1}D or {npad + 2}D (batch mode) tensor with possibly 0 batch size "
                               f"and other non-zero dimensions for input, but got: {list(input.shape)}")
    out = input
    for d, left, right in pads:
        n = input.shape[d]
        if mode == "reflect" and (left >= n or right >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({left}, {right}) at dimension {d} of input {list(input.shape)}")
        if mode == "circular" and (left > n - max(-right, 0) or right > n - max(-left, 0)):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if n + left + right < 0:
            raise RuntimeError(f"The input size {n}, plus negative padding {left} and {right} resulted in a "
                               f"negative output size, which is invalid. Check dimension {d} of your input.")
        idx = _ops.tensor(_source_index(mode, n, left, right), device=input.device)
        out = out.index_select(d, idx)
    return out


def _constant_pad(input, pads, value):
    shape = list(input.shape)
    src = []
    dst = [slice(None)] * input.dim()
    for d, left, right in pads:
        n = shape[d]
        new = n + left + right
        if new < 0:
            raise RuntimeError(f"The input size {n}, plus negative padding {left} and {right} resulted in a "
                               f"negative output size, which is invalid. Check dimension {d} of your input.")
        # crop the input where a side is negative, place it at max(left, 0) in the output
        lo, hi = max(-left, 0), n - max(-right, 0)
        if hi < lo:
            raise RuntimeError("narrow(): length must be non-negative.")
        src.append((d, lo, hi))
        dst[d] = slice(max(left, 0), max(left, 0) + hi - lo)
        shape[d] = new
    x = input
    for d, lo, hi in src:
        if lo != 0 or hi != input.shape[d]:
            x = x.narrow(d, lo, hi - lo)
    if input.dtype.is_floating_point:
        fill = float(value)
    elif input.dtype.name == "bool":
        fill = bool(value)
    else:
        fill = int(value)
    out = _ops.full(tuple(shape), fill, dtype=input.dtype, device=input.device)
    if x.numel():
        out[tuple(dst)] = x
    return out
