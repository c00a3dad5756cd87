"""CPU kernels: convolution data movement (im2col / col2im) and pooling.

Methods fill tensors the nn layer allocated; they never allocate user-visible results. The
interface (what an OpenCL backend implements too); `nd` = number of spatial dims (1 to 3):

  im2col(cols, input, kernel, stride, padding, dilation)
      input (N, C, *S) any strides and dtype; cols (N, C*prod(kernel), prod(O)) any strides, same
      dtype, with O_i = (S_i + 2 p_i - d_i (k_i - 1) - 1) // s_i + 1. Row (c, k...) in C order,
      column (o...) in C order; cols[n, (c, k), (o)] = input[n, c, o*s - p + k*d] or 0 outside.
      conv passes a (C*K, N, L) buffer permuted to (N, C*K, L) so that one GEMM covers the batch.
  col2im(out, cols, kernel, stride, padding, dilation)
      the adjoint: out (N, C, *S) contiguous float, overwritten with the sum of every cols entry
      im2col would have read from each position.
  max_pool(out, indices, input, windows)
      input (P, *S) contiguous; out, indices (int64, or None) (P, *O) contiguous.
      windows: per spatial dim (start, end, step) with start/end int64 NumPy arrays of length O_d:
      the window of output o covers start[o], start[o] + step, ... < end[o], all inside [0, S_d).
      out = window max (NaN propagates), indices = flat position in the plane of the (first) max.
  max_pool_backward(grad_input, grad_output, indices, windows=None)
      grad_input (P, *S) contiguous overwritten: zero, then grad_input[p, indices[p, o]] +=
      grad_output[p, o] in output order (also the adjoint of gathering by indices; adaptive max
      pool uses it). `windows`, when given, are the max_pool windows the indices came from, with
      grad_output and indices (P, *O): a backend may gather by them (each index lies in its
      window); the CPU ignores them.
  avg_pool(out, input, windows, divisors, divisor_override=None)
      out[p, o] = window sum / divisor, divisor = prod_d divisors[d][o_d] (float64 arrays) or the
      override when given.
  avg_pool_backward(grad_input, grad_output, windows, divisors, divisor_override=None)
      the adjoint of avg_pool: grad_input overwritten.

Floating dtypes only for col2im and pooling; half types compute in float32.
"""
from . import _conv, _pool, _map

_D_F16, _D_BF16, _D_F32 = 6, 7, 8


def _is_half(t):
    return t.dtype.code in (_D_F16, _D_BF16)


def _f32(t, copy=True):
    from ember.tensor import _empty
    from ember import dtypes
    u = _empty(t._shape, dtypes.float32, t.device)
    if copy:
        from . import CpuBackend
        CpuBackend.copy(u, t)
    return u


def _contig(t):
    """t itself when contiguous, else a contiguous copy (internal)."""
    if t.is_contiguous():
        return t
    from ember.tensor import _empty
    from . import CpuBackend
    u = _empty(t._shape, t.dtype, t.device)
    CpuBackend.copy(u, t)
    return u


def _scratch(t):
    """Where a kernel writes t's values: t itself when contiguous and not half, else a temporary."""
    if _is_half(t):
        return _f32(t, copy=False)
    if t.is_contiguous():
        return t
    from ember.tensor import _empty
    return _empty(t._shape, t.dtype, t.device)


def _writeback(dst, tmp):
    if tmp is not dst:
        from . import CpuBackend
        CpuBackend.copy(dst, tmp)


def _tup(x):
    return tuple(int(v) for v in x)


class ConvKernels:
    """im2col / col2im and pooling; mixed into CpuBackend."""

    @staticmethod
    def im2col(cols, input, kernel, stride, padding, dilation):
        _conv.im2col(cols, input, _tup(kernel), _tup(stride), _tup(padding), _tup(dilation),
                     _map.get_num_threads())

    @staticmethod
    def col2im(out, cols, kernel, stride, padding, dilation):
        c = _f32(cols) if _is_half(cols) else cols
        o = _scratch(out)
        _conv.col2im(o, c, _tup(kernel), _tup(stride), _tup(padding), _tup(dilation),
                     _map.get_num_threads())
        _writeback(out, o)

    @staticmethod
    def max_pool(out, indices, input, windows):
        x = _f32(input) if _is_half(input) else _contig(input)
        o = _scratch(out)
        _pool.max_pool(o, indices, x, tuple(windows), _map.get_num_threads())
        _writeback(out, o)

    @staticmethod
    def max_pool_backward(grad_input, grad_output, indices, windows=None):
        go = _f32(grad_output) if _is_half(grad_output) else _contig(grad_output)
        gi = _scratch(grad_input)
        _pool.scatter_planes(gi, go, _contig(indices), _map.get_num_threads())
        _writeback(grad_input, gi)

    @staticmethod
    def avg_pool(out, input, windows, divisors, divisor_override=None):
        x = _f32(input) if _is_half(input) else _contig(input)
        o = _scratch(out)
        _pool.avg_pool(o, x, tuple(windows), tuple(divisors), float(divisor_override or 0),
                       _map.get_num_threads())
        _writeback(out, o)

    @staticmethod
    def avg_pool_backward(grad_input, grad_output, windows, divisors, divisor_override=None):
        go = _f32(grad_output) if _is_half(grad_output) else _contig(grad_output)
        gi = _scratch(grad_input)
        _pool.avg_pool_backward(gi, go, tuple(windows), tuple(divisors), float(divisor_override or 0),
                                _map.get_num_threads())
        _writeback(grad_input, gi)
