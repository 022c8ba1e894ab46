# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The rollback watchdog runs for real here (as a detached process): arm, fire, disarm, restart."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.firewall import _rollback
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._rollback import RollbackError


def wait_for(predicate, seconds=10.0):
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def host(tmp_path):
    """A fake host: a rollback dir, a file that exists, one that does not, a step log."""
    etc = tmp_path / "etc"
    etc.mkdir()
    kept = etc / "rules.conf"
    kept.write_bytes(b"old rules\n\x00binary-safe\n")
    os.chmod(kept, 0o640)
    return {
        "base": str(tmp_path / "rollback"),
        "kept": kept,
        "absent": etc / "new.conf",
        "log": tmp_path / "steps.log",
        "tmp": tmp_path,
    }


def plan_for(host, steps=None, commit=None, scope="firewall"):
    log = str(host["log"])
    return {
        "scope": scope,
        "description": "test plan",
        "files": [str(host["kept"]), str(host["absent"])],
        "payloads": {"script": "restored-from-payload\n"},
        "steps": steps if steps is not None else [
            {"argv": ["/bin/sh", "-c", 'cat "$0" >> %s' % log, {"payload": "script"}]},
            {"argv": ["/bin/sh", "-c", "cat >> %s" % log], "stdin": {"payload": "script"}},
        ],
        "commit": commit or [],
        "meta": {"backend": "test"},
    }


def change_host(host):
    """What an apply does: rewrite the kept file and create a new one."""
    host["kept"].write_bytes(b"new rules\n")
    os.chmod(host["kept"], 0o600)
    host["absent"].write_text("created by the change\n")


def arm(host, plan=None, timeout=0.6):
    return _rollback.arm(plan or plan_for(host), timeout, base_dir=host["base"], python=sys.executable, use_systemd=False)


def test_unconfirmed_change_is_restored_byte_for_byte(host):
    armed = arm(host)
    assert armed["method"] == "detached"
    change_host(host)
    assert wait_for(lambda: _rollback.status(armed["token"], host["base"])["state"] == "fired")
    info = _rollback.status(armed["token"], host["base"])
    assert info["result"]["ok"] is True
    assert host["kept"].read_bytes() == b"old rules\n\x00binary-safe\n"
    assert os.stat(host["kept"]).st_mode & 0o777 == 0o640
    assert not host["absent"].exists()
    # One step got the payload as an argument, the other on stdin.
    assert host["log"].read_text() == "restored-from-payload\n" * 2
    assert info["meta"] == {"backend": "test"}


def test_disarmed_rollback_never_fires_and_writes_the_commit_files(host):
    boot = host["tmp"] / "boot" / "rules.boot"
    plan = plan_for(host, commit=[{"path": str(boot), "payload": "script", "mode": 0o640},
                                  {"path": str(host["kept"]), "payload": None}])
    armed = arm(host, plan, timeout=0.5)
    pid = _rollback.watchdog_pid(armed["dir"])
    assert pid is not None
    change_host(host)
    assert _rollback.disarm(armed["token"], host["base"]) == {
        "token": armed["token"], "state": "disarmed", "committed": [str(boot), str(host["kept"])]}
    time.sleep(1.0)
    assert _rollback.status(armed["token"], host["base"])["state"] == "disarmed"
    assert boot.read_text() == "restored-from-payload\n"
    assert not host["kept"].exists()
    assert host["absent"].read_text() == "created by the change\n"
    assert not host["log"].exists()
    assert wait_for(lambda: _rollback.watchdog_pid(armed["dir"]) is None, 3)
    # Confirming twice is harmless and says the same.
    assert _rollback.disarm(armed["token"], host["base"])["state"] == "disarmed"


def test_disarm_after_the_rollback_fired_reports_it(host):
    armed = arm(host, timeout=0.3)
    change_host(host)
    assert wait_for(lambda: _rollback.status(armed["token"], host["base"])["state"] == "fired")
    info = _rollback.disarm(armed["token"], host["base"])
    assert info["state"] == "fired"
    assert info["result"]["ok"] is True


def test_restart_moves_the_deadline(host):
    armed = arm(host, timeout=0.5)
    _rollback.restart(armed["token"], 3, base_dir=host["base"])
    time.sleep(1.0)
    info = _rollback.status(armed["token"], host["base"])
    assert info["state"] == "armed"
    assert 1.0 < info["remaining"] <= 2.1
    assert info["watchdog_alive"] is True
    _rollback.disarm(armed["token"], host["base"])


def test_fire_now_restores_at_once(host):
    armed = arm(host, timeout=60)
    change_host(host)
    info = _rollback.fire_now(armed["token"], base_dir=host["base"], python=sys.executable)
    assert info["state"] == "fired"
    assert host["kept"].read_bytes().startswith(b"old rules")
    assert wait_for(lambda: _rollback.watchdog_pid(armed["dir"]) is None, 3)


def test_restoring_again_after_a_rollback_that_fired_during_the_apply(host):
    armed = arm(host, timeout=0.2)
    assert wait_for(lambda: _rollback.status(armed["token"], host["base"])["state"] == "fired")
    change_host(host)  # the slow apply finishes after the rollback fired
    assert _rollback.restart(armed["token"], 30, base_dir=host["base"])["state"] == "fired"
    info = _rollback.fire_now(armed["token"], base_dir=host["base"], python=sys.executable, again=True)
    assert info["state"] == "fired" and info["result"]["ok"]
    assert host["kept"].read_bytes().startswith(b"old rules")
    assert not host["absent"].exists()


def test_a_failing_step_is_reported_and_later_steps_still_run(host):
    log = str(host["log"])
    plan = plan_for(host, steps=[
        {"argv": ["/bin/sh", "-c", "echo broken; exit 3"]},
        {"argv": ["/bin/sh", "-c", "exit 1"], "ok_rc": [0, 1]},
        {"argv": ["/bin/sh", "-c", "echo second >> %s" % log]},
        {"argv": ["/nonexistent/tool"]},
    ])
    armed = arm(host, plan, timeout=0.2)
    assert wait_for(lambda: _rollback.status(armed["token"], host["base"])["state"] == "fired")
    result = _rollback.status(armed["token"], host["base"])["result"]
    assert result["ok"] is False
    steps = [item for item in result["report"] if "argv" in item]
    assert [(step["rc"], step["ok"]) for step in steps] == [(3, False), (1, True), (0, True), (None, False)]
    assert steps[0]["output"] == "broken"
    assert host["log"].read_text() == "second\n"


def test_files_can_be_restored_after_the_steps(host):
    # ufw: commands first, then its files byte for byte; a step sees the changed file.
    plan = plan_for(host, steps=[{"argv": ["/bin/sh", "-c", "cat %s >> %s" % (host["kept"], host["log"])]}])
    plan["restore_files"] = "after"
    armed = arm(host, plan, timeout=0.2)
    change_host(host)
    assert wait_for(lambda: _rollback.status(armed["token"], host["base"])["state"] == "fired")
    assert host["log"].read_text() == "new rules\n"
    assert host["kept"].read_bytes().startswith(b"old rules")


def test_watchdog_outlives_the_process_that_armed_it(host):
    # The module process ends (its SSH session died): the detached watchdog still fires.
    code = textwrap.dedent("""
        import json, sys
        from ansible_collections.portwarden.hardening.plugins.module_utils.firewall import _rollback
        plan = json.loads(sys.argv[1])
        armed = _rollback.arm(plan, 1.0, base_dir=sys.argv[2], use_systemd=False)
        print(armed["token"])
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    done = subprocess.run([sys.executable, "-c", code, json.dumps(plan_for(host)), host["base"]],
                          stdout=subprocess.PIPE, env=env, check=True, timeout=30)
    token = done.stdout.decode().strip()
    change_host(host)
    assert wait_for(lambda: _rollback.status(token, host["base"])["state"] == "fired")
    assert host["kept"].read_bytes().startswith(b"old rules")


def test_a_pending_rollback_of_the_same_scope_blocks_a_new_one(host):
    armed = arm(host, timeout=30)
    with pytest.raises(RollbackError, match="still counting down"):
        arm(host)
    # Another scope is independent.
    other = arm(host, plan_for(host, scope="other"), timeout=30)
    for token in (armed["token"], other["token"]):
        _rollback.disarm(token, host["base"])


def test_a_rollback_whose_watchdog_died_is_fired_by_the_next_arm(host):
    armed = arm(host, timeout=30)
    change_host(host)
    os.kill(_rollback.watchdog_pid(armed["dir"]), signal.SIGKILL)
    assert wait_for(lambda: _rollback.watchdog_pid(armed["dir"]) is None, 3)
    assert _rollback.status(armed["token"], host["base"])["watchdog_alive"] is False
    second = arm(host, timeout=30)
    assert any(armed["token"] in note and "rolled back now" in note for note in second["notes"])
    assert _rollback.status(armed["token"], host["base"])["state"] == "fired"
    assert host["kept"].read_bytes().startswith(b"old rules")
    _rollback.disarm(second["token"], host["base"])


def test_a_commit_that_cannot_be_written_leaves_the_rollback_armed(host):
    blocker = host["tmp"] / "not-a-directory"
    blocker.write_text("")
    plan = plan_for(host, commit=[{"path": str(blocker / "boot.conf"), "payload": "script"}])
    armed = arm(host, plan, timeout=30)
    with pytest.raises(RollbackError, match="stays armed"):
        _rollback.disarm(armed["token"], host["base"])
    assert _rollback.status(armed["token"], host["base"])["state"] == "armed"
    _rollback.fire_now(armed["token"], base_dir=host["base"], python=sys.executable)


def test_a_watchdog_that_does_not_start_fails_the_arm_and_leaves_nothing(host):
    with pytest.raises(RollbackError, match="did not start"):
        _rollback.arm(plan_for(host), 5, base_dir=host["base"], python="/bin/false", use_systemd=False, startup_wait=0.5)
    assert _rollback.tokens(host["base"]) == []


@pytest.mark.parametrize("systemd_run, expected", [
    ("#!/bin/sh\necho 'Failed to connect to bus' >&2\nexit 1\n", "Failed to connect to bus"),
    ("#!/bin/sh\nexec sleep 30\n", "did not return within"),
    ("#!/bin/sh\nexit 0\n", "did not report in within"),
])
def test_a_systemd_that_does_not_start_the_unit_falls_back_to_a_detached_watchdog(host, monkeypatch, systemd_run, expected):
    bin_dir = host["tmp"] / "bin"
    bin_dir.mkdir()
    for name, text in (("systemd-run", systemd_run), ("systemctl", "#!/bin/sh\nexit 0\n")):
        (bin_dir / name).write_text(text)
        os.chmod(bin_dir / name, 0o755)
    monkeypatch.setenv("PATH", "%s:%s" % (bin_dir, os.environ.get("PATH", "")))
    armed = _rollback.arm(plan_for(host), 0.5, base_dir=host["base"], python=sys.executable, use_systemd=True, startup_wait=2)
    assert armed["method"] == "detached"
    assert any(expected in note for note in armed["notes"])
    change_host(host)
    assert wait_for(lambda: _rollback.status(armed["token"], host["base"])["state"] == "fired")
    assert host["kept"].read_bytes().startswith(b"old rules")


@pytest.mark.parametrize("timeout", [0, -1, "5", None])
def test_arm_refuses_a_bad_timeout(host, timeout):
    with pytest.raises(RollbackError, match="positive number"):
        _rollback.arm(plan_for(host), timeout, base_dir=host["base"], use_systemd=False)


@pytest.mark.parametrize("token", ["", "../etc", ".hidden", "a/b"])
def test_tokens_cannot_escape_the_rollback_dir(host, token):
    with pytest.raises(RollbackError, match="invalid rollback token"):
        _rollback.status(token, host["base"])


def test_unknown_token(host):
    assert _rollback.status("20260101T000000Z-abcdef", host["base"]) == {"token": "20260101T000000Z-abcdef", "state": "unknown"}
    assert _rollback.disarm("20260101T000000Z-abcdef", host["base"])["state"] == "unknown"


def test_unreadable_deadline_fires_at_once(host):
    armed = arm(host, timeout=30)
    with open(os.path.join(armed["dir"], "deadline"), "w") as handle:
        handle.write("garbage")
    assert wait_for(lambda: _rollback.status(armed["token"], host["base"])["state"] == "fired", 5)


def test_old_disarmed_rollbacks_are_tidied_by_the_next_arm(host):
    first = arm(host, timeout=30)
    _rollback.disarm(first["token"], host["base"])
    second = arm(host, timeout=30)
    assert _rollback.tokens(host["base"]) == [second["token"]]
    _rollback.disarm(second["token"], host["base"])


def _kill_watchdog(armed):
    os.kill(_rollback.watchdog_pid(armed["dir"]), signal.SIGKILL)
    assert wait_for(lambda: _rollback.watchdog_pid(armed["dir"]) is None, 3)


@pytest.mark.parametrize("check_mode, action, state, kept", [
    (False, "restored", "fired", b"old rules"),
    (True, "would restore", "armed", b"new rules"),
], ids=["run", "check-mode"])
def test_settle_earlier_restores_a_change_whose_watchdog_died(host, check_mode, action, state, kept):
    armed = arm(host, timeout=30)
    change_host(host)
    _kill_watchdog(armed)
    settled = _rollback.settle_earlier("firewall", base_dir=host["base"], python=sys.executable, check_mode=check_mode)
    assert [(item["token"], item["action"]) for item in settled] == [(armed["token"], action)]
    assert armed["token"] in settled[0]["message"]
    assert settled[0]["ok"] is (True if not check_mode else None)
    assert _rollback.status(armed["token"], host["base"])["state"] == state
    assert host["kept"].read_bytes().startswith(kept)
    # Settled once: the next run finds nothing left to settle.
    if not check_mode:
        assert _rollback.settle_earlier("firewall", base_dir=host["base"], python=sys.executable) == []


@pytest.mark.parametrize("check_mode", [False, True], ids=["run", "check-mode"])
def test_settle_earlier_refuses_while_a_rollback_counts_down(host, check_mode):
    armed = arm(host, timeout=30)
    if check_mode:
        settled = _rollback.settle_earlier("firewall", base_dir=host["base"], check_mode=True)
        assert [item["action"] for item in settled] == ["pending"]
    else:
        with pytest.raises(RollbackError, match="still counting down"):
            _rollback.settle_earlier("firewall", base_dir=host["base"])
    assert _rollback.status(armed["token"], host["base"])["state"] == "armed"
    _rollback.disarm(armed["token"], host["base"])
    assert _rollback.settle_earlier("firewall", base_dir=host["base"]) == []


def test_writes_never_follow_a_planted_symlink(host, tmp_path):
    armed = arm(host, timeout=30)
    victim = tmp_path / "victim"
    victim.write_text("untouched\n")
    # The old predictable temporary name, and the lock, planted as symlinks.
    os.symlink(str(victim), os.path.join(armed["dir"], "deadline.portwarden-%d" % os.getpid()))
    lock = os.path.join(armed["dir"], "lock")
    if os.path.lexists(lock):
        os.unlink(lock)
    os.symlink(str(victim), lock)
    _rollback._write(os.path.join(armed["dir"], "deadline"), "1\n")
    assert victim.read_text() == "untouched\n"
    assert os.stat(os.path.join(armed["dir"], "deadline")).st_mode & 0o777 == 0o600
    with pytest.raises(OSError):
        _rollback.restart(armed["token"], 30, base_dir=host["base"])
    os.unlink(lock)
    _rollback.disarm(armed["token"], host["base"])
    assert victim.read_text() == "untouched\n"


def test_held_files_wait_for_the_confirmation(host):
    """What a tool wrote as it applied goes back to the snapshot until the disarm writes it."""
    armed = arm(host, timeout=30)
    change_host(host)
    assert _rollback.hold(armed["token"], [str(host["kept"]), str(host["absent"])], host["base"]) == sorted(
        [str(host["kept"]), str(host["absent"])])
    # A reboot now would boot the snapshot.
    assert host["kept"].read_bytes() == b"old rules\n\x00binary-safe\n"
    assert os.stat(host["kept"]).st_mode & 0o777 == 0o640
    assert not host["absent"].exists()
    assert _rollback.disarm(armed["token"], host["base"])["state"] == "disarmed"
    assert host["kept"].read_bytes() == b"new rules\n"
    assert os.stat(host["kept"]).st_mode & 0o777 == 0o600
    assert host["absent"].read_text() == "created by the change\n"


def test_held_files_unchanged_by_the_apply_are_not_held(host):
    armed = arm(host, timeout=30)
    assert _rollback.hold(armed["token"], [str(host["kept"]), str(host["absent"])], host["base"]) == []
    assert _rollback.disarm(armed["token"], host["base"])["committed"] == []
    assert host["kept"].read_bytes().startswith(b"old rules")


def test_a_file_not_snapshotted_cannot_be_held(host):
    armed = arm(host, timeout=30)
    with pytest.raises(RollbackError, match="not snapshotted"):
        _rollback.hold(armed["token"], ["/etc/passwd"], host["base"])
    _rollback.disarm(armed["token"], host["base"])


def test_steps_that_run_before_the_restore_see_the_held_files_again(host):
    """ufw's restore steps work on the changed files; then the snapshot is put back."""
    log = host["log"]
    plan = plan_for(host, steps=[{"argv": ["/bin/sh", "-c", 'cat "$0" >> %s' % log, str(host["kept"])]}])
    plan["restore_files"] = "after"
    armed = arm(host, plan, timeout=30)
    change_host(host)
    _rollback.hold(armed["token"], [str(host["kept"]), str(host["absent"])], host["base"])
    assert _rollback.fire_now(armed["token"], host["base"], python=sys.executable)["result"]["ok"] is True
    assert log.read_bytes() == b"new rules\n"
    assert host["kept"].read_bytes() == b"old rules\n\x00binary-safe\n"
    assert not host["absent"].exists()


def test_after_a_restart_only_the_files_are_restored(host):
    """The host booted the snapshot's files: steps for the changed state must not run again."""
    armed = arm(host, timeout=30)
    change_host(host)
    _rollback.hold(armed["token"], [str(host["kept"]), str(host["absent"])], host["base"])
    record_path = os.path.join(armed["dir"], "armed.json")
    with open(record_path) as handle:
        record = json.load(handle)
    record["boot_id"] = "an-earlier-boot"
    _rollback._write(record_path, json.dumps(record))
    _kill_watchdog(armed)
    settled = _rollback.settle_earlier("firewall", base_dir=host["base"], python=sys.executable)
    assert [item["action"] for item in settled] == ["restored"] and settled[0]["ok"] is True
    result = _rollback.status(armed["token"], host["base"])["result"]
    assert any("restarted before the change was confirmed" in item.get("note", "") for item in result["report"])
    assert not host["log"].exists()
    assert host["kept"].read_bytes() == b"old rules\n\x00binary-safe\n"
    assert not host["absent"].exists()
