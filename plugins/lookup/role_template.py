# Copyright (c) 2026, portwarden maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Render a template to text the way ansible.builtin.template's lookup does, without first
deep-copying every variable of the host."""

from __future__ import annotations

DOCUMENTATION = r"""
name: role_template
author: portwarden maintainers (@portwarden)
version_added: 0.1.0
short_description: Render a template to text without copying every variable first
description:
  - Renders each template found on the usual C(templates) search path (the role's own first) and returns the text,
    as P(ansible.builtin.template#lookup) does, with the same C(ansible_managed) and C(template_*) variables.
  - Unlike it, the host's variables are not deep-copied before each template is rendered; the template reads them
    through a layer that holds only the C(template_*) variables and O(template_vars). With an allowlist of
    thousands of entries, that copy costs most of a second per template - the C(portwarden.hardening.firewall)
    role renders its ruleset and compares its boot files with this lookup.
  - A template must not change the variables it reads (no C(.append) or C(.update) on them); the firewall role's
    templates do not.
options:
  _terms:
    description: Template files, relative to the C(templates) directory of the role or the play.
    required: true
  template_vars:
    description: Variables added for the templates only, over the host's variables.
    type: dict
    default: {}
seealso:
  - plugin: ansible.builtin.template
    plugin_type: lookup
"""

EXAMPLES = r"""
- name: Render the role's ruleset into a fact
  ansible.builtin.set_fact:
    ruleset: "{{ lookup('portwarden.hardening.role_template', 'etc/nftables.d/portwarden.nft.j2') }}"

- name: Hand a template one extra variable
  ansible.builtin.debug:
    msg: "{{ lookup('portwarden.hardening.role_template', 'etc/portwarden/iptables.rules.j2',
                    template_vars={'__portwarden_family': 'ipv6'}) }}"
"""

RETURN = r"""
_raw:
  description: The rendered text of each template, in the order given.
  type: list
  elements: str
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.portwarden.hardening.plugins.plugin_utils._role_template import render


class LookupModule(LookupBase):
    """portwarden.hardening.role_template lookup."""

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        variables = variables or {}
        rendered = []
        for term in terms:
            path = self.find_file_in_search_path(variables, "templates", term)
            if not path:
                raise AnsibleLookupError("the template %s could not be found" % term)
            rendered.append(render(self._templar, self._loader, term, path, variables, self.get_option("template_vars")))
        return rendered
