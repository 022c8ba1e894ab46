# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The effective_allowlist lookup composes what Ansible's own variable layering hands it.

Runs a real play over a real inventory (group_vars for two groups, host_vars, a role-less
task variable), so the test proves what users get from their inventories: a host in two
groups gets the union, a host_vars removal closes its port, task variables take part,
and a bad entry fails naming its variable.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[4]
BINARY = pathlib.Path(sys.executable).parent / "ansible-playbook"

INVENTORY = {
    "hosts": "[web]\nweb1\nweb3\nboth\n[db]\ndb1\nboth\n",
    "group_vars/all.yml": "portwarden_allowlist:\n  - {port: ssh, sources: [192.0.2.0/24]}\n",
    "group_vars/web.yml": "portwarden_allowlist__50_web:\n  - {port: https}\n  - {port: \"8000-8100\"}\n",
    "group_vars/db.yml": "portwarden_allowlist__50_db:\n  - {port: postgres, process: postgres}\n",
    "host_vars/web3.yml": "portwarden_allowlist__90_host:\n  - {port: 8080, state: absent}\n  - {port: https, state: absent}\n",
}

PLAY = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Compose
      ansible.builtin.set_fact:
        composed: "{{ lookup('portwarden.hardening.effective_allowlist') }}"
        from_hostvars: "{{ hostvars[inventory_hostname] | portwarden.hardening.compose_allowlist }}"
    - name: Compose with a task variable
      ansible.builtin.set_fact:
        with_task_var: "{{ lookup('portwarden.hardening.effective_allowlist') }}"
      vars:
        portwarden_allowlist__99_task: [{port: ssh, state: absent}]
    - name: Write
      ansible.builtin.copy:
        content: "{{ {'composed': composed, 'from_hostvars': from_hostvars, 'with_task_var': with_task_var} | to_json }}"
        dest: "{{ out }}/{{ inventory_hostname }}.json"
        mode: "0600"
      delegate_to: localhost
"""


PROBLEMS_PLAY = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Write the problems
      ansible.builtin.copy:
        content: "{{ lookup('portwarden.hardening.effective_allowlist', problems=true) | to_json }}"
        dest: "{{ out }}/{{ inventory_hostname }}.json"
        mode: "0600"
      delegate_to: localhost
"""


def play(tmp_path, files, extra=(), text=PLAY):
    for name, content in files.items():
        path = tmp_path / "inventory" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    (tmp_path / "play.yml").write_text(text)
    out = tmp_path / "out"
    out.mkdir()
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_STDOUT_CALLBACK="default")
    run = subprocess.run(
        [str(BINARY), "-i", str(tmp_path / "inventory" / "hosts"), "-c", "local", "-e", "out=%s" % out,
         "-e", "ansible_python_interpreter=%s" % sys.executable, *extra, str(tmp_path / "play.yml")],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )
    return run, out


def ports(entries):
    return [(entry["port"], entry["origin"]) for entry in entries]


@pytest.mark.skipif(not BINARY.exists(), reason="ansible-playbook is not installed next to this Python")
def test_inventory_layers_compose(tmp_path):
    run, out = play(tmp_path, INVENTORY)
    assert run.returncode == 0, run.stdout + run.stderr
    result = {path.stem: json.loads(path.read_text()) for path in out.glob("*.json")}
    ssh = ("ssh", "portwarden_allowlist")
    assert ports(result["both"]["composed"]) == [
        ssh, ("postgres", "portwarden_allowlist__50_db"),
        ("https", "portwarden_allowlist__50_web"), ("8000-8100", "portwarden_allowlist__50_web"),
    ]
    assert ports(result["web3"]["composed"]) == [
        ssh, ("8000-8079", "portwarden_allowlist__50_web"), ("8081-8100", "portwarden_allowlist__50_web"),
    ]
    assert ports(result["db1"]["composed"]) == [ssh, ("postgres", "portwarden_allowlist__50_db")]
    for host in result.values():
        assert host["from_hostvars"] == host["composed"]
        assert ssh not in ports(host["with_task_var"])
        assert len(host["with_task_var"]) == len(host["composed"]) - 1


@pytest.mark.skipif(not BINARY.exists(), reason="ansible-playbook is not installed next to this Python")
@pytest.mark.parametrize(
    "files, words",
    [
        ({"host_vars/web1.yml": "portwarden_allowlist__90_host:\n  - {port: 70000}\n"},
         ["portwarden_allowlist__90_host entry #1 (port: 70000): port 70000 is outside 1-65535"]),
        ({"host_vars/web1.yml": "portwarden_allowlist__90_host:\n  - {port: 22, state: absent, sources: [10.0.0.0/8]}\n"},
         ['"sources" is not allowed with state: absent']),
    ],
    ids=["bad-port", "absent-with-sources"],
)
def test_bad_entry_fails_naming_its_variable(tmp_path, files, words):
    run, _out = play(tmp_path, dict(INVENTORY, **files), ["--limit", "web1"])
    output = run.stdout + run.stderr
    assert run.returncode != 0, output
    for word in words:
        assert word in output, output


@pytest.mark.skipif(not BINARY.exists(), reason="ansible-playbook is not installed next to this Python")
def test_nothing_declared_fails(tmp_path):
    files = {"hosts": "[web]\nweb1\n"}
    run, _out = play(tmp_path, files)
    output = run.stdout + run.stderr
    assert run.returncode != 0, output
    assert "neither portwarden_allowlist nor any portwarden_allowlist__* variable is defined for web1" in output, output


@pytest.mark.skipif(not BINARY.exists(), reason="ansible-playbook is not installed next to this Python")
@pytest.mark.parametrize(
    "files, limit, expected",
    [
        ({}, "web1", []),
        ({"host_vars/web1.yml": "portwarden_allowlist__90_host:\n  - {port: 70000}\n  - {port: 22, state: gone}\n"}, "web1",
         ["portwarden_allowlist__90_host entry #1 (port: 70000): port 70000 is outside 1-65535",
          'portwarden_allowlist__90_host entry #2 (port: 22): state: must be "present" or "absent", got a string "gone"']),
    ],
    ids=["valid", "two-problems"],
)
def test_problems_are_returned_one_line_each(tmp_path, files, limit, expected):
    run, out = play(tmp_path, dict(INVENTORY, **files), ["--limit", limit], text=PROBLEMS_PLAY)
    assert run.returncode == 0, run.stdout + run.stderr
    assert json.loads((out / ("%s.json" % limit)).read_text()) == expected


@pytest.mark.skipif(not BINARY.exists(), reason="ansible-playbook is not installed next to this Python")
def test_nothing_declared_is_a_problem(tmp_path):
    run, out = play(tmp_path, {"hosts": "[web]\nweb1\n"}, text=PROBLEMS_PLAY)
    assert run.returncode == 0, run.stdout + run.stderr
    assert json.loads((out / "web1.json").read_text()) == [
        "neither portwarden_allowlist nor any portwarden_allowlist__* variable is defined for web1; declare what may listen"]
