#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets (clang-14, ASan+UBSan, only the sources they need) into build/fuzz
# and runs each for SECONDS (default 60) from its seed corpus in tests/fuzz/corpus/<target>/.
# New inputs go to build/fuzz/corpus/<target>/ (the seeds stay small and reviewed); a crash is
# saved as build/fuzz/crash-<target>-* and fails the script: turn it into a regression test.
#   scripts/fuzz.sh [SECONDS] [target...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
    targets=(fuzz_frameparser fuzz_upgraderequest fuzz_clientframe fuzz_restbody)
fi
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
if [[ ! -f build/fuzz/build.ninja ]]; then
    CXX=${FUZZ_CXX:-clang++-14} cmake -S tests/fuzz -B build/fuzz -G Ninja >/dev/null
fi
cmake --build build/fuzz -j"$(nproc)" --target "${targets[@]}"
status=0
for t in "${targets[@]}"; do
    mkdir -p "build/fuzz/corpus/$t"
    log="build/fuzz/$t.log"
    echo "=== $t: ${seconds}s ==="
    # -rss_limit_mb: Qt's JSON parser may take what a 64 KiB input asks; more is a bug.
    if ! UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "build/fuzz/$t" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=1024 \
        -timeout=10 -print_final_stats=1 -artifact_prefix="build/fuzz/crash-$t-" \
        "build/fuzz/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
        echo "FAILED: $t (see $log and build/fuzz/crash-$t-*)"
        tail -40 "$log"
        status=1
        continue
    fi
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
    echo "$t: $runs executions, $((runs / (seconds > 0 ? seconds : 1))) per second"
done
exit $status
