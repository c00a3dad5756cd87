"""ember.cuda: present so that code written for CUDA runs or fails helpfully.

Ember's GPU device is OpenCL (NVIDIA, AMD and Intel GPUs, and CPUs through PoCL): see
ember.opencl. Here ``is_available()`` is False and ``device_count()`` 0, so the usual
``'cuda' if torch.cuda.is_available() else 'cpu'`` picks the CPU; seeding and ``empty_cache`` are
silently ignored, as in a PyTorch build without CUDA; everything that needs a CUDA device raises a
RuntimeError that points to 'opencl'.
"""

__all__ = ["is_available", "device_count", "is_initialized", "manual_seed", "manual_seed_all",
           "empty_cache", "current_device", "set_device", "get_device_name",
           "get_device_properties", "synchronize", "memory_allocated", "memory_reserved",
           "max_memory_allocated"]

_HINT = ("Ember has no CUDA device. Its GPU device is OpenCL, which runs on NVIDIA, AMD and Intel "
         "GPUs: use device='opencl' and ember.opencl (ember.opencl.is_available() tells whether "
         "one is present).")


def is_available():
    return False


def device_count():
    return 0


def is_initialized():
    return False


def manual_seed(seed):
    """Ignored: there is no CUDA device (as torch.cuda.manual_seed without CUDA)."""


def manual_seed_all(seed):
    """Ignored: there is no CUDA device."""


def empty_cache():
    """Ignored: there is no CUDA device."""


def _unavailable(*args, **kwargs):
    raise RuntimeError(_HINT)


current_device = set_device = get_device_name = get_device_properties = synchronize = _unavailable
memory_allocated = memory_reserved = max_memory_allocated = _unavailable
