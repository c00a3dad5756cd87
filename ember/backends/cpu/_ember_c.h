/* Small C helpers shared by Ember's Cython kernels: OpenMP shims and SIMD math declarations. */
#ifndef EMBER_C_H
#define EMBER_C_H
#include <math.h>
#include <stdint.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
static inline int ember_max_threads(void) { return omp_get_max_threads(); }
static inline void ember_set_threads(int n) { omp_set_num_threads(n); }
#else
static inline int ember_max_threads(void) { return 1; }
static inline void ember_set_threads(int n) { (void)n; }
#endif

/* glibc >= 2.35 ships vector variants of these in libmvec. Declaring them `omp declare simd` lets
   gcc call e.g. _ZGVeN16v_expf (16 floats per call) from a plain loop, without -ffast-math, so
   NaN/inf semantics stay intact. */
#if defined(__x86_64__) && defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35)) \
    && (defined(_OPENMP) || defined(_OPENMP_SIMD) || defined(__FAST_MATH__) || 1)
#define EMBER_SIMD_DECL _Pragma("omp declare simd notinbranch")
EMBER_SIMD_DECL float expf(float);       EMBER_SIMD_DECL double exp(double);
EMBER_SIMD_DECL float logf(float);       EMBER_SIMD_DECL double log(double);
EMBER_SIMD_DECL float sinf(float);       EMBER_SIMD_DECL double sin(double);
EMBER_SIMD_DECL float cosf(float);       EMBER_SIMD_DECL double cos(double);
EMBER_SIMD_DECL float tanf(float);       EMBER_SIMD_DECL double tan(double);
EMBER_SIMD_DECL float tanhf(float);      EMBER_SIMD_DECL double tanh(double);
EMBER_SIMD_DECL float expm1f(float);     EMBER_SIMD_DECL double expm1(double);
EMBER_SIMD_DECL float log1pf(float);     EMBER_SIMD_DECL double log1p(double);
EMBER_SIMD_DECL float exp2f(float);      EMBER_SIMD_DECL double exp2(double);
EMBER_SIMD_DECL float log2f(float);      EMBER_SIMD_DECL double log2(double);
EMBER_SIMD_DECL float log10f(float);     EMBER_SIMD_DECL double log10(double);
EMBER_SIMD_DECL float erff(float);       EMBER_SIMD_DECL double erf(double);
EMBER_SIMD_DECL float erfcf(float);      EMBER_SIMD_DECL double erfc(double);
EMBER_SIMD_DECL float sinhf(float);      EMBER_SIMD_DECL double sinh(double);
EMBER_SIMD_DECL float coshf(float);      EMBER_SIMD_DECL double cosh(double);
EMBER_SIMD_DECL float asinf(float);      EMBER_SIMD_DECL double asin(double);
EMBER_SIMD_DECL float acosf(float);      EMBER_SIMD_DECL double acos(double);
EMBER_SIMD_DECL float atanf(float);      EMBER_SIMD_DECL double atan(double);
EMBER_SIMD_DECL float asinhf(float);     EMBER_SIMD_DECL double asinh(double);
EMBER_SIMD_DECL float acoshf(float);     EMBER_SIMD_DECL double acosh(double);
EMBER_SIMD_DECL float atanhf(float);     EMBER_SIMD_DECL double atanh(double);
EMBER_SIMD_DECL float powf(float, float);     EMBER_SIMD_DECL double pow(double, double);
EMBER_SIMD_DECL float atan2f(float, float);   EMBER_SIMD_DECL double atan2(double, double);
EMBER_SIMD_DECL float hypotf(float, float);   EMBER_SIMD_DECL double hypot(double, double);
#endif

/* Sum of a contiguous run, vectorized by reassociation (allowed here, not globally). */
#define EMBER_DEFINE_SUM(NAME, T, ACC)                                             \
    static inline ACC NAME(const T* a, int64_t n) {                               \
        ACC s = 0;                                                                 \
        _Pragma("omp simd reduction(+:s)")                                         \
        for (int64_t i = 0; i < n; i++) s += (ACC)a[i];                            \
        return s;                                                                  \
    }
EMBER_DEFINE_SUM(ember_sum_f32, float, float)
EMBER_DEFINE_SUM(ember_sum_f64, double, double)

#endif
