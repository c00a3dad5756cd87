"""The Tensor core: metadata queries, Python protocols (item/tolist/len/iter/bool/float/int/index),
NumPy interop, pickling, Size, and the CPU caching allocator."""
import copy
import pickle

import numpy as np
import pytest

import ember
from conftest import noncontig, make, to_np


def test_metadata(device):
    t = ember.zeros(2, 3, 4, device=device)
    assert t.shape == (2, 3, 4) and isinstance(t.shape, ember.Size)
    assert t.size() == ember.Size([2, 3, 4]) and t.size(1) == 3 and t.size(-1) == 4
    assert t.stride() == (12, 4, 1) and t.stride(0) == 12 and t.stride(-2) == 4
    assert t.dim() == 3 and t.ndim == 3 and t.ndimension() == 3
    assert t.numel() == 24 and t.nelement() == 24
    assert t.element_size() == 4 and t.itemsize == 4 and t.nbytes == 96
    assert t.storage_offset() == 0 and t.is_contiguous()
    assert t.is_floating_point() and t.is_signed() and not t.is_complex()
    assert t.is_cpu == (device == "cpu") and not t.is_cuda and t.layout == "strided"
    d = ember.ones(5, dtype=ember.float64, device=device)
    assert d.element_size() == 8 and d.nbytes == 40
    assert ember.ones(2, dtype=ember.uint8, device=device).is_signed() is False
    assert ember.ones(2, dtype=ember.bool, device=device).element_size() == 1
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of "
                                         r"\[-3, 2\], but got 3\)"):
        t.size(3)
    with pytest.raises(IndexError, match="Dimension out of range"):
        t.stride(-4)
    with pytest.raises(TypeError):
        t.size(1.0)
    s = ember.tensor(1.5, device=device)
    assert s.shape == () and s.dim() == 0 and s.numel() == 1 and s.stride() == ()
    assert s.size() == ()
    with pytest.raises(IndexError, match="Dimension specified as 0 but tensor has no dimensions"):
        s.size(0)
    with pytest.raises(IndexError, match="Dimension specified as -1 but tensor has no dimensions"):
        s.stride(-1)
    e = ember.zeros(0, 3, device=device)
    assert e.numel() == 0 and e.nbytes == 0 and e.is_contiguous() and e.stride() == (3, 1)


def test_views_metadata():
    base = np.arange(24.0).reshape(4, 6)
    v = ember.from_numpy(base[1:, ::2])
    assert v.shape == (3, 3) and v.stride() == (6, 2) and v.storage_offset() == 0
    assert not v.is_contiguous()
    assert v.data_ptr() == base[1:, ::2].__array_interface__["data"][0]
    tr = ember.from_numpy(base.T)
    assert tr.stride() == (1, 6) and not tr.is_contiguous()
    one = ember.from_numpy(base[:, :1])              # size-1 dims ignore their stride
    assert one.is_contiguous() is False and ember.from_numpy(base[:1]).is_contiguous()
    t = ember.zeros(3, 4)
    assert t.data_ptr() == t.untyped_storage().ptr


def test_item_and_tolist(device):
    assert ember.tensor(2.5, device=device).item() == 2.5
    assert ember.tensor([7], device=device).item() == 7
    assert type(ember.tensor([7], device=device).item()) is int
    assert type(ember.tensor([7.0], device=device).item()) is float
    assert type(ember.tensor([True], device=device).item()) is bool
    assert ember.tensor([[1.5]], dtype=ember.float16, device=device).item() == 1.5
    with pytest.raises(RuntimeError, match="a Tensor with 6 elements cannot be converted to Scalar"):
        ember.zeros(2, 3, device=device).item()
    nested = ember.tensor([[1, 2], [3, 4]], device=device).tolist()
    assert nested == [[1, 2], [3, 4]] and type(nested[0][0]) is int
    assert ember.tensor(3.0, device=device).tolist() == 3.0
    assert ember.zeros(0, 2, device=device).tolist() == []
    assert make(noncontig(np.arange(6).reshape(2, 3)), device).tolist() == [[0, 1, 2], [3, 4, 5]]


def test_len_iter(device):
    t = ember.tensor([[1, 2], [3, 4], [5, 6]], device=device)
    assert len(t) == 3
    rows = list(t)
    assert len(rows) == 3 and all(isinstance(r, ember.Tensor) for r in rows)
    assert [r.tolist() for r in rows] == [[1, 2], [3, 4], [5, 6]]
    assert [x.item() for x in ember.tensor([1.5, 2.5], device=device)] == [1.5, 2.5]
    assert list(ember.zeros(0, 2, device=device)) == []
    z = ember.tensor(1.0, device=device)
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(z)
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(z)
    if device == "cpu":                               # rows of a view are views
        base = np.zeros((2, 3))
        for i, row in enumerate(ember.from_numpy(base)):
            row.fill_(i + 1)
        assert base.tolist() == [[1, 1, 1], [2, 2, 2]]


def test_bool_float_int_index(device):
    assert bool(ember.tensor(0.5, device=device)) is True
    assert bool(ember.tensor([0], device=device)) is False
    assert bool(ember.tensor([[True]], device=device)) is True
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is "
                                           "ambiguous"):
        bool(ember.tensor([1, 1], device=device))
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with no values is ambiguous"):
        bool(ember.zeros(0, device=device))
    with pytest.raises(RuntimeError, match="ambiguous"):
        if ember.ones(2, device=device) > 0:
            pass
    assert float(ember.tensor([2], device=device)) == 2.0
    assert int(ember.tensor(-3.9, device=device)) == -3
    assert complex(ember.tensor(1.5, device=device)) == 1.5 + 0j
    with pytest.raises(ValueError, match="only one element tensors can be converted to Python "
                                         "scalars"):
        float(ember.ones(2, device=device))
    with pytest.raises(ValueError, match="only one element tensors"):
        int(ember.ones(2, device=device))
    assert [10, 20, 30][ember.tensor(1, device=device)] == 20
    assert [10, 20, 30][ember.tensor([2], device=device)] == 30
    assert list(range(5))[ember.tensor(1):ember.tensor(3)] == [1, 2]
    assert ember.tensor(4, device=device).__index__() == 4
    with pytest.raises(TypeError, match="only integer tensors of a single element can be "
                                        "converted to an index"):
        [1, 2][ember.tensor(1.0, device=device)]
    with pytest.raises(TypeError, match="only integer tensors of a single element"):
        [1, 2][ember.tensor([0, 1], device=device)]
    assert format(ember.tensor(2.5, device=device), ".2f") == "2.50"
    a, b = ember.ones(1), ember.ones(1)
    assert len({a, b, a}) == 2                        # hashed by identity (== is elementwise)


def test_numpy_interop():
    t = ember.tensor([[1.0, 2.0], [3.0, 4.0]])
    a = t.numpy()
    assert a.dtype == np.float32 and a.shape == (2, 2)
    a[0, 0] = 9                                       # shares memory
    assert t.tolist()[0][0] == 9
    t.mul_(2)
    assert a[1, 1] == 8
    assert np.shares_memory(t.numpy(), a)
    v = ember.from_numpy(np.arange(12.0).reshape(3, 4)[:, ::2])
    assert v.numpy().strides == (32, 16)
    assert np.asarray(t).dtype == np.float32
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert np.array(ember.tensor([1.5]).bfloat16()).tolist() == [1.5]
    assert ember.tensor(3).numpy().shape == ()
    with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires grad. "
                                           "Use tensor.detach\\(\\).numpy\\(\\) instead"):
        ember.tensor([1.0], requires_grad=True).numpy()
    g = ember.tensor([1.0], requires_grad=True)
    assert g.detach().numpy().tolist() == [1.0]
    assert g.numpy(force=True).tolist() == [1.0]


def test_dtype_names_and_type():
    assert ember.ones(1).type() == "ember.FloatTensor"
    assert ember.ones(1, dtype=ember.int64).type() == "ember.LongTensor"
    assert ember.ones(1, dtype=ember.bool).type() == "ember.BoolTensor"
    assert ember.ones(1).type(ember.float64).dtype is ember.float64


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.int64, ember.int8,
                                   ember.bool, ember.float16, ember.bfloat16])
def test_pickle_round_trip(dtype):
    t = ember.tensor([[1, 0, 3], [4, 5, 0]], dtype=dtype)
    r = pickle.loads(pickle.dumps(t))
    assert r.dtype is dtype and r.shape == t.shape and r.tolist() == t.tolist()
    assert r.data_ptr() != t.data_ptr()
    z = pickle.loads(pickle.dumps(ember.tensor(2, dtype=dtype)))
    assert z.shape == ()
    nc = pickle.loads(pickle.dumps(make(noncontig(np.arange(6.0).reshape(2, 3)), "cpu")))
    assert nc.tolist() == np.arange(6.0).reshape(2, 3).tolist()
    if dtype.is_floating_point:
        g = pickle.loads(pickle.dumps(ember.tensor([1.5], dtype=dtype, requires_grad=True)))
        assert g.requires_grad and g.tolist() == [1.5] and g.dtype is dtype


def test_deepcopy():
    t = ember.tensor([1.0, 2.0], requires_grad=True)
    t.note = ["kept"]
    c = copy.deepcopy(t)
    assert c is not t and c.data_ptr() != t.data_ptr() and c.tolist() == [1.0, 2.0]
    assert c.requires_grad and c.note == ["kept"] and c.note is not t.note
    memo_twice = copy.deepcopy([t, t])
    assert memo_twice[0] is memo_twice[1]


def test_size():
    s = ember.Size([2, 3, 4])
    assert repr(s) == "ember.Size([2, 3, 4])" and repr(ember.Size([])) == "ember.Size([])"
    assert s == (2, 3, 4) and isinstance(s, tuple)
    assert s.numel() == 24 and ember.Size([]).numel() == 1 and ember.Size([0, 5]).numel() == 0
    assert isinstance(s[1:], ember.Size) and s[1:] == (3, 4) and s[0] == 2 and s[-1] == 4
    assert isinstance(s + (5,), ember.Size) and s + (5,) == (2, 3, 4, 5)
    assert len(s) == 3 and list(s) == [2, 3, 4]
    a, b, c = s
    assert (a, b, c) == (2, 3, 4)


def test_requires_grad_flags():
    t = ember.zeros(2)
    assert t.requires_grad is False and t.is_leaf and t.grad is None
    assert t.requires_grad_() is t and t.requires_grad
    t.requires_grad = False
    assert not t.requires_grad
    with pytest.raises(RuntimeError, match="only Tensors of floating point and complex dtype can "
                                           "require gradients"):
        ember.zeros(2, dtype=ember.int64).requires_grad_()
    d = ember.ones(2, requires_grad=True).detach()
    assert not d.requires_grad


def test_version_counter_is_shared_by_views():
    base = np.zeros(4)
    a = ember.from_numpy(base)
    v = a._version
    a.add_(1)
    assert a._version == v + 1
    d = a.detach()                                    # detach shares storage and the counter
    d.mul_(2)
    assert a._version == v + 2 and base.tolist() == [2.0] * 4


def test_caching_allocator_reuses_and_releases():
    backend = ember.device("cpu").backend
    backend.empty_cache()
    n = 3 << 20                                        # a large block (cached size class)
    before = backend.memory_stats()
    t = ember.empty(n // 4)
    ptr = t.data_ptr()
    mid = backend.memory_stats()
    assert mid["allocated"] >= before["allocated"] + n
    assert mid["peak_allocated"] >= mid["allocated"]
    del t
    freed = backend.memory_stats()
    assert freed["allocated"] == before["allocated"]
    assert freed["cached"] >= n                        # kept for reuse, not returned
    u = ember.empty(n // 4)
    assert u.data_ptr() == ptr                         # the cached block comes back
    assert backend.memory_stats()["cached"] == before["cached"]
    del u
    assert backend.memory_stats()["cached"] >= n
    backend.empty_cache()
    assert backend.memory_stats()["cached"] == 0


def test_small_and_zero_sized_storages():
    z = ember.empty(0)
    assert z.numel() == 0 and z.untyped_storage().nbytes == 0
    s = ember.ones(3, dtype=ember.int8)
    assert s.untyped_storage().nbytes == 3 and len(s.untyped_storage()) == 3
    st = s.untyped_storage()
    assert memoryview(st).nbytes == 3 and bytes(memoryview(st)) == b"\x01\x01\x01"
    assert "CPU storage of 3 bytes" in repr(st)
    assert to_np(s).tolist() == [1, 1, 1]
