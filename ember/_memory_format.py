"""Memory formats (torch.memory_format): the order in which a new tensor's dimensions are laid out.

``preserve_format`` keeps the source's layout: a non-overlapping and dense source's strides are
copied as they are, any other source gets dense strides in the same dimension order (PyTorch's
``infer_dense_strides``), so a sliced transpose stays transposed and an expanded tensor becomes
contiguous. ``contiguous_format`` is row-major, ``channels_last`` NHWC strides for a 4-d NCHW
tensor and ``channels_last_3d`` NDHWC for a 5-d one.

Everything here works on shape and stride tuples (in elements), so the rules are testable alone.
"""

__all__ = ["memory_format", "preserve_format", "contiguous_format", "channels_last",
           "channels_last_3d"]


class memory_format:
    """One of ember.preserve_format, contiguous_format, channels_last, channels_last_3d."""

    __slots__ = ("_name",)

    def __new__(cls, *args, **kwargs):
        raise TypeError("cannot create 'ember.memory_format' instances")

    @classmethod
    def _make(cls, name):
        self = object.__new__(cls)
        self._name = name
        return self

    def __repr__(self):
        return f"ember.{self._name}"

    def __reduce__(self):
        return self._name          # pickled by name: unpickling gives the same singleton


preserve_format = memory_format._make("preserve_format")
contiguous_format = memory_format._make("contiguous_format")
channels_last = memory_format._make("channels_last")
channels_last_3d = memory_format._make("channels_last_3d")

# the order of the dimensions from the fastest-varying one, as PyTorch lists them
_CHANNELS_LAST_ORDER = {channels_last: (1, 3, 2, 0), channels_last_3d: (1, 4, 3, 2, 0)}


def check(fmt, fname, optional=True):
    """`fmt` itself, or preserve_format for None when `optional`; TypeError as PyTorch's argument
    parser for anything that is not a memory format."""
    if fmt is None and optional:
        return preserve_format
    if not isinstance(fmt, memory_format):
        raise TypeError(f"{fname}(): argument 'memory_format' must be ember.memory_format, not "
                        f"{type(fmt).__name__}")
    return fmt


def contiguous_strides(shape):
    """Row-major strides (a size-0 or size-1 dimension counts as size 1, as in PyTorch)."""
    strides = []
    acc = 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= n if n > 1 else 1
    return tuple(reversed(strides))


def _channels_last_strides(shape, order):
    strides = [0] * len(shape)
    acc = 1
    for d in order:                 # PyTorch multiplies by the sizes as they are, 0 included
        strides[d] = acc
        acc *= shape[d]
    return tuple(strides)


def is_contiguous(shape, stride, fmt):
    """Tensor.is_contiguous(memory_format=fmt) for this geometry."""
    order = _CHANNELS_LAST_ORDER.get(fmt)
    if order is None:                # contiguous_format (and preserve_format, as PyTorch)
        if 0 in shape:
            return True
        expected = 1
        for n, s in zip(reversed(shape), reversed(stride)):
            if n != 1:
                if s != expected:
                    return False
                expected *= n
        return True
    if len(shape) != len(order):
        return False
    expected = 1
    for d in order:
        if shape[d] != 1:
            if stride[d] != expected:
                return False
            expected *= shape[d]
    return True


def is_non_overlapping_and_dense(shape, stride):
    """Whether the elements fill a block of exactly numel() slots, each exactly once."""
    if is_contiguous(shape, stride, contiguous_format):
        return True
    dims = sorted((d for d in range(len(shape)) if shape[d] > 1), key=lambda d: stride[d])
    expected = 1
    for d in dims:
        if stride[d] != expected:
            return False
        expected *= shape[d]
    return True


def infer_dense_strides(shape, stride):
    """Dense strides ordering the dimensions as `stride` does (PyTorch's infer_dense_strides).

    Dimensions are insertion-sorted by stride, fastest first; a stride-0 dimension compares as
    ambiguous and stays where it is, and equal strides put the smaller size first.
    """
    ndim = len(shape)
    perm = list(range(ndim - 1, -1, -1))

    def should_swap(d0, d1):
        s0, s1 = stride[d0], stride[d1]
        if s0 == 0 or s1 == 0:
            return 0
        if s0 != s1:
            return -1 if s0 < s1 else 1
        return 1 if shape[d0] > shape[d1] else 0

    for i in range(1, ndim):
        d1 = i
        for d0 in range(i - 1, -1, -1):
            c = should_swap(perm[d0], perm[d1])
            if c > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif c < 0:
                break
    out = [0] * ndim
    acc = 1
    for d in perm:
        out[d] = acc
        acc *= shape[d] if shape[d] > 1 else 1
    return tuple(out)


def _check_rank(fmt, ndim):
    order = _CHANNELS_LAST_ORDER[fmt]
    if ndim != len(order):
        raise RuntimeError(f"required rank {len(order)} tensor to use {fmt._name} format")
    return order


def strides_for(fmt, shape, stride=None):
    """The strides of a new tensor of `shape` in format `fmt`; preserve_format follows `stride`
    (the source's). RuntimeError as PyTorch for a channels-last format of the wrong rank."""
    if fmt is preserve_format:
        if is_non_overlapping_and_dense(shape, stride):
            return tuple(stride)
        return infer_dense_strides(shape, stride)
    if fmt is contiguous_format:
        return contiguous_strides(shape)
    return _channels_last_strides(shape, _check_rank(fmt, len(shape)))


def _is_strides_like(shape, stride, order):
    """PyTorch's is_channels_last_strides_2d_s4 / _3d_s5 (the ambiguous cases fall to NCHW)."""
    if stride[1] == 0:
        return False
    lo = 0
    for d in order:
        if shape[d] == 0 or stride[d] < lo:
            return False
        if d == 0 and lo == stride[1]:
            return False
        lo = stride[d] * (shape[d] if shape[d] > 1 else 1)
    return True


def suggest(shape, stride):
    """The format a tensor's strides look like (Tensor.suggest_memory_format in PyTorch)."""
    for fmt, order in _CHANNELS_LAST_ORDER.items():
        if len(shape) == len(order) and _is_strides_like(shape, stride, order):
            return fmt
    return contiguous_format
