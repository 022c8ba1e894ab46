# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Listen on PROTO ADDRESS PORT until stopped: a stand-in for a service nobody declared.

An IPv6 wildcard socket is made dual-stack explicitly (IPV6_V6ONLY off), as many daemons do.
"""
import socket
import sys
import time

proto, address, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
family = socket.AF_INET6 if ":" in address else socket.AF_INET
kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
sock = socket.socket(family, kind)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
if family == socket.AF_INET6:
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
sock.bind((address, port))
if kind == socket.SOCK_STREAM:
    sock.listen(16)
while True:
    time.sleep(3600)
