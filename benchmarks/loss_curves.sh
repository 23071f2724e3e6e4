#!/usr/bin/env bash
# The same mnist_gan run as 1, 2 and 4 processes (mpirun -np N, one OpenMP thread each), its loss
# curves on one picture: docs/results/mpi_loss_curves.png (docs/distributed.md). The ranks split
# each global batch and average in rank order, so the curves agree to rounding.
#   CURVES_STEPS=200 CURVES_BATCH=64 CURVES_BUILD=build/release bash benchmarks/loss_curves.sh
# CURVES_BUILD must hold mnist_gan built with MPI; plot_losses is built there on demand.
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${CURVES_STEPS:-200}
batch=${CURVES_BATCH:-64}
build=${CURVES_BUILD:-build/release}
picture=${CURVES_OUT:-docs/results/mpi_loss_curves.png}
cmake --build "$build" --target mnist_gan plot_losses >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=()
[ "$(id -u)" -eq 0 ] && root=(--allow-run-as-root)
runs=()
for np in 1 2 4; do
  OMP_NUM_THREADS=1 mpirun "${root[@]}" --oversubscribe -x OMP_NUM_THREADS -np "$np" "$build/examples/mnist_gan" \
    --data mnist --batch "$batch" --steps "$steps" --classifier none --eval-samples 2 --keep 0 --out "$work/np$np" \
    >"$work/np$np.log" 2>&1 || { cat "$work/np$np.log" >&2; exit 1; }
  runs+=("-np $np=$work/np$np/losses.csv")
done
"$build/benchmarks/plot_losses" "$picture" "mnist_gan, batch $batch, as 1, 2 and 4 processes" d_loss,g_loss "${runs[@]}"
echo "wrote $picture"
