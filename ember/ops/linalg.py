"""Linear algebra in the torch namespace: products, einsum/tensordot, norms and the torch.* aliases of
factorizations (det, slogdet, inverse, ...). The torch.linalg namespace lives in ember.linalg.

The implementations are split by responsibility:
  _linalg_matmul.py  matmul, mm, bmm, mv, dot, vdot, inner, outer, addmm/addmv/addr/baddbmm/addbmm
  _einsum.py         einsum, tensordot
  _linalg_misc.py    trace, kron, cross, cdist, cov, corrcoef, chain_matmul/multi_dot, matrix_power
  _linalg_decomp.py  inv, solve, det, slogdet, cholesky, qr, svd, eigh, lstsq, pinv, matrix_rank
  _linalg_norms.py   vector_norm, matrix_norm, linalg.norm
  _linalg_util.py    views, checks, LinAlgError
"""
from . import _linalg_matmul, _einsum, _linalg_misc, _linalg_decomp, _linalg_norms
# re-exported names (listed in __all__ below)
from ._linalg_matmul import (matmul, mm, bmm, mv, dot, vdot, inner, outer, ger, addmm, addmv, addr,
                             baddbmm, addbmm)  # noqa: F401
from ._einsum import einsum, tensordot  # noqa: F401
from ._linalg_misc import trace, kron, cross, cdist, cov, corrcoef, chain_matmul, matrix_power  # noqa: F401
from ._linalg_decomp import det, logdet, slogdet, inverse, pinverse, cholesky, qr, svd  # noqa: F401

__all__ = (_linalg_matmul.__all__ + _einsum.__all__ + _linalg_misc.__all__ + _linalg_decomp.__all__
           + _linalg_norms.__all__)
