"""Elementwise kernels for the CPU: one strided, broadcasting N-d driver and one fused-type loop per
op family.

The driver coalesces dimensions, splits the flat index range across OpenMP threads and walks rows.
Each row is cut into blocks; an operand whose row is contiguous is read in place, any other one
(strided, broadcast) is first gathered into a small per-thread buffer, so every op needs only a
contiguous inner loop, which gcc vectorizes (with libmvec for the transcendentals, see _ember_c.h).

Op codes, dtype codes, fused types and the unary loops are declared in _map.pxd (included
automatically); `UNARY`, `BINARY`, ... map op names to the codes for the ops layer.
"""
from cython.parallel cimport prange
from libc.math cimport (
    fabs, exp, exp2, log, log1p, floor, trunc, atan2, atan2f, hypot, hypotf, fmod, copysign,
    signbit, fmax, fmin, INFINITY
)
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from ember.backends.cpu._storage cimport Storage

UNARY = dict(neg=NEG, abs=ABS, sign=SIGN, reciprocal=RECIPROCAL, exp=EXP, exp2=EXP2, expm1=EXPM1,
             log=LOG, log2=LOG2, log10=LOG10, log1p=LOG1P, sqrt=SQRT, rsqrt=RSQRT, square=SQUARE,
             sin=SIN, cos=COS, tan=TAN, asin=ASIN, acos=ACOS, atan=ATAN, sinh=SINH, cosh=COSH,
             tanh=TANH, asinh=ASINH, acosh=ACOSH, atanh=ATANH, sigmoid=SIGMOID, logit=LOGIT, erf=ERF,
             erfc=ERFC, erfinv=ERFINV, relu=RELU, gelu=GELU, gelu_tanh=GELU_TANH, silu=SILU,
             softplus=SOFTPLUS, mish=MISH, floor=FLOOR, ceil=CEIL, round=ROUND, round_dec=ROUND_DEC,
             trunc=TRUNC, frac=FRAC, clamp=CLAMP, clamp_min=CLAMP_MIN, clamp_max=CLAMP_MAX,
             pow_scalar=POW_SCALAR, rpow_scalar=RPOW_SCALAR, leaky_relu=LEAKY_RELU, elu=ELU,
             nan_to_num=NAN_TO_NUM, bitwise_not=BITWISE_NOT, lgamma=LGAMMA, hardsigmoid=HARDSIGMOID,
             hardswish=HARDSWISH, softsign=SOFTSIGN, selu=SELU, celu=CELU, threshold=THRESHOLD,
             sinc=SINC, logical_not=LOGICAL_NOT, digamma=DIGAMMA, polygamma=POLYGAMMA,
             mvlgamma=MVLGAMMA)
BINARY = dict(add=ADD, sub=SUB, mul=MUL, div=DIV, floor_divide=FLOOR_DIVIDE,
              trunc_divide=TRUNC_DIVIDE, remainder=REMAINDER, fmod=FMOD, pow=POW, atan2=ATAN2,
              hypot=HYPOT, maximum=MAXIMUM, minimum=MINIMUM, fmax=FMAX, fmin=FMIN,
              bitwise_and=BITWISE_AND, bitwise_or=BITWISE_OR, bitwise_xor=BITWISE_XOR,
              bitwise_left_shift=LSHIFT, bitwise_right_shift=RSHIFT, copysign=COPYSIGN, xlogy=XLOGY,
              logaddexp=LOGADDEXP, logaddexp2=LOGADDEXP2, rsub=RSUB,
              relu_backward=RELU_BACKWARD)
COMPARE = dict(eq=EQ, ne=NE, lt=LT, le=LE, gt=GT, ge=GE)
PREDICATE = dict(isnan=ISNAN, isinf=ISINF, isfinite=ISFINITE, signbit=SIGNBIT, isposinf=ISPOSINF,
                 isneginf=ISNEGINF)
TERNARY = dict(lerp=LERP, addcmul=ADDCMUL, addcdiv=ADDCDIV)
FAMILY = dict(unary=F_UNARY, binary=F_BINARY, compare=F_COMPARE, predicate=F_PREDICATE,
              ternary=F_TERNARY, where=F_WHERE)

DEF BLOCK = 1024
DEF MAXDIM = 64
DEF MAXOPS = 4
cdef Py_ssize_t PAR_MIN = 1 << 15    # elements below which one thread does it all
cdef int _nthreads = ember_max_threads()


def get_num_threads():
    return _nthreads


def set_num_threads(int n):
    global _nthreads
    if n < 1:
        raise ValueError(f"set_num_threads expects a positive integer, got {n}")
    _nthreads = n
    ember_set_threads(n)


cdef void _binary(int op, num_t* o, const num_t* a, const num_t* b, Py_ssize_t n,
                  int* zerodiv) noexcept nogil:
    """Integer division ops set *zerodiv (and write 0) on a zero divisor instead of trapping."""
    cdef Py_ssize_t i
    cdef num_t x, y, r
    cdef double m
    if op == ADD:
        for i in range(n): o[i] = a[i] + b[i]
    elif op == SUB:
        for i in range(n): o[i] = a[i] - b[i]
    elif op == RSUB:
        for i in range(n): o[i] = b[i] - a[i]
    elif op == RELU_BACKWARD:  # torch's threshold_backward(grad a, result b, 0): NaN b passes a
        for i in range(n): o[i] = 0 if b[i] <= 0 else a[i]
    elif op == MUL:
        for i in range(n): o[i] = a[i] * b[i]
    elif op == DIV:
        for i in range(n): o[i] = a[i] / b[i]
    elif op == MAXIMUM:
        if num_t is float or num_t is double:
            for i in range(n): o[i] = a[i] if (a[i] > b[i] or a[i] != a[i]) else b[i]
        else:
            for i in range(n): o[i] = a[i] if a[i] > b[i] else b[i]
    elif op == MINIMUM:
        if num_t is float or num_t is double:
            for i in range(n): o[i] = a[i] if (a[i] < b[i] or a[i] != a[i]) else b[i]
        else:
            for i in range(n): o[i] = a[i] if a[i] < b[i] else b[i]
    elif op == FMAX:
        if num_t is float or num_t is double:
            for i in range(n): o[i] = fmax(a[i], b[i])
        else:
            for i in range(n): o[i] = a[i] if a[i] > b[i] else b[i]
    elif op == FMIN:
        if num_t is float or num_t is double:
            for i in range(n): o[i] = fmin(a[i], b[i])
        else:
            for i in range(n): o[i] = a[i] if a[i] < b[i] else b[i]
    elif op == POW:
        for i in range(n): o[i] = _ipow(a[i], b[i])
    elif op == FLOOR_DIVIDE:
        if num_t is float or num_t is double:
            for i in range(n):
                # PyTorch's div_floor: floor((a - fmod(a, b)) / b) with a sign fix-up
                x = a[i]; y = b[i]
                if y == 0:
                    o[i] = x / y
                    continue
                r = fmod(x, y)
                m = (x - r) / y
                if (r != 0) and ((y < 0) != (r < 0)):
                    m = m - 1
                if m != 0:
                    o[i] = <num_t>floor(m)
                    if m - floor(m) > 0.5:
                        o[i] = o[i] + 1
                else:
                    o[i] = <num_t>copysign(0.0, x / y)
        else:
            for i in range(n):
                x = a[i]; y = b[i]
                if y == 0:
                    zerodiv[0] = 1
                    o[i] = 0
                elif y + 1 == 0:   # y == -1: avoid INT_MIN / -1 trapping (spelled so for uint8)
                    o[i] = -x
                else:
                    r = x / y
                    if (x % y != 0) and ((x < 0) != (y < 0)):
                        r = r - 1
                    o[i] = r
    elif op == TRUNC_DIVIDE:
        if num_t is float or num_t is double:
            for i in range(n): o[i] = trunc(a[i] / b[i])
        else:
            for i in range(n):
                if b[i] == 0:
                    zerodiv[0] = 1
                    o[i] = 0
                else:
                    o[i] = -a[i] if b[i] == -1 else a[i] / b[i]
    elif op == REMAINDER:      # result has the sign of the divisor (Python's %)
        if num_t is float or num_t is double:
            for i in range(n):
                x = fmod(a[i], b[i])
                o[i] = x + b[i] if (x != 0 and ((x < 0) != (b[i] < 0))) else x
        else:
            for i in range(n):
                if b[i] == 0:
                    zerodiv[0] = 1
                    o[i] = 0
                elif b[i] + 1 == 0:
                    o[i] = 0
                else:
                    x = a[i] % b[i]
                    o[i] = x + b[i] if (x != 0 and ((x < 0) != (b[i] < 0))) else x
    elif op == FMOD:
        if num_t is float or num_t is double:
            for i in range(n): o[i] = fmod(a[i], b[i])
        else:
            for i in range(n):
                if b[i] == 0:
                    zerodiv[0] = 1
                    o[i] = 0
                else:
                    o[i] = 0 if b[i] == -1 else a[i] % b[i]
    elif op == ATAN2:
        if num_t is float:
            for i in range(n): o[i] = atan2f(a[i], b[i])
        else:
            for i in range(n): o[i] = <num_t>atan2(a[i], b[i])
    elif op == HYPOT:
        if num_t is float:
            for i in range(n): o[i] = hypotf(a[i], b[i])
        else:
            for i in range(n): o[i] = <num_t>hypot(a[i], b[i])
    elif op == COPYSIGN:
        for i in range(n): o[i] = <num_t>copysign(a[i], b[i])
    elif op == XLOGY:
        for i in range(n):
            if b[i] != b[i]:
                o[i] = b[i]
            elif a[i] == 0:
                o[i] = 0
            else:
                o[i] = <num_t>(a[i] * log(b[i]))
    elif op == LOGADDEXP:
        for i in range(n):
            x = a[i]; y = b[i]
            if x == y and (x == INFINITY or x == -INFINITY):
                o[i] = x
            else:
                m = x if x > y else y
                if m != m:
                    o[i] = <num_t>m
                else:
                    o[i] = <num_t>(m + log1p(exp(-fabs(<double>x - <double>y))))
    elif op == LOGADDEXP2:     # max + log2(1 + 2**-|x - y|)
        for i in range(n):
            x = a[i]; y = b[i]
            if x == y and (x == INFINITY or x == -INFINITY):
                o[i] = x
            else:
                m = x if x > y else y
                if m != m:
                    o[i] = <num_t>m
                else:
                    o[i] = <num_t>(m + log1p(exp2(-fabs(<double>x - <double>y))) * 1.4426950408889634)
    elif num_t is float or num_t is double:
        pass
    elif op == BITWISE_AND:
        for i in range(n): o[i] = a[i] & b[i]
    elif op == BITWISE_OR:
        for i in range(n): o[i] = a[i] | b[i]
    elif op == BITWISE_XOR:
        for i in range(n): o[i] = a[i] ^ b[i]
    elif op == LSHIFT:
        for i in range(n):
            o[i] = 0 if (b[i] < 0 or b[i] >= <num_t>(8 * sizeof(num_t))) else <num_t>(a[i] << b[i])
    elif op == RSHIFT:
        for i in range(n):
            if b[i] < 0 or b[i] >= <num_t>(8 * sizeof(num_t)):
                o[i] = <num_t>-1 if a[i] < 0 else 0
            else:
                o[i] = a[i] >> b[i]


cdef void _compare(int op, uint8_t* o, const num_t* a, const num_t* b, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    if op == EQ:
        for i in range(n): o[i] = a[i] == b[i]
    elif op == NE:
        for i in range(n): o[i] = a[i] != b[i]
    elif op == LT:
        for i in range(n): o[i] = a[i] < b[i]
    elif op == LE:
        for i in range(n): o[i] = a[i] <= b[i]
    elif op == GT:
        for i in range(n): o[i] = a[i] > b[i]
    elif op == GE:
        for i in range(n): o[i] = a[i] >= b[i]


cdef void _predicate(int op, uint8_t* o, const flt_t* a, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    if op == ISNAN:
        for i in range(n): o[i] = a[i] != a[i]
    elif op == ISINF:
        for i in range(n): o[i] = a[i] == INFINITY or a[i] == -INFINITY
    elif op == ISFINITE:
        for i in range(n): o[i] = a[i] - a[i] == 0
    elif op == SIGNBIT:
        for i in range(n): o[i] = signbit(a[i]) != 0
    elif op == ISPOSINF:
        for i in range(n): o[i] = a[i] == INFINITY
    elif op == ISNEGINF:
        for i in range(n): o[i] = a[i] == -INFINITY


cdef void _ternary(int op, flt_t* o, const flt_t* a, const flt_t* b, const flt_t* c, Py_ssize_t n,
                   double p0) noexcept nogil:
    cdef Py_ssize_t i
    cdef flt_t v = <flt_t>p0, w
    if op == LERP:             # a + c * (b - a), computed as PyTorch does for |c| >= 0.5
        for i in range(n):
            w = c[i]
            o[i] = a[i] + w * (b[i] - a[i]) if fabs(w) < 0.5 else b[i] - (b[i] - a[i]) * (1 - w)
    elif op == ADDCMUL:
        for i in range(n): o[i] = a[i] + v * b[i] * c[i]
    elif op == ADDCDIV:
        for i in range(n): o[i] = a[i] + v * b[i] / c[i]


cdef void _where(Py_ssize_t size, char* o, const uint8_t* c, const char* a, const char* b,
                 Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    if size == 4:
        for i in range(n): (<uint32_t*>o)[i] = (<uint32_t*>a)[i] if c[i] else (<uint32_t*>b)[i]
    elif size == 8:
        for i in range(n): (<uint64_t*>o)[i] = (<uint64_t*>a)[i] if c[i] else (<uint64_t*>b)[i]
    elif size == 2:
        for i in range(n): (<uint16_t*>o)[i] = (<uint16_t*>a)[i] if c[i] else (<uint16_t*>b)[i]
    else:
        for i in range(n): (<uint8_t*>o)[i] = (<uint8_t*>a)[i] if c[i] else (<uint8_t*>b)[i]


# ------------------------------------------------------------------------------------------------
# Dispatch of one contiguous block to the family loop for a dtype.
cdef struct Job:
    int family
    int op
    int dt
    int nops
    int ndim
    int zerodiv                           # set by integer division kernels (benign race)
    double p0, p1, p2
    char* base[MAXOPS]
    Py_ssize_t isz[MAXOPS]
    Py_ssize_t shape[MAXDIM]
    Py_ssize_t strides[MAXOPS][MAXDIM]    # bytes


cdef void _kernel(Job* j, char** p, Py_ssize_t n) noexcept nogil:
    cdef int f = j.family, op = j.op, dt = j.dt
    if f == F_UNARY:
        if dt == D_F32: _unary_f(op, <float*>p[0], <float*>p[1], n, j.p0, j.p1, j.p2)
        elif dt == D_F64: _unary_f(op, <double*>p[0], <double*>p[1], n, j.p0, j.p1, j.p2)
        elif dt == D_I64: _unary_i(op, <int64_t*>p[0], <int64_t*>p[1], n, j.p0, j.p1, j.p2)
        elif dt == D_I32: _unary_i(op, <int32_t*>p[0], <int32_t*>p[1], n, j.p0, j.p1, j.p2)
        elif dt == D_I16: _unary_i(op, <int16_t*>p[0], <int16_t*>p[1], n, j.p0, j.p1, j.p2)
        elif dt == D_I8: _unary_i(op, <int8_t*>p[0], <int8_t*>p[1], n, j.p0, j.p1, j.p2)
        elif dt == D_BOOL:     # bounds become bool (x != 0), so results stay 0/1
            _unary_i(op, <uint8_t*>p[0], <uint8_t*>p[1], n, <double>(j.p0 != 0),
                     <double>(j.p1 != 0), <double>(j.p2 != 0))
        else: _unary_i(op, <uint8_t*>p[0], <uint8_t*>p[1], n, j.p0, j.p1, j.p2)
    elif f == F_BINARY:
        if dt == D_F32: _binary(op, <float*>p[0], <float*>p[1], <float*>p[2], n, &j.zerodiv)
        elif dt == D_F64: _binary(op, <double*>p[0], <double*>p[1], <double*>p[2], n, &j.zerodiv)
        elif dt == D_I64: _binary(op, <int64_t*>p[0], <int64_t*>p[1], <int64_t*>p[2], n, &j.zerodiv)
        elif dt == D_I32: _binary(op, <int32_t*>p[0], <int32_t*>p[1], <int32_t*>p[2], n, &j.zerodiv)
        elif dt == D_I16: _binary(op, <int16_t*>p[0], <int16_t*>p[1], <int16_t*>p[2], n, &j.zerodiv)
        elif dt == D_I8: _binary(op, <int8_t*>p[0], <int8_t*>p[1], <int8_t*>p[2], n, &j.zerodiv)
        else: _binary(op, <uint8_t*>p[0], <uint8_t*>p[1], <uint8_t*>p[2], n, &j.zerodiv)
    elif f == F_COMPARE:
        if dt == D_F32: _compare(op, <uint8_t*>p[0], <float*>p[1], <float*>p[2], n)
        elif dt == D_F64: _compare(op, <uint8_t*>p[0], <double*>p[1], <double*>p[2], n)
        elif dt == D_I64: _compare(op, <uint8_t*>p[0], <int64_t*>p[1], <int64_t*>p[2], n)
        elif dt == D_I32: _compare(op, <uint8_t*>p[0], <int32_t*>p[1], <int32_t*>p[2], n)
        elif dt == D_I16: _compare(op, <uint8_t*>p[0], <int16_t*>p[1], <int16_t*>p[2], n)
        elif dt == D_I8: _compare(op, <uint8_t*>p[0], <int8_t*>p[1], <int8_t*>p[2], n)
        else: _compare(op, <uint8_t*>p[0], <uint8_t*>p[1], <uint8_t*>p[2], n)
    elif f == F_PREDICATE:
        if dt == D_F32: _predicate(op, <uint8_t*>p[0], <float*>p[1], n)
        else: _predicate(op, <uint8_t*>p[0], <double*>p[1], n)
    elif f == F_TERNARY:
        if dt == D_F32: _ternary(op, <float*>p[0], <float*>p[1], <float*>p[2], <float*>p[3], n, j.p0)
        else: _ternary(op, <double*>p[0], <double*>p[1], <double*>p[2], <double*>p[3], n, j.p0)
    elif f == F_WHERE:
        _where(j.isz[0], p[0], <uint8_t*>p[1], p[2], p[3], n)


cdef inline void _gather(char* dst, const char* src, Py_ssize_t stride, Py_ssize_t size,
                         Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    if stride == 0:
        if size == 4:
            for i in range(n): (<uint32_t*>dst)[i] = (<uint32_t*>src)[0]
        elif size == 8:
            for i in range(n): (<uint64_t*>dst)[i] = (<uint64_t*>src)[0]
        elif size == 2:
            for i in range(n): (<uint16_t*>dst)[i] = (<uint16_t*>src)[0]
        else:
            for i in range(n): dst[i] = src[0]
    elif size == 4:
        for i in range(n): (<uint32_t*>dst)[i] = (<uint32_t*>(src + i * stride))[0]
    elif size == 8:
        for i in range(n): (<uint64_t*>dst)[i] = (<uint64_t*>(src + i * stride))[0]
    elif size == 2:
        for i in range(n): (<uint16_t*>dst)[i] = (<uint16_t*>(src + i * stride))[0]
    else:
        for i in range(n): dst[i] = src[i * stride]


cdef inline void _scatter(char* dst, const char* src, Py_ssize_t stride, Py_ssize_t size,
                          Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    if size == 4:
        for i in range(n): (<uint32_t*>(dst + i * stride))[0] = (<uint32_t*>src)[i]
    elif size == 8:
        for i in range(n): (<uint64_t*>(dst + i * stride))[0] = (<uint64_t*>src)[i]
    elif size == 2:
        for i in range(n): (<uint16_t*>(dst + i * stride))[0] = (<uint16_t*>src)[i]
    else:
        for i in range(n): dst[i * stride] = src[i]


cdef void _run_range(Job* j, Py_ssize_t start, Py_ssize_t stop) noexcept nogil:
    """Apply the job to flat indices [start, stop) of its (coalesced) iteration space."""
    cdef Py_ssize_t idx[MAXDIM]
    cdef char* row[MAXOPS]
    cdef char* p[MAXOPS]
    cdef char buf[MAXOPS][BLOCK * 8]
    cdef int nd = j.ndim, k, d
    cdef Py_ssize_t rem = start, inner = j.shape[nd - 1], pos, cnt, blk, off
    for d in range(nd - 1, -1, -1):
        idx[d] = rem % j.shape[d]
        rem = rem // j.shape[d]
    while start < stop:
        pos = idx[nd - 1]
        cnt = inner - pos
        if cnt > stop - start:
            cnt = stop - start
        for k in range(j.nops):
            row[k] = j.base[k]
            for d in range(nd):
                row[k] += idx[d] * j.strides[k][d]
        off = 0
        while off < cnt:
            blk = cnt - off
            if blk > BLOCK:
                blk = BLOCK
            for k in range(j.nops):
                if j.strides[k][nd - 1] == j.isz[k]:
                    p[k] = row[k] + off * j.isz[k]
                else:
                    p[k] = buf[k]
                    if k > 0:
                        _gather(buf[k], row[k] + off * j.strides[k][nd - 1], j.strides[k][nd - 1],
                                j.isz[k], blk)
            _kernel(j, p, blk)
            if p[0] == buf[0]:
                _scatter(row[0] + off * j.strides[0][nd - 1], buf[0], j.strides[0][nd - 1],
                         j.isz[0], blk)
            off += blk
        start += cnt
        idx[nd - 1] += cnt
        d = nd - 1
        while d > 0 and idx[d] >= j.shape[d]:
            idx[d] = 0
            idx[d - 1] += 1
            d -= 1


cdef void _run(Job* j, Py_ssize_t total) noexcept nogil:
    cdef int t, nt = _nthreads
    cdef Py_ssize_t chunk, lo, hi
    if total < PAR_MIN or nt <= 1:
        _run_range(j, 0, total)
        return
    if nt > total // (PAR_MIN // 4):
        nt = <int>(total // (PAR_MIN // 4))
    chunk = (total + nt - 1) // nt
    chunk = (chunk + 63) // 64 * 64       # whole cache lines per thread
    for t in prange(nt, num_threads=nt, schedule="static"):
        lo = t * chunk
        hi = lo + chunk
        if hi > total:
            hi = total
        if lo < hi:
            _run_range(j, lo, hi)


cdef Py_ssize_t _prepare(Job* j, tuple shape, list operands) except -1:
    """Fill the job's operands from tensors broadcast to `shape`; coalesce; return numel."""
    cdef int nd = len(shape), k, d, e, nops = len(operands), od
    cdef Py_ssize_t total = 1, s
    cdef Storage st
    cdef tuple osh, ost
    if nd > MAXDIM:
        raise RuntimeError(f"tensors with more than {MAXDIM} dimensions are not supported")
    j.nops = nops
    for d in range(nd):
        j.shape[d] = shape[d]
        total *= j.shape[d]
    if total == 0:
        return 0
    for k in range(nops):
        t = operands[k]
        st = t._storage
        j.isz[k] = t.dtype.itemsize
        j.base[k] = st.data + <Py_ssize_t>t._offset * j.isz[k]
        osh = t._shape
        ost = t._stride
        od = len(osh)
        for d in range(nd):
            e = d - (nd - od)
            if e < 0 or <Py_ssize_t>osh[e] == 1:
                j.strides[k][d] = 0
            else:
                j.strides[k][d] = <Py_ssize_t>ost[e] * j.isz[k]
    # drop size-1 dims and merge dims that are contiguous with their inner neighbour for all ops
    cdef int w = 0
    cdef bint merge
    for d in range(nd):
        if j.shape[d] == 1:
            continue
        if w > 0:
            merge = True
            for k in range(nops):
                if j.strides[k][w - 1] != j.strides[k][d] * j.shape[d]:
                    merge = False
                    break
            if merge:
                j.shape[w - 1] *= j.shape[d]
                for k in range(nops):
                    j.strides[k][w - 1] = j.strides[k][d]
                continue
        j.shape[w] = j.shape[d]
        for k in range(nops):
            j.strides[k][w] = j.strides[k][d]
        w += 1
    if w == 0:
        w = 1
        j.shape[0] = 1
        for k in range(nops):
            j.strides[k][0] = j.isz[k]
    j.ndim = w
    return total


def apply(int family, int op, int dt, out, list inputs, double p0=0.0, double p1=0.0, double p2=0.0):
    """out[...] = op(*inputs) elementwise; inputs broadcast to out's shape.

    Inputs must already have the compute dtype `dt` (except where's bool condition); this
    method modifies the `out` parameter. ZeroDivisionError when an integer division op met a
    zero divisor (those elements of `out` hold 0).
    """
    cdef Job j
    j.family = family
    j.op = op
    j.dt = dt
    j.p0 = p0
    j.p1 = p1
    j.p2 = p2
    j.zerodiv = 0
    cdef Py_ssize_t total = _prepare(&j, out._shape, [out] + inputs)
    if total:
        with nogil:
            _run(&j, total)
    if j.zerodiv:
        raise ZeroDivisionError("ZeroDivisionError")


# ------------------------------------------------------------------------------------------------
# Ramps (arange, linspace): out[i] = start + i * step below `split`, end - (n - 1 - i) * step from
# it (linspace's symmetric form keeps both endpoints exact).
cdef void _ramp_f(int dt, char* o, Py_ssize_t n, double start, double step, double end,
                  Py_ssize_t split) noexcept nogil:
    cdef Py_ssize_t i
    cdef double v
    for i in range(n):
        v = start + step * i if i < split else end - step * (n - 1 - i)
        if dt == D_F64: (<double*>o)[i] = v
        elif dt == D_F32: (<float*>o)[i] = <float>v
        elif dt == D_I64: (<int64_t*>o)[i] = <int64_t>v
        elif dt == D_I32: (<int32_t*>o)[i] = <int32_t>v
        elif dt == D_I16: (<int16_t*>o)[i] = <int16_t>v
        elif dt == D_I8: (<int8_t*>o)[i] = <int8_t>v
        elif dt == D_U8: (<uint8_t*>o)[i] = <uint8_t><int64_t>v
        else: (<uint8_t*>o)[i] = v != 0


cdef void _ramp_i(int dt, char* o, Py_ssize_t n, int64_t start, int64_t step) noexcept nogil:
    cdef Py_ssize_t i
    cdef int64_t v
    for i in range(n):
        v = start + step * i          # wraps like the C cast of an out-of-range value
        if dt == D_I64: (<int64_t*>o)[i] = v
        elif dt == D_I32: (<int32_t*>o)[i] = <int32_t>v
        elif dt == D_I16: (<int16_t*>o)[i] = <int16_t>v
        elif dt == D_I8: (<int8_t*>o)[i] = <int8_t>v
        elif dt == D_U8: (<uint8_t*>o)[i] = <uint8_t>v
        else: (<uint8_t*>o)[i] = v != 0


def ramp(out, start, step, end=None, Py_ssize_t split=-1):
    """Fill the contiguous `out` (float32/float64/integer/bool) with a ramp; this method modifies
    the `out` parameter.

    Integer `start`/`step` into an integer `out` (and no `end`) use exact int64 arithmetic;
    everything else is computed in double and converted like a C cast.
    """
    cdef Storage st = out._storage
    cdef int dt = out.dtype.code
    cdef Py_ssize_t n = 1, off = out._offset, isz = out.dtype.itemsize
    for s in out._shape:
        n *= s
    if n == 0:
        return
    cdef char* o = st.data + off * isz
    cdef double fstart, fstep, fend
    cdef int64_t istart, istep
    if split < 0 or split > n:
        split = n
    if dt in (D_F16, D_BF16):
        raise TypeError("ramp: compute half types in float32 and convert")
    if end is None and dt not in (D_F32, D_F64) and isinstance(start, int) and isinstance(step, int):
        istart, istep = start, step
        with nogil:
            _ramp_i(dt, o, n, istart, istep)
        return
    fstart, fstep = start, step
    fend = fstart if end is None else end
    with nogil:
        _ramp_f(dt, o, n, fstart, fstep, fend, split)
