"""Devices: ``ember.device('cpu')``, ``ember.device('opencl:0')``.

A device knows its backend (the object implementing the primitive kernel interface). Backends are
created lazily: importing ember never touches OpenCL.
"""

__all__ = ["device", "set_default_device", "get_default_device"]

_TYPES = ("cpu", "opencl")


class device:
    """A device type plus an optional index, as torch.device."""

    __slots__ = ("type", "index", "_backend")
    _cache = {}

    def __new__(cls, type_or_str, index=None):
        if isinstance(type_or_str, device):
            if index is not None:
                raise TypeError("device(): an index cannot be given with a device object")
            return type_or_str
        key = (type_or_str, index)
        hit = cls._cache.get(key)
        if hit is not None:
            return hit
        if isinstance(type_or_str, int) and not isinstance(type_or_str, bool):
            raise RuntimeError(
                f"ember.device({type_or_str}): a bare index is ambiguous; use 'opencl:{type_or_str}'")
        if not isinstance(type_or_str, str):
            raise TypeError(f"device(): expected a string or device, got {type(type_or_str).__name__}")
        s = type_or_str.strip()
        typ, _, idx = s.partition(":")
        if idx:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was passed explicitly: {s}")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{s}'")
            index = int(idx)
        if typ in ("cuda", "mps", "xpu", "hip", "gpu"):
            raise RuntimeError(
                f"Ember has no '{typ}' device. Its GPU device is OpenCL, which runs on NVIDIA, AMD and "
                f"Intel GPUs: use device='opencl' (or 'opencl:N'); ember.opencl.is_available() tells "
                f"whether one is present.")
        if typ not in _TYPES:
            raise RuntimeError(
                f"Expected one of cpu, opencl device type at start of device string: {s}")
        if index is not None and (not isinstance(index, int) or index < 0):
            raise RuntimeError(f"Device index must not be negative, got {index}")
        if typ == "cpu" and index not in (None, 0):
            raise RuntimeError(f"CPU device index must be 0 or None, got {index}")
        self = object.__new__(cls)
        self.type = typ
        self.index = index
        self._backend = None
        cls._cache[key] = self
        return self

    @property
    def backend(self):
        b = self._backend
        if b is None:
            if self.type == "cpu":
                from .backends.cpu import backend as b
            else:
                from .backends.opencl import get_backend
                b = get_backend(self.index)
            self._backend = b
        return b

    def __eq__(self, other):
        if self is other:
            return True
        if isinstance(other, str):
            try:
                other = device(other)
            except (RuntimeError, TypeError):
                return False
        if not isinstance(other, device):
            return NotImplemented
        if self.type != other.type:
            return False
        if self.type == "cpu":
            return True
        return (self.index or 0) == (other.index or 0)

    def __hash__(self):
        return hash((self.type, self.index or 0))

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __reduce__(self):
        return (device, (str(self),))


CPU = device("cpu")
_default_device = CPU


def set_default_device(dev):
    """Creation ops without ``device=`` allocate on this device from now on (None resets to cpu)."""
    global _default_device
    _default_device = CPU if dev is None else device(dev)


def get_default_device():
    return _default_device


def as_device(dev):
    """None -> the default device; str/device -> device."""
    if dev is None:
        return _default_device
    if dev.__class__ is device:
        return dev
    return device(dev)
