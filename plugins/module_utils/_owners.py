# -*- coding: utf-8 -*-
# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Find which processes hold given socket inodes, and describe those processes, from /proc.

One pass over /proc/<pid>/fd: each fd is only readlink()ed, and details (comm, cmdline,
uid, systemd unit) are read once per owning process, not per socket. A process that
cannot be read (another user's process in an unprivileged run, or one that exited
meanwhile) simply owns nothing; a socket held only by processes outside our pid namespace
(Docker's embedded DNS resolver) therefore ends up without an owner, never with a made-up one.
"""

from __future__ import annotations

import os
import pwd

_SOCKET_PREFIX = "socket:["
_UNIT_SUFFIXES = (".service", ".scope", ".socket", ".mount", ".swap")
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)


def scan(inodes, proc: str = "/proc") -> dict:
    """Return {inode: [pid, ...]} for the wanted socket inodes; pids ascending, owners only."""
    owners: dict = {}
    if not inodes:
        return owners
    wanted = inodes if isinstance(inodes, (set, frozenset)) else set(inodes)
    readlink = os.readlink
    prefix = _SOCKET_PREFIX
    try:
        entries = os.listdir(proc)
    except OSError:
        return owners
    for name in entries:
        if not name.isdigit():
            continue
        try:
            fd_dir = os.open("%s/%s/fd" % (proc, name), _DIR_FLAGS)
        except OSError:
            continue
        try:
            try:
                fds = os.listdir(fd_dir)
            except OSError:
                continue
            pid = int(name)
            for fd in fds:
                try:
                    link = readlink(fd, dir_fd=fd_dir)
                except OSError:
                    continue
                if not link.startswith(prefix):
                    continue
                try:
                    inode = int(link[8:-1])
                except ValueError:
                    continue
                if inode in wanted:
                    pids = owners.get(inode)
                    if pids is None:
                        owners[inode] = [pid]
                    elif pids[-1] != pid:
                        pids.append(pid)
        finally:
            os.close(fd_dir)
    for pids in owners.values():
        pids.sort()
    return owners


def unit_from_cgroup(text: str):
    """Return the innermost systemd unit named in /proc/<pid>/cgroup text, or None.

    The legacy ``name=systemd`` hierarchy wins where it exists (cgroup v1/hybrid); otherwise
    the unified ``0::`` line is used.
    """
    legacy = None
    unified = None
    for line in text.splitlines():
        hierarchy, _sep, rest = line.partition(":")
        controllers, _sep, path = rest.partition(":")
        if controllers == "name=systemd":
            legacy = path
        elif hierarchy == "0" and controllers == "":
            unified = path
    path = legacy if legacy is not None else unified
    if not path:
        return None
    for part in reversed(path.split("/")):
        # systemd prefixes a cgroup name with "_" when it could clash with a kernel file.
        if part.startswith("_"):
            part = part[1:]
        if part.endswith(_UNIT_SUFFIXES) and part.rpartition(".")[0]:
            return part
    return None


def parse_stat(text: str):
    """Return (comm, ppid) from /proc/<pid>/stat text; comm may itself hold spaces and parentheses."""
    start = text.index("(")
    end = text.rindex(")")
    fields = text[end + 2:].split()
    return text[start + 1:end], int(fields[1])


def parse_status_uid(text: str):
    """Return the effective uid from /proc/<pid>/status text, or None."""
    for line in text.splitlines():
        if line.startswith("Uid:"):
            fields = line.split()
            if len(fields) > 2 and fields[2].isdigit():
                return int(fields[2])
            return None
    return None


def parse_cmdline(data: bytes):
    """Return the NUL-separated /proc/<pid>/cmdline as one space-joined string, or None when empty."""
    words = [word for word in data.split(b"\0") if word]
    if not words:
        return None
    return b" ".join(words).decode("utf-8", "replace")


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


class _Users:
    """uid -> user name through pwd, each uid looked up once."""

    def __init__(self) -> None:
        self._names: dict = {}

    def name(self, uid):
        if uid is None:
            return None
        if uid not in self._names:
            try:
                self._names[uid] = pwd.getpwuid(uid).pw_name or None
            except (KeyError, OverflowError):
                self._names[uid] = None
        return self._names[uid]


def describe(pid: int, proc: str = "/proc", systemd: bool = True, users: _Users | None = None):
    """Return what is known about one process, or None when it cannot be read (gone, denied)."""
    base = "%s/%d/" % (proc, pid)
    try:
        comm, ppid = parse_stat(_read(base + "stat").decode("utf-8", "replace"))
        cmdline = parse_cmdline(_read(base + "cmdline"))
        uid = parse_status_uid(_read(base + "status").decode("utf-8", "replace"))
    except (OSError, ValueError, IndexError):
        return None
    unit = None
    if systemd:
        try:
            unit = unit_from_cgroup(_read(base + "cgroup").decode("utf-8", "replace"))
        except OSError:
            unit = None
    users = users or _Users()
    return {
        "pid": pid,
        "ppid": ppid,
        "process": comm or None,
        "cmdline": cmdline,
        "uid": uid,
        "user": users.name(uid),
        "unit": unit,
    }


def _primary(pids: list, details: dict) -> int:
    """The process the others descend from (a pre-fork master), else the lowest pid."""
    sharing = set(pids)
    for pid in pids:
        if details[pid]["ppid"] not in sharing:
            return pid
    return pids[0]


def systemd_running(root: str = "/") -> bool:
    """True when systemd manages this host (the sd_booted() test)."""
    return os.path.isdir(os.path.join(root, "run/systemd/system"))


def resolve(inodes, proc: str = "/proc", systemd: bool | None = None) -> dict:
    """Return {inode: owner} for the inodes some readable process holds.

    owner = {"pid", "pids", "process", "cmdline", "user", "uid", "unit"}, where ``pid`` is
    the process the other holders descend from and the other fields describe it. Sockets
    held by the same processes share one owner dict (``pids`` is a tuple); treat it as
    read-only.
    """
    if systemd is None:
        systemd = systemd_running()
    users = _Users()
    details: dict = {}
    by_holders: dict = {}
    owners: dict = {}
    for inode, pids in scan(inodes, proc).items():
        holders = tuple(pids)
        owner = by_holders.get(holders, False)
        if owner is False:
            for pid in holders:
                if pid not in details:
                    details[pid] = describe(pid, proc, systemd, users)
            readable = [pid for pid in holders if details[pid] is not None]
            owner = None
            if readable:
                main = details[_primary(readable, details)]
                owner = {
                    "pid": main["pid"],
                    "pids": tuple(readable),
                    "process": main["process"],
                    "cmdline": main["cmdline"],
                    "user": main["user"],
                    "uid": main["uid"],
                    "unit": main["unit"],
                }
            by_holders[holders] = owner
        if owner is not None:
            owners[inode] = owner
    return owners
