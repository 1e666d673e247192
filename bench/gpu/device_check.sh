#!/usr/bin/env bash
# The GPU device check, run ON a lent GPU machine from the repository root, over what
# bench/gpu/prepare.sh put in the carry folder (no build there):
#   bash bench/gpu/device_check.sh [CARRY]          (CARRY: bench/gpu/carry)
# 1. correctness: each carried model run by kiln-run on the device, outputs compared with the
#    reference outputs (rtol 1e-3, atol 1e-4; compare_outputs.py);
# 2. timings: GEMM N^3 f32/f16 and ResNet-50 batch 1/8 in Kiln (kiln-run --repeat: end to end
#    with the input/output copies, and the kernels' device time from --profile) and in PyTorch
#    eager on the same GPU (torch_peer.py: cuBLAS / cuDNN), printed with the ratios.
# Results also go to $OUT/device_check.json when the device tool's $OUT is set. PYTHON picks the
# interpreter (default python3: the device image's, with torch and numpy).
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CARRY="${1:-$HERE/carry}"
PY="${PYTHON:-python3}"
RUN="$CARRY/bin/kiln-run"
export LD_LIBRARY_PATH="$CARRY/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
RESULTS="${OUT:-/tmp}/device_check.jsonl"
: >"$RESULTS"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
"$RUN" --help >/dev/null || { echo "device_check: $RUN does not start" >&2; exit 1; }
status=0

echo "== correctness"
for artifact in "$CARRY"/models/*.kiln; do
  [ -d "$artifact" ] || continue
  name="$(basename "$artifact" .kiln)"
  outputs="$(mktemp -d)"
  args=()
  for f in "$CARRY/testdata/$name"/input_*.pb; do args+=(--input "$f"); done
  names=$("$PY" -c "import json,sys; print(' '.join(o['name'] for o in json.load(open(sys.argv[1]))['outputs']))" "$artifact/manifest.json")
  ok=true verdict=""
  if "$RUN" "$artifact" "${args[@]}" --output-dir "$outputs" >"$outputs/log" 2>&1 &&
     verdict=$("$PY" "$HERE/compare_outputs.py" "$outputs" "$CARRY/testdata/$name" $names 2>&1); then
    echo "$name: $verdict"
  else
    ok=false status=1
    echo "$name: FAILED $verdict"; tail -5 "$outputs/log"
  fi
  echo "{\"check\": \"correctness\", \"model\": \"$name\", \"ok\": $ok}" >>"$RESULTS"
done

echo "== timings (median ms; kernels = device time of the kernels from --profile)"
printf "%-24s %10s %10s %10s %10s\n" workload "kiln e2e" "kiln kern" "pytorch" "pt/kern"
for artifact in "$CARRY"/perf/*.kiln; do
  [ -d "$artifact" ] || continue
  name="$(basename "$artifact" .kiln)"
  [ -f "$artifact/weights.fill.json" ] && "$PY" "$HERE/weights_split.py" fill "$artifact"
  log="$(mktemp)"
  if ! "$RUN" "$artifact" --repeat 30 --warmup 5 --profile >"$log" 2>&1; then
    status=1; echo "$name: kiln-run FAILED"; tail -5 "$log"; continue
  fi
  e2e=$(sed -n 's/^median_ms: *//p' "$log")
  kern=$(sed -n 's/^profile: .*steps, \([0-9.]*\) ms per run in kernels.*/\1/p' "$log")
  case "$name" in
    gemm_*) n="${name#gemm_}"; peer=$("$PY" "$HERE/torch_peer.py" gemm "${n%_*}" "${n##*_}") ;;
    resnet50_b*) peer=$("$PY" "$HERE/torch_peer.py" resnet50 "${name#resnet50_b}") ;;
    *) peer="" ;;
  esac
  pt=$(echo "$peer" | "$PY" -c "import json,sys; t=sys.stdin.read().strip(); print(json.loads(t)['median_ms'] if t else 'nan')")
  ratio=$("$PY" -c "import sys; p,k=float(sys.argv[1]),float(sys.argv[2] or 'nan'); print(f'{p/k:.2f}')" "$pt" "${kern:-nan}")
  printf "%-24s %10s %10s %10.3f %10s\n" "$name" "$e2e" "${kern:-?}" "$pt" "$ratio"
  echo "{\"check\": \"timing\", \"workload\": \"$name\", \"kiln_e2e_ms\": ${e2e:-null}, \"kiln_kernels_ms\": ${kern:-null}, \"peer\": ${peer:-null}}" >>"$RESULTS"
done
echo "results: $RESULTS"
exit $status
