#!/usr/bin/env bash
# Installs the Debian packages l2l needs to build, test and run. Idempotent: when everything is
# present it only checks (no network). Run as root (or with sudo available).
#   bash scripts/install-deps.sh           build, run and test dependencies
#   bash scripts/install-deps.sh --bench   also the reference systems the benchmarks compare with
set -euo pipefail

PACKAGES=(
  build-essential
  cmake
  ninja-build
  pkg-config
  git
  ccache
  libeigen3-dev
  libtbb-dev
  libyaml-cpp-dev
  libsqlite3-dev
  sqlite3
  libcli11-dev
  libfmt-dev
  libspdlog-dev
  nlohmann-json3-dev
  libgtest-dev
  libgmock-dev
  libbenchmark-dev
  libopenblas-dev
  zlib1g-dev
  python3
  nodejs
  dataset-fashion-mnist
  libopenblas0-pthread
  chromium
  openmpi-bin
  libopenmpi-dev
  pybind11-dev
  python3-dev
  python3-numpy
  python3-pandas
  python3-pytest
)

# Reference systems for bench/ only (pagmo2, DEAP, Brian2, PyTorch): large, never needed to build.
BENCH_PACKAGES=(
  python3-torch
  libpagmo-dev
  python3-deap
  python3-numpy
  python3-brian
)

want=("${PACKAGES[@]}")
if [[ "${1:-}" == "--bench" ]]; then want+=("${BENCH_PACKAGES[@]}"); fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#want[@]} packages present"
else
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# JavaScript for reports and the report browser test (npm registry, pinned by a lock file).
bash "$(dirname "${BASH_SOURCE[0]}")/install-js.sh"
