"""default_collate / default_convert: every supported type, nesting, and the errors."""
import collections

import numpy as np
import pytest

import ember
from ember.utils.data import default_collate, default_convert

Point = collections.namedtuple("Point", ["x", "y"])


def test_tensors_are_stacked(device):
    batch = [ember.tensor([1.0, 2.0], device=device), ember.tensor([3.0, 4.0], device=device)]
    out = default_collate(batch)
    assert out.shape == (2, 2) and out.device == ember.device(device)
    assert out.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    scalars = default_collate([ember.tensor(1, device=device), ember.tensor(2, device=device)])
    assert scalars.shape == (2,) and scalars.dtype is ember.int64


def test_tensors_of_unequal_size_raise():
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but got "
                                           r"\[2\] at entry 0 and \[3\] at entry 1"):
        default_collate([ember.zeros(2), ember.zeros(3)])


def test_python_numbers_use_pytorch_dtypes():
    f = default_collate([1.5, 2.5])
    assert f.dtype is ember.float64 and f.tolist() == [1.5, 2.5]
    i = default_collate([1, 2, 3])
    assert i.dtype is ember.int64 and i.tolist() == [1, 2, 3]
    b = default_collate([True, False])
    assert b.dtype is ember.bool and b.tolist() == [True, False]


def test_numpy_arrays_and_scalars():
    out = default_collate([np.array([1, 2], np.int32), np.array([3, 4], np.int32)])
    assert out.dtype is ember.int32 and out.tolist() == [[1, 2], [3, 4]]
    out = default_collate([np.float32(1.5), np.float32(2.5)])
    assert out.dtype is ember.float32 and out.tolist() == [1.5, 2.5]
    out = default_collate([np.float64(1.0), np.float64(2.0)])
    assert out.dtype is ember.float64
    out = default_collate([np.bool_(True), np.bool_(False)])
    assert out.dtype is ember.bool
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors, numpy arrays, "
                                        "numbers, dicts or lists; found <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(TypeError, match="found object"):
        default_collate([np.array([{}], dtype=object)])


def test_strings_and_bytes_stay_lists():
    assert default_collate(["a", "b"]) == ["a", "b"]
    assert default_collate([b"a", b"b"]) == [b"a", b"b"]


def test_mappings():
    out = default_collate([{"x": 1, "y": "a"}, {"x": 2, "y": "b"}])
    assert type(out) is dict and out["x"].tolist() == [1, 2] and out["y"] == ["a", "b"]
    od = default_collate([collections.OrderedDict(b=1.0, a=2), collections.OrderedDict(b=3.0, a=4)])
    assert type(od) is collections.OrderedDict and list(od) == ["b", "a"]
    assert od["b"].dtype is ember.float64


def test_tuples_lists_and_namedtuples():
    out = default_collate([(1, "a"), (2, "b")])
    assert isinstance(out, list) and out[0].tolist() == [1, 2] and out[1] == ("a", "b")  # the zip tuple, as PyTorch
    out = default_collate([[1, 2], [3, 4]])
    assert isinstance(out, list) and [t.tolist() for t in out] == [[1, 3], [2, 4]]
    p = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(p, Point) and p.x.tolist() == [1, 3] and p.y.dtype is ember.float64
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])


def test_nested_structures():
    batch = [{"img": ember.ones(2, 2), "meta": {"id": i, "tags": ("t", i * 0.5)},
              "pts": [Point(ember.tensor(i), i)]} for i in range(3)]
    out = default_collate(batch)
    assert out["img"].shape == (3, 2, 2)
    assert out["meta"]["id"].tolist() == [0, 1, 2]
    assert out["meta"]["tags"][0] == ("t", "t", "t")
    assert out["meta"]["tags"][1].tolist() == [0.0, 0.5, 1.0]
    assert isinstance(out["pts"][0], Point) and out["pts"][0].x.tolist() == [0, 1, 2]


def test_unsupported_types_raise():
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors, numpy arrays, "
                                        "numbers, dicts or lists; found <class 'object'>"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="found <class 'NoneType'>"):
        default_collate([None, None])


def test_default_convert():
    t = ember.ones(2)
    assert default_convert(t) is t
    a = default_convert(np.array([1, 2], np.int16))
    assert isinstance(a, ember.Tensor) and a.dtype is ember.int16
    s = default_convert(np.float64(2.5))
    assert isinstance(s, ember.Tensor) and s.dtype is ember.float64 and s.dim() == 0
    strs = np.array(["a", "b"])
    assert default_convert(strs) is strs
    assert default_convert(np.str_("x")) == "x"
    out = default_convert({"a": np.zeros(2), "b": "s", "c": 3})
    assert isinstance(out["a"], ember.Tensor) and out["b"] == "s" and out["c"] == 3
    assert isinstance(default_convert((np.zeros(1), 1)), list)
    p = default_convert(Point(np.zeros(1), 2))
    assert isinstance(p, Point) and isinstance(p.x, ember.Tensor)
    assert default_convert("abc") == "abc"
    lst = default_convert([np.ones(1), 5])
    assert isinstance(lst, list) and isinstance(lst[0], ember.Tensor)


def test_matches_torch_default_collate():
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate as tc
    batch = [{"a": 1, "b": 2.5, "c": (True, "s"), "d": np.arange(3, dtype=np.int16),
              "e": np.float32(1.0), "p": Point(1, [2, 3])} for _ in range(2)]
    ours, theirs = default_collate(batch), tc(batch)

    def cmp(o, t):
        if isinstance(t, torch.Tensor):
            assert isinstance(o, ember.Tensor)
            assert o.dtype.name == str(t.dtype).replace("torch.", "")
            assert o.tolist() == t.tolist()
        elif isinstance(t, dict):
            assert type(o) is type(t) and list(o) == list(t)
            for k in t:
                cmp(o[k], t[k])
        elif isinstance(t, (list, tuple)):
            assert type(o) is type(t) and len(o) == len(t)
            for x, y in zip(o, t):
                cmp(x, y)
        else:
            assert o == t
    cmp(ours, theirs)
