#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian 12 packages Switchboard needs, only those missing (idempotent).
#   scripts/install-deps.sh            build + run dependencies
#   scripts/install-deps.sh --test     also the servers the test suite starts (PostgreSQL, Redis,
#                                      nginx), systemd-analyze, which checks the installed unit, and the
#                                      seed clients' runtimes (Chromium, Node.js)
set -euo pipefail

packages=(
    build-essential cmake ninja-build pkg-config ccache git
    qt6-base-dev qt6-websockets-dev qt6-httpserver-dev
    libqt6sql6-sqlite libqt6sql6-psql
    libsodium-dev libjwt-dev libssl-dev libhiredis-dev
    qt6-charts-dev libqt6opengl6-dev libxkbcommon-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qt6-translations-l10n
    libedit-dev fonts-wqy-microhei qtkeychain-qt6-dev
)
if [[ "${1:-}" == "--test" ]]; then
    packages+=(postgresql redis-server openssl systemd)
    # tst_cluster_e2e puts packaging/nginx/switchboard.conf in front of three nodes (an nginx
    # instance of its own; the package's system service is not needed).
    packages+=(nginx)
    # The conformance suite (tests/conformance) and the libFuzzer targets (scripts/fuzz.sh).
    packages+=(python3 clang libfuzzer-14-dev)
    # tests/docs runs the README's examples, which log in with curl.
    packages+=(curl)
    # tst_consolekeyring keeps a secret in a real keyring of its own (a throwaway D-Bus session).
    packages+=(dbus-daemon gnome-keyring)
    # tst_seedclients runs the seeds' own client code: seed 000's demo page in headless
    # Chromium, seed 004's client class under Node.js (its global WebSocket), seed 001's
    # Node.js script (with the ws package).
    packages+=(chromium nodejs node-ws)
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if ((${#missing[@]} == 0)); then
    exit 0
fi

echo "Installing: ${missing[*]}" >&2
sudo=()
if [[ $(id -u) -ne 0 ]]; then
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
