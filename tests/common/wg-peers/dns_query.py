#!/usr/bin/env python3
# dns_query.py — one DNS query over UDP, for the WireGuard tests
#
# Copyright 2026 The Switchyard developers
# SPDX-License-Identifier: GPL-3.0-or-later

"""Usage: dns_query.py SERVER NAME A|AAAA [PORT]

Prints the response code (NOERROR, NXDOMAIN, ...) on the first line and
each address of the answer on a line of its own; exits 1 on no answer."""

import ipaddress
import os
import socket
import struct
import sys

TYPES = {"A": 1, "AAAA": 28}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


def skip_name(message, pos):
    while True:
        length = message[pos]
        if length & 0xC0 == 0xC0:
            return pos + 2
        pos += 1 + length
        if length == 0:
            return pos


def main():
    if len(sys.argv) not in (4, 5) or sys.argv[3] not in TYPES:
        sys.exit(__doc__)
    server, name, qtype = sys.argv[1], sys.argv[2], TYPES[sys.argv[3]]
    port = int(sys.argv[4]) if len(sys.argv) == 5 else 53
    ident = int.from_bytes(os.urandom(2), "big")
    query = struct.pack(">HHHHHH", ident, 0x0100, 1, 0, 0, 0)
    query += b"".join(bytes([len(label)]) + label.encode() for label in name.split(".") if label)
    query += b"\0" + struct.pack(">HH", qtype, 1)

    family = socket.AF_INET6 if ":" in server else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(2)
        for _ in range(3):
            sock.sendto(query, (server, port))
            try:
                response = sock.recv(4096)
            except socket.timeout:
                continue
            if response[:2] == query[:2]:
                break
        else:
            sys.exit("no answer from %s" % server)

    _, flags, qdcount, ancount = struct.unpack_from(">HHHH", response)
    print(RCODES.get(flags & 0xF, str(flags & 0xF)))
    pos = 12
    for _ in range(qdcount):
        pos = skip_name(response, pos) + 4
    for _ in range(ancount):
        pos = skip_name(response, pos)
        rtype, _, _, rdlength = struct.unpack_from(">HHIH", response, pos)
        pos += 10
        if rtype in TYPES.values():
            print(ipaddress.ip_address(response[pos:pos + rdlength]))
        pos += rdlength


if __name__ == "__main__":
    main()
