"""CPU kernels: reductions, arg-reductions, scans, sort/top-k, softmax family.

Methods fill tensors the ops layer allocated; they never allocate user-visible results.
"""


class ReduceKernels:
    pass
