"""Pooling: max / avg / adaptive / lp pools in 1-3 dims, max_unpool.

Every pool is one backend kernel over window tables (see conv_kernels.py): per spatial dim and
output position, the first input index, the end and the step. Padding, ceil_mode, dilation and
adaptive bin edges are all folded into those tables here (computed once per geometry and cached),
so max_pool, avg_pool and the adaptive pools share two kernels and their two backwards:

  _max_pool   -> (values, indices)       backward: _pool_scatter(grad, indices, key)  (adjoint: gather)
  _avg_pool   -> values                  backward: _avg_pool_backward                 (adjoint: _avg_pool)

Each backward is itself differentiable, so double backward works.
"""
import functools
import math
import numbers

import numpy as np

import ember
from ...tensor import Tensor, _empty
from ...autograd.function import differentiable
from ._conv import _ntuple

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "max_pool2d_with_indices",
           "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d", "avg_pool3d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d",
           "adaptive_max_pool3d", "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices", "max_unpool1d", "max_unpool2d", "max_unpool3d",
           "lp_pool1d", "lp_pool2d", "lp_pool3d"]


# ------------------------------------------------------------------------------------------------
# window tables
def _pool_out(size, k, s, p, d, ceil_mode):
    """PyTorch's pooling_output_shape."""
    num = size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    o = num // s + 1
    if ceil_mode and (o - 1) * s >= size + p:
        o -= 1
    return o


@functools.lru_cache(maxsize=512)
def _windows(key):
    """((start, end, step) per dim, divisors per dim) for a hashable pooling geometry."""
    kind = key[0]
    wins, divs = [], []
    if kind == "adaptive":
        _, sizes, outs = key
        for n, o in zip(sizes, outs):
            i = np.arange(o, dtype=np.int64)
            start = (i * n) // o
            end = -((-(i + 1) * n) // o)
            wins.append((start, end, 1))
            divs.append((end - start).astype(np.float64))
    else:
        _, sizes, kernel, stride, padding, dilation, ceil_mode, include_pad = key
        for n, k, s, p, d in zip(sizes, kernel, stride, padding, dilation):
            o = _pool_out(n, k, s, p, d, ceil_mode)
            i = np.arange(max(o, 0), dtype=np.int64)
            start0 = i * s - p
            if kind == "max":
                end = np.minimum(start0 + d * (k - 1) + 1, n)
                # first tap on the dilation lattice that lies inside the input
                start = np.where(start0 < 0, start0 + ((-start0 + d - 1) // d) * d, start0)
                wins.append((start, np.maximum(end, start), d))
                divs.append(np.ones(len(i)))
            else:
                hend = np.minimum(start0 + k, n + p)
                pool = (hend - start0).astype(np.float64)
                start = np.maximum(start0, 0)
                end = np.minimum(hend, n)
                wins.append((start, end, 1))
                divs.append(pool if include_pad else (end - start).astype(np.float64))
    for w in wins:
        for a in w[:2]:
            a.setflags(write=False)
    return tuple(wins), tuple(divs)


def _out_sizes(key):
    wins, _ = _windows(key)
    return tuple(len(w[0]) for w in wins)


def _planes(input, nd):
    """input (..., *S) as a contiguous (P, *S) tensor (no copy when already contiguous)."""
    x = input if input.is_contiguous() else input.contiguous()
    sp = tuple(x.shape[x.dim() - nd:])
    return x.reshape((-1,) + sp)


# ------------------------------------------------------------------------------------------------
# primitives
def _max_pool_backward(ctx, g, input, key):
    _, idx = ctx.out
    return _pool_scatter(g[0], idx, tuple(input.shape), key)


@differentiable(_max_pool_backward, inputs=("input",), save=("result",))
def _max_pool(input, key):
    """(values, int64 indices) of the max over each window of key's geometry (last nd dims)."""
    nd = len(key[1])
    x = _planes(input, nd)
    osz = _out_sizes(key)
    lead = tuple(input.shape[:input.dim() - nd])
    out = _empty(lead + osz, input.dtype, input.device)
    idx = _empty(lead + osz, ember.int64, input.device)
    P = x.shape[0]
    input.device.backend.max_pool(out.view((P,) + osz), idx.view((P,) + osz), x, _windows(key)[0])
    return out, idx


def _plane_sizes(shape, idx_shape, nd):
    P = math.prod(shape[:len(shape) - nd])
    return P, math.prod(shape[len(shape) - nd:]), math.prod(idx_shape[len(idx_shape) - nd:])


def _gather_planes(g, indices, nd):
    """out[..., o] = g[..., indices[..., o]] per plane (the adjoint of _pool_scatter)."""
    P, plane, nout = _plane_sizes(tuple(g.shape), tuple(indices.shape), nd)
    return g.reshape(P, plane).gather(1, indices.reshape(P, nout)).view(indices.shape)


@differentiable(lambda ctx, g, grad, indices, shape, key: _gather_planes(g, indices, len(key[1])),
                inputs=("grad",), save=("indices",), node="MaxPoolBackwardBackward0")
def _pool_scatter(grad, indices, shape, key):
    """A tensor of `shape`: per plane (the last nd dims of key's geometry), zeros plus
    grad[..., o] added at position indices[..., o]. The backward of max pooling (and of adaptive
    max pooling); the backend also gets the windows, so a GPU can gather instead of scatter."""
    nd = len(key[1])
    P = _plane_sizes(tuple(shape), tuple(indices.shape), nd)[0]
    out = _empty(tuple(shape), grad.dtype, grad.device)
    g = grad if grad.is_contiguous() else grad.contiguous()
    ix = indices if indices.is_contiguous() else indices.contiguous()
    osz = tuple(indices.shape[indices.dim() - nd:])
    grad.device.backend.max_pool_backward(out.view((P,) + tuple(shape[len(shape) - nd:])),
                                          g.view((P,) + osz), ix.view((P,) + osz),
                                          _windows(key)[0])
    return out


def _avg_pool_backward_formula(ctx, g, input, key, divisor_override=None):
    return _avg_pool_backward(g, tuple(input.shape), key, divisor_override)


@differentiable(_avg_pool_backward_formula, inputs=("input",), save=())
def _avg_pool(input, key, divisor_override=None):
    """The mean (sum / divisor) over each window of key's geometry (last nd dims)."""
    nd = len(key[1])
    x = _planes(input, nd)
    osz = _out_sizes(key)
    lead = tuple(input.shape[:input.dim() - nd])
    out = _empty(lead + osz, input.dtype, input.device)
    wins, divs = _windows(key)
    input.device.backend.avg_pool(out.view((x.shape[0],) + osz), x, wins, divs, divisor_override)
    return out


@differentiable(lambda ctx, g, grad, shape, key, divisor_override=None: _avg_pool(g, key, divisor_override),
                inputs=("grad",), save=(), node="AvgPoolBackwardBackward0")
def _avg_pool_backward(grad, shape, key, divisor_override=None):
    """The adjoint of _avg_pool: a tensor of `shape` receiving grad / divisor over each window."""
    nd = len(key[1])
    out = _empty(tuple(shape), grad.dtype, grad.device)
    P = math.prod(shape[:len(shape) - nd])
    g = grad if grad.is_contiguous() else grad.contiguous()
    wins, divs = _windows(key)
    grad.device.backend.avg_pool_backward(out.view((P,) + tuple(shape[len(shape) - nd:])),
                                          g.view((P,) + tuple(grad.shape[grad.dim() - nd:])),
                                          wins, divs, divisor_override)
    return out


# ------------------------------------------------------------------------------------------------
# argument checks
_WORDS = {1: "one", 2: "two", 3: "three"}
_AXES = {1: ("W",), 2: ("H", "W"), 3: ("T", "H", "W")}


def _pool_args(nd, name, kernel_size, stride, padding, dilation):
    """kernel, stride, padding, dilation as nd-tuples, with PyTorch's messages for bad lengths."""
    w = _WORDS[nd]

    def tup(v, what, msg):
        if isinstance(v, Tensor):
            v = v.tolist()
        if isinstance(v, numbers.Integral) and not isinstance(v, bool):
            return (int(v),) * nd
        v = tuple(int(a) for a in v)
        if len(v) == 1:
            return v * nd
        if len(v) != nd:
            raise RuntimeError(f"{name}: {what} {msg}")
        return v
    k = tup(kernel_size, "kernel_size", f"must either be a single int, or a tuple of {w} ints")
    if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0):
        s = k
    else:
        s = tup(stride, "stride", f"must either be omitted, a single int, or a tuple of {w} ints")
    p = tup(padding, "padding", f"must either be a single int, or a tuple of {w} ints")
    d = tup(dilation, "dilation", f"must be either a single int, or a tuple of {w} ints")
    return k, s, p, d


def _check_pool(nd, name, input, k, s, p, d, ceil_mode, avg=False):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if nd == 1:
        _check_pool1d(name, input, k, s, p, d, avg)
    else:
        if not avg and input.dim() not in (nd + 1, nd + 2):
            raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for input")
        if avg and input.dim() not in (nd + 1, nd + 2):
            raise RuntimeError(f"Expected {nd + 1}D or {nd + 2}D (batch mode) tensor with optional 0 dim batch "
                               f"size for input, but got:{list(input.shape)}")
        if any(v <= 0 for v in k) and all(v > 0 for v in s):
            ax = _AXES[nd]
            raise RuntimeError("kernel size should be greater than zero, but got " +
                               " ".join(f"k{a}: {v}" for a, v in zip(ax, k)))
        if any(v <= 0 for v in s):
            raise RuntimeError("stride should not be zero")
        if any(v < 0 for v in p):
            raise RuntimeError(f"pad must be non-negative, but got pad: {min(p)}")
        if any(v <= 0 for v in d):
            raise RuntimeError("dilation should be greater than zero, but got " +
                               " ".join(f"dilation{a}: {v}" for a, v in zip(_AXES[nd], d)))
        for pp, kk, dd in zip(p, k, d):
            if pp > (dd * (kk - 1) + 1) // 2:
                raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pp}, "
                                   f"kernel_size={kk} and dilation={dd}")
        if any(n == 0 for n in input.shape[-nd - 1:]):
            raise RuntimeError(f"Expected {nd + 1}D or {nd + 2}D (batch mode) tensor with optional 0 dim "
                               f"batch size for input, but got:{list(input.shape)}")
    sizes = tuple(input.shape[-nd:])
    outs = tuple(_pool_out(n, kk, ss, pp, dd, ceil_mode) for n, kk, ss, pp, dd in zip(sizes, k, s, p, d))
    if any(o < 1 for o in outs):
        C = input.shape[-nd - 1] if input.dim() > nd else 1
        if nd == 1 and not avg:
            raise RuntimeError(f"max_pool1d() Invalid computed output size: {outs[0]}")
        if nd == 3 and avg:
            raise RuntimeError(f"input image (T: {sizes[0]} H: {sizes[1]} W: {sizes[2]}) smaller than kernel "
                               f"size (kT: {k[0]} kH: {k[1]} kW: {k[2]})")
        shown_in = ((1,) if nd == 1 else ()) + sizes
        shown_out = ((1,) if nd == 1 else ()) + outs
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, (C,) + shown_in))}). Calculated output size: "
                           f"({'x'.join(map(str, (C,) + shown_out))}). Output size is too small")
    return sizes


def _check_pool1d(name, input, k, s, p, d, avg):
    if avg:
        if input.dim() not in (2, 3):
            raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional tensor for "
                               f"argument #1 'self' (while checking arguments for {name})")
        if k[0] <= 0 or s[0] <= 0:
            raise RuntimeError("stride should not be zero" if s[0] <= 0 else
                               f"kernel size should be greater than zero, but got kH: 1 kW: {k[0]}")
        if p[0] < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {p[0]}")
        if p[0] > k[0] // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p[0]}, "
                               f"kernel_size={k[0]} and dilation=1")
        return
    if input.dim() not in (2, 3) or any(n == 0 for n in input.shape[-1:]):
        raise RuntimeError(f"max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size "
                           f"for input, but got:{list(input.shape)}")
    if k[0] <= 0:
        raise RuntimeError(f"max_pool1d() kernel_size must be greater than zero, but got {k[0]}")
    if s[0] <= 0:
        raise RuntimeError(f"max_pool1d() stride must be greater than zero, but got {s[0]}")
    if p[0] < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {p[0]}")
    if p[0] > k[0] // 2:
        raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but got "
                           f"padding={p[0]} and kernel_size={k[0]}")
    if d[0] <= 0:
        raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {d[0]}")


def _float_compute(input):
    """Integer inputs pool in float64 (exact below 2**53) and are cast back, as C truncates."""
    return input if input.dtype.is_floating_point else input.double()


# ------------------------------------------------------------------------------------------------
# max pooling
def _max_pool_nd(nd, name, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    k, s, p, d = _pool_args(nd, name, kernel_size, stride, padding, dilation)
    sizes = _check_pool(nd, name, input, k, s, p, d, ceil_mode)
    key = ("max", sizes, k, s, p, d, bool(ceil_mode), False)
    x = _float_compute(input)
    out, idx = _max_pool(x, key)
    if x is not input:
        out = out.to(input.dtype)
    return (out, idx) if return_indices else out


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    r"""Applies a 1D max pooling over an input signal composed of several input planes.

    Args:
        input: :math:`(N, C, L_{in})` or :math:`(C, L_{in})`
        kernel_size: the size of the window
        stride: the stride of the window. Default: ``kernel_size``
        padding: implicit negative-infinity padding on both sides (at most half the kernel)
        dilation: the stride between elements within a window
        ceil_mode: use ceil instead of floor to compute the output shape
        return_indices: also return the argmax positions (for :func:`max_unpool1d`)

    Examples::

        >>> F.max_pool1d(ember.arange(6.).view(1, 1, 6), 2)
        tensor([[[1., 3., 5.]]])
    """
    return _max_pool_nd(1, "max_pool1d", input, kernel_size, stride, padding, dilation, ceil_mode,
                        return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    r"""Applies a 2D max pooling over an input signal composed of several input planes.

    Args:
        input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`
        kernel_size, stride (default ``kernel_size``), padding, dilation: int or 2-tuple
        ceil_mode: use ceil instead of floor to compute the output shape
        return_indices: also return the flat argmax positions in each plane

    Examples::

        >>> F.max_pool2d(ember.randn(1, 16, 28, 28), 2).shape
        ember.Size([1, 16, 14, 14])
    """
    return _max_pool_nd(2, "max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode,
                        return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    r"""Applies a 3D max pooling over an input signal composed of several input planes.

    Args:
        input: :math:`(N, C, D_{in}, H_{in}, W_{in})` or unbatched
        kernel_size, stride (default ``kernel_size``), padding, dilation: int or 3-tuple
        ceil_mode, return_indices: as :func:`max_pool2d`

    Examples::

        >>> F.max_pool3d(ember.randn(2, 3, 4, 4, 4), 2).shape
        ember.Size([2, 3, 2, 2, 2])
    """
    return _max_pool_nd(3, "max_pool3d", input, kernel_size, stride, padding, dilation, ceil_mode,
                        return_indices)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    """max_pool1d returning (values, indices)."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    """max_pool2d returning (values, indices)."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    """max_pool3d returning (values, indices)."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


# ------------------------------------------------------------------------------------------------
# average pooling
def _avg_pool_nd(nd, name, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                 divisor_override):
    k, s, p, d = _pool_args(nd, name, kernel_size, stride, padding, 1)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    sizes = _check_pool(nd, name, input, k, s, p, d, ceil_mode, avg=True)
    key = ("avg", sizes, k, s, p, d, bool(ceil_mode), bool(count_include_pad))
    x = _float_compute(input)
    out = _avg_pool(x, key, divisor_override)
    return out if x is input else out.to(input.dtype)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    r"""Applies a 1D average pooling over an input signal composed of several input planes.

    Args:
        input: :math:`(N, C, L_{in})` or :math:`(C, L_{in})`
        kernel_size: the size of the window
        stride: the stride of the window. Default: ``kernel_size``
        padding: implicit zero padding on both sides (at most half the kernel)
        ceil_mode: use ceil instead of floor to compute the output shape
        count_include_pad: include the zero padding in the averaging divisor

    Examples::

        >>> F.avg_pool1d(ember.tensor([[[1., 2, 3, 4, 5, 6, 7]]]), kernel_size=3, stride=2)
        tensor([[[2., 4., 6.]]])
    """
    return _avg_pool_nd(1, "avg_pool1d", input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    r"""Applies 2D average-pooling over :math:`kH \times kW` regions.

    Args:
        input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`
        kernel_size, stride (default ``kernel_size``), padding: int or 2-tuple
        ceil_mode: use ceil instead of floor to compute the output shape
        count_include_pad: include the zero padding in the averaging divisor
        divisor_override: if given, the divisor of every window

    Examples::

        >>> F.avg_pool2d(ember.ones(1, 1, 4, 4), 2)
        tensor([[[[1., 1.],
                  [1., 1.]]]])
    """
    return _avg_pool_nd(2, "avg_pool2d", input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                        divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    r"""Applies 3D average-pooling over :math:`kT \times kH \times kW` regions.

    Args:
        input: :math:`(N, C, D_{in}, H_{in}, W_{in})` or unbatched
        kernel_size, stride, padding: int or 3-tuple
        ceil_mode, count_include_pad, divisor_override: as :func:`avg_pool2d`

    Examples::

        >>> F.avg_pool3d(ember.ones(1, 1, 2, 4, 4), 2).shape
        ember.Size([1, 1, 1, 2, 2])
    """
    return _avg_pool_nd(3, "avg_pool3d", input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                        divisor_override)


# ------------------------------------------------------------------------------------------------
# adaptive pooling
def _adaptive_sizes(nd, name, input, output_size):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if nd == 1:
        if input.dim() not in (2, 3):
            raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional tensor for "
                               f"argument #1 'self' (while checking arguments for {name})")
    elif input.dim() not in (nd + 1, nd + 2):
        colon = ":" if "max" in name else ""
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got{colon} {list(input.shape)}")
    sizes = tuple(input.shape[-nd:])
    if isinstance(output_size, Tensor):
        output_size = output_size.tolist()
    if isinstance(output_size, numbers.Integral) or output_size is None:
        out = (output_size,) * nd
    else:
        out = tuple(output_size)
        if len(out) == 1 and nd > 1:
            out = out * nd
    if len(out) != nd:
        raise RuntimeError(f"{name}: output_size must be {nd}")
    out = tuple(n if o is None else int(o) for o, n in zip(out, sizes))
    if any(o < 0 for o in out):
        raise RuntimeError(f"{name}: elements of output_size must be greater than or equal to 0 but received "
                           f"{{{', '.join(map(str, out))}}}")
    for i in range(1, input.dim()):
        if input.shape[i] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch dimensions, but "
                               f"input has sizes {list(input.shape)} with dimension {i} being empty")
    return sizes, out


def _adaptive_avg(nd, name, input, output_size):
    sizes, out = _adaptive_sizes(nd, name, input, output_size)
    x = _float_compute(input)
    y = _avg_pool(x, ("adaptive", sizes, out))
    return y if x is input else y.to(input.dtype)


def _adaptive_max(nd, name, input, output_size, return_indices):
    sizes, out = _adaptive_sizes(nd, name, input, output_size)
    x = _float_compute(input)
    y, idx = _max_pool(x, ("adaptive", sizes, out))
    if x is not input:
        y = y.to(input.dtype)
    return (y, idx) if return_indices else y


def adaptive_avg_pool1d(input, output_size):
    r"""Applies a 1D adaptive average pooling: the output has length ``output_size`` for any input.

    Bin o covers ``[floor(o * L / out), ceil((o + 1) * L / out))``.

    Examples::

        >>> F.adaptive_avg_pool1d(ember.randn(1, 64, 8), 5).shape
        ember.Size([1, 64, 5])
    """
    return _adaptive_avg(1, "adaptive_avg_pool1d", input, output_size)


def adaptive_avg_pool2d(input, output_size):
    r"""Applies a 2D adaptive average pooling (output_size: int, or ``(H, W)`` where None keeps the
    input's size).

    Examples::

        >>> F.adaptive_avg_pool2d(ember.randn(1, 64, 8, 9), (5, 7)).shape
        ember.Size([1, 64, 5, 7])
    """
    return _adaptive_avg(2, "adaptive_avg_pool2d", input, output_size)


def adaptive_avg_pool3d(input, output_size):
    r"""Applies a 3D adaptive average pooling (output_size: int or ``(D, H, W)``, None keeps a size).

    Examples::

        >>> F.adaptive_avg_pool3d(ember.randn(1, 8, 4, 6, 6), 2).shape
        ember.Size([1, 8, 2, 2, 2])
    """
    return _adaptive_avg(3, "adaptive_avg_pool3d", input, output_size)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    r"""Applies a 1D adaptive max pooling (see :func:`adaptive_avg_pool1d` for the bins).

    Examples::

        >>> F.adaptive_max_pool1d(ember.randn(1, 64, 8), 5).shape
        ember.Size([1, 64, 5])
    """
    return _adaptive_max(1, "adaptive_max_pool1d", input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    r"""Applies a 2D adaptive max pooling; ``return_indices`` also returns the flat argmax positions.

    Examples::

        >>> F.adaptive_max_pool2d(ember.randn(1, 64, 8, 9), (5, 7)).shape
        ember.Size([1, 64, 5, 7])
    """
    return _adaptive_max(2, "adaptive_max_pool2d", input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    r"""Applies a 3D adaptive max pooling.

    Examples::

        >>> F.adaptive_max_pool3d(ember.randn(1, 8, 4, 6, 6), 2).shape
        ember.Size([1, 8, 2, 2, 2])
    """
    return _adaptive_max(3, "adaptive_max_pool3d", input, output_size, return_indices)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool3d(input, output_size, True)


# ------------------------------------------------------------------------------------------------
# max_unpool and lp_pool (composites of ember ops)
def _unpool_output_size(nd, input, kernel, stride, padding, output_size):
    default = tuple((input.shape[input.dim() - nd + i] - 1) * stride[i] + kernel[i] - 2 * padding[i]
                    for i in range(nd))
    if output_size is None:
        return default
    out = tuple(int(v) for v in (output_size.tolist() if isinstance(output_size, Tensor) else output_size))
    if len(out) == nd + 2:
        out = out[2:]
    if len(out) != nd:
        raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} elements, but it has a "
                         f"length of '{len(out)}'")
    for i in range(nd):
        lo = default[i] - stride[i]
        hi = default[i] + stride[i]
        if not lo < out[i] < hi:
            raise ValueError(f'invalid output_size "{out}" (dim {i} must be between {lo} and {hi})')
    return out


def _max_unpool_nd(nd, name, input, indices, kernel_size, stride, padding, output_size):
    k, s, p, _ = _pool_args(nd, name, kernel_size, stride, padding, 1)
    if indices.dtype is not ember.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: {indices.dtype}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}")
    osz = _unpool_output_size(nd, input, k, s, p, output_size)
    lead = tuple(input.shape[:input.dim() - nd])
    plane = math.prod(osz)
    P = math.prod(lead)
    x = input.reshape(P, -1)
    ix = indices.reshape(P, -1)
    if ix.numel():
        lo, hi = int(ix.min()), int(ix.max())
        if lo < 0 or hi >= plane:
            bad = hi if hi >= plane else lo
            raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                               f"{'x'.join(map(str, osz))})")
    out = ember.zeros((P, plane), dtype=input.dtype, device=input.device).scatter(1, ix, x)
    return out.view(lead + osz)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    r"""Computes a partial inverse of :func:`max_pool1d`: values go back to their argmax positions,
    zeros elsewhere.

    Examples::

        >>> y, i = F.max_pool1d(ember.tensor([[[1., 2, 3, 4]]]), 2, return_indices=True)
        >>> F.max_unpool1d(y, i, 2)
        tensor([[[0., 2., 0., 4.]]])
    """
    return _max_unpool_nd(1, "max_unpool1d", input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    r"""Computes a partial inverse of :func:`max_pool2d` (``output_size`` resolves ambiguous shapes)."""
    return _max_unpool_nd(2, "max_unpool2d", input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    r"""Computes a partial inverse of :func:`max_pool3d`."""
    return _max_unpool_nd(3, "max_unpool3d", input, indices, kernel_size, stride, padding, output_size)


def _lp_pool(nd, input, norm_type, kernel_size, stride, ceil_mode):
    k = _ntuple(kernel_size, nd, "kernel_size")
    avg = {1: avg_pool1d, 2: avg_pool2d, 3: avg_pool3d}[nd]
    out = avg(input.pow(norm_type), k if nd > 1 else k[0], stride, 0, ceil_mode)
    return (ember.sign(out) * ember.relu(ember.abs(out))).mul(math.prod(k)).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    r"""Applies a 1D power-average pooling: :math:`(\sum x^p)^{1/p}` over each window."""
    return _lp_pool(1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    r"""Applies a 2D power-average pooling: :math:`(\sum x^p)^{1/p}` over each window."""
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    r"""Applies a 3D power-average pooling: :math:`(\sum x^p)^{1/p}` over each window."""
    return _lp_pool(3, input, norm_type, kernel_size, stride, ceil_mode)
