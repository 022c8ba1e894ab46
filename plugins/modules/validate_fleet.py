#!/usr/bin/python
# Copyright (c) 2026, portwarden maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: validate_fleet
short_description: Check every targeted host's allowlist, firewall settings and audit exceptions before any host changes
version_added: 0.1.0
description:
  - Runs on the controller only (an action plugin; no host is contacted). Reads the effective allowlist of every
    host in O(hosts) - C(portwarden_allowlist) and every C(portwarden_allowlist__*) variable, composed as the
    P(portwarden.hardening.effective_allowlist#lookup) lookup does - and, as asked, the firewall role's settings and
    C(portwarden_audit_exceptions), and fails naming every bad entry and its host.
  - Run it once for the play (C(run_once), C(any_errors_fatal)) before the first task that changes a host. With
    C(serial), a later batch's bad entry would otherwise be found only after earlier batches were changed. The
    C(portwarden.hardening.firewall), C(harden) and C(audit) roles do.
  - Which value a host gets follows Ansible's precedence as far as the controller can see it - see the
    P(portwarden.hardening.fleet_problems#filter) filter, which returns the same problems as a list.
  - Variables are templated only when they hold a template, so an allowlist of thousands of entries is read once,
    not templated once per access.
options:
  hosts:
    description: The hosts to check. Defaults to the play's hosts (C(ansible_play_hosts_all)).
    type: list
    elements: str
  defaults:
    description: Values for variables that a host does not define, such as the role's defaults.
    type: dict
    default: {}
  allowlist:
    description: Check the effective allowlist. A host that has none is a problem.
    type: bool
    default: true
  settings:
    description: Check the firewall role's settings (C(portwarden_firewall_zone), C(portwarden_firewall_log_prefix) and the rest).
    type: bool
    default: true
  exceptions:
    description: Check C(portwarden_audit_exceptions).
    type: bool
    default: false
  purpose:
    description:
      - What the run was going to do, for the message - V(change) reads I(targeted hosts), I(so no host was
        changed); V(audit) reads I(audited hosts), I(so no host was audited).
    type: str
    choices: [change, audit]
    default: change
extends_documentation_fragment:
  - portwarden.hardening._attributes.controller
seealso:
  - plugin: portwarden.hardening.fleet_problems
    plugin_type: filter
  - plugin: portwarden.hardening.effective_allowlist
    plugin_type: lookup
author:
  - portwarden maintainers (@portwarden)
"""

EXAMPLES = r"""
- name: Validate every targeted host's allowlist and firewall settings before anything changes
  portwarden.hardening.validate_fleet:
  run_once: true
  any_errors_fatal: true

- name: Check the allowlists and audit exceptions of the audited hosts only
  portwarden.hardening.validate_fleet:
    settings: false
    exceptions: true
    purpose: audit
  run_once: true
  any_errors_fatal: true
"""

RETURN = r"""
problems:
  description:
    - One line per bad value, each starting with its host's name and, for the allowlist, naming the variable and the
      entry. Empty when all is well.
  returned: always
  type: list
  elements: str
  sample: ["db3: portwarden_allowlist entry #2 (port: 70000): port 70000 is outside 1-65535"]
hosts:
  description: How many hosts were checked.
  returned: always
  type: int
  sample: 40
msg:
  description: The verdict; on failure, every problem joined on one line.
  returned: always
  type: str
  sample: >-
    Invalid input (1 problem(s) among the 40 targeted hosts), so no host was changed: db3: portwarden_allowlist
    entry #2 (port: 70000): port 70000 is outside 1-65535
"""
