# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""portwarden.hardening.firewall_ruleset: from the allowlist to the rendered ruleset, on the controller.

One step where the firewall role used to take four (normalise, model, add the management
connection, render), each of which templated and stored the whole allowlist or model as
Ansible values: at 10,000 entries that was most of a no-change run. Here the allowlist is
read once (templated only when it holds a template, plugin_utils/_variables.py), the model
is built and the templates rendered in this process, and only strings go back to the play.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist import AllowlistError, ensure_allowlist
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist_compose import (
    BASE,
    PREFIX,
    allowlist_variables,
    compose_normalised,
)
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist_doubts import doubts
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._firewall_model import build_model
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_rules import VIEWS
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._management import checked_findings, protection
from ansible_collections.portwarden.hardening.plugins.plugin_utils._role_template import render
from ansible_collections.portwarden.hardening.plugins.plugin_utils._variables import resolve

ARGUMENT_SPEC = dict(
    allowlist=dict(type="raw"),
    templates=dict(type="list", elements="dict", required=True, options=dict(
        part=dict(type="str", required=True),
        src=dict(type="str", required=True),
        family=dict(type="str"),  # ipv4, ipv6 or null: checked in run() (choices refuse null)
        view=dict(type="str", choices=sorted(VIEWS)),
    )),
    management=dict(type="dict", options=dict(
        session=dict(type="raw"),
        sshd_ports=dict(type="raw", default=[]),
        connection_port=dict(type="int"),
        remote=dict(type="bool", default=True),
    )),
    allow_empty=dict(type="bool", default=False),
)
# The variables the templates read the model, their view of it and the address family from.
MODEL_VAR = "__portwarden_firewall_model"
VIEW_VAR = "__portwarden_firewall_view"
FAMILY_VAR = "__portwarden_family"


class ActionModule(ActionBase):
    """Build the firewall model from the allowlist and render the ruleset's templates."""

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def _allowlist(self, given, task_vars) -> list:
        """The normalised allowlist: ``given``, or composed from the host's variables."""
        try:
            if given is not None:
                return ensure_allowlist(resolve(self._templar, given))
            names = allowlist_variables(task_vars)
            if not names:
                raise AnsibleActionFail("neither %s nor any %s* variable is defined for %s; declare what may listen"
                                        % (BASE, PREFIX, task_vars.get("inventory_hostname", "this host")))
            return compose_normalised({name: resolve(self._templar, task_vars[name]) for name in names})
        except AllowlistError as error:
            raise AnsibleActionFail(str(error)) from None

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        _validation, args = self.validate_argument_spec(ARGUMENT_SPEC)  # raises AnsibleActionFail naming the option
        host = task_vars.get("inventory_hostname", "this host")
        for item in args["templates"]:
            if item["family"] not in (None, "ipv4", "ipv6"):
                raise AnsibleActionFail("firewall_ruleset: templates: family must be ipv4, ipv6 or null, got %r" % item["family"])
        entries = self._allowlist(args["allowlist"], task_vars)
        warnings = doubts(entries)
        extra, kept = [], []
        if args["management"] is not None:
            wanted = args["management"]
            try:
                session, ports = checked_findings(wanted["session"], wanted["sshd_ports"])
            except AllowlistError as error:
                raise AnsibleActionFail("the management connection %s reported is not usable: %s" % (host, error)) from None
            found = protection(entries, session=session, connection_port=wanted["connection_port"], listening=ports,
                               remote=wanted["remote"])
            extra, kept = found["entries"], found["kept"]
            if found["warning"]:
                warnings.append(found["warning"])
        model = build_model(entries, extra)
        if model["empty"] and not args["allow_empty"]:
            raise AnsibleActionFail(
                "portwarden_allowlist allows nothing, so the firewall would close every port on %s, including the one "
                "Ansible connects through. Add entries, or set portwarden_firewall_allow_empty: true if that is really "
                "wanted. Nothing was changed." % host)
        rendered, views = {}, {}
        for item in args["templates"]:
            path = self._find_needle("templates", item["src"])
            given = {MODEL_VAR: model, FAMILY_VAR: item["family"]}
            if item["view"] is not None:
                if item["view"] not in views:
                    views[item["view"]] = VIEWS[item["view"]](model)
                given[VIEW_VAR] = views[item["view"]]
            rendered[item["part"]] = render(self._templar, self._loader, item["src"], path, task_vars, given)
        result.update(changed=False, rendered=rendered, entry_count=model["entry_count"], empty=model["empty"],
                      kept=kept, warnings=warnings)
        return result
