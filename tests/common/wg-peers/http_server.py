#!/usr/bin/env python3
# http_server.py — the HTTP service behind the WireGuard test tunnel
#
# Copyright 2026 The Switchyard developers
# SPDX-License-Identifier: GPL-3.0-or-later

"""GET / says hello, GET /ip names the client, GET /bytes/N sends the
first N bytes of a deterministic stream, POST or PUT /upload answers the
SHA-256 and length of the body. The stream is the one that
sy_test_wg_bytes_new() makes in C (see sy-test-wg.h):

    B     = SHA-256("switchyard-base" || le64(i)) for i = 0 .. 2047, joined
    D(k)  = SHA-256("switchyard-chunk" || le64(k))
    chunk k, byte j = B[j] XOR D(k)[j mod 32]

One XOR of two 64 KiB integers per chunk keeps it at hundreds of MB/s."""

import hashlib
import http.server
import socket
import socketserver

import common

CHUNK = 65536
DIGEST = 32


def _sha256(label, counter):
    return hashlib.sha256(label + counter.to_bytes(8, "little")).digest()


BASE = int.from_bytes(b"".join(_sha256(b"switchyard-base", i)
                               for i in range(CHUNK // DIGEST)), "little")


def chunk(k):
    pad = _sha256(b"switchyard-chunk", k) * (CHUNK // DIGEST)
    return (BASE ^ int.from_bytes(pad, "little")).to_bytes(CHUNK, "little")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sy-wg-peer"
    name = "wg-server"

    def log_request(self, code="-", size="-"):
        # Errors are still logged; a line per request would drown the
        # tests that make thousands.
        pass

    def reply(self, status, text):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/":
            self.reply(200, "hello from %s\n" % self.name)
        elif self.path == "/ip":
            self.reply(200, "%s\n" % self.client_address[0])
        elif self.path.startswith("/bytes/") and self.path[7:].isdigit():
            self.send_bytes(int(self.path[7:]))
        else:
            self.reply(404, "not found\n")

    def send_bytes(self, length):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(length))
        self.end_headers()
        k = 0
        try:
            while length > 0:
                data = chunk(k)[:length]
                self.wfile.write(data)
                length -= len(data)
                k += 1
        except ConnectionError:
            # Tests cancel downloads on purpose; no traceback for that.
            self.close_connection = True

    def do_POST(self):
        if self.path != "/upload":
            self.reply(404, "not found\n")
            return
        digest = hashlib.sha256()
        total = 0
        for data in self.body():
            digest.update(data)
            total += len(data)
        self.reply(200, "%s %d\n" % (digest.hexdigest(), total))

    do_PUT = do_POST

    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return
                yield from self.read_exactly(size)
                self.rfile.readline()
        else:
            yield from self.read_exactly(int(self.headers.get("Content-Length", "0")))

    def read_exactly(self, size):
        while size > 0:
            data = self.rfile.read(min(size, CHUNK))
            if not data:
                raise ConnectionError("the body ended early")
            size -= len(data)
            yield data


def make_server(address, port):
    class Server(http.server.ThreadingHTTPServer):
        address_family = common.family_of(address)

        def server_bind(self):
            # HTTPServer.server_bind() would look up the address's name in
            # DNS, which this namespace cannot reach.
            socketserver.TCPServer.server_bind(self)
            self.server_name = address
            self.server_port = port

    return Server((address, port), Handler)


def main():
    args = common.parse_args(__doc__.splitlines()[0],
                             lambda p: p.add_argument("--name", default="wg-server"))
    Handler.name = args.name
    servers = [make_server(address, args.port) for address in args.bind]
    common.serve_forever([server.serve_forever for server in servers])


if __name__ == "__main__":
    main()
