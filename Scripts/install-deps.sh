#!/usr/bin/env bash
# Installs what runledger needs beyond the Swift 6 toolchain, where this machine lacks it
# (Debian packages): libsqlite3-dev (header and pkg-config file for the CSQLite target),
# pkg-config, the sqlite3 shell and python3 that the foreign-client tests drive, graphviz
# (dot), which renders the lifecycle diagrams in tests, and PostgreSQL 15: libpq-dev (header
# and pkg-config file for the CLibPQ target) and postgresql (the server, initdb, pg_ctl and
# psql, for the throwaway test server of Scripts/postgres-server.sh). Python packages live in
# virtual environments under .build/ (Scripts/openlineage-venv.sh, Scripts/psycopg-venv.sh),
# which Debian's python3 makes only with python3-venv. chromium and chromium-driver
# (chromedriver) run the browser tests of the server's pages, headless, through Selenium
# (Scripts/selenium-venv.sh).
set -euo pipefail

missing=()
for package in libsqlite3-dev pkg-config sqlite3 graphviz libpq-dev postgresql python3-venv chromium chromium-driver; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
command -v python3 >/dev/null 2>&1 || missing+=(python3)

if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
    echo "install-deps: no Swift toolchain on PATH (expected Swift 6 at /opt/swift/usr/bin)" >&2
    exit 1
fi
