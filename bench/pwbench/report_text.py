# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fixed parts of BENCHMARKS.md: header, machine, method, commands, targets, explanations."""

from __future__ import annotations


def _machine(rep, meta, parts) -> None:
    m = meta["machine"]
    rep.w("## The machine")
    rep.w()
    load = m["load_start"][0]
    busy = load > 0.5 * m["cores"]
    rep.w("**%s**: %d container(s) were running at the start, load average %.1f / %.1f / %.1f on %d cores%s. "
          "Every measure alternates its contenders inside each round, repeats, and reports median, min and max; "
          "compare the contenders of one table with each other rather than with figures from another machine."
          % ("Figures were taken on a shared %d-core machine" % m["cores"] if busy else "Figures were taken on a quiet %d-core machine" % m["cores"],
             m["containers_running"], *m["load_start"], m["cores"],
             ", so single timings swing widely" if busy else ""))
    rep.w()
    rep.w("| | |")
    rep.w("| --- | --- |")
    for label, value in (
        ("CPU", "%s, %d cores" % (m["cpu"], m["cores"])),
        ("RAM", "%s GiB" % m["ram_gib"]),
        ("kernel", m["kernel"]),
        ("Docker engine", m["docker"]),
        ("controller Python", m["controller_python"]),
        ("ansible-core", m["ansible_core"]),
        ("ansible (package; community.general %s)" % m.get("community_general", "?"), m["ansible"]),
        ("bench host", "%s, %s (`%s`), Python %s, %s" % (meta["image"], m.get("host_os", "?"), "systemd container",
                                                         m.get("host_python", "?"), m.get("host_ss", "?"))),
        ("connection", "SSH from the controller to the container's address (Ansible's default ControlPersist)"),
        ("measures started", ", ".join("%s %s" % (name, part["meta"]["started"]) for name, part in parts.items() if part)),
    ):
        rep.w("| %s | %s |" % (label, value))
    rep.w()


def _commands(rep) -> None:
    rep.w("## How to reproduce: the exact commands")
    rep.w()
    rep.w("```sh")
    rep.w("make bench                      # all measures: ~30 min on a quiet 2-core machine, over an hour on a loaded one")
    rep.w("BENCH_QUICK=1 make bench        # smoke run, small sizes -> bench/results/quick/ (BENCHMARKS.md untouched)")
    rep.w("BENCH_ONLY=firewall make bench  # one measure again: gathering, roundtrip, profile, firewall, fleet, report, nochange")
    rep.w("BENCH_ONLY=nochange BENCH_TAG=before make bench  # the no-change measure, kept as the 'before' of section 6")
    rep.w("```")
    rep.w()
    rep.w("`bench/run.sh` builds `.cache/bench-venv` from `bench/requirements.txt`, starts the containers (label "
          "`portwarden.bench=true`, removed on exit or failure), runs `bench/bench.py` (raw samples in "
          "`bench/results/full/*.json`) and `bench/report.py`. Ansible runs with `ANSIBLE_CONFIG=bench/ansible.cfg` "
          "(Ansible's defaults: forks 5, no pipelining) and an inventory written to `bench/results/full/run/`. "
          "What each contender runs:")
    rep.w()
    rep.w("```sh")
    rep.w("# 1. gathering (controller; one task per playbook)")
    rep.w("ansible-playbook -i bench.json bench/playbooks/ping.yml                # ansible.builtin.ping")
    rep.w("ansible-playbook -i bench.json bench/playbooks/listening_ports.yml     # portwarden.hardening.listening_ports")
    rep.w("ansible-playbook -i bench.json bench/playbooks/listening_ports_lean.yml  # the same, fields: [protocol, address, port, process]")
    rep.w("ansible-playbook -i bench.json bench/playbooks/listen_ports_facts.yml  # community.general.listen_ports_facts")
    rep.w("# 1. gathering (inside the host, timed by bench/target/timeit.py)")
    rep.w("ss -Htulpn")
    rep.w("/opt/psutil-venv/bin/python -c \"import psutil; conns = psutil.net_connections(kind='inet'); ...\"")
    rep.w("PYTHONPATH=/opt/pwbench/lib python3 -c \"from ansible_collections.portwarden.hardening.plugins.module_utils.sockets._sockets"
          " import gather; gather()\"")
    rep.w("# 2. round-trip")
    rep.w("ansible -i bench.json bench -m ansible.builtin.ping")
    rep.w("ansible -i bench.json bench -m portwarden.hardening.port_audit -a '{\"allowlist\": [...3 entries...]}'")
    rep.w("# 3. fleet (hosts chosen with --limit)")
    rep.w("ANSIBLE_FORKS=5  ANSIBLE_PIPELINING=False ansible-playbook -i fleet.json portwarden.hardening.drift_check --limit fleet-01,...")
    rep.w("ANSIBLE_FORKS=5  ANSIBLE_PIPELINING=True  ansible-playbook -i fleet.json portwarden.hardening.drift_check --limit ...")
    rep.w("ANSIBLE_FORKS=20 ANSIBLE_PIPELINING=True  ansible-playbook -i fleet.json portwarden.hardening.drift_check")
    rep.w("# 4. firewall")
    rep.w("ansible-playbook -i localhost, bench/playbooks/fw_render.yml -e @fw-allowlist-N.json   # the collection's rendering")
    rep.w("nft -f /opt/pwbench/fw/sets-N.nft ; nft -f /opt/pwbench/fw/per_port-N.nft             # inside the host")
    rep.w("ansible-playbook -i bench.json bench/playbooks/fw_role.yml -e @fw-allowlist-N.json     # first and no-change runs")
    rep.w("# 5. fleet report (synthetic results; then 1,000 hosts with ansible_connection=local)")
    rep.w("ansible-playbook -i localhost.ini report-1000.yml -e results_file=report-results-1000.json   # audit_report task")
    rep.w("ansible-playbook -i report-fleet-1000.json bench/playbooks/ping.yml")
    rep.w("ansible-playbook -i report-fleet-1000.json portwarden.hardening.drift_check")
    rep.w("# 6. no change, beside ping (alternated)")
    rep.w("ansible-playbook -i bench.json bench/playbooks/harden_fw.yml -e @nochange-allowlist-N.json  # N = 10, 10000")
    rep.w("ansible-playbook -i report-fleet-100.json portwarden.hardening.drift_check                 # and ping.yml")
    rep.w("```")
    rep.w()


def _targets(rep) -> None:
    rep.w("## Targets at a glance")
    rep.w()
    rep.w("Targets from `DESIGN.md` (authoritative where the issues differ).")
    rep.w()
    rep.w("| what | target | measured | |")
    rep.w("| --- | --- | --- | --- |")
    for what, goal, measured, verdict in rep.targets:
        rep.w("| %s | %s | %s | %s |" % (what, goal, measured, verdict))
    rep.w()


def _why(rep, parts) -> None:
    rep.w("## Targets missed, and why")
    rep.w()
    if not rep.misses:
        rep.w("None: every target measured in this run was met.")
        rep.w()
        return
    for miss in rep.misses:
        rep.w("* " + miss)
    rep.w()
    profile = parts.get("profile")
    if not profile:
        return
    t = profile["target"]
    c = profile.get("controller", {})
    per_value = t["sanitise"] / max(1, t["values"]) * 1e6
    rep.w("What the profile (section 1) shows, at %s:" % profile["case"]["name"])
    rep.w()
    rep.w("1. **The gatherer is not the bottleneck.** `gather()` takes %.3f s in the host for %s sockets "
          "(netlink dump, one pass over /proc/*/fd, item building); raw `ss -Htulpn` does the same work in C."
          % (t["gather"], "{:,}".format(t["items"])))
    rep.w("2. **On the host, ansible-core's `exit_json` costs more than gathering, unless the result is packed.** "
          "`AnsibleModule._return_formatted` always runs `remove_values(result, no_log_values)`, which walks and "
          "re-tags (ansible-core 2.19 data tagging: `AnsibleTagHelper.tag_copy`) every one of the %s values, even "
          "though listening_ports has no no_log option: %.3f s (%.1f µs per value); encoding the %s-byte answer "
          "with the module encoder adds %.3f s."
          % ("{:,}".format(t["values"]), t["sanitise"], per_value, "{:,}".format(t["output_bytes"]), t["encode"]))
    if t.get("packed") is not None:
        rep.w("   The packed transport (`module_utils/_packed.py`, %s) replaces both with one C-encoded JSON text: "
              "%.3f s instead of %.3f s."
              % ("used by the module measured here" if t.get("pack_option") else "not yet used by the module measured here",
                 t["packed"], t["sanitise"] + t["encode"]))
    ping_c = profile.get("controller_ping") or {}
    if c.get("buckets") and ping_c.get("buckets"):
        waiting = "waiting on the host (SSH; the module runs there)"
        ours = dict(c["buckets"])
        ping = dict(ping_c["buckets"])
        extra = {label: ours.get(label, 0) - ping.get(label, 0) for label in ours}
        handling = sum(v for k, v in extra.items() if k != waiting and not k.startswith("start-up"))
        rep.w("3. **On the controller, the %s-item result is copied and walked several times.** Against the ping "
              "playbook, py-spy counts %+d more samples of running Python (%.2f s at %d Hz) in result handling: "
              "decoding the JSON, `strip_internal_keys` / `clean_facts` / `module_response_deepcopy` in the "
              "worker, pickling the result to the main process, storing the facts, and the callback's "
              "`transform_to_native_types`. The controller used %.2f s of CPU for this playbook against %.2f s "
              "for ping."
              % ("{:,}".format(t["items"]), handling, handling / float(c["rate"]), c["rate"],
                 profile["controller_cpu"]["listening_ports"], profile["controller_cpu"]["ping"]))
    rep.w()
    rep.w("What is done about it, and what is left (the contract's item shape is kept):")
    rep.w()
    if t.get("pack_option"):
        rep.w("* **Host side: done.** The packed transport measured above removes the per-value exit path on the "
              "host; keep it (and its unit test that a packed and an unpacked result are the same task result).")
        rep.w("* **Controller side: the remaining cost.** The unpacked result still goes through ansible-core's "
              "worker and main-process handling value by value (table above). Only fewer values help there.")
    else:
        rep.w("* **Skip the no-op per-value exit path on the host.** listening_ports declares no no_log option, so "
              "`remove_values` changes nothing; returning the items as one JSON text that an action plugin "
              "decodes on the controller removes the largest host-side cost shown above.")
    rep.w("* **Ship fewer values when the caller needs fewer.** `listening_ports` takes `fields:` (default: every "
          "key) and `set_facts: false`; `port_audit` takes `return_listening: all|audited|none` and "
          "`listening_fields`, and the audit role asks only for the audited sockets. Every per-value cost on both "
          "sides shrinks in proportion: section 1 measures `fields` of four keys, section 2 the audit with and "
          "without the socket list.")
    rep.w("* The gatherer itself has little left to win: its owner scan reads every fd link of every process, as "
          "`ss -p` does; in the busy cases it is the scan over all processes' fd tables that grows, for both.")
    rep.w()


def _notes(rep, parts) -> None:
    fleet = parts.get("fleet")
    if not fleet:
        return
    per_host = fleet.get("per_host") or {}
    biggest = max(fleet["sizes"])
    f5 = per_host.get(("forks 5", biggest))
    f5p = per_host.get(("forks 5 + pipelining", biggest))
    f20 = per_host.get(("forks 20 + pipelining", biggest))
    rep.w("## Fleet notes: what more forks, AWX or AAP change")
    rep.w()
    if f5 and f5p and f20:
        rep.w("* **Measured here at %d hosts**: %.2f s per host with Ansible's defaults, %.2f s with pipelining "
              "(%.0f%% less), %.2f s with pipelining and forks 20 (%.2f× the forks-5 pipelined figure)."
              % (biggest, f5, f5p, 100.0 * (f5 - f5p) / f5, f20, f20 / f5p))
    rep.w("* **Forks** bound how many hosts a task runs on at once (one worker process per fork). With the default "
          "5, the 20-host run goes through each task in four batches, so total time grows with the fleet and "
          "seconds per host level off at the cost of a batch divided by five. More forks help only while the "
          "controller has CPU to spare: every worker is a Python process that builds the module, drives SSH and "
          "post-processes the result, and on these 2 cores (shared with the hosts' containers) "
          "they compete with each other. On a real controller, size forks to its cores and "
          "memory; the drift check itself puts almost no load on the hosts.")
    rep.w("* **Pipelining** removes the temporary-file round trips (mkdir, sftp put, chmod, rm) of every task on "
          "every host. It is the cheapest speed-up for any playbook; it needs `requiretty` off in sudoers, which "
          "it is on Debian.")
    rep.w("* **AWX / AAP** run the same `ansible-playbook` inside an execution environment, so the per-host cost "
          "is the one measured here; what they change is around it. *Job slicing* splits the inventory into N "
          "slices run as N jobs, on as many execution nodes, in parallel: wall time divides by N for a large "
          "fleet. The job's *forks* setting plays the role of `--forks`. Every task result of every host becomes "
          "a job event stored in the database; the drift check keeps that small (a handful of tasks per host, one-line "
          "results), but a `listening_ports` fact dump of thousands of sockets per host would make the event "
          "stream the bottleneck. Reports land in the job's container unless `portwarden_report_dir` points at "
          "persistent storage.")
    rep.w()


def write(rep, body, parts, present) -> None:
    meta = present[0]["meta"]
    rep.w("# Benchmarks")
    rep.w()
    rep.w("Produced by `make bench` (`bench/run.sh`); regenerate rather than edit: `bench/report.py` writes this "
          "file from the raw samples in `bench/results/`. Charts: `bench/charts/`. %s"
          % ("**This is a quick smoke run (BENCH_QUICK=1): small sizes, few rounds; not the reference figures.**"
             if meta.get("quick") else ""))
    rep.w()
    _machine(rep, meta, parts)
    _targets(rep)
    _why(rep, parts)
    rep.lines.extend(body.lines)
    _notes(rep, parts)
    _commands(rep)
    with open(rep.out, "w", encoding="utf-8") as handle:
        handle.write("\n".join(rep.lines).rstrip() + "\n")
