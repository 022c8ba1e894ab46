# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""A look-alike daemon: any process name, TCP listeners, optionally a huge command line.

fake_listener.py NAME PORT[,PORT...] [PAD_BYTES] [HUP_FILE]

Sets its kernel name (comm) to NAME, which is what ss, ps and a naive tool show, listens
on every PORT (IPv4 wildcard), pads its own command line to PAD_BYTES by re-executing
itself, and writes HUP_FILE when it receives SIGHUP (a tool signalled it) instead of dying.
"""

import ctypes
import os
import signal
import socket
import sys
import time

PR_SET_NAME = 15
CHUNK = 100000  # below MAX_ARG_STRLEN (128 KiB) per argument


def main():
    name, ports = sys.argv[1], [int(port) for port in sys.argv[2].split(",")]
    pad = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    hup_file = sys.argv[4] if len(sys.argv) > 4 else ""
    if pad and "--padded" not in sys.argv:
        filler = ["A" * CHUNK] * (pad // CHUNK)
        os.execv(sys.executable, [sys.executable, os.path.abspath(__file__)] + sys.argv[1:5] + ["--padded"] + filler)
    ctypes.CDLL(None).prctl(PR_SET_NAME, name.encode()[:15], 0, 0, 0)

    def hangup(_number, _frame):
        if hup_file:
            with open(hup_file, "a") as handle:
                handle.write("SIGHUP from a tool\n")

    signal.signal(signal.SIGHUP, hangup)
    listeners = []
    for port in ports:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("0.0.0.0", port))
        listener.listen(5)
        listeners.append(listener)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
