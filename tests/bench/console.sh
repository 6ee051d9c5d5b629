#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The operator console under connection storms (issue 17): for each size N, a fresh switchboardd
# (SQLite in a temporary directory), the real switchboard-console offscreen connected to it as
# an admin, and `switchboard-loadtest --test-type storm` opening N authenticated connections,
# holding them HOLD seconds and closing them. Reports the console's CPU (in total, and after
# the last connect), its worst event-loop stall (its own timer probe,
# SWITCHBOARD_CONSOLE_STALL_PROBE) and its peak memory (VmHWM), and the wall time until it is
# idle again. The last two columns tell the console's own work from waiting for a core: the CPU
# time its thread used during the worst stall, and the most it used between two probe ticks
# (the longest stretch of its own work). Console on CPU $CCPU, server and load on CPU $SCPU (taskset), when there are two.
#
#   tests/bench/console.sh                 # sizes 1000 5000
#   tests/bench/console.sh 1000 5000 19000 # sizes (19,000 is the most one load process opens)
#   BUILD=build/release HOLD=5 tests/bench/console.sh 1000
# Results: one line per size on stdout, raw samples in tests/bench/results/console-<RUN>/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build/release}
[[ $BUILD == /* ]] || BUILD=$ROOT/$BUILD
SBD=$BUILD/server/switchboardd
CONSOLE=$BUILD/console/app/switchboard-console
LT=$BUILD/console/loadtest/switchboard-loadtest
for b in "$SBD" "$CONSOLE" "$LT"; do
    [[ -x $b ]] || { echo "missing $b (cmake --build $BUILD)" >&2; exit 2; }
done
HOLD=${HOLD:-3}
CCPU=${CCPU:-1}; SCPU=${SCPU:-0}
sizes=("$@"); ((${#sizes[@]})) || sizes=(1000 5000)
RUN=${RUN:-$(date -u +%Y%m%d-%H%M%S)}
OUT=$ROOT/tests/bench/results/console-$RUN
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)"
pin() { # cpu command...: taskset when there is more than one CPU to choose from; exec, so that
    # a background `pin ... &` has the pid of the command itself
    local cpu=$1; shift
    if command -v taskset >/dev/null && (($(nproc) > 1)); then exec taskset -c "$cpu" "$@"; else exec "$@"; fi
}

work=$(mktemp -d /tmp/switchboard-console-bench.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
hz=$(getconf CLK_TCK)

echo "size console_cpu_total_s console_cpu_after_last_connect_s max_stall_ms stalls_over_100ms" \
     "peak_rss_mb idle_after_s connected stall_cpu_ms max_cpu_between_ticks_ms"
for n in "${sizes[@]}"; do
    dir=$work/$n; mkdir -p "$dir/config/Switchboard"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    key=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
    secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
    password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
    SWITCHBOARD_API_KEY=$key SWITCHBOARD_JWT_SECRET=$secret pin "$SCPU" "$SBD" \
        --data-dir "$dir/data" --listen "127.0.0.1:$port" --max-connections 20000 \
        --log-level warning >"$dir/server.log" 2>&1 &
    server=$!; pids+=("$server")
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
    curl -sf -o /dev/null -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
        -d "{\"username\":\"admin\",\"password\":\"$password\",\"admin\":true}" \
        "http://127.0.0.1:$port/api/v1/users"
    # The console's settings: one remembered profile (a throwaway password, fallback storage),
    # and the load tester's users shown in the users view, so that it handles every row.
    cat >"$dir/config/Switchboard/switchboard-console.conf" <<EOF
[users]
hide_load_test_users=false

[profiles/bench]
name=bench
url=ws://127.0.0.1:$port/ws
mode=password
username=admin
remember_secret=true
password=$password
secret_storage=settings
EOF
    XDG_CONFIG_HOME=$dir/config QT_QPA_PLATFORM=offscreen \
        SWITCHBOARD_CONSOLE_STALL_PROBE=$dir/probe pin "$CCPU" "$CONSOLE" --profile bench \
        --language en >"$dir/console.log" 2>&1 &
    console=$!; pids+=("$console")
    # Connected: the server counts the console's connection.
    for _ in $(seq 1 100); do
        c=$(curl -sf -H "Authorization: Bearer $key" "http://127.0.0.1:$port/api/v1/connections" \
            | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["connections"]))' 2>/dev/null || echo 0)
        ((c >= 1)) && break; sleep 0.1
    done
    sleep 2 # the snapshot and the first stats
    kill -0 "$console" || { cat "$dir/console.log"; exit 1; }
    # The probe's worst so far is start-up (fonts, first paint): removing its file restarts it
    # at its next write (once a second).
    rm -f "$dir/probe"; sleep 1.2

    # Samples of the console's CPU every 100 ms while the storm runs.
    (while kill -0 "$console" 2>/dev/null; do
         echo "$(date +%s.%N) $(cpu_ticks "$console")"; sleep 0.1
     done) >"$dir/cpu.samples" &
    sampler=$!; pids+=("$sampler")
    start=$(date +%s.%N)
    (SWITCHBOARD_JWT_SECRET=$secret pin "$SCPU" "$LT" --url "ws://127.0.0.1:$port/ws" \
        --test-type storm --connections "$n" --concurrency 256 --hold "$HOLD" --json --quiet \
        >"$dir/loadtest.json" 2>"$dir/loadtest.err") || true
    lt_end=$(date +%s.%N)
    # Idle again: less than 2 ticks (20 ms) of CPU in a second, or 120 s.
    prev=$(cpu_ticks "$console"); idle_at=$lt_end
    for _ in $(seq 1 120); do
        sleep 1
        now=$(cpu_ticks "$console")
        if ((now - prev < 2)); then idle_at=$(date +%s.%N); break; fi
        prev=$now
    done
    sleep 1.5 # the probe writes once a second
    kill "$sampler" 2>/dev/null || true
    hwm=$(awk '/VmHWM/ {print $2}' "/proc/$console/status")
    python3 - "$dir" "$n" "$start" "$lt_end" "$idle_at" "$HOLD" "$hz" "$hwm" <<'PY'
import json, sys
d, n, start, lt_end, idle_at, hold, hz, hwm = sys.argv[1:]
start, lt_end, idle_at, hold, hz = float(start), float(lt_end), float(idle_at), float(hold), int(hz)
samples = [tuple(map(float, l.split())) for l in open(f"{d}/cpu.samples") if len(l.split()) == 2]
probe = dict(l.strip().split("=") for l in open(f"{d}/probe") if "=" in l)
try:
    lt = json.loads(open(f"{d}/loadtest.json").read().splitlines()[0])
except Exception:
    lt = {}
ready = lt.get("connections", 0)
rate = lt.get("connect_per_sec") or 0
# The last connect: start + N / connect rate (the storm's measured phase opens, then holds).
last_connect = start + (ready / rate if rate else 0)
def cpu_at(t):
    before = [s for s in samples if s[0] <= t]
    return (before[-1][1] if before else samples[0][1]) / hz
end_cpu = samples[-1][1] / hz
total = end_cpu - cpu_at(start)
after = end_cpu - cpu_at(last_connect)
print(f"{n} {total:.2f} {after:.2f} {probe.get('max_stall_ms')} {probe.get('stalls_over_100ms')} "
      f"{int(hwm) / 1024:.0f} {idle_at - lt_end:.1f} {ready} {probe.get('max_stall_cpu_ms')} "
      f"{probe.get('max_cpu_between_ticks_ms')}")
PY
    kill "$console" "$server" 2>/dev/null || true
    wait "$console" "$server" 2>/dev/null || true
    cp -r "$dir" "$OUT/$n" 2>/dev/null || true
    rm -rf "$OUT/$n/data" "$OUT/$n/config"
done
