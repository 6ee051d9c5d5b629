#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What `cmake --install` puts on a system, staged under a scratch DESTDIR: the programs, the
# systemd unit, its system user and the configuration file, naming each other correctly; the
# configuration is not world-readable (0640, root:switchboard through tmpfiles.d);
# systemd-analyze accepts the unit; the installed daemon starts with the installed
# configuration (data dir and port moved to scratch places), answers /healthz and exits 0 on
# SIGTERM. The example nginx site is installed with the documentation.
#   tst_install.sh BUILD_DIR
set -euo pipefail
build=$1
fail() { echo "FAIL: $*" >&2; exit 1; }

root=$(mktemp -d /tmp/switchboard-install.XXXXXX)
pid=
cleanup() { [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null; rm -rf "$root"; }
trap cleanup EXIT

DESTDIR=$root cmake --install "$build" > "$root/install.log"
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
[[ -n $prefix ]] || fail "no CMAKE_INSTALL_PREFIX in $build/CMakeCache.txt"

for program in switchboardd switchboard-cli switchboard-loadtest switchboard-console; do
    [[ -x $root$prefix/bin/$program ]] || fail "$program not installed to $prefix/bin"
done

unit=$root$prefix/lib/systemd/system/switchboardd.service
[[ -f $unit ]] || fail "no unit at $prefix/lib/systemd/system"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
read -r daemon option conf <<< "$exec_start"
[[ $daemon == "$prefix/bin/switchboardd" ]] || fail "ExecStart runs $daemon"
[[ $option == --config && -f $root$conf ]] || fail "ExecStart's configuration $conf is not installed"

user=$(sed -n 's/^User=//p' "$unit")
sysusers=$root$prefix/lib/sysusers.d/switchboard.conf
[[ -f $sysusers ]] || fail "no sysusers.d entry"
grep -Eq "^u $user - .* /var/lib/switchboard$" "$sysusers" || fail "sysusers.d does not create $user"
# The configuration's data_dir is the directory systemd creates for the unit.
state=$(sed -n 's/^StateDirectory=//p' "$unit")
grep -Eq "^data_dir = /var/lib/$state$" "$root$conf" || fail "data_dir is not /var/lib/$state"

# The configuration holds secrets: installed 0640 (never world-readable), and tmpfiles.d gives
# it to root and the unit's group.
mode=$(stat -c %a "$root$conf")
[[ $mode == 640 ]] || fail "the configuration is installed with mode $mode, not 640"
group=$(sed -n 's/^Group=//p' "$unit")
tmpfiles=$root$prefix/lib/tmpfiles.d/switchboard.conf
[[ -f $tmpfiles ]] || fail "no tmpfiles.d entry"
grep -Eq "^z $conf 0640 root $group -$" "$tmpfiles" \
    || fail "tmpfiles.d does not make $conf 0640 root:$group"

# systemd-analyze checks every directive; it wants ExecStart's program to exist, so it reads a
# copy that runs the staged one.
if command -v systemd-analyze > /dev/null; then
    mkdir "$root/verify"
    sed "s|^ExecStart=$daemon|ExecStart=$root$daemon|" "$unit" > "$root/verify/switchboardd.service"
    systemd-analyze verify "$root/verify/switchboardd.service" || fail "systemd-analyze verify"
else
    fail "systemd-analyze not found (apt-get install systemd)"
fi

example=$root$prefix/share/doc/switchboard/examples/nginx/switchboard.conf
[[ -f $example ]] || fail "no nginx example at $prefix/share/doc/switchboard/examples/nginx"
grep -q "^upstream switchboard {" "$example" || fail "the nginx example has no upstream switchboard"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$root$daemon" --config "$root$conf" --data-dir "$root/data" --listen "127.0.0.1:$port" \
    2> "$root/daemon.log" &
pid=$!
health=
for _ in $(seq 100); do
    if health=$(exec 3<>"/dev/tcp/127.0.0.1/$port" \
        && printf 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3 \
        && cat <&3); then
        break
    fi
    sleep 0.1
done
[[ $health == "HTTP/1.1 200"* ]] || { cat "$root/daemon.log" >&2; fail "no 200 from /healthz: $health"; }
grep -q "config: data_dir=$root/data$" "$root/daemon.log" \
    || { cat "$root/daemon.log" >&2; fail "the daemon did not log the data dir it was given"; }
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
[[ $status == 0 ]] || { cat "$root/daemon.log" >&2; fail "exit status $status after SIGTERM"; }
echo "PASS: installed to $prefix under a scratch DESTDIR; unit, user, configuration and daemon agree"
