# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Measure 6: runs with nothing to change, beside a ping playbook in the same rounds.

a. The harden role's firewall step (bench/playbooks/harden_fw.yml) on the bench host with
   an allowlist of 10 and of 10,000 entries (measure 4's allowlists): one first run, then
   ping, ping with the same allowlist loaded, and the no-change run alternated in every round.
b. drift_check beside ping over one inventory of 100 local-connection hosts (measure 5's
   fleet, smaller: the target is per host at 100 hosts).

BENCH_TAG=before saves the samples as nochange-before.json, so the report can show the
code before a change beside the code after it (nochange.json).
"""

from __future__ import annotations

import json
import os

from pwbench import docker, firewall, report_scale, timing


def _harden_firewall(ansible, inventory: str, playbooks: str, workdir: str, size: int, rounds: int) -> dict:
    allow_file = os.path.join(workdir, "nochange-allowlist-%d.json" % size)
    with open(allow_file, "w", encoding="utf-8") as handle:
        json.dump({"portwarden_allowlist": firewall.allowlist(size)}, handle)
    playbook = os.path.join(playbooks, "harden_fw.yml")
    ping = os.path.join(playbooks, "ping.yml")
    first = ansible.playbook(inventory, playbook, "-e", "@" + allow_file)
    timing.log("  harden firewall step, %d entries, first run: %.2f s" % (size, first["wall"]))
    samples: dict = {}

    def record(name, round_no, sample):
        samples.setdefault(name, []).append({"wall": sample["wall"], "cpu": sample["cpu"], "host_cpu": sample.get("host_cpu"),
                                             "load": sample.get("load"), "round": round_no, "recap": sample.get("stdout")})
        timing.log("  %-20s %5d entries, round %d: %.2f s" % (name, size, round_no, sample["wall"]))

    # Two pings: the bare one, and one over the same inventory and variables as the contender
    # (the allowlist loaded), which every playbook run against that inventory pays for first.
    timing.alternate([("ping", lambda: ansible.playbook(inventory, ping)),
                      ("ping_vars", lambda: ansible.playbook(inventory, ping, "-e", "@" + allow_file)),
                      ("harden_firewall", lambda: ansible.playbook(inventory, playbook, "-e", "@" + allow_file))],
                     rounds, record)
    return {"entries": size, "first": first["wall"], "samples": samples}


def measure(host, ansible, inventory: str, playbooks: str, workdir: str, cfg: dict) -> dict:
    rounds = cfg["nochange_rounds"]
    firewall_rows = []
    for size in cfg["nochange_sizes"]:
        timing.log("nochange: harden firewall step at %d entries" % size)
        firewall_rows.append(_harden_firewall(ansible, inventory, playbooks, workdir, size, rounds))
    docker.sh(host.name, "nft delete table inet portwarden 2>/dev/null; true")
    timing.log("nochange: drift_check vs ping over %d local-connection hosts" % cfg["nochange_fleet_hosts"])
    fleet = report_scale.fleet(ansible.root, ansible, workdir, cfg["nochange_fleet_hosts"], rounds)
    return {"rounds": rounds, "tag": os.environ.get("BENCH_TAG") or None, "firewall": firewall_rows, "fleet": fleet}
