"""CPU kernels: layout-changing copies that a strided view can't express (flip, roll, ...).

Methods fill tensors the ops layer allocated; they never allocate user-visible results.
"""


class ShapeKernels:
    pass
