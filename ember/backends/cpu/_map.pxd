# Declarations and the unary loops of _map.pyx (Cython includes this file into _map automatically):
# op codes, dtype codes, the fused element types, scalar math helpers and the contiguous unary
# loops, kept here so that _map.pyx holds the binary-and-up families and the N-d driver.
from libc.math cimport (
    fabs, exp, expf, exp2, exp2f, expm1, expm1f, log, logf, log2, log2f, log10, log10f,
    log1p, log1pf, sqrt, sin, sinf, cos, cosf, tan, tanf, asin, asinf, acos, acosf, atan,
    atanf, sinh, sinhf, cosh, coshf, tanh, tanhf, asinh, asinhf, acosh, acoshf, atanh, atanhf,
    erf, erff, erfc, erfcf, floor, ceil, nearbyint, trunc, pow, powf, isnan, lgamma, lgammaf,
    INFINITY, NAN, M_PI
)
from libc.stdint cimport int64_t, uint8_t, int8_t, int16_t, int32_t

cdef extern from "_ember_c.h" nogil:
    int ember_max_threads()
    void ember_set_threads(int n)

cdef extern from "_special_c.h" nogil:
    double ember_digamma(double x)
    double ember_polygamma(int n, double x)
    double ember_mvlgamma(double x, int p)

# ------------------------------------------------------------------------------------------------
# Op codes (one vocabulary for every family; a family implements the subset that makes sense)
cdef enum:
    NEG, ABS, SIGN, RECIPROCAL, EXP, EXP2, EXPM1, LOG, LOG2, LOG10, LOG1P, SQRT, RSQRT, SQUARE,
    SIN, COS, TAN, ASIN, ACOS, ATAN, SINH, COSH, TANH, ASINH, ACOSH, ATANH, SIGMOID, LOGIT, ERF,
    ERFC, ERFINV, RELU, GELU, GELU_TANH, SILU, SOFTPLUS, MISH, FLOOR, CEIL, ROUND, ROUND_DEC, TRUNC,
    FRAC, CLAMP, CLAMP_MIN, CLAMP_MAX, POW_SCALAR, RPOW_SCALAR, LEAKY_RELU, ELU, NAN_TO_NUM,
    BITWISE_NOT, LGAMMA, HARDSIGMOID, HARDSWISH, SOFTSIGN, SELU, CELU, THRESHOLD, SINC, LOGICAL_NOT,
    DIGAMMA, POLYGAMMA, MVLGAMMA,
    # binary
    ADD, SUB, MUL, DIV, FLOOR_DIVIDE, TRUNC_DIVIDE, REMAINDER, FMOD, POW, ATAN2, HYPOT, MAXIMUM,
    MINIMUM, FMAX, FMIN, BITWISE_AND, BITWISE_OR, BITWISE_XOR, LSHIFT, RSHIFT, COPYSIGN, XLOGY,
    LOGADDEXP, LOGADDEXP2, RSUB, RELU_BACKWARD,
    # compare / predicates (bool out)
    EQ, NE, LT, LE, GT, GE, ISNAN, ISINF, ISFINITE, SIGNBIT, ISPOSINF, ISNEGINF,
    # ternary
    WHERE, LERP, ADDCMUL, ADDCDIV


# Families
cdef enum:
    F_UNARY, F_BINARY, F_COMPARE, F_PREDICATE, F_TERNARY, F_WHERE

# dtype codes (ember/dtypes.py)
cdef enum:
    D_BOOL, D_U8, D_I8, D_I16, D_I32, D_I64, D_F16, D_BF16, D_F32, D_F64

ctypedef fused num_t:
    uint8_t
    int8_t
    int16_t
    int32_t
    int64_t
    float
    double

ctypedef fused int_t:
    uint8_t
    int8_t
    int16_t
    int32_t
    int64_t

ctypedef fused flt_t:
    float
    double

# ------------------------------------------------------------------------------------------------
# Scalar math helpers (inlined into the loops)
cdef inline double _erfinv(double y) noexcept nogil:
    """Inverse error function: Giles' single-precision start refined by Newton steps.

    For |y| > 0.5 the steps solve ln(erfc(x)) = ln(1 - |y|) instead: 1 - |y| is exact there,
    while erf(x) - y would cancel to a few digits as |y| -> 1, and the log form converges fast
    even where the start is poor (1 - |y| below float32's reach).
    """
    if isnan(y) or y < -1.0 or y > 1.0:
        return NAN
    if y == 1.0:
        return INFINITY
    if y == -1.0:
        return -INFINITY
    cdef double a = fabs(y), w = -log((1.0 - a) * (1.0 + a)), p, x, q, e, dx
    cdef int k
    if w < 5.0:
        w = w - 2.5
        p = 2.81022636e-08
        p = 3.43273939e-07 + p * w
        p = -3.5233877e-06 + p * w
        p = -4.39150654e-06 + p * w
        p = 0.00021858087 + p * w
        p = -0.00125372503 + p * w
        p = -0.00417768164 + p * w
        p = 0.246640727 + p * w
        p = 1.50140941 + p * w
    else:
        w = sqrt(w) - 3.0
        p = -0.000200214257
        p = 0.000100950558 + p * w
        p = 0.00134934322 + p * w
        p = -0.00367342844 + p * w
        p = 0.00573950773 + p * w
        p = -0.0076224613 + p * w
        p = 0.00943887047 + p * w
        p = 1.00167406 + p * w
        p = 2.83297682 + p * w
    x = p * a
    # Newton on f(x) = erf(x) - a (= (1 - a) - erfc(x)), f'(x) = 2/sqrt(pi) exp(-x^2)
    if a <= 0.5:
        x = x - (erf(x) - a) / (1.1283791670955126 * exp(-x * x))
        x = x - (erf(x) - a) / (1.1283791670955126 * exp(-x * x))
    else:
        q = 1.0 - a
        for k in range(10):
            e = erfc(x)
            dx = (log(e) - log(q)) * e / (1.1283791670955126 * exp(-x * x))
            x = x + dx
            if fabs(dx) <= 1e-9 * x:        # quadratic convergence: x is now exact
                break
    return x if y >= 0 else -x


cdef inline num_t _ipow(num_t a, num_t b) noexcept nogil:
    cdef num_t r = 1
    if num_t is float or num_t is double:
        return pow(a, b)
    else:
        if b < 0:
            if a == 1:
                return 1
            if a == -1:
                return 1 if (b % 2 == 0) else <num_t>-1
            return 0
        while b:
            if b & 1:
                r = r * a
            b = b >> 1
            a = a * a
        return r


cdef inline int_t _ipow_scalar(int_t a, int64_t b) noexcept nogil:
    """a ** b for a non-negative int64 exponent, wrapping like C integer arithmetic."""
    cdef int_t r = 1
    while b > 0:
        if b & 1:
            r = <int_t>(r * a)
        b = b >> 1
        a = <int_t>(a * a)
    return r


# ------------------------------------------------------------------------------------------------
# Contiguous loops. `o` is the output, `a`, `b`, `c` inputs; all of length n.
cdef inline void _unary_f(int op, flt_t* o, const flt_t* a, Py_ssize_t n, double p0, double p1,
                   double p2) noexcept nogil:
    cdef Py_ssize_t i
    cdef flt_t x, t, lo = <flt_t>p0, hi = <flt_t>p1
    cdef double d
    if op == NEG:
        for i in range(n): o[i] = -a[i]
    elif op == ABS:
        for i in range(n): o[i] = fabs(a[i])
    elif op == SIGN:
        for i in range(n): o[i] = (a[i] > 0) - (a[i] < 0)
    elif op == RECIPROCAL:
        for i in range(n): o[i] = 1 / a[i]
    elif op == SQUARE:
        for i in range(n): o[i] = a[i] * a[i]
    elif op == SQRT:
        for i in range(n): o[i] = sqrt(a[i])
    elif op == RSQRT:
        for i in range(n): o[i] = 1 / sqrt(a[i])
    elif op == RELU:           # one compare (NaN <= 0 is false, so NaN stays): branch-free, vectorized
        for i in range(n): o[i] = 0 if a[i] <= 0 else a[i]
    elif op == FLOOR:
        for i in range(n): o[i] = floor(a[i])
    elif op == CEIL:
        for i in range(n): o[i] = ceil(a[i])
    elif op == ROUND:
        for i in range(n): o[i] = nearbyint(a[i])
    elif op == ROUND_DEC:      # p0 = 10**|decimals|, p1 = sign of decimals
        if p1 >= 0:
            for i in range(n): o[i] = nearbyint(a[i] * lo) / lo
        else:
            for i in range(n): o[i] = nearbyint(a[i] / lo) * lo
    elif op == TRUNC:
        for i in range(n): o[i] = trunc(a[i])
    elif op == FRAC:
        for i in range(n): o[i] = a[i] - trunc(a[i])
    elif op == CLAMP:          # min(max(x, lo), hi); a NaN input stays NaN, as in PyTorch
        for i in range(n):
            x = a[i]
            if x == x:
                x = lo if x < lo else x
                x = hi if x > hi else x
            o[i] = x
    elif op == CLAMP_MIN:
        for i in range(n): o[i] = a[i] if (a[i] != a[i] or a[i] >= lo) else lo
    elif op == CLAMP_MAX:
        for i in range(n): o[i] = a[i] if (a[i] != a[i] or a[i] <= hi) else hi
    elif op == EXP:
        if flt_t is float:
            for i in range(n): o[i] = expf(a[i])
        else:
            for i in range(n): o[i] = exp(a[i])
    elif op == EXP2:
        if flt_t is float:
            for i in range(n): o[i] = exp2f(a[i])
        else:
            for i in range(n): o[i] = exp2(a[i])
    elif op == EXPM1:
        if flt_t is float:
            for i in range(n): o[i] = expm1f(a[i])
        else:
            for i in range(n): o[i] = expm1(a[i])
    elif op == LOG:
        if flt_t is float:
            for i in range(n): o[i] = logf(a[i])
        else:
            for i in range(n): o[i] = log(a[i])
    elif op == LOG2:
        if flt_t is float:
            for i in range(n): o[i] = log2f(a[i])
        else:
            for i in range(n): o[i] = log2(a[i])
    elif op == LOG10:
        if flt_t is float:
            for i in range(n): o[i] = log10f(a[i])
        else:
            for i in range(n): o[i] = log10(a[i])
    elif op == LOG1P:
        if flt_t is float:
            for i in range(n): o[i] = log1pf(a[i])
        else:
            for i in range(n): o[i] = log1p(a[i])
    elif op == SIN:
        if flt_t is float:
            for i in range(n): o[i] = sinf(a[i])
        else:
            for i in range(n): o[i] = sin(a[i])
    elif op == COS:
        if flt_t is float:
            for i in range(n): o[i] = cosf(a[i])
        else:
            for i in range(n): o[i] = cos(a[i])
    elif op == TAN:
        if flt_t is float:
            for i in range(n): o[i] = tanf(a[i])
        else:
            for i in range(n): o[i] = tan(a[i])
    elif op == ASIN:
        if flt_t is float:
            for i in range(n): o[i] = asinf(a[i])
        else:
            for i in range(n): o[i] = asin(a[i])
    elif op == ACOS:
        if flt_t is float:
            for i in range(n): o[i] = acosf(a[i])
        else:
            for i in range(n): o[i] = acos(a[i])
    elif op == ATAN:
        if flt_t is float:
            for i in range(n): o[i] = atanf(a[i])
        else:
            for i in range(n): o[i] = atan(a[i])
    elif op == SINH:
        if flt_t is float:
            for i in range(n): o[i] = sinhf(a[i])
        else:
            for i in range(n): o[i] = sinh(a[i])
    elif op == COSH:
        if flt_t is float:
            for i in range(n): o[i] = coshf(a[i])
        else:
            for i in range(n): o[i] = cosh(a[i])
    elif op == TANH:
        if flt_t is float:
            for i in range(n): o[i] = tanhf(a[i])
        else:
            for i in range(n): o[i] = tanh(a[i])
    elif op == ASINH:
        if flt_t is float:
            for i in range(n): o[i] = asinhf(a[i])
        else:
            for i in range(n): o[i] = asinh(a[i])
    elif op == ACOSH:
        if flt_t is float:
            for i in range(n): o[i] = acoshf(a[i])
        else:
            for i in range(n): o[i] = acosh(a[i])
    elif op == ATANH:
        if flt_t is float:
            for i in range(n): o[i] = atanhf(a[i])
        else:
            for i in range(n): o[i] = atanh(a[i])
    elif op == ERF:
        if flt_t is float:
            for i in range(n): o[i] = erff(a[i])
        else:
            for i in range(n): o[i] = erf(a[i])
    elif op == ERFC:
        if flt_t is float:
            for i in range(n): o[i] = erfcf(a[i])
        else:
            for i in range(n): o[i] = erfc(a[i])
    elif op == ERFINV:
        for i in range(n): o[i] = <flt_t>_erfinv(a[i])
    elif op == LGAMMA:
        if flt_t is float:
            for i in range(n): o[i] = lgammaf(a[i])
        else:
            for i in range(n): o[i] = lgamma(a[i])
    elif op == DIGAMMA:        # the gamma family in double (_special_c.h), float32 included
        for i in range(n): o[i] = <flt_t>ember_digamma(a[i])
    elif op == POLYGAMMA:      # p0 = n
        for i in range(n): o[i] = <flt_t>ember_polygamma(<int>p0, a[i])
    elif op == MVLGAMMA:       # p0 = p
        for i in range(n): o[i] = <flt_t>ember_mvlgamma(a[i], <int>p0)
    elif op == SIGMOID:
        if flt_t is float:
            for i in range(n): o[i] = 1.0 / (1.0 + expf(-a[i]))
        else:
            for i in range(n): o[i] = 1.0 / (1.0 + exp(-a[i]))
    elif op == LOGIT:          # p0 = eps, or < 0 for none
        for i in range(n):
            x = a[i]
            if p0 >= 0:
                x = lo if x < lo else (1 - lo if x > 1 - lo else x)
            o[i] = log(x / (1 - x))
    elif op == SILU:
        if flt_t is float:
            for i in range(n): o[i] = a[i] / (1.0 + expf(-a[i]))
        else:
            for i in range(n): o[i] = a[i] / (1.0 + exp(-a[i]))
    elif op == GELU:
        if flt_t is float:
            for i in range(n): o[i] = 0.5 * a[i] * (1.0 + erff(a[i] * 0.7071067811865476))
        else:
            for i in range(n): o[i] = 0.5 * a[i] * (1.0 + erf(a[i] * 0.7071067811865476))
    elif op == GELU_TANH:
        if flt_t is float:
            for i in range(n):
                x = a[i]
                o[i] = 0.5 * x * (1.0 + tanhf(0.7978845608028654 * (x + 0.044715 * x * x * x)))
        else:
            for i in range(n):
                x = a[i]
                o[i] = 0.5 * x * (1.0 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))
    elif op == SOFTPLUS:       # p0 = beta, p1 = threshold
        for i in range(n):
            x = a[i] * lo
            o[i] = a[i] if x > hi else log1p(exp(x)) / lo
    elif op == MISH:
        for i in range(n):
            x = a[i]
            o[i] = x * tanh(log1p(exp(x))) if x < 20 else x
    elif op == POW_SCALAR:     # a ** p0
        if p0 == 2:
            for i in range(n): o[i] = a[i] * a[i]
        elif p0 == 0.5:
            for i in range(n): o[i] = sqrt(a[i])
        elif flt_t is float:
            for i in range(n): o[i] = powf(a[i], lo)
        else:
            for i in range(n): o[i] = pow(a[i], lo)
    elif op == RPOW_SCALAR:    # p0 ** a
        if flt_t is float:
            for i in range(n): o[i] = powf(lo, a[i])
        else:
            for i in range(n): o[i] = pow(lo, a[i])
    elif op == LEAKY_RELU:
        for i in range(n): o[i] = a[i] if a[i] > 0 else a[i] * lo
    elif op == ELU:            # p0 = alpha, p1 = scale, p2 = input_scale
        for i in range(n):
            x = a[i]
            o[i] = <flt_t>(p1 * x) if x > 0 else <flt_t>(p1 * p0 * expm1(x * p2))
    elif op == SELU:
        for i in range(n):
            x = a[i]
            o[i] = <flt_t>(1.0507009873554805 * x) if x > 0 else \
                <flt_t>(1.0507009873554805 * 1.6732632423543772 * expm1(x))
    elif op == CELU:           # p0 = alpha
        for i in range(n):
            x = a[i]
            o[i] = x if x > 0 else <flt_t>(p0 * expm1(x / p0))
    elif op == THRESHOLD:      # p1 if x <= p0 else x (torch's formula: NaN stays NaN)
        for i in range(n): o[i] = hi if a[i] <= lo else a[i]
    elif op == HARDSIGMOID:    # min(max(x + 3, 0), 6) / 6, PyTorch's rounding
        for i in range(n):
            x = a[i] + 3
            o[i] = x if x != x else (0 if x <= 0 else (1 if x >= 6 else x / 6))
    elif op == HARDSWISH:      # x * min(max(x + 3, 0), 6) / 6: -inf gives NaN, as in PyTorch
        for i in range(n):
            x = a[i]
            t = x + 3
            t = t if t != t else (0 if t <= 0 else (6 if t >= 6 else t))
            o[i] = x * t / 6
    elif op == SOFTSIGN:
        for i in range(n): o[i] = a[i] / (1 + fabs(a[i]))
    elif op == SINC:
        for i in range(n):
            if a[i] == 0:
                o[i] = 1
            else:
                d = M_PI * a[i]
                o[i] = <flt_t>(sin(d) / d)
    elif op == NAN_TO_NUM:     # p0 = nan, p1 = posinf, p2 = neginf
        for i in range(n):
            x = a[i]
            o[i] = lo if x != x else (hi if x == INFINITY else (<flt_t>p2 if x == -INFINITY else x))


cdef inline void _unary_i(int op, int_t* o, const int_t* a, Py_ssize_t n, double p0, double p1,
                   double p2) noexcept nogil:
    cdef Py_ssize_t i
    # through int64: a double out of the narrow type's range wraps (defined), never C's UB
    cdef int_t lo = <int_t><int64_t>p0, hi = <int_t><int64_t>p1
    if op == NEG:
        for i in range(n): o[i] = -a[i]
    elif op == ABS:
        for i in range(n): o[i] = a[i] if a[i] >= 0 else -a[i]
    elif op == SIGN:
        for i in range(n): o[i] = (a[i] > 0) - (a[i] < 0)
    elif op == SQUARE:
        for i in range(n): o[i] = a[i] * a[i]
    elif op == BITWISE_NOT:
        for i in range(n): o[i] = ~a[i]
    elif op == LOGICAL_NOT:
        for i in range(n): o[i] = a[i] == 0
    elif op == RELU:
        for i in range(n): o[i] = a[i] if a[i] > 0 else 0
    elif op == CLAMP:          # min(max(x, lo), hi): lo > hi gives hi everywhere
        for i in range(n): o[i] = hi if lo > hi else (lo if a[i] < lo else (hi if a[i] > hi else a[i]))
    elif op == CLAMP_MIN:
        for i in range(n): o[i] = a[i] if a[i] >= lo else lo
    elif op == CLAMP_MAX:
        for i in range(n): o[i] = a[i] if a[i] <= hi else hi
    elif op == FLOOR or op == CEIL or op == ROUND or op == TRUNC:
        for i in range(n): o[i] = a[i]
    elif op == FRAC:
        for i in range(n): o[i] = 0
    elif op == POW_SCALAR:     # the exponent stays an int64 (a ** 1000 on int8 wraps, no UB)
        for i in range(n): o[i] = _ipow_scalar(a[i], <int64_t>p0)
    elif op == THRESHOLD:      # x if x > p0 else p1 (bounds converted to the integer type)
        for i in range(n): o[i] = a[i] if a[i] > lo else hi
