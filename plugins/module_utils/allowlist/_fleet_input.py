# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Every targeted host's allowlist, firewall settings and audit exceptions, checked at once on the controller.

A play that runs in batches (``serial``) would otherwise validate each host's input only
when its batch comes, after earlier batches were changed. ``fleet_problems()`` is handed
the play's ``hostvars`` (any mapping of host name -> that host's variables) and the list of
targeted hosts, and returns one message per bad value of every host, each prefixed with the
host's name, so one controller step can refuse the whole run before any host changes. The
audit role uses the same step for the allowlist and the audit exceptions: one task for the
whole play instead of one per host.

Which value a host gets, for each variable name: ``hostvars`` holds inventory variables,
facts and extra vars, but not play or role variables. ``effective`` is what the running
host sees (all levels); ``defaults`` the role defaults. When the running host's own
``hostvars`` value differs from what it sees, a play-level value overrides every host's
inventory (play vars win over inventory), so that value is everyone's; otherwise a host's
``hostvars`` value counts, then (when the running host has none either) what the running
host sees, then the role default.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist import AllowlistError
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist_compose import (
    allowlist_variables,
    compose_normalised,
)
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._audit_exceptions import parse_exceptions
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_settings import NAMES as SETTING_NAMES
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_settings import settings_problems

ALLOWLIST = "portwarden_allowlist"
EXCEPTIONS = "portwarden_audit_exceptions"
_MISSING = object()


def _get(variables, name):
    try:
        if variables is not None and name in variables:
            return variables[name]
    except (KeyError, TypeError):
        pass
    return _MISSING


def resolve(name, host_vars, here_vars, effective, defaults):
    """The value ``name`` has on a host (see the module docstring), or _MISSING."""
    seen_here = effective.get(name, _MISSING)
    inventory_here = _get(here_vars, name)
    if inventory_here is not _MISSING and seen_here is not _MISSING and inventory_here != seen_here:
        return seen_here
    value = _get(host_vars, name)
    if value is not _MISSING:
        return value
    if inventory_here is _MISSING and seen_here is not _MISSING:
        return seen_here
    return defaults.get(name, _MISSING)


def host_problems(host_vars, here_vars=None, effective=None, defaults=None, settings=True, allowlist=True,
                  exceptions=False) -> list:
    """Problems of one host's allowlist (when ``allowlist``), firewall settings (when ``settings``) and audit
    exceptions (when ``exceptions``)."""
    effective = effective or {}
    defaults = defaults or {}
    problems = _allowlist_problems(host_vars, here_vars, effective, defaults) if allowlist else []
    if settings:
        values = {}
        for name in SETTING_NAMES:
            value = resolve(name, host_vars, here_vars, effective, defaults)
            if value is not _MISSING:
                values[name] = value
        problems.extend(settings_problems(values))
    if exceptions:
        value = resolve(EXCEPTIONS, host_vars, here_vars, effective, defaults)
        try:
            parse_exceptions(None if value is _MISSING else value, var_name=EXCEPTIONS)
        except AllowlistError as error:
            problems.extend(error.errors)
    return problems


def _allowlist_problems(host_vars, here_vars, effective, defaults) -> list:
    problems = []
    # The effective allowlist: portwarden_allowlist plus every portwarden_allowlist__* the host has.
    try:
        names = list(host_vars or {}) + list(effective) + [ALLOWLIST]
    except TypeError:
        names = [ALLOWLIST]
    declared = {}
    for name in allowlist_variables(names):
        value = resolve(name, host_vars, here_vars, effective, defaults)
        if value is not _MISSING:
            declared[name] = value
    if not declared:
        problems.append("%s is not set (nor any %s__* variable); it has no default: declare what may listen"
                        % (ALLOWLIST, ALLOWLIST))
    else:
        try:
            compose_normalised(declared)
        except AllowlistError as error:
            problems.extend(error.errors)
    return problems


def fleet_problems(hostvars: Mapping, hosts, here=None, effective=None, defaults=None, settings=True, allowlist=True,
                   exceptions=False) -> list:
    """``"host: problem"`` for every bad value of every host in ``hosts``, in host order."""
    here_vars = hostvars[here] if here is not None and here in hostvars else None
    messages = []
    for host in hosts:
        host_vars = hostvars[host] if host in hostvars else {}
        # One line each: the messages are joined into one line for the user.
        messages.extend("%s: %s" % (host, " ".join(problem.split()))
                        for problem in host_problems(host_vars, here_vars, effective, defaults, settings, allowlist, exceptions))
    return messages
