#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests.
#
#   Scripts/postgres-server.sh start DIR   makes a cluster in DIR (empty or absent), starts it and
#                                          prints its libpq connection URI on stdout
#   Scripts/postgres-server.sh stop DIR    stops it and removes DIR (nothing to do if DIR is gone;
#                                          an empty DIR is just removed, anything else is refused)
#
# The server listens on 127.0.0.1 only, on a port the OS reports free, with its Unix socket in
# DIR; it trusts every connection (loopback TCP and that socket: the cluster is throwaway and
# holds only test data). Its superuser is `runledger`, its database `runledger_test`. fsync and
# synchronous_commit keep their defaults (on), so commits cost what they cost in production.
# initdb and postgres refuse to run as root: as root, the cluster belongs to the `postgres` user
# (which Debian's postgresql package creates) and every server command runs as that user. Every
# wait is bounded; on failure the script prints the server's log and leaves nothing running.
#
# PostgreSQL's programs come from /usr/lib/postgresql/15/bin (Debian's postgresql-15), or from
# $RUNLEDGER_POSTGRES_BIN.
set -euo pipefail

usage() {
    echo "usage: $0 start DIR | stop DIR" >&2
    exit 64
}
[ $# -eq 2 ] || usage
command=$1
dir=$2
[ -n "$dir" ] || usage

pgbin=${RUNLEDGER_POSTGRES_BIN:-/usr/lib/postgresql/15/bin}
role=runledger
database=runledger_test
# Marks a directory this script made, so that `stop` never removes anything else.
marker=.runledger-postgres-server

fail() {
    echo "postgres-server: $*" >&2
    exit 1
}

# Runs a PostgreSQL program as the cluster's owner: `postgres` when we are root, else ourselves.
# From inside DIR, since the owner may not be allowed into the caller's working directory.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd "$dir" && runuser -u postgres -- "$@")
    else
        (cd "$dir" && "$@")
    fi
}

# The last lines of the server's log, or of initdb's if the server never ran, to stderr.
show_logs() {
    local log="$dir/server.log"
    [ -s "$log" ] || log="$dir/initdb.log"
    if [ -s "$log" ]; then
        echo "postgres-server: last lines of $log:" >&2
        tail -n 30 "$log" | sed 's/^/    /' >&2
    fi
}

stop_server() {
    [ -f "$dir/data/postmaster.pid" ] || return 0
    as_owner "$pgbin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 && return 0
    echo "postgres-server: a fast stop failed or took over 30 s; stopping immediately" >&2
    as_owner "$pgbin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 && return 0
    local pid
    pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        echo "postgres-server: killing postmaster $pid" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
}

# At the exit of a start that failed: the logs, then nothing left running and no directory.
abandon_start() {
    local status=$?
    if [ "$status" -ne 0 ]; then
        show_logs
        stop_server
        rm -rf "$dir"
    fi
}

# A TCP port on 127.0.0.1 that nothing uses now, as the OS hands them out.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
    [ -x "$pgbin/initdb" ] && [ -x "$pgbin/pg_ctl" ] && [ -x "$pgbin/psql" ] \
        || fail "no PostgreSQL programs in $pgbin (install Debian's postgresql, e.g. with Scripts/install-deps.sh)"
    command -v python3 >/dev/null 2>&1 || fail "python3 is needed to find a free port"
    if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
        fail "$dir is not empty: give start a new or empty directory"
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd -P)
    chmod 700 "$dir"
    touch "$dir/$marker"
    # From here on, a failure shows the logs, stops whatever started and removes the directory.
    trap abandon_start EXIT
    # The socket's path, $dir/.s.PGSQL.NNNNN, must fit in sun_path (107 bytes on Linux).
    [ ${#dir} -le 90 ] || fail "$dir is too long a path for the server's Unix socket (at most 90 characters)"
    if [ "$(id -u)" -eq 0 ]; then
        id -u postgres >/dev/null 2>&1 \
            || fail "as root, the cluster needs the postgres system user (Debian's postgresql package creates it)"
        chown -R postgres:postgres "$dir"
        runuser -u postgres -- test -w "$dir" \
            || fail "the postgres user cannot write to $dir (can it reach every directory above it?)"
    fi

    # C collation (byte order, as SQLite's BINARY), UTF-8.
    if ! as_owner timeout 120 "$pgbin/initdb" -D "$dir/data" -U "$role" --auth=trust --encoding=UTF8 --no-locale \
        >"$dir/initdb.log" 2>&1; then
        fail "initdb failed or took over 120 s"
    fi
    # Trust, but only for the socket in DIR and for loopback TCP; listen on nothing else.
    cat >"$dir/data/pg_hba.conf" <<EOF
# runledger's throwaway test cluster (Scripts/postgres-server.sh)
local all all trust
host all all 127.0.0.1/32 trust
EOF
    echo "include 'runledger-test.conf'" >>"$dir/data/postgresql.conf"
    if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir/data/pg_hba.conf"; fi

    # A port can be taken between asking and binding: then try another one.
    local port=""
    for _ in 1 2 3 4 5; do
        port=$(free_port)
        cat >"$dir/data/runledger-test.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
EOF
        if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir/data/runledger-test.conf"; fi
        : >"$dir/server.log"
        if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir/server.log"; fi
        if as_owner "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >/dev/null 2>&1; then
            break
        fi
        stop_server
        if ! grep -q "Address already in use" "$dir/server.log"; then
            fail "pg_ctl start failed or the server was not ready within 30 s"
        fi
        echo "postgres-server: port $port was taken meanwhile; trying another" >&2
        port=""
    done
    [ -n "$port" ] || fail "no free port after 5 attempts"

    PGCONNECT_TIMEOUT=10 "$pgbin/psql" -X -q -h 127.0.0.1 -p "$port" -U "$role" -d postgres \
        -v ON_ERROR_STOP=1 -c "create database $database" >/dev/null \
        || fail "cannot create the database $database"
    trap - EXIT
    echo "postgresql://$role@127.0.0.1:$port/$database" | tee "$dir/uri"
}

stop() {
    [ -e "$dir" ] || return 0
    if [ ! -f "$dir/$marker" ]; then
        # An empty directory that start never got to use (it failed before): just remove it.
        rmdir "$dir" 2>/dev/null || fail "$dir was not made by $0 start: not removing it"
        return 0
    fi
    stop_server
    rm -rf "$dir"
    [ ! -e "$dir" ] || fail "cannot remove $dir"
}

case "$command" in
    start) start ;;
    stop) stop ;;
    *) usage ;;
esac
