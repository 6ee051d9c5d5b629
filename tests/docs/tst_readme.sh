#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The README's "Try it" section runs twice in a row as written (issue 14). Its shell blocks are
# read from README.md itself, so the README cannot change without this test running the new
# text, and each command runs in turn (comments skipped) against a switchboardd this script
# starts, once and then again with the same server and data: the first run creates the users,
# the second is what a reader who tries it again sees.
#
# What is substituted, and nothing else:
# - Port: the README's server listens on 127.0.0.1:8000; this one on a free port. ":8000" in a
#   command becomes ":<port>", and SWITCHBOARD_URL points the CLI, whose default (checked in
#   its --help) is the README's ws://127.0.0.1:8000/ws, at this server.
# - Data dir and binaries: the commands run in a scratch directory where "data" is the server's
#   fresh data dir and "build/release" a symlink to the build under test (build/asan there).
# - Environment: SWITCHBOARD_* variables of the caller are unset and HOME is the scratch
#   directory, as in a reader's fresh shell.
#   tst_readme.sh README.md BUILD_DIR
readme=$1
build=$(cd "$2" && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ -f $readme ]] || fail "no README at $readme"
command -v curl > /dev/null || fail "the README uses curl: apt-get install curl"

# The README's server address and data dir, as its quick start states them.
address=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$readme" | head -n 1)
readme_port=${address##*:}
[[ -n $readme_port ]] || fail "README.md no longer names the server's http://127.0.0.1:PORT"
grep -q "SQLite in \`./data\`" "$readme" || fail "README.md no longer says the data dir is ./data"
"$build/console/cli/switchboard-cli" --help | grep -q "ws://127.0.0.1:$readme_port/ws" \
    || fail "switchboard-cli's default URL is not the README's ws://127.0.0.1:$readme_port/ws"

# The commands of the shell blocks between "## Try it" and the next section, one per line
# (a trailing backslash continues a command), comments and blank lines left out.
commands=()
section=0 block=0 pending=
blank='^[[:space:]]*(#|$)'
while IFS= read -r line; do
    if [[ $line == "## "* ]]; then
        [[ $line == "## Try it"* ]] && section=1 || section=0
        continue
    fi
    ((section)) || continue
    if [[ $line == '```'* ]]; then
        [[ $block == 0 && $line == '```sh' ]] && block=1 || block=0
        continue
    fi
    ((block)) || continue
    if [[ $line == *\\ ]]; then
        pending+="${line%\\} "
        continue
    fi
    line=$pending$line
    pending=
    [[ $line =~ $blank ]] && continue
    commands+=("$line")
done < "$readme"
((${#commands[@]} > 0)) || fail "no shell block in README.md's \"Try it\" section"

root=$(mktemp -d /tmp/switchboard-readme.XXXXXX)
pid=
cleanup() {
    [[ -n $pid ]] && { kill -9 "$pid" && wait "$pid"; } 2> /dev/null
    rm -rf "$root"
}
trap cleanup EXIT
mkdir -p "$root/build"
ln -s "$build" "$root/build/release"
for name in $(compgen -e | grep '^SWITCHBOARD_'); do
    unset "$name"
done
export HOME=$root

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export SWITCHBOARD_URL=ws://127.0.0.1:$port/ws
"$build/server/switchboardd" --data-dir "$root/data" --listen "127.0.0.1:$port" \
    2> "$root/server.log" &
pid=$!
for _ in $(seq 200); do
    curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break
    kill -0 "$pid" 2> /dev/null || { cat "$root/server.log" >&2; fail "switchboardd exited"; }
    sleep 0.1
done
curl -sf "http://127.0.0.1:$port/healthz" > /dev/null \
    || { cat "$root/server.log" >&2; fail "no answer from /healthz on port $port"; }

cd "$root" || fail "cannot enter $root"
status= out= err=
# Runs one command of the README in this shell (TOKEN=... stays set for the next ones).
run() {
    eval "$1" > "$root/out" 2> "$root/err" < /dev/null
    status=$?
    out=$(< "$root/out")
    err=$(< "$root/err")
}
failed() {
    echo "FAIL (run $round): $command" >&2
    echo "  exit status $status" >&2
    echo "  stdout: $out" >&2
    echo "  stderr: $err" >&2
    echo "  server log (last lines):" >&2
    tail -n 20 "$root/server.log" >&2
    fail "$*"
}

declare -A created # user name -> id, from the first run's `user add`
for round in 1 2; do
    adds=0 logins=0 sends=0 scripts=0
    unset TOKEN # the first run's token must not pass for the second's
    for command in "${commands[@]}"; do
        command=${command//:$readme_port/:$port}
        run "$command"
        if [[ $command =~ " user add "([^ ]+) ]]; then
            name=${BASH_REMATCH[1]}
            adds=$((adds + 1))
            if ((round == 1)); then
                ((status == 0)) || failed "user add failed on a fresh data dir"
                [[ $out =~ ^"created user $name (id "([0-9]+)")" ]] || failed "no 'created user'"
                created[$name]=${BASH_REMATCH[1]}
            else
                # The README: "run again, these two only say that the user exists".
                [[ -z $out && $err == "error: user '$name' exists" ]] \
                    || failed "a second user add of $name should only say that it exists"
            fi
        elif [[ $command == TOKEN=* ]]; then
            logins=$((logins + 1))
            [[ $status == 0 && $TOKEN =~ ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$ ]] \
                || failed "no token from the login: TOKEN='$TOKEN'"
        elif [[ $command == *"--exec 'json "* ]]; then
            sends=$((sends + 1))
            # A direct message to a user the README created (not to an id nobody has yet).
            [[ $command =~ \"to\":([0-9]+) ]] || failed "the json example sends to no user id"
            to=${BASH_REMATCH[1]}
            found=0
            for name in "${!created[@]}"; do
                [[ ${created[$name]} == "$to" ]] && found=1
            done
            ((found)) || failed "the json example sends to user $to, which it did not create"
            [[ $status == 0 && $out == *"ok: json stored as "* ]] || failed "no ack for the send"
        elif [[ $command == *"--exec 'join general; say general hello; ping'"* ]]; then
            scripts=$((scripts + 1))
            ((status == 0)) || failed "the scripted CLI example failed"
            if ((round == 1)); then
                [[ $out == *"joined #general"* ]] || failed "no 'joined #general'"
            else
                [[ $out == *"already in #general"* ]] || failed "no 'already in #general'"
            fi
            [[ $out == *"ok: say stored as r:general#"* ]] || failed "the say was not stored"
            [[ $out$err == *"pong: "* ]] || failed "no pong"
        else
            ((status == 0)) || failed "a command of the README failed"
        fi
    done
    # What this test checks must still be in the README: a changed example needs this test
    # changed with it.
    ((adds >= 2)) || fail "README.md's Try it no longer creates two users: update $0"
    ((logins == 1)) || fail "README.md's Try it no longer logs in with TOKEN=...: update $0"
    ((sends == 1)) || fail "README.md's Try it no longer sends a json frame: update $0"
    ((scripts == 1)) || fail "README.md no longer runs 'join general; say general hello; ping': update $0"
done
echo "PASS: README.md's Try it, ${#commands[@]} commands, ran twice against port $port"
