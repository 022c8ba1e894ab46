# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller half of portwarden.hardening.firewall_apply: the commit-confirmed apply.

1. The module validates the ruleset on the host, takes the snapshot, arms a rollback that
   restores it after ``rollback_timeout`` seconds unless disarmed (a watchdog under systemd
   or a detached process: it outlives this connection), applies atomically and returns
   the rollback token and the SSH session it ran over. Boot files are not written yet.
2. This plugin drops the connection. With the ssh plugin, ``reset()`` sends ``ssh -O
   stop`` to the ControlPersist master: the master stops accepting sessions and removes
   its socket, so the next command opens a NEW TCP connection instead of riding the old
   one, which a ruleset that blocks new connections would not cut.
3. Over that new connection it runs ``firewall_rollback`` (a full module round-trip),
   which refuses to confirm when it finds itself on the session the rollback was armed
   over, and otherwise disarms the rollback and writes the boot files.
4. When no new connection succeeds before the deadline, it waits until the rollback has
   fired, reconnects, checks that the live ruleset is the snapshot again and fails the
   task saying the ruleset was rolled back, and why.
"""

from __future__ import annotations

import time

from ansible.errors import AnsibleConnectionFailure, AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase
from ansible.plugins.connection import ConnectionBase
from ansible.utils.display import Display

from ansible_collections.portwarden.hardening.plugins.module_utils._constants import ROLLBACK_DIR

display = Display()

MODULE = "portwarden.hardening.firewall_apply"
CONFIRM = "portwarden.hardening.firewall_rollback"
DEFAULT_ROLLBACK_TIMEOUT = 60
DEFAULT_ROLLBACK_DIR = ROLLBACK_DIR
DEFAULT_CONNECT_TIMEOUT = 10
# The last confirmation attempt must end this long before the rollback fires.
MARGIN = 1.0
# Time the restore gets after the deadline before the first look.
GRACE = 2.0
# How long the host may take to answer again after the rollback.
SETTLE_MIN = 60.0


def _first_line(error) -> str:
    lines = [line.strip() for line in to_text(error).splitlines() if line.strip()]
    return lines[-1] if lines else to_text(error)


class ActionModule(ActionBase):
    """Apply a firewall ruleset and keep it only when a new connection confirms it."""

    _supports_check_mode = True

    # The clock is a method so the tests can drive it.
    def _now(self) -> float:
        return time.monotonic()

    def _sleep(self, seconds) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        if result.get("skipped") or result.get("failed"):
            return result
        args = dict(self._task.args)
        try:
            timeout = int(args.get("rollback_timeout", DEFAULT_ROLLBACK_TIMEOUT))
        except (TypeError, ValueError):
            timeout = -1
        if timeout < 0:
            result.update(failed=True, msg="rollback_timeout must be 0 (off) or a number of seconds, got %r" % args.get("rollback_timeout"))
            return result
        args["rollback_timeout"] = timeout
        # Check mode validates and diffs only; state=absent removes our rules, which never
        # locks anyone out; 0 turns the commit-confirmed apply off on purpose.
        if self._task.check_mode or timeout == 0 or args.get("state", "present") == "absent":
            args["rollback_timeout"] = 0
            result.update(self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars))
            return result
        result.update(self._commit_confirmed(args, timeout, task_vars))
        return result

    # -- the sequence ---------------------------------------------------------------

    def _commit_confirmed(self, args, timeout, task_vars) -> dict:
        applied = self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars)
        rollback = applied.get("rollback")
        if applied.get("failed") or not rollback:
            # Failed before anything changed (validation), rolled back by the module itself
            # (a half-way apply), or nothing to apply live: nothing to confirm.
            return applied
        deadline = self._now() + timeout
        display.vv("firewall_apply: rollback %s armed (%s, %d s); confirming over a new connection"
                   % (rollback["token"], rollback.get("method"), timeout), host=self._host_name(task_vars))
        confirmed, reason = self._confirm(args, rollback, deadline, task_vars)
        if confirmed is not None:
            applied["confirmed"] = True
            applied["confirmation"] = {
                "armed_session": rollback.get("session"),
                "confirmed_session": confirmed.get("session"),
                "attempts": confirmed.get("_attempts"),
            }
            applied["persisted"] = bool(confirmed.get("committed")) or applied.get("persisted", False)
            applied.pop("persist_pending", None)
            return applied
        return self._rolled_back(args, applied, rollback, reason, deadline, task_vars)

    def _confirm(self, args, rollback, deadline, task_vars):
        """Disarm over a new connection before the deadline; (result, None) or (None, why not)."""
        reasons = []
        attempts = 0
        while True:
            remaining = deadline - self._now() - MARGIN
            if remaining <= 0:
                break
            attempts += 1
            self._reset_connection()
            connect_timeout = max(1, min(self._connect_timeout, int(remaining)))
            try:
                answer = self._call(CONFIRM, {
                    "token": rollback["token"],
                    "state": "disarmed",
                    "armed_session": rollback.get("session"),
                    "rollback_dir": args.get("rollback_dir", DEFAULT_ROLLBACK_DIR),
                }, task_vars, connect_timeout)
            except AnsibleConnectionFailure as error:
                reasons.append("no new connection: %s" % _first_line(error))
                self._sleep(min(1.0, deadline - self._now() - MARGIN))
                continue
            if answer.get("unreachable"):
                reasons.append("no new connection: %s" % _first_line(answer.get("msg", "unreachable")))
                self._sleep(min(1.0, deadline - self._now() - MARGIN))
                continue
            if answer.get("same_session"):
                # The old multiplexed session answered: reset again, never confirm over it.
                reasons.append("the confirmation ran over the connection that existed before the apply")
                continue
            state = answer.get("state")
            if answer.get("failed") or state not in ("disarmed", "fired"):
                reasons.append("the confirmation failed on the host: %s" % answer.get("msg", "state %s" % state))
                break
            if state == "fired":
                reasons.append("the confirmation reached the host after the rollback had fired; "
                               "a larger rollback_timeout gives slow hosts more time")
                break
            answer["_attempts"] = attempts
            return answer, None
        if not reasons:
            reasons.append("the rollback timeout (%ds) left no time to confirm" % args["rollback_timeout"])
        return None, reasons[-1]

    def _rolled_back(self, args, applied, rollback, reason, deadline, task_vars) -> dict:
        """Wait for the rollback, look at the host again over a new connection, report."""
        self._sleep(deadline + GRACE - self._now())
        give_up = self._now() + max(SETTLE_MIN, float(args["rollback_timeout"]))
        last_error = None
        status = None
        while self._now() < give_up:
            self._reset_connection()
            try:
                status = self._call(CONFIRM, {
                    "token": rollback["token"],
                    "state": "status",
                    "rollback_dir": args.get("rollback_dir", DEFAULT_ROLLBACK_DIR),
                }, task_vars, self._connect_timeout)
            except AnsibleConnectionFailure as error:
                last_error = _first_line(error)
                status = None
                self._sleep(2.0)
                continue
            if status.get("unreachable"):
                last_error = _first_line(status.get("msg", "unreachable"))
                status = None
                self._sleep(2.0)
                continue
            if status.get("state") == "armed" and not status.get("failed"):
                self._sleep(1.0)
                continue
            break

        backend = applied.get("backend", args.get("backend"))
        if status is not None:
            status = {key: value for key, value in status.items() if key not in ("invocation", "meta", "changed")}
        out = dict(applied)
        out.pop("persist_pending", None)
        out.update(changed=True, failed=True, rolled_back=True, rollback=dict(rollback, status=status), persisted=False)
        what = "The new %s ruleset was rolled back: %s." % (backend, reason)
        if status is None:
            out["unreachable"] = True
            out["msg"] = "%s The host did not answer a new SSH connection after the rollback either (%s)." % (what, last_error)
        elif status.get("state") == "disarmed":
            # The confirmation did reach the host, only its answer was lost.
            out.update(failed=False, rolled_back=False, confirmed=True, persisted=True)
            out.pop("msg", None)
            out.setdefault("warnings", []).append("the confirmation's answer was lost (%s), but the host had confirmed the ruleset" % reason)
        elif status.get("state") != "fired":
            out["msg"] = "%s But the rollback on the host is in state %r: %s" % (what, status.get("state"), status.get("msg", ""))
        elif status.get("restored"):
            out["msg"] = ("%s The previous ruleset is back (checked over a new connection after the rollback "
                          "fired); nothing of the new ruleset was kept." % what)
        else:
            failed_steps = [step for step in (status.get("result") or {}).get("report", []) if not step.get("ok", True)]
            out["msg"] = "%s The host answers again, but the restore reported a problem: %s; %s" % (
                what, status.get("restored_detail"), failed_steps or "no failed step")
        return out

    # -- the connection ---------------------------------------------------------------

    def _host_name(self, task_vars):
        return (task_vars or {}).get("inventory_hostname")

    @property
    def _connect_timeout(self) -> int:
        try:
            return int(self._connection.get_option("timeout") or DEFAULT_CONNECT_TIMEOUT)
        except (AnsibleError, KeyError, TypeError, ValueError):
            return DEFAULT_CONNECT_TIMEOUT

    def _reset_connection(self) -> None:
        """Drop the connection so the next command opens a new one (see the module docstring)."""
        if type(self._connection).reset is ConnectionBase.reset:
            return
        try:
            self._connection.reset()
        except AnsibleError as error:
            display.vvv("firewall_apply: reset: %s" % _first_line(error))

    def _call(self, module, module_args, task_vars, connect_timeout):
        original = self._connect_timeout
        changed = self._set_timeout(connect_timeout) if connect_timeout != original else False
        try:
            return self._execute_module(module_name=module, module_args=module_args, task_vars=task_vars)
        finally:
            if changed:
                self._set_timeout(original)

    def _set_timeout(self, value) -> bool:
        try:
            self._connection.set_option("timeout", value)
            return True
        except (AnsibleError, KeyError):
            return False
