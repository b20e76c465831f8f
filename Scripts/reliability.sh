#!/usr/bin/env bash
# Runs the reliability suites at a larger size than CI does and prints their figures:
# crash (SIGKILL loops with fsynced acknowledgements, under synchronous NORMAL and FULL),
# contention (4 processes x 2 threads, readers meanwhile), tamper (the catalogue of attacks
# by foreign clients), model-based (random operations against a model of the lifecycles) and
# bad input. Sizes can be set: RUNLEDGER_CRASH_KILLS (default here 200),
# RUNLEDGER_CONTENTION_OPERATIONS (2000), RUNLEDGER_MODEL_OPERATIONS (100000).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

Scripts/install-deps.sh
export RUNLEDGER_CRASH_KILLS="${RUNLEDGER_CRASH_KILLS:-200}"
export RUNLEDGER_CONTENTION_OPERATIONS="${RUNLEDGER_CONTENTION_OPERATIONS:-2000}"
export RUNLEDGER_MODEL_OPERATIONS="${RUNLEDGER_MODEL_OPERATIONS:-100000}"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
swift build --build-tests >/dev/null
swift test --filter 'CrashTests|ContentionTests|TamperTests|ModelTests|BadInputTests' 2>&1 | tee "$log" \
    | grep -E "suite|bad input|Test run|✘" || true
echo
echo "== figures"
grep -E "^(crash suite|contention suite|tamper suite|model suite|bad input)" "$log"
grep -q "✘" "$log" && { echo "reliability: FAILED" >&2; exit 1; }
grep -qE "Test run with [0-9]+ tests? .* passed" "$log" || { echo "reliability: no test ran" >&2; exit 1; }
echo "reliability: all suites passed"
