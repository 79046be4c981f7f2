#!/usr/bin/env bash
# Quick start (a): install what is missing, build l2l (Release) and run the main job.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build
mkdir -p runs
./build/l2l run examples/rastrigin-ga.yaml --out runs/rastrigin-ga.db --overwrite
echo
echo "Look at the run:  ./build/l2l show runs/rastrigin-ga.db"
echo "Export it:        ./build/l2l export runs/rastrigin-ga.db --csv runs/rastrigin-ga-csv"
