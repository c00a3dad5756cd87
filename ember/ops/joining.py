"""Copying shape ops: cat/stack family, flip/roll/rot90, repeat/tile/repeat_interleave, tril/triu,
the diag family, meshgrid, block_diag and cartesian_prod.

Outputs are allocated here with `_empty` and filled by `backend.copy` into views of the output
(slices, selects, stride-0 expansions), so most ops need no kernel of their own; flip and
repeat_interleave with a tensor of repeats use the backend's `flip` / `repeat_interleave`.
"""
import itertools

from .. import dtypes as _dt
from ..tensor import Tensor, _empty, _wrap_dim, _numel
from ._helpers import method, finish_out, same_device
from .shape import (_view, _int_tuple, _dims_list, _as_int, _dim_mask, _slice, _dim_size, _at1,
                    _at2, _at3, unsqueeze, expand, reshape, view, transpose, diagonal, flatten)
from .splitting import select

__all__ = ["cat", "concat", "concatenate", "stack", "hstack", "vstack", "row_stack", "dstack",
           "column_stack", "flip", "fliplr", "flipud", "roll", "rot90", "tile", "repeat_interleave",
           "tril", "triu", "diag", "diag_embed", "diagflat", "meshgrid", "block_diag",
           "cartesian_prod"]


def _tensor_list(tensors, fname):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{fname}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        "Tensor")
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    return tensors


def _copy(dst, src):
    if dst.numel():
        dst.device.backend.copy(dst, src)


# ------------------------------------------------------------------------------------------------
# cat / stack
def _skipped(t):
    # legacy: 1-D empty tensors are ignored by cat whatever the other shapes are
    return t.dim() == 1 and t._shape[0] == 0


def cat(tensors, dim=0, *, out=None):
    """Concatenate along an existing dim; dtypes promote; 1-D empty tensors are skipped."""
    tensors = _tensor_list(tensors, "cat")
    for i, t in enumerate(tensors):
        if t.dim() == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    valid = [t for t in tensors if not _skipped(t)]
    dev = same_device(*tensors)
    dt = _dt.result_type_of(*tensors)
    if not valid:
        return finish_out(_empty((0,), dt, dev), out)
    ref = valid[0]
    nd = ref.dim()
    d = _wrap_dim(dim, nd)
    size = 0
    for i, t in enumerate(tensors):
        if _skipped(t):
            continue
        if t.dim() != nd:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {nd} and {t.dim()}")
        for k in range(nd):
            if k != d and t._shape[k] != ref._shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected "
                                   f"size {ref._shape[k]} but got size {t._shape[k]} for tensor "
                                   f"number {i} in the list.")
        size += t._shape[d]
    res = _empty(ref._shape[:d] + (size,) + ref._shape[d + 1:], dt, dev)
    pos = 0
    for t in valid:
        n = t._shape[d]
        _copy(_slice(res, d, pos, pos + n), t)
        pos += n
    return finish_out(res, out)


def concat(tensors, dim=0, *, out=None):
    """Alias of cat."""
    return cat(tensors, dim, out=out)


def concatenate(tensors, axis=0, *, out=None):
    """Alias of cat (NumPy's `axis` name)."""
    return cat(tensors, axis, out=out)


def stack(tensors, dim=0, *, out=None):
    """Join equal-shaped tensors along a new dim `dim`."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    ref = tensors[0]
    d = _wrap_dim(dim, ref.dim() + 1)
    for i, t in enumerate(tensors[1:], 1):
        if t._shape != ref._shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(ref._shape)} at entry 0 and {list(t._shape)} at entry {i}")
    dev = same_device(*tensors)
    res = _empty(ref._shape[:d] + (len(tensors),) + ref._shape[d:], _dt.result_type_of(*tensors), dev)
    for i, t in enumerate(tensors):
        _copy(select(res, d, i), t)
    return finish_out(res, out)


def _nonempty(tensors, fname):
    tensors = _tensor_list(tensors, fname)
    if not tensors:
        raise RuntimeError(f"{fname} expects a non-empty TensorList")
    return tensors


def hstack(tensors, *, out=None):
    """cat along dim 1 (dim 0 for 1-D inputs) after atleast_1d."""
    rep = [_at1(t) for t in _nonempty(tensors, "hstack")]
    return cat(rep, 0 if rep[0].dim() == 1 else 1, out=out)


def vstack(tensors, *, out=None):
    """cat along dim 0 after atleast_2d."""
    return cat([_at2(t) for t in _nonempty(tensors, "vstack")], 0, out=out)


row_stack = vstack


def dstack(tensors, *, out=None):
    """cat along dim 2 after atleast_3d."""
    return cat([_at3(t) for t in _nonempty(tensors, "dstack")], 2, out=out)


def column_stack(tensors, *, out=None):
    """hstack with 0-D and 1-D inputs first turned into (n, 1) columns."""
    tensors = _nonempty(tensors, "column_stack")
    return hstack([reshape(t, (t.numel(), 1)) if t.dim() <= 1 else t for t in tensors], out=out)


# ------------------------------------------------------------------------------------------------
# flip / roll / rot90
@method()
def flip(input, *args, dims=None):
    """Reverse the order of elements along `dims` (a copy: strides are never negative)."""
    if dims is None:
        if not args:
            raise TypeError("flip() missing 1 required positional arguments: \"dims\"")
        dims = args[0] if len(args) == 1 else args
    ds = tuple(sorted(_dim_mask(_dims_list(dims, "flip"), input.dim())))
    res = _empty(input._shape, input.dtype, input.device)
    st = _dense_strides(input)
    if st is not None:
        res._stride = st            # PyTorch allocates flip's output with preserve_format
    if not ds or input.dim() == 0:
        _copy(res, input)
    elif res.numel():
        input.device.backend.flip(res, input, ds)
    return res


@method()
def fliplr(input):
    """flip along dim 1 (left/right) of a >= 2-D tensor."""
    if input.dim() < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


@method()
def flipud(input):
    """flip along dim 0 (up/down) of a >= 1-D tensor."""
    if input.dim() < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


def _dense_strides(x):
    """x's strides when x is non-overlapping and dense (so a fresh buffer can take them), else None.

    Size-1 dims don't matter for density, as in PyTorch's is_non_overlapping_and_dense."""
    need = 1
    for d in sorted((d for d in range(x.dim()) if x._shape[d] >= 2), key=lambda d: x._stride[d]):
        if x._stride[d] != need:
            return None
        need *= x._shape[d]
    return x._stride


def _segments(n, shift):
    """(src_start, dst_start, length) pieces that roll a dim of size n by `shift`."""
    s = shift % n
    return [(0, 0, n)] if s == 0 else [(0, s, n - s), (n - s, 0, s)]


@method()
def roll(input, shifts, dims=None):
    """Shift elements cyclically by `shifts` along `dims` (over the flattened tensor if None)."""
    shifts = _dims_list(shifts, "roll")
    dims = () if dims is None else _dims_list(dims, "roll")
    if not shifts:
        raise RuntimeError("`shifts` required")
    if not dims and len(shifts) == 1:
        flat = view(input.contiguous(), -1)
        return view(roll(flat, shifts, 0), input._shape)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    nd = input.dim()
    total = {}
    for s, d in zip(shifts, dims):
        d = _wrap_dim(d, nd)
        total[d] = total.get(d, 0) + s      # rolls along one dim compose by adding shifts
    res = _empty(input._shape, input.dtype, input.device)
    if not res.numel():
        return res
    if nd == 0:
        _copy(res, input)
        return res
    order = sorted(total)
    pieces = [_segments(input._shape[d], total[d]) for d in order]
    for combo in itertools.product(*pieces):
        src, dst = input, res
        for d, (s0, d0, n) in zip(order, combo):
            src = _slice(src, d, s0, s0 + n)
            dst = _slice(dst, d, d0, d0 + n)
        _copy(dst, src)
    return res


@method()
def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees k times in the plane of `dims` (from dims[0] towards dims[1])."""
    dims = _dims_list(dims, "rot90")
    total = input.dim()
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if total < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {total}")
    if dims[0] == dims[1] or abs(dims[0] - dims[1]) == total:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} and "
                           f"dim1 = {dims[1]}")
    if not -total <= dims[0] < total:
        raise RuntimeError(f"Rotation dim0 out of range, dim0 = {dims[0]}")
    if not -total <= dims[1] < total:
        raise RuntimeError(f"Rotation dim1 out of range, dim1 = {dims[1]}")
    k = _as_int(k, "rot90", "k") % 4
    if k == 1:
        return transpose(flip(input, (dims[1],)), dims[0], dims[1])
    if k == 2:
        return flip(input, dims)
    if k == 3:
        return transpose(flip(input, (dims[0],)), dims[0], dims[1])
    return input.clone()


# ------------------------------------------------------------------------------------------------
# repeat / tile / repeat_interleave
@method()
def repeat(self, *sizes):
    """Tile the tensor: dim i repeated sizes[i] times (leading dims added as needed)."""
    reps = _int_tuple(sizes, "repeat", "repeats")
    if len(reps) < self.dim():
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           "dimensions of tensor")
    pad = (1,) * (len(reps) - self.dim())
    src_shape, src_stride = pad + self._shape, (0,) * len(pad) + self._stride
    target = [s * r for s, r in zip(src_shape, reps)]
    for r in reps:
        if r < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {r}: {list(reps)}")
    res = _empty(tuple(target), self.dtype, self.device)
    if not res.numel():
        return res
    # out as (r0, s0, r1, s1, ...) and the input broadcast over the r dims: one strided copy
    shape2, ostride, istride = [], [], []
    for s, r, st, ost in zip(src_shape, reps, src_stride, res._stride):
        shape2 += [r, s]
        ostride += [s * ost, ost]
        istride += [0, st]
    self.device.backend.copy(_view(res, shape2, ostride), _view(self, shape2, istride))
    return res


@method()
def tile(input, *args, dims=None):
    """repeat with `dims` left-padded by 1s to input.dim() (numpy.tile)."""
    reps = _int_tuple(args if dims is None else (dims,), "tile", "dims")
    if len(reps) < input.dim():
        reps = (1,) * (input.dim() - len(reps)) + reps
    return repeat(input, reps)


@method()
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element (slice along `dim`) repeats[i] times in place; dim=None flattens.

    With only a 1-D tensor of repeats, returns the indices [0]*r0 + [1]*r1 + ...
    """
    if repeats is None:
        reps = input
        if reps.dim() != 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if reps.dtype not in (_dt.int64, _dt.int32):
            raise RuntimeError("repeats has to be Long or Int tensor")
        from .creation import arange
        idx = arange(reps._shape[0], dtype=reps.dtype, device=reps.device)
        return repeat_interleave(idx, reps, 0, output_size=output_size)
    x = input if dim is not None else flatten(input)
    d = _wrap_dim(0 if dim is None else dim, input.dim())
    n = _dim_size(x, d)
    if isinstance(repeats, Tensor):
        return _repeat_interleave_tensor(x, repeats, d, n, dim, output_size)
    r = _as_int(repeats, "repeat_interleave", "repeats")
    if r < 0:
        raise RuntimeError("Repeats must be non-negative")
    if output_size is not None and output_size != n * r:
        raise RuntimeError(f"repeat_interleave: Invalid output_size, expected {n * r} but got "
                           f"{output_size}")
    shape = x._shape
    res = _empty(shape[:d] + (n * r,) + shape[d + 1:], x.dtype, x.device)
    if res.numel():
        c = res._stride[d]
        dst = _view(res, shape[:d] + (n, r) + shape[d + 1:],
                    res._stride[:d] + (r * c, c) + res._stride[d + 1:])
        src = _view(x, shape[:d] + (n, r) + shape[d + 1:],
                    x._stride[:d] + (x._stride[d], 0) + x._stride[d + 1:])
        x.device.backend.copy(dst, src)
    return res


def _repeat_interleave_tensor(x, repeats, d, n, dim, output_size):
    if repeats.dtype not in (_dt.int64, _dt.int32):
        raise RuntimeError("repeats has to be Long or Int tensor")
    if repeats.dim() == 0 or (repeats.dim() == 1 and repeats._shape[0] == 1):
        repeats = expand(reshape(repeats, (1,)), (n,))
    elif repeats.dim() == 1:
        if repeats._shape[0] != n:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {repeats._shape[0]} and input.size("
                               f"{0 if dim is None else dim}) = {n}")
    else:
        raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
    backend = x.device.backend
    reps = repeats.to(x.device, _dt.int64).contiguous()
    total, negative = backend.repeats_total(reps)
    if negative:
        raise RuntimeError("repeats can not be negative")
    if output_size is not None and output_size != total:
        raise RuntimeError("allocated size does not match required size")
    src = x.contiguous()
    res = _empty(x._shape[:d] + (total,) + x._shape[d + 1:], x.dtype, x.device)
    if res.numel():
        backend.repeat_interleave(res, src, d, reps)
    return res


# ------------------------------------------------------------------------------------------------
# triangles and diagonals
def _tri(name, input, k, lower):
    if input.dim() < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    from .creation import arange
    from .elementwise import where, sub, le, ge
    k = _as_int(k, name, "diagonal")
    m, n = input._shape[-2], input._shape[-1]
    dev = input.device
    # column - row is the diagonal index of each position; keep those on the wanted side of k
    offs = sub(unsqueeze(arange(n, device=dev), 0), unsqueeze(arange(m, device=dev), 1))
    mask = le(offs, k) if lower else ge(offs, k)
    zero = _empty((), input.dtype, dev, zero=True)
    return where(mask, input, zero)


@method()
def tril(input, diagonal=0, *, out=None):
    """Lower triangle of the last two dims: keep (i, j) with j - i <= diagonal, zero elsewhere."""
    return finish_out(_tri("tril", input, diagonal, True), out)


@method()
def triu(input, diagonal=0, *, out=None):
    """Upper triangle of the last two dims: keep (i, j) with j - i >= diagonal, zero elsewhere."""
    return finish_out(_tri("triu", input, diagonal, False), out)


def _tri_(name, self, k, lower):
    res = _tri(name, self, k, lower)
    self.device.backend.copy(self, res)
    self._storage.version += 1
    return self


@method()
def tril_(self, diagonal=0):
    """In-place tril."""
    return _tri_("tril", self, diagonal, True)


@method()
def triu_(self, diagonal=0):
    """In-place triu."""
    return _tri_("triu", self, diagonal, False)


__all__ += ["tril_", "triu_"]


@method()
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Zeros with the last dim of `input` placed on the `offset` diagonal of dims (dim1, dim2)."""
    nd = input.dim() + 1
    d1, d2 = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    offset = _as_int(offset, "diag_embed", "offset")
    length = abs(offset) + input._shape[-1]
    sizes = list(input._shape[:-1])
    sizes.insert(min(d1, d2), length)
    sizes.insert(max(d1, d2), length)
    res = _empty(tuple(sizes), input.dtype, input.device, zero=True)
    _copy(diagonal(res, offset, d1, d2), input)
    return res


@method()
def diag(input, diagonal=0, *, out=None):
    """1-D -> a 2-D matrix with `input` on the `diagonal`; 2-D -> a copy of that diagonal."""
    nd = input.dim()
    if nd not in (1, 2):
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D")
    if nd == 1:
        res = diag_embed(input, diagonal)
    else:
        res = _diagonal_copy(input, diagonal)
    return finish_out(res, out)


def _diagonal_copy(input, offset):
    d = diagonal(input, offset)
    res = _empty(d._shape, d.dtype, d.device)
    _copy(res, d)
    return res


@method()
def diagflat(input, offset=0):
    """The flattened input on the `offset` diagonal of a square matrix."""
    return diag(view(input.contiguous(), -1), offset)


# ------------------------------------------------------------------------------------------------
# grids and block matrices
def meshgrid(*tensors, indexing=None):
    """Coordinate grids (expanded views) from 0-D/1-D tensors; indexing 'ij' (default) or 'xy'."""
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tensors[0]
    tensors = _tensor_list(tensors, "meshgrid")
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for a, b in zip(tensors, tensors[1:]):
        if a.dtype is not b.dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
        if a.device != b.device:
            raise RuntimeError("meshgrid expects all tensors to have the same device")
    indexing = "ij" if indexing is None else indexing
    refs = list(tensors)
    swap = False
    if indexing == "xy":
        swap = len(refs) >= 2
        if swap:
            refs[0], refs[1] = refs[1], refs[0]
    elif indexing != "ij":
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: '
                           f'{indexing}')
    for t in refs:
        if t.dim() > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got: {t!r}")
    shape = tuple(t.numel() for t in refs)
    grids = []
    for i, t in enumerate(refs):
        vs = [1] * len(refs)
        vs[i] = -1
        grids.append(expand(view(t, vs), shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def block_diag(*tensors):
    """A block-diagonal matrix with the inputs (0-D/1-D count as rows) as its blocks."""
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tensors[0]
    tensors = _tensor_list(tensors, "block_diag")
    if not tensors:
        return _empty((1, 0), _dt.get_default_dtype(), same_device())
    dev = tensors[0].device
    for i, t in enumerate(tensors):
        if t.device != dev:
            raise RuntimeError(f"torch.block_diag: input tensors must all be on the same device. "
                               f"Input 0 is on device {dev} and input {i} is on device {t.device}")
    blocks = []
    for i, t in enumerate(tensors):
        if t.dim() > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. "
                               f"Input {i} has {t.dim()} dimensions")
        blocks.append(t if t.dim() == 2 else expand(t, (1, t.numel())))
    rows = sum(b._shape[0] for b in blocks)
    cols = sum(b._shape[1] for b in blocks)
    res = _empty((rows, cols), _dt.result_type_of(*tensors), dev, zero=True)
    r = c = 0
    for b in blocks:
        h, w = b._shape
        _copy(_slice(_slice(res, 0, r, r + h), 1, c, c + w), b)
        r, c = r + h, c + w
    return res


def cartesian_prod(*tensors):
    """All combinations of one element from each 1-D input, as rows (itertools.product order)."""
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tensors[0]
    tensors = _tensor_list(tensors, "cartesian_prod")
    for t in tensors:
        if t.dim() != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t._shape)}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(tensors, indexing="ij")
    k = len(grids)
    shape = grids[0]._shape
    res = _empty((_numel(shape), k), tensors[0].dtype, tensors[0].device)
    cols = view(res, shape + (k,))
    for i, g in enumerate(grids):
        _copy(select(cols, -1, i), g)
    return res
