#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole test suite: installs what is missing, builds the Release and the ASan+UBSan
# configurations, starts a throwaway PostgreSQL and a throwaway Redis server, and runs every test
# on both configurations (store and end-to-end tests on SQLite and on PostgreSQL, the Redis client
# against the real redis-server). With the ASan configuration, the
# libFuzzer targets also run briefly (scripts/fuzz.sh; FUZZ_SECONDS per target, 20 by default).
#   scripts/test.sh [--release-only|--asan-only] [ctest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
configs=(release asan)
case "${1:-}" in
    --release-only) configs=(release); shift ;;
    --asan-only) configs=(asan); shift ;;
esac
scripts/install-deps.sh --test
for c in "${configs[@]}"; do
    scripts/build.sh "$c"
done
export SWITCHBOARD_REQUIRE_POSTGRES=1
export SWITCHBOARD_REQUIRE_REDIS=1
export QT_QPA_PLATFORM=offscreen
status=0
for c in "${configs[@]}"; do
    echo "=== tests: $c ==="
    scripts/with-postgres.sh scripts/with-redis.sh \
        ctest --test-dir "build/$c" --output-on-failure -j2 "$@" || status=1
done
if [[ " ${configs[*]} " == *" asan "* ]]; then
    echo "=== fuzz: ${FUZZ_SECONDS:-20}s per target ==="
    scripts/fuzz.sh "${FUZZ_SECONDS:-20}" || status=1
fi
exit $status
