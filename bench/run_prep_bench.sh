#!/bin/sh
# Preprocessing benchmark: C++ (bench_prep) and the Python reference on identical inputs, in one run.
#   bench/run_prep_bench.sh [BUILD_DIR] [N_MARVELS]
# BUILD_DIR defaults to build/h-prep (a Release build with bench_prep built); single-threaded both sides.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-"$here/../build/h-prep"}
n=${2:-200}
work=$(mktemp -d "${TMPDIR:-/tmp}/remap-prep-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
echo "== C++ (bench_prep) =="
"$build/bench/bench_prep" --out "$work" --marvels "$n"
echo "== Python reference (numpy/scipy) =="
/usr/bin/python3 "$here/python/prep_reference.py" "$work" --marvels "$n"
