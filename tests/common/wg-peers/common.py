# common.py — what the servers behind the WireGuard test tunnel share
#
# Copyright 2026 The Switchyard developers
# SPDX-License-Identifier: GPL-3.0-or-later

"""Command line, address families and the start-up handshake with the C
fixture (tests/common/sy-test-wg.c), which waits for the line "ready"."""

import argparse
import signal
import socket
import sys
import threading


def parse_args(description, extra=None):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--bind", action="append", required=True,
                        help="an address to serve on (repeat for more)")
    parser.add_argument("--port", type=int, required=True)
    if extra is not None:
        extra(parser)
    return parser.parse_args()


def family_of(address):
    return socket.AF_INET6 if ":" in address else socket.AF_INET


def serve_forever(targets):
    """Runs each callable on a daemon thread, says "ready" and waits for
    SIGTERM (the fixture's SIGKILL needs no handler)."""
    for target in targets:
        threading.Thread(target=target, daemon=True).start()
    print("ready", flush=True)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    threading.Event().wait()
