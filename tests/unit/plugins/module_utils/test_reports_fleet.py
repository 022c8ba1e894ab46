# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The reports at fleet scale: findings grouped across hosts, natural host order, the
filter box, the top-20 chart, the collapsing matrix, grouped JUnit, and the size budget."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.reports import _reports as reports
from ansible_collections.portwarden.hardening.plugins.module_utils.reports import _reports_fleet as fleet
from ansible_collections.portwarden.hardening.plugins.module_utils.reports import _reports_html as report_html
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_html import render_html
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_junit import render_junit
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_markdown import render_markdown
from ansible_collections.portwarden.hardening.plugins.module_utils.reports import _reports_store as store

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "reports")
STARTED = "2026-01-25T12:00:00Z"
FINISHED = "2026-01-25T12:00:07Z"


def _synthetic():
    spec = importlib.util.spec_from_file_location("synthetic_fleet", os.path.join(FIXTURES, "synthetic.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


synthetic = _synthetic()


def _socket(port, process, severity="high", address="0.0.0.0", protocol="tcp"):
    return {"address": address, "port": port, "protocol": protocol, "process": process, "pid": 7, "severity": severity,
            "reason": "%s/%s is listening and no allowlist entry allows it" % (port, protocol)}


def _result(unexpected=(), missing=(), mismatched=()):
    drift = {"unexpected": list(unexpected), "missing": list(missing), "mismatched": list(mismatched)}
    return {"compliant": not any(drift.values()), "drift": drift, "accepted": [], "listening": []}


@pytest.fixture(scope="module")
def big_run():
    return reports.build_run(synthetic.fleet_results(1000, 3), STARTED, FINISHED)


@pytest.fixture(scope="module")
def big_html(big_run):
    return render_html(big_run)


# -- order -------------------------------------------------------------------------------

@pytest.mark.parametrize("names, expected", [
    (["h10", "h2", "h1", "h100", "h11"], ["h1", "h2", "h10", "h11", "h100"]),
    (["web10.example", "web9.example", "db1"], ["db1", "web9.example", "web10.example"]),
    (["rack2-node10", "rack2-node9", "rack10-node1"], ["rack2-node9", "rack2-node10", "rack10-node1"]),
    (["B2", "a10", "a2"], ["a2", "a10", "B2"]),
    (["x", "10", "2"], ["2", "10", "x"]),
    (["h01", "h1"], ["h01", "h1"]),
])
def test_natural_order(names, expected):
    assert sorted(names, key=fleet.natural_key) == expected


def test_hosts_are_grouped_by_status_drifting_first_in_natural_order():
    results = {
        "h10": _result([_socket(6379, "redis-server")]),
        "h2": _result(),
        "h9": {"unreachable": True, "msg": "timed out"},
        "h1": _result(),
        "h3": {"failed": True, "msg": "boom"},
        "h11": _result([_socket(23, "telnetd", "critical")]),
        "h4": _result([_socket(6379, "redis-server")]),
    }
    run = reports.build_run(results, STARTED, FINISHED)
    assert list(run["hosts"]) == ["h1", "h2", "h3", "h4", "h9", "h10", "h11"]
    assert [name for name, _record in fleet.hosts_in_order(run)] == ["h4", "h10", "h11", "h3", "h9", "h1", "h2"]
    page = render_html(run)
    rows = re.findall(r'<tr class="h"[^>]*><td>([^<]+)</td>', page)
    assert rows == ["h4", "h10", "h11", "h3", "h9", "h1", "h2"]
    assert re.findall(r'<tr class="group"><th colspan="12">([^<]+)</th>', page) == [
        "drift: 3 hosts", "error: 1 host", "unreachable: 1 host", "compliant: 2 hosts"]
    text = render_markdown(run)
    assert re.findall(r"^\| (h[0-9]+) \|", text.split("## Findings", maxsplit=1)[0], re.M) == ["h4", "h10", "h11", "h3", "h9", "h1", "h2"]


# -- grouping ----------------------------------------------------------------------------

MISSING_EXPORTER = {"port": 9100, "protocol": "tcp", "severity": "medium",
                    "allowlist_entry": {"port": 9100, "proto": "tcp", "process": "node_exporter"}}


def test_findings_are_grouped_by_kind_protocol_port_and_process():
    results = {
        "db2": _result([_socket(6379, "redis-server"), _socket(6379, "redis-server", address="::")]),
        "db10": _result([_socket(6379, "redis-server")]),
        "db1": _result([_socket(6379, "redis-server"), _socket(23, "telnetd", "critical")]),
        "app1": _result([_socket(6379, "keydb")], missing=[MISSING_EXPORTER]),
        "app2": _result([_socket(6379, "redis-server", protocol="udp")]),
    }
    groups = reports.build_run(results, STARTED, FINISHED)["by_finding"]
    summary = [(g["id"], g["severity"], g["host_count"], g["hosts"]) for g in groups]
    assert summary == [
        ("unexpected tcp 23 telnetd", "critical", 1, ["db1"]),
        ("unexpected tcp 6379 redis-server", "high", 3, ["db1", "db2", "db10"]),
        ("unexpected tcp 6379 keydb", "high", 1, ["app1"]),
        ("unexpected udp 6379 redis-server", "high", 1, ["app2"]),
        ("missing tcp 9100 node_exporter", "medium", 1, ["app1"]),
    ]
    assert groups[1]["addresses"] == ["0.0.0.0", "::"]


def test_a_group_takes_the_worst_severity_of_its_hosts():
    results = {"h1": _result([_socket(2323, "inetd", "medium")]), "h2": _result([_socket(2323, "inetd", "critical")])}
    (group,) = reports.build_run(results, STARTED, FINISHED)["by_finding"]
    assert (group["severity"], group["host_count"]) == ("critical", 2)


def test_by_finding_is_in_the_json_document(big_run):
    document = json.loads(reports.render_json(big_run))
    assert document["by_finding"] == big_run["by_finding"]
    assert sum(group["host_count"] for group in document["by_finding"]) == 3000
    severities = [reports.SEVERITIES.index(group["severity"]) for group in document["by_finding"]]
    assert severities == sorted(severities)


def test_a_compliant_fleet_has_no_groups():
    run = reports.build_run({"h1": _result()}, STARTED, FINISHED)
    assert run["by_finding"] == []
    assert "No drift on any audited host." in render_html(run)
    assert "## Fleet view" not in render_markdown(run)


# -- HTML ----------------------------------------------------------------------------------

def test_the_fleet_view_comes_before_the_per_host_sections(big_html):
    markers = ('id="filter"', 'id="fleet"', "<svg", 'id="hosts"', 'id="matrix"', 'id="findings"')
    positions = [big_html.index(marker) for marker in markers]
    assert positions == sorted(positions)


def test_the_fleet_view_names_the_first_hosts_and_folds_the_rest(big_run, big_html):
    fleet_table = big_html.split('id="fleet"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td>.*?</tr>", fleet_table)
    assert len(rows) == len(big_run["by_finding"])
    first = big_run["by_finding"][0]
    visible, folded = rows[0].split("<details>", 1)
    assert ", ".join(first["hosts"][:report_html.FLEET_HOSTS_SHOWN]) in visible
    assert "<summary>+%d more</summary>" % (first["host_count"] - report_html.FLEET_HOSTS_SHOWN) in folded
    assert first["hosts"][-1] in folded
    assert '<td class="num">%d</td>' % first["host_count"] in rows[0]


def test_the_chart_draws_the_top_20_drifting_hosts_and_counts_the_rest(big_html):
    chart = big_html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert len(re.findall(r'<text x="\d+" y="\d+" text-anchor="end">', chart)) == report_html.CHART_MAX_HOSTS
    assert '<p class="muted" id="chart-rest">980 more drifting hosts (see Hosts)</p>' in big_html


def test_the_chart_shows_the_worst_hosts_first():
    results = {"h%d" % i: _result([_socket(8000 + i, "x", "medium")]) for i in range(1, 30)}
    results["h29"] = _result([_socket(23, "telnetd", "critical")])
    results["h28"] = _result([_socket(8001, "x", "high"), _socket(8002, "x", "high")])
    chart = render_html(reports.build_run(results, STARTED, FINISHED)).split("<svg", 1)[1].split("</svg>", 1)[0]
    labels = re.findall(r'text-anchor="end">([^<]+)<', chart)
    assert labels[:4] == ["h29", "h28", "h1", "h2"]
    assert len(labels) == 20


@pytest.mark.parametrize("hosts, collapsed", [(report_html.MATRIX_FULL_MAX_HOSTS, False),
                                              (report_html.MATRIX_FULL_MAX_HOSTS + 1, True)])
def test_the_matrix_collapses_to_drifting_ports_once_the_fleet_is_large(hosts, collapsed):
    results = synthetic.fleet_results(hosts, 1, compliant_every=5)
    page = render_html(reports.build_run(results, STARTED, FINISHED))
    matrix = page.split('id="matrix"', 1)[1].split("</table>", 1)[0]
    ports = re.findall(r'<th class="port">([^<]+)</th>', matrix)
    # 22/tcp is allowed and listening everywhere: a column only in the full matrix.
    assert ("22/tcp" in ports) is not collapsed
    assert ('id="matrix-collapsed"' in page) is collapsed
    rows = re.findall(r"<tr><th>(h\d+)</th>", matrix)
    compliant = ["h%d" % i for i in range(5, hosts + 1, 5)]
    assert (set(compliant) <= set(rows)) is not collapsed
    assert len(rows) == (hosts - len(compliant) if collapsed else hosts)


def test_the_filter_box_matches_hosts_by_port_and_process():
    run = reports.build_run({"db1": _result([_socket(6379, "redis-server")]), "web1": _result()}, STARTED, FINISHED)
    page = render_html(run)
    assert '<input type="search" id="filter"' in page
    assert '<tr class="h" data-q="6379/tcp redis-server"><td>db1</td>' in page
    # The script selects exactly the rows the report draws.
    assert "#fleet tbody tr, #hosts tbody tr.h, #findings tbody tr" in page
    assert '<table id="findings"><thead>' in page and '<table id="fleet"><thead>' in page


def test_the_thousand_host_report_fits_the_size_budget(big_html):
    # 1,000 hosts with 3 findings each: at most 2 MB.
    assert len(big_html.encode("utf-8")) <= 2_000_000


# -- Markdown --------------------------------------------------------------------------------

def test_markdown_starts_with_the_fleet_view(big_run):
    text = render_markdown(big_run)
    first = big_run["by_finding"][0]
    line = "- **%s** %s `%s/%s` %s on %d hosts: %s (+%d)" % (
        first["severity"], first["kind"], first["port"], first["protocol"], first["process"], first["host_count"],
        ", ".join(first["hosts"][:6]), first["host_count"] - 6)
    assert line in text
    assert text.index("## Fleet view") < text.index("## Hosts") < text.index("## Findings")


def test_markdown_fleet_view_escapes_host_names():
    run = reports.build_run({"a|b": _result([_socket(6379, "red|is")])}, STARTED, FINISHED)
    assert "- **high** unexpected `6379/tcp` red\\|is on 1 host: a\\|b" in render_markdown(run)


# -- JUnit -----------------------------------------------------------------------------------

def test_grouped_junit_has_one_testcase_per_grouped_finding(big_run):
    root = ET.fromstring(render_junit(big_run, grouping="finding"))
    (suite,) = root.findall("testsuite")
    failures = [case for case in suite.findall("testcase") if case.find("failure") is not None]
    assert len(failures) == len(big_run["by_finding"])
    first = big_run["by_finding"][0]
    assert failures[0].get("name") == "%s/%s %s" % (first["port"], first["protocol"], first["process"])
    assert "on %d hosts" % first["host_count"] in failures[0].find("failure").get("message")
    assert failures[0].find("failure").text.endswith("\n".join(first["hosts"]))
    assert (root.get("tests"), root.get("failures")) == (str(len(failures) + 1), str(len(failures)))


def test_grouped_junit_keeps_an_error_per_host_not_audited_and_groups_accepted(tmp_path):
    with open(os.path.join(FIXTURES, "results.json"), encoding="utf-8") as handle:
        results = json.load(handle)
    run = reports.build_run(results, STARTED, FINISHED)
    root = ET.fromstring(store.render_all(run, ["junit"], {"junit": {"grouping": "finding"}})["junit"])
    cases = {(case.get("classname"), case.get("name")): case for case in root.iter("testcase")}
    assert cases[("portwarden.audit-gone", "audit ran")].find("error").get("type") == "unreachable"
    assert "accepted by exception on 1 host: audit-drift" in cases[("portwarden.fleet.accepted", "9999/tcp debugd")].find(
        "skipped").get("message")
    assert "1 compliant: audit-clean" == cases[("portwarden.fleet", "hosts without drift")].find("system-out").text
    counts = {key: int(root.get(key)) for key in ("tests", "failures", "errors", "skipped")}
    assert counts == {"tests": len(run["by_finding"]) + 3, "failures": len(run["by_finding"]), "errors": 1, "skipped": 1}


def test_junit_per_host_is_still_the_default(big_run):
    assert len(ET.fromstring(render_junit(big_run)).findall("testsuite")) == 1000


def test_an_unknown_junit_grouping_is_refused(big_run):
    with pytest.raises(ValueError, match="JUnit grouping must be one of host, finding"):
        render_junit(big_run, grouping="port")


@pytest.mark.parametrize("hostile", [{"controls": "CIS"}, {"port": [1, 2]}, {"process": {"name": "x"}}, {"severity": "apocalyptic"}])
def test_grouping_survives_malformed_findings(hostile):
    # A host whose result is malformed is an error row; the rest of the fleet is grouped as usual.
    item = dict(_socket(6379, "redis-server"), **hostile)
    run = reports.build_run({"h1": _result([item]), "h2": _result([_socket(23, "telnetd", "critical")])}, STARTED, FINISHED)
    assert run["hosts"]["h1"]["status"] == "error"
    assert [group["hosts"] for group in run["by_finding"]] == [["h2"]]
    render_html(run)
    render_markdown(run)
    ET.fromstring(render_junit(run, grouping="finding"))
