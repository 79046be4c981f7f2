#!/usr/bin/env bash
# Quick start (a): install what building and running l2l needs, build the `l2l` command and the
# Python module (Release; no tests, no benchmarks), fetch MNIST and run the main job: the ensemble
# Kalman filter training the paper's CNN on MNIST without gradients.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/install-deps.sh
# The test command (scripts/test.sh) configures the same build folder with tests and benchmarks
# and reuses every object built here.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DL2L_BUILD_TESTS=OFF \
  -DL2L_BUILD_BENCH=OFF >/dev/null
cmake --build build
bash scripts/fetch-data.sh
mkdir -p runs
store=runs/enkf-cnn-mnist-quick.db
./build/l2l run examples/enkf-cnn-mnist-quick.yaml --out "$store" --overwrite
echo
echo "The run store is $store (SQLite)."
echo "Look at the run:  ./build/l2l show $store"
echo "HTML report:      ./build/l2l report $store -o runs/enkf-cnn-mnist-quick.html"
echo "Export it:        ./build/l2l export $store --csv runs/enkf-cnn-mnist-quick-csv"
echo "Install it:       cmake --install build   (l2l on PATH, 'import l2l' for /usr/bin/python3)"
