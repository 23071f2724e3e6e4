#!/usr/bin/env bash
# Data-parallel scaling of the example trainers on one machine (docs/benchmarks.md, "Scaling"):
# the MLP GAN (mnist_gan), the DCGAN (mnist_dcgan) and the VAE (mnist_vae) on MNIST at their
# default batch, as 1 process x 2 threads, 2 processes x 1 thread (mpirun -np 2) and 1 process x 1
# thread, and as "2 x 1 apart": two one-thread processes each training alone on half the batch at
# the same time, the bound on 2 x 1 where the cores slow each other down. Each cell is one run of
# STEPS steps; the trainer times every step (metrics.json: step_seconds_median, the median wall
# time of the steps after its first 5, and communication_share_median, the median share of a step
# that rank 0 spent inside the communicator). The fastest of REPEATS runs is kept. Prints a
# Markdown table.
#   SCALING_STEPS=60 SCALING_REPEATS=1 SCALING_MODELS="mnist_gan mnist_dcgan mnist_vae" bash benchmarks/scaling.sh
# SCALING_BUILD=build/dir uses trainers built there instead of configuring build/scaling (Release,
# -march=native, float products on oneDNN as compare.sh's default).
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${SCALING_STEPS:-60}
repeats=${SCALING_REPEATS:-1}
read -r -a models <<<"${SCALING_MODELS:-mnist_gan mnist_dcgan mnist_vae}"
command -v mpirun >/dev/null || { echo "scaling.sh: needs mpirun (Debian: openmpi-bin libopenmpi-dev)" >&2; exit 1; }

build=${SCALING_BUILD:-build/scaling}
if [ -z "${SCALING_BUILD:-}" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCTNN_BUILD_TESTS=OFF -DCTNN_BUILD_BENCHMARKS=OFF \
    -DCTNN_CUDA=OFF -DCTNN_BLAS=ON -DCTNN_DNNL=ON >/dev/null
  cmake --build "$build" --target "${models[@]}" >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=()
[ "$(id -u)" -eq 0 ] && root=(--allow-run-as-root)

# metrics FOLDER: "step_seconds_median communication_share_median" of the run in FOLDER.
metrics() {
  python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); print(m["step_seconds_median"], m["communication_share_median"])' \
    "$1/metrics.json"
}

# seconds MODEL PROCESSES THREADS N: "seconds share", the median step and its communicating share,
# of a fresh N-step run. PROCESSES "apart": two one-thread processes on a core each, each training
# alone on half the global batch, nothing exchanged: the slower one's median (what 2 x 1 would
# take if communicating cost nothing).
seconds() {
  local model=$1 np=$2 threads=$3 n=$4 out="$work/run" launch=()
  rm -rf "$out" "$out"0 "$out"1
  if [ "$np" = apart ]; then
    local half=$(($("$build/examples/$model" --help | sed -n 's/^ *--batch .*\[\([0-9]*\)\]$/\1/p') / 2))
    local pids=()
    for core in 0 1; do
      OMP_NUM_THREADS=1 taskset -c "$core" "$build/examples/$model" --data mnist --steps "$n" --batch "$half" \
        --classifier none --eval-samples 2 --keep 0 --out "$out$core" >"$work/log$core" 2>&1 &
      pids+=($!)
    done
    wait "${pids[0]}" && wait "${pids[1]}" || { cat "$work/log0" "$work/log1" >&2; exit 1; }
    read -r a _ < <(metrics "$out"0)
    read -r b _ < <(metrics "$out"1)
    python3 -c "import sys; print(max(map(float, sys.argv[1:])), 0)" "$a" "$b"
    return
  fi
  [ "$np" -gt 1 ] && launch=(mpirun "${root[@]}" --oversubscribe --bind-to core -x OMP_NUM_THREADS -np "$np")
  OMP_NUM_THREADS=$threads "${launch[@]}" "$build/examples/$model" --data mnist --steps "$n" --classifier none \
    --eval-samples 2 --keep 0 --out "$out" >"$work/log" 2>&1 || { cat "$work/log" >&2; exit 1; }
  metrics "$out"
}

echo "| model | processes x threads | steps/s | of each step communicating | vs 1 x 2 |"
echo "| --- | --- | --- | --- | --- |"
for model in "${models[@]}"; do
  base=""
  for layout in "1 2" "2 1" "apart 1" "1 1"; do
    read -r np threads <<<"$layout"
    best=""
    for _ in $(seq "$repeats"); do
      read -r t share < <(seconds "$model" "$np" "$threads" "$steps")
      rate=$(python3 -c "import sys; print(1 / float(sys.argv[1]))" "$t")
      if [ -z "$best" ] || python3 -c "import sys; sys.exit(not float(sys.argv[1]) > float(sys.argv[2]))" "$rate" "${best%% *}"; then
        best="$rate $share"
      fi
    done
    read -r rate share <<<"$best"
    [ -z "$base" ] && base=$rate
    python3 -c "import sys; r, s, b = map(float, sys.argv[3:]); print(f'| {sys.argv[1]} | {sys.argv[2]} | {r:.2f} | {100 * s:.1f}% | {r / b:.2f} |')" \
      "$model" "$([ "$np" = apart ] && echo "2 x 1 apart" || echo "$np x $threads")" "$rate" "$share" "$base"
  done
done
