#!/usr/bin/env bash
# The main job: install what is needed, build, and run the default example.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DCTNN_BUILD_TESTS=OFF >/dev/null
cmake --build build/release --target demo
mkdir -p runs/demo
./build/release/examples/demo --out runs/demo
