#!/bin/bash
# What a run folder guarantees (docs/training.md), on a tiny mnist_gan run (64 generated digits,
# batch 16: 4 steps an epoch, 3 epochs):
#   run_folder.sh MNIST_GAN MAKE_IMAGES OUT
# 1. A run cut by --steps K, for several K, then --resumed ends with the checkpoint and
#    losses.csv of one uninterrupted run, byte for byte.
# 2. So does a run killed (kill -9) at random moments, resumed each time: no rows lost or
#    repeated, no temporary files left behind.
# 3. A second trainer on a folder in use refuses, naming the holder's pid; SIGINT makes the holder
#    finish its step, save and exit 130 with losses.csv matching its checkpoint.
# 4. Bad flag values are refused with the flag and the value, before anything is written; data
#    errors name the file; a --resume with other settings is refused naming each, unless
#    --change-settings.
# 5. --keep 2 keeps the last two epoch checkpoints.
set -u
prog=$1
make_images=$2
out=$3
rm -rf "$out"
mkdir -p "$out"
# Each check that fails says so and the script goes on (so that one run shows every broken
# guarantee); the exit code is 1 if any failed.
failed=0
fail() {
    echo "FAIL: $*" >&2
    failed=1
}
"$make_images" npy28 "$out/digits.npy" 64 || { fail "make_images"; exit 1; }
args=(--data "$out/digits.npy" --batch 16 --epochs 3 --classifier none --eval-samples 2 --seed 5)
# run DIR [flags...]: the trainer on DIR, its output in DIR.log (a run takes seconds; a hung one
# fails the test rather than holding it)
run() {
    local dir=$1
    shift
    timeout 120 "$prog" "${args[@]}" --out "$dir" "$@" >"$dir.log" 2>&1
}
same_as_reference() {
    for f in checkpoint.safetensors losses.csv; do
        cmp -s "$out/ref/$f" "$1/$f" || fail "$1/$f differs from the uninterrupted run's ($2)"
    done
}
no_temporaries() {
    local left
    left=$(ls -A "$1" | grep '\.tmp\.')
    [ -z "$left" ] || fail "$1 holds temporary files: $left"
}

start=$(date +%s.%N)
run "$out/ref" || { fail "the uninterrupted run: $(cat "$out/ref.log")"; exit 1; }
seconds=$(echo "$(date +%s.%N) - $start" | bc)
[ "$(wc -l <"$out/ref/losses.csv")" -eq 13 ] || fail "ref/losses.csv does not hold 12 rows"
ls "$out/ref" | grep -q '^checkpoint_epoch_02.safetensors$' || fail "--keep 2: no checkpoint_epoch_02"
ls "$out/ref" | grep -q '^checkpoint_epoch_03.safetensors$' || fail "--keep 2: no checkpoint_epoch_03"
ls "$out/ref" | grep -q 'checkpoint_epoch_01' && fail "--keep 2: an older epoch checkpoint was kept"

# 1. --steps K then --resume, cut mid-epoch and at an epoch's end.
run "$out/steps" --steps 3 || fail "--steps 3: $(cat "$out/steps.log")"
run "$out/steps" --resume --steps 8 || fail "--resume --steps 8: $(cat "$out/steps.log")"
run "$out/steps" --resume || fail "--resume: $(cat "$out/steps.log")"
same_as_reference "$out/steps" "--steps 3, 8 then --resume"

# 2. kill -9 at random moments within the first 60% of the uninterrupted run's time (so that most
#    land before the run ends), until a run completes.
kills=0
resume_if_any() {
    resume=()
    [ -f "$out/killed/checkpoint.safetensors" ] && resume=(--resume)
}
for try in $(seq 1 8); do
    resume_if_any
    delay=$(echo "scale=3; 0.05 + 0.6 * $seconds * $((RANDOM % 1000)) / 1000" | bc)
    # --foreground: timeout returns only once the trainer is gone (without it, timeout kills its
    # own process group, itself included, and the next try can start while the killed trainer
    # still holds the run folder's lock). It exits 137 for a killed trainer, or 124 when the
    # trainer had ended on its own just as the time ran out.
    timeout --foreground -s KILL "$delay" "$prog" "${args[@]}" --out "$out/killed" "${resume[@]}" >"$out/killed.log" 2>&1
    rc=$?
    [ $rc -eq 0 ] && break
    [ $rc -eq 137 ] || [ $rc -eq 124 ] || fail "try $try ended with $rc: $(cat "$out/killed.log")"
    kills=$((kills + 1))
done
resume_if_any
run "$out/killed" "${resume[@]}" || fail "the last run after $kills kills: $(cat "$out/killed.log")"
[ $kills -ge 2 ] || fail "only $kills runs were killed: the test did not test"
same_as_reference "$out/killed" "$kills kill -9s"
no_temporaries "$out/killed"
echo "$kills kill -9s at random moments, resumed each time"

# 3. Two writers; then SIGINT.
"$prog" "${args[@]}" --epochs 100000 --out "$out/busy" >"$out/busy.log" 2>&1 &
holder=$!
for i in $(seq 1 300); do
    [ -f "$out/busy/checkpoint.safetensors" ] && break
    sleep 0.1
done
[ -f "$out/busy/checkpoint.safetensors" ] || fail "the holder never checkpointed: $(cat "$out/busy.log")"
run "$out/busy" --resume
rc=$?
[ $rc -eq 1 ] || fail "a second trainer on a folder in use ended with $rc"
grep -q "is in use by another trainer (pid $holder)" "$out/busy.log" || fail "second writer: $(cat "$out/busy.log")"
kill -INT $holder
for i in $(seq 1 300); do
    kill -0 $holder 2>/dev/null || break
    sleep 0.1
done
if kill -0 $holder 2>/dev/null; then
    kill -9 $holder
    fail "SIGINT did not stop the trainer within 30 s"
fi
wait $holder
rc=$?
[ $rc -eq 130 ] || fail "SIGINT: exit code $rc, not 130"
grep -q "SIGINT after step" "$out/busy.log" || fail "SIGINT: $(cat "$out/busy.log")"
step=$(grep -ao '"step":"[0-9]*"' "$out/busy/checkpoint.safetensors" | head -1 | tr -dc 0-9)
last=$(tail -1 "$out/busy/losses.csv" | cut -d, -f1)
[ -n "$step" ] && [ "$step" = "$last" ] || fail "after SIGINT the checkpoint is at step $step, losses.csv at $last"

# 4. Bad values, refused before anything is written into the finished run.
cp "$out/ref/checkpoint.safetensors" "$out/ref.checkpoint"
for bad in "--sample -5" "--steps -5" "--lr inf" "--lr nan" "--lr -1" "--batch 0" "--epochs 0" "--seed -1" \
    "--keep -1" "--beta1 1" "--eval-samples 1" "--lr 1e-3x" "--loss hinge" "--gp-lambda 5" "--ema-warmup"; do
    run "$out/ref" $bad
    rc=$?
    [ $rc -eq 2 ] || fail "$bad: exit code $rc, not 2: $(cat "$out/ref.log")"
    grep -qF -- "$bad" "$out/ref.log" || fail "$bad: the message does not name the flag and value: $(cat "$out/ref.log")"
done
cmp -s "$out/ref/checkpoint.safetensors" "$out/ref.checkpoint" || fail "a refused flag changed the checkpoint"
# losses.csv: an unfinished last row (a killed run's) is dropped with a note; a bad cell before
# the checkpoint's step is named by row and column.
cp -r "$out/ref" "$out/partial"
printf '13,4,0.69' >>"$out/partial/losses.csv"
run "$out/partial" --resume || fail "an unfinished last row blocked --resume: $(cat "$out/partial.log")"
grep -q "dropped its last row (14)" "$out/partial.log" || fail "no note on the dropped row: $(cat "$out/partial.log")"
cmp -s "$out/ref/losses.csv" "$out/partial/losses.csv" || fail "the unfinished row was not dropped"
sed -i '5s/^\([0-9]*\),\([0-9]*\),[^,]*/\1,\2,abc/' "$out/partial/losses.csv"
run "$out/partial" --resume
grep -qF 'losses.csv: row 5, column 3 (d_loss): "abc" is not a number' "$out/partial.log" ||
    fail "a bad cell: $(cat "$out/partial.log")"

# Data errors name the file (and the flags they involve).
dict="{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 28, 28), }"
{ printf '\x93NUMPY\x01\x00\x76\x00%-117s\n' "$dict"; printf '\x00\x00\xc0\x7f'; head -c 3132 /dev/zero; } >"$out/nan.npy"
"$prog" --data "$out/nan.npy" --out "$out/nan" >"$out/nan.log" 2>&1
grep -qF "$out/nan.npy: sample 0 holds nan at value 0; float32 images must be in [0, 1]" "$out/nan.log" ||
    fail "a NaN in --data: $(cat "$out/nan.log")"
run "$out/big" --batch 128
grep -qF -- "--data $out/digits.npy with --batch 128: " "$out/big.log" || fail "--batch 128 on 64 images: $(cat "$out/big.log")"
run "$out/ref" --resume --seed 6 --lr 0.002
[ $? -eq 1 ] || fail "--resume with other settings was accepted"
grep -q "seed: 6 here, 5 in the checkpoint's run" "$out/ref.log" || fail "other settings: $(cat "$out/ref.log")"
grep -q "lr: 0.002 here, 0.001 in the checkpoint's run" "$out/ref.log" || fail "other settings: $(cat "$out/ref.log")"
run "$out/ref" --resume --seed 6 --change-settings || fail "--change-settings: $(cat "$out/ref.log")"
[ $failed -eq 0 ] && echo "run folder guarantees hold"
exit $failed
