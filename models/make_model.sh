#!/usr/bin/env bash
# Reproduces models/deep-remap.remap from nothing but this repository: synthesize the demo world
# (PHOENIX-format grid + MARVELS-like survey + 1000 held-out observed stars), build the training sets,
# pretrain on the grid, fine-tune on the survey's dwarfs (validated on the 30 calibration stars), then
# evaluate everything that models/README.md reports. Every step is resumable; rerunning skips finished work.
#
#   models/make_model.sh [WORK_DIR]        (default build/model-work; needs a built `remap`)
#   REMAP=path/to/remap THREADS=2 models/make_model.sh
set -euo pipefail
cd "$(dirname "$0")/.."
remap=${REMAP:-build/release/app/remap}
work=${1:-build/model-work}
threads=${THREADS:-0}
mkdir -p "$work"
[ -x "$remap" ] || { echo "make_model.sh: $remap not found: build first (cmake --workflow --preset release)" >&2; exit 1; }

step() { echo; echo "== $* =="; }
# A run is done when its record ends with status finished or early_stopped.
run_done() { [ -f "$1/model.remap" ] && tail -n 1 "$1/record.jsonl" | grep -Eq '"status":"(finished|early_stopped)"'; }
resume_flag() { [ -f "$1/checkpoint.pt" ] && echo --resume || true; }
# torch's own default may use a single thread; THREADS > 0 sets the intra-op thread count.
train_threads() { [ "$threads" -gt 0 ] && echo "--threads $threads" || true; }

step "1. Demo world: grid (2592 models) and survey (300 dwarfs, 30 calibration, 732 giant candidates)"
"$remap" synth demo --out "$work/demo" --threads "$threads" --quiet
step "2. Held-out synthetic observed stars (other seeds): 1000 for interval coverage, 500 to fit the posterior temperature"
"$remap" synth survey --out "$work/holdout" --seed 77 --dwarfs 1000 --calibration 0 --giants 0 --threads "$threads" --quiet
"$remap" synth survey --out "$work/tempcal" --seed 78 --dwarfs 500 --calibration 0 --giants 0 --threads "$threads" --quiet
step "3. Radial-velocity template (noiseless solar-type star, vacuum, covers the RV search range)"
[ -f "$work/rv-template.fits" ] || "$remap" synth star --teff 5750 --logg 4.4 --feh 0 --window 4800:5900 -o "$work/rv-template.fits"

step "4. Training sets (one preprocessing spec for all)"
[ -f "$work/pretrain.h5" ] || "$remap" dataset build --phoenix "$work/demo/grid" --interpolate 12000 --seed 3 -o "$work/pretrain.h5" --quiet
for s in dwarfs calibration; do
  [ -f "$work/$s.h5" ] || "$remap" dataset build --observed "$work/demo/survey/$s.csv" --rv-template "$work/rv-template.fits" -o "$work/$s.h5" --quiet
done
[ -f "$work/holdout.h5" ] || "$remap" dataset build --observed "$work/holdout/dwarfs.csv" --rv-template "$work/rv-template.fits" -o "$work/holdout.h5" --quiet

step "5. Pretraining on the grid (models/pretrain.json)"
sed -e "s#@WORK@#$(realpath "$work")#g" models/pretrain.json > "$work/pretrain.json"
if ! run_done "$work/pretrain-run"; then
  "$remap" train pretrain --config "$work/pretrain.json" $(train_threads) $(resume_flag "$work/pretrain-run")
fi

step "6. Fine-tuning on the observed dwarfs, validated on the calibration stars (models/finetune.json)"
sed -e "s#@WORK@#$(realpath "$work")#g" models/finetune.json > "$work/finetune.json"
if ! run_done "$work/finetune-run"; then
  "$remap" train finetune --config "$work/finetune.json" --from "$work/pretrain-run/model.remap" $(train_threads) $(resume_flag "$work/finetune-run")
fi

step "7. Posterior temperature fitted on the 500 temperature-calibration stars (remap calibrate)"
"$remap" calibrate --model "$work/finetune-run/model.remap" --catalog "$work/tempcal/dwarfs.csv" -o models/deep-remap.remap --quiet

step "8. Evaluation (the numbers in models/README.md)"
ev() { "$remap" evaluate --json --threads "$threads" "$@"; }
ev --model "$work/pretrain-run/model.remap" --catalog "$work/demo/survey/calibration.csv" > "$work/eval-calibration-pretrained.json"
ev --model "$work/finetune-run/model.remap" --catalog "$work/demo/survey/calibration.csv" > "$work/eval-calibration-finetuned-uncalibrated.json"
ev --model models/deep-remap.remap --catalog "$work/demo/survey/calibration.csv" > "$work/eval-calibration-finetuned.json"
ev --model models/deep-remap.remap --catalog "$work/demo/survey/giants.csv" --truth "$work/demo/survey/giants_truth.csv" > "$work/eval-giants.json"
ev --model "$work/pretrain-run/model.remap" --catalog "$work/demo/survey/giants.csv" --truth "$work/demo/survey/giants_truth.csv" > "$work/eval-giants-pretrained.json"
ev --model "$work/finetune-run/model.remap" --catalog "$work/holdout/dwarfs.csv" > "$work/eval-holdout-uncalibrated.json"
# The candidates split by their true class (the truth file's is_giant column), to show what each model
# does on real giants and on the dwarfs hiding among the candidates.
survey="$work/demo/survey"
awk -F, 'NR == 1 || $7 == 1' "$survey/giants_truth.csv" > "$survey/candidates-true-giants.csv"
awk -F, 'NR == 1 || $7 == 0' "$survey/giants_truth.csv" > "$survey/candidates-true-dwarfs.csv"
for kind in giants dwarfs; do
  ev --model models/deep-remap.remap --catalog "$survey/candidates-true-$kind.csv" > "$work/eval-candidates-$kind.json"
  ev --model "$work/pretrain-run/model.remap" --catalog "$survey/candidates-true-$kind.csv" > "$work/eval-candidates-$kind-pretrained.json"
done
ev --model models/deep-remap.remap --catalog "$work/holdout/dwarfs.csv" > "$work/eval-holdout.json"
step "9. Cramer-Rao bounds of the calibration stars at their own S/N"
/usr/bin/env python3 models/crlb_report.py --remap "$remap" --catalog "$work/demo/survey/calibration.csv" \
  --evaluation "$work/eval-calibration-finetuned.json" > "$work/crlb-calibration.json"
step "10. The tables of models/README.md"
/usr/bin/env python3 models/report_tables.py "$work" | tee "$work/report.md"
echo; echo "model: models/deep-remap.remap; evaluation JSON in $work/eval-*.json"
