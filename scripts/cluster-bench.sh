#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Several nodes on one PostgreSQL and one Redis, measured (docs/BENCHMARKS.md, "Several nodes").
# Run it inside the throwaway servers, from the source tree:
#
#   SWITCHBOARD_PG_DURABLE=1 scripts/with-postgres.sh scripts/with-redis.sh \
#       scripts/cluster-bench.sh MODE [RATE | CONNECTIONS]
#
# MODE
#   single RATE    one node (no Redis): `switchboard-loadtest --test-type fanout`, 1010
#                  connections, 10 publishers at RATE posts/s (default 1500) for 10 s
#   cluster3 RATE  the same over three nodes, connections round robin
#   split3 RATE    three nodes: the publishers on node 1, every subscriber on nodes 2 and 3
#   ask N          N idle connections over three nodes (two load tester processes: one may
#                  hold at most its open-file limit); then GET /api/v1/connections through
#                  node 1 three times and an operator's snapshot twice, timed.
#                  NODES=1: one node without Redis. LTARGS: more load tester options.
#
# The fan-out modes print one JSON line: deliveries/s, loss, p50/p99, the nodes' CPU (s, summed
# from /proc), refused publishes, lost connections, Redis' output (MB) and CPU (s) and its
# PUBLISH calls over the run. WATCH=1: an operator subscribes (feed 2) on node 1 for the run
# (`switchboard-cli --raw`), and the line adds how many error_sent events it got.
#
# Binaries: SBD (switchboardd), LOADTEST, CLI; by default those of build/release.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:?MODE: single, cluster3, split3 or ask}
ARG=${2:-}
SBD=${SBD:-build/release/server/switchboardd}
LOADTEST=${LOADTEST:-build/release/console/loadtest/switchboard-loadtest}
CLI=${CLI:-build/release/console/cli/switchboard-cli}
: "${SWITCHBOARD_TEST_DATABASE_URL:?run inside scripts/with-postgres.sh}"
: "${SWITCHBOARD_TEST_REDIS_PORT:?run inside scripts/with-redis.sh}"
for b in "$SBD" "$LOADTEST" "$CLI"; do
    [[ -x $b ]] || { echo "cluster-bench: $b is missing (scripts/build.sh release)" >&2; exit 1; }
done
command -v jq >/dev/null || { echo "cluster-bench: needs jq" >&2; exit 1; }
export SWITCHBOARD_JWT_SECRET=benchsecret0123456789abcdef0123456789
KEY=benchapikey0123456789abcdef0123456789xyz
ulimit -n "$(ulimit -Hn)"
work=$(mktemp -d /tmp/cluster-bench.XXXXXX)
pids=()
cleanup() {
    kill "${pids[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

admin_token() { # an HS256 admin token for user $1
    python3 - "$1" "$SWITCHBOARD_JWT_SECRET" <<'EOF'
import base64, hashlib, hmac, json, sys, time
def b(x): return base64.urlsafe_b64encode(x).rstrip(b'=')
now = int(time.time())
h = b(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
p = b(json.dumps({"sub": sys.argv[1], "role": "admin", "name": "bench-operator",
                  "iat": now, "exp": now + 3600}).encode())
s = b(hmac.new(sys.argv[2].encode(), h + b"." + p, hashlib.sha256).digest())
print((h + b"." + p + b"." + s).decode())
EOF
}
redis() { redis-cli -p "$SWITCHBOARD_TEST_REDIS_PORT" "$@" | tr -d '\r'; }
rinfo() { redis INFO "$1" | awk -F: -v k="$2" '$1==k{print $2}'; }

# A fresh database and an emptied Redis.
base=${SWITCHBOARD_TEST_DATABASE_URL%/*}
db=bench_$(date +%s%N)
"$SWITCHBOARD_TEST_PGBIN/psql" "$base/postgres" -q -c "CREATE DATABASE $db" >/dev/null
redis FLUSHALL >/dev/null
nodes=3
[[ $MODE == single ]] && nodes=1
[[ $MODE == ask ]] && nodes=${NODES:-3}
urls=()
for n in $(seq "$nodes"); do
    port=$((19200 + n))
    redis_url=$SWITCHBOARD_TEST_REDIS_URL
    [[ $nodes == 1 ]] && redis_url=
    mkdir -p "$work/n$n"
    SWITCHBOARD_API_KEY=$KEY SWITCHBOARD_REDIS_URL=$redis_url SWITCHBOARD_NODE_ID=n$n \
        "$SBD" --data-dir "$work/n$n" --database-url "$base/$db" --listen "127.0.0.1:$port" \
        --max-connections 30000 --default-rooms general,announcements:readonly,support,bench \
        --log-level warning >"$work/n$n.log" 2>&1 &
    pids+=($!)
    urls+=(--url "ws://127.0.0.1:$port/ws")
done
for n in $(seq "$nodes"); do
    for _ in $(seq 100); do
        curl -s "http://127.0.0.1:$((19200 + n))/readyz" | grep -q '"ready"' && break
        sleep 0.1
    done
done
redis CONFIG RESETSTAT >/dev/null

if [[ $MODE == ask ]]; then
    N=${ARG:-20000}
    read -r -a ltargs <<<"${LTARGS:-}"
    "$LOADTEST" "${urls[@]}" --json --threads 1 --test-type storm --connections $((N / 2)) \
        --hold 60 "${ltargs[@]}" >"$work/lt1.json" 2>"$work/lt1.err" &
    pids+=($!)
    "$LOADTEST" "${urls[@]}" --json --threads 1 --test-type storm --connections $((N - N / 2)) \
        --hold 60 "${ltargs[@]}" >"$work/lt2.json" 2>"$work/lt2.err" &
    pids+=($!)
    c=0
    for _ in $(seq 50); do
        c=$(curl -s -H "Authorization: Bearer $KEY" http://127.0.0.1:19201/api/v1/stats \
            | jq 'if .nodes then ([.nodes[].connections] | add) else .connections end')
        [[ ${c:-0} -ge $N ]] && break
        sleep 1
    done
    echo "connections: $c"
    sleep 3
    for _ in 1 2 3; do
        curl -s -o "$work/conns.json" -H "Authorization: Bearer $KEY" \
            -w "GET /api/v1/connections through node 1: %{http_code}, %{size_download} bytes in %{time_total} s\n" \
            "http://127.0.0.1:19201/api/v1/connections?limit=100000"
    done
    echo "listed: $(jq '.connections | length' "$work/conns.json"), incomplete: $(jq '.incomplete // false' "$work/conns.json")"
    token=$(admin_token 99999)
    for _ in 1 2; do
        (sleep 1; date +%s.%N >"$work/sent"
         echo 'json {"type":"admin_subscribe","feed":2,"id":1}'; sleep 4) \
            | "$CLI" --raw --no-reconnect --token "$token" --url ws://127.0.0.1:19201/ws 2>&1 \
            | python3 -c '
import json, sys, time
for line in sys.stdin:
    if "\"admin_snapshot\"" in line:
        took = time.time() - float(open(sys.argv[1]).read())
        o = json.loads(line)
        print("operator snapshot: %.3f s after admin_subscribe, %d bytes, %d users, totals %s"
              % (took, len(line), len(o.get("users", [])), json.dumps(o.get("totals"))))
' "$work/sent"
    done
    echo "RSS (MB): $(for p in "${pids[@]:0:nodes}"; do echo -n "$(($(awk '/VmRSS/{print $2}' "/proc/$p/status") / 1024)) "; done)"
    exit 0
fi

RATE=${ARG:-1500}
pub=()
if [[ $MODE == split3 ]]; then
    urls=(--url ws://127.0.0.1:19202/ws --url ws://127.0.0.1:19203/ws)
    pub=(--publisher-url ws://127.0.0.1:19201/ws)
fi
if [[ -n ${WATCH:-} ]]; then
    (echo 'json {"type":"admin_subscribe","feed":2,"id":1}'; sleep 24) \
        | "$CLI" --raw --no-reconnect --token "$(admin_token 9999)" \
            --url ws://127.0.0.1:19201/ws >"$work/watch.out" 2>&1 &
    sleep 1
fi
out0=$(rinfo stats total_net_output_bytes)
cpu0=$(echo "$(rinfo cpu used_cpu_user) + $(rinfo cpu used_cpu_sys)" | bc)
"$LOADTEST" "${urls[@]}" "${pub[@]}" --json --threads 1 --test-type fanout --connections 1010 \
    --publishers 10 ${ROOMS:+--rooms $ROOMS} --rate "$RATE" --duration 10 >"$work/out.json" \
    2>"$work/lt.err"
out1=$(rinfo stats total_net_output_bytes)
cpu1=$(echo "$(rinfo cpu used_cpu_user) + $(rinfo cpu used_cpu_sys)" | bc)
publishes=$(redis INFO commandstats | sed -n 's/^cmdstat_publish:calls=\([0-9]*\).*/\1/p')
cpu=0
for pid in "${pids[@]}"; do
    cpu=$(echo "$cpu + $(awk '{print ($14 + $15) / 100}' "/proc/$pid/stat")" | bc)
done
watched=null
[[ -n ${WATCH:-} ]] && watched=$(grep -o '"event":"error_sent"' "$work/watch.out" | wc -l)
jq -c --arg cpu "$cpu" --arg mb "$(echo "scale=1; ($out1 - $out0) / 1048576" | bc)" \
    --arg rcpu "$(echo "$cpu1 - $cpu0" | bc)" --arg pub "${publishes:-0}" --arg w "$watched" \
    '{delivered_per_sec, loss, p50: .latency_ms.p50, p99: .latency_ms.p99,
      servers_cpu: ($cpu | tonumber), refused, lost_connections: .connections_lost,
      redis_out_mb: ($mb | tonumber), redis_cpu: ($rcpu | tonumber),
      redis_publishes: ($pub | tonumber), error_sent_watched: ($w | fromjson)}' "$work/out.json"
