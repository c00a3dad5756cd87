"""Safe serialization: ``ember.save`` / ``ember.load`` and safetensors exchange.

Nothing here unpickles: a file is data only, so loading a file from an untrusted source runs no
code. The layout is the safetensors layout, so any safetensors reader can open an ember file:

=============  ==============================================================================
bytes 0..8     ``N``, the header length, an unsigned 64-bit little-endian integer
bytes 8..8+N   the header: a UTF-8 JSON object, padded with spaces so the data starts 8-aligned

               * ``"<entry>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}``
                 for every block of tensor bytes (``begin``/``end`` count from the data start)
               * ``"__metadata__": {"format": "ember", "ember.structure": "<JSON>"}`` (a
                 ``str -> str`` map, as safetensors requires)
then           the data: each entry's raw little-endian bytes at ``[begin, end)``
=============  ==============================================================================

Entries are *storages*: every storage is written once, as the byte range its saved tensors use,
so views that share memory still share it after loading. An entry holding exactly one
contiguous tensor has that tensor's dtype and shape (other tools see the real tensor, named by
its key in the saved object, e.g. ``fc.weight``); an entry shared by several views is a 1-D
run of their common dtype (``U8`` bytes when their dtypes differ).

``ember.structure`` is a JSON document ``{"version": 1, "tensors": [...], "root": ...}``:

* ``tensors``: one row per distinct tensor object: ``{"entry": name or null, "dtype": "F32",
  "shape": [...], "stride": [...], "offset": elements from the entry start, "device": "cpu" or
  "opencl:0", "requires_grad": bool, "parameter": bool}`` (``entry`` is null for empty tensors).
* ``root``: the object. JSON null, booleans, numbers and strings stand for themselves (a float is
  always written with a dot or exponent, so it loads as a float); everything else is an object
  with one tag: ``{"T": i}`` tensor row i, ``{"L": [...]}`` list, ``{"U": [...]}`` tuple,
  ``{"S": [...]}`` ember.Size, ``{"D": [[key, value], ...]}`` dict, ``{"O": [[key, value], ...],
  "M": ...}`` OrderedDict (``M``: its ``_metadata``, as Module.state_dict sets), ``{"B": base64}``
  bytes, ``{"dtype": "float32"}``, ``{"device": "cpu"}``.

Errors: a malformed file (truncated, bit-flipped, lying sizes, offsets past the end, overlapping
entries, absurd shapes, unknown dtypes, invalid JSON, nesting deeper than ``MAX_DEPTH``) raises
``RuntimeError`` before anything larger than the file itself is allocated. Objects that cannot be
saved raise ``TypeError``; bad arguments ``ValueError``/``TypeError``.
"""
import base64
import binascii
import collections
import io
import json
import os

import numpy as np

from . import dtypes as _dt
from .device import device as _device, CPU
from .tensor import Tensor, Size, _make, _contiguous_strides

__all__ = ["save", "load", "save_safetensors", "load_safetensors"]

FORMAT_VERSION = 1
MAX_HEADER_BYTES = 100_000_000      # as safetensors: a larger header is refused unread
MAX_DEPTH = 200                     # nesting of saved containers (save refuses deeper ones too)
MAX_DIMS = 64                       # the backends' MAXDIM
MAX_VIEW_NUMEL = 1 << 48            # elements of one saved view (stride-0 views can be large)
_CHUNK = 1 << 24                    # read granularity for streams that cannot seek

_ST_DTYPES = {"BOOL": _dt.bool, "U8": _dt.uint8, "I8": _dt.int8, "I16": _dt.int16,
              "I32": _dt.int32, "I64": _dt.int64, "F16": _dt.float16, "BF16": _dt.bfloat16,
              "F32": _dt.float32, "F64": _dt.float64}
_ST_NAMES = {v.name: k for k, v in _ST_DTYPES.items()}
_META_STRUCTURE = "ember.structure"


def _bad(msg):
    return RuntimeError(f"ember.load: invalid or corrupted file: {msg}")


def _location(dev):
    """The location string a storage is saved with: 'cpu' or 'opencl:N'."""
    return "cpu" if dev.type == "cpu" else f"{dev.type}:{dev.index or 0}"


def _prod(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _parameter_cls():
    from .nn.parameter import Parameter
    return Parameter


# ================================================================================================
# Saving
class _Group:
    """The tensors of one storage that are being saved, and the entry that will hold them."""

    __slots__ = ("storage", "device", "name", "members", "start", "end", "dtype", "shape")

    def __init__(self, storage, device, name):
        self.storage, self.device, self.name = storage, device, name
        self.members = []               # (tensor, row)


class _Encoder:
    def __init__(self):
        self.rows = []                  # the "tensors" table
        self.row_of = {}                # id(tensor) -> row index
        self.groups = {}                # id(storage) -> _Group, in order of first use
        self.names = set()
        self.active = set()             # ids of the containers being encoded (cycles)
        self.keep = []                  # objects whose id() is a key above stay alive

    # -- names ----------------------------------------------------------------------------------
    def _unique(self, path):
        base = ".".join(path) or "tensor"
        if base == "__metadata__":
            base = "__metadata__.tensor"
        name, k = base, 1
        while name in self.names:
            name = f"{base}.__{k}"
            k += 1
        self.names.add(name)
        return name

    # -- tensors --------------------------------------------------------------------------------
    def tensor(self, t, path):
        idx = self.row_of.get(id(t))
        if idx is not None:
            return idx
        if t.dtype.name not in _ST_NAMES:
            raise TypeError(f"ember.save: unsupported dtype {t.dtype}")
        row = {"entry": None, "dtype": _ST_NAMES[t.dtype.name], "shape": list(t._shape),
               "stride": list(t._stride), "offset": 0, "device": _location(t.device),
               "requires_grad": bool(t.requires_grad),
               "parameter": isinstance(t, _parameter_cls())}
        if t.numel() > 0:
            g = self.groups.get(id(t._storage))
            if g is None:
                g = self.groups[id(t._storage)] = _Group(t._storage, t.device, self._unique(path))
            g.members.append((t, row))
        idx = len(self.rows)
        self.rows.append(row)
        self.row_of[id(t)] = idx
        self.keep.append(t)
        return idx

    def finish_groups(self):
        """Pick each entry's byte range, dtype and shape; point the rows at it."""
        for g in self.groups.values():
            spans = []
            for t, _ in g.members:
                it = t.dtype.itemsize
                lo = t._offset + sum((n - 1) * s for n, s in zip(t._shape, t._stride) if s < 0)
                hi = t._offset + sum((n - 1) * s for n, s in zip(t._shape, t._stride) if s > 0)
                spans.append((lo * it, (hi + 1) * it))
            maxit = max(t.dtype.itemsize for t, _ in g.members)
            # aligned down to the largest itemsize, so every member's offset stays whole
            g.start = min(lo for lo, _ in spans) // maxit * maxit
            g.end = max(hi for _, hi in spans)
            t0 = g.members[0][0]
            dtypes = {t.dtype for t, _ in g.members}
            if (len(g.members) == 1 and t0.is_contiguous() and spans[0] == (g.start, g.end)):
                g.dtype, g.shape = t0.dtype, list(t0._shape)
            elif len(dtypes) == 1:
                g.dtype, g.shape = t0.dtype, [(g.end - g.start) // t0.dtype.itemsize]
            else:
                g.dtype, g.shape = _dt.uint8, [g.end - g.start]
            for t, row in g.members:
                row["entry"] = g.name
                row["offset"] = (t._offset * t.dtype.itemsize - g.start) // t.dtype.itemsize

    # -- objects --------------------------------------------------------------------------------
    def key(self, k, depth):
        if k is None or isinstance(k, (bool, int, float, str)) or isinstance(k, np.generic):
            return self.encode(k, (), depth)
        if isinstance(k, tuple) and not isinstance(k, Size):
            return {"U": [self.key(x, depth + 1) for x in k]}
        raise TypeError(f"ember.save: dict keys must be None, bool, int, float, str or tuples of "
                        f"them, got {type(k).__name__}")

    def encode(self, obj, path, depth):
        if depth > MAX_DEPTH:
            raise ValueError(f"ember.save: the object is nested deeper than {MAX_DEPTH} levels")
        if obj is None:
            return None
        if isinstance(obj, bool):
            return bool(obj)
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            return float(obj)
        if isinstance(obj, str):
            return str(obj)
        if isinstance(obj, Tensor):
            return {"T": self.tensor(obj, path)}
        if isinstance(obj, (np.bool_, np.integer, np.floating)):
            return obj.item()           # NumPy scalars load as the Python numbers they hold
        if isinstance(obj, _dt.dtype):
            return {"dtype": obj.name}
        if isinstance(obj, _device):
            return {"device": str(obj)}
        if isinstance(obj, (bytes, bytearray)):
            return {"B": base64.b64encode(bytes(obj)).decode("ascii")}
        if isinstance(obj, Size):
            return {"S": [int(n) for n in obj]}
        if isinstance(obj, (dict, list, tuple)):
            if id(obj) in self.active:
                raise ValueError("ember.save: the object contains a reference cycle")
            self.active.add(id(obj))
            try:
                return self._container(obj, path, depth)
            finally:
                self.active.discard(id(obj))
        raise TypeError(f"ember.save: cannot save an object of type {type(obj).__module__}."
                        f"{type(obj).__qualname__} (ember.save stores tensors, dicts, lists, "
                        f"tuples, numbers, strings, bytes, None, dtypes and devices; it never "
                        f"pickles)")

    def _container(self, obj, path, depth):
        if isinstance(obj, dict):
            items = [[self.key(k, depth + 1), self.encode(v, path + (str(k),), depth + 1)]
                     for k, v in obj.items()]
            if isinstance(obj, collections.OrderedDict):
                out = {"O": items}
                meta = getattr(obj, "_metadata", None)
                if meta is not None:
                    out["M"] = self.encode(meta, path + ("_metadata",), depth + 1)
                return out
            return {"D": items}
        enc = [self.encode(v, path + (str(i),), depth + 1) for i, v in enumerate(obj)]
        return {"L": enc} if isinstance(obj, list) else {"U": enc}


def _entry_bytes(g):
    """The bytes [g.start, g.end) of g's storage, as a buffer (a host copy for device memory)."""
    if g.device.type == "cpu":
        return memoryview(g.storage)[g.start:g.end]
    view = _make(g.storage, (g.end - g.start,), (1,), g.start, _dt.uint8, g.device)
    return memoryview(np.ascontiguousarray(view.cpu()._host()))


def _write_file(f, groups, metadata):
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    pos = 0
    for g in groups:
        n = g.end - g.start
        header[g.name] = {"dtype": _ST_NAMES[g.dtype.name], "shape": g.shape,
                          "data_offsets": [pos, pos + n]}
        pos += n
    raw = json.dumps(header, separators=(",", ":")).encode("ascii")
    raw += b" " * (-len(raw) % 8)      # data 8-aligned, as safetensors writes it
    f.write(len(raw).to_bytes(8, "little"))
    f.write(raw)
    for g in groups:
        f.write(_entry_bytes(g))


def _with_file(f, mode, fn):
    if isinstance(f, (str, bytes, os.PathLike)):
        with open(f, mode) as fh:
            return fn(fh)
    if mode == "wb" and not hasattr(f, "write"):
        raise TypeError(f"ember.save: f must be a path or a binary file object, got {type(f).__name__}")
    if mode == "rb" and not hasattr(f, "read"):
        raise TypeError(f"ember.load: f must be a path or a binary file object, got {type(f).__name__}")
    return fn(f)


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    r"""Save an object to a file, safely: tensors in the safetensors layout plus a JSON description.

    Saves tensors and any nesting of dicts, OrderedDicts, lists, tuples, ints, floats, bools,
    strings, bytes, None, dtypes and devices: module and optimizer state dicts, checkpoints with
    epoch numbers. Each storage is written once, so views that share memory share it again after
    :func:`load`; ``requires_grad`` and :class:`~ember.nn.Parameter` survive the round trip.
    NumPy scalars are saved as the Python numbers they hold; tuple subclasses (namedtuples) load
    as plain tuples and dict subclasses other than OrderedDict as dicts.

    Args:
        obj: the object to save.
        f: a path (``str`` or ``os.PathLike``) or a binary file object open for writing.
        pickle_module, pickle_protocol: accepted for compatibility with ``torch.save``; unused
            (nothing is pickled).

    Raises:
        TypeError: an object of another type (module instances, arbitrary classes) is reachable.
        ValueError: the object contains a reference cycle or is nested deeper than 200 levels.

    Example::

        >>> ember.save({"epoch": 3, "model": model.state_dict()}, "ckpt.ember")
        >>> ckpt = ember.load("ckpt.ember")
    """
    if pickle_module is not None:
        raise ValueError("ember.save never pickles: pickle_module is not supported")
    enc = _Encoder()
    root = enc.encode(obj, (), 0)
    enc.finish_groups()
    structure = {"version": FORMAT_VERSION, "tensors": enc.rows, "root": root}
    meta = {"format": "ember", _META_STRUCTURE: json.dumps(structure, separators=(",", ":"))}
    _with_file(f, "wb", lambda fh: _write_file(fh, list(enc.groups.values()), meta))


def save_safetensors(tensors, filename, metadata=None):
    r"""Save a flat ``{name: tensor}`` dict as a plain safetensors file (for other frameworks).

    As ``safetensors.torch.save_file``: tensors must not share memory and must be contiguous
    (call ``.contiguous()`` or ``.clone()`` first); each is written as its own entry.

    Args:
        tensors (dict): names (``str``) to tensors.
        filename: a path, or a binary file object open for writing.
        metadata (dict, optional): ``str -> str`` pairs stored in the header's ``__metadata__``.

    Example::

        >>> ember.save_safetensors(model.state_dict(), "model.safetensors")
    """
    if not isinstance(tensors, dict):
        raise ValueError(f"Expected a dict of [str, ember.Tensor] but received {type(tensors)}")
    for k, v in tensors.items():
        if not isinstance(k, str):
            raise TypeError(f"safetensors keys must be strings, got {k!r}")
        if k == "__metadata__":
            raise ValueError("'__metadata__' is reserved and cannot name a tensor")
        if not isinstance(v, Tensor):
            raise ValueError(f"Key `{k}` is invalid, expected ember.Tensor but received {type(v)}")
    if metadata is not None:
        if not isinstance(metadata, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise ValueError("metadata must be a dict of str to str")
    _check_not_shared(tensors)
    groups = []
    for k, v in tensors.items():
        if not v.is_contiguous():
            raise ValueError(
                f"You are trying to save a non contiguous tensor: `{k}` which is not allowed. It "
                "either means you are trying to save tensors which are reference of each other in "
                "which case it's recommended to save only the full tensors, and reslice at load "
                "time, or simply call `.contiguous()` on your tensor to pack it before saving.")
        g = _Group(v._storage, v.device, k)
        it = v.dtype.itemsize
        g.start, g.end = v._offset * it, (v._offset + v.numel()) * it
        g.dtype, g.shape = v.dtype, list(v._shape)
        groups.append(g)
    _with_file(filename, "wb", lambda fh: _write_file(fh, groups, metadata))


def _check_not_shared(tensors):
    by_storage = collections.defaultdict(list)
    for k, v in tensors.items():
        if v.numel():
            it = v.dtype.itemsize
            lo = v._offset * it
            hi = (v._offset + sum((n - 1) * s for n, s in zip(v._shape, v._stride)) + 1) * it
            by_storage[id(v._storage)].append((lo, hi, k))
    failing = []
    for spans in by_storage.values():
        spans.sort()
        cur, cur_end = None, -1
        for lo, hi, k in spans:
            if lo < cur_end:
                cur.add(k)
                cur_end = max(cur_end, hi)
            else:
                if cur is not None and len(cur) > 1:
                    failing.append(cur)
                cur, cur_end = {k}, hi
        if cur is not None and len(cur) > 1:
            failing.append(cur)
    if failing:
        raise RuntimeError(
            f"Some tensors share memory, this will lead to duplicate memory on disk and potential "
            f"differences when loading them again: {[sorted(s) for s in failing]}. A potential "
            f"way to correctly save them is to clone the shared tensors first, or to use "
            f"ember.save, which keeps views shared.")


# ================================================================================================
# Reading the layout
class _Source:
    """Reads the file: random access when it can seek, else by buffering what a stream sends."""

    def __init__(self, f):
        self.f = f
        self.buffer = None
        try:
            self.base = f.tell()
            end = f.seek(0, io.SEEK_END)
            f.seek(self.base)
            self.size = end - self.base
        except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
            self.base, self.size = None, None

    def read_exact(self, n, what):
        """n bytes from the current position (read in chunks: n is checked, not trusted)."""
        parts, got = [], 0
        while got < n:
            b = self.f.read(min(n - got, _CHUNK))
            if not b:
                raise _bad(f"the file ends inside the {what} ({got} of {n} bytes; truncated?)")
            parts.append(b)
            got += len(b)
        return b"".join(parts)

    def read_data(self, data_start, need):
        """Make the data section's first `need` bytes readable; `data_start`: its file offset."""
        if self.size is None:
            self.buffer = memoryview(self.read_exact(need, "tensor data"))
        self.data_start = data_start

    def fill(self, storage, begin, end):
        """Copy data bytes [begin, end) into `storage` (a CPU Storage of end - begin bytes)."""
        dst = memoryview(storage)
        if self.buffer is not None:
            dst[:] = self.buffer[begin:end]
            return
        self.f.seek(self.base + self.data_start + begin)
        pos, n = 0, end - begin
        readinto = getattr(self.f, "readinto", None)
        while pos < n:
            if readinto is not None:
                k = readinto(dst[pos:min(n, pos + _CHUNK)])
            else:
                b = self.f.read(min(n - pos, _CHUNK))
                k = len(b)
                dst[pos:pos + k] = b
            if not k:
                raise _bad("the file ends inside the tensor data (truncated?)")
            pos += k

    def finish(self, data_start, end):
        """Leave the stream just past what was read (so several objects can share a stream)."""
        if self.size is not None:
            try:
                self.f.seek(self.base + data_start + end)
            except (OSError, ValueError):
                pass


def _read_header(src):
    """(entries {name: (dtype, shape, begin, end)} in header order, metadata or None, data_start)."""
    if src.size is not None and src.size < 8:
        raise _bad(f"{src.size} bytes is too short for a header (truncated or not an ember file)")
    head = src.read_exact(8, "header length")
    if head[:4] == b"PK\x03\x04":
        raise RuntimeError("ember.load: this is a zip archive (as torch.save writes), not an ember "
                           "or safetensors file; ember.load never unpickles. Convert it with "
                           "torch and save the tensors with safetensors instead.")
    if head[0] == 0x80 and 2 <= head[1] <= 5:
        raise RuntimeError("ember.load: this looks like a pickle stream; ember.load never "
                           "unpickles (loading a pickle can run arbitrary code), so it is refused")
    n = int.from_bytes(head, "little")
    if n > MAX_HEADER_BYTES:
        raise _bad(f"header length {n} exceeds the {MAX_HEADER_BYTES}-byte limit")
    if src.size is not None and n > src.size - 8:
        raise _bad(f"header length {n} is larger than the file ({src.size} bytes; truncated?)")
    raw = src.read_exact(n, "header")
    try:
        header = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise _bad("the header nests too deeply") from None
    except ValueError as e:     # JSONDecodeError, UnicodeDecodeError, oversized integers
        raise _bad(f"the header is not valid UTF-8 JSON ({e})") from None
    if not isinstance(header, dict):
        raise _bad("the header is not a JSON object")
    meta = header.pop("__metadata__", None)
    if meta is not None and (not isinstance(meta, dict) or not all(
            isinstance(v, str) for v in meta.values())):
        raise _bad("__metadata__ must map strings to strings")
    avail = None if src.size is None else src.size - 8 - n
    entries = {}
    for name, e in header.items():
        entries[name] = _check_entry(name, e, avail)
    spans = sorted((b, e, k) for k, (_, _, b, e) in entries.items() if e > b)
    for (b0, e0, k0), (b1, e1, k1) in zip(spans, spans[1:]):
        if b1 < e0:
            raise _bad(f"entries {k0!r} and {k1!r} overlap (bytes [{b0}, {e0}) and [{b1}, {e1}))")
    return entries, meta, 8 + n


def _is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


def _check_shape(shape, what):
    if not isinstance(shape, list) or len(shape) > MAX_DIMS or not all(
            _is_int(s) and 0 <= s < (1 << 62) for s in shape):
        raise _bad(f"{what}: shape must be a list of at most {MAX_DIMS} non-negative integers, "
                   f"got {str(shape)[:80]}")
    return tuple(shape)


def _dtype_of(name, what):
    dt = _ST_DTYPES.get(name) if isinstance(name, str) else None
    if dt is None:
        raise _bad(f"{what}: unsupported dtype {str(name)[:40]!r} (ember reads "
                   f"{', '.join(_ST_DTYPES)})")
    return dt


def _check_entry(name, e, avail):
    what = f"tensor {name[:80]!r}"
    if not isinstance(e, dict):
        raise _bad(f"{what}: expected an object with dtype, shape and data_offsets")
    dt = _dtype_of(e.get("dtype"), what)
    shape = _check_shape(e.get("shape"), what)
    offs = e.get("data_offsets")
    if (not isinstance(offs, list) or len(offs) != 2 or not all(_is_int(o) for o in offs)
            or offs[0] < 0 or offs[1] < offs[0]):
        raise _bad(f"{what}: data_offsets must be [begin, end] with 0 <= begin <= end, got "
                   f"{str(offs)[:80]}")
    begin, end = offs
    nbytes = _prod(shape) * dt.itemsize
    if nbytes != end - begin:
        raise _bad(f"{what}: shape {list(shape)[:8]} of dtype {e['dtype']} needs {nbytes} bytes "
                   f"but data_offsets span {end - begin}")
    if avail is not None and end > avail:
        raise _bad(f"{what}: data ends at byte {end} but the file holds {avail} data bytes "
                   f"(truncated?)")
    return dt, shape, begin, end


# ================================================================================================
# Loading
def _opencl_available():
    try:
        from . import opencl
        return opencl.is_available()
    except Exception:
        return False


class _Placer:
    """Puts each entry's bytes on the device map_location picks, once per (entry, location)."""

    def __init__(self, src, entries, map_location):
        self.src, self.entries, self.map_location = src, entries, map_location
        self.cpu = {}
        self.placed = {}

    def cpu_storage(self, name):
        st = self.cpu.get(name)
        if st is None:
            dt, _, begin, end = self.entries[name]
            st = CPU.backend.allocate(end - begin)
            self.src.fill(st, begin, end)
            if dt is _dt.bool and end > begin and np.frombuffer(st, np.uint8).max() > 1:
                # bytes other than 0 / 1 are not booleans: kernels would compute garbage
                raise _bad(f"tensor {name[:80]!r}: BOOL data holds bytes other than 0 and 1")
            self.cpu[name] = st
        return st

    def place(self, name, location):
        """(storage, device) of entry `name` (None: an empty tensor) saved at `location`."""
        key = (name, location)
        hit = self.placed.get(key)
        if hit is None:
            st = self.cpu_storage(name) if name is not None else CPU.backend.allocate(0)
            hit = self.placed[key] = self._map(st, location)
        return hit

    def _map(self, st, location):
        ml = self.map_location
        target = location
        if callable(ml) and not isinstance(ml, (str, _device)):
            r = ml(st, location)
            if r is not None and not isinstance(r, (str, _device)):
                from .ops.interop import is_storage
                if not is_storage(r) or len(r) < len(st):
                    raise ValueError(f"map_location returned {r!r}: expected None, a device or a "
                                     f"storage of at least {len(st)} bytes")
                dev = CPU if getattr(r, "device", "cpu") == "cpu" else r.device
                return r, _device(dev)
            target = location if r is None else r
        elif isinstance(ml, dict):
            target = location
            for k, v in ml.items():
                if k == location or _normal_location(k) == location:
                    target = v
                    break
        elif ml is not None:
            target = ml
        dev = _device(target) if not isinstance(target, _device) else target
        if dev.type == "cpu":
            return st, CPU
        if dev.type == "opencl" and not _opencl_available():
            raise RuntimeError("Attempting to deserialize object on an OpenCL device but "
                               "ember.opencl.is_available() is False. If you are running on a "
                               "CPU-only machine, please use ember.load with "
                               "map_location=ember.device('cpu') to map your storages to the CPU.")
        moved = _make(st, (len(st),), (1,), 0, _dt.uint8, CPU).to(dev)
        return moved._storage, moved.device


def _normal_location(loc):
    """'opencl' -> 'opencl:0', a device -> its location string; unparseable keys stay as given."""
    try:
        return _location(_device(loc))
    except (RuntimeError, TypeError, ValueError):
        return loc


def _location_of(row_device):
    try:
        return _location(_device(row_device))
    except (RuntimeError, TypeError, ValueError):
        raise _bad(f"unknown device {str(row_device)[:40]!r}") from None


def _build_tensors(rows, entries, placer):
    if not isinstance(rows, list):
        raise _bad("the structure's tensor table is not a list")
    out = []
    for i, row in enumerate(rows):
        what = f"tensor row {i}"
        if not isinstance(row, dict):
            raise _bad(f"{what} is not an object")
        dt = _dtype_of(row.get("dtype"), what)
        shape = _check_shape(row.get("shape"), what)
        stride = row.get("stride")
        if (not isinstance(stride, list) or len(stride) != len(shape)
                or not all(_is_int(s) and 0 <= s < (1 << 62) for s in stride)):
            raise _bad(f"{what}: stride must be {len(shape)} non-negative integers")
        offset = row.get("offset")
        if not _is_int(offset) or not 0 <= offset < (1 << 62):
            raise _bad(f"{what}: offset must be a non-negative integer")
        rg, param = row.get("requires_grad", False), row.get("parameter", False)
        if not isinstance(rg, bool) or not isinstance(param, bool):
            raise _bad(f"{what}: requires_grad and parameter must be booleans")
        if rg and not dt.is_floating_point:
            raise _bad(f"{what}: a {dt} tensor cannot require grad")
        location = _location_of(row.get("device", "cpu"))
        entry = row.get("entry")
        numel = _prod(shape)
        if numel > MAX_VIEW_NUMEL:
            raise _bad(f"{what}: {numel} elements is beyond any real tensor")
        if numel == 0:
            st, dev = placer.place(None, location)
            t = _make(st, shape, tuple(stride), 0, dt, dev)
        else:
            if not isinstance(entry, str) or entry not in entries:
                raise _bad(f"{what}: refers to a missing entry {str(entry)[:80]!r}")
            _, _, begin, end = entries[entry]
            last = offset + sum((n - 1) * s for n, s in zip(shape, stride))
            if (last + 1) * dt.itemsize > end - begin:
                raise _bad(f"{what}: the view reaches byte {(last + 1) * dt.itemsize} of entry "
                           f"{entry[:80]!r}, which holds {end - begin}")
            st, dev = placer.place(entry, location)
            t = _make(st, shape, tuple(stride), offset, dt, dev)
        if param:
            t = _parameter_cls()(t, rg)
        elif rg:
            t.requires_grad_(True)
        out.append(t)
    return out


def _decode(node, tensors, depth):
    if depth > MAX_DEPTH:
        raise _bad(f"the object nests deeper than {MAX_DEPTH} levels")
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if not isinstance(node, dict) or not node:
        raise _bad(f"unexpected {type(node).__name__} in the object structure")
    if "T" in node and len(node) == 1:
        i = node["T"]
        if not _is_int(i) or not 0 <= i < len(tensors):
            raise _bad(f"tensor reference {str(i)[:20]} is out of range")
        return tensors[i]
    tag = next(iter(node)) if len(node) == 1 else ("O" if set(node) == {"O", "M"} else None)
    val = node.get(tag) if tag is not None else None
    if tag in ("L", "U", "S") and isinstance(val, list):
        if tag == "S":
            if not all(_is_int(n) and n >= 0 for n in val):
                raise _bad("an ember.Size holds a non-integer")
            return Size(val)
        items = [_decode(v, tensors, depth + 1) for v in val]
        return items if tag == "L" else tuple(items)
    if tag in ("D", "O") and isinstance(val, list):
        out = collections.OrderedDict() if tag == "O" else {}
        for pair in val:
            if not isinstance(pair, list) or len(pair) != 2:
                raise _bad("a dict item is not a [key, value] pair")
            k = _decode(pair[0], tensors, depth + 1)
            if isinstance(k, (Tensor, list, dict)) or (isinstance(k, tuple) and not _hashable(k)):
                raise _bad(f"a dict key of type {type(k).__name__} is not allowed")
            out[k] = _decode(pair[1], tensors, depth + 1)
        if "M" in node:
            meta = _decode(node["M"], tensors, depth + 1)
            if not isinstance(meta, dict):
                raise _bad("OrderedDict metadata is not a dict")
            out._metadata = meta
        return out
    if tag == "B" and isinstance(val, str):
        try:
            return base64.b64decode(val.encode("ascii"), validate=True)
        except (binascii.Error, ValueError):
            raise _bad("invalid base64 bytes") from None
    if tag == "dtype" and isinstance(val, str):
        d = _dt._NAMES.get(val)
        if d is None:
            raise _bad(f"unknown dtype {val[:40]!r}")
        return d
    if tag == "device" and isinstance(val, str):
        try:
            return _device(val)
        except (RuntimeError, TypeError, ValueError):
            raise _bad(f"unknown device {val[:40]!r}") from None
    raise _bad(f"unknown object tag {str(list(node))[:40]}")


def _hashable(k):
    """A usable dict key: hashable, and no tensor inside (tensors hash by identity)."""
    try:
        hash(k)
    except TypeError:
        return False
    return not any(isinstance(x, Tensor) or (isinstance(x, tuple) and not _hashable(x)) for x in k)


def _load_from(src, map_location, flat_only=False):
    entries, meta, data_start = _read_header(src)
    need = max((e for _, _, _, e in entries.values()), default=0)
    src.read_data(data_start, need)
    placer = _Placer(src, entries, map_location)
    structure = None if (flat_only or meta is None) else meta.get(_META_STRUCTURE)
    if structure is None:
        # a plain safetensors file: a flat dict of its tensors, in header order
        out = {}
        for name, (dt, shape, _, _) in entries.items():
            st, dev = placer.place(name, "cpu")
            out[name] = _make(st, shape, _contiguous_strides(shape), 0, dt, dev)
        src.finish(data_start, need)
        return out
    try:
        doc = json.loads(structure)
    except RecursionError:
        raise _bad("the object structure nests too deeply") from None
    except ValueError as e:
        raise _bad(f"the object structure is not valid JSON ({e})") from None
    if not isinstance(doc, dict) or "root" not in doc:
        raise _bad("the object structure has no root")
    if doc.get("version") != FORMAT_VERSION or isinstance(doc.get("version"), bool):
        raise _bad(f"unsupported ember format version {str(doc.get('version'))[:20]} (this "
                   f"ember reads version {FORMAT_VERSION})")
    tensors = _build_tensors(doc.get("tensors"), entries, placer)
    try:
        obj = _decode(doc["root"], tensors, 0)
    except RecursionError:
        raise _bad("the object structure nests too deeply") from None
    src.finish(data_start, need)
    return obj


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None,
         **pickle_load_args):
    r"""Load an object saved with :func:`save`, or the tensors of any ``.safetensors`` file.

    Loading runs no code: the file is parsed as data (JSON and raw tensor bytes), never
    unpickled, so ``weights_only`` is always in effect. Views that shared storage when saved
    share it again. A plain safetensors file (written by another tool, no ember structure) loads
    as a flat ``{name: tensor}`` dict.

    Args:
        f: a path (``str`` / ``os.PathLike``) or a binary file object open for reading (it is
            left just past the object, so several objects can be read from one stream).
        map_location: where tensors go, as in ``torch.load``: ``None`` (the device each was saved
            from), a device or string (``'cpu'``, ``'opencl'``, ``ember.device('opencl:0')``), a
            dict mapping saved locations to new ones (``{'opencl:0': 'cpu'}``), or a callable
            ``fn(storage, location)`` called with each storage read to the CPU and its saved
            location string, returning ``None`` (default placement), a device, or a storage.
        weights_only, mmap, pickle_load_args: accepted for compatibility with ``torch.load``;
            the data is always read into memory and never unpickled.

    Raises:
        RuntimeError: the file is truncated, corrupted or hostile (the message says what is
            wrong; nothing larger than the file is allocated first), or it is a pickle / torch
            zip file, which is refused; or a tensor is mapped to an unavailable device.

    Example::

        >>> ckpt = ember.load("ckpt.ember", map_location="cpu")
        >>> model.load_state_dict(ckpt["model"])
    """
    if pickle_module is not None:
        raise ValueError("ember.load never unpickles: pickle_module is not supported")
    if map_location is not None and not (isinstance(map_location, (str, _device, dict))
                                         or callable(map_location)):
        raise TypeError(f"map_location should be a device, a string, a dict or a callable, "
                        f"got {type(map_location).__name__}")
    return _with_file(f, "rb", lambda fh: _load_from(_Source(fh), map_location))


def load_safetensors(filename, device="cpu"):
    r"""Load a safetensors file as a flat ``{name: tensor}`` dict (as ``safetensors.torch.load_file``).

    Args:
        filename: a path, or a binary file object open for reading.
        device: where to put the tensors (``'cpu'``, ``'opencl'``, an int for ``opencl:N``).

    Example::

        >>> model.load_state_dict(ember.load_safetensors("model.safetensors"))
    """
    if _is_int(device):
        device = f"opencl:{device}"
    dev = _device(device)
    return _with_file(filename, "rb", lambda fh: _load_from(_Source(fh), dev, flat_only=True))
