# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The apply sequence (validate, compare, snapshot, apply, persist) against a simulated nft."""

from __future__ import annotations

import os

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_base import FirewallError
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_engine import converge, make_backend
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_nftables import REPLACE_HEADER

RULESET = "table inet portwarden {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t\ttcp dport 22 accept\n\t}\n}\n"
OTHER = RULESET.replace("dport 22", "dport 2222")


class FakeNft:
    """Just enough nft: -c -f (fails on port 99999), -f (keeps the table), list table."""

    def __init__(self):
        self.table = None
        self.calls = []

    def run(self, argv, data=None):
        self.calls.append(argv[1:])
        if argv[1:3] == ["-c", "-f"]:
            with open(argv[3], encoding="utf-8") as handle:
                text = handle.read()
            if "99999" in text:
                return 1, "", "%s:4:13-17: Error: Could not process rule: value too large" % argv[3]
            return 0, "", ""
        if argv[1] == "-f":
            with open(argv[2], encoding="utf-8") as handle:
                text = handle.read()
            body = text.replace(REPLACE_HEADER, "", 1)
            # The kernel's listing is not the loaded text: comments and layout are gone.
            self.table = "\n".join(line for line in body.splitlines() if line.strip() and not line.startswith("#")) or None
            return 0, "", ""
        if argv[1:] == ["list", "table", "inet", "portwarden"]:
            if self.table is None:
                return 1, "", "Error: No such file or directory; did you mean table 'portwarden' in family ip?"
            return 0, self.table + "\n", ""
        raise AssertionError("unexpected command %r" % argv)

    def loads(self):
        return [call for call in self.calls if call[0] == "-f"]


@pytest.fixture
def host(tmp_path):
    nft = FakeNft()

    def which(name):
        return "/usr/sbin/" + name if name == "nft" else None

    def run_once(content=RULESET, **kwargs):
        backend = make_backend("nftables", nft.run, which, options={"path": str(tmp_path / "etc" / "portwarden.nft")})
        return converge(backend, contents={"content": content}, state_dir=str(tmp_path / "state"), **kwargs)

    nft.converge = run_once
    nft.path = tmp_path / "etc" / "portwarden.nft"
    return nft


def test_first_run_applies_persists_and_snapshots_nothing(host):
    result = host.converge()
    assert result["changed"] and result["applied"] and result["persisted"]
    assert result["previous"] == {"present": False, "source": "absent"}
    assert len(host.loads()) == 1
    assert host.path.read_text().startswith(REPLACE_HEADER)
    assert "dport 22 accept" in host.path.read_text()
    assert result["diff"]["before"] == ""
    assert "dport 22 accept" in result["diff"]["after"]


def test_second_run_changes_nothing_and_loads_nothing(host):
    host.converge()
    result = host.converge()
    assert not result["changed"] and result["in_sync"]
    assert len(host.loads()) == 1
    assert result["previous"]["source"] == "applied"
    assert result["previous"]["content"] == REPLACE_HEADER + RULESET


def test_a_table_changed_behind_our_back_is_put_back(host):
    host.converge()
    host.table = host.table.replace("dport 22", "dport 23")
    result = host.converge()
    assert result["changed"] and result["applied"] and not result["persisted"]
    assert result["previous"]["source"] == "live"
    assert "dport 23" in result["previous"]["content"]
    assert result["previous"]["content"].startswith(REPLACE_HEADER)
    assert "dport 22" in host.table


def test_a_new_ruleset_snapshots_the_exact_text_applied_before(host):
    host.converge()
    result = host.converge(content=OTHER)
    assert result["changed"] and result["applied"] and result["persisted"]
    assert result["previous"]["content"] == REPLACE_HEADER + RULESET
    assert "dport 2222" in host.table


def test_check_mode_reports_and_changes_nothing(host, tmp_path):
    result = host.converge(check_mode=True)
    assert result["changed"] and result["applied"] and result["persisted"]
    assert host.loads() == []
    assert not host.path.exists()
    assert not (tmp_path / "state").exists()


def test_a_ruleset_that_does_not_validate_changes_nothing(host):
    host.converge()
    with pytest.raises(FirewallError, match="does not validate, nothing was changed: .*value too large"):
        host.converge(content=RULESET.replace("dport 22", "dport 99999"))
    assert len(host.loads()) == 1
    assert "dport 22 accept" in host.path.read_text()


def test_the_error_names_the_rendered_ruleset_not_a_temporary_file(host):
    with pytest.raises(FirewallError) as error:
        host.converge(content=RULESET.replace("dport 22", "dport 99999"))
    assert "rendered ruleset:4:13-17" in str(error.value)
    assert "/tmp" not in str(error.value)


@pytest.mark.parametrize("content, message", [
    ("flush ruleset\n" + RULESET, "'flush ruleset' is outside what portwarden manages"),
    (RULESET + "table inet filter {\n}\n", "'table inet filter' is outside"),
    ("delete table ip nat\n" + RULESET, "'delete table ip nat' is outside"),
    (RULESET + "add rule inet filter input accept\n", "'add rule inet filter input accept' is outside"),
])
def test_a_ruleset_that_touches_anything_else_is_refused_before_nft_sees_it(host, content, message):
    with pytest.raises(FirewallError, match=message):
        host.converge(content=content)
    assert host.calls == []


def test_persist_false_applies_live_only_and_a_later_run_persists(host):
    result = host.converge(persist=False)
    assert result["applied"] and not result["persisted"]
    assert not host.path.exists()
    result = host.converge()
    assert result["changed"] and not result["applied"] and result["persisted"]
    assert len(host.loads()) == 1
    assert host.path.exists()


def test_a_hand_edited_boot_file_is_rewritten_without_touching_the_live_table(host):
    host.converge()
    host.path.write_text("table inet portwarden {}\n")
    result = host.converge()
    assert result["changed"] and not result["applied"] and result["persisted"]
    assert len(host.loads()) == 1


def test_absent_removes_table_file_and_record(host, tmp_path):
    host.converge()
    result = host.converge(state="absent")
    assert result["changed"] and result["applied"] and result["persisted"]
    assert host.table is None
    assert not host.path.exists()
    assert not os.listdir(tmp_path / "state")
    assert not host.converge(state="absent")["changed"]
