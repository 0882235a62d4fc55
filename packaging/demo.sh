#!/usr/bin/env bash
# The main job on the embedded demo data: install what is missing, build, then synthesize the
# demo PHOENIX-format grid and MARVELS-like survey, inspect them, and build a training set.
set -euo pipefail
cd "$(dirname "$0")/.."
packaging/setup.sh
cmake --workflow --preset release
remap=build/release/app/remap
out=build/demo-data

echo; echo "== 1. The bundled demo spectra (remap info) =="
"$remap" info resources/demo/*.fits

echo; echo "== 2. Demo PHOENIX-format grid + MARVELS-like survey (remap synth demo, resumable) =="
"$remap" synth demo --out "$out"

echo; echo "== 3. Information content of a solar twin at S/N 100 (remap synth crlb) =="
"$remap" synth crlb --teff 5780 --logg 4.44 --feh 0 --snr 100

if "$remap" dataset --help >/dev/null 2>&1; then
  echo; echo "== 4. Training sets: the PHOENIX-format grid and the observed dwarfs (remap dataset build) =="
  "$remap" dataset build --phoenix "$out/grid" -o "$out/pretrain.h5"
  "$remap" dataset build --observed "$out/survey/dwarfs.csv" -o "$out/finetune.h5"
  "$remap" dataset info "$out/finetune.h5"
fi
