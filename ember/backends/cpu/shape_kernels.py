"""CPU kernels: layout-changing copies that a strided view can't express (flip, repeat_interleave).

Methods fill tensors the ops layer allocated; they never allocate user-visible results.
Everything else the shape ops need (cat, stack, repeat, roll, ...) is `copy` into views.
"""
from . import _shape


class ShapeKernels:
    @staticmethod
    def flip(out, src, dims):
        """out = src reversed along `dims` (a sorted tuple of distinct, in-range dims).

        `out` has src's shape and dtype and must not overlap it. Modifies `out`.
        """
        _shape.flip(out, src, tuple(dims))

    @staticmethod
    def repeats_total(repeats):
        """(sum, any negative) of a contiguous int64 tensor of repeats, as host Python values."""
        from . import np_view
        return _shape.repeats_total(np_view(repeats))

    @staticmethod
    def repeat_interleave(out, src, dim, repeats):
        """out = src with slice j along `dim` repeated repeats[j] times (in order).

        `src` and `out` are contiguous with the same dtype; `repeats` is a contiguous int64 tensor
        of src.shape[dim] non-negative entries summing to out.shape[dim]. Modifies `out`.
        """
        from . import np_view
        shape = src._shape
        outer = 1
        for s in shape[:dim]:
            outer *= s
        inner = 1
        for s in shape[dim + 1:]:
            inner *= s
        _shape.repeat_interleave(out, src, outer, shape[dim], inner, np_view(repeats))
