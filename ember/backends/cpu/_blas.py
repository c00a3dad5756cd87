"""The thread count of the OpenBLAS library NumPy loaded, set per GEMM (no threadpoolctl).

OpenBLAS runs its own pthread pool beside ember's OpenMP threads, and its workers spin for about
0.1 s after each call. A small product split over two threads gains a few microseconds on an idle
machine, but when any other thread holds a core (ember's OpenMP loop that follows, another
process) the split waits for a scheduler time slice: measured on 2 cores, a 128x128x128 SGEMM took
0.05 ms on one thread and 16 ms on two. So products below `GEMM_PAR_MIN` multiply-adds run on one
thread and larger ones on ember's thread count (``ember.set_num_threads`` therefore bounds BLAS
too). Without a recognisable OpenBLAS (Accelerate, MKL, a NumPy built otherwise) nothing is set.
"""
import ctypes
import glob
import os

import numpy as np

GEMM_PAR_MIN = 1 << 23          # m*n*k below which one thread does the GEMM

# the setter's name in the scipy-openblas wheels NumPy ships (64-bit ints), then plain builds
_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
            "openblas_set_num_threads64_", "openblas_set_num_threads")
_setter = None                  # the setter once looked up; False when there is none


def _candidates():
    """Paths of OpenBLAS libraries: NumPy's bundled one first (SciPy's wheels bundle another
    copy, which may be loaded earlier and must not be the one set), then loaded libraries named
    like OpenBLAS (Linux: a NumPy linked against the system's OpenBLAS)."""
    paths = []
    here = os.path.dirname(np.__file__)
    for pattern in (os.path.join(here, os.pardir, "numpy.libs", "*openblas*"),
                    os.path.join(here, ".dylibs", "*openblas*")):
        paths += [os.path.realpath(p) for p in sorted(glob.glob(pattern))]
    try:
        with open("/proc/self/maps") as fh:
            for line in fh:
                fields = line.split(maxsplit=5)
                path = fields[5].strip() if len(fields) == 6 else ""
                if "openblas" in os.path.basename(path).lower():
                    paths.append(os.path.realpath(path))
    except OSError:
        pass
    return list(dict.fromkeys(paths))


def _find_setter():
    for path in _candidates():
        try:
            lib = ctypes.CDLL(path)          # already loaded by NumPy: the same handle
        except OSError:
            continue
        for name in _SETTERS:
            fn = getattr(lib, name, None)
            if fn is not None:
                fn.argtypes, fn.restype = [ctypes.c_int], None
                return fn
    return False


def use_threads(m, n, k, nthreads):
    """Before a GEMM of m x k by k x n: one OpenBLAS thread for small products, `nthreads`
    (ember's count) otherwise. A no-op where no OpenBLAS setter was found."""
    global _setter
    if _setter is None:
        _setter = _find_setter()
    if _setter:
        # set on every call (about a microsecond): anything else may have changed it meanwhile
        _setter(1 if m * n * k < GEMM_PAR_MIN else nthreads)
