"""OpenCL kernels: reductions, arg-reductions, scans, softmax, sort/top-k.

Mixed into OpenCLBackend; methods mirror the CPU backend's primitives of the same name (same
arguments, same filled outputs) and enqueue work on the device queue.
"""


class ReduceKernels:
    pass
