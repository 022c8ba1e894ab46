# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""portwarden.hardening.validate_fleet: every targeted host's input, checked once on the controller.

Runs where the roles used to assert over the ``fleet_problems`` filter. As an action it
reads the variables as written (plugin_utils/_variables.py): an allowlist is templated only
when it holds a template, instead of two or three times over (hostvars access, the vars
lookup, the comparison of the two), which at 10,000 entries cost seconds per run.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist import _fleet_input
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist_compose import allowlist_variables
from ansible_collections.portwarden.hardening.plugins.plugin_utils._variables import HostView, resolve

ARGUMENT_SPEC = dict(
    hosts=dict(type="list", elements="str"),
    defaults=dict(type="dict", default={}),
    allowlist=dict(type="bool", default=True),
    settings=dict(type="bool", default=True),
    exceptions=dict(type="bool", default=False),
    purpose=dict(type="str", default="change", choices=["change", "audit"]),
)
# How the refusal reads, by purpose: which hosts were looked at, and what did not happen.
WORDING = {"change": ("targeted", "so no host was changed"), "audit": ("audited", "so no host was audited")}


class ActionModule(ActionBase):
    """Fail naming every bad allowlist entry, setting or audit exception of every targeted host."""

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        _validation, args = self.validate_argument_spec(ARGUMENT_SPEC)  # raises AnsibleActionFail naming the option
        hosts = args["hosts"] if args["hosts"] is not None else list(task_vars.get("ansible_play_hosts_all") or [])
        hostvars = task_vars["hostvars"]
        here = task_vars.get("inventory_hostname")
        # What the running host sees, every level included (play and role variables, which
        # hostvars lacks): the allowlist variables and the settings only.
        names = set(allowlist_variables(task_vars)) | {_fleet_input.ALLOWLIST, _fleet_input.EXCEPTIONS}
        names.update(_fleet_input.SETTING_NAMES)
        effective = {name: resolve(self._templar, task_vars[name]) for name in names if name in task_vars}
        views = {host: HostView(hostvars, host) for host in dict.fromkeys(hosts + [here])}
        problems = _fleet_input.fleet_problems(views, hosts, here=here, effective=effective, defaults=args["defaults"],
                                               settings=args["settings"], allowlist=args["allowlist"],
                                               exceptions=args["exceptions"])
        subject, outcome = WORDING[args["purpose"]]
        result.update(changed=False, problems=problems, hosts=len(hosts))
        if problems:
            result.update(failed=True, msg="Invalid input (%d problem(s) among the %d %s hosts), %s: %s"
                          % (len(problems), len(hosts), subject, outcome, "; ".join(problems)))
        else:
            result["msg"] = "The input of all %d %s hosts is valid" % (len(hosts), subject)
        return result
