# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""A bad allowlist on the last host of the last batch stops the run before the first batch changes.

Three inventory hosts, serial 1, only the third one's input bad: the harden playbook, and
the firewall role inside someone else's play, must fail in the first batch with one message
that names the bad host and entry, and run no step on any host. The hosts use the local
connection in check mode, as a second safety net.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[3]
BINARY = pathlib.Path(sys.executable).parent / "ansible-playbook"
STEPS = ("Disable legacy services on every mechanism", "Read the firewall tools, the boot files and units",
         "Apply the ruleset", "Compare listening sockets with the allowlist")
GOOD = [{"port": 22}, {"port": 443}]

CASES = {
    "last-allowlist": ({"db1": {"portwarden_allowlist": [{"port": 22}, {"port": "5432-5431"}]}},
                       ["db1: portwarden_allowlist entry #2", "5432-5431"]),
    "two-hosts": ({"web2": {"portwarden_allowlist": [{"port": 99999}]},
                   "db1": {"portwarden_allowlist": [{"port": 22, "sources": ["::ffff:10.0.0.1"]}]}},
                  ["web2: portwarden_allowlist entry #1 (port: 99999)", "db1: portwarden_allowlist entry #1", "write \\\"10.0.0.1\\\""]),
    "last-setting": ({"db1": {"portwarden_allowlist": GOOD, "portwarden_firewall_iptables_dir": "/etc/$(reboot)"}},
                     ["db1: portwarden_firewall_iptables_dir must be an absolute path"]),
}

OWN_PLAY = """
- name: Someone else's play that provisions servers one at a time
  hosts: all
  gather_facts: false
  serial: 1
  roles:
    - role: portwarden.hardening.firewall
"""


def _inventory(tmp_path, bad):
    hosts = {}
    for name in ("web1", "web2", "db1"):
        hosts[name] = dict({"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                            "ansible_become": False, "portwarden_allowlist": GOOD}, **bad.get(name, {}))
    path = tmp_path / "inventory.yml"
    path.write_text(yaml.safe_dump({"all": {"hosts": hosts}}, sort_keys=False))
    return path


def _run(tmp_path, playbook, bad):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_BECOME="false", ANSIBLE_STDOUT_CALLBACK="default",
               ANSIBLE_RETRY_FILES_ENABLED="0")
    run = subprocess.run(
        [str(BINARY), "-i", str(_inventory(tmp_path, bad)), "--check", "-e", "portwarden_serial=1", str(playbook)],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )
    return run.returncode, run.stdout + run.stderr


def _check(code, output, words):
    assert code != 0, output
    for word in words:
        assert word in output, output
    assert "no host was changed" in output, output
    for step in STEPS:
        assert step not in output, output
    # Only the first batch (web1) ever started: the later batches never ran a task.
    assert "ok: [web2]" not in output and "ok: [db1]" not in output, output


@pytest.mark.skipif(not BINARY.exists(), reason="ansible-playbook is not installed next to this Python")
@pytest.mark.parametrize("case", sorted(CASES))
def test_harden_playbook_refuses_the_fleet_before_the_first_batch(tmp_path, case):
    bad, words = CASES[case]
    code, output = _run(tmp_path, ROOT / "playbooks" / "harden.yml", bad)
    _check(code, output, words)


@pytest.mark.skipif(not BINARY.exists(), reason="ansible-playbook is not installed next to this Python")
@pytest.mark.parametrize("case", sorted(CASES))
def test_firewall_role_in_another_play_refuses_the_fleet_first(tmp_path, case):
    bad, words = CASES[case]
    playbook = tmp_path / "site.yml"
    playbook.write_text(OWN_PLAY)
    code, output = _run(tmp_path, playbook, bad)
    _check(code, output, words)
