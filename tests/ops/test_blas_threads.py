"""Matmul sets OpenBLAS's thread count per product: one thread below GEMM_PAR_MIN multiply-adds,
ember's count above (so ember.set_num_threads bounds BLAS too). Skipped where NumPy's BLAS is not
an OpenBLAS whose setter we can find."""
import ctypes

import numpy as np
import pytest

import ember
from ember.backends.cpu import _blas


def _openblas_threads():
    for path in _blas._candidates():
        lib = ctypes.CDLL(path)
        for name in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_",
                     "openblas_get_num_threads"):
            fn = getattr(lib, name, None)
            if fn is not None:
                fn.restype = ctypes.c_int
                return fn()
    pytest.skip("no OpenBLAS getter found")


@pytest.fixture
def threads():
    before = ember.get_num_threads()
    yield
    ember.set_num_threads(before)


def test_small_products_single_threaded_large_ones_use_embers_count(threads):
    if not _blas._find_setter():
        pytest.skip("NumPy's BLAS is not a recognisable OpenBLAS")
    ember.set_num_threads(2)
    small = ember.randn(64, 64)
    out = small @ small
    assert _openblas_threads() == 1
    np.testing.assert_allclose(out.numpy(), small.numpy() @ small.numpy(), rtol=1e-5, atol=1e-5)
    big = ember.randn(256, 256)
    big @ big                                            # 256^3 = 2^24 >= GEMM_PAR_MIN
    assert _openblas_threads() == 2
    ember.set_num_threads(1)
    big @ big
    assert _openblas_threads() == 1


def test_without_openblas_matmul_still_works(monkeypatch, threads):
    monkeypatch.setattr(_blas, "_setter", False)         # as where no setter was found
    a = ember.randn(300, 300)
    np.testing.assert_allclose((a @ a).numpy(), a.numpy() @ a.numpy(), rtol=1e-4, atol=1e-3)
