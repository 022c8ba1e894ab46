# -*- coding: utf-8 -*-
# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Read and edit inetd.conf files (openbsd-inetd, inetutils-inetd) without touching other bytes.

An entry is ``[addr[,addr]:]service[/version] socket-type protocol wait user server [args]``
(inetd(8)); a line that starts with a blank continues the previous entry's arguments.
Disabling an entry puts ``MARKER`` in front of each of its lines and changes nothing else,
so removing the marker restores the exact original line.

Three kinds of disabled lines are understood and left alone:

- ``#<portwarden-off># ...``: disabled by us;
- ``#<off># ...`` (or ``#<off>#...``): disabled by Debian's update-inetd. Package upgrades
  run ``update-inetd --enable`` on these, which is why we never use that marker ourselves;
- anything else after ``#``: an ordinary comment, not an entry.
"""

from __future__ import annotations

import os

MARKER = "#<portwarden-off># "
DEBIAN_OFF = "#<off>#"

INETD_CONF = "/etc/inetd.conf"
# inetutils-inetd also reads every file in this directory.
INETD_DIR = "/etc/inetd.d"

_SOCKET_TYPES = ("stream", "dgram", "raw", "rdm", "seqpacket")
_BLANKS = " \t"


def config_files(root: str = "/") -> list:
    """inetd.conf and the files of /etc/inetd.d that exist under root, in the order inetd reads them."""
    paths = []
    conf = _under(root, INETD_CONF)
    if os.path.isfile(conf):
        paths.append(conf)
    directory = _under(root, INETD_DIR)
    if os.path.isdir(directory):
        for name in sorted(os.listdir(directory)):
            path = os.path.join(directory, name)
            # Our own in-flight temporary files are not configuration.
            if os.path.isfile(path) and not name.startswith(".portwarden-"):
                paths.append(path)
    return paths


def parse_fields(text: str):
    """The fields of one inetd entry line, or None when the line is not an entry."""
    fields = text.split()
    if len(fields) < 6 or fields[1] not in _SOCKET_TYPES:
        return None
    first = fields[0]
    hosts = None
    if ":" in first and not first.startswith("/"):
        hosts, first = first.rsplit(":", 1)
    if not first:
        return None
    rpc = fields[2].startswith("rpc/")
    service, version = first, None
    if rpc and "/" in first:
        service, version = first.split("/", 1)
    protocol = fields[2].split(",", 1)[0]
    base = protocol[4:] if rpc else protocol
    proto = "tcp" if base.startswith("tcp") else "udp" if base.startswith("udp") else None
    if base.endswith("46") or base in ("tcp", "udp"):
        family = "both"
    elif base.endswith("6"):
        family = "ipv6"
    elif base.endswith("4"):
        family = "ipv4"
    else:
        family = None
    server = fields[5]
    args = fields[6:]
    program = os.path.basename(server)
    # Debian runs most daemons through the tcp wrapper: "/usr/sbin/tcpd /usr/sbin/in.rshd".
    if program == "tcpd" and args:
        program = os.path.basename(args[0])
    return {
        "service": service,
        "hosts": hosts,
        "version": version,
        "rpc": rpc,
        "port": int(service) if service.isdigit() else None,
        "socket_type": fields[1],
        "protocol": fields[2],
        "proto": proto,
        "family": family,
        "user": fields[4],
        "server": server,
        "program": program,
    }


def parse(text: str, path: str = "") -> list:
    """Every entry of an inetd.conf text: enabled ones and those disabled with a known marker.

    Each entry carries ``state`` ("enabled", "off" for update-inetd's marker, "portwarden-off"
    for ours), ``line`` (1-based), ``lines`` (how many physical lines, continuations
    included), ``text`` (the first line without its end of line) and the parsed fields.
    """
    entries = []
    lines = text.splitlines(True)
    index = 0
    while index < len(lines):
        raw = _strip_eol(lines[index])
        state, body = _classify(raw)
        fields = parse_fields(body) if body is not None else None
        if fields is None:
            index += 1
            continue
        count = 1 + _continuations(lines, index + 1, state)
        item = dict(fields)
        item.update({"path": path, "line": index + 1, "lines": count, "state": state, "text": raw})
        entries.append(item)
        index += count
    return entries


def disable(text: str, wanted) -> tuple:
    """Comment out every enabled entry for which ``wanted(entry)`` is true.

    Returns (new_text, disabled_entries). Lines of other entries, comments, blank lines,
    spacing and line endings are returned byte for byte.
    """
    lines = text.splitlines(True)
    disabled = []
    for item in parse(text):
        if item["state"] != "enabled" or not wanted(item):
            continue
        for offset in range(item["lines"]):
            position = item["line"] - 1 + offset
            lines[position] = MARKER + lines[position]
        disabled.append(item)
    return "".join(lines), disabled


def _classify(raw: str) -> tuple:
    """(state, entry text) of a physical line; entry text None for comments and blanks."""
    if raw.startswith(MARKER):
        return "portwarden-off", raw[len(MARKER):]
    if raw.startswith(DEBIAN_OFF):
        return "off", raw[len(DEBIAN_OFF):].lstrip(_BLANKS)
    stripped = raw.lstrip(_BLANKS)
    if not stripped or stripped.startswith("#"):
        return None, None
    return "enabled", raw


def _continuations(lines: list, start: int, state: str) -> int:
    """How many lines after an entry continue it (inetd's skip(): a line starting with a blank)."""
    prefix = {"enabled": "", "portwarden-off": MARKER}.get(state)
    if prefix is None:
        return 0
    count = 0
    for raw in lines[start:]:
        raw = _strip_eol(raw)
        if not raw.startswith(prefix):
            break
        rest = raw[len(prefix):]
        if not rest or rest[0] not in _BLANKS or not rest.strip(_BLANKS):
            break
        count += 1
    return count


def _strip_eol(line: str) -> str:
    return line.rstrip("\r\n")


def _under(root: str, path: str) -> str:
    return os.path.join(root, path.lstrip("/")) if root not in ("", "/") else path
