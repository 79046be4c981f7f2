#!/usr/bin/env bash
# Installs the Debian packages l2l needs to build, test and run. Idempotent: when everything is
# present it only checks (no network). Run as root (or with sudo available).
#   bash scripts/install-deps.sh           what building and running l2l needs (Quick start, 1st command)
#   bash scripts/install-deps.sh --test    also what the test suite needs (2nd command)
#   bash scripts/install-deps.sh --bench   also the reference systems the benchmarks compare with
set -euo pipefail

# What building and running l2l needs: the main job, the `l2l` command and the Python package.
PACKAGES=(
  build-essential
  cmake
  ninja-build
  pkg-config
  ccache
  libeigen3-dev
  libtbb-dev
  libyaml-cpp-dev
  libsqlite3-dev
  libcli11-dev
  libfmt-dev
  nlohmann-json3-dev
  libopenblas-dev
  libopenblas0-pthread
  zlib1g-dev
  openmpi-bin
  libopenmpi-dev
  python3
  python3-dev
  python3-numpy
  pybind11-dev
  nodejs
)

# What only the test suite needs (--test): GoogleTest, pytest and pandas for the Python tests,
# Chromium for the report's browser test, whose EnKF and spiking pages train on Fashion-MNIST.
TEST_PACKAGES=(
  libgtest-dev
  libgmock-dev
  python3-pytest
  python3-pandas
  chromium
  dataset-fashion-mnist
)

# Reference systems (Optuna for bench/hpo.py, SciPy for its rank tests) and data sets for bench/ and some examples only
# (--bench): large, never needed to build.
BENCH_PACKAGES=(
  python3-torch
  libpagmo-dev
  python3-deap
  python3-numpy
  python3-pandas
  python3-brian
  python3-optuna
  python3-scipy
  dataset-fashion-mnist
)

want=("${PACKAGES[@]}")
js_flags=()
for arg in "$@"; do
  case "$arg" in
    --test) want+=("${TEST_PACKAGES[@]}"); js_flags=(--dev) ;;
    --bench) want+=("${BENCH_PACKAGES[@]}") ;;
    *) echo "install-deps: unknown option '$arg' (known: --test, --bench)" >&2; exit 2 ;;
  esac
done

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

# JavaScript for reports, and with --test for the report's browser test (npm registry, pinned by a
# lock file).
bash "$(dirname "${BASH_SOURCE[0]}")/install-js.sh" "${js_flags[@]}"
