# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""SARIF 2.1.0 for a drift-check run: what code-scanning dashboards and auditors' tools read.

One ``run`` per document, one ``result`` per finding. Each finding kind is a rule
(``PW-UNEXPECTED-LISTENER``, ``PW-REQUIRED-PORT-MISSING``, ``PW-LISTENER-MISMATCH``); the
finding's severity maps to the SARIF level (critical and high -> ``error``, medium ->
``warning``). A result's location is the host plus protocol/port, written as the
repository-relative path ``<host>/<proto>/<port>`` (GitHub code scanning accepts only
paths) and as a logical location. Accepted findings are results with an external,
accepted suppression that carries the exception's reason; a host whose audit could not run
is a tool execution notification. ``partialFingerprints`` hold the host and the finding id,
which carry no pid or time, so an alert keeps its identity from run to run.
Validated in the unit tests against the official OASIS schema (tests/unit/fixtures/sarif/).
"""

from __future__ import annotations

import hashlib
import json
from urllib.parse import quote

from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports import (
    KINDS,
    entry_of,
    exception_of,
    finding_label,
    owner_text,
    port_of,
    protocol_of,
)

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
TOOL_NAME = "portwarden.hardening"
INFORMATION_URI = "https://github.com/portwarden/hardening"
DOCS_URI = INFORMATION_URI + "/blob/main/docs/drift_check.md"
LEVELS = {"critical": "error", "high": "error", "medium": "warning"}
# GitHub code scanning ranks alerts by this property (0.0-10.0) on the rule.
SECURITY_SEVERITY = {"critical": "9.5", "high": "7.5", "medium": "5.0"}

RULES = {
    "unexpected": {
        "id": "PW-UNEXPECTED-LISTENER",
        "name": "UnexpectedListener",
        "short": "A socket listens on a port the allowlist does not allow",
        "full": "A TCP socket listens, or a UDP socket is bound, on an address reachable from the network, on a port "
                "that the host's allowlist does not declare. Unless a firewall blocks it, the port is exposure nobody "
                "declared.",
        "help": "Stop the service, bind it to loopback, or declare the port in the host's allowlist "
                "(portwarden_allowlist or a portwarden_allowlist__* variable).",
        "level": "error",
        "severity": "high",
    },
    "missing": {
        "id": "PW-REQUIRED-PORT-MISSING",
        "name": "RequiredPortMissing",
        "short": "A port the allowlist marks required has no listener",
        "full": "An allowlist entry with required: true has no socket listening on its port and protocol: the service "
                "the host exists for is down or listens elsewhere.",
        "help": "Start the service, or drop required: true from the entry.",
        "level": "warning",
        "severity": "medium",
    },
    "mismatched": {
        "id": "PW-LISTENER-MISMATCH",
        "name": "ListenerMismatch",
        "short": "An allowed port is served by another process or bound otherwise than declared",
        "full": "A socket listens on a port the allowlist allows, but its owner is not the process the entry names, or "
                "its bind does not match the entry.",
        "help": "Find out why another process holds the port; correct the entry's process when the change is intended.",
        "level": "warning",
        "severity": "medium",
    },
}


def _rule(kind: str) -> dict:
    rule = RULES[kind]
    return {
        "id": rule["id"],
        "name": rule["name"],
        "shortDescription": {"text": rule["short"]},
        "fullDescription": {"text": rule["full"]},
        "help": {"text": rule["help"]},
        "helpUri": DOCS_URI + "#sarif-for-code-scanning",
        "defaultConfiguration": {"level": rule["level"]},
        "properties": {
            "tags": ["security", "network", "drift"],
            "security-severity": SECURITY_SEVERITY[rule["severity"]],
        },
    }


def _text(value) -> str:
    return "" if value is None else str(value)


def _location(host: str, item) -> dict:
    proto = protocol_of(item)
    port = _text(port_of(item))
    name = "%s/%s" % (proto, port)
    return {
        "physicalLocation": {
            # A path, not a URL: code scanning refuses other schemes. Each part is escaped,
            # so a hostile host or port name cannot climb out with "../" or a "?".
            "artifactLocation": {"uri": "/".join(quote(part, safe="") for part in (host, proto, port))},
        },
        "logicalLocations": [{"name": name, "fullyQualifiedName": "%s/%s" % (host, name), "kind": "resource"}],
    }


def _fingerprint(host: str, finding_id: str) -> str:
    return hashlib.sha256(("%s\n%s" % (host, finding_id)).encode("utf-8")).hexdigest()


def _message(host: str, kind: str, item) -> str:
    text = "%s: %s %s" % (host, kind, finding_label(kind, item))
    owner = owner_text(item)
    if owner:
        text += " [%s]" % owner
    if item.get("reason"):
        text += ": %s" % item["reason"]
    return text


def _properties(host: str, kind: str, item) -> dict:
    entry = entry_of(item)
    properties = {"host": host, "kind": kind, "severity": item.get("severity"), "protocol": protocol_of(item),
                  "port": port_of(item), "finding_id": item.get("id")}
    for key in ("address", "process", "pid", "user", "unit", "exposure"):
        if item.get(key) is not None and kind != "missing":
            properties[key] = item[key]
    if item.get("controls"):
        properties["controls"] = [_text(control) for control in item["controls"]]
    if entry.get("label"):
        properties["allowlist_entry"] = entry["label"]
    if entry.get("origin"):
        properties["allowlist_origin"] = entry["origin"]
    return {key: value for key, value in properties.items() if value is not None}


def _result(host: str, kind: str, item, rule_index: int) -> dict:
    result = {
        "ruleId": RULES[kind]["id"],
        "ruleIndex": rule_index,
        "kind": "fail",
        "level": LEVELS.get(item.get("severity"), RULES[kind]["level"]),
        "message": {"text": _message(host, kind, item)},
        "locations": [_location(host, item)],
        "partialFingerprints": {"portwardenFinding/v1": _fingerprint(host, _text(item.get("id")))},
        "properties": _properties(host, kind, item),
    }
    return result


def _accepted(host: str, item, rule_index: int) -> dict:
    kind = item.get("kind") if item.get("kind") in KINDS else "unexpected"
    result = _result(host, kind, item, rule_index)
    exception = exception_of(item)
    justification = "%s (owner %s%s)" % (exception.get("reason") or "no reason given", exception.get("owner") or "unknown",
                                         ", expires %s" % exception["expires"] if exception.get("expires") else "")
    result["suppressions"] = [{"kind": "external", "status": "accepted", "justification": justification}]
    return result


def build_sarif(run) -> dict:
    """The SARIF log of a run document (see _reports.build_run)."""
    rule_index = {kind: index for index, kind in enumerate(KINDS)}
    results = []
    notifications = []
    for host, record in run["hosts"].items():
        if record["status"] in ("error", "unreachable"):
            notifications.append({
                "level": "error",
                "message": {"text": "%s: %s: %s" % (host, record["status"], _text(record.get("error")))},
                "descriptor": {"id": "PW-AUDIT-%s" % record["status"].upper()},
                "properties": {"host": host},
            })
            continue
        for kind in KINDS:
            for item in record["drift"][kind]:
                results.append(_result(host, kind, item, rule_index[kind]))
        for item in record.get("accepted") or []:
            kind = item.get("kind") if item.get("kind") in KINDS else "unexpected"
            results.append(_accepted(host, item, rule_index[kind]))
    invocation = {
        "executionSuccessful": not notifications,
        "startTimeUtc": run["started"],
        "endTimeUtc": run["finished"],
    }
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {
                "name": TOOL_NAME,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(kind) for kind in KINDS],
            }},
            "automationDetails": {"id": "portwarden/drift-check/%s" % run["run_id"]},
            "invocations": [invocation],
            "results": results,
            "properties": {"title": run.get("title"), "run_id": run["run_id"], "compliant": run.get("compliant"),
                           "summary": run.get("summary")},
        }],
    }


def render_sarif(run) -> str:
    return json.dumps(build_sarif(run), indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
