# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Boot files and their last-good copies, and the engine's hooks for the commit-confirmed apply."""

from __future__ import annotations

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_base import FirewallError
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_engine import converge, last_good_path, make_backend

from ansible_collections.portwarden.hardening.tests.unit.plugins.module_utils.test_fw_engine import OTHER, RULESET, FakeNft


@pytest.fixture
def host(tmp_path):
    nft = FakeNft()
    nft.path = tmp_path / "etc" / "portwarden.nft"
    nft.copy = tmp_path / "state" / "last-good" / "portwarden.nft"

    def run_once(content=RULESET, **kwargs):
        backend = make_backend("nftables", nft.run, lambda name: "/usr/sbin/nft" if name == "nft" else None, options={"path": str(nft.path)})
        return converge(backend, contents={"content": content}, state_dir=str(tmp_path / "state"), **kwargs)

    nft.converge = run_once
    return nft


def test_last_good_path():
    assert last_good_path("/var/lib/portwarden/firewall", "/etc/portwarden/iptables.v4") == \
        "/var/lib/portwarden/firewall/last-good/iptables.v4"


def test_every_boot_file_gets_a_last_good_copy(host):
    host.converge()
    assert host.copy.read_text() == host.path.read_text()
    host.converge(content=OTHER)
    assert "dport 2222" in host.copy.read_text() and host.copy.read_text() == host.path.read_text()


@pytest.mark.parametrize("damaged", ["path", "copy"])
def test_a_damaged_boot_file_or_copy_is_written_again_without_reloading(host, damaged):
    host.converge()
    getattr(host, damaged).write_text("}}} not a ruleset\n")
    result = host.converge()
    assert result["changed"] and result["persisted"] and not result["applied"]
    assert len(host.loads()) == 1
    assert host.copy.read_text() == host.path.read_text()
    assert "dport 22 accept" in host.path.read_text()


class RecordingGuard:
    def __init__(self):
        self.events = []

    def arm(self, backend, previous, desired, current, commit=None):
        self.events.append(("arm", previous["present"], sorted(commit or {})))
        return {"token": "t", "notes": ["an earlier unconfirmed change was rolled back now"]}

    def applied(self):
        self.events.append(("applied",))
        return {"token": "t", "state": "armed"}

    def abort(self):
        self.events.append(("abort",))
        return {"state": "fired", "result": {"ok": True}}


def test_a_guarded_apply_arms_first_and_leaves_the_boot_files_to_the_confirmation(host):
    guard = RecordingGuard()
    result = host.converge(guard=guard)
    assert guard.events == [("arm", False, sorted([str(host.copy), str(host.path)])), ("applied",)]
    assert result["rollback"] == {"token": "t", "state": "armed"}
    assert result["persist_pending"] is True and result["persisted"] is False and result["changed"]
    assert "an earlier unconfirmed change was rolled back now" in result["warnings"]
    assert not host.path.exists() and not host.copy.exists()


def test_a_guarded_apply_that_fails_is_aborted_and_says_rolled_back(host):
    host.converge()
    guard = RecordingGuard()
    original = host.run

    def failing(argv, data=None):
        if argv[1] == "-f":
            return 1, "", "Error: Could not process rule: Device or resource busy"
        return original(argv, data)

    host.run = failing
    with pytest.raises(FirewallError, match="restored at once .rolled back, restore ok.: .*resource busy"):
        host.converge(content=OTHER, guard=guard)
    assert guard.events[-1] == ("abort",)


def test_nothing_is_armed_when_in_sync(host):
    host.converge()
    guard = RecordingGuard()
    result = host.converge(guard=guard)
    assert guard.events == [] and not result["changed"] and "rollback" not in result


def test_check_mode_arms_nothing(host):
    guard = RecordingGuard()
    result = host.converge(guard=guard, check_mode=True)
    assert guard.events == [] and result["changed"] and not host.loads()
