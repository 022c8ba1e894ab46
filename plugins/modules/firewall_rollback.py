#!/usr/bin/python
# Copyright (c) 2026, portwarden maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: firewall_rollback
short_description: Confirm or inspect a firewall rollback armed by firewall_apply
version_added: 0.1.0
description:
  - The host side of the commit-confirmed apply of M(portwarden.hardening.firewall_apply). That action plugin arms a
    rollback on the host before it applies a ruleset, reconnects, and calls this module over the new connection to
    confirm the ruleset; a rollback that is not confirmed in time restores the snapshot taken before the apply.
    Most users never call this module themselves.
  - O(state=disarmed) confirms - the rollback will not fire - unless it fired already, which RV(state) then says.
    With O(armed_session), it refuses to confirm over the SSH connection that existed before the apply (a
    multiplexed ControlPersist session survives a ruleset that blocks new connections, so it proves nothing).
  - O(state=status) only reports.
  - After a rollback fired, the live ruleset is read back and compared with the snapshot (RV(restored)).
options:
  token:
    description: The rollback, as returned by M(portwarden.hardening.firewall_apply) in C(rollback.token).
    type: str
    required: true
  state:
    description: V(disarmed) confirms the change; V(status) only reports.
    type: str
    choices: [disarmed, status]
    default: disarmed
  armed_session:
    description:
      - The SSH session the rollback was armed over (C(rollback.session) of the apply). When the module runs over
        the same TCP connection, it fails instead of confirming.
    type: dict
  rollback_dir:
    description: Where rollbacks are kept on the host.
    type: path
    default: /var/lib/portwarden/rollback
extends_documentation_fragment:
  - portwarden.hardening._attributes
attributes:
  check_mode:
    details:
      - O(state=disarmed) does not disarm in check mode.
  idempotent:
    details:
      - Disarming a rollback that is already gone changes nothing.
seealso:
  - module: portwarden.hardening.firewall_apply
author:
  - portwarden maintainers (@portwarden)
"""

EXAMPLES = r"""
- name: Apply a ruleset (arms, reconnects, confirms with this module)
  portwarden.hardening.firewall_apply:
    backend: nftables
    content: "{{ rules }}"
    rollback_timeout: 60
  register: firewall

- name: Inspect a rollback of an earlier run
  portwarden.hardening.firewall_rollback:
    token: 20260101T120000Z-a1b2c3
    state: status
  register: rollback

- name: Show whether it restored the previous ruleset
  ansible.builtin.debug:
    msg: "{{ rollback.state }} {{ rollback.restored | default('') }}"
"""

RETURN = r"""
state:
  description: V(armed) (counting down), V(fired) (the snapshot was restored), V(disarmed) or V(unknown).
  returned: always
  type: str
  sample: disarmed
remaining:
  description: Seconds left before an armed rollback fires.
  returned: when RV(state=armed)
  type: float
  sample: 41.2
session:
  description: The SSH session this module ran over, or null.
  returned: always
  type: dict
  sample: {client_address: 192.0.2.10, client_port: 51240, server_address: 192.0.2.20, server_port: 22, source: SSH_CONNECTION}
result:
  description: What the restore did, step by step, when the rollback fired.
  returned: when RV(state=fired)
  type: dict
  sample: {ok: true, seconds: 0.08, report: [{argv: [/usr/sbin/nft, -f, /var/lib/portwarden/rollback/x/payloads/ruleset.nft], rc: 0, ok: true}]}
restored:
  description: Whether the live ruleset is again the snapshot taken before the apply (compared by fingerprint).
  returned: when RV(state=fired)
  type: bool
  sample: true
restored_detail:
  description: What the comparison found.
  returned: when RV(state=fired)
  type: str
  sample: the live ruleset is the snapshot taken before the apply
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.portwarden.hardening.plugins.module_utils.firewall import _rollback
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_engine import make_backend
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_rollback import verify
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._session import current_session

_SAME = ("client_address", "client_port", "server_port")


def same_session(first, second) -> bool:
    return bool(first and second) and all(first.get(key) == second.get(key) for key in _SAME)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            token=dict(type="str", required=True, no_log=False),
            state=dict(type="str", default="disarmed", choices=["disarmed", "status"]),
            armed_session=dict(type="dict"),
            rollback_dir=dict(type="path", default=_rollback.DEFAULT_DIR),
        ),
        supports_check_mode=True,
    )
    module.run_command_environ_update = dict(LANG="C", LC_ALL="C", LC_MESSAGES="C")
    params = module.params
    session = current_session()

    def run(argv, data=None):
        return module.run_command(argv, data=data, binary_data=data is not None)

    try:
        if params["state"] == "disarmed" and same_session(params["armed_session"], session):
            module.fail_json(
                msg="not confirming: this ran over the SSH connection that was open before the apply (%s port %s), "
                    "so it proves nothing about new connections; reset the connection and confirm again"
                    % (session["client_address"], session["client_port"]),
                same_session=True, session=session, state="armed",
            )
        if params["state"] == "disarmed" and not module.check_mode:
            info = _rollback.disarm(params["token"], base_dir=params["rollback_dir"])
        else:
            info = _rollback.status(params["token"], base_dir=params["rollback_dir"])
    except (_rollback.RollbackError, OSError) as error:
        module.fail_json(msg="rollback %s: %s" % (params["token"], error), session=session)
    info = verify(info, make_backend, run, module.get_bin_path)
    info.pop("token", None)
    module.exit_json(changed=params["state"] == "disarmed" and info["state"] == "disarmed", session=session, **info)


if __name__ == "__main__":
    main()
