"""Ember: a PyTorch-style deep-learning framework with a Cython CPU backend and an OpenCL device.

This module only re-exports; everything lives in the submodules.
"""
import os as _os

# OpenMP threads that spin while idle steal the cores they share with other processes; on a busy
# machine that made 2-thread training 10x slower than 1 thread. Sleep instead (unless the user
# chose), before libgomp is loaded by the first Cython module.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from . import dtypes as _dtypes_mod
from .dtypes import (dtype, bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32,
                     float64, half, float, double, short, int, long, promote_types, result_type,
                     get_default_dtype, set_default_dtype, can_cast, finfo, iinfo)
from .device import device, set_default_device, get_default_device
from .tensor import Tensor, Size
from ._memory_format import (memory_format, preserve_format, contiguous_format, channels_last,
                             channels_last_3d)
from ._printing import set_printoptions
from .ops import *  # noqa: F401,F403  (each op module lists its public names in __all__)
from .ops import __all__ as _ops_all
from .backends.cpu._map import get_num_threads, set_num_threads
from . import linalg
from . import cuda
from . import opencl
from .backends.opencl.storage import OutOfMemoryError
from . import autograd
from .autograd import no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled
from .autograd import derivatives as _derivatives, derivatives_shape as _derivatives_shape
from .autograd import derivatives_linalg as _derivatives_linalg, derivatives_index as _derivatives_index
from .autograd import derivatives_reduce as _derivatives_reduce
autograd.function.install()
from . import nn, optim, utils  # noqa: E402  (pure Python over the public API)
from . import special  # noqa: E402  (after install(): its aliases are the recording ops)
from .serialization import save, load, save_safetensors, load_safetensors

__version__ = "0.1.0"
