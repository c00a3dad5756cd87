"""CPU kernels: gather/scatter/index_select/index_put/masked ops/nonzero.

Methods fill tensors the ops layer allocated; they never allocate user-visible results.
"""


class IndexKernels:
    pass
