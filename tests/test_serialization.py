"""ember.save / ember.load / save_safetensors / load_safetensors: round trips, the file layout,
sharing, map_location, hostile and corrupted files (fuzz), and the pickle refusal."""
import collections
import io
import json
import math
import os
import pickle
import random
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import ember
from ember import serialization as S

ALL_DTYPES = [ember.bool, ember.uint8, ember.int8, ember.int16, ember.int32, ember.int64,
              ember.float16, ember.bfloat16, ember.float32, ember.float64]


def roundtrip(obj, **kw):
    buf = io.BytesIO()
    ember.save(obj, buf)
    buf.seek(0)
    return ember.load(buf, **kw)


def bits(t):
    """The raw element bits of a CPU tensor as a NumPy array (bfloat16 included)."""
    return np.array(t.detach().cpu().contiguous()._host())


def same(a, b):
    assert isinstance(b, ember.Tensor)
    assert a.dtype is b.dtype and tuple(a.shape) == tuple(b.shape)
    np.testing.assert_array_equal(bits(a), bits(b))


def random_tensor(dtype, shape, seed=0):
    rng = np.random.default_rng(seed)
    if dtype is ember.bool:
        return ember.tensor(rng.integers(0, 2, shape).astype(bool))
    if dtype.is_floating_point:
        return ember.tensor(rng.standard_normal(shape) * 100, dtype=dtype)
    info = np.iinfo(dtype.np)
    return ember.tensor(rng.integers(info.min, info.max, shape, endpoint=True).astype(dtype.np))


def parse(raw):
    """(header dict, data bytes) of a file's bytes."""
    n = int.from_bytes(raw[:8], "little")
    return json.loads(raw[8:8 + n]), raw[8 + n:]


def build(header, data=b"", pad=True):
    """A file from a header object (or raw header bytes) and data bytes."""
    h = header if isinstance(header, bytes) else json.dumps(header).encode()
    if pad:
        h += b" " * (-len(h) % 8)
    return len(h).to_bytes(8, "little") + h + data


def load_bytes(raw, **kw):
    return ember.load(io.BytesIO(raw), **kw)


# ------------------------------------------------------------------------------------------------
# Round trips
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: d.name)
def test_every_dtype_roundtrip(dtype):
    objs = {"a": random_tensor(dtype, (3, 5)), "scalar": random_tensor(dtype, ()),
            "empty": ember.empty((0, 3), dtype=dtype), "empty2": ember.empty((2, 0), dtype=dtype)}
    out = roundtrip(objs)
    assert list(out) == list(objs)
    for k in objs:
        same(objs[k], out[k])


def test_special_float_values_survive():
    t = ember.tensor([math.nan, math.inf, -math.inf, -0.0, 1e-45, 65504.0])
    for dt in (ember.float16, ember.bfloat16, ember.float32, ember.float64):
        same(t.to(dt), roundtrip(t.to(dt)))


def test_non_contiguous_tensors_keep_geometry():
    base = ember.arange(60, dtype=ember.float32).reshape(3, 4, 5)
    views = {"t": base.transpose(0, 2), "step": base[:, ::2, 1::2], "narrow": base[1:, 2],
             "expand": ember.arange(3.0).reshape(3, 1).expand(3, 4)}
    out = roundtrip(views)
    for k, v in views.items():
        assert tuple(out[k].stride()) == tuple(v.stride())
        np.testing.assert_array_equal(out[k].numpy(), v.numpy())


def test_views_stay_shared_and_only_the_used_bytes_are_written():
    big = ember.arange(1000, dtype=ember.float64)
    a, b = big[10:20], big[15:30].reshape(3, 5)
    out = roundtrip({"a": a, "b": b})
    assert out["a"].untyped_storage() is out["b"].untyped_storage()
    out["a"][5] = -1.0                        # element 15 of the base, seen by both
    assert out["b"][0, 0].item() == -1.0
    buf = io.BytesIO()
    ember.save({"a": a, "b": b}, buf)
    header, data = parse(buf.getvalue())
    assert len(data) == 20 * 8                # elements 10..29 only, not the 1000
    assert big[15].item() == 15.0             # saving/loading never touched the original


def test_views_of_different_dtypes_share_one_byte_entry():
    x = ember.arange(8, dtype=ember.int32)
    obj = {"i32": x, "i64": ember.arange(4, dtype=ember.int64)}
    out = roundtrip(obj)
    same(obj["i32"], out["i32"])
    # a bool view and a float view of one storage only occur via .view(dtype) when supported
    if hasattr(ember.Tensor, "view"):
        try:
            v = x.view(ember.float32)
        except Exception:
            return
        out = roundtrip([x, v])
        assert out[0].untyped_storage() is out[1].untyped_storage()
        same(x, out[0])
        same(v, out[1])


def test_same_tensor_twice_is_one_object():
    t = ember.ones(3)
    out = roundtrip({"x": t, "again": [t, (t,)]})
    assert out["again"][0] is out["x"] and out["again"][1][0] is out["x"]


def test_requires_grad_and_parameter_survive():
    from ember.nn import Parameter
    p = Parameter(ember.randn(2, 3))
    frozen = Parameter(ember.randn(2), requires_grad=False)
    t = ember.randn(4).requires_grad_()
    out = roundtrip({"p": p, "f": frozen, "t": t, "plain": ember.zeros(1)})
    assert isinstance(out["p"], Parameter) and out["p"].requires_grad
    assert isinstance(out["f"], Parameter) and not out["f"].requires_grad
    assert type(out["t"]) is ember.Tensor and out["t"].requires_grad and out["t"].is_leaf
    assert not out["plain"].requires_grad
    same(p.detach(), out["p"].detach())


def checkpoint():
    w = ember.randn(4, 3, dtype=ember.float32)
    sd = collections.OrderedDict([("fc.weight", w), ("fc.bias", ember.zeros(4)),
                                  ("bn.num_batches_tracked", ember.tensor(7))])
    sd._metadata = collections.OrderedDict([("", {"version": 1}), ("fc", {"version": 1})])
    optim = {"state": {0: {"step": ember.tensor(3.0), "exp_avg": ember.randn(4, 3),
                           "exp_avg_sq": ember.rand(4, 3)},
                       1: {"step": ember.tensor(3.0), "exp_avg": ember.zeros(4),
                           "exp_avg_sq": ember.zeros(4)}},
             "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-08,
                               "weight_decay": 0, "amsgrad": False, "foreach": None,
                               "params": [0, 1]}]}
    return {"epoch": 12, "step": 3400, "best": 0.917, "model": sd, "optimizer": optim,
            "history": [1.5, 0.75, math.inf], "name": "résumé ✓", "flags": (True, False, None),
            "raw": b"\x00\xffbytes", "shape": ember.Size([2, 3]), "dtype": ember.bfloat16,
            "device": ember.device("cpu"), (1, "k"): "tuple key", 2.5: "float key",
            None: "none key", "empty": {}, "empty_list": [], "empty_tuple": ()}


def assert_same_structure(a, b):
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, ember.Tensor):
        same(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert type(k) is type(next(x for x in b if x == k))
            assert_same_structure(a[k], b[k])
        if hasattr(a, "_metadata"):
            assert b._metadata == a._metadata
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same_structure(x, y)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    else:
        assert a == b


def test_nested_checkpoint_roundtrip_keeps_every_type(tmp_path):
    ck = checkpoint()
    path = tmp_path / "ckpt.ember"
    ember.save(ck, path)
    assert_same_structure(ck, ember.load(path))
    ember.save(ck, str(path))                      # str paths too
    assert_same_structure(ck, ember.load(str(path)))


def test_numpy_scalars_and_nan_load_as_python_numbers():
    out = roundtrip({"a": np.float32(1.5), "b": np.int64(7), "c": np.bool_(True), "n": math.nan})
    assert out["a"] == 1.5 and type(out["a"]) is float
    assert out["b"] == 7 and type(out["b"]) is int
    assert out["c"] is True
    assert math.isnan(out["n"])


def test_module_and_optimizer_state_dict_roundtrip_resumes_training():
    nn = ember.nn
    if not all(hasattr(nn, n) for n in ("Linear", "Sequential", "ReLU")) or not hasattr(
            ember.optim, "Adam"):
        pytest.skip("nn.Linear / nn.Sequential / optim.Adam not available yet")

    def make():
        return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))

    def step(model, opt, x):
        opt.zero_grad()
        model(x).pow(2).sum().backward()
        opt.step()

    x = ember.randn(5, 3)
    model = make()
    opt = ember.optim.Adam(model.parameters(), lr=0.01)
    step(model, opt, x)
    ck = roundtrip({"epoch": 1, "model": model.state_dict(), "optim": opt.state_dict()})
    assert list(ck["model"]) == list(model.state_dict())
    model2 = make()
    model2.load_state_dict(ck["model"])
    opt2 = ember.optim.Adam(model2.parameters(), lr=0.5)
    opt2.load_state_dict(ck["optim"])
    assert opt2.param_groups[0]["lr"] == 0.01
    step(model, opt, x)                         # the same next step on both
    step(model2, opt2, x)
    for (k, a), b in zip(model.state_dict().items(), model2.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)


def test_several_objects_in_one_stream():
    buf = io.BytesIO()
    ember.save({"a": ember.ones(2)}, buf)
    ember.save([1, 2, ember.zeros(3)], buf)
    buf.seek(0)
    first, second = ember.load(buf), ember.load(buf)
    same(ember.ones(2), first["a"])
    assert second[:2] == [1, 2]


class ReadOnlyStream:
    """A stream that cannot seek or tell (a pipe, a socket)."""

    def __init__(self, raw):
        self._b = io.BytesIO(raw)

    def read(self, n=-1):
        return self._b.read(min(n, 7) if n and n > 0 else n)     # short reads on purpose


def test_non_seekable_stream():
    buf = io.BytesIO()
    ck = checkpoint()
    ember.save(ck, buf)
    assert_same_structure(ck, ember.load(ReadOnlyStream(buf.getvalue())))
    with pytest.raises(RuntimeError, match="truncated"):
        ember.load(ReadOnlyStream(buf.getvalue()[:-3]))


# ------------------------------------------------------------------------------------------------
# The file layout
def test_file_is_safetensors_layout():
    sd = {"w": ember.randn(3, 4), "b": ember.arange(4, dtype=ember.int64)}
    buf = io.BytesIO()
    ember.save(sd, buf)
    raw = buf.getvalue()
    n = int.from_bytes(raw[:8], "little")
    assert (8 + n) % 8 == 0
    header, data = parse(raw)
    meta = header.pop("__metadata__")
    assert all(isinstance(v, str) for v in meta.values()) and meta["format"] == "ember"
    assert header["w"] == {"dtype": "F32", "shape": [3, 4], "data_offsets": [0, 48]}
    assert header["b"] == {"dtype": "I64", "shape": [4], "data_offsets": [48, 80]}
    assert len(data) == 80
    np.testing.assert_array_equal(np.frombuffer(data[:48], "<f4").reshape(3, 4), sd["w"].numpy())
    structure = json.loads(meta["ember.structure"])
    assert structure["version"] == 1 and structure["root"] == {"D": [["w", {"T": 0}], ["b", {"T": 1}]]}


def test_dtype_names():
    names = {"bool": "BOOL", "uint8": "U8", "int8": "I8", "int16": "I16", "int32": "I32",
             "int64": "I64", "float16": "F16", "bfloat16": "BF16", "float32": "F32",
             "float64": "F64"}
    for dt in ALL_DTYPES:
        buf = io.BytesIO()
        ember.save_safetensors({"x": ember.zeros(2, dtype=dt)}, buf)
        assert parse(buf.getvalue())[0]["x"]["dtype"] == names[dt.name]


def test_plain_safetensors_files_load_as_flat_dicts(tmp_path):
    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    data = w.tobytes() + np.array([1, 0, 1], np.bool_).tobytes()
    raw = build({"__metadata__": {"format": "pt"},
                 "w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
                 "m": {"dtype": "BOOL", "shape": [3], "data_offsets": [24, 27]}}, data)
    (tmp_path / "m.safetensors").write_bytes(raw)
    for out in (load_bytes(raw), ember.load_safetensors(tmp_path / "m.safetensors")):
        assert list(out) == ["w", "m"]
        np.testing.assert_array_equal(out["w"].numpy(), w)
        assert out["m"].dtype is ember.bool and out["m"].tolist() == [True, False, True]


def test_save_safetensors_and_load_safetensors(tmp_path):
    sd = {"a": ember.randn(2, 3), "h": ember.randn(5).to(ember.bfloat16), "e": ember.zeros(0)}
    p = tmp_path / "x.safetensors"
    ember.save_safetensors(sd, p, metadata={"source": "ember"})
    header, _ = parse(p.read_bytes())
    assert header["__metadata__"] == {"source": "ember"}
    out = ember.load_safetensors(p)
    for k in sd:
        same(sd[k], out[k])
    ember.save_safetensors(sd, p)
    assert "__metadata__" not in parse(p.read_bytes())[0]


def test_save_safetensors_rejects_shared_and_non_contiguous():
    base = ember.arange(10.0)
    with pytest.raises(RuntimeError, match="share memory"):
        ember.save_safetensors({"a": base, "b": base[2:5]}, io.BytesIO())
    # disjoint views of one storage do not overlap: allowed
    ember.save_safetensors({"a": base[:5], "b": base[5:]}, io.BytesIO())
    with pytest.raises(ValueError, match="non contiguous tensor: `t`"):
        ember.save_safetensors({"t": ember.randn(3, 4).t()}, io.BytesIO())
    with pytest.raises(ValueError, match="expected ember.Tensor"):
        ember.save_safetensors({"x": 1}, io.BytesIO())
    with pytest.raises(ValueError, match="Expected a dict"):
        ember.save_safetensors([ember.ones(1)], io.BytesIO())
    with pytest.raises(ValueError, match="metadata"):
        ember.save_safetensors({"x": ember.ones(1)}, io.BytesIO(), metadata={"a": 1})


def test_interop_with_the_safetensors_package(tmp_path):
    st_np = pytest.importorskip("safetensors.numpy")
    sd = {"w": ember.randn(3, 4), "i": ember.arange(5, dtype=ember.int32),
          "m": ember.tensor([True, False])}
    # ember files (ember.save and save_safetensors) are read by safetensors
    for writer in (ember.save, ember.save_safetensors):
        p = tmp_path / f"{writer.__name__}.safetensors"
        writer(sd, p)
        got = st_np.load_file(str(p))
        assert set(got) == set(sd)
        for k in sd:
            np.testing.assert_array_equal(got[k], sd[k].numpy())
    # safetensors files are read by ember
    arrays = {"x": np.random.rand(2, 3).astype(np.float16), "y": np.arange(4, dtype=np.int64)}
    p = tmp_path / "from_st.safetensors"
    st_np.save_file(arrays, str(p), metadata={"k": "v"})
    for out in (ember.load(p), ember.load_safetensors(p)):
        for k in arrays:
            np.testing.assert_array_equal(out[k].numpy(), arrays[k])


def test_bfloat16_interop_with_torch(tmp_path):
    torch = pytest.importorskip("torch")
    st_torch = pytest.importorskip("safetensors.torch")
    x = torch.randn(3, 5).to(torch.bfloat16)
    p = tmp_path / "bf16.safetensors"
    st_torch.save_file({"x": x}, str(p))
    out = ember.load_safetensors(p)["x"]
    assert out.dtype is ember.bfloat16
    np.testing.assert_array_equal(bits(out), x.view(torch.int16).numpy().view(np.uint16))
    ember.save_safetensors({"y": out}, p)
    back = st_torch.load_file(str(p))["y"]
    assert torch.equal(back, x)


# ------------------------------------------------------------------------------------------------
# map_location
def test_map_location_variants():
    sd = {"a": ember.arange(6.0), "v": None}
    sd["v"] = sd["a"][2:4]
    seen = []

    def fn(storage, location):
        seen.append(location)
        assert ember.is_storage(storage)
        return None

    for ml in (None, "cpu", ember.device("cpu"), {"cpu": "cpu"}, {"opencl:0": "cpu"},
               {ember.device("cpu"): "cpu"}, fn,
               lambda s, loc: s, lambda s, loc: "cpu"):
        out = roundtrip(sd, map_location=ml)
        assert out["a"].device.type == "cpu"
        assert out["v"].untyped_storage() is out["a"].untyped_storage()
        assert out["v"].tolist() == [2.0, 3.0]
    assert seen == ["cpu"]
    with pytest.raises(TypeError, match="map_location"):
        roundtrip(sd, map_location=3)
    with pytest.raises(ValueError, match="map_location returned"):
        roundtrip(sd, map_location=lambda s, loc: 5)


def test_tensor_saved_on_opencl_needs_a_map_location_without_opencl():
    buf = io.BytesIO()
    ember.save({"a": ember.ones(3)}, buf)
    header, data = parse(buf.getvalue())
    st = json.loads(header["__metadata__"]["ember.structure"])
    st["tensors"][0]["device"] = "opencl:0"
    header["__metadata__"]["ember.structure"] = json.dumps(st)
    raw = build(header, data)
    out = load_bytes(raw, map_location="cpu")
    assert out["a"].tolist() == [1.0, 1.0, 1.0]
    for ml in ({"opencl:0": "cpu"}, {"opencl": "cpu"}, {ember.device("opencl:0"): ember.device("cpu")}):
        out = load_bytes(raw, map_location=ml)
        assert out["a"].device.type == "cpu"
    seen = []
    load_bytes(raw, map_location=lambda s, loc: seen.append(loc) or "cpu")
    assert seen == ["opencl:0"]
    if not S._opencl_available():
        with pytest.raises(RuntimeError, match="map_location=ember.device\\('cpu'\\)"):
            load_bytes(raw)


def test_device_roundtrip(device):
    a = ember.arange(12.0, device=device).reshape(3, 4)
    out = roundtrip({"a": a, "col": a[:, 1]})
    assert out["a"].device == a.device
    assert out["col"].untyped_storage() is out["a"].untyped_storage()
    np.testing.assert_array_equal(out["col"].cpu().numpy(), [1.0, 5.0, 9.0])
    cpu = roundtrip({"a": a}, map_location="cpu")
    assert cpu["a"].device.type == "cpu"
    back = roundtrip({"a": a.cpu()}, map_location=device)
    assert back["a"].device == ember.device(device)


# ------------------------------------------------------------------------------------------------
# What cannot be saved
def test_unsupported_objects_raise_type_error():
    class Foo:
        pass
    for bad in (Foo(), {1, 2}, 1 + 2j, object(), [lambda: 0]):
        with pytest.raises(TypeError, match="cannot save"):
            ember.save({"x": bad}, io.BytesIO())
    with pytest.raises(TypeError, match="dict keys"):
        ember.save({ember.ones(1): 1}, io.BytesIO())
    cyc = []
    cyc.append(cyc)
    with pytest.raises(ValueError, match="cycle"):
        ember.save(cyc, io.BytesIO())
    deep = []
    for _ in range(S.MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(ValueError, match="deeper"):
        ember.save(deep, io.BytesIO())
    with pytest.raises(ValueError, match="never"):
        ember.save(1, io.BytesIO(), pickle_module=pickle)


# ------------------------------------------------------------------------------------------------
# Hostile and corrupted files
@pytest.fixture
def alloc_log(monkeypatch):
    """Every CPU allocation size requested while loading (to prove nothing large is allocated)."""
    from ember.backends.cpu import backend
    sizes = []
    orig = backend.allocate

    def spy(nbytes, zero=False):
        sizes.append(nbytes)
        return orig(nbytes, zero)
    monkeypatch.setattr(backend, "allocate", spy)
    return sizes


def entry(dtype="F32", shape=(2,), offs=(0, 8)):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offs)}


HOSTILE = {
    "empty file": b"",
    "short file": b"\x01\x02\x03",
    "header length past the end": (500).to_bytes(8, "little") + b"{}",
    "header length 2**63": (1 << 63).to_bytes(8, "little") + b"{}" * 10,
    "header length just over": (3).to_bytes(8, "little") + b"{}",
    "not json": build(b"{not json"),
    "not utf8": build(b'{"\xff\xfe": 1}'),
    "header is a list": build([1, 2]),
    "deeply nested header": build(b"[" * 100000 + b"]" * 100000),
    "entry not an object": build({"x": 3}),
    "unknown dtype": build({"x": entry(dtype="F8_E4M3", offs=(0, 2))}, b"\0" * 8),
    "complex dtype": build({"x": entry(dtype="C64")}, b"\0" * 8),
    "negative offset": build({"x": entry(offs=(-8, 0))}, b"\0" * 8),
    "reversed offsets": build({"x": entry(offs=(8, 0))}, b"\0" * 8),
    "offset past end": build({"x": entry(offs=(8, 16))}, b"\0" * 8),
    "shape disagrees with offsets": build({"x": entry(shape=(3,))}, b"\0" * 8),
    "absurd shape": build({"x": entry(shape=(1 << 30, 1 << 30), offs=(0, 1 << 62))}, b"\0" * 8),
    "2**60 elements": build({"x": entry(shape=(1 << 60,), offs=(0, 8))}, b"\0" * 8),
    "negative dim": build({"x": entry(shape=(-2,))}, b"\0" * 8),
    "float dim": build({"x": entry(shape=(2.0,))}, b"\0" * 8),
    "bool dim": build({"x": entry(shape=(True, True), offs=(0, 4))}, b"\0" * 8),
    "too many dims": build({"x": entry(shape=(1,) * 65, offs=(0, 4))}, b"\0" * 8),
    "overlap": build({"x": entry(), "y": entry(offs=(4, 12))}, b"\0" * 16),
    "bool bytes not 0 or 1": build({"x": entry(dtype="BOOL", shape=(3,), offs=(0, 3))}, b"\0\1\7"),
    "metadata not str": build({"__metadata__": {"a": 1}}),
    "metadata a list": build({"__metadata__": [1]}),
}


def structured(root, tensors=(), entries=None, data=b"", version=1):
    header = {"__metadata__": {"format": "ember", "ember.structure": json.dumps(
        {"version": version, "root": root,
         "tensors": list(tensors) if isinstance(tensors, (list, tuple)) else tensors})}}
    header.update(entries or {})
    return build(header, data)


def row(**kw):
    r = {"entry": "x", "dtype": "F32", "shape": [2], "stride": [1], "offset": 0,
         "device": "cpu", "requires_grad": False, "parameter": False}
    r.update(kw)
    return r


X = {"x": entry()}
HOSTILE.update({
    "structure not json": build({"__metadata__": {"format": "ember", "ember.structure": "{"}}),
    "structure deeply nested": build({"__metadata__": {"ember.structure":
                                                       '{"version":1,"tensors":[],"root":' + "[" * 50000 + "]" * 50000 + "}"}}),
    "decoded nesting too deep": structured(json.loads('{"L":[' * 300 + '1' + "]}" * 300)),
    "unknown version": structured(1, version=99),
    "no root": build({"__metadata__": {"ember.structure": '{"version": 1}'}}),
    "unknown tag": structured({"pickle": "gASVAAAAAAAAAAA="}),
    "two tags": structured({"L": [], "U": []}),
    "tensor index out of range": structured({"T": 5}, [row()], X, b"\0" * 8),
    "tensor index negative": structured({"T": -1}, [row()], X, b"\0" * 8),
    "tensor index bool": structured({"T": True}, [row()], X, b"\0" * 8),
    "missing entry": structured({"T": 0}, [row(entry="nope")], X, b"\0" * 8),
    "view past the entry": structured({"T": 0}, [row(offset=1)], X, b"\0" * 8),
    "stride past the entry": structured({"T": 0}, [row(stride=[2])], X, b"\0" * 8),
    "huge stride-0 view": structured({"T": 0}, [row(shape=[1 << 40, 1 << 40], stride=[0, 0])],
                                     X, b"\0" * 8),
    "negative stride": structured({"T": 0}, [row(stride=[-1], offset=1)], X, b"\0" * 8),
    "stride rank mismatch": structured({"T": 0}, [row(stride=[1, 1])], X, b"\0" * 8),
    "bad row dtype": structured({"T": 0}, [row(dtype="Q")], X, b"\0" * 8),
    "bad device": structured({"T": 0}, [row(device="cuda:0")], X, b"\0" * 8),
    "int requires grad": structured({"T": 0}, [row(dtype="I32", requires_grad=True)], X, b"\0" * 8),
    "rows not a list": structured(1, tensors={}),
    "dict item not a pair": structured({"D": [[1]]}),
    "unhashable key": structured({"D": [[{"L": []}, 1]]}),
    "bad base64": structured({"B": "!!!"}),
    "bad dtype tag": structured({"dtype": "float128"}),
    "bad device tag": structured({"device": "tpu"}),
    "size not ints": structured({"S": [1.5]}),
    "raw json list": structured([1, 2]),
    "huge integer": build({"__metadata__": {"ember.structure":
                                            '{"version":1,"tensors":[],"root":' + "9" * 5000 + "}"}}),
})


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_files_raise_runtime_error_without_large_allocations(name, alloc_log):
    raw = HOSTILE[name]
    with pytest.raises(RuntimeError):
        load_bytes(raw)
    assert all(n <= max(len(raw), 64) for n in alloc_log), alloc_log


def test_hostile_file_messages_are_clear():
    with pytest.raises(RuntimeError, match="header length 500 is larger than the file"):
        load_bytes(HOSTILE["header length past the end"])
    with pytest.raises(RuntimeError, match="unsupported dtype 'F8_E4M3'"):
        load_bytes(HOSTILE["unknown dtype"])
    with pytest.raises(RuntimeError, match="overlap"):
        load_bytes(HOSTILE["overlap"])
    with pytest.raises(RuntimeError, match="needs 12 bytes but data_offsets span 8"):
        load_bytes(HOSTILE["shape disagrees with offsets"])
    with pytest.raises(RuntimeError, match="truncated"):
        load_bytes(HOSTILE["offset past end"])


def test_header_length_limit_is_checked_before_reading(alloc_log):
    class Huge(io.RawIOBase):
        """Claims a 90 MB header but only 8 bytes exist; a reader trusting it would wait/alloc."""

        def __init__(self):
            self.reads = []

        def readable(self):
            return True

        def read(self, n=-1):
            self.reads.append(n)
            return (200_000_000).to_bytes(8, "little") if len(self.reads) == 1 else b""
    s = Huge()
    with pytest.raises(RuntimeError, match="limit"):
        ember.load(s)
    assert s.reads == [8]


def test_fuzz_truncated_and_bit_flipped_files():
    buf = io.BytesIO()
    ck = checkpoint()
    ck["views"] = [ck["model"]["fc.weight"][1:], ck["model"]["fc.weight"].t()]
    ember.save(ck, buf)
    good = buf.getvalue()
    hlen = 8 + int.from_bytes(good[:8], "little")
    rng = random.Random(1234)
    outcomes = collections.Counter()
    for i in range(600):
        raw = bytearray(good)
        kind = i % 4
        if kind == 0:                                   # truncation anywhere
            raw = raw[:rng.randrange(len(good))]
        elif kind == 1:                                 # bit flips anywhere
            for _ in range(rng.randint(1, 8)):
                p = rng.randrange(len(raw))
                raw[p] ^= 1 << rng.randrange(8)
        elif kind == 2:                                 # bit flips in the header
            for _ in range(rng.randint(1, 4)):
                p = rng.randrange(hlen)
                raw[p] ^= 1 << rng.randrange(8)
        else:                                           # JSON-ish bytes written into the header
            for _ in range(rng.randint(1, 3)):
                p = rng.randrange(8, hlen)
                raw[p] = ord(rng.choice('0123456789-[]{}":,eE.TLUDOSB'))
        try:
            load_bytes(bytes(raw))
            outcomes["loaded"] += 1
        except RuntimeError:
            outcomes["RuntimeError"] += 1
    assert outcomes["RuntimeError"] > 300
    assert sum(outcomes.values()) == 600


# ------------------------------------------------------------------------------------------------
# Pickle refusal
MARKER_CODE = "open({path!r}, 'w').write('pwned')"


class Evil:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (exec, (MARKER_CODE.format(path=self.path),))


def test_pickle_payloads_are_refused_and_never_executed(tmp_path):
    marker = tmp_path / "executed"
    payload = pickle.dumps(Evil(str(marker)), protocol=2)
    # the payload is live: unpickling it in another process does create the marker
    probe = tmp_path / "probe"
    subprocess.run([sys.executable, "-c", "import pickle,sys; pickle.loads(sys.stdin.buffer.read())"],
                   input=pickle.dumps(Evil(str(probe))), check=True, timeout=60)
    assert probe.exists()

    # 1. a raw pickle file
    (tmp_path / "evil.pkl").write_bytes(payload)
    with pytest.raises(RuntimeError, match="pickle"):
        ember.load(tmp_path / "evil.pkl")
    with pytest.raises(RuntimeError, match="pickle"):
        ember.load(tmp_path / "evil.pkl", weights_only=False)
    # 2. a torch.save-style zip archive holding the pickle
    zpath = tmp_path / "evil.pt"
    with zipfile.ZipFile(zpath, "w") as z:
        z.writestr("archive/data.pkl", payload)
    with pytest.raises(RuntimeError, match="zip"):
        ember.load(zpath)
    # 3. the pickle inside a valid file, as bytes in the structure and as tensor data: loaded as
    #    inert data
    raw = structured({"D": [["blob", {"B": __import__("base64").b64encode(payload).decode()}],
                            ["t", {"T": 0}]]},
                     [row(dtype="U8", shape=[len(payload)])],
                     {"x": entry(dtype="U8", shape=(len(payload),), offs=(0, len(payload)))},
                     payload)
    out = load_bytes(raw)
    assert out["blob"] == payload
    assert bytes(out["t"].numpy()) == payload
    # 4. a made-up tag asking for unpickling
    with pytest.raises(RuntimeError, match="unknown object tag"):
        load_bytes(structured({"pickle": __import__("base64").b64encode(payload).decode()}))
    with pytest.raises(ValueError, match="never unpickles"):
        ember.load(tmp_path / "evil.pkl", pickle_module=pickle)
    assert not marker.exists()


def test_pickle_is_not_imported_by_load(tmp_path):
    """Belt and braces: load works with pickle's loaders sabotaged in this process."""
    p = tmp_path / "ok.ember"
    ember.save(checkpoint(), p)
    code = ("import pickle\n"
            "def boom(*a, **k): raise AssertionError('unpickling attempted')\n"
            "pickle.loads = pickle.load = boom\n"
            "pickle.Unpickler = boom\n"
            "import ember\n"
            f"ck = ember.load({str(p)!r})\n"
            "print(ck['epoch'])\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "12"


def test_fuzz_structure_values():
    """Valid JSON, wrong content: random values swapped into the header and the structure."""
    buf = io.BytesIO()
    ck = checkpoint()
    ck["views"] = [ck["model"]["fc.weight"][1:], ck["model"]["fc.weight"].t()]
    ember.save(ck, buf)
    header, data = parse(buf.getvalue())
    rng = random.Random(99)
    values = [None, True, False, 0, -1, 1, 2 ** 40, 2 ** 70, 1.5, math.nan, "", "x", "F32",
              "cpu", [], [1], [[1, 2]], {}, {"T": 0}, {"L": []}, {"D": [[1, 2]]}]

    def pick():
        return json.loads(json.dumps(rng.choice(values)))

    def mutate(node):
        if isinstance(node, dict) and node:
            k = rng.choice(list(node))
            if rng.random() < 0.1:
                del node[k]
            elif rng.random() < 0.3 or not isinstance(node[k], (dict, list)):
                node[k] = pick()
            else:
                mutate(node[k])
        elif isinstance(node, list) and node:
            i = rng.randrange(len(node))
            if rng.random() < 0.3 or not isinstance(node[i], (dict, list)):
                node[i] = pick()
            else:
                mutate(node[i])

    errors = 0
    for _ in range(400):
        h = json.loads(json.dumps(header))
        st = json.loads(h["__metadata__"]["ember.structure"])
        for _ in range(rng.randint(1, 3)):
            mutate(st if rng.random() < 0.6 else h)
        if isinstance(h.get("__metadata__"), dict) and "ember.structure" in h["__metadata__"]:
            h["__metadata__"]["ember.structure"] = json.dumps(st)
        try:
            load_bytes(build(h, data))
        except RuntimeError:
            errors += 1
    assert errors > 200
