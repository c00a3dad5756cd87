/* The gamma family for _map's unary loops: digamma, polygamma (through the Hurwitz zeta) and the
 * multivariate log-gamma, in double (float32 inputs are computed in double and rounded once).
 * kernels_cl/map_ops.h holds the same algorithms for OpenCL; keep the two in step.
 *
 * Values follow PyTorch (its calc_digamma / calc_polygamma, from cephes) and scipy.special:
 *   digamma(+-0) = -+inf, digamma(negative integer) = digamma(-inf) = NaN;
 *   polygamma(n >= 1, x) = (-1)^(n+1) n! zeta(n + 1, x): +-inf at the poles (x = 0, -1, ... and
 *   -inf: +inf for odd n, -inf for even n), +-0 at +inf.
 */
#ifndef EMBER_SPECIAL_C_H
#define EMBER_SPECIAL_C_H
#include <math.h>

#define EMBER_PI 3.14159265358979323846
#define EMBER_MACHEP 1.11022302462515654042e-16

/* psi(x) = d/dx ln gamma(x): reflection for x < 0, the recurrence psi(x) = psi(x + 1) - 1/x up to
 * x >= 10, then the asymptotic series (cephes psi) */
static inline double ember_digamma(double x)
{
    static const double A[] = {
        8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3,
        -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
        8.33333333333333333333E-2,
    };
    double result = 0, y = 0;
    if (x == 0)
        return copysign(INFINITY, -x);
    if (x < 0) {
        if (x == trunc(x))          /* the poles, and -inf */
            return NAN;
        /* psi(x) = psi(1 - x) - pi / tan(pi x), with the fractional part: tan(pi r) is exact
         * where pi * x would lose the digits of a large |x| */
        result = -EMBER_PI / tan(EMBER_PI * (x - trunc(x)));
        x = 1 - x;
    }
    while (x < 10) {
        result -= 1 / x;
        x += 1;
    }
    if (x == 10)
        return result + 2.25175258906672110764;
    if (x < 1.0e17) {
        double z = 1 / (x * x), p = A[0];
        for (int i = 1; i < 7; ++i)
            p = p * z + A[i];
        y = z * p;
    }
    return result + log(x) - 0.5 / x - y;
}

/* a^-n for an integer n >= 1 as (1 / a)^n by squaring: within ~n/2 ulp, and 10x cheaper than
 * pow(), which dominated the zeta sums (1 / a first: a^n would overflow where a^-n is normal) */
static inline double ember_rpow_int(double a, int n)
{
    double r = 1 / a, p = 1;
    for (; n; n >>= 1) {
        if (n & 1)
            p *= r;
        r *= r;
    }
    return p;
}

/* Hurwitz zeta(n, q) = sum_k (q + k)^-n for q > 0 and an integer n >= 2: direct terms until
 * q + k > 9, then the Euler-Maclaurin tail (cephes zeta). All terms are positive, so
 * b <= MACHEP * sum also ends the sum when the terms underflow (q huge) instead of summing zeros
 * into a NaN. */
static inline double ember_zeta_pos(int n, double q)
{
    /* 1 / A[i] of cephes: (2i)! / B_2i, divisions hoisted out of the loop */
    static const double R[] = {
        1 / 12.0, 1 / -720.0, 1 / 30240.0, 1 / -1209600.0, 1 / 47900160.0,
        1 / -1.8924375803183791606e9, 1 / 7.47242496e10, 1 / -2.950130727918164224e12,
        1 / 1.1646782814350067249e14, 1 / -4.5979787224074726105e15,
        1 / 1.8152105401943546773e17, 1 / -7.1661652561756670113e18,
    };
    double s = n, sum = ember_rpow_int(q, n), a = q, b = 0, w, iw, k, t;
    int i = 0;
    while (i < 9 || a <= 9) {
        i += 1;
        a += 1;
        b = ember_rpow_int(a, n);
        sum += b;
        if (b <= EMBER_MACHEP * sum)
            return sum;
    }
    w = a;
    sum += b * w / (s - 1);
    sum -= 0.5 * b;
    a = 1;
    k = 0;
    iw = 1 / w;
    for (i = 0; i < 12; ++i) {
        a *= s + k;
        b *= iw;
        t = a * b * R[i];
        sum += t;
        if (fabs(t) < EMBER_MACHEP * sum)
            break;
        k += 1;
        a *= s + k;
        b *= iw;
        k += 1;
    }
    return sum;
}

/* zeta(n, q) for an integer n >= 2 and any q. For q < 0 (not an integer), with K = ceil(-q) the
 * K negative terms are (-1)^n (zeta(n, u) - zeta(n, u + K)), u = 1 - q - K: three sums over
 * positive arguments, where cephes would add ~|q| terms one by one (a hang for q = -1e15 + 0.5). */
static inline double ember_zeta_int(int n, double q)
{
    if (q != q)
        return q;
    if (q > 0)
        return ember_zeta_pos(n, q);
    if (q == floor(q))              /* the poles, and -inf */
        return INFINITY;
    /* f and u are exact (Sterbenz) where 1 - (q + K) would round u for q in (-1, 0) */
    double K = ceil(-q), f = q + K, u = -(q + (K - 1));
    double neg = ember_zeta_pos(n, u) - ember_zeta_pos(n, 1 - q);
    return ((n & 1) ? -neg : neg) + ember_zeta_pos(n, f);
}

/* psi^(n)(x): digamma for n = 0, else (-1)^(n+1) n! zeta(n + 1, x) */
static inline double ember_polygamma(int n, double x)
{
    if (n == 0)
        return ember_digamma(x);
    double f = exp(lgamma(n + 1.0)) * ember_zeta_int(n + 1, x);
    return (n & 1) ? f : -f;
}

/* ln Gamma_p(x) = p (p - 1) / 4 ln(pi) + sum_{i < p} ln Gamma(x - i / 2) */
static inline double ember_mvlgamma(double x, int p)
{
    double r = 0.25 * p * (p - 1) * 1.1447298858494002;    /* ln(pi) */
    for (int i = 0; i < p; ++i)
        r += lgamma(x - 0.5 * i);
    return r;
}

#endif
