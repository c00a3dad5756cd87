"""dtypes and PyTorch's type promotion: promote_types, result_type (dimensioned > 0-d > Python
scalars, by category), can_cast, the default dtype, finfo/iinfo.

Every expected value is PyTorch's, from the "Type promotion" rules in its docs (torch.result_type,
torch.promote_types, tensor_attributes.rst) and c10's promotion table.
"""
import pickle

import numpy as np
import pytest

import ember

B, U1, I1, I2, I4, I8 = ember.bool, ember.uint8, ember.int8, ember.int16, ember.int32, ember.int64
F2, BF, F4, F8 = ember.float16, ember.bfloat16, ember.float32, ember.float64
ORDER = [B, U1, I1, I2, I4, I8, F2, BF, F4, F8]

# c10's promoteTypes lookup restricted to Ember's dtypes (rows/columns in ORDER)
PROMOTE = """
      b   u1  i1  i2  i4  i8  f2  bf  f4  f8
b     b   u1  i1  i2  i4  i8  f2  bf  f4  f8
u1    u1  u1  i2  i2  i4  i8  f2  bf  f4  f8
i1    i1  i2  i1  i2  i4  i8  f2  bf  f4  f8
i2    i2  i2  i2  i2  i4  i8  f2  bf  f4  f8
i4    i4  i4  i4  i4  i4  i8  f2  bf  f4  f8
i8    i8  i8  i8  i8  i8  i8  f2  bf  f4  f8
f2    f2  f2  f2  f2  f2  f2  f2  f4  f4  f8
bf    bf  bf  bf  bf  bf  bf  f4  bf  f4  f8
f4    f4  f4  f4  f4  f4  f4  f4  f4  f4  f8
f8    f8  f8  f8  f8  f8  f8  f8  f8  f8  f8
"""
NAMES = {"b": B, "u1": U1, "i1": I1, "i2": I2, "i4": I4, "i8": I8, "f2": F2, "bf": BF, "f4": F4,
         "f8": F8}


def _promote_table():
    rows = [line.split() for line in PROMOTE.strip().splitlines()]
    cols = rows[0]
    return {(NAMES[r[0]], NAMES[c]): NAMES[v] for r in rows[1:] for c, v in zip(cols, r[1:])}


@pytest.mark.parametrize("a", ORDER, ids=[d.name for d in ORDER])
def test_promote_types_table(a):
    table = _promote_table()
    for b in ORDER:
        assert ember.promote_types(a, b) is table[(a, b)], (a, b)
        assert ember.promote_types(b, a) is table[(a, b)]          # symmetric


def _t(dtype, zero_dim=False):
    return ember.tensor(1 if zero_dim else [1, 1], dtype=dtype)


# (operand, operand, expected): t(...) is a dimensioned tensor, z(...) a 0-d tensor
def t(d):
    return ("t", d)


def z(d):
    return ("z", d)


RESULT_TYPE_CASES = [
    # examples from PyTorch's docs
    (t(I4), 5, I4), (t(I4), z(I8), I4), (t(I8), t(I4), I8), (t(B), t(I8), I8), (t(B), t(U1), U1),
    (t(F4), t(F8), F8), (t(B), t(I4), I4), (t(I8), t(F4), F4), (t(I4), 1.0, F4), (t(U1), z(I8), U1),
    (5, 5, I8),
    # a higher-category scalar or 0-d tensor decides only the category
    (t(I4), 5.5, F4), (t(U1), 1000, U1), (t(F2), 2.5, F2), (t(BF), 2.5, BF), (t(B), True, B),
    (t(B), 1, I8), (t(B), 1.5, F4), (t(I8), True, I8), (t(F4), True, F4),
    # dimensioned > 0-d within a category; a higher-category 0-d tensor sets the dtype
    (t(U1), t(I1), I2), (t(U1), z(I1), U1), (t(I1), z(U1), I1), (t(I2), z(U1), I2),
    (t(F4), z(F8), F4), (t(I4), z(F8), F8), (t(F2), z(F8), F2), (t(I8), z(F2), F2),
    (t(B), z(I1), I1), (t(B), z(F8), F8), (t(BF), t(F2), F4), (t(BF), z(F2), BF),
    (t(I4), z(B), I4),
    # only 0-d tensors and scalars: the 0-d tensors rule, then scalars of a higher category
    (z(I1), 5, I1), (z(F8), z(I4), F8), (z(I8), 2.5, F4), (z(F2), 2.5, F2), (z(B), 3, I8),
    (z(U1), z(I1), I2), (z(F4), z(F8), F8),
    # Python scalars only
    (5, 2.5, F4), (True, False, B), (True, 2, I8), (2.5, 3.5, F4),
]


def _operand(x):
    if isinstance(x, tuple):
        return _t(x[1], zero_dim=x[0] == "z")
    return x


def _case_id(case):
    def name(x):
        return f"{x[0]}{x[1].name}" if isinstance(x, tuple) else repr(x)
    return f"{name(case[0])}-{name(case[1])}"


@pytest.mark.parametrize("a,b,expected", RESULT_TYPE_CASES,
                         ids=[_case_id(c) for c in RESULT_TYPE_CASES])
def test_result_type_table(a, b, expected):
    x, y = _operand(a), _operand(b)
    assert ember.result_type(x, y) is expected
    assert ember.result_type(y, x) is expected
    if isinstance(x, ember.Tensor) or isinstance(y, ember.Tensor):
        if expected is not B:
            assert (x + y).dtype is expected if isinstance(x, ember.Tensor) else \
                (y + x).dtype is expected
        assert ember.eq(x, y).dtype is B if isinstance(x, ember.Tensor) else True


def test_op_result_dtypes():
    i32 = _t(I4)
    u8 = _t(U1)
    f16 = _t(F2)
    assert (i32 * 2.0).dtype is F4
    assert (i32 / 2).dtype is F4                       # true division promotes integers
    assert (i32 // 2).dtype is I4
    assert (u8 - 300).dtype is U1
    assert (u8 + _t(I1)).dtype is I2
    assert (f16 * ember.tensor(2.0, dtype=F8)).dtype is F2
    assert (i32 + ember.tensor(2.0, dtype=F8)).dtype is F8
    assert (i32 < 2.5).dtype is B
    assert ember.where(_t(B), i32, 2.5).dtype is F4
    assert ember.maximum(u8, _t(I1)).dtype is I2
    assert ember.atan2(i32, i32).dtype is F4
    assert (_t(B) & True).dtype is B
    assert ember.add(5, 5).dtype is I8 and ember.add(5, 5).item() == 10


def test_set_default_dtype_effects():
    assert ember.get_default_dtype() is F4
    ember.set_default_dtype(F8)
    try:
        assert ember.get_default_dtype() is F8
        assert ember.tensor([1.5]).dtype is F8
        assert ember.tensor(np.array([1.5], np.float32)).dtype is F4     # NumPy keeps its dtype
        assert ember.zeros(2).dtype is F8 and ember.ones(1).dtype is F8
        assert ember.full((1,), 2.5).dtype is F8
        assert ember.arange(0.0, 1.0, 0.5).dtype is F8 and ember.arange(3).dtype is I8
        assert ember.linspace(0, 1, 3).dtype is F8
        assert (_t(I4) * 1.5).dtype is F8
        assert (_t(F4) * 1.5).dtype is F4
        assert (_t(F2) * 1.5).dtype is F2
        assert ember.exp(_t(I8)).dtype is F8
        assert (_t(I4) / 2).dtype is F8
        assert ember.result_type(2, 2.5) is F8
    finally:
        ember.set_default_dtype(F4)
    ember.set_default_dtype(F2)
    try:
        assert ember.tensor([1.5]).dtype is F2 and (_t(I4) * 0.5).dtype is F2
    finally:
        ember.set_default_dtype(F4)
    assert ember.tensor([1.5]).dtype is F4
    for bad in (I8, B, I4):
        with pytest.raises(TypeError, match="only floating-point types are supported as the "
                                            "default type"):
            ember.set_default_dtype(bad)
    assert ember.get_default_dtype() is F4


@pytest.mark.parametrize("src,dst,ok", [
    (F4, I4, False), (I4, F4, True), (I8, B, False), (B, I8, True), (F8, F2, True),
    (U1, I1, True), (I1, U1, True), (F4, B, False), (B, F4, True), (BF, F2, True), (I8, BF, True),
    (F8, I8, False),
])
def test_can_cast(src, dst, ok):
    assert ember.can_cast(src, dst) is ok


def test_dtype_objects():
    assert ember.float is F4 and ember.double is F8 and ember.half is F2
    assert ember.long is I8 and ember.int is I4 and ember.short is I2
    assert repr(F4) == "ember.float32" and str(I8) == "ember.int64"
    for d in ORDER:
        assert pickle.loads(pickle.dumps(d)) is d
        assert d == d and hash(d) == hash(d)
    sizes = {B: 1, U1: 1, I1: 1, I2: 2, I4: 4, I8: 8, F2: 2, BF: 2, F4: 4, F8: 8}
    for d, n in sizes.items():
        assert d.itemsize == n
        assert d.is_floating_point == (d in (F2, BF, F4, F8))
        assert d.is_signed == (d not in (B, U1))
        assert d.is_complex is False
    assert F4 != F8 and F4 != "float32"


def test_python_and_numpy_types_as_dtypes():
    assert ember.zeros(1, dtype=float).dtype is F8
    assert ember.zeros(1, dtype=int).dtype is I8
    assert ember.zeros(1, dtype=bool).dtype is B
    assert ember.zeros(1, dtype=np.float16).dtype is F2
    assert ember.zeros(1, dtype=np.dtype("int32")).dtype is I4
    assert ember.ones(1).to(float).dtype is F8
    with pytest.raises(TypeError):
        ember.zeros(1, dtype=np.complex64)
    with pytest.raises(TypeError):
        ember.zeros(1, dtype=np.uint16)


def test_finfo():
    f = ember.finfo(F4)
    assert f.eps == 2.0 ** -23 and f.max == float(np.finfo(np.float32).max)
    assert f.min == -f.max and f.tiny == 2.0 ** -126 and f.smallest_normal == f.tiny
    assert f.bits == 32 and f.resolution == 1e-6 and f.dtype == "float32"
    h = ember.finfo(F2)
    assert h.eps == 2.0 ** -10 and h.max == 65504.0 and h.bits == 16 and h.tiny == 2.0 ** -14
    d = ember.finfo(F8)
    assert d.eps == 2.0 ** -52 and d.bits == 64
    b = ember.finfo(BF)
    assert b.eps == 2.0 ** -7 and b.max == 3.3895313892515355e38 and b.tiny == 2.0 ** -126
    assert b.bits == 16 and b.resolution == 0.01
    assert ember.finfo().eps == f.eps                 # the default dtype
    for bad in (I4, B):
        with pytest.raises(TypeError):
            ember.finfo(bad)


def test_iinfo():
    for d, lo, hi, bits in ((U1, 0, 255, 8), (I1, -128, 127, 8), (I2, -2 ** 15, 2 ** 15 - 1, 16),
                            (I4, -2 ** 31, 2 ** 31 - 1, 32), (I8, -2 ** 63, 2 ** 63 - 1, 64)):
        info = ember.iinfo(d)
        assert (info.min, info.max, info.bits) == (lo, hi, bits)
        assert info.dtype == d.name
    with pytest.raises(TypeError):
        ember.iinfo(F4)
