# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fleet-wide input check the roles run once, on the controller, before any host changes.

Documentation lives beside this file in fleet_problems.yml and allowlist_doubts.yml.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.utils.display import Display

from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist import _fleet_input
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist import AllowlistError, ensure_allowlist
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist_doubts import doubts

# What the roles put in ``effective`` for a variable the running host does not have.
UNSET = "__portwarden_unset__"


def fleet_problems(hostvars, hosts, here=None, effective=None, defaults=None, settings=True, allowlist=True, exceptions=False):
    """One ``"host: problem"`` line per bad allowlist entry, setting or audit exception of every host in ``hosts``."""
    if not isinstance(hostvars, Mapping):
        raise AnsibleFilterError("fleet_problems expects hostvars as its input, got %s" % type(hostvars).__name__)
    if isinstance(hosts, str) or not isinstance(hosts, (list, tuple)):
        raise AnsibleFilterError("fleet_problems expects a list of host names, such as ansible_play_hosts_all")
    seen = {name: value for name, value in dict(effective or {}).items() if not (isinstance(value, str) and value == UNSET)}
    return _fleet_input.fleet_problems(hostvars, list(hosts), here=here, effective=seen, defaults=dict(defaults or {}),
                                       settings=bool(settings), allowlist=bool(allowlist), exceptions=bool(exceptions))


def allowlist_doubts(entries, var_name="portwarden_allowlist", warn=True):
    """Duplicate and overlapping entries of a valid allowlist (as written or normalised); each one also a warning when ``warn``."""
    try:
        normalised = ensure_allowlist(entries, var_name=var_name)
    except AllowlistError as error:
        raise AnsibleFilterError(str(error)) from None
    messages = doubts(normalised, var_name=var_name)
    if warn:
        display = Display()
        for message in messages:
            display.warning(message)
    return messages


class FilterModule:
    """portwarden.hardening fleet filters."""

    def filters(self):
        return {"allowlist_doubts": allowlist_doubts, "fleet_problems": fleet_problems}
