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

Everything here is written by the processes themselves, so it is hostile input: a command
line is read up to ``CMDLINE_CAP`` bytes only (``truncated`` says so), a unit run by a
user's own systemd manager is named with that manager (``user@1000.service/ssh.service``)
so it never passes for the system unit, and ``proven()`` says whether a process is the
service it claims to be from evidence its user cannot forge: root ownership, the real
executable (``/proc/PID/exe``) and a system unit.
"""

from __future__ import annotations

import os
import pwd

_SOCKET_PREFIX = "socket:["
_UNIT_SUFFIXES = (".service", ".scope", ".socket", ".mount", ".swap")
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)
# The most of a command line read and returned; one process's argv may be megabytes.
CMDLINE_CAP = 4096


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
    parts = path.split("/")
    for position in range(len(parts) - 1, -1, -1):
        part = parts[position]
        # systemd prefixes a cgroup name with "_" when it could clash with a kernel file.
        if part.startswith("_"):
            part = part[1:]
        if part.endswith(_UNIT_SUFFIXES) and part.rpartition(".")[0]:
            manager = _user_manager(parts[:position])
            return part if manager is None or manager == part else "%s/%s" % (manager, part)
    return None


def _user_manager(parents):
    """The ``user@UID.service`` a cgroup path runs under (a user's own systemd), or None."""
    for part in parents:
        if part.startswith("user@") and part.endswith(".service"):
            return part
    return None


def is_system_unit(unit) -> bool:
    """A unit of the system manager: not one a user's own systemd (``systemd-run --user``) runs."""
    return bool(unit) and "/" not in unit and not unit.startswith("user@")


# Directories only root can write to on a Debian system, where packaged daemons live.
SYSTEM_DIRECTORIES = ("/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/", "/usr/lib/", "/lib/", "/usr/libexec/")


def root_run(owner) -> bool:
    """Runs as root, and not inside a user's own systemd manager."""
    return bool(owner) and owner.get("uid") == 0 and (owner.get("unit") is None or is_system_unit(owner["unit"]))


def system_executable(owner, proc: str = "/proc", stat=os.stat) -> bool:
    """Is the process's real executable a root-owned file no one else can write, in a system directory?

    The file is checked through ``/proc/PID/exe``, which reaches the running binary itself
    (also in another mount namespace, and whatever its path now names).
    """
    exe = owner.get("exe") if owner else None
    if not exe or not exe.startswith(SYSTEM_DIRECTORIES) or owner.get("pid") is None:
        return False
    try:
        info = stat("%s/%d/exe" % (proc, owner["pid"]))
    except OSError:
        return False
    return info.st_uid == 0 and not info.st_mode & 0o022


def proven_program(owner, programs, proc: str = "/proc", stat=os.stat) -> bool:
    """Is ``owner`` a packaged daemon named in ``programs``, started by the system?

    Its executable's base name is one of ``programs`` and ``system_executable`` holds, and it
    runs as root or in a service of the system manager (daemons such as rpcbind drop root).
    An unprivileged user's process - whatever it calls itself, and even one running the
    real binary - is none of these.
    """
    exe = owner.get("exe") if owner else None
    if not exe or os.path.basename(exe) not in programs or not system_executable(owner, proc, stat):
        return False
    unit = owner.get("unit")
    return root_run(owner) or (is_system_unit(unit) and unit.endswith(".service"))


def proven(owner, executables, units=()) -> bool:
    """Is ``owner`` (an owner dict) the service run from one of ``executables``?

    Only evidence an unprivileged user cannot forge counts: the process runs as root, its
    real executable (``/proc/PID/exe``, not its name or argv) is one of ``executables``, and
    it is not inside a user's own systemd manager. When ``units`` is given and systemd
    named a unit, the unit must be one of them.
    """
    if not owner or owner.get("uid") != 0 or owner.get("exe") not in executables:
        return False
    unit = owner.get("unit")
    if unit is not None and not is_system_unit(unit):
        return False
    return not units or unit is None or unit in units


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


def parse_cmdline(data: bytes, cap: int = CMDLINE_CAP):
    """Return (text, truncated): the NUL-separated /proc/<pid>/cmdline space-joined (None when
    empty), cut to ``cap`` bytes; ``truncated`` is true when there was more."""
    truncated = len(data) > cap
    words = [word for word in data[:cap].split(b"\0") if word]
    if not words:
        return None, truncated
    return b" ".join(words).decode("utf-8", "replace"), truncated


def _read(path: str, limit: int = -1) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(limit)


def read_exe(base: str):
    """The real executable of a process (``/proc/PID/exe``), or None when unreadable.

    A binary deleted or replaced since it started reads ``PATH (deleted)`` and so proves
    nothing.
    """
    try:
        return os.readlink(base + "exe")
    except OSError:
        return None


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
        cmdline, truncated = parse_cmdline(_read(base + "cmdline", CMDLINE_CAP + 1))
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
        "exe": read_exe(base),
        "cmdline": cmdline,
        "truncated": truncated,
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

    owner = {"pid", "pids", "process", "exe", "cmdline", "truncated", "user", "uid", "unit"}, where ``pid`` is
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
                    "exe": main["exe"],
                    "cmdline": main["cmdline"],
                    "truncated": main["truncated"],
                    "user": main["user"],
                    "uid": main["uid"],
                    "unit": main["unit"],
                }
            by_holders[holders] = owner
        if owner is not None:
            owners[inode] = owner
    return owners
