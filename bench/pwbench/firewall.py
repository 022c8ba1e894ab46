# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Measure 4: nftables rule count and `nft -f` apply time, interval sets vs one rule per port,
and the firewall role's second (no change) run."""

from __future__ import annotations

import json
import os
import re

from pwbench import docker
from pwbench import timing
from pwbench.host import REMOTE

PORT_BASE = 1024
PORT_STEP = 5   # spaced ports: adjacent ones would merge into ranges and flatter the sets


def allowlist(count: int) -> list:
    """SSH plus count-1 single ports; one in ten UDP, one in five limited to an IPv4 and an IPv6 source."""
    entries = [{"port": 22, "proto": "tcp", "comment": "SSH"}]
    for index in range(1, count):
        entry = {"port": PORT_BASE + PORT_STEP * index, "proto": "udp" if index % 10 == 9 else "tcp"}
        if index % 5 == 4:
            entry["sources"] = ["10.%d.%d.0/24" % (index // 256 % 256, index % 256), "fd00:%x::/48" % index]
        entries.append(entry)
    return entries


PER_PORT_HEAD = """table inet portwarden {}
delete table inet portwarden
table inet portwarden {
\tchain input {
\t\ttype filter hook input priority filter; policy drop;
\t\tiif lo accept
\t\ticmp type { destination-unreachable, time-exceeded, parameter-problem } accept
\t\ticmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem,
\t\t\tnd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept
\t\tct state established,related accept
\t\tct state invalid drop
\t\ticmp type echo-request accept
\t\ticmpv6 type echo-request accept
"""


def render_per_port(entries: list) -> str:
    """The same allowlist the way iptables-style roles write it: one rule per port and source."""
    lines = [PER_PORT_HEAD]
    for entry in entries:
        proto, port = entry["proto"], entry["port"]
        sources = entry.get("sources")
        if not sources:
            lines.append("\t\t%s dport %d accept\n" % (proto, port))
            continue
        for source in sources:
            family = "ip6" if ":" in source else "ip"
            lines.append("\t\t%s saddr %s %s dport %d accept\n" % (family, source, proto, port))
    lines.append("\t}\n}\n")
    return "".join(lines)


COUNT_CODE = (
    "import json, sys; d = json.load(sys.stdin)['nftables']; "
    "print(sum(1 for o in d if 'rule' in o), sum(len(o['set'].get('elem', [])) for o in d if 'set' in o))"
)


def _count(host) -> tuple:
    out = docker.sh(host.name, "nft -j list table inet portwarden | python3 -c \"%s\"" % COUNT_CODE).split()
    return int(out[0]), int(out[1])


def render_sets(ansible, size: int, entries: list, playbooks: str, workdir: str) -> tuple:
    allow_file = os.path.join(workdir, "fw-allowlist-%d.json" % size)
    with open(allow_file, "w", encoding="utf-8") as handle:
        json.dump({"portwarden_allowlist": entries}, handle)
    out = os.path.join(workdir, "fw-sets-%d.nft" % size)
    sample = ansible.playbook("localhost,", os.path.join(playbooks, "fw_render.yml"), "-e", "@" + allow_file,
                              "-e", json.dumps({"bench_root": ansible.root, "bench_out": out}))
    return out, allow_file, sample["wall"]


def measure_apply(host, ansible, sizes, rounds: int, playbooks: str, workdir: str) -> list:
    docker.sh(host.name, "systemctl stop 'bench-*' 2>/dev/null; mkdir -p %s/fw; true" % REMOTE)
    results = []
    for size in sizes:
        entries = allowlist(size)
        timing.log("firewall %d entries: rendering" % size)
        sets_file, allow_file, render_wall = render_sets(ansible, size, entries, playbooks, workdir)
        per_port_file = os.path.join(workdir, "fw-perport-%d.nft" % size)
        with open(per_port_file, "w", encoding="utf-8") as handle:
            handle.write(render_per_port(entries))
        row = {"entries": size, "render_wall": render_wall, "allowlist_file": allow_file, "rendering": {}}
        for label, path in (("sets", sets_file), ("per_port", per_port_file)):
            docker.copy_in(host.name, path, "%s/fw/%s-%d.nft" % (REMOTE, label, size))
            row["rendering"][label] = {"bytes": os.path.getsize(path), "fresh": [], "replace": []}

        def apply(label):
            def run():
                docker.sh(host.name, "nft delete table inet portwarden 2>/dev/null; true")
                path = "%s/fw/%s-%d.nft" % (REMOTE, label, size)
                fresh = host.timeit("nft", "-f", path)
                replace = host.timeit("nft", "-f", path)
                return {"wall": fresh["wall"], "replace": replace["wall"]}
            return run

        def record(label, _round, sample):
            row["rendering"][label]["fresh"].append(sample["wall"])
            row["rendering"][label]["replace"].append(sample["replace"])
            timing.log("  %-8s %5d entries: apply %.3f s, replace %.3f s" % (label, size, sample["wall"], sample["replace"]))

        timing.alternate([("sets", apply("sets")), ("per_port", apply("per_port"))], rounds, record)
        for label in ("sets", "per_port"):
            apply(label)()
            rules, elements = _count(host)
            row["rendering"][label].update(rules=rules, elements=elements)
        docker.sh(host.name, "nft delete table inet portwarden 2>/dev/null; true")
        results.append(row)
    return results


def measure_role(host, ansible, inventory, rows: list, rounds: int, playbooks: str) -> None:
    """First run and no-change runs of portwarden.hardening.firewall for each allowlist size."""
    playbook = os.path.join(playbooks, "fw_role.yml")
    for row in rows:
        size = row["entries"]
        role = row["role"] = {"first": None, "second": [], "changed": [], "error": None}
        try:
            timing.log("firewall role %d entries: first run" % size)
            first = ansible.playbook(inventory, playbook, "-e", "@" + row["allowlist_file"])
            role["first"] = first["wall"]
            for _round in range(rounds):
                again = ansible.playbook(inventory, playbook, "-e", "@" + row["allowlist_file"])
                role["second"].append(again["wall"])
                changed = re.search(r"changed=(\d+)", again.get("stdout", "") or "")
                role["changed"].append(int(changed.group(1)) if changed else None)
                timing.log("  role second run %d entries: %.2f s" % (size, again["wall"]))
        except RuntimeError as error:
            role["error"] = str(error)[-1500:]
            timing.log("  firewall role failed: %s" % role["error"][-300:])
    docker.sh(host.name, "nft delete table inet portwarden 2>/dev/null; true")
