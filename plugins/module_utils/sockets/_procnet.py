# -*- coding: utf-8 -*-
# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Fallback socket reader: parse /proc/net/{tcp,tcp6,udp,udp6}.

The kernel prints each 32-bit word of an address with ``%08X`` in host byte order, so a
little-endian host shows 127.0.0.1 as ``0100007F`` and every IPv6 word is reversed the same
way. The files carry no scope or bound device, so ``ifindex`` is always 0 and ``v6only`` is
unknown (None).
"""

from __future__ import annotations

import re
import socket
import sys

from ansible_collections.portwarden.hardening.plugins.module_utils.sockets._netlink import DiagSocket

# sl, local address:port, remote address:port, state, tx:rx queue, timer, retransmits, uid,
# timeout, inode; the rest (refcount, pointer, ...) is ignored. re.ASCII keeps \d and \s
# from matching other scripts' digits and spaces; bounded digit runs keep int() within
# Python's integer-string limit.
_LINE = re.compile(
    r"\s*\d+:\s+([0-9A-Fa-f]+):([0-9A-Fa-f]{4})\s+[0-9A-Fa-f]+:[0-9A-Fa-f]{4}\s+([0-9A-Fa-f]{2})"
    r"\s+\S+\s+\S+\s+\S+\s+(\d{1,10})\s+\d+\s+(\d{1,20})(?:\s|$)",
    re.ASCII,
)

_ADDRESS_DIGITS = {socket.AF_INET: 8, socket.AF_INET6: 32}

TABLES = {
    ("tcp", socket.AF_INET): "tcp",
    ("tcp", socket.AF_INET6): "tcp6",
    ("udp", socket.AF_INET): "udp",
    ("udp", socket.AF_INET6): "udp6",
}


class ProcNetParseError(ValueError):
    """A /proc/net line is not a socket entry."""


def decode_address(text: str, family: int, byteorder: str = sys.byteorder) -> bytes:
    """Turn the kernel's hex address (host-order 32-bit words) into packed network-order bytes."""
    if len(text) != _ADDRESS_DIGITS.get(family, -1):
        raise ProcNetParseError("address %r has the wrong length for family %d" % (text, family))
    try:
        return b"".join(int(text[i:i + 8], 16).to_bytes(4, byteorder) for i in range(0, len(text), 8))
    except ValueError:
        raise ProcNetParseError("address %r is not hexadecimal" % text)


def parse_line(line: str, family: int, byteorder: str = sys.byteorder) -> DiagSocket:
    """Parse one socket line of /proc/net/tcp*/udp*; raise ProcNetParseError when it is not one."""
    match = _LINE.match(line)
    if match is None:
        raise ProcNetParseError("not a socket line: %r" % line[:200])
    address, port, state, uid, inode = match.groups()
    return DiagSocket(
        family,
        int(state, 16),
        int(port, 16),
        decode_address(address, family, byteorder),
        0,
        int(uid),
        int(inode),
        None,
    )


def parse_table(text: str, family: int, byteorder: str = sys.byteorder) -> list:
    """Parse a whole /proc/net table; the header and any line that is not a socket are skipped."""
    sockets = []
    append = sockets.append
    for line in text.splitlines():
        try:
            append(parse_line(line, family, byteorder))
        except ProcNetParseError:
            continue
    return sockets


def read_table(protocol: str, family: int, proc: str = "/proc") -> list:
    """Read and parse /proc/net/<table> for a protocol ("tcp"/"udp") and family.

    Raises OSError when the file cannot be read (for example IPv6 disabled: no tcp6).
    """
    path = "%s/net/%s" % (proc, TABLES[(protocol, family)])
    with open(path, "r", encoding="ascii", errors="replace") as handle:
        return parse_table(handle.read(), family)
