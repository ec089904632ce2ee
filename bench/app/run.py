#!/usr/bin/python3
# run.py — bench/app: the desktop app's start time, memory and stalls
#
# Copyright 2026 The Switchyard developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   bench/app/run.py BUILD_DIR [--json FILE] [--sessions N] [--seconds S]
#
# On a private X server and session bus, against the real switchyardd:
#
# 1. cold start: from spawning `switchyard` to its first painted frame
#    (the app prints the CLOCK_MONOTONIC time of that frame with
#    SWITCHYARD_TEST_HOOKS=1), median of five starts;
# 2. memory: the app's RSS with N live SOCKS5 sessions listed on its
#    Connections page (the page's count must read N);
# 3. responsiveness: every session sends a little data every 100 ms, so the
#    service sends its batches at their maximum rate (ten a second, each
#    with every session changed) and a Traffic sample a second; the app then
#    reports its longest main-loop stall and its longest frame.
#
# The bars (issue 4): first frame <= 0.5 s, RSS <= 80 MB with 1,000 live
# sessions, no frame over 50 ms spent in our code.

import argparse
import json
import os
import re
import resource
import select
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

APP_ID = 'dev.switchyard.Switchyard'
APP_PATH = '/dev/switchyard/Switchyard'


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def gdbus_action(path, action, parameter='[]'):
    subprocess.run(['gdbus', 'call', '--session', '-d', APP_ID, '-o', path,
                    '-m', 'org.gtk.Actions.Activate', action, parameter, '{}'],
                   check=True, stdout=subprocess.DEVNULL)


def wait_for(what, check, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    sys.exit(f'run.py: timed out waiting for {what}')


class Hold(threading.Thread):
    """A server that reads and discards, keeping every connection open."""

    def __init__(self):
        super().__init__(daemon=True)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(('127.0.0.1', 0))
        self.listener.listen(4096)
        self.port = self.listener.getsockname()[1]
        self.poller = select.epoll()
        self.poller.register(self.listener, select.EPOLLIN)
        self.peers = {}

    def run(self):
        while True:
            for fd, _ in self.poller.poll():
                if fd == self.listener.fileno():
                    peer, _ = self.listener.accept()
                    self.peers[peer.fileno()] = peer
                    self.poller.register(peer, select.EPOLLIN)
                elif not self.peers[fd].recv(65536):
                    self.poller.unregister(fd)
                    self.peers.pop(fd).close()


def socks5_session(proxy_port, target_port):
    s = socket.create_connection(('127.0.0.1', proxy_port))
    s.sendall(b'\x05\x01\x00')
    assert s.recv(2) == b'\x05\x00'
    s.sendall(b'\x05\x01\x00\x01' + socket.inet_aton('127.0.0.1') + struct.pack('!H', target_port))
    reply = b''
    while len(reply) < 10:
        reply += s.recv(10 - len(reply))
    assert reply[1] == 0, reply
    return s


def rss_kib(pid):
    with open(f'/proc/{pid}/status') as status:
        for line in status:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return 0


def start_app(build, env):
    return subprocess.Popen([f'{build}/app/switchyard'], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)


def read_line(process, pattern, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.5)
        if ready:
            line = process.stdout.readline()
            if not line:
                break
            match = re.search(pattern, line)
            if match:
                return match
    sys.exit(f'run.py: the app did not print {pattern!r}')


def quit_app(process):
    gdbus_action(APP_PATH, 'quit')
    process.wait(timeout=10)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('build')
    parser.add_argument('--json')
    parser.add_argument('--sessions', type=int, default=1000)
    parser.add_argument('--seconds', type=int, default=20)
    args = parser.parse_args()
    build = os.path.realpath(args.build)

    if 'SWITCHYARD_BENCH_SESSION' not in os.environ:
        os.environ['SWITCHYARD_BENCH_SESSION'] = '1'
        os.execvp('dbus-run-session', ['dbus-run-session', '--', sys.executable] + sys.argv)

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    work = tempfile.mkdtemp(prefix='switchyard-bench-app-')
    children = []
    try:
        display = next(f':{n}' for n in range(90, 200)
                       if not os.path.exists(f'/tmp/.X{n}-lock')
                       and not os.path.exists(f'/tmp/.X11-unix/X{n}'))
        children.append(subprocess.Popen(['Xvfb', display, '-screen', '0', '1280x1024x24',
                                          '-nolisten', 'tcp'],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for('Xvfb', lambda: os.path.exists(f'/tmp/.X11-unix/X{display[1:]}'))

        config = os.path.join(work, 'config', 'switchyard')
        os.makedirs(config)
        proxy_port = free_port()
        with open(os.path.join(config, 'inbounds.conf'), 'w') as f:
            f.write(f'[Inbound main]\nListen=127.0.0.1\nPort={proxy_port}\n')
        with open(os.path.join(config, 'service.conf'), 'w') as f:
            # Bytes moving on every session for the whole measurement.
            f.write('[Service]\nIdleTimeout=0\n')
        children.append(subprocess.Popen([f'{build}/service/switchyardd', '--config-dir', config],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        ctl = f'{build}/service/switchyardctl'
        wait_for('switchyardd', lambda: subprocess.run([ctl, 'status'],
                                                       stdout=subprocess.DEVNULL,
                                                       stderr=subprocess.DEVNULL).returncode == 0)

        env = dict(os.environ, DISPLAY=display, GSETTINGS_BACKEND='memory',
                   GSETTINGS_SCHEMA_DIR=f'{build}/data', SWITCHYARD_TEST_HOOKS='1',
                   LC_ALL='C.UTF-8')
        env.pop('WAYLAND_DISPLAY', None)

        # 1. Cold start.
        starts = []
        for _ in range(5):
            t0 = time.monotonic_ns() // 1000
            app = start_app(build, env)
            frame = int(read_line(app, r'first-frame (\d+)').group(1))
            starts.append((frame - t0) / 1000)
            wait_for('the app on the bus', lambda: subprocess.run(
                ['gdbus', 'introspect', '--session', '-d', APP_ID, '-o', APP_PATH],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0)
            quit_app(app)
        first_frame_ms = statistics.median(starts)

        # 2. Memory with N live sessions on the Connections page.
        app = start_app(build, env)
        read_line(app, r'first-frame')
        time.sleep(1)
        gdbus_action(f'{APP_PATH}/window/1', 'show-page', "[<'connections'>]")
        hold = Hold()
        hold.start()
        sessions = [socks5_session(proxy_port, hold.port) for _ in range(args.sessions)]

        def active():
            status = json.loads(subprocess.run([ctl, '--json', 'status'], capture_output=True,
                                               text=True).stdout)
            return status['traffic']['active']
        wait_for(f'{args.sessions} live sessions', lambda: active() >= args.sessions)
        # The page lists them all (its count, read through AT-SPI).
        source = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
        count = f'{args.sessions} connection' + ('s' if args.sessions != 1 else '')
        subprocess.run(['/usr/bin/python3', os.path.join(source, 'tests', 'app', 'syapp-atspi.py'),
                        'wait', count, '30'], env=env, check=True, stdout=subprocess.DEVNULL)
        time.sleep(2)
        rss_mb = rss_kib(app.pid) / 1024

        # 3. The service's maximum event rate.
        gdbus_action(APP_PATH, 'bench-report')
        read_line(app, r'max-frame-us')
        deadline = time.monotonic() + args.seconds
        while time.monotonic() < deadline:
            tick = time.monotonic()
            for s in sessions:
                s.send(b'x' * 64)
            time.sleep(max(0, 0.1 - (time.monotonic() - tick)))
        gdbus_action(APP_PATH, 'bench-report')
        report = read_line(app, r'max-frame-us (\d+) max-stall-us (\d+) frames (\d+)')
        max_frame_ms = int(report.group(1)) / 1000
        max_stall_ms = int(report.group(2)) / 1000
        frames = int(report.group(3))
        quit_app(app)
        for s in sessions:
            s.close()

        results = {
            'first-frame-ms': round(first_frame_ms, 1),
            'first-frame-ms-all': [round(s, 1) for s in starts],
            'sessions': args.sessions,
            'rss-mb': round(rss_mb, 1),
            'load-seconds': args.seconds,
            'max-frame-ms': round(max_frame_ms, 1),
            'max-stall-ms': round(max_stall_ms, 1),
            'frames': frames,
        }
        print(f'cold start to first frame: {first_frame_ms:.0f} ms (median of 5; '
              f'{", ".join(f"{s:.0f}" for s in starts)})')
        print(f'RSS with {args.sessions} live sessions listed: {rss_mb:.1f} MB')
        print(f'under the maximum event rate for {args.seconds} s: longest frame '
              f'{max_frame_ms:.1f} ms, longest main-loop stall {max_stall_ms:.1f} ms, '
              f'{frames} frames')
        if args.json:
            with open(args.json, 'w') as f:
                json.dump(results, f, indent=2)
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait()
        subprocess.run(['rm', '-rf', work])


if __name__ == '__main__':
    main()
