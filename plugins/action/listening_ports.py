# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller half of portwarden.hardening.listening_ports: carries its large result cheaply.

See plugin_utils/_packed_action.py; the task result is what the module returns.
"""

from __future__ import annotations

from ansible_collections.portwarden.hardening.plugins.plugin_utils._packed_action import PackedResultAction


class ActionModule(PackedResultAction):
    """Run portwarden.hardening.listening_ports and unpack its packed values."""

    PACKED_KEYS = frozenset(("ansible_facts", "listening", "owners", "published"))
    PACKED_FACTS = frozenset(("portwarden_listening", "portwarden_listening_owners", "portwarden_published"))
