#!/usr/bin/env bash
# One-shot check of Ember on a lent GPU machine (see ../shared/GPU.md), run through the `device`
# tool as:   run(command="bash benchmarks/gpu_check.sh", carry=[".whl"], timeout_s=480)
# Prepare the wheels here first (no network there):
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#     --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
#     --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d .whl \
#     pyopencl pytools platformdirs siphash24
# Everything it prints also lands in $OUT (which comes back).
set -u
OUT=${OUT:-/tmp/ember-gpu-out}
mkdir -p "$OUT"
exec > >(tee "$OUT/gpu_check.log") 2>&1

echo "[${SECONDS}s] == machine"; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | head -3
python3 --version

echo "[${SECONDS}s] == python deps (carried wheels)"
python3 -m pip install -q --no-index --no-deps --target .site .whl/*.whl && export PYTHONPATH=$PWD/.site

echo "[${SECONDS}s] == NVIDIA OpenCL driver"
if [ -f /etc/OpenCL/vendors/nvidia.icd ]; then
  echo "found /etc/OpenCL/vendors/nvidia.icd: $(cat /etc/OpenCL/vendors/nvidia.icd)"
else
  lib=$(ldconfig -p 2>/dev/null | awk '/libnvidia-opencl.so.1/ {print $NF; exit}')
  [ -z "$lib" ] && lib=$(find / -name 'libnvidia-opencl.so.1' 2>/dev/null | head -1)
  if [ -z "$lib" ]; then
    echo "FINDING: no NVIDIA OpenCL driver (libnvidia-opencl.so.1) on this machine"; exit 3
  fi
  mkdir -p .icd && echo "$lib" > .icd/nvidia.icd && export OCL_ICD_VENDORS=$PWD/.icd
  echo "using $lib through OCL_ICD_VENDORS=$OCL_ICD_VENDORS"
fi

echo "[${SECONDS}s] == build"
python3 -m pip install -q --no-build-isolation --no-deps -e . || exit 4

echo "[${SECONDS}s] == devices"
python3 -m ember.opencl

echo "[${SECONDS}s] == OpenCL tests on the GPU"
EMBER_REQUIRE_OPENCL=1 timeout 240 python3 -m pytest -q --maxfail=40 tests/opencl -p no:cacheprovider \
  2>&1 | tail -60

echo "[${SECONDS}s] == ember on the OpenCL GPU (elementwise bandwidth; GEMM once the OpenCL matmul lands)"
python3 - <<'EOF' 2>&1 | tee "$OUT/ember_opencl.txt"
import time, ember
d = "opencl"
x = ember.ones(64 * 2**20, device=d); y = ember.ones(64 * 2**20, device=d)
for _ in range(3): z = x + y
ember.opencl.synchronize(); t = time.perf_counter(); r = 20
for _ in range(r): z = x + y
ember.opencl.synchronize(); dt = (time.perf_counter() - t) / r
print(f"ember opencl add 3x256 MB: {3 * x.numel() * 4 / dt / 1e9:.0f} GB/s ({ember.opencl.get_device_name(0)})")
try:
    for n in (1024, 4096):
        a = ember.randn(n, n, device=d); b = ember.randn(n, n, device=d)
        for _ in range(2): a @ b
        ember.opencl.synchronize(); t = time.perf_counter(); r = 5
        for _ in range(r): a @ b
        ember.opencl.synchronize(); dt = (time.perf_counter() - t) / r
        print(f"ember opencl sgemm {n}: {2 * n**3 / dt / 1e12:.2f} TFLOP/s")
except Exception as e:
    print("ember opencl sgemm: not available:", type(e).__name__, e)
EOF
python3 - <<'EOF' 2>&1 | tee "$OUT/torch_reference.txt"
import time
try:
    import torch
except ImportError:
    raise SystemExit("torch not installed: no cuBLAS reference")
torch.backends.cuda.matmul.allow_tf32 = False
d = "cuda"
for n in (1024, 4096):
    a = torch.randn(n, n, device=d); b = torch.randn(n, n, device=d)
    for _ in range(3): a @ b
    torch.cuda.synchronize(); t = time.perf_counter(); r = 10
    for _ in range(r): a @ b
    torch.cuda.synchronize(); dt = (time.perf_counter() - t) / r
    print(f"torch sgemm {n}: {2 * n**3 / dt / 1e12:.2f} TFLOP/s (TF32 off)")
x = torch.empty(64 * 2**20, device=d); y = torch.empty_like(x)
for _ in range(3): y.copy_(x)
torch.cuda.synchronize(); t = time.perf_counter(); r = 20
for _ in range(r): y.copy_(x)
torch.cuda.synchronize(); dt = (time.perf_counter() - t) / r
print(f"torch copy 256 MB: {2 * x.numel() * 4 / dt / 1e9:.0f} GB/s")
EOF
echo "[${SECONDS}s] == done"
