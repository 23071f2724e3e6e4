#!/usr/bin/env bash
# Installs what ctnn needs to build and test from Debian's archive. Idempotent: when every package
# is already installed it does nothing (no apt-get update).
set -euo pipefail

packages=(
  g++ clang-14 libomp-14-dev cmake ninja-build     # compilers and build
  libeigen3-dev                                    # Eigen 3.4: the Cpu device's GEMMs
  libblas-dev libopenblas0-openmp                  # CBLAS (OpenBLAS): the optional CTNN_BLAS GEMMs
  libdnnl-dev                                      # oneDNN: the optional CTNN_DNNL GEMMs
  libxtensor-dev xtl-dev libxsimd-dev              # xtensor 0.24: .npy and user-facing views
  libboost-test-dev                                # Boost.Test 1.74: the test suite
  libstb-dev                                       # stb_image_write: PNG output
  zlib1g-dev                                       # gzip-compressed IDX files
  libclang-rt-14-dev                               # libFuzzer for the readers' fuzz tests
  dataset-fashion-mnist                            # real data: Fashion-MNIST (70,000 images, IDX)
  nlohmann-json3-dev                               # JSON: safetensors headers, metrics files
  gnuplot-nox fonts-dejavu-core                    # plots (run-time only: a child process)
  libopenmpi-dev openmpi-bin                       # Open MPI: the Mpi communicator and its mpirun tests
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "ctnn: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Thrust devices use CCCL's headers from the CUDA toolkit; without it they are left out.
if [ ! -f /usr/local/cuda/include/cccl/thrust/version.h ]; then
  echo "ctnn: note: no CUDA toolkit at /usr/local/cuda: the Thrust device tests will be skipped" >&2
fi
