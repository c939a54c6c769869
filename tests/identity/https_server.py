#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 Usher authors
"""usage: https_server.py serve CERT KEY DOCROOT | hang

Test peer for the x5u fetch (test_identity_fetch.c). Binds 127.0.0.1 on a free port, prints
the port on stdout, then serves until killed:
  serve  HTTPS GET of DOCROOT files (200 with Content-Length), /stream (200, 200 000 bytes,
         no Content-Length, close-delimited), anything else 404.
  hang   accepts TCP connections and never answers (the fetch timeout case).
"""
import http.server
import os
import socket
import ssl
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    docroot = "."

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/stream":
            self.send_response(200)
            self.end_headers()
            for _ in range(200):
                self.wfile.write(b"A" * 1000)
            return
        name = os.path.basename(self.path)
        path = os.path.join(self.docroot, name)
        if not name or not os.path.isfile(path):
            self.send_error(404)
            return
        body = open(path, "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "application/pem-certificate-chain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    mode = sys.argv[1]
    if mode == "hang":
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        print(s.getsockname()[1], flush=True)
        held = []
        while True:
            c, _ = s.accept()
            held.append(c)
    cert, key, Handler.docroot = sys.argv[2:5]
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
