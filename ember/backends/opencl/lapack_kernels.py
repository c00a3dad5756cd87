"""OpenCL kernels: vector norms on the device, factorizations through host LAPACK round trips.

Mixed into OpenCLBackend; methods mirror the CPU backend's primitives of the same name
(ember/backends/cpu/linalg_kernels.py: same arguments, same filled outputs, same `info`
conventions and return codes).

vector_norm is on the hot path (clip_grad_norm_, normalize) and runs on the device: it composes
the backend's reduction primitive (reduce_kernels.py: sumsq, sumabs, maxabs, minabs,
count_nonzero) with elementwise maps, accumulating in the reduction's accumulator type (double
with fp64, else float) and rounding to the output dtype once at the end.

The factorizations (inv, solve, det, slogdet, cholesky, qr, svd, eigh, lstsq) are sequential
pivoting algorithms on small matrices where a device kernel would not pay: each is one host
round trip through `_on_host` (the operands are copied to CPU tensors of the same shapes and
dtypes, the CPU backend's primitive fills CPU outputs, which are copied into the device outputs).
"""
from ... import dtypes as _dt
from ...backends.cpu._map import UNARY, FAMILY
from .launch import map_defines

__all__ = ["LapackKernels", "program_specs"]

_UNARY = FAMILY["unary"]
_INF = float("inf")
# ord -> the reduction that is the whole norm (no root to take)
_DIRECT = {1.0: "sumabs", _INF: "maxabs", -_INF: "minabs", 0.0: "count_nonzero"}


class LapackKernels:
    """Norms and factorizations on an OpenCL device; mixed into OpenCLBackend."""

    # -- norms ---------------------------------------------------------------------------------
    def vector_norm(self, out, x, ord, dims, keepdim):
        """out = (sum |x|^ord over dims)^(1/ord); ord 0 counts non-zeros, +-inf take the max/min
        |x|; this method modifies `out`.

        x is floating (any strides); out has x's shape with `dims` dropped (kept as size 1 with
        keepdim). Runs on the device without a host round trip: ords 1, 0, +-inf are one
        reduction into out; ord 2 is a sum of squares and a square root; any other ord maps
        |x|^ord into a scratch tensor first. The sum and the root are evaluated in the
        accumulator type (double with fp64), so float16 / bfloat16 round once at the end.
        """
        from ...tensor import _empty, _make
        self._check_dtype(x.dtype)
        self._buf(out)
        dims = sorted(set(dims))
        if keepdim or x.ndim == out.ndim:
            full = out
        else:                  # out viewed with x's rank: the reduction primitive keeps ranks
            it = iter(zip(out._shape, out._stride))
            geo = [(1, 0) if d in dims else next(it) for d in range(x.ndim)]
            full = _make(out._storage, tuple(g[0] for g in geo), tuple(g[1] for g in geo),
                         out._offset, out.dtype, out.device)
        ord = float(ord)
        op = _DIRECT.get(ord)
        if op is not None:
            self.reduce(op, full, x, dims)
            return
        acc = self._acc_dtype(x.dtype)            # the reductions' accumulator type
        red_shape = tuple(1 if d in dims else n for d, n in enumerate(x._shape))
        total = _empty(red_shape, acc, self.device)
        if ord == 2.0:
            self.reduce("sumsq", total, x, dims)
            self.map(_UNARY, UNARY["sqrt"], full, [total])
            return
        powers = _empty(x._shape, acc, self.device)
        self.copy(powers, x)
        self.map(_UNARY, UNARY["abs"], powers, [powers])
        self.map(_UNARY, UNARY["pow_scalar"], powers, [powers], ord)
        self.reduce("sum", total, powers, dims)
        self.map(_UNARY, UNARY["pow_scalar"], full, [total], 1.0 / ord)

    # -- factorizations: host round trips ------------------------------------------------------
    def inv(self, out, info, a):
        """out = a^-1 per matrix; info[b] = the first zero pivot of a singular matrix (out NaN
        there). Host round trip."""
        self._on_host("inv", [out, info, a], (0, 1))

    def solve(self, out, info, a, b):
        """out = a^-1 b for a (*, n, n), b (*, n, k) sharing the batch shape; info as inv.
        Host round trip."""
        self._on_host("solve", [out, info, a, b], (0, 1))

    def det(self, out, a):
        """out = det(a) per matrix. Host round trip."""
        self._on_host("det", [out, a], (0,))

    def slogdet(self, sign, logabsdet, a):
        """sign and log|det| of a per matrix. Host round trip."""
        self._on_host("slogdet", [sign, logabsdet, a], (0, 1))

    def cholesky(self, out, info, a, upper):
        """out = L (U = L^H when `upper`) with a = L L^H; info[b] = the order of the first leading
        minor that is not positive-definite. Host round trip."""
        self._on_host("cholesky", [out, info, a, upper], (0, 1))

    def qr(self, q, r, a, mode):
        """a = q r (mode 'reduced' or 'complete'); q is None for mode 'r'. Host round trip."""
        self._on_host("qr", [q, r, a, mode], (0, 1))

    def svd(self, u, s, vh, a, full_matrices):
        """a = u diag(s) vh (u, vh None: singular values only); returns LAPACK-style info (0 on
        success). Host round trip."""
        return self._on_host("svd", [u, s, vh, a, full_matrices], (0, 1, 2))

    def eigh(self, w, v, a, uplo):
        """a = v diag(w) v^H for symmetric a read from its `uplo` triangle (v None: values only);
        returns 0 on success, else LAPACK-style info. Host round trip."""
        return self._on_host("eigh", [w, v, a, uplo], (0, 1))

    def lstsq(self, x, residuals, rank, sv, a, b, rcond):
        """Minimum-norm least squares x = argmin ||a x - b|| per matrix; residuals, rank and sv
        (singular values) are filled when not None. Host round trip."""
        self._on_host("lstsq", [x, residuals, rank, sv, a, b, rcond], (0, 1, 2, 3))



def program_specs(cldev):
    """Every (source, defines) this family may build on `cldev` (for --warmup): the maps that
    finish a norm from its accumulator type into each floating output dtype (the reductions
    and same-dtype maps are reduce_kernels' and the backend's)."""
    acc = _dt.float64 if cldev.fp64 else _dt.float32
    specs = []
    for d in (_dt.float16, _dt.bfloat16, _dt.float32):
        if acc is not d:
            specs.append(("map.cl", map_defines(cldev, (("FAMILY_UNARY", 1), ("IN_CODE", acc.code),
                                                         ("OUT_CODE", d.code)))))
    return specs
