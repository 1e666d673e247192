#!/usr/bin/env bash
# The whole test suite: set-up + build (scripts/build.sh), then every test through CTest:
# GoogleTest binaries, the lit/FileCheck tests and the end-to-end model tests.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/build.sh"
BUILD="${KILN_BUILD_DIR:-$ROOT/build}"
ctest --test-dir "$BUILD" --output-on-failure -j "${KILN_JOBS:-$(nproc)}" "$@"
