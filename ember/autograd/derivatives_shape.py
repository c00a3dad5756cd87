"""Derivatives of shape, view, joining and splitting ops (see derivatives.py for the conventions)."""
import ember
from ..tensor import Tensor
from .function import derivative, non_differentiable

E = ember


def _shape_of(x):
    return tuple(x._shape)


def _embed(g, meta, view_fn):
    """Zeros shaped like the input with `g` written into the region `view_fn` selects."""
    z = E.zeros(_shape_of(meta), dtype=g.dtype, device=g.device)
    view_fn(z).copy_(g)
    return z


# ------------------------------------------------------------------------------------------------
# pure reshapes: the gradient is the incoming one reshaped back
@derivative("view", "view_as", "reshape", "reshape_as", "flatten", "unflatten", "ravel", "squeeze",
            "unsqueeze", "squeeze_", "unsqueeze_", inputs=("input",), save=())
def _reshape(ctx, g, input, *a, **kw):
    return g.reshape(_shape_of(input))


@derivative("expand", "expand_as", "broadcast_to", inputs=("input",), save=())
def _expand(ctx, g, input, *a, **kw):
    return g          # the engine sums broadcast gradients back to the input's shape


@derivative("permute", inputs=("input",), save=())
def _permute(ctx, g, input, *args, dims=None):
    if dims is None:
        dims = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
    n = input.dim()
    dims = [d % n if n else 0 for d in dims]
    inv = [0] * n
    for i, d in enumerate(dims):
        inv[d] = i
    return g.permute(inv)


@derivative("transpose", "swapaxes", "swapdims", "transpose_", inputs=("input",), save=())
def _transpose(ctx, g, input, dim0, dim1, **kw):
    return g.transpose(dim0, dim1)


@derivative("t", "t_", inputs=("input",), save=())
def _t(ctx, g, input, **kw):
    return g.t()


@derivative("adjoint", inputs=("input",), save=())
def _adjoint(ctx, g, input, **kw):
    return g if g.dim() == 0 else g.transpose(-2, -1)


@derivative("movedim", "moveaxis", inputs=("input",), save=())
def _movedim(ctx, g, input, source, destination, **kw):
    return g.movedim(destination, source)


# ------------------------------------------------------------------------------------------------
# sub-views: the gradient lands in the viewed region of a zero tensor
@derivative("narrow", "narrow_copy", inputs=("input",), save=())
def _narrow(ctx, g, input, dim, start, length, **kw):
    return _embed(g, input, lambda z: z.narrow(dim, start, length))


@derivative("select", inputs=("input",), save=())
def _select(ctx, g, input, dim, index, **kw):
    return _embed(g, input, lambda z: z.select(dim, index))


@derivative("diagonal", inputs=("input",), save=())
def _diagonal(ctx, g, input, offset=0, dim1=0, dim2=1, **kw):
    return _embed(g, input, lambda z: z.diagonal(offset, dim1, dim2))


def _scatter_back(g, meta, view_fn):
    """Gradient of an arbitrary (possibly overlapping) view: sum g into the elements it aliases."""
    n = meta.numel()
    idx = view_fn(E.arange(n, device=g.device).reshape(_shape_of(meta)))
    flat = E.zeros(n, dtype=g.dtype, device=g.device)
    flat = flat.index_add(0, idx.reshape(-1), g.reshape(-1))
    return flat.reshape(_shape_of(meta))


@derivative("unfold", inputs=("input",), save=())
def _unfold(ctx, g, input, dimension, size, step, **kw):
    return _scatter_back(g, input, lambda z: z.unfold(dimension, size, step))


@derivative("as_strided", inputs=("input",), save=())
def _as_strided(ctx, g, input, size, stride, storage_offset=None, **kw):
    # geometry relative to a contiguous input (as PyTorch assumes for the gradient)
    def view(z):
        return z.as_strided(size, stride, storage_offset if storage_offset is not None else 0)
    return _scatter_back(g, input, view)


@derivative("split", "split_with_sizes", "chunk", "tensor_split", inputs=("input",), save=())
def _split(ctx, g, input, *args, dim=0, **kw):
    # outputs cover the input in order along `dim` (missing grads arrive as zeros)
    if len(args) >= 2:
        dim = args[1]
    return E.cat(list(g), dim)


@derivative("unbind", inputs=("input",), save=())
def _unbind(ctx, g, input, dim=0, **kw):
    return E.stack(list(g), dim)


# ------------------------------------------------------------------------------------------------
# joining
@derivative("cat", "concat", "concatenate", inputs=("tensors",), save=())
def _cat(ctx, g, tensors, dim=0, axis=None, **kw):
    if axis is not None:
        dim = axis
    grads = []
    off = 0
    nd = g.dim()
    d = dim % nd if nd else 0
    for t in tensors:
        shape = _shape_of(t)
        if shape == (0,) and nd != 1:       # legacy empty tensors are skipped by cat
            grads.append(None)
            continue
        n = shape[d]
        grads.append(g.narrow(d, off, n))
        off += n
    return (grads,)


@derivative("stack", inputs=("tensors",), save=())
def _stack(ctx, g, tensors, dim=0, **kw):
    return (list(g.unbind(dim)),)


@derivative("flip", inputs=("input",), save=())
def _flip(ctx, g, input, *args, dims=None):
    if dims is None:
        dims = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
    return g.flip(dims)


@derivative("roll", inputs=("input",), save=())
def _roll(ctx, g, input, shifts, dims=None, **kw):
    neg = tuple(-s for s in shifts) if isinstance(shifts, (tuple, list)) else -shifts
    return g.roll(neg, dims)


@derivative("rot90", inputs=("input",), save=())
def _rot90(ctx, g, input, k=1, dims=(0, 1), **kw):
    return g.rot90(-k, dims)


@derivative("repeat", inputs=("self",), save=())
def _repeat(ctx, g, self, *sizes, **kw):
    reps = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else tuple(sizes)
    shape = _shape_of(self)
    src = (1,) * (len(reps) - len(shape)) + shape
    inter = []
    for r, s in zip(reps, src):
        inter += [r, s]
    summed = g.reshape(tuple(inter)).sum(tuple(range(0, 2 * len(reps), 2))) if reps else g
    return summed.reshape(shape)


@derivative("repeat_interleave", inputs=("input",), save=("repeats",))
def _repeat_interleave(ctx, g, input, repeats=None, dim=None, **kw):
    shape = _shape_of(input)
    if dim is None:
        d, n = 0, input.numel()
        base_shape = (n,)
    else:
        d = dim % len(shape)
        n = shape[d]
        base_shape = shape
    if isinstance(repeats, Tensor) and repeats.numel() != 1:
        seg = E.repeat_interleave(E.arange(n, device=g.device), repeats)
        z = E.zeros(base_shape, dtype=g.dtype, device=g.device)
        return z.index_add(d, seg, g).reshape(shape)
    r = int(repeats)
    new = base_shape[:d] + (n, r) + base_shape[d + 1:]
    return g.reshape(new).sum(d + 1).reshape(shape)


@derivative("tril", "tril_", inputs=("input",), save=())
def _tril(ctx, g, input, diagonal=0, **kw):
    return g.tril(diagonal)


@derivative("triu", "triu_", inputs=("input",), save=())
def _triu(ctx, g, input, diagonal=0, **kw):
    return g.triu(diagonal)


@derivative("diag", inputs=("input",), save=())
def _diag(ctx, g, input, diagonal=0, **kw):
    if input.dim() == 1:
        return g.diagonal(diagonal)
    return _embed(g, input, lambda z: z.diagonal(diagonal))


@derivative("diag_embed", inputs=("input",), save=())
def _diag_embed(ctx, g, input, offset=0, dim1=-2, dim2=-1, **kw):
    return g.diagonal(offset, dim1, dim2)


@derivative("block_diag", inputs=("tensors",), save=())
def _block_diag(ctx, g, *tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tensors[0]
    grads, r, c = [], 0, 0
    for t in tensors:
        shape = _shape_of(t)
        if len(shape) == 0:
            h, w = 1, 1
        elif len(shape) == 1:
            h, w = 1, shape[0]
        else:
            h, w = shape
        grads.append(g.narrow(0, r, h).narrow(1, c, w).reshape(shape))
        r += h
        c += w
    return (grads,)


@derivative("cartesian_prod", inputs=("tensors",), save=())
def _cartesian_prod(ctx, g, *tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tensors[0]
    if len(tensors) == 1:
        return ([g],)
    sizes = tuple(t._shape[0] for t in tensors)
    grads = []
    for i in range(len(tensors)):
        others = tuple(j for j in range(len(tensors)) if j != i)
        grads.append(g.select(1, i).reshape(sizes).sum(others))
    return (grads,)
