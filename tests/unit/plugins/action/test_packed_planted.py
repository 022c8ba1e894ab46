# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""A host cannot steer the controller through the packed result (real ansible-playbook runs).

A module that plants ``add_host``, ``add_group``, ``_ansible_*`` keys, undeclared keys,
unclean facts and invalid UTF-8 inside its packed text runs behind listening_ports' action
plugin, through ansible-core's own result handling. The next play shows what reached the
inventory and the facts.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[4]
PLANTED = pathlib.Path(__file__).resolve().parent / "planted"
BINARY = pathlib.Path(sys.executable).parent / "ansible-playbook"

PLAYBOOK = """
- name: Run the hostile module
  hosts: target
  gather_facts: false
  tasks:
    - name: Plant
      planted:
        packed: "{{ packed }}"
        raw_bytes: "{{ raw_bytes | default(false) }}"
      register: planted_result
      ignore_errors: true
    - name: Show the task result
      ansible.builtin.debug:
        msg: "RESULT={{ planted_result | to_json }}"
    - name: Show the facts
      ansible.builtin.debug:
        msg: "FACTS={{ ansible_facts | to_json }}"
- name: See what reached the inventory
  hosts: all
  gather_facts: false
  tasks:
    - name: Show every host and group
      ansible.builtin.debug:
        msg: "INVENTORY={{ groups | to_json }} CONNECTION={{ ansible_connection | default('unset') }}"
"""


def run_playbook(tmp_path, packed, raw_bytes=False):
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    extra = tmp_path / "vars.json"
    extra.write_text(json.dumps({"packed": packed if isinstance(packed, str) else json.dumps(packed),
                                 "raw_bytes": raw_bytes, "ansible_python_interpreter": sys.executable}))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
               ANSIBLE_LIBRARY=str(PLANTED / "library"), ANSIBLE_ACTION_PLUGINS=str(PLANTED / "action_plugins"),
               ANSIBLE_STDOUT_CALLBACK="default", ANSIBLE_HOST_KEY_CHECKING="0")
    run = subprocess.run([str(BINARY), "-i", "target,", "-c", "local", "-e", "@%s" % extra, str(tmp_path / "play.yml")],
                         capture_output=True, text=True, env=env, timeout=120, check=False)
    output = run.stdout + run.stderr

    def grab(tag):
        """The text after TAG= in a debug message, unescaped as the callback escaped it."""
        for line in output.splitlines():
            start = line.find('"msg": "%s=' % tag)
            if start >= 0:
                return json.loads(line[start + len('"msg": '):].strip())[len(tag) + 1:]
        raise AssertionError("%s not in output:\n%s" % (tag, output))
    return run, output, grab


HOSTILE = {
    "add_host": {"host_name": "victim", "groups": ["owned"], "host_vars": {"ansible_connection": "local"}},
    "add_group": "owned",
    "_ansible_no_log": False,
    "_ansible_delegated_vars": {"ansible_host": "evil"},
    "undeclared": "x",
    "listening": [{"port": 22, "_ansible_no_log": True}],
    "ansible_facts": {"portwarden_listening": [{"port": 22}], "ansible_connection": "local",
                      "ansible_ssh_host": "evil", "planted_fact": 1},
}


@pytest.mark.skipif(not BINARY.exists(), reason="ansible-playbook is not installed next to this Python")
def test_planted_keys_never_reach_the_inventory_or_the_facts(tmp_path):
    run, output, grab = run_playbook(tmp_path, HOSTILE)
    assert run.returncode == 0, output
    inventory = grab("INVENTORY")
    assert "victim" not in inventory and "owned" not in inventory, output
    assert "dropped: _ansible_delegated_vars, _ansible_no_log, add_group, add_host" in output.replace("\n", " "), output
    assert "CONNECTION=local" in output  # the one real host, set by -c local, not planted
    facts = grab("FACTS")
    assert "planted_fact" not in facts and "ansible_ssh_host" not in facts and "evil" not in facts, output
    assert "portwarden_listening" in facts
    result = json.loads(grab("RESULT"))
    assert sorted(result) == ["ansible_facts", "changed", "failed", "listening", "warnings"], output
    assert result["listening"] == [{"port": 22}]
    assert result["ansible_facts"] == {"portwarden_listening": [{"port": 22}]}


@pytest.mark.skipif(not BINARY.exists(), reason="ansible-playbook is not installed next to this Python")
@pytest.mark.parametrize("packed, raw_bytes", [
    ('{"listening": [{"process": "\\udc80"}]}', False),
    ("", True),
], ids=["escaped-lone-surrogate", "undecodable-bytes"])
def test_invalid_utf8_fails_the_task(tmp_path, packed, raw_bytes):
    run, output, grab = run_playbook(tmp_path, packed, raw_bytes)
    result = json.loads(grab("RESULT"))
    assert result.get("failed") is True, output
    assert "listening" not in result, output
