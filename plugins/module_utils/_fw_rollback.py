# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Commit-confirmed firewall changes: the restore plan of each backend, and the guard around apply.

``restore_plan()`` turns the snapshot the engine takes before it applies (``previous``, in
the shape of the module's options) into a backend-agnostic plan for ``_rollback``: which
files to put back byte for byte, and which commands bring the running firewall back. It
always goes back to the snapshot - the last state that was in force - and never to an
open firewall, except where the snapshot itself is "nothing of ours".

* nftables: ``nft -f`` of the snapshot, which starts with ``table inet portwarden {}`` +
  ``delete table inet portwarden``, so the restore is one atomic transaction (no snapshot:
  the same two lines alone remove our table).
* iptables: the ipsets of the snapshot swapped in, ``iptables-restore --noflush`` and
  ``ip6tables-restore --noflush`` of the snapshot (one commit per family), then the ipsets
  only the new ruleset had are destroyed (no snapshot: our jumps and chains are removed).
* ufw: the rules the new ruleset removed are added back first, the default and the log
  level are set back, the rules it added are deleted, then ufw's own files are put back
  byte for byte, so ``ufw status`` reads as it did (ufw has no transaction; nothing is
  closed before the snapshot's rules are open again, and ufw is never stopped).
* firewalld: the zone file and ``firewalld.conf`` (the default zone) are put back, then
  ``firewall-cmd --reload``, which keeps established connections.

Every plan also puts back the engine's record of the last apply and the boot files.
"""

from __future__ import annotations

import shlex

from ansible_collections.portwarden.hardening.plugins.module_utils import _rollback
from ansible_collections.portwarden.hardening.plugins.module_utils._fw_base import (
    FirewallError,
    StateStore,
    TemporaryText,
    run_checked,
    sha256,
)
from ansible_collections.portwarden.hardening.plugins.module_utils._fw_iptables import CHAIN, parse_sets, swap_script
from ansible_collections.portwarden.hardening.plugins.module_utils._fw_nftables import REPLACE_HEADER
from ansible_collections.portwarden.hardening.plugins.module_utils._fw_ufw import parse_content, render_rule
from ansible_collections.portwarden.hardening.plugins.module_utils._management import current_session

# Extra time the first countdown gives the apply itself. None: the countdown is restarted
# before every command the apply runs (FirewallGuard.keepalive), so a slow backend (ufw
# adds and deletes rule by rule) never runs out of time while it makes progress, and an
# apply whose module dies is restored rollback_timeout after its last command started.
APPLY_LEAD_TIME = 0
# Deleting a rule or chain that is not there is fine during a restore.
MISSING_OK = [0, 1, 2]


def _nftables(backend, previous, desired) -> dict:
    text = previous["content"] if previous.get("present") else REPLACE_HEADER
    if previous.get("source") == "live":
        # A listing read back from the kernel is not always loadable as printed; a snapshot
        # that cannot be restored is no safety net, so refuse before anything changes.
        with TemporaryText(text, suffix=".nft", directory=backend.tmpdir, display="snapshot of the live table") as tmp:
            run_checked(backend.run, [backend.nft, "-c", "-f", tmp.path],
                        "checking that the live table can be restored (changed behind portwarden's back)", clean=tmp.clean)
    return {
        "files": sorted(backend.paths.values()),
        "payloads": {"ruleset.nft": text},
        "steps": [{"argv": [backend.nft, "-f", {"payload": "ruleset.nft"}]}],
    }


def _iptables(backend, previous, desired) -> dict:
    tool = backend._tool
    new_sets = set(parse_sets(desired.get("content_ipset")))
    plan = {"files": sorted(backend.paths.values()), "payloads": {}, "steps": []}
    if previous.get("present"):
        old_sets = parse_sets(previous.get("content_ipset"))
        if old_sets:
            plan["payloads"]["ipsets"] = swap_script(old_sets)
            plan["steps"].append({"argv": [tool("ipset"), "-exist", "restore"], "stdin": {"payload": "ipsets"}})
        for part, name in (("content", "iptables"), ("content_ipv6", "ip6tables")):
            plan["payloads"][name] = previous[part]
            plan["steps"].append({"argv": [tool(name + "-restore"), "--noflush", {"payload": name}]})
        gone = sorted(new_sets - set(old_sets))
    else:
        for name in ("iptables", "ip6tables"):
            binary = tool(name)
            plan["steps"] += [
                {"argv": [binary, "-D", "INPUT", "-j", CHAIN], "ok_rc": MISSING_OK},
                {"argv": [binary, "-F", CHAIN], "ok_rc": MISSING_OK},
                {"argv": [binary, "-X", CHAIN], "ok_rc": MISSING_OK},
            ]
        gone = sorted(new_sets)
    plan["steps"] += [{"argv": [tool("ipset"), "destroy", name], "ok_rc": MISSING_OK} for name in gone]
    return plan


def _ufw(backend, previous, desired) -> dict:
    old = parse_content(previous["content"])
    new = parse_content(desired["content"])
    ufw = backend.ufw
    steps = [{"argv": [ufw] + shlex.split(render_rule(*rule))} for rule in sorted(old["rules"] - new["rules"], key=str)]
    if old["default"] in ("deny", "reject", "allow"):
        steps.append({"argv": [ufw, "default", old["default"], "incoming"]})
    if old["logging"]:
        steps.append({"argv": [ufw, "logging", old["logging"]]})
    steps += [{"argv": [ufw, "delete"] + shlex.split(render_rule(*rule)), "ok_rc": MISSING_OK}
              for rule in sorted(new["rules"] - old["rules"], key=str)]
    if old["enabled"] == "no":
        steps.append({"argv": [ufw, "disable"]})
    return {"files": backend.boot_files(), "payloads": {}, "steps": steps, "restore_files": "after"}


def _firewalld(backend, previous, desired) -> dict:
    steps = [{"argv": [backend._cmd(), "--reload"]}] if backend.running() else []
    return {"files": backend.boot_files(), "payloads": {}, "steps": steps}


PLANS = {"nftables": _nftables, "iptables": _iptables, "ufw": _ufw, "firewalld": _firewalld}


def restore_plan(backend, previous, desired, state_dir) -> dict:
    """The plan that puts ``backend`` back to ``previous``; see the module docstring."""
    plan = PLANS[backend.name](backend, previous, desired)
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
