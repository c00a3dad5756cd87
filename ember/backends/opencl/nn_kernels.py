"""OpenCL kernels: layer/group/batch norm pieces, cross-entropy and CTC loss.

Mixed into OpenCLBackend; methods mirror the CPU backend's primitives of the same name (same
arguments, same filled outputs) and enqueue work on the device queue.
"""


class NNKernels:
    pass


def program_specs(cldev):
    """Every (source, defines) this family may build on `cldev` (for --warmup)."""
    return []
