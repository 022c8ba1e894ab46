# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller half of portwarden.hardening.port_audit: carries its large result cheaply.

See plugin_utils/_packed_action.py; the task result is what the module returns.
"""

from __future__ import annotations

from ansible_collections.portwarden.hardening.plugins.plugin_utils._packed_action import PackedResultAction


class ActionModule(PackedResultAction):
    """Run portwarden.hardening.port_audit and unpack its packed values."""

    PACKED_KEYS = frozenset(("drift", "accepted", "listening", "published", "effective"))
