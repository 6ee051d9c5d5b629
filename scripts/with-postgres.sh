#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs a command beside a throwaway PostgreSQL cluster: initdb into a temporary directory, a free
# port on 127.0.0.1, trust authentication on loopback only, everything removed afterwards. For a
# Redis server too, chain scripts/with-redis.sh: scripts/with-postgres.sh scripts/with-redis.sh CMD.
#   scripts/with-postgres.sh CMD [ARGS...]
# Exports SWITCHBOARD_TEST_DATABASE_URL=postgres://USER@127.0.0.1:PORT/switchboard_test
# (and SWITCHBOARD_TEST_PGDATA, SWITCHBOARD_TEST_PGBIN: the cluster's directory and binaries)
# Tests run without fsync (fast, throwaway). SWITCHBOARD_PG_DURABLE=1 keeps PostgreSQL's own
# defaults (fsync, synchronous_commit, full_page_writes on), as benchmarks need.
set -euo pipefail

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [[ -z "$pgbin" || ! -x "$pgbin/initdb" ]]; then
    echo "with-postgres: PostgreSQL server binaries not found (apt-get install postgresql)" >&2
    exit 1
fi

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

workdir=$(mktemp -d /tmp/switchboard-pg.XXXXXX)
chmod 755 "$workdir"
run_as=()
pguser=$(id -un)
if [[ $(id -u) -eq 0 ]]; then
    # PostgreSQL refuses to run as root.
    chown postgres:postgres "$workdir"
    run_as=(runuser -u postgres --)
    pguser=postgres
fi

cleanup() {
    "${run_as[@]}" "$pgbin/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$workdir"
}
trap cleanup EXIT

"${run_as[@]}" "$pgbin/initdb" -D "$workdir/data" --auth=trust --username="$pguser" \
    --encoding=UTF8 --locale=C.UTF-8 >"$workdir/initdb.log" 2>&1 || {
    cat "$workdir/initdb.log" >&2
    exit 1
}

pgopts="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
[[ -n ${SWITCHBOARD_PG_DURABLE:-} ]] && pgopts=""
for attempt in 1 2 3 4 5; do
    port=$(free_port)
    if "${run_as[@]}" "$pgbin/pg_ctl" -D "$workdir/data" -l "$workdir/postgres.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $workdir $pgopts \
            -c max_connections=200" \
        start >/dev/null; then
        break
    fi
    if [[ $attempt -eq 5 ]]; then
        cat "$workdir/postgres.log" >&2
        exit 1
    fi
done

"${run_as[@]}" "$pgbin/psql" -h 127.0.0.1 -p "$port" -U "$pguser" -d postgres -q \
    -c "CREATE DATABASE switchboard_test" >/dev/null

export SWITCHBOARD_TEST_DATABASE_URL="postgres://$pguser@127.0.0.1:$port/switchboard_test"
# The cluster itself, for tests that restart it (tests/faults): pg_ctl -D "$PGDATA" restart.
export SWITCHBOARD_TEST_PGDATA="$workdir/data" SWITCHBOARD_TEST_PGBIN="$pgbin"
echo "with-postgres: PostgreSQL on 127.0.0.1:$port ($SWITCHBOARD_TEST_DATABASE_URL)" >&2
set +e
"$@"
status=$?
set -e
exit $status
