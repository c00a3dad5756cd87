/* The elementwise op table: one row per op code of ember/backends/cpu/_map.pyx, same semantics.
 *
 * Rows are X-macros that map.cl expands into kernels:
 *   UOP(name, expr)   unary:     x (T), parameters p0 p1 p2 (PT) and lo = TPARAM(p0), hi = TPARAM(p1)
 *   BOP(name, expr)   binary:    a, b (T); integer division rows may set *err (zero divisor)
 *   COP(name, expr)   compare:   a, b (T) -> bool
 *   POP(name, expr)   predicate: x (T, floating) -> bool
 *   TOP(name, expr)   ternary:   a, b, c (T, floating), v = (T)p0
 * The host asks the built program which kernels exist, so a row is all an op needs.
 * Integer arithmetic that may overflow runs in the unsigned twin UT: it wraps, as the CPU's
 * -fwrapv build does, instead of being undefined.
 */

/* ---- helpers -------------------------------------------------------------------------------- */
#if T_IS_FLOAT

#ifdef EMBER_FP64
typedef double WT;              /* wide type for the few formulas the CPU evaluates in double */
#else
typedef float WT;
#endif

/* inverse error function, as the CPU's _erfinv: Giles' single-precision start refined by Newton
 * steps; for |y| > 0.5 they solve ln(erfc(x)) = ln(1 - |y|), exact where erf(x) - y cancels */
FN WT erfinv_(WT y)
{
    if (y != y || y < -1 || y > 1)
        return NAN;
    if (y == 1)
        return INFINITY;
    if (y == -1)
        return -INFINITY;
    WT a = fabs(y), w = -log((1 - a) * (1 + a)), p;
    if (w < 5) {
        w = w - (WT)2.5;
        p = (WT)2.81022636e-08;
        p = (WT)3.43273939e-07 + p * w;
        p = (WT)-3.5233877e-06 + p * w;
        p = (WT)-4.39150654e-06 + p * w;
        p = (WT)0.00021858087 + p * w;
        p = (WT)-0.00125372503 + p * w;
        p = (WT)-0.00417768164 + p * w;
        p = (WT)0.246640727 + p * w;
        p = (WT)1.50140941 + p * w;
    } else {
        w = sqrt(w) - 3;
        p = (WT)-0.000200214257;
        p = (WT)0.000100950558 + p * w;
        p = (WT)0.00134934322 + p * w;
        p = (WT)-0.00367342844 + p * w;
        p = (WT)0.00573950773 + p * w;
        p = (WT)-0.0076224613 + p * w;
        p = (WT)0.00943887047 + p * w;
        p = (WT)1.00167406 + p * w;
        p = (WT)2.83297682 + p * w;
    }
    WT x = p * a;
    const WT k = (WT)1.1283791670955126;        /* 2 / sqrt(pi) */
    if (a <= (WT)0.5) {
        x = x - (erf(x) - a) / (k * exp(-x * x));
        x = x - (erf(x) - a) / (k * exp(-x * x));
    } else {
        WT q = 1 - a;
        for (int it = 0; it < 10; ++it) {
            WT e = erfc(x);
            WT dx = (log(e) - log(q)) * e / (k * exp(-x * x));
            x = x + dx;
            if (fabs(dx) <= (WT)1e-9 * x)
                break;
        }
    }
    return y >= 0 ? x : -x;
}

/* ---- the gamma family, in WT: the algorithms of ember/backends/cpu/_special_c.h (see there) -- */
FN WT digamma_(WT x)
{
    const WT A[7] = {(WT)8.33333333333333333333E-2, (WT)-2.10927960927960927961E-2,
                     (WT)7.57575757575757575758E-3, (WT)-4.16666666666666666667E-3,
                     (WT)3.96825396825396825397E-3, (WT)-8.33333333333333333333E-3,
                     (WT)8.33333333333333333333E-2};
    WT result = 0, y = 0;
    if (x == 0)
        return copysign((WT)INFINITY, -x);
    if (x < 0) {
        if (x == trunc(x))
            return NAN;
        result = -(WT)M_PI / tan((WT)M_PI * (x - trunc(x)));
        x = 1 - x;
    }
    while (x < 10) {
        result -= 1 / x;
        x += 1;
    }
    if (x == 10)
        return result + (WT)2.25175258906672110764;
    if (x < (WT)1.0e17) {
        WT z = 1 / (x * x), p = A[0];
        for (int i = 1; i < 7; ++i)
            p = p * z + A[i];
        y = z * p;
    }
    return result + log(x) - (WT)0.5 / x - y;
}

/* a^-n, integer n >= 1, as (1 / a)^n by squaring */
FN WT rpow_int_(WT a, int n)
{
    WT r = 1 / a, p = 1;
    for (; n; n >>= 1) {
        if (n & 1)
            p *= r;
        r *= r;
    }
    return p;
}

/* Hurwitz zeta(n, q), q > 0, integer n >= 2 */
FN WT zeta_pos_(int n, WT q)
{
    const WT R[12] = {(WT)(1 / 12.0), (WT)(1 / -720.0), (WT)(1 / 30240.0), (WT)(1 / -1209600.0),
                      (WT)(1 / 47900160.0), (WT)(1 / -1.8924375803183791606e9),
                      (WT)(1 / 7.47242496e10), (WT)(1 / -2.950130727918164224e12),
                      (WT)(1 / 1.1646782814350067249e14), (WT)(1 / -4.5979787224074726105e15),
                      (WT)(1 / 1.8152105401943546773e17), (WT)(1 / -7.1661652561756670113e18)};
    const WT machep = (WT)1.11022302462515654042e-16;
    WT s = (WT)n, sum = rpow_int_(q, n), a = q, b = 0, w, iw, k, t;
    int i = 0;
    while (i < 9 || a <= 9) {
        i += 1;
        a += 1;
        b = rpow_int_(a, n);
        sum += b;
        if (b <= machep * sum)
            return sum;
    }
    w = a;
    sum += b * w / (s - 1);
    sum -= (WT)0.5 * b;
    a = 1;
    k = 0;
    iw = 1 / w;
    for (i = 0; i < 12; ++i) {
        a *= s + k;
        b *= iw;
        t = a * b * R[i];
        sum += t;
        if (fabs(t) < machep * sum)
            break;
        k += 1;
        a *= s + k;
        b *= iw;
        k += 1;
    }
    return sum;
}

/* zeta(n, q) for an integer n >= 2 and any q (negative q: three sums over positive arguments) */
FN WT zeta_int_(int n, WT q)
{
    if (q != q)
        return q;
    if (q > 0)
        return zeta_pos_(n, q);
    if (q == floor(q))
        return INFINITY;
    WT K = ceil(-q), f = q + K, u = -(q + (K - 1));
    WT neg = zeta_pos_(n, u) - zeta_pos_(n, 1 - q);
    return ((n & 1) ? -neg : neg) + zeta_pos_(n, f);
}

FN WT polygamma_(int n, WT x)
{
    if (n == 0)
        return digamma_(x);
    WT f = exp(lgamma((WT)n + 1)) * zeta_int_(n + 1, x);
    return (n & 1) ? f : -f;
}

FN WT mvlgamma_(WT x, int p)
{
    WT r = (WT)0.25 * (WT)p * (WT)(p - 1) * (WT)1.1447298858494002;
    for (int i = 0; i < p; ++i)
        r += lgamma(x - (WT)0.5 * (WT)i);
    return r;
}

/* tanh, exactly +-1 once it rounds there: PoCL's float tanh stops at +-0.99999994, which turns
 * gelu_tanh(-inf) into -inf instead of NaN and leaves gelu_tanh(-20) a tiny nonzero */
FN T tanh_(T x)
{
    return fabs(x) > (sizeof(T) == 4 ? (T)9.1 : (T)19.1) ? copysign((T)1, x) : tanh(x);
}

FN T sinc_(T x)
{
    if (x == 0)
        return 1;
    WT d = (WT)M_PI * (WT)x;
    return (T)(sin(d) / d);
}

/* NaN stays NaN; lo > hi gives hi */
FN T clamp_(T x, T lo, T hi)
{
    if (x != x)
        return x;
    x = x < lo ? lo : x;
    return x > hi ? hi : x;
}

/* p0 < 0: no eps; else x is first clamped to [eps, 1 - eps] */
FN T logit_(T x, PT p0, T lo)
{
    if (p0 >= 0)
        x = x < lo ? lo : (x > 1 - lo ? 1 - lo : x);
    return log(x / (1 - x));
}

/* x * min(max(x + 3, 0), 6) / 6: -inf gives NaN, as in PyTorch */
FN T hardswish_(T x)
{
    T t = x + 3;
    t = t != t ? t : (t <= 0 ? (T)0 : (t >= 6 ? (T)6 : t));
    return x * t / 6;
}

/* min(max(x + 3, 0), 6) / 6 with PyTorch's rounding (exact 0 and 1 at the ends) */
FN T hardsigmoid_(T a)
{
    T x = a + 3;
    return x != x ? x : (x <= 0 ? (T)0 : (x >= 6 ? (T)1 : x / 6));
}

FN T pow_scalar_(T x, PT p0)
{
    if (p0 == 2)
        return x * x;
    if (p0 == 0.5)
        return sqrt(x);
    return pow(x, (T)p0);
}

/* PyTorch's div_floor: floor((a - fmod(a, b)) / b) with a sign fix-up */
FN T floor_divide_(T x, T y)
{
    if (y == 0)
        return x / y;
    T r = fmod(x, y);
    T m = (x - r) / y;
    if (r != 0 && ((y < 0) != (r < 0)))
        m = m - 1;
    if (m != 0) {
        T f = floor(m);
        return m - f > (T)0.5 ? f + 1 : f;
    }
    return copysign((T)0, x / y);
}

FN T remainder_(T a, T b)
{
    T x = fmod(a, b);
    return (x != 0 && ((x < 0) != (b < 0))) ? x + b : x;
}

FN T xlogy_(T a, T b)
{
    if (b != b)
        return b;
    if (a == 0)
        return 0;
    return a * log(b);
}

/* ln(e^x + e^y) (base 2 when `two`), exact at equal infinities, NaN-propagating */
FN T logaddexp_(T x, T y, int two)
{
    if (x == y && isinf(x))
        return x;
    T m = x > y ? x : y;
    if (m != m)
        return m;
    T d = -fabs(x - y);
    return two ? m + log1p(exp2(d)) * (T)1.4426950408889634 : m + log1p(exp(d));
}

FN T lerp_(T a, T b, T w)
{
    return fabs(w) < (T)0.5 ? a + w * (b - a) : b - (b - a) * (1 - w);
}

#else /* integer T */

FN T ipow_(T a, T b)
{
#if T_SIGNED
    if (b < 0) {
        if (a == 1)
            return 1;
        if (a == -1)
            return (b % 2 == 0) ? (T)1 : (T)-1;
        return 0;
    }
#endif
    UT r = 1, x = (UT)a;
    while (b) {
        if (b & 1)
            r = (UT)(r * x);
        b = b >> 1;
        x = (UT)(x * x);
    }
    return (T)r;
}

/* a ** b for a non-negative int64 exponent (pow_scalar: a ** 1000 on int8 wraps) */
FN T ipow_scalar_(T a, long b)
{
    UT r = 1, x = (UT)a;
    while (b > 0) {
        if (b & 1)
            r = (UT)(r * x);
        b = b >> 1;
        x = (UT)(x * x);
    }
    return (T)r;
}

/* integer division rows: a zero divisor writes 0 and raises the error flag (ZeroDivisionError) */
#if T_SIGNED
#define IS_MINUS_ONE(y) ((y) == (T)-1)
#else
#define IS_MINUS_ONE(y) 0
#endif

FN T floor_divide_i(T x, T y, __global int* err)
{
    if (y == 0) {
        *err = 1;
        return 0;
    }
    if (IS_MINUS_ONE(y))
        return (T)(-(UT)x);
    T r = x / y;
    if ((x % y != 0) && ((x < 0) != (y < 0)))
        r = r - 1;
    return r;
}

FN T trunc_divide_i(T x, T y, __global int* err)
{
    if (y == 0) {
        *err = 1;
        return 0;
    }
    return IS_MINUS_ONE(y) ? (T)(-(UT)x) : (T)(x / y);
}

FN T remainder_i(T a, T b, __global int* err)
{
    if (b == 0) {
        *err = 1;
        return 0;
    }
    if (IS_MINUS_ONE(b))
        return 0;
    T x = a % b;
    return (x != 0 && ((x < 0) != (b < 0))) ? (T)(x + b) : x;
}

FN T fmod_i(T a, T b, __global int* err)
{
    if (b == 0) {
        *err = 1;
        return 0;
    }
    return IS_MINUS_ONE(b) ? (T)0 : (T)(a % b);
}

FN T lshift_(T a, T b)
{
    return (b < 0 || b >= T_BITS) ? (T)0 : (T)((UT)a << b);
}

FN T rshift_(T a, T b)
{
    if (b < 0 || b >= T_BITS)
        return a < 0 ? (T)-1 : (T)0;
    return (T)(a >> b);
}
#endif

/* ---- unary ---------------------------------------------------------------------------------- */
#ifdef UOP
#if T_IS_FLOAT
UOP(neg, -x)
UOP(abs, fabs(x))
UOP(sign, (T)((x > 0) - (x < 0)))
UOP(reciprocal, 1 / x)
UOP(exp, exp(x))
UOP(exp2, exp2(x))
UOP(expm1, expm1(x))
UOP(log, log(x))
UOP(log2, log2(x))
UOP(log10, log10(x))
UOP(log1p, log1p(x))
UOP(sqrt, sqrt(x))
UOP(rsqrt, 1 / sqrt(x))
UOP(square, x * x)
UOP(sin, sin(x))
UOP(cos, cos(x))
UOP(tan, tan(x))
UOP(asin, asin(x))
UOP(acos, acos(x))
UOP(atan, atan(x))
UOP(sinh, sinh(x))
UOP(cosh, cosh(x))
UOP(tanh, tanh_(x))
UOP(asinh, asinh(x))
UOP(acosh, acosh(x))
UOP(atanh, atanh(x))
UOP(sigmoid, 1 / (1 + exp(-x)))
UOP(logit, logit_(x, p0, lo))
UOP(erf, erf(x))
UOP(erfc, erfc(x))
UOP(erfinv, (T)erfinv_((WT)x))
UOP(relu, (x > 0 || x != x) ? x : 0)
UOP(gelu, (T)0.5 * x * (1 + erf(x * (T)0.7071067811865476)))
UOP(gelu_tanh, (T)0.5 * x * (1 + tanh_((T)0.7978845608028654 * (x + (T)0.044715 * x * x * x))))
UOP(silu, x / (1 + exp(-x)))
UOP(softplus, x * lo > hi ? x : log1p(exp(x * lo)) / lo)
UOP(mish, x < 20 ? x * tanh_(log1p(exp(x))) : x)
UOP(floor, floor(x))
UOP(ceil, ceil(x))
UOP(round, rint(x))
UOP(round_dec, p1 >= 0 ? rint(x * lo) / lo : rint(x / lo) * lo)
UOP(trunc, trunc(x))
UOP(frac, x - trunc(x))
UOP(clamp, clamp_(x, lo, hi))
UOP(clamp_min, (x != x || x >= lo) ? x : lo)
UOP(clamp_max, (x != x || x <= hi) ? x : hi)
UOP(pow_scalar, pow_scalar_(x, p0))
UOP(rpow_scalar, pow(lo, x))
UOP(leaky_relu, x > 0 ? x : x * lo)
UOP(elu, x > 0 ? (T)p1 * x : (T)p1 * (T)p0 * expm1(x * (T)p2))
UOP(nan_to_num, x != x ? lo : (x == INFINITY ? hi : (x == -INFINITY ? (T)p2 : x)))
UOP(lgamma, lgamma(x))
UOP(digamma, (T)digamma_((WT)x))
UOP(polygamma, (T)polygamma_((int)p0, (WT)x))
UOP(mvlgamma, (T)mvlgamma_((WT)x, (int)p0))
UOP(hardsigmoid, hardsigmoid_(x))
UOP(hardswish, hardswish_(x))
UOP(softsign, x / (1 + fabs(x)))
UOP(selu, x > 0 ? (T)1.0507009873554805 * x : (T)(1.0507009873554805 * 1.6732632423543772) * expm1(x))
UOP(celu, x > 0 ? x : (T)p0 * expm1(x / (T)p0))
UOP(threshold, x <= lo ? hi : x)
UOP(sinc, sinc_(x))
#else
UOP(neg, (T)(-(UT)x))
UOP(abs, x >= 0 ? x : (T)(-(UT)x))
UOP(sign, (T)((x > 0) - (x < 0)))
UOP(square, (T)((UT)x * (UT)x))
UOP(bitwise_not, (T)~x)
UOP(logical_not, (T)(x == 0))
UOP(relu, x > 0 ? x : (T)0)
UOP(clamp, lo > hi ? hi : (x < lo ? lo : (x > hi ? hi : x)))
UOP(clamp_min, x >= lo ? x : lo)
UOP(clamp_max, x <= hi ? x : hi)
UOP(floor, x)
UOP(ceil, x)
UOP(round, x)
UOP(trunc, x)
UOP(frac, (T)0)
UOP(pow_scalar, ipow_scalar_(x, (long)p0))
UOP(threshold, x > lo ? x : hi)
#endif
#endif /* UOP */

/* ---- binary --------------------------------------------------------------------------------- */
#ifdef BOP
#if T_IS_FLOAT
BOP(add, a + b)
BOP(sub, a - b)
BOP(rsub, b - a)
BOP(relu_backward, b <= (T)0 ? (T)0 : a)
BOP(mul, a * b)
BOP(div, a / b)
BOP(floor_divide, floor_divide_(a, b))
BOP(trunc_divide, trunc(a / b))
BOP(remainder, remainder_(a, b))
BOP(fmod, fmod(a, b))
BOP(pow, pow(a, b))
BOP(atan2, atan2(a, b))
BOP(hypot, hypot(a, b))
BOP(maximum, (a > b || a != a) ? a : b)
BOP(minimum, (a < b || a != a) ? a : b)
BOP(fmax, fmax(a, b))
BOP(fmin, fmin(a, b))
BOP(copysign, copysign(a, b))
BOP(xlogy, xlogy_(a, b))
BOP(logaddexp, logaddexp_(a, b, 0))
BOP(logaddexp2, logaddexp_(a, b, 1))
#else
BOP(add, (T)((UT)a + (UT)b))
BOP(sub, (T)((UT)a - (UT)b))
BOP(rsub, (T)((UT)b - (UT)a))
BOP(relu_backward, b <= (T)0 ? (T)0 : a)
BOP(mul, (T)((UT)a * (UT)b))
BOP(div, trunc_divide_i(a, b, err))
BOP(floor_divide, floor_divide_i(a, b, err))
BOP(trunc_divide, trunc_divide_i(a, b, err))
BOP(remainder, remainder_i(a, b, err))
BOP(fmod, fmod_i(a, b, err))
BOP(pow, ipow_(a, b))
BOP(maximum, a > b ? a : b)
BOP(minimum, a < b ? a : b)
BOP(fmax, a > b ? a : b)
BOP(fmin, a < b ? a : b)
BOP(bitwise_and, (T)(a & b))
BOP(bitwise_or, (T)(a | b))
BOP(bitwise_xor, (T)(a ^ b))
BOP(bitwise_left_shift, lshift_(a, b))
BOP(bitwise_right_shift, rshift_(a, b))
#endif
#endif /* BOP */

/* ---- compare / predicate -------------------------------------------------------------------- */
#ifdef COP
COP(eq, a == b)
COP(ne, a != b)
COP(lt, a < b)
COP(le, a <= b)
COP(gt, a > b)
COP(ge, a >= b)
#endif

#if defined(POP) && T_IS_FLOAT
POP(isnan, x != x)
POP(isinf, x == INFINITY || x == -INFINITY)
POP(isfinite, x - x == 0)
POP(signbit, signbit(x) != 0)
POP(isposinf, x == INFINITY)
POP(isneginf, x == -INFINITY)
#endif

/* ---- ternary -------------------------------------------------------------------------------- */
#if defined(TOP) && T_IS_FLOAT
TOP(lerp, lerp_(a, b, c))
TOP(addcmul, a + v * b * c)
TOP(addcdiv, a + v * b / c)
#endif
