#!/usr/bin/python
# Copyright (c) 2026, portwarden maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: firewall_probe
short_description: Read in one round trip what the firewall role needs to know about a host
version_added: 0.1.0
description:
  - Reads, and never changes, what the C(portwarden.hardening.firewall) role decides from before it renders a
    ruleset - which firewall tools are installed, whether ufw is enabled, the state of the boot files and units
    it manages, and the management connection - so that a run with nothing to change reaches the host only
    twice (this probe and M(portwarden.hardening.firewall_apply)).
  - Tools are looked up on the system path (C(/usr/sbin:/usr/bin:/sbin:/bin)) only.
  - With O(management), it also does what M(portwarden.hardening.management_connection) does, with the same
    evidence rules and the same warning.
options:
  tools:
    description: Commands to look for.
    type: list
    elements: str
    default: []
  files:
    description:
      - Absolute paths whose mode, owner, group and SHA-256 to return. A missing path, a symbolic link or
        anything but a regular file reads as null.
    type: list
    elements: path
    default: []
  units:
    description: systemd units whose enablement and activity to return (one C(systemctl show) call).
    type: list
    elements: str
    default: []
  management:
    description:
      - Find the management connection the firewall must keep open, as
        M(portwarden.hardening.management_connection) does; omit to skip it.
    type: dict
    suboptions:
      tcp_ports:
        description:
          - The C(tcp) part of the P(portwarden.hardening.firewall_model#filter) filter's result (C(any) and
            C(sources)), as M(portwarden.hardening.management_connection) takes it.
          - Omit it to read the session and sshd's ports only, and decide on the controller what to keep open
            (the C(portwarden.hardening.firewall) role does, with M(portwarden.hardening.firewall_ruleset)) -
            C(entries) and C(kept) are empty then, and no warning about the allowlist is given.
        type: dict
      connection_port:
        description: The port the controller connects to (C(ansible_port)), when it is known.
        type: int
      remote:
        description: Whether the controller reaches the host over the network (V(false) for C(local) or C(docker exec)).
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
seealso:
  - module: portwarden.hardening.management_connection
  - module: portwarden.hardening.firewall_apply
author:
  - portwarden maintainers (@portwarden)
"""

EXAMPLES = r"""
- name: Read the firewall tools, our boot files and units, and the management connection
  portwarden.hardening.firewall_probe:
    tools: [nft, iptables, ufw, firewall-cmd]
    files: [/etc/systemd/system/portwarden-firewall.service]
    units: [portwarden-firewall.service, firewalld.service]
    management:
      tcp_ports: "{{ (portwarden_allowlist | portwarden.hardening.firewall_model).tcp }}"
      connection_port: "{{ ansible_port | default(omit) }}"
  register: probe
"""

RETURN = r"""
tools:
  description: Each tool asked for, with its path, or null when it is not installed.
  returned: always
  type: dict
  sample: {nft: /usr/sbin/nft, ufw: null}
ufw_enabled:
  description: Whether ufw's own switch is on (C(ENABLED=yes) in C(/etc/ufw/ufw.conf)).
  returned: always
  type: bool
  sample: false
files:
  description: Each file asked for, with its C(mode) (four octal digits), C(owner), C(group) and C(sha256), or null.
  returned: always
  type: dict
  sample:
    /etc/systemd/system/portwarden-firewall.service:
      mode: "0644"
      owner: root
      group: root
      sha256: 0f5ad4e3d1c4f5ab1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081
units:
  description:
    - Each unit asked for, with C(enabled) (systemd's unit file state, such as V(enabled), V(disabled) or V(masked);
      empty when the unit does not exist) and C(active) (such as V(active) or V(inactive)).
  returned: always
  type: dict
  sample: {portwarden-firewall.service: {enabled: enabled, active: active}}
management:
  description: What M(portwarden.hardening.management_connection) returns - C(session), C(sshd_ports), C(entries), C(kept).
  returned: when O(management) is given
  type: dict
  sample:
    session: null
    sshd_ports: [22]
    entries: []
    kept: []
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist import AllowlistError
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall import _probe_host
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._management import tcp_port_entries
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._management_host import keep_open


def main():
    module = AnsibleModule(
        argument_spec=dict(
            tools=dict(type="list", elements="str", default=[]),
            files=dict(type="list", elements="path", default=[]),
            units=dict(type="list", elements="str", default=[]),
            management=dict(type="dict", options=dict(
                tcp_ports=dict(type="dict"),
                connection_port=dict(type="int"),
                remote=dict(type="bool", default=True),
            )),
        ),
        supports_check_mode=True,
    )
    params = module.params
    for path in params["files"]:
        if not path.startswith("/"):
            module.fail_json(msg="files: %r is not an absolute path" % path)
    result = {
        "changed": False,
        "tools": _probe_host.which(params["tools"]),
        "ufw_enabled": _probe_host.ufw_enabled(),
        "files": _probe_host.file_states(params["files"]),
        "units": _probe_host.unit_states(params["units"], lambda argv: module.run_command(argv, environ_update={"LC_ALL": "C"})),
    }
    if params["management"] is not None:
        wanted = params["management"]
        entries = None
        if wanted["tcp_ports"] is not None:
            try:
                entries = tcp_port_entries(wanted["tcp_ports"])
            except AllowlistError as error:
                module.fail_json(msg="management.tcp_ports: %s" % error)
        found = keep_open(entries, connection_port=wanted["connection_port"], remote=wanted["remote"])
        for text in found["warnings"]:
            module.warn(text)
        result["management"] = {key: found[key] for key in ("session", "sshd_ports", "entries", "kept")}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
