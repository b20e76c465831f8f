#!/usr/bin/env bash
# Makes (once) the Python virtual environment the metrics tests use: the real Prometheus
# client library, whose text-format parser (prometheus_client.parser) reads what
# `runledger metrics` writes as a foreign check. Prints the environment's python.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=".build/prometheus-venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import prometheus_client.parser" 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check prometheus-client >&2
fi
echo "$PWD/$venv/bin/python"
