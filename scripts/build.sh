#!/usr/bin/env bash
# Installs what Kiln needs (Debian packages), configures and builds everything into build/.
# Idempotent: a second run with nothing changed takes seconds.
# Environment: KILN_BUILD_DIR (default build/), KILN_CMAKE_ARGS (extra configure arguments, used
# when the folder is first configured), KILN_BUILD_TARGETS (build only these), KILN_JOBS.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${KILN_BUILD_DIR:-$ROOT/build}"
PACKAGES=(cmake ninja-build ccache clang-19 lld-19 llvm-19-dev libmlir-19-dev mlir-19-tools
  libxgboost-dev nlohmann-json3-dev libgtest-dev pybind11-dev libonnx-dev libprotobuf-dev
  protobuf-compiler python3-numpy python3-onnx python3-pytest libonnx-testdata llvm-19-tools
  libclang-rt-19-dev mesa-vulkan-drivers libvulkan-dev spirv-tools)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "kiln build: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=1
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/kiln-ccache}"
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -G Ninja -S "$ROOT" -B "$BUILD" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld -DCMAKE_SHARED_LINKER_FLAGS=-fuse-ld=lld \
    -DCMAKE_MODULE_LINKER_FLAGS=-fuse-ld=lld \
    -DPython_EXECUTABLE=/usr/bin/python3 ${KILN_CMAKE_ARGS:-}
fi
JOBS="${KILN_JOBS:-$(nproc)}"
# shellcheck disable=SC2086 # a list of target names
cmake --build "$BUILD" -j "$JOBS" ${KILN_BUILD_TARGETS:+--target $KILN_BUILD_TARGETS}
