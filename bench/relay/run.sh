#!/bin/bash
# run.sh — compare switchyardd with microsocks and danted as SOCKS5 relays
#
# Copyright 2026 The Switchyard developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: bench/relay/run.sh BUILDDIR [--json FILE] [--quick] [-- sy-bench-relay options…]
#
# Starts, on 127.0.0.1 and each on a free port, switchyardd (--no-dbus, a
# temporary config dir, direct outbound), microsocks and danted, then runs
# BUILDDIR/bench/sy-bench-relay against all three in one go. Needs the Debian
# packages microsocks and dante-server. Everything started here is stopped by
# PID on exit.

set -euo pipefail

usage() {
    echo "usage: $0 BUILDDIR [--json FILE] [--quick] [-- sy-bench-relay options…]" >&2
    exit 2
}

[ $# -ge 1 ] || usage
builddir=$(cd "$1" && pwd)
shift

json=""
bench_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --json) json=$2; shift 2 ;;
        --json=*) json=${1#--json=}; shift ;;
        # one round of shorter runs: a smoke test of the harness, not figures to quote
        --quick) bench_args+=(--rounds 1 --duration 2 --rate-duration 2 --idle-window 2); shift ;;
        --) shift; bench_args+=("$@"); break ;;
        *) usage ;;
    esac
done

switchyardd=$builddir/service/switchyardd
bench=$builddir/bench/sy-bench-relay
microsocks=$(command -v microsocks || true)
danted=$(command -v danted || echo /usr/sbin/danted)

for f in "$switchyardd" "$bench"; do
    [ -x "$f" ] || { echo "run.sh: $f is missing; build first (ninja -C $builddir)" >&2; exit 1; }
done
[ -n "$microsocks" ] || { echo "run.sh: microsocks not found (apt-get install microsocks)" >&2; exit 1; }
[ -x "$danted" ] || { echo "run.sh: danted not found (apt-get install dante-server)" >&2; exit 1; }

# 1,000 idle sessions cost each proxy 2,000 descriptors; the usual soft limit
# is 1,024. Every proxy gets the same limit, the hard limit capped at 65,536.
nofile=$(ulimit -Hn)
if [ "$nofile" = unlimited ] || [ "$nofile" -gt 65536 ]; then
    nofile=65536
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sy-bench-relay.XXXXXX")
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mapfile -t ports < <("$bench" --free-ports 3)
sy_port=${ports[0]}
ms_port=${ports[1]}
dante_port=${ports[2]}

# switchyardd: one SOCKS5/HTTP inbound, direct outbound, its files kept in $tmp.
mkdir -p "$tmp/switchyard" "$tmp/xdg-config" "$tmp/xdg-state" "$tmp/xdg-runtime"
chmod 0700 "$tmp/xdg-runtime"
cat > "$tmp/switchyard/inbounds.conf" <<EOF
[Inbound main]
Listen=127.0.0.1
Port=$sy_port
Outbound=direct
EOF
XDG_CONFIG_HOME=$tmp/xdg-config XDG_STATE_HOME=$tmp/xdg-state XDG_RUNTIME_DIR=$tmp/xdg-runtime \
    prlimit --nofile="$nofile:$nofile" -- \
    "$switchyardd" --no-dbus --config-dir "$tmp/switchyard" > "$tmp/switchyardd.log" 2>&1 &
sy_pid=$!
pids+=("$sy_pid")

prlimit --nofile="$nofile:$nofile" -- \
    "$microsocks" -i 127.0.0.1 -p "$ms_port" > "$tmp/microsocks.log" 2>&1 &
ms_pid=$!
pids+=("$ms_pid")

# danted: no authentication, loopback only, in the foreground (no -D). As root
# it must be told whom to switch to; as anyone else it keeps its own user.
{
    echo "logoutput: $tmp/danted.log"
    echo "internal: 127.0.0.1 port = $dante_port"
    echo "external: 127.0.0.1"
    echo "clientmethod: none"
    echo "socksmethod: none"
    if [ "$(id -u)" = 0 ]; then
        echo "user.privileged: root"
        echo "user.unprivileged: nobody"
    fi
    echo "client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }"
    echo "socks pass { from: 127.0.0.0/8 to: 127.0.0.0/8 command: connect }"
} > "$tmp/danted.conf"
prlimit --nofile="$nofile:$nofile" -- \
    "$danted" -f "$tmp/danted.conf" -p "$tmp/danted.pid" > "$tmp/danted.out" 2>&1 &
dante_pid=$!
pids+=("$dante_pid")

wait_port() {
    local name=$1 port=$2 pid=$3 log=$4
    for _ in $(seq 100); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "run.sh: $name exited; its log:" >&2
            cat "$log" >&2 || true
            exit 1
        fi
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "run.sh: $name does not listen on 127.0.0.1:$port after 10 s; its log:" >&2
    cat "$log" >&2 || true
    exit 1
}
wait_port switchyardd "$sy_port" "$sy_pid" "$tmp/switchyardd.log"
wait_port microsocks "$ms_port" "$ms_pid" "$tmp/microsocks.log"
wait_port danted "$dante_port" "$dante_pid" "$tmp/danted.log"

pkg_version() {
    dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo unknown
}
sy_version=$(cd "$(dirname "$0")/../.." && git describe --always --dirty 2>/dev/null || echo unknown)
buildtype=$(meson introspect --buildoptions "$builddir" 2>/dev/null \
    | grep -o '"name": "buildtype", "value": "[a-z]*"' | grep -o '[a-z]*"$' | tr -d '"' || true)

echo "proxies: switchyardd pid $sy_pid :$sy_port, microsocks pid $ms_pid :$ms_port," \
     "danted pid $dante_pid :$dante_port; RLIMIT_NOFILE $nofile each" >&2
args=(--version "switchyardd=${sy_version} (${buildtype:-unknown buildtype})"
      --version "microsocks=$(pkg_version microsocks)"
      --version "danted=$(pkg_version dante-server)")
if [ -n "$json" ]; then
    args+=(--json "$json")
fi
"$bench" "${args[@]}" "${bench_args[@]}" \
    "switchyardd=127.0.0.1:$sy_port:$sy_pid" \
    "microsocks=127.0.0.1:$ms_port:$ms_pid" \
    "danted=127.0.0.1:$dante_port:$dante_pid"

for i in 0 1 2; do
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
        echo "run.sh: a proxy (pid ${pids[$i]}) died during the run" >&2
        exit 1
    fi
done
