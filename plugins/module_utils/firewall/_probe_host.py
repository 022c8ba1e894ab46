# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""What the firewall role reads on a host before it renders anything, in one round trip.

``firewall_probe`` returns it; the role chooses the backend from ``tools`` and
``ufw_enabled`` and the units' state, and skips each persistence task whose file or unit
is already what the task would leave (``files``, ``units``). Everything here only reads.

* ``which(tools)`` - ``{tool: path or None}``, looked up on the system ``PATH`` only (a
  user's ``PATH`` must not decide which ``nft`` the role trusts).
* ``file_states(paths)`` - ``{path: {"mode", "owner", "group", "sha256"} or None}``: None
  when the path is missing, a symbolic link or not a regular file (the role then writes
  it: a link would make the template module write somewhere else).
* ``unit_states(units, run)`` - ``{unit: {"enabled", "active"}}`` from one
  ``systemctl show`` call: ``enabled`` is systemd's UnitFileState (``enabled``,
  ``disabled``, ``masked``, ... or ``""`` when the unit does not exist), ``active`` its
  ActiveState.
* ``ufw_enabled(path)`` - ufw's own switch (``ENABLED=yes`` in ``/etc/ufw/ufw.conf``).
"""

from __future__ import annotations

import grp
import hashlib
import os
import pwd
import shutil
import stat

# The directories a root shell finds system tools in, in this order.
SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
UFW_CONF = "/etc/ufw/ufw.conf"
# The largest file the probe hashes: boot files are a few KB; anything bigger is not ours
# and is reported as different (the role writes it again) rather than read.
MAX_HASHED = 4 * 1024 * 1024


def which(tools) -> dict:
    return {tool: shutil.which(tool, path=SYSTEM_PATH) for tool in tools}


def _name(lookup, ident) -> str:
    try:
        return lookup(ident)[0]
    except KeyError:
        return str(ident)


def file_state(path: str):
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_HASHED:
            return None
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            digest.update(handle.read(MAX_HASHED + 1))
    except OSError:
        return None
    return {"mode": "%04o" % stat.S_IMODE(info.st_mode), "owner": _name(pwd.getpwuid, info.st_uid),
            "group": _name(grp.getgrgid, info.st_gid), "sha256": digest.hexdigest()}


def file_states(paths) -> dict:
    return {path: file_state(path) for path in paths}


def parse_systemctl_show(text: str, units) -> dict:
    """``systemctl show -p UnitFileState -p ActiveState UNIT...`` prints one block per unit,
    in the order asked, blocks separated by an empty line."""
    blocks = (text or "").strip("\n").split("\n\n")
    states = {}
    for index, unit in enumerate(units):
        values = {}
        if index < len(blocks):
            for line in blocks[index].splitlines():
                key, _sep, value = line.partition("=")
                values[key.strip()] = value.strip()
        states[unit] = {"enabled": values.get("UnitFileState", ""), "active": values.get("ActiveState", "")}
    return states


def unit_states(units, run) -> dict:
    """``run(argv) -> (rc, stdout, stderr)``; without systemctl every unit reads as absent."""
    units = list(units)
    if not units:
        return {}
    systemctl = shutil.which("systemctl", path=SYSTEM_PATH)
    if not systemctl:
        return parse_systemctl_show("", units)
    rc, out, _err = run([systemctl, "show", "-p", "UnitFileState", "-p", "ActiveState", "--"] + units)
    return parse_systemctl_show(out if rc == 0 else "", units)


def ufw_enabled(path: str = UFW_CONF) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                key, _sep, value = line.strip().partition("=")
                if key == "ENABLED":
                    return value.strip().strip("'\"").lower() == "yes"
    except OSError:
        pass
    return False
