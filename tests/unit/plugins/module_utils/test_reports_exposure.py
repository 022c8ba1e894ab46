# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The live firewall's findings and each exposure's verdict in every report format."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.reports import _reports as reports
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_html import render_html
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_junit import render_junit
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_markdown import render_markdown
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_prometheus import render_prometheus

DOCKER_HOST = {
    "compliant": False,
    "drift": {"unexpected": [{"protocol": "tcp", "family": "ipv4", "address": "0.0.0.0", "port": 9090,
                              "exposure": "wildcard", "severity": "high", "process": None,
                              "reason": "9090/tcp is not in the allowlist; published by container web-denied",
                              "published": {"via": "dnat", "container_name": "web-denied"}}],
              "missing": [], "mismatched": []},
    "accepted": [], "summary": {}, "method": "netlink",
    "firewall": {"backend": "nftables", "loaded": True, "forward": True, "notes": [],
                 "findings": [{"kind": "accept_all", "severity": "high", "reason": "ipv4 INPUT accepts <everything>"},
                              {"kind": "bogus", "reason": "dropped: not a declared kind"}]},
    "effective": [
        {"protocol": "tcp", "family": "ipv4", "address": "0.0.0.0", "port": 8080, "kind": "published",
         "owner": "web-allowed", "verdict": "sources", "reason": "open to the declared sources only"},
        {"protocol": "tcp", "family": "ipv4", "address": "0.0.0.0", "port": 9090, "kind": "published",
         "owner": "web-denied", "verdict": "blocked", "reason": "published, but the live firewall drops it"},
        {"protocol": "tcp", "family": "ipv6", "address": "::", "port": 22, "kind": "listening", "owner": "sshd",
         "verdict": "exposed", "reason": "open to anyone by the live firewall"},
        {"port": 1, "verdict": "maybe"},
        "hostile",
    ],
}
PLAIN_HOST = {"compliant": True, "drift": {"unexpected": [], "missing": [], "mismatched": []}, "accepted": [],
              "summary": {}, "method": "netlink"}


@pytest.fixture(scope="module")
def run():
    return reports.build_run({"docker1": DOCKER_HOST, "plain": PLAIN_HOST}, "2026-01-25T12:00:00Z", "2026-01-25T12:00:07Z")


def test_json_carries_the_firewall_and_the_verdicts_checked(run):
    document = json.loads(reports.render_json(run))
    host = document["hosts"]["docker1"]
    assert [f["kind"] for f in host["firewall"]["findings"]] == ["accept_all"]
    assert [(e["port"], e["verdict"]) for e in host["effective"]] == [(8080, "sources"), (9090, "blocked"), (22, "exposed")]
    assert document["hosts"]["plain"]["firewall"] is None and document["hosts"]["plain"]["effective"] is None


def test_html_shows_blocked_apart_from_exposed_and_escapes(run):
    page = render_html(run)
    section = page.split("Effective exposure (live firewall)", 1)[1]
    assert section.index("exposed to anyone") < section.index("exposed to the declared sources") \
        < section.index("listening but blocked")
    assert "web-denied" in section.split("listening but blocked", 1)[1]
    assert "&lt;everything&gt;" in section and "<everything>" not in page


def test_junit_fails_the_firewall_case_and_skips_blocked_exposures(run):
    root = ET.fromstring(render_junit(run))
    suite = root.find("testsuite[@name='docker1']")
    firewall = suite.find("testcase[@name='live firewall matches the allowlist']")
    assert firewall.find("failure").get("type") == "firewall"
    cases = {case.get("name"): case for case in suite.findall("testcase[@classname='portwarden.docker1.effective']")}
    assert set(cases) == {"0.0.0.0:8080/tcp published", "0.0.0.0:9090/tcp published", "[::]:22/tcp listening"}
    assert cases["0.0.0.0:9090/tcp published"].find("skipped") is not None
    assert cases["[::]:22/tcp listening"].find("skipped") is None
    assert int(suite.get("tests")) == len(suite.findall("testcase"))
    assert root.find("testsuite[@name='plain']").find("testcase[@name='live firewall matches the allowlist']") is None


def test_markdown_lists_every_verdict_and_the_firewall_finding(run):
    text = render_markdown(run)
    assert "## Effective exposure (live firewall)" in text
    assert "| docker1 | `0.0.0.0:9090/tcp` | published | web-denied | listening but blocked |" in text
    assert "firewall accept_all (high)" in text


def test_prometheus_counts_verdicts_and_firewall_findings(run):
    text = render_prometheus(run)
    assert 'portwarden_effective_exposure{host="docker1",verdict="blocked"} 1' in text
    assert 'portwarden_firewall_findings{host="docker1",kind="accept_all"} 1' in text
    assert 'portwarden_effective_exposure{host="plain"' not in text
