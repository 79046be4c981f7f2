#!/usr/bin/env bash
# Quick start (a): install what is missing, build l2l (Release), fetch MNIST and run the main job:
# the ensemble Kalman filter training the paper's CNN on MNIST without gradients.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
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
