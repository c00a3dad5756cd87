"""Normalization and loss kernels for the CPU (float32 / float64; the caller converts half types).

Every function fills tensors the caller allocated; all tensors are contiguous, and "optional"
tensors may be None. Rows (or channels, or samples) are split across `nthreads` OpenMP threads
when the work is large enough to pay for the fork. Inner loops live in _nn_c.h.

* layer_norm / layer_norm_backward: per-row statistics over the last n elements of a (rows, n)
  input (accumulated in double: one pass for float32, two for float64; the row stays in cache
  for the output sweep), affine by (n,) weight and bias. The backward computes the input
  gradient and the per-chunk affine gradients in one sweep of each row.
* group_norm: layer-norm statistics over each (sample, group of channels), with the per-channel
  affine applied in the same sweep.
* channel_moments / channel_dot / channel_affine: the building blocks of batch norm over a
  (N, C, S) input: per-channel mean and biased variance, per-channel sums of g and g*(x-mean),
  and out = a*ka[c] + b*kb[c] + kc[c].
* cross_entropy / cross_entropy_backward: fused log-softmax + NLL (+ label smoothing) over a
  (N, C, S) input, class stride S, targets (N*S,).
* ctc_loss / ctc_loss_backward: the CTC alpha recursion in log space (one batch element per
  thread, each time step's states updated as a vector), and the gradient with respect to the
  log-probabilities by the alpha-beta formula.
"""
from cython.parallel cimport prange
from libc.stdint cimport int64_t
from libc.math cimport INFINITY, NAN, sqrt, isinf
from libc.stdlib cimport malloc, calloc, free
from ember.backends.cpu._storage cimport Storage

cdef extern from "_nn_c.h" nogil:
    double en_sum_f32(const float* x, int64_t n)
    double en_sum_f64(const double* x, int64_t n)
    double en_sqdev_f32(const float* x, int64_t n, double m)
    double en_sqdev_f64(const double* x, int64_t n, double m)
    double en_dotdev_f32(const float* g, const float* x, int64_t n, double m)
    double en_dotdev_f64(const double* g, const double* x, int64_t n, double m)
    void en_norm_row_f32(const float* x, float* y, const float* w, const float* b, int64_t n, float m, float r)
    void en_norm_row_f64(const double* x, double* y, const double* w, const double* b, int64_t n, double m, double r)
    void en_ln_bwd_row_f32(const float* g, const float* x, const float* w, int64_t n, float m, float r, float* gi, double* gwa, double* gba)
    void en_ln_bwd_row_f64(const double* g, const double* x, const double* w, int64_t n, double m, double r, double* gi, double* gwa, double* gba)
    void en_ln_acc_row_f32(const float* g, const float* x, int64_t n, float m, float r, double* gw, double* gb)
    void en_ln_acc_row_f64(const double* g, const double* x, int64_t n, double m, double r, double* gw, double* gb)
    void en_affine_run_f32(const float* a, const float* b, float* y, int64_t n, float ka, float kb, float kc)
    void en_affine_run_f64(const double* a, const double* b, double* y, int64_t n, double ka, double kb, double kc)
    void en_affine_row_f32(const float* a, const float* b, float* y, int64_t n, const float* ka, const float* kb, const float* kc)
    void en_affine_row_f64(const double* a, const double* b, double* y, int64_t n, const double* ka, const double* kb, const double* kc)
    void en_colsum_f32(const float* x, int64_t n, double* acc)
    void en_colsum_f64(const double* x, int64_t n, double* acc)
    void en_colsqdev_f32(const float* x, int64_t n, const double* m, double* acc)
    void en_colsqdev_f64(const double* x, int64_t n, const double* m, double* acc)
    void en_coldot_f32(const float* g, const float* x, int64_t n, const double* m, double* sg, double* sgx)
    void en_coldot_f64(const double* g, const double* x, int64_t n, const double* m, double* sg, double* sgx)
    double en_lse_f32(const float* x, int64_t C, int64_t st)
    double en_lse_f64(const double* x, int64_t C, int64_t st)
    double en_wsum_f32(const float* x, const float* w, int64_t C, int64_t st)
    double en_wsum_f64(const double* x, const double* w, int64_t C, int64_t st)
    void en_ce_bwd_row_f32(const float* x, float* gi, const float* w, int64_t C, int64_t st, float lse, float a, float b)
    void en_ce_bwd_row_f64(const double* x, double* gi, const double* w, int64_t C, int64_t st, double lse, double a, double b)
    double en_ctc_alpha_f32(const float* lp, int64_t tst, const int64_t* lab, const unsigned char* skip, int64_t S, int64_t Tb, float* la, int64_t Smax)
    double en_ctc_alpha_f64(const double* lp, int64_t tst, const int64_t* lab, const unsigned char* skip, int64_t S, int64_t Tb, double* la, int64_t Smax)
    void en_ctc_grad_f32(const float* lp, int64_t tst, const int64_t* lab, const unsigned char* skip, int64_t S, int64_t Tb, int64_t C, const float* la, int64_t Smax, double nll, double g, float* gr, float* work)
    void en_ctc_grad_f64(const double* lp, int64_t tst, const int64_t* lab, const unsigned char* skip, int64_t S, int64_t Tb, int64_t C, const double* la, int64_t Smax, double nll, double g, double* gr, double* work)
    void en_moments_f32(const float* x, int64_t n, double* mean, double* var)
    void en_moments_f64(const double* x, int64_t n, double* mean, double* var)

ctypedef fused flt_t:
    float
    double

cdef enum:
    D_F32 = 8
    D_F64 = 9

cdef Py_ssize_t PAR_MIN = 1 << 15     # elements below which one thread does it all


cdef inline char* _ptr(t):
    """Address of t's first element, or NULL for None."""
    if t is None:
        return NULL
    cdef Storage st = t._storage
    return st.data + <Py_ssize_t>t._offset * <Py_ssize_t>t.dtype.itemsize


cdef inline int _threads(Py_ssize_t work, int nthreads) noexcept:
    return nthreads if work >= PAR_MIN and nthreads > 1 else 1


# ------------------------------------------------------------------------------------------------
# thin fused-type shims over the C loops
cdef inline double _sum(const flt_t* x, int64_t n) noexcept nogil:
    if flt_t is float:
        return en_sum_f32(x, n)
    else:
        return en_sum_f64(x, n)


cdef inline double _sqdev(const flt_t* x, int64_t n, double m) noexcept nogil:
    if flt_t is float:
        return en_sqdev_f32(x, n, m)
    else:
        return en_sqdev_f64(x, n, m)


cdef inline double _dotdev(const flt_t* g, const flt_t* x, int64_t n, double m) noexcept nogil:
    if flt_t is float:
        return en_dotdev_f32(g, x, n, m)
    else:
        return en_dotdev_f64(g, x, n, m)


cdef inline void _norm_row(const flt_t* x, flt_t* y, const flt_t* w, const flt_t* b, int64_t n,
                           flt_t m, flt_t r) noexcept nogil:
    if flt_t is float:
        en_norm_row_f32(x, y, w, b, n, m, r)
    else:
        en_norm_row_f64(x, y, w, b, n, m, r)


cdef inline void _affine_run(const flt_t* a, const flt_t* b, flt_t* y, int64_t n, flt_t ka,
                             flt_t kb, flt_t kc) noexcept nogil:
    if flt_t is float:
        en_affine_run_f32(a, b, y, n, ka, kb, kc)
    else:
        en_affine_run_f64(a, b, y, n, ka, kb, kc)


cdef inline void _affine_row(const flt_t* a, const flt_t* b, flt_t* y, int64_t n, const flt_t* ka,
                             const flt_t* kb, const flt_t* kc) noexcept nogil:
    if flt_t is float:
        en_affine_row_f32(a, b, y, n, ka, kb, kc)
    else:
        en_affine_row_f64(a, b, y, n, ka, kb, kc)


cdef inline double _lse(const flt_t* x, int64_t C, int64_t st) noexcept nogil:
    if flt_t is float:
        return en_lse_f32(x, C, st)
    else:
        return en_lse_f64(x, C, st)


cdef inline double _wsum(const flt_t* x, const flt_t* w, int64_t C, int64_t st) noexcept nogil:
    if flt_t is float:
        return en_wsum_f32(x, w, C, st)
    else:
        return en_wsum_f64(x, w, C, st)


# ------------------------------------------------------------------------------------------------
# Layer norm
cdef void _ln_fwd_t(const flt_t* x, flt_t* y, flt_t* mean, flt_t* rstd, const flt_t* w,
                    const flt_t* b, Py_ssize_t rows, Py_ssize_t n, double eps, int nt) noexcept nogil:
    cdef Py_ssize_t r
    cdef double m, v
    for r in prange(rows, num_threads=nt, schedule="static"):
        if flt_t is float:
            en_moments_f32(x + r * n, n, &m, &v)
        else:
            en_moments_f64(x + r * n, n, &m, &v)
        v = 1.0 / sqrt(v + eps)
        mean[r] = <flt_t>m
        rstd[r] = <flt_t>v
        _norm_row(x + r * n, y + r * n, w, b, n, <flt_t>m, <flt_t>v)


def layer_norm(out, mean, rstd, inp, weight, bias, double eps, int nthreads=1):
    """out (rows, n) = (inp - mean) * rstd * weight + bias per row; mean/rstd (rows,) are filled.

    weight/bias: (n,) or None. This method modifies `out`, `mean` and `rstd`.
    """
    cdef Py_ssize_t rows = mean.numel()
    if rows == 0:
        return
    cdef Py_ssize_t n = inp.numel() // rows
    cdef int nt = _threads(rows * n, nthreads)
    if n == 0:
        return
    cdef char* x = _ptr(inp)
    cdef char* y = _ptr(out)
    cdef char* m = _ptr(mean)
    cdef char* r = _ptr(rstd)
    cdef char* w = _ptr(weight)
    cdef char* b = _ptr(bias)
    if inp.dtype.code == D_F32:
        with nogil:
            _ln_fwd_t(<float*>x, <float*>y, <float*>m, <float*>r, <float*>w, <float*>b, rows, n, eps, nt)
    else:
        with nogil:
            _ln_fwd_t(<double*>x, <double*>y, <double*>m, <double*>r, <double*>w, <double*>b, rows, n,
                      eps, nt)


cdef void _gn_fwd_t(const flt_t* x, flt_t* y, flt_t* mean, flt_t* rstd, const flt_t* w,
                    const flt_t* b, Py_ssize_t N, Py_ssize_t C, Py_ssize_t S, Py_ssize_t G,
                    double eps, int nt) noexcept nogil:
    cdef Py_ssize_t r, c, c0, cg = C // G, n = cg * S
    cdef double m, v
    cdef flt_t sc, sh
    for r in prange(N * G, num_threads=nt, schedule="static"):
        if flt_t is float:
            en_moments_f32(x + r * n, n, &m, &v)
        else:
            en_moments_f64(x + r * n, n, &m, &v)
        v = 1.0 / sqrt(v + eps)
        mean[r] = <flt_t>m
        rstd[r] = <flt_t>v
        c0 = (r % G) * cg
        for c in range(cg):
            # channel c0 + c of the group: y = x * (rstd * w) + (b - mean * rstd * w)
            sc = <flt_t>(v * (w[c0 + c] if w != NULL else 1.0))
            sh = <flt_t>((b[c0 + c] if b != NULL else 0.0) - m * sc)
            _affine_run(x + r * n + c * S, NULL, y + r * n + c * S, S, sc, 0, sh)


def group_norm(out, mean, rstd, inp, weight, bias, Py_ssize_t N, Py_ssize_t C, Py_ssize_t S,
               Py_ssize_t G, double eps, int nthreads=1):
    """out (N, C, S) = per (sample, group of C/G channels) normalized input, times weight[c] plus
    bias[c]; mean/rstd (N*G,) receive each group's mean and 1/sqrt(var + eps).

    weight/bias: (C,) or None. This method modifies `out`, `mean` and `rstd`."""
    if N * C * S == 0:
        return
    cdef int nt = _threads(N * C * S, nthreads)
    cdef char* x = _ptr(inp)
    cdef char* y = _ptr(out)
    cdef char* m = _ptr(mean)
    cdef char* r = _ptr(rstd)
    cdef char* w = _ptr(weight)
    cdef char* b = _ptr(bias)
    if inp.dtype.code == D_F32:
        with nogil:
            _gn_fwd_t(<float*>x, <float*>y, <float*>m, <float*>r, <float*>w, <float*>b, N, C, S, G,
                      eps, nt)
    else:
        with nogil:
            _gn_fwd_t(<double*>x, <double*>y, <double*>m, <double*>r, <double*>w, <double*>b, N, C,
                      S, G, eps, nt)


cdef void _ln_bwd_t(const flt_t* g, const flt_t* x, const flt_t* mean, const flt_t* rstd,
                    const flt_t* w, flt_t* gi, double* gw, double* gb, Py_ssize_t rows,
                    Py_ssize_t n, int nchunks, int nt) noexcept nogil:
    cdef Py_ssize_t k, r, r0, r1
    cdef double* gwk
    cdef double* gbk
    for k in prange(nchunks, num_threads=nt, schedule="static"):
        r0 = rows * k // nchunks
        r1 = rows * (k + 1) // nchunks
        gwk = gw + k * n if gw != NULL else NULL
        gbk = gb + k * n if gb != NULL else NULL
        for r in range(r0, r1):
            if gi != NULL and gwk != NULL and gbk != NULL:
                # one fused sweep for all three gradients
                if flt_t is float:
                    en_ln_bwd_row_f32(g + r * n, x + r * n, w, n, mean[r], rstd[r], gi + r * n, gwk, gbk)
                else:
                    en_ln_bwd_row_f64(g + r * n, x + r * n, w, n, mean[r], rstd[r], gi + r * n, gwk, gbk)
                continue
            if gi != NULL:
                if flt_t is float:
                    en_ln_bwd_row_f32(g + r * n, x + r * n, w, n, mean[r], rstd[r], gi + r * n, NULL, NULL)
                else:
                    en_ln_bwd_row_f64(g + r * n, x + r * n, w, n, mean[r], rstd[r], gi + r * n, NULL, NULL)
            if gwk != NULL or gbk != NULL:
                if flt_t is float:
                    en_ln_acc_row_f32(g + r * n, x + r * n, n, mean[r], rstd[r], gwk, gbk)
                else:
                    en_ln_acc_row_f64(g + r * n, x + r * n, n, mean[r], rstd[r], gwk, gbk)


cdef void _store_partials(flt_t* out, const double* buf, Py_ssize_t nchunks, Py_ssize_t n) noexcept nogil:
    """out[j] = sum over chunks k of buf[k * n + j]."""
    cdef Py_ssize_t j, k
    cdef double s
    for j in range(n):
        s = 0
        for k in range(nchunks):
            s += buf[k * n + j]
        out[j] = <flt_t>s


def layer_norm_backward(grad_input, grad_weight, grad_bias, grad_out, inp, mean, rstd, weight,
                        int nthreads=1):
    """Gradients of layer_norm: grad_input (rows, n), grad_weight / grad_bias (n,) (any may be
    None: not computed). weight (n,) or None. This method modifies the grad_* tensors."""
    cdef Py_ssize_t rows = mean.numel()
    cdef Py_ssize_t n = inp.numel() // rows if rows else 0
    cdef int nt = _threads(rows * n, nthreads)
    cdef int nchunks = nt if rows >= nt else 1
    cdef double* gw = NULL
    cdef double* gb = NULL
    cdef bint code32 = inp.dtype.code == D_F32
    if grad_weight is not None:
        gw = <double*>calloc(nchunks * n + 1, sizeof(double))
    if grad_bias is not None:
        gb = <double*>calloc(nchunks * n + 1, sizeof(double))
    cdef char* g = _ptr(grad_out)
    cdef char* x = _ptr(inp)
    cdef char* m = _ptr(mean)
    cdef char* r = _ptr(rstd)
    cdef char* w = _ptr(weight)
    cdef char* gi = _ptr(grad_input)
    cdef char* ow = _ptr(grad_weight)
    cdef char* ob = _ptr(grad_bias)
    try:
        if rows and n:
            if code32:
                with nogil:
                    _ln_bwd_t(<float*>g, <float*>x, <float*>m, <float*>r, <float*>w, <float*>gi,
                              gw, gb, rows, n, nchunks, nt)
            else:
                with nogil:
                    _ln_bwd_t(<double*>g, <double*>x, <double*>m, <double*>r, <double*>w,
                              <double*>gi, gw, gb, rows, n, nchunks, nt)
        n = grad_weight.numel() if grad_weight is not None else (grad_bias.numel() if grad_bias is not None else 0)
        if not (rows and n):
            nchunks = 0          # an empty input: the affine gradients are zeros
        if code32:
            if ow != NULL:
                _store_partials(<float*>ow, gw, nchunks, n)
            if ob != NULL:
                _store_partials(<float*>ob, gb, nchunks, n)
        else:
            if ow != NULL:
                _store_partials(<double*>ow, gw, nchunks, n)
            if ob != NULL:
                _store_partials(<double*>ob, gb, nchunks, n)
    finally:
        free(gw)
        free(gb)


# ------------------------------------------------------------------------------------------------
# Batch norm building blocks over (N, C, S)
cdef void _moments_t(const flt_t* x, flt_t* mean, flt_t* var, Py_ssize_t N, Py_ssize_t C,
                     Py_ssize_t S, int nt) noexcept nogil:
    cdef Py_ssize_t c, i, j0, j1, blk, nb
    cdef double s, m, cnt = <double>N * S
    cdef double* acc
    if S > 1 or C == 1:
        for c in prange(C, num_threads=nt, schedule="static"):
            s = 0
            for i in range(N):
                s = s + _sum(x + (i * C + c) * S, S)
            m = s / cnt
            s = 0
            for i in range(N):
                s = s + _sqdev(x + (i * C + c) * S, S, m)
            mean[c] = <flt_t>m
            var[c] = <flt_t>(s / cnt)
        return
    # spatial size 1: (N, C) rows, accumulated a block of channels at a time (vectorized across c)
    blk = 256
    nb = (C + blk - 1) // blk
    for c in prange(nb, num_threads=nt, schedule="static"):
        j0 = c * blk
        j1 = j0 + blk if j0 + blk < C else C
        acc = <double*>calloc(2 * blk, sizeof(double))
        for i in range(N):
            if flt_t is float:
                en_colsum_f32(x + i * C + j0, j1 - j0, acc)
            else:
                en_colsum_f64(x + i * C + j0, j1 - j0, acc)
        for i in range(j1 - j0):
            acc[i] = acc[i] / cnt
        for i in range(N):
            if flt_t is float:
                en_colsqdev_f32(x + i * C + j0, j1 - j0, acc, acc + blk)
            else:
                en_colsqdev_f64(x + i * C + j0, j1 - j0, acc, acc + blk)
        for i in range(j1 - j0):
            mean[j0 + i] = <flt_t>acc[i]
            var[j0 + i] = <flt_t>(acc[blk + i] / cnt)
        free(acc)


def channel_moments(mean, var, inp, Py_ssize_t N, Py_ssize_t C, Py_ssize_t S, int nthreads=1):
    """mean[c], var[c] (biased) over n and s of the contiguous (N, C, S) input (N*S > 0).

    This method modifies `mean` and `var`."""
    cdef int nt = _threads(N * C * S, nthreads)
    cdef char* x = _ptr(inp)
    cdef char* m = _ptr(mean)
    cdef char* v = _ptr(var)
    if inp.dtype.code == D_F32:
        with nogil:
            _moments_t(<float*>x, <float*>m, <float*>v, N, C, S, nt)
    else:
        with nogil:
            _moments_t(<double*>x, <double*>m, <double*>v, N, C, S, nt)


cdef void _dot_t(const flt_t* g, const flt_t* x, const flt_t* mean, flt_t* sg, flt_t* sgx,
                 Py_ssize_t N, Py_ssize_t C, Py_ssize_t S, int nt) noexcept nogil:
    cdef Py_ssize_t c, i, j0, j1, blk, nb
    cdef double s, d
    cdef double* acc
    if S > 1 or C == 1:
        for c in prange(C, num_threads=nt, schedule="static"):
            s = 0
            d = 0
            for i in range(N):
                s = s + _sum(g + (i * C + c) * S, S)
                d = d + _dotdev(g + (i * C + c) * S, x + (i * C + c) * S, S, mean[c])
            sg[c] = <flt_t>s
            sgx[c] = <flt_t>d
        return
    blk = 256
    nb = (C + blk - 1) // blk
    for c in prange(nb, num_threads=nt, schedule="static"):
        j0 = c * blk
        j1 = j0 + blk if j0 + blk < C else C
        acc = <double*>calloc(3 * blk, sizeof(double))
        for i in range(j1 - j0):
            acc[2 * blk + i] = mean[j0 + i]
        for i in range(N):
            if flt_t is float:
                en_coldot_f32(g + i * C + j0, x + i * C + j0, j1 - j0, acc + 2 * blk, acc, acc + blk)
            else:
                en_coldot_f64(g + i * C + j0, x + i * C + j0, j1 - j0, acc + 2 * blk, acc, acc + blk)
        for i in range(j1 - j0):
            sg[j0 + i] = <flt_t>acc[i]
            sgx[j0 + i] = <flt_t>acc[blk + i]
        free(acc)


def channel_dot(sum_g, sum_gx, grad, inp, mean, Py_ssize_t N, Py_ssize_t C, Py_ssize_t S,
                int nthreads=1):
    """sum_g[c] = sum of grad, sum_gx[c] = sum of grad * (inp - mean[c]) over n, s of (N, C, S).

    This method modifies `sum_g` and `sum_gx`."""
    cdef int nt = _threads(N * C * S, nthreads)
    cdef char* g = _ptr(grad)
    cdef char* x = _ptr(inp)
    cdef char* m = _ptr(mean)
    cdef char* sg = _ptr(sum_g)
    cdef char* sgx = _ptr(sum_gx)
    if inp.dtype.code == D_F32:
        with nogil:
            _dot_t(<float*>g, <float*>x, <float*>m, <float*>sg, <float*>sgx, N, C, S, nt)
    else:
        with nogil:
            _dot_t(<double*>g, <double*>x, <double*>m, <double*>sg, <double*>sgx, N, C, S, nt)


cdef void _affine_t(const flt_t* a, const flt_t* ka, const flt_t* b, const flt_t* kb,
                    const flt_t* kc, flt_t* y, Py_ssize_t N, Py_ssize_t C, Py_ssize_t S,
                    int nt) noexcept nogil:
    cdef Py_ssize_t r, c
    if S == 1:
        for r in prange(N, num_threads=nt, schedule="static"):
            _affine_row(a + r * C, b + r * C if b != NULL else NULL, y + r * C, C, ka,
                        kb, kc)
        return
    for r in prange(N * C, num_threads=nt, schedule="static"):
        c = r % C
        _affine_run(a + r * S, b + r * S if b != NULL else NULL, y + r * S, S, ka[c],
                    kb[c] if kb != NULL else 0, kc[c])


def channel_affine(out, a, ka, b, kb, kc, Py_ssize_t N, Py_ssize_t C, Py_ssize_t S,
                   int nthreads=1):
    """out = a * ka[c] + b * kb[c] + kc[c] over (N, C, S); b and kb may both be None.

    ka, kb, kc: (C,). out may be a or b. This method modifies `out`."""
    cdef int nt = _threads(N * C * S, nthreads)
    if N * C * S == 0:
        return
    cdef char* pa = _ptr(a)
    cdef char* pka = _ptr(ka)
    cdef char* pb = _ptr(b)
    cdef char* pkb = _ptr(kb)
    cdef char* pkc = _ptr(kc)
    cdef char* po = _ptr(out)
    if a.dtype.code == D_F32:
        with nogil:
            _affine_t(<float*>pa, <float*>pka, <float*>pb, <float*>pkb, <float*>pkc, <float*>po,
                      N, C, S, nt)
    else:
        with nogil:
            _affine_t(<double*>pa, <double*>pka, <double*>pb, <double*>pkb, <double*>pkc,
                      <double*>po, N, C, S, nt)


# ------------------------------------------------------------------------------------------------
# Cross entropy (log-softmax + NLL, label smoothing) over (N, C, S)
cdef int64_t _ce_fwd_t(const flt_t* x, const int64_t* tgt, const flt_t* w, flt_t* loss,
                       flt_t* lse, Py_ssize_t N, Py_ssize_t C, Py_ssize_t S, int64_t ignore,
                       double ls, double wsum, int nt) noexcept nogil:
    """Returns the index of a sample whose target is out of range, or -1."""
    cdef Py_ssize_t i, n, s
    cdef int64_t t, bad = -1
    cdef int64_t* badp = &bad        # written through a pointer: prange would privatize `bad`
    cdef const flt_t* row
    cdef double l, wt, nll
    for i in prange(N * S, num_threads=nt, schedule="static"):
        n = i // S
        s = i - n * S
        row = x + n * C * S + s
        t = tgt[i]
        if t == ignore:
            loss[i] = 0
            lse[i] = 0
            continue
        if t < 0 or t >= C:
            badp[0] = i
            loss[i] = NAN
            continue
        l = _lse(row, C, S)
        lse[i] = <flt_t>l
        wt = w[t] if w != NULL else 1.0
        nll = wt * (l - row[t * S])
        if ls != 0:
            # smoothing term: sum_c w_c * (lse - x_c)
            nll = (1 - ls) * nll + ls / C * (l * wsum - _wsum(row, w, C, S))
        loss[i] = <flt_t>nll
    if bad >= 0:                     # threads raced: report the first bad sample, as PyTorch
        for i in range(N * S):
            t = tgt[i]
            if t != ignore and (t < 0 or t >= C):
                return i
    return bad


cdef double _vsum(const flt_t* v, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    cdef double s = 0
    for i in range(n):
        s += v[i]
    return s


cdef double _weight_total(const int64_t* t, const flt_t* w, Py_ssize_t M, int64_t ignore,
                          Py_ssize_t C) noexcept nogil:
    """sum of w[t_i] (1 without weights) over the samples with an in-range, non-ignored target."""
    cdef Py_ssize_t i
    cdef double s = 0
    for i in range(M):
        if t[i] != ignore and 0 <= t[i] < C:
            s += w[t[i]] if w != NULL else 1.0
    return s


def cross_entropy(loss, lse, inp, target, weight, Py_ssize_t N, Py_ssize_t C, Py_ssize_t S,
                  int64_t ignore_index, double label_smoothing, int nthreads=1):
    """Per-sample loss (N*S,) of the contiguous (N, C, S) logits against int64 targets (N*S,):

        loss = (1-ls) * w[t] * (lse - x_t) + ls/C * sum_c w[c] * (lse - x_c)

    (0 for ignored samples); lse (N*S,) receives the log-sum-exp of each sample's logits.
    weight: (C,) or None. Returns (bad, loss_total, weight_total): the flat index of a sample
    whose target is out of [0, C) (or -1), the sum of the losses and the sum of w[t] over the
    non-ignored samples (the denominator of the 'mean' reduction).
    This method modifies `loss` and `lse`."""
    cdef int nt = _threads(N * C * S, nthreads)
    cdef double wsum = C, tot, wtot
    cdef int64_t bad
    cdef char* x = _ptr(inp)
    cdef int64_t* t = <int64_t*>_ptr(target)
    cdef char* w = _ptr(weight)
    cdef char* l = _ptr(loss)
    cdef char* z = _ptr(lse)
    if inp.dtype.code == D_F32:
        with nogil:
            if w != NULL:
                wsum = _vsum(<float*>w, C)
            bad = _ce_fwd_t(<float*>x, t, <float*>w, <float*>l, <float*>z, N, C, S, ignore_index,
                            label_smoothing, wsum, nt)
            tot = _vsum(<float*>l, N * S)
            wtot = _weight_total(t, <float*>w, N * S, ignore_index, C)
    else:
        with nogil:
            if w != NULL:
                wsum = _vsum(<double*>w, C)
            bad = _ce_fwd_t(<double*>x, t, <double*>w, <double*>l, <double*>z, N, C, S,
                            ignore_index, label_smoothing, wsum, nt)
            tot = _vsum(<double*>l, N * S)
            wtot = _weight_total(t, <double*>w, N * S, ignore_index, C)
    return bad, tot, wtot


cdef void _ce_bwd_t(const flt_t* x, const int64_t* tgt, const flt_t* w, const flt_t* lse,
                    const flt_t* go, Py_ssize_t gst, double scale, flt_t* gi, Py_ssize_t N,
                    Py_ssize_t C, Py_ssize_t S, int64_t ignore, double ls, double wsum,
                    int nt) noexcept nogil:
    cdef Py_ssize_t i, n, s, c
    cdef int64_t t
    cdef double g, wt, a
    cdef flt_t* grow
    for i in prange(N * S, num_threads=nt, schedule="static"):
        n = i // S
        s = i - n * S
        grow = gi + n * C * S + s
        t = tgt[i]
        if t == ignore or t < 0 or t >= C:
            for c in range(C):
                grow[c * S] = 0
            continue
        g = scale * go[i * gst]
        wt = w[t] if w != NULL else 1.0
        a = g * ((1 - ls) * wt + ls / C * wsum)
        if flt_t is float:
            en_ce_bwd_row_f32(x + n * C * S + s, grow, w, C, S, lse[i], <float>a, <float>(g * ls / C))
        else:
            en_ce_bwd_row_f64(x + n * C * S + s, grow, w, C, S, lse[i], a, g * ls / C)
        grow[t * S] = grow[t * S] - <flt_t>(g * (1 - ls) * wt)


def cross_entropy_backward(grad_input, grad, double scale, inp, lse, target, weight,
                           Py_ssize_t N, Py_ssize_t C, Py_ssize_t S, int64_t ignore_index,
                           double label_smoothing, int nthreads=1):
    """grad_input (N, C, S) of sum_i scale * grad[i] * loss[i] (cross_entropy's per-sample
    losses), given `grad` ((N*S,) of any stride; a 0-d tensor is broadcast), the saved lse and
    the same targets and weight. This method modifies `grad_input`."""
    cdef int nt = _threads(N * C * S, nthreads)
    cdef double wsum = C
    cdef Py_ssize_t gst = grad._stride[0] if grad._shape else 0
    cdef char* x = _ptr(inp)
    cdef int64_t* t = <int64_t*>_ptr(target)
    cdef char* w = _ptr(weight)
    cdef char* z = _ptr(lse)
    cdef char* g = _ptr(grad)
    cdef char* gi = _ptr(grad_input)
    if inp.dtype.code == D_F32:
        with nogil:
            if w != NULL:
                wsum = _vsum(<float*>w, C)
            _ce_bwd_t(<float*>x, t, <float*>w, <float*>z, <float*>g, gst, scale, <float*>gi, N, C,
                      S, ignore_index, label_smoothing, wsum, nt)
    else:
        with nogil:
            if w != NULL:
                wsum = _vsum(<double*>w, C)
            _ce_bwd_t(<double*>x, t, <double*>w, <double*>z, <double*>g, gst, scale, <double*>gi,
                      N, C, S, ignore_index, label_smoothing, wsum, nt)


# ------------------------------------------------------------------------------------------------
# CTC loss
cdef bint _ctc_labels(const int64_t* tg, Py_ssize_t L, int64_t blank, Py_ssize_t C, int64_t* lab,
                      unsigned char* skip) noexcept nogil:
    """Fill the extended labels and allowed skips; False when a label is outside [0, C)."""
    cdef Py_ssize_t s
    for s in range(2 * L + 1):
        if s % 2 == 0:
            lab[s] = blank
        else:
            if tg[s // 2] < 0 or tg[s // 2] >= C:
                return False
            lab[s] = tg[s // 2]
        skip[s] = s > 1 and lab[s] != lab[s - 2]
    return True


cdef int64_t _ctc_fwd_t(const flt_t* lp, const int64_t* targets, const int64_t* offsets,
                        const int64_t* in_len, const int64_t* tg_len, flt_t* nll, flt_t* la,
                        Py_ssize_t T, Py_ssize_t B, Py_ssize_t C, Py_ssize_t Smax, int64_t blank,
                        int nt) noexcept nogil:
    """Returns a sample with a label outside [0, C), or -1."""
    cdef Py_ssize_t b, t, S, Tb, L
    cdef int64_t bad = -1
    cdef int64_t* badp = &bad
    cdef flt_t* al
    cdef int64_t* lab
    cdef unsigned char* skip
    for b in prange(B, num_threads=nt, schedule="dynamic"):
        Tb = in_len[b]
        L = tg_len[b]
        S = 2 * L + 1
        al = la + b * T * Smax
        for t in range(T * Smax):
            al[t] = -INFINITY
        lab = <int64_t*>malloc(S * sizeof(int64_t))
        skip = <unsigned char*>malloc(S)
        if not _ctc_labels(targets + offsets[b], L, blank, C, lab, skip):
            badp[0] = b
            nll[b] = NAN
        elif Tb == 0:
            nll[b] = 0 if L == 0 else INFINITY
        elif flt_t is float:
            nll[b] = <flt_t>en_ctc_alpha_f32(lp + b * C, B * C, lab, skip, S, Tb, al, Smax)
        else:
            nll[b] = en_ctc_alpha_f64(lp + b * C, B * C, lab, skip, S, Tb, al, Smax)
        free(lab)
        free(skip)
    return bad


def ctc_loss(nll, log_alpha, log_probs, targets, offsets, input_lengths, target_lengths,
             int64_t blank, int nthreads=1):
    """Negative log-likelihood (B,) of each target under the CTC model, by the alpha recursion.

    log_probs (T, B, C); targets int64 flat, sample b's labels at targets[offsets[b]:] (B,) int64;
    input_lengths / target_lengths (B,) int64 (checked by the caller). log_alpha (B, T, 2*Lmax+1)
    receives the log forward variables (-inf where unreachable) for the backward pass.
    Returns a sample whose labels are outside [0, C) (its loss is NaN), or -1.
    This method modifies `nll` and `log_alpha`."""
    cdef Py_ssize_t T = log_probs._shape[0], B = log_probs._shape[1], C = log_probs._shape[2]
    cdef Py_ssize_t Smax = log_alpha._shape[2]
    cdef int nt = _threads(T * B * Smax * 8, nthreads) if B > 1 else 1
    cdef int64_t bad = -1
    if B == 0:
        return bad
    cdef char* lp = _ptr(log_probs)
    cdef int64_t* tg = <int64_t*>_ptr(targets)
    cdef int64_t* off = <int64_t*>_ptr(offsets)
    cdef int64_t* il = <int64_t*>_ptr(input_lengths)
    cdef int64_t* tl = <int64_t*>_ptr(target_lengths)
    cdef char* pn = _ptr(nll)
    cdef char* pa = _ptr(log_alpha)
    if log_probs.dtype.code == D_F32:
        with nogil:
            bad = _ctc_fwd_t(<float*>lp, tg, off, il, tl, <float*>pn, <float*>pa, T, B, C, Smax,
                             blank, nt)
    else:
        with nogil:
            bad = _ctc_fwd_t(<double*>lp, tg, off, il, tl, <double*>pn, <double*>pa, T, B, C, Smax,
                             blank, nt)
    return bad


cdef void _ctc_bwd_t(const flt_t* lp, const int64_t* targets, const int64_t* offsets,
                     const int64_t* in_len, const int64_t* tg_len, const flt_t* nll,
                     const flt_t* la, const flt_t* go, Py_ssize_t gst, flt_t* gr, Py_ssize_t T,
                     Py_ssize_t B, Py_ssize_t C, Py_ssize_t Smax, int64_t blank, bint zero_inf,
                     int nt) noexcept nogil:
    cdef Py_ssize_t b, t, c, S, Tb, L
    cdef flt_t* work
    cdef int64_t* lab
    cdef unsigned char* skip
    cdef double nl
    for b in prange(B, num_threads=nt, schedule="dynamic"):
        Tb = in_len[b]
        L = tg_len[b]
        S = 2 * L + 1
        nl = nll[b]
        for t in range(T):
            for c in range(C):
                gr[(t * B + b) * C + c] = 0
        if Tb == 0 or (zero_inf and isinf(nl)):
            continue
        lab = <int64_t*>malloc(S * sizeof(int64_t))
        skip = <unsigned char*>malloc(S)
        work = <flt_t*>malloc((3 * S + C) * sizeof(flt_t))
        if _ctc_labels(targets + offsets[b], L, blank, C, lab, skip):
            if flt_t is float:
                en_ctc_grad_f32(lp + b * C, B * C, lab, skip, S, Tb, C, la + b * T * Smax, Smax, nl,
                                go[b * gst], gr + b * C, work)
            else:
                en_ctc_grad_f64(lp + b * C, B * C, lab, skip, S, Tb, C, la + b * T * Smax, Smax, nl,
                                go[b * gst], gr + b * C, work)
        free(lab)
        free(skip)
        free(work)


def ctc_loss_backward(grad_log_probs, grad, log_probs, targets, offsets, input_lengths,
                      target_lengths, nll, log_alpha, int64_t blank, bint zero_infinity,
                      int nthreads=1):
    """grad_log_probs (T, B, C) = grad[b] * d nll[b] / d log_probs, by the alpha-beta formula
    (zero past each input length; zero for infinite losses when zero_infinity). grad: (B,) of any
    stride (0 for a broadcast scalar). This method modifies `grad_log_probs`."""
    cdef Py_ssize_t T = log_probs._shape[0], B = log_probs._shape[1], C = log_probs._shape[2]
    cdef Py_ssize_t Smax = log_alpha._shape[2]
    cdef Py_ssize_t gst = grad._stride[0] if grad._shape else 0
    cdef int nt = _threads(T * B * Smax * 8, nthreads) if B > 1 else 1
    if B == 0:
        return
    cdef char* lp = _ptr(log_probs)
    cdef int64_t* tg = <int64_t*>_ptr(targets)
    cdef int64_t* off = <int64_t*>_ptr(offsets)
    cdef int64_t* il = <int64_t*>_ptr(input_lengths)
    cdef int64_t* tl = <int64_t*>_ptr(target_lengths)
    cdef char* pn = _ptr(nll)
    cdef char* pa = _ptr(log_alpha)
    cdef char* g = _ptr(grad)
    cdef char* gr = _ptr(grad_log_probs)
    if log_probs.dtype.code == D_F32:
        with nogil:
            _ctc_bwd_t(<float*>lp, tg, off, il, tl, <float*>pn, <float*>pa, <float*>g, gst,
                       <float*>gr, T, B, C, Smax, blank, zero_infinity, nt)
    else:
        with nogil:
            _ctc_bwd_t(<double*>lp, tg, off, il, tl, <double*>pn, <double*>pa, <double*>g, gst,
                       <double*>gr, T, B, C, Smax, blank, zero_infinity, nt)
