"""Packing and padding of variable-length sequences for the recurrent layers (torch.nn.utils.rnn).

A :class:`PackedSequence` stores the time steps of a batch of sequences sorted by decreasing
length back to back: step t contributes the ``batch_sizes[t]`` sequences still running, so
``data`` has ``sum(lengths)`` rows. Packing and unpacking are one ``index_select`` each (plus a
``cat`` of the padding row when unpacking), so gradients flow through both on any device.
"""
from collections import namedtuple

import numpy as np

from ...tensor import Tensor
from ... import dtypes as _dt

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
           "pad_sequence", "unpad_sequence", "pack_sequence", "unpack_sequence"]

_PackedSequenceBase = namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


def _bind(optional, fn):
    return None if optional is None else fn(optional)


class PackedSequence(_PackedSequenceBase):
    r"""Holds the data and list of :attr:`batch_sizes` of a packed sequence.

    All RNN modules accept packed sequences as inputs. Instances are made by
    :func:`pack_padded_sequence` and :func:`pack_sequence`, not by hand.

    ``batch_sizes`` are the number of sequences at each time step, not the lengths: data ``abc``
    and ``x`` pack into ``axbc`` with ``batch_sizes=[2, 1, 1]``.

    Attributes:
        data (Tensor): the packed time steps, ``(sum(lengths), *)``.
        batch_sizes (Tensor): int64 CPU tensor, the batch size at each time step.
        sorted_indices (Tensor, optional): int64, how the sequences were reordered by length
            (None when the input was already sorted).
        unsorted_indices (Tensor, optional): int64, the inverse permutation.
    """

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is not None:
            if batch_sizes.device.type != "cpu":
                raise ValueError(
                    "batch_sizes should always be on CPU. Instances of PackedSequence should never be "
                    "created manually. They should be instantiated by functions like pack_sequence and "
                    "pack_padded_sequences in nn.utils.rnn. "
                    "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence")
        else:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        r"""Convert ``data`` (dtype and/or device, as Tensor.to); the indices follow the device.
        Returns self when nothing changes."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        dev = data.device
        return type(self)(data, self.batch_sizes, _bind(self.sorted_indices, lambda t: t.to(dev)),
                          _bind(self.unsorted_indices, lambda t: t.to(dev)))

    def cpu(self):
        return self.to("cpu")

    def opencl(self, device=None):
        return self.to("opencl" if device is None else device)

    def double(self):
        return self.to(dtype=_dt.float64)

    def float(self):
        return self.to(dtype=_dt.float32)

    def half(self):
        return self.to(dtype=_dt.float16)

    def long(self):
        return self.to(dtype=_dt.int64)

    def int(self):
        return self.to(dtype=_dt.int32)

    def short(self):
        return self.to(dtype=_dt.int16)

    def char(self):
        return self.to(dtype=_dt.int8)

    def byte(self):
        return self.to(dtype=_dt.uint8)

    def pin_memory(self):
        return self

    def is_pinned(self):
        return False

    @property
    def is_cuda(self):
        return False


def invert_permutation(permutation):
    r"""The inverse of a 1-D int64 permutation tensor (None stays None)."""
    if permutation is None:
        return None
    from ...ops.creation import empty_like, arange
    output = empty_like(permutation)
    output.scatter_(0, permutation, arange(0, permutation.numel(), device=permutation.device))
    return output


def _lengths_array(lengths):
    """Lengths as a NumPy int64 array (from a list or a CPU tensor), checked to be 1-D."""
    if isinstance(lengths, Tensor):
        if lengths.dim() != 1:
            raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got "
                               f"{lengths.dim()}D {lengths.device.type} "
                               f"{lengths.to(_dt.int64).type().split('.')[-1].replace('Tensor', '')} tensor")
        return np.asarray(lengths.detach().cpu().to(_dt.int64).numpy(), dtype=np.int64)
    return np.asarray(list(lengths), dtype=np.int64).reshape(-1)


def _batch_sizes(lengths):
    """batch_sizes[t] = number of sequences longer than t (lengths sorted decreasingly)."""
    t_max = int(lengths[0])
    return (lengths[None, :] > np.arange(t_max)[:, None]).sum(axis=1).astype(np.int64)


def _packed_rows(batch_sizes, n_time, n_batch, batch_first):
    """Row indices into the (T*B, *)-reshaped padded input of each packed row, time-major."""
    t_idx = np.repeat(np.arange(len(batch_sizes)), batch_sizes)
    b_idx = np.concatenate([np.arange(n) for n in batch_sizes]) if len(batch_sizes) else np.zeros(0, np.int64)
    return (b_idx * n_time + t_idx) if batch_first else (t_idx * n_batch + b_idx)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    r"""Packs a Tensor containing padded sequences of variable length.

    Args:
        input (Tensor): padded batch of sequences, ``T x B x *`` (``B x T x *`` if batch_first).
        lengths (Tensor or list(int)): the length of each sequence (a CPU tensor or a list).
        batch_first (bool, optional): whether ``input`` is ``B x T x *``. Default: ``False``
        enforce_sorted (bool, optional): require the sequences sorted by decreasing length; if
            ``False`` they are sorted here and the permutation kept. Default: ``True``

    Returns:
        a :class:`PackedSequence`

    Example::

        >>> seq = ember.tensor([[1, 2, 0], [3, 0, 0], [4, 5, 6]])
        >>> pack_padded_sequence(seq, [2, 1, 3], batch_first=True, enforce_sorted=False)
        PackedSequence(data=tensor([4, 1, 3, 5, 2, 6]), batch_sizes=tensor([3, 2, 1]), sorted_indices=tensor([2, 0, 1]), unsorted_indices=tensor([1, 2, 0]))
    """
    from ...ops.creation import tensor as _tensor
    lens = _lengths_array(lengths)
    sorted_indices = None
    if not enforce_sorted:
        order = np.argsort(-lens, kind="stable")
        lens = lens[order]
        sorted_indices = _tensor(order.astype(np.int64), device=input.device)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    if input.numel() == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    if input.dim() < 2:
        raise RuntimeError(f"Expected input to have at least 2 dimensions, but got {input.dim()}")
    n_time, n_batch = (input.shape[1], input.shape[0]) if batch_first else (input.shape[0], input.shape[1])
    if len(lens) != n_batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {len(lens)} "
                           f"(batch_size={n_batch})")
    if (lens <= 0).any():
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in "
                           "'lengths' that is <= 0")
    if (np.diff(lens) > 0).any():
        raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                           "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                           "pack_sequence to sidestep this requirement if you do not need ONNX "
                           "exportability.")
    if lens[0] > n_time:
        raise RuntimeError(f"a length ({int(lens[0])}) is larger than the padded sequence length ({n_time})")
    bs = _batch_sizes(lens)
    rows = _packed_rows(bs, n_time, n_batch, batch_first)
    flat = input.reshape((n_time * n_batch,) + tuple(input.shape[2:]))
    data = flat.index_select(0, _tensor(rows, device=input.device))
    return PackedSequence(data, _tensor(bs), sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    r"""Pad a packed batch of variable length sequences (the inverse of
    :func:`pack_padded_sequence`).

    Args:
        sequence (PackedSequence): the batch to pad.
        batch_first (bool, optional): return ``B x T x *`` instead of ``T x B x *``.
        padding_value (float, optional): value of the padded elements. Default: ``0.0``
        total_length (int, optional): pad to this length (ValueError if shorter than the
            longest sequence).

    Returns:
        (padded Tensor, lengths): the lengths as an int64 CPU tensor; batch elements in the
        order they had before packing.
    """
    from ...ops.creation import tensor as _tensor, full
    from ...ops.joining import cat
    bs = np.asarray(sequence.batch_sizes.numpy(), dtype=np.int64)
    max_seq_length = len(bs)
    if total_length is not None:
        if total_length < max_seq_length:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in "
                             f"input, but got total_length={total_length} and max sequence length being "
                             f"{max_seq_length}")
        max_seq_length = total_length
    data = sequence.data
    n_batch = int(bs[0]) if len(bs) else 0
    lengths = (bs[None, :] > np.arange(n_batch)[:, None]).sum(axis=1).astype(np.int64)
    n_time = max_seq_length
    # every (t, b) cell reads a packed row, or the extra padding row appended at the end
    rows = _packed_rows(bs, n_time, n_batch, batch_first)
    gather = np.full(n_time * n_batch, data.shape[0], dtype=np.int64)
    gather[rows] = np.arange(data.shape[0])
    pad_row = full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype, device=data.device)
    src = cat([data, pad_row], 0)
    out = src.index_select(0, _tensor(gather, device=data.device))
    out_shape = (n_batch, n_time) if batch_first else (n_time, n_batch)
    padded = out.reshape(out_shape + tuple(data.shape[1:]))
    lengths_t = _tensor(lengths)
    if sequence.unsorted_indices is not None:
        batch_dim = 0 if batch_first else 1
        return padded.index_select(batch_dim, sequence.unsorted_indices), lengths_t[sequence.unsorted_indices.cpu()]
    return padded, lengths_t


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    r"""Pad a list of variable length Tensors with ``padding_value`` and stack them.

    Args:
        sequences (list[Tensor]): sequences of shape ``L x *`` (same trailing dims).
        batch_first (bool, optional): return ``B x T x *`` instead of ``T x B x *``.
        padding_value (float, optional): value of the padded elements. Default: ``0``.
        padding_side (str, optional): ``'right'`` or ``'left'``. Default: ``'right'``.

    Returns:
        Tensor of size ``T x B x *`` (``B x T x *`` if batch_first), in the first sequence's dtype.

    Example::

        >>> a, b, c = ember.ones(25, 300), ember.ones(22, 300), ember.ones(15, 300)
        >>> pad_sequence([a, b, c]).size()
        ember.Size([25, 3, 300])
    """
    from ...ops.creation import full
    from ...ops.joining import cat, stack
    if isinstance(sequences, Tensor) and sequences.dim() == 0:
        raise TypeError("iteration over a 0-d tensor")
    try:
        sequences = tuple(sequences)
    except TypeError:
        raise RuntimeError(f"pad_sequence: Expected iterable for input sequences, but got arg of type: "
                           f"{type(sequences)}") from None
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    first = sequences[0]
    max_len = max(s.shape[0] if s.dim() else 1 for s in sequences)
    trailing = tuple(first.shape[1:])
    padded = []
    for s in sequences:
        if s.dim() == 0:
            s = s.reshape(1)
        if s.dtype is not first.dtype:
            s = s.to(first.dtype)
        n = s.shape[0]
        if tuple(s.shape[1:]) != trailing:
            # the error PyTorch's copy into the output raises
            for i, (a, b) in enumerate(zip(reversed(trailing), reversed(tuple(s.shape[1:])))):
                if a != b:
                    raise RuntimeError(f"The size of tensor a ({a}) must match the size of tensor b ({b}) "
                                       f"at non-singleton dimension {len(trailing) - i}")
            raise RuntimeError(f"expand(torch.FloatTensor{{{list(s.shape)}}}, size={[n] + list(trailing)}): "
                               "the number of sizes provided must be greater or equal to the number of "
                               "dimensions in the tensor")
        if n < max_len:
            pad = full((max_len - n,) + trailing, padding_value, dtype=first.dtype, device=first.device)
            s = cat([s, pad] if padding_side == "right" else [pad, s], 0)
        padded.append(s)
    return stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    r"""Unstack a padded Tensor into the list of its variable length sequences.

    Args:
        padded_sequences (Tensor): padded sequences, ``T x B x *`` (``B x T x *`` if batch_first).
        lengths (Tensor): the length of each sequence.
        batch_first (bool, optional): whether the batch dimension comes first. Default: ``False``

    Returns:
        a list of Tensors ``L_i x *``.
    """
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    lens = _lengths_array(lengths) if isinstance(lengths, Tensor) else np.asarray(lengths, dtype=np.int64)
    if len(lens) != padded_sequences.shape[0]:
        raise ValueError(f"zip() argument 2 is {'shorter' if len(lens) < padded_sequences.shape[0] else 'longer'}"
                         " than argument 1")
    return [padded_sequences[i, :int(n)] for i, n in enumerate(lens)]


def pack_sequence(sequences, enforce_sorted=True):
    r"""Packs a list of variable length Tensors (``pad_sequence`` then ``pack_padded_sequence``).

    Args:
        sequences (list[Tensor]): sequences ``L x *``, by decreasing length if enforce_sorted.
        enforce_sorted (bool, optional): require decreasing lengths. Default: ``True``

    Example::

        >>> pack_sequence([ember.tensor([1, 2, 3]), ember.tensor([4, 5]), ember.tensor([6])])
        PackedSequence(data=tensor([1, 4, 6, 2, 5, 3]), batch_sizes=tensor([3, 2, 1]), sorted_indices=None, unsorted_indices=None)
    """
    lengths = [v.size(0) for v in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    r"""Unpack a PackedSequence into the list of its variable length sequences."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
