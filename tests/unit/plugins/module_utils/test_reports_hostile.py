# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reports over hostile host results: one bad host never costs the fleet its report.

A host's port_audit result is whatever the host sent. A malformed one becomes an ``error``
row in every format while the other hosts are reported as usual; command lines are cut and
redacted; the Markdown shows host strings literally; files and directories are private.
"""

from __future__ import annotations

import copy
import json
import os
import random
import stat
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.portwarden.hardening.plugins.module_utils.reports import _reports as reports
from ansible_collections.portwarden.hardening.plugins.module_utils.reports import _reports_store as store
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_markdown import render_markdown

STARTED = "2026-01-25T12:00:00Z"
FINISHED = "2026-01-25T12:00:07Z"
FORMATS = sorted(store.RENDERERS)

FINDING = {
    "protocol": "tcp", "family": "ipv4", "address": "0.0.0.0", "interface": None, "port": 8081, "v6only": None,
    "exposure": "wildcard", "dual_stack": False, "inode": 42, "pid": 812, "pids": [812], "process": "python3",
    "exe": "/usr/bin/python3.11", "cmdline": "python3 -m http.server 8081", "truncated": False, "user": "eve",
    "uid": 1000, "unit": None, "severity": "high", "reason": "8081/tcp is not in the allowlist",
    "controls": ["CIS"], "exposed_families": ["ipv4"], "allowlist_entry": None,
}
GOOD = {"compliant": False, "method": "netlink", "drift": {"unexpected": [FINDING], "missing": [], "mismatched": []},
        "accepted": [], "listening": [{k: FINDING[k] for k in ("protocol", "address", "port", "process", "exposure")}]}
CLEAN = {"compliant": True, "method": "netlink", "drift": {"unexpected": [], "missing": [], "mismatched": []},
         "accepted": [], "listening": []}


def good():
    return copy.deepcopy(GOOD)


def planted(path, value):
    """GOOD with ``value`` put at ``path`` (keys and list indexes)."""
    result = good()
    target = result
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return result


def render_every_format(results):
    run = reports.build_run(results, STARTED, FINISHED)
    return run, {fmt: store.RENDERERS[fmt](run) for fmt in FORMATS}


def assert_well_formed(run, rendered):
    assert json.loads(rendered["json"])["hosts"].keys() == run["hosts"].keys()
    ET.fromstring(rendered["junit"])
    for text in rendered.values():
        text.encode("utf-8")


MALFORMED = [
    (("drift", "unexpected", 0, "port"), [1], "drift.unexpected[0] port"),
    (("drift", "unexpected", 0, "controls"), 5, "drift.unexpected[0] controls"),
    (("drift", "unexpected", 0, "process"), "x\udc80y", "drift.unexpected[0] process"),
    (("drift", "unexpected", 0, "reason"), {"a": 1}, "drift.unexpected[0] reason"),
    (("drift", "unexpected", 0, "severity"), "catastrophic", "drift.unexpected[0] severity"),
    (("drift", "unexpected", 0, "pid"), "812", "drift.unexpected[0] pid"),
    (("drift", "unexpected", 0, "pids"), [None], "drift.unexpected[0] pids"),
    (("drift", "unexpected", 0, "dual_stack"), "yes", "drift.unexpected[0] dual_stack"),
    (("drift", "unexpected", 0, "allowlist_entry"), {"label": 5}, "drift.unexpected[0] allowlist_entry label"),
    (("drift", "unexpected", 0), "not a finding", "drift.unexpected[0] is not a mapping"),
    (("drift", "unexpected"), {"0": FINDING}, "drift.unexpected is not a list"),
    (("drift",), [FINDING], "drift is not a mapping"),
    (("listening",), "all of them", "listening is not a list"),
    (("listening", 0, "address"), 127, "listening[0] address"),
    (("accepted",), [{"port": 1, "exception": {"reason": ["x"]}}], "accepted[0] exception reason"),
    (("method",), "\ud800", "method"),
]


@pytest.mark.parametrize("path, value, where", MALFORMED, ids=[where for _p, _v, where in MALFORMED])
def test_a_malformed_host_is_an_error_row_in_every_format_and_the_others_are_reported(path, value, where):
    run, rendered = render_every_format({"bad": planted(path, value), "good": good(), "clean": copy.deepcopy(CLEAN)})
    assert run["hosts"]["bad"]["status"] == "error"
    assert where in run["hosts"]["bad"]["error"]
    assert run["hosts"]["good"]["status"] == "drift" and run["hosts"]["clean"]["status"] == "compliant"
    assert run["summary"]["error"] == 1
    assert_well_formed(run, rendered)
    junit = ET.fromstring(rendered["junit"])
    suites = {suite.get("name"): suite for suite in junit.iter("testsuite")}
    assert int(suites["bad"].get("errors")) >= 1 and int(suites["good"].get("failures")) >= 1
    assert "| bad | error |" in rendered["markdown"]
    assert 'host="bad"' in rendered["prometheus"] and 'host="good"' in rendered["prometheus"]
    assert "bad" in rendered["html"] and "8081" in rendered["html"]


# -- property test: whatever a host sends, every writer produces a well-formed report --------

_TEXT = st.text(alphabet=st.characters(), max_size=20) | st.sampled_from(
    ["<script>alert(1)</script>", "**bold** [x](http://evil)", "line\nbreak", "a|b", "\x00\x1b[31m", "\udc80"])
_SCALAR = st.none() | st.booleans() | st.integers(-2 ** 70, 2 ** 70) | st.floats(allow_nan=True) | _TEXT
_VALUE = st.recursive(
    _SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3), max_leaves=8)
_KEYS = sorted(set(FINDING) | {
    "kind", "ports", "exception", "exception_expired", "label", "comment", "owner", "expires", "entry", "id"})


@st.composite
def hostile_results(draw):
    """GOOD with some of its values replaced by anything JSON-like, or a whole part replaced."""
    result = good()
    for _step in range(draw(st.integers(1, 4))):
        where = draw(st.sampled_from(["finding", "listening", "top", "drift"]))
        value = draw(_VALUE)
        try:
            if where == "finding":
                result["drift"]["unexpected"][0][draw(st.sampled_from(_KEYS))] = value
            elif where == "listening":
                result["listening"][0][draw(st.sampled_from(_KEYS))] = value
            elif where == "drift":
                result["drift"][draw(st.sampled_from(["unexpected", "missing", "mismatched"]))] = value
            else:
                result[draw(st.sampled_from(["drift", "accepted", "listening", "method", "compliant", "msg", "failed"]))] = value
        except (TypeError, KeyError, IndexError):
            continue  # an earlier step replaced the container itself
    return result


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True)
@given(hostile=hostile_results())
def test_any_host_result_leaves_every_report_well_formed(hostile):
    run, rendered = render_every_format({"hostile": hostile, "good": good(), "clean": copy.deepcopy(CLEAN)})
    assert_well_formed(run, rendered)
    assert run["hosts"]["good"]["status"] == "drift" and run["hosts"]["clean"]["status"] == "compliant"
    assert run["hosts"]["hostile"]["status"] in ("error", "drift", "compliant")


def test_a_seeded_fuzz_of_whole_results_never_stops_the_report():
    """Beyond the planted values: whole results of random shape, from a fixed seed."""
    rng = random.Random(20261205)
    atoms = [None, True, 0, -1, 2 ** 64, 1.5, float("nan"), "", "x\udc80", "<b>", "|", "\n", [], {}, [1], {"a": None}]

    def anything(depth=0):
        if depth > 3 or rng.random() < 0.4:
            return rng.choice(atoms)
        if rng.random() < 0.5:
            return [anything(depth + 1) for _item in range(rng.randint(0, 3))]
        keys = rng.sample(_KEYS + ["drift", "compliant", "accepted", "listening", "unexpected"], rng.randint(0, 4))
        return {key: anything(depth + 1) for key in keys}

    for _case in range(300):
        hostile = anything()
        if rng.random() < 0.5:
            hostile = {"compliant": rng.choice([True, False]), "drift": {"unexpected": [anything()]},
                       "listening": [anything()], "accepted": [anything()]}
        run, rendered = render_every_format({"hostile": hostile, "good": good()})
        assert_well_formed(run, rendered)
        assert run["hosts"]["good"]["status"] == "drift"


# -- command lines --------------------------------------------------------------------------

@pytest.mark.parametrize("cmdline, expected", [
    ("redis-server *:6379 --requirepass hunter2", "redis-server *:6379 --requirepass <redacted>"),
    ("app --password=hunter2 --port 80", "app --password=<redacted> --port 80"),
    ("app --db-passwd hunter2", "app --db-passwd <redacted>"),
    ("env MYSQL_ROOT_PASSWORD=hunter2 mysqld", "env MYSQL_ROOT_PASSWORD=<redacted> mysqld"),
    ("agent --api-key abc123 --token=xyz", "agent --api-key <redacted> --token=<redacted>"),
    ("worker amqp://guest:hunter2@rabbit:5672/", "worker amqp://guest:<redacted>@rabbit:5672/"),
    ("curl https://x/?token=abc&x=1", "curl https://x/?token=<redacted>&x=1"),
    ("nginx: master process /usr/sbin/nginx", "nginx: master process /usr/sbin/nginx"),
    (None, None),
])
def test_password_like_arguments_are_redacted(cmdline, expected):
    assert reports.redact_cmdline(cmdline) == expected


def test_command_lines_in_reports_are_trimmed_and_redacted():
    result = planted(("drift", "unexpected", 0, "cmdline"), "redis-server --requirepass hunter2 " + "A" * 5000)
    run, rendered = render_every_format({"host": result})
    shown = run["hosts"]["host"]["drift"]["unexpected"][0]["cmdline"]
    assert len(shown) <= reports.REPORT_CMDLINE_CHARS + 10 and shown.endswith("[...]")
    for fmt, text in rendered.items():
        assert "hunter2" not in text, fmt
        assert "A" * 400 not in text, fmt


# -- Markdown -------------------------------------------------------------------------------

@pytest.mark.parametrize("process", [
    "<img src=x onerror=alert(1)>", "**bold**", "[click](http://evil.example)", "`code`", "a|b|c",
    "line\nbreak\r\n# heading", "_under_", "![img](x)", "https://evil.example/", "www.evil.example", "&lt;",
])
def test_markdown_shows_host_strings_literally(process):
    result = planted(("drift", "unexpected", 0, "process"), process)
    result["drift"]["unexpected"][0]["reason"] = process
    text = render_markdown(reports.build_run({"h<b>|": result}, STARTED, FINISHED))
    row = [line for line in text.splitlines() if "8081/tcp" in line and "| h" in line][0]
    assert "<" not in row.replace("&lt;", "") and "\n" not in row
    for marker in ("**", "](", "![", "`code`", "_under_", "https://", "www."):
        if marker in process:
            assert marker not in row.replace("`8081/tcp on 0.0.0.0`", ""), (marker, row)
    # Every table row keeps its cells: escaped pipes do not split a cell.
    cells = row.replace("\\|", "").count("|")
    assert cells == 7


# -- files ----------------------------------------------------------------------------------

def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_reports_are_private_by_default(tmp_path):
    run, rendered = render_every_format({"host": good()})
    dest = tmp_path / "reports" / "nested"
    outcome = store.store(run, rendered, str(dest), history=3)
    assert _mode(dest) == 0o700 and _mode(dest.parent) == 0o700 and _mode(dest / "history") == 0o700
    assert all(_mode(path) == 0o600 for path in outcome["written"] if os.path.isfile(path))
    assert _mode(outcome["history_file"]) == 0o600


def test_modes_are_configurable_and_an_existing_directory_keeps_its_own(tmp_path):
    run, rendered = render_every_format({"host": good()})
    tmp_path.chmod(0o755)
    outcome = store.store(run, rendered, str(tmp_path), history=1, mode=0o640, directory_mode=0o750)
    assert _mode(tmp_path) == 0o755
    assert _mode(tmp_path / "history") == 0o750
    assert all(_mode(path) == 0o640 for path in outcome["written"] if os.path.isfile(path))


def test_an_earlier_lax_report_is_made_private_and_that_is_a_change(tmp_path):
    run, rendered = render_every_format({"host": good()})
    store.store(run, rendered, str(tmp_path), history=0)
    (tmp_path / "latest.json").chmod(0o644)
    again = store.store(run, rendered, str(tmp_path), history=0)
    assert again["written"] == [str(tmp_path / "latest.json")]
    assert _mode(tmp_path / "latest.json") == 0o600
    assert store.store(run, rendered, str(tmp_path), history=0)["written"] == []


@pytest.mark.parametrize("value, expected", [("0600", 0o600), ("600", 0o600), (0o640, 0o640), ("0750", 0o750)])
def test_parse_mode(value, expected):
    assert store.parse_mode(value, "mode") == expected


@pytest.mark.parametrize("value", ["rw-------", "0800", "", True, "99999", -1])
def test_parse_mode_rejects_and_names_the_option(value):
    with pytest.raises(ValueError, match="mode"):
        store.parse_mode(value, "mode")
