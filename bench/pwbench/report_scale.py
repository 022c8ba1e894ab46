# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Measure 5: the fleet report at 1,000 hosts.

a. ``audit_report`` on 1,000 synthetic port_audit results, 3 findings each
   (tests/unit/fixtures/reports/synthetic.py, the same fleet the unit and browser tests
   use): the module as a playbook task on the controller (wall time, peak memory of the
   largest process), and its code alone in one Python process (time per step, peak
   memory, the size of every format).
b. ``drift_check`` beside a ping playbook over the same 1,000-host inventory, every host
   reached with the local connection (so every host is the controller), its allowlist
   declaring every listener of the machine but one that the bench opens: each host drifts
   by exactly one listener, and the report step writes a 1,000-host report.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

from pwbench import timing

# Runs in the project venv's Python: build the run document, render every format, write
# them as the module does, and say how long each step took and the peak memory.
_CHILD = r"""
import importlib.util, json, os, resource, sys, tempfile, time
spec = importlib.util.spec_from_file_location("synthetic", sys.argv[1])
synthetic = importlib.util.module_from_spec(spec); spec.loader.exec_module(synthetic)
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports import build_run
from ansible_collections.portwarden.hardening.plugins.module_utils.reports import _reports_store as store
hosts, findings = int(sys.argv[2]), int(sys.argv[3])
results = synthetic.fleet_results(hosts, findings)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
steps = {}
start = time.perf_counter()
run = build_run(results, "2026-01-25T12:00:00Z", "2026-01-25T12:05:00Z")
steps["build"] = time.perf_counter() - start
sizes = {}
rendered = {}
for fmt in ("json", "junit", "html", "markdown", "prometheus"):
    t = time.perf_counter()
    rendered[fmt] = store.render_all(run, [fmt])[fmt]
    steps[fmt] = time.perf_counter() - t
    sizes[fmt] = len(rendered[fmt].encode("utf-8"))
t = time.perf_counter()
grouped = store.render_all(run, ["junit"], {"junit": {"grouping": "finding"}})["junit"]
steps["junit_grouped"] = time.perf_counter() - t
sizes["junit_grouped"] = len(grouped.encode("utf-8"))
with tempfile.TemporaryDirectory() as dest:
    t = time.perf_counter()
    store.store(run, rendered, dest, 30)
    steps["write"] = time.perf_counter() - t
steps["total"] = time.perf_counter() - start
print(json.dumps({"steps": steps, "sizes": sizes, "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "maxrss_before_kib": base, "findings": run["summary"]["findings"], "groups": len(run["by_finding"])}))
"""

# Runs a command and prints the peak resident memory of its largest process (KiB).
_PEAK = r"""
import resource, subprocess, sys
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
if rc.returncode:
    sys.stderr.write(rc.stderr[-3000:]); sys.exit(rc.returncode)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""

_REPORT_PLAYBOOK = """---
# audit_report on the controller with {hosts} hosts' results (written by bench/pwbench/report_scale.py).
- name: Write the fleet reports of {hosts} synthetic hosts
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Write the reports
      portwarden.hardening.audit_report:
        results: "{{{{ lookup('ansible.builtin.file', results_file) | from_json }}}}"
        dest: "{{{{ report_dir }}}}"
        formats: [json, junit, html, markdown]
        history: 0
        compare_previous: false
"""


def _synthetic_path(root: str) -> str:
    return os.path.join(root, "tests", "unit", "fixtures", "reports", "synthetic.py")


def _project_python(root: str) -> str:
    return os.path.join(root, ".venv", "bin", "python")


def direct(root: str, hosts: int, findings: int, rounds: int) -> list:
    env = dict(os.environ, PYTHONPATH=os.path.join(root, ".cache", "collections"))
    samples = []
    for round_no in range(rounds):
        out = subprocess.run([_project_python(root), "-c", _CHILD, _synthetic_path(root), str(hosts), str(findings)],
                             check=True, env=env, text=True, stdout=subprocess.PIPE).stdout
        sample = json.loads(out)
        sample["round"] = round_no
        samples.append(sample)
        timing.log("  audit_report code, %d hosts, round %d: %.2f s, peak %.0f MiB, HTML %.2f MB"
                   % (hosts, round_no, sample["steps"]["total"], sample["maxrss_kib"] / 1024.0, sample["sizes"]["html"] / 1e6))
    return samples


def module(root: str, ansible, workdir: str, hosts: int, findings: int, rounds: int) -> list:
    """audit_report as a task: the results travel as module arguments, as in the audit role."""
    env = dict(os.environ, PYTHONPATH=os.path.join(root, ".cache", "collections"))
    results_file = os.path.join(workdir, "report-results-%d.json" % hosts)
    code = ("import importlib.util, json, sys; spec = importlib.util.spec_from_file_location('s', sys.argv[1]); "
            "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); "
            "json.dump(m.fleet_results(int(sys.argv[2]), int(sys.argv[3])), open(sys.argv[4], 'w'))")
    subprocess.run([_project_python(root), "-c", code, _synthetic_path(root), str(hosts), str(findings), results_file],
                   check=True, env=env)
    playbook = os.path.join(workdir, "report-%d.yml" % hosts)
    with open(playbook, "w", encoding="utf-8") as handle:
        handle.write(_REPORT_PLAYBOOK.format(hosts=hosts))
    inventory = os.path.join(workdir, "localhost.ini")
    with open(inventory, "w", encoding="utf-8") as handle:
        handle.write("localhost ansible_connection=local ansible_python_interpreter=%s\n" % _project_python(root))
    extra = ["-e", "results_file=%s" % results_file, "-e", "report_dir=%s" % os.path.join(workdir, "report-%d" % hosts)]
    samples = []
    for round_no in range(rounds):
        sample = ansible.playbook(inventory, playbook, *extra)
        argv = [sys.executable, "-c", _PEAK, os.path.join(ansible.bin, "ansible-playbook"), "-i", inventory, playbook, *extra]
        peak = subprocess.run(argv, check=True, env=ansible.env(), cwd=workdir, text=True, stdout=subprocess.PIPE).stdout
        sample = {"wall": sample["wall"], "cpu": sample["cpu"], "peak_kib": int(peak.strip()), "round": round_no}
        samples.append(sample)
        timing.log("  audit_report task, %d hosts, round %d: %.2f s, peak %.0f MiB" % (hosts, round_no, sample["wall"],
                                                                                       sample["peak_kib"] / 1024.0))
    return samples


_LISTENERS_PLAYBOOK = """---
# Every listener of this machine, as port_audit sees it (written by bench/pwbench/report_scale.py).
- name: Audit the machine against an empty allowlist
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Audit
      portwarden.hardening.port_audit:
        allowlist: []
      register: audit
    - name: Save the result
      ansible.builtin.copy:
        content: "{{ audit | to_json }}"
        dest: "{{ out }}"
        mode: "0600"
"""


def _machine_listeners(ansible, workdir: str) -> list:
    """Every listener of this machine that counts as exposure, as port_audit sees it."""
    inventory = os.path.join(workdir, "localhost.ini")
    with open(inventory, "w", encoding="utf-8") as handle:
        handle.write("localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n")
    playbook = os.path.join(workdir, "report-listeners.yml")
    with open(playbook, "w", encoding="utf-8") as handle:
        handle.write(_LISTENERS_PLAYBOOK)
    out = os.path.join(workdir, "report-listeners.json")
    ansible.playbook(inventory, playbook, "-e", "out=%s" % out)
    with open(out, encoding="utf-8") as handle:
        result = json.load(handle)
    return [{"port": item["port"], "proto": item["protocol"]} for item in result["drift"]["unexpected"]]


def fleet(root: str, ansible, workdir: str, hosts: int, rounds: int) -> dict:
    """drift_check and ping over one inventory of ``hosts`` local-connection hosts."""
    planted = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    planted.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    planted.bind(("0.0.0.0", 0))
    planted.listen(1)
    port = planted.getsockname()[1]
    try:
        allowlist = [entry for entry in _machine_listeners(ansible, workdir)
                     if not (entry["port"] == port and entry["proto"] == "tcp")]
        group_vars = {
            "ansible_connection": "local",
            # Root already: no sudo on the local connection.
            "ansible_become": False,
            "portwarden_allowlist": allowlist,
            "portwarden_report_dir": os.path.join(workdir, "fleet-report-%d" % hosts),
            "portwarden_report_history": 0,
        }
        inventory = ansible.write_inventory("report-fleet-%d.json" % hosts, {"h%d" % i: "127.0.0.1" for i in range(1, hosts + 1)},
                                            group="bench", group_vars=group_vars)
        samples: dict = {}
        ping = os.path.join(root, "bench", "playbooks", "ping.yml")

        def record(name, round_no, sample):
            samples.setdefault(name, []).append({k: sample.get(k) for k in ("wall", "cpu", "load")} | {"round": round_no})
            timing.log("  %-12s %d local hosts, round %d: %.1f s" % (name, hosts, round_no, sample["wall"]))

        contenders = [
            ("ping", lambda: ansible.playbook(inventory, ping, timeout=7200)),
            ("drift_check", lambda: ansible.playbook(inventory, "portwarden.hardening.drift_check", timeout=7200)),
        ]
        timing.alternate(contenders, rounds, record)
        with open(os.path.join(group_vars["portwarden_report_dir"], "latest.json"), encoding="utf-8") as handle:
            document = json.load(handle)
        summary = document["summary"]
        html = os.path.getsize(os.path.join(group_vars["portwarden_report_dir"], "latest.html"))
    finally:
        planted.close()
    return {"hosts": hosts, "planted_port": port, "allowlist_entries": len(allowlist), "samples": samples,
            "report": {"drift": summary["drift"], "findings": summary["findings"], "compliant": summary["compliant"],
                       "groups": len(document["by_finding"]), "html_bytes": html}}


def measure(root: str, ansible, workdir: str, cfg: dict) -> dict:
    hosts, findings, rounds = cfg["report_hosts"], cfg["report_findings"], cfg["rounds"]
    timing.log("report: audit_report code and task at %d hosts x %d findings" % (hosts, findings))
    result = {"hosts": hosts, "findings_per_host": findings,
              "direct": direct(root, hosts, findings, rounds),
              "module": module(root, ansible, workdir, hosts, findings, min(rounds, 3))}
    timing.log("report: drift_check vs ping over %d local-connection hosts" % cfg["report_fleet_hosts"])
    result["fleet"] = fleet(root, ansible, workdir, cfg["report_fleet_hosts"], cfg["report_fleet_rounds"])
    return result
