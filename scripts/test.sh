#!/usr/bin/env bash
# Builds ctnn with its tests and runs the whole suite (unit, golden, compile-fail, consumer).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/prepare-data.sh  # the real data some tests and the example trainers read
# The trainers' --device cuda (and their example_*_cuda tests) only where a GPU can run them: its
# nvcc units would take the suite past 10 minutes on two cores. test_cuda_golden is built wherever
# nvcc is, so CI compiles the Cuda device, its layers and whole Gan/Vae steps; without a GPU to run
# it, nvcc stops at sm_90's PTX (its front end and cicc check every device function; ptxas' machine
# code, a sixth of the unit's CPU time, could not run here) and checks the host code at
# -fsyntax-only (CTNN_CUDA_TESTS_CHECK_ONLY: the host compiler's code generation was 36 of the
# unit's 131 CPU-seconds).
gpu=$(bash scripts/gpu.sh)
cuda_arch=90
check_only=OFF
[ "$gpu" = ON ] || { cuda_arch=90-virtual; check_only=ON; }
cmake -S . -B build/test -G Ninja -DCMAKE_BUILD_TYPE=Release -DCTNN_WERROR=ON -DCTNN_QUICK_BUILD=ON -DCTNN_FUZZ_SECONDS=2 \
  -DCTNN_CUDA_EXAMPLES="$gpu" -DCMAKE_CUDA_ARCHITECTURES="$cuda_arch" -DCTNN_CUDA_TESTS_CHECK_ONLY="$check_only" >/dev/null
cmake --build build/test -j 2  # one job per core (ninja would run four on two cores)
# glibc's malloc asks for transparent huge pages (glibc 2.35+; nothing changes where the kernel
# gives none): the tests' short runs allocate hundreds of MB each, and 4 KiB page faults took a
# quarter of their CPU time (the test phase took 150 s instead of 200 s on two cores).
GLIBC_TUNABLES="${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.hugetlb=1" \
  ctest --test-dir build/test --output-on-failure -j2
