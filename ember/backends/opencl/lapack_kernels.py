"""OpenCL kernels: linear algebra beyond GEMM (host LAPACK round trips where the device has no kernel).

Mixed into OpenCLBackend; methods mirror the CPU backend's primitives of the same name (same
arguments, same filled outputs) and enqueue work on the device queue.
"""


class LapackKernels:
    pass


def program_specs(cldev):
    """Every (source, defines) this family may build on `cldev` (for --warmup)."""
    return []
