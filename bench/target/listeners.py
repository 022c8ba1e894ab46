# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs inside the bench host (stdlib only): hold a share of the benchmark's listening sockets.
#
#   listeners.py --tcp 2500 --udp 250 --tcp-base 20000 --udp-base 11000 [--prefork 3]
#
# Addresses are mixed the way real hosts mix them: most on the IPv4 wildcard, some on the
# IPv6 wildcard (v6only, so the ports stay distinct per family), some on IPv4 loopback,
# some dual-stack. With --prefork N the process forks N children after binding, so every
# socket is shared by N+1 processes, as a pre-fork server's are.
from __future__ import annotations

import argparse
import os
import signal
import socket
import sys


def bind(kind: int, index: int, port: int) -> socket.socket:
    slot = index % 10
    if slot < 6:
        family, address, v6only = socket.AF_INET, "0.0.0.0", None
    elif slot < 8:
        family, address, v6only = socket.AF_INET6, "::", 1
    elif slot < 9:
        family, address, v6only = socket.AF_INET, "127.0.0.1", None
    else:
        family, address, v6only = socket.AF_INET6, "::", 0
    sock = socket.socket(family, kind)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if v6only is not None:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    sock.bind((address, port))
    if kind == socket.SOCK_STREAM:
        # A tiny backlog: these sockets are only counted, never connected to.
        sock.listen(1)
    return sock


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tcp", type=int, default=0)
    parser.add_argument("--udp", type=int, default=0)
    parser.add_argument("--tcp-base", type=int, required=True)
    parser.add_argument("--udp-base", type=int, required=True)
    parser.add_argument("--prefork", type=int, default=0)
    parser.add_argument("--ready", help="file to create once every socket is bound")
    args = parser.parse_args()
    held = [bind(socket.SOCK_STREAM, i, args.tcp_base + i) for i in range(args.tcp)]
    held += [bind(socket.SOCK_DGRAM, i, args.udp_base + i) for i in range(args.udp)]
    parent = True
    for _child in range(args.prefork):
        if os.fork() == 0:
            parent = False
            break
    # fork() has returned in the parent, so every child already holds the sockets.
    if parent and args.ready:
        with open(args.ready, "w", encoding="ascii") as handle:
            handle.write("%d\n" % len(held))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        signal.pause()


if __name__ == "__main__":
    sys.exit(main())
