#!/usr/bin/env bash
# The whole test suite (README's test command; .ci/run calls it):
#   1. set-up + build (scripts/build.sh), then every test through CTest: GoogleTest binaries, the
#      lit/FileCheck tests, the end-to-end model tests, the ONNX conformance suite, pytest;
#   2. the sanitizer stage (as `scripts/test.sh --sanitize`): the ASan + UBSan build
#      (build-sanitize/) runs the C++ unit tests and the small end-to-end models;
#   3. the fuzz stage: every libFuzzer target, a fixed seeded sequence of inputs each (repeatable:
#      KILN_FUZZ_REPLAYABLE in scripts/fuzz.sh), capped at KILN_FUZZ_SECONDS (default 60) each.
# Options: --sanitize runs stage 2 only; --quick stage 1 only. Other arguments go to ctest.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JOBS="${KILN_JOBS:-$(nproc)}"
mode=all
if [ "${1:-}" = --sanitize ] || [ "${1:-}" = --quick ]; then mode="${1#--}"; shift; fi

sanitize_stage() {
  local build="${KILN_SANITIZE_BUILD_DIR:-$ROOT/build-sanitize}"
  # One folder for sanitized tests and fuzzing (scripts/fuzz.sh): fuzzing instrumentation only
  # adds coverage counters.
  KILN_BUILD_DIR="$build" KILN_CMAKE_ARGS="-DKILN_FUZZ=ON -DCMAKE_BUILD_TYPE=" "$ROOT/scripts/build.sh"
  echo "kiln test: sanitized (ASan + UBSan) unit tests and small end-to-end models"
  # Python-driven suites need the (unsanitized) extension module; the large models are slow here.
  ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:${ASAN_OPTIONS:-}" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}" \
    ctest --test-dir "$build" --output-on-failure -j "$JOBS" \
      -E '^(python_api|onnx_conformance|lit|e2e_(resnet18|mobilenet_v2|bert_like)|e2e_vulkan_(resnet18|mobilenet_v2|bert_like|squeezenet1_1))$' "$@"
}

if [ "$mode" = sanitize ]; then sanitize_stage "$@"; exit; fi
"$ROOT/scripts/build.sh"
BUILD="${KILN_BUILD_DIR:-$ROOT/build}"
ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS" "$@"
[ "$mode" = quick ] && exit
sanitize_stage
KILN_FUZZ_REPLAYABLE=1 "$ROOT/scripts/fuzz.sh" all "${KILN_FUZZ_SECONDS:-60}"
