# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Hold one listening socket open for the listening_ports scenario.

Binds first and daemonizes afterwards, so the caller returns only once the socket exists
(and systemd's Type=forking start job completes only then). ``--workers N`` forks N
children that inherit the socket, like a pre-fork server. ``--name`` sets the process
name (comm) that ss and the module report. ``--marker FILE`` receives the daemon's pid once
the socket is bound, so a task can use it as ``creates``.
"""

import argparse
import ctypes
import os
import signal
import socket
import sys

PR_SET_NAME = 15
SO_BINDTODEVICE = 25


def link_local(device):
    """The fe80:: address of a device, from /proc/net/if_inet6."""
    with open("/proc/net/if_inet6", encoding="ascii") as handle:
        for line in handle:
            fields = line.split()
            if fields[5] == device and fields[0].startswith("fe80"):
                return ":".join(fields[0][i:i + 4] for i in range(0, 32, 4))
    sys.exit("no link-local address on %s" % device)


def open_socket(args):
    family = socket.AF_INET6 if args.family == 6 else socket.AF_INET
    kind = socket.SOCK_STREAM if args.proto == "tcp" else socket.SOCK_DGRAM
    sock = socket.socket(family, kind)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if args.v6only is not None:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, args.v6only)
    address = args.address
    if address == "link-local":
        address = "%s%%%s" % (link_local(args.device), args.device)
    elif args.device:
        sock.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, args.device.encode() + b"\0")
    sockaddr = socket.getaddrinfo(address, args.port, family, kind, 0, socket.AI_NUMERICHOST)[0][4]
    sock.bind(sockaddr)
    if kind == socket.SOCK_STREAM:
        sock.listen(16)
    return sock


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--proto", choices=["tcp", "udp"], default="tcp")
    parser.add_argument("--family", type=int, choices=[4, 6], default=4)
    parser.add_argument("--address", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--v6only", type=int, choices=[0, 1])
    parser.add_argument("--device")
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--name")
    parser.add_argument("--marker")
    args = parser.parse_args()

    sock = open_socket(args)
    # The caller returns only when the daemon is complete: named, workers forked.
    ready_read, ready_write = os.pipe()
    daemon = os.fork()
    if daemon:
        os.close(ready_write)
        if os.read(ready_read, 1) != b"1":
            sys.exit("the listener daemon did not start")
        if args.marker:
            with open(args.marker, "w", encoding="ascii") as handle:
                handle.write("%d\n" % daemon)
        os._exit(0)
    os.close(ready_read)
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    if args.name:
        ctypes.CDLL(None).prctl(PR_SET_NAME, args.name.encode()[:15], 0, 0, 0)
    workers = 0
    while workers < args.workers:
        if os.fork() == 0:
            break
        workers += 1
    else:
        os.write(ready_write, b"1")
    os.close(ready_write)
    while sock.fileno() >= 0:
        signal.pause()


if __name__ == "__main__":
    main()
