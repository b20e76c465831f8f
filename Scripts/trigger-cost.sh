#!/usr/bin/env bash
# What the rules cost per write, in instructions (valgrind's callgrind), on a deterministic
# workload (Scripts/trigger-workload.py): a fresh ledger with its triggers, and the same
# ledger with every trigger dropped. Instruction counts repeat from run to run where wall
# times do not; run it before and after a change of Migrations/sqlite/rules/.
#
#   Scripts/trigger-cost.sh [RUNS]     RUNS x 5 writes, 1,000 by default
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"
runs="${1:-1000}"
command -v valgrind >/dev/null || { echo "trigger-cost.sh: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
python=$(python3 -c 'import sys; print(sys.executable)')
swift build --product runledger >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$(swift build --show-bin-path)/runledger" --db "$work/rules.db" init >/dev/null
sqlite3 "$work/rules.db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
cp "$work/rules.db" "$work/none.db"
sqlite3 "$work/none.db" "SELECT 'DROP TRIGGER ' || name || ';' FROM sqlite_schema WHERE type = 'trigger'" | sqlite3 "$work/none.db"
count() {
    cp "$1" "$work/run.db"
    valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$python" Scripts/trigger-workload.py "$work/run.db" "$runs" \
        2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
with=$(count "$work/rules.db")
without=$(count "$work/none.db")
writes=$((runs * 5))
echo "instructions for $runs runs x 5 writes: with the rules $with, without $without"
echo "the rules per write: $(((with - without) / writes))"
