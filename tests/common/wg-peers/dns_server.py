#!/usr/bin/env python3
# dns_server.py — the DNS service behind the WireGuard test tunnel
#
# Copyright 2026 The Switchyard developers
# SPDX-License-Identifier: GPL-3.0-or-later

"""An authoritative DNS server over UDP for the names it is given, A and
AAAA records only (RFC 1035, RFC 3596): NXDOMAIN for any other name, an
empty NOERROR answer for a known name without the type asked for."""

import ipaddress
import socket
import struct

import common

TYPE_A = 1
TYPE_AAAA = 28
TYPE_ANY = 255
CLASS_IN = 1
TTL = 60

FLAG_QR = 0x8000
FLAG_AA = 0x0400
FLAG_RD = 0x0100
MASK_OPCODE = 0x7800

NOERROR, FORMERR, NXDOMAIN, NOTIMP, REFUSED = 0, 1, 3, 4, 5


def parse_question(query):
    """Returns (name, qtype, qclass, end of the question)."""
    labels = []
    pos = 12
    while True:
        length = query[pos]
        pos += 1
        if length == 0:
            break
        if length & 0xC0:
            # A lone question has nothing earlier to point to.
            raise ValueError("compressed name in the question")
        labels.append(query[pos:pos + length])
        pos += length
    qtype, qclass = struct.unpack_from(">HH", query, pos)
    return b".".join(labels).decode("ascii").lower(), qtype, qclass, pos + 4


def answer(query, records):
    ident, flags, qdcount = struct.unpack_from(">HHH", query)
    base = FLAG_QR | FLAG_AA | (flags & (MASK_OPCODE | FLAG_RD))

    def reply(rcode, question=b"", answers=()):
        header = struct.pack(">HHHHHH", ident, base | rcode,
                             1 if question else 0, len(answers), 0, 0)
        return header + question + b"".join(answers)

    if flags & MASK_OPCODE:
        return reply(NOTIMP)
    if qdcount != 1:
        return reply(FORMERR)
    try:
        name, qtype, qclass, end = parse_question(query)
    except (IndexError, struct.error, ValueError, UnicodeDecodeError):
        return reply(FORMERR)
    question = query[12:end]
    if qclass != CLASS_IN:
        return reply(REFUSED, question)
    if name not in records:
        return reply(NXDOMAIN, question)
    answers = []
    for address in records[name]:
        rtype = TYPE_A if address.version == 4 else TYPE_AAAA
        if qtype in (rtype, TYPE_ANY):
            # The owner name points back at the question (offset 12).
            answers.append(struct.pack(">HHHIH", 0xC00C, rtype, CLASS_IN, TTL,
                                       len(address.packed)) + address.packed)
    return reply(NOERROR, question, answers)


def serve(sock, records):
    while True:
        query, peer = sock.recvfrom(4096)
        if len(query) < 12:
            continue
        sock.sendto(answer(query, records), peer)


def main():
    args = common.parse_args(
        __doc__.splitlines()[0],
        lambda p: p.add_argument("--record", action="append", default=[],
                                 help="NAME=ADDRESS, an A or AAAA record"))
    records = {}
    for record in args.record:
        name, address = record.split("=", 1)
        records.setdefault(name.lower().rstrip("."), []).append(ipaddress.ip_address(address))
    sockets = []
    for address in args.bind:
        sock = socket.socket(common.family_of(address), socket.SOCK_DGRAM)
        sock.bind((address, args.port))
        sockets.append(sock)
    common.serve_forever([lambda s=s: serve(s, records) for s in sockets])


if __name__ == "__main__":
    main()
