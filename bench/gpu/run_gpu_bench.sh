#!/usr/bin/env bash
# deep-REMAP on a CUDA GPU, C++ and the Python reference side by side (docs/benchmarks.md "GPU"):
#   1. batched inference throughput (bench_inference: the network as trained, the inference plan in fp32
#      and bf16, remap_net.py in fp32 and under bf16 autocast) at large batches; target >= 1,000,000
#      spectra/s in bf16 on one H200;
#   2. training: optimizer steps of the default network on the same batches (bench_train, C++ against
#      train_reference.py) over as many spectra as one pretraining epoch, and a real `remap train pretrain`
#      epoch over a generated 100,000-row training set (bench_dataset); target < 5 s per epoch.
# It builds core, the `remap` command line and the benchmarks against the CUDA LibTorch of the python3
# torch package (its torch.utils.cmake_prefix_path, with that build's C++ string ABI).
#
#   bench/gpu/run_gpu_bench.sh [--cpu] [--build DIR] [--skip-build] [--out DIR] [--rows N] [--rounds R]
#                              [--batches "1024 4096 16384"] [--train-batch 512]
#
#   --cpu         dry run without a GPU: the Debian LibTorch, device cpu, small sizes (checks the script and
#                 the programs end to end; its figures are not GPU figures)
#   --build DIR   build folder (default build/gpu, or build/gpu-cpu with --cpu); --skip-build uses it as is
#   --out DIR     where the JSON reports and the summary go (default: $OUT when set, else DIR/gpu-bench)
# Environment: PYTHON (default python3, or /usr/bin/python3 with --cpu), JOBS (default: all cores).
# Needs: cmake, ninja, the C++ dependencies of packaging/setup.sh except Qt and the Debian libtorch
# (CFITSIO, HDF5, Eigen, nlohmann-json, CLI11), and a python3 with torch (CUDA for the GPU run) and numpy.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
cpu=0 skip=0 build="" out="${OUT:-}" rows="" rounds="" batches="" trainBatch=512
while (($#)); do
  case "$1" in
    --cpu) cpu=1 ;;
    --skip-build) skip=1 ;;
    --build) build=$2; shift ;;
    --out) out=$2; shift ;;
    --rows) rows=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --batches) batches=$2; shift ;;
    --train-batch) trainBatch=$2; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "run_gpu_bench: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if ((cpu)); then
  device=cpu py=${PYTHON:-/usr/bin/python3} build=${build:-$src/build/gpu-cpu}
  rows=${rows:-2000} rounds=${rounds:-1} batches=${batches:-64} iterations=3 trainBatch=64
else
  device=cuda py=${PYTHON:-python3} build=${build:-$src/build/gpu}
  rows=${rows:-100000} rounds=${rounds:-5} batches=${batches:-"1024 4096 16384"} iterations=30
fi
out=${out:-$build/gpu-bench}
mkdir -p "$out"
jobs=${JOBS:-$(nproc)}
log() { echo "run_gpu_bench: $*" | tee -a "$out/summary.txt" >&2; }
: > "$out/summary.txt"

"$py" -c 'import torch, numpy' || { log "$py cannot import torch and numpy"; exit 2; }
if ((!cpu)); then
  "$py" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' ||
    { log "$py has no CUDA-enabled torch (or no GPU is visible); use --cpu for a dry run"; exit 2; }
fi
log "torch $("$py" -c 'import torch; print(torch.__version__, "cuda", torch.version.cuda)'), device $device"

if ((!skip)); then
  cmakeArgs=(-S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DREMAP_BUILD_GUI=OFF -DREMAP_BUILD_TESTS=OFF)
  if ((!cpu)); then
    prefix=$("$py" -c 'import torch; print(torch.utils.cmake_prefix_path)')
    # The whole project must use the same libstdc++ string ABI as this LibTorch (pip wheels before 2.7 use
    # the old one); in this dedicated build folder that is a global flag on purpose.
    abi=$("$py" -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
    log "LibTorch from $prefix (cxx11 ABI $abi)"
    cmakeArgs+=(-DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_FLAGS="-D_GLIBCXX_USE_CXX11_ABI=$abi"
      -DCMAKE_EXE_LINKER_FLAGS="-Wl,--no-as-needed")  # keep libtorch_cuda.so linked: it registers CUDA
  fi
  command -v ccache > /dev/null && cmakeArgs+=(-DREMAP_USE_CCACHE=ON)
  cmake "${cmakeArgs[@]}" > "$out/cmake.log"
  cmake --build "$build" --target remap bench_inference bench_train bench_dataset -j"$jobs" > "$out/build.log"
fi
for exe in app/remap bench/bench_inference bench/bench_train bench/bench_dataset; do
  [[ -x "$build/$exe" ]] || { log "missing $build/$exe (build it, or drop --skip-build)"; exit 2; }
done
command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader |
  tee -a "$out/summary.txt" || true

# Reads one key path from a JSON file ("a.b.c"), printing "null" when it is absent.
jget() { "$py" -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v = v.get(k) if isinstance(v, dict) else None
print("null" if v is None else (f"{v:.4g}" if isinstance(v, float) else v))' "$1" "$2"; }

# 1. Inference: every variant in each round, rounds alternating C++ and Python; medians.
for batch in $batches; do
  report="$out/inference-$batch.json"
  "$build/bench/bench_inference" --device "$device" --precisions fp32,bf16 --batch "$batch" \
    --iterations "$iterations" --rounds "$rounds" --threads 1 --no-single --python "$py" > "$report"
  for v in cpp_network cpp_plan_fp32 cpp_plan_bf16 python_fp32 python_bf16; do
    log "inference batch $batch $v: $(jget "$report" batched.$v.spectra_per_second) spectra/s (median of $rounds)"
  done
  log "inference batch $batch: C++ bf16 / Python bf16 = $(jget "$report" ratios.cpp_plan_bf16_over_python_bf16)," \
    "C++ fp32 / Python fp32 = $(jget "$report" ratios.cpp_plan_fp32_over_python_fp32)"
done

# 2a. Training steps on identical batches, C++ against Python, over one epoch's worth of spectra.
steps=$(((rows + trainBatch - 1) / trainBatch))
((cpu)) && steps=3
report="$out/train-steps.json"
"$build/bench/bench_train" --device "$device" --batch "$trainBatch" --steps "$steps" --rounds "$rounds" \
  --threads 1 --python "$py" > "$report"
for side in cpp python; do
  sps=$(jget "$report" $side.spectra_per_second)
  log "training steps $side: $sps spectra/s (batch $trainBatch, $steps steps x $rounds rounds, median)" \
    "= $("$py" -c "import sys; s = '$sps'; print('%.2f' % ($rows / float(s)) if s != 'null' else 'null')") s" \
    "per $rows-spectrum epoch"
done
log "training steps: C++ / Python = $(jget "$report" cpp_over_python.spectra_per_second)," \
  "first-batch loss difference $(jget "$report" eval_loss_difference)"

# 2b. A real pretraining epoch of `remap train pretrain` on a generated training set of ROWS rows.
work="$out/epoch"
rm -rf "$work"
mkdir -p "$work"
"$build/bench/bench_dataset" "$rows" 0 "$work" > "$work/dataset.log"
cat > "$work/config.json" << EOF
{"mode": "pretrain", "model_name": "gpu-bench", "train_set": "$work/bench.h5", "validation_fraction": 0.02,
 "output_dir": "$work/run", "epochs": 1, "batch_size": $trainBatch, "seed": 1, "device": "$device",
 "reference_rows": 256, "log_every_steps": 50}
EOF
start=$(date +%s.%N)
"$build/app/remap" train pretrain --config "$work/config.json" --quiet --json > "$work/train.json"
end=$(date +%s.%N)
epochSeconds=$("$py" -c 'import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("type") == "epoch": print("%.2f" % r["seconds"])' "$work/run/record.jsonl" | tail -n 1)
log "remap train pretrain, $rows rows, batch $trainBatch: epoch $epochSeconds s (training), whole command" \
  "$("$py" -c "print('%.1f' % ($end - $start))") s (loading, validation, reference set, writing)"
log "reports in $out"
