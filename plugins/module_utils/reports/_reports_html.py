# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""A self-contained HTML fleet report for a drift-check run.

One file that opens offline: inline CSS, inline SVG, one inline script (the filter box),
no font, no image, no link to anything. The Content-Security-Policy forbids every fetch
and runs only the script whose hash it names, so a browser proves it: were anything
external, it would be blocked, not loaded. Every value from a host is escaped; a cmdline
is data, not markup.

Built for fleets: the fleet view (findings grouped across hosts) comes first, hosts are in
natural order grouped by status, the chart shows the worst hosts only, and the hosts x
ports matrix keeps only the ports that drift once the fleet is large. Each section is one
function; ``render_html`` puts them in order.
"""

from __future__ import annotations

import base64
import hashlib
import html

from ansible_collections.portwarden.hardening.plugins.module_utils.reports import _reports_exposure

from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports import (
    KINDS,
    SEVERITIES,
    all_findings,
    entry_of,
    exception_of,
    exposed_listeners,
    finding_label,
    owner_text,
    port_of,
    port_sort_key,
    protocol_of,
)
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_fleet import (
    host_search_text,
    hosts_in_order,
)
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_history import history_section

# The filter box: rows of the fleet view, hosts and findings tables whose text (or data-q,
# the ports and owners of a host) holds every word typed stay; the others are hidden.
# "#filter=redis" in the address fills the box, so a filtered view can be shared as a link.
_SCRIPT = """(function () {
  var box = document.getElementById("filter"), out = document.getElementById("filter-count");
  var rows = Array.prototype.slice.call(document.querySelectorAll("#fleet tbody tr, #hosts tbody tr.h, #findings tbody tr"));
  var texts = rows.map(function (row) { return (row.getAttribute("data-q") || "") + " " + row.textContent.toLowerCase(); });
  function apply() {
    var words = box.value.toLowerCase().split(/\\s+/).filter(Boolean), shown = {}, total = {};
    rows.forEach(function (row, i) {
      var table = row.closest("table").id, hit = words.every(function (w) { return texts[i].indexOf(w) >= 0; });
      row.hidden = !hit;
      total[table] = (total[table] || 0) + 1;
      shown[table] = (shown[table] || 0) + (hit ? 1 : 0);
    });
    out.textContent = words.length ? ["fleet", "hosts", "findings"].filter(function (t) { return t in total; }).map(
      function (t) { return shown[t] + " of " + total[t] + " " + (t === "fleet" ? "grouped findings" : t); }).join(", ") : "";
  }
  box.addEventListener("input", apply);
  try {
    if (location.hash.indexOf("#filter=") === 0) { box.value = decodeURIComponent(location.hash.slice(8)); }
  } catch (e) { /* a malformed link leaves the box empty */ }
  apply();
})();"""
_SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(_SCRIPT.encode("utf-8")).digest()).decode("ascii")
_CSP = ("default-src 'none'; script-src '%s'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
        "form-action 'none'" % _SCRIPT_HASH)
# Past this many hosts the matrix keeps only ports that drift and hosts that are not compliant.
MATRIX_FULL_MAX_HOSTS = 50
# The per-host chart draws this many drifting hosts, worst first; the rest are a count.
CHART_MAX_HOSTS = 20
# Hosts named in a fleet-view row before the rest fold into "+N more".
FLEET_HOSTS_SHOWN = 8
# Worst first: a matrix cell shows the worst thing about that port on that host.
_CELL_ORDER = ("unexpected", "mismatched", "missing", "accepted", "ok")
_CELL_TEXT = {"unexpected": "unexpected", "mismatched": "mismatch", "missing": "missing", "accepted": "accepted", "ok": "ok"}
_COLOURS = {"critical": "#b91c1c", "high": "#ea580c", "medium": "#ca8a04"}

_STYLE = """
:root { color-scheme: light; --fg: #1f2933; --muted: #616e7c; --line: #d9e2ec; --bg: #ffffff; --panel: #f5f7fa; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px; font: 14px/1.45 "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif;
       color: var(--fg); background: var(--bg); }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 10px; }
.meta { color: var(--muted); margin: 0 0 16px; }
.verdict { display: inline-block; padding: 2px 10px; border-radius: 4px; color: #fff; font-weight: bold; margin-left: 8px; }
.verdict.pass { background: #15803d; } .verdict.fail { background: #b91c1c; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; min-width: 150px; }
.card .n { font-size: 24px; font-weight: bold; } .card .l { color: var(--muted); }
table { border-collapse: collapse; margin: 4px 0; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--panel); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td:first-child, th:first-child { white-space: nowrap; }
.scroll { overflow-x: auto; max-width: 100%; }
.sev, .st { display: inline-block; padding: 0 6px; border-radius: 3px; color: #fff; font-size: 12px; font-weight: bold; }
.sev-critical { background: #b91c1c; } .sev-high { background: #ea580c; } .sev-medium { background: #ca8a04; }
.st-compliant { background: #15803d; } .st-drift { background: #b91c1c; }
.st-error, .st-unreachable { background: #52606d; }
.matrix td { text-align: center; font-size: 12px; white-space: nowrap; }
.matrix th.port { writing-mode: vertical-rl; transform: rotate(180deg); font-weight: normal; font-size: 12px; }
.c-ok { background: #dcfce7; } .c-unexpected { background: #fecaca; font-weight: bold; }
.c-mismatched { background: #fed7aa; } .c-missing { background: #e9d5ff; } .c-accepted { background: #e2e8f0; }
.c-error { background: #e4e7eb; color: var(--muted); }
abbr { text-decoration: none; border-bottom: 1px dotted var(--muted); cursor: help; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; }
.muted { color: var(--muted); }
.filter { position: sticky; top: 0; z-index: 1; background: var(--bg); padding: 8px 0; margin-top: 16px;
          border-bottom: 1px solid var(--line); }
.filter input { font: inherit; padding: 3px 8px; width: 22em; } .filter output { color: var(--muted); margin-left: 8px; }
#fleet details { display: inline; } #fleet summary { display: inline; cursor: pointer; color: var(--muted); }
#fleet details[open] summary { display: block; }
tr.group th { background: #e4e7eb; text-align: left; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
"""


def _plural(count: int, one: str, many: str) -> str:
    return "%d %s" % (count, one if count == 1 else many)


def _e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _status(status: str) -> str:
    return '<span class="st st-%s">%s</span>' % (_e(status), _e(status))


def _severity(severity) -> str:
    if severity not in SEVERITIES:
        return _e(severity or "")
    return '<span class="sev sev-%s">%s</span>' % (severity, severity)


def _cards(run) -> str:
    summary = run["summary"]
    cards = [
        (summary["hosts"], "hosts audited"),
        (summary["compliant"], "compliant"),
        (summary["drift"], "drifting"),
        (summary["error"] + summary["unreachable"], "could not be audited"),
        (summary["findings"], "findings (%s)" % ", ".join(
            "%d %s" % (summary["by_severity"][s], s) for s in SEVERITIES)),
        (summary["accepted"], "accepted by exception"),
    ]
    return '<div class="cards">%s</div>' % "".join(
        '<div class="card"><div class="n">%s</div><div class="l">%s</div></div>' % (_e(n), _e(label)) for n, label in cards)


def _filter_box() -> str:
    return ('<div class="filter"><label for="filter">Filter by host, port or process</label> '
            '<input type="search" id="filter" placeholder="e.g. db1, 6379/tcp, redis" autocomplete="off"> '
            '<output id="filter-count" for="filter"></output></div>')


def _fleet_hosts(hosts: list) -> str:
    """The first hosts by name; the rest behind a disclosure, so the row stays one line."""
    head = ", ".join(_e(name) for name in hosts[:FLEET_HOSTS_SHOWN])
    rest = hosts[FLEET_HOSTS_SHOWN:]
    if not rest:
        return head
    return '%s <details><summary>+%d more</summary>%s</details>' % (head, len(rest), ", ".join(_e(name) for name in rest))


def _fleet_view(run) -> str:
    """Findings grouped across the fleet by (kind, protocol, port, process), worst and widest first."""
    groups = run.get("by_finding") or []
    if not groups:
        return '<p class="muted">No drift on any audited host.</p>'
    rows = []
    for group in groups:
        rows.append('<tr><td>%s</td><td>%s</td><td><code>%s/%s</code></td><td>%s</td><td class="num">%d</td><td>%s</td></tr>' % (
            _severity(group.get("severity")), _e(group["kind"]), _e(group["port"]), _e(group["protocol"]),
            _e(group.get("process") or ""), group["host_count"], _fleet_hosts(group["hosts"])))
    head = "".join("<th>%s</th>" % h for h in ("Severity", "Kind", "Port", "Process", "Hosts", "Which hosts"))
    return ('<div class="scroll"><table id="fleet"><thead><tr>%s</tr></thead><tbody>%s</tbody></table></div>'
            % (head, "".join(rows)))


def _chart_rank(pair) -> tuple:
    summary = pair[1]["summary"]
    return tuple(-summary[severity] for severity in SEVERITIES) + (-summary["findings"],)


def _chart(run) -> str:
    """Horizontal stacked bars: findings by severity for the worst drifting hosts; the rest as a count."""
    ordered = hosts_in_order(run)
    drifting = [pair for pair in ordered if pair[1]["status"] == "drift"]
    # sorted() is stable: equal hosts keep their natural order.
    shown = sorted(drifting, key=_chart_rank)[:CHART_MAX_HOSTS]
    others = [
        (len(drifting) - len(shown), "more drifting hosts (see Hosts)"),
        (sum(1 for _name, record in ordered if record["status"] == "compliant"), "compliant"),
        (sum(1 for _name, record in ordered if record["status"] in ("error", "unreachable")), "could not be audited"),
    ]
    note = '<p class="muted" id="chart-rest">%s</p>' % _e("; ".join("%d %s" % (n, text) for n, text in others if n))
    if not shown:
        return '<p class="muted">No host drifts.</p>' + note
    label_w, bar_w, row_h, top = 190, 460, 26, 30
    height = top + row_h * len(shown) + 10
    width = label_w + bar_w + 60
    peak = max([record["summary"]["findings"] for _name, record in shown] + [1])
    parts = [
        '<svg role="img" aria-labelledby="chart-title" width="%d" height="%d" viewBox="0 0 %d %d" '
        'font-family="DejaVu Sans, sans-serif" font-size="12">' % (width, height, width, height),
        '<title id="chart-title">Findings by severity, the %s</title>' % _plural(len(shown), "drifting host", "worst drifting hosts"),
    ]
    x = label_w
    for severity in SEVERITIES:
        parts.append('<rect x="%d" y="6" width="12" height="12" fill="%s"/>' % (x, _COLOURS[severity]))
        parts.append('<text x="%d" y="16">%s</text>' % (x + 16, severity))
        x += 90
    for row, (name, record) in enumerate(shown):
        y = top + row * row_h
        short = name if len(name) <= 28 else name[:27] + "\u2026"
        parts.append('<text x="%d" y="%d" text-anchor="end">%s</text>' % (label_w - 8, y + 16, _e(short)))
        summary = record["summary"]
        x = float(label_w)
        for severity in SEVERITIES:
            count = summary[severity]
            if not count:
                continue
            w = bar_w * count / peak
            parts.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s: %d %s</title></rect>'
                         % (x, y + 4, w, row_h - 8, _COLOURS[severity], _e(name), count, severity))
            x += w
        parts.append('<text x="%.1f" y="%d">%d</text>' % (x + 6, y + 16, summary["findings"]))
    parts.append("</svg>")
    return "".join(parts) + note


def _change_text(changes) -> str:
    if changes is None:
        return ""
    if changes.get("first_seen"):
        return "first run"
    bits = []
    if changes.get("new"):
        bits.append("%d new" % len(changes["new"]))
    if changes.get("vanished"):
        bits.append("%d vanished" % len(changes["vanished"]))
    if changes.get("owner_changed"):
        bits.append("%d owner changed" % len(changes["owner_changed"]))
    return ", ".join(bits) or "no change"


def _hosts_table(run) -> str:
    """Every host, grouped by status (drifting first), natural order within a group."""
    titles = ("Host", "Status", "Critical", "High", "Medium", "Unexpected", "Missing", "Mismatched", "Accepted", "Listeners",
              "Method / error", "Since last run")
    bodies = []
    group_rows = []
    current = None
    for name, record in hosts_in_order(run) + [(None, None)]:
        status = record["status"] if record else None
        if status != current and group_rows:
            bodies.append('<tbody><tr class="group"><th colspan="%d">%s: %s</th></tr>%s</tbody>' % (
                len(titles), _e(current), _plural(len(group_rows), "host", "hosts"), "".join(group_rows)))
            group_rows = []
        current = status
        if record is None:
            break
        s = record["summary"]
        search = host_search_text(record)
        group_rows.append(
            '<tr class="h"%s><td>%s</td><td>%s</td>%s<td class="num">%s</td><td class="num">%s</td><td>%s</td><td>%s</td></tr>' % (
                ' data-q="%s"' % _e(search.lower()) if search else "", _e(name), _status(record["status"]),
                "".join('<td class="num">%d</td>' % s[key] for key in SEVERITIES + KINDS),
                s["accepted"], "" if s["listeners"] is None else s["listeners"],
                _e(record.get("method") or record.get("error") or ""), _e(_change_text(record.get("changes")))))
    head = "".join("<th>%s</th>" % title for title in titles)
    return '<div class="scroll"><table id="hosts"><thead><tr>%s</tr></thead>%s</table></div>' % (head, "".join(bodies))


def _matrix_cells(record, ignore_loopback: bool) -> dict:
    """{(proto, port): (state, [details])} for one host."""
    cells = {}

    def mark(item, state, detail):
        port = port_of(item)
        # A malformed result may carry any JSON value as its port; a column needs a hashable one.
        key = (protocol_of(item), port if isinstance(port, (int, str)) else str(port))
        old_state, details = cells.get(key, ("ok", []))
        if _CELL_ORDER.index(state) < _CELL_ORDER.index(old_state):
            old_state = state
        cells[key] = (old_state, details + [detail])

    for item in exposed_listeners(record, ignore_loopback) or []:
        mark(item, "ok", "%s %s" % (finding_label("ok", item), owner_text(item)))
    for kind in KINDS:
        for item in record["drift"][kind]:
            mark(item, kind, "%s: %s" % (item["id"], item.get("reason") or ""))
    for item in record["accepted"]:
        mark(item, "accepted", "%s: %s" % (item["id"], exception_of(item).get("reason") or ""))
    return cells


def _matrix(run) -> str:
    """Hosts x ports; past MATRIX_FULL_MAX_HOSTS hosts only the ports that drift and the hosts that are not compliant."""
    ignore_loopback = run["options"]["ignore_loopback"]
    ordered = hosts_in_order(run)
    per_host = {name: _matrix_cells(record, ignore_loopback) for name, record in ordered}
    columns = sorted({key for cells in per_host.values() for key in cells},
                     key=lambda key: (port_sort_key(key[1]), key[0]))
    if not columns:
        return '<p class="muted">No listener on any host.</p>'
    collapsed = len(ordered) > MATRIX_FULL_MAX_HOSTS
    note = ""
    if collapsed:
        drifting = {key for cells in per_host.values() for key, (state, _details) in cells.items()
                    if state in ("unexpected", "mismatched", "missing")}
        kept = [key for key in columns if key in drifting]
        rows_kept = [(name, record) for name, record in ordered if record["status"] != "compliant"]
        note = ('<p class="muted" id="matrix-collapsed">%d hosts: only the %s that drift on some host and the %s that '
                'are not compliant are shown; %s where every host is as declared and %s are left out.</p>' % (
                    len(ordered), _plural(len(kept), "port", "ports"), _plural(len(rows_kept), "host", "hosts"),
                    _plural(len(columns) - len(kept), "port", "ports"),
                    _plural(len(ordered) - len(rows_kept), "compliant host", "compliant hosts")))
        columns, ordered = kept, rows_kept
        if not columns and not ordered:
            return note
    head = "<tr><th>Host</th>%s</tr>" % "".join('<th class="port">%s/%s</th>' % (_e(port), _e(proto)) for proto, port in columns)
    rows = []
    for name, record in ordered:
        if record["status"] in ("error", "unreachable"):
            rows.append('<tr><th>%s</th><td class="c-error" colspan="%d">%s: %s</td></tr>'
                        % (_e(name), max(len(columns), 1), _e(record["status"]), _e(record["error"])))
            continue
        cells = []
        for key in columns:
            if key not in per_host[name]:
                cells.append("<td></td>")
                continue
            state, details = per_host[name][key]
            # At fleet scale the Findings table holds the details; per-cell tooltips would double the page.
            title = "" if collapsed else ' title="%s"' % _e("\n".join(details))
            cells.append('<td class="c-%s"%s>%s</td>' % (state, title, _CELL_TEXT[state]))
        rows.append("<tr><th>%s</th>%s</tr>" % (_e(name), "".join(cells)))
    legend = ('<p class="muted">ok = listening and allowed; unexpected = listening, not allowed; mismatch = allowed port, '
              'wrong owner or bind; missing = required, not listening; accepted = covered by an exception. %s</p>'
              % ("The Findings table has the details." if collapsed else "Hover a cell for details."))
    return '%s%s<div class="scroll"><table class="matrix" id="matrix">%s%s</table></div>' % (
        legend, note, head, "".join(rows))


def _control_tags(run) -> dict:
    """{control text: "C1"} in order of first appearance; the table shows the tag, a legend the text."""
    tags = {}
    for _name, record in hosts_in_order(run):
        for item in all_findings(record):
            for control in item.get("controls") or []:
                tags.setdefault(str(control), "C%d" % (len(tags) + 1))
    return tags


def _findings(run) -> str:
    tags = _control_tags(run)
    counts = dict.fromkeys(tags, 0)
    rows = []
    for name, record in hosts_in_order(run):
        for item in all_findings(record):
            entry = entry_of(item)
            controls = [str(c) for c in item.get("controls") or []]
            for control in controls:
                counts[control] += 1
            rows.append(
                '<tr class="finding" id="%s"><td>%s</td><td>%s</td><td>%s</td><td><code>%s</code></td><td>%s</td>'
                "<td>%s</td><td>%s</td></tr>" % (
                    _e(("f-%s-%s" % (name, item["id"])).replace(" ", "_")), _e(name), _severity(item.get("severity")),
                    _e(item["kind"]), _e(finding_label(item["kind"], item)),
                    _e(owner_text(item) or ("entry " + entry["label"] if entry.get("label") else "")), _e(item.get("reason")),
                    " ".join('<abbr title="%s">%s</abbr>' % (_e(c), tags[c]) for c in controls)))
    if not rows:
        return '<p class="muted">No drift: every host listens exactly as its allowlist declares.</p>'
    head = "".join("<th>%s</th>" % h for h in ("Host", "Severity", "Kind", "Socket", "Owner / entry", "Reason", "Controls"))
    legend = "".join('<tr><td>%s</td><td>%s</td><td class="num">%d</td></tr>' % (tag, _e(control), counts[control])
                     for control, tag in tags.items())
    return ('<div class="scroll"><table id="findings"><thead><tr>%s</tr></thead><tbody>%s</tbody></table></div>'
            '<h2>Controls</h2><table id="controls"><tr><th>Tag</th><th>Control</th><th>Findings</th></tr>%s</table>'
            % (head, "".join(rows), legend))


def _accepted(run) -> str:
    rows = []
    for name, record in hosts_in_order(run):
        for item in record["accepted"]:
            exception = exception_of(item)
            rows.append("<tr><td>%s</td><td><code>%s</code></td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>" % (
                _e(name), _e(finding_label(item.get("kind") or "unexpected", item)), _e(owner_text(item)),
                _e(exception.get("reason")), _e(exception.get("owner")), _e(exception.get("expires") or "never")))
    if not rows:
        return ""
    head = "".join("<th>%s</th>" % h for h in ("Host", "Socket", "Owner", "Reason", "Exception owner", "Expires"))
    return '<h2>Accepted by exception</h2><div class="scroll"><table id="accepted"><tr>%s</tr>%s</table></div>' % (
        head, "".join(rows))


def _changes(run) -> str:
    changes = run.get("changes")
    if not changes:
        return '<h2>Changes since the previous run</h2><p class="muted">No previous run to compare with.</p>'
    items = []
    for name, record in hosts_in_order(run):
        host = record.get("changes")
        if not host:
            continue
        bits = []
        for key, word in (("new", "new"), ("vanished", "vanished")):
            for listener in host.get(key) or []:
                bits.append("%s <code>%s</code>%s" % (word, _e(listener["id"]),
                                                      " (%s)" % _e(listener["process"]) if listener.get("process") else ""))
        for change in host.get("owner_changed") or []:
            bits.append("owner of <code>%s</code> changed: %s \u2192 %s" % (_e(change["id"]), _e(change["before"]), _e(change["after"])))
        for fid in host.get("new_findings") or []:
            bits.append("new finding <code>%s</code>" % _e(fid))
        for fid in host.get("resolved_findings") or []:
            bits.append("resolved <code>%s</code>" % _e(fid))
        if host.get("first_seen"):
            bits.insert(0, "first time in a run")
        if bits:
            items.append("<li><b>%s</b>: %s</li>" % (_e(name), "; ".join(bits)))
    for name in changes.get("hosts_not_in_this_run") or []:
        items.append('<li><b>%s</b>: <span class="muted">in the previous run, not in this one</span></li>' % _e(name))
    body = "<ul id=\"changes\">%s</ul>" % "".join(items) if items else '<p class="muted">Nothing changed.</p>'
    return "<h2>Changes since run %s (%s)</h2>%s" % (_e(changes.get("previous_run_id")), _e(changes.get("previous_finished")), body)


def _allowlists(run) -> str:
    parts = []
    for group in run.get("allowlists") or []:
        rows = "".join("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>" % (
            _e(entry.get("port")), _e(entry.get("proto")),
            _e(", ".join((entry.get("sources") or {}).get("ipv4", []) + (entry.get("sources") or {}).get("ipv6", []))
               if entry.get("sources") else "any"),
            _e(entry.get("process") or ""), "yes" if entry.get("required") else "", _e(entry.get("comment") or ""),
            _e(entry.get("origin") or ""))
            for entry in group["entries"])
        parts.append("<details><summary>%s: %s, hosts %s</summary><table><tr><th>Port</th><th>Proto</th><th>Sources</th>"
                     "<th>Process</th><th>Required</th><th>Comment</th><th>Declared in</th></tr>%s</table></details>"
                     % (_e(group["id"]), _plural(len(group["entries"]), "entry", "entries"), _e(", ".join(group["hosts"])), rows))
    return "<h2>Allowlists used</h2>%s" % ("".join(parts) or '<p class="muted">Not recorded.</p>')


def render_html(run) -> str:
    verdict = '<span class="verdict pass">COMPLIANT</span>' if run["compliant"] else '<span class="verdict fail">DRIFT</span>'
    warnings = "".join('<p class="muted">Note: %s</p>' % _e(w) for w in run.get("warnings") or [])
    return "".join((
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        '<meta http-equiv="Content-Security-Policy" content="%s">' % _CSP,
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>%s \u2014 %s</title><style>%s</style></head><body>" % (_e(run["title"]), _e(run["run_id"]), _STYLE),
        "<h1>%s%s</h1>" % (_e(run["title"]), verdict),
        '<p class="meta">Run <code>%s</code> \u00b7 started %s \u00b7 finished %s \u00b7 %.1f s \u00b7 loopback %s</p>' % (
            _e(run["run_id"]), _e(run["started"]), _e(run["finished"]), run["duration_seconds"],
            "ignored" if run["options"]["ignore_loopback"] else "audited"),
        warnings,
        '<h2>Summary</h2>', _cards(run), _filter_box(),
        '<h2>Fleet view: findings across hosts</h2>', _fleet_view(run),
        '<h2>Findings by severity: the worst drifting hosts</h2>', _chart(run),
        '<h2>Hosts</h2>', _hosts_table(run),
        '<h2>Hosts \u00d7 ports</h2>', _matrix(run),
        '<h2>Findings</h2>', _findings(run),
        _reports_exposure.html_section(run),
        _accepted(run), _changes(run), history_section(run), _allowlists(run),
        '<footer>portwarden.hardening drift report \u00b7 schema %s v%s</footer>' % (_e(run["schema"]), _e(run["schema_version"])),
        "<script>%s</script>" % _SCRIPT,
        "</body></html>\n",
    ))
