#!/usr/bin/python
# Copyright (c) 2026, portwarden maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: management_connection
short_description: Find the SSH connection Ansible manages the host through, and what a firewall must keep open for it
version_added: 0.1.0
description:
  - Finds the SSH session the module runs over - from C(SSH_CONNECTION), or, when C(sudo) removed that variable,
    by walking up the process tree to the sshd process serving the session and reading its TCP socket - and the
    TCP ports sshd listens on.
  - A listener counts as sshd only when it runs as root from C(/usr/sbin/sshd) (its real executable,
    C(/proc/PID/exe)) in a unit of the system manager; a process that only calls itself C(sshd), or a unit a user
    started with C(systemd-run --user --unit=ssh), is not sshd. Run with C(become=true) to read sshd's owner.
  - Compares them with the allowlist and returns, as RV(entries), normalised allowlist entries for the ports the
    allowlist does not already open to the controller's address. The C(portwarden.hardening.firewall) role adds
    them to the firewall model when C(portwarden_firewall_protect_management) is true (the default), so an
    allowlist that forgets SSH cannot lock Ansible out.
  - The entries allow only the controller's address (as the host sees it, so a bastion's address behind a jump
    host). When no session can be found but the controller reaches the host over the network, the port the
    controller connects to (O(connection_port), else 22) is kept open to anyone instead, and the warning says so;
    a port learned from the host (where sshd listens) is never opened beyond the controller's address.
  - Issues a warning that names every port it keeps open and why. Never changes the host.
options:
  allowlist:
    description:
      - The allowlist, as written in C(portwarden_allowlist) or already normalised by the
        P(portwarden.hardening.allowlist#filter) filter.
      - Exactly one of O(allowlist) and O(tcp_ports) is required.
    type: list
    elements: raw
  tcp_ports:
    description:
      - Only what the check needs of the allowlist - its TCP ports - as the C(tcp) part of the
        P(portwarden.hardening.firewall_model#filter) filter's result - C(any) (merged V([lo, hi]) ranges open to
        anyone) and C(sources) (per family, a list of C(source) network with its C(ports)). C(groups) is ignored.
      - What the C(portwarden.hardening.firewall) role passes, so that the module's arguments stay small whatever the
        allowlist's size.
    type: dict
  connection_port:
    description: The port the controller connects to (C(ansible_port)), when it is known.
    type: int
  remote:
    description:
      - Whether the controller reaches the host over the network. V(false) for connections that no firewall can cut
        (C(local), C(docker exec), C(chroot)); then only a session found on the host is protected.
    type: bool
    default: true
extends_documentation_fragment:
  - portwarden.hardening._attributes
attributes:
  check_mode:
    details:
      - Reads only; runs the same in check mode.
  idempotent:
    details:
      - Never changes the host.
notes:
  - Run it with the privileges the firewall change runs with; reading another user's sshd process needs root.
author:
  - portwarden maintainers (@portwarden)
"""

EXAMPLES = r"""
- name: Find what the firewall must keep open for Ansible
  portwarden.hardening.management_connection:
    allowlist: "{{ portwarden_allowlist }}"
    connection_port: "{{ ansible_port | default(omit) }}"
  register: management

- name: The same check given only the TCP ports of a firewall model (what the firewall role passes)
  portwarden.hardening.management_connection:
    tcp_ports: "{{ (portwarden_allowlist | portwarden.hardening.firewall_model).tcp }}"
  register: management_small

- name: Build the firewall model with the management entries
  ansible.builtin.set_fact:
    model: "{{ portwarden_allowlist | portwarden.hardening.firewall_model(management.entries) }}"
"""

RETURN = r"""
session:
  description: The SSH session the module ran over, or null when none was found.
  returned: always
  type: dict
  sample:
    client_address: 192.0.2.10
    client_port: 51234
    server_address: 192.0.2.20
    server_port: 22
    source: SSH_CONNECTION
sshd_ports:
  description: TCP ports sshd listens on (loopback-only listeners left out).
  returned: always
  type: list
  elements: int
  sample: [22, 2222]
entries:
  description: Normalised allowlist entries that keep the management connection open; empty when the allowlist does.
  returned: always
  type: list
  elements: dict
  sample:
    - index: 2
      label: "2222/tcp (management connection from 192.0.2.10, kept open by portwarden)"
      port: 2222
      ports: [[2222, 2222]]
      proto: tcp
      sources: {ipv4: [192.0.2.10/32], ipv6: []}
      process: null
      required: false
      comment: management connection from 192.0.2.10, kept open by portwarden
kept:
  description: Each port kept open, the address it is kept open to (null for anyone) and why.
  returned: always
  type: list
  elements: dict
  sample:
    - port: 2222
      source: 192.0.2.10
      reasons: [sshd listens on it]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist import AllowlistError, ensure_allowlist
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._management import tcp_port_entries
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._management_host import keep_open


def main():
    module = AnsibleModule(
        argument_spec=dict(
            allowlist=dict(type="list", elements="raw"),
            tcp_ports=dict(type="dict"),
            connection_port=dict(type="int"),
            remote=dict(type="bool", default=True),
        ),
        mutually_exclusive=[("allowlist", "tcp_ports")],
        required_one_of=[("allowlist", "tcp_ports")],
        supports_check_mode=True,
    )
    try:
        if module.params["tcp_ports"] is not None:
            entries = tcp_port_entries(module.params["tcp_ports"])
        else:
            entries = ensure_allowlist(module.params["allowlist"])
    except AllowlistError as error:
        module.fail_json(msg=str(error))
    found = keep_open(entries, connection_port=module.params["connection_port"], remote=module.params["remote"])
    for text in found["warnings"]:
        module.warn(text)
    module.exit_json(changed=False, session=found["session"], sshd_ports=found["sshd_ports"], entries=found["entries"],
                     kept=found["kept"])


if __name__ == "__main__":
    main()
