# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The packed action with listening_ports' declared keys, in front of the hostile module."""

from __future__ import annotations

from ansible_collections.portwarden.hardening.plugins.action.listening_ports import ActionModule as _ListeningPorts


class ActionModule(_ListeningPorts):
    """Exactly listening_ports' action plugin."""
