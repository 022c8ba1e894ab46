# Copyright (c) 2026, portwarden maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The effective allowlist of the current host: thin wrapper over _allowlist_compose."""

from __future__ import annotations

DOCUMENTATION = r"""
name: effective_allowlist
author: portwarden maintainers (@portwarden)
version_added: 0.1.0
short_description: The current host's allowlist composed from C(portwarden_allowlist) and C(portwarden_allowlist__*)
description:
  - Returns the effective allowlist of the host the task runs for - C(portwarden_allowlist) plus every variable whose
    name starts with C(portwarden_allowlist__), from any group or host, task and role variables included, applied in
    the order of the variables' names.
  - An entry with C(state=absent) (keys C(port), C(proto), C(comment)) removes those ports, for every source, from
    the entries that the variables before it added; a range it cuts is split into what remains. Removing a port that
    is not there is not an error.
  - Each returned entry is written as in the allowlist, with C(origin) set to the name of the variable it came from,
    so reports say where an entry was declared. The result is what the
    P(portwarden.hardening.allowlist#filter) filter, the modules and the roles take.
  - Every entry of every variable is validated; a bad one fails the task with a message that names the variable and
    the entry. With O(problems=true) the problems are returned instead, one line each. No terms are taken.
  - See P(portwarden.hardening.compose_allowlist#filter) to compose the list of another host from its C(hostvars).
options:
  problems:
    description:
      - Return every problem instead of the allowlist - one line per bad entry, each naming the variable and the
        entry, and the missing declaration when no variable is defined - as a list that is empty when all is well.
      - Pass it to M(ansible.builtin.fail) to stop a play with exactly these lines rather than a templating error.
    type: bool
    default: false
notes:
  - Without any of these variables defined the lookup fails, so that a forgotten declaration never means "allow
    nothing" (or "allow everything").
seealso:
  - plugin: portwarden.hardening.compose_allowlist
    plugin_type: filter
  - plugin: portwarden.hardening.allowlist
    plugin_type: filter
"""

EXAMPLES = r"""
# group_vars/all.yml:  portwarden_allowlist: [{port: ssh, sources: [192.0.2.0/24]}]
# group_vars/web.yml:  portwarden_allowlist__web: [{port: https}]
# host_vars/web3.yml:  portwarden_allowlist__zz_web3: [{port: https, state: absent}]
- name: Show what a host may expose after composition
  ansible.builtin.debug:
    msg: "{{ lookup('portwarden.hardening.effective_allowlist') }}"

- name: Audit against the composed list
  portwarden.hardening.port_audit:
    allowlist: "{{ lookup('portwarden.hardening.effective_allowlist') }}"

- name: Stop the play with one line per bad entry, before any host changes
  ansible.builtin.fail:
    # portwarden_allowlist__90_host entry #1 (port: 70000): port 70000 is outside 1-65535
    msg: "{{ problems | join('; ') }}"
  vars:
    problems: "{{ lookup('portwarden.hardening.effective_allowlist', problems=true) }}"
  when: problems | length > 0
"""

RETURN = r"""
_raw:
  description:
    - The effective allowlist, one mapping per entry, in the order the variables and their entries were applied
      (with O(problems=true), the list of problems instead).
    - Each entry keeps the keys as written (C(port), C(proto), C(sources), C(process), C(required), C(comment)), with
      C(origin) added; an entry whose range a removal cut has C(port) rewritten to the range that remains.
  type: list
  elements: dict
"""

from collections.abc import Mapping

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist import AllowlistError
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist_compose import (
    BASE,
    PREFIX,
    allowlist_variables,
    compose_allowlist,
)


class LookupModule(LookupBase):
    """portwarden.hardening.effective_allowlist lookup."""

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        if terms:
            raise AnsibleLookupError("portwarden.hardening.effective_allowlist takes no terms")
        if not isinstance(variables, Mapping):
            raise AnsibleLookupError("portwarden.hardening.effective_allowlist needs the host's variables")
        problems = self.get_option("problems")
        names = allowlist_variables(variables)
        if not names:
            message = ("neither %s nor any %s* variable is defined for %s; declare what may listen"
                       % (BASE, PREFIX, variables.get("inventory_hostname", "this host")))
            if problems:
                return [[message]]
            raise AnsibleLookupError(message)
        # Values arrive as written in the inventory; template them the way ansible.builtin.vars does.
        lists = {name: self._templar.template(variables[name]) for name in names}
        try:
            composed = compose_allowlist(lists)
        except AllowlistError as error:
            if problems:
                return [[" ".join(message.split()) for message in error.errors]]
            raise AnsibleLookupError(str(error)) from None
        return [[] if problems else composed]
