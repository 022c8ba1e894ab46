# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""The SSH session this process runs over, read on the host.

``SSH_CONNECTION`` (``client_ip client_port server_ip server_port``) is set by sshd for
the session the module runs in. ``sudo`` drops it from the environment, so the process
tree is walked up to the sshd process that serves the session, and its established TCP
socket is looked up in ``/proc/<pid>/net/tcp{,6}``. What the session means for the
firewall (what to keep open) is ``_management``'s; the commit-confirmed apply and the
rollback only need to know the session, and import this small module alone.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket

from ansible_collections.portwarden.hardening.plugins.module_utils.sockets._procnet import decode_address

# OpenSSH 9.8 split the per-connection process off as sshd-session (and 10.0 sshd-auth);
# older releases serve a session from a forked "sshd".
SSHD_PROCESSES = ("sshd", "sshd-session", "sshd-auth")
TCP_ESTABLISHED = "01"

_TCP_LINE = re.compile(
    r"\s*\d+:\s+([0-9A-Fa-f]+):([0-9A-Fa-f]{4})\s+([0-9A-Fa-f]+):([0-9A-Fa-f]{4})\s+([0-9A-Fa-f]{2})"
    r"\s+\S+\s+\S+\s+\S+\s+\d+\s+\d+\s+(\d+)",
    re.ASCII,
)


def normalise_address(text):
    """An address as the firewall sees it: IPv4-mapped IPv6 becomes IPv4, the scope is dropped."""
    try:
        address = ipaddress.ip_address(str(text).split("%", maxsplit=1)[0])
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)


def parse_ssh_connection(text):
    """``SSH_CONNECTION`` -> session dict, or None when it is missing or malformed."""
    words = (text or "").split()
    if len(words) != 4:
        return None
    client, server = normalise_address(words[0]), normalise_address(words[2])
    try:
        client_port, server_port = int(words[1]), int(words[3])
    except ValueError:
        return None
    if client is None or server is None or not (0 < client_port < 65536 and 0 < server_port < 65536):
        return None
    return {
        "client_address": client,
        "client_port": client_port,
        "server_address": server,
        "server_port": server_port,
        "source": "SSH_CONNECTION",
    }


def _read(path):
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return None


def _stat(proc, pid):
    """(comm, ppid) of a process, or None."""
    text = _read("%s/%d/stat" % (proc, pid))
    if not text or ")" not in text:
        return None
    comm = text[text.index("(") + 1:text.rindex(")")]
    fields = text[text.rindex(")") + 2:].split()
    try:
        return comm, int(fields[1])
    except (IndexError, ValueError):
        return None


def _socket_inodes(proc, pid) -> set:
    inodes = set()
    directory = "%s/%d/fd" % (proc, pid)
    try:
        names = os.listdir(directory)
    except OSError:
        return inodes
    for name in names:
        try:
            link = os.readlink(os.path.join(directory, name))
        except OSError:
            continue
        if link.startswith("socket:[") and link.endswith("]"):
            inodes.add(int(link[8:-1]))
    return inodes


def established(text, family):
    """Established TCP sockets of a /proc/net/tcp{,6} table: {inode: (local, lport, remote, rport)}."""
    found = {}
    for line in (text or "").splitlines()[1:]:
        match = _TCP_LINE.match(line)
        if not match or match.group(5) != TCP_ESTABLISHED:
            continue
        local = socket.inet_ntop(family, decode_address(match.group(1), family))
        remote = socket.inet_ntop(family, decode_address(match.group(3), family))
        found[int(match.group(6))] = (local, int(match.group(2), 16), remote, int(match.group(4), 16))
    return found


def session_from_proc(proc="/proc", pid=None):
    """Walk up from ``pid`` to the sshd process serving the session; its TCP socket is the session."""
    pid = pid or os.getpid()
    seen = set()
    while pid and pid > 1 and pid not in seen:
        seen.add(pid)
        info = _stat(proc, pid)
        if info is None:
            return None
        comm, parent = info
        if comm in SSHD_PROCESSES:
            inodes = _socket_inodes(proc, pid)
            for table, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
                if not inodes:
                    break
                sockets = established(_read("%s/%d/net/%s" % (proc, pid, table)), family)
                for inode in sorted(inodes & set(sockets)):
                    local, local_port, remote, remote_port = sockets[inode]
                    return {
                        "client_address": normalise_address(remote),
                        "client_port": remote_port,
                        "server_address": normalise_address(local),
                        "server_port": local_port,
                        "source": "sshd process %d" % pid,
                    }
        pid = parent
    return None


def current_session(environ=None, proc="/proc", pid=None):
    """The SSH session this process runs in, or None (not over SSH, or not found)."""
    environ = os.environ if environ is None else environ
    return parse_ssh_connection(environ.get("SSH_CONNECTION")) or session_from_proc(proc, pid)
