#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The benchmark kit: builds Release, then runs Switchboard beside the peers of the harness in
# ../shared/bench, with both load generators, in one run:
#   1. the harness's Node generator (../shared/bench/run.sh with PEERS_CONF = tests/bench/peers.conf);
#   2. switchboard-loadtest against every peer (--protocol bench) and Switchboard (its real
#      protocol), server pinned to CPU 0 and load to CPU 1 (taskset), each scenario on a fresh server;
#   3. Switchboard unpinned (server and load free to use both cores, --threads 2);
#   4. the load tester's own ceiling against floodpeer.c (a batching C peer, not a server);
#   5. idle: 19k connections held for 130 s with heartbeats on (memory and idle CPU), pinned;
#   6. postgres: persisted traffic on a throwaway PostgreSQL with its durable defaults (fsync and
#      synchronous_commit on), server and load unpinned, three runs of each.
# Raw results (JSON lines, server logs, uptime before each part): tests/bench/results/<RUN>/ (git-ignored).
#
#   tests/bench/run.sh                  # all parts, default sizes (about an hour)
#   SUITE=quick tests/bench/run.sh      # small sizes (about 8 minutes)
#   tests/bench/run.sh harness|native|unpinned|ceiling|idle|postgres ...   # only these parts
#   REPEAT=3 tests/bench/run.sh native unpinned  # every suite row three times (for medians)
#   PEERS="node-ws switchboard" tests/bench/run.sh           # only these peers
#   SKIP_BUILD=1 BUILD=build/x tests/bench/run.sh   # use binaries already built in build/x
#   tests/bench/run.sh serve PORT       # (peers.conf uses it) Switchboard in the foreground on a
#                                       # fresh SQLite data dir, auth on, as shipped; with
#                                       # SB_BENCH_DATABASE_URL set, on that PostgreSQL database
# Switchboard runs with authentication and persistence on: SQLite in a temporary data dir, the
# HS256 secret in SWITCHBOARD_JWT_SECRET (generated per run unless set), every room message stored.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export BUILD=${BUILD:-$ROOT/build/bench}
[[ $BUILD == /* ]] || BUILD=$PWD/$BUILD   # the harness runs peers from its own directory
SBD=$BUILD/server/switchboardd
LT=$BUILD/console/loadtest/switchboard-loadtest
FLOOD=$BUILD/floodpeer
SCPU=${SCPU:-0}; LCPU=${LCPU:-1}

if [[ ${1:-} == serve ]]; then
    # Started by the harness (and by this script) for every scenario: always a fresh database.
    dir=$(mktemp -d "${SB_BENCH_TMP:-/tmp}/switchboard-data.XXXXXX")
    db=(); [[ -n ${SB_BENCH_DATABASE_URL:-} ]] && db=(--database-url "$SB_BENCH_DATABASE_URL")
    exec "$SBD" --data-dir "$dir" "${db[@]}" --listen "127.0.0.1:$2" --max-connections 20000 \
        --default-rooms general,announcements:readonly,support,bench --log-level warning
fi

BENCH=${BENCH:-$ROOT/../shared/bench}
[[ -f $BENCH/run.sh ]] || { echo "no peer harness at $BENCH (set BENCH=...)" >&2; exit 2; }
BENCH=$(cd "$BENCH" && pwd)
SUITE=${SUITE:-default}
RUN=${RUN:-$(date -u +%Y%m%d-%H%M%S)}
OUT=$ROOT/tests/bench/results/$RUN
mkdir -p "$OUT"
export SWITCHBOARD_JWT_SECRET=${SWITCHBOARD_JWT_SECRET:-bench-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}
export SB_BENCH_TMP=$(mktemp -d /tmp/switchboard-bench.XXXXXX)
trap 'rm -rf "$SB_BENCH_TMP"' EXIT
ulimit -n "$(ulimit -Hn)"
IDLE_MAX=${IDLE_MAX:-19000}
parts=("$@"); ((${#parts[@]})) || parts=(harness native unpinned ceiling idle postgres)
REPEAT=${REPEAT:-1}
want() { [[ " ${parts[*]} " == *" $1 "* ]]; }
note() { echo "== $*" >&2; echo "$(date -u +%FT%TZ) $* | $(uptime)" >> "$OUT/machine.log"; }

# ---- build ---------------------------------------------------------------------------------
if [[ -z ${SKIP_BUILD:-} ]]; then   # SKIP_BUILD=1 BUILD=dir: use binaries built elsewhere
    note "build (Release) into $BUILD"
    CCACHE_BASEDIR=$ROOT cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null || exit 1
    cmake --build "$BUILD" --target switchboardd switchboard-loadtest || exit 1
fi
cc -O2 -o "$FLOOD" "$ROOT/tests/bench/floodpeer.c" -lcrypto || exit 1
if want harness || want native || want idle; then   # node-ws is a peer in all three
    [[ -d $BENCH/node_modules/ws ]] || (cd "$BENCH" && npm ci --no-audit --no-fund) || exit 1
fi
[[ -x $BENCH/build/qt-min ]] || sh "$BENCH/peers/qt-min/build.sh" || exit 1

# ---- the peers list, rendered (absolute paths; peers whose program is missing are left out) ----
CONF=$OUT/peers.conf
: > "$CONF"
while IFS='|' read -r name port adapter cmd; do
    name=$(echo $name)
    [[ -z $name || $name == \#* ]] && continue
    cmd=$(echo "$cmd" | sed "s|@BENCH@|$BENCH|g; s|@ROOT@|$ROOT|g" | xargs)
    adapter=$(echo "$adapter" | sed "s|@BENCH@|$BENCH|g; s|@ROOT@|$ROOT|g" | xargs)
    prog=${cmd%% *}; [[ $prog == node ]] && prog=$(echo "$cmd" | awk '{print $2}')
    if ! command -v "$prog" >/dev/null 2>&1 && [[ ! -x $prog && ! -f $prog ]]; then
        note "skipping $name: $prog is not installed"; continue
    fi
    if [[ -n ${PEERS:-} && " $PEERS " != *" $name "* ]]; then continue; fi
    echo "$name | $(echo $port) | $adapter | $cmd" >> "$CONF"
done < "$ROOT/tests/bench/peers.conf"

# ---- 1. the harness's Node generator -------------------------------------------------------
if want harness; then
    note "part 1: ../shared/bench/run.sh (Node generator), SUITE=$SUITE"
    (cd "$BENCH" && RUN=$RUN SUITE=$SUITE IDLE_MAX=$IDLE_MAX PEERS_CONF=$CONF ./run.sh) \
        > "$OUT/harness.md" 2> "$OUT/harness.log"
    cp "$BENCH/results/$RUN".* "$OUT/" 2>/dev/null
    cp "$BENCH/results/$RUN.jsonl" "$OUT/harness.jsonl" 2>/dev/null
fi

# ---- helpers for the native runs -----------------------------------------------------------
SPID=
start() { # name port cmd cpu-list
    if (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then echo "port $2 busy: not starting $1" >&2; return 1; fi
    if [[ -n $4 ]]; then taskset -c "$4" bash -c "exec $3" >> "$OUT/native.$1.server.log" 2>&1 &
    else bash -c "exec $3" >> "$OUT/native.$1.server.log" 2>&1 & fi
    SPID=$!
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null && break; sleep 0.1; done
    sleep 0.5
    kill -0 "$SPID" 2>/dev/null || { echo "$1 died at start (see $OUT/native.$1.server.log)" >&2; return 1; }
}
stop() { kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; sleep 1; }
# L label layout port protocol cpu-list args... : one switchboard-loadtest run, one JSON line per
# result in native.jsonl, wrapped with what was run.
# REPEAT=n runs it n times in a row, each with its own --user-base (so a rerun never meets
# the previous run's memberships), all against the same server.
L() {
    local label=$1 layout=$2 port=$3 proto=$4 cpus=$5; shift 5
    local k
    for ((k = 0; k < REPEAT; k++)); do L1 "$label" "$layout" "$port" "$proto" "$cpus" "$k" "$@"; done
}
L1() {
    local label=$1 layout=$2 port=$3 proto=$4 cpus=$5 k=$6; shift 6
    local base=()
    ((k > 0)) && [[ $proto == switchboard ]] && base=(--user-base $((1000000 + k * 100000000)))
    local cmd=("$LT" --url "ws://127.0.0.1:$port/ws" --protocol "$proto" --server-pid "$SPID" --json "$@" "${base[@]}")
    [[ -n $cpus ]] && cmd=(taskset -c "$cpus" "${cmd[@]}")
    local line
    line=$("${cmd[@]}" 2>> "$OUT/native.stderr.log")
    echo "  $label $layout: $* -> ${line:-no result}" >&2
    [[ -n $line ]] || line='{"error":"no result"}'
    while IFS= read -r l; do
        jq -c --arg lbl "$label" --arg layout "$layout" --arg args "$*" --arg at "$(date -u +%FT%TZ)" \
            --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
            '{"label":$lbl, "layout":$layout, "args":$args, "at":$at, "loadavg":$load, "result":.}' <<< "$l" >> "$OUT/native.jsonl"
    done <<< "$line"
    LAST=$line
}
lost_half() { jq -e '(.loss // 0) * 2 > ((.delivered // 0) + (.loss // 0)) or (.errors // 0) > 0' <<< "$LAST" >/dev/null 2>&1; }

# suite: label layout port protocol server-cpus load-cpus threads cmd
suite() {
    local n=$1 layout=$2 port=$3 proto=$4 scpu=$5 lcpu=$6 threads=$7 cmd=$8
    local idle=(1000 5000 "$IDLE_MAX") echo_rates=(1000 5000 10000 20000) fan_rates=(100 400 1000 1200 1500 2000 4000 8000) dur=10
    if [[ $SUITE == quick ]]; then idle=(1000); echo_rates=(1000 10000); fan_rates=(100 1000); dur=5; fi
    for c in "${idle[@]}"; do   # same shape as the harness's idle scenario (256 connects in flight)
        start "$n" "$port" "$cmd" "$scpu" || return
        L "$n" "$layout" "$port" "$proto" "$lcpu" --threads "$threads" --test-type storm --connections "$c" --concurrency 256 --hold 3
        stop
    done
    start "$n" "$port" "$cmd" "$scpu" || return   # 5000 connects all at once: SYN backlog behaviour
    L "$n" "$layout" "$port" "$proto" "$lcpu" --threads "$threads" --test-type storm --connections 5000 --hold 1
    stop
    start "$n" "$port" "$cmd" "$scpu" || return
    for r in "${echo_rates[@]}"; do
        L "$n" "$layout" "$port" "$proto" "$lcpu" --threads "$threads" --test-type echo --connections 100 --rate "$r" --duration "$dur"
        lost_half && break
    done
    stop
    start "$n" "$port" "$cmd" "$scpu" || return
    for r in "${fan_rates[@]}"; do   # 1 room: 1000 subscribers + 10 publishers (members too)
        L "$n" "$layout" "$port" "$proto" "$lcpu" --threads "$threads" --test-type fanout --connections 1010 --publishers 10 --rate "$r" --duration "$dur"
        lost_half && break
    done
    stop
    start "$n" "$port" "$cmd" "$scpu" || return
    L "$n" "$layout" "$port" "$proto" "$lcpu" --threads "$threads" --test-type throughput --connections 1010 --publishers 10 --messages "$([[ $SUITE == quick ]] && echo 2000 || echo 20000)"
    stop
    if [[ $proto == switchboard ]]; then   # persisted direct messages, acked after the commit
        start "$n" "$port" "$cmd" "$scpu" || return
        L "$n" "$layout" "$port" "$proto" "$lcpu" --threads "$threads" --test-type throughput --direct --connections 200 --publishers 100 --messages "$([[ $SUITE == quick ]] && echo 20000 || echo 50000)"
        stop
    fi
}

# ---- 2. switchboard-loadtest, pinned -------------------------------------------------------
if want native; then
    note "part 2: switchboard-loadtest, server on CPU $SCPU, load on CPU $LCPU"
    while IFS='|' read -r name port adapter cmd; do
        name=$(echo $name); port=$(echo $port); cmd=$(echo "$cmd" | xargs)
        proto=bench; [[ $name == switchboard ]] && proto=switchboard
        [[ $adapter == *lws-mirror* ]] && { note "skipping $name for switchboard-loadtest: the mirror protocol is not the common one"; continue; }
        note "native $name"
        suite "$name" pinned "$port" "$proto" "$SCPU" "$LCPU" 1 "$cmd" < /dev/null
    done < "$CONF"
fi

# ---- 3. Switchboard unpinned ----------------------------------------------------------------
if want unpinned && grep -q '^switchboard ' "$CONF"; then
    note "part 3: Switchboard unpinned, switchboard-loadtest --threads 2 unpinned"
    suite switchboard unpinned 19005 switchboard "" "" 2 "$ROOT/tests/bench/run.sh serve 19005"
fi

# ---- 4. the load tester's own ceiling -------------------------------------------------------
if want ceiling; then
    note "part 4: switchboard-loadtest ceiling against floodpeer (CPU $SCPU), load on CPU $LCPU"
    rates=(1000 2000 3000 4000); [[ $SUITE == quick ]] && rates=(1000 2000)
    start floodpeer 19009 "$FLOOD --port 19009" "$SCPU" && {
        for r in "${rates[@]}"; do
            L floodpeer pinned 19009 bench "$LCPU" --test-type fanout --connections 1010 --publishers 10 --rate "$r" --duration 5
        done
        stop
    }
fi

# ---- 5. idle: 19k connections, heartbeats on ----------------------------------------------
# Held 130 s: the server pings every connection every 54 s (heartbeat_interval as shipped), so
# the hold sees two rounds. The stderr summary splits server CPU into connect and hold
# (native.stderr.log: "idle while holding ...% of a core").
if want idle; then
    note "part 5: idle $IDLE_MAX connections held 130 s, server on CPU $SCPU, load on CPU $LCPU"
    while IFS='|' read -r name port adapter cmd; do
        name=$(echo $name); port=$(echo $port); cmd=$(echo "$cmd" | xargs)
        [[ $name == switchboard || $name == node-ws ]] || continue
        proto=bench; [[ $name == switchboard ]] && proto=switchboard
        echo "idle $name:" >> "$OUT/native.stderr.log"
        start "$name" "$port" "$cmd" "$SCPU" || continue
        L "$name" pinned "$port" "$proto" "$LCPU" --test-type storm --connections "$IDLE_MAX" --concurrency 256 --hold 130 < /dev/null
        stop
    done < "$CONF"
fi

# ---- 6. PostgreSQL -----------------------------------------------------------------------------
# Re-runs this script beside a throwaway cluster (scripts/with-postgres.sh) with PostgreSQL's
# durable defaults; every scenario starts on an empty schema.
if want postgres; then
    if [[ -z ${SB_PG_INNER:-} ]]; then
        note "part 6: PostgreSQL (durable defaults), unpinned"
        SWITCHBOARD_PG_DURABLE=1 SB_PG_INNER=1 SKIP_BUILD=1 RUN=$RUN BUILD=$BUILD REPEAT=$REPEAT \
            "$ROOT/scripts/with-postgres.sh" "$0" postgres 2>> "$OUT/native.stderr.log"
    else
        export SB_BENCH_DATABASE_URL=$SWITCHBOARD_TEST_DATABASE_URL
        fresh() { psql -q "$SB_BENCH_DATABASE_URL" -c "DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null; }
        n=$([[ $SUITE == quick ]] && echo 20000 || echo 50000)
        for k in 1 2 3; do
            fresh; start switchboard-pg 19011 "$ROOT/tests/bench/run.sh serve 19011" "" || break
            L switchboard-pg unpinned 19011 switchboard "" --threads 2 --test-type throughput --direct --connections 200 --publishers 100 --messages "$n"
            stop
        done
        for k in 1 2 3; do
            fresh; start switchboard-pg 19011 "$ROOT/tests/bench/run.sh serve 19011" "" || break
            L switchboard-pg unpinned 19011 switchboard "" --threads 2 --test-type throughput --connections 1010 --publishers 10 --messages "$((n * 2 / 5))"
            stop
        done
    fi
fi

# ---- summary --------------------------------------------------------------------------------
if [[ -f $OUT/native.jsonl ]]; then
    jq -r -s '
      def f: if . == null then "–" else tostring end;
      "| peer | layout | test | args | conns | connect/s | hs p50/p99 ms | delivered/s | loss | lat p50/p99/max ms | errors | srv CPU s | srv RSS MiB | cli CPU s | saturated |",
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
      (.[] | select(.result.test_type) | .result as $r |
       "| \(.label) | \(.layout) | \($r.test_type) | \(.args | gsub("--test-type [a-z]+ ";"")) | \($r.connections) | \($r.connect_per_sec) | \($r.handshake_ms.p50|f)/\($r.handshake_ms.p99|f) | \($r.delivered_per_sec) | \($r.loss) | \($r.latency_ms.p50|f)/\($r.latency_ms.p99|f)/\($r.latency_ms.max|f) | \($r.errors) | \($r.server_cpu_s|f) | \(if $r.server_rss_bytes then ($r.server_rss_bytes/1048576*10|round/10) else "–" end) | \($r.client_cpu_s) | \($r.saturated) |")
    ' "$OUT/native.jsonl" > "$OUT/native.md"
fi
note "done: results in $OUT"
cat "$OUT/harness.md" "$OUT/native.md" 2>/dev/null
