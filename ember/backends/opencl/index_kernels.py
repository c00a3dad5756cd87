"""OpenCL kernels: gather/scatter/index ops, masked ops, nonzero, searchsorted, and the shape copies (flip, repeat_interleave).

Mixed into OpenCLBackend; methods mirror the CPU backend's primitives of the same name (same
arguments, same filled outputs) and enqueue work on the device queue.
"""


class IndexKernels:
    pass
