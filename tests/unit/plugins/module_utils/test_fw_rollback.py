# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Restore plans of each backend, and the guard around an apply (with the real watchdog)."""

from __future__ import annotations

import os
import signal
import sys
import time

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.firewall import _fw_rollback, _rollback
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_base import FirewallError, sha256
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_engine import make_backend
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_nftables import REPLACE_HEADER
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_rollback import FirewallGuard, restore_plan, verify

TOOLS = ("nft", "iptables", "ip6tables", "iptables-restore", "ip6tables-restore", "ipset", "ufw", "firewall-cmd")


class FakeHost:
    """``run`` and ``which`` for backends: records commands, answers from a table."""

    def __init__(self, answers=None):
        self.answers = answers or {}
        self.commands = []

    def which(self, name):
        return "/usr/sbin/%s" % name if name in TOOLS else None

    def run(self, argv, data=None):
        self.commands.append(argv)
        for prefix, answer in self.answers.items():
            if " ".join(argv).startswith(prefix):
                return answer
        return 0, "", ""


def backend_for(name, host=None, **options):
    host = host or FakeHost()
    return make_backend(name, host.run, host.which, options=options), host


NFT_OLD = REPLACE_HEADER + "table inet portwarden {\n}\n"
STATE_DIR = "/var/lib/portwarden/firewall"


@pytest.mark.parametrize("previous, payload", [
    ({"present": True, "source": "applied", "content": NFT_OLD}, NFT_OLD),
    # Nothing of ours before: the restore removes our table, which is what was in force.
    ({"present": False, "source": "absent"}, REPLACE_HEADER),
])
def test_nftables_plan_is_one_atomic_load(previous, payload):
    backend, host = backend_for("nftables", path="/etc/nftables.d/portwarden.nft")
    plan = restore_plan(backend, previous, {"content": "new"}, STATE_DIR)
    assert plan["payloads"] == {"ruleset.nft": payload}
    assert plan["steps"] == [{"argv": ["/usr/sbin/nft", "-f", {"payload": "ruleset.nft"}]}]
    assert plan["files"] == ["/etc/nftables.d/portwarden.nft", "/var/lib/portwarden/firewall/nftables.json"]
    assert plan["scope"] == "firewall"
    assert host.commands == []


def test_nftables_live_snapshot_is_checked_before_anything_changes():
    host = FakeHost({"/usr/sbin/nft -c -f": (1, "", "Error: syntax error in /tmp/portwarden-x.nft")})
    backend, _host = backend_for("nftables", host)
    previous = {"present": True, "source": "live", "content": REPLACE_HEADER + "table inet portwarden { ... }\n"}
    with pytest.raises(FirewallError, match="can be restored"):
        restore_plan(backend, previous, {"content": "new"}, STATE_DIR)


V4 = "*filter\n:PORTWARDEN-INPUT - [0:0]\n-A PORTWARDEN-INPUT -j DROP\nCOMMIT\n"
SETS_OLD = "create portwarden-tcp4-0 hash:net family inet\nadd portwarden-tcp4-0 192.0.2.0/24\n"
SETS_NEW = SETS_OLD + "create portwarden-tcp6-0 hash:net family inet6\nadd portwarden-tcp6-0 2001:db8::/32\n"


def test_iptables_plan_restores_sets_then_both_families_then_drops_new_sets():
    backend, _host = backend_for("iptables")
    previous = {"present": True, "source": "applied", "content": V4, "content_ipv6": V4, "content_ipset": SETS_OLD}
    plan = restore_plan(backend, previous, {"content": V4, "content_ipv6": V4, "content_ipset": SETS_NEW}, STATE_DIR)
    assert [step["argv"] for step in plan["steps"]] == [
        ["/usr/sbin/ipset", "-exist", "restore"],
        ["/usr/sbin/iptables-restore", "--noflush", {"payload": "iptables"}],
        ["/usr/sbin/ip6tables-restore", "--noflush", {"payload": "ip6tables"}],
        ["/usr/sbin/ipset", "destroy", "portwarden-tcp6-0"],
    ]
    assert plan["steps"][0]["stdin"] == {"payload": "ipsets"}
    assert "swap portwarden-tcp4-0-n portwarden-tcp4-0" in plan["payloads"]["ipsets"]
    assert plan["payloads"]["iptables"] == V4
    assert set(plan["files"]) == {"/etc/portwarden/iptables.v4", "/etc/portwarden/iptables.v6", "/etc/portwarden/ipset.conf",
                                  "/var/lib/portwarden/firewall/iptables.json"}


def test_iptables_plan_without_a_snapshot_removes_our_chains_only():
    backend, _host = backend_for("iptables")
    plan = restore_plan(backend, {"present": False, "source": "absent"}, {"content": V4, "content_ipv6": V4}, STATE_DIR)
    assert [" ".join(step["argv"]) for step in plan["steps"]] == [
        "/usr/sbin/iptables -D INPUT -j PORTWARDEN-INPUT",
        "/usr/sbin/iptables -F PORTWARDEN-INPUT",
        "/usr/sbin/iptables -X PORTWARDEN-INPUT",
        "/usr/sbin/ip6tables -D INPUT -j PORTWARDEN-INPUT",
        "/usr/sbin/ip6tables -F PORTWARDEN-INPUT",
        "/usr/sbin/ip6tables -X PORTWARDEN-INPUT",
    ]
    assert all(step["ok_rc"] == [0, 1, 2] for step in plan["steps"])


def test_ufw_plan_opens_before_it_closes_and_never_stops_ufw():
    backend, _host = backend_for("ufw")
    old = "default deny incoming\nlogging off\nenabled yes\nallow 22,80/tcp comment 'portwarden'\n" \
          "allow from 10.0.0.0/8 to any port 5432 proto tcp comment 'portwarden'\n"
    new = "default reject incoming\nlogging low\nallow 22,8080/tcp comment 'portwarden'\n"
    plan = restore_plan(backend, {"present": True, "source": "live", "content": old}, {"content": new}, STATE_DIR)
    assert [" ".join(step["argv"]) for step in plan["steps"]] == [
        "/usr/sbin/ufw allow 22,80/tcp comment portwarden",
        "/usr/sbin/ufw allow from 10.0.0.0/8 to any port 5432 proto tcp comment portwarden",
        "/usr/sbin/ufw default deny incoming",
        "/usr/sbin/ufw logging off",
        "/usr/sbin/ufw delete allow 22,8080/tcp comment portwarden",
    ]
    assert plan["restore_files"] == "after"
    assert "/etc/ufw/user.rules" in plan["files"] and "/etc/default/ufw" in plan["files"]


def test_ufw_plan_disables_ufw_that_was_disabled():
    backend, _host = backend_for("ufw")
    old = "default deny incoming\nenabled no\n"
    plan = restore_plan(backend, {"present": True, "source": "live", "content": old},
                        {"content": "default deny incoming\nallow 22/tcp comment 'portwarden'\n"}, STATE_DIR)
    assert [" ".join(step["argv"]) for step in plan["steps"]][-1] == "/usr/sbin/ufw disable"


@pytest.mark.parametrize("running, steps", [(True, [["/usr/sbin/firewall-cmd", "--reload"]]), (False, [])])
def test_firewalld_plan_puts_the_files_back_and_reloads(running, steps):
    host = FakeHost({"/usr/sbin/firewall-cmd --state": (0 if running else 252, "running" if running else "", "")})
    backend, _host = backend_for("firewalld", host, zone="web")
    plan = restore_plan(backend, {"present": True, "source": "applied", "content": "<zone/>"}, {"content": "<zone/>"}, STATE_DIR)
    assert [step["argv"] for step in plan["steps"]] == steps
    assert plan["files"] == ["/etc/firewalld/firewalld.conf", "/etc/firewalld/zones/web.xml",
                             "/var/lib/portwarden/firewall/firewalld.json"]


class FakeBackend:
    """A backend whose state is a file: enough for the guard and the real watchdog."""

    name = "nftables"

    def __init__(self, tmp_path):
        self.live = tmp_path / "live"
        self.live.write_text("old\n")
        self.paths = {"content": str(tmp_path / "boot")}
        self.nft = "/bin/true"
        self.tmpdir = str(tmp_path)
        self.run = FakeHost().run


@pytest.fixture
def guarded(tmp_path, monkeypatch):
    backend = FakeBackend(tmp_path)

    # The restore "loads" the snapshot into the live file.
    def plan(previous, desired):
        return {"files": [], "payloads": {"ruleset": previous["content"]},
                "steps": [{"argv": ["/bin/sh", "-c", 'cat "$0" > %s' % backend.live, {"payload": "ruleset"}]}]}

    backend.restore_plan = plan
    monkeypatch.setattr(_fw_rollback, "APPLY_LEAD_TIME", 0)
    guard = FirewallGuard(30, {"path": None}, base_dir=str(tmp_path / "rollback"), state_dir=str(tmp_path / "state"),
                          python=sys.executable, use_systemd=False)
    return guard, backend


def test_guard_arms_with_commit_files_and_session(guarded, tmp_path):
    guard, backend = guarded
    (tmp_path / "gone").write_text("a boot file the new ruleset does not need\n")
    armed = guard.arm(backend, {"present": True, "content": "old\n"}, {"content": "new\n"}, "old\n",
                      commit={str(tmp_path / "boot"): "new\n", str(tmp_path / "gone"): None})
    assert armed["method"] == "detached" and armed["backend"] == "nftables"
    info = _rollback.status(armed["token"], guard.base_dir)
    assert info["state"] == "armed"
    assert info["meta"]["live_sha256"] == sha256("old\n")
    backend.live.write_text("new\n")
    guard.applied()
    assert _rollback.disarm(armed["token"], guard.base_dir)["committed"] == [str(tmp_path / "boot"), str(tmp_path / "gone")]
    assert (tmp_path / "boot").read_text() == "new\n"
    assert not (tmp_path / "gone").exists()
    assert backend.live.read_text() == "new\n"


def test_guard_abort_restores_at_once(guarded):
    guard, backend = guarded
    armed = guard.arm(backend, {"present": True, "content": "old\n"}, {"content": "new\n"}, "old\n")
    backend.live.write_text("half\n")
    assert guard.abort()["state"] == "fired"
    assert backend.live.read_text() == "old\n"
    assert _rollback.status(armed["token"], guard.base_dir)["result"]["ok"]


def test_guard_restores_again_when_the_rollback_fired_during_a_slow_apply(guarded):
    guard, backend = guarded
    guard.timeout = 0.3
    armed = guard.arm(backend, {"present": True, "content": "old\n"}, {"content": "new\n"}, "old\n")
    until = time.monotonic() + 10
    while _rollback.status(armed["token"], guard.base_dir)["state"] != "fired" and time.monotonic() < until:
        time.sleep(0.05)
    backend.live.write_text("new\n")  # the apply finished after the restore
    with pytest.raises(FirewallError, match="rolled back: applying it took longer than rollback_timeout"):
        guard.applied()
    assert backend.live.read_text() == "old\n"


def test_guard_refuses_when_the_watchdog_cannot_start(guarded):
    guard, backend = guarded
    guard.python = "/bin/false"
    with pytest.raises(FirewallError, match="arming the rollback failed, so nothing was applied"):
        guard.arm(backend, {"present": True, "content": "old\n"}, {"content": "new\n"}, "old\n")


@pytest.mark.parametrize("live, ok, restored", [("old\n", True, True), ("new\n", True, False), ("old\n", False, False)])
def test_verify_compares_the_live_ruleset_with_the_snapshot(live, ok, restored):
    host = FakeHost({"/usr/sbin/nft list table inet portwarden": (0, live, "")})
    info = {"state": "fired", "result": {"ok": ok}, "meta": {"backend": "nftables", "options": {}, "live_sha256": sha256("old\n")}}
    assert verify(info, make_backend, host.run, host.which)["restored"] is restored


def test_verify_leaves_other_states_alone():
    info = {"state": "disarmed", "meta": {"backend": "nftables"}}
    assert verify(dict(info), make_backend, None, None) == info


def test_settle_earlier_restores_a_dead_watchdogs_change_and_checks_it(guarded):
    guard, backend = guarded
    armed = guard.arm(backend, {"present": True, "content": "old\n"}, {"content": "new\n"}, "old\n")
    backend.live.write_text("new\n")
    guard.applied()
    os.kill(_rollback.watchdog_pid(armed["dir"]), signal.SIGKILL)
    until = time.monotonic() + 5
    while _rollback.watchdog_pid(armed["dir"]) is not None and time.monotonic() < until:
        time.sleep(0.05)

    class Reader:
        def __init__(self, *args, **kwargs):
            pass

        def current(self):
            return backend.live.read_text()

    settled = _fw_rollback.settle_earlier(guard.base_dir, Reader, None, None, python=sys.executable)
    assert [(item["token"], item["action"], item["ok"], item["restored"]) for item in settled] == [
        (armed["token"], "restored", True, True)]
    assert backend.live.read_text() == "old\n"


def test_settle_earlier_blocks_the_run_while_a_rollback_counts_down(guarded):
    guard, backend = guarded
    armed = guard.arm(backend, {"present": True, "content": "old\n"}, {"content": "new\n"}, "old\n")
    with pytest.raises(FirewallError, match="still counting down.*nothing was changed"):
        _fw_rollback.settle_earlier(guard.base_dir, None, None, None)
    _rollback.disarm(armed["token"], guard.base_dir)


def test_keepalive_restarts_the_countdown_only_while_the_apply_runs(guarded):
    guard, backend = guarded
    guard.timeout = 1.0
    guard.keepalive()  # not armed yet: nothing to do
    armed = guard.arm(backend, {"present": True, "content": "old\n"}, {"content": "new\n"}, "old\n")
    backend.live.write_text("new\n")
    # An apply that runs commands for longer than the timeout, keeping the countdown alive.
    for _step in range(6):
        time.sleep(0.3)
        guard.keepalive()
        assert _rollback.status(armed["token"], guard.base_dir)["state"] == "armed"
    # The module dies: no more keepalives, and the host restores within the timeout.
    died = time.monotonic()
    while _rollback.status(armed["token"], guard.base_dir)["state"] == "armed" and time.monotonic() - died < 5:
        time.sleep(0.05)
    assert _rollback.status(armed["token"], guard.base_dir)["state"] == "fired"
    assert time.monotonic() - died <= guard.timeout + 0.5
    assert backend.live.read_text() == "old\n"
    guard.applying = False
