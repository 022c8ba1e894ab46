# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make bench`: run the measures and write bench/results/*.json (bench/report.py turns
them into BENCHMARKS.md and bench/charts/*.png).

Environment:
  BENCH_QUICK=1        a fast smoke run: small sizes, two rounds (figures not for BENCHMARKS.md)
  BENCH_ONLY=a,b       only these measures: gathering, roundtrip, profile, firewall, fleet, report, nochange
  BENCH_ROUNDS=N       rounds per measure (default 5; quick 2)
  BENCH_LPF_BIG_RUNS=N listen_ports_facts runs at 10,000 sockets (default 2: it takes minutes)
  BENCH_FLEET_ROUNDS=N rounds of the fleet measure (default 3)
  BENCH_LPF_BUDGET=S   seconds listen_ports_facts may use per case before its remaining runs are skipped (420)
  BENCH_REPORT_FLEET_ROUNDS=N rounds of drift_check vs ping over the 1,000 local hosts (default 2: ~15 min each)
  BENCH_NOCHANGE_ROUNDS=N rounds of the no-change measure (default 7: its runs are short and the machine drifts; quick 1)
  BENCH_TAG=before     save the no-change measure as nochange-before.json (the report shows it beside nochange.json)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pwbench import docker, firewall, fleet, gathering, host as hostmod, machine, nochange, profile, report_scale, roundtrip, timing  # noqa: E402
from pwbench.ansible import Ansible  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# A quick smoke run keeps its figures apart, so it never overwrites a full run's.
RESULTS = os.path.join(ROOT, "bench", "results", "quick" if os.environ.get("BENCH_QUICK") == "1" else "full")
PLAYBOOKS = os.path.join(ROOT, "bench", "playbooks")
IMAGE = os.environ.get("BENCH_IMAGE", "portwarden/base:bookworm")
PSUTIL_VERSION = "7.2.2"
MEASURES = ("gathering", "roundtrip", "profile", "firewall", "fleet", "report", "nochange")


def config() -> dict:
    quick = os.environ.get("BENCH_QUICK") == "1"
    rounds = int(os.environ.get("BENCH_ROUNDS") or (2 if quick else 5))
    big = int(os.environ.get("BENCH_LPF_BIG_RUNS") or (1 if quick else 2))
    if quick:
        gathering_cases = [
            {"name": "10 TCP + 1 UDP", "tcp": 10, "udp": 1, "idle": 0, "lpf_runs": rounds},
            # listen_ports_facts needs a minute here already; the smoke run keeps it to 10 sockets.
            {"name": "1,000 TCP + 100 UDP", "tcp": 1000, "udp": 100, "idle": 0, "lpf_runs": 0, "headline": True},
            {"name": "1,000 TCP + 100 UDP, 200 idle processes", "tcp": 1000, "udp": 100, "idle": 200, "lpf_runs": 0},
            {"name": "10 TCP + 1 UDP, 200 idle processes", "tcp": 10, "udp": 1, "idle": 200, "lpf_runs": 1},
        ]
        headline = {"name": "1,000 TCP + 100 UDP", "tcp": 1000, "udp": 100}
    else:
        gathering_cases = [
            {"name": "10 TCP + 1 UDP", "tcp": 10, "udp": 1, "idle": 0, "lpf_runs": rounds},
            {"name": "1,000 TCP + 100 UDP", "tcp": 1000, "udp": 100, "idle": 0, "lpf_runs": min(rounds, 2)},
            {"name": "10,000 TCP + 1,000 UDP", "tcp": 10000, "udp": 1000, "idle": 0, "lpf_runs": big, "headline": True},
            # listen_ports_facts is not run here: each of its ~22,000 `ps` calls reads all
            # 2,000 processes; the report gives the estimate from the measured ps cost instead.
            {"name": "10,000 TCP + 1,000 UDP, 2,000 idle processes", "tcp": 10000, "udp": 1000, "idle": 2000, "lpf_runs": 0},
            {"name": "10 TCP + 1 UDP, 2,000 idle processes", "tcp": 10, "udp": 1, "idle": 2000, "lpf_runs": min(rounds, 3)},
        ]
        headline = {"name": "10,000 TCP + 1,000 UDP", "tcp": 10000, "udp": 1000}
    only = [m.strip() for m in os.environ.get("BENCH_ONLY", "").split(",") if m.strip()]
    unknown = [m for m in only if m not in MEASURES]
    if unknown:
        raise SystemExit("BENCH_ONLY: unknown measure(s) %s; choose from %s" % (", ".join(unknown), ", ".join(MEASURES)))
    return {
        "quick": quick,
        "rounds": rounds,
        "measures": only or list(MEASURES),
        "gathering_cases": gathering_cases,
        "roundtrip_cases": [{"name": "typical host: 10 TCP + 1 UDP", "tcp": 10, "udp": 1}, headline],
        "profile_case": headline,
        "firewall_sizes": [10, 100] if quick else [10, 1000, 10000],
        "firewall_role_rounds": 1 if quick else 2,
        "fleet_sizes": [1, 2] if quick else [1, 5, 20],
        "fleet_rounds": int(os.environ.get("BENCH_FLEET_ROUNDS") or (1 if quick else 3)),
        # The fleet report: audit_report on synthetic results, drift_check vs ping over local-connection hosts.
        "report_hosts": 100 if quick else 1000,
        "report_findings": 3,
        "report_fleet_hosts": 50 if quick else 1000,
        "report_fleet_rounds": int(os.environ.get("BENCH_REPORT_FLEET_ROUNDS") or (1 if quick else 2)),
        # No-change runs beside ping: the harden firewall step at 10 and 10,000 entries, drift_check at 100 hosts.
        "nochange_sizes": [10, 100] if quick else [10, 10000],
        "nochange_fleet_hosts": 10 if quick else 100,
        "nochange_rounds": int(os.environ.get("BENCH_NOCHANGE_ROUNDS") or (1 if quick else 7)),
    }


def save(name: str, data) -> None:
    if isinstance(data, dict) and "meta" in data:
        # The collection code at the end of the measure; the report flags a change.
        data["code_end"] = machine.code_state(ROOT)
    path = os.path.join(RESULTS, name + ".json")
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, default=str)
    os.replace(path + ".tmp", path)
    timing.log("wrote %s" % os.path.relpath(path, ROOT))


def ssh_key(workdir: str) -> tuple:
    key = os.path.join(workdir, "id_ed25519")
    if not os.path.exists(key):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "portwarden-bench", "-f", key], check=True)
    with open(key + ".pub", encoding="utf-8") as handle:
        return key, handle.read()


def main() -> int:
    cfg = config()
    workdir = os.environ.get("BENCH_WORKDIR") or os.path.join(RESULTS, "run")
    os.makedirs(workdir, exist_ok=True)
    key, public_key = ssh_key(workdir)
    ansible = Ansible(ROOT, workdir, key)
    started = time.time()
    meta = {"quick": cfg["quick"], "rounds": cfg["rounds"], "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "image": IMAGE,
            "code": machine.code_state(ROOT), "note": os.environ.get("BENCH_NOTE")}
    docker.ensure_network()
    measures = cfg["measures"]

    host = None
    if any(m in measures for m in ("gathering", "roundtrip", "profile", "firewall", "nochange")):
        host = hostmod.BenchHost("pw-bench-host", ROOT, IMAGE)
        timing.log("starting the bench host %s" % host.name)
        host.start(public_key)
        host.install_helpers()
        inventory = ansible.write_inventory("bench.json", {"bench": host.address})
        probe = docker.cpu_counter(host.name)
        ansible.host_cpu = [probe] if probe else []
        meta["machine"] = machine.describe(ROOT, host.name)
    else:
        meta["machine"] = machine.describe(ROOT)

    if "gathering" in measures:
        arch = docker.sh(host.name, "uname -m").strip()
        wheel = hostmod.psutil_wheel(sys.executable, os.path.join(ROOT, ".cache", "bench-wheels"), PSUTIL_VERSION, arch)
        psutil_version = host.install_psutil(wheel)
        budget = float(os.environ.get("BENCH_LPF_BUDGET") or 420)
        cases = [gathering.measure(case, host, ansible, inventory, PLAYBOOKS, cfg["rounds"], budget) for case in cfg["gathering_cases"]]
        save("gathering", {"meta": meta, "psutil": psutil_version, "lpf_budget": budget, "cases": cases})

    if "roundtrip" in measures:
        cases = [roundtrip.measure(case, host, ansible, inventory, cfg["rounds"]) for case in cfg["roundtrip_cases"]]
        save("roundtrip", {"meta": meta, "cases": cases})

    if "profile" in measures:
        case = cfg["profile_case"]
        timing.log("profile at %s" % case["name"])
        host.load(case["tcp"], case["udp"], 0)
        playbook = os.path.join(PLAYBOOKS, "listening_ports.yml")
        target = profile.target_phases(host, ansible, inventory, playbook, 3)
        py_spy = os.path.join(os.path.dirname(sys.executable), "py-spy")
        ping_playbook = os.path.join(PLAYBOOKS, "ping.yml")
        controller = profile.controller_profile(py_spy, ansible, inventory, playbook, workdir)
        controller_ping = profile.controller_profile(py_spy, ansible, inventory, ping_playbook, workdir)
        ping = ansible.playbook(inventory, ping_playbook)
        module = ansible.playbook(inventory, playbook)
        save("profile", {"meta": meta, "case": case, "target": target, "controller": controller,
                         "controller_ping": controller_ping,
                         "controller_cpu": {"ping": ping["cpu"], "listening_ports": module["cpu"]}})

    if "firewall" in measures:
        rows = firewall.measure_apply(host, ansible, cfg["firewall_sizes"], cfg["rounds"], PLAYBOOKS, workdir)
        firewall.measure_role(host, ansible, inventory, rows, cfg["firewall_role_rounds"], PLAYBOOKS)
        save("firewall", {"meta": meta, "rows": rows})

    if "nochange" in measures:
        tag = os.environ.get("BENCH_TAG")
        save("nochange-" + tag if tag else "nochange", {"meta": meta, **nochange.measure(host, ansible, inventory, PLAYBOOKS, workdir, cfg)})

    if host is not None:
        docker.docker("rm", "-f", host.name, check=False)
        ansible.host_cpu = []

    if "fleet" in measures:
        hosts = fleet.start_fleet(ROOT, IMAGE, max(cfg["fleet_sizes"]), public_key)
        result = fleet.measure(hosts, ansible, cfg["fleet_sizes"], list(fleet.CONFIGS), cfg["fleet_rounds"], workdir)
        save("fleet", {"meta": meta, "sizes": cfg["fleet_sizes"], **result})

    if "report" in measures:
        save("report", {"meta": meta, **report_scale.measure(ROOT, ansible, workdir, cfg)})

    timing.log("measures done in %.0f s" % (time.time() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
