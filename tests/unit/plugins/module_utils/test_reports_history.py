# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Each host's last runs: briefs carried from run to run, and the HTML history section."""

from __future__ import annotations

import copy
import json
import os
from html.parser import HTMLParser

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.reports import _reports as reports
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_history import (
    carry_history,
    history_section,
    run_brief,
)
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_html import render_html

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "reports")


@pytest.fixture()
def results():
    with open(os.path.join(FIXTURES, "results.json"), encoding="utf-8") as handle:
        return json.load(handle)


def chain(results_per_run, keep=10):
    """Build runs one after the other, each carrying the history of the one before (as audit_report does)."""
    previous = None
    for day, results in enumerate(results_per_run, start=1):
        run = reports.build_run(results, "2026-01-%02dT12:00:00Z" % day, "2026-01-%02dT12:00:05Z" % day, previous=previous)
        run["history"] = carry_history(previous, keep)
        previous = json.loads(reports.render_json(run))
    return previous


def test_brief_holds_status_and_counts(results):
    run = reports.build_run(results, "2026-01-25T12:00:00Z", "2026-01-25T12:00:05Z")
    brief = run_brief(run)
    assert brief["run_id"] == "20260125T120000Z"
    assert brief["hosts"]["audit-clean"] == {"status": "compliant", "findings": 0, "critical": 0, "high": 0, "medium": 0}
    assert brief["hosts"]["audit-drift"]["status"] == "drift"
    assert brief["hosts"]["audit-drift"]["findings"] == run["hosts"]["audit-drift"]["summary"]["findings"]
    assert brief["hosts"]["audit-gone"]["status"] == "unreachable"


@pytest.mark.parametrize("runs, keep, expected", [(1, 10, []), (2, 10, ["20260101T120000Z"]),
                                                  (4, 10, ["20260103T120000Z", "20260102T120000Z", "20260101T120000Z"]),
                                                  (5, 2, ["20260104T120000Z", "20260103T120000Z"]), (3, 0, [])])
def test_history_is_carried_newest_first_and_capped(results, runs, keep, expected):
    last = chain([results] * runs, keep)
    assert [brief["run_id"] for brief in last["history"]] == expected


@pytest.mark.parametrize(
    "history",
    [
        "not a list",
        [None, 3, "x", {"run_id": 5, "hosts": {}}, {"run_id": "r", "hosts": []}],
        [{"run_id": "r" * 500, "finished": ["x"],
          "hosts": {"h": {"status": "pwned", "findings": 1},
                    "g": {"status": "drift", "findings": -3, "high": True},
                    "<b>": {"status": "drift", "findings": 2}}}],
    ],
)
def test_a_hostile_previous_document_is_cleaned(results, history):
    previous = json.loads(reports.render_json(reports.build_run(results, "2026-01-01T12:00:00Z", "2026-01-01T12:00:05Z")))
    previous["history"] = history
    previous["hosts"]["evil"] = "not a record"
    carried = carry_history(previous)
    assert carried[0]["run_id"] == "20260101T120000Z"
    assert "evil" not in carried[0]["hosts"]
    for brief in carried[1:]:
        assert isinstance(brief["run_id"], str) and len(brief["run_id"]) <= 64
        assert brief["finished"] is None or isinstance(brief["finished"], str)
        for host in brief["hosts"].values():
            assert host["status"] in reports.STATUS_ORDER
            assert all(isinstance(host[key], int) and host[key] >= 0 and not isinstance(host[key], bool)
                       for key in ("findings", "critical", "high", "medium"))
    html_text = history_section(dict(reports.build_run(results, "2026-01-02T12:00:00Z", "2026-01-02T12:00:05Z"),
                                     history=carried))
    assert "<b>" not in html_text


class Cells(HTMLParser):
    """Rows of the history table: [[host, cell, cell, ...], ...] and each cell's class."""

    def __init__(self):
        super().__init__()
        self.rows, self.classes, self.inside = [], [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id") == "history":
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
            self.classes.append([])
        elif self.inside and tag == "td":
            self.rows[-1].append("")
            self.classes[-1].append(attrs.get("class"))

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False

    def handle_data(self, data):
        if self.inside and self.rows and self.rows[-1]:
            self.rows[-1][-1] += data


def test_html_shows_when_drift_appeared(results):
    clean = copy.deepcopy(results)
    clean["audit-drift"] = copy.deepcopy(results["audit-clean"])
    last_results = copy.deepcopy(results)
    del last_results["audit-gone"]
    previous = chain([clean, clean, results])
    run = reports.build_run(last_results, "2026-01-04T12:00:00Z", "2026-01-04T12:00:05Z", previous=previous)
    run["history"] = carry_history(previous)
    parser = Cells()
    parser.feed(render_html(run))
    rows = {row[0]: row[1:] for row in parser.rows if row}
    classes = {row[0]: cls[1:] for row, cls in zip(parser.rows, parser.classes) if row}
    findings = str(run["hosts"]["audit-drift"]["summary"]["findings"])
    # Oldest first: two clean runs, then drift on day 3 and 4.
    assert rows["audit-drift"] == ["0", "0", findings, findings]
    assert classes["audit-drift"][:2] == ["c-ok", "c-ok"] and classes["audit-drift"][2] == "c-unexpected"
    # Unreachable on days 1-3, absent from this run.
    assert rows["audit-gone"] == ["unrea", "unrea", "unrea", "\u2013"]
    # Compliant in every run: counted, not listed.
    assert "audit-clean" not in rows
    assert "1 host compliant in every run shown." in render_html(run)


def test_first_run_says_there_is_no_history(results):
    run = reports.build_run(results, "2026-01-04T12:00:00Z", "2026-01-04T12:00:05Z")
    assert "No earlier run recorded" in render_html(run)
