"""nn.Module: registration, naming, dedup, state dicts, train/eval, conversions, pickling, reprs."""
import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.nn import Parameter, Buffer


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(4, 2, bias=False)
        self.register_buffer("steps", ember.zeros((), dtype=ember.int64))
        self.register_buffer("scratch", ember.zeros(2), persistent=False)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


# -- registration -----------------------------------------------------------------------------
def test_parameter_before_init_raises():
    class Bad(nn.Module):
        def __init__(self):
            self.w = Parameter(ember.zeros(2))
            super().__init__()

    with pytest.raises(AttributeError, match=r"cannot assign parameters before Module.__init__\(\) call"):
        Bad()


def test_module_and_buffer_before_init_raise():
    class BadM(nn.Module):
        def __init__(self):
            self.sub = nn.ReLU()

    class BadB(nn.Module):
        def __init__(self):
            self.register_buffer("b", ember.zeros(1))

    with pytest.raises(AttributeError, match="cannot assign module before"):
        BadM()
    with pytest.raises(AttributeError, match="cannot assign buffer before"):
        BadB()


def test_init_rejects_arguments():
    with pytest.raises(TypeError, match="unexpected keyword argument 'foo'"):
        nn.Module(foo=1)
    with pytest.raises(TypeError, match="takes 1 positional argument but 2 were given"):
        nn.Module(1)


def test_registration_by_assignment():
    m = Net()
    assert list(m._parameters) == []
    assert list(m._modules) == ["fc1", "act", "fc2"]
    assert list(m._buffers) == ["steps", "scratch"]
    assert m.fc2.bias is None and "bias" in m.fc2._parameters
    m.extra = Parameter(ember.ones(3))
    assert m._parameters["extra"] is m.extra
    m.plain = 5
    assert m.plain == 5 and "plain" in m.__dict__
    # re-assigning a registered parameter with a plain tensor is an error; None is allowed
    with pytest.raises(TypeError, match=r"cannot assign 'ember.FloatTensor' as parameter 'extra' \(ember.nn.Parameter or None expected\)"):
        m.extra = ember.ones(3)
    m.extra = None
    assert m.extra is None and "extra" in m._parameters
    with pytest.raises(TypeError, match="cannot assign 'int' as child module 'act'"):
        m.act = 3
    # a tensor assigned to a registered buffer name stays a buffer
    m.steps = ember.ones((), dtype=ember.int64)
    assert m._buffers["steps"] is m.steps
    # a registered parameter name only takes a Parameter or None (a Module is refused too)
    with pytest.raises(TypeError, match="cannot assign 'ember.nn.modules.activation.ReLU' as parameter 'extra'"):
        m.extra = nn.ReLU()
    # assigning a Parameter under a plain attribute's or a buffer's name moves it
    m.scratch = Parameter(ember.ones(2))
    assert "scratch" in m._parameters and "scratch" not in m._buffers
    assert "scratch" not in m._non_persistent_buffers_set


def test_buffer_class_and_persistence():
    m = nn.Module()
    m.a = Buffer(ember.ones(2))
    m.b = Buffer(ember.ones(2), persistent=False)
    assert set(m._buffers) == {"a", "b"}
    assert list(m.state_dict()) == ["a"]
    m.register_buffer("none_buf", None)
    assert m.none_buf is None and list(m.state_dict()) == ["a"]


def test_register_errors():
    m = nn.Module()
    m.x = 1
    with pytest.raises(KeyError, match="attribute 'x' already exists"):
        m.register_parameter("x", Parameter(ember.zeros(1)))
    with pytest.raises(KeyError, match=r"parameter name can.*t contain"):
        m.register_parameter("a.b", None)
    with pytest.raises(KeyError, match=r"parameter name can.*t be empty string"):
        m.register_parameter("", None)
    with pytest.raises(TypeError, match="parameter name should be a string. Got int"):
        m.register_parameter(1, None)
    with pytest.raises(TypeError, match=r"cannot assign 'ember.FloatTensor' object to parameter 'p' \(ember.nn.Parameter or None required\)"):
        m.register_parameter("p", ember.zeros(1))
    with pytest.raises(KeyError, match=r"buffer name can.*t contain"):
        m.register_buffer("a.b", ember.zeros(1))
    with pytest.raises(TypeError, match="cannot assign 'int' object to buffer 'b'"):
        m.register_buffer("b", 3)
    with pytest.raises(TypeError, match="int is not a Module subclass"):
        m.add_module("c", 3)
    with pytest.raises(KeyError, match=r"module name can.*t contain"):
        m.add_module("a.b", nn.ReLU())
    w = ember.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="Cannot assign non-leaf Tensor to parameter 'q'"):
        m.register_parameter("q", _nonleaf_param(w))


def _nonleaf_param(w):
    p = Parameter(ember.ones(2))
    p.grad_fn = (w * 2).grad_fn      # a parameter with history, as Parameter(x * 2) would have in torch
    return p


def test_register_module_alias_and_none():
    m = nn.Module()
    m.register_module("a", nn.ReLU())
    m.add_module("b", None)
    assert list(m._modules) == ["a", "b"]
    assert list(dict(m.named_children())) == ["a"]
    assert [n for n, _ in m.named_modules()] == ["", "a"]


def test_getattr_delattr_dir():
    m = Net()
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'nope'"):
        m.nope
    d = dir(m)
    for name in ("fc1", "act", "steps", "forward", "training"):
        assert name in d
    del m.fc1
    assert "fc1" not in m._modules
    del m.steps
    assert "steps" not in m._buffers
    del m.scratch
    assert "scratch" not in m._non_persistent_buffers_set
    m.z = 3
    del m.z
    assert not hasattr(m, "z")


def test_forward_unimplemented():
    with pytest.raises(NotImplementedError, match='Module \\[Module\\] is missing the required "forward" function'):
        nn.Module()(1)


# -- iteration ----------------------------------------------------------------------------------
def test_named_parameters_buffers_modules():
    m = Net()
    assert [n for n, _ in m.named_parameters()] == ["fc1.weight", "fc1.bias", "fc2.weight"]
    assert [n for n, _ in m.named_parameters(prefix="model")] == ["model.fc1.weight", "model.fc1.bias",
                                                                  "model.fc2.weight"]
    assert list(m.named_parameters(recurse=False)) == []
    assert [n for n, _ in m.named_buffers()] == ["steps", "scratch"]
    assert [n for n, _ in m.named_modules()] == ["", "fc1", "act", "fc2"]
    assert [n for n, _ in m.named_modules(prefix="root")] == ["root", "root.fc1", "root.act", "root.fc2"]
    assert [n for n, _ in m.named_children()] == ["fc1", "act", "fc2"]
    assert len(list(m.parameters())) == 3 and len(list(m.buffers())) == 2
    assert list(m.modules())[0] is m


def test_shared_parameters_and_modules_dedup():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias"]
    assert [n for n, _ in seq.named_parameters(remove_duplicate=False)] == ["0.weight", "0.bias", "2.weight",
                                                                            "2.bias"]
    assert [n for n, _ in seq.named_modules()] == ["", "0", "1"]
    assert [n for n, _ in seq.named_modules(remove_duplicate=False)] == ["", "0", "1", "2"]
    assert len(list(seq.children())) == 2
    # a parameter shared by two modules (weight tying)
    a, b = nn.Linear(3, 3), nn.Linear(3, 3)
    b.weight = a.weight
    both = nn.ModuleDict({"a": a, "b": b})
    assert [n for n, _ in both.named_parameters()] == ["a.weight", "a.bias", "b.bias"]
    # the state dict still has every key
    assert list(both.state_dict()) == ["a.weight", "a.bias", "b.weight", "b.bias"]
    # named_modules with a memo skips modules already seen
    assert [n for n, _ in seq.named_modules(memo={lin})] == ["", "1"]


def test_get_submodule_parameter_buffer():
    m = nn.Sequential(OrderedDict(net=Net()))
    assert m.get_submodule("net.fc1") is m.net.fc1
    assert m.get_submodule("") is m
    assert m.get_parameter("net.fc1.weight") is m.net.fc1.weight
    assert m.get_buffer("net.steps") is m.net.steps
    with pytest.raises(AttributeError, match="Net has no attribute `nope`"):
        m.get_submodule("net.nope")
    with pytest.raises(AttributeError, match="`weight` is not an nn.Module"):
        m.get_submodule("net.fc1.weight")
    with pytest.raises(AttributeError, match="`fc1` is not an nn.Parameter"):
        m.get_parameter("net.fc1")
    with pytest.raises(AttributeError, match="`weight` is not a buffer"):
        m.get_buffer("net.fc1.weight")
    m.set_submodule("net.act", nn.Tanh())
    assert isinstance(m.net.act, nn.Tanh)


# -- state dict -------------------------------------------------------------------------------
def test_state_dict_keys_and_values():
    m = Net()
    sd = m.state_dict()
    assert isinstance(sd, OrderedDict)
    assert list(sd) == ["steps", "fc1.weight", "fc1.bias", "fc2.weight"]
    assert not sd["fc1.weight"].requires_grad
    assert sd["fc1.weight"].data_ptr() == m.fc1.weight.data_ptr()      # shares storage
    kv = m.state_dict(keep_vars=True)
    assert kv["fc1.weight"] is m.fc1.weight
    assert list(m.state_dict(prefix="p.")) == ["p.steps", "p.fc1.weight", "p.fc1.bias", "p.fc2.weight"]
    dest = {}
    assert m.state_dict(destination=dest) is dest
    assert sd._metadata[""] == {"version": 1} and "fc1" in sd._metadata


def test_state_dict_round_trip():
    a, b = Net(), Net()
    a.steps.fill_(7)
    res = b.load_state_dict(a.state_dict())
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert repr(res) == "<All keys matched successfully>"
    for (na, pa), (nb, pb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert na == nb
        np.testing.assert_array_equal(pa.numpy(), pb.numpy())
    # load copies into the existing tensors: identity kept
    w = b.fc1.weight
    b.load_state_dict(Net().state_dict())
    assert b.fc1.weight is w


def test_load_state_dict_strict_errors():
    m = nn.Linear(3, 4)
    sd = m.state_dict()
    del sd["bias"]
    sd["extra"] = ember.zeros(1)
    with pytest.raises(RuntimeError) as e:
        m.load_state_dict(sd)
    assert str(e.value) == ('Error(s) in loading state_dict for Linear:\n\tMissing key(s) in state_dict: "bias". '
                            '\n\tUnexpected key(s) in state_dict: "extra". ')
    res = m.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["bias"] and res.unexpected_keys == ["extra"]   # reported, not raised
    bad = nn.Linear(3, 5).state_dict()
    with pytest.raises(RuntimeError) as e:
        m.load_state_dict(bad)
    assert str(e.value) == (
        "Error(s) in loading state_dict for Linear:\n\tsize mismatch for weight: copying a param with shape "
        "ember.Size([5, 3]) from checkpoint, the shape in current model is ember.Size([4, 3]).\n\tsize mismatch "
        "for bias: copying a param with shape ember.Size([5]) from checkpoint, the shape in current model is "
        "ember.Size([4]).")
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        m.load_state_dict([1, 2])


def test_load_state_dict_nested_unexpected_and_non_tensor():
    m = nn.Sequential(nn.Linear(2, 2))
    sd = m.state_dict()
    sd["1.weight"] = ember.zeros(2, 2)
    sd["0.weight"] = 3
    with pytest.raises(RuntimeError) as e:
        m.load_state_dict(sd)
    msg = str(e.value)
    assert msg.startswith("Error(s) in loading state_dict for Sequential:\n\tUnexpected key(s) in state_dict: "
                          '"1.weight". ')
    assert 'While copying the parameter named "0.weight", expected ember.Tensor' in msg


def test_load_state_dict_assign_and_dtype_conversion():
    m = nn.Linear(2, 3)
    src = nn.Linear(2, 3).double().state_dict()
    m.load_state_dict(src)                       # copy_ converts to the module's dtype
    assert m.weight.dtype is ember.float32
    np.testing.assert_allclose(m.weight.detach().numpy(), src["weight"].numpy(), rtol=1e-6)
    m.load_state_dict(src, assign=True)          # assign takes the checkpoint's tensors
    assert m.weight.dtype is ember.float64 and isinstance(m.weight, Parameter)
    assert m.weight.requires_grad


def test_state_dict_hooks_and_extra_state():
    class WithExtra(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(1, 1)
            self.value = 3

        def get_extra_state(self):
            return {"value": self.value}

        def set_extra_state(self, state):
            self.value = state["value"]

    a = WithExtra()
    a.value = 11
    sd = a.state_dict()
    assert list(sd) == ["_extra_state", "lin.weight", "lin.bias"] and sd["_extra_state"] == {"value": 11}
    b = WithExtra()
    b.load_state_dict(sd)
    assert b.value == 11
    calls = []
    b.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: calls.append(("pre", prefix)))
    b.register_state_dict_post_hook(lambda mod, sd, prefix, meta: calls.append(("post", len(sd))))
    b.register_load_state_dict_post_hook(lambda mod, keys: calls.append(("load", tuple(keys.missing_keys))))
    b.state_dict()
    b.load_state_dict(sd)
    assert calls == [("pre", ""), ("post", 3), ("load", ())]


def test_non_persistent_and_none_excluded():
    m = Net()
    m.fc1.bias = None
    assert "fc1.bias" not in m.state_dict() and "scratch" not in m.state_dict()
    assert [n for n, _ in m.named_parameters()] == ["fc1.weight", "fc2.weight"]


# -- modes, grads -------------------------------------------------------------------------------
def test_train_eval():
    m = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout()))
    assert m.training and m[1][0].training
    assert m.eval() is m
    assert not m.training and not m[1][0].training
    m.train()
    assert m[1][0].training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        m.train(1)


def test_zero_grad_and_requires_grad_():
    m = nn.Linear(2, 2)
    m(ember.ones(1, 2)).sum().backward()
    assert m.weight.grad is not None
    m.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(m.weight.grad.numpy(), np.zeros((2, 2), np.float32))
    m.zero_grad()
    assert m.weight.grad is None
    assert m.requires_grad_(False) is m
    assert not m.weight.requires_grad and not m.bias.requires_grad


def test_apply():
    seen = []
    m = nn.Sequential(nn.Linear(1, 1), nn.ReLU())
    assert m.apply(lambda mod: seen.append(type(mod).__name__)) is m
    assert seen == ["Linear", "ReLU", "Sequential"]


# -- conversions --------------------------------------------------------------------------------
def test_to_dtype_keeps_parameter_identity():
    m = Net()
    w, b = m.fc1.weight, m.fc1.bias
    m(ember.ones(1, 3)).sum().backward()
    g = w.grad
    assert m.to(ember.float64) is m
    assert m.fc1.weight is w and isinstance(w, Parameter) and w.dtype is ember.float64
    assert w.requires_grad and w.grad is g and g.dtype is ember.float64
    assert m.steps.dtype is ember.int64           # integer buffers keep their dtype
    assert m.scratch.dtype is ember.float64
    out = m(ember.ones(1, 3, dtype=ember.float64))
    assert out.dtype is ember.float64
    m.float()
    assert w.dtype is ember.float32 and m.fc1.weight is w
    m.half()
    assert w.dtype is ember.float16 and b.dtype is ember.float16
    m.bfloat16()
    assert w.dtype is ember.bfloat16
    m.double()
    assert w.dtype is ember.float64
    m.to(ember.ones(1, dtype=ember.float32))
    assert w.dtype is ember.float32
    m.to("cpu", ember.float64)
    assert w.dtype is ember.float64
    m.to(device="cpu", dtype=ember.float32, non_blocking=True)
    assert w.dtype is ember.float32
    assert m.cpu() is m and m.type(ember.float64) is m and w.dtype is ember.float64
    with pytest.raises(TypeError, match="nn.Module.to only accepts floating point or complex dtypes, but got "
                                        "desired dtype=ember.int64"):
        m.to(ember.int64)
    with pytest.raises(RuntimeError, match="Ember has no 'cuda' device"):
        m.cuda()


def test_to_keeps_optimizer_view_of_parameters():
    # a hand-made optimizer holding the parameter objects sees the converted data
    m = nn.Linear(2, 1)
    params = list(m.parameters())
    m.double()
    m(ember.ones(1, 2, dtype=ember.float64)).sum().backward()
    with ember.no_grad():
        for p in params:
            p -= 0.1 * p.grad
    assert all(p.dtype is ember.float64 for p in m.parameters())
    assert [id(p) for p in m.parameters()] == [id(p) for p in params]


def test_to_empty_and_share_memory():
    m = nn.Linear(2, 2)
    assert m.share_memory() is m
    w = m.weight
    m.to_empty(device="cpu")
    assert m.weight is w and m.weight.shape == (2, 2)


def test_pickle_and_deepcopy():
    m = Net()
    m.register_forward_hook(_pickle_hook)
    m2 = pickle.loads(pickle.dumps(m))
    assert isinstance(m2.fc1.weight, Parameter) and m2.fc1.weight.requires_grad
    assert m2._non_persistent_buffers_set == {"scratch"}
    x = ember.randn(2, 3)
    np.testing.assert_array_equal(m(x).detach().numpy(), m2(x).detach().numpy())
    m3 = copy.deepcopy(m)
    assert m3.fc1.weight is not m.fc1.weight
    np.testing.assert_array_equal(m3.fc1.weight.detach().numpy(), m.fc1.weight.detach().numpy())
    # setstate fills dicts missing from old pickles
    m4 = Net.__new__(Net)
    state = m.__getstate__()
    del state["_forward_hooks_always_called"], state["_non_persistent_buffers_set"]
    m4.__setstate__(state)
    assert m4._forward_hooks_always_called == OrderedDict() and m4._non_persistent_buffers_set == set()


def _pickle_hook(mod, args, out):
    return None


# -- repr ---------------------------------------------------------------------------------------
def test_repr_nested():
    m = Net()
    assert repr(m) == ("Net(\n"
                       "  (fc1): Linear(in_features=3, out_features=4, bias=True)\n"
                       "  (act): ReLU()\n"
                       "  (fc2): Linear(in_features=4, out_features=2, bias=False)\n"
                       ")")
    seq = nn.Sequential(nn.Linear(1, 2), nn.Sequential(nn.ReLU(), nn.Dropout(0.25)))
    assert repr(seq) == ("Sequential(\n"
                         "  (0): Linear(in_features=1, out_features=2, bias=True)\n"
                         "  (1): Sequential(\n"
                         "    (0): ReLU()\n"
                         "    (1): Dropout(p=0.25, inplace=False)\n"
                         "  )\n"
                         ")")
    assert repr(nn.Module()) == "Module()"

    class Multi(nn.Module):
        def __init__(self):
            super().__init__()
            self.sub = nn.Tanh()

        def extra_repr(self):
            return "a=1\nb=2"

    assert repr(Multi()) == "Multi(\n  a=1\n  b=2\n  (sub): Tanh()\n)"


def test_to_device_keeps_identity(device):
    m = Net()
    m(ember.ones(1, 3)).sum().backward()
    params = [(p, p.grad) for p in m.parameters()]
    assert m.to(device) is m
    for p, g in params:
        assert p.device == ember.device(device) and p.grad is g and g.device == ember.device(device)
    assert [id(p) for p in m.parameters()] == [id(p) for p, _ in params]
    assert m.steps.device == ember.device(device)
    out = m(ember.ones(2, 3, device=device))
    assert out.device == ember.device(device)
    m.cpu()
    assert m.fc1.weight.device == ember.device("cpu")


def test_buffer_assignment_rules():
    m = nn.Module()
    m.x = 1
    with pytest.raises(KeyError, match="attribute 'x' already exists"):
        m.x = Buffer(ember.ones(1))
    m.p = Parameter(ember.ones(1))
    with pytest.raises(TypeError, match="cannot assign 'ember.FloatTensor' as parameter 'p'"):
        m.p = Buffer(ember.ones(1))
    b = Buffer(ember.ones(2))
    m.b = b
    assert m.b is b and "b" in m._buffers
    m.b = None
    assert m.b is None and "b" in m._buffers
    with pytest.raises(TypeError, match=r"cannot assign 'int' as buffer 'b' \(ember.nn.Buffer, ember.Tensor or None expected\)"):
        m.b = 3
