#!/usr/bin/env bash
# Batched deep-REMAP inference on a CUDA GPU: builds bench_inference against the CUDA LibTorch that comes
# with the python3 torch package and runs it (C++ and the Python reference, same model, same batches).
#
#   bench/gpu/run_gpu_bench.sh [BUILD_DIR] [BATCH...]      (defaults: build/gpu, batches 64 256 1024)
#
# Needs: a python3 whose torch has CUDA (PYTHON=/path/to/python3 to choose), numpy, and the C++ build
# dependencies of packaging/setup.sh except Qt and the Debian libtorch (cmake, ninja, CFITSIO, HDF5,
# Eigen, nlohmann-json, CLI11). Prints one JSON report per batch size (docs/benchmarks.md "Inference").
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build/gpu}
shift || true
batches=("$@")
((${#batches[@]})) || batches=(64 256 1024)
py=${PYTHON:-python3}

if ! "$py" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)'; then
  echo "run_gpu_bench: $py has no CUDA-enabled torch (or no GPU is visible)" >&2
  exit 2
fi
prefix=$("$py" -c 'import torch; print(torch.utils.cmake_prefix_path)')
# The whole project must use the same libstdc++ string ABI as this LibTorch (pip wheels before 2.7 use
# the old one); in this dedicated build folder that is a global flag on purpose.
abi=$("$py" -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
echo "run_gpu_bench: torch $("$py" -c 'import torch; print(torch.__version__, torch.version.cuda)') from $prefix (cxx11 ABI $abi)"

cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DREMAP_BUILD_GUI=OFF -DREMAP_BUILD_TESTS=OFF \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_FLAGS="-D_GLIBCXX_USE_CXX11_ABI=$abi" \
  -DCMAKE_EXE_LINKER_FLAGS="-Wl,--no-as-needed"  # keep libtorch_cuda.so linked: it registers the CUDA backend
cmake --build "$build" --target bench_inference -j"$(nproc)"

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
for batch in "${batches[@]}"; do
  "$build/bench/bench_inference" --device cuda --batch "$batch" --iterations 50 --repeat 20 --threads 1 --python "$py"
done
