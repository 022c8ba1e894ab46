# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Measure 1: gathering listening sockets with owners, four ways, alternating.

Contenders: our module (every key, and with `fields` of four keys) and
community.general.listen_ports_facts (one-task playbooks, timed
from the controller, with a ping playbook as the floor), and, timed inside the host as
plain processes, `ss -Htulpn`, psutil.net_connections(kind='inet') in a scratch venv, and
our gatherer without Ansible (module_utils imported by a bare python3).
"""

from __future__ import annotations

import os

from pwbench import timing

GATHER_CODE = (
    "from ansible_collections.portwarden.hardening.plugins.module_utils.sockets._sockets import gather\n"
    "items, method = gather()\nprint(len(items))"
)
# What psutil users write to list listeners: every inet connection, then the listening
# TCP ones and the unconnected UDP ones.
PSUTIL_CODE = (
    "import psutil\n"
    "conns = psutil.net_connections(kind='inet')\n"
    "print(sum(1 for c in conns if c.status == psutil.CONN_LISTEN or (c.status == psutil.CONN_NONE and not c.raddr)))"
)


def contenders(host, ansible, inventory, playbooks):
    def playbook(name):
        # listen_ports_facts needs over 20 minutes at 10,000 sockets on a loaded machine.
        return lambda: ansible.playbook(inventory, os.path.join(playbooks, name), timeout=3600)

    return [
        ("ping", playbook("ping.yml")),
        ("listening_ports", playbook("listening_ports.yml")),
        ("listening_ports_lean", playbook("listening_ports_lean.yml")),
        ("listen_ports_facts", playbook("listen_ports_facts.yml")),
        ("ss", lambda: host.timeit("ss", "-Htulpn", count_lines=True)),
        ("psutil", lambda: host.python(PSUTIL_CODE, interpreter="/opt/psutil-venv/bin/python")),
        ("gather", lambda: host.python(GATHER_CODE)),
    ]


def ps_cost(host, rounds: int = 5) -> dict:
    """What one `ps -o user -p PID` costs on the host now (listen_ports_facts runs two per socket)."""
    samples = [host.timeit("ps", "-o", "user", "-p", "1")["wall"] for _round in range(rounds)]
    return timing.summary(samples)


def measure(case: dict, host, ansible, inventory, playbooks, rounds: int, lpf_budget: float = 420.0) -> dict:
    """case: {"name", "tcp", "udp", "idle", "lpf_runs"}; returns the case's samples and summaries."""
    timing.log("gathering %s: loading %d TCP + %d UDP sockets, %d idle processes"
               % (case["name"], case["tcp"], case["udp"], case["idle"]))
    state = host.load(case["tcp"], case["udp"], case["idle"])
    samples: dict = {}

    def record(name, round_no, sample):
        samples.setdefault(name, []).append({k: sample.get(k) for k in ("wall", "cpu", "host_cpu", "items", "load", "counts")} | {"round": round_no})
        timing.log("  %-18s round %d: %.3f s (items %s)" % (name, round_no, sample["wall"], sample.get("items")))

    runs = {"listen_ports_facts": case["lpf_runs"]}
    spent = {"lpf": 0.0}
    timeouts: list = []

    def lpf_within_budget(run):
        # listen_ports_facts takes minutes at 10,000 sockets (more on a loaded machine):
        # once it has used its time budget in a case, its remaining runs are skipped.
        def guarded():
            if spent["lpf"] > lpf_budget:
                return None
            try:
                sample = run()
            except TimeoutError as error:
                # One run longer than the playbook timeout: note it, skip the rest.
                spent["lpf"] = float("inf")
                timeouts.append(str(error))
                timing.log("  listen_ports_facts: %s" % error)
                return None
            spent["lpf"] += sample["wall"]
            return sample
        return guarded

    entrants = [(name, lpf_within_budget(fn) if name == "listen_ports_facts" else fn)
                for name, fn in contenders(host, ansible, inventory, playbooks)]
    timing.alternate(entrants, rounds, record, runs=runs)
    return {"case": case, "state": state, "samples": samples, "ps": ps_cost(host), "lpf_timeouts": timeouts}
