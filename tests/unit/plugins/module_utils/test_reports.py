# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The drift-check reports: run document, JUnit, HTML, Markdown, Prometheus, history."""

from __future__ import annotations

import base64
import copy
import datetime
import hashlib
import json
import os
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.reports import _reports as reports
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_html import render_html
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_junit import render_junit
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_markdown import render_markdown
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_prometheus import render_prometheus
from ansible_collections.portwarden.hardening.plugins.module_utils.reports import _reports_store as store

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "reports")
STARTED = "2026-01-25T12:00:00Z"
FINISHED = "2026-01-25T12:00:07Z"
ALLOWLIST = [{"index": 0, "label": "22/tcp (ssh)", "port": 22, "ports": [[22, 22]], "proto": "tcp", "sources": None,
              "process": "sshd", "required": True, "comment": "ssh"}]


@pytest.fixture()
def results():
    with open(os.path.join(FIXTURES, "results.json"), encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture()
def run(results):
    return reports.build_run(results, STARTED, FINISHED,
                             allowlists={"audit-drift": ALLOWLIST, "audit-clean": ALLOWLIST},
                             exceptions={"audit-drift": [{"port": 9999, "reason": "vendor", "owner": "ops"}]})


def _finding_ids(run, host):
    return [item["id"] for item in reports.all_findings(run["hosts"][host])]


# -- run document -------------------------------------------------------------------------

def test_run_document_has_schema_timestamps_and_every_host(run):
    assert run["schema"] == "portwarden.hardening/drift-run"
    assert run["schema_version"] == 1
    assert run["run_id"] == "20260125T120000Z"
    assert (run["started"], run["finished"], run["duration_seconds"]) == (STARTED, FINISHED, 7.0)
    assert sorted(run["hosts"]) == ["audit-clean", "audit-drift", "audit-gone"]
    assert run["compliant"] is False
    assert run["options"] == {"ignore_loopback": True, "fail_on_drift": False}


def test_run_document_is_json_round_trippable(run):
    assert json.loads(reports.render_json(run)) == json.loads(json.dumps(run))


def test_hosts_sharing_an_allowlist_share_one_copy(run):
    assert len(run["allowlists"]) == 1
    group = run["allowlists"][0]
    assert group["hosts"] == ["audit-clean", "audit-drift"]
    assert group["entries"] == ALLOWLIST
    assert run["hosts"]["audit-drift"]["allowlist_id"] == group["id"]
    assert run["hosts"]["audit-gone"]["allowlist_id"] is None


@pytest.mark.parametrize("host, status, compliant", [
    ("audit-clean", "compliant", True),
    ("audit-drift", "drift", False),
    ("audit-gone", "unreachable", None),
])
def test_host_status(run, host, status, compliant):
    assert run["hosts"][host]["status"] == status
    assert run["hosts"][host]["compliant"] is compliant


@pytest.mark.parametrize("result, error", [
    ({"failed": True, "msg": "boom"}, "boom"),
    ({"skipped": True}, "the audit was skipped"),
    (None, "no audit result: the host failed before the audit ran"),
    ({"changed": False}, "the audit returned no result"),
    ({"compliant": "yes", "msg": "odd"}, "odd"),
])
def test_a_failed_audit_is_an_error_not_compliance(result, error):
    record = reports.host_record(result)
    assert record["status"] == "error"
    assert record["compliant"] is None
    assert record["error"] == error


def test_findings_without_a_compliant_false_verdict_still_count_as_drift():
    record = reports.host_record({"compliant": True, "drift": {"unexpected": [{"protocol": "tcp", "address": "::", "port": 1}]}})
    assert record["status"] == "drift"


@pytest.mark.parametrize("key, expected", [
    ("unexpected", 3), ("missing", 1), ("mismatched", 1), ("critical", 1), ("high", 2), ("medium", 2),
    ("findings", 5), ("accepted", 1), ("listeners", 7),
])
def test_host_summary_counts(run, key, expected):
    assert run["hosts"]["audit-drift"]["summary"][key] == expected


def test_listeners_count_loopback_only_when_audited(results):
    audited = reports.build_run(results, STARTED, FINISHED, ignore_loopback=False)
    assert audited["hosts"]["audit-drift"]["summary"]["listeners"] == 8


def test_fleet_summary(run):
    summary = run["summary"]
    assert (summary["hosts"], summary["compliant"], summary["drift"], summary["unreachable"], summary["error"]) == (3, 1, 1, 1, 0)
    assert summary["by_severity"] == {"critical": 1, "high": 2, "medium": 2}
    assert summary["by_kind"] == {"unexpected": 3, "missing": 1, "mismatched": 1}


def test_findings_are_worst_first_with_stable_ids(run):
    assert _finding_ids(run, "audit-drift") == [
        "unexpected tcp 0.0.0.0:23",
        "unexpected udp [::]:5353",
        "unexpected tcp 0.0.0.0:8081",
        "mismatched tcp 0.0.0.0:8080",
        "missing 9100/tcp",
    ]


def test_reuseport_twins_get_distinct_ids():
    twin = {"protocol": "tcp", "address": "0.0.0.0", "port": 80, "severity": "high"}
    record = reports.host_record({"compliant": False, "drift": {"unexpected": [dict(twin), dict(twin)]}})
    assert [item["id"] for item in record["drift"]["unexpected"]] == ["unexpected tcp 0.0.0.0:80", "unexpected tcp 0.0.0.0:80 #2"]


@pytest.mark.parametrize("value, expected", [
    ("2026-01-25T12:00:00Z", "2026-01-25T12:00:00Z"),
    ("2026-01-25T13:00:00+01:00", "2026-01-25T12:00:00Z"),
    ("2026-01-25T12:00:00", "2026-01-25T12:00:00Z"),
    (1769342400, "2026-01-25T12:00:00Z"),
    (datetime.datetime(2026, 1, 25, 12, 0, tzinfo=datetime.timezone.utc), "2026-01-25T12:00:00Z"),
])
def test_parse_time(value, expected):
    assert reports.format_time(reports.parse_time(value)) == expected


@pytest.mark.parametrize("value", ["", "yesterday", None, True])
def test_parse_time_rejects(value):
    with pytest.raises(ValueError):
        reports.parse_time(value)


@pytest.mark.parametrize("host, pattern", [
    ("audit-clean", r"^audit-clean: COMPLIANT; 2 listeners as declared$"),
    ("audit-drift", r"^audit-drift: DRIFT: 5 findings \(3 unexpected, 1 missing, 1 mismatched; 1 critical, 2 high, 2 medium\); "
                    r"1 accepted; unexpected tcp 0\.0\.0\.0:23; "),
    ("audit-gone", r"^audit-gone: UNREACHABLE: Failed to connect"),
])
def test_summary_line(run, host, pattern):
    line = reports.summary_line(host, run["hosts"][host])
    assert re.search(pattern, line)
    assert "\n" not in line


# -- changes since the previous run -------------------------------------------------------

def _next_results(results):
    """The drift host loses its 8081 listener and gains 7000/tcp; ssh changes owner; a host joins."""
    later = copy.deepcopy(results)
    drift = later["audit-drift"]
    drift["drift"]["unexpected"] = [i for i in drift["drift"]["unexpected"] if i["port"] != 8081]
    drift["drift"]["unexpected"].append({"protocol": "tcp", "address": "0.0.0.0", "port": 7000, "process": "nc",
                                         "severity": "high", "reason": "not allowed"})
    drift["listening"] = [i for i in drift["listening"] if i["port"] != 8081]
    drift["listening"].append({"protocol": "tcp", "address": "0.0.0.0", "port": 7000, "exposure": "wildcard", "process": "nc"})
    for item in later["audit-clean"]["listening"]:
        item["process"] = "dropbear"
    # Loopback churn (Docker's resolver picks new ports at each start) is no change.
    drift["listening"].append({"protocol": "udp", "address": "127.0.0.11", "port": 40999, "exposure": "loopback"})
    del later["audit-gone"]
    later["audit-new"] = copy.deepcopy(results["audit-clean"])
    return later


@pytest.fixture()
def second_run(run, results):
    previous = json.loads(reports.render_json(run))
    return reports.build_run(_next_results(results), "2026-01-26T12:00:00Z", "2026-01-26T12:00:05Z", previous=previous)


def test_changes_name_the_previous_run(second_run):
    changes = second_run["changes"]
    assert changes["previous_run_id"] == "20260125T120000Z"
    assert changes["previous_finished"] == FINISHED
    assert changes["hosts_added"] == ["audit-new"]
    assert changes["hosts_not_in_this_run"] == ["audit-gone"]


def test_new_and_vanished_listeners(second_run):
    host = second_run["hosts"]["audit-drift"]["changes"]
    assert [item["id"] for item in host["new"]] == ["tcp 0.0.0.0:7000"]
    assert [item["id"] for item in host["vanished"]] == ["tcp 0.0.0.0:8081"]
    assert host["new_findings"] == ["unexpected tcp 0.0.0.0:7000"]
    assert host["resolved_findings"] == ["unexpected tcp 0.0.0.0:8081"]
    assert host["first_seen"] is False


def test_owner_change_is_reported(second_run):
    host = second_run["hosts"]["audit-clean"]["changes"]
    assert host["new"] == [] and host["vanished"] == []
    assert [(c["id"], c["before"], c["after"]) for c in host["owner_changed"]] == [
        ("tcp 0.0.0.0:22", "sshd", "dropbear"), ("tcp [::]:22", "sshd", "dropbear")]


def test_a_host_new_to_the_fleet_has_all_its_listeners_new(second_run):
    host = second_run["hosts"]["audit-new"]["changes"]
    assert host["first_seen"] is True
    assert len(host["new"]) == 2 and host["vanished"] == []


def test_first_run_has_no_changes(run):
    assert run["changes"] is None
    assert all(record["changes"] is None for record in run["hosts"].values())


@pytest.mark.parametrize("previous", [{"hosts": {}}, {"schema": "other"}, ["list"], {"schema": reports.SCHEMA}])
def test_a_foreign_previous_report_is_a_warning_not_a_crash(results, previous):
    run = reports.build_run(results, STARTED, FINISHED, previous=previous)
    assert run["changes"] is None
    assert len(run["warnings"]) == 1


# -- JUnit --------------------------------------------------------------------------------

def _suites(run):
    root = ET.fromstring(render_junit(run).encode("utf-8"))
    return root, {suite.get("name"): suite for suite in root.findall("testsuite")}


def test_junit_is_well_formed_with_one_suite_per_host(run):
    root, suites = _suites(run)
    assert root.tag == "testsuites"
    assert sorted(suites) == ["audit-clean", "audit-drift", "audit-gone"]


@pytest.mark.parametrize("host, tests, failures, errors, skipped", [
    ("audit-clean", 3, 0, 0, 0),
    # 3 checks (all failing) + 5 findings + 1 accepted
    ("audit-drift", 9, 8, 0, 1),
    ("audit-gone", 1, 0, 1, 0),
])
def test_junit_counts_match_the_testcases(run, host, tests, failures, errors, skipped):
    suites = _suites(run)[1]
    suite = suites[host]
    cases = suite.findall("testcase")
    assert (int(suite.get("tests")), int(suite.get("failures")), int(suite.get("errors")), int(suite.get("skipped"))) == (
        tests, failures, errors, skipped)
    assert len(cases) == tests
    assert sum(1 for c in cases if c.find("failure") is not None) == failures
    assert sum(1 for c in cases if c.find("error") is not None) == errors
    assert sum(1 for c in cases if c.find("skipped") is not None) == skipped


def test_junit_totals_add_up(run):
    root, suites = _suites(run)
    for key in ("tests", "failures", "errors", "skipped"):
        assert int(root.get(key)) == sum(int(s.get(key)) for s in suites.values())


def test_junit_has_a_check_per_host_and_a_failure_per_finding(run):
    suites = _suites(run)[1]
    names = [case.get("name") for case in suites["audit-drift"].findall("testcase")]
    assert names[:3] == ["unexpected listeners", "required ports listening", "owners and binds match"]
    failing = {case.get("name"): case.find("failure") for case in suites["audit-drift"].findall("testcase")
               if case.get("classname") != "portwarden.audit-drift" and case.find("failure") is not None}
    assert sorted(failing) == ["23/tcp on 0.0.0.0", "5353/udp on ::", "8080/tcp on 0.0.0.0", "8081/tcp on 0.0.0.0", "9100/tcp"]
    assert failing["23/tcp on 0.0.0.0"].get("type") == "critical"
    assert "unit: telnet.socket" in failing["23/tcp on 0.0.0.0"].text
    clean = [case.find("failure") for case in suites["audit-clean"].findall("testcase")]
    assert clean == [None, None, None]


def test_junit_survives_control_characters_and_markup(results):
    results["audit-drift"]["drift"]["unexpected"][0]["cmdline"] = "evil\x00\x1b[31m</failure><x>"
    root, suites = _suites(reports.build_run(results, STARTED, FINISHED))
    assert "</failure><x>" in ET.tostring(root, encoding="unicode").replace("&lt;", "<").replace("&gt;", ">")
    assert suites["audit-drift"].find("testcase/failure") is not None


# -- HTML ---------------------------------------------------------------------------------

class _Refs(HTMLParser):
    """Collects everything in a page that could make a browser fetch something."""

    def __init__(self):
        super().__init__()
        self.refs = []
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "action", "srcset", "poster", "data") and value:
                self.refs.append(value)


def test_html_is_self_contained(run):
    page = render_html(run)
    parser = _Refs()
    parser.feed(page)
    assert parser.refs == []
    assert not {"link", "img", "iframe", "object", "embed"} & set(parser.tags)
    assert "http://" not in page and "https://" not in page
    assert "url(" not in page and "@import" not in page
    assert "default-src 'none'" in page
    # One inline script, the filter box, allowed by its hash and nothing else.
    assert parser.tags.count("script") == 1
    script = page.split("<script>", 1)[1].split("</script>", 1)[0]
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    assert "script-src 'sha256-%s';" % digest in page
    assert "unsafe-inline'; img-src" in page and "script-src 'unsafe-inline'" not in page
    assert "<svg" in page


def test_html_lists_every_finding_and_host(run):
    page = render_html(run)
    for host in run["hosts"]:
        assert host in page
    for record in run["hosts"].values():
        for item in reports.all_findings(record):
            assert reports.finding_label(item["kind"], item) in page
    assert 'id="matrix"' in page and 'id="findings"' in page
    assert "vendor debug port until migration" in page


def test_html_escapes_host_data(results):
    results["audit-drift"]["drift"]["unexpected"][0]["process"] = "<script>alert(1)</script>"
    page = render_html(reports.build_run(results, STARTED, FINISHED))
    assert "<script>alert" not in page and page.count("<script>") == 1
    assert "&lt;script&gt;" in page


def test_html_matrix_marks_each_state(run):
    page = render_html(run)
    for state in ("ok", "unexpected", "mismatched", "missing", "accepted", "error"):
        assert 'class="c-%s"' % state in page


def test_html_compliant_fleet_says_so(results):
    fleet = {"audit-clean": results["audit-clean"]}
    page = render_html(reports.build_run(fleet, STARTED, FINISHED))
    assert "COMPLIANT" in page and "No drift" in page


# -- Markdown -----------------------------------------------------------------------------

def test_markdown_summary(run):
    text = render_markdown(run)
    assert text.startswith("# portwarden drift check: DRIFT\n")
    assert "| audit-drift | **drift** | 1 | 2 | 2 | 3 | 1 | 1 | 1 |" in text
    assert "| audit-clean | compliant | 0 | 0 | 0 | 0 | 0 | 0 | 0 |" in text
    assert "- audit-gone (unreachable): Failed to connect" in text
    assert text.count("| audit-drift | ") == 1 + 5 + 1  # host row, findings, accepted


def test_markdown_escapes_table_breakers(results):
    results["audit-drift"]["drift"]["unexpected"][0]["reason"] = "a | b\nc"
    text = render_markdown(reports.build_run(results, STARTED, FINISHED))
    assert "a \\| b c" in text


def test_markdown_lists_changes(second_run):
    text = render_markdown(second_run)
    assert "## Changes since run `20260125T120000Z`" in text
    assert "new `tcp 0.0.0.0:7000`" in text and "vanished `tcp 0.0.0.0:8081`" in text
    assert "- audit-gone: not in this run" in text


# -- Prometheus ---------------------------------------------------------------------------

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*)\} (-?[0-9.e+]+)$')
_COMMENT = re.compile(r"^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$")


def _parse_exposition(text):
    """Validate the text format; return {family: [(labels, value)]}."""
    assert text.endswith("\n")
    families, typed, seen = {}, set(), set()
    for line in text.splitlines():
        comment = _COMMENT.match(line)
        if comment:
            if comment.group(1) == "TYPE":
                assert comment.group(3) == "gauge"
                typed.add(comment.group(2))
            continue
        sample = _SAMPLE.match(line)
        assert sample, "not an exposition line: %r" % line
        assert sample.group(1) in typed, "sample before its TYPE: %r" % line
        assert line.rsplit(" ", 1)[0] not in seen, "repeated series: %r" % line
        seen.add(line.rsplit(" ", 1)[0])
        families.setdefault(sample.group(1), []).append((sample.group(2), float(sample.group(3))))
    return families


def test_prometheus_exposition_is_valid(run):
    families = _parse_exposition(render_prometheus(run))
    assert all(name.startswith("portwarden_") for name in families)
    assert {'host="audit-clean"': 1.0, 'host="audit-drift"': 0.0} == dict(families["portwarden_compliant"])
    assert ('host="audit-gone"', 0.0) in families["portwarden_audit_success"]
    assert ('host="audit-drift"', 1769342407.0) in families["portwarden_last_run_timestamp_seconds"]


def test_prometheus_counts_findings_by_severity(run):
    families = _parse_exposition(render_prometheus(run, ["audit-drift"]))
    counts = dict(families["portwarden_drift_findings"])
    assert len(counts) == 9  # every kind x severity, zeros included
    assert counts['host="audit-drift",kind="unexpected",severity="high"'] == 2
    assert counts['host="audit-drift",kind="unexpected",severity="critical"'] == 1
    assert counts['host="audit-drift",kind="missing",severity="high"'] == 0


def test_prometheus_listening_has_port_proto_address_labels(run):
    families = _parse_exposition(render_prometheus(run, ["audit-drift"]))
    listening = dict(families["portwarden_listening"])
    assert listening['host="audit-drift",proto="udp",port="5353",address="::",process="python3"'] == 1
    assert not any("127.0.0.11" in labels for labels in listening)  # loopback is ignored by default


def test_prometheus_merges_identical_series_and_escapes_labels():
    twin = {"protocol": "tcp", "address": "0.0.0.0", "port": 80, "exposure": "wildcard", "process": 'we"ird\\name'}
    result = {"compliant": True, "drift": {}, "listening": [dict(twin), dict(twin)]}
    text = render_prometheus(reports.build_run({"web": result}, STARTED, FINISHED))
    families = _parse_exposition(text)
    assert families["portwarden_listening"] == [('host="web",proto="tcp",port="80",address="0.0.0.0",process="we\\"ird\\\\name"', 2.0)]


def test_prometheus_for_one_host_has_only_that_host(run):
    text = render_prometheus(run, ["audit-clean"])
    assert "audit-drift" not in text and 'host="audit-clean"' in text


# -- files on disk ------------------------------------------------------------------------

def test_store_writes_latest_and_history(tmp_path, run):
    rendered = store.render_all(run, sorted(store.FILE_NAMES))
    outcome = store.store(run, rendered, str(tmp_path), history=5)
    for name in store.FILE_NAMES.values():
        assert (tmp_path / name).is_file()
    assert outcome["history_file"] == str(tmp_path / "history" / "20260125T120000Z.json")
    previous, warning = store.read_previous(str(tmp_path / "latest.json"))
    assert warning is None and previous["run_id"] == run["run_id"]
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".portwarden-")]


def test_unchanged_latest_files_are_not_rewritten(tmp_path, run):
    rendered = store.render_all(run, ["json", "html"])
    store.store(run, rendered, str(tmp_path), history=0)
    again = store.store(run, rendered, str(tmp_path), history=0)
    assert again["written"] == []


def test_history_is_pruned_and_same_second_runs_do_not_collide(tmp_path, run):
    for _attempt in range(3):
        store.store(run, store.render_all(run, ["json"]), str(tmp_path), history=2)
    (tmp_path / "history" / "notes.txt").write_text("kept")
    outcome = store.store(run, store.render_all(run, ["json"]), str(tmp_path), history=2)
    assert sorted(os.listdir(tmp_path / "history")) == ["20260125T120000Z-3.json", "20260125T120000Z-4.json", "notes.txt"]
    assert [os.path.basename(p) for p in outcome["pruned"]] == ["20260125T120000Z-2.json"]


@pytest.mark.parametrize("content, warned", [(None, False), ("{not json", True), ('{"schema": "x"}', False)])
def test_read_previous(tmp_path, content, warned):
    path = tmp_path / "latest.json"
    if content is not None:
        path.write_text(content)
    document, warning = store.read_previous(str(path))
    assert (warning is not None) is warned
    assert document == (json.loads(content) if content and not warned else None)


def test_history_is_named_by_start_time_whatever_the_run_id(tmp_path, results):
    run = reports.build_run(results, STARTED, FINISHED, run_id="../../nightly")
    outcome = store.store(run, store.render_all(run, ["json"]), str(tmp_path), history=3)
    assert outcome["history_file"] == str(tmp_path / "history" / "20260125T120000Z.json")


def test_html_tags_each_control_once_with_a_count(run):
    page = render_html(run)
    assert 'id="controls"' in page
    assert page.count("<td>NIST 800-53 CM-7</td>") == 1
    assert '<abbr title="NIST 800-53 CM-7">' in page


def test_a_missing_finding_names_its_entry_not_an_owner(run):
    record = run["hosts"]["audit-drift"]
    missing = record["drift"]["missing"][0]
    assert reports.owner_text(missing) == ""
    assert "entry 9100/tcp (node exporter)" in render_html(run)
    suites = _suites(run)[1]
    case = [c for c in suites["audit-drift"].findall("testcase") if c.get("name") == "9100/tcp"][0]
    assert "allowlist entry: #3 9100/tcp (node exporter)" in case.find("failure").text
    assert "pid:" not in case.find("failure").text


def test_no_format_and_no_history_creates_nothing(tmp_path, run):
    dest = tmp_path / "reports"
    outcome = store.store(run, {}, str(dest), history=0)
    assert outcome == {"written": [], "history_file": None, "pruned": []}
    assert not dest.exists()
