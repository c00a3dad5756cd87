"""Fused optimizer updates for the CPU: one pass over a parameter and its state per step.

PyTorch's for-loop optimizers run 4-6 elementwise ops per parameter (each a pass over memory and
some a temporary); these loops read the gradient and the state once and write the parameter and
the state once. The arithmetic follows PyTorch's op sequence (maximize, weight decay, lerp,
mul-then-addcmul, sqrt / bias correction + eps, addcdiv) in the tensor's own precision, with the
scalars rounded to it first, as PyTorch's kernels do.

Every array is contiguous, of `n` elements, all float32 or all float64 (the caller checks).
"""
from cython.parallel cimport prange
from libc.math cimport sqrt, sqrtf, fabs
from libc.stdint cimport uintptr_t

ctypedef fused flt_t:
    float
    double

cdef Py_ssize_t PAR_MIN = 1 << 15       # elements below which one thread does it all
cdef Py_ssize_t CHUNK = 1 << 13          # elements per parallel work item


# ------------------------------------------------------------------------------------------------
# Adam / AdamW
cdef struct AdamArgs:
    double lr, beta1, beta2, eps, wd, step_size, bc2_sqrt
    int amsgrad, maximize, decoupled


cdef inline flt_t _sqrt(flt_t x) noexcept nogil:
    if flt_t is float:
        return sqrtf(x)
    else:
        return sqrt(x)


cdef void _adam_range(flt_t* p, const flt_t* g, flt_t* m, flt_t* v, flt_t* vmax,
                      Py_ssize_t lo, Py_ssize_t hi, AdamArgs* a) noexcept nogil:
    # Everything the loop reads is copied into locals: through `a` the compiler would have to
    # assume the stores to p/m/v may change it, and would neither unswitch nor vectorize.
    cdef Py_ssize_t i
    cdef flt_t w = <flt_t>(1.0 - a.beta1), b2 = <flt_t>a.beta2, c2 = <flt_t>(1.0 - a.beta2)
    cdef flt_t wd = <flt_t>a.wd, decay = <flt_t>(1.0 - a.lr * a.wd), eps = <flt_t>a.eps
    cdef flt_t bc2 = <flt_t>a.bc2_sqrt, neg_step = <flt_t>(-a.step_size), one_w = 1 - w
    cdef flt_t sign = -1 if a.maximize else 1
    cdef flt_t x, pi, mi, vi, vm
    cdef bint low_w = fabs(w) < 0.5
    cdef bint l2 = a.wd != 0 and not a.decoupled, decoupled = a.wd != 0 and a.decoupled
    # two loops, so that the common one has no conditional memory access and vectorizes
    if not a.amsgrad:
        for i in range(lo, hi):
            x = sign * g[i]
            pi = p[i] * decay if decoupled else p[i]
            if l2:
                x = x + wd * pi
            mi = m[i]
            # lerp as PyTorch computes it: from the nearer end of the weight
            mi = (mi + w * (x - mi)) if low_w else (x - (x - mi) * one_w)
            m[i] = mi
            vi = v[i] * b2
            vi = vi + c2 * x * x
            v[i] = vi
            p[i] = pi + neg_step * mi / (_sqrt(vi) / bc2 + eps)
    else:
        for i in range(lo, hi):
            x = sign * g[i]
            pi = p[i] * decay if decoupled else p[i]
            if l2:
                x = x + wd * pi
            mi = m[i]
            mi = (mi + w * (x - mi)) if low_w else (x - (x - mi) * one_w)
            m[i] = mi
            vi = v[i] * b2
            vi = vi + c2 * x * x
            v[i] = vi
            vm = vmax[i]
            vi = vm if (vm > vi or vm != vm) else vi      # maximum, NaN-propagating
            vmax[i] = vi
            p[i] = pi + neg_step * mi / (_sqrt(vi) / bc2 + eps)


cdef void _adam(flt_t* p, const flt_t* g, flt_t* m, flt_t* v, flt_t* vmax, Py_ssize_t n,
                AdamArgs* a, int nthreads) noexcept nogil:
    cdef Py_ssize_t c, nchunks = (n + CHUNK - 1) // CHUNK, hi
    if n < PAR_MIN or nthreads <= 1:
        _adam_range(p, g, m, v, vmax, 0, n, a)
        return
    for c in prange(nchunks, num_threads=nthreads, schedule="static"):
        hi = (c + 1) * CHUNK
        if hi > n:
            hi = n
        _adam_range(p, g, m, v, vmax, c * CHUNK, hi, a)


def adam(bint is_double, uintptr_t p, uintptr_t g, uintptr_t m, uintptr_t v, uintptr_t vmax,
         Py_ssize_t n, double lr, double beta1, double beta2, double eps, double weight_decay,
         double step_size, double bc2_sqrt, bint amsgrad, bint maximize, bint decoupled,
         int nthreads):
    """One Adam/AdamW step over n elements (addresses of contiguous arrays; vmax may be 0 when
    not amsgrad). step_size = lr / (1 - beta1**t), bc2_sqrt = sqrt(1 - beta2**t)."""
    cdef AdamArgs a
    a.lr, a.beta1, a.beta2, a.eps, a.wd = lr, beta1, beta2, eps, weight_decay
    a.step_size, a.bc2_sqrt = step_size, bc2_sqrt
    a.amsgrad, a.maximize, a.decoupled = amsgrad, maximize, decoupled
    with nogil:
        if is_double:
            _adam(<double*>p, <double*>g, <double*>m, <double*>v, <double*>vmax, n, &a, nthreads)
        else:
            _adam(<float*>p, <float*>g, <float*>m, <float*>v, <float*>vmax, n, &a, nthreads)


# ------------------------------------------------------------------------------------------------
# SGD
cdef struct SgdArgs:
    double lr, momentum, dampening, wd
    int nesterov, maximize, first, has_momentum


cdef void _sgd_range(flt_t* p, const flt_t* g, flt_t* buf, Py_ssize_t lo, Py_ssize_t hi,
                     SgdArgs* a) noexcept nogil:
    cdef Py_ssize_t i
    cdef flt_t wd = <flt_t>a.wd, mom = <flt_t>a.momentum, damp = <flt_t>(1.0 - a.dampening)
    cdef flt_t neg_lr = <flt_t>(-a.lr), sign = -1 if a.maximize else 1, x, b
    cdef bint decay = a.wd != 0, has_momentum = a.has_momentum, first = a.first
    cdef bint nesterov = a.nesterov
    for i in range(lo, hi):
        x = sign * g[i]
        if decay:
            x = x + wd * p[i]
        if has_momentum:
            if first:
                b = x
            else:
                b = buf[i] * mom
                b = b + damp * x
            buf[i] = b
            x = (x + mom * b) if nesterov else b
        p[i] = p[i] + neg_lr * x


cdef void _sgd(flt_t* p, const flt_t* g, flt_t* buf, Py_ssize_t n, SgdArgs* a,
               int nthreads) noexcept nogil:
    cdef Py_ssize_t c, nchunks = (n + CHUNK - 1) // CHUNK, hi
    if n < PAR_MIN or nthreads <= 1:
        _sgd_range(p, g, buf, 0, n, a)
        return
    for c in prange(nchunks, num_threads=nthreads, schedule="static"):
        hi = (c + 1) * CHUNK
        if hi > n:
            hi = n
        _sgd_range(p, g, buf, c * CHUNK, hi, a)


def sgd(bint is_double, uintptr_t p, uintptr_t g, uintptr_t buf, Py_ssize_t n, double lr,
        double momentum, double dampening, double weight_decay, bint nesterov, bint maximize,
        bint first, int nthreads):
    """One SGD step over n elements; buf (0 when momentum == 0) is the momentum buffer, which
    `first` initialises to the (decayed, signed) gradient as PyTorch's first step does."""
    cdef SgdArgs a
    a.lr, a.momentum, a.dampening, a.wd = lr, momentum, dampening, weight_decay
    a.nesterov, a.maximize, a.first, a.has_momentum = nesterov, maximize, first, momentum != 0
    with nogil:
        if is_double:
            _sgd(<double*>p, <double*>g, <double*>buf, n, &a, nthreads)
        else:
            _sgd(<float*>p, <float*>g, <float*>buf, n, &a, nthreads)
