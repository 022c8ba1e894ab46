# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The firewall probe: what the role decides from, read without changing anything."""

from __future__ import annotations

import hashlib
import os

from ansible_collections.portwarden.hardening.plugins.module_utils.firewall import _probe_host

# What systemd 252 (Debian 12) prints for `systemctl show -p UnitFileState -p ActiveState
# portwarden-firewall.service nftables.service nosuch.service`: one block per unit, in order.
SHOW = """ActiveState=active
UnitFileState=enabled

ActiveState=inactive
UnitFileState=disabled

ActiveState=inactive
UnitFileState=
"""


def test_systemctl_show_gives_each_unit_its_block_in_order():
    units = ["portwarden-firewall.service", "nftables.service", "nosuch.service"]
    assert _probe_host.parse_systemctl_show(SHOW, units) == {
        "portwarden-firewall.service": {"enabled": "enabled", "active": "active"},
        "nftables.service": {"enabled": "disabled", "active": "inactive"},
        "nosuch.service": {"enabled": "", "active": "inactive"},
    }


def test_missing_or_garbled_systemctl_output_reads_as_absent_units():
    units = ["a.service", "b.service"]
    absent = {"enabled": "", "active": ""}
    assert _probe_host.parse_systemctl_show("", units) == {"a.service": absent, "b.service": absent}
    garbled = _probe_host.parse_systemctl_show("no equals sign\x00\n\n\n=\n", units)
    assert set(garbled) == set(units)
    assert all(set(value) == {"enabled", "active"} for value in garbled.values())


def test_unit_states_asks_systemctl_once_and_ignores_a_failed_call(monkeypatch):
    calls = []
    monkeypatch.setattr(_probe_host.shutil, "which", lambda name, path=None: "/usr/bin/systemctl")

    def run(argv):
        calls.append(argv)
        return 1, SHOW, "boom"

    states = _probe_host.unit_states(["x.service"], run)
    assert len(calls) == 1 and calls[0][:2] == ["/usr/bin/systemctl", "show"] and calls[0][-1] == "x.service"
    assert states == {"x.service": {"enabled": "", "active": ""}}
    assert _probe_host.unit_states([], run) == {} and len(calls) == 1


def test_file_state_reads_mode_owner_group_and_digest(tmp_path):
    path = tmp_path / "portwarden-firewall.service"
    path.write_bytes(b"[Unit]\n")
    path.chmod(0o640)
    state = _probe_host.file_state(str(path))
    assert state["mode"] == "0640"
    assert state["sha256"] == hashlib.sha256(b"[Unit]\n").hexdigest()
    assert state["owner"] and state["group"]


def test_a_link_a_directory_or_a_missing_path_reads_as_null(tmp_path):
    target = tmp_path / "real"
    target.write_text("x")
    link = tmp_path / "link"
    os.symlink(str(target), str(link))
    states = _probe_host.file_states([str(link), str(tmp_path), str(tmp_path / "missing")])
    assert list(states.values()) == [None, None, None]


def test_a_huge_file_is_not_read_and_reads_as_different(tmp_path, monkeypatch):
    monkeypatch.setattr(_probe_host, "MAX_HASHED", 4)
    path = tmp_path / "big"
    path.write_text("12345")
    assert _probe_host.file_state(str(path)) is None


def test_tools_are_looked_up_on_the_system_path_only(tmp_path, monkeypatch):
    fake = tmp_path / "nft"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(_probe_host, "SYSTEM_PATH", "/nonexistent")
    assert _probe_host.which(["nft"]) == {"nft": None}
    monkeypatch.setattr(_probe_host, "SYSTEM_PATH", str(tmp_path))
    assert _probe_host.which(["nft"]) == {"nft": str(fake)}


def test_ufw_switch(tmp_path):
    conf = tmp_path / "ufw.conf"
    conf.write_text("# comment\nENABLED=yes\nLOGLEVEL=low\n")
    assert _probe_host.ufw_enabled(str(conf)) is True
    conf.write_text("ENABLED=no\n")
    assert _probe_host.ufw_enabled(str(conf)) is False
    conf.write_text("ENABLED='yes'\n")
    assert _probe_host.ufw_enabled(str(conf)) is True
    assert _probe_host.ufw_enabled(str(tmp_path / "missing")) is False
