"""ember.opencl: the OpenCL device, as torch.cuda is for CUDA.

    device = "opencl" if ember.opencl.is_available() else "cpu"

Nothing here touches OpenCL until a function is called: discovery (which probes each device with
a test build, see ember/backends/opencl/runtime.py) runs on first use. ``python -m ember.opencl``
lists what was found and which device is chosen; ``--warmup`` prebuilds every kernel.
"""
import contextlib

from ..backends.opencl.storage import OutOfMemoryError

__all__ = ["is_available", "device_count", "get_device_name", "get_device_properties",
           "current_device", "set_device", "device", "synchronize", "manual_seed",
           "manual_seed_all", "seed", "initial_seed", "get_rng_state", "set_rng_state",
           "memory_allocated", "memory_reserved", "max_memory_allocated", "max_memory_reserved",
           "memory_stats", "empty_cache", "reset_peak_memory_stats", "OutOfMemoryError",
           "is_initialized", "init"]


def _runtime():
    from ..backends.opencl import runtime
    return runtime


def _index(dev):
    """A device index from None (current), an int, 'opencl:N' or an ember.device."""
    if dev is None:
        return _runtime().current_device()
    if isinstance(dev, int) and not isinstance(dev, bool):
        return dev
    from ..device import device as _device
    d = _device(dev)
    if d.type != "opencl":
        raise ValueError(f"Expected an opencl device, but got: {d}")
    return _runtime().current_device() if d.index is None else d.index


def _backend(dev=None):
    from ..backends.opencl import get_backend
    return get_backend(_index(dev))


def is_available():
    """True when at least one OpenCL device built and ran the test kernel (never raises)."""
    try:
        return bool(_runtime().devices())
    except Exception:
        return False


def is_initialized():
    """Whether discovery has run in this process."""
    return _runtime()._discovery is not None


def init():
    """Run discovery now (it otherwise runs on first use)."""
    _runtime().discovery()


def device_count():
    """The number of usable OpenCL devices (0 when none, never raises)."""
    try:
        return len(_runtime().devices())
    except Exception:
        return 0


class _DeviceProperties:
    """What get_device_properties returns (the torch.cuda field names plus OpenCL ones)."""

    def __init__(self, d):
        self.name = d.name
        self.total_memory = d.total_memory
        self.multi_processor_count = d.compute_units
        self.compute_units = d.compute_units
        self.type = d.type
        self.is_gpu = d.is_gpu
        self.fp64 = d.fp64
        self.platform = d.platform_name
        self.platform_version = d.platform_version
        self.vendor = d.vendor
        self.version = d.version
        self.opencl_c_version = d.opencl_c_version
        self.driver_version = d.driver_version
        self.max_alloc = d.max_alloc
        self.max_work_group_size = d.max_work_group_size
        self.local_memory = d.local_memory
        self.max_clock_mhz = d.max_clock_mhz
        self.extensions = d.extensions

    def __repr__(self):
        return (f"_OpenCLDeviceProperties(name='{self.name}', type='{self.type}', "
                f"platform='{self.platform}', total_memory={self.total_memory // (1 << 20)}MB, "
                f"compute_units={self.compute_units}, fp64={self.fp64}, "
                f"driver_version='{self.driver_version}')")


def get_device_properties(device=None):
    return _DeviceProperties(_runtime().get_device(_index(device)))


def get_device_name(device=None):
    return _runtime().get_device(_index(device)).name


def current_device():
    """The index of the device that 'opencl' (no index) means."""
    return _runtime().current_device()


def set_device(device):
    """Make `device` (an index, 'opencl:N' or an ember.device) the current device."""
    _runtime().set_device(_index(device))


class device(contextlib.ContextDecorator):
    """Context manager: the current device is `device` inside the block (None: unchanged)."""

    def __init__(self, device):
        self.idx = None if device is None else _index(device)
        self.prev = None

    def __enter__(self):
        if self.idx is not None:
            self.prev = current_device()
            set_device(self.idx)
        return self

    def __exit__(self, *exc):
        if self.prev is not None:
            set_device(self.prev)
        return False


def synchronize(device=None):
    """Wait for every queued kernel and transfer of the device to finish."""
    _backend(device).synchronize()


# -- random numbers: the devices' default generators live in ember.random ----------------------
def _generator(dev=None):
    from .. import random
    return random.default_generator_for(f"opencl:{_index(dev)}")


def manual_seed(seed):
    """Seed the current OpenCL device's default generator."""
    _generator().manual_seed(seed)


def manual_seed_all(seed):
    """Seed the default generator of every OpenCL device."""
    for i in range(max(device_count(), 1)):
        _generator(i).manual_seed(seed)


def seed():
    return _generator().seed()


def initial_seed():
    return _generator().initial_seed()


def get_rng_state(device=None):
    return _generator(device).get_state()


def set_rng_state(new_state, device=None):
    _generator(device).set_state(new_state)


# -- memory ------------------------------------------------------------------------------------
def memory_allocated(device=None):
    """Bytes held by live tensors on the device (blocks of the caching allocator)."""
    return _backend(device).memory_allocated()


def memory_reserved(device=None):
    """Bytes the caching allocator holds: in use plus cached for reuse."""
    return _backend(device).memory_reserved()


def max_memory_allocated(device=None):
    """The peak of memory_allocated since the start (or the last reset_peak_memory_stats)."""
    return _backend(device).max_memory_allocated()


def max_memory_reserved(device=None):
    """The peak of memory_reserved."""
    return _backend(device).memory_stats()["peak_reserved"]


def memory_stats(device=None):
    return _backend(device).memory_stats()


def reset_peak_memory_stats(device=None):
    _backend(device).reset_peak_memory_stats()


def empty_cache():
    """Release the cached, unused blocks of every initialised device to the driver."""
    import sys
    backend = sys.modules.get("ember.backends.opencl.backend")
    for b in list(getattr(backend, "_backends", {}).values()):
        b.empty_cache()
