# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""audit_report: the module that writes the fleet reports on the controller."""

from __future__ import annotations

import json
import re
import os

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.portwarden.hardening.plugins.modules import audit_report

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "reports")


@pytest.fixture()
def results():
    with open(os.path.join(FIXTURES, "results.json"), encoding="utf-8") as handle:
        return json.load(handle)


def _run(capsys, args):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            audit_report.main()
    return json.loads(capsys.readouterr().out)


def test_writes_every_requested_format_and_a_history_copy(capsys, tmp_path, results):
    out = _run(capsys, {"results": results, "dest": str(tmp_path), "started": "2026-01-25T12:00:00Z",
                        "formats": ["json", "junit", "html", "markdown", "prometheus"]})
    assert out["changed"] is True
    assert sorted(os.listdir(tmp_path)) == ["history", "latest.html", "latest.json", "latest.junit.xml", "latest.md", "latest.prom"]
    assert out["history_file"] == str(tmp_path / "history" / "20260125T120000Z.json")
    assert out["drifting"] == ["audit-drift"]
    assert out["failed_hosts"] == ["audit-gone"]
    assert out["compliant"] is False
    assert out["lines"]["audit-clean"] == "audit-clean: COMPLIANT; 2 listeners as declared"
    assert "prometheus" not in out


def test_check_mode_writes_nothing(capsys, tmp_path, results):
    dest = tmp_path / "reports"
    out = _run(capsys, {"results": results, "dest": str(dest), "_ansible_check_mode": True})
    assert not dest.exists()
    assert out["files"]["json"] == str(dest / "latest.json")
    assert out["history_file"] is None


def test_second_run_reports_changes_since_the_first(capsys, tmp_path, results):
    _run(capsys, {"results": results, "dest": str(tmp_path), "started": "2026-01-25T12:00:00Z"})
    del results["audit-clean"]
    out = _run(capsys, {"results": results, "dest": str(tmp_path), "started": "2026-01-26T12:00:00Z"})
    assert out["changes"]["previous_run_id"] == "20260125T120000Z"
    assert out["changes"]["hosts_not_in_this_run"] == ["audit-clean"]
    assert len(os.listdir(tmp_path / "history")) == 2


def test_a_corrupt_previous_report_is_a_warning(capsys, monkeypatch, tmp_path, results):
    # Where warnings end up depends on what else the test process imported (the controller
    # takes them over), so record the call itself.
    warned = []
    monkeypatch.setattr(audit_report.AnsibleModule, "warn", lambda self, message: warned.append(message))
    (tmp_path / "latest.json").write_text("{truncated")
    out = _run(capsys, {"results": results, "dest": str(tmp_path)})
    assert out["changes"] is None
    assert any("not valid JSON" in message for message in warned)


def test_returns_each_hosts_textfile_on_request(capsys, tmp_path, results):
    out = _run(capsys, {"results": results, "dest": str(tmp_path), "return_prometheus": True, "formats": []})
    assert sorted(out["prometheus"]) == ["audit-clean", "audit-drift", "audit-gone"]
    assert 'portwarden_compliant{host="audit-drift"} 0' in out["prometheus"]["audit-drift"]
    assert "audit-clean" not in out["prometheus"]["audit-drift"]


@pytest.mark.parametrize("args, message", [
    ({"history": -1}, "history must be 0 or more"),
    ({"started": "yesterday"}, "cannot build the report"),
    ({"formats": ["pdf"]}, "value of formats must be one or more of"),
])
def test_bad_arguments_fail_cleanly(capsys, tmp_path, results, args, message):
    out = _run(capsys, dict({"results": results, "dest": str(tmp_path)}, **args))
    assert out["failed"] is True
    assert message in out["msg"]


def test_previous_from_a_url_gives_the_changes_in_a_fresh_directory(capsys, tmp_path, results):
    """An AWX/CI job starts with an empty report directory; the previous run comes over HTTP."""
    import http.server
    import threading

    first = tmp_path / "first"
    _run(capsys, {"results": results, "dest": str(first), "started": "2026-01-25T12:00:00Z", "formats": ["json"]})
    body = (first / "latest.json").read_bytes()

    class Store(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            ok = self.path == "/portwarden/latest.json" and self.headers.get("X-Token") == "s3cret-token"
            self.send_response(200 if ok else 404)
            self.end_headers()
            self.wfile.write(body if ok else b"")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Store)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = "http://127.0.0.1:%d/portwarden/latest.json" % server.server_address[1]
        del results["audit-clean"]
        out = _run(capsys, {"results": results, "dest": str(tmp_path / "fresh"), "started": "2026-01-26T12:00:00Z",
                            "previous": url, "previous_headers": {"X-Token": "s3cret-token"}})
    finally:
        server.shutdown()
        server.server_close()
    assert out["changes"]["previous_run_id"] == "20260125T120000Z"
    assert out["changes"]["hosts_not_in_this_run"] == ["audit-clean"]


def test_each_run_carries_the_history_of_the_runs_before(capsys, tmp_path, results):
    for day in (1, 2, 3):
        _run(capsys, {"results": results, "dest": str(tmp_path), "started": "2026-01-0%dT12:00:00Z" % day,
                      "formats": ["json", "html"], "history_runs": 5})
    document = json.loads((tmp_path / "latest.json").read_text())
    assert [brief["run_id"] for brief in document["history"]] == ["20260102T120000Z", "20260101T120000Z"]
    page = (tmp_path / "latest.html").read_text()
    assert '<table id="history"' in page and page.count("<code>2026010") >= 3
    out = _run(capsys, {"results": results, "dest": str(tmp_path), "history_runs": -1})
    assert out["failed"] is True and "history_runs must be 0 or more" in out["msg"]


@pytest.mark.parametrize("grouping, suites", [("host", ["audit-clean", "audit-drift", "audit-gone"]), ("finding", ["fleet"])])
def test_junit_grouping_chooses_suites_per_host_or_one_fleet_suite(capsys, tmp_path, results, grouping, suites):
    _run(capsys, {"results": results, "dest": str(tmp_path), "formats": ["junit"], "junit_grouping": grouping})
    text = (tmp_path / "latest.junit.xml").read_text(encoding="utf-8")
    assert re.findall(r'<testsuite name="([^"]+)"', text) == suites
