#!/usr/bin/env bash
# Makes (once) the Python virtual environment the OpenLineage tests use: the real
# openlineage-python client, and jsonschema with its date-time and URI format checkers.
# Prints the environment's python.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=".build/openlineage-venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import openlineage.client, jsonschema, rfc3339_validator, rfc3987" 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check openlineage-python jsonschema rfc3339-validator rfc3987 >&2
fi
echo "$PWD/$venv/bin/python"
