#!/usr/bin/env python3
# udp_echo.py — the UDP echo service behind the WireGuard test tunnel
#
# Copyright 2026 The Switchyard developers
# SPDX-License-Identifier: GPL-3.0-or-later

"""Sends every datagram back to where it came from."""

import socket

import common


def echo(sock):
    while True:
        data, peer = sock.recvfrom(65535)
        sock.sendto(data, peer)


def main():
    args = common.parse_args(__doc__.splitlines()[0])
    sockets = []
    for address in args.bind:
        sock = socket.socket(common.family_of(address), socket.SOCK_DGRAM)
        sock.bind((address, args.port))
        sockets.append(sock)
    common.serve_forever([lambda s=s: echo(s) for s in sockets])


if __name__ == "__main__":
    main()
