/* Fused optimizer updates: one work-item per element updates the parameter and its state in
 * place, reading the gradient and the state once (PyTorch's for-loop optimizers make 4-6 passes).
 *
 * One program per parameter dtype (-D IN_CODE: float32, float64). The arithmetic is the CPU
 * backend's (_optim.pyx), in the parameter's precision: the host rounds the derived scalars to it
 * first (1 - beta1, 1 - lr*wd, -step_size, ...), as PyTorch's kernels do. Launched flat (launch.py:
 * no bounds check); every buffer comes with its element offset. flags: see each kernel.
 */
#include "common.h"

#define F_AMSGRAD 1
#define F_MAXIMIZE 2
#define F_L2 4              /* weight decay added to the gradient (Adam, SGD) */
#define F_DECOUPLED 8       /* weight decay applied to the parameter (AdamW) */
#define F_LOW_W 16          /* lerp from the start: |1 - beta1| < 0.5 */
#define F_MOMENTUM 32
#define F_FIRST 64          /* the momentum buffer starts as the gradient */
#define F_NESTEROV 128

/* the shared steps (the CPU kernels' order): x = ±grad; pi = p, then DECAY (the decoupled
 * weight decay of the kernels that have it); x += wd*pi with L2 weight decay */
#define GRAD_AND_PARAM(DECAY)                                                                  \
    long i = get_global_id(0);                                                                 \
    T x = g[go + i];                                                                           \
    if (flags & F_MAXIMIZE)                                                                    \
        x = -x;                                                                                \
    T pi = p[po + i];                                                                          \
    DECAY                                                                                      \
    if (flags & F_L2)                                                                          \
        x = x + wd * pi;
#define DECOUPLED_DECAY if (flags & F_DECOUPLED) pi = pi * decay;
/* m = lerp(m, x, w), PyTorch's two-branch lerp; stored */
#define FIRST_MOMENT(mi)                                                                       \
    T mi = m[mo + i];                                                                          \
    mi = (flags & F_LOW_W) ? mi + w * (x - mi) : x - (x - mi) * (1 - w);                       \
    m[mo + i] = mi;
/* v = v*b2 + c2*x*x; stored */
#define SECOND_MOMENT(vi, vbuf, vo, b2, c2)                                                    \
    T vi = vbuf[vo + i] * b2;                                                                  \
    vi = vi + c2 * x * x;                                                                      \
    vbuf[vo + i] = vi;

/* p += -step * m / (sqrt(v) / bc2 + eps) after m = lerp(m, g, w), v = v*b2 + c2*g*g (amsgrad:
 * v = vmax = max(vmax, v), NaN-propagating); g = ±grad (+ wd*p), p *= decay when decoupled */
__kernel void adam_step(__global T* p, long po, __global const T* g, long go, __global T* m,
                        long mo, __global T* v, long vo, __global T* vmax, long xo, T w, T b2,
                        T c2, T wd, T decay, T eps, T bc2, T neg_step, int flags)
{
    GRAD_AND_PARAM(DECOUPLED_DECAY)
    FIRST_MOMENT(mi)
    SECOND_MOMENT(vi, v, vo, b2, c2)
    if (flags & F_AMSGRAD) {
        T vm = vmax[xo + i];
        vi = (vm > vi || vm != vm) ? vm : vi;
        vmax[xo + i] = vi;
    }
    p[po + i] = pi + neg_step * mi / (sqrt(vi) / bc2 + eps);
}

/* g = ±grad + wd*p; momentum: buf = g (first step) or buf*momentum + damp*g, then
 * g = g + momentum*buf (nesterov) or buf; p += neg_lr * g */
__kernel void sgd_step(__global T* p, long po, __global const T* g, long go, __global T* buf,
                       long bo, T wd, T mom, T damp, T neg_lr, int flags)
{
    long i = get_global_id(0);
    T x = g[go + i];
    if (flags & F_MAXIMIZE)
        x = -x;
    if (flags & F_L2)
        x = x + wd * p[po + i];
    if (flags & F_MOMENTUM) {
        T b = (flags & F_FIRST) ? x : buf[bo + i] * mom + damp * x;
        buf[bo + i] = b;
        x = (flags & F_NESTEROV) ? x + mom * b : b;
    }
    p[po + i] = p[po + i] + neg_lr * x;
}

#define F_CENTERED 256      /* RMSprop: normalise by the variance estimate (grad_avg) */
#define F_RECTIFIED 512     /* RAdam: the rectified step (rho_t > 5) */

/* the flags used below: F_MAXIMIZE, F_L2 (g += wd*p), F_DECOUPLED (p *= decay), F_LOW_W (the
 * lerp weight is under 0.5 in magnitude), F_MOMENTUM, F_CENTERED, F_RECTIFIED. Every kernel's
 * arithmetic is its _optim.pyx loop's, operation by operation. */

/* g = ±grad + wd*p; v = v*alpha + c*g*g; centered: ga = lerp(ga, g, c), avg = sqrt(v - ga*ga),
 * else avg = sqrt(v); avg += eps; momentum: buf = buf*mom + g/avg, p += neg_lr*buf; else
 * p += neg_lr*g/avg */
__kernel void rmsprop_step(__global T* p, long po, __global const T* g, long go, __global T* sq,
                           long so, __global T* gavg, long ao, __global T* buf, long bo, T alpha,
                           T c, T wd, T eps, T mom, T neg_lr, int flags)
{
    GRAD_AND_PARAM()
    SECOND_MOMENT(vi, sq, so, alpha, c)
    T avg;
    if (flags & F_CENTERED) {
        T gi = gavg[ao + i];
        gi = (flags & F_LOW_W) ? gi + c * (x - gi) : x - (x - gi) * (1 - c);
        gavg[ao + i] = gi;
        avg = sqrt(vi - gi * gi);
    } else {
        avg = sqrt(vi);
    }
    avg = avg + eps;
    if (flags & F_MOMENTUM) {
        T b = buf[bo + i] * mom;
        b = b + x / avg;
        buf[bo + i] = b;
        p[po + i] = pi + neg_lr * b;
    } else {
        p[po + i] = pi + neg_lr * x / avg;
    }
}

/* g = ±grad + wd*p; sum += g*g; p += neg_clr*g / (sqrt(sum) + eps) */
__kernel void adagrad_step(__global T* p, long po, __global const T* g, long go, __global T* s,
                           long so, T wd, T eps, T neg_clr, int flags)
{
    GRAD_AND_PARAM()
    T si = s[so + i] + x * x;
    s[so + i] = si;
    p[po + i] = pi + neg_clr * x / (sqrt(si) + eps);
}

/* g = ±grad + wd*p; v = v*rho + c*g*g; d = sqrt(u + eps) / sqrt(v + eps) * g;
 * u = u*rho + c*d*d; p += neg_lr*d */
__kernel void adadelta_step(__global T* p, long po, __global const T* g, long go, __global T* sq,
                            long so, __global T* acc, long uo, T rho, T c, T eps, T wd, T neg_lr,
                            int flags)
{
    GRAD_AND_PARAM()
    SECOND_MOMENT(vi, sq, so, rho, c)
    T ui = acc[uo + i];
    T d = sqrt(ui + eps) / sqrt(vi + eps);
    d = d * x;
    ui = ui * rho;
    acc[uo + i] = ui + c * d * d;
    p[po + i] = pi + neg_lr * d;
}

/* g = ±grad + wd*p; m = lerp(m, g, w); u = max(u*b2, |g| + eps) (NaN-propagating);
 * p += neg_clr*m/u */
__kernel void adamax_step(__global T* p, long po, __global const T* g, long go, __global T* m,
                          long mo, __global T* u, long uo, T w, T b2, T eps, T wd, T neg_clr,
                          int flags)
{
    GRAD_AND_PARAM()
    FIRST_MOMENT(mi)
    T a = u[uo + i] * b2;
    T b = fabs(x) + eps;
    T ui = (a > b || a != a) ? a : b;
    u[uo + i] = ui;
    p[po + i] = pi + neg_clr * mi / ui;
}

/* g = ±grad; decoupled: p *= decay, else g += wd*p; m = lerp(m, g, w); v = v*b2 + c2*g*g;
 * d = sqrt(v / bc2) + eps; p += cg*g/d; p += cm*m/d */
__kernel void nadam_step(__global T* p, long po, __global const T* g, long go, __global T* m,
                         long mo, __global T* v, long vo, T w, T b2, T c2, T wd, T decay, T eps,
                         T bc2, T cg, T cm, int flags)
{
    GRAD_AND_PARAM(DECOUPLED_DECAY)
    FIRST_MOMENT(mi)
    SECOND_MOMENT(vi, v, vo, b2, c2)
    T den = sqrt(vi / bc2) + eps;
    pi = pi + cg * x / den;
    p[po + i] = pi + cm * mi / den;
}

/* g = ±grad; decoupled: p *= decay, else g += wd*p; m = lerp(m, g, w); v = v*b2 + c2*g*g;
 * u = m / bc1 * lr; rectified: u = u * ((1 / (sqrt(v) + eps)) * bc2s) * rect; p -= u */
__kernel void radam_step(__global T* p, long po, __global const T* g, long go, __global T* m,
                         long mo, __global T* v, long vo, T w, T b2, T c2, T wd, T decay, T eps,
                         T lr, T bc1, T bc2s, T rect, int flags)
{
    GRAD_AND_PARAM(DECOUPLED_DECAY)
    FIRST_MOMENT(mi)
    SECOND_MOMENT(vi, v, vo, b2, c2)
    T upd = mi / bc1 * lr;
    if (flags & F_RECTIFIED)
        upd = upd * (((T)1 / (sqrt(vi) + eps)) * bc2s) * rect;
    p[po + i] = pi - upd;
}
