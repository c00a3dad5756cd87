"""OpenCL kernels: GEMM (tiled, batched, strided operands, per-device variants).

Mixed into OpenCLBackend; methods mirror the CPU backend's primitives of the same name (same
arguments, same filled outputs) and enqueue work on the device queue.
"""


class LinalgKernels:
    pass


def program_specs(cldev):
    """Every (source, defines) this family may build on `cldev` (for --warmup)."""
    return []
