#!/usr/bin/env bash
# Installs the Debian bookworm packages REMAP Studio needs, only those that are missing.
# Idempotent: a second run installs nothing. Runs apt-get as root, or through sudo.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config dpkg-dev
  qt6-base-dev qt6-charts-dev qt6-svg-dev libqt6opengl6-dev libxkbcommon-dev libgl-dev
  libtorch-dev libgloo-dev
  libcfitsio-dev zlib1g-dev libhdf5-dev libeigen3-dev libexpat1-dev
  nlohmann-json3-dev libcli11-dev
  python3 python3-numpy python3-scipy python3-astropy python3-specutils python3-torch python3-h5py
  python3-matplotlib python3-dev python3-pybind11 python3-pytest
)
# Optional extras: a virtual X server for GUI screenshots (--with-x11).
if [[ "${1:-}" == "--with-x11" ]]; then packages+=(xvfb xauth); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages are installed"
  exit 0
fi

echo "setup: installing ${#missing[@]} missing packages: ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
