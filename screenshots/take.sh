#!/bin/bash
# take.sh — renders the screenshots of the Switchyard app in screenshots/
#
# Copyright 2026 The Switchyard developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   screenshots/take.sh BUILD_DIR [OUT_DIR]
#
# The real app against the real switchyardd of BUILD_DIR, on a private X
# server (Xvfb) and session bus (dbus-run-session), with a realistic setup
# that stays on this computer: a pool of three upstream proxies (two
# microsocks, one that is down), a WireGuard profile, a health check
# against a local web server, and several rate-limited downloads through
# the proxy for live traffic. Each page is rendered by the app itself
# (the test-only app.screenshot action), in English and Simplified
# Chinese, light and dark.
#
# Needs: Xvfb, dbus-run-session, microsocks, curl, python3, and a CJK font
# (Debian: fonts-wqy-microhei or fonts-noto-cjk) for the zh_CN shots.
set -euo pipefail

if [ -z "${SWITCHYARD_SCREENSHOT_SESSION:-}" ]; then
    export SWITCHYARD_SCREENSHOT_SESSION=1
    exec dbus-run-session -- "$0" "$@"
fi

build=$(realpath "${1:?usage: take.sh BUILD_DIR [OUT_DIR]}")
out=$(realpath "${2:-$(dirname "$0")}")
app="$build/app/switchyard"
daemon="$build/service/switchyardd"
ctl="$build/service/switchyardctl"
for program in "$app" "$daemon" "$ctl"; do
    [ -x "$program" ] || { echo "take.sh: $program is not built" >&2; exit 1; }
done

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# An X server of our own.
display=""
for n in $(seq 90 199); do
    [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ] || { display=":$n"; break; }
done
Xvfb "$display" -screen 0 1280x1024x24 -nolisten tcp >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done
export DISPLAY=$display
unset WAYLAND_DISPLAY

# The peers, all on loopback.
web_port=$(free_port)
proxy_port=$(free_port)
mkdir -p "$work/www"
head -c 400000000 /dev/zero > "$work/www/update.bin"
echo ok > "$work/www/generate_204"
(cd "$work/www" && exec python3 -m http.server "$web_port" --bind 127.0.0.1) >/dev/null 2>&1 &
pids+=($!)
socks_a=$(free_port)
socks_b=$(free_port)
microsocks -i 127.0.0.1 -p "$socks_a" >/dev/null 2>&1 &
pids+=($!)
microsocks -i 127.0.0.1 -p "$socks_b" >/dev/null 2>&1 &
pids+=($!)
dead_port=$(free_port)

# The service, with its own configuration directory.
export XDG_CONFIG_HOME="$work/config"
mkdir -p "$XDG_CONFIG_HOME/switchyard"
printf '[Inbound main]\nListen=127.0.0.1\nPort=%s\n' "$proxy_port" \
    > "$XDG_CONFIG_HOME/switchyard/inbounds.conf"
"$daemon" > "$work/switchyardd.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do "$ctl" status >/dev/null 2>&1 && break; sleep 0.1; done

"$ctl" pools add office --strategy round-robin \
    --health-url "http://127.0.0.1:$web_port/generate_204" --health-interval 5 >/dev/null
"$ctl" upstreams add office "socks5://127.0.0.1:$socks_a" --name tokyo >/dev/null
"$ctl" upstreams add office "socks5://127.0.0.1:$socks_b" --name frankfurt >/dev/null
"$ctl" upstreams add office "http://127.0.0.1:$dead_port" --name singapore >/dev/null
private_key=$(head -c 32 /dev/urandom | base64)
peer_key=$(head -c 32 /dev/urandom | base64)
printf '[Interface]\nPrivateKey = %s\nAddress = 10.66.0.2/32, fd66::2/128\nDNS = 10.66.0.1\n\n[Peer]\nPublicKey = %s\nEndpoint = 127.0.0.1:%s\nAllowedIPs = 0.0.0.0/0, ::/0\nPersistentKeepalive = 25\n' \
    "$private_key" "$peer_key" "$(free_port)" > "$work/home-vpn.conf"
"$ctl" wireguard import "$work/home-vpn.conf" >/dev/null
gdbus call --session -d dev.switchyard.Switchyard.Daemon -o /dev/switchyard/Switchyard \
    -m dev.switchyard.Daemon1.SetInbound "{'name': <'main'>, 'outbound': <'office'>}" >/dev/null
"$ctl" start >/dev/null

# Live traffic: downloads at different rates, restarted as they finish.
for rate in 3M 1500k 800k 400k 250k 120k; do
    (while :; do
        curl -s -x "socks5h://127.0.0.1:$proxy_port" --limit-rate "$rate" \
            -o /dev/null "http://127.0.0.1:$web_port/update.bin" || sleep 1
    done) &
    pids+=($!)
done
(while :; do
    curl -s -x "http://127.0.0.1:$proxy_port" -o /dev/null "http://127.0.0.1:$web_port/generate_204"
    sleep 2
done) &
pids+=($!)
# Let the counters and the health checks settle.
sleep "${SWITCHYARD_SCREENSHOT_WARMUP:-20}"

act() {
    gdbus call --session -d dev.switchyard.Switchyard -o "$1" \
        -m org.gtk.Actions.Activate "$2" "$3" '{}' >/dev/null
}

shoot() {    # LANGUAGE STYLE SUFFIX
    local language=$1 style=$2 suffix=$3 app_pid
    mkdir -p "$work/settings-$suffix/glib-2.0/settings"
    # One minute of traffic fills the graph; the window a little wider.
    printf '[dev/switchyard/Switchyard]\ntraffic-minutes=uint32 1\nwindow-width=1100\nwindow-height=760\n' \
        > "$work/settings-$suffix/glib-2.0/settings/keyfile"
    LANGUAGE=$language LC_ALL=C.UTF-8 ADW_DEBUG_COLOR_SCHEME=$style \
        XDG_CONFIG_HOME="$work/settings-$suffix" GSETTINGS_BACKEND=keyfile \
        GSETTINGS_SCHEMA_DIR="$build/data" SWITCHYARD_LOCALEDIR="$build/po" \
        SWITCHYARD_TEST_HOOKS=1 GSK_RENDERER=cairo \
        "$app" > "$work/app-$suffix.log" 2>&1 &
    app_pid=$!
    for _ in $(seq 100); do
        gdbus introspect --session -d dev.switchyard.Switchyard -o /dev/switchyard/Switchyard \
            >/dev/null 2>&1 && break
        sleep 0.1
    done
    # The graph shows what the app saw since it started: give it a minute.
    sleep "${SWITCHYARD_SCREENSHOT_GRAPH:-60}"
    for page in overview upstreams wireguard connections logs; do
        act /dev/switchyard/Switchyard/window/1 show-page "[<'$page'>]"
        sleep 2
        act /dev/switchyard/Switchyard screenshot "[<'$out/$page$suffix.png'>]"
        sleep 1
    done
    act /dev/switchyard/Switchyard quit "[]"
    wait "$app_pid" 2>/dev/null || true
}

shoot en prefer-light ""
shoot en prefer-dark "-dark"
shoot zh_CN prefer-light "-zh_CN"
shoot zh_CN prefer-dark "-zh_CN-dark"

ls -1 "$out"/*.png
