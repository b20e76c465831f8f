#!/usr/bin/env bash
# Retention on a large ledger: a SQLite ledger of N runs (ledger-bench-c fill: 100 jobs, 5
# history rows per run, every run completed) pruned by 90% (prune --keep-last N/1000 per job),
# then vacuumed. Prints the file's size before and after, and the time of the dry run, the
# prune, the vacuum and verify.
#
#   Scripts/bench-retention.sh                  1,000,000 runs, release build
#   BENCH_RETENTION_RUNS=100000 BENCH_BUILD=debug Scripts/bench-retention.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"
runs="${BENCH_RETENTION_RUNS:-1000000}"
build="${BENCH_BUILD:-release}"
keep=$((runs / 1000))  # per job, of 100 jobs: 10% of the runs stay
work="$(mktemp -d /tmp/runledger-bench-retention.XXXXXX)"
trap 'rm -rf "$work"' EXIT

swift build -c "$build" --product runledger >&2
swift build -c "$build" --product ledger-bench-c >&2
bin="$(swift build -c "$build" --show-bin-path)"
db="$work/ledger.db"

seconds() { python3 -c 'import sys, time; print(f"{time.time() - float(sys.argv[1]):.1f}")' "$1"; }
size() { stat -c %s "$1" 2>/dev/null || echo 0; }
mb() { python3 -c 'import sys; print(f"{int(sys.argv[1]) / 1048576:.1f} MB")' "$1"; }

"$bin/runledger" --db "$db" init >/dev/null
start=$(date +%s.%N)
"$bin/ledger-bench-c" fill --db "$db" --runs "$runs" >/dev/null
sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
echo "fill: $runs runs in $(seconds "$start") s"
before=$(size "$db")
echo "file before: $(mb "$before") ($before bytes), WAL $(size "$db-wal") bytes"

start=$(date +%s.%N)
"$bin/runledger" --db "$db" prune --keep-last "$keep" --dry-run
echo "dry run: $(seconds "$start") s"

start=$(date +%s.%N)
"$bin/runledger" --db "$db" prune --keep-last "$keep"
echo "prune: $(seconds "$start") s"
echo "file after the prune: $(mb "$(size "$db")"), WAL $(mb "$(size "$db-wal")")"

start=$(date +%s.%N)
"$bin/runledger" --db "$db" prune --keep-last "$keep" --vacuum
echo "vacuum: $(seconds "$start") s"
after=$(size "$db")
echo "file after the vacuum: $(mb "$after") ($after bytes), WAL $(size "$db-wal") bytes"
echo "runs left: $(sqlite3 "$db" 'SELECT count(*) FROM runs')"

start=$(date +%s.%N)
"$bin/runledger" --db "$db" verify
echo "verify: $(seconds "$start") s"
