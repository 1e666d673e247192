#!/usr/bin/env bash
# Runs a libFuzzer target of tests/fuzz for a bounded time:
#   scripts/fuzz.sh TARGET SECONDS     TARGET: onnx_import | artifact | tuning_db | tensor_proto | all
# Builds the sanitized fuzzing build (ASan + UBSan + libFuzzer, build-sanitize/; the same folder
# `scripts/test.sh --sanitize` tests), seeds each target's corpus from ONNX's node tests
# (libonnx-testdata), the shared models' reference tensors and tests/fuzz/seeds/, and keeps the
# corpus it grows in build-sanitize/fuzz/corpus/TARGET for the next run. A crash, a sanitizer
# report, a hang (over KILN_FUZZ_TIMEOUT s per input, default 20) or an out-of-memory (over
# KILN_FUZZ_RSS_MB) fails the run; its input is saved under build-sanitize/fuzz/crashes/TARGET/
# (replay: build-sanitize/fuzz/bin/fuzz_TARGET FILE). "all" gives each target SECONDS.
#
# KILN_FUZZ_REPLAYABLE=1 (what scripts/test.sh, and so CI, uses) makes the run repeatable: seeded
# (KILN_FUZZ_SEED, default 1), a fresh corpus from the seeds alone, a fixed number of inputs per
# target (RUNS below, about 45 s each on this 2-core machine; SECONDS caps a slower machine, which
# then runs a prefix of the same sequence), and nothing that differs between runs: a fixed scratch
# folder, address-space randomization off (setarch -R) and no comparison tracing (-use_cmp=0; it
# feeds values such as file metadata back into the mutations). So a CI run executes exactly the inputs a local
# `KILN_FUZZ_REPLAYABLE=1 scripts/fuzz.sh all 60` did: a new find shows up here first, not as a
# red CI run on unrelated work. Without it the run explores from the kept corpus (long runs).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGETS=(onnx_import artifact tuning_db tensor_proto)
declare -A RUNS=([onnx_import]=1500 [artifact]=50000 [tuning_db]=60000 [tensor_proto]=500000)
REPLAYABLE="${KILN_FUZZ_REPLAYABLE:-0}"
usage() { echo "usage: scripts/fuzz.sh {${TARGETS[*]// /|}|all} SECONDS" >&2; exit 2; }
[ $# -eq 2 ] || usage
[[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -gt 0 ] || usage
if [ "$1" = all ]; then SELECTED=("${TARGETS[@]}"); else SELECTED=("$1"); fi
for t in "${SELECTED[@]}"; do
  [[ " ${TARGETS[*]} " == *" $t "* ]] || { echo "scripts/fuzz.sh: unknown target '$t'" >&2; usage; }
done

BUILD="${KILN_SANITIZE_BUILD_DIR:-$ROOT/build-sanitize}"
KILN_BUILD_DIR="$BUILD" KILN_CMAKE_ARGS="-DKILN_FUZZ=ON -DCMAKE_BUILD_TYPE=" \
  KILN_BUILD_TARGETS="${SELECTED[*]/#/fuzz_}" "$ROOT/scripts/build.sh"

NODE_TESTS=/usr/share/libonnx-testdata/data/node
MODELS="${KILN_MODELS_DIR:-$ROOT/../shared/models}"
seed() { # TARGET DIR: fills DIR with the target's seed inputs
  local target="$1" dir="$2" i=0 f
  mkdir -p "$dir"
  case "$target" in
    onnx_import)
      for f in "$NODE_TESTS"/*/model.onnx; do cp "$f" "$dir/$(basename "$(dirname "$f")").onnx"; done ;;
    tensor_proto)
      for f in "$NODE_TESTS"/*/test_data_set_0/*.pb "$MODELS"/testdata/*/*.pb; do
        [ -f "$f" ] && [ "$(stat -c %s "$f")" -le 65536 ] || continue
        cp "$f" "$dir/$((i++)).pb"
      done ;;
    artifact) cp "$ROOT"/tests/fuzz/seeds/artifact/*.json "$dir/" ;;
    tuning_db) cp "$ROOT"/tests/fuzz/seeds/tuning_db/*.jsonl "$dir/" ;;
  esac
}

status=0
for t in "${SELECTED[@]}"; do
  out="$BUILD/fuzz"
  seeds="$out/seeds/$t" corpus="$out/corpus/$t" crashes="$out/crashes/$t/"
  [ -d "$seeds" ] || seed "$t" "$seeds"
  budget=() launch=() cwd="$out"
  if [ "$REPLAYABLE" = 1 ]; then
    corpus="$out/replay-corpus/$t" cwd="$out/replay-cwd"
    rm -rf "$corpus" "$cwd"
    mkdir -p "$cwd"
    budget=(-runs="${RUNS[$t]}" -use_cmp=0)
    # Relative to the fuzzer's working folder, so that the path is the same in any checkout.
    export KILN_FUZZ_SCRATCH=scratch
    if setarch "$(uname -m)" -R true 2>/dev/null; then launch=(setarch "$(uname -m)" -R); fi
  fi
  mkdir -p "$corpus" "$crashes"
  log="$out/$t.log"
  echo "fuzz $t: ${2} s (corpus $corpus, log $log)"
  set +e
  # detect_leaks=0: MLIR keeps process-lifetime singletons (registries, uniquers) by design.
  (cd "$cwd" &&
    ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:${ASAN_OPTIONS:-}" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}" \
      "${launch[@]}" "$out/bin/fuzz_$t" -max_total_time="$2" -timeout="${KILN_FUZZ_TIMEOUT:-20}" \
        -rss_limit_mb="${KILN_FUZZ_RSS_MB:-4096}" -max_len=1048576 -print_final_stats=1 \
        -seed="${KILN_FUZZ_SEED:-1}" "${budget[@]}" \
        -artifact_prefix="$crashes" "$corpus" "$seeds") >"$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  found=$(find "$crashes" -type f | wc -l)
  if [ $rc -ne 0 ]; then
    status=1
    echo "fuzz $t: FAILED (exit $rc) after $execs inputs; saved: $(find "$crashes" -type f | tr '\n' ' ')"
    grep -m1 -A25 -E "ERROR: (AddressSanitizer|libFuzzer|UndefinedBehavior)|runtime error:|==ERROR|Assertion" "$log" || tail -30 "$log"
  else
    echo "fuzz $t: $execs inputs (cap ${2} s), 0 crashes, 0 hangs ($found saved inputs from earlier runs in $crashes)"
  fi
done
exit $status
