#!/usr/bin/env bash
# The benchmark: each workload through raw C (ledger-bench-c) and through the Swift library
# (runledger-bench), alternately, several times, on ledgers made by the same migrations.
# Prints the median (and spread) of each side, the ratio Swift/C, and peak memory.
#
#   Scripts/bench.sh            the full sizes (W1 100,000 runs, W3/W4 on 1,000,000 runs...)
#   Scripts/bench.sh --smoke    tiny sizes, to check that everything runs (the test suite does)
#
# S1 serves the W3/W4 ledger with `runledger serve` and times each page and /metrics.
# F1 measures the change feed's subscriber: idle CPU (BENCH_FEED_IDLE seconds, 20) and the
# latency from a commit to its line.
#
# Sizes: BENCH_RUNS (W1), BENCH_W2 (W2 transitions), BENCH_LEDGER (W3/W4 ledger runs),
# BENCH_LOOKUPS (W3), BENCH_W5 (W5 transitions per process), BENCH_REPEAT (runs per side),
# BENCH_GROWTH (W6 sizes, space-separated).
#
# PostgreSQL (after SQLite; BENCH_ENGINES="sqlite postgres" by default, either alone works),
# on a throwaway server of its own (Scripts/postgres-server.sh), synchronous_commit on:
#   P1  durable transitions per second with 1, 4, 16 clients at once (BENCH_PG_CLIENTS), each
#       client its own connection and its own runs, each transition its own transaction:
#       runledger-bench-postgres (the library) against ledger-bench-pq (raw libpq, the same
#       statements: checked against the server's log_statement = all), and ledger-bench-pq on
#       a copy of the schema with its triggers dropped (what the rules cost);
#       BENCH_PG_TRANSITIONS (2000) transitions in all per measurement, spread over the clients
#   P2  history of random runs on a ledger of BENCH_PG_LEDGER (1,000,000) runs, 5 rows each:
#       median per lookup, library and raw libpq (BENCH_PG_LOOKUPS, 10,000 lookups)
#   P3  `stats` over that ledger through the library
# The large ledger is made without the rules (ledger-bench-pq fill --mode bulk: minutes
# faster); a small one (BENCH_PG_CHECK, 3,000 runs) is made both ways and must come out the
# same. BENCH_SCRATCH sets SwiftPM's scratch path (.build).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

if [ "${1:-}" = "--smoke" ]; then
    : "${BENCH_RUNS:=300}" "${BENCH_W2:=50}" "${BENCH_LEDGER:=500}" "${BENCH_LOOKUPS:=50}" "${BENCH_W5:=100}"
    : "${BENCH_REPEAT:=1}" "${BENCH_GROWTH:=200 500}" "${BENCH_FEED_IDLE:=2}"
fi
RUNS="${BENCH_RUNS:-100000}"
W2="${BENCH_W2:-5000}"
LEDGER="${BENCH_LEDGER:-1000000}"
LOOKUPS="${BENCH_LOOKUPS:-10000}"
W5="${BENCH_W5:-20000}"
REPEAT="${BENCH_REPEAT:-5}"
GROWTH="${BENCH_GROWTH:-10000 100000 1000000}"

ENGINES="${BENCH_ENGINES:-sqlite postgres}"
wants() { [[ " $ENGINES " == *" $1 "* ]]; }
if [ "${1:-}" = "--smoke" ]; then
    : "${BENCH_PG_TRANSITIONS:=48}" "${BENCH_PG_LEDGER:=2000}" "${BENCH_PG_LOOKUPS:=50}" "${BENCH_PG_CHECK:=300}"
fi
PG_CLIENTS="${BENCH_PG_CLIENTS:-1 4 16}"
PG_TRANSITIONS="${BENCH_PG_TRANSITIONS:-2000}"
PG_LEDGER="${BENCH_PG_LEDGER:-1000000}"
PG_LOOKUPS="${BENCH_PG_LOOKUPS:-10000}"
PG_CHECK="${BENCH_PG_CHECK:-3000}"
PG_RUNS=100  # runs per client in P1

Scripts/install-deps.sh
echo "== building (release)" >&2
build=(swift build -c release --scratch-path "${BENCH_SCRATCH:-.build}")
products=(runledger)
if wants sqlite; then products+=(runledger-bench ledger-bench-c); fi
if wants postgres; then products+=(runledger-bench-postgres ledger-bench-pq); fi
for product in "${products[@]}"; do "${build[@]}" --product "$product" >&2; done
bin="$("${build[@]}" --show-bin-path)"

work=$(mktemp -d)
pg_dir=""
cleanup() {
    if [ -n "$pg_dir" ]; then Scripts/postgres-server.sh stop "$pg_dir" || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
results="$work/results.jsonl"

record() {  # workload label, then the JSON line a bench program printed
    python3 -c 'import json, sys; r = json.loads(sys.argv[2]); r["label"] = sys.argv[1]; print(json.dumps(r))' "$1" "$2" >>"$results"
}

# The PostgreSQL benchmark (P1-P3 above), on a server of its own; prints its own table.
postgres_bench() {
    local pg_results="$work/pg-results.jsonl"
    # In /tmp, not $TMPDIR: the server's Unix socket lives in the directory, and its path is short.
    pg_dir=$(mktemp -d /tmp/runledger-bench-pg.XXXXXX)
    local uri server
    uri=$(Scripts/postgres-server.sh start "$pg_dir")
    server=${uri%/*}
    pg() { PGCONNECT_TIMEOUT=10 PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$@"; }
    precord() { results="$pg_results" record "$@"; }
    fresh_db() {  # NAME TEMPLATE: a new database, a copy of TEMPLATE (only then is it fresh)
        pg "$server/postgres" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1 TEMPLATE $2"
    }

    echo "== PostgreSQL: the template ledger, $PG_RUNS runs for each of up to 16 clients" >&2
    pg "$server/postgres" -c "CREATE DATABASE bench_template"
    "$bin/runledger" --db "$server/bench_template" init >/dev/null
    # Each client its own runs pq-<client>-<k> and its own job pq-<client>, so that clients
    # share no run and no stats row; made through the rules.
    pg "$server/bench_template" -c "
        INSERT INTO runs (id, job, lifecycle, state)
        SELECT 'pq-' || c || '-' || k, 'pq-' || c, 'canonical', 'PENDING'
        FROM generate_series(0, 15) AS c, generate_series(0, $PG_RUNS - 1) AS k ORDER BY c, k" -c "VACUUM ANALYZE"
    # The rules dropped: every trigger of the ledger's own (the internal ones of foreign keys
    # stay, as SQLite's foreign keys do), and the keys the triggers drew given as defaults.
    fresh_db bench_norules bench_template
    pg "$server/bench_norules" -At -c "
        SELECT format('DROP TRIGGER %I ON %s;', tgname, tgrelid::regclass) FROM pg_trigger WHERE NOT tgisinternal" \
        | pg "$server/bench_norules"
    pg "$server/bench_norules" -c "
        ALTER TABLE runs ALTER COLUMN num SET DEFAULT nextval('runs_num_seq');
        ALTER TABLE state_changes ALTER COLUMN seq SET DEFAULT nextval('state_changes_seq_seq');"
    [ "$(pg "$server/bench_norules" -At -c "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal")" = 0 ]

    # Runs a workload through both programs on copies of TEMPLATE with log_statement = all,
    # and fails unless both sent the same statements (from their first BEGIN on: opening
    # differs, the library checks the schema; prepared statements' names are left out).
    same_statements() {  # TEMPLATE, then the workload and its options
        local template=$1 log="$pg_dir/server.log" side offset program
        shift
        for side in swift c; do
            fresh_db bench_check "$template"
            pg "$server/postgres" -c "ALTER DATABASE bench_check SET log_statement = 'all'"
            offset=$(stat -c %s "$log")
            program=$([ "$side" = c ] && echo "$bin/ledger-bench-pq" || echo "$bin/runledger-bench-postgres")
            "$program" "$@" --uri "$server/bench_check" >/dev/null
            sleep 0.3
            tail -c +"$((offset + 1))" "$log" >"$work/log-$side"
        done
        pg "$server/postgres" -c "DROP DATABASE bench_check"
        python3 - "$work/log-swift" "$work/log-c" "$1" <<'PY'
import re, sys
def statements(path):
    out, current = [], None
    for line in open(path, encoding="utf-8", errors="replace"):
        if line.startswith("\t") and current is not None:
            current += "\n" + line.strip("\n")
            continue
        if current is not None: out.append(current)
        current = None
        m = re.search(r"LOG:  (?:statement|execute [^:]+): (.*)", line.rstrip("\n"))
        if m: current = m.group(1)
    if current is not None: out.append(current)
    return out[next(i for i, s in enumerate(out) if s.startswith("BEGIN")):]
swift, c = statements(sys.argv[1]), statements(sys.argv[2])
if swift != c:
    print(f"{sys.argv[3]}: the C program does not send what the library sends:", file=sys.stderr)
    print("library:\n  " + "\n  ".join(swift) + "\nC:\n  " + "\n  ".join(c), file=sys.stderr)
    sys.exit(1)
first = swift[:swift.index("COMMIT") + 1]
print(f"{sys.argv[3]}, both send: " + " | ".join(s.replace("\n", " ")[:70] for s in first), file=sys.stderr)
PY
    }

    echo "== PostgreSQL: what each side sends per transition (log_statement = all)" >&2
    same_statements bench_template transitions --clients 1 --operations 3 --runs "$PG_RUNS" --prefix pq

    echo "== P1: $PG_TRANSITIONS transitions, each its own transaction, with $PG_CLIENTS clients" >&2
    for clients in $PG_CLIENTS; do
        for i in $(seq "$REPEAT"); do
            for side in c swift norules; do
                fresh_db bench_run "$([ "$side" = norules ] && echo bench_norules || echo bench_template)"
                program=$([ "$side" = swift ] && echo "$bin/runledger-bench-postgres" || echo "$bin/ledger-bench-pq")
                line=$("$program" transitions --uri "$server/bench_run" --clients "$clients" \
                    --operations "$PG_TRANSITIONS" --runs "$PG_RUNS" --prefix pq)
                precord "P1-$clients$([ "$side" = norules ] && echo -norules)" "$line"
            done
        done
    done
    pg "$server/postgres" -c "DROP DATABASE bench_run"

    echo "== PostgreSQL: loading $PG_CHECK runs through the rules and without them, compared" >&2
    local digest="
        SELECT md5(string_agg(x, ',' ORDER BY x)) FROM (SELECT concat_ws('|', id, job, lifecycle, state, created_at,
            updated_at, ended_at, outcome, created_by, attempt) AS x FROM runs) AS t;
        SELECT md5(string_agg(x, ',' ORDER BY x)) FROM (SELECT concat_ws('|', r.id,
            row_number() OVER (PARTITION BY c.run_num ORDER BY c.seq), c.from_state, c.to_state, c.at, c.actor) AS x
            FROM state_changes AS c JOIN runs AS r ON r.num = c.run_num) AS t;
        SELECT md5(string_agg(x, ',' ORDER BY x)) FROM (SELECT concat_ws('|', job, lifecycle, state, outcome, bucket,
            runs, total_us, min_us, max_us) AS x FROM stats_run_durations) AS t;
        SELECT md5(string_agg(x, ',' ORDER BY x)) FROM (SELECT concat_ws('|', job, lifecycle, state, bucket, stays,
            total_us, min_us, max_us) AS x FROM stats_state_durations) AS t;"
    for mode in rules bulk; do
        pg "$server/postgres" -c "CREATE DATABASE check_$mode"
        "$bin/runledger" --db "$server/check_$mode" init >/dev/null
        line=$("$bin/ledger-bench-pq" fill --uri "$server/check_$mode" --runs "$PG_CHECK" --clients 2 --mode "$mode" \
            --base 1700000000000000)
        precord "load-$mode-check" "$line"
        pg "$server/check_$mode" -At -c "$digest" >"$work/digest-$mode"
    done
    cmp -s "$work/digest-rules" "$work/digest-bulk" \
        || { echo "loading without the rules gave another ledger than through them" >&2; exit 1; }
    echo "== PostgreSQL: what each side sends per history lookup (log_statement = all)" >&2
    same_statements check_bulk history --runs "$PG_CHECK" --lookups 3 --seed 1
    pg "$server/postgres" -c "DROP DATABASE check_rules" -c "DROP DATABASE check_bulk"

    echo "== P2/P3: a ledger of $PG_LEDGER runs (5 history rows each), loaded without the rules" >&2
    pg "$server/postgres" -c "CREATE DATABASE bench_ledger"
    "$bin/runledger" --db "$server/bench_ledger" init >/dev/null
    precord load-bulk "$("$bin/ledger-bench-pq" fill --uri "$server/bench_ledger" --runs "$PG_LEDGER" --mode bulk)"
    pg "$server/bench_ledger" -c "VACUUM ANALYZE"
    pg "$server/bench_ledger" -At -c "SELECT pg_database_size(current_database()), (SELECT count(*) FROM state_changes)" \
        | python3 -c 'import json, sys; b, r = sys.stdin.read().strip().split("|"); print(json.dumps({"label": "pg-size", "bytes": int(b), "history_rows": int(r)}))' >>"$pg_results"
    for i in $(seq "$REPEAT"); do
        for side in c swift; do
            program=$([ "$side" = c ] && echo "$bin/ledger-bench-pq" || echo "$bin/runledger-bench-postgres")
            precord P2 "$("$program" history --uri "$server/bench_ledger" --runs "$PG_LEDGER" --lookups "$PG_LOOKUPS" --seed "$i")"
        done
        precord P3 "$("$bin/runledger-bench-postgres" stats --uri "$server/bench_ledger")"
    done

    pg "$server/postgres" -At -F ' = ' -c "SELECT 'server', version()" -c "
        SELECT name, setting || coalesce(' ' || unit, '') FROM pg_settings
        WHERE name IN ('synchronous_commit', 'fsync', 'wal_sync_method', 'full_page_writes', 'shared_buffers',
                       'wal_buffers', 'max_wal_size', 'commit_delay', 'max_locks_per_transaction') ORDER BY name" \
        >"$work/pg-settings"
    Scripts/postgres-server.sh stop "$pg_dir"
    pg_dir=""

    echo "PostgreSQL: $(head -n 1 "$work/pg-settings" | cut -d' ' -f3-4)"
    echo "settings: $(tail -n +2 "$work/pg-settings" | paste -sd ';' | sed 's/;/; /g')"
    python3 - "$pg_results" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
def runs(label, side):
    return [r for r in rows if r.get("label") == label and r.get("side") == side]
def spread(xs):
    med = statistics.median(xs)
    return (max(xs) - min(xs)) / med * 50 if med else 0
def rate(label, side):
    return [r["operations"] / r["seconds"] for r in runs(label, side)]
print(f"{'PostgreSQL workload':<30} {'C':<24} {'Swift':<24} {'Swift/C':>7}")
clients = sorted({r["clients"] for r in rows if r.get("label", "").startswith("P1-")})
for n in clients:
    c, s, bare = rate(f"P1-{n}", "c"), rate(f"P1-{n}", "swift"), rate(f"P1-{n}-norules", "c")
    if not (c and s): continue
    errors = sum(r["errors"] for r in runs(f"P1-{n}", "c") + runs(f"P1-{n}", "swift") + runs(f"P1-{n}-norules", "c"))
    label = f"P1 {n} client{'s' if n > 1 else ''}"
    print(f"{label:<30} {statistics.median(c):>8.0f}/s (±{spread(c):.0f}%)       "
          f"{statistics.median(s):>8.0f}/s (±{spread(s):.0f}%)       {statistics.median(c) / statistics.median(s):>7.2f}"
          f"  errors: {errors}")
    if bare:
        lat = statistics.median([r["median_seconds"] for r in runs(f"P1-{n}", "c")])
        print(f"{'  C, rules dropped':<30} {statistics.median(bare):>8.0f}/s (±{spread(bare):.0f}%)"
              f"   rules: C with / C without {statistics.median(bare) / statistics.median(c):.2f}"
              f"; C latency p50 {lat * 1000:.2f} ms")
for label, title in (("P2", "P2 history p50"), ("P3", "P3 stats")):
    key = "median_seconds" if label == "P2" else "seconds"
    c, s = [r[key] for r in runs(label, "c")], [r[key] for r in runs(label, "swift")]
    if not s: continue
    cs = f"{statistics.median(c) * 1000:.3f} ms (±{spread(c):.0f}%)" if c else "-"
    ratio = f"{statistics.median(s) / statistics.median(c):.2f}" if c else "-"
    print(f"{title:<30} {cs:<24} {statistics.median(s) * 1000:.3f} ms (±{spread(s):.0f}%)      {ratio:>7}")
for r in rows:
    if r.get("label") == "load-bulk":
        print(f"PG ledger of {r['operations'] // 5} runs loaded (without the rules) in {r['seconds']:.1f} s")
    if r.get("label") == "pg-size":
        print(f"PG bytes per history row (whole database): {r['bytes'] / r['history_rows']:.1f}")
checks = {r["label"]: r for r in rows if r.get("label", "").endswith("-check")}
if "load-rules-check" in checks and "load-bulk-check" in checks:
    a, b = checks["load-rules-check"], checks["load-bulk-check"]
    print(f"PG load of {a['operations'] // 5} runs: through the rules {a['seconds']:.2f} s"
          f" ({a['operations'] / a['seconds']:.0f} rows/s, 2 loaders), without them {b['seconds']:.2f} s: same ledger")
PY
}

if ! wants sqlite; then
    if wants postgres; then postgres_bench; fi
    exit 0
fi

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

# S1: `runledger serve` on the largest ledger: each page and /metrics, requested over
# loopback one at a time after a warm-up, median response time (the server's time: the client
# only reads the answer). The raw C baseline beside it is W3's lookup of one run's history.
# (--max-jobs: the ledger holds the template's jobs too, over the default limit of 1,000.)
echo "== S1: runledger serve on $LEDGER runs: pages and /metrics" >&2
"$bin/runledger" --db "$work/ledger-$LEDGER.db" serve --listen 127.0.0.1:0 --max-jobs 100000 >"$work/serve.out" 2>"$work/serve.err" &
serve_pid=$!
python3 - "$work/serve.out" "$(printf 'fill-%08d' $((LEDGER / 2)))" "$REPEAT" >>"$results" <<'PY' || { kill "$serve_pid"; exit 1; }
import http.client, json, re, statistics, sys, time
out, run, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
for _ in range(300):
    m = re.search(r"listening on http://[^:]+:(\d+)", open(out).read())
    if m: break
    time.sleep(0.1)
else:
    sys.exit("S1: runledger serve did not start")
connection = http.client.HTTPConnection("127.0.0.1", int(m.group(1)), timeout=120)
pages = [("runs-page", "/"), ("run-page", f"/runs/{run}"), ("jobs-page", "/jobs"), ("timeline-page", "/timeline"),
         ("lifecycle-page", "/lifecycles/canonical"), ("metrics", "/metrics"), ("api-runs", "/api/v1/runs?limit=50")]
for label, path in pages:
    times = []
    for i in range(max(repeat, 5) + 1):
        start = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - start
        if response.status != 200:
            sys.exit(f"S1: GET {path} answered {response.status}: {body[:300]!r}")
        if i > 0: times.append(elapsed)  # the first warms the caches
    print(json.dumps({"label": "S1", "page": label, "path": path, "side": "serve",
                      "seconds": statistics.median(times), "bytes": len(body)}))
PY
kill "$serve_pid"; wait "$serve_pid" || true

# F1: the change feed's subscriber (`runledger tail --follow`): its CPU while nothing is
# written (seconds per minute, from /proc), and its latency from a commit (a plain INSERT by
# Python's sqlite3, timed after COMMIT returns) to the line on its stdout, median of 20.
echo "== F1: the feed's subscriber, idle and on a commit" >&2
fresh "$work/feed.db"
python3 - "$bin/runledger" "$work/feed.db" "${BENCH_FEED_IDLE:-20}" >>"$results" <<'PY'
import json, os, random, sqlite3, statistics, subprocess, sys, time
binary, db, idle = sys.argv[1], sys.argv[2], float(sys.argv[3])
subprocess.run([binary, "--db", db, "start", "feed", "--id", "f1"], check=True, stdout=subprocess.DEVNULL)
newest = sqlite3.connect(db).execute("SELECT max(seq) FROM state_changes").fetchone()[0]  # the template's rows too
tail = subprocess.Popen([binary, "--db", db, "tail", "--from", str(newest), "--follow"], stdout=subprocess.PIPE)
def cpu():  # user + system seconds of the subscriber so far
    fields = open(f"/proc/{tail.pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
time.sleep(1.0)
start_cpu, start = cpu(), time.perf_counter()
time.sleep(idle)
idle_cpu = (cpu() - start_cpu) / (time.perf_counter() - start) * 60
connection = sqlite3.connect(db, isolation_level=None, timeout=30)
state, latencies = "SCHEDULED", []
for i in range(20):
    target = "RUNNING" if state != "RUNNING" else "PENDING"
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("INSERT INTO state_history (run_id, from_state, to_state) VALUES ('f1', ?, ?)", (state, target))
    connection.execute("COMMIT")
    committed = time.perf_counter()
    line = tail.stdout.readline()
    latencies.append(time.perf_counter() - committed)
    assert json.loads(line)["to_state"] == target, line
    state = target
    time.sleep(random.uniform(0.01, 0.1))  # commits at random points of the poll interval
tail.terminate()
print(json.dumps({"label": "F1", "side": "feed", "idle_cpu_seconds_per_minute": idle_cpu,
                  "latency_median_seconds": statistics.median(latencies), "latency_max_seconds": max(latencies)}))
PY

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
    if r.get("label") == "F1":
        print(f"F1 feed subscriber: idle {r['idle_cpu_seconds_per_minute']:.3f} CPU s per minute; commit to line "
              f"{r['latency_median_seconds'] * 1000:.1f} ms median, {r['latency_max_seconds'] * 1000:.1f} ms max")
    if r.get("label") == "cli-history":
        print(f"runledger history on the largest ledger: {r['seconds'] * 1000:.1f} ms wall (median)")
w3c = values("W3", "c", "median_seconds")
for r in rows:
    if r.get("label") == "S1":
        ratio = f", {r['seconds'] / statistics.median(w3c):.0f}x C's history lookup" if w3c else ""
        print(f"S1 {r['page']:<15} GET {r['path']:<32} {r['seconds'] * 1000:7.1f} ms (median), {r['bytes']} bytes{ratio}")
for side in ("c", "swift"):
    w5 = [r for r in rows if r.get("label") == "W5" and r.get("side") == side]
    if w5:
        print(f"W5 {side}: {statistics.median([r['operations'] / r['seconds'] for r in w5]):.0f} transitions/s, errors: {sum(r['errors'] for r in w5)}")
PY

if wants postgres; then postgres_bench; fi
