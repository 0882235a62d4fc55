#!/usr/bin/env bash
# The main job on the embedded demo data: install what is missing, build, synthesize the demo
# PHOENIX-format grid and MARVELS-like survey, then run the shipped deep-REMAP model
# (models/deep-remap.remap) on the 30 calibration stars and the 732 giant candidates.
set -euo pipefail
cd "$(dirname "$0")/.."
packaging/setup.sh
cmake --workflow --preset release
remap=build/release/app/remap
out=build/demo-data
model=models/deep-remap.remap

echo; echo "== 1. The bundled demo spectra (remap info) =="
"$remap" info resources/demo/*.fits

echo; echo "== 2. Demo PHOENIX-format grid + MARVELS-like survey (remap synth demo, resumable) =="
"$remap" synth demo --out "$out"

echo; echo "== 3. Information content of a solar twin at S/N 100 (remap synth crlb) =="
"$remap" synth crlb --teff 5780 --logg 4.44 --feh 0 --snr 100

echo; echo "== 4. The shipped model ($model) on one bundled star (remap predict) =="
"$remap" predict --model "$model" resources/demo/demo-sun-like-dwarf.fits

echo; echo "== 5. The 30 calibration stars against their reference labels (remap evaluate) =="
"$remap" evaluate --model "$model" --catalog "$out/survey/calibration.csv" -o "$out/calibration-predictions.csv"

echo; echo "== 6. The 732 giant candidates: posteriors for every star, scored against the truth file =="
"$remap" evaluate --model "$model" --catalog "$out/survey/giants.csv" --truth "$out/survey/giants_truth.csv" \
  -o "$out/giants-predictions.csv"
echo; echo "Predictions: $out/calibration-predictions.csv, $out/giants-predictions.csv"
echo "Open them in the desktop application: build/release/app/remap-studio (Catalog tab)"
