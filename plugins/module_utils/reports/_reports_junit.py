# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""JUnit XML for a drift-check run, the format every CI server renders natively.

One ``<testsuite>`` per host. Each host gets one testcase per check ("unexpected
listeners", "required ports listening", "owners and binds match") and one testcase per
finding with a ``<failure>``, so a CI trend shows both "is the host clean" and "which
socket". Accepted findings are ``<skipped>`` with the exception's reason; a host whose
audit could not run is an ``<error>``. Testcase names carry no pid or timestamp so the
same finding keeps its name from run to run.

With ``grouping="finding"`` (for fleets, where 1,000 identical failures help nobody) there
is one ``fleet`` suite instead: one testcase per grouped finding (kind, protocol, port,
process; the run's ``by_finding``) failing with the hosts it is on, one skipped testcase per
grouped accepted finding, one error per host that could not be audited, and one passing
testcase for the hosts without drift.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ansible_collections.portwarden.hardening.plugins.module_utils.reports import _reports_exposure
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports import (
    KIND_TITLES,
    KINDS,
    entry_of,
    exception_of,
    finding_label,
    owner_text,
)
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_fleet import (
    group_findings,
    host_list_text,
    hosts_in_order,
)

GROUPINGS = ("host", "finding")

# XML 1.0 cannot carry most control characters, and a process's cmdline may hold any.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(value) -> str:
    return _NOT_XML.sub("\ufffd", "" if value is None else str(value))


def _details(item) -> str:
    """The failure body: every field a person needs to find the socket on the host."""
    fields = ("reason", "severity", "protocol", "family", "address", "port", "interface", "exposure",
              "dual_stack", "v6only", "exposed_families", "process", "pid", "user", "unit", "cmdline")
    if item.get("kind") == "missing":
        # No socket: the entry says what should listen.
        fields = ("reason", "severity", "protocol", "port")
    lines = ["%s: %s" % (key, _xml(item.get(key))) for key in fields if item.get(key) is not None]
    if item.get("controls"):
        lines.append("controls: %s" % "; ".join(_xml(c) for c in item["controls"]))
    entry = entry_of(item)
    if entry.get("label"):
        lines.append("allowlist entry: #%s %s" % (_xml(entry.get("index", 0) + 1 if isinstance(entry.get("index"), int) else "?"),
                                                  _xml(entry["label"])))
    if entry.get("process"):
        lines.append("expected process: %s" % _xml(entry["process"]))
    return "\n".join(lines)


def _case(suite, classname: str, name: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", {"classname": _xml(classname), "name": _xml(name), "time": "0"})


def _suite(run, name: str, record) -> ET.Element:
    suite = ET.Element("testsuite", {"name": _xml(name), "hostname": _xml(name), "timestamp": run["started"].rstrip("Z")})
    props = ET.SubElement(suite, "properties")
    for key, value in (("status", record["status"]), ("method", record.get("method")),
                       ("run_id", run["run_id"]), ("allowlist_id", record.get("allowlist_id"))):
        if value is not None:
            ET.SubElement(props, "property", {"name": _xml(key), "value": _xml(value)})
    classname = "portwarden.%s" % name
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}

    if record["status"] in ("error", "unreachable"):
        case = _case(suite, classname, "audit ran")
        ET.SubElement(case, "error", {"message": _xml(record["error"]), "type": record["status"]}).text = _xml(record["error"])
        counts["tests"] += 1
        counts["errors"] += 1
    else:
        for kind in KINDS:
            findings = record["drift"][kind]
            case = _case(suite, classname, KIND_TITLES[kind])
            counts["tests"] += 1
            if findings:
                labels = ", ".join(finding_label(kind, item) for item in findings)
                failure = ET.SubElement(case, "failure", {"message": _xml("%d %s: %s" % (len(findings), kind, labels)),
                                                          "type": kind})
                failure.text = "\n".join("%s: %s" % (_xml(item["id"]), _xml(item.get("reason"))) for item in findings)
                counts["failures"] += 1
        for kind in KINDS:
            for item in record["drift"][kind]:
                owner = owner_text(item)
                case = _case(suite, "%s.%s" % (classname, kind), finding_label(kind, item))
                message = "%s: %s" % (item.get("severity") or "drift", item.get("reason") or kind)
                if owner and kind != "missing":
                    message += " [%s]" % owner
                failure = ET.SubElement(case, "failure", {"message": _xml(message), "type": _xml(item.get("severity") or kind)})
                failure.text = _details(item)
                counts["tests"] += 1
                counts["failures"] += 1
        for key, value in _reports_exposure.junit_cases(suite, classname, record).items():
            counts[key] += value
        for item in record["accepted"]:
            exception = exception_of(item)
            case = _case(suite, "%s.accepted" % classname, finding_label(item.get("kind") or "unexpected", item))
            message = "accepted: %s (owner %s%s)" % (
                exception.get("reason") or "no reason given", exception.get("owner") or "unknown",
                ", expires %s" % exception["expires"] if exception.get("expires") else "")
            ET.SubElement(case, "skipped", {"message": _xml(message)})
            counts["tests"] += 1
            counts["skipped"] += 1

    for key, value in counts.items():
        suite.set(key, str(value))
    suite.set("time", "0")
    return suite


def _grouped_suite(run) -> ET.Element:
    """One suite for the fleet: a testcase per grouped finding, not per host and finding."""
    suite = ET.Element("testsuite", {"name": "fleet", "timestamp": run["started"].rstrip("Z")})
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", {"name": "run_id", "value": _xml(run["run_id"])})
    ET.SubElement(props, "property", {"name": "hosts", "value": str(len(run["hosts"]))})
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for group in run.get("by_finding") or []:
        name = "%s/%s%s" % (group["port"], group["protocol"], " " + group["process"] if group.get("process") else "")
        case = _case(suite, "portwarden.fleet.%s" % group["kind"], name)
        message = "%s: %s %s on %d host%s: %s" % (
            group.get("severity") or "drift", group["kind"], name, group["host_count"], "" if group["host_count"] == 1 else "s",
            host_list_text(group["hosts"]))
        failure = ET.SubElement(case, "failure", {"message": _xml(message), "type": _xml(group.get("severity") or group["kind"])})
        lines = ["reason (first host): %s" % _xml(group.get("reason"))]
        if group.get("addresses"):
            lines.append("addresses: %s" % _xml(", ".join(group["addresses"])))
        if group.get("controls"):
            lines.append("controls: %s" % "; ".join(_xml(c) for c in group["controls"]))
        lines.append("hosts (%d):" % group["host_count"])
        lines += [_xml(host) for host in group["hosts"]]
        failure.text = "\n".join(lines)
        counts["tests"] += 1
        counts["failures"] += 1
    ordered = hosts_in_order(run)
    accepted = {name: {"drift": {"unexpected": [dict(item, kind="unexpected") for item in record["accepted"]]}}
                for name, record in ordered if record["accepted"]}
    for group in group_findings(accepted):
        name = "%s/%s%s" % (group["port"], group["protocol"], " " + group["process"] if group.get("process") else "")
        case = _case(suite, "portwarden.fleet.accepted", name)
        ET.SubElement(case, "skipped", {"message": _xml("accepted by exception on %d host%s: %s" % (
            group["host_count"], "" if group["host_count"] == 1 else "s", host_list_text(group["hosts"])))})
        counts["tests"] += 1
        counts["skipped"] += 1
    for name, record in ordered:
        if record["status"] in ("error", "unreachable"):
            case = _case(suite, "portwarden.%s" % name, "audit ran")
            ET.SubElement(case, "error", {"message": _xml(record["error"]), "type": record["status"]}).text = _xml(record["error"])
            counts["tests"] += 1
            counts["errors"] += 1
    clean = [name for name, record in ordered if record["status"] == "compliant"]
    case = _case(suite, "portwarden.fleet", "hosts without drift")
    ET.SubElement(case, "system-out").text = _xml("%d compliant: %s" % (len(clean), ", ".join(clean)))
    counts["tests"] += 1
    for key, value in counts.items():
        suite.set(key, str(value))
    suite.set("time", "0")
    return suite


def render_junit(run, grouping: str = "host") -> str:
    """JUnit XML: a suite per host (``grouping="host"``) or one fleet suite of grouped findings (``"finding"``)."""
    if grouping not in GROUPINGS:
        raise ValueError("JUnit grouping must be one of %s, got %r" % (", ".join(GROUPINGS), grouping))
    root = ET.Element("testsuites", {"name": _xml(run.get("title") or "portwarden drift check"),
                                     "time": str(run.get("duration_seconds", 0))})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    if grouping == "finding":
        suites = [_grouped_suite(run)]
    else:
        # The run document holds hosts in natural order (h2 before h10).
        suites = [_suite(run, name, record) for name, record in run["hosts"].items()]
    for suite in suites:
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key))
    for key, value in totals.items():
        root.set(key, str(value))
    if hasattr(ET, "indent"):
        ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
