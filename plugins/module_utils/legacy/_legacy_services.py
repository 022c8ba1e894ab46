# -*- coding: utf-8 -*-
# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Find legacy services by every mechanism that can start them, disable them, and prove the ports closed.

Mechanisms, per catalog entry: systemd service/socket/template units (stop, disable,
mask), SysV scripts on hosts without systemd (stop, update-rc.d/chkconfig disable),
inetd.conf entries (commented out with a marker; inetd reloaded once), xinetd blocks
(``disable = yes``; xinetd reloaded once), and sockets that listen on the entry's ports or
belong to its programs. After acting, the gatherer must show none of the disabled
services' ports listening any more, or the run fails naming the process.

Everything is read first; nothing changes when reading fails or an input is bad.
"""

from __future__ import annotations

import os
import time

from ansible_collections.portwarden.hardening.plugins.module_utils.legacy import _inetd
from ansible_collections.portwarden.hardening.plugins.module_utils.legacy import _legacy_catalog as catalog
from ansible_collections.portwarden.hardening.plugins.module_utils.legacy import _legacy_packages as packages
from ansible_collections.portwarden.hardening.plugins.module_utils.legacy import _legacy_units as units
from ansible_collections.portwarden.hardening.plugins.module_utils.sockets import _owners
from ansible_collections.portwarden.hardening.plugins.module_utils.legacy import _xinetd
from ansible_collections.portwarden.hardening.plugins.module_utils._atomic import write_atomic

GROUPS = ("legacy", "review")

_INETD = catalog.entry("inetd")
_XINETD = catalog.entry("xinetd")


class LegacyServicesError(ValueError):
    """Bad input or an unreadable host; the message names the entry or the file."""


def select(services, keep) -> tuple:
    """(acting, kept): catalog names to disable, and names the user keeps.

    ``services`` holds catalog names, aliases, or the group names "legacy" and "review".
    Every bad entry is named in one error; keep wins over services.
    """
    errors = []
    chosen = []
    for index, name in enumerate(services or []):
        if str(name).strip().lower() in GROUPS:
            chosen.extend(catalog.names(str(name).strip().lower()))
            continue
        try:
            chosen.append(catalog.resolve(name))
        except catalog.CatalogError as exc:
            errors.append("services entry #%d: %s" % (index + 1, exc))
    kept = []
    for index, name in enumerate(keep or []):
        try:
            kept.append(catalog.resolve(name))
        except catalog.CatalogError as exc:
            errors.append("keep entry #%d: %s" % (index + 1, exc))
    if errors:
        raise LegacyServicesError("; ".join(errors))
    kept = list(dict.fromkeys(kept))
    acting = [name for name in dict.fromkeys(chosen) if name not in kept]
    return acting, kept


def os_family(root: str = "/"):
    """Ansible's os_family for the host, from /etc/os-release (None when unknown)."""
    fields = {}
    try:
        with open(os.path.join(root, "etc/os-release")) as handle:
            for line in handle:
                key, dummy, value = line.strip().partition("=")
                fields[key] = value.strip("\"'")
    except (IOError, OSError):
        return None
    ids = [fields.get("ID", "")] + fields.get("ID_LIKE", "").split()
    for ident in ids:
        if ident in ("debian", "ubuntu"):
            return "Debian"
        if ident in ("rhel", "fedora", "centos", "rocky", "almalinux"):
            return "RedHat"
        if ident.startswith("suse") or ident.startswith("opensuse") or ident == "sles":
            return "Suse"
    return None


class Host:
    """What the engine needs from a host; tests build one over a temporary root."""

    def __init__(self, run, root="/", proc="/proc", gather=None, write=None, systemd=None, family=None,
                 sleep=time.sleep, clock=time.monotonic):
        self.run = run
        self.root = root
        self.proc = proc
        self._gather = gather
        self._write = write
        self.systemd = units.systemd_booted(root) if systemd is None else systemd
        self.family = os_family(root) if family is None else family
        self.sleep = sleep
        self.clock = clock

    def listening(self) -> list:
        gather = self._gather
        if gather is None:
            from ansible_collections.portwarden.hardening.plugins.module_utils.sockets._sockets import gather
        try:
            items, dummy_method = gather(protocols=("tcp", "udp"), families=("ipv4", "ipv6"), include_loopback=True, resolve_owners=True)
        except (OSError, ValueError) as exc:
            raise LegacyServicesError("cannot read the listening sockets: %s" % exc)
        return items

    def display(self, path: str) -> str:
        """The path as the host knows it (tests run over a temporary root)."""
        if self.root in ("", "/"):
            return path
        return "/" + os.path.relpath(path, self.root)

    def read(self, path: str) -> str:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "surrogateescape")

    def write(self, path: str, text: str) -> None:
        data = text.encode("utf-8", "surrogateescape")
        if self._write is not None:
            self._write(path, data)
            return
        write_atomically(path, data)


def write_atomically(path: str, data: bytes) -> None:
    """Replace path with data in one rename, keeping its mode and owner."""
    stat = os.stat(path)
    write_atomic(path, data, mode=stat.st_mode & 0o7777, owner=(stat.st_uid, stat.st_gid))


class _Lookup:
    """Which catalog entry an inetd entry, xinetd block or socket belongs to.

    A socket belongs to a service only on evidence its owner cannot forge: on the service's
    port when root (or pid 1, for a socket unit) holds it, or as the service's program when
    the real executable is that packaged program (``_owners.proven_program``). A process
    that merely calls itself ``telnetd`` is an ordinary listener - the audit reports it as
    unexpected - and never makes the run fail.
    """

    def __init__(self, proc="/proc", stat=os.stat):
        self.proc, self.stat = proc, stat
        self.inetd, self.xinetd, self.ports, self.programs = {}, {}, {}, {}
        for item in catalog.entries():
            for name in item["inetd"]:
                self.inetd.setdefault(name, item["name"])
            for name in item["xinetd"]:
                self.xinetd.setdefault(name, item["name"])
            for port in item["ports"]:
                self.ports.setdefault(tuple(port), item["name"])
            for program in item["programs"]:
                self.programs.setdefault(program, item["name"])

    def inetd_entry(self, entry: dict):
        return self._match(self.inetd, entry["service"], entry.get("port"), entry.get("proto"), entry.get("program"))

    def xinetd_block(self, block: dict):
        return self._match(self.xinetd, block["name"], block.get("port"), block.get("proto"), block.get("program"))

    def socket(self, item: dict):
        by_port = self.ports.get((item.get("port"), item.get("protocol")))
        if by_port is not None and _owners.root_run(item):
            return by_port
        exe = item.get("exe")
        program = self.programs.get(os.path.basename(exe)) if exe else None
        if program is not None and _owners.proven_program(item, self.programs, self.proc, self.stat):
            return program
        return None

    def _match(self, names: dict, name, port, proto, program):
        if name in names:
            return names[name]
        if port is not None and (port, proto) in self.ports:
            return self.ports[(port, proto)]
        if program and program != "internal":
            return self.programs.get(program)
        return None


def inspect(host: Host) -> dict:
    """Everything the catalog can see on the host, per service name (nothing changes)."""
    lookup = _Lookup(host.proc)
    found = dict((item["name"], {"units": {}, "sysv": {}, "inetd": [], "xinetd": [], "listening": []}) for item in catalog.entries())
    if host.systemd:
        wanted = {}
        for item in catalog.entries():
            for unit in list(item["units"]) + ["%s.service" % script for script in item["sysv"]]:
                wanted.setdefault(unit, item["name"])
        try:
            states = units.query_units(host.run, list(wanted))
        except units.UnitQueryError as exc:
            raise LegacyServicesError(str(exc))
        for unit, state in states.items():
            if state["load"] == "not-found" and not state["instances"] and state["active"] in ("inactive", ""):
                continue
            if state["id"] != unit:
                if state["id"] in wanted:
                    # The unit it stands for is inspected under its own name.
                    continue
                state = dict(state, unit=state["id"])
            found[wanted[unit]]["units"][state["unit"]] = state
    else:
        for item in catalog.entries():
            for script in item["sysv"]:
                state = units.sysv_state(host.root, script, host.run)
                if state["present"]:
                    found[item["name"]]["sysv"][script] = state
    files = {"inetd": {}, "xinetd": {}}
    for path in _inetd.config_files(host.root):
        text = host.read(path)
        files["inetd"][path] = text
        for entry in _inetd.parse(text, host.display(path)):
            owner = lookup.inetd_entry(entry)
            if owner:
                found[owner]["inetd"].append(entry)
    try:
        xinetd_paths = _xinetd.config_files(host.root)
        defaults = None
        for path in xinetd_paths:
            text = host.read(path)
            files["xinetd"][path] = text
            parsed = _xinetd.parse(text, host.display(path))
            defaults = defaults or parsed["defaults"]
            for block in parsed["services"]:
                owner = lookup.xinetd_block(block)
                if owner:
                    found[owner]["xinetd"].append(block)
        for item in found.values():
            for block in item["xinetd"]:
                block["effective"] = _xinetd.effective_enabled(block, defaults)
    except _xinetd.XinetdError as exc:
        raise LegacyServicesError("cannot read the xinetd configuration safely: %s" % exc)
    for socket_item in host.listening():
        owner = lookup.socket(socket_item)
        if owner:
            found[owner]["listening"].append(socket_item)
    return {"services": found, "files": files}


def run(host: Host, acting, kept, state="disabled", check_mode=False, remove_packages=False, settle_timeout=10.0) -> dict:
    """Inspect, then (state=disabled) act on the acting services, then prove their ports closed."""
    seen = inspect(host)
    report = _report(seen, acting, kept, host.family)
    result = {"changed": False, "diff": [], "errors": [], "reloads": [], "still_listening": [], "warnings": []}
    if state == "disabled":
        targets = [name for name in acting if report[name]["status"] == "found"]
        _act(host, seen, report, targets, check_mode, result)
        if remove_packages:
            _remove_packages(host, report, acting, check_mode, result)
        if not check_mode and not result["errors"]:
            # Nothing changed: a listener now is one no mechanism of ours starts; report it at once.
            try:
                result["still_listening"] = _settle(host, acting, settle_timeout if result["changed"] else 0)
            except LegacyServicesError as exc:
                result["errors"].append(str(exc))
        if check_mode:
            for name in targets:
                for socket_item in report[name]["listening"]:
                    if not _would_close(name, report[name], socket_item):
                        result["warnings"].append("%s: %s listens but no mechanism found for it; it would still listen" % (name, describe(socket_item)))
    result.update({
        "services": report,
        "found": [name for name in report if report[name]["status"] == "found"],
        "disabled": [name for name in report if report[name]["actions"]],
        "kept": [name for name in kept if report[name]["status"] == "found"],
        "review": [name for name in report if report[name]["kind"] == "review" and report[name]["status"] == "found" and name not in acting],
    })
    return result


def _report(seen: dict, acting, kept, family) -> dict:
    report = {}
    for item in catalog.entries():
        name = item["name"]
        evidence = seen["services"][name]
        mechanisms = []
        for unit, state in sorted(evidence["units"].items()):
            mechanisms.append({"type": "systemd", "unit": unit, "state": units.unit_state(state), "needs": units.unit_needs(state)})
        for script, state in sorted(evidence["sysv"].items()):
            mechanisms.append({"type": "sysv", "script": script, "enabled": state["enabled"], "running": state["running"],
                               "needs": units.sysv_needs(state)})
        for entry in evidence["inetd"]:
            mechanisms.append({"type": "inetd", "path": entry["path"], "line": entry["line"], "entry": entry["text"],
                               "state": entry["state"], "needs": ["comment out"] if entry["state"] == "enabled" else []})
        for block in evidence["xinetd"]:
            mechanisms.append({"type": "xinetd", "path": block["path"], "line": block["line"], "service": block["name"],
                               "id": block["id"], "state": "enabled" if block["effective"] else "disabled",
                               "needs": ["disable = yes"] if block["effective"] else []})
        listening = [_socket_summary(socket_item) for socket_item in evidence["listening"]]
        if any(mechanism["needs"] for mechanism in mechanisms) or listening:
            status = "found"
        elif mechanisms:
            status = "disabled"
        else:
            status = "absent"
        report[name] = {
            "kind": item["kind"],
            "description": item["description"],
            "ports": ["%d/%s" % (port, proto) for port, proto in item["ports"]],
            "cis": {"benchmark": catalog.CIS_BENCHMARK, "item": item["cis"], "title": catalog.cis_title(item["cis"])},
            "packages": list(item["packages"].get(family, ())) if family else [],
            "selected": name in acting,
            "kept": name in kept,
            "status": status,
            "mechanisms": mechanisms,
            "listening": listening,
            "actions": [],
        }
    return report


def _would_close(name: str, entry: dict, socket_item: dict) -> bool:
    """Whether disabling the service's mechanisms closes this socket (for check mode's warning)."""
    process = socket_item.get("process")
    programs = catalog.entry(name)["programs"]
    for mechanism in entry["mechanisms"]:
        if "stop" in mechanism["needs"]:
            if mechanism.get("unit") and mechanism["unit"] == socket_item.get("unit"):
                return True
            # A socket unit's listener belongs to pid 1 until the first client arrives.
            if process == "systemd" and mechanism.get("unit", "").endswith(".socket"):
                return True
            if process in programs:
                return True
        if mechanism["type"] in ("inetd", "xinetd") and mechanism["needs"] and process in _INETD["programs"] + _XINETD["programs"]:
            return True
    return False


def _act(host: Host, seen: dict, report: dict, targets, check_mode: bool, result: dict) -> None:
    """Apply (or, in check mode, describe) every remedy for the target services."""
    units_changed = _act_on_units(host, seen, report, targets, check_mode, result)
    wanted = set(targets)
    lookup = _Lookup()
    inetd_changed = _edit_files(host, seen["files"]["inetd"], "inetd", wanted, lookup, report, check_mode, result)
    xinetd_changed = _edit_files(host, seen["files"]["xinetd"], "xinetd", wanted, lookup, report, check_mode, result)
    result["changed"] = units_changed or inetd_changed or xinetd_changed
    for changed, superserver in ((inetd_changed, _INETD), (xinetd_changed, _XINETD)):
        # Nothing to reread, or the super-server itself was just stopped and masked.
        if changed and superserver["name"] not in wanted:
            _reload(host, superserver, check_mode, result)


def _act_on_units(host: Host, seen: dict, report: dict, targets, check_mode: bool, result: dict) -> bool:
    before, after = [], []
    for name in targets:
        evidence = seen["services"][name]
        needs = {}
        for unit, state in sorted(evidence["units"].items()):
            steps = units.unit_needs(state)
            if steps:
                needs[unit] = steps
                before.append(units.unit_summary(state))
                after.append("%s: %s, inactive" % (unit, "masked" if "mask" in steps or state["load"] == "masked" else "disabled"))
                report[name]["actions"].extend("%s %s" % (step, unit) for step in steps)
        if needs and not check_mode:
            result["errors"].extend("%s: %s" % (name, error) for error in units.apply_units(host.run, needs))
        for script, state in sorted(evidence["sysv"].items()):
            steps = units.sysv_needs(state)
            if not steps:
                continue
            before.append("/etc/init.d/%s: %s, %s" % (script, "enabled" if state["enabled"] else "disabled",
                                                      "running" if state["running"] else "stopped"))
            after.append("/etc/init.d/%s: disabled, stopped" % script)
            report[name]["actions"].extend("%s /etc/init.d/%s" % (step, script) for step in steps)
            if not check_mode:
                result["errors"].extend("%s: %s" % (name, error) for error in units.apply_sysv(host.run, script, steps, host.root))
    if before:
        result["diff"].append({"before_header": "service units", "after_header": "service units",
                               "before": "\n".join(before) + "\n", "after": "\n".join(after) + "\n"})
    return bool(before)


def _reload(host: Host, superserver: dict, check_mode: bool, result: dict) -> None:
    """Tell inetd or xinetd, once, to reread the configuration that just changed."""
    name = superserver["name"]
    if check_mode:
        result["reloads"].append("%s would be told to reread its configuration" % name)
        return
    scripts = list(superserver["sysv"])
    generated = ["%s.service" % script for script in scripts]
    unit_names = list(dict.fromkeys(list(superserver["units"]) + generated))
    try:
        outcome = units.reload_superserver(host.run, host.systemd, unit_names, scripts, superserver["programs"], host.proc, host.root)
    except units.UnitQueryError as exc:
        outcome = {"how": "systemctl", "error": str(exc)}
    if outcome["how"]:
        result["reloads"].append(outcome["how"])
    if outcome["error"]:
        result["errors"].append("%s reload (%s) failed: %s" % (name, outcome["how"], outcome["error"]))


def _edit_files(host, texts: dict, kind: str, wanted: set, lookup, report: dict, check_mode: bool, result: dict) -> bool:
    changed = False
    for path, text in texts.items():
        shown = host.display(path)
        if kind == "inetd":
            new_text, touched = _inetd.disable(text, lambda entry: lookup.inetd_entry(entry) in wanted)
        else:
            new_text, touched = _xinetd.disable(text, lambda block: lookup.xinetd_block(block) in wanted and _effective(report, block), shown)
        if new_text == text:
            continue
        changed = True
        for item in touched:
            owner = lookup.inetd_entry(item) if kind == "inetd" else lookup.xinetd_block(item)
            if kind == "inetd":
                report[owner]["actions"].append("comment out %s line %d" % (shown, item["line"]))
            else:
                report[owner]["actions"].append("disable = yes in %s (service %s, line %d)" % (shown, item["name"], item["line"]))
        result["diff"].append({"before_header": shown, "after_header": shown, "before": text, "after": new_text})
        if not check_mode:
            host.write(path, new_text)
    return changed


def _effective(report: dict, block: dict) -> bool:
    """A block that xinetd runs (the mechanisms list says so); off-by-defaults blocks stay untouched."""
    for entry in report.values():
        for mechanism in entry["mechanisms"]:
            if mechanism["type"] == "xinetd" and mechanism["path"] == block["path"] and mechanism["line"] == block["line"]:
                return mechanism["state"] == "enabled"
    return False


def _remove_packages(host: Host, report: dict, acting, check_mode: bool, result: dict) -> None:
    removing = [name for name in acting if report[name]["status"] in ("found", "disabled") and report[name]["packages"]]
    if not removing:
        return
    if not packages.supported(host.family):
        for name in removing:
            report[name]["package_removal"] = {"skipped": "package removal is implemented for apt (Debian family) only; %s stays masked" % name}
        return
    protected = {}
    for name, entry in report.items():
        if name in acting or (entry["status"] != "found" and not entry["kept"]):
            continue
        why = "kept" if entry["kept"] else "not selected"
        for package in entry["packages"]:
            protected.setdefault(package, "also serves %s, which is %s" % (name, why))
    try:
        decided = packages.plan(host.run, dict((name, report[name]["packages"]) for name in removing), protected)
    except packages.PackageError as exc:
        result["errors"].append(str(exc))
        return
    for name in removing:
        outcome = decided["services"][name]
        report[name]["package_removal"] = outcome
        if outcome["remove"]:
            report[name]["actions"].append("remove package %s" % ", ".join(outcome["remove"]))
        if outcome["unknown"]:
            result["warnings"].append("%s: package name(s) %s unknown to dpkg and apt on this host (are the apt lists current?)"
                                      % (name, ", ".join(outcome["unknown"])))
    if decided["remove"]:
        result["changed"] = True
        result["diff"].append({"before_header": "packages", "after_header": "packages",
                               "before": "\n".join(decided["remove"]) + "\n", "after": ""})
        if not check_mode:
            rc, out, err = packages.remove(host.run, decided["remove"])
            if rc != 0:
                result["errors"].append("apt-get remove %s failed (rc=%s): %s" % (" ".join(decided["remove"]), rc, (err or out).strip()))


def _settle(host: Host, acting, timeout: float) -> list:
    """Wait for the acted-on services' sockets to close; what still listens at the deadline."""
    lookup = _Lookup(host.proc)
    wanted = set(acting)
    deadline = host.clock() + timeout
    while True:
        remaining = []
        for socket_item in host.listening():
            owner = lookup.socket(socket_item)
            if owner in wanted:
                remaining.append(dict(_socket_summary(socket_item), service=owner))
        if not remaining or host.clock() >= deadline:
            return remaining
        host.sleep(0.5)


def _socket_summary(item: dict) -> dict:
    return {
        "protocol": item.get("protocol"),
        "family": item.get("family"),
        "address": item.get("address"),
        "port": item.get("port"),
        "process": item.get("process"),
        "pid": item.get("pid"),
        "unit": item.get("unit"),
    }


def describe(item: dict) -> str:
    """A socket summary for messages: "23/tcp on 0.0.0.0 (inetd pid 35, unit inetd.service)"."""
    owner = item.get("process") or "no visible process"
    if item.get("pid"):
        owner = "%s pid %s" % (owner, item["pid"])
    if item.get("unit"):
        owner = "%s, unit %s" % (owner, item["unit"])
    return "%s/%s on %s (%s)" % (item.get("port"), item.get("protocol"), item.get("address"), owner)
