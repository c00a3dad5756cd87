"""The benchmark cases (issue #2). Adding one is a single `case(...)` call.

Sizes: `quick=True` shrinks every shape so the smoke test runs in a second; the case names keep
the full-size name. Framework callables are optional: a missing one shows as "n/a".
"""
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
