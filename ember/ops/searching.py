"""Binary search: searchsorted and bucketize (names exported through ember.ops.indexing)."""
from .. import dtypes as _dt
from ..tensor import Tensor, _empty
from ._helpers import finish_out, is_scalar, scalar_tensor, _dtype_name

__all__ = ["searchsorted", "bucketize"]


def _dims_match_before_last(b, v):
    return b.dim() == v.dim() and b._shape[:-1] == v._shape[:-1]


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, out=None,
                 sorter=None):
    """For each value, the index where it would be inserted into the sorted innermost rows of
    sorted_sequence to keep them sorted (first such index, or last with right / side='right')."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got "
                               f"{side}")
        if right and side != "right":
            raise RuntimeError(f"torch.searchsorted(): side and right can't be set to opposites, got "
                               f"side of {side} while right was True")
    is_right = right or side == "right"
    b = sorted_sequence
    dev = b.device
    scalar = not isinstance(input, Tensor)
    if scalar and not is_scalar(input):
        raise TypeError(f"searchsorted(): argument 'input' must be Tensor or Number, not "
                        f"{type(input).__name__}")
    dt = _dt.result_type_of(b, input)
    v = scalar_tensor(input, dt, dev) if scalar else input
    if sorter is not None:
        if sorter._shape != b._shape:
            raise RuntimeError(f"torch.searchsorted(): boundary and sorter must have the same size, "
                               f"but got boundary tensor {list(b._shape)}and got sorter tensor "
                               f"{list(sorter._shape)}")
        if sorter.dtype is not _dt.int64:
            raise RuntimeError(f"torch.searchsorted(): sorter must be a tensor of long dtype but got "
                               f"dtype {_dtype_name(sorter.dtype)}")
        if sorter.numel() and b.dim():
            bad = dev.backend.index_check(sorter, 0, b._shape[-1])
            if bad is not None:
                raise RuntimeError("torch.searchsorted(): sorter index out of range")
    if not (v.dim() > 0 or (v.numel() == 1 and b.dim() == 1)):
        raise RuntimeError(f"torch.searchsorted(): input value can be a scalar only when boundaries "
                           f"tensor dimension is 1, but we got boundaries tensor dim({b.dim()}) and "
                           f"input value's dim({v.dim()}) numel({v.numel()})")
    if b.dim() == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive dimension, "
                           "but got 0 dimension")
    if b.dim() != 1 and not _dims_match_before_last(b, v):
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the "
                           f"first N-1 dimensions of boundaries tensor and input value tensor must "
                           f"match, but we got boundaries tensor {list(b._shape)} and input value "
                           f"tensor {list(v._shape)}")
    odt = _dt.int32 if out_int32 else _dt.int64
    if out is not None and out.dtype is not odt:
        raise RuntimeError(f"torch.searchsorted(): output tensor's dtype is wrong, it can only be "
                           f"Int(int32) or Long(int64) depending on whether out_int32 flag is True, "
                           f"but we got output tensor's dtype {_dtype_name(out.dtype)} and out_int32 "
                           f"flag is {'True' if out_int32 else 'False'}")
    if dt is _dt.bool:
        raise RuntimeError("\"searchsorted_out_cpu\" not implemented for 'Bool'")
    if dt in (_dt.float16, _dt.bfloat16):       # order is exact in float32
        dt = _dt.float32
    b = b.to(dt).contiguous()
    v = v.to(dt).contiguous()
    res = _empty(v._shape, odt, dev)
    if res.numel() and b._shape[-1]:
        dev.backend.searchsorted(res, b, v, None if sorter is None else sorter.contiguous(),
                                 is_right)
    elif res.numel():
        dev.backend.fill(res, 0)
    return finish_out(res, out)


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """The bucket of each input value for the 1-D sorted boundaries: i with
    boundaries[i-1] < x <= boundaries[i] (or boundaries[i-1] <= x < boundaries[i] with right)."""
    if not isinstance(boundaries, Tensor) or boundaries.dim() != 1:
        d = boundaries.dim() if isinstance(boundaries, Tensor) else 0
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({d})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)
