"""Tensor printing: the expected strings follow PyTorch's torch/_tensor_str.py algorithm and the
outputs PyTorch documents (e.g. tensor([1.0000e-05, 1.0000e+03]), the zeros(100, 100) summary)."""
import re

import numpy as np
import pytest

import ember
from ember import _printing
from ember.tensor import _make

from conftest import noncontig, make

nan, inf = float("nan"), float("inf")


@pytest.fixture(autouse=True)
def _default_printoptions():
    ember.set_printoptions(profile="default")
    yield
    ember.set_printoptions(profile="default")
    ember.set_default_dtype(ember.float32)


def T(data, device="cpu", **kw):
    return ember.tensor(data, device=device, **kw)


_SUFFIX = r",(?: |\n *)(?=(?:device|size|dtype|requires_grad|grad_fn)=)"


def _suffixed(body, suffixes):
    """PyTorch's _add_suffixes: each suffix after ", ", or on a new line indented under the
    opening parenthesis when the line would pass the print width."""
    indent = body.index("(") + 1
    width = _printing.get_printoptions()["linewidth"]
    out, last = body, len(body) - body.rfind("\n") + 1    # (sic) PyTorch's count: 2 extra
    for sx in suffixes:
        if last + len(sx) + 2 > width:
            out, last = out + ",\n" + " " * indent + sx, indent + len(sx)
        else:
            out, last = out + ", " + sx, last + len(sx) + 2
    return out + ")"


def R(t, fn=repr):
    """fn(t) (repr, str or format) as it would read on the CPU, so one expected string serves
    every device: off the CPU it is first checked to carry PyTorch's device suffix, the first
    suffix (before size, dtype, requires_grad, grad_fn), laid out as every suffix; that suffix
    is then taken out and the rest laid out again."""
    s = fn(t)
    if t.device.type == "cpu":
        assert "device=" not in s
        return s
    m = re.search(_SUFFIX, s)
    assert m, f"no device suffix in {s!r}"
    body = s[:m.start()]
    suffixes = re.split(_SUFFIX, s[m.start():-1])[1:]
    assert suffixes[0] == f"device='{t.device.type}:{t.device.index or 0}'", s
    assert s == _suffixed(body, suffixes)
    return _suffixed(body, suffixes[1:])


# -- float modes ---------------------------------------------------------------------------------
@pytest.mark.parametrize("data, expected", [
    ([1., 2.], "tensor([1., 2.])"),                                # integer mode
    ([0.1, 2.5], "tensor([0.1000, 2.5000])"),                      # fixed mode, precision 4
    ([1e-5, 1e3], "tensor([1.0000e-05, 1.0000e+03])"),             # max/min > 1000
    ([1e9, 1.], "tensor([1.0000e+09, 1.0000e+00])"),               # integer-valued, > 1e8
    ([123456789., 1.], "tensor([1.2346e+08, 1.0000e+00])"),
    ([1.5e-5], "tensor([1.5000e-05])"),                            # min < 1e-4
    ([1e-5, 1e3, 1.2345], "tensor([1.0000e-05, 1.0000e+03, 1.2345e+00])"),
    ([-1., 100., 3.], "tensor([ -1., 100.,   3.])"),               # right-aligned to max width
    ([1.12345], "tensor([1.1235])"),
    ([-1.5, 2.25], "tensor([-1.5000,  2.2500])"),
    ([999., 1.], "tensor([999.,   1.])"),                          # ratio 999: still integer mode
    ([1001., 1.], "tensor([1.0010e+03, 1.0000e+00])"),
])
def test_float_modes(device, data, expected):
    t = T(data, device=device)
    assert R(t) == expected
    assert R(t, str) == expected


def test_inf_nan_negative_zero(device):
    assert R(T([1., nan, inf, -inf], device)) == "tensor([1., nan, inf, -inf])"
    assert R(T([0.1, nan], device)) == "tensor([0.1000,    nan])"
    assert R(T([nan, inf], device)) == "tensor([nan, inf])"          # no finite nonzero value
    assert R(T([nan, nan], device)) == "tensor([nan, nan])"
    assert R(T([1e-5, inf], device)) == "tensor([1.0000e-05,        inf])"
    assert R(T([0., -0.], device)) == "tensor([0., -0.])"
    assert R(T([-0.], device)) == "tensor([-0.])"
    assert R(T([-0., 1.5], device)) == "tensor([-0.0000, 1.5000])"
    assert R(T([0., 0.], device)) == "tensor([0., 0.])"


def test_zero_dim(device):
    assert R(T(3., device)) == "tensor(3.)"
    assert R(T(0., device)) == "tensor(0.)"
    assert R(T(-0., device)) == "tensor(-0.)"
    assert R(T(1.5, device)) == "tensor(1.5000)"
    assert R(T(1e-7, device)) == "tensor(1.0000e-07)"
    assert R(T(nan, device)) == "tensor(nan)"
    assert R(T(-inf, device)) == "tensor(-inf)"
    assert R(T(-5, device)) == "tensor(-5)"
    assert R(T(True, device)) == "tensor(True)"
    assert R(T(3., device, dtype=ember.float64)) == "tensor(3., dtype=ember.float64)"
    assert R(T(7, device, dtype=ember.uint8)) == "tensor(7, dtype=ember.uint8)"


def test_int_and_bool(device):
    assert R(T([1, 2, 3], device)) == "tensor([1, 2, 3])"
    assert R(T([-1, 100, 3], device)) == "tensor([ -1, 100,   3])"
    assert R(T([True, False], device)) == "tensor([ True, False])"
    assert R(T([True, True], device)) == "tensor([True, True])"
    assert R(T([1, 2], device, dtype=ember.int32)) == "tensor([1, 2], dtype=ember.int32)"
    assert R(T([-3, 2], device, dtype=ember.int8)) == "tensor([-3,  2], dtype=ember.int8)"
    assert R(T([255, 0], device, dtype=ember.uint8)) == "tensor([255,   0], dtype=ember.uint8)"
    assert R(T([[1, -20], [300, 4]], device, dtype=ember.int16)) == (
        "tensor([[  1, -20],\n"
        "        [300,   4]], dtype=ember.int16)")


def test_dtype_suffix_and_default_dtype(device):
    assert R(T([1., 2.], device, dtype=ember.float64)) == "tensor([1., 2.], dtype=ember.float64)"
    assert R(T([1., 2.], device, dtype=ember.float16)) == "tensor([1., 2.], dtype=ember.float16)"
    assert R(T([1., 2.5], device, dtype=ember.bfloat16)) == \
        "tensor([1.0000, 2.5000], dtype=ember.bfloat16)"
    assert R(T([0.1], device, dtype=ember.float16)) == "tensor([0.1000], dtype=ember.float16)"
    ember.set_default_dtype(ember.float64)
    assert R(T([1., 2.], device, dtype=ember.float64)) == "tensor([1., 2.])"
    assert R(T([1., 2.], device, dtype=ember.float32)) == "tensor([1., 2.], dtype=ember.float32)"
    assert R(ember.zeros(0, device=device, dtype=ember.float32)) == \
        "tensor([], dtype=ember.float32)"


def test_nested_dims(device):
    assert R(T([[1., 2.], [3., 4.]], device)) == "tensor([[1., 2.],\n        [3., 4.]])"
    assert R(T([[[1, 2], [3, 4]], [[5, 6], [7, 8]]], device)) == (
        "tensor([[[1, 2],\n"
        "         [3, 4]],\n"
        "\n"
        "        [[5, 6],\n"
        "         [7, 8]]])")
    assert R(T([[-1.5, 2.25], [100.125, 3.]], device)) == (
        "tensor([[ -1.5000,   2.2500],\n"
        "        [100.1250,   3.0000]])")
    # a 4-d tensor: two blank lines between the outermost blocks
    assert R(T(np.arange(4).reshape(2, 1, 2, 1), device)) == (
        "tensor([[[[0],\n"
        "          [1]]],\n"
        "\n"
        "\n"
        "        [[[2],\n"
        "          [3]]]])")


def test_empty(device):
    assert R(ember.zeros(0, 3, device=device)) == "tensor([], size=(0, 3))"
    assert R(ember.zeros(0, device=device, dtype=ember.int64)) == "tensor([], dtype=ember.int64)"
    assert R(ember.zeros(0, device=device)) == "tensor([])"
    assert R(ember.zeros(0, device=device, dtype=ember.bool)) == "tensor([], dtype=ember.bool)"
    assert R(ember.zeros(2, 0, 3, device=device, dtype=ember.float64)) == \
        "tensor([], size=(2, 0, 3), dtype=ember.float64)"


def test_noncontiguous_prints_values(device):
    arr = np.array([[1.5, -2.0, 3.25], [4.0, 5.5, -6.0]], dtype=np.float32)
    expected = ("tensor([[ 1.5000, -2.0000,  3.2500],\n"
                "        [ 4.0000,  5.5000, -6.0000]])")
    assert R(make(noncontig(arr), device)) == expected
    assert R(make(arr, device)) == expected
    tt = make(np.ascontiguousarray(arr.T).T, device)              # column-major layout
    assert not tt.is_contiguous()
    assert R(tt) == expected
    base = T(np.arange(12) ** 2, device)
    sliced = _make(base._storage, (3,), (3,), 2, base.dtype, base.device)   # base[2::3]
    assert R(sliced) == "tensor([ 4, 25, 64])"


# -- summarisation -------------------------------------------------------------------------------
def test_summarize_1d(device):
    t = T(np.arange(2000), device)
    assert R(t) == "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"
    t = T(np.arange(1000), device)          # numel == threshold: not summarised
    assert "..." not in R(t)
    assert R(t).count("\n") == 1000 // 14        # width 3 + 2: 14 per line, 72 lines


def test_summarize_2d_zeros(device):
    assert R(ember.zeros(100, 100, device=device)) == (
        "tensor([[0., 0., 0.,  ..., 0., 0., 0.],\n"
        "        [0., 0., 0.,  ..., 0., 0., 0.],\n"
        "        [0., 0., 0.,  ..., 0., 0., 0.],\n"
        "        ...,\n"
        "        [0., 0., 0.,  ..., 0., 0., 0.],\n"
        "        [0., 0., 0.,  ..., 0., 0., 0.],\n"
        "        [0., 0., 0.,  ..., 0., 0., 0.]])")


def test_summarize_3d_only_long_dims(device):
    t = T(np.arange(2 * 3 * 200).reshape(2, 3, 200), device)
    assert R(t) == (
        "tensor([[[   0,    1,    2,  ...,  197,  198,  199],\n"
        "         [ 200,  201,  202,  ...,  397,  398,  399],\n"
        "         [ 400,  401,  402,  ...,  597,  598,  599]],\n"
        "\n"
        "        [[ 600,  601,  602,  ...,  797,  798,  799],\n"
        "         [ 800,  801,  802,  ...,  997,  998,  999],\n"
        "         [1000, 1001, 1002,  ..., 1197, 1198, 1199]]])")


def test_summary_formatter_sees_only_edge_items(device):
    x = np.arange(1000., 3000., dtype=np.float32)
    x[1000] = 1e10                        # hidden by "...": must not switch to sci mode
    assert R(T(x, device)) == "tensor([1000., 1001., 1002.,  ..., 2997., 2998., 2999.])"
    x[0] = 1e10                           # shown: sci mode
    assert R(T(x, device)) == ("tensor([1.0000e+10, 1.0010e+03, 1.0020e+03,  ..., 2.9970e+03, "
                                  "2.9980e+03,\n        2.9990e+03])")


def test_summarize_noncontig(device):
    arr = noncontig(np.arange(3000, dtype=np.int64).reshape(2, 1500))
    assert R(make(arr, device)) == (
        "tensor([[   0,    1,    2,  ..., 1497, 1498, 1499],\n"
        "        [1500, 1501, 1502,  ..., 2997, 2998, 2999]])")


# -- line wrapping -------------------------------------------------------------------------------
def test_wrap_1d(device):
    t = T(np.arange(100.), device, dtype=ember.float32)
    lines = R(t).split("\n")
    # element width 3 (+2 for ", "): (80 - 7) // 5 = 14 per line, continuation indented by 8
    assert lines[0] == "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,"
    assert lines[1] == "        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,"
    assert lines[-1] == "        98., 99.])"
    assert len(lines) == 8


def test_wrap_nested_indent(device):
    t = T(np.arange(40.).reshape(2, 20) / 10, device, dtype=ember.float32)
    assert R(t) == (
        "tensor([[0.0000, 0.1000, 0.2000, 0.3000, 0.4000, 0.5000, 0.6000, 0.7000, 0.8000,\n"
        "         0.9000, 1.0000, 1.1000, 1.2000, 1.3000, 1.4000, 1.5000, 1.6000, 1.7000,\n"
        "         1.8000, 1.9000],\n"
        "        [2.0000, 2.1000, 2.2000, 2.3000, 2.4000, 2.5000, 2.6000, 2.7000, 2.8000,\n"
        "         2.9000, 3.0000, 3.1000, 3.2000, 3.3000, 3.4000, 3.5000, 3.6000, 3.7000,\n"
        "         3.8000, 3.9000]])")


def test_suffix_wraps_to_new_line(device):
    t = T(np.arange(9) / 10, device, dtype=ember.float64)
    assert R(t) == ("tensor([0.0000, 0.1000, 0.2000, 0.3000, 0.4000, 0.5000, 0.6000, 0.7000, 0.8000],\n"
                       "       dtype=ember.float64)")
    t = T(np.arange(8) / 10, device, dtype=ember.float64)
    assert R(t) == ("tensor([0.0000, 0.1000, 0.2000, 0.3000, 0.4000, 0.5000, 0.6000, 0.7000],\n"
                       "       dtype=ember.float64)")
    # PyTorch counts the single line as 2 longer than it is: 63 + 2 + 2 + 19 > 80 wraps ...
    t = T(np.arange(7) / 10, device, dtype=ember.float64)
    assert R(t) == ("tensor([0.0000, 0.1000, 0.2000, 0.3000, 0.4000, 0.5000, 0.6000],\n"
                       "       dtype=ember.float64)")
    # ... and 55 + 2 + 2 + 19 <= 80 does not
    t = T(np.arange(6) / 10, device, dtype=ember.float64)
    assert R(t) == ("tensor([0.0000, 0.1000, 0.2000, 0.3000, 0.4000, 0.5000],"
                       " dtype=ember.float64)")


# -- options -------------------------------------------------------------------------------------
def test_set_printoptions_documented_examples(device):
    ember.set_printoptions(precision=2)
    assert R(T([1.12345], device)) == "tensor([1.12])"
    ember.set_printoptions(threshold=5)
    assert R(T(np.arange(10), device)) == "tensor([0, 1, 2,  ..., 7, 8, 9])"
    ember.set_printoptions(profile="default")
    assert R(T([1.12345], device)) == "tensor([1.1235])"
    assert R(T(np.arange(10), device)) == "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])"


def test_printoptions_edgeitems_linewidth_profiles(device):
    ember.set_printoptions(threshold=5, edgeitems=1)
    assert R(T(np.arange(10), device)) == "tensor([0,  ..., 9])"
    ember.set_printoptions(profile="short")
    assert R(T([1.12345, 2.], device)) == "tensor([1.12, 2.00])"
    assert R(T(np.arange(2000), device)) == "tensor([   0,    1,  ..., 1998, 1999])"
    ember.set_printoptions(profile="full")
    assert "..." not in R(T(np.arange(2000), device))
    ember.set_printoptions(profile="default", linewidth=20)
    # (20 - 7) // (1 + 2) = 4 elements per line
    assert R(T(np.arange(6), device)) == "tensor([0, 1, 2, 3,\n        4, 5])"


def test_sci_mode_option(device):
    ember.set_printoptions(sci_mode=False)
    # the width still comes from the sci strings the formatter measured (as PyTorch)
    assert R(T([1e-5, 1e3], device)) == "tensor([    0.0000,  1000.0000])"
    ember.set_printoptions(sci_mode=True)
    assert R(T([1., 2.], device)) == "tensor([1.0000e+00, 2.0000e+00])"
    assert R(T([0.5], device)) == "tensor([5.0000e-01])"
    assert R(T([0., 0.], device)) == "tensor([0., 0.])"       # PyTorch: no finite nonzero value
    ember.set_printoptions(precision=2)                          # resets sci_mode to automatic
    assert R(T([1., 2.], device)) == "tensor([1., 2.])"


def test_get_printoptions_and_context_manager(device):
    opts = _printing.get_printoptions()
    assert opts == dict(precision=4, threshold=1000, edgeitems=3, linewidth=80, sci_mode=None)
    with _printing.printoptions(precision=1, sci_mode=True):
        assert R(T([2.5], device)) == "tensor([2.5e+00])"
    assert _printing.get_printoptions() == opts
    assert R(T([2.5], device)) == "tensor([2.5000])"


# -- autograd / device suffixes ------------------------------------------------------------------
def test_requires_grad_suffix(device):
    assert R(T([1., 2.], device, requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
    assert R(T([1., 2.], device, dtype=ember.float64, requires_grad=True)) == \
        "tensor([1., 2.], dtype=ember.float64, requires_grad=True)"


class AddBackward0:
    pass


class _NamedNode:
    def name(self):
        return "torch::autograd::MulBackward0"


def test_grad_fn_suffix(device):
    t = T([1., 2.], device)
    t.grad_fn = AddBackward0()
    assert R(t) == "tensor([1., 2.], grad_fn=<AddBackward0>)"
    t.grad_fn = _NamedNode()
    assert R(t) == "tensor([1., 2.], grad_fn=<MulBackward0>)"


class _HostBackend:
    """Stands in for an accelerator backend: the tensor's storage is host memory."""

    @staticmethod
    def to_host(t):
        return ember.backends.cpu.np_view(t)


def test_device_suffix(monkeypatch):
    dev = ember.device("opencl:0")
    monkeypatch.setattr(dev, "_backend", _HostBackend())
    src = ember.tensor([[1., 2.], [3., 4.]], dtype=ember.float64)
    t = _make(src._storage, src._shape, src._stride, 0, src.dtype, dev)
    assert repr(t) == ("tensor([[1., 2.],\n        [3., 4.]], device='opencl:0', "
                       "dtype=ember.float64)")
    big = ember.tensor(np.arange(3000))
    t = _make(big._storage, (3000,), (1,), 0, big.dtype, dev)
    assert repr(t) == "tensor([   0,    1,    2,  ..., 2997, 2998, 2999], device='opencl:0')"
    e = _make(big._storage, (0,), (1,), 0, ember.float32, dev)
    assert repr(e) == "tensor([], device='opencl:0')"
    e = _make(big._storage, (0, 2), (2, 1), 0, ember.float64, dev)
    assert repr(e) == "tensor([], device='opencl:0', size=(0, 2), dtype=ember.float64)"
    # the device suffix comes first and wraps like the others
    src = ember.tensor(np.arange(6) / 10)
    t = _make(src._storage, src._shape, src._stride, 0, src.dtype, dev)
    t.requires_grad_(True)
    assert repr(t) == ("tensor([0.0000, 0.1000, 0.2000, 0.3000, 0.4000, 0.5000], device='opencl:0',\n"
                       "       dtype=ember.float64, requires_grad=True)")


def test_subclass_prefix(device):
    class MyTensor(ember.Tensor):
        pass
    t = T([1, 2], device)
    m = _make(t._storage, t._shape, t._stride, 0, t.dtype, t.device)
    m.__class__ = MyTensor
    assert R(m) == "MyTensor([1, 2])"
    assert R(T([1., 2.], device)) == "tensor([1., 2.])"


def test_format_of_0d(device):
    assert f"{T(2.5, device):.2f}" == "2.50"
    assert R(T([1, 2], device), format) == "tensor([1, 2])"
