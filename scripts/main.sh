#!/usr/bin/env bash
# The main job: install what is needed (packages and the real data), build, and train the
# default example, seed 003's DCGAN, at the seed's budget (5 epochs of MNIST's 60,000 training
# digits, least-squares losses), writing its pictures and metrics to runs/mnist_dcgan/ (and the
# digit classifier that scores them, 20 epochs, to runs/mnist_classifier/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/prepare-data.sh
# The main job trains on the CPU. The trainers' --device cuda (minutes of nvcc) is built where a
# GPU is to run it.
cuda=$(bash scripts/gpu.sh)
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DCTNN_BUILD_TESTS=OFF -DCTNN_CUDA=$cuda >/dev/null
cmake --build build/release --target mnist_dcgan
./build/release/examples/mnist_dcgan
