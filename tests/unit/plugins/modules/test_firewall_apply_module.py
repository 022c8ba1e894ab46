# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The firewall_apply module: options in, engine result out, errors as fail_json."""

from __future__ import annotations

import json

import pytest
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.portwarden.hardening.plugins.modules import firewall_apply

RULESET = "table inet portwarden {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t}\n}\n"


@pytest.fixture
def nft(monkeypatch):
    """A host with nft: validation fails on 99999, loads are kept, the listing is the body."""
    state = {"table": None, "loads": 0}

    def run_command(self, argv, data=None, binary_data=False, **_kwargs):
        if argv[1:3] == ["-c", "-f"]:
            with open(argv[3], encoding="utf-8") as handle:
                return (1, "", "Error: value too large") if "99999" in handle.read() else (0, "", "")
        if argv[1] == "-f":
            state["loads"] += 1
            with open(argv[2], encoding="utf-8") as handle:
                state["table"] = handle.read().split("delete table inet portwarden\n", 1)[1]
            return 0, "", ""
        if argv[1:3] == ["list", "table"]:
            return (0, state["table"], "") if state["table"] else (1, "", "Error: No such file or directory")
        return 127, "", "not found"

    monkeypatch.setattr(AnsibleModule, "run_command", run_command)
    monkeypatch.setattr(AnsibleModule, "get_bin_path", lambda self, name, *a, **k: "/usr/sbin/nft" if name == "nft" else None)
    return state


def run_module(capsys, args):
    with patch_module_args(args), pytest.raises(SystemExit) as caught:
        firewall_apply.main()
    return caught.value.code, json.loads(capsys.readouterr().out)


def args(tmp_path, **extra):
    # rollback_timeout 0: these tests are about the apply; the armed path has its own tests.
    base = {"backend": "nftables", "content": RULESET, "path": str(tmp_path / "portwarden.nft"),
            "state_dir": str(tmp_path / "state"), "rollback_timeout": 0, "rollback_dir": str(tmp_path / "rollback")}
    base.update(extra)
    return base


def test_applies_then_changes_nothing(capsys, tmp_path, nft):
    code, result = run_module(capsys, args(tmp_path))
    assert code == 0 and result["changed"] and result["applied"] and result["persisted"]
    assert result["previous"] == {"present": False, "source": "absent"}
    assert "diff" not in result
    code, result = run_module(capsys, args(tmp_path))
    assert code == 0 and not result["changed"] and result["in_sync"]
    assert result["previous"]["source"] == "applied"
    assert nft["loads"] == 1


def test_diff_mode_returns_before_and_after(capsys, tmp_path, nft):
    code, result = run_module(capsys, args(tmp_path, _ansible_diff=True, _ansible_check_mode=True))
    assert code == 0 and result["changed"]
    assert result["diff"]["before"] == "" and "policy drop" in result["diff"]["after"]
    assert nft["loads"] == 0
    assert not (tmp_path / "portwarden.nft").exists()


def test_a_ruleset_that_does_not_validate_fails_and_changes_nothing(capsys, tmp_path, nft):
    code, result = run_module(capsys, args(tmp_path, content=RULESET.replace("policy drop;", "policy drop;\n\t\ttcp dport 99999 accept")))
    assert code == 1 and result["failed"] and not result["changed"]
    assert result["msg"].startswith("the rendered nftables ruleset does not validate, nothing was changed")
    assert "value too large" in result["output"]
    assert nft["loads"] == 0


def test_content_is_required_for_state_present(capsys, tmp_path, nft):
    code, result = run_module(capsys, {"backend": "nftables", "state_dir": str(tmp_path)})
    assert code == 1 and "content" in result["msg"]


def test_a_missing_backend_tool_fails_naming_it(capsys, tmp_path, nft):
    code, result = run_module(capsys, args(tmp_path, backend="ufw", content="default deny incoming\n"))
    assert code == 1
    assert result["msg"].endswith("the ufw backend needs 'ufw', which is not installed on this host (or not in PATH)")
