# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""drift_check and harden publish their summaries with set_stats (what AWX/AAP keeps as job artifacts).

Runs the real playbooks over the local connection, read-only: drift_check never changes a
host, and harden runs under --check with the legacy-services and firewall steps off, so
only the audit reads this machine's sockets. The custom stats are read from the
ansible.posix.json callback, as AWX reads them from the playbook's stats event.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
BINARY = pathlib.Path(sys.executable).parent / "ansible-playbook"


def run_playbook(tmp_path, playbook, extra_vars, *args):
    extra = tmp_path / "vars.json"
    extra.write_text(json.dumps(dict({"ansible_python_interpreter": sys.executable, "ansible_become": False,
                                      "portwarden_report_dir": str(tmp_path / "reports"),
                                      "portwarden_report_formats": ["json"]}, **extra_vars)))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
               ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_SHOW_CUSTOM_STATS="1")
    run = subprocess.run(
        [str(BINARY), "-i", "pw-one,pw-two,", "-c", "local", "-e", "@%s" % extra, *args, str(ROOT / "playbooks" / playbook)],
        capture_output=True, text=True, env=env, timeout=300, check=False, cwd=str(tmp_path),
    )
    assert run.stdout.strip(), run.stderr
    return run, json.loads(run.stdout)


ALLOWLIST = {"portwarden_allowlist": [{"port": 1, "comment": "nothing listens here"}],
             "portwarden_allowlist__90_extra": [{"port": 2, "required": True}]}


@pytest.mark.skipif(not BINARY.exists(), reason="ansible-playbook is not installed next to this Python")
def test_drift_check_publishes_the_fleet_and_each_host(tmp_path):
    run, output = run_playbook(tmp_path, "drift_check.yml", ALLOWLIST)
    assert run.returncode == 0, run.stdout + run.stderr
    drift = output["global_custom_stats"]["portwarden_drift"]
    report = json.loads((tmp_path / "reports" / "latest.json").read_text())
    assert drift["run_id"] == report["run_id"]
    assert drift["compliant"] is False  # port 2 is required and nothing listens on it
    assert drift["totals"] == report["summary"]
    assert drift["totals"]["hosts"] == 2
    assert sorted(drift["hosts"]) == ["pw-one", "pw-two"]
    for name, host in drift["hosts"].items():
        assert host["status"] == report["hosts"][name]["status"] == "drift"
        assert host["summary"]["missing"] == 1
    assert drift["drifting"] == ["pw-one", "pw-two"]
    assert drift["failed_hosts"] == []


@pytest.mark.skipif(not BINARY.exists(), reason="ansible-playbook is not installed next to this Python")
def test_drift_check_publishes_nothing_when_told_not_to(tmp_path):
    run, output = run_playbook(tmp_path, "drift_check.yml", dict(ALLOWLIST, portwarden_report_set_stats=False))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "portwarden_drift" not in output.get("global_custom_stats", {})


@pytest.mark.skipif(not BINARY.exists(), reason="ansible-playbook is not installed next to this Python")
def test_harden_publishes_each_host_and_the_totals(tmp_path):
    run, output = run_playbook(tmp_path, "harden.yml",
                               dict(ALLOWLIST, portwarden_harden_legacy_services=False, portwarden_harden_firewall=False,
                                    portwarden_serial=1),
                               "--check")
    assert run.returncode == 0, run.stdout + run.stderr
    stats = output["global_custom_stats"]
    harden = stats["portwarden_harden"]
    # Both batches (serial: 1) add their host; the totals count every host summarised.
    assert sorted(harden["hosts"]) == ["pw-one", "pw-two"]
    for host in harden["hosts"].values():
        assert host["legacy_services"] == "skipped"
        assert host["firewall"] == "skipped"
        assert host["audit"] == "drift"
        assert int(host["findings"]) >= 1
    totals = harden["totals"]
    assert int(totals["hosts"]) == 2
    assert int(totals["drift"]) == 2
    assert int(totals["compliant"]) == 0
    assert int(totals["firewall_applied"]) == 0
    assert stats["portwarden_drift"]["totals"]["hosts"] == 2
