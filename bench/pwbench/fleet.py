# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Measure 3: the drift_check playbook across 1, 5 and 20 hosts, default forks vs pipelining."""

from __future__ import annotations

import concurrent.futures
import os

from pwbench import docker
from pwbench import roundtrip
from pwbench import timing
from pwbench.host import BenchHost

# (label, environment): Ansible's defaults are forks 5 and no pipelining.
CONFIGS = {
    "forks 5": {"ANSIBLE_FORKS": "5", "ANSIBLE_PIPELINING": "False"},
    "forks 5 + pipelining": {"ANSIBLE_FORKS": "5", "ANSIBLE_PIPELINING": "True"},
    "forks 20 + pipelining": {"ANSIBLE_FORKS": "20", "ANSIBLE_PIPELINING": "True"},
}


def start_fleet(root: str, image: str, count: int, public_key: str) -> list:
    prefix = os.environ.get("BENCH_FLEET_PREFIX") or "pw-bench-fleet-"
    hosts = [BenchHost("%s%02d" % (prefix, index + 1), root, image) for index in range(count)]
    timing.log("fleet: starting %d hosts" % count)
    for host in hosts:
        docker.start(host.name, image)

    def prepare(host):
        docker.wait_booted(host.name)
        docker.authorise(host.name, public_key)
        host.address = docker.address(host.name)
        host.install_helpers()
        # A small server: sshd plus 10 TCP and 1 UDP listeners, some of them not allowed.
        host.load(10, 1)
        return host

    # Booting is mostly waiting on systemd: a few at a time keeps the 2 cores busy without thrashing.
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(prepare, hosts))


def measure(hosts: list, ansible, sizes, configs, rounds: int, workdir: str) -> dict:
    group_vars = {
        "portwarden_allowlist": roundtrip.allowlist(10, 1),
        "portwarden_report_dir": os.path.join(workdir, "fleet-reports"),
    }
    inventory = ansible.write_inventory("fleet.json", {h.name.replace("pw-bench-", ""): h.address for h in hosts},
                                        group="fleet", group_vars=group_vars)
    names = [h.name.replace("pw-bench-", "") for h in hosts]
    samples: dict = {}
    probes = [docker.cpu_counter(h.name) for h in hosts]
    ansible.host_cpu = [p for p in probes if p]
    contenders = []
    for size in sizes:
        for config in configs:
            if config.startswith("forks 20") and size <= 5:
                continue   # more forks than hosts changes nothing
            key = "%s|%d" % (config, size)

            def run(size=size, config=config):
                return ansible.playbook(inventory, "portwarden.hardening.drift_check", "--limit", ",".join(names[:size]),
                                        **CONFIGS[config])
            contenders.append((key, run))

    def record(key, round_no, sample):
        samples.setdefault(key, []).append({k: sample.get(k) for k in ("wall", "cpu", "host_cpu", "load")} | {"round": round_no})
        timing.log("  drift_check %-28s round %d: %.2f s" % (key, round_no, sample["wall"]))

    timing.alternate(contenders, rounds, record)
    ansible.host_cpu = []
    return {"inventory": inventory, "samples": samples}
