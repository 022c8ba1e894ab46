# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""The drift-check run document: every host's port_audit result in one place.

``build_run`` turns ``{host: port_audit result}`` (plus the allowlists, the exceptions, the
timestamps and optionally the previous run's document) into the run document that the JSON
report is, and that every other report format (``_reports_junit``, ``_reports_html``,
``_reports_markdown``, ``_reports_prometheus``) renders. Pure Python, stdlib only: it runs
on the controller, but nothing here needs Ansible.

Every host result is hostile input. ``host_record`` checks the shape of every value a
writer reads (``malformed``); a host whose result does not fit gets status ``error`` and
no findings, and the other hosts are reported as usual. Command lines are cut to
``REPORT_CMDLINE_CHARS`` and password-like arguments are redacted (``redact_cmdline``).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections.abc import Mapping

from ansible_collections.portwarden.hardening.plugins.module_utils.reports import _reports_exposure
from ansible_collections.portwarden.hardening.plugins.module_utils._constants import KINDS, SEVERITIES

SCHEMA = "portwarden.hardening/drift-run"
SCHEMA_VERSION = 1
# Worst first: how a host's row, a matrix cell or a sort order picks what to show.
STATUS_ORDER = ("unreachable", "error", "drift", "compliant")
KIND_TITLES = {
    "unexpected": "unexpected listeners",
    "missing": "required ports listening",
    "mismatched": "owners and binds match",
}


# How much of a command line a report shows; the module already caps it at 4 KiB.
REPORT_CMDLINE_CHARS = 300
REDACTED = "<redacted>"
_SECRET_WORD = r"[A-Za-z0-9_.-]*(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|auth|credentials?)[A-Za-z0-9_.-]*"
# --requirepass VALUE, --password=VALUE, -password VALUE
_SECRET_OPTION = re.compile(r"(?i)(?<!\S)(--?%s)(=|\s+)(\S+)" % _SECRET_WORD)
# MYSQL_PASSWORD=VALUE, token=VALUE (an assignment; also inside a longer word such as ?token=)
_SECRET_ASSIGNMENT = re.compile(r"(?i)(%s)=([^\s&]+)" % _SECRET_WORD)
# scheme://user:PASSWORD@host
_URL_PASSWORD = re.compile(r"(?i)([a-z][a-z0-9+.-]*://[^/\s:@]*):[^@\s/]*@")


def redact_cmdline(text, limit: int = REPORT_CMDLINE_CHARS):
    """A command line fit for a report: password-like arguments redacted, then cut to ``limit`` characters."""
    if text is None:
        return None
    text = _URL_PASSWORD.sub(r"\1:%s@" % REDACTED, str(text))
    text = _SECRET_OPTION.sub(lambda match: "%s%s%s" % (match.group(1), match.group(2), REDACTED), text)
    text = _SECRET_ASSIGNMENT.sub(lambda match: "%s=%s" % (match.group(1), REDACTED), text)
    if len(text) > limit:
        text = text[:limit] + " [...]"
    return text


def parse_time(value) -> datetime.datetime:
    """An aware UTC datetime from a datetime, epoch seconds or an ISO 8601 string ("...Z" too)."""
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        moment = datetime.datetime.fromtimestamp(value, tz=datetime.timezone.utc)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        # Python 3.9 and 3.10 do not read the "Z" suffix.
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        moment = datetime.datetime.fromisoformat(text)
    else:
        raise ValueError("not a timestamp: %r" % (value,))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc)


def format_time(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_run_id(started: datetime.datetime) -> str:
    """Sortable, file-name safe: 20260125T120102Z."""
    return started.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def endpoint(address, port) -> str:
    """``0.0.0.0:22``, ``[::]:22``; ``*:22`` when the address is unknown."""
    if not address:
        address = "*"
    elif ":" in str(address):
        address = "[%s]" % address
    return "%s:%s" % (address, port)


def entry_of(item: Mapping) -> dict:
    """The allowlist entry a finding is about (missing, mismatched); empty for the others."""
    for key in ("allowlist_entry", "entry"):
        if isinstance(item.get(key), Mapping):
            return dict(item[key])
    return {}


def protocol_of(item: Mapping) -> str:
    entry = entry_of(item)
    return str(item.get("protocol") or item.get("proto") or entry.get("proto") or "tcp")


def port_of(item: Mapping):
    """The port as the user reads it: the socket's port, or what the allowlist entry wrote."""
    entry = entry_of(item)
    if item.get("port") is not None:
        return item.get("port")
    return entry.get("port")


def port_sort_key(port) -> tuple:
    """Numbers in numeric order; ranges by their first port; names last."""
    if isinstance(port, int) and not isinstance(port, bool):
        return (0, port, "")
    text = str(port)
    head = text.split("-", 1)[0]
    if head.isdigit():
        return (0, int(head), text)
    return (1, 0, text)


def is_loopback(item: Mapping) -> bool:
    if item.get("exposure") == "loopback":
        return True
    address = str(item.get("address") or "")
    return address.startswith("127.") or address == "::1"


def finding_label(kind: str, item: Mapping) -> str:
    """What a person reads: ``8081/tcp on 0.0.0.0``; a missing entry has no address."""
    where = "%s/%s" % (port_of(item), protocol_of(item))
    if kind == "missing" or not item.get("address"):
        return where
    return "%s on %s" % (where, item.get("address"))


def owner_text(item: Mapping) -> str:
    """``python3 (pid 812, user root, unit pw-extra.service)``; empty when nothing is known.

    A missing finding has no socket, so no owner: its ``process`` is what the entry expects.
    """
    if item.get("kind") == "missing":
        return ""
    process = item.get("process")
    details = []
    if item.get("pid") is not None:
        details.append("pid %s" % item.get("pid"))
    if item.get("user"):
        details.append("user %s" % item.get("user"))
    if item.get("unit"):
        details.append("unit %s" % item.get("unit"))
    if not process and not details:
        return ""
    text = str(process or "unknown process")
    return "%s (%s)" % (text, ", ".join(details)) if details else text


def _finding_id(kind: str, item: Mapping) -> str:
    if kind == "missing":
        return "missing %s/%s" % (port_of(item), protocol_of(item))
    return "%s %s %s" % (kind, protocol_of(item), endpoint(item.get("address"), port_of(item)))


def listener_id(item: Mapping) -> str:
    """A listener's identity across runs: protocol, address, port (and a bound device)."""
    text = "%s %s" % (protocol_of(item), endpoint(item.get("address"), port_of(item)))
    if item.get("interface") and item.get("exposure") != "loopback":
        text += "%" + str(item.get("interface"))
    return text


def _severity_rank(item: Mapping) -> int:
    severity = item.get("severity")
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def _finding_sort_key(item: Mapping) -> tuple:
    return (_severity_rank(item), port_sort_key(port_of(item)), protocol_of(item), str(item.get("address") or ""))


def _unique_ids(items: list) -> None:
    """Give every item an ``id``; repeated ids (SO_REUSEPORT twins) get "#2", "#3"."""
    seen = {}
    for item in items:
        base = item["id"]
        seen[base] = seen.get(base, 0) + 1
        if seen[base] > 1:
            item["id"] = "%s #%d" % (base, seen[base])


def _listener_brief(item: Mapping) -> dict:
    return {
        "id": listener_id(item),
        "protocol": protocol_of(item),
        "address": item.get("address"),
        "port": port_of(item),
        "process": item.get("process"),
    }


def exception_of(item: Mapping) -> dict:
    """The exception that covers an accepted finding: reason, owner, expires."""
    source = item.get("exception") if isinstance(item.get("exception"), Mapping) else item
    return {key: source.get(key) for key in ("reason", "owner", "expires")}


def allowlist_digest(entries) -> str:
    text = json.dumps(entries, sort_keys=True, default=str, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _error_text(result) -> str:
    if not isinstance(result, Mapping):
        return "no audit result: the host failed before the audit ran"
    message = result.get("msg") or result.get("message") or result.get("stderr")
    if result.get("skipped"):
        message = message or "the audit was skipped"
    # A host's own message may hold anything, lone surrogates included.
    return str(message or "the audit returned no result").encode("utf-8", "replace").decode("utf-8")


_TEXT_KEYS = ("protocol", "proto", "family", "address", "interface", "exposure", "process", "exe", "cmdline", "user",
              "unit", "reason", "kind", "label", "comment", "owner", "expires", "method")
_INT_KEYS = ("pid", "uid", "inode", "index")
_BOOL_KEYS = ("dual_stack", "v6only", "truncated", "exception_expired", "required")
_TEXT_LIST_KEYS = ("controls", "exposed_families")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _bad_text(value) -> bool:
    if not isinstance(value, str):
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _item_problem(item, nested: bool = False):
    """What is wrong with one finding, listener or allowlist entry; None when a writer can use it."""
    if not isinstance(item, Mapping):
        return "is not a mapping"
    for key, value in item.items():
        if not isinstance(key, str) or _bad_text(key):
            return "has a key that is not valid text"
        if value is None:
            continue
        if key in _TEXT_KEYS and _bad_text(value):
            return "%s is not valid text" % key
        if key in _INT_KEYS and not _is_int(value):
            return "%s is not an integer" % key
        if key in _BOOL_KEYS and not isinstance(value, bool):
            return "%s is not true or false" % key
        if key == "port" and not (_is_int(value) or (isinstance(value, str) and not _bad_text(value))):
            return "port is neither a number nor a text"
        if key == "severity" and value not in SEVERITIES:
            return "severity is not one of %s" % ", ".join(SEVERITIES)
        if key in _TEXT_LIST_KEYS and (not isinstance(value, list) or any(_bad_text(text) for text in value)):
            return "%s is not a list of texts" % key
        if key == "pids" and (not isinstance(value, list) or not all(_is_int(pid) for pid in value)):
            return "pids is not a list of integers"
        if key == "ports" and (not isinstance(value, list) or not all(
                isinstance(pair, list) and len(pair) == 2 and all(_is_int(port) for port in pair) for pair in value)):
            return "ports is not a list of [low, high] pairs"
        if key in ("allowlist_entry", "entry", "exception") and not nested:
            problem = _item_problem(value, nested=True)
            if problem:
                return "%s %s" % (key, problem)
        if key == "sources" and not isinstance(value, (list, Mapping)):
            return "sources is not a list or a mapping"
    return None


def malformed(result):
    """Why a successful-looking port_audit result cannot be reported, or None when it can."""
    drift = result.get("drift")
    if drift is not None and not isinstance(drift, Mapping):
        return "drift is not a mapping"
    for kind in KINDS:
        items = (drift or {}).get(kind)
        if items is None:
            continue
        if not isinstance(items, list):
            return "drift.%s is not a list" % kind
        for number, item in enumerate(items):
            problem = _item_problem(item)
            if problem:
                return "drift.%s[%d] %s" % (kind, number, problem)
    for key in ("accepted", "listening"):
        items = result.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            return "%s is not a list" % key
        for number, item in enumerate(items):
            problem = _item_problem(item)
            if problem:
                return "%s[%d] %s" % (key, number, problem)
    if result.get("method") is not None and _bad_text(result.get("method")):
        return "method is not valid text"
    return None


def _for_report(item: Mapping) -> dict:
    """A copy of a finding or listener with its command line made fit for a report."""
    copied = dict(item)
    if copied.get("cmdline") is not None:
        copied["cmdline"] = redact_cmdline(copied["cmdline"])
    return copied


def host_record(result, ignore_loopback: bool = True) -> dict:
    """Normalise one host's port_audit result (or its failure) into the run's host record.

    A result whose values do not have the documented shape becomes an ``error`` record
    naming the first bad value; it never stops the other hosts' reports.
    """
    try:
        return _host_record(result, ignore_loopback)
    except (TypeError, ValueError, KeyError, AttributeError, UnicodeError, RecursionError) as error:
        record = _empty_record()
        record["error"] = "the audit result could not be read: %s" % type(error).__name__
        record["summary"] = host_summary(record, ignore_loopback)
        return record


def _empty_record() -> dict:
    return {
        "status": "error",
        "compliant": None,
        "error": None,
        "method": None,
        "drift": {kind: [] for kind in KINDS},
        "accepted": [],
        "listening": None,
        "firewall": None,
        "effective": None,
    }


def _host_record(result, ignore_loopback: bool) -> dict:
    record = _empty_record()
    problem = None
    if isinstance(result, Mapping) and not result.get("unreachable") and not result.get("failed"):
        problem = malformed(result)
    if isinstance(result, Mapping) and result.get("unreachable"):
        record["status"] = "unreachable"
        record["error"] = _error_text(result)
    elif (not isinstance(result, Mapping) or result.get("failed") or result.get("skipped")
          or not isinstance(result.get("compliant"), bool)):
        record["error"] = _error_text(result)
    elif problem:
        record["error"] = "malformed audit result: %s" % problem
    else:
        record["compliant"] = result["compliant"]
        record["method"] = result.get("method")
        drift = result.get("drift") if isinstance(result.get("drift"), Mapping) else {}
        for kind in KINDS:
            items = [dict(_for_report(item), kind=kind) for item in drift.get(kind) or [] if isinstance(item, Mapping)]
            items.sort(key=_finding_sort_key)
            for item in items:
                item["id"] = _finding_id(kind, item)
            _unique_ids(items)
            record["drift"][kind] = items
        accepted = [_for_report(item) for item in result.get("accepted") or [] if isinstance(item, Mapping)]
        accepted.sort(key=_finding_sort_key)
        for item in accepted:
            item["id"] = "accepted " + _finding_id(item.get("kind") or "unexpected", item).split(" ", 1)[1]
        _unique_ids(accepted)
        record["accepted"] = accepted
        if isinstance(result.get("listening"), list):
            record["listening"] = sorted(
                (_for_report(item) for item in result["listening"] if isinstance(item, Mapping)),
                key=lambda item: (port_sort_key(port_of(item)), protocol_of(item), str(item.get("address") or "")),
            )
        record.update(_reports_exposure.host_parts(result))
        has_findings = any(record["drift"][kind] for kind in KINDS)
        # The module's verdict stands; findings without it would be a module bug, shown as drift.
        record["status"] = "drift" if (not result["compliant"] or has_findings) else "compliant"
    record["summary"] = host_summary(record, ignore_loopback)
    return record


def exposed_listeners(record: Mapping, ignore_loopback: bool = True):
    """The host's listeners that count as exposure; None when the audit did not return them."""
    if record.get("listening") is None:
        return None
    return [item for item in record["listening"] if not (ignore_loopback and is_loopback(item))]


def host_summary(record: Mapping, ignore_loopback: bool = True) -> dict:
    findings = [item for kind in KINDS for item in record["drift"][kind]]
    summary = {kind: len(record["drift"][kind]) for kind in KINDS}
    summary.update({severity: 0 for severity in SEVERITIES})
    for item in findings:
        if item.get("severity") in SEVERITIES:
            summary[item["severity"]] += 1
    summary["findings"] = len(findings)
    summary["accepted"] = len(record["accepted"])
    exposed = exposed_listeners(record, ignore_loopback)
    summary["listeners"] = None if exposed is None else len(exposed)
    return summary


def all_findings(record: Mapping) -> list:
    """Every finding of a host, worst first."""
    return sorted((item for kind in KINDS for item in record["drift"][kind]), key=_finding_sort_key)


def _host_changes(record: Mapping, previous_host, ignore_loopback: bool) -> dict:
    current_ids = [item["id"] for item in all_findings(record)]
    changes = {"first_seen": previous_host is None, "new": None, "vanished": None, "owner_changed": None}
    if not isinstance(previous_host, Mapping):
        previous_host = {}
    previous_drift = previous_host.get("drift") if isinstance(previous_host.get("drift"), Mapping) else {}
    previous_ids = [item.get("id") for kind in KINDS for item in previous_drift.get(kind) or [] if isinstance(item, Mapping)]
    changes["new_findings"] = [fid for fid in current_ids if fid not in previous_ids]
    changes["resolved_findings"] = [fid for fid in previous_ids if fid and fid not in current_ids]
    current = exposed_listeners(record, ignore_loopback)
    if current is None:
        return changes
    before = {}
    for item in previous_host.get("listening") or []:
        if isinstance(item, Mapping) and not (ignore_loopback and is_loopback(item)):
            before.setdefault(listener_id(item), _listener_brief(item))
    now = {}
    for item in current:
        now.setdefault(listener_id(item), _listener_brief(item))
    changes["new"] = [now[key] for key in now if key not in before]
    if previous_host.get("listening") is None and not changes["first_seen"]:
        # The previous run did not record listeners for this host: nothing to compare.
        changes["new"] = None
        return changes
    changes["vanished"] = [before[key] for key in before if key not in now]
    changes["owner_changed"] = [
        {"id": key, "before": before[key]["process"], "after": now[key]["process"]}
        for key in now
        if key in before and before[key]["process"] != now[key]["process"]
    ]
    return changes


def fleet_summary(hosts: Mapping) -> dict:
    summary = {status: 0 for status in STATUS_ORDER}
    summary["hosts"] = len(hosts)
    summary["by_kind"] = {kind: 0 for kind in KINDS}
    summary["by_severity"] = {severity: 0 for severity in SEVERITIES}
    summary["findings"] = 0
    summary["accepted"] = 0
    summary["listeners"] = 0
    for record in hosts.values():
        summary[record["status"]] += 1
        host = record["summary"]
        for kind in KINDS:
            summary["by_kind"][kind] += host[kind]
        for severity in SEVERITIES:
            summary["by_severity"][severity] += host[severity]
        summary["findings"] += host["findings"]
        summary["accepted"] += host["accepted"]
        summary["listeners"] += host["listeners"] or 0
    return summary


def usable_previous(previous) -> tuple:
    """``(document, warning)``: the previous run if it is one of ours, else None and why not."""
    if previous is None:
        return None, None
    if not isinstance(previous, Mapping) or previous.get("schema") != SCHEMA:
        return None, "the previous report is not a %s document; changes since it are not reported" % SCHEMA
    if not isinstance(previous.get("hosts"), Mapping):
        return None, "the previous report has no hosts; changes since it are not reported"
    return previous, None


def build_run(results: Mapping, started, finished=None, allowlists=None, exceptions=None,
              previous=None, run_id=None, ignore_loopback: bool = True, fail_on_drift: bool = False,
              title: str = "portwarden drift check") -> dict:
    """The run document.

    ``results`` maps host name to its port_audit result (or the failed/unreachable result).
    ``allowlists`` and ``exceptions`` map host name to the normalised list that host used.
    ``previous`` is the previous run's document (already parsed) or None.
    """
    started_at = parse_time(started)
    finished_at = parse_time(finished) if finished is not None else datetime.datetime.now(datetime.timezone.utc)
    allowlists = allowlists or {}
    exceptions = exceptions or {}
    previous, warning = usable_previous(previous)

    # The fleet view lives in its own file, which builds on this one.
    from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_fleet import group_findings, natural_key

    hosts = {}
    groups = {}
    for name in sorted(results, key=natural_key):
        record = host_record(results[name], ignore_loopback)
        entries = allowlists.get(name)
        if entries is not None:
            digest = allowlist_digest(entries)
            groups.setdefault(digest, {"id": digest, "hosts": [], "entries": list(entries)})["hosts"].append(str(name))
            record["allowlist_id"] = digest
        else:
            record["allowlist_id"] = None
        record["exceptions"] = list(exceptions.get(name) or [])
        hosts[str(name)] = record

    changes = None
    if previous is not None:
        previous_hosts = previous["hosts"]
        changes = {
            "previous_run_id": previous.get("run_id"),
            "previous_finished": previous.get("finished"),
            "hosts_added": [name for name in hosts if name not in previous_hosts],
            "hosts_not_in_this_run": sorted(str(name) for name in previous_hosts if name not in hosts),
        }
        for name, record in hosts.items():
            if record["status"] in ("error", "unreachable"):
                record["changes"] = None
            else:
                try:
                    record["changes"] = _host_changes(record, previous_hosts.get(name), ignore_loopback)
                except (TypeError, ValueError, KeyError, AttributeError):
                    # The previous document is ours, but it was on disk: a damaged host entry
                    # costs that host its change list, nothing else.
                    record["changes"] = None
    else:
        for record in hosts.values():
            record["changes"] = None

    summary = fleet_summary(hosts)
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "run_id": run_id or make_run_id(started_at),
        "title": title,
        "started": format_time(started_at),
        "finished": format_time(finished_at),
        "duration_seconds": round(max((finished_at - started_at).total_seconds(), 0.0), 3),
        "options": {"ignore_loopback": bool(ignore_loopback), "fail_on_drift": bool(fail_on_drift)},
        "compliant": summary["hosts"] == summary["compliant"],
        "summary": summary,
        "allowlists": sorted(groups.values(), key=lambda group: natural_key(group["hosts"][0])),
        "by_finding": group_findings(hosts),
        "hosts": hosts,
        "changes": changes,
        "warnings": [warning] if warning else [],
    }


def _plural(count: int, noun: str) -> str:
    return "%d %s%s" % (count, noun, "" if count == 1 else "s")


def summary_line(name: str, record: Mapping) -> str:
    """One line per host for the play output and for logs."""
    summary = record["summary"]
    accepted = " %d accepted;" % summary["accepted"] if summary["accepted"] else ""
    if record["status"] in ("error", "unreachable"):
        return "%s: %s: %s" % (name, record["status"].upper(), " ".join(str(record["error"]).split()))
    if record["status"] == "compliant":
        listeners = "" if summary["listeners"] is None else " %s as declared;" % _plural(summary["listeners"], "listener")
        return ("%s: COMPLIANT;%s%s" % (name, listeners, accepted)).rstrip(";")
    kinds = ", ".join("%d %s" % (summary[kind], kind) for kind in KINDS if summary[kind])
    severities = ", ".join("%d %s" % (summary[sev], sev) for sev in SEVERITIES if summary[sev])
    worst = [item["id"] for item in all_findings(record)[:3]]
    more = ", ..." if summary["findings"] > 3 else ""
    return "%s: DRIFT: %s (%s; %s);%s %s%s" % (
        name, _plural(summary["findings"], "finding"), kinds, severities or "no severity", accepted, "; ".join(worst), more)


def render_json(run: Mapping) -> str:
    return json.dumps(run, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"


def load_json(text: str):
    """Parse a previous report; None when it is not JSON (a truncated file is not fatal)."""
    try:
        return json.loads(text)
    except ValueError:
        return None
