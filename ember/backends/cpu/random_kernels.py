"""CPU kernels: Philox 4x32-10 random fills.

Methods fill tensors the ops layer allocated; they never allocate user-visible results.
"""


class RandomKernels:
    pass
