"""einsum and tensordot, lowered to views (permute/diagonal/unsqueeze), sums and batched matmuls.

einsum follows PyTorch's algorithm and messages: parse the equation, take diagonals for repeated
labels, align every operand to [output dims..., contracted dims...] and contract pairwise left to
right with one batched GEMM per pair.
"""
import numbers

from ..tensor import Tensor, _numel, _wrap_dim
from ._helpers import finish_out
from . import _linalg_util as U
from . import elementwise as _ew
from ._linalg_matmul import _mm, _product, _bmm_dtype

__all__ = ["einsum", "tensordot"]

_NUM_LETTERS = 26
_ELLIPSIS = 2 * _NUM_LETTERS


def _label_to_sub(c):
    return ord(c) - ord("A") if c.isupper() else ord(c) - ord("a") + _NUM_LETTERS


def _sub_to_label(s):
    return chr(ord("A") + s) if s < _NUM_LETTERS else chr(ord("a") + s - _NUM_LETTERS)


def _movedim_last_to(t, dest):
    n = t.dim()
    perm = list(range(n - 1))
    perm.insert(dest, n - 1)
    return U.permute(t, perm)


def _sumproduct_pair(left, right, sum_dims):
    """(left * right).sum(sum_dims, keepdim=True) as one batched matmul (operands aligned)."""
    if not sum_dims:
        return _ew.mul(left, right)
    ndim = left.dim()
    sums = set(sum_dims)
    lro, lo, ro = [], [], []
    lro_size = lo_size = ro_size = sum_size = 1
    for i in range(ndim):
        sl, sr = left._shape[i] != 1, right._shape[i] != 1
        if i in sums:
            if sl and sr:
                if left._shape[i] != right._shape[i]:
                    raise RuntimeError("non-broadcast dimensions must match")
                sum_size *= left._shape[i]
            elif sl:
                left = U.sum_dims(left, [i], keepdim=True).to(left.dtype)
            elif sr:
                right = U.sum_dims(right, [i], keepdim=True).to(right.dtype)
        elif sl and sr:
            if left._shape[i] != right._shape[i]:
                raise RuntimeError("non-broadcast dimensions must match")
            lro.append(i)
            lro_size *= left._shape[i]
        elif sl:
            lo.append(i)
            lo_size *= left._shape[i]
        else:
            ro.append(i)
            ro_size *= right._shape[i]
    sum_list = list(sum_dims)
    out_size = ([left._shape[d] for d in lro] + [left._shape[d] for d in lo] + [1] * len(sum_list)
                + [right._shape[d] for d in ro])
    lperm = lro + lo + sum_list + ro
    rperm = lro + sum_list + ro + lo
    operm = [0] * ndim
    for i, d in enumerate(lro + lo + sum_list + ro):
        operm[d] = i
    lt = U.reshape(U.permute(left, lperm), (lro_size, lo_size, sum_size))
    rt = U.reshape(U.permute(right, rperm), (lro_size, sum_size, ro_size))
    _bmm_dtype(lt, rt)
    res = _product((lro_size, lo_size, ro_size), lt, rt, "bmm")
    return U.permute(U.fresh(res, out_size), operm)


def _parse_sublist(args):
    def sub(n):
        if n is Ellipsis:
            return "..."
        if isinstance(n, numbers.Integral) and 0 <= n < 26:
            return chr(ord("A") + n)
        if isinstance(n, numbers.Integral) and 26 <= n < 52:
            return chr(ord("a") + n - 26)
        raise ValueError("einsum(): subscript in subscript list is not within the valid range [0, 52)")
    eq = ",".join("".join(sub(s) for s in lst) for lst in args[1::2])
    if len(args) % 2 == 1:
        return eq + "->" + "".join(sub(s) for s in args[-1]), list(args[:-1:2])
    return eq, list(args[::2])


def einsum(*args):
    """Einstein summation over the operands as described by the equation (or sublists)."""
    if len(args) < 2:
        raise ValueError("einsum(): must specify the equation string and at least one operand, or at "
                         "least one operand and its subscripts list")
    if isinstance(args[0], Tensor):
        equation, operands = _parse_sublist(args)
    else:
        equation, operands = args[0], list(args[1:])
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = list(operands[0])
    if not isinstance(equation, str):
        raise TypeError(f"einsum(): argument 'equation' must be str, not {type(equation).__name__}")
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    for i, op in enumerate(operands):
        if not isinstance(op, Tensor):
            raise TypeError(f"einsum(): argument 'tensors' must be tuple of Tensors, but found element "
                            f"of type {type(op).__name__} at pos {i}")
    return _einsum(equation, operands)


def _einsum(equation, operands):
    num_ops = len(operands)
    arrow = equation.find("->")
    lhs = equation if arrow < 0 else equation[:arrow]

    op_labels = [[] for _ in range(num_ops)]
    ell_in_input = False
    cur = 0
    i = 0
    while i < len(lhs):
        c = lhs[i]
        if c == " ":
            pass
        elif c == ".":
            if ell_in_input:
                raise RuntimeError(f"einsum(): found '.' for operand {cur} for which an ellipsis was already found")
            if not (i + 2 < len(lhs) and lhs[i + 1] == "." and lhs[i + 2] == "."):
                raise RuntimeError(f"einsum(): found '.' for operand {cur} that is not part of any ellipsis")
            i += 2
            op_labels[cur].append(_ELLIPSIS)
            ell_in_input = True
        elif c == ",":
            cur += 1
            if cur >= num_ops:
                raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
            ell_in_input = False
        else:
            if not (c.isascii() and c.isalpha()):
                raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the equation string, "
                                   f"subscripts must be in [a-zA-Z]")
            op_labels[cur].append(_label_to_sub(c))
        i += 1
    if cur != num_ops - 1:
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")

    label_count = [0] * _ELLIPSIS
    ell_num_dim = 0
    for i, (op, labels) in enumerate(zip(operands, op_labels)):
        ndims = op.dim()
        nlabels = len(labels)
        has_ell = _ELLIPSIS in labels
        if has_ell:
            nlabels -= 1
            ell_num_dim = max(ell_num_dim, ndims - nlabels)
        for s in labels:
            if s != _ELLIPSIS:
                label_count[s] += 1
        if (nlabels > ndims) if has_ell else (nlabels != ndims):
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({nlabels}) "
                + ("is more than the number of dimensions (" if has_ell else
                   "does not match the number of dimensions (")
                + f"{ndims}) for operand {i}" + ("" if has_ell else " and no ellipsis was given"))

    label_perm = [-1] * _ELLIPSIS
    perm_index = 0
    ell_index = 0
    ell_in_output = False
    if arrow < 0:
        perm_index = ell_num_dim
        ell_in_output = True
        for s in range(_ELLIPSIS):
            if label_count[s] == 1:
                label_perm[s] = perm_index
                perm_index += 1
    else:
        rhs = equation[arrow + 2:]
        i = 0
        while i < len(rhs):
            c = rhs[i]
            if c == " ":
                pass
            elif c == ".":
                if ell_in_output:
                    raise RuntimeError("einsum(): found '.' for output but an ellipsis (...) was already found")
                if not (i + 2 < len(rhs) and rhs[i + 1] == "." and rhs[i + 2] == "."):
                    raise RuntimeError("einsum(): found '.' for output that is not part of any ellipsis (...)")
                i += 2
                ell_index = perm_index
                perm_index += ell_num_dim
                ell_in_output = True
            else:
                if not (c.isascii() and c.isalpha()):
                    raise RuntimeError(f"einsum(): invalid subscript given at index {len(lhs) + 2 + i} in the "
                                       f"equation string, subscripts must be in [a-zA-Z]")
                s = _label_to_sub(c)
                if not (label_count[s] > 0 and label_perm[s] == -1):
                    raise RuntimeError(f"einsum(): output subscript {c}" + (
                        " appears more than once in the output" if label_perm[s] > -1 else
                        " does not appear in the equation for any input operand"))
                label_perm[s] = perm_index
                perm_index += 1
            i += 1
    out_num_dim = perm_index
    if not ell_in_output:
        ell_index = perm_index
        perm_index += ell_num_dim
    for s in range(_ELLIPSIS):
        if label_count[s] > 0 and label_perm[s] == -1:
            label_perm[s] = perm_index
            perm_index += 1

    # align every operand to the permuted layout (diagonals for repeated labels, 1s for missing)
    label_size = [1] * _ELLIPSIS
    ell_sizes = [1] * ell_num_dim
    dim_counts = [0] * perm_index
    ops = []
    for i, (op, labels) in enumerate(zip(operands, op_labels)):
        permutation = [-1] * perm_index
        dim = 0
        for s in labels:
            if s == _ELLIPSIS:
                ndim = operands[i].dim() - (len(labels) - 1)
                for j in range(ell_num_dim - ndim, ell_num_dim):
                    if op._shape[dim] != 1:
                        if not (ell_sizes[j] == 1 or ell_sizes[j] == op._shape[dim]):
                            raise RuntimeError(
                                f"einsum(): dimension {dim} covered by ellipsis in operand {i}has size "
                                f"{op._shape[dim]} which does not broadcast with previously seen ellipsis "
                                f"with size {ell_sizes[j]} for the respective dimension")
                        ell_sizes[j] = op._shape[dim]
                        dim_counts[ell_index + j] += 1
                    permutation[ell_index + j] = dim
                    dim += 1
            elif permutation[label_perm[s]] == -1:
                if op._shape[dim] != 1:
                    if not (label_size[s] == 1 or label_size[s] == op._shape[dim]):
                        raise RuntimeError(
                            f"einsum(): subscript {_sub_to_label(s)} has size {op._shape[dim]} for operand "
                            f"{i} which does not broadcast with previously seen size {label_size[s]}")
                    label_size[s] = op._shape[dim]
                    dim_counts[label_perm[s]] += 1
                permutation[label_perm[s]] = dim
                dim += 1
            else:
                prev = permutation[label_perm[s]]
                if op._shape[dim] != op._shape[prev]:
                    raise RuntimeError(
                        f"einsum(): subscript {_sub_to_label(s)} is repeated for operand {i} but the sizes "
                        f"don't match, {op._shape[dim]} != {op._shape[prev]}")
                op = _movedim_last_to(U.diagonal(op, 0, prev, dim), prev)
        for k in range(perm_index):
            if permutation[k] == -1:
                op = U.unsqueeze(op, dim)
                permutation[k] = dim
                dim += 1
        ops.append(U.permute(op, permutation))

    # contract left to right
    while len(ops) > 1:
        a, b = ops[0], ops[1]
        del ops[:2]
        sum_dims, a_sum, b_sum = [], [], []
        for d in range(out_num_dim, perm_index):
            if a._shape[d] != 1 and b._shape[d] != 1:
                dim_counts[d] -= 1
                if dim_counts[d] == 1:
                    sum_dims.append(d)
                    dim_counts[d] = 0
            elif dim_counts[d] == 1:
                if a._shape[d] != 1:
                    a_sum.append(d)
                    dim_counts[d] = 0
                elif b._shape[d] != 1:
                    b_sum.append(d)
                    dim_counts[d] = 0
        if a_sum:
            a = U.sum_dims(a, a_sum, keepdim=True).to(a.dtype)
        if b_sum:
            b = U.sum_dims(b, b_sum, keepdim=True).to(b.dtype)
        ops.insert(0, _sumproduct_pair(a, b, sum_dims))

    res = ops[0]
    if perm_index - out_num_dim > 0:
        if num_ops > 1:
            return U.squeeze_dims(res, range(out_num_dim, perm_index))
        return U.sum_dims(res, range(out_num_dim, perm_index))
    return res


# ------------------------------------------------------------------------------------------------
def _dim_list(d):
    if isinstance(d, Tensor):
        d = d.tolist()
    if isinstance(d, numbers.Integral):
        return [int(d)]
    return [int(x) for x in d]


def tensordot(a, b, dims=2, out=None):
    """Contract dims of a with dims of b: sum over the paired dims of a[..] * b[..]."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError("tensordot(): arguments 'a' and 'b' must be Tensors")
    if isinstance(dims, Tensor) and dims.numel() == 1:
        dims = int(dims.item())
    if isinstance(dims, bool) or not isinstance(dims, (tuple, list, Tensor, numbers.Integral)):
        raise RuntimeError(f"tensordot expects dims to be int or Tuple[List[int], List[int]] or "
                           f"List[List[int]] containing two lists, but got dims={dims}")
    if isinstance(dims, numbers.Integral):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(a.dim(), b.dim()):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        dims_a, dims_b = list(range(-dims, 0)), list(range(dims))
    else:
        if isinstance(dims, Tensor):
            dims = dims.tolist()
        dims_a, dims_b = _dim_list(dims[0]), _dim_list(dims[1])
    if len(dims_a) != len(dims_b):
        raise RuntimeError("both dimension lists should have same length")
    if a.dtype is not b.dtype:
        raise RuntimeError("both inputs should have same dtype")
    dims_a = [_wrap_dim(d, a.dim()) for d in dims_a]
    dims_b = [_wrap_dim(d, b.dim()) for d in dims_b]
    t1, t2 = a, b
    csize = 1
    for da, db in zip(dims_a, dims_b):
        s1, s2 = a._shape[da], b._shape[db]
        if s2 == 1:         # a broadcast dim sums right away
            t1 = U.sum_dims(t1, [da], keepdim=True).to(a.dtype)
        elif s1 == 1:
            t2 = U.sum_dims(t2, [db], keepdim=True).to(b.dtype)
        else:
            if s1 != s2:
                raise RuntimeError(f"contracted dimensions need to match, but first has size {s1} in dim "
                                   f"{da} and second has size {s2} in dim {db}")
            csize *= s1
    keep_a = [i for i in range(a.dim()) if i not in dims_a]
    keep_b = [i for i in range(b.dim()) if i not in dims_b]
    rsizes = [t1._shape[i] for i in keep_a] + [t2._shape[i] for i in keep_b]
    m1 = U.reshape(U.permute(t1, keep_a + dims_a), (_numel([t1._shape[i] for i in keep_a]), csize))
    m2 = U.reshape(U.permute(t2, dims_b + keep_b), (csize, _numel([t2._shape[i] for i in keep_b])))
    return finish_out(U.reshape(_mm(m1, m2), rsizes), out)
