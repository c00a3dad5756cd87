"""The benchmark cases (issue #2). Adding one is a single `case(...)` call.

Sizes: `quick=True` shrinks every shape so the smoke test runs in a second; the case names keep
the full-size name. Framework callables are optional: a missing one shows as "n/a".
"""
import importlib
import zlib

import numpy as np

from harness import at_most_x_torch, case, ember_op, vs_numpy

_rng = np.random.default_rng(0)


def randn(*shape):
    return _rng.standard_normal(shape, dtype=np.float32)


def flat(quick):
    return 1 << 14 if quick else 1 << 24          # 16M float32 = 64 MiB per operand


def rows(quick):
    return (64, 128) if quick else (4096, 1024)


def _np_softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _torch_softmax(x):
    import torch
    return torch.softmax(x, -1)


def _torch_exp(x):
    import torch
    return torch.exp(x)


_ember_exp = ember_op("exp")
_ember_sum = ember_op("sum")
_ember_softmax = ember_op("softmax", "nn.functional.softmax", "special.softmax")

# -- elementwise: fresh outputs every call, as `a + b` allocates ----------------------------------
_el = dict(target=vs_numpy(1.5))
case("add_16M", "elementwise", lambda q: [randn(flat(q)), randn(flat(q))],
     ember=lambda a, b: a + b, numpy=lambda a, b: a + b, torch=lambda a, b: a + b, **_el)
case("mul_16M", "elementwise", lambda q: [randn(flat(q)), randn(flat(q))],
     ember=lambda a, b: a * b, numpy=lambda a, b: a * b, torch=lambda a, b: a * b, **_el)
case("exp_16M", "elementwise", lambda q: [randn(flat(q))],
     ember=_ember_exp, numpy=np.exp, torch=_torch_exp, **_el)

# -- reductions -----------------------------------------------------------------------------------
case("sum_last_4096x1024", "reduction", lambda q: [randn(*rows(q))],
     ember=lambda x: _ember_sum(x, -1), numpy=lambda x: x.sum(-1), torch=lambda x: x.sum(-1), **_el)
case("softmax_4096x1024", "reduction", lambda q: [randn(*rows(q))],
     ember=lambda x: _ember_softmax(x, -1), numpy=_np_softmax, torch=_torch_softmax, **_el)
case("sum_all_16M", "reduction", lambda q: [randn(flat(q))],
     ember=lambda x: _ember_sum(x), numpy=lambda x: x.sum(), torch=lambda x: x.sum(), **_el)

# -- matmul (run in child processes per OpenBLAS environment, see run.py) -------------------------
for _n in (256, 512, 1024, 2048):
    case(f"matmul_{_n}", "matmul", lambda q, n=_n: [randn(n // 16 if q else n, n // 16 if q else n),
                                                     randn(n // 16 if q else n, n // 16 if q else n)],
         ember=lambda a, b: a @ b, numpy=lambda a, b: a @ b, torch=lambda a, b: a @ b,
         target=vs_numpy(0.95), blas=True, rtol=1e-4, settle=0.15)

# -- per-call overhead: one-element tensors, so the time is all dispatch ---------------------------
case("add_overhead_1", "overhead", lambda q: [randn(1), randn(1)],
     ember=lambda a, b: a + b, numpy=lambda a, b: a + b, torch=lambda a, b: a + b,
     target=at_most_x_torch(3))


# -- autograd: cost of recording and differentiating a few small ops (issue #3) ------------------
def _graph_step(mod):
    def build(a, b, c):
        a, b, c = (t.clone().requires_grad_(True) for t in (a, b, c))

        def step():
            y = a * b + c
            y.sum().backward()
        return step
    return build


def _ember_graph(a, b, c):
    import ember
    return _graph_step(ember)(a, b, c)


def _torch_graph(a, b, c):
    import torch
    return _graph_step(torch)(a, b, c)


case("autograd_mul_add_4", "autograd", lambda q: [randn(4), randn(4), randn(4)],
     ember=_ember_graph, torch=_torch_graph, factory=True, check=False,
     target=at_most_x_torch(3))


# -- training steps (issue #5): forward, loss, backward, optimizer step, zero_grad ----------------
# Each framework builds the same model, copies in the same initial values (drawn here, per
# parameter name) and trains on the same batch, with the same thread count (run.py). One timed
# call is one full step. `python3 benchmarks/run.py --memory` runs each for 1,000 steps in a fresh
# process per framework and reports peak and steady-state resident memory.

def _mlp(nn):
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                         nn.Linear(256, 10))


def _cnn(nn):
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * 7 * 7, 10))


def _encoder(nn):
    # PyTorch's defaults otherwise (dropout 0.1, ReLU, post-norm); the head classifies each token
    return nn.Sequential(nn.TransformerEncoderLayer(128, 4, dim_feedforward=512,
                                                    batch_first=True),
                         nn.Linear(128, 10))


def _initial_values(name, shape):
    """The value both frameworks start parameter `name` from: U(-1/sqrt(fan_in), +) for
    weights, U(-0.05, 0.05) for biases, ones/zeros for the norms' scale/shift."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    if "norm" in name:
        return np.full(shape, 1.0 if name.endswith("weight") else 0.0, dtype=np.float32)
    bound = 1 / np.sqrt(np.prod(shape[1:])) if len(shape) > 1 else 0.05
    return rng.uniform(-bound, bound, shape).astype(np.float32)


def _train_step(lib_name, build, make_opt):
    """Factory (harness `factory=True`): builds model + optimizer, returns the timed step, which
    returns the step's loss (the value compared between frameworks)."""
    def factory(x, y):
        lib = importlib.import_module(lib_name)
        model = build(lib.nn)
        with lib.no_grad():
            for name, p in model.named_parameters():
                p.copy_(lib.from_numpy(_initial_values(name, tuple(p.shape))))
        opt = make_opt(lib.optim, model.parameters())
        loss_fn = lib.nn.CrossEntropyLoss()

        def step():
            out = model(x)
            loss = loss_fn(out.reshape(-1, out.shape[-1]), y.reshape(-1))
            loss.backward()
            opt.step()
            opt.zero_grad()
            return loss.detach()
        return step
    return factory


def _labels(*shape):
    return np.random.default_rng(1).integers(0, 10, shape).astype(np.int64)


def _training_case(name, shape, build, make_opt, inputs, check):
    case(name, "training", inputs, ember=_train_step("ember", build, make_opt),
         torch=_train_step("torch", build, make_opt), factory=True, check=check, rtol=1e-4,
         target=at_most_x_torch(1.5), shape=lambda quick: shape + (" (quick)" if quick else ""))


_training_case(
    "train_mlp_adam", "784-256-256-10 b128 Adam", _mlp, lambda optim, ps: optim.Adam(ps, lr=1e-3),
    lambda q: [randn(8 if q else 128, 784), _labels(8 if q else 128)], check="torch")
_training_case(
    "train_cnn_sgd", "2conv+fc 28x28 b64 SGD-m", _cnn,
    lambda optim, ps: optim.SGD(ps, lr=0.01, momentum=0.9),
    lambda q: [randn(4 if q else 64, 1, 28, 28), _labels(4 if q else 64)],
    check="torch")
# dropout draws differ between frameworks, so the losses are not compared
_training_case(
    "train_transformer_adamw", "enc d128 h4 ff512 s64 b32 AdamW", _encoder,
    lambda optim, ps: optim.AdamW(ps, lr=1e-3),
    lambda q: [randn(2 if q else 32, 8 if q else 64, 128),
               _labels(2 if q else 32, 8 if q else 64)],
    check=False)


# -- one optimizer step over the MLP's parameters (fused kernels vs torch's for-loop update) ------
_MLP_SHAPES = [(256, 784), (256,), (256, 256), (256,), (10, 256), (10,)]


def _optim_step(lib_name, name, kw):
    def factory(*tensors):          # the parameters' values, then their gradients
        lib = importlib.import_module(lib_name)
        params = [lib.nn.Parameter(t) for t in tensors[:len(_MLP_SHAPES)]]
        for p, g in zip(params, tensors[len(_MLP_SHAPES):]):
            p.grad = g
        return getattr(lib.optim, name)(params, **kw).step
    return factory


for _name, _kw in [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", {}), ("AdamW", {}),
                   ("RMSprop", dict(momentum=0.9, centered=True)), ("Adagrad", {}),
                   ("Adadelta", {}), ("Adamax", {}), ("NAdam", {}), ("RAdam", {})]:
    case(f"optim_{_name.lower()}_step", "optimizer",
         lambda q: [randn(*((2, 3) if q else s)) for s in _MLP_SHAPES * 2],
         ember=_optim_step("ember", _name, _kw), torch=_optim_step("torch", _name, _kw),
         factory=True, check=False, target=at_most_x_torch(1.5),
         shape=lambda q: "6 x 2x3" if q else "MLP params (270K)")


# -- the OpenCL device (issue #4): cl_matmul_* and friends --------------------------------------
import cases_opencl  # noqa: E402,F401  (registers them; the matmul children import this module)
