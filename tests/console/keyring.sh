#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs tst_consolekeyring against a real keyring of its own: a throwaway D-Bus session with a
# gnome-keyring-daemon whose login keyring lives in a temporary HOME, so the user's own keyring
# is never touched. Exit code 77 (skipped) when dbus-run-session or gnome-keyring-daemon is
# missing (scripts/install-deps.sh --test installs them).
#   keyring.sh TEST_BINARY [test arguments]
set -euo pipefail
for tool in dbus-run-session gnome-keyring-daemon; do
    if ! command -v "$tool" > /dev/null; then
        echo "SKIP: $tool is missing"
        exit 77
    fi
done
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -m 700 "$scratch/run"
export HOME=$scratch XDG_DATA_HOME=$scratch/data XDG_RUNTIME_DIR=$scratch/run
# --unlock creates the login keyring with this password and unlocks it, so nothing prompts.
# The daemon leaves with the session bus when the test ends.
# shellcheck disable=SC2016
dbus-run-session -- bash -c '
    echo -n switchboard-test | gnome-keyring-daemon --unlock --components=secrets > /dev/null 2>&1
    exec "$@"' keyring "$@"
