# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared access to the real socket captures in tests/unit/fixtures/sockets/<suite>/.

Each suite directory was written by tests/unit/fixtures/sockets/capture.py inside a
Debian container with known listeners (see that directory's README.md). ``ss`` output
captured at the same moment is the independent reference the decoders are checked against.
"""

from __future__ import annotations

import json
import os
import re

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "sockets")
SUITES = ("bullseye", "bookworm", "trixie")

_USERS = re.compile(r'\("((?:[^"\\]|\\.)*)",pid=(\d+),fd=\d+\)')
_INODE = re.compile(r"\bino:(\d+)")
_V6ONLY = re.compile(r"\bv6only:([01])")

# ss state names -> kernel state numbers (include/net/tcp_states.h)
SS_STATES = {
    "ESTAB": 1, "SYN-SENT": 2, "SYN-RECV": 3, "FIN-WAIT-1": 4, "FIN-WAIT-2": 5, "TIME-WAIT": 6,
    "UNCONN": 7, "CLOSE-WAIT": 8, "LAST-ACK": 9, "LISTEN": 10, "CLOSING": 11,
}


def path(suite: str, name: str) -> str:
    return os.path.join(FIXTURES, suite, name)


def read_bytes(suite: str, name: str) -> bytes:
    with open(path(suite, name), "rb") as handle:
        return handle.read()


def read_text(suite: str, name: str) -> str:
    with open(path(suite, name), "r", encoding="utf-8") as handle:
        return handle.read()


def meta(suite: str) -> dict:
    return json.loads(read_text(suite, "meta.json"))


def split_local(local: str):
    """ss's local column -> (address, interface, port); "*" stays "*"."""
    host, _sep, port = local.rpartition(":")
    interface = None
    if "%" in host:
        host, interface = host.rsplit("%", 1)
    if host.startswith("["):
        host = host[1:-1]
    return host, interface, int(port)


def parse_ss(text: str, netid: str | None = None) -> list:
    """Parse ``ss -H...pne`` lines; ``netid`` is the protocol when ss printed no Netid column."""
    sockets = []
    for line in text.splitlines():
        fields = line.split()
        if not fields:
            continue
        if netid is None:
            protocol, fields = fields[0], fields[1:]
        else:
            protocol = netid
        address, interface, port = split_local(fields[3])
        inode = _INODE.search(line)
        v6only = _V6ONLY.search(line)
        if address == "*" or ":" in address:
            family = "ipv6"
        else:
            family = "ipv4"
        sockets.append({
            "protocol": protocol,
            "state": SS_STATES[fields[0]],
            "family": family,
            "address": "::" if address == "*" else address,
            "star": address == "*",
            "interface": interface,
            "port": port,
            "inode": int(inode.group(1)) if inode else None,
            "v6only": None if v6only is None else v6only.group(1) == "1",
            "users": [(name, int(pid)) for name, pid in _USERS.findall(line)],
        })
    return sockets
