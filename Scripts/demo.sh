#!/usr/bin/env bash
# The runledger demo: drives runs of several lifecycles through legal and refused
# transitions on a fresh demo ledger, and shows a history. The ledger is kept for you to
# explore (its path is printed at the end), and `runledger serve` is left running on it:
# the last line is the URL of its pages.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

Scripts/install-deps.sh
echo "== building runledger"
swift build --product runledger 2>&1 | tail -1
bin="$(swift build --show-bin-path)/runledger"

demo_dir="${TMPDIR:-/tmp}/runledger-demo"
mkdir -p "$demo_dir"
export RUNLEDGER_DB="$demo_dir/demo.db"
rm -f "$RUNLEDGER_DB" "$RUNLEDGER_DB-wal" "$RUNLEDGER_DB-shm"
export RUNLEDGER_ACTOR="demo@$(hostname)"

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*" >&2; "$@"; }
refused() {
    printf '$ %s\n' "$*" >&2
    if "$@"; then echo "(unexpectedly accepted)"; exit 1; else echo "(refused, exit $?)"; fi
}

say "A new ledger, with the six built-in lifecycles"
show "$bin" init

say "Prefect: a flow run that fails, waits, and succeeds on its retry"
flow=$(show "$bin" start nightly-etl --lifecycle prefect --reason "cron 02:00")
echo "$flow"
show "$bin" transition "$flow" Pending
show "$bin" transition "$flow" Running --expect Pending
show "$bin" transition "$flow" AwaitingRetry --reason "ConnectionResetError; 2 retries left"
show "$bin" transition "$flow" Retrying
show "$bin" transition "$flow" Completed --meta '{"rows_loaded": 18211}'

say "Prefect refuses what its server would: a Completed run cannot start again"
refused "$bin" transition "$flow" Running

say "Databricks: a job run goes from PENDING straight to TERMINATING? No."
job=$(show "$bin" start warehouse-refresh --lifecycle databricks)
echo "$job"
refused "$bin" transition "$job" TERMINATING
show "$bin" transition "$job" RUNNING
show "$bin" transition "$job" TERMINATING
show "$bin" transition "$job" TERMINATED --meta '{"result_state": "SUCCESS"}'

say "Databricks allows one active run per job: a second trigger is skipped at once"
second=$(show "$bin" start warehouse-refresh-2 --lifecycle databricks)
echo "$second"
again=$(show "$bin" start warehouse-refresh-2 --lifecycle databricks)
echo "$again"
show "$bin" runs --job warehouse-refresh-2

say "Dependencies: a load waits for its extract, and is released when it completes"
extract=$(show "$bin" start extract --lifecycle databricks)
echo "$extract"
load=$(show "$bin" start load --lifecycle databricks --upstream "$extract")
echo "$load"
refused "$bin" transition "$load" RUNNING
show "$bin" transition "$extract" RUNNING
show "$bin" transition "$extract" TERMINATED --outcome SUCCESS
show "$bin" history "$load"

say "Compare-and-set: two schedulers race to move the same run; only one wins"
race=$(show "$bin" start render --lifecycle domino)
echo "$race"
show "$bin" transition "$race" Scheduled --expect Queued
refused "$bin" transition "$race" Scheduled --expect Queued

say "Any SQL client is held to the same rules: the sqlite3 shell tries to rewrite history"
printf '$ sqlite3 demo.db "UPDATE state_history SET to_state = '"'"'Failed'"'"' ..."\n'
if sqlite3 "$RUNLEDGER_DB" "UPDATE state_history SET to_state = 'Failed' WHERE run_id = '$flow';"; then
    echo "(unexpectedly accepted)"; exit 1
else
    echo "(refused by the file's own triggers)"
fi
printf '$ sqlite3 demo.db "UPDATE runs SET state = '"'"'Succeeded'"'"' ..."\n'
if sqlite3 "$RUNLEDGER_DB" "UPDATE runs SET state = 'Succeeded' WHERE id = '$race';"; then
    echo "(unexpectedly accepted)"; exit 1
else
    echo "(refused by the file's own triggers)"
fi

say "OpenCue: actions name their edges; a killed job comes back only through retry"
frame=$(show "$bin" start comp-shot-040 --lifecycle opencue)
echo "$frame"
show "$bin" transition "$frame" running
refused "$bin" transition "$frame" pending
show "$bin" act "$frame" kill --reason "wrong frame range"
refused "$bin" transition "$frame" pending
show "$bin" act "$frame" retry --expect killed

say "The flow run's history"
show "$bin" history "$flow"

say "The same, as JSON"
show "$bin" history "$flow" --format json

printf '\nThe demo ledger is %s; try: RUNLEDGER_DB=%s %s history %s\n' "$RUNLEDGER_DB" "$RUNLEDGER_DB" "$bin" "$flow"

say "The pages: runledger serve on the demo ledger, left running for you"
# Port 5000 if it is free, else one the system picks; the start line names it.
serve_log="$demo_dir/serve.log"
listen="127.0.0.1:5000"
if (exec 3<>/dev/tcp/127.0.0.1/5000) 2>/dev/null; then listen="127.0.0.1:0"; fi
nohup "$bin" serve --listen "$listen" >"$serve_log" 2>&1 &
serve_pid=$!
url=""
for _ in $(seq 1 100); do
    url=$(grep -o 'http://[^ ]*' "$serve_log" 2>/dev/null | head -1 || true)
    [ -n "$url" ] && break
    kill -0 "$serve_pid" 2>/dev/null || { cat "$serve_log" >&2; exit 1; }
    sleep 0.1
done
[ -n "$url" ] || { echo "runledger serve printed no address" >&2; exit 1; }
printf 'Runs %s/   a run %s/runs/%s   jobs %s/jobs   metrics %s/metrics\n' "$url" "$url" "$flow" "$url" "$url"
printf 'runledger serve (pid %s) is running on the demo ledger; stop it with: kill %s\n' "$serve_pid" "$serve_pid"
echo "$url"
