# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Values more than one layer needs, each defined once: the host's modules, the
controller's action and filter plugins all import them from here (no other imports, so
it is safe on either side).

Module documentation repeats the directory defaults as text (``default:`` must be a
literal there); ``tests/unit/collection`` checks that it says the same.
"""

from __future__ import annotations

# What can be allowed, listened on and filtered, and the address families it comes in.
PROTOCOLS = ("tcp", "udp")
FAMILIES = ("ipv4", "ipv6")
# Drift findings, in report order, and their severities, most severe first.
KINDS = ("unexpected", "missing", "mismatched")
SEVERITIES = ("critical", "high", "medium")
# firewalld's limit on a zone's name (at most 17 characters): the role's setting, the
# firewalld backend and port_audit's firewall_zone are checked against it.
FIREWALLD_ZONE_PATTERN = r"^[A-Za-z0-9_-]{1,17}$"
# Where armed rollbacks (and fired ones, for post-mortems) live on a host.
ROLLBACK_DIR = "/var/lib/portwarden/rollback"
# Where firewall_apply records what it applied, per backend (port_audit reads it back).
FIREWALL_STATE_DIR = "/var/lib/portwarden/firewall"
