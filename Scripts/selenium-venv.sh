#!/usr/bin/env bash
# Makes (once) the Python virtual environment the browser tests use: Selenium from PyPI,
# which drives Debian's headless chromium through Debian's chromedriver (chromium-driver;
# Scripts/install-deps.sh installs both). Prints the environment's python.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=".build/selenium-venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import selenium.webdriver" 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check selenium >&2
fi
echo "$PWD/$venv/bin/python"
