#!/usr/bin/python
# Copyright (c) 2026, portwarden maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: audit_report
short_description: Write the fleet drift reports (JSON, JUnit, HTML, Markdown, Prometheus) from port_audit results
version_added: 0.1.0
description:
  - Collects every host's M(portwarden.hardening.port_audit) result into one run document and writes it to a report
    directory as JSON, JUnit XML, a self-contained HTML fleet report, a Markdown summary and a Prometheus
    textfile-collector file.
  - Meant to run once on the controller, with C(delegate_to=localhost) and C(run_once=true), after every host was
    audited; the P(portwarden.hardening.audit#role) role does exactly that. It reads nothing from the audited hosts
    itself.
  - The previous run's C(latest.json) in O(dest) is read before it is replaced, so the run document and every report
    say what changed since then (new and vanished listeners, new and resolved findings, per host).
  - Each run is also kept as C(history/<run id>.json); the oldest beyond O(history) are deleted.
  - A host whose audit failed or that was unreachable is reported as such (a JUnit error, status C(error) or
    C(unreachable)), never silently left out.
  - This module never fails because of drift; it reports it. Failing the play on drift is the caller's choice (the role
    does it in its last task, after the reports are written).
options:
  results:
    description:
      - Each host's registered M(portwarden.hardening.port_audit) result, keyed by inventory host name.
      - A failed or unreachable result (C(failed), C(unreachable), C(msg)) is reported as that host's error.
    type: dict
    required: true
  allowlists:
    description:
      - The normalised allowlist each host was audited against (the output of the
        P(portwarden.hardening.allowlist#filter) filter), keyed by host name. Hosts that share an allowlist share one
        copy in the JSON document.
    type: dict
    default: {}
  exceptions:
    description:
      - The exceptions each host was audited with, keyed by host name; recorded in the JSON document.
    type: dict
    default: {}
  dest:
    description:
      - Directory the reports are written to; created when missing.
      - A relative path is relative to the working directory of C(ansible-playbook) when the module runs on the
        controller.
    type: path
    required: true
  formats:
    description:
      - Which reports to write. C(json) is C(latest.json), C(junit) C(latest.junit.xml), C(html) C(latest.html),
        C(markdown) C(latest.md), C(prometheus) C(latest.prom) (every host's metrics in one textfile).
      - Without C(json) the next run has no C(latest.json) to compare with.
    type: list
    elements: str
    choices: [json, junit, html, markdown, prometheus]
    default: [json, junit, html, markdown]
  started:
    description:
      - When the run started, as ISO 8601 (C(2026-01-25T12:01:02Z)) or Unix time. Also makes the run id.
      - Defaults to the time this module runs.
    type: str
  finished:
    description:
      - When the run finished; defaults to the time this module runs.
    type: str
  run_id:
    description:
      - Identifier of the run; defaults to the start time as C(YYYYMMDDTHHMMSSZ).
    type: str
  previous:
    description:
      - The previous run's JSON document to compare with. Defaults to C(latest.json) in O(dest).
      - A missing file means a first run; an unreadable or foreign one is a warning, not an error.
    type: path
  compare_previous:
    description:
      - Whether to compare with the previous run at all.
    type: bool
    default: true
  history:
    description:
      - How many timestamped run documents to keep under C(history/) in O(dest). V(0) keeps none.
    type: int
    default: 30
  mode:
    description:
      - Permissions of every report file and history copy, as an octal string.
      - Reports list every host's weaknesses, so they are readable by their owner only unless you say otherwise.
        Files written by earlier runs get this mode too.
    type: raw
    default: "0600"
  directory_mode:
    description:
      - Permissions of the directories this module creates (O(dest) when it does not exist yet, and C(history/),
        which always gets it), as an octal string.
      - An O(dest) that already exists keeps its mode, since it may be shared.
    type: raw
    default: "0700"
  ignore_loopback:
    description:
      - Whether the audit ignored loopback listeners; the matrix, the listener counts, the metrics and the changes
        since the previous run leave loopback listeners out when true, as the audit did.
    type: bool
    default: true
  fail_on_drift:
    description:
      - Recorded in the run document so a reader knows whether this run was meant to fail on drift. This module
        itself never fails because of drift.
    type: bool
    default: false
  title:
    description:
      - Title of the HTML and Markdown reports.
    type: str
    default: portwarden drift check
  return_prometheus:
    description:
      - Also return each host's Prometheus textfile content in RV(prometheus), for writing it on the host for
        node_exporter.
    type: bool
    default: false
attributes:
  check_mode:
    description: Can run in check mode and then writes nothing.
    support: full
    details:
      - In check mode nothing is written; the result shows which files would be.
      - The P(portwarden.hardening.audit#role) role runs this task with C(check_mode=false) on purpose, so a drift
        check under C(--check) still writes its reports on the controller while nothing changes on any host.
  diff_mode:
    description: Returns no diff; the reports are new files of each run.
    support: none
  idempotent:
    description: Whether a second run with the same input changes nothing.
    support: partial
    details:
      - Every run is a new run with its own timestamps and history file, so the files change on every run.
        C(latest.*) files whose content is unchanged are not rewritten.
author:
  - portwarden maintainers (@portwarden)
seealso:
  - module: portwarden.hardening.port_audit
"""

EXAMPLES = r"""
- name: Audit every host against its allowlist
  portwarden.hardening.port_audit:
    allowlist: "{{ portwarden_allowlist }}"
  register: audit

- name: Write the fleet reports on the controller
  portwarden.hardening.audit_report:
    results: "{{ dict(ansible_play_hosts | zip(ansible_play_hosts | map('extract', hostvars, 'audit'))) }}"
    allowlists: "{{ dict(ansible_play_hosts | zip(ansible_play_hosts | map('extract', hostvars, 'portwarden_allowlist')
                    | map('portwarden.hardening.allowlist'))) }}"
    dest: /var/lib/portwarden/reports
    formats: [json, junit, html, markdown]
  delegate_to: localhost
  run_once: true
  become: false
  # Reports are the output of a read-only check: write them under --check too.
  check_mode: false
  register: report

- name: Print one line per host
  ansible.builtin.debug:
    msg: "{{ report.lines[inventory_hostname] }}"

- name: Fail the run when the fleet drifted (after the reports exist)
  ansible.builtin.fail:
    msg: "{{ report.lines[inventory_hostname] }}"
  when: inventory_hostname in report.drifting
"""

RETURN = r"""
run_id:
  description: Identifier of the run (also the history file's name).
  returned: always
  type: str
  sample: 20260125T120102Z
compliant:
  description: True when every host was audited and none drifted.
  returned: always
  type: bool
  sample: false
summary:
  description: Fleet counts.
  returned: always
  type: dict
  sample:
    hosts: 2
    compliant: 1
    drift: 1
    error: 0
    unreachable: 0
    findings: 4
    accepted: 0
    listeners: 6
    by_kind: {unexpected: 2, missing: 1, mismatched: 1}
    by_severity: {critical: 0, high: 2, medium: 2}
hosts:
  description: Per host, its status (C(compliant), C(drift), C(error), C(unreachable)) and counts.
  returned: always
  type: dict
  sample:
    web1: {status: drift, summary: {findings: 2, unexpected: 1, missing: 1, mismatched: 0, critical: 0, high: 1,
                                    medium: 1, accepted: 0, listeners: 3}}
lines:
  description: One human-readable summary line per host.
  returned: always
  type: dict
  sample:
    web1: "web1: DRIFT: 2 findings (1 unexpected, 1 missing; 1 high, 1 medium); unexpected tcp 0.0.0.0:8081; missing 443/tcp"
    web2: "web2: COMPLIANT; 2 listeners as declared"
drifting:
  description: Hosts with drift.
  returned: always
  type: list
  elements: str
  sample: [web1]
failed_hosts:
  description: Hosts whose audit failed or that were unreachable.
  returned: always
  type: list
  elements: str
  sample: []
files:
  description: The report file of each format written (or, in check mode, that would be written).
  returned: always
  type: dict
  sample:
    json: /var/lib/portwarden/reports/latest.json
    junit: /var/lib/portwarden/reports/latest.junit.xml
    html: /var/lib/portwarden/reports/latest.html
    markdown: /var/lib/portwarden/reports/latest.md
history_file:
  description: The timestamped copy of this run's JSON document; null when O(history=0) or in check mode.
  returned: always
  type: str
  sample: /var/lib/portwarden/reports/history/20260125T120102Z.json
pruned:
  description: History files deleted because more than O(history) were kept.
  returned: always
  type: list
  elements: str
  sample: []
changes:
  description:
    - What changed since the previous run; null on a first run or with O(compare_previous=false).
    - Per host (under RV(hosts) of the JSON document) the new and vanished listeners are listed; here the fleet view.
  returned: always
  type: dict
  sample:
    previous_run_id: 20260124T120102Z
    previous_finished: "2026-01-24T12:01:09Z"
    hosts_added: []
    hosts_not_in_this_run: []
prometheus:
  description: Each host's Prometheus textfile content, when O(return_prometheus=true).
  returned: when O(return_prometheus=true)
  type: dict
  sample:
    web1: "# HELP portwarden_compliant ...\nportwarden_compliant{host=\"web1\"} 0\n"
"""

import datetime
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.portwarden.hardening.plugins.module_utils._reports import build_run, summary_line
from ansible_collections.portwarden.hardening.plugins.module_utils._reports_prometheus import render_prometheus
from ansible_collections.portwarden.hardening.plugins.module_utils._reports_store import (
    FILE_NAMES,
    parse_mode,
    planned_paths,
    read_previous,
    render_all,
    store,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            results=dict(type="dict", required=True),
            allowlists=dict(type="dict", default={}),
            exceptions=dict(type="dict", default={}),
            dest=dict(type="path", required=True),
            formats=dict(type="list", elements="str", choices=sorted(FILE_NAMES), default=["json", "junit", "html", "markdown"]),
            started=dict(type="str"),
            finished=dict(type="str"),
            run_id=dict(type="str"),
            previous=dict(type="path"),
            compare_previous=dict(type="bool", default=True),
            history=dict(type="int", default=30),
            mode=dict(type="raw", default="0600"),
            directory_mode=dict(type="raw", default="0700"),
            ignore_loopback=dict(type="bool", default=True),
            fail_on_drift=dict(type="bool", default=False),
            title=dict(type="str", default="portwarden drift check"),
            return_prometheus=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if params["history"] < 0:
        module.fail_json(msg="history must be 0 or more, got %d" % params["history"])
    try:
        file_mode = parse_mode(params["mode"], "mode")
        directory_mode = parse_mode(params["directory_mode"], "directory_mode")
    except ValueError as error:
        module.fail_json(msg=str(error))
    dest = os.path.abspath(params["dest"])
    previous_path = params["previous"] or os.path.join(dest, FILE_NAMES["json"])

    previous, read_warning = (None, None)
    if params["compare_previous"]:
        previous, read_warning = read_previous(previous_path)
    try:
        run = build_run(
            params["results"],
            started=params["started"] or params["finished"] or module_now(),
            finished=params["finished"],
            allowlists=params["allowlists"],
            exceptions=params["exceptions"],
            previous=previous,
            run_id=params["run_id"],
            ignore_loopback=params["ignore_loopback"],
            fail_on_drift=params["fail_on_drift"],
            title=params["title"],
        )
    except ValueError as error:
        module.fail_json(msg="cannot build the report: %s" % error)
    warnings = [w for w in [read_warning] + run["warnings"] if w]
    for warning in warnings:
        module.warn(warning)

    rendered = render_all(run, params["formats"])
    if module.check_mode:
        outcome = {"written": list(planned_paths(dest, params["formats"]).values()), "history_file": None, "pruned": []}
    else:
        try:
            outcome = store(run, rendered, dest, params["history"], file_mode, directory_mode)
        except OSError as error:
            module.fail_json(msg="cannot write the reports to %s: %s" % (dest, error))

    hosts = run["hosts"]
    result = dict(
        changed=bool(outcome["written"] or outcome["pruned"]),
        run_id=run["run_id"],
        compliant=run["compliant"],
        summary=run["summary"],
        hosts={name: {"status": record["status"], "summary": record["summary"]} for name, record in hosts.items()},
        lines={name: summary_line(name, record) for name, record in hosts.items()},
        drifting=[name for name, record in hosts.items() if record["status"] == "drift"],
        failed_hosts=[name for name, record in hosts.items() if record["status"] in ("error", "unreachable")],
        files=planned_paths(dest, params["formats"]),
        history_file=outcome["history_file"],
        pruned=outcome["pruned"],
        changes=run["changes"],
    )
    if params["return_prometheus"]:
        result["prometheus"] = {name: render_prometheus(run, [name]) for name in hosts}
    module.exit_json(**result)


def module_now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


if __name__ == "__main__":
    main()
