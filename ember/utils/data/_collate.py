"""Collation: turning a list of samples into a batch (default_collate), and default_convert.

These run inside worker processes too, so they are module-level functions (picklable).
"""
import collections.abc
import copy
import re

import numpy as np

from ...tensor import Tensor

__all__ = ["default_collate", "default_convert"]

# NumPy dtype kinds that hold strings or Python objects: not convertible to tensors
np_str_obj_array_pattern = re.compile("[SaUO]")

default_collate_err_msg_format = ("default_collate: batch must contain tensors, numpy arrays, "
                                  "numbers, dicts or lists; found {}")


def _as_tensor(x):
    from ...ops.creation import as_tensor
    return as_tensor(x)


def default_convert(data):
    r"""Convert NumPy arrays and scalars to tensors, recursing into mappings and sequences.

    The ``collate_fn`` of a DataLoader without automatic batching (``batch_size=None``):
    tensors and other objects pass through unchanged; NumPy arrays of strings or objects stay
    arrays; tuples become lists, namedtuples stay namedtuples.

    Example::

        >>> default_convert(np.array([0, 1]))
        tensor([0, 1])
        >>> default_convert({"a": np.float64(1.5), "b": "x"})
        {'a': tensor(1.5000, dtype=ember.float64), 'b': 'x'}
    """
    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_", "bytes_"):
        if elem_type.__name__ == "ndarray" and np_str_obj_array_pattern.search(data.dtype.str):
            return data
        return _as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({k: default_convert(data[k]) for k in data})
                return clone
            return elem_type({k: default_convert(data[k]) for k in data})
        except TypeError:
            return {k: default_convert(data[k]) for k in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):          # namedtuple
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = default_convert(d)
                return clone
            return elem_type([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def collate(batch, *, collate_fn_map=None):
    r"""Collate a batch with per-type functions, recursing into mappings and sequences.

    ``collate_fn_map`` maps a type (or tuple of types) to ``fn(batch, *, collate_fn_map)``; the
    first sample's exact type is looked up first, then each key with ``isinstance``. Mappings
    collate key by key, namedtuples field by field, other sequences position by position
    (tuples give lists); anything else raises ``TypeError``.
    """
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type in collate_fn_map:
            if isinstance(elem, collate_type):
                return collate_fn_map[collate_type](batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        def column(key):
            return collate([d[key] for d in batch], collate_fn_map=collate_fn_map)
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update({k: column(k) for k in elem})
                return clone
            return elem_type({k: column(k) for k in elem})
        except TypeError:
            return {k: column(k) for k in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):          # namedtuple
        return elem_type(*(collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        elem_size = len(next(it))
        if not all(len(e) == elem_size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [collate(s, collate_fn_map=collate_fn_map) for s in transposed]
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, s in enumerate(transposed):
                    clone[i] = collate(s, collate_fn_map=collate_fn_map)
                return clone
            return elem_type([collate(s, collate_fn_map=collate_fn_map) for s in transposed])
        except TypeError:
            return [collate(s, collate_fn_map=collate_fn_map) for s in transposed]
    raise TypeError(default_collate_err_msg_format.format(elem_type))


def collate_tensor_fn(batch, *, collate_fn_map=None):
    """Tensors of equal shape stacked along a new dimension 0."""
    from ...ops.joining import stack
    return stack(batch, 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    """NumPy arrays as tensors, stacked (arrays of strings or objects raise TypeError)."""
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    return collate([_as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    """NumPy scalars as a 1-D tensor of their NumPy dtype."""
    return _as_tensor(np.array(batch))


def collate_float_fn(batch, *, collate_fn_map=None):
    """Python floats as a float64 tensor (as PyTorch: not the default dtype)."""
    from ...ops.creation import tensor
    from ... import dtypes
    return tensor(batch, dtype=dtypes.float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    """Python ints as an int64 tensor (all bools: a bool tensor)."""
    from ...ops.creation import tensor
    return tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    """Strings and bytes stay a list."""
    return batch


default_collate_fn_map = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch):
    r"""Collate a list of samples into a batch, as PyTorch's ``default_collate``.

    * tensors -> stacked along a new dimension 0 (``RuntimeError`` when their sizes differ)
    * NumPy arrays -> stacked tensors; NumPy scalars -> a tensor of their dtype
    * Python floats -> a float64 tensor; ints -> an int64 tensor; bools -> a bool tensor
    * str / bytes -> the list unchanged
    * mappings -> the same mapping type, each key collated
    * namedtuples -> the same namedtuple, each field collated
    * other sequences -> position by position (tuples give lists; ``RuntimeError`` when the
      samples' lengths differ)

    Example::

        >>> default_collate([(0, "a"), (1, "b")])
        [tensor([0, 1]), ['a', 'b']]
        >>> default_collate([{"x": ember.zeros(2)}, {"x": ember.ones(2)}])
        {'x': tensor([[0., 0.], [1., 1.]])}
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)
