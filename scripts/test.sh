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
failed=()
for c in "${configs[@]}"; do
    echo "=== tests: $c ==="
    if ! scripts/with-postgres.sh scripts/with-redis.sh \
        ctest --test-dir "build/$c" --output-on-failure -j2 "$@"; then
        status=1
        failed+=("$c")
    fi
done
if [[ " ${configs[*]} " == *" asan "* ]]; then
    echo "=== fuzz: ${FUZZ_SECONDS:-20}s per target ==="
    scripts/fuzz.sh "${FUZZ_SECONDS:-20}" || status=1
fi
# The failures again, last, so that the end of a long log names them: each failed test, and each
# failed check (Qt Test's FAIL! line, its location and the sanitizers' reports).
for c in "${failed[@]}"; do
    echo "=== failed in $c ==="
    log="build/$c/Testing/Temporary/LastTestsFailed.log"
    [[ -f $log ]] && cat "$log"
    grep -E -A3 '^FAIL!|^(==[0-9]+==)?ERROR: AddressSanitizer|runtime error:|^QFATAL' \
        "build/$c/Testing/Temporary/LastTest.log" | head -60 || true
done
exit $status
