#!/bin/bash
# The example trainers under mpirun (docs/training.md, "Several processes"), on 64 generated digits
# at --batch 16 for one epoch (4 steps):
#   mpi_trainers.sh "MPIRUN..." MNIST_GAN MNIST_VAE MNIST_CLASSIFIER MAKE_IMAGES COMPARE_LOSSES LABELLED OUT
# (LABELLED: an IDX folder of labelled digits, for the classifier)
# 1. mnist_gan -np 2 completes; its folder holds what a one-process run's holds and nothing was
#    written elsewhere (rank 1 writes nothing); one "wrote" report (rank 0's).
# 2. Its losses are within 1e-5 (relative) of one process's at the same global batch.
# 3. -np 2 --steps 3, then --resume, ends with the uninterrupted -np 2 run's losses.csv and
#    checkpoint, byte for byte (so separate -np 2 launches also repeat one another bit for bit).
# 4. An indivisible --batch is refused before anything is written, naming --batch, its value and
#    the number of processes, once (rank 0 speaks); --help prints its text once.
# 5. mnist_vae -np 2, and mnist_classifier -np 2 (4 steps), agree with one process within 1e-5.
set -u
read -r -a mpirun <<<"$1"
gan=$2
vae=$3
classifier=$4
make_images=$5
compare=$6
labelled=$7
out=$8
rm -rf "$out"
mkdir -p "$out"
cd "$out" || exit 1
failed=0
fail() {
    echo "FAIL: $*" >&2
    failed=1
}
"$make_images" npy28 digits.npy 64 || { fail "make_images"; exit 1; }
args=(--data digits.npy --batch 16 --epochs 1 --classifier none --eval-samples 2 --seed 5)
# run NAME NP PROGRAM [flags...]: PROGRAM on folder NAME, alone (NP 0) or under mpirun -np NP, its
# output in NAME.log; a hung run fails the test rather than holding it.
run() {
    local name=$1 np=$2 prog=$3 launch=()
    shift 3
    [ "$np" -gt 0 ] && launch=("${mpirun[@]}" -np "$np")
    timeout 120 "${launch[@]}" "$prog" "${args[@]}" --out "$name" "$@" >"$name.log" 2>&1
}
same() {
    for f in losses.csv checkpoint.safetensors; do
        cmp -s "$1/$f" "$2/$f" || fail "$2/$f differs from $1/$f ($3)"
    done
}

# 1. and 2.
run one 0 "$gan" || fail "one process: $(cat one.log)"
run two 2 "$gan" || fail "-np 2: $(cat two.log)"
[ "$(ls -A two)" = "$(ls -A one)" ] || fail "-np 2 wrote $(ls -A two | tr '\n' ' ')where one process wrote $(ls -A one | tr '\n' ' ')"
[ "$(ls -A | tr '\n' ' ')" = "digits.npy one one.log two two.log " ] || fail "files written outside --out: $(ls -A)"
[ "$(grep -c '^wrote ' two.log)" -eq 1 ] || fail "-np 2 did not report once: $(cat two.log)"
grep -q '"processes": 2' two/metrics.json || fail "two/metrics.json does not count 2 processes"
"$compare" one/losses.csv two/losses.csv 4 1e-5 || fail "-np 2's losses differ from one process's"

# 3.
run cut 2 "$gan" --steps 3 || fail "-np 2 --steps 3: $(cat cut.log)"
run cut 2 "$gan" --resume || fail "-np 2 --resume: $(cat cut.log)"
same two cut "-np 2 --steps 3, then --resume"

# 4.
run odd 2 "$gan" --batch 15 && fail "-np 2 --batch 15 was accepted"
[ "$(grep -c -- "--batch 15 does not split evenly across the 2 processes" odd.log)" -eq 1 ] ||
    fail "-np 2 --batch 15 did not say so once: $(cat odd.log)"
[ -e odd ] && fail "-np 2 --batch 15 wrote its folder"
run help 2 "$gan" --help || fail "-np 2 --help: $(cat help.log)"
[ "$(grep -c '^usage: ' help.log)" -eq 1 ] || fail "-np 2 --help did not print its text once: $(cat help.log)"

# 5.
run vae_one 0 "$vae" || fail "mnist_vae, one process: $(cat vae_one.log)"
run vae_two 2 "$vae" || fail "mnist_vae -np 2: $(cat vae_two.log)"
"$compare" vae_one/losses.csv vae_two/losses.csv 4 1e-5 || fail "mnist_vae -np 2's losses differ from one process's"
args=(--data "$labelled" --batch 16 --steps 4 --seed 5)
run classifier_one 0 "$classifier" || fail "mnist_classifier, one process: $(cat classifier_one.log)"
run classifier_two 2 "$classifier" || fail "mnist_classifier -np 2: $(cat classifier_two.log)"
"$compare" classifier_one/losses.csv classifier_two/losses.csv 4 1e-5 ||
    fail "mnist_classifier -np 2's losses differ from one process's"
exit $failed
