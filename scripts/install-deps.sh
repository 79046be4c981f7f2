#!/usr/bin/env bash
# Installs the Debian packages l2l needs to build, test and run its examples. Idempotent.
set -euo pipefail

PACKAGES=(
  build-essential
  cmake
  ninja-build
  pkg-config
  libeigen3-dev
  libtbb-dev
  libyaml-cpp-dev
  libsqlite3-dev
  libcli11-dev
  libfmt-dev
  libspdlog-dev
  nlohmann-json3-dev
  zlib1g-dev
  libgtest-dev
  libopenblas0-pthread
  nodejs
  dataset-fashion-mnist
)

# Optional: only the PyTorch comparison benchmarks (bench/enkf_*.py) use these.
BENCH_PACKAGES=(
  python3-numpy
  python3-torch
)

missing=()
want=("${PACKAGES[@]}")
if [[ "${1:-}" == "--bench" ]]; then want+=("${BENCH_PACKAGES[@]}"); fi
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; fi
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
# Debian's nodejs ships npm separately; NodeSource's nodejs includes it (and conflicts with it).
if ! command -v npm >/dev/null 2>&1; then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends npm
fi
echo "all dependencies installed"
