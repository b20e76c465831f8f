#!/usr/bin/env bash
# The benchmark: each workload through raw C (ledger-bench-c) and through the Swift library
# (runledger-bench), alternately, several times, on ledgers made by the same migrations.
# Prints the median (and spread) of each side, the ratio Swift/C, and peak memory.
#
#   Scripts/bench.sh            the full sizes (W1 100,000 runs, W3/W4 on 1,000,000 runs...)
#   Scripts/bench.sh --smoke    tiny sizes, to check that everything runs (the test suite does)
#
# Sizes: BENCH_RUNS (W1), BENCH_W2 (W2 transitions), BENCH_LEDGER (W3/W4 ledger runs),
# BENCH_LOOKUPS (W3), BENCH_W5 (W5 transitions per process), BENCH_REPEAT (runs per side),
# BENCH_GROWTH (W6 sizes, space-separated).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

if [ "${1:-}" = "--smoke" ]; then
    : "${BENCH_RUNS:=300}" "${BENCH_W2:=50}" "${BENCH_LEDGER:=500}" "${BENCH_LOOKUPS:=50}" "${BENCH_W5:=100}"
    : "${BENCH_REPEAT:=1}" "${BENCH_GROWTH:=200 500}"
fi
RUNS="${BENCH_RUNS:-100000}"
W2="${BENCH_W2:-5000}"
LEDGER="${BENCH_LEDGER:-1000000}"
LOOKUPS="${BENCH_LOOKUPS:-10000}"
W5="${BENCH_W5:-20000}"
REPEAT="${BENCH_REPEAT:-5}"
GROWTH="${BENCH_GROWTH:-10000 100000 1000000}"

Scripts/install-deps.sh
echo "== building (release)" >&2
swift build -c release --product runledger >&2
swift build -c release --product runledger-bench >&2
swift build -c release --product ledger-bench-c >&2
bin="$(swift build -c release --show-bin-path)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
results="$work/results.jsonl"

# The template ledger: the migrations, 1,000 runs for W2, 16 for W5.
"$bin/runledger" --db "$work/template.db" init >/dev/null
sqlite3 "$work/template.db" "
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999)
    INSERT INTO runs (id, job, lifecycle, state) SELECT 'w2-' || i, 'w2-' || i, 'canonical', 'PENDING' FROM n;
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 15)
    INSERT INTO runs (id, job, lifecycle, state) SELECT 'w5-' || i, 'w5-' || i, 'canonical', 'PENDING' FROM n;
    PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null

fresh() {  # a copy of the template, with no WAL of an earlier run
    rm -f "$1" "$1-wal" "$1-shm"
    cp "$work/template.db" "$1"
}

record() {  # workload label, then the JSON line a bench program printed
    python3 -c 'import json, sys; r = json.loads(sys.argv[2]); r["label"] = sys.argv[1]; print(json.dumps(r))' "$1" "$2" >>"$results"
}

echo "== W1: $RUNS runs x (start + 4 transitions), 1,000 operations per transaction" >&2
for i in $(seq "$REPEAT"); do
    fresh "$work/w1.db"; record W1 "$("$bin/ledger-bench-c" w1 --db "$work/w1.db" --runs "$RUNS")"
    fresh "$work/w1.db"; record W1 "$("$bin/runledger-bench" w1 --db "$work/w1.db" --runs "$RUNS")"
    fresh "$work/nt.db"
    sqlite3 "$work/nt.db" "SELECT 'DROP TRIGGER ' || name || ';' FROM sqlite_schema WHERE type = 'trigger'" | sqlite3 "$work/nt.db"
    record W1-no-triggers "$("$bin/ledger-bench-c" w1 --db "$work/nt.db" --runs "$RUNS")"
done
sqlite3 "$work/w1.db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
rows=$(sqlite3 "$work/w1.db" "SELECT count(*) FROM state_changes")
bytes=$(stat -c %s "$work/w1.db")
echo "{\"label\": \"size\", \"bytes\": $bytes, \"history_rows\": $rows}" >>"$results"

echo "== W2: $W2 transitions, each its own transaction" >&2
for sync in normal full; do
    for i in $(seq "$REPEAT"); do
        fresh "$work/w2.db"; record "W2-$sync" "$("$bin/ledger-bench-c" w2 --db "$work/w2.db" --operations "$W2" --sync "$sync")"
        fresh "$work/w2.db"; record "W2-$sync" "$("$bin/runledger-bench" w2 --db "$work/w2.db" --operations "$W2" --sync "$sync")"
    done
done

for size in $GROWTH $LEDGER; do
    [ -f "$work/ledger-$size.db" ] && continue
    echo "== a ledger of $size runs" >&2
    fresh "$work/ledger-$size.db"
    "$bin/ledger-bench-c" fill --db "$work/ledger-$size.db" --runs "$size" >/dev/null
    sqlite3 "$work/ledger-$size.db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
done

for size in $(echo "$GROWTH $LEDGER" | tr ' ' '\n' | sort -nu); do
    label=$([ "$size" = "$LEDGER" ] && echo "" || echo "-$size")
    echo "== W3/W4 on $size runs" >&2
    for i in $(seq "$REPEAT"); do
        record "W3$label" "$("$bin/ledger-bench-c" w3 --db "$work/ledger-$size.db" --runs "$size" --lookups "$LOOKUPS" --seed "$i")"
        record "W3$label" "$("$bin/runledger-bench" w3 --db "$work/ledger-$size.db" --runs "$size" --lookups "$LOOKUPS" --seed "$i")"
        record "W4$label" "$("$bin/ledger-bench-c" w4 --db "$work/ledger-$size.db")"
        record "W4$label" "$("$bin/runledger-bench" w4 --db "$work/ledger-$size.db")"
    done
    if [ "$size" = "$LEDGER" ]; then
        id=$(printf 'fill-%08d' $((size / 2)))
        python3 - "$bin/runledger" "$work/ledger-$size.db" "$id" "$REPEAT" >>"$results" <<'PY'
import json, subprocess, sys, time
binary, db, run, repeat = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
times = []
for _ in range(max(repeat, 5)):
    start = time.perf_counter()
    subprocess.run([binary, "--db", db, "history", run], check=True, stdout=subprocess.DEVNULL)
    times.append(time.perf_counter() - start)
print(json.dumps({"label": "cli-history", "side": "cli", "seconds": sorted(times)[len(times) // 2]}))
PY
    fi
done

echo "== W5: 4 processes x $W5 transitions on one file" >&2
for i in $(seq "$REPEAT"); do
    for side in c swift; do
        fresh "$work/w5.db"
        program=$([ "$side" = c ] && echo "$bin/ledger-bench-c" || echo "$bin/runledger-bench")
        start=$(date +%s.%N)
        pids=()
        for p in 1 2 3 4; do
            "$program" contend --db "$work/w5.db" --operations "$W5" --seed "$p" >"$work/w5-$p.json" &
            pids+=($!)
        done
        for pid in "${pids[@]}"; do wait "$pid"; done
        end=$(date +%s.%N)
        errors=$(cat "$work"/w5-*.json | python3 -c 'import json, sys; print(sum(json.loads(l)["errors"] for l in sys.stdin))')
        echo "{\"label\": \"W5\", \"side\": \"$side\", \"seconds\": $(python3 -c "print($end - $start)"), \"operations\": $((W5 * 4)), \"errors\": $errors, \"peak_rss_kb\": 0}" >>"$results"
    done
done

python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
def values(label, side, key="seconds"):
    return [r[key] for r in rows if r.get("label") == label and r.get("side") == side]
def fmt(xs):
    if not xs: return "-"
    med = statistics.median(xs)
    spread = (max(xs) - min(xs)) / med * 100 if med else 0
    return f"{med:.4g} s (±{spread / 2:.0f}%)" if med >= 0.001 else f"{med * 1e6:.1f} µs (±{spread / 2:.0f}%)"
print(f"{'workload':<22} {'C median':<22} {'Swift median':<22} {'Swift/C':>8}  {'peak RSS C / Swift':>20}")
labels = []
for r in rows:
    if r.get("label") not in labels and r.get("side") in ("c", "swift"):
        labels.append(r["label"])
for label in labels:
    key = "median_seconds" if label.startswith("W3") else "seconds"
    c, s = values(label, "c", key), values(label, "swift", key)
    ratio = f"{statistics.median(s) / statistics.median(c):.2f}" if c and s and statistics.median(c) else "-"
    rss = f"{max(values(label, 'c', 'peak_rss_kb') or [0]) // 1024} / {max(values(label, 'swift', 'peak_rss_kb') or [0]) // 1024} MiB"
    print(f"{label:<22} {fmt(c):<22} {fmt(s):<22} {ratio:>8}  {rss:>20}")
with_triggers, without = values("W1", "c"), values("W1-no-triggers", "c")
if with_triggers and without:
    print(f"W1 C with triggers / C without: {statistics.median(with_triggers) / statistics.median(without):.2f}")
for r in rows:
    if r.get("label") == "size":
        print(f"bytes per history row (W1 ledger): {r['bytes'] / r['history_rows']:.1f}")
    if r.get("label") == "cli-history":
        print(f"runledger history on the largest ledger: {r['seconds'] * 1000:.1f} ms wall (median)")
for side in ("c", "swift"):
    w5 = [r for r in rows if r.get("label") == "W5" and r.get("side") == side]
    if w5:
        print(f"W5 {side}: {statistics.median([r['operations'] / r['seconds'] for r in w5]):.0f} transitions/s, errors: {sum(r['errors'] for r in w5)}")
PY
