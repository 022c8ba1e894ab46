# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Drift: what listens compared to what the allowlist declares.

``compute_drift`` takes the normalised allowlist (``_allowlist.parse_allowlist``), socket
items (the contract in ``_sockets.gather``), normalised exceptions
(``_audit_exceptions.parse_exceptions``) and today's date, and returns::

    {"compliant": bool,
     "drift": {"unexpected": [...], "missing": [...], "mismatched": [...]},
     "accepted": [...],
     "summary": {...counts...}}

Rules (also in the port_audit module documentation):

- A socket is *allowed* when an entry has its protocol and a port range holding its port.
  The socket's address is not compared with ``sources``: sources restrict who may connect
  and are enforced by the firewall, not by the bind.
- *unexpected*: no entry allows the socket. Severity ``critical`` for a known legacy
  service port (``LEGACY_SERVICE_PORTS``), else ``high`` on a wildcard address and
  ``medium`` on a specific one. A dual-stack ``::`` socket is reachable over IPv4 too and is
  reported with ``exposed_families: [ipv4, ipv6]``; a v6only one over IPv6 only.
- *mismatched*: allowed, but every matching entry names a ``process`` and none matches the
  owner. An unknown owner (``process`` null, e.g. a socket owned from another pid namespace)
  cannot prove the match and is a mismatch too, with reason "owner unknown".
- *missing*: a ``required`` entry with no audited socket on any of its ports.
- Loopback sockets are not exposure: with ``ignore_loopback`` they are neither unexpected
  nor mismatched, and do not satisfy ``required``.
- An exception that matches a finding moves it to ``accepted``; an expired one leaves the
  finding in drift with the exception attached and the expiry in the reason.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from collections.abc import Mapping

from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._audit_exceptions import is_expired
from ansible_collections.portwarden.hardening.plugins.module_utils.legacy._legacy_catalog import legacy_ports
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._port_ranges import merge_ranges, ranges_contain
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist import _published_audit
from ansible_collections.portwarden.hardening.plugins.module_utils._constants import KINDS, PROTOCOLS, SEVERITIES

# Ports whose unexpected exposure is critical: every legacy service of the catalog
# (_legacy_catalog, the one list of legacy services), plus ports the catalog does not
# call legacy but whose exposure is as bad. rpcbind (111) is a "review" service there,
# because NFSv3 needs it; exposed, it lists every RPC service (NIS, NFS mounts, rstatd,
# rusersd) to anyone and is a well-known UDP reflection amplifier. A host that needs it
# declares it in the allowlist, and then it is not drift. systat and qotd are inetd
# internals that no current system needs. NIS has no fixed port: it is found through rpcbind.
_CRITICAL_BEYOND_CATALOG = {
    (11, "tcp"): "systat",
    (17, "tcp"): "qotd", (17, "udp"): "qotd",
    (111, "tcp"): "rpcbind", (111, "udp"): "rpcbind",
}
LEGACY_SERVICE_PORTS = dict(_CRITICAL_BEYOND_CATALOG)
LEGACY_SERVICE_PORTS.update(legacy_ports())

CONTROL_CIS_SERVICES = "CIS Benchmark: Ensure only approved services are listening on a network interface"
CONTROL_CIS_FIREWALL = "CIS Benchmark: Ensure firewall rules exist for all open ports"
CONTROL_NIST_CM7 = "NIST SP 800-53 CM-7: Least Functionality"
CONTROL_NIST_SC7_5 = "NIST SP 800-53 SC-7(5): Boundary Protection | Deny by Default - Allow by Exception"
CONTROL_STIG_PPSM = (
    "DISA STIG SRG-OS-000096-GPOS-00050: restrict ports, protocols and services to those in the PPSM CAL"
)
CONTROL_NIST_CM6 = "NIST SP 800-53 CM-6: Configuration Settings"
CONTROLS = {
    "unexpected": [CONTROL_CIS_SERVICES, CONTROL_CIS_FIREWALL, CONTROL_NIST_CM7, CONTROL_NIST_SC7_5, CONTROL_STIG_PPSM],
    "mismatched": [CONTROL_CIS_SERVICES, CONTROL_NIST_CM7, CONTROL_STIG_PPSM],
    # A required service that is down is drift from the declared configuration, not exposure.
    "missing": [CONTROL_NIST_CM6],
}

# Linux truncates a process name (comm) to 15 bytes (TASK_COMM_LEN 16).
_COMM_LEN = 15


class ListeningError(ValueError):
    """A socket item given to the audit (option ``listening``) is not usable; names the item."""


def normalise_listening(items) -> list:
    """Check hand-written or fact-sourced socket items; fill what can be derived.

    ``protocol``, ``port`` and ``address`` are needed; ``family`` and ``exposure`` are derived
    from the address when absent, ``dual_stack`` defaults to false and owner fields to null.
    """
    if isinstance(items, (str, Mapping)) or not isinstance(items, (list, tuple)):
        raise ListeningError("listening must be a list of socket items (the portwarden_listening fact)")
    result = []
    for number, raw in enumerate(items, start=1):
        where = "listening item #%d" % number
        if not isinstance(raw, Mapping):
            raise ListeningError("%s: must be a mapping with protocol, address and port" % where)
        item = dict(raw)
        if item.get("protocol") not in PROTOCOLS:
            raise ListeningError("%s: protocol must be tcp or udp, got %r" % (where, item.get("protocol")))
        port = item.get("port")
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ListeningError("%s: port must be an integer 0-65535, got %r" % (where, port))
        try:
            address = ipaddress.ip_address(str(item.get("address")).split("%", 1)[0])
        except ValueError:
            raise ListeningError("%s: address %r is not an IP address" % (where, item.get("address"))) from None
        item["address"] = str(address)
        item.setdefault("family", "ipv%d" % address.version)
        if not item.get("exposure"):
            item["exposure"] = ("loopback" if address.is_loopback
                                else "wildcard" if address.is_unspecified else "address")
        item["dual_stack"] = bool(item.get("dual_stack"))
        for field in ("interface", "v6only", "pid", "process", "exe", "cmdline", "user", "uid", "unit", "inode"):
            item.setdefault(field, None)
        item.setdefault("pids", [])
        result.append(item)
    return result


class _Index:
    """Allowlist entries by (protocol, port): a dict for single ports, a scan for ranges."""

    def __init__(self, entries: list):
        self.single = {}
        self.ranged = {}
        for entry in entries:
            for low, high in entry["ports"]:
                if low == high:
                    self.single.setdefault((entry["proto"], low), []).append(entry)
                else:
                    self.ranged.setdefault(entry["proto"], []).append((low, high, entry))
        self.ranged_span = {
            proto: merge_ranges([[low, high] for low, high, _entry in items]) for proto, items in self.ranged.items()
        }

    def lookup(self, proto: str, port: int) -> list:
        found = list(self.single.get((proto, port), ()))
        if proto in self.ranged and ranges_contain(self.ranged_span[proto], port):
            found.extend(entry for low, high, entry in self.ranged[proto] if low <= port <= high)
        found.sort(key=lambda entry: entry["index"])
        return found


def process_matches(expected: str, item: Mapping) -> bool:
    """Does the socket's owner match an entry's ``process``?

    A path (``/usr/sbin/sshd``) matches the real executable only (``/proc/PID/exe``): a
    command line and a process name are whatever the process says, so ``/home/eve/sshd``
    never passes for ``/usr/sbin/sshd``. A bare name matches the process name (also when the
    kernel truncated it to 15 characters) or the executable's base name. A name ending in
    ``.service`` or ``.socket`` matches the systemd unit, which is never a unit of a user's
    own systemd manager (those read ``user@UID.service/NAME``).
    """
    if expected.endswith((".service", ".socket")):
        return item.get("unit") == expected
    exe = item.get("exe")
    if "/" in expected:
        return bool(exe) and exe == expected
    process = item.get("process")
    candidates = {process} if process else set()
    if exe:
        candidates.add(os.path.basename(exe))
    if expected in candidates:
        return True
    return bool(process) and len(process) == _COMM_LEN and expected.startswith(process)


def exposed_families(item: Mapping) -> list:
    """Families a socket is reachable over: a dual-stack ``::`` socket serves IPv4 too."""
    if item.get("family") == "ipv6" and item.get("dual_stack"):
        return ["ipv4", "ipv6"]
    return [item.get("family")]


def _where(item: Mapping) -> str:
    exposure = item.get("exposure")
    if exposure == "wildcard":
        if item.get("family") == "ipv4":
            text = "all IPv4 addresses (0.0.0.0)"
        elif item.get("dual_stack"):
            text = "all IPv6 and, dual-stack, all IPv4 addresses (::)"
        else:
            text = "all IPv6 addresses (::, IPv6 only)"
    else:
        text = str(item.get("address"))
    if item.get("interface") and exposure != "loopback":
        text += " on interface %s" % item["interface"]
    return text


def _socket_text(item: Mapping) -> str:
    return "%s/%s" % (item.get("port"), item.get("protocol"))


def _owner_text(item: Mapping) -> str:
    if item.get("process"):
        return "%s (pid %s)" % (item["process"], item.get("pid")) if item.get("pid") is not None else item["process"]
    return "an unknown process"


def _exposure_severity(item: Mapping) -> str:
    return "high" if item.get("exposure") == "wildcard" else "medium"


def _entry_text(entry: Mapping) -> str:
    return "allowlist entry #%d (%s)" % (entry["index"] + 1, entry["label"])


def _unexpected(item: Mapping) -> dict:
    finding = dict(item)
    legacy = LEGACY_SERVICE_PORTS.get((item.get("port"), item.get("protocol")))
    finding["severity"] = "critical" if legacy else _exposure_severity(item)
    if item.get("published"):
        # A published port never reaches a listening socket's checks: say who published it.
        reason = "%s is not in the allowlist; %s, on %s" % (
            _socket_text(item), _published_audit.owner_text(item), _where(item))
    else:
        reason = "%s is not in the allowlist; %s listens on %s" % (_socket_text(item), _owner_text(item), _where(item))
    if legacy:
        reason += "; port of the legacy service %s" % legacy
    finding["reason"] = reason
    finding["controls"] = list(CONTROLS["unexpected"])
    finding["exposed_families"] = exposed_families(item)
    finding["allowlist_entry"] = None
    return finding


def _mismatched(item: Mapping, entries: list) -> dict:
    finding = dict(item)
    expected = sorted({entry["process"] for entry in entries})
    wanted = " or ".join(expected)
    entry = entries[0]
    if item.get("published"):
        reason = "%s is %s; %s expects the container %s" % (
            _socket_text(item), _published_audit.owner_text(item), _entry_text(entry), wanted)
        finding["severity"] = _exposure_severity(item)
    elif item.get("process"):
        reason = "%s is owned by %s; %s expects %s" % (_socket_text(item), _owner_text(item), _entry_text(entry), wanted)
        finding["severity"] = _exposure_severity(item)
    else:
        reason = "owner unknown: no process could be found for %s on %s; %s expects %s" % (
            _socket_text(item), _where(item), _entry_text(entry), wanted)
        finding["severity"] = "medium"
    finding["reason"] = reason
    finding["controls"] = list(CONTROLS["mismatched"])
    finding["exposed_families"] = exposed_families(item)
    finding["allowlist_entry"] = dict(entry)
    return finding


def _missing(entry: Mapping, loopback_only: bool) -> dict:
    where = "%s/%s" % (entry["port"], entry["proto"])
    if loopback_only:
        reason = "%s is required, but listens on loopback only: not reachable from the network" % where
    else:
        reason = "%s is required, but nothing listens on it" % where
    return {
        "protocol": entry["proto"],
        "port": entry["port"],
        "ports": [list(pair) for pair in entry["ports"]],
        "process": entry["process"],
        "severity": "medium",
        "reason": "%s (%s)" % (reason, _entry_text(entry)),
        "controls": list(CONTROLS["missing"]),
        "allowlist_entry": dict(entry),
    }


def _exception_matches(exception: Mapping, finding: Mapping, kind: str) -> bool:
    if exception["proto"] != finding["protocol"]:
        return False
    if kind == "missing":
        entry = finding["allowlist_entry"]
        overlap = any(low <= e_high and e_low <= high
                      for low, high in exception["ports"] for e_low, e_high in entry["ports"])
        return overlap and exception["process"] in (None, entry["process"])
    if not ranges_contain(exception["ports"], finding["port"]):
        return False
    if exception["address"] is not None and exception["address"] != finding.get("address"):
        return False
    return exception["process"] is None or process_matches(exception["process"], finding)


def _apply_exceptions(kind: str, finding: dict, exceptions: list, today: datetime.date, used: set):
    """Return ("accepted" | "drift", finding) after looking for an exception that covers it."""
    expired = None
    for exception in exceptions:
        if not _exception_matches(exception, finding, kind):
            continue
        used.add(exception["index"])
        if not is_expired(exception, today):
            accepted = dict(finding, kind=kind, exception=dict(exception))
            return "accepted", accepted
        expired = expired or exception
    if expired is not None:
        finding = dict(finding, exception=dict(expired))
        finding["reason"] += "; the exception for it expired on %s (reason: %s; owner: %s)" % (
            expired["expires"], expired["reason"], expired["owner"])
        finding["exception_expired"] = True
    return "drift", finding


def _sort_key(finding: Mapping) -> tuple:
    port = finding.get("port")
    return (
        SEVERITIES.index(finding["severity"]),
        str(finding.get("protocol")),
        port if isinstance(port, int) else finding["ports"][0][0],
        str(finding.get("address") or ""),
        finding.get("inode") or 0,
    )


def compute_drift(allowlist: list, listening: list, exceptions=None, ignore_loopback: bool = True,
                  today=None) -> dict:
    """Compare socket items with normalised allowlist entries; see the module docstring."""
    exceptions = exceptions or []
    today = today or datetime.date.today()
    index = _Index(allowlist)
    audited = [item for item in listening if not (ignore_loopback and item.get("exposure") == "loopback")]
    findings = {kind: [] for kind in KINDS}
    present = set()
    loopback_present = set()

    for item in listening:
        if item.get("exposure") == "loopback" and ignore_loopback:
            for entry in index.lookup(item.get("protocol"), item.get("port")):
                loopback_present.add(entry["index"])
    for item in audited:
        entries = index.lookup(item.get("protocol"), item.get("port"))
        for entry in entries:
            present.add(entry["index"])
        if not entries:
            findings["unexpected"].append(_unexpected(item))
            continue
        constrained = [entry for entry in entries if entry["process"]]
        if len(constrained) < len(entries):
            continue
        matches = _published_audit.owner_matches if item.get("published") else process_matches
        if not any(matches(entry["process"], item) for entry in constrained):
            findings["mismatched"].append(_mismatched(item, constrained))
    for entry in allowlist:
        if entry["required"] and entry["index"] not in present:
            findings["missing"].append(_missing(entry, entry["index"] in loopback_present))

    drift = {kind: [] for kind in KINDS}
    accepted = []
    used = set()
    for kind in KINDS:
        for finding in findings[kind]:
            verdict, finding = _apply_exceptions(kind, finding, exceptions, today, used)
            (accepted if verdict == "accepted" else drift[kind]).append(finding)
        drift[kind].sort(key=_sort_key)
    accepted.sort(key=_sort_key)

    summary = {kind: len(drift[kind]) for kind in KINDS}
    summary.update({severity: 0 for severity in SEVERITIES})
    for kind in KINDS:
        for finding in drift[kind]:
            summary[finding["severity"]] += 1
    summary["findings"] = sum(len(drift[kind]) for kind in KINDS)
    summary["accepted"] = len(accepted)
    summary["expired_exceptions"] = sum(1 for kind in KINDS for f in drift[kind] if f.get("exception_expired"))
    summary["unused_exceptions"] = len(exceptions) - len(used)
    summary["audited"] = len(audited)
    summary["published"] = sum(1 for item in audited if item.get("published"))
    summary["allowlist_entries"] = len(allowlist)
    return {
        "compliant": summary["findings"] == 0,
        "drift": drift,
        "accepted": accepted,
        "summary": summary,
    }


def one_line(result: Mapping) -> str:
    """``drift: 2 unexpected (1 critical), 1 missing, 0 mismatched; 1 accepted``."""
    summary = result["summary"]
    if result["compliant"]:
        text = "compliant"
    else:
        severities = ", ".join("%d %s" % (summary[s], s) for s in SEVERITIES if summary[s])
        text = "drift: %d unexpected, %d missing, %d mismatched (%s)" % (
            summary["unexpected"], summary["missing"], summary["mismatched"], severities)
    if summary["accepted"]:
        text += "; %d accepted by exceptions" % summary["accepted"]
    return text
