"""Convolutions (conv1d/2d/3d, conv_transpose1d/2d/3d) and unfold/fold (im2col / col2im).

A convolution is im2col + one GEMM per group:

    cols = im2col(x)                 (C*K, N*L)    the batch folded into the GEMM's columns
    out  = W.view(G, O/G, C/G*K) @ cols.view(G, C/G*K, N*L)  -> (O, N, L)
    out  = out.permute(1, 0, 2) + bias                        one pass writes (N, O, L) and the bias

and one graph node (``_conv_forward``), whose derivative is written with ember ops and two
primitives that carry the data movement, each the other's adjoint: ``_im2col`` (backward: col2im)
and ``_col2im`` (backward: im2col):

    grad_input  = col2im(W^T @ grad_out)      grad_weight = grad_out @ cols^T
    grad_bias   = sum(grad_out)

so the backward is itself differentiable (double backward). A transposed convolution is the same
pieces in the other order, col2im(W^T @ x) + bias, composed from differentiable ops.
"""
import numbers
import warnings

import ember
from ...tensor import Tensor, _empty, _make
from ...autograd.function import differentiable

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           "unfold", "fold"]


# ------------------------------------------------------------------------------------------------
# argument helpers (shared with _pooling / the modules)
def _ntuple(x, n, name="", fn=None):
    """(x,)*n for an int, the tuple for a sequence of length n (1-sequences broadcast)."""
    if isinstance(x, Tensor):
        x = x.tolist()
    if isinstance(x, numbers.Integral) and not isinstance(x, bool):
        return (int(x),) * n
    if isinstance(x, (tuple, list)):
        x = tuple(int(v) for v in x)
        if len(x) == n:
            return x
        if len(x) == 1:
            return x * n
    if fn is not None:
        raise RuntimeError(f"{fn}: {name} must either be a single int, or a tuple of {n} ints")
    raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} values to "
                       f"match the convolution dimensions, but got {name}={list(x) if isinstance(x, tuple) else x}")


def _prod(xs):
    p = 1
    for v in xs:
        p *= v
    return p


def _conv_out(size, k, s, p, d):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _zero_pad(x, pads):
    """x zero-padded by pads = ((before, after) per trailing spatial dim): differentiable."""
    nd = len(pads)
    for i, (lo, hi) in enumerate(pads):
        dim = x.dim() - nd + i
        parts = []
        if lo:
            shape = list(x.shape)
            shape[dim] = lo
            parts.append(ember.zeros(shape, dtype=x.dtype, device=x.device))
        parts.append(x)
        if hi:
            shape = list(x.shape)
            shape[dim] = hi
            parts.append(ember.zeros(shape, dtype=x.dtype, device=x.device))
        if len(parts) > 1:
            x = ember.cat(parts, dim)
    return x


# ------------------------------------------------------------------------------------------------
# primitives
def _im2col_backward(ctx, g, input, kernel, stride, padding, dilation, batch_inner=False):
    return _col2im(g, tuple(input.shape[2:]), kernel, stride, padding, dilation, batch_inner)


@differentiable(_im2col_backward, inputs=("input",), save=())
def _im2col(input, kernel, stride, padding, dilation, batch_inner=False):
    """cols (N, C*K, L) of input (N, C, *S); (C*K, N, L) when batch_inner (for the conv GEMM)."""
    if batch_inner:
        return _im2col_raw(input, kernel, stride, padding, dilation)
    N, C = input._shape[0], input._shape[1]
    osz = [_conv_out(s, k, st, p, d) for s, k, st, p, d in
           zip(input._shape[2:], kernel, stride, padding, dilation)]
    buf = _empty((N, C * _prod(kernel), _prod(osz)), input.dtype, input.device)
    input.device.backend.im2col(buf, input, kernel, stride, padding, dilation)
    return buf


def _col2im_backward(ctx, g, cols, size, kernel, stride, padding, dilation, batch_inner=False):
    return _im2col(g, kernel, stride, padding, dilation, batch_inner)


@differentiable(_col2im_backward, inputs=("cols",), save=())
def _col2im(cols, size, kernel, stride, padding, dilation, batch_inner=False):
    """The adjoint of _im2col: (N, C, *size) summing every column entry into its position."""
    if batch_inner:
        CK, N, L = cols._shape
        cview = _make(cols._storage, (N, CK, L), (cols._stride[1], cols._stride[0], cols._stride[2]),
                      cols._offset, cols.dtype, cols.device)
    else:
        N, CK, L = cols._shape
        cview = cols
    if not cols.dtype.is_floating_point:
        raise RuntimeError(f"\"col2im_out_cpu\" not implemented for '{_type_name(cols.dtype)}'")
    C = CK // _prod(kernel)
    out = _empty((N, C) + tuple(size), cols.dtype, cols.device)
    cols.device.backend.col2im(out, cview, kernel, stride, padding, dilation)
    return out


def _type_name(dt):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
            "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}[dt.name]


# ------------------------------------------------------------------------------------------------
# convolution
def _check_conv(nd, name, input, weight, bias, stride, padding, dilation, groups, transposed=False):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}() argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if not isinstance(weight, Tensor):
        raise TypeError(f"{name}() argument 'weight' (position 2) must be Tensor, not {type(weight).__name__}")
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but "
                           f"got input of size: {list(input.shape)}")
    stride = _ntuple(stride, nd, "stride")
    if not isinstance(padding, str):
        padding = _ntuple(padding, nd, "padding")
    dilation = _ntuple(dilation, nd, "dilation")
    wnd = weight.dim() - 2
    if wnd != nd:
        raise RuntimeError(f"expected stride to be a single integer value or a list of {wnd} values to "
                           f"match the convolution dimensions, but got stride={list(stride)}")
    if not isinstance(padding, str) and any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"Input type ({_legacy(input)}) and weight type ({_legacy(weight)}) should be "
                           "the same or input should be a MKLDNN tensor and weight is a dense tensor")
    if bias is not None:
        if bias.dtype is not input.dtype:
            raise RuntimeError(f"Input type ({_ctype(input)}) and bias type ({_ctype(bias)}) should be the same")
    if input.device != weight.device or (bias is not None and bias.device != input.device):
        raise RuntimeError("Expected all tensors to be on the same device, but found at least two devices, "
                           f"{input.device} and {weight.device if weight.device != input.device else bias.device}!")
    return stride, padding, dilation


def _legacy(t):
    return "torch." + {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
                       "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                       "bool": "Bool"}[t.dtype.name] + "Tensor"


def _ctype(t):
    return {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
            "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
            "uint8": "unsigned char", "bool": "bool"}[t.dtype.name]


def _im2col_raw(input, kernel, stride, padding, dilation):
    """The (C*K, N, L) column buffer of input, outside the graph (conv saves it for its backward)."""
    N, C = input._shape[0], input._shape[1]
    osz = [_conv_out(s, k, st, p, d) for s, k, st, p, d in
           zip(input._shape[2:], kernel, stride, padding, dilation)]
    CK, L = C * _prod(kernel), _prod(osz)
    buf = _empty((CK, N, L), input.dtype, input.device)
    view = _make(buf._storage, (N, CK, L), (L, N * L, 1), 0, buf.dtype, buf.device)
    input.device.backend.im2col(view, input, kernel, stride, padding, dilation)
    return buf


def _conv_backward(ctx, g, input, weight, bias, cols, kernel, stride, padding, dilation, groups):
    """grad_input = col2im(W^T @ g), grad_weight = g @ cols^T, grad_bias = sum(g).

    Written with ember ops and the _im2col/_col2im primitives, so it is recorded under create_graph
    (double backward). The saved cols are a constant of the graph: when the weight gradient must
    itself be differentiated w.r.t. the input, they are recomputed through the differentiable
    _im2col instead.
    """
    need_i, need_w, need_b = ctx.needs_input_grad
    N, O = g.shape[0], g.shape[1]
    osz = tuple(g.shape[2:])
    L = _prod(osz)
    G = groups
    Og, CKg = O // G, weight.shape[1] * _prod(kernel)
    gi = gw = gb = None
    if need_b:
        gb = g.sum(dim=(0,) + tuple(range(2, g.dim())))
    if not (need_i or need_w):
        return gi, gw, gb
    gt = g.reshape(N, O, L).permute(1, 0, 2).reshape(G, Og, N * L)      # (G, O/G, N*L)
    if need_w:
        c = cols
        if ember.is_grad_enabled() and input.requires_grad:
            c = _im2col(input, kernel, stride, padding, dilation, True)
        gw = ember.matmul(gt, c.view(G, CKg, N * L).transpose(1, 2)).reshape(weight.shape)
    if need_i:
        gcols = ember.matmul(weight.reshape(G, Og, CKg).transpose(1, 2), gt)      # (G, CKg, N*L)
        gi = _col2im(gcols.view(G * CKg, N, L), tuple(input.shape[2:]), kernel, stride, padding, dilation,
                     True)
    return gi, gw, gb


@differentiable(_conv_backward, inputs=("input", "weight", "bias"), save=("input", "weight", "cols"),
                node="ConvolutionBackward0")
def _conv_forward(input, weight, bias, cols, kernel, stride, padding, dilation, groups):
    """out (N, O, *osz) = W @ cols per group (+ bias), from the (C*K, N, L) columns of input.

    One graph node for the whole convolution: the GEMM writes (O, N*L), and the pass that permutes
    it to (N, O, L) adds the bias.
    """
    # (runs outside the graph: raw views and the backend GEMM, no op dispatch)
    N, O = input._shape[0], weight._shape[0]
    osz = tuple(_conv_out(s, k, st, p, d) for s, k, st, p, d in
                zip(input._shape[2:], kernel, stride, padding, dilation))
    L = _prod(osz)
    G = groups
    CKg = weight._shape[1] * _prod(kernel)
    w = _raw_view(weight, (G, O // G, CKg))
    y = _empty((G, O // G, N * L), cols.dtype, cols.device)
    if y.numel():
        cols.device.backend.matmul(y, w, _raw_view(cols, (G, CKg, N * L)))
    y = _make(y._storage, (N, O, L), (L, N * L, 1), 0, y.dtype, y.device)      # (O, N, L) permuted
    if bias is not None:
        y = y + _raw_view(bias, (1, O, 1))
    else:
        y = y.contiguous()
    return _raw_view(y, (N, O) + osz)


def _raw_view(t, shape):
    """t viewed as `shape` without recording (a contiguous copy first when t is not contiguous)."""
    if not t.is_contiguous():
        t = t.contiguous()
    strides, acc = [], 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= n if n > 1 else 1
    return _make(t._storage, tuple(shape), tuple(reversed(strides)), t._offset, t.dtype, t.device)


def _conv_nd(nd, name, input, weight, bias, stride, padding, dilation, groups):
    stride, padding, dilation = _check_conv(nd, name, input, weight, bias, stride, padding, dilation, groups)
    unbatched = input.dim() == nd + 1
    if unbatched:
        input = input.unsqueeze(0)
    N, C = input.shape[0], input.shape[1]
    O, Cg = weight.shape[0], weight.shape[1]
    kernel = tuple(weight.shape[2:])
    if C != Cg * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected "
                           f"input{list(input.shape)} to have {Cg * groups} channels, but got {C} "
                           "channels instead")
    if O % groups:
        raise RuntimeError("Given groups=%d, expected weight to be divisible by %d at dimension 0, but got "
                           "weight of size %s instead" % (groups, groups, list(weight.shape)))
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != O):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional "
                           f"with {O} elements, but got bias of size {list(bias.shape)} instead")
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            total = [d * (k - 1) for d, k in zip(dilation, kernel)]
            padding = tuple(t // 2 for t in total)
            extra = tuple(t - 2 * (t // 2) for t in total)
            if any(extra):      # odd total: the extra zero goes on the right, as PyTorch does
                warnings.warn("Using padding='same' with even kernel lengths and odd dilation may require a "
                              "zero-padded copy of the input be created", UserWarning, stacklevel=3)
                input = _zero_pad(input, [(0, e) for e in extra])
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    sizes = input.shape[2:]
    padded = [s + 2 * p for s, p in zip(sizes, padding)]
    eff = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    if any(p < e for p, e in zip(padded, eff)):
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
                           f"Kernel size: ({' x '.join(map(str, eff))}). Kernel size can't be greater "
                           "than actual input size")
    cols = _im2col_raw(input, kernel, stride, padding, dilation)           # (C*K, N, L), no graph
    y = _conv_forward(input, weight, bias, cols, kernel, stride, padding, dilation, groups)
    return y.squeeze(0) if unbatched else y


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    r"""Applies a 1D convolution over an input signal composed of several input planes.

    Args:
        input: input tensor of shape :math:`(\text{minibatch}, \text{in\_channels}, iW)` or
            :math:`(\text{in\_channels}, iW)`
        weight: filters of shape :math:`(\text{out\_channels}, \frac{\text{in\_channels}}{\text{groups}}, kW)`
        bias: optional bias of shape :math:`(\text{out\_channels})`. Default: ``None``
        stride: the stride of the convolving kernel (int or 1-tuple). Default: 1
        padding: implicit zero padding on both sides (int, 1-tuple, ``'valid'`` or ``'same'``). Default: 0
        dilation: the spacing between kernel elements. Default: 1
        groups: split input into groups; in_channels must be divisible by it. Default: 1

    Examples::

        >>> inputs = ember.randn(33, 16, 30)
        >>> filters = ember.randn(20, 16, 5)
        >>> F.conv1d(inputs, filters).shape
        ember.Size([33, 20, 26])
    """
    return _conv_nd(1, "conv1d", input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    r"""Applies a 2D convolution over an input image composed of several input planes.

    Args:
        input: input tensor of shape :math:`(\text{minibatch}, \text{in\_channels}, iH, iW)` or unbatched
        weight: filters of shape :math:`(\text{out\_channels}, \frac{\text{in\_channels}}{\text{groups}}, kH, kW)`
        bias: optional bias tensor of shape :math:`(\text{out\_channels})`. Default: ``None``
        stride: the stride of the convolving kernel (int or ``(sH, sW)``). Default: 1
        padding: implicit zero padding (int, ``(padH, padW)``, ``'valid'`` or ``'same'``). Default: 0
        dilation: the spacing between kernel elements. Default: 1
        groups: split input into groups (``groups = in_channels`` is a depthwise convolution). Default: 1

    Examples::

        >>> filters = ember.randn(8, 4, 3, 3)
        >>> inputs = ember.randn(1, 4, 5, 5)
        >>> F.conv2d(inputs, filters, padding=1).shape
        ember.Size([1, 8, 5, 5])
    """
    return _conv_nd(2, "conv2d", input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    r"""Applies a 3D convolution over an input image composed of several input planes.

    Args:
        input: input tensor of shape :math:`(\text{minibatch}, \text{in\_channels}, iT, iH, iW)` or unbatched
        weight: filters of shape :math:`(\text{out\_channels}, \frac{\text{in\_channels}}{\text{groups}}, kT, kH, kW)`
        bias: optional bias tensor of shape :math:`(\text{out\_channels})`. Default: ``None``
        stride, padding, dilation, groups: as :func:`conv2d`, with 3-tuples

    Examples::

        >>> filters = ember.randn(33, 16, 3, 3, 3)
        >>> inputs = ember.randn(2, 16, 10, 12, 12)
        >>> F.conv3d(inputs, filters).shape
        ember.Size([2, 33, 8, 10, 10])
    """
    return _conv_nd(3, "conv3d", input, weight, bias, stride, padding, dilation, groups)


# ------------------------------------------------------------------------------------------------
# transposed convolution
def _conv_transpose_nd(nd, name, input, weight, bias, stride, padding, output_padding, groups, dilation):
    if isinstance(padding, str):
        raise TypeError(f"{name}(): argument 'padding' must be tuple of ints, not str")
    stride, padding, dilation = _check_conv(nd, name, input, weight, bias, stride, padding, dilation, groups)
    output_padding = _ntuple(output_padding, nd, "output_padding")
    if any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        names = ["depth", "height", "width"][3 - nd:] if nd > 1 else ["width"]
        if nd == 1:
            names = ["width"]
        parts = " ".join(f"output_padding_{n}: {v}" for n, v in zip(names, output_padding))
        parts += " " + " ".join(f"stride_{n}: {v}" for n, v in zip(names, stride))
        parts += " " + " ".join(f"dilation_{n}: {v}" for n, v in zip(names, dilation))
        raise RuntimeError(f"output padding must be smaller than either stride or dilation, but got {parts}")
    unbatched = input.dim() == nd + 1
    if unbatched:
        input = input.unsqueeze(0)
    N, Cin = input.shape[0], input.shape[1]
    if weight.shape[0] != Cin:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected input"
                           f"{list(input.shape)} to have {weight.shape[0]} channels, but got {Cin} "
                           "channels instead")
    if Cin % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension "
                           f"0, but got weight of size {list(weight.shape)} instead")
    G = groups
    Og = weight.shape[1]
    O = Og * G
    kernel = tuple(weight.shape[2:])
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != O):
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected bias to be "
                           f"1-dimensional with {O} elements, but got bias of size {list(bias.shape)} instead")
    sizes = tuple(input.shape[2:])
    osz = tuple((s - 1) * st - 2 * p + d * (k - 1) + op + 1 for s, st, p, d, k, op in
                zip(sizes, stride, padding, dilation, kernel, output_padding))
    if any(o <= 0 for o in osz):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, sizes))}). Calculated output "
                           f"size per channel: ({' x '.join(map(str, osz))}). Output size is too small")
    # the conv of the output geometry may see more positions than the input has (output_padding
    # >= stride with a large dilation): the extra ones contribute zeros
    need = tuple(_conv_out(o, k, st, p, d) for o, k, st, p, d in zip(osz, kernel, stride, padding, dilation))
    if need != sizes:
        input = _zero_pad(input, [(0, n - s) for n, s in zip(need, sizes)])
    L = _prod(need)
    Cg = Cin // G
    OKg = Og * _prod(kernel)
    x = input.reshape(N, Cin, L).permute(1, 0, 2).reshape(G, Cg, N * L)
    w = weight.reshape(G, Cg, OKg).transpose(1, 2)
    cols = ember.matmul(w, x)                                  # (G, Og*K, N*L)
    y = _col2im(cols.view(O * _prod(kernel), N, L), osz, kernel, stride, padding, dilation, True)
    if bias is not None:
        y = y + bias.view((1, O) + (1,) * nd)
    return y.squeeze(0) if unbatched else y


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    r"""Applies a 1D transposed convolution operator over an input signal (the adjoint of conv1d).

    Args:
        input: :math:`(\text{minibatch}, \text{in\_channels}, iW)` or unbatched
        weight: :math:`(\text{in\_channels}, \frac{\text{out\_channels}}{\text{groups}}, kW)`
        bias: optional :math:`(\text{out\_channels})`. Default: ``None``
        stride, padding, output_padding, groups, dilation: as in :class:`~ember.nn.ConvTranspose1d`

    Examples::

        >>> F.conv_transpose1d(ember.randn(20, 16, 50), ember.randn(16, 33, 5)).shape
        ember.Size([20, 33, 54])
    """
    return _conv_transpose_nd(1, "conv_transpose1d", input, weight, bias, stride, padding, output_padding,
                              groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    r"""Applies a 2D transposed convolution operator over an input image ("deconvolution").

    Args:
        input: :math:`(\text{minibatch}, \text{in\_channels}, iH, iW)` or unbatched
        weight: :math:`(\text{in\_channels}, \frac{\text{out\_channels}}{\text{groups}}, kH, kW)`
        bias: optional :math:`(\text{out\_channels})`. Default: ``None``
        stride, padding, output_padding, groups, dilation: as in :class:`~ember.nn.ConvTranspose2d`

    Examples::

        >>> F.conv_transpose2d(ember.randn(1, 4, 5, 5), ember.randn(4, 8, 3, 3), padding=1).shape
        ember.Size([1, 8, 5, 5])
    """
    return _conv_transpose_nd(2, "conv_transpose2d", input, weight, bias, stride, padding, output_padding,
                              groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    r"""Applies a 3D transposed convolution operator over an input image.

    Args:
        input: :math:`(\text{minibatch}, \text{in\_channels}, iT, iH, iW)` or unbatched
        weight: :math:`(\text{in\_channels}, \frac{\text{out\_channels}}{\text{groups}}, kT, kH, kW)`
        bias: optional :math:`(\text{out\_channels})`. Default: ``None``
        stride, padding, output_padding, groups, dilation: as in :class:`~ember.nn.ConvTranspose3d`

    Examples::

        >>> F.conv_transpose3d(ember.randn(20, 16, 5, 6, 7), ember.randn(16, 33, 3, 3, 3)).shape
        ember.Size([20, 33, 7, 8, 9])
    """
    return _conv_transpose_nd(3, "conv_transpose3d", input, weight, bias, stride, padding, output_padding,
                              groups, dilation)


# ------------------------------------------------------------------------------------------------
# unfold / fold
def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    r"""Extracts sliding local blocks from a batched input tensor (im2col).

    Args:
        input: :math:`(N, C, *)` with two spatial dims, or unbatched :math:`(C, *)`
        kernel_size, dilation, padding, stride: int or 2-tuple, as :class:`~ember.nn.Unfold`

    Shape:
        output :math:`(N, C \times \prod(\text{kernel\_size}), L)` where L is the number of blocks.

    Examples::

        >>> F.unfold(ember.randn(2, 5, 3, 4), kernel_size=(2, 3)).shape
        ember.Size([2, 30, 4])
    """
    if input.dim() not in (3, 4):
        raise NotImplementedError(f"Input Error: Only 3D or 4D input Tensors are supported (got {input.dim()}D)")
    k = _ntuple(kernel_size, 2, "kernel_size")
    d = _ntuple(dilation, 2, "dilation")
    p = _ntuple(padding, 2, "padding")
    s = _ntuple(stride, 2, "stride")
    _check_unfold(k, d, p, s)
    unbatched = input.dim() == 3
    x = input.unsqueeze(0) if unbatched else input
    sizes = x.shape[2:]
    osz = [_conv_out(n, kk, ss, pp, dd) for n, kk, ss, pp, dd in zip(sizes, k, s, p, d)]
    if any(o < 1 for o in osz):
        raise RuntimeError(
            f"Given input with spatial size ({sizes[0]}, {sizes[1]}), kernel_size=({k[0]}, {k[1]}), "
            f"dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), calculated shape of the array of "
            f"sliding blocks as ({osz[0]}, {osz[1]}), but its components must be at least one.")
    cols = _im2col(x, k, s, p, d, False)
    return cols.squeeze(0) if unbatched else cols


def _check_unfold(k, d, p, s):
    if any(v <= 0 for v in k):
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {k[0]} "
                           f"kernel_width: {k[1]}")
    if any(v <= 0 for v in s):
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: {s[0]} stride_width: {s[1]}")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: {d[0]} "
                           f"dilation_width: {d[1]}")
    if any(v < 0 for v in p):
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {p[0]} pad_width: {p[1]}")


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    r"""Combines an array of sliding local blocks into a large containing tensor (col2im).

    Overlapping values are summed. The adjoint of :func:`unfold`.

    Args:
        input: :math:`(N, C \times \prod(\text{kernel\_size}), L)` or unbatched :math:`(C \times \prod(\text{kernel\_size}), L)`
        output_size: the spatial shape of the output (int or 2-tuple)
        kernel_size, dilation, padding, stride: int or 2-tuple

    Examples::

        >>> F.fold(ember.randn(1, 3 * 2 * 2, 12), output_size=(4, 5), kernel_size=(2, 2)).shape
        ember.Size([1, 3, 4, 5])
    """
    if input.dim() not in (2, 3):
        raise NotImplementedError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are "
                                  f"supported (got {input.dim()}D)")
    size = _ntuple(output_size, 2, "output_size")
    k = _ntuple(kernel_size, 2, "kernel_size")
    d = _ntuple(dilation, 2, "dilation")
    p = _ntuple(padding, 2, "padding")
    s = _ntuple(stride, 2, "stride")
    _check_unfold(k, d, p, s)
    unbatched = input.dim() == 2
    x = input.unsqueeze(0) if unbatched else input
    CK, L = x.shape[1], x.shape[2]
    if CK % (k[0] * k[1]):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of "
                           f"kernel_size, but got input.size(1)={CK} and kernel_size=({k[0]}, {k[1]})")
    osz = [_conv_out(n, kk, ss, pp, dd) for n, kk, ss, pp, dd in zip(size, k, s, p, d)]
    if any(o < 1 for o in osz):
        raise RuntimeError(
            f"Given output_size=({size[0]}, {size[1]}), kernel_size=({k[0]}, {k[1]}), dilation=({d[0]}, "
            f"{d[1]}), padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), calculated shape of the array "
            f"of sliding blocks as ({osz[0]}, {osz[1]}), which is too small (non-positive)")
    if L != osz[0] * osz[1]:
        raise RuntimeError(
            f"Given output_size=({size[0]}, {size[1]}), kernel_size=({k[0]}, {k[1]}), dilation=({d[0]}, "
            f"{d[1]}), padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), expected size of input's "
            f"dimension 2 to match the calculated number of sliding blocks {osz[0]} * {osz[1]} = "
            f"{osz[0] * osz[1]}, but got input.size(2)={L}.")
    y = _col2im(x, size, k, s, p, d, False)
    return y.squeeze(0) if unbatched else y
