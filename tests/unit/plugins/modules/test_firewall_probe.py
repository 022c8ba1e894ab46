# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The firewall_probe module: what it reads, the management check it shares, bad input."""

from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.portwarden.hardening.plugins.module_utils.firewall import _management_host
from ansible_collections.portwarden.hardening.plugins.modules import firewall_probe

SESSION = {"client_address": "192.0.2.10", "client_port": 51234, "server_address": "192.0.2.20", "server_port": 2222,
           "source": "SSH_CONNECTION"}


def run_module(capsys, args: dict) -> dict:
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            firewall_probe.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def host(monkeypatch, tmp_path):
    monkeypatch.setattr(_management_host, "gather", lambda **kwargs: ([], "netlink"))
    monkeypatch.setattr(_management_host, "current_session", lambda: dict(SESSION))
    warnings = []
    monkeypatch.setattr(firewall_probe.AnsibleModule, "warn", lambda self, text: warnings.append(text))
    unit = tmp_path / "portwarden-firewall.service"
    unit.write_text("[Unit]\n")
    return {"unit": unit, "warnings": warnings}


def test_reads_tools_files_and_units_and_changes_nothing(capsys, host):
    unit = str(host["unit"])
    result = run_module(capsys, {"tools": ["sh", "no-such-tool-here"], "files": [unit, unit + ".missing"],
                                 "units": [], "_ansible_check_mode": True})
    assert result["changed"] is False
    assert result["tools"]["sh"] and result["tools"]["no-such-tool-here"] is None
    assert result["files"][unit]["sha256"] and result["files"][unit + ".missing"] is None
    assert result["units"] == {} and isinstance(result["ufw_enabled"], bool)
    assert "management" not in result


def test_management_keeps_the_session_port_open_to_the_controller_only(capsys, host):
    tcp_ports = {"any": [[22, 22]], "sources": {"ipv4": [], "ipv6": []}}
    result = run_module(capsys, {"management": {"tcp_ports": tcp_ports, "connection_port": 2222}})
    management = result["management"]
    assert management["session"]["server_port"] == 2222
    assert [entry["sources"]["ipv4"] for entry in management["entries"]] == [["192.0.2.10/32"]]
    assert management["kept"][0]["port"] == 2222
    assert any("2222/tcp" in warning for warning in host["warnings"])


def test_management_finds_nothing_to_add_when_the_allowlist_opens_it(capsys, host):
    tcp_ports = {"any": [[2222, 2222]], "sources": {"ipv4": [], "ipv6": []}}
    result = run_module(capsys, {"management": {"tcp_ports": tcp_ports}})
    assert result["management"]["entries"] == [] and host["warnings"] == []


def test_management_without_tcp_ports_reads_the_session_and_sshd_only(capsys, host):
    # The firewall role decides what to keep open on the controller (firewall_ruleset): the
    # probe returns what it found, adds nothing and warns about no allowlist.
    result = run_module(capsys, {"management": {"connection_port": 2222}})
    management = result["management"]
    assert management["session"]["server_port"] == 2222 and management["session"]["client_address"] == "192.0.2.10"
    assert management["sshd_ports"] == []
    assert management["entries"] == [] and management["kept"] == [] and host["warnings"] == []


@pytest.mark.parametrize("args, words", [
    ({"files": ["etc/relative"]}, ["files", "etc/relative", "absolute"]),
    ({"management": {"tcp_ports": {"any": [[70000, 70000]], "sources": {}}}}, ["management.tcp_ports"]),
])
def test_bad_input_fails_naming_it(capsys, host, args, words):
    result = run_module(capsys, args)
    assert result["failed"] is True
    for word in words:
        assert word in result["msg"]
