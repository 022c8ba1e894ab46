# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Effective exposure in the reports: the live firewall's findings and each exposure's verdict.

``port_audit`` with ``firewall`` set returns ``firewall`` (backend, findings) and
``effective`` (one verdict per exposed listener and published port). ``host_parts(result)``
keeps the declared keys of both, checked, for the host record; the ``*_section`` and
``junit_cases`` functions render them for the HTML, Markdown and JUnit writers, so each
writer needs one call. "Listening but blocked" is shown apart from "exposed": a blocked
listener is not exposure today, but one firewall change away from it.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from collections.abc import Mapping

VERDICTS = ("exposed", "sources", "blocked", "unknown")
VERDICT_TITLES = {
    "exposed": "exposed to anyone",
    "sources": "exposed to the declared sources",
    "blocked": "listening but blocked",
    "unknown": "verdict unknown",
}
FIREWALL_KINDS = ("missing", "modified", "disabled", "accept_all")
_EFFECTIVE_KEYS = ("protocol", "family", "address", "port", "kind", "owner", "verdict", "reason")
_MAX_TEXT = 512


def _text(value):
    if value is None or isinstance(value, bool):
        return value
    return str(value)[:_MAX_TEXT]


def host_parts(result) -> dict:
    """{"firewall": {...} or None, "effective": [...] or None} from one port_audit result, checked."""
    parts = {"firewall": None, "effective": None}
    if not isinstance(result, Mapping):
        return parts
    firewall = result.get("firewall")
    if isinstance(firewall, Mapping):
        findings = []
        for item in firewall.get("findings") or []:
            if isinstance(item, Mapping) and item.get("kind") in FIREWALL_KINDS:
                findings.append({"kind": item["kind"], "severity": _text(item.get("severity")) or "high",
                                 "reason": _text(item.get("reason"))})
        parts["firewall"] = {
            "backend": _text(firewall.get("backend")), "loaded": bool(firewall.get("loaded")),
            "forward": bool(firewall.get("forward")), "findings": findings,
            "notes": [_text(note) for note in firewall.get("notes") or [] if isinstance(note, str)],
        }
    effective = result.get("effective")
    if isinstance(effective, list):
        items = []
        for item in effective:
            if isinstance(item, Mapping) and item.get("verdict") in VERDICTS:
                items.append({key: _text(item.get(key)) if key != "port" else item.get("port") for key in _EFFECTIVE_KEYS})
        parts["effective"] = items
    return parts


def verdict_counts(record: Mapping) -> dict:
    counts = {verdict: 0 for verdict in VERDICTS}
    for item in record.get("effective") or []:
        counts[item["verdict"]] += 1
    return counts


def _endpoint(item) -> str:
    address = item.get("address") or "*"
    return "%s%s:%s/%s" % (address if ":" not in address else "[%s]" % address, "", item.get("port"), item.get("protocol"))


def _e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def html_section(run) -> str:
    """Per host: firewall findings, then exposures grouped by verdict (blocked apart from exposed)."""
    hosts = [(name, record) for name, record in run["hosts"].items() if record.get("firewall") or record.get("effective")]
    if not hosts:
        return ""
    out = ['<h2>Effective exposure (live firewall)</h2>']
    for name, record in hosts:
        firewall = record.get("firewall") or {}
        out.append('<h3>%s <span class="muted">%s%s%s</span></h3>' % (
            _e(name), _e(firewall.get("backend") or "no firewall"),
            " \u00b7 loaded" if firewall.get("loaded") else " \u00b7 not loaded",
            " \u00b7 forward filtered" if firewall.get("forward") else ""))
        if firewall.get("findings"):
            out.append("<ul>%s</ul>" % "".join(
                '<li><strong>firewall %s</strong> (%s): %s</li>' % (_e(f["kind"]), _e(f["severity"]), _e(f["reason"]))
                for f in firewall["findings"]))
        for verdict in VERDICTS:
            items = [item for item in record.get("effective") or [] if item["verdict"] == verdict]
            if not items:
                continue
            out.append('<p><strong>%s</strong> (%d)</p><table><thead><tr><th>Endpoint</th><th>What</th><th>Owner</th>'
                       '<th>Why</th></tr></thead><tbody>%s</tbody></table>' % (
                           _e(VERDICT_TITLES[verdict]), len(items), "".join(
                               "<tr><td><code>%s</code></td><td>%s</td><td>%s</td><td>%s</td></tr>" % (
                                   _e(_endpoint(item)), _e(item["kind"]), _e(item.get("owner") or "?"), _e(item["reason"]))
                               for item in items)))
    return "".join(out)


def _md(value) -> str:
    text = "" if value is None else str(value)
    for char in "\\`*_{}[]<>()#+!|":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", " ")


def markdown_section(run) -> list:
    hosts = [(name, record) for name, record in run["hosts"].items() if record.get("firewall") or record.get("effective")]
    if not hosts:
        return []
    lines = ["", "## Effective exposure (live firewall)", "",
             "| Host | Endpoint | What | Owner | Verdict | Why |", "| --- | --- | --- | --- | --- | --- |"]
    findings = []
    for name, record in hosts:
        for finding in (record.get("firewall") or {}).get("findings") or []:
            findings.append("- %s: firewall %s (%s): %s" % (
                _md(name), finding["kind"], _md(finding["severity"]), _md(finding["reason"])))
        for item in record.get("effective") or []:
            lines.append("| %s | `%s` | %s | %s | %s | %s |" % (
                _md(name), _endpoint(item).replace("`", "'"), item["kind"], _md(item.get("owner") or "?"),
                VERDICT_TITLES[item["verdict"]], _md(item["reason"])))
    return lines + ([""] + findings if findings else [])


def junit_cases(suite, classname: str, record: Mapping) -> dict:
    """Add a firewall test case and one case per exposure; returns the counts added."""
    counts = {"tests": 0, "failures": 0, "skipped": 0}
    firewall = record.get("firewall")
    if firewall is not None:
        case = ET.SubElement(suite, "testcase", {"classname": classname, "name": "live firewall matches the allowlist"})
        counts["tests"] += 1
        if firewall["findings"]:
            failure = ET.SubElement(case, "failure", {
                "message": "; ".join("%s: %s" % (f["kind"], f["reason"]) for f in firewall["findings"])[:2000],
                "type": "firewall"})
            failure.text = "\n".join("%s (%s): %s" % (f["kind"], f["severity"], f["reason"]) for f in firewall["findings"])
            counts["failures"] += 1
    for item in record.get("effective") or []:
        case = ET.SubElement(suite, "testcase", {"classname": "%s.effective" % classname,
                                                 "name": "%s %s" % (_endpoint(item), item["kind"])})
        counts["tests"] += 1
        ET.SubElement(case, "system-out").text = "%s: %s (owner %s)" % (
            VERDICT_TITLES[item["verdict"]], item["reason"], item.get("owner") or "unknown")
        if item["verdict"] == "blocked":
            ET.SubElement(case, "skipped", {"message": "listening but blocked: %s" % item["reason"]})
            counts["skipped"] += 1
    return counts


def prometheus_series(record: Mapping) -> list:
    """(labels, value) pairs for portwarden_effective_exposure and portwarden_firewall_findings."""
    series = [("portwarden_effective_exposure", (("verdict", verdict),), count)
              for verdict, count in verdict_counts(record).items()]
    firewall = record.get("firewall")
    if firewall is not None:
        for kind in FIREWALL_KINDS:
            series.append(("portwarden_firewall_findings", (("kind", kind),),
                           sum(1 for finding in firewall["findings"] if finding["kind"] == kind)))
    return series
