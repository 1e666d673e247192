#!/usr/bin/env bash
# The main job on a bundled model: set-up + build, compile the model ahead of time, run it on
# its reference input and print the top outputs and the median latency.
#   scripts/demo.sh [MODEL.onnx [INPUT.pb]]   (default: models/squeezenet1_1.onnx)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/build.sh"
BUILD="${KILN_BUILD_DIR:-$ROOT/build}"
MODEL="${1:-$ROOT/models/squeezenet1_1.onnx}"
INPUT="${2:-}"
if [ -z "$INPUT" ] && [ "$MODEL" = "$ROOT/models/squeezenet1_1.onnx" ]; then
  INPUT="$ROOT/models/testdata/squeezenet1_1/input_0.pb"
fi
ARTIFACT="$BUILD/demo/$(basename "${MODEL%.onnx}").kiln"
mkdir -p "$BUILD/demo"
"$BUILD/bin/kiln-compile" "$MODEL" -o "$ARTIFACT"
RUN_ARGS=("$ARTIFACT" --repeat 50 --threads "${KILN_THREADS:-$(nproc)}")
[ -n "$INPUT" ] && RUN_ARGS+=(--input "$INPUT")
"$BUILD/bin/kiln-run" "${RUN_ARGS[@]}"
