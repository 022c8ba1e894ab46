# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test listener: answer on every port given as tcp:PORT or udp:PORT, over IPv4 and IPv6.

One dual-stack socket per port (IPV6_V6ONLY off), so the firewall alone decides which
family and which peer gets an answer. TCP sends a line and closes; UDP echoes a line.
"""
import socket
import sys
import threading


def dual_stack(kind, port):
    sock = socket.socket(socket.AF_INET6, kind)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    sock.bind(("::", port))
    return sock


def serve_tcp(port):
    sock = dual_stack(socket.SOCK_STREAM, port)
    sock.listen(64)
    while True:
        conn, _peer = sock.accept()
        try:
            conn.sendall(b"portwarden tcp %d\n" % port)
        except OSError:
            pass
        conn.close()


def serve_udp(port):
    sock = dual_stack(socket.SOCK_DGRAM, port)
    while True:
        _data, peer = sock.recvfrom(512)
        sock.sendto(b"portwarden udp %d\n" % port, peer)


def main():
    threads = []
    for spec in sys.argv[1:]:
        proto, port = spec.split(":")
        target = serve_tcp if proto == "tcp" else serve_udp
        threads.append(threading.Thread(target=target, args=(int(port),), daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    main()
