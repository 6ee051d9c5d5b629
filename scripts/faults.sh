#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The fault suite, every scenario ROUNDS times (default 3) on SQLite and PostgreSQL (a
# throwaway cluster from with-postgres.sh), then a summary table. Needs a release build
# (scripts/build.sh release); the disk-full scenario needs root (a size-limited tmpfs).
#   scripts/faults.sh [ROUNDS] [faults.py options, e.g. -k sigkill -v]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
[[ $# -gt 0 ]] && shift
server=${SWITCHBOARD_SERVER:-build/release/server/switchboardd}
if [[ ! -x $server ]]; then
    echo "faults: $server not found (scripts/build.sh release, or set SWITCHBOARD_SERVER)" >&2
    exit 1
fi
exec scripts/with-postgres.sh python3 tests/faults/faults.py --server "$server" \
    --rounds "$rounds" "$@"
