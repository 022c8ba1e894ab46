# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""The fleet view of a drift-check run: findings grouped across hosts, and host order.

What a fleet owner asks first is "which unexpected port is open on how many hosts, and
which hosts". ``group_findings`` answers it from the run's host records: one group per
(kind, protocol, port, process), worst severity first, then most hosts. The run document
carries it as ``by_finding``; the HTML, Markdown and grouped JUnit reports render it.
``natural_key`` and ``hosts_in_order`` give every report the same host order: drifting
hosts first, then the ones that could not be audited, then the compliant ones, each group
in natural order (h2 before h10). Pure Python, stdlib only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports import (
    KINDS,
    SEVERITIES,
    entry_of,
    port_of,
    port_sort_key,
    protocol_of,
)

# How the per-host sections list hosts: what needs a look first.
HOST_GROUP_ORDER = ("drift", "error", "unreachable", "compliant")
_DIGITS = re.compile(r"([0-9]+)")


def natural_key(name) -> tuple:
    """``h2`` before ``h10``; case-insensitive; the exact name breaks ties so the order is total."""
    text = str(name)
    parts = _DIGITS.split(text.lower())
    # re.split with a group alternates text and digits, text first: tuples always compare.
    return tuple(int(part) if index % 2 else part for index, part in enumerate(parts)) + (text,)


def status_rank(status) -> int:
    return HOST_GROUP_ORDER.index(status) if status in HOST_GROUP_ORDER else len(HOST_GROUP_ORDER)


def hosts_in_order(run: Mapping) -> list:
    """``[(name, record)]``: drifting first, then error, unreachable, compliant; natural order within."""
    return sorted(run["hosts"].items(), key=lambda pair: (status_rank(pair[1].get("status")), natural_key(pair[0])))


def finding_process(item: Mapping) -> str:
    """The process a grouped finding is about: the socket's owner, or what a missing entry expects."""
    if item.get("kind") == "missing":
        return str(entry_of(item).get("process") or item.get("process") or "")
    return str(item.get("process") or "")


def group_id(kind: str, protocol: str, port, process: str) -> str:
    """Stable across runs and hosts: ``unexpected tcp 6379 redis-server``."""
    text = "%s %s %s" % (kind, protocol, port)
    return "%s %s" % (text, process) if process else text


def _severity_rank(severity) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def group_findings(hosts: Mapping) -> list:
    """One group per (kind, protocol, port, process) across ``{host: record}``, worst first.

    A host counts once per group even when it has two such sockets (0.0.0.0 and ::); the
    group keeps every address seen. Severity is the worst any host's finding had.
    """
    groups = {}
    for name, record in hosts.items():
        drift = record.get("drift") if isinstance(record.get("drift"), Mapping) else {}
        for kind in KINDS:
            for item in drift.get(kind) or []:
                protocol, port, process = protocol_of(item), port_of(item), finding_process(item)
                key = (kind, protocol, str(port), process)
                group = groups.get(key)
                if group is None:
                    group = groups[key] = {
                        "id": group_id(kind, protocol, port, process),
                        "kind": kind,
                        "protocol": protocol,
                        "port": port,
                        "process": process or None,
                        "severity": item.get("severity"),
                        "reason": item.get("reason"),
                        "hosts": [],
                        "addresses": [],
                        "controls": [],
                    }
                if _severity_rank(item.get("severity")) < _severity_rank(group["severity"]):
                    group["severity"] = item.get("severity")
                # A host's findings come together, so its name is the last one or not there yet.
                if not group["hosts"] or group["hosts"][-1] != name:
                    group["hosts"].append(name)
                address = item.get("address")
                if address is not None and str(address) not in group["addresses"]:
                    group["addresses"].append(str(address))
                controls = item.get("controls")
                # A host's result is untrusted: a string here would otherwise become one control per character.
                for control in controls if isinstance(controls, (list, tuple)) else []:
                    if str(control) not in group["controls"]:
                        group["controls"].append(str(control))
    result = []
    for group in groups.values():
        group["hosts"].sort(key=natural_key)
        group["host_count"] = len(group["hosts"])
        group["addresses"].sort()
        result.append(group)
    result.sort(key=lambda group: (_severity_rank(group["severity"]), -group["host_count"], port_sort_key(group["port"]),
                                   group["protocol"], KINDS.index(group["kind"]), group["process"] or ""))
    return result


def host_search_text(record: Mapping) -> str:
    """What the report's filter box matches a host by besides its name: its findings' ports and owners."""
    words = []
    drift = record.get("drift") if isinstance(record.get("drift"), Mapping) else {}
    for kind in KINDS:
        for item in drift.get(kind) or []:
            for word in ("%s/%s" % (port_of(item), protocol_of(item)), finding_process(item)):
                if word and word not in words:
                    words.append(word)
    return " ".join(words)


def host_list_text(hosts: list, shown: int = 6) -> str:
    """``db1, db2, db3 (+34)``: the first hosts by name and how many more."""
    head = ", ".join(str(name) for name in hosts[:shown])
    rest = len(hosts) - shown
    return "%s (+%d)" % (head, rest) if rest > 0 else head
