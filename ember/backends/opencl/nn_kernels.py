"""OpenCL kernels: im2col/col2im, pooling, norms, cross-entropy, optimizer updates.

Mixed into OpenCLBackend; methods mirror the CPU backend's primitives of the same name (same
arguments, same filled outputs) and enqueue work on the device queue.
"""


class NNKernels:
    pass
