# -*- coding: utf-8 -*-
# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Service managers as the legacy engine sees them: systemd units, SysV scripts, super-server reloads.

Everything that runs a command takes ``run(argv) -> (rc, stdout, stderr)``, so tests hand
in recorded output and the module hands in ``AnsibleModule.run_command``.
"""

from __future__ import annotations

import glob
import os
import signal

from ansible_collections.portwarden.hardening.plugins.module_utils.sockets import _owners

# systemctl prints these for units that can be started (or are running) and are not masked.
_RUNNING = ("active", "activating", "reloading", "deactivating", "refreshing")
# File states that "systemctl disable" changes; static/alias/transient ones it cannot.
_DISABLE = ("enabled", "enabled-runtime", "linked", "linked-runtime", "indirect", "generated")
_SHOW_PROPERTIES = "Id,LoadState,ActiveState,SubState,UnitFileState,FragmentPath,SourcePath"


class UnitQueryError(RuntimeError):
    """systemctl answered something we cannot read; the message carries its output."""


def systemd_booted(root: str = "/") -> bool:
    """sd_booted(): systemd is the running service manager."""
    return os.path.isdir(os.path.join(root, "run/systemd/system"))


def is_template(unit: str) -> bool:
    return "@." in unit


def query_units(run, units) -> dict:
    """State of each unit name: {name: {load, active, file_state, fragment, source, instances}}.

    Plain units come from one ``systemctl show``; templates (``name@.service``) from
    ``list-unit-files`` plus their running instances from ``list-units``.
    """
    units = list(dict.fromkeys(units))
    plain = [unit for unit in units if not is_template(unit)]
    templates = [unit for unit in units if is_template(unit)]
    states = {}
    if plain:
        rc, out, err = run(["systemctl", "show", "--no-pager", "-p", _SHOW_PROPERTIES, "--"] + plain)
        blocks = _show_blocks(out)
        if rc != 0 or len(blocks) != len(plain):
            raise UnitQueryError("systemctl show failed (rc=%s): %s" % (rc, (err or out).strip()))
        for unit, block in zip(plain, blocks):
            states[unit] = {
                "unit": unit,
                # An alias (openbsd-inetd.service, or inetd.service provided by xinetd's init
                # script) answers with the unit it stands for.
                "id": block.get("Id") or unit,
                "load": block.get("LoadState", ""),
                "active": block.get("ActiveState", ""),
                "file_state": block.get("UnitFileState", ""),
                "fragment": block.get("FragmentPath", ""),
                "source": block.get("SourcePath", ""),
                "instances": [],
            }
    if templates:
        files = _unit_files(run, templates)
        instances = _instances(run, templates)
        for unit in templates:
            file_state = files.get(unit, "")
            states[unit] = {
                "unit": unit,
                "id": unit,
                "load": "masked" if file_state == "masked" else ("loaded" if file_state else "not-found"),
                "active": "active" if instances.get(unit) else "inactive",
                "file_state": file_state,
                "fragment": "",
                "source": "",
                "instances": instances.get(unit, []),
            }
    return states


def unit_needs(state: dict) -> list:
    """What it takes to make a unit unable to start: a subset of ["stop", "disable", "mask"], in order.

    A unit whose file an admin put in /etc/systemd/system cannot be masked (systemctl
    refuses to overwrite it); it is stopped and disabled instead.
    """
    needs = []
    if state["active"] in _RUNNING or state["instances"]:
        needs.append("stop")
    if state["load"] in ("not-found", "masked") or state["file_state"] == "masked":
        return needs
    if state["file_state"] in _DISABLE:
        needs.append("disable")
    if maskable(state):
        needs.append("mask")
    return needs


def maskable(state: dict) -> bool:
    return not state["fragment"].startswith("/etc/systemd/system/")


def unit_state(state: dict) -> str:
    """File state and activity, e.g. "enabled, active"."""
    file_state = state["file_state"] or state["load"]
    active = "active" if state["active"] in _RUNNING or state["instances"] else "inactive"
    return "%s, %s" % (file_state, active)


def unit_summary(state: dict) -> str:
    """One line for diffs, e.g. "vsftpd.service: enabled, active"."""
    return "%s: %s" % (state["unit"], unit_state(state))


def apply_units(run, needs: dict) -> list:
    """Run the needed systemctl steps; needs is {unit: [steps]} for one service.

    Sockets stop before services so a socket cannot start its service again; instances of
    templates stop by pattern. Returns a list of error strings (empty on success).
    """
    errors = []
    for step in ("stop", "disable", "mask"):
        targets = [unit for unit, steps in needs.items() if step in steps]
        if not targets:
            continue
        if step == "stop":
            targets = sorted(targets, key=lambda unit: (not unit.endswith(".socket"), unit))
            targets = [unit.replace("@.", "@*.") if is_template(unit) else unit for unit in targets]
        rc, out, err = run(["systemctl", step, "--"] + targets)
        if rc != 0:
            errors.append("systemctl %s %s failed (rc=%s): %s" % (step, " ".join(targets), rc, (err or out).strip()))
    return errors


def sysv_state(root: str, script: str, run=None) -> dict:
    """A SysV init script on a host without systemd: present, enabled in a runlevel, running."""
    path = os.path.join(root, "etc/init.d", script)
    state = {"script": script, "present": os.path.isfile(path), "enabled": False, "running": False, "links": []}
    if not state["present"]:
        return state
    links = []
    for pattern in ("etc/rc[2345].d/S[0-9][0-9]%s", "etc/rc.d/rc[2345].d/S[0-9][0-9]%s"):
        links.extend(sorted(glob.glob(os.path.join(root, pattern % script))))
    state["links"] = links
    state["enabled"] = bool(links)
    if run is not None:
        # LSB: status exits 0 only while the daemon runs.
        rc, dummy_out, dummy_err = run([os.path.join("/etc/init.d", script), "status"])
        state["running"] = rc == 0
    return state


def sysv_needs(state: dict) -> list:
    needs = []
    if state["running"]:
        needs.append("stop")
    if state["enabled"]:
        needs.append("disable")
    return needs


def apply_sysv(run, script: str, needs: list, root: str = "/") -> list:
    errors = []
    if "stop" in needs:
        rc, out, err = run([os.path.join("/etc/init.d", script), "stop"])
        if rc != 0:
            errors.append("/etc/init.d/%s stop failed (rc=%s): %s" % (script, rc, (err or out).strip()))
    if "disable" in needs:
        if _which(root, "update-rc.d"):
            argv = ["update-rc.d", script, "disable"]
        else:
            argv = ["chkconfig", script, "off"]
        rc, out, err = run(argv)
        if rc != 0:
            errors.append("%s failed (rc=%s): %s" % (" ".join(argv), rc, (err or out).strip()))
    return errors


def reload_superserver(run, systemd: bool, units, scripts, programs, proc: str = "/proc", root: str = "/") -> dict:
    """Make a running inetd/xinetd reread its configuration, once.

    Through systemd when one of its units is active, else through its SysV script when
    that reports it running, else SIGHUP to the main process found in /proc (a super-server
    started by hand). Returns {"how": ..., "error": ...}; how is None when none runs.
    """
    if systemd:
        states = query_units(run, units)
        for unit in units:
            if states[unit]["active"] in _RUNNING:
                rc, out, err = run(["systemctl", "reload", "--", unit])
                return {"how": "systemctl reload %s" % unit, "error": None if rc == 0 else (err or out).strip() or "rc=%s" % rc}
    else:
        for script in scripts:
            state = sysv_state(root, script, run)
            if state["running"]:
                rc, out, err = run([os.path.join("/etc/init.d", script), "reload"])
                return {"how": "/etc/init.d/%s reload" % script, "error": None if rc == 0 else (err or out).strip() or "rc=%s" % rc}
    pids = main_pids(programs, proc)
    for pid in pids:
        error = _signal_if_still(pid, programs, proc)
        if error:
            return {"how": "SIGHUP to pid %d" % pid, "error": error}
    if pids:
        return {"how": "SIGHUP to pid %s" % ", ".join(str(pid) for pid in pids), "error": None}
    return {"how": None, "error": None}


def _signal_if_still(pid: int, programs, proc: str):
    """SIGHUP ``pid`` if it is still the super-server we checked; an error text, or None.

    Where the kernel offers it, the process is pinned with a pidfd first and checked again
    through it, so a pid reused in between is never signalled.
    """
    pidfd = None
    if hasattr(os, "pidfd_open") and hasattr(signal, "pidfd_send_signal"):
        try:
            pidfd = os.pidfd_open(pid)
        except OSError:
            pidfd = None
    try:
        if not _owners_superserver(pid, programs, proc):
            return "pid %d is no longer the super-server; nothing signalled" % pid
        if pidfd is not None:
            signal.pidfd_send_signal(pidfd, signal.SIGHUP)
        else:
            os.kill(pid, signal.SIGHUP)
    except OSError as exc:
        return str(exc)
    finally:
        if pidfd is not None:
            os.close(pidfd)
    return None


def _same_pid_namespace(pid: int, proc: str) -> bool:
    try:
        return os.readlink("%s/%d/ns/pid" % (proc, pid)) == os.readlink("%s/self/ns/pid" % proc)
    except OSError:
        return False


def _owners_superserver(pid: int, programs, proc: str) -> bool:
    """Root-owned, running the packaged program itself (``/proc/PID/exe``), in our pid namespace."""
    base = "%s/%d/" % (proc, pid)
    try:
        with open(base + "status", "rb") as handle:
            uid = _owners.parse_status_uid(handle.read().decode("utf-8", "replace"))
    except OSError:
        return False
    owner = {"pid": pid, "uid": uid, "exe": _owners.read_exe(base), "unit": None}
    return (uid == 0 and _owners.proven_program(owner, programs, proc)
            and _same_pid_namespace(pid, proc))


def main_pids(programs, proc: str = "/proc") -> list:
    """Pids of the running super-servers among ``programs``: only ones we mean to signal.

    A process counts only when it runs as root, its real executable is the packaged program
    (not merely its name: any user can call a process ``inetd``), and it lives in our pid
    namespace. inetd forks a child per connection for internal services (echo, chargen);
    that child still carries inetd's name and must not be signalled.
    """
    names = set(programs)
    table = {}
    if not os.path.isdir(proc):
        return []
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        try:
            with open(os.path.join(proc, entry, "stat"), "rb") as handle:
                stat = handle.read().decode("utf-8", "replace")
        except (IOError, OSError):
            continue
        start, end = stat.find("("), stat.rfind(")")
        if start < 0 or end < 0:
            continue
        fields = stat[end + 2:].split()
        if len(fields) < 2:
            continue
        table[int(entry)] = (stat[start + 1:end], int(fields[1]))
    pids = []
    for pid, (comm, ppid) in sorted(table.items()):
        if comm in names and table.get(ppid, ("", 0))[0] not in names and _owners_superserver(pid, programs, proc):
            pids.append(pid)
    return pids


def _show_blocks(text: str) -> list:
    blocks, current = [], {}
    for line in text.splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
                current = {}
            continue
        key, dummy, value = line.partition("=")
        current[key] = value
    if current:
        blocks.append(current)
    return blocks


def _unit_files(run, units) -> dict:
    rc, out, err = run(["systemctl", "list-unit-files", "--no-legend", "--no-pager", "--full", "--"] + list(units))
    states = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 2:
            states[fields[0]] = fields[1]
    return states


def _instances(run, templates) -> dict:
    patterns = [unit.replace("@.", "@*.") for unit in templates]
    rc, out, err = run(["systemctl", "list-units", "--all", "--no-legend", "--no-pager", "--full", "--plain", "--"] + patterns)
    found = dict((unit, []) for unit in templates)
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        name = fields[0]
        prefix, dummy, suffix = name.partition("@")
        template = "%s@.%s" % (prefix, suffix.rsplit(".", 1)[-1])
        if template in found and fields[2] in _RUNNING:
            found[template].append(name)
    return found


def _which(root: str, name: str) -> bool:
    for directory in ("usr/sbin", "sbin", "usr/bin", "bin"):
        if os.path.isfile(os.path.join(root, directory, name)):
            return True
    return False
