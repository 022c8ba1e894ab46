# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""The firewall role's settings (``portwarden_firewall_*``): what a valid value looks like.

``settings_problems()`` checks the settings that end up in rendered rules, boot scripts and
systemd units, and returns one message per bad value (naming the variable and the value),
so the controller can refuse a whole fleet's input before any host changes. Paths must pass
``_fw_base.path_problem()``, the same check the ``firewall_apply`` module applies on the host.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ansible_collections.portwarden.hardening.plugins.module_utils._constants import FIREWALLD_ZONE_PATTERN
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_base import path_problem

PATHS = ("portwarden_firewall_nftables_path", "portwarden_firewall_iptables_dir", "portwarden_firewall_state_dir")
# name -> (pattern, what a good value looks like)
PATTERNS = {
    "portwarden_firewall_log_rate": (re.compile(r"^[1-9][0-9]*/(second|minute|hour|day)$"), "a rate such as 5/minute"),
    # nft and iptables cap a log prefix at 29 bytes (with the terminating NUL).
    "portwarden_firewall_log_prefix": (re.compile(r"^[A-Za-z0-9 :_.-]{0,28}$"), "up to 28 letters, digits, spaces and ':_.-'"),
    "portwarden_firewall_zone": (re.compile(FIREWALLD_ZONE_PATTERN), "1-17 letters, digits, '-' or '_'"),
}
CHOICES = {
    "portwarden_firewall_iptables_ipset": ("auto", "true", "false"),
    "portwarden_firewall_default_policy": ("drop", "reject", "accept"),
}
INTERFACE = re.compile(r"^[A-Za-z0-9_.@-]{1,15}$")
NAMES = tuple(sorted(set(PATHS) | set(PATTERNS) | set(CHOICES) | {
    "portwarden_firewall_firewalld_interfaces", "portwarden_firewall_rollback_timeout"}))


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def settings_problems(settings: Mapping) -> list:
    """One message per bad setting among those present in ``settings``; empty when all are good."""
    problems = []
    for name, (pattern, hint) in sorted(PATTERNS.items()):
        if name in settings and not (isinstance(settings[name], str) and pattern.match(settings[name])):
            problems.append("%s must be %s, got %r" % (name, hint, settings[name]))
    for name, choices in sorted(CHOICES.items()):
        if name in settings and str(settings[name]).lower() not in choices:
            problems.append("%s must be one of %s, got %r" % (name, ", ".join(choices), settings[name]))
    for name in PATHS:
        if name in settings:
            problem = path_problem(settings[name], name)
            if problem:
                problems.append(problem)
    name = "portwarden_firewall_firewalld_interfaces"
    if name in settings:
        interfaces = settings[name]
        if not isinstance(interfaces, (list, tuple)):
            problems.append("%s must be a list of interface names, got %r" % (name, interfaces))
        else:
            problems.extend("%s: %r is not an interface name (at most 15 letters, digits and '_.@-')" % (name, item)
                            for item in interfaces if not (isinstance(item, str) and INTERFACE.match(item)))
    name = "portwarden_firewall_rollback_timeout"
    if name in settings:
        value = settings[name]
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if not _is_int(value) or value < 0:
            problems.append("%s must be 0 (off) or a number of seconds, got %r" % (name, settings[name]))
    return problems
