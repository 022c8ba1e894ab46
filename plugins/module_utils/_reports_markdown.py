# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""A Markdown summary of a drift-check run: for a merge request comment, a CI job summary
($GITHUB_STEP_SUMMARY) or a ticket. Short on purpose; the JSON and HTML hold the detail."""

from __future__ import annotations

from ansible_collections.portwarden.hardening.plugins.module_utils import _reports_exposure
from ansible_collections.portwarden.hardening.plugins.module_utils._reports import (
    KINDS,
    SEVERITIES,
    all_findings,
    exception_of,
    finding_label,
    owner_text,
)


def _cell(value) -> str:
    """A table cell: pipes escaped, line breaks flattened, backticks kept out of code spans."""
    text = " ".join(("" if value is None else str(value)).split())
    return text.replace("\\", "\\\\").replace("|", "\\|")


def _code(value) -> str:
    return "`%s`" % _cell(value).replace("`", "'")


def _row(cells) -> str:
    return "| " + " | ".join(cells) + " |"


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
    lines += [_row(["Host", "Status", "Critical", "High", "Medium", "Unexpected", "Missing", "Mismatched", "Accepted"]),
              _row(["---", "---"] + ["---:"] * 7)]
    for name, record in run["hosts"].items():
        s = record["summary"]
        status = record["status"] if record["status"] != "drift" else "**drift**"
        lines.append(_row([_cell(name), status] + [str(s[key]) for key in SEVERITIES + KINDS + ("accepted",)]))

    findings = [(name, item) for name, record in run["hosts"].items() for item in all_findings(record)]
    lines += ["", "## Findings", ""]
    if findings:
        lines += [_row(["Host", "Severity", "Kind", "Socket", "Owner", "Reason"]), _row(["---"] * 6)]
        for name, item in findings:
            lines.append(_row([_cell(name), _cell(item.get("severity")), item["kind"], _code(finding_label(item["kind"], item)),
                               _cell(owner_text(item)), _cell(item.get("reason"))]))
    else:
        lines.append("No drift: every audited host listens exactly as its allowlist declares.")

    lines += _reports_exposure.markdown_section(run)

    errors = [(name, record) for name, record in run["hosts"].items() if record["status"] in ("error", "unreachable")]
    if errors:
        lines += ["", "## Hosts that could not be audited", ""]
        lines += ["- %s (%s): %s" % (_cell(name), record["status"], _cell(record["error"])) for name, record in errors]

    accepted = [(name, item) for name, record in run["hosts"].items() for item in record["accepted"]]
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
        for name, record in run["hosts"].items():
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
