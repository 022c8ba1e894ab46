# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""A Markdown summary of a drift-check run: for a merge request comment, a CI job summary
($GITHUB_STEP_SUMMARY) or a ticket. Short on purpose; the JSON and HTML hold the detail.

The fleet view (findings grouped across hosts, worst and widest first) comes first; hosts
follow drifting first, in natural order (h2 before h10)."""

from __future__ import annotations

import re

from ansible_collections.portwarden.hardening.plugins.module_utils.reports import _reports_exposure
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports import (
    KINDS,
    SEVERITIES,
    all_findings,
    exception_of,
    finding_label,
    owner_text,
)
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_fleet import host_list_text, hosts_in_order

# Hosts named in a fleet-view line before the rest become "(+N)".
FLEET_HOSTS_SHOWN = 6


# Characters that start inline Markdown (emphasis, links, images, code, strike-through,
# table cells) or HTML; a host-supplied string shows them literally, never as markup.
_MARKDOWN = re.compile(r"([\\`*_\[\]{}()#+!|~])")
# GitHub turns bare URLs and www. names into links; break the pattern without changing the text read.
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|mailto|www)([:.])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}


def _cell(value) -> str:
    """Host-supplied text for any place in the document: one line, no Markdown, no HTML."""
    text = " ".join(("" if value is None else str(value)).split())
    text = "".join(_HTML.get(char, char) for char in text)
    text = _MARKDOWN.sub(r"\\\1", text)
    return _AUTOLINK.sub(lambda match: "%s\\%s" % (match.group(1), match.group(2)), text)


def _code(value) -> str:
    """A code span: literal inside, so only a line break, a backtick or a pipe could escape it."""
    text = " ".join(("" if value is None else str(value)).split()).replace("`", "'")
    return "`%s`" % text.replace("|", "\\|")


def _row(cells) -> str:
    return "| " + " | ".join(cells) + " |"


def _fleet_view(run) -> list:
    """``- **high** unexpected `6379/tcp` redis-server on 37 hosts: db1, db2, ... (+31)``, one line per group."""
    groups = run.get("by_finding") or []
    if not groups:
        return []
    lines = ["## Fleet view", ""]
    for group in groups:
        hosts = host_list_text([_cell(name) for name in group["hosts"]], FLEET_HOSTS_SHOWN)
        lines.append("- **%s** %s %s%s on %s: %s" % (
            _cell(group.get("severity") or "drift"), group["kind"], _code("%s/%s" % (group["port"], group["protocol"])),
            " " + _cell(group["process"]) if group.get("process") else "",
            "1 host" if group["host_count"] == 1 else "%d hosts" % group["host_count"], hosts))
    return lines + [""]


def render_markdown(run) -> str:
    summary = run["summary"]
    verdict = "compliant" if run["compliant"] else "DRIFT"
    lines = [
        "# %s: %s" % (_cell(run["title"]), verdict),
        "",
        "Run %s, started %s, finished %s (%.1f s)." % (
            _code(run["run_id"]), run["started"], run["finished"], run["duration_seconds"]),
        "",
        "%d hosts: %d compliant, %d drifting, %d could not be audited. Findings: %d (%s). Accepted by exception: %d." % (
            summary["hosts"], summary["compliant"], summary["drift"], summary["error"] + summary["unreachable"],
            summary["findings"], ", ".join("%d %s" % (summary["by_severity"][s], s) for s in SEVERITIES),
            summary["accepted"]),
        "",
    ]
    for warning in run.get("warnings") or []:
        lines += ["> %s" % _cell(warning), ""]
    lines += _fleet_view(run)
    lines += ["## Hosts", "", _row(["Host", "Status", "Critical", "High", "Medium", "Unexpected", "Missing", "Mismatched", "Accepted"]),
              _row(["---", "---"] + ["---:"] * 7)]
    ordered = hosts_in_order(run)
    for name, record in ordered:
        s = record["summary"]
        status = record["status"] if record["status"] != "drift" else "**drift**"
        lines.append(_row([_cell(name), status] + [str(s[key]) for key in SEVERITIES + KINDS + ("accepted",)]))

    findings = [(name, item) for name, record in ordered for item in all_findings(record)]
    lines += ["", "## Findings", ""]
    if findings:
        lines += [_row(["Host", "Severity", "Kind", "Socket", "Owner", "Reason"]), _row(["---"] * 6)]
        for name, item in findings:
            lines.append(_row([_cell(name), _cell(item.get("severity")), item["kind"], _code(finding_label(item["kind"], item)),
                               _cell(owner_text(item)), _cell(item.get("reason"))]))
    else:
        lines.append("No drift: every audited host listens exactly as its allowlist declares.")

    lines += _reports_exposure.markdown_section(run)

    errors = [(name, record) for name, record in ordered if record["status"] in ("error", "unreachable")]
    if errors:
        lines += ["", "## Hosts that could not be audited", ""]
        lines += ["- %s (%s): %s" % (_cell(name), record["status"], _cell(record["error"])) for name, record in errors]

    accepted = [(name, item) for name, record in ordered for item in record["accepted"]]
    if accepted:
        lines += ["", "## Accepted by exception", "", _row(["Host", "Socket", "Reason", "Owner", "Expires"]), _row(["---"] * 5)]
        for name, item in accepted:
            exception = exception_of(item)
            lines.append(_row([_cell(name), _code(finding_label(item.get("kind") or "unexpected", item)),
                               _cell(exception.get("reason")), _cell(exception.get("owner")),
                               _cell(exception.get("expires") or "never")]))

    changes = run.get("changes")
    if changes:
        lines += ["", "## Changes since run %s" % _code(changes.get("previous_run_id")), ""]
        bullets = []
        for name, record in ordered:
            host = record.get("changes") or {}
            bits = ["new %s" % _code(item["id"]) for item in host.get("new") or []]
            bits += ["vanished %s" % _code(item["id"]) for item in host.get("vanished") or []]
            bits += ["owner of %s: %s -> %s" % (_code(c["id"]), _cell(c["before"]), _cell(c["after"]))
                     for c in host.get("owner_changed") or []]
            bits += ["resolved %s" % _code(fid) for fid in host.get("resolved_findings") or []]
            if host.get("first_seen"):
                bits.insert(0, "first time in a run")
            if bits:
                bullets.append("- %s: %s" % (_cell(name), "; ".join(bits)))
        bullets += ["- %s: not in this run" % _cell(name) for name in changes.get("hosts_not_in_this_run") or []]
        lines += bullets or ["Nothing changed."]
    return "\n".join(lines) + "\n"
