# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Measure 2: one drift check round-trip, `ansible -m port_audit` vs `ansible -m ping`."""

from __future__ import annotations

import json
import os

from pwbench import host as hostmod
from pwbench import timing


def allowlist(tcp: int, udp: int) -> list:
    """SSH, the first 90% of the bench TCP ports and every UDP port: the rest is drift."""
    entries = [{"port": 22, "proto": "tcp", "process": "sshd", "required": True, "comment": "SSH"}]
    allowed = max(1, tcp * 9 // 10)
    entries.append({"port": "%d-%d" % (hostmod.TCP_BASE, hostmod.TCP_BASE + allowed - 1), "proto": "tcp", "comment": "app"})
    if udp:
        entries.append({"port": "%d-%d" % (hostmod.UDP_BASE, hostmod.UDP_BASE + udp - 1), "proto": "udp", "comment": "app"})
    return entries


def _module_source(root: str) -> str:
    with open(os.path.join(root, "plugins", "modules", "port_audit.py"), encoding="utf-8") as handle:
        return handle.read()


def measure(case: dict, host, ansible, inventory, rounds: int) -> dict:
    timing.log("round-trip %s: %d TCP + %d UDP sockets" % (case["name"], case["tcp"], case["udp"]))
    state = host.load(case["tcp"], case["udp"], 0)
    args = json.dumps({"allowlist": allowlist(case["tcp"], case["udp"])})
    samples: dict = {}

    def record(name, round_no, sample):
        samples.setdefault(name, []).append({k: sample.get(k) for k in ("wall", "cpu", "host_cpu", "load", "counts")} | {"round": round_no})
        timing.log("  %-12s round %d: %.3f s %s" % (name, round_no, sample["wall"], sample.get("counts") or ""))

    contenders = [
        ("ping", lambda: ansible.adhoc(inventory, "bench", "ansible.builtin.ping")),
        ("port_audit", lambda: ansible.adhoc(inventory, "bench", "portwarden.hardening.port_audit", args)),
    ]
    if "return_listening" in _module_source(ansible.root):
        # Without the socket list in the answer: what a drift check needs.
        lean = json.dumps({"allowlist": allowlist(case["tcp"], case["udp"]), "return_listening": "none"})
        contenders.append(("port_audit, return_listening: none",
                           lambda: ansible.adhoc(inventory, "bench", "portwarden.hardening.port_audit", lean)))
    timing.alternate(contenders, rounds, record)
    return {"case": case, "state": state, "samples": samples, "command_args": args}
