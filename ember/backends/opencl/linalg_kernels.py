"""OpenCL kernels: GEMM (tiled, batched, strided) and host-side LAPACK fallbacks.

Mixed into OpenCLBackend; methods mirror the CPU backend's primitives of the same name (same
arguments, same filled outputs) and enqueue work on the device queue.
"""


class LinalgKernels:
    pass
