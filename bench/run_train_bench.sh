#!/bin/sh
# Training throughput: C++ (bench_train, LibTorch) and the Python reference (train_reference.py, PyTorch)
# on the same initial weights, batches, losses and optimizer, with the same thread count, in one run.
#   bench/run_train_bench.sh [BUILD_DIR] [STEPS] [THREADS] [BATCH] [ROUNDS=3]
# BUILD_DIR defaults to build/h-data (a Release build with bench_train built). Prints a JSON report.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-"$here/../build/h-data"}
steps=${2:-30}
threads=${3:-1}
batch=${4:-64}
rounds=${5:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/remap-train-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export OMP_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads"
"$build/bench/bench_train" --steps "$steps" --threads "$threads" --batch "$batch" --rounds "$rounds" --python /usr/bin/python3 \
  --keep "$work"
