# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Prometheus text exposition (textfile collector) for a drift-check run.

node_exporter reads ``*.prom`` files from its textfile directory and rejects a file with a
repeated series, so every series here is unique: sockets that share protocol, address, port
and owner (SO_REUSEPORT workers) are one series whose value is their count. Every
kind/severity pair is written, zeros included, so an alert on ``> 0`` sees a host go
clean and a dashboard has no gaps.
"""

from __future__ import annotations

from ansible_collections.portwarden.hardening.plugins.module_utils.reports import _reports_exposure
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports import (
    KINDS,
    SEVERITIES,
    exposed_listeners,
    parse_time,
    port_of,
    protocol_of,
)

_FAMILIES = (
    ("portwarden_audit_success", "1 when the audit ran on the host, 0 when it failed or the host was unreachable."),
    ("portwarden_compliant", "1 when the host's listening sockets match its allowlist, 0 on drift."),
    ("portwarden_drift_findings", "Drift findings on the host by kind and severity."),
    ("portwarden_accepted_findings", "Findings covered by an unexpired exception."),
    ("portwarden_finding", "One series per drift finding; the value counts the sockets behind it."),
    ("portwarden_listening", "Sockets listening on the host outside loopback (unless loopback is audited), by owner."),
    ("portwarden_effective_exposure", "Exposed listeners and published ports by the live firewall's verdict."),
    ("portwarden_firewall_findings", "Findings about the live firewall (missing, modified, disabled, accept_all)."),
    ("portwarden_last_run_timestamp_seconds", "When the drift check that wrote these metrics finished (Unix time)."),
)


def _label_value(value) -> str:
    text = "" if value is None else str(value)
    return text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")


def _series(name: str, labels, value) -> str:
    inner = ",".join('%s="%s"' % (key, _label_value(val)) for key, val in labels)
    return "%s{%s} %s" % (name, inner, value)


def _counted(pairs) -> list:
    """Identical label sets become one series whose value is how many there were."""
    counts = {}
    for labels in pairs:
        counts[labels] = counts.get(labels, 0) + 1
    return list(counts.items())


def host_series(run, name: str) -> dict:
    """{metric name: [series line, ...]} for one host."""
    record = run["hosts"][name]
    finished = parse_time(run["finished"]).timestamp()
    host = (("host", name),)
    out = {family: [] for family, _help in _FAMILIES}
    audited = record["status"] in ("compliant", "drift")
    out["portwarden_audit_success"].append(_series("portwarden_audit_success", host, 1 if audited else 0))
    out["portwarden_last_run_timestamp_seconds"].append(
        _series("portwarden_last_run_timestamp_seconds", host, "%d" % finished))
    if not audited:
        return out
    out["portwarden_compliant"].append(_series("portwarden_compliant", host, 1 if record["status"] == "compliant" else 0))
    for kind in KINDS:
        for severity in SEVERITIES:
            count = sum(1 for item in record["drift"][kind] if item.get("severity") == severity)
            out["portwarden_drift_findings"].append(
                _series("portwarden_drift_findings", host + (("kind", kind), ("severity", severity)), count))
    out["portwarden_accepted_findings"].append(_series("portwarden_accepted_findings", host, len(record["accepted"])))
    findings = _counted(
        host + (("kind", kind), ("severity", item.get("severity") or ""), ("proto", protocol_of(item)),
                ("port", port_of(item)), ("address", item.get("address") or ""))
        for kind in KINDS for item in record["drift"][kind])
    out["portwarden_finding"] += [_series("portwarden_finding", labels, count) for labels, count in findings]
    listening = _counted(
        host + (("proto", protocol_of(item)), ("port", port_of(item)), ("address", item.get("address") or ""),
                ("process", item.get("process") or ""))
        for item in exposed_listeners(record, run["options"]["ignore_loopback"]) or [])
    out["portwarden_listening"] += [_series("portwarden_listening", labels, count) for labels, count in listening]
    if record.get("effective") is not None or record.get("firewall") is not None:
        for family, labels, count in _reports_exposure.prometheus_series(record):
            out[family].append(_series(family, host + labels, count))
    return out


def render_prometheus(run, hosts=None) -> str:
    """The textfile for ``hosts`` (default: every host of the run)."""
    names = list(run["hosts"]) if hosts is None else list(hosts)
    per_host = [host_series(run, name) for name in names]
    lines = []
    for family, help_text in _FAMILIES:
        series = [line for metrics in per_host for line in metrics[family]]
        if not series:
            continue
        lines.append("# HELP %s %s" % (family, help_text))
        lines.append("# TYPE %s gauge" % family)
        lines.extend(series)
    return "\n".join(lines) + "\n"
