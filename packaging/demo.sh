#!/usr/bin/env bash
# The main job on the embedded demo data: install what is missing, build, run.
set -euo pipefail
cd "$(dirname "$0")/.."
packaging/setup.sh
cmake --workflow --preset release
remap=build/release/app/remap
echo
echo "== remap info on the bundled demo spectra =="
"$remap" info resources/demo/*.fits
