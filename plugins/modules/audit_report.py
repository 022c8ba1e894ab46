#!/usr/bin/python
# Copyright (c) 2026, portwarden maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: audit_report
short_description: Write the fleet drift reports (JSON, JUnit, HTML, Markdown, Prometheus, SARIF) from port_audit results
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
        C(markdown) C(latest.md), C(prometheus) C(latest.prom) (every host's metrics in one textfile), C(sarif)
        C(latest.sarif) (SARIF 2.1.0, one result per finding, for code-scanning dashboards).
      - Without C(json) the next run has no C(latest.json) to compare with.
    type: list
    elements: str
    choices: [json, junit, html, markdown, prometheus, sarif]
    default: [json, junit, html, markdown]
  junit_grouping:
    description:
      - How the JUnit report is organised.
      - V(host) gives one test suite per host, with a testcase per check and per finding.
      - V(finding) gives one C(fleet) suite with one testcase per finding grouped across hosts (kind, protocol,
        port, process; the JSON document's C(by_finding)), failing with the hosts it is on, so a CI server lists
        one failure for a port open on 1,000 hosts, not 1,000. Hosts that could not be audited stay one error each.
    type: str
    choices: [host, finding]
    default: host
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
      - The previous run's JSON document to compare with, as a path on the controller (absolute, or relative to the
        working directory) or an C(http://) or C(https://) URL. Defaults to C(latest.json) in O(dest).
      - A URL is how a job that starts in a fresh execution environment (AWX/AAP, CI) compares with the run before
        it; see the collection's docs/drift_check.md.
      - A missing file or an HTTP 404 means a first run; an unreadable, unreachable, oversized (over 64 MiB) or foreign
        document is a warning, not an error. User name, password and query string are left out of messages.
    type: str
  previous_headers:
    description:
      - HTTP headers sent when O(previous) is a URL, for example C(Authorization) for an artifact store.
    type: dict
    default: {}
  previous_validate_certs:
    description:
      - Whether to validate the TLS certificate when O(previous) is an C(https://) URL.
    type: bool
    default: true
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
  history_runs:
    description:
      - How many earlier runs the run document carries in brief (each host's status and finding counts), taken from
        the previous run's document, so the HTML report shows each host's last runs side by side and a reader sees
        when drift appeared.
      - The briefs travel inside C(latest.json), so they need no C(history/) directory and also work with a previous
        run read from a URL. V(0) carries none.
    type: int
    default: 10


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
extends_documentation_fragment:
  - portwarden.hardening._attributes
attributes:
  check_mode:
    details:
      - In check mode nothing is written; the result shows which files would be.
      - The P(portwarden.hardening.audit#role) role runs this task with C(check_mode=false) on purpose, so a drift
        check under C(--check) still writes its reports on the controller while nothing changes on any host.
  diff_mode:
    details:
      - The reports are new files of each run.
  idempotent:
    support: partial
    details:
      - Every run is a new run with its own timestamps and history file, so the files change on every run.
        C(latest.*) files whose content is unchanged are not rewritten.
  platform:
    platforms: posix
    details:
      - Runs on the controller (C(delegate_to=localhost)); needs only the Python standard library.
author:
  - portwarden maintainers (@portwarden)
seealso:
  - module: portwarden.hardening.port_audit
"""

EXAMPLES = r"""
- name: Audit every host against its composed allowlist (portwarden_allowlist + portwarden_allowlist__*)
  portwarden.hardening.port_audit:
    allowlist: "{{ lookup('portwarden.hardening.effective_allowlist') }}"
  register: audit

- name: Write the fleet reports on the controller
  portwarden.hardening.audit_report:
    results: "{{ dict(ansible_play_hosts | zip(ansible_play_hosts | map('extract', hostvars, 'audit'))) }}"
    allowlists: "{{ dict(ansible_play_hosts | zip(ansible_play_hosts | map('extract', hostvars)
                    | map('portwarden.hardening.compose_allowlist') | map('portwarden.hardening.allowlist'))) }}"
    dest: /var/lib/portwarden/reports
    formats: [json, junit, html, markdown, sarif]
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

# AWX/AAP or CI: the report directory starts empty, the previous run comes from a URL.
- name: Write the reports, compared with the previous run kept in an artifact store
  portwarden.hardening.audit_report:
    results: "{{ dict(ansible_play_hosts | zip(ansible_play_hosts | map('extract', hostvars, 'audit'))) }}"
    dest: portwarden-reports
    formats: [json, html, sarif]
    previous: https://artifacts.example.com/portwarden/prod/latest.json
    previous_headers:
      Authorization: "Bearer {{ artifact_token }}"
  delegate_to: localhost
  run_once: true
  become: false
  check_mode: false
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

from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports import build_run, summary_line, usable_previous
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_history import carry_history
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_previous import is_url, load_previous
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_prometheus import render_prometheus
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_store import (
    FILE_NAMES,
    parse_mode,
    planned_paths,
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
            junit_grouping=dict(type="str", choices=["host", "finding"], default="host"),
            started=dict(type="str"),
            finished=dict(type="str"),
            run_id=dict(type="str"),
            previous=dict(type="str"),
            previous_headers=dict(type="dict", default={}, no_log=True),
            previous_validate_certs=dict(type="bool", default=True),
            compare_previous=dict(type="bool", default=True),
            history=dict(type="int", default=30),
            history_runs=dict(type="int", default=10),


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
    for name in ("history", "history_runs"):
        if params[name] < 0:
            module.fail_json(msg="%s must be 0 or more, got %d" % (name, params[name]))
    try:
        file_mode = parse_mode(params["mode"], "mode")
        directory_mode = parse_mode(params["directory_mode"], "directory_mode")
    except ValueError as error:
        module.fail_json(msg=str(error))
    dest = os.path.abspath(params["dest"])
    previous_source = params["previous"] or os.path.join(dest, FILE_NAMES["json"])
    if not is_url(previous_source):
        previous_source = os.path.abspath(previous_source)

    previous, read_warning = (None, None)
    if params["compare_previous"]:
        previous, read_warning = load_previous(previous_source, params["previous_headers"],
                                               validate_certs=params["previous_validate_certs"])
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
    run["history"] = carry_history(usable_previous(previous)[0], params["history_runs"])
    warnings = [w for w in [read_warning] + run["warnings"] if w]
    for warning in warnings:
        module.warn(warning)

    rendered = render_all(run, params["formats"], {"junit": {"grouping": params["junit_grouping"]}})
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
