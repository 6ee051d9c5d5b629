#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what is missing, builds, and runs switchboardd in the foreground on the embedded
# default: SQLite in ./data, http://127.0.0.1:8000 (WebSocket at ws://127.0.0.1:8000/ws).
# Extra arguments go to switchboardd, e.g. scripts/run-server.sh --listen 0.0.0.0:8000
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
exec build/release/server/switchboardd --data-dir "${SWITCHBOARD_DATA_DIR:-data}" "$@"
