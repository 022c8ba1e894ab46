# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The commit-confirmed sequence of the firewall_apply action plugin, against a simulated host.

The fake host keeps a clock, a ruleset ("old" or "new"), an armed rollback with a
deadline, and the SSH sessions: the multiplexed session that existed before the apply
keeps working whatever the rules say (as with ControlPersist), a new one only when the
live rules let SSH in. ``reset()`` on the fake connection stops the multiplexed session.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from ansible.errors import AnsibleConnectionFailure
from ansible.plugins.connection import ConnectionBase

from ansible_collections.portwarden.hardening.plugins.action.firewall_apply import CONFIRM, MODULE, ActionModule

TOKEN = "20260101T120000Z-abcdef"
OLD_SESSION = {"client_address": "172.31.9.1", "client_port": 1000, "server_address": "172.31.9.2", "server_port": 22}


class FakeHost:
    def __init__(self, blocks_ssh=False, apply_result=None, reachable_after_rollback=True, lose_confirm_answer=False,
                 confirm_delay=0.0, reset_stops_mux=True, flap_after_confirm=0.0):
        self.clock = 100.0
        self.rules = "old"
        self.blocks_ssh = blocks_ssh
        self.apply_result = apply_result
        self.reachable_after_rollback = reachable_after_rollback
        self.lose_confirm_answer = lose_confirm_answer
        self.confirm_delay = confirm_delay
        self.reset_stops_mux = reset_stops_mux
        self.flap_after_confirm = flap_after_confirm
        self.flap_until = 0.0
        self.mux_alive = True
        self.new_sessions = 0
        self.rollback = None  # {"deadline", "state"}
        self.log = []
        self.attempts = []

    # -- time -------------------------------------------------------------------
    def advance(self, seconds):
        self.clock += seconds
        if self.rollback and self.rollback["state"] == "armed" and self.clock >= self.rollback["deadline"]:
            self.rollback["state"] = "fired"
            self.rules = "old"

    # -- the connection ---------------------------------------------------------
    def session(self, connect_timeout):
        if self.mux_alive:
            return OLD_SESSION
        if self.clock < self.flap_until:
            self.advance(connect_timeout)
            raise AnsibleConnectionFailure("ssh: connect to host 172.31.9.2 port 22: Network is unreachable")
        if self.rules == "new" and self.blocks_ssh:
            self.advance(connect_timeout)
            raise AnsibleConnectionFailure(
                "Failed to connect to the host via ssh: ssh: connect to host 172.31.9.2 port 22: Connection timed out")
        if self.rules == "old" and self.rollback and self.rollback["state"] == "fired" and not self.reachable_after_rollback:
            self.advance(connect_timeout)
            raise AnsibleConnectionFailure("ssh: connect to host 172.31.9.2 port 22: No route to host")
        self.new_sessions += 1
        self.mux_alive = True  # the new connection becomes the new master
        return dict(OLD_SESSION, client_port=2000 + self.new_sessions)

    def reset(self):
        self.log.append("reset")
        if self.reset_stops_mux:
            self.mux_alive = False
        else:
            self.reset_stops_mux = True  # only the first reset misbehaves

    # -- the modules ------------------------------------------------------------
    def execute(self, module_name, module_args, connect_timeout):
        self.attempts.append((module_name, module_args.get("state"), connect_timeout))
        session = self.session(connect_timeout)
        self.log.append((module_name, module_args.get("state"), session["client_port"]))
        self.advance(0.5)
        if module_name == MODULE:
            if self.apply_result is not None:
                return dict(self.apply_result)
            if module_args["rollback_timeout"] == 0:
                return {"changed": True, "backend": "nftables", "applied": True, "persisted": True}
            self.rules = "new"
            self.rollback = {"deadline": self.clock + module_args["rollback_timeout"], "state": "armed"}
            return {"changed": True, "backend": "nftables", "applied": True, "persisted": False, "persist_pending": True,
                    "previous": {"present": True, "source": "applied", "content": "old"},
                    "rollback": {"token": TOKEN, "method": "systemd", "timeout": module_args["rollback_timeout"],
                                 "session": session}}
        assert module_name == CONFIRM
        assert module_args["token"] == TOKEN
        self.advance(self.confirm_delay)
        if module_args["state"] == "disarmed":
            if session == module_args["armed_session"]:
                return {"failed": True, "same_session": True, "msg": "not confirming", "state": "armed", "session": session}
            if self.rollback["state"] == "armed":
                self.rollback["state"] = "disarmed"
                if self.lose_confirm_answer:
                    self.flap_until = self.clock + self.flap_after_confirm
                    self.mux_alive = False
                    raise AnsibleConnectionFailure("ssh: Connection reset by peer")
                return {"changed": True, "state": "disarmed", "committed": ["/etc/nftables.d/portwarden.nft"], "session": session}
        info = {"changed": False, "state": self.rollback["state"], "session": session}
        if self.rollback["state"] == "fired":
            info.update(result={"ok": True, "report": []}, restored=True,
                        restored_detail="the live ruleset is the snapshot taken before the apply")
        return info


class FakeConnection:
    def __init__(self, host):
        self.host = host
        self.options = {"timeout": 10}
        self._shell = SimpleNamespace(tmpdir=None)

    def reset(self):
        self.host.reset()

    def get_option(self, name):
        return self.options[name]

    def set_option(self, name, value):
        self.options[name] = value


class ExecConnection(FakeConnection):
    """A connection no firewall can cut (docker exec): it has no reset of its own."""

    reset = ConnectionBase.reset


def make_plugin(host, args, check_mode=False, connection_class=FakeConnection):
    task = SimpleNamespace(args=args, check_mode=check_mode, async_val=0, action="portwarden.hardening.firewall_apply")
    connection = connection_class(host)
    plugin = ActionModule(task, connection, SimpleNamespace(check_mode=check_mode), loader=None, templar=None)
    plugin._now = lambda: host.clock
    plugin._sleep = lambda seconds: host.advance(max(0.0, seconds))

    def execute_module(module_name=None, module_args=None, task_vars=None, **_kwargs):
        return host.execute(module_name, module_args, connection.options["timeout"])

    plugin._execute_module = execute_module
    return plugin


ARGS = {"backend": "nftables", "content": "table inet portwarden {}", "rollback_timeout": 8}


def calls(host, module=None):
    return [entry for entry in host.log if entry != "reset" and (module is None or entry[0] == module)]


def test_confirms_over_a_new_connection_after_a_reset():
    host = FakeHost()
    result = make_plugin(host, dict(ARGS)).run(task_vars={})
    assert result["confirmed"] is True
    assert result.get("failed") is not True
    assert result["persisted"] is True and "persist_pending" not in result
    # apply over the old session, reset, then the confirmation over a new one.
    assert host.log == [(MODULE, None, 1000), "reset", (CONFIRM, "disarmed", 2001)]
    assert result["confirmation"]["armed_session"]["client_port"] == 1000
    assert result["confirmation"]["confirmed_session"]["client_port"] == 2001
    assert host.rollback["state"] == "disarmed"
    assert host.rules == "new"


def test_a_ruleset_that_blocks_new_connections_is_rolled_back_and_reported():
    host = FakeHost(blocks_ssh=True)
    result = make_plugin(host, dict(ARGS)).run(task_vars={})
    assert result["failed"] is True
    assert result["rolled_back"] is True
    assert "rolled back" in result["msg"]
    assert "Connection timed out" in result["msg"]
    assert "previous ruleset is back" in result["msg"]
    assert result["persisted"] is False
    assert host.rules == "old"
    # The mux that survived the new rules was never used to confirm.
    assert all(port != 1000 for _module, state, port in calls(host, CONFIRM))
    # The last look came after the deadline, over a new connection, and found the rollback fired.
    assert calls(host)[-1][:2] == (CONFIRM, "status")
    assert result["rollback"]["status"]["state"] == "fired"


def test_confirmation_attempts_end_before_the_deadline():
    host = FakeHost(blocks_ssh=True)
    make_plugin(host, dict(ARGS, rollback_timeout=30)).run(task_vars={})
    attempts = [timeout for _module, state, timeout in host.attempts if state == "disarmed"]
    assert len(attempts) >= 2 and all(1 <= timeout <= 10 for timeout in attempts)
    # A short window caps the connect timeout, so the attempt cannot outlive the rollback.
    host = FakeHost(blocks_ssh=True)
    plugin = make_plugin(host, dict(ARGS, rollback_timeout=4))
    plugin.run(task_vars={})
    assert host.attempts[1][1:] == ("disarmed", 3)
    assert plugin._connection.options["timeout"] == 10


def test_never_confirms_over_the_session_that_existed_before_the_apply():
    # The first reset leaves the ControlPersist master alive: the host refuses, the plugin resets again.
    host = FakeHost(reset_stops_mux=False)
    result = make_plugin(host, dict(ARGS)).run(task_vars={})
    assert result["confirmed"] is True
    confirms = calls(host, CONFIRM)
    assert [port for _module, _state, port in confirms] == [1000, 2001]
    assert host.log.count("reset") == 2


def test_a_confirmation_that_arrives_after_the_rollback_fired_fails():
    host = FakeHost(confirm_delay=20)
    result = make_plugin(host, dict(ARGS)).run(task_vars={})
    assert result["failed"] is True and result["rolled_back"] is True
    assert "after the rollback had fired" in result["msg"]


def test_a_host_that_stays_unreachable_after_the_rollback_is_reported():
    host = FakeHost(blocks_ssh=True, reachable_after_rollback=False)
    result = make_plugin(host, dict(ARGS)).run(task_vars={})
    assert result["failed"] is True and result["unreachable"] is True
    assert "rolled back" in result["msg"] and "did not answer" in result["msg"]


def test_a_lost_answer_to_a_confirmation_that_got_through_is_not_a_rollback():
    host = FakeHost(lose_confirm_answer=True)
    result = make_plugin(host, dict(ARGS)).run(task_vars={})
    assert result.get("failed") is not True
    assert result["confirmed"] is True
    # The second attempt finds the rollback disarmed by the first one.
    assert [state for _module, state, _timeout in host.attempts] == [None, "disarmed", "disarmed"]
    assert host.rules == "new"


def test_a_confirmation_whose_answer_was_lost_is_found_after_the_deadline():
    # The disarm got through, then the network flapped until after the deadline.
    host = FakeHost(lose_confirm_answer=True, flap_after_confirm=12)
    result = make_plugin(host, dict(ARGS)).run(task_vars={})
    assert result["failed"] is False and result["rolled_back"] is False
    assert result["confirmed"] is True
    assert any("answer was lost" in warning for warning in result["warnings"])
    assert calls(host)[-1][:2] == (CONFIRM, "status")


@pytest.mark.parametrize("check_mode, args", [
    (True, dict(ARGS)),
    (False, dict(ARGS, rollback_timeout=0)),
    (False, dict(ARGS, state="absent")),
])
def test_check_mode_off_and_absent_run_the_module_once(check_mode, args):
    host = FakeHost()
    result = make_plugin(host, args, check_mode=check_mode).run(task_vars={})
    assert host.log == [(MODULE, args.get("state"), 1000)]
    assert result["changed"] is True
    assert "confirmed" not in result


@pytest.mark.parametrize("apply_result", [
    {"failed": True, "msg": "validating the nftables ruleset failed (nft -c ...): syntax error"},
    {"changed": False, "backend": "nftables", "applied": False, "in_sync": True},
    {"failed": True, "msg": "loading failed, rolled back at once", "rolled_back": True},
])
def test_nothing_to_confirm_when_the_module_applied_nothing(apply_result):
    host = FakeHost(apply_result=apply_result)
    result = make_plugin(host, dict(ARGS)).run(task_vars={})
    assert host.log == [(MODULE, None, 1000)]
    for key, value in apply_result.items():
        assert result[key] == value


@pytest.mark.parametrize("value", ["soon", -5, None])
def test_a_bad_rollback_timeout_fails_before_anything_runs(value):
    host = FakeHost()
    result = make_plugin(host, dict(ARGS, rollback_timeout=value)).run(task_vars={})
    assert result["failed"] is True and "rollback_timeout" in result["msg"]
    assert host.log == []


def test_the_default_timeout_is_sixty_seconds():
    host = FakeHost(blocks_ssh=True)
    args = dict(ARGS)
    del args["rollback_timeout"]
    started = host.clock
    make_plugin(host, args).run(task_vars={})
    assert host.rollback["deadline"] - started == pytest.approx(60.5)


def test_connections_without_their_own_reset_are_not_reset():
    host = FakeHost()
    host.mux_alive = False  # a docker exec connection has no multiplexed session to survive
    result = make_plugin(host, dict(ARGS), connection_class=ExecConnection).run(task_vars={})
    assert "reset" not in host.log
    assert result["confirmed"] is True
