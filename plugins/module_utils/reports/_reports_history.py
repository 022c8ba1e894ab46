# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Each host's last runs at a glance: the run document's ``history`` and its HTML section.

A run document carries, under ``history``, a brief of each earlier run (newest first, at
most ``keep``): its id, when it finished, and per host the status and the finding counts.
The brief list travels inside ``latest.json``: a run takes the previous document's own
brief plus the briefs that document carried. So the history needs no ``history/``
directory and survives jobs that start in a fresh environment and read the previous run
from a URL (``portwarden_report_previous``).

The previous document is untrusted input: only well-formed briefs are carried, with their
fields coerced to the expected types, and anything else is dropped without failing the run.
``history_section`` renders the table for the HTML report: one row per host that was not
compliant in every run shown, one column per run (oldest on the left), each cell the
host's findings in that run, so a reader sees when drift appeared.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports import SEVERITIES, STATUS_ORDER

DEFAULT_KEEP = 10
# A brief is small; these caps keep a hostile previous document from growing every run.
_MAX_TEXT = 64
_COUNTS = ("findings",) + SEVERITIES


def run_brief(run: Mapping) -> dict:
    """The brief of one run document: id, finish time, each host's status and counts."""
    hosts = {}
    for name, record in (run.get("hosts") or {}).items():
        if not isinstance(record, Mapping):
            continue
        summary = record.get("summary") if isinstance(record.get("summary"), Mapping) else {}
        hosts[str(name)] = dict({"status": record.get("status")}, **{key: summary.get(key, 0) for key in _COUNTS})
    return {"run_id": run.get("run_id"), "finished": run.get("finished"), "hosts": hosts}


def _text(value):
    return value[:_MAX_TEXT] if isinstance(value, str) else None


def _count(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def clean_brief(brief):
    """A well-formed copy of a brief from an earlier document, or None."""
    if not isinstance(brief, Mapping) or not isinstance(brief.get("hosts"), Mapping) or not _text(brief.get("run_id")):
        return None
    hosts = {}
    for name, host in brief["hosts"].items():
        if not isinstance(name, str) or not isinstance(host, Mapping) or host.get("status") not in STATUS_ORDER:
            continue
        hosts[name] = dict({"status": host["status"]}, **{key: _count(host.get(key)) for key in _COUNTS})
    return {"run_id": _text(brief["run_id"]), "finished": _text(brief.get("finished")), "hosts": hosts}


def carry_history(previous, keep: int = DEFAULT_KEEP) -> list:
    """The ``history`` of a new run: the previous run's brief, then the briefs it carried, newest first."""
    if keep <= 0 or not isinstance(previous, Mapping) or not isinstance(previous.get("hosts"), Mapping):
        return []
    briefs = [clean_brief(run_brief(previous))]
    carried = previous.get("history")
    if isinstance(carried, list):
        briefs.extend(clean_brief(brief) for brief in carried[: keep - 1])
    return [brief for brief in briefs if brief is not None][:keep]


def _e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _cell(host) -> str:
    if host is None:
        return '<td class="muted" title="not in this run">\u2013</td>'
    status = host["status"]
    worst = next((severity for severity in SEVERITIES if host.get(severity)), None)
    counts = ", ".join("%d %s" % (host[s], s) for s in SEVERITIES if host.get(s)) or "none"
    title = "%s: %d findings (%s)" % (status, host.get("findings", 0), counts)
    if status in ("error", "unreachable"):
        return '<td class="c-error" title="%s">%s</td>' % (_e(status), _e(status[:5]))
    if status == "compliant" and not host.get("findings"):
        return '<td class="c-ok" title="%s">0</td>' % _e(title)
    css = "c-unexpected" if worst in ("critical", "high") else "c-mismatched"
    return '<td class="%s" title="%s">%d</td>' % (css, _e(title), host.get("findings", 0))


def history_section(run: Mapping) -> str:
    """The HTML section: hosts x runs (oldest left, this run right), findings per run."""
    briefs = list(reversed(run.get("history") or [])) + [run_brief(run)]
    if len(briefs) < 2:
        return ('<h2>History</h2><p class="muted">No earlier run recorded; the next report shows each host\'s runs '
                'side by side.</p>')
    names = list(run.get("hosts") or {})
    for brief in briefs:
        names.extend(name for name in brief["hosts"] if name not in names)
    shown = [name for name in names
             if any((brief["hosts"].get(name) or {}).get("status") != "compliant" for brief in briefs)]
    steady = len(names) - len(shown)
    head = "".join('<th title="finished %s"><code>%s</code></th>' % (_e(brief.get("finished")), _e(brief.get("run_id")))
                   for brief in briefs)
    rows = "".join("<tr><td>%s</td>%s</tr>" % (_e(name), "".join(_cell(brief["hosts"].get(name)) for brief in briefs))
                   for name in shown)
    note = ('<p class="muted">%d host%s compliant in every run shown.</p>' % (steady, "" if steady == 1 else "s")
            if steady else "")
    table = ('<div class="scroll"><table id="history" class="matrix"><tr><th>Host</th>%s</tr>%s</table></div>' % (head, rows)
             if shown else "")
    return ('<h2>History</h2><p class="muted">Findings per host in the last %d runs, oldest first; this run is the last '
            'column.</p>%s%s' % (len(briefs), table, note))
