# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The reports say which variable each allowlist entry came from."""

from __future__ import annotations

import json
import os

from ansible_collections.portwarden.hardening.plugins.module_utils.reports import _reports as reports
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist import parse_allowlist
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist_compose import compose_allowlist
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_html import render_html

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "reports")


def test_json_and_html_name_the_variable_of_each_entry():
    with open(os.path.join(FIXTURES, "results.json"), encoding="utf-8") as handle:
        results = json.load(handle)
    entries = parse_allowlist(compose_allowlist({
        "portwarden_allowlist": [{"port": 22}],
        "portwarden_allowlist__50_<web>": [{"port": "8000-8100"}],
        "portwarden_allowlist__90_host": [{"port": 8080, "state": "absent"}],
    }))
    run = reports.build_run(results, "2026-01-25T12:00:00Z", "2026-01-25T12:00:05Z", allowlists={"audit-drift": entries})
    document = json.loads(reports.render_json(run))
    [group] = document["allowlists"]
    assert [(entry["port"], entry["origin"]) for entry in group["entries"]] == [
        (22, "portwarden_allowlist"), ("8000-8079", "portwarden_allowlist__50_<web>"),
        ("8081-8100", "portwarden_allowlist__50_<web>")]
    page = render_html(run)
    assert "<th>Declared in</th>" in page
    assert "<td>portwarden_allowlist__50_&lt;web&gt;</td>" in page
    assert "portwarden_allowlist__50_<web>" not in page
