# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The module half of the commit-confirmed apply, end to end on a stand-in nft.

The stand-in is a shell script, so the module and the rollback watchdog (a real detached
process) run the very same "nft": ``-c -f`` refuses 99999, ``-f`` keeps what follows the
``delete table`` line (and fails on a FAILAPPLY marker), ``list table`` prints it.
"""

from __future__ import annotations

import json
import os
import time

import pytest
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.portwarden.hardening.plugins.module_utils.firewall import _rollback
from ansible_collections.portwarden.hardening.plugins.modules import firewall_apply, firewall_rollback

OLD = "table inet portwarden {\n\tchain input {\n\t\ttcp dport 22 accept\n\t}\n}\n"
NEW = "table inet portwarden {\n\tchain input {\n\t\ttcp dport 8080 accept\n\t}\n}\n"
FAKE_NFT = """#!/bin/sh
state=%s
case "$1" in
  -c) if grep -q 99999 "$3"; then echo "Error: value too large" >&2; exit 1; fi; exit 0 ;;
  -f) if grep -q FAILAPPLY "$2"; then echo "Error: Could not process rule: Device or resource busy" >&2; exit 1; fi
      sed -n '/^delete table inet portwarden$/,$p' "$2" | tail -n +2 > "$state"; exit 0 ;;
  list) if [ -s "$state" ]; then cat "$state"; exit 0; fi; echo "Error: No such file or directory" >&2; exit 1 ;;
esac
exit 127
"""


@pytest.fixture
def host(tmp_path, monkeypatch):
    nft = tmp_path / "nft"
    nft.write_text(FAKE_NFT % (tmp_path / "table"))
    os.chmod(nft, 0o755)
    monkeypatch.setattr(AnsibleModule, "get_bin_path", lambda self, name, *a, **k: str(nft) if name == "nft" else None)
    # A detached watchdog, never a unit of the machine running the tests.
    monkeypatch.setattr(_rollback, "systemd_running", lambda root="/": False)
    return tmp_path


def run(capsys, module, args):
    with patch_module_args(args), pytest.raises(SystemExit) as caught:
        module.main()
    return caught.value.code, json.loads(capsys.readouterr().out)


def apply_args(tmp_path, content, timeout=30):
    return {"backend": "nftables", "content": content, "path": str(tmp_path / "boot.nft"),
            "state_dir": str(tmp_path / "state"), "rollback_dir": str(tmp_path / "rollback"), "rollback_timeout": timeout}


def live(tmp_path):
    table = tmp_path / "table"
    return table.read_text() if table.exists() else None


def test_an_armed_apply_leaves_the_boot_file_to_the_confirmation(capsys, host):
    code, first = run(capsys, firewall_apply, apply_args(host, OLD, timeout=0))
    assert code == 0 and first["persisted"]
    code, result = run(capsys, firewall_apply, apply_args(host, NEW))
    assert code == 0 and result["changed"] and result["applied"]
    assert result["persist_pending"] is True and result["persisted"] is False
    assert live(host) == NEW
    assert "dport 22" in (host / "boot.nft").read_text()  # still the previous ruleset at boot
    rollback = result["rollback"]
    assert rollback["method"] == "detached" and rollback["state"] == "armed"
    assert _rollback.status(rollback["token"], str(host / "rollback"))["state"] == "armed"

    code, confirmed = run(capsys, firewall_rollback, {"token": rollback["token"], "rollback_dir": str(host / "rollback")})
    assert code == 0 and confirmed["state"] == "disarmed" and confirmed["changed"]
    assert sorted(confirmed["committed"]) == sorted([str(host / "boot.nft"), str(host / "state" / "last-good" / "boot.nft")])
    assert "dport 8080" in (host / "boot.nft").read_text()
    assert (host / "boot.nft").read_text() == (host / "state" / "last-good" / "boot.nft").read_text()
    assert live(host) == NEW


def test_an_unconfirmed_apply_is_rolled_back_by_the_host(capsys, host):
    run(capsys, firewall_apply, apply_args(host, OLD, timeout=0))
    code, result = run(capsys, firewall_apply, apply_args(host, NEW, timeout=1))
    assert code == 0 and live(host) == NEW
    token = result["rollback"]["token"]
    until = time.monotonic() + 15
    while _rollback.status(token, str(host / "rollback"))["state"] == "armed" and time.monotonic() < until:
        time.sleep(0.1)
    code, status = run(capsys, firewall_rollback, {"token": token, "state": "status", "rollback_dir": str(host / "rollback")})
    assert status["state"] == "fired" and status["restored"] is True
    assert live(host) == OLD
    # A confirmation that comes too late is told so, and changes nothing.
    code, late = run(capsys, firewall_rollback, {"token": token, "rollback_dir": str(host / "rollback")})
    assert late["state"] == "fired" and not late["changed"]
    assert live(host) == OLD


def test_an_apply_that_fails_half_way_is_rolled_back_at_once(capsys, host):
    run(capsys, firewall_apply, apply_args(host, OLD, timeout=0))
    code, result = run(capsys, firewall_apply, apply_args(host, NEW.replace("{\n", "{ # FAILAPPLY\n", 1)))
    assert code == 1 and result["failed"]
    assert "rolled back" in result["msg"] and "Device or resource busy" in result["msg"]
    assert live(host) == OLD


def test_a_ruleset_that_does_not_validate_arms_nothing(capsys, host):
    code, result = run(capsys, firewall_apply, apply_args(host, NEW.replace("8080", "99999")))
    assert code == 1 and "value too large" in result["msg"]
    assert _rollback.tokens(str(host / "rollback")) == []


def test_nothing_is_armed_when_the_live_ruleset_matches(capsys, host):
    run(capsys, firewall_apply, apply_args(host, OLD, timeout=0))
    code, result = run(capsys, firewall_apply, apply_args(host, OLD))
    assert code == 0 and not result["changed"] and "rollback" not in result
    assert _rollback.tokens(str(host / "rollback")) == []


def test_a_confirmation_over_the_old_session_is_refused(capsys, host, monkeypatch):
    run(capsys, firewall_apply, apply_args(host, OLD, timeout=0))
    monkeypatch.setenv("SSH_CONNECTION", "192.0.2.10 51234 192.0.2.20 22")
    code, result = run(capsys, firewall_apply, apply_args(host, NEW))
    armed = result["rollback"]["session"]
    assert armed["client_port"] == 51234
    code, refused = run(capsys, firewall_rollback, {"token": result["rollback"]["token"], "armed_session": armed,
                                                    "rollback_dir": str(host / "rollback")})
    assert code == 1 and refused["same_session"] and "proves nothing" in refused["msg"]
    assert _rollback.status(result["rollback"]["token"], str(host / "rollback"))["state"] == "armed"
    monkeypatch.setenv("SSH_CONNECTION", "192.0.2.10 51240 192.0.2.20 22")
    code, confirmed = run(capsys, firewall_rollback, {"token": result["rollback"]["token"], "armed_session": armed,
                                                      "rollback_dir": str(host / "rollback")})
    assert code == 0 and confirmed["state"] == "disarmed" and confirmed["session"]["client_port"] == 51240
