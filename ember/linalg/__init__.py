"""ember.linalg: the torch.linalg namespace (factorizations, solvers, norms and products).

Every function is implemented in the ops layer (ember/ops/_linalg_*.py); this module only names them.
"""
from ..ops._linalg_util import LinAlgError
from ..ops._linalg_matmul import matmul
from ..ops._linalg_decomp import (inv, inv_ex, solve, solve_ex, det, slogdet, cholesky_ex, eigh,
                                  eigvalsh, svdvals, lstsq, pinv, matrix_rank)
from ..ops._linalg_decomp import linalg_cholesky as cholesky, linalg_qr as qr, linalg_svd as svd
from ..ops._linalg_norms import vector_norm, matrix_norm, linalg_norm as norm
from ..ops._linalg_misc import linalg_cross as cross, multi_dot, matrix_power, vecdot
from ..ops._linalg_util import diagonal as _diagonal

__all__ = ["LinAlgError", "matmul", "inv", "inv_ex", "solve", "solve_ex", "det", "slogdet", "cholesky",
           "cholesky_ex", "qr", "svd", "svdvals", "eigh", "eigvalsh", "pinv", "matrix_rank", "lstsq",
           "norm", "vector_norm", "matrix_norm", "cross", "multi_dot", "matrix_power", "vecdot",
           "diagonal"]


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonals of the matrices in A (a view): torch.diagonal with dims (-2, -1)."""
    return _diagonal(A, offset, dim1, dim2)
