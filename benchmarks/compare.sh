#!/usr/bin/env bash
# ctnn against PyTorch, one training iteration of every seed model (benchmarks/README.md):
# installs what is missing, builds bench_models (Release, -march=native) in build/bench, times
# ctnn and the PyTorch twins in alternating windows, prints the table and writes
# benchmarks/results.csv. Settings are environment variables:
#   BENCH_WINDOWS=7 BENCH_THREADS=2 BENCH_MODELS=mlp_gan,dcgan BENCH_GEMM=blas bash benchmarks/compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian's packages: the C++ build's, and the twins' (torch calls whatever libblas.so.3 is;
# libopenblas0-openmp makes that OpenBLAS instead of the reference BLAS).
packages=(g++ cmake ninja-build libeigen3-dev nlohmann-json3-dev zlib1g-dev libblas-dev libdnnl-dev python3-torch
          libopenblas0-openmp)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "compare.sh: missing packages ${missing[*]}; run as root to install them, or install them yourself" >&2
    exit 1
  fi
  echo "compare.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ctnn's Cpu GEMMs: BENCH_GEMM=dnnl (default): float products through oneDNN's sgemm (CTNN_DNNL,
# with CTNN_BLAS for the rest); blas: through CBLAS, the same OpenBLAS the twin calls (CTNN_BLAS);
# eigen: Eigen's kernels, ctnn's default build.
case "${BENCH_GEMM:-dnnl}" in
  dnnl) blas=ON dnnl=ON ;;
  blas) blas=ON dnnl=OFF ;;
  eigen) blas=OFF dnnl=OFF ;;
  *) echo "compare.sh: BENCH_GEMM must be dnnl, blas or eigen, not '${BENCH_GEMM}'" >&2; exit 2 ;;
esac
# BENCH_BUILD=0 times the build/bench already there, configuring and building nothing: a run
# short enough to run under a wrapper that stops every other process, with no compile inside it.
if [ "${BENCH_BUILD:-1}" != 0 ]; then
  cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DCTNN_BUILD_TESTS=OFF \
    -DCTNN_BUILD_EXAMPLES=OFF -DCTNN_CUDA=OFF -DCTNN_BLAS=$blas -DCTNN_DNNL=$dnnl >/dev/null
  cmake --build build/bench --target bench_models ctnn_blas_timer
elif [ ! -x build/bench/benchmarks/bench_models ]; then
  echo "compare.sh: BENCH_BUILD=0 but build/bench/benchmarks/bench_models is not built" >&2
  exit 1
fi

# Debian's python3, which has python3-torch (a python3 earlier on PATH may not).
exec /usr/bin/python3 benchmarks/torch_twins.py compare --ctnn build/bench/benchmarks/bench_models \
  --windows "${BENCH_WINDOWS:-7}" --threads "${BENCH_THREADS:-2}" --models "${BENCH_MODELS:-}" \
  --window-seconds "${BENCH_WINDOW_SECONDS:-1.5}" --warmup-seconds "${BENCH_WARMUP_SECONDS:-2}" \
  --max-foreign "${BENCH_MAX_FOREIGN:-0.1}" --max-wait "${BENCH_MAX_WAIT:-120}" \
  --blas-timer build/bench/benchmarks/libctnn_blas_timer.so --blas-windows "${BENCH_BLAS_WINDOWS:-3}" \
  --csv "${BENCH_CSV:-benchmarks/results.csv}"
