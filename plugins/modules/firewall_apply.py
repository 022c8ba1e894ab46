#!/usr/bin/python
# Copyright (c) 2026, portwarden maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: firewall_apply
short_description: Validate and atomically apply a rendered firewall ruleset, touching only what portwarden owns
version_added: 0.1.0
description:
  - Takes a ruleset rendered for one firewall backend (usually by the C(portwarden.hardening.firewall) role's
    templates), validates it on the host, compares it with what is live, and applies it in one step only when it
    differs, then writes the files that load it again at boot.
  - Owns only its own part of the firewall. C(nftables) - the table C(inet portwarden). C(iptables) - the chains
    C(PORTWARDEN-*) of the filter table (IPv4 and IPv6), one jump from C(INPUT), and the C(portwarden-*) ipsets.
    C(ufw) - the rules that carry C(comment 'portwarden'), the incoming default policy, the log level and whether ufw
    is enabled. C(firewalld) - one zone (O(zone)) and, when asked, which zone is the default one. Docker's,
    fail2ban's, Kubernetes' and the distribution's tables and chains are never read back into a ruleset, flushed or
    rewritten.
  - "Validation runs first: C(nft -c -f), C(iptables-restore --test) (in a private network namespace when rules match
    ipsets), ufw's rule grammar, C(firewall-offline-cmd --check-config) on a scratch copy of the configuration. A
    ruleset that does not validate fails the task and nothing is changed."
  - "Applying is atomic where the backend allows: one C(nft -f) transaction that replaces the table, one
    C(iptables-restore --noflush) commit per family (ipsets are filled under a temporary name and swapped in),
    C(firewall-cmd --reload). ufw has no transaction: missing rules are added before stale ones are deleted."
  - Whether the live ruleset is in sync is decided from the live state, not from the files on disk, so a ruleset
    changed behind portwarden's back is put back even when the rendered text did not change. For C(nftables) and
    C(iptables) the module records what it loaded and the fingerprint of the live ruleset right after it, in
    O(state_dir).
  - The result carries RV(previous), an exact snapshot of what was live before, in the shape of this module's own
    options, so a caller can roll back by calling the module again with it (or with O(state=absent) when
    RV(previous.present) is false).
options:
  backend:
    description: The firewall backend the content is rendered for.
    type: str
    required: true
    choices: [nftables, iptables, ufw, firewalld]
  state:
    description:
      - V(present) applies the content. V(absent) removes what portwarden owns (table, chains and jump, tagged ufw
        rules, zone) and its boot files; nothing else.
    type: str
    choices: [present, absent]
    default: present
  content:
    description:
      - The rendered ruleset. C(nftables) - an nft script that defines C(table inet portwarden); the module prefixes
        C(table inet portwarden {}) and C(delete table inet portwarden) when the script does not replace the table
        itself. C(iptables) - C(iptables-restore) input for IPv4 with only C(PORTWARDEN-*) chains. C(ufw) - ufw
        commands without the leading C(ufw) (C(default deny incoming), C(logging low), C(allow ... comment
        'portwarden')). C(firewalld) - the zone XML.
      - Required when O(state=present).
    type: str
  content_ipv6:
    description: C(iptables) only, required there - the C(ip6tables-restore) input for IPv6.
    type: str
  content_ipset:
    description: C(iptables) only - C(ipset save) style C(create)/C(add) lines for C(portwarden-*) sets.
    type: str
  path:
    description:
      - Where the content is persisted for boot. Defaults to C(/etc/nftables.d/portwarden.nft) (nftables) and
        C(/etc/portwarden/iptables.v4) (iptables). Not used by ufw and firewalld, which persist their own
        configuration (the zone is C(/etc/firewalld/zones/<zone>.xml)).
    type: path
  path_ipv6:
    description: C(iptables) only - where O(content_ipv6) is persisted. Defaults to C(/etc/portwarden/iptables.v6).
    type: path
  path_ipset:
    description: C(iptables) only - where O(content_ipset) is persisted. Defaults to C(/etc/portwarden/ipset.conf).
    type: path
  zone:
    description: C(firewalld) only - the zone the content defines.
    type: str
    default: portwarden
  firewalld_default_zone:
    description: C(firewalld) only - make O(zone) the default zone, so interfaces that no other zone claims use it.
    type: bool
    default: true
  persist:
    description:
      - Write the boot files after applying (nftables, iptables). V(false) applies to the running firewall only, for
        a caller that persists after it confirmed the new ruleset. ufw and firewalld always persist.
    type: bool
    default: true
  state_dir:
    description:
      - Where the record of the last apply is kept.
      - Like every path option of this module, an absolute path of letters, digits and C(. _ + @ - /) only, without
        C(..); anything else fails the task before the host is changed (paths end up in boot scripts and units).
    type: path
    default: /var/lib/portwarden/firewall
  rollback_timeout:
    description:
      - Seconds the new ruleset has to be confirmed over a new connection before the host restores the previous one
        by itself (commit-confirmed apply). V(0) turns that off - the ruleset is applied and kept.
      - Before a change to the running firewall, the host arms a rollback to the snapshot of RV(previous) (a
        transient systemd unit, or a detached process where systemd does not run), so it fires even when the
        connection dies. After the apply, the action plugin drops the connection (for the C(ssh) connection this
        stops a ControlPersist master, so the next command opens a new TCP connection), confirms over a new one with
        M(portwarden.hardening.firewall_rollback), which also writes the boot files, and fails the task saying the
        ruleset was rolled back when no new connection gets through in time.
      - Nothing is armed in check mode, for O(state=absent), or when the live ruleset already matches.
      - See C(docs/lockout.md) in the collection.
    type: int
    default: 60
  rollback_dir:
    description: Where the host keeps armed and fired rollbacks.
    type: path
    default: /var/lib/portwarden/rollback
extends_documentation_fragment:
  - portwarden.hardening._attributes
attributes:
  check_mode:
    details:
      - Validates the rendered ruleset on the host and reports what would change; changes nothing.
  diff_mode:
    support: full
    details:
      - Shows the last applied (or live) ruleset against the rendered one.
  idempotent:
    details:
      - Applies and reports a change only when the live ruleset or the boot files differ.
notes:
  - The C(portwarden.hardening.firewall) role renders the content from C(portwarden_allowlist), installs the boot
    unit C(portwarden-firewall.service) and calls this module; most users want the role.
  - The boot files (nftables, iptables) get a copy in O(state_dir)C(/last-good/), which the role's boot loaders
    load when a boot file does not.
seealso:
  - module: portwarden.hardening.firewall_rollback
  - module: portwarden.hardening.management_connection
author:
  - portwarden maintainers (@portwarden)
"""

EXAMPLES = r"""
- name: Apply the nftables ruleset rendered from the allowlist
  portwarden.hardening.firewall_apply:
    backend: nftables
    content: "{{ lookup('ansible.builtin.template', 'etc/nftables.d/portwarden.nft.j2') }}"
  register: firewall

- name: Show what was live before
  ansible.builtin.debug:
    msg: "{{ firewall.previous.source }}: {{ firewall.previous.content | default('nothing of ours') }}"

- name: Apply to the running firewall only; a later step persists after confirming
  portwarden.hardening.firewall_apply:
    backend: iptables
    content: "{{ rules_v4 }}"
    content_ipv6: "{{ rules_v6 }}"
    persist: false

- name: Roll back to the snapshot taken before
  portwarden.hardening.firewall_apply:
    backend: nftables
    state: "{{ firewall.previous.present | ternary('present', 'absent') }}"
    content: "{{ firewall.previous.content | default(omit) }}"

- name: Remove everything portwarden manages in firewalld
  portwarden.hardening.firewall_apply:
    backend: firewalld
    zone: portwarden
    state: absent
"""

RETURN = r"""
backend:
  description: The backend the module worked on.
  returned: always
  type: str
  sample: nftables
validated:
  description: Whether the content was validated on the host (always true for O(state=present) when the task succeeds).
  returned: always
  type: bool
  sample: true
in_sync:
  description: Whether the live ruleset already matched the content before the run.
  returned: when O(state=present)
  type: bool
  sample: false
applied:
  description: Whether the running firewall was (or in check mode would be) changed.
  returned: always
  type: bool
  sample: true
persisted:
  description: Whether the boot files were (or would be) written or removed.
  returned: always
  type: bool
  sample: true
previous:
  description:
    - Snapshot of what portwarden owned before the run, in the shape of this module's options. C(source) is
      V(applied) (the exact text loaded by the last run, whose live fingerprint still matches), V(live) (read back
      from the running firewall because it changed behind portwarden's back) or V(absent) (nothing of ours).
  returned: always
  type: dict
  contains:
    present:
      description: Whether anything of ours was in force.
      type: bool
    source:
      description: Where the snapshot comes from.
      type: str
      choices: [applied, live, absent]
    content:
      description: The ruleset, as the O(content) option takes it.
      type: str
      returned: when RV(previous.present) is true
    content_ipv6:
      description: The IPv6 rules (iptables), as the O(content_ipv6) option takes them.
      type: str
      returned: when RV(previous.present) is true and O(backend=iptables)
    content_ipset:
      description: The ipsets (iptables), as the O(content_ipset) option takes them.
      type: str
      returned: when RV(previous.present) is true, O(backend=iptables) and ipsets were in use
  sample:
    present: true
    source: applied
    content: "table inet portwarden {}\ndelete table inet portwarden\ntable inet portwarden {\n...}\n"
settled:
  description:
    - Rollbacks that earlier runs armed and nobody confirmed, settled before anything else. One whose watchdog is gone
      (the host rebooted before the confirmation, or the watchdog was killed) is restored at once - C(action) is
      V(restored), C(ok) says whether every restore step succeeded and C(restored) whether the live ruleset is the
      snapshot again. In check mode C(action) is V(would restore), or V(pending) for one still counting down.
    - While an earlier rollback still counts down, the task fails and nothing is applied or written to the boot
      files.
  returned: always
  type: list
  elements: dict
  sample:
    - token: 20261205T081500Z-a1b2c3
      description: the ufw ruleset portwarden applied
      action: restored
      ok: true
      restored: true
      message: an unconfirmed change from an earlier run (...) whose watchdog was gone has been rolled back now
rollback:
  description:
    - The rollback armed around the apply - its C(token), the C(method) that runs it (V(systemd) or V(detached)),
      the C(timeout) and the SSH C(session) the apply ran over. After a rollback, also its C(status) on the host.
  returned: when the running firewall was changed with O(rollback_timeout) above 0
  type: dict
  sample: {token: 20260101T120000Z-a1b2c3, method: systemd, timeout: 60, session: {client_address: 192.0.2.10, client_port: 51234}}
confirmed:
  description: Whether a new connection confirmed the new ruleset (it is kept).
  returned: when a rollback was armed
  type: bool
  sample: true
confirmation:
  description:
    - The SSH sessions the apply and the confirmation ran over (C(armed_session), C(confirmed_session)); different
      client ports show the confirmation came over a new TCP connection. Null sessions for connections without SSH.
  returned: when the new ruleset was confirmed
  type: dict
  sample: {armed_session: {client_port: 51234}, confirmed_session: {client_port: 51240}, attempts: 1}
rolled_back:
  description: True when the new ruleset was rolled back (the task fails and says why).
  returned: when a rollback fired
  type: bool
  sample: true
mixed_backends:
  description:
    - True when rules of another netfilter front-end exist next to ours (iptables-legacy rules next to nftables or
      iptables-nft). They are left alone, and a warning says so.
  returned: always
  type: bool
  sample: false
iptables_variant:
  description: Which iptables front-end the host uses.
  returned: when O(backend=iptables)
  type: str
  sample: nf_tables
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_base import FirewallError, check_paths
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_engine import (
    BACKENDS,
    DEFAULT_STATE_DIR,
    converge,
    make_backend,
)
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_rollback import FirewallGuard, settle_earlier
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._rollback import DEFAULT_DIR as DEFAULT_ROLLBACK_DIR


def main():
    module = AnsibleModule(
        argument_spec=dict(
            backend=dict(type="str", required=True, choices=sorted(BACKENDS)),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            content=dict(type="str"),
            content_ipv6=dict(type="str"),
            content_ipset=dict(type="str"),
            path=dict(type="path"),
            path_ipv6=dict(type="path"),
            path_ipset=dict(type="path"),
            zone=dict(type="str", default="portwarden"),
            firewalld_default_zone=dict(type="bool", default=True),
            persist=dict(type="bool", default=True),
            state_dir=dict(type="path", default=DEFAULT_STATE_DIR),
            rollback_timeout=dict(type="int", default=60),
            rollback_dir=dict(type="path", default=DEFAULT_ROLLBACK_DIR),
        ),
        required_if=[("state", "present", ("content",))],
        supports_check_mode=True,
    )
    params = module.params
    # Tools' messages are parsed (nft, ufw, firewall-cmd): keep them in English.
    module.run_command_environ_update = dict(LANG="C", LC_ALL="C", LC_MESSAGES="C")

    guard = None

    def run(argv, data=None):
        if guard is not None:
            # While an armed apply makes progress its countdown starts again; a module
            # that dies here leaves the host to restore within rollback_timeout.
            guard.keepalive()
        return module.run_command(argv, data=data, binary_data=data is not None)

    def which(name):
        return module.get_bin_path(name)

    result = dict(changed=False, backend=params["backend"])
    if params["rollback_timeout"] > 0 and params["state"] == "present" and not module.check_mode:
        guard = FirewallGuard(params["rollback_timeout"], params, base_dir=params["rollback_dir"], state_dir=params["state_dir"])
    try:
        check_paths(params, ("path", "path_ipv6", "path_ipset", "state_dir", "rollback_dir"))
        # Before anything else: an earlier unconfirmed change is restored (its watchdog is
        # gone) or blocks this run (it still counts down), so nothing is compared with,
        # applied over or persisted from a ruleset nobody confirmed.
        settled = settle_earlier(params["rollback_dir"], make_backend, run, which, check_mode=module.check_mode)
        result["settled"] = settled
        backend = make_backend(params["backend"], run, which, options=params)
        result = converge(
            backend,
            state=params["state"],
            contents={key: params[key] for key in ("content", "content_ipv6", "content_ipset")},
            persist=params["persist"],
            check_mode=module.check_mode,
            state_dir=params["state_dir"],
            guard=guard,
        )
    except FirewallError as error:
        module.fail_json(msg=str(error), command=error.command, output=error.output, **result)
    except (IOError, OSError) as error:
        module.fail_json(msg="%s: %s" % (getattr(error, "filename", None) or os.strerror(error.errno or 0), error), **result)

    result["settled"] = settled
    if any(item["action"] == "restored" for item in settled):
        result["changed"] = True
    for warning in [item["message"] for item in settled] + result.pop("warnings", []):
        module.warn(warning)
    diff = result.pop("diff", None)
    if module._diff and diff is not None:
        result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
