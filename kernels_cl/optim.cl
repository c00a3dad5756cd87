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

/* p += -step * m / (sqrt(v) / bc2 + eps) after m = lerp(m, g, w), v = v*b2 + c2*g*g (amsgrad:
 * v = vmax = max(vmax, v), NaN-propagating); g = ±grad (+ wd*p), p *= decay when decoupled */
__kernel void adam_step(__global T* p, long po, __global const T* g, long go, __global T* m,
                        long mo, __global T* v, long vo, __global T* vmax, long xo, T w, T b2,
                        T c2, T wd, T decay, T eps, T bc2, T neg_step, int flags)
{
    long i = get_global_id(0);
    T x = g[go + i];
    if (flags & F_MAXIMIZE)
        x = -x;
    T pi = p[po + i];
    if (flags & F_DECOUPLED)
        pi = pi * decay;
    if (flags & F_L2)
        x = x + wd * pi;
    T mi = m[mo + i];
    mi = (flags & F_LOW_W) ? mi + w * (x - mi) : x - (x - mi) * (1 - w);
    m[mo + i] = mi;
    T vi = v[vo + i] * b2;
    vi = vi + c2 * x * x;
    v[vo + i] = vi;
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
