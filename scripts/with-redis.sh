#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs a command beside a throwaway Redis server: a temporary directory, a free port on
# 127.0.0.1, no persistence (no RDB snapshots, no AOF), everything removed afterwards.
#   scripts/with-redis.sh CMD [ARGS...]
# Exports SWITCHBOARD_TEST_REDIS_URL=redis://127.0.0.1:PORT and SWITCHBOARD_TEST_REDIS_PORT,
# plus SWITCHBOARD_TEST_REDIS_DIR and SWITCHBOARD_TEST_REDIS_SERVER (the server's directory and
# binary) for tests that stop the server and start it again on the same port: the options it was
# started with are in "$SWITCHBOARD_TEST_REDIS_DIR/redis.conf", so
#   "$SWITCHBOARD_TEST_REDIS_SERVER" "$SWITCHBOARD_TEST_REDIS_DIR/redis.conf" --daemonize yes
# brings it back. The server also listens on the Unix socket "$SWITCHBOARD_TEST_REDIS_DIR/redis.sock".
# Exits with the command's status.
# Combines with scripts/with-postgres.sh: scripts/with-postgres.sh scripts/with-redis.sh CMD.
set -euo pipefail

server=$(command -v redis-server || true)
cli=$(command -v redis-cli || true)
if [[ -z "$server" || -z "$cli" ]]; then
    echo "with-redis: redis-server/redis-cli not found (apt-get install redis-server)" >&2
    exit 1
fi

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

workdir=$(mktemp -d /tmp/switchboard-redis.XXXXXX)
port=
cleanup() {
    if [[ -n "$port" ]]; then
        "$cli" -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
    fi
    # A test may have restarted the server itself (daemonized): its pid file says which one.
    if [[ -s "$workdir/redis.pid" ]]; then
        kill "$(cat "$workdir/redis.pid")" 2>/dev/null || true
    fi
    if [[ -n "${pid:-}" ]]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$workdir"
}
trap cleanup EXIT

pid=
for attempt in 1 2 3 4 5; do
    port=$(free_port)
    # Everything in a config file, so that a test restarting the server uses the same options.
    cat >"$workdir/redis.conf" <<EOF
bind 127.0.0.1
port $port
unixsocket $workdir/redis.sock
unixsocketperm 700
dir $workdir
pidfile $workdir/redis.pid
logfile $workdir/redis.log
save ""
appendonly no
daemonize no
EOF
    "$server" "$workdir/redis.conf" &
    pid=$!
    for _ in $(seq 1 100); do
        if "$cli" -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
            break 2
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            break # exited: most likely the port was taken meanwhile; try another one
        fi
        sleep 0.05
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=
    if [[ $attempt -eq 5 ]]; then
        cat "$workdir/redis.log" >&2 || true
        port=
        exit 1
    fi
done

export SWITCHBOARD_TEST_REDIS_URL="redis://127.0.0.1:$port"
export SWITCHBOARD_TEST_REDIS_PORT="$port"
export SWITCHBOARD_TEST_REDIS_DIR="$workdir" SWITCHBOARD_TEST_REDIS_SERVER="$server"
echo "with-redis: Redis on 127.0.0.1:$port" >&2
set +e
"$@"
status=$?
set -e
exit $status
