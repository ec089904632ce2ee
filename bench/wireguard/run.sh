#!/bin/bash
# run.sh — single-stream throughput through switchyardd's userspace WireGuard
#          against the kernel-TCP reference path, same server, same run
#
# Copyright 2026 The Switchyard developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: bench/wireguard/run.sh BUILDDIR [--json FILE] [--quick] [--seconds N] [--reference-only]
#
# Needs root (network namespaces) and the Debian packages wireguard-go,
# wireguard-tools and iperf3. Everything happens inside a network namespace
# of its own (the script re-executes itself under `unshare --net`), so the
# machine's interfaces are never touched:
#
#   bench ns ── veth ──┐                      ┌── veth ── kernel-client ns
#   switchyardd -c     │   server ns          │   wireguard-go (TUN) +
#   (lwIP + our WG)    └── wireguard-go (TUN) ┘   the kernel's TCP stack
#   iperf3 -c via a        iperf3 -s on the tunnel address  iperf3 -c
#   TCPClientTunnel
#
# Both clients talk to the same wireguard-go server and iperf3 server. Each
# condition runs twice: directly over the veths, and with ~50 ms RTT added
# by sy-udp-delay relays (25 ms each way) between the WireGuard endpoints,
# because this kernel has no netem. Printed: Mbit/s of both paths, their
# ratio, and CPU seconds per GiB of the client side (switchyardd's process
# vs. the reference wireguard-go client's process; the reference path's
# kernel TCP work is not charged to any process and so is not counted).

set -euo pipefail

usage() {
    echo "usage: $0 BUILDDIR [--json FILE] [--quick] [--seconds N] [--reference-only]" >&2
    exit 2
}

[ $# -ge 1 ] || usage
builddir=$(cd "$1" && pwd)
shift
json=""
seconds=10
reference_only=0
while [ $# -gt 0 ]; do
    case "$1" in
        --json) json=$2; shift 2 ;;
        --json=*) json=${1#--json=}; shift ;;
        --quick) seconds=3; shift ;;
        --seconds) seconds=$2; shift 2 ;;
        # checks the namespaces, relays and the reference path alone
        --reference-only) reference_only=1; shift ;;
        *) usage ;;
    esac
done

here=$(cd "$(dirname "$0")" && pwd)
switchyardd=$builddir/service/switchyardd
delay=$builddir/bench/sy-udp-delay
for f in "$switchyardd" "$delay"; do
    [ -x "$f" ] || { echo "run.sh: $f is missing; build first (ninja -C $builddir)" >&2; exit 1; }
done
for p in wireguard-go wg iperf3 ip unshare python3; do
    command -v "$p" >/dev/null || { echo "run.sh: $p not found (apt-get install wireguard-go wireguard-tools iperf3 iproute2)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "run.sh: needs root for network namespaces" >&2; exit 1; }

if [ "${SY_BENCH_WG_ISOLATED:-}" != 1 ]; then
    args=("$builddir" --seconds "$seconds")
    [ "$reference_only" = 1 ] && args+=(--reference-only)
    [ -n "$json" ] && args+=(--json "$(realpath -m "$json")")
    exec env SY_BENCH_WG_ISOLATED=1 unshare --net -- "$0" "${args[@]}"
fi

ip link set lo up
tag=$$
srv=sybw-srv-$tag
kc=sybw-kc-$tag
# wireguard-go puts its control socket in /var/run/wireguard/IFNAME.sock,
# which all namespaces share: interface names must differ.
srv_if=sybws$tag
kc_if=sybwk$tag
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sy-bench-wg.XXXXXX")
pids=()

cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for ns in "$srv" "$kc"; do
        ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
    done
    sleep 0.2
    for ns in "$srv" "$kc"; do ip netns delete "$ns" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT

in_srv() { ip netns exec "$srv" "$@"; }
in_kc() { ip netns exec "$kc" "$@"; }

# keys
srv_key=$(wg genkey); srv_pub=$(echo "$srv_key" | wg pubkey)
sy_key=$(wg genkey); sy_pub=$(echo "$sy_key" | wg pubkey)
kc_key=$(wg genkey); kc_pub=$(echo "$kc_key" | wg pubkey)

# namespaces and links: bench ns <-> server, kernel client <-> server
ip netns add "$srv"
ip netns add "$kc"
ip -n "$srv" link set lo up
ip -n "$kc" link set lo up
ip link add sybw-b0 type veth peer name sybw-s0 netns "$srv"
ip addr add 10.201.0.1/24 dev sybw-b0
ip link set sybw-b0 up
ip -n "$srv" addr add 10.201.0.2/24 dev sybw-s0
ip -n "$srv" link set sybw-s0 up
ip -n "$kc" link add sybw-k0 type veth peer name sybw-s1 netns "$srv"
ip -n "$kc" addr add 10.202.0.1/24 dev sybw-k0
ip -n "$kc" link set sybw-k0 up
ip -n "$srv" addr add 10.202.0.2/24 dev sybw-s1
ip -n "$srv" link set sybw-s1 up

# the server: wireguard-go with both clients as peers, iperf3 inside
ip netns exec "$srv" env WG_PROCESS_FOREGROUND=1 wireguard-go "$srv_if" >"$tmp/wg-srv.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do in_srv ip link show "$srv_if" >/dev/null 2>&1 && break; sleep 0.1; done
echo "$srv_key" > "$tmp/srv.key"
in_srv wg set "$srv_if" private-key "$tmp/srv.key" listen-port 51820 \
    peer "$sy_pub" allowed-ips 10.77.0.2/32 \
    peer "$kc_pub" allowed-ips 10.77.0.3/32
in_srv ip addr add 10.77.0.1/24 dev "$srv_if"
in_srv ip link set "$srv_if" up
ip netns exec "$srv" iperf3 -s -B 10.77.0.1 >"$tmp/iperf3-srv.log" 2>&1 &
pids+=($!)

# the reference client: wireguard-go with a TUN and the kernel's TCP stack
ip netns exec "$kc" env WG_PROCESS_FOREGROUND=1 wireguard-go "$kc_if" >"$tmp/wg-kc.log" 2>&1 &
kc_wg_pid=$!
pids+=($kc_wg_pid)
for _ in $(seq 50); do in_kc ip link show "$kc_if" >/dev/null 2>&1 && break; sleep 0.1; done
echo "$kc_key" > "$tmp/kc.key"
in_kc ip addr add 10.77.0.3/24 dev "$kc_if"
in_kc ip link set "$kc_if" up

# sy-udp-delay relays for the 50 ms condition, one per client
"$delay" 127.0.0.1:40001 10.201.0.2:51820 25 >"$tmp/delay-sy.log" 2>&1 &
pids+=($!)
ip netns exec "$kc" "$delay" 127.0.0.1:40002 10.202.0.2:51820 25 >"$tmp/delay-kc.log" 2>&1 &
pids+=($!)

start_switchyardd() {
    local endpoint=$1
    cat > "$tmp/wireproxy.ini" <<INI
[Interface]
Address = 10.77.0.2/32
PrivateKey = $sy_key
MTU = 1420

[Peer]
PublicKey = $srv_pub
Endpoint = $endpoint
AllowedIPs = 10.77.0.0/24
PersistentKeepalive = 25

[TCPClientTunnel]
BindAddress = 127.0.0.1:15201
Target = 10.77.0.1:5201
INI
    "$switchyardd" -s -c "$tmp/wireproxy.ini" >"$tmp/switchyardd.log" 2>&1 &
    sy_pid=$!
    for _ in $(seq 100); do
        (exec 3<>/dev/tcp/127.0.0.1/15201) 2>/dev/null && return 0
        sleep 0.05
    done
    echo "run.sh: switchyardd did not start:" >&2
    cat "$tmp/switchyardd.log" >&2
    exit 1
}

stop_switchyardd() {
    kill "$sy_pid" 2>/dev/null || true
    wait "$sy_pid" 2>/dev/null || true
}

set_kc_endpoint() {
    in_kc wg set "$kc_if" private-key "$tmp/kc.key" peer "$srv_pub" endpoint "$1" \
        allowed-ips 10.77.0.0/24 persistent-keepalive 25
}

cpu_seconds() { # utime + stime of a pid, in seconds
    awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"
}

# Runs iperf3 and prints "MBIT_PER_S GIB_MOVED CPU_S" with CPU taken from $2.
run_iperf() {
    local where=$1 pid=$2; shift 2
    local before after out
    # The server takes a moment to finish the previous test; until then it
    # answers "the server is busy running a test".
    for _ in $(seq 20); do
        before=$(cpu_seconds "$pid")
        if [ "$where" = kc ]; then
            out=$(in_kc iperf3 -J -t "$seconds" "$@" || true)
        else
            out=$(iperf3 -J -t "$seconds" "$@" || true)
        fi
        after=$(cpu_seconds "$pid")
        case "$out" in
            *"server is busy"*) sleep 0.5 ;;
            *) break ;;
        esac
    done
    python3 -c '
import json, sys
r = json.loads(sys.argv[1])
if "error" in r:
    sys.exit("iperf3: " + r["error"])
s = r["end"]["sum_received"]
print("%.1f %.4f %.3f" % (s["bits_per_second"] / 1e6, s["bytes"] / 2**30, float(sys.argv[3]) - float(sys.argv[2])))
' "$out" "$before" "$after"
}

results=()
for condition in loopback rtt50; do
    if [ "$condition" = loopback ]; then
        sy_endpoint=10.201.0.2:51820; kc_endpoint=10.202.0.2:51820
    else
        sy_endpoint=127.0.0.1:40001; kc_endpoint=127.0.0.1:40002
    fi
    set_kc_endpoint "$kc_endpoint"
    in_kc ping -c 1 -W 5 10.77.0.1 >/dev/null
    [ "$reference_only" = 1 ] || start_switchyardd "$sy_endpoint"
    rtt=$(in_kc ping -c 3 -i 0.2 -q 10.77.0.1 | sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1|p')
    for direction in download upload; do
        flags=()
        [ "$direction" = download ] && flags=(-R)
        read -r ref_mbit ref_gib ref_cpu < <(run_iperf kc "$kc_wg_pid" -c 10.77.0.1 "${flags[@]}")
        if [ "$reference_only" = 1 ]; then
            echo "$condition $direction rtt $rtt ms  reference $ref_mbit Mbit/s  cpu $ref_cpu s for $ref_gib GiB"
            continue
        fi
        read -r sy_mbit sy_gib sy_cpu < <(run_iperf local "$sy_pid" -c 127.0.0.1 -p 15201 "${flags[@]}")
        line=$(python3 -c '
import sys
c, d, rtt, sm, sg, sc, rm, rg, rc = sys.argv[1:]
sm, sg, sc, rm, rg, rc = map(float, (sm, sg, sc, rm, rg, rc))
print("%-8s %-8s rtt %6s ms  switchyardd %8.1f Mbit/s  reference %8.1f Mbit/s  ratio %.2fx  cpu s/GiB %.2f vs %.2f"
      % (c, d, rtt, sm, rm, sm / rm, sc / sg if sg else 0, rc / rg if rg else 0))
' "$condition" "$direction" "$rtt" "$sy_mbit" "$sy_gib" "$sy_cpu" "$ref_mbit" "$ref_gib" "$ref_cpu")
        echo "$line"
        results+=("$condition $direction $rtt $sy_mbit $sy_gib $sy_cpu $ref_mbit $ref_gib $ref_cpu")
    done
    [ "$reference_only" = 1 ] || stop_switchyardd
done

if [ -n "$json" ]; then
    printf '%s\n' "${results[@]}" | python3 -c '
import json, sys
rows = []
for line in sys.stdin:
    c, d, rtt, sm, sg, sc, rm, rg, rc = line.split()
    sm, sg, sc, rm, rg, rc = map(float, (sm, sg, sc, rm, rg, rc))
    rows.append({"condition": c, "direction": d, "rtt_ms": float(rtt or 0),
                 "switchyardd_mbit_s": sm, "reference_mbit_s": rm, "ratio": sm / rm,
                 "switchyardd_cpu_s_per_gib": sc / sg if sg else None,
                 "reference_cpu_s_per_gib": rc / rg if rg else None})
json.dump({"seconds": int(sys.argv[1]), "results": rows}, open(sys.argv[2], "w"), indent=2)
' "$seconds" "$json"
    echo "wrote $json"
fi
