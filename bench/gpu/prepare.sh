#!/usr/bin/env bash
# Prepares what bench/gpu/device_check.sh needs on a lent GPU machine (which has no Debian
# packages and must not build): GPU artifacts compiled here, kiln-run and the runtime library
# (no LLVM/MLIR) and the reference inputs/outputs, under one git-ignored folder to carry (the
# device tool's `carry`, 64 MiB at most); the scripts themselves are tracked files.
#   bench/gpu/prepare.sh [--target cuda|vulkan] [--models "squeezenet1_1 mobilenet_v2 ..."]
#                        [--gemm N] [--no-resnet50] [--out bench/gpu/carry]
# Defaults: cuda; squeezenet1_1 mobilenet_v2 bert_like mlp (resnet18's 45 MB weights do not
# fit beside them: prepare it alone with --models resnet18 for a second device call); GEMM
# 4096^3 f32 and f16; ResNet-50 batch 1 and 8 (float weights regenerated on the device:
# weights_split.py). --target vulkan prepares the same for lavapipe, to test this flow here.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TARGET=cuda MODELS="squeezenet1_1 mobilenet_v2 bert_like mlp" GEMM=4096 RESNET=1
OUT="$ROOT/bench/gpu/carry"
while [ $# -gt 0 ]; do
  case "$1" in
    --target) TARGET="$2"; shift 2 ;;
    --models) MODELS="$2"; shift 2 ;;
    --gemm) GEMM="$2"; shift 2 ;;
    --no-resnet50) RESNET=0; shift ;;
    --out) OUT="$2"; shift 2 ;;
    *) echo "bench/gpu/prepare.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
BIN="${KILN_BUILD_DIR:-$ROOT/build}/bin"
LIB="${KILN_BUILD_DIR:-$ROOT/build}/lib"
SHARED="${KILN_MODELS_DIR:-$ROOT/../shared/models}"
[ -x "$BIN/kiln-compile" ] || { echo "no $BIN/kiln-compile: run scripts/build.sh first" >&2; exit 1; }
rm -rf "$OUT"
mkdir -p "$OUT/bin" "$OUT/lib" "$OUT/models" "$OUT/testdata" "$OUT/perf" "$OUT/work"
cp "$BIN/kiln-run" "$OUT/bin/"
cp -L "$LIB/libkiln_runtime.so.0" "$OUT/lib/"
compile() { # ONNX ARTIFACT [kiln-compile options]
  local onnx="$1" artifact="$2"; shift 2
  echo "prepare: $(basename "$artifact") ($TARGET)"
  "$BIN/kiln-compile" "$onnx" -o "$artifact" --target "$TARGET" --quiet "$@"
}
for m in $MODELS; do
  compile "$SHARED/$m.onnx" "$OUT/models/$m.kiln"
  cp -r "$SHARED/testdata/$m" "$OUT/testdata/$m"
done
/usr/bin/python3 "$ROOT/bench/gpu/make_workloads.py" "$OUT/work" --gemm "$GEMM" \
  $([ "$RESNET" = 1 ] && echo --resnet50)
for dt in f32 f16; do compile "$OUT/work/gemm_$dt.onnx" "$OUT/perf/gemm_${GEMM}_$dt.kiln"; done
if [ "$RESNET" = 1 ]; then
  for b in 1 8; do
    compile "$OUT/work/resnet50.onnx" "$OUT/perf/resnet50_b$b.kiln" --input-shape "input=$b,3,224,224"
    /usr/bin/python3 "$ROOT/bench/gpu/weights_split.py" split "$OUT/perf/resnet50_b$b.kiln"
  done
fi
rm -rf "$OUT/work"
size=$(du -sm "$OUT" | cut -f1)
echo "prepare: $OUT holds $size MiB"
if [ "$size" -gt 63 ]; then
  echo "prepare: over the device tool's 64 MiB carry limit: prepare fewer models (--models)" >&2
  exit 1
fi
