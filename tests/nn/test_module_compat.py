"""Side by side with PyTorch (skipped when torch is not installed): reprs, state_dict keys and
messages, and the outputs/gradients of nn-core layers and functions on identical weights."""
import numpy as np
import pytest

import ember
import ember.nn as enn
import ember.nn.functional as EF

torch = pytest.importorskip("torch")
tnn = torch.nn
TF = torch.nn.functional


def _build(nn):
    from collections import OrderedDict
    return nn.Sequential(OrderedDict([
        ("fc", nn.Linear(4, 8)), ("act", nn.LeakyReLU(0.2, inplace=True)),
        ("blocks", nn.ModuleList([nn.Sequential(nn.Linear(8, 8), nn.GELU(approximate="tanh"), nn.Dropout(0.1))
                                  for _ in range(2)] + [nn.Identity()])),
        ("heads", nn.ModuleDict({"a": nn.Linear(8, 2, bias=False), "b": nn.Bilinear(8, 8, 3)})),
        ("emb", nn.Embedding(10, 4, padding_idx=0, max_norm=2.0)), ("bag", nn.EmbeddingBag(10, 4, mode="max")),
        ("p", nn.PReLU(8)), ("soft", nn.Softmax(dim=-1)), ("hs", nn.Hardshrink(0.25)), ("th", nn.Threshold(0.1, 20)),
        ("flat", nn.Flatten(0, 1)), ("unflat", nn.Unflatten(1, (2, 4))), ("elu", nn.ELU(inplace=True)),
        ("celu", nn.CELU(0.5)), ("r6", nn.ReLU6()), ("ht", nn.Hardtanh(-2.0, 2.0)), ("rr", nn.RReLU()),
        ("sp", nn.Softplus(2.0, 10.0)), ("glu", nn.GLU(1)), ("d2", nn.Dropout2d(0.3, inplace=True)),
        ("ad", nn.AlphaDropout(0.2)), ("pd", nn.PairwiseDistance()), ("cs", nn.CosineSimilarity(0)),
        ("ls", nn.LogSoftmax(1)), ("sm2", nn.Softmax2d()), ("ss", nn.Softshrink()), ("silu", nn.SiLU(True)),
        ("mish", nn.Mish()), ("hsw", nn.Hardswish()), ("hsg", nn.Hardsigmoid()), ("selu", nn.SELU()),
        ("lazy", nn.LazyLinear(3)),
    ]))


def test_repr_matches_torch():
    assert repr(_build(enn)) == repr(_build(tnn)).replace("torch", "ember")
    pl_e = enn.ParameterList([enn.Parameter(ember.ones(2, 3)), ember.ones(3, dtype=ember.float64)])
    pl_t = tnn.ParameterList([tnn.Parameter(torch.ones(2, 3)), torch.ones(3, dtype=torch.float64)])
    assert repr(pl_e) == repr(pl_t).replace("torch", "ember")
    pd_e = enn.ParameterDict({"w": ember.ones(2), "a": enn.Parameter(ember.ones(1, dtype=ember.float64))})
    pd_t = tnn.ParameterDict({"w": torch.ones(2), "a": tnn.Parameter(torch.ones(1, dtype=torch.float64))})
    assert repr(pd_e) == repr(pd_t).replace("torch", "ember")


def test_state_dict_keys_match_torch():
    e, t = _build(enn), _build(tnn)
    # lazy parameters have no shape yet in either framework: compare the rest
    assert list(e.state_dict()) == list(t.state_dict())
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in e.named_modules()] == [n for n, _ in t.named_modules()]


def _msg(fn):
    try:
        fn()
    except Exception as ex:  # noqa: BLE001
        return type(ex).__name__, str(ex).replace("torch", "ember")
    return None


def test_load_state_dict_messages_match_torch():
    def case(nn, lib):
        m = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
        sd = nn.Sequential(nn.Linear(3, 5), nn.Linear(5, 2)).state_dict()
        del sd["1.bias"]
        sd["2.weight"] = lib.zeros(1)
        sd["0.extra"] = lib.zeros(1)
        return lambda: m.load_state_dict(sd)

    assert _msg(case(enn, ember)) == _msg(case(tnn, torch))
    res_e = enn.Linear(2, 2).load_state_dict({"weight": ember.zeros(2, 2), "junk": ember.zeros(1)}, strict=False)
    res_t = tnn.Linear(2, 2).load_state_dict({"weight": torch.zeros(2, 2), "junk": torch.zeros(1)}, strict=False)
    assert repr(res_e) == repr(res_t)


def test_module_errors_match_torch():
    for build in (lambda nn, lib: nn.Module().register_buffer("a.b", lib.zeros(1)),
                  lambda nn, lib: nn.Module().register_parameter("p", lib.zeros(1)),
                  lambda nn, lib: nn.Module().add_module("x", 3),
                  lambda nn, lib: nn.Linear(2, 2).to(lib.int32),
                  lambda nn, lib: nn.Linear(2, 2).train("yes"),
                  lambda nn, lib: nn.Sequential(nn.ReLU())[4],
                  lambda nn, lib: nn.Sequential(nn.ReLU()).get_submodule("0.w"),
                  lambda nn, lib: setattr(nn.Linear(2, 2), "weight", lib.ones(2, 2))):
        assert _msg(lambda: build(enn, ember)) == _msg(lambda: build(tnn, torch))


def _copy_params(em, tm):
    with torch.no_grad():
        for (ne, pe), (nt, pt) in zip(em.state_dict(keep_vars=True).items(), tm.state_dict(keep_vars=True).items()):
            assert ne == nt
            pt.copy_(torch.from_numpy(np.array(pe.detach().numpy())))


LAYERS = [
    (lambda nn: nn.Linear(5, 3), (4, 5)), (lambda nn: nn.PReLU(3), (2, 3, 4)), (lambda nn: nn.GELU(), (3, 4)),
    (lambda nn: nn.ELU(0.3), (3, 4)), (lambda nn: nn.SELU(), (3, 4)), (lambda nn: nn.CELU(0.7), (3, 4)),
    (lambda nn: nn.Softplus(1.5, 2.0), (3, 4)), (lambda nn: nn.Mish(), (3, 4)), (lambda nn: nn.Hardswish(), (3, 4)),
    (lambda nn: nn.Hardsigmoid(), (3, 4)), (lambda nn: nn.LogSigmoid(), (3, 4)), (lambda nn: nn.Softshrink(0.3), (3, 4)),
    (lambda nn: nn.Hardshrink(0.3), (3, 4)), (lambda nn: nn.Tanhshrink(), (3, 4)), (lambda nn: nn.GLU(0), (4, 3)),
    (lambda nn: nn.Softmin(1), (3, 4)), (lambda nn: nn.LogSoftmax(0), (3, 4)), (lambda nn: nn.Softmax2d(), (2, 3, 2, 2)),
    (lambda nn: nn.Flatten(), (2, 3, 4)), (lambda nn: nn.RReLU().eval(), (3, 4)),
]


@pytest.mark.parametrize("make,shape", LAYERS)
def test_layer_outputs_and_grads_match_torch(make, shape):
    em, tm = make(enn).double(), make(tnn).double()
    _copy_params(em, tm)
    x = np.random.default_rng(0).normal(size=shape) * 2
    xe = ember.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    ye, yt = em(xe), tm(xt)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(1).normal(size=tuple(yt.shape))
    ye.backward(ember.tensor(g))
    yt.backward(torch.tensor(g))
    # PyTorch's CPU backward kernels of hardsigmoid and celu use float32 constants (1.0f / 6, ...)
    # even for doubles: agreement to ~3e-8 relative there
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-7, atol=1e-12)
    for pe, pt in zip(em.parameters(), tm.parameters()):
        np.testing.assert_allclose(pe.grad.numpy(), pt.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_bilinear_embedding_bag_match_torch():
    e, t = enn.Bilinear(3, 4, 2).double(), tnn.Bilinear(3, 4, 2).double()
    _copy_params(e, t)
    a, b = np.random.default_rng(2).normal(size=(2, 5, 3)), np.random.default_rng(3).normal(size=(2, 5, 4))
    np.testing.assert_allclose(e(ember.tensor(a), ember.tensor(b)).detach().numpy(),
                               t(torch.tensor(a), torch.tensor(b)).detach().numpy(), rtol=1e-10)
    for mode in ("sum", "mean", "max"):
        e, t = enn.EmbeddingBag(10, 3, mode=mode, padding_idx=2).double(), \
            tnn.EmbeddingBag(10, 3, mode=mode, padding_idx=2).double()
        _copy_params(e, t)
        idx, off = [1, 2, 4, 5, 2, 3, 2, 9, 2], [0, 3, 3, 7]
        ye = e(ember.tensor(idx), ember.tensor(off))
        yt = t(torch.tensor(idx), torch.tensor(off))
        np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
        ye.sum().backward()
        yt.sum().backward()
        np.testing.assert_allclose(e.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad", [(1, 2), (2, 0, 1, 1), (-1, 2, 1, -1), (1, 1, 1, 1, 1, 1), (2, -1)])
def test_pad_matches_torch(mode, pad):
    x = np.random.default_rng(4).normal(size=(2, 3, 4, 5))
    if mode != "constant" and len(pad) == 6:
        x = x[None]
    try:
        expected = TF.pad(torch.tensor(x), pad, mode=mode).numpy()
    except Exception as ex:  # noqa: BLE001
        with pytest.raises(type(ex)):
            EF.pad(ember.tensor(x), pad, mode=mode)
        return
    np.testing.assert_array_equal(EF.pad(ember.tensor(x), pad, mode=mode).numpy(), expected)


def test_functional_misc_match_torch():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
    pairs = [
        (EF.cosine_similarity(ember.tensor(a), ember.tensor(b)), TF.cosine_similarity(torch.tensor(a), torch.tensor(b))),
        (EF.pairwise_distance(ember.tensor(a), ember.tensor(b), 3.0), TF.pairwise_distance(torch.tensor(a), torch.tensor(b), 3.0)),
        (EF.pdist(ember.tensor(a), 1.5), TF.pdist(torch.tensor(a), 1.5)),
        (EF.normalize(ember.tensor(a), 3.0, 0), TF.normalize(torch.tensor(a), 3.0, 0)),
        (EF.one_hot(ember.tensor([[2, 0], [1, 3]])), TF.one_hot(torch.tensor([[2, 0], [1, 3]]))),
        (EF.softplus(ember.tensor(a * 20), 0.5, 3.0), TF.softplus(torch.tensor(a * 20), 0.5, 3.0)),
    ]
    for e, t in pairs:
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-12, atol=1e-14)


def test_backward_hook_grads_match_torch():
    def run(nn, lib):
        m = nn.Sequential(nn.Linear(3, 3), nn.Tanh()).double()
        recorded = []

        def hook(mod, gi, go):
            recorded.append((gi[0].detach().numpy().copy(), go[0].detach().numpy().copy()))
            return (gi[0] * 2,)

        m[0].register_full_backward_hook(hook)
        m[1].register_full_backward_pre_hook(lambda mod, go: (go[0] + 1,))
        with lib.no_grad():
            for i, p in enumerate(m.parameters()):
                p.copy_(lib.arange(p.numel(), dtype=lib.float64).reshape(p.shape) * 0.1 - 0.2)
        x = lib.tensor([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6]], dtype=lib.float64, requires_grad=True)
        m(x).sum().backward()
        return x.grad.numpy(), recorded, [p.grad.numpy() for p in m.parameters()]

    xe, re, pe = run(enn, ember)
    xt, rt, pt = run(tnn, torch)
    np.testing.assert_allclose(xe, xt, rtol=1e-12)
    for (a, b), (c, d) in zip(re, rt):
        np.testing.assert_allclose(a, c, rtol=1e-12)
        np.testing.assert_allclose(b, d, rtol=1e-12)
    for a, b in zip(pe, pt):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_rnn_utils_match_torch():
    from ember.nn.utils import rnn as er
    from torch.nn.utils import rnn as tr
    seqs = [np.arange(3.0), np.arange(5.0), np.arange(1.0)]
    pe = er.pack_sequence([ember.tensor(s) for s in seqs], enforce_sorted=False)
    pt = tr.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    for a, b in zip(pe, pt):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    for bf in (False, True):
        ye, le = er.pad_packed_sequence(pe, batch_first=bf, padding_value=-2.0, total_length=7)
        yt, lt = tr.pad_packed_sequence(pt, batch_first=bf, padding_value=-2.0, total_length=7)
        np.testing.assert_array_equal(ye.numpy(), yt.numpy())
        np.testing.assert_array_equal(le.numpy(), lt.numpy())
    np.testing.assert_array_equal(
        er.pad_sequence([ember.tensor(s) for s in seqs], True, 1.0, "left").numpy(),
        tr.pad_sequence([torch.tensor(s) for s in seqs], True, 1.0, "left").numpy())
