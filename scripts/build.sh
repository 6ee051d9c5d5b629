#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Configures and builds one configuration: scripts/build.sh release|asan [cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-release}
shift || true
case "$kind" in
    release) args=(-DCMAKE_BUILD_TYPE=Release) ;;
    asan) args=(-DCMAKE_BUILD_TYPE=Debug -DSWITCHBOARD_SANITIZE=ON) ;;
    *) echo "usage: scripts/build.sh release|asan" >&2; exit 2 ;;
esac
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
# Paths relative to the checkout, so that clones and worktrees in other folders share the cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
if [[ ! -f build/$kind/build.ninja ]]; then
    cmake -S . -B "build/$kind" -G Ninja "${args[@]}" "$@" >/dev/null
fi
cmake --build "build/$kind" -j"$(nproc)"
