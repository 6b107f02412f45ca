#!/usr/bin/env python3
"""The gevent server peers of Weave's networking benchmarks (bench/net-compare).

    python3 gevent_net_servers.py echo [--port P]   StreamServer writing back what it reads
    python3 gevent_net_servers.py http [--port P]   pywsgi answering "Hello, World!"

Listens on 127.0.0.1 (port 0 lets the system pick), prints `listening <port>` on stdout
once it accepts connections, and serves on gevent's one hub until a signal ends it. Every
accepted socket gets TCP_NODELAY: pywsgi writes a response's head and body separately,
and with Nagle's algorithm the body then waits for the client's delayed ACK (about
1.4k requests/s instead of about 9k here). No monkey-patching.
"""

import argparse
import socket
import sys

from gevent.pywsgi import WSGIServer
from gevent.server import StreamServer

HELLO = b"Hello, World!"
HELLO_HEADERS = [("Content-Type", "text/plain; charset=utf-8"),
                 ("Content-Length", str(len(HELLO)))]


def no_delay(sock):
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def echo(sock, _address):
    """Read-some, write-all until the peer closes its side."""
    no_delay(sock)
    recv, sendall = sock.recv, sock.sendall
    while True:
        data = recv(65536)
        if not data:
            return
        sendall(data)


def hello(_environ, start_response):
    start_response("200 OK", HELLO_HEADERS)
    return [HELLO]


class NoDelayWSGIServer(WSGIServer):
    """pywsgi's server, with TCP_NODELAY on every connection."""

    def handle(self, sock, address):
        no_delay(sock)
        super().handle(sock, address)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("server", choices=("echo", "http"))
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    address = ("127.0.0.1", args.port)
    if args.server == "echo":
        server = StreamServer(address, echo, backlog=1024)
    else:
        server = NoDelayWSGIServer(address, hello, log=None, backlog=1024)
    server.start()
    print(f"listening {server.server_port}", flush=True)
    server.serve_forever()
    sys.exit(1)


if __name__ == "__main__":
    main()
