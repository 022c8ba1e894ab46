# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Commit-confirmed firewall changes: the guard around apply, and the check after a rollback.

``restore_plan()`` asks the backend for its plan (``Backend.restore_plan``: which files to
put back byte for byte, and which commands bring the running firewall back to the snapshot
the engine took before it applied, ``previous``) and adds what every plan puts back: the
engine's record of the last apply. ``_rollback`` runs the plan later, on its own.
"""

from __future__ import annotations

from ansible_collections.portwarden.hardening.plugins.module_utils.firewall import _rollback
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_base import FirewallError, StateStore, sha256
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._session import current_session

# Extra time the first countdown gives the apply itself. None: the countdown is restarted
# before every command the apply runs (FirewallGuard.keepalive), so a slow backend (ufw
# adds and deletes rule by rule) never runs out of time while it makes progress, and an
# apply whose module dies is restored rollback_timeout after its last command started.
APPLY_LEAD_TIME = 0


def restore_plan(backend, previous, desired, state_dir) -> dict:
    """The plan that puts ``backend`` back to ``previous``, with the engine's record."""
    plan = backend.restore_plan(previous, desired)
    plan["files"] = sorted(set(plan["files"]) | {StateStore(state_dir, backend.name).path})
    plan["scope"] = "firewall"
    plan["description"] = "the %s ruleset portwarden applied" % backend.name
    return plan


class FirewallGuard:
    """Arms a rollback right before the engine applies, and keeps its countdown honest.

    ``arm()`` runs after the snapshot and before the apply; ``keepalive()`` (called before
    every command the module runs) starts the countdown again while the apply makes
    progress; ``applied()`` starts it again once the apply is done, so the whole
    confirmation window is left for the controller; ``abort()`` restores at once when the
    apply failed half-way. A module that dies mid-apply stops calling ``keepalive()``: the
    host restores ``timeout`` seconds after the last command started.
    """

    def __init__(self, timeout, options, base_dir=_rollback.DEFAULT_DIR, state_dir=None, python=None, use_systemd=None):
        self.timeout = timeout
        self.options = {key: options.get(key) for key in ("path", "path_ipv6", "path_ipset", "zone", "firewalld_default_zone")}
        self.base_dir = base_dir
        self.state_dir = state_dir
        self.python = python
        self.use_systemd = use_systemd
        self.armed = None
        self.applying = False

    def arm(self, backend, previous, desired, current, commit=None) -> dict:
        """``commit``: {path: text or None} - boot files written only once the change is confirmed."""
        plan = restore_plan(backend, previous, desired, self.state_dir)
        plan["commit"] = []
        for number, (path, text) in enumerate(sorted((commit or {}).items())):
            name = None
            if text is not None:
                name = "commit-%02d" % number
                plan["payloads"][name] = text
            plan["commit"].append({"path": path, "payload": name, "mode": 0o640})
        session = current_session()
        plan["meta"] = {
            "backend": backend.name,
            "options": self.options,
            "live_sha256": sha256(current) if current is not None else None,
            "session": session,
        }
        try:
            armed = _rollback.arm(plan, self.timeout, base_dir=self.base_dir, python=self.python,
                                  use_systemd=self.use_systemd, lead_time=APPLY_LEAD_TIME)
        except (_rollback.RollbackError, OSError) as error:
            raise FirewallError("arming the rollback failed, so nothing was applied: %s" % error) from None
        self.armed = dict(armed, session=session, backend=backend.name)
        self.applying = True
        return self.armed

    def keepalive(self) -> None:
        """The apply makes progress: start the countdown again (only between arm and applied)."""
        if self.applying:
            _rollback.restart(self.armed["token"], self.timeout, base_dir=self.base_dir)

    def applied(self) -> dict:
        self.applying = False
        info = _rollback.restart(self.armed["token"], self.timeout, base_dir=self.base_dir)
        if info["state"] != "armed":
            # It fired while the apply was still running, which may have put parts of the
            # new ruleset back in after the restore: restore once more, then say so.
            _rollback.fire_now(self.armed["token"], base_dir=self.base_dir, python=self.python, again=True)
            raise FirewallError(
                "the ruleset was rolled back: applying it took longer than rollback_timeout (%s s), so the rollback "
                "fired before the apply had finished; the snapshot has been restored. Raise rollback_timeout" % self.timeout
            )
        self.armed["state"] = info["state"]
        return self.armed

    def hold_boot_files(self, backend) -> list:
        """ufw and firewalld wrote their boot configuration as they applied: keep the
        change's version for the confirmation and put the previous one back now."""
        try:
            return _rollback.hold(self.armed["token"], backend.boot_files(), base_dir=self.base_dir)
        except (_rollback.RollbackError, OSError) as error:
            raise FirewallError("holding back %s's boot configuration until the confirmation failed: %s" % (backend.name, error)) from None

    def abort(self) -> dict:
        self.applying = False
        return _rollback.fire_now(self.armed["token"], base_dir=self.base_dir, python=self.python)


def settle_earlier(base_dir, make_backend, run, which, check_mode=False, python=None) -> list:
    """Before anything else: restore every earlier unconfirmed firewall change (see
    ``_rollback.settle_earlier``) and check that the live ruleset is its snapshot again.

    Raises FirewallError while an earlier rollback still counts down: nothing may be applied
    or written to the boot files over a change that is not confirmed yet.
    """
    try:
        settled = _rollback.settle_earlier("firewall", base_dir=base_dir, python=python, check_mode=check_mode)
    except (_rollback.RollbackError, OSError) as error:
        raise FirewallError("%s; nothing was changed" % error) from None
    for item in settled:
        if item["action"] == "restored":
            info = verify(_rollback.status(item["token"], base_dir), make_backend, run, which)
            item.update(restored=info.get("restored"), restored_detail=info.get("restored_detail"))
    return settled


def verify(info, make_backend, run, which) -> dict:
    """After a rollback fired: is the live ruleset the snapshot again? Adds ``restored`` to ``info``."""
    meta = info.get("meta") or {}
    if info.get("state") != "fired" or not meta.get("backend"):
        return info
    try:
        backend = make_backend(meta["backend"], run, which, options=meta.get("options"))
        current = backend.current()
    except FirewallError as error:
        info.update(restored=False, restored_detail="could not read the live ruleset back: %s" % error)
        return info
    now = sha256(current) if current is not None else None
    info["restored"] = now == meta.get("live_sha256") and bool((info.get("result") or {}).get("ok"))
    info["restored_detail"] = (
        "the live ruleset is the snapshot taken before the apply" if now == meta.get("live_sha256")
        else "the live ruleset differs from the snapshot taken before the apply"
    )
    return info
