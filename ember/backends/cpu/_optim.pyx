"""Fused optimizer updates for the CPU: one pass over a parameter and its state per step.

PyTorch's for-loop optimizers run 4-8 elementwise ops per parameter (each a pass over memory and
some a temporary); these loops read the gradient and the state once and write the parameter and
the state once. The arithmetic follows PyTorch's single-tensor op sequence for each algorithm
(maximize, weight decay, lerp, mul-then-addcmul, sqrt + eps, addcdiv, ...) in the tensor's own
precision, with the scalars rounded to it first, as PyTorch's kernels do. Scalars that depend on
the step count (bias corrections, learning-rate schedules inside the algorithm) are computed by
the caller in double precision, as PyTorch computes them in Python.

Every array is contiguous, of `n` elements, all float32 or all float64 (the caller checks).
State arrays an algorithm does not use in its configuration may be passed as address 0.

Layout: one `*_range` loop per algorithm over [lo, hi); `_drive` splits [0, n) into chunks over
OpenMP threads and `_range` switches on the algorithm outside the loops.
"""
from cython.parallel cimport prange
from libc.math cimport sqrt, sqrtf, fabs, fabsf
from libc.stdint cimport uintptr_t

ctypedef fused flt_t:
    float
    double

cdef Py_ssize_t PAR_MIN = 1 << 15       # elements below which one thread does it all
cdef Py_ssize_t CHUNK = 1 << 13          # elements per parallel work item


cdef enum Algo:
    SGD, ADAM, RMSPROP, ADAGRAD, ADADELTA, ADAMAX, NADAM, RADAM


cdef struct SgdArgs:
    double lr, momentum, dampening, weight_decay
    bint nesterov, maximize, first


cdef struct AdamArgs:
    double lr, beta1, beta2, eps, weight_decay, step_size, bias_correction2_sqrt
    bint amsgrad, maximize, decoupled_weight_decay


cdef struct RmspropArgs:
    double lr, alpha, eps, weight_decay, momentum
    bint centered, maximize


cdef struct AdagradArgs:
    double clr, weight_decay, eps
    bint maximize


cdef struct AdadeltaArgs:
    double lr, rho, eps, weight_decay
    bint maximize


cdef struct AdamaxArgs:
    double clr, beta1, beta2, eps, weight_decay
    bint maximize


cdef struct NadamArgs:
    double lr, beta1, beta2, eps, weight_decay, bias_correction2, grad_coef, exp_avg_coef
    bint decoupled_weight_decay, maximize


cdef struct RadamArgs:
    double lr, beta1, beta2, eps, weight_decay, bias_correction1, bias_correction2_sqrt, rect
    bint rectified, decoupled_weight_decay, maximize


cdef union Args:
    SgdArgs sgd
    AdamArgs adam
    RmspropArgs rmsprop
    AdagradArgs adagrad
    AdadeltaArgs adadelta
    AdamaxArgs adamax
    NadamArgs nadam
    RadamArgs radam


cdef struct Job:
    Algo algo
    Args a


cdef inline flt_t _sqrt(flt_t x) noexcept nogil:
    if flt_t is float:
        return sqrtf(x)
    else:
        return sqrt(x)


cdef inline flt_t _abs(flt_t x) noexcept nogil:
    if flt_t is float:
        return fabsf(x)
    else:
        return fabs(x)


cdef inline flt_t _lerp(flt_t a, flt_t b, flt_t w, flt_t one_w, bint low_w) noexcept nogil:
    """a + w*(b - a) as PyTorch computes it: from the nearer end of the weight."""
    return (a + w * (b - a)) if low_w else (b - (b - a) * one_w)


cdef inline flt_t _max_nan(flt_t a, flt_t b) noexcept nogil:
    """maximum(a, b), NaN-propagating like torch.maximum (a bitwise `|`: a short-circuit `or`
    is control flow, which keeps gcc from vectorizing the loop)."""
    cdef bint pick_a = (a > b) | (a != a)
    return a if pick_a else b


# Each loop copies what it reads from the args into locals first: through the pointer the
# compiler would have to assume the stores to p / state may change it, and would neither
# unswitch the branches nor vectorize.

cdef void _sgd_range(flt_t* p, const flt_t* g, flt_t* buf, Py_ssize_t lo, Py_ssize_t hi,
                     const SgdArgs* a) noexcept nogil:
    cdef Py_ssize_t i
    cdef flt_t wd = <flt_t>a.weight_decay, mom = <flt_t>a.momentum
    cdef flt_t damp = <flt_t>(1.0 - a.dampening), neg_lr = <flt_t>(-a.lr)
    cdef flt_t sign = -1 if a.maximize else 1, x, b
    cdef bint decay = a.weight_decay != 0, has_momentum = a.momentum != 0, first = a.first
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


cdef void _adam_range(flt_t* p, const flt_t* g, flt_t* m, flt_t* v, flt_t* vmax,
                      Py_ssize_t lo, Py_ssize_t hi, const AdamArgs* a) noexcept nogil:
    cdef Py_ssize_t i
    cdef flt_t w = <flt_t>(1.0 - a.beta1), b2 = <flt_t>a.beta2, c2 = <flt_t>(1.0 - a.beta2)
    cdef flt_t wd = <flt_t>a.weight_decay, decay = <flt_t>(1.0 - a.lr * a.weight_decay)
    cdef flt_t eps = <flt_t>a.eps, bc2 = <flt_t>a.bias_correction2_sqrt
    cdef flt_t neg_step = <flt_t>(-a.step_size), one_w = 1 - w
    cdef flt_t sign = -1 if a.maximize else 1
    cdef flt_t x, pi, mi, vi, vm
    cdef bint low_w = fabs(w) < 0.5
    cdef bint l2 = a.weight_decay != 0 and not a.decoupled_weight_decay
    cdef bint decoupled = a.weight_decay != 0 and a.decoupled_weight_decay
    # two loops, so that the common one has no conditional memory access and vectorizes
    if not a.amsgrad:
        for i in range(lo, hi):
            x = sign * g[i]
            pi = p[i] * decay if decoupled else p[i]
            if l2:
                x = x + wd * pi
            mi = _lerp(m[i], x, w, one_w, low_w)
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
            mi = _lerp(m[i], x, w, one_w, low_w)
            m[i] = mi
            vi = v[i] * b2
            vi = vi + c2 * x * x
            v[i] = vi
            vi = _max_nan(vmax[i], vi)
            vmax[i] = vi
            p[i] = pi + neg_step * mi / (_sqrt(vi) / bc2 + eps)


cdef inline void _rmsprop_loop(flt_t* p, const flt_t* g, flt_t* sq, flt_t* gavg, flt_t* buf,
                               Py_ssize_t lo, Py_ssize_t hi, const RmspropArgs* a,
                               bint centered, bint has_momentum) noexcept nogil:
    cdef Py_ssize_t i
    cdef flt_t alpha = <flt_t>a.alpha, c = <flt_t>(1.0 - a.alpha), one_c = 1 - c
    cdef flt_t wd = <flt_t>a.weight_decay, eps = <flt_t>a.eps, mom = <flt_t>a.momentum
    cdef flt_t neg_lr = <flt_t>(-a.lr), sign = -1 if a.maximize else 1
    cdef flt_t x, vi, gi, avg, b
    cdef bint low_c = fabs(c) < 0.5, decay = a.weight_decay != 0
    for i in range(lo, hi):
        x = sign * g[i]
        if decay:
            x = x + wd * p[i]
        vi = sq[i] * alpha
        vi = vi + c * x * x
        sq[i] = vi
        if centered:
            gi = _lerp(gavg[i], x, c, one_c, low_c)
            gavg[i] = gi
            avg = _sqrt(vi - gi * gi)
        else:
            avg = _sqrt(vi)
        avg = avg + eps
        if has_momentum:
            b = buf[i] * mom
            b = b + x / avg
            buf[i] = b
            p[i] = p[i] + neg_lr * b
        else:
            p[i] = p[i] + neg_lr * x / avg


cdef void _rmsprop_range(flt_t* p, const flt_t* g, flt_t* sq, flt_t* gavg, flt_t* buf,
                         Py_ssize_t lo, Py_ssize_t hi, const RmspropArgs* a) noexcept nogil:
    # one loop per option pair, each with constant flags: a load that only happens under a
    # run-time flag (gavg, buf) keeps gcc from vectorizing
    if a.centered and a.momentum > 0:
        _rmsprop_loop(p, g, sq, gavg, buf, lo, hi, a, True, True)
    elif a.centered:
        _rmsprop_loop(p, g, sq, gavg, buf, lo, hi, a, True, False)
    elif a.momentum > 0:
        _rmsprop_loop(p, g, sq, gavg, buf, lo, hi, a, False, True)
    else:
        _rmsprop_loop(p, g, sq, gavg, buf, lo, hi, a, False, False)


cdef void _adagrad_range(flt_t* p, const flt_t* g, flt_t* s, Py_ssize_t lo, Py_ssize_t hi,
                         const AdagradArgs* a) noexcept nogil:
    cdef Py_ssize_t i
    cdef flt_t wd = <flt_t>a.weight_decay, eps = <flt_t>a.eps, neg_clr = <flt_t>(-a.clr)
    cdef flt_t sign = -1 if a.maximize else 1, x, si
    cdef bint decay = a.weight_decay != 0
    for i in range(lo, hi):
        x = sign * g[i]
        if decay:
            x = x + wd * p[i]
        si = s[i] + x * x
        s[i] = si
        p[i] = p[i] + neg_clr * x / (_sqrt(si) + eps)


cdef void _adadelta_range(flt_t* p, const flt_t* g, flt_t* sq, flt_t* acc, Py_ssize_t lo,
                          Py_ssize_t hi, const AdadeltaArgs* a) noexcept nogil:
    cdef Py_ssize_t i
    cdef flt_t rho = <flt_t>a.rho, c = <flt_t>(1.0 - a.rho), eps = <flt_t>a.eps
    cdef flt_t wd = <flt_t>a.weight_decay, neg_lr = <flt_t>(-a.lr)
    cdef flt_t sign = -1 if a.maximize else 1, x, vi, delta, ui
    cdef bint decay = a.weight_decay != 0
    for i in range(lo, hi):
        x = sign * g[i]
        if decay:
            x = x + wd * p[i]
        vi = sq[i] * rho
        vi = vi + c * x * x
        sq[i] = vi
        delta = _sqrt(acc[i] + eps) / _sqrt(vi + eps)
        delta = delta * x
        ui = acc[i] * rho
        acc[i] = ui + c * delta * delta
        p[i] = p[i] + neg_lr * delta


cdef void _adamax_range(flt_t* p, const flt_t* g, flt_t* m, flt_t* u, Py_ssize_t lo,
                        Py_ssize_t hi, const AdamaxArgs* a) noexcept nogil:
    cdef Py_ssize_t i
    cdef flt_t w = <flt_t>(1.0 - a.beta1), one_w = 1 - w, b2 = <flt_t>a.beta2
    cdef flt_t eps = <flt_t>a.eps, wd = <flt_t>a.weight_decay, neg_clr = <flt_t>(-a.clr)
    cdef flt_t sign = -1 if a.maximize else 1, x, mi, ui
    cdef bint low_w = fabs(w) < 0.5, decay = a.weight_decay != 0
    for i in range(lo, hi):
        x = sign * g[i]
        if decay:
            x = x + wd * p[i]
        mi = _lerp(m[i], x, w, one_w, low_w)
        m[i] = mi
        ui = _max_nan(u[i] * b2, _abs(x) + eps)
        u[i] = ui
        p[i] = p[i] + neg_clr * mi / ui


cdef void _nadam_range(flt_t* p, const flt_t* g, flt_t* m, flt_t* v, Py_ssize_t lo,
                       Py_ssize_t hi, const NadamArgs* a) noexcept nogil:
    cdef Py_ssize_t i
    cdef flt_t w = <flt_t>(1.0 - a.beta1), one_w = 1 - w, b2 = <flt_t>a.beta2
    cdef flt_t c2 = <flt_t>(1.0 - a.beta2), eps = <flt_t>a.eps, bc2 = <flt_t>a.bias_correction2
    cdef flt_t wd = <flt_t>a.weight_decay, decay = <flt_t>(1.0 - a.lr * a.weight_decay)
    cdef flt_t cg = <flt_t>a.grad_coef, cm = <flt_t>a.exp_avg_coef
    cdef flt_t sign = -1 if a.maximize else 1, x, pi, mi, vi, den
    cdef bint low_w = fabs(w) < 0.5
    cdef bint l2 = a.weight_decay != 0 and not a.decoupled_weight_decay
    cdef bint decoupled = a.weight_decay != 0 and a.decoupled_weight_decay
    for i in range(lo, hi):
        x = sign * g[i]
        pi = p[i] * decay if decoupled else p[i]
        if l2:
            x = x + wd * pi
        mi = _lerp(m[i], x, w, one_w, low_w)
        m[i] = mi
        vi = v[i] * b2
        vi = vi + c2 * x * x
        v[i] = vi
        den = _sqrt(vi / bc2) + eps
        pi = pi + cg * x / den
        p[i] = pi + cm * mi / den


cdef void _radam_range(flt_t* p, const flt_t* g, flt_t* m, flt_t* v, Py_ssize_t lo,
                       Py_ssize_t hi, const RadamArgs* a) noexcept nogil:
    cdef Py_ssize_t i
    cdef flt_t w = <flt_t>(1.0 - a.beta1), one_w = 1 - w, b2 = <flt_t>a.beta2
    cdef flt_t c2 = <flt_t>(1.0 - a.beta2), eps = <flt_t>a.eps, lr = <flt_t>a.lr
    cdef flt_t bc1 = <flt_t>a.bias_correction1, bc2s = <flt_t>a.bias_correction2_sqrt
    cdef flt_t rect = <flt_t>a.rect, one = 1
    cdef flt_t wd = <flt_t>a.weight_decay, decay = <flt_t>(1.0 - a.lr * a.weight_decay)
    cdef flt_t sign = -1 if a.maximize else 1, x, pi, mi, vi, upd
    cdef bint low_w = fabs(w) < 0.5, rectified = a.rectified
    cdef bint l2 = a.weight_decay != 0 and not a.decoupled_weight_decay
    cdef bint decoupled = a.weight_decay != 0 and a.decoupled_weight_decay
    for i in range(lo, hi):
        x = sign * g[i]
        pi = p[i] * decay if decoupled else p[i]
        if l2:
            x = x + wd * pi
        mi = _lerp(m[i], x, w, one_w, low_w)
        m[i] = mi
        vi = v[i] * b2
        vi = vi + c2 * x * x
        v[i] = vi
        upd = mi / bc1 * lr
        if rectified:
            # PyTorch: (m / bc1 * lr) * (bc2_sqrt / (sqrt(v) + eps)) * rect, where a number
            # divided by a tensor is the tensor's reciprocal times the number
            upd = upd * ((one / (_sqrt(vi) + eps)) * bc2s) * rect
        p[i] = pi - upd


cdef void _range(const Job* j, flt_t* p, const flt_t* g, flt_t* s0, flt_t* s1, flt_t* s2,
                 Py_ssize_t lo, Py_ssize_t hi) noexcept nogil:
    if j.algo == SGD:
        _sgd_range(p, g, s0, lo, hi, &j.a.sgd)
    elif j.algo == ADAM:
        _adam_range(p, g, s0, s1, s2, lo, hi, &j.a.adam)
    elif j.algo == RMSPROP:
        _rmsprop_range(p, g, s0, s1, s2, lo, hi, &j.a.rmsprop)
    elif j.algo == ADAGRAD:
        _adagrad_range(p, g, s0, lo, hi, &j.a.adagrad)
    elif j.algo == ADADELTA:
        _adadelta_range(p, g, s0, s1, lo, hi, &j.a.adadelta)
    elif j.algo == ADAMAX:
        _adamax_range(p, g, s0, s1, lo, hi, &j.a.adamax)
    elif j.algo == NADAM:
        _nadam_range(p, g, s0, s1, lo, hi, &j.a.nadam)
    elif j.algo == RADAM:
        _radam_range(p, g, s0, s1, lo, hi, &j.a.radam)


cdef void _drive(const Job* j, flt_t* p, const flt_t* g, flt_t* s0, flt_t* s1, flt_t* s2,
                 Py_ssize_t n, int nthreads) noexcept nogil:
    cdef Py_ssize_t c, nchunks = (n + CHUNK - 1) // CHUNK, hi
    if n < PAR_MIN or nthreads <= 1:
        _range(j, p, g, s0, s1, s2, 0, n)
        return
    for c in prange(nchunks, num_threads=nthreads, schedule="static"):
        hi = (c + 1) * CHUNK
        if hi > n:
            hi = n
        _range(j, p, g, s0, s1, s2, c * CHUNK, hi)


cdef _run(Job* j, bint is_double, uintptr_t p, uintptr_t g, uintptr_t s0, uintptr_t s1,
          uintptr_t s2, Py_ssize_t n, int nthreads):
    with nogil:
        if is_double:
            _drive(j, <double*>p, <double*>g, <double*>s0, <double*>s1, <double*>s2, n, nthreads)
        else:
            _drive(j, <float*>p, <float*>g, <float*>s0, <float*>s1, <float*>s2, n, nthreads)


# -- entry points: addresses of contiguous arrays, the algorithm's scalars by name ---------------
# (Cython fills each Args struct from the keyword dict and raises on a missing field.)

def sgd(bint is_double, uintptr_t p, uintptr_t g, uintptr_t buf, Py_ssize_t n, int nthreads,
        **scalars):
    """p -= lr * (g or the momentum buffer, Nesterov-corrected); buf (0 when momentum == 0) is
    the momentum buffer, which `first` initialises to the (decayed, signed) gradient.
    Scalars: lr, momentum, dampening, weight_decay, nesterov, maximize, first."""
    cdef Job j
    j.algo = SGD
    j.a.sgd = scalars
    _run(&j, is_double, p, g, buf, 0, 0, n, nthreads)


def adam(bint is_double, uintptr_t p, uintptr_t g, uintptr_t m, uintptr_t v, uintptr_t vmax,
         Py_ssize_t n, int nthreads, **scalars):
    """p -= step_size * m / (sqrt(v) / bias_correction2_sqrt + eps) (v: the running max of v
    with amsgrad; vmax may be 0 otherwise). Scalars: lr, beta1, beta2, eps, weight_decay,
    step_size, bias_correction2_sqrt, amsgrad, maximize, decoupled_weight_decay."""
    cdef Job j
    j.algo = ADAM
    j.a.adam = scalars
    _run(&j, is_double, p, g, m, v, vmax, n, nthreads)


def rmsprop(bint is_double, uintptr_t p, uintptr_t g, uintptr_t square_avg, uintptr_t grad_avg,
            uintptr_t buf, Py_ssize_t n, int nthreads, **scalars):
    """p -= lr * g / (sqrt(square_avg [- grad_avg^2]) + eps), through the momentum buffer when
    momentum > 0 (grad_avg is 0 unless centered, buf 0 unless momentum > 0).
    Scalars: lr, alpha, eps, weight_decay, momentum, centered, maximize."""
    cdef Job j
    j.algo = RMSPROP
    j.a.rmsprop = scalars
    _run(&j, is_double, p, g, square_avg, grad_avg, buf, n, nthreads)


def adagrad(bint is_double, uintptr_t p, uintptr_t g, uintptr_t state_sum, Py_ssize_t n,
            int nthreads, **scalars):
    """sum += g^2; p -= clr * g / (sqrt(sum) + eps). Scalars: clr, weight_decay, eps,
    maximize."""
    cdef Job j
    j.algo = ADAGRAD
    j.a.adagrad = scalars
    _run(&j, is_double, p, g, state_sum, 0, 0, n, nthreads)


def adadelta(bint is_double, uintptr_t p, uintptr_t g, uintptr_t square_avg,
             uintptr_t acc_delta, Py_ssize_t n, int nthreads, **scalars):
    """delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g; p -= lr * delta.
    Scalars: lr, rho, eps, weight_decay, maximize."""
    cdef Job j
    j.algo = ADADELTA
    j.a.adadelta = scalars
    _run(&j, is_double, p, g, square_avg, acc_delta, 0, n, nthreads)


def adamax(bint is_double, uintptr_t p, uintptr_t g, uintptr_t exp_avg, uintptr_t exp_inf,
           Py_ssize_t n, int nthreads, **scalars):
    """exp_inf = max(beta2 * exp_inf, |g| + eps); p -= clr * exp_avg / exp_inf.
    Scalars: clr, beta1, beta2, eps, weight_decay, maximize."""
    cdef Job j
    j.algo = ADAMAX
    j.a.adamax = scalars
    _run(&j, is_double, p, g, exp_avg, exp_inf, 0, n, nthreads)


def nadam(bint is_double, uintptr_t p, uintptr_t g, uintptr_t exp_avg, uintptr_t exp_avg_sq,
          Py_ssize_t n, int nthreads, **scalars):
    """p += (grad_coef * g + exp_avg_coef * exp_avg) / (sqrt(exp_avg_sq / bias_correction2) +
    eps), as two addcdivs. Scalars: lr, beta1, beta2, eps, weight_decay, bias_correction2,
    grad_coef, exp_avg_coef, decoupled_weight_decay, maximize."""
    cdef Job j
    j.algo = NADAM
    j.a.nadam = scalars
    _run(&j, is_double, p, g, exp_avg, exp_avg_sq, 0, n, nthreads)


def radam(bint is_double, uintptr_t p, uintptr_t g, uintptr_t exp_avg, uintptr_t exp_avg_sq,
          Py_ssize_t n, int nthreads, **scalars):
    """p -= exp_avg / bias_correction1 * lr [* bias_correction2_sqrt / (sqrt(exp_avg_sq) + eps)
    * rect when rectified]. Scalars: lr, beta1, beta2, eps, weight_decay, bias_correction1,
    bias_correction2_sqrt, rect, rectified, decoupled_weight_decay, maximize."""
    cdef Job j
    j.algo = RADAM
    j.a.radam = scalars
    _run(&j, is_double, p, g, exp_avg, exp_avg_sq, 0, n, nthreads)
