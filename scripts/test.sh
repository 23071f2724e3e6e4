#!/usr/bin/env bash
# Builds ctnn with its tests and runs the whole suite (unit, golden, compile-fail, consumer).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/prepare-data.sh  # the real data some tests and the example trainers read
cmake -S . -B build/test -G Ninja -DCMAKE_BUILD_TYPE=Release -DCTNN_WERROR=ON -DCTNN_QUICK_BUILD=ON -DCTNN_FUZZ_SECONDS=5 >/dev/null
cmake --build build/test -j 2  # one job per core (ninja would run four on two cores)
ctest --test-dir build/test --output-on-failure -j2
