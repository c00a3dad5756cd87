"""Memory formats: preserve_format strides of clone/to/*_like, channels_last layouts, contiguous(),
is_contiguous(memory_format=) and their errors. Every expected stride and alias decision below
was read off torch 2.13 (CPU) for the same geometry."""
import copy
import pickle

import numpy as np
import pytest

import ember
from ember import _memory_format as mf
from conftest import DEVICES, to_np, assert_close

CL, CL3, PF, CF = ember.channels_last, ember.channels_last_3d, ember.preserve_format, \
    ember.contiguous_format


def strided(shape, stride, device, offset=0, dtype=ember.float32):
    """A view with exactly this geometry over arange values (element i of the storage is i)."""
    span = offset + (1 + sum((n - 1) * s for n, s in zip(shape, stride)) if 0 not in shape else 0)
    base = ember.arange(max(span, 1), dtype=dtype, device=device)
    return base.as_strided(shape, stride, offset)


def oracle(t):
    """The NumPy values of `strided(...)`'s tensor, computed from its geometry."""
    idx = np.full(t.shape, t.storage_offset(), dtype=np.int64)
    for d, s in enumerate(t.stride()):
        shape = [1] * t.dim()
        shape[d] = t.shape[d]
        idx = idx + (np.arange(t.shape[d]) * s).reshape(shape)
    return idx.astype(np.float32)


# (shape, strides, storage offset) -> strides of clone/empty_like/to(dtype) under preserve_format
PRESERVE = [
    ((6, 4), (1, 6), 0, (1, 6)),                  # transposed: dense, kept
    ((6, 2), (1, 6), 6, (1, 6)),                  # transposed slice with an offset
    ((3, 4), (2, 6), 0, (1, 3)),                  # sliced then transposed: order kept, made dense
    ((4, 3), (6, 2), 0, (3, 1)),                  # sliced: contiguous
    ((4, 3), (0, 1), 0, (3, 1)),                  # expanded: contiguous
    ((4, 2, 3), (1, 12, 4), 0, (1, 12, 4)),       # permuted 3-d
    ((2, 4, 5, 3), (60, 5, 1, 20), 0, (60, 5, 1, 20)),     # NCHW permuted to NHWC
    ((2, 4, 5, 3), (120, 10, 2, 40), 0, (60, 5, 1, 20)),   # ... and sliced
    ((0, 3), (7, 5), 0, (7, 5)),                  # empty: any strides are dense
    ((3, 1), (1, 7), 0, (1, 7)),                  # a size-1 dim's stride is kept
    ((3, 3), (1, 1), 0, (3, 1)),                  # overlapping
    ((2, 2, 2), (4, 1, 4), 0, (4, 1, 2)),         # overlapping, equal strides
    ((3, 4, 5), (0, 1, 4), 0, (20, 1, 4)),        # a stride-0 dim stays in place
    ((2, 3, 4), (1, 0, 2), 0, (1, 2, 6)),
    ((4, 3, 2), (1, 4, 0), 0, (2, 8, 1)),
    ((), (), 3, ()),
]


@pytest.mark.parametrize("shape,stride,offset,expected", PRESERVE)
def test_preserve_format_strides(device, shape, stride, offset, expected):
    x = strided(shape, stride, device, offset)
    want = oracle(x)
    for y in (x.clone(), ember.clone(x), x.clone(memory_format=PF), x.to(ember.int64),
              x.to(device, copy=True), x.int()):
        assert y.stride() == expected and y.shape == x.shape
        assert_close(y, want, check_dtype=False)
    for like in (ember.empty_like(x), ember.zeros_like(x), ember.ones_like(x),
                 ember.full_like(x, 2.5), ember.rand_like(x), ember.randn_like(x),
                 ember.randint_like(x, 3), ember.empty_like(x, dtype=ember.int32)):
        assert like.stride() == expected and like.shape == x.shape
    assert_close(ember.zeros_like(x), np.zeros(shape, np.float32))
    assert_close(ember.full_like(x, 2.5), np.full(shape, 2.5, np.float32))
    assert_close(ember.ones_like(x, dtype=ember.int64), np.ones(shape, np.int64))


@pytest.mark.parametrize("shape,stride,offset,expected", PRESERVE)
def test_preserve_format_across_devices(device, shape, stride, offset, expected):
    x = strided(shape, stride, device, offset)
    for other in [d for d in DEVICES if d != device]:
        for y in (x.to(other), x.to(other, ember.int32), ember.empty_like(x, device=other)):
            assert y.stride() == expected and y.device.type == other
        assert_close(x.to(other), oracle(x))
        assert_close(x.to(other, ember.int32), oracle(x).astype(np.int32))
        back = x.to(other).to(device)
        assert back.stride() == expected
        assert_close(back, oracle(x))


def test_non_tensor_inputs_raise():
    for f in (ember.empty_like, ember.zeros_like, ember.ones_like, ember.rand_like,
              ember.randn_like, ember.clone):
        with pytest.raises(TypeError, match=rf"^{f.__name__}\(\): argument 'input' \(position 1\) "
                                            r"must be Tensor, not int$"):
            f(3)
    with pytest.raises(TypeError, match=r"^full_like\(\): argument 'input' \(position 1\) must be "
                                        r"Tensor, not list$"):
        ember.full_like([1.0], 2)


# ------------------------------------------------------------------------------------------------
# channels_last
CL_STRIDES = [((2, 3, 4, 5), CL, (60, 1, 15, 3)), ((2, 1, 4, 5), CL, (20, 1, 5, 1)),
              ((2, 0, 4, 5), CL, (0, 1, 0, 0)), ((2, 3, 0, 5), CL, (0, 1, 15, 3)),
              ((0, 3, 4, 5), CL, (60, 1, 15, 3)), ((2, 3, 4, 5, 6), CL3, (360, 1, 90, 18, 3)),
              ((1, 2, 1, 3, 1), CL3, (6, 1, 6, 2, 2))]


@pytest.mark.parametrize("shape,fmt,expected", CL_STRIDES)
def test_channels_last_strides(device, shape, fmt, expected):
    n = int(np.prod(shape))
    a = np.arange(n, dtype=np.float32).reshape(shape)
    x = ember.tensor(a, device=device)
    for y in (x.clone(memory_format=fmt), x.to(memory_format=fmt),
              x.to(ember.int64, memory_format=fmt),
              ember.empty_like(x, memory_format=fmt), ember.zeros_like(x, memory_format=fmt),
              ember.full_like(x, 7, memory_format=fmt), ember.rand_like(x, memory_format=fmt),
              ember.empty(*shape, memory_format=fmt, device=device)):
        assert y.stride() == expected
        assert y.is_contiguous(memory_format=fmt)
    c = x.contiguous(memory_format=fmt)      # x itself where x's layout qualifies already
    assert c.is_contiguous(memory_format=fmt) and (c is x) == x.is_contiguous(memory_format=fmt)
    assert_close(c, a)
    assert_close(x.clone(memory_format=fmt), a)
    assert_close(ember.full_like(x, 7, memory_format=fmt), np.full(shape, 7, np.float32))
    y = x.clone(memory_format=fmt)
    back = y.clone(memory_format=CF)         # and back to NCHW
    assert back.stride() == x.stride() and y.contiguous().is_contiguous()
    assert_close(back, a)
    assert_close(y.contiguous(), a)
    # a channels-last tensor is preserved as such by clone and the *_like factories
    assert y.clone().stride() == expected and ember.ones_like(y).stride() == expected


def test_channels_last_matches_a_permuted_nhwc_copy(device):
    a = np.random.default_rng(0).standard_normal((2, 3, 4, 5)).astype(np.float32)
    x = ember.tensor(a, device=device)
    y = x.contiguous(memory_format=CL)
    nhwc = y.permute(0, 2, 3, 1)                 # NHWC view of the same memory: contiguous
    assert nhwc.is_contiguous()
    assert_close(nhwc, a.transpose(0, 2, 3, 1))
    assert_close(y * 2 + 1, a * 2 + 1)          # ops read channels-last operands correctly


IS_CONTIGUOUS = [  # (shape, strides) -> is_contiguous() / channels_last / channels_last_3d
    ((2, 3, 4, 5), (60, 20, 5, 1), (True, False, False)),
    ((2, 3, 4, 5), (60, 1, 15, 3), (False, True, False)),
    ((2, 1, 4, 5), (20, 20, 5, 1), (True, True, False)),
    ((2, 3, 1, 1), (3, 1, 1, 1), (True, True, False)),
    ((2, 0, 4, 5), (20, 20, 5, 1), (True, False, False)),
    ((0, 3, 4, 5), (60, 20, 5, 1), (True, False, False)),
    ((2, 0, 4, 5), (0, 1, 0, 0), (True, True, False)),
    ((2, 3, 4), (12, 4, 1), (True, False, False)),
    ((2, 3, 4, 5, 6), (360, 1, 90, 18, 3), (False, False, True)),
    ((2, 0, 4, 5, 3), (0, 60, 15, 3, 1), (True, False, False)),
]


@pytest.mark.parametrize("shape,stride,expected", IS_CONTIGUOUS)
def test_is_contiguous_memory_format(device, shape, stride, expected):
    x = ember.empty_strided(shape, stride, device=device)
    got = (x.is_contiguous(), x.is_contiguous(memory_format=CL),
           x.is_contiguous(memory_format=CL3))
    assert got == expected
    assert x.is_contiguous(memory_format=PF) == expected[0]      # as torch: the default check


# (input geometry, format) -> does to(memory_format=...) return self, and the copy's strides
TO_ALIAS = [
    ((2, 3, 4, 5), (60, 20, 5, 1), CL, False, (60, 1, 15, 3)),
    ((2, 3, 4, 5), (60, 1, 15, 3), CL, True, None),
    ((2, 3, 4, 5), (60, 1, 15, 3), CF, False, (60, 20, 5, 1)),
    ((2, 3, 4, 5), (60, 1, 15, 3), PF, True, None),
    ((3, 2, 4), (4, 12, 1), CF, True, None),          # torch: a transposed tensor "is" contiguous
    ((2, 3, 1, 1), (3, 1, 1, 1), CL, False, (3, 1, 3, 3)),
    ((2, 3, 1, 1), (3, 1, 1, 1), CF, True, None),
    ((2, 1, 4, 5), (20, 20, 5, 1), CL, False, (20, 1, 5, 1)),
    ((2, 3, 4, 5, 6), (360, 1, 90, 18, 3), CL3, True, None),
]


@pytest.mark.parametrize("shape,stride,fmt,alias,expected", TO_ALIAS)
def test_to_memory_format_aliases_as_torch(device, shape, stride, fmt, alias, expected):
    x = strided(shape, stride, device)
    y = x.to(memory_format=fmt)
    assert (y is x) == alias
    if not alias:
        assert y.stride() == expected
        assert_close(y, oracle(x))
    z = x.to(memory_format=fmt, copy=True)
    assert z is not x and z._storage is not x._storage
    assert_close(z, oracle(x))


def test_to_copy_strides(device):
    x = ember.randn(2, 3, 4, 5, device=device).permute(0, 2, 3, 1)
    assert x.to(copy=True).stride() == (60, 5, 1, 20)
    assert x.to(copy=True, memory_format=CF).stride() == (60, 15, 3, 1)
    assert x.to(ember.int32, memory_format=None).stride() == (60, 5, 1, 20)
    assert x.to(ember.int32) is not x and x.to(ember.float32) is x


def test_contiguous_memory_format(device):
    x = ember.randn(2, 3, 4, device=device)
    assert x.contiguous(memory_format=PF) is x                # contiguous already: no check
    with pytest.raises(RuntimeError, match="^preserve memory format is unsupported by the "
                                           "contiguous operator$"):
        x.transpose(0, 1).contiguous(memory_format=PF)
    y = ember.randn(2, 1, 4, 5, device=device)
    assert y.contiguous(memory_format=CL) is y                # size-1 C: both formats at once
    t = x.transpose(0, 2)
    c = t.contiguous()
    assert c.is_contiguous() and c.stride() == (6, 2, 1)
    assert_close(c, to_np(x).transpose(2, 1, 0))


@pytest.mark.parametrize("call", [
    lambda x: x.clone(memory_format=CL), lambda x: x.contiguous(memory_format=CL),
    lambda x: x.to(memory_format=CL), lambda x: x.to(ember.int64, memory_format=CL),
    lambda x: ember.empty_like(x, memory_format=CL), lambda x: ember.rand_like(x, memory_format=CL),
    lambda x: ember.randint_like(x, 5, memory_format=CL),
    lambda x: ember.empty(2, 3, 4, memory_format=CL, device=x.device)])
def test_channels_last_rank_errors(device, call):
    x = ember.randn(2, 3, 4, device=device)
    with pytest.raises(RuntimeError, match="^required rank 4 tensor to use channels_last format$"):
        call(x)


def test_channels_last_3d_rank_errors(device):
    x4 = ember.randn(2, 3, 4, 5, device=device)
    with pytest.raises(RuntimeError, match="^required rank 5 tensor to use channels_last_3d format$"):
        x4.clone(memory_format=CL3)
    with pytest.raises(RuntimeError, match="^required rank 4 tensor to use channels_last format$"):
        ember.randn(2, 3, 4, 5, 6, device=device).to(memory_format=CL)
    assert not x4.is_contiguous(memory_format=CL3)          # the query never raises
    with pytest.raises(RuntimeError, match="^unsupported memory format Preserve$"):
        ember.empty(2, 3, memory_format=PF)


def test_memory_format_argument_type_errors():
    x = ember.randn(2, 3, 4, 5)
    for call, name, bad in [(lambda v: x.clone(memory_format=v), "clone", "channels_last"),
                            (lambda v: x.clone(memory_format=v), "clone", 1),
                            (lambda v: x.contiguous(memory_format=v), "contiguous", None),
                            (lambda v: x.is_contiguous(memory_format=v), "is_contiguous", None),
                            (lambda v: ember.empty_like(x, memory_format=v), "empty_like", "x"),
                            (lambda v: ember.randn_like(x, memory_format=v), "randn_like", True)]:
        with pytest.raises(TypeError, match=rf"^{name}\(\): argument 'memory_format' must be "
                                            rf"ember.memory_format, not {type(bad).__name__}$"):
            call(bad)
    with pytest.raises(TypeError, match=r"^to\(\) received an invalid combination of arguments - "
                                        r"got \(memory_format=str, \)"):
        x.to(memory_format="channels_last")
    with pytest.raises(TypeError):
        x.contiguous(CL)                                    # keyword-only, as torch
    with pytest.raises(TypeError):
        x.is_contiguous(CL)
    with pytest.raises(TypeError, match="^cannot create 'ember.memory_format' instances$"):
        ember.memory_format()


def test_memory_format_objects():
    assert [repr(f) for f in (PF, CF, CL, CL3)] == ["ember.preserve_format",
                                                    "ember.contiguous_format",
                                                    "ember.channels_last", "ember.channels_last_3d"]
    assert all(isinstance(f, ember.memory_format) for f in (PF, CF, CL, CL3))
    assert len({PF, CF, CL, CL3}) == 4 and CL == CL and CL != CF
    for f in (PF, CF, CL, CL3):
        assert pickle.loads(pickle.dumps(f)) is f and copy.deepcopy(f) is f


# ------------------------------------------------------------------------------------------------
def test_random_like_draws_in_memory_order(device):
    x = ember.empty(3, 5, device=device).t()                 # (5, 3) with strides (1, 5)
    for fn, args in ((ember.rand_like, ()), (ember.randn_like, ()), (ember.randint_like, (7,))):
        g = ember.Generator(device).manual_seed(11)
        got = fn(x, *args, generator=g)
        g = ember.Generator(device).manual_seed(11)
        ref = fn(ember.empty(3, 5, device=device), *args, generator=g)
        assert got.stride() == (1, 5)
        assert_close(got, to_np(ref).T)


def test_clone_and_to_gradients(device):
    a = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)
    w = np.random.default_rng(2).standard_normal((4, 3)).astype(np.float32)
    x = ember.tensor(a, device=device, requires_grad=True)
    wide = ember.float64 if device == "cpu" else ember.float32     # fp64 is optional on OpenCL
    for f in (lambda t: t.clone(), lambda t: ember.clone(t, memory_format=CF),
              lambda t: t.to(wide, copy=True), lambda t: t.contiguous()):
        y = f(x.t())
        assert y.grad_fn is not None
        (y * ember.tensor(w, device=device, dtype=y.dtype)).sum().backward()
        assert_close(x.grad, w.T)
        x.grad = None
    y = x.view(1, 3, 2, 2).contiguous(memory_format=CL)
    (y * 3).sum().backward()
    assert_close(x.grad, np.full((3, 4), 3, np.float32))


def test_strides_module_helpers():
    # the helper rules themselves, on cases the tensor tests cannot build (overlapping, empty)
    assert mf.is_non_overlapping_and_dense((3, 3), (1, 1)) is False
    assert mf.is_non_overlapping_and_dense((3, 1), (1, 9)) is True
    assert mf.is_non_overlapping_and_dense((2, 3), (1, 2)) is True
    assert mf.is_non_overlapping_and_dense((2, 3), (1, 3)) is False
    assert mf.suggest((2, 3, 4, 5), (60, 1, 15, 3)) is CL
    assert mf.suggest((1, 1, 1, 1), (1, 1, 1, 1)) is CF     # ambiguous: NCHW wins, as torch
    assert mf.suggest((2, 3, 4, 5), (60, 0, 15, 3)) is CF
