# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs inside the bench host (stdlib only): a busy host's process table without its load.
#
#   idle_procs.py --count 2000 --fds 24 --ready /run/bench-idle-ready
#
# Opens a mix of file descriptors (files, pipes, connected socket pairs: what daemons,
# workers and shells hold) and forks --count children that keep them and sleep. A
# gatherer that maps sockets to owners must read every one of these fd tables, as it
# would on a busy application server.
from __future__ import annotations

import argparse
import os
import signal
import socket
import sys


def open_fds(count: int) -> list:
    held = []
    while len(held) < count:
        kind = len(held) % 3
        if kind == 0:
            held.append(open("/dev/null", "rb"))
        elif kind == 1:
            held.extend(os.fdopen(fd, "rb") for fd in os.pipe())
        else:
            held.extend(socket.socketpair())
    return held


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--fds", type=int, default=24)
    parser.add_argument("--ready")
    args = parser.parse_args()
    held = open_fds(args.fds)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for _child in range(args.count):
        if os.fork() == 0:
            while True:
                signal.pause()
    if args.ready:
        with open(args.ready, "w", encoding="ascii") as handle:
            handle.write("%d %d\n" % (args.count, len(held)))
    while True:
        signal.pause()


if __name__ == "__main__":
    sys.exit(main())
