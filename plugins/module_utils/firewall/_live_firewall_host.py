# -*- coding: utf-8 -*-
# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Read the live firewall on this host and judge it: the ``firewall`` and ``effective`` parts of port_audit.

Contract: ``check(allowlist, items, backend, state_dir, read=None, zone=None)`` returns
``{"firewall": {...}, "effective": [...]}``. ``firewall`` names the backend, whether our
rules are ``loaded``, its ``findings`` (``missing``, ``modified``, ``disabled``,
``accept_all``; each with ``kind``, ``severity``, ``reason``) and ``notes``; ``effective``
gives every audited listener and published port its verdict (see ``_live_firewall``).
``read`` maps a command (a tuple) to its output text or None; by default the commands run
here (stdlib subprocess, no shell). ``zone`` names portwarden's firewalld zone (the firewall
role's ``portwarden_firewall_zone``; default ``portwarden``).

Which commands run and how their output is parsed is each backend's own business
(``Backend.live_state``, registered in ``_fw_engine.BACKENDS``); this module only picks
the backend and judges the state it returns.
"""

from __future__ import annotations

import os

from ansible_collections.portwarden.hardening.plugins.module_utils.firewall import _live_firewall
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_engine import BACKENDS as FIREWALL_BACKENDS
from ansible_collections.portwarden.hardening.plugins.module_utils._constants import FIREWALL_STATE_DIR
from ansible_collections.portwarden.hardening.plugins.module_utils.sockets._published_host import _run

BACKENDS = ("auto",) + tuple(FIREWALL_BACKENDS)
# Where ``auto`` looks for portwarden's rules, in this order; the others are read only when named.
AUTO = ("nftables", "iptables")
# Read by ``auto`` only when neither of ``AUTO`` holds our rules: ufw and firewalld keep
# ours in tables and chains of their own, where nftables and iptables do not look.
AUTO_FRONT_ENDS = ("ufw", "firewalld")
DEFAULT_STATE_DIR = FIREWALL_STATE_DIR


def _default_read(command):
    return _run(list(command))


def _hardened(state_dir: str) -> bool:
    """Whether portwarden applied a firewall here before (its last confirmed copy is kept)."""
    try:
        return bool(os.listdir(os.path.join(state_dir, "last-good")))
    except OSError:
        return False


def live_state(backend: str, read, options=None) -> dict:
    """The live state for ``backend``; ``auto`` picks the one holding portwarden's rules:
    the first of ``AUTO``, then of ``AUTO_FRONT_ENDS``, whose rules are loaded, else the
    first holding some of them, else nftables (judged as not loaded). ``options`` go to
    every backend's ``live_state``."""
    if backend != "auto":
        return FIREWALL_BACKENDS[backend].live_state(read, options)
    states = [FIREWALL_BACKENDS[name].live_state(read, options) for name in AUTO]
    found = _first(states, "loaded")
    if found:
        return found
    # On a host without ufw or firewalld their reads run nothing (the tool is missing).
    states += [FIREWALL_BACKENDS[name].live_state(read, options) for name in AUTO_FRONT_ENDS]
    return _first(states, "loaded") or _first(states, "partial") or states[0]


def _first(states: list, key: str):
    return next((state for state in states if state[key]), None)


def _finding(kind: str, severity: str, reason: str) -> dict:
    return {"kind": kind, "severity": severity, "reason": reason}


def check(allowlist: list, items: list, backend: str = "auto", state_dir: str = DEFAULT_STATE_DIR, read=None,
          zone: str = None) -> dict:
    read = read or _default_read
    state = live_state(backend, read, {"zone": zone} if zone else None)
    findings, notes = [], []
    name = state["backend"]
    if state.get("enabled") is False:
        findings.append(_finding("disabled", "high", "the %s firewall is not enabled: nothing it holds is enforced" % name))
    elif state["rules_read"] and not state["loaded"]:
        if backend != "auto" or _hardened(state_dir):
            findings.append(_finding(
                "missing", "high",
                "portwarden's %s rules are not loaded (%s); every port is as open as the rest of the ruleset leaves it"
                % (name, state["absent"])))
        else:
            notes.append("no portwarden firewall on this host")
    elif state["rules_read"]:
        for difference in _live_firewall.compare(state, allowlist):
            findings.append(_finding("modified", "high", "the live firewall differs from the allowlist: " + difference))
    for entry in state["accept_all"]:
        if entry["bypasses"]:
            findings.append(_finding(
                "accept_all", "high",
                "%s accepts everything before portwarden's chain, so the chain never sees those packets: %s"
                % (entry["where"], entry["rule"])))
        else:
            notes.append("%s has a rule that accepts everything; an nftables accept ends only its own base chain, "
                         "so portwarden's table still filters" % entry["where"])
    notes.extend(state.get("notes", ()))
    effective = []
    for item in items:
        if item.get("exposure") == "loopback":
            continue
        verdict, reason = _live_firewall.verdict(item, state)
        published = item.get("published") or {}
        effective.append({
            "protocol": item.get("protocol"), "family": item.get("family"), "address": item.get("address"),
            "port": item.get("port"), "kind": "published" if published else "listening",
            "owner": published.get("container_name") if published else item.get("process"),
            "verdict": verdict, "reason": reason,
        })
    counts = {verdict: sum(1 for entry in effective if entry["verdict"] == verdict) for verdict in _live_firewall.VERDICTS}
    return {
        "firewall": {"backend": name, "loaded": state["loaded"], "enabled": state.get("enabled"),
                     "forward": state["forward"], "findings": findings, "notes": notes, "verdicts": counts},
        "effective": effective,
    }
