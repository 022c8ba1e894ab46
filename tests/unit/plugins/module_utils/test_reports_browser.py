# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The 1,000-host HTML report in a real browser: Debian's chromium, headless.

The page is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``: JSON
messages ending in NUL on file descriptors 3 and 4), so nothing listens on a port and no
client library is needed. It proves what no string test can: the browser renders the fleet
view, the Content-Security-Policy lets the filter script run (its hash) and blocks
nothing else, and typing in the filter box narrows the fleet view, hosts and findings.

`make unit` installs chromium first (scripts/ensure-chromium.sh) and names it in
PORTWARDEN_CHROMIUM. Without a browser this test fails and says how to get one; set
PORTWARDEN_SKIP_BROWSER=1 to skip it on purpose.
"""

from __future__ import annotations

import importlib.util
import json
import os
import select
import shutil
import subprocess
import sys
import time

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.reports import _reports as reports
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_html import render_html

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "reports")
TIMEOUT = 90.0
# What the page reports about itself after each step.
PROBE = """(() => {
  const visible = (selector) => Array.from(document.querySelectorAll(selector)).filter((el) => el.offsetParent !== null);
  const fleet = document.getElementById("fleet");
  return JSON.stringify({
    fleetRows: visible("#fleet tbody tr").length,
    fleetShown: !!fleet && fleet.getBoundingClientRect().height > 0,
    fleetFirst: fleet ? fleet.querySelector("tbody tr").innerText : "",
    fleetTop: fleet ? fleet.getBoundingClientRect().top + window.scrollY : -1,
    hostsTop: document.getElementById("hosts").getBoundingClientRect().top + window.scrollY,
    hosts: visible("#hosts tbody tr.h").map((row) => row.cells[0].textContent),
    findings: visible("#findings tbody tr").length,
    count: document.getElementById("filter-count").textContent,
    violations: window.__violations || [],
  });
})()"""
RECORD_VIOLATIONS = """window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => window.__violations.push(event.violatedDirective));"""


def _chromium():
    if os.environ.get("PORTWARDEN_SKIP_BROWSER") == "1":
        pytest.skip("PORTWARDEN_SKIP_BROWSER=1: the headless-browser check is skipped on request")
    path = os.environ.get("PORTWARDEN_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("headless Chromium is needed for this test and is not installed: run scripts/ensure-chromium.sh "
                    "(make unit does), or set PORTWARDEN_SKIP_BROWSER=1 to skip it on purpose")
    return path


class DevTools:
    """A DevTools protocol client over the pipe chromium opens with --remote-debugging-pipe."""

    def __init__(self, binary: str, profile: str):
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # The browser reads commands on fd 3 and writes answers on fd 4: a one-line exec puts our pipes there.
        # Copies first, so neither end is overwritten when a pipe already got fd 3 or 4; and dup2 onto the same
        # number keeps close-on-exec, so it is cleared explicitly.
        wrapper = ("import os, sys; r, w = os.dup(int(sys.argv[1])), os.dup(int(sys.argv[2])); os.dup2(r, 3); os.dup2(w, 4); "
                   "os.set_inheritable(3, True); os.set_inheritable(4, True); os.execv(sys.argv[3], sys.argv[3:])")
        argv = [sys.executable, "-c", wrapper, str(to_browser_r), str(from_browser_w), binary, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile, "--remote-debugging-pipe", "--window-size=1280,2000", "about:blank"]
        self.process = subprocess.Popen(argv, pass_fds=(to_browser_r, from_browser_w), stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events = []

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                raise AssertionError("chromium did not answer within %.0f s" % TIMEOUT)
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise AssertionError("chromium closed the DevTools pipe: %s" % self.process.stderr.read().decode()[-2000:])
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, params=None, session=None) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            answer = self._read_message(deadline)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise AssertionError("%s failed: %s" % (method, answer["error"]))
                return answer.get("result", {})
            self.events.append(answer)

    def close(self):
        try:
            self.call("Browser.close")
        except (AssertionError, OSError):
            pass
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


class Tab:
    """One page of the browser, opened on a URL and loaded."""

    def __init__(self, browser: DevTools, url: str):
        self.browser = browser
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        browser.call("Page.enable", session=self.session)
        browser.call("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_VIOLATIONS}, session=self.session)
        # about:blank carries a mark; the page is loaded once a complete document without it answers.
        self.evaluate("window.__old = true")
        browser.call("Page.navigate", {"url": url}, session=self.session)
        deadline = time.monotonic() + TIMEOUT
        while not self.evaluate('!window.__old && document.readyState === "complete"'):
            assert time.monotonic() < deadline, "the report did not load within %.0f s" % TIMEOUT
            time.sleep(0.1)

    def evaluate(self, expression: str):
        answer = self.browser.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=self.session)
        assert "exceptionDetails" not in answer, answer
        return answer["result"].get("value")

    def probe(self) -> dict:
        return json.loads(self.evaluate(PROBE))

    def type_filter(self, text: str) -> dict:
        self.evaluate('(() => { const box = document.getElementById("filter"); box.value = ""; '
                      'box.dispatchEvent(new Event("input")); box.focus(); })()')
        if text:
            # Typed as a user would: the page's own input listener has to react.
            self.browser.call("Input.insertText", {"text": text}, session=self.session)
        return self.probe()


@pytest.fixture(scope="module")
def fleet_run():
    spec = importlib.util.spec_from_file_location("synthetic_fleet", os.path.join(FIXTURES, "synthetic.py"))
    synthetic = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synthetic)
    return reports.build_run(synthetic.fleet_results(1000, 3, unreachable_every=250), "2026-01-25T12:00:00Z",
                             "2026-01-25T12:03:00Z")


@pytest.fixture(scope="module")
def browser(fleet_run, tmp_path_factory):
    """(the browser, the report's file URL)."""
    binary = _chromium()
    workdir = tmp_path_factory.mktemp("browser")
    report = workdir / "latest.html"
    report.write_text(render_html(fleet_run), encoding="utf-8")
    client = DevTools(binary, str(workdir / "profile"))
    try:
        yield client, report.as_uri()
    finally:
        client.close()


@pytest.fixture(scope="module")
def page(browser):
    client, url = browser
    return Tab(client, url)


def _hosts_with(run, predicate):
    return {name for name, record in run["hosts"].items() for item in reports.all_findings(record) if predicate(item)}


def test_the_fleet_view_renders_first(page, fleet_run):
    state = page.probe()
    assert state["fleetShown"]
    assert state["fleetRows"] == len(fleet_run["by_finding"])
    first = fleet_run["by_finding"][0]
    assert "%s/%s" % (first["port"], first["protocol"]) in state["fleetFirst"]
    assert "+%d more" % (first["host_count"] - 8) in state["fleetFirst"]
    assert state["fleetTop"] < state["hostsTop"]
    assert len(state["hosts"]) == 1000
    assert state["hosts"][:3] == ["h1", "h2", "h3"]
    assert state["violations"] == []


def test_the_filter_narrows_hosts_and_findings_by_process(page, fleet_run):
    state = page.type_filter("redis")
    expected = _hosts_with(fleet_run, lambda item: item.get("process") == "redis-server")
    assert 0 < len(expected) < 1000
    assert set(state["hosts"]) == expected
    assert state["findings"] == len(expected)
    assert state["fleetRows"] == 1
    assert state["count"].startswith("1 of %d grouped findings, %d of 1000 hosts" % (len(fleet_run["by_finding"]), len(expected)))


def test_the_filter_narrows_by_port_and_host_together(page, fleet_run):
    state = page.type_filter("23/tcp h10")
    expected = {name for name in _hosts_with(fleet_run, lambda item: item.get("port") == 23) if "h10" in name}
    assert expected and set(state["hosts"]) == expected
    assert state["findings"] == len(expected)


def test_an_empty_filter_shows_everything_again(page):
    state = page.type_filter("")
    assert len(state["hosts"]) == 1000 and state["count"] == ""
    assert state["violations"] == []


def test_a_link_with_a_filter_opens_the_page_filtered(browser, fleet_run):
    client, url = browser
    state = Tab(client, url + "#filter=telnetd%20h1").probe()
    expected = {name for name in _hosts_with(fleet_run, lambda item: item.get("process") == "telnetd") if "h1" in name}
    assert expected and set(state["hosts"]) == expected
    assert state["fleetRows"] == 1
    assert state["violations"] == []
