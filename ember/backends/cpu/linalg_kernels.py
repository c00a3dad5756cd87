"""CPU kernels: matmul (batched, BLAS) and LAPACK-backed factorizations.

Methods fill tensors the ops layer allocated; they never allocate user-visible results.
"""


class LinalgKernels:
    pass
