# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""SARIF 2.1.0: every document is validated against the official OASIS schema (vendored)."""

from __future__ import annotations

import copy
import json
import os

import jsonschema
import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.reports import _reports as reports
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_sarif import build_sarif, render_sarif

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures")
STARTED = "2026-01-25T12:00:00Z"
FINISHED = "2026-01-25T12:00:07Z"


@pytest.fixture(scope="module")
def validator():
    with open(os.path.join(FIXTURES, "sarif", "sarif-schema-2.1.0.json"), encoding="utf-8") as handle:
        schema = json.load(handle)
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


@pytest.fixture()
def results():
    with open(os.path.join(FIXTURES, "reports", "results.json"), encoding="utf-8") as handle:
        return json.load(handle)


def sarif_of(results):
    return json.loads(render_sarif(reports.build_run(results, STARTED, FINISHED)))


def assert_valid(validator, document):
    errors = sorted(validator.iter_errors(document), key=lambda error: list(error.path))
    assert not errors, "\n".join("%s: %s" % ("/".join(map(str, error.path)), error.message) for error in errors)


def test_the_schema_catches_what_it_should(validator):
    """The validator is live: a document without version, or with an unknown level, is refused."""
    assert not validator.is_valid({"runs": []})
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [
        {"message": {"text": "m"}, "level": "fatal"}]}]}
    assert not validator.is_valid(bad)


def test_fixture_fleet_is_valid_sarif(validator, results):
    assert_valid(validator, sarif_of(results))


@pytest.mark.parametrize(
    "host, kind, rule, level",
    [
        ("audit-drift", "unexpected", "PW-UNEXPECTED-LISTENER", None),
        ("audit-drift", "missing", "PW-REQUIRED-PORT-MISSING", "warning"),
        ("audit-drift", "mismatched", "PW-LISTENER-MISMATCH", "warning"),
    ],
)
def test_one_result_per_finding_with_the_kinds_rule(results, host, kind, rule, level):
    document = sarif_of(results)
    run = document["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    mine = [r for r in run["results"] if r["properties"]["kind"] == kind and "suppressions" not in r]
    assert len(mine) == len(results[host]["drift"][kind])
    for result in mine:
        assert result["ruleId"] == rule
        assert rules[result["ruleIndex"]] == rule
        if level:
            assert result["level"] == level


@pytest.mark.parametrize("severity, level", [("critical", "error"), ("high", "error"), ("medium", "warning"), (None, "error")])
def test_severity_maps_to_the_sarif_level(results, severity, level):
    item = results["audit-drift"]["drift"]["unexpected"][0]
    item["severity"] = severity
    results["audit-drift"]["drift"]["unexpected"] = [item]
    [result] = [r for r in sarif_of(results)["runs"][0]["results"] if r["properties"]["kind"] == "unexpected"
                and "suppressions" not in r]
    assert result["level"] == level


def test_location_is_the_host_and_protocol_port(results):
    results["audit-drift"]["drift"]["unexpected"] = results["audit-drift"]["drift"]["unexpected"][:1]
    run = sarif_of(results)["runs"][0]
    [result] = [r for r in run["results"] if r["properties"]["kind"] == "unexpected" and "suppressions" not in r]
    [location] = result["locations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "audit-drift/tcp/8081"
    assert location["logicalLocations"] == [{"name": "tcp/8081", "fullyQualifiedName": "audit-drift/tcp/8081",
                                             "kind": "resource"}]
    assert result["message"]["text"].startswith("audit-drift: unexpected 8081/tcp on 0.0.0.0 [python3 (pid 311")


def test_hostile_names_cannot_leave_their_path(validator, results):
    """Host names and ports come from hosts and inventories: every path part is escaped."""
    results["../../etc?x#y"] = results.pop("audit-drift")
    document = sarif_of(results)
    assert_valid(validator, document)
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in document["runs"][0]["results"]]
    assert uris and all(uri.startswith("..%2F..%2Fetc%3Fx%23y/") for uri in uris)
    assert all(".." not in uri.split("/") for uri in uris)


def test_fingerprints_are_stable_across_runs_and_distinct(results):
    first = sarif_of(copy.deepcopy(results))["runs"][0]["results"]
    later = copy.deepcopy(results)
    for item in later["audit-drift"]["drift"]["unexpected"]:
        item["pid"] = item["pid"] + 1000  # a restarted daemon is the same finding
    second = sarif_of(later)["runs"][0]["results"]
    prints = [r["partialFingerprints"]["portwardenFinding/v1"] for r in first]
    assert prints == [r["partialFingerprints"]["portwardenFinding/v1"] for r in second]
    assert len(set(prints)) == len(prints)


def test_accepted_findings_are_suppressed_results(results):
    run = sarif_of(results)["runs"][0]
    [accepted] = [r for r in run["results"] if "suppressions" in r]
    assert accepted["suppressions"] == [{"kind": "external", "status": "accepted",
                                         "justification": "vendor debug port until migration (owner ops@example.org, "
                                                          "expires 2099-12-31)"}]


def test_unreachable_hosts_are_notifications_not_results(validator, results):
    document = sarif_of(results)
    assert_valid(validator, document)
    [invocation] = document["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and note["message"]["text"].startswith("audit-gone: unreachable:")
    assert all(r["properties"]["host"] != "audit-gone" for r in document["runs"][0]["results"])


def test_compliant_fleet_is_valid_with_no_results(validator, results):
    document = sarif_of({"audit-clean": results["audit-clean"]})
    assert_valid(validator, document)
    assert document["runs"][0]["results"] == []
    assert document["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_origin_of_the_allowlist_entry_is_recorded(results):
    item = results["audit-drift"]["drift"]["mismatched"][0]
    item["allowlist_entry"]["origin"] = "portwarden_allowlist__50_web"
    run = sarif_of(results)["runs"][0]
    [result] = [r for r in run["results"] if r["properties"]["kind"] == "mismatched"]
    assert result["properties"]["allowlist_origin"] == "portwarden_allowlist__50_web"
    assert result["properties"]["allowlist_entry"] == "8080/tcp (web)"


def test_document_header(results):
    document = build_sarif(reports.build_run(results, STARTED, FINISHED))
    assert document["version"] == "2.1.0"
    assert document["$schema"].endswith("/sarif-schema-2.1.0.json")
    run = document["runs"][0]
    assert run["tool"]["driver"]["name"] == "portwarden.hardening"
    assert run["automationDetails"]["id"] == "portwarden/drift-check/20260125T120000Z"
    assert run["invocations"][0]["startTimeUtc"] == STARTED
