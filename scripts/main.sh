#!/usr/bin/env bash
# The main job: install what is needed (packages and the real data), build, and train the
# default example on the MNIST digits, writing its pictures to runs/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/prepare-data.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DCTNN_BUILD_TESTS=OFF >/dev/null
cmake --build build/release --target demo
./build/release/examples/demo --out runs/demo
