# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist import ensure_allowlist
from ansible_collections.portwarden.hardening.plugins.modules.firewall_rollback import same_session

ARMED = {"client_address": "192.0.2.10", "client_port": 51234, "server_address": "192.0.2.20", "server_port": 22,
         "source": "SSH_CONNECTION"}


@pytest.mark.parametrize("now, expected", [
    (dict(ARMED), True),
    # Found through the process tree instead of the environment: still the same connection.
    (dict(ARMED, source="sshd process 812"), True),
    (dict(ARMED, client_port=51240), False),
    (dict(ARMED, client_address="192.0.2.11"), False),
    (dict(ARMED, server_port=2222), False),
    (None, False),
])
def test_same_session(now, expected):
    assert same_session(ARMED, now) is expected


def test_no_armed_session_never_matches():
    assert same_session(None, ARMED) is False


def test_management_connection_accepts_raw_and_normalised_allowlists():
    # management_connection validates its allowlist with ensure_allowlist: raw or normalised, checked either way.
    raw = [{"port": "ssh"}, {"port": 80, "sources": ["192.0.2.0/24"]}]
    entries = ensure_allowlist(raw)
    assert [entry["ports"] for entry in entries] == [[[22, 22]], [[80, 80]]]
    assert ensure_allowlist(entries) == entries
