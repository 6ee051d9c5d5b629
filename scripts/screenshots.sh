#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Regenerates the console screenshots in docs/screenshots/ (English and Simplified Chinese):
# builds switchboardd and switchboard-console-screenshots, starts a throwaway server with an
# admin and a few users, lets the real console drive chat windows and a broadcast against it
# (offscreen), and saves one PNG per view and language. Takes about a minute.
#   BUILD_DIR=build/h-gui scripts/screenshots.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build/release}
OUT_DIR=${1:-docs/screenshots}
LANGUAGES=${LANGUAGES:-"en zh_CN"}

if [ ! -f "$BUILD_DIR/build.ninja" ] && [ ! -f "$BUILD_DIR/Makefile" ]; then
    cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$BUILD_DIR" --target switchboardd switchboard-console-screenshots

work=$(mktemp -d)
server_pid=
stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=
    fi
}
cleanup() {
    stop_server
    rm -rf "$work"
}
trap cleanup EXIT

api_key=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
add_user() { # name admin(true|false)
    curl -sf -o /dev/null -H "Authorization: Bearer $api_key" -H 'Content-Type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')\",\"admin\":$2}" \
        "http://127.0.0.1:$port/api/v1/users"
}
# A fresh server per language, so each run starts from the same state (no memberships yet).
start_server() {
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    rm -rf "$work/data"
    SWITCHBOARD_API_KEY=$api_key "$BUILD_DIR/server/switchboardd" --data-dir "$work/data" \
        --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
        sleep 0.1
    done
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$work/server.log"; exit 1; }
    add_user admin true
    for name in alice bob carol dave erin; do add_user "$name" false; done
    curl -sf -o /dev/null -H "Authorization: Bearer $api_key" -H 'Content-Type: application/json' \
        -d '{"room_id":"ops","name":"Operations","post_policy":"admins","private":true}' \
        "http://127.0.0.1:$port/api/v1/rooms"
}

mkdir -p "$OUT_DIR"
for lang in $LANGUAGES; do
    start_server
    QT_QPA_PLATFORM=offscreen "$BUILD_DIR/console/app/switchboard-console-screenshots" \
        --url "ws://127.0.0.1:$port/ws" --api-key "$api_key" --admin admin \
        --users alice,bob,carol,dave,erin --language "$lang" --out "$OUT_DIR"
    stop_server
done
echo "screenshots written to $OUT_DIR"
