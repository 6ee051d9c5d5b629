#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# No #include reaches a layer above its own (docs/ARCHITECTURE.md, "Layers"):
#   config, store, auth, io  <  hub  <  cluster, rest  <  net  <  app
#   cluster (the Redis client and bus, server/cluster/) uses the hub (its bus is a DeliveryBus),
#   never rest, net or app; nothing below it, nor the hub or REST, uses it.
# Each check names a folder, then the folders its files must not include. The CMake libraries make
# most such includes fail to link; this catches the ones that would only use inline code.
set -u
server=${1:?usage: tst_layers.sh <server source dir>}
fail=0
check() {
    local folder=$1
    shift
    for above in "$@"; do
        local hits
        hits=$(grep -rnE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[\"<]${above}/" \
            "$server/$folder" --include='*.h' --include='*.cpp' || true)
        if [ -n "$hits" ]; then
            echo "FAIL: $folder/ includes $above/ (a layer above it):"
            echo "$hits"
            fail=1
        fi
    done
}
for lower in config store auth io; do
    check "$lower" cluster hub rest net app
done
check cluster rest net app
check hub cluster rest net app
check rest cluster net app
check net app
if [ "$fail" -eq 0 ]; then
    echo "PASS: no upward #include in server/"
fi
exit "$fail"
