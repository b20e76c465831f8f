#!/usr/bin/env bash
# Makes (once) the Python virtual environment the PostgreSQL foreign-client tests use:
# psycopg 3 with its binary wheel (libpq included), from PyPI. Prints the environment's python.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=".build/psycopg-venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import psycopg, psycopg_binary" 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check "psycopg[binary]" >&2
fi
echo "$PWD/$venv/bin/python"
