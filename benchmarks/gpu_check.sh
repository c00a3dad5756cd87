#!/usr/bin/env bash
# One-shot check of Ember on a lent GPU machine (see ../shared/GPU.md), run through the `device`
# tool as:   run(command="bash benchmarks/gpu_check.sh", carry=[".whl"], timeout_s=540)
# (session 3 on an H200: ~30 s start, build 26 s, warmup 60, bench ~60, digits 22, tests 200)
# Prepare the wheels here first (no network there):
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#     --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
#     --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d .whl \
#     pyopencl pytools platformdirs siphash24 typing_extensions
# Everything it prints also lands in $OUT (which comes back).
# Knobs (environment): EMBER_GPU_PARTS picks steps among "warmup tests bench digits" (default all),
# EMBER_GPU_TESTS the pytest targets (default: the GPU-relevant tests/opencl files; NVIDIA's
# compiler takes 0.25-2.6 s per program, so all of tests/opencl does not fit a lease),
# EMBER_GPU_TEST_SECONDS their limit
# (the tests run last: they take what time is left),
# EMBER_GPU_BENCH_ARGS the arguments of benchmarks/gpu_bench.py.
set -u
PARTS=" ${EMBER_GPU_PARTS:-warmup tests bench digits} "
# measured on an H200 (session 3): these nine files, 2518 tests, ran in 200 s after the warmup
GPU_TESTS="tests/opencl/test_opencl_deferred_errors.py tests/opencl/test_opencl_elementwise.py
  tests/opencl/test_opencl_gemm_splitk.py tests/opencl/test_opencl_reduce_gpu_unroll.py
  tests/opencl/test_opencl_norm_gpu_split.py tests/opencl/test_opencl_gpu_layouts.py
  tests/opencl/test_opencl_nn_kernels.py tests/opencl/test_opencl_optim_fused.py
  tests/opencl/test_opencl_reduce.py tests/opencl/test_opencl_gemm.py"
want() { [[ "$PARTS" == *" $1 "* ]]; }
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

if want warmup; then
  echo "[${SECONDS}s] == build every program (python -m ember.opencl --warmup), with build logs"
  EMBER_OPENCL_LOG_BUILDS=1 timeout ${EMBER_GPU_WARMUP_SECONDS:-60} python3 -m ember.opencl --warmup > "$OUT/warmup.log" 2>&1
  echo "warmup exit $?; $(grep -c '^ember: built' "$OUT/warmup.log") builds," \
    "$(grep -c '^ember: build log' "$OUT/warmup.log") with a build log"
  grep -A3 '^ember: build log' "$OUT/warmup.log" | head -30
fi

if want bench; then
  echo "[${SECONDS}s] == benchmarks: ember on OpenCL, torch on CUDA"
  timeout 200 python3 benchmarks/gpu_bench.py ${EMBER_GPU_BENCH_ARGS:-} 2>&1 | tee "$OUT/gpu_bench.txt"
  if [ -z "${EMBER_GPU_BENCH_ARGS:-}" ]; then
    echo "[${SECONDS}s] == per-kernel profile (a profiling queue, so a process of its own)"
    timeout 90 python3 benchmarks/gpu_bench.py --sections profile 2>&1 | tee "$OUT/gpu_profile.txt"
  fi
fi

want digits && echo "[${SECONDS}s] == the main job on the GPU (digits, 3 epochs) and on this machine's CPUs"
want digits && for dev in opencl cpu; do
  t0=$SECONDS
  timeout 120 python3 -m ember.examples.digits --device $dev --epochs 3 --quiet \
    --out "$OUT/digits-$dev" 2>&1 | tail -3
  echo "digits --device $dev: $((SECONDS - t0)) s wall"
done
rm -f "$OUT"/digits-*/*.safetensors
if want tests; then
  echo "[${SECONDS}s] == OpenCL tests on the GPU: ${EMBER_GPU_TESTS:-$GPU_TESTS}"
  # SIGINT at the limit: pytest still prints its summary of what failed
  EMBER_REQUIRE_OPENCL=1 timeout -s INT ${EMBER_GPU_TEST_SECONDS:-200} python3 -m pytest -q -rfE \
    --tb=short --durations=10 -p no:cacheprovider ${EMBER_GPU_TESTS:-$GPU_TESTS} \
    > "$OUT/tests.log" 2>&1
  grep -E "^(FAILED|ERROR)|passed|failed" "$OUT/tests.log" | tail -40
fi

echo "[${SECONDS}s] == done"
