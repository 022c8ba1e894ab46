# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""role_template renders every firewall template exactly as ansible.builtin.template's lookup does.

The firewall role compares the boot files on the host with this rendering, and the template
module writes them: a single byte of difference would make every run rewrite them. Run
through ansible-playbook, with the role's defaults and vars, for every backend's templates.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[4]
BINARY = pathlib.Path(sys.executable).parent / "ansible-playbook"
TEMPLATES = ROOT / "roles" / "firewall" / "templates"

PLAYBOOK = """
- name: Compare the two lookups
  hosts: localhost
  gather_facts: false
  vars_files:
    - {root}/roles/firewall/defaults/main.yml
    - {root}/roles/firewall/vars/main.yml
  vars:
    portwarden_allowlist: [{{port: 22}}, {{port: 443, sources: [10.0.0.0/8, 192.0.2.0/24, "2001:db8::/32"]}},
                           {{port: 60000-60010, proto: udp}}]
    __portwarden_firewall_model: "{{{{ portwarden_allowlist | portwarden.hardening.firewall_model }}}}"
    __portwarden_firewall_probe: {{tools: {{ipset: /usr/sbin/ipset}}}}
    portwarden_firewall_iptables_ipset_min_sources: 2
    __family: ipv4
  tasks:
    - name: Render each template with both lookups
      ansible.builtin.assert:
        that: __builtin == __ours
        fail_msg: "{{{{ item.0 }}}} for {{{{ item.1 }}}} differs"
      vars:
        __portwarden_firewall_backend: "{{{{ item.1 }}}}"
        __path: "{templates}/{{{{ item.0 }}}}"
        __builtin: "{{{{ lookup('ansible.builtin.template', __path, template_vars={{'__portwarden_family': 'ipv6'}}) }}}}"
        __ours: "{{{{ lookup('portwarden.hardening.role_template', __path, template_vars={{'__portwarden_family': 'ipv6'}}) }}}}"
      loop: "{{{{ {templates_list} | product(['nftables', 'iptables']) | list }}}}"

    - name: A user's ansible_managed wins, as with the builtin lookup
      ansible.builtin.assert:
        that: "'managed by the ops team' in lookup('portwarden.hardening.role_template', __path)"
      vars:
        ansible_managed: managed by the ops team
        __portwarden_firewall_backend: nftables
        __path: "{templates}/etc/nftables.d/portwarden.nft.j2"

    - name: A missing template fails with its name
      ansible.builtin.debug:
        msg: "{{{{ lookup('portwarden.hardening.role_template', 'no/such/template.j2') }}}}"
      register: __missing
      ignore_errors: true

    - name: Assert the failure named it
      ansible.builtin.assert:
        that: __missing is failed and 'no/such/template.j2' in __missing.msg
"""


@pytest.mark.skipif(not BINARY.exists(), reason="ansible-playbook is not installed next to this Python")
def test_role_template_renders_like_the_builtin_lookup(tmp_path):
    names = sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.j2"))
    assert len(names) >= 9
    playbook = tmp_path / "compare.yml"
    playbook.write_text(PLAYBOOK.format(root=ROOT, templates=TEMPLATES, templates_list=names))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0", ANSIBLE_RETRY_FILES_ENABLED="0")
    run = subprocess.run([str(BINARY), "-i", "localhost,", "-c", "local", str(playbook)],
                         capture_output=True, text=True, env=env, timeout=300, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "failed=0" in run.stdout
