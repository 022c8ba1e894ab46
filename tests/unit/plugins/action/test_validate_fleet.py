# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The validate_fleet action: every targeted host's input checked once on the controller, through hostvars.

``hostvars`` is faked as ansible-core's HostVars behaves: ``raw_get(host)`` gives a host's
variables as written (AnsibleUndefined for a host it does not know), ``hostvars[host][name]``
templates the value. The fake templar "templates" by replacing whole strings it knows.
"""

from __future__ import annotations

import pathlib
from types import SimpleNamespace

import pytest
import yaml
from ansible.errors import AnsibleActionFail

from ansible_collections.portwarden.hardening.plugins.action.validate_fleet import ActionModule
from ansible_collections.portwarden.hardening.tests.unit.plugins.plugin_utils.hostvars_fakes import FakeHostVars

ROOT = pathlib.Path(__file__).resolve().parents[4]
DEFAULTS = yaml.safe_load((ROOT / "roles" / "firewall" / "defaults" / "main.yml").read_text())
GOOD = [{"port": 22}, {"port": 443}]
# What the fake templating knows: a whole string -> its value.
VALUES = {"{{ ssh_port }}": 22, "{{ bad_port }}": 70000, "{{ zone }}": "public"}


def render(value):
    if isinstance(value, str):
        return VALUES.get(value, value)
    if isinstance(value, dict):
        return {render(key): render(item) for key, item in value.items()}
    if isinstance(value, list):
        return [render(item) for item in value]
    return value


class FakeTemplar:
    def __init__(self):
        self.calls = []

    def template(self, value, **_kwargs):
        self.calls.append(value)
        return render(value)


class FakeConnection:
    def __init__(self):
        self._shell = SimpleNamespace(tmpdir=None)


def make_plugin(args=None, check_mode=False):
    task = SimpleNamespace(args=dict(args or {}), check_mode=check_mode, async_val=0,
                           action="portwarden.hardening.validate_fleet", environment=None)
    templar = FakeTemplar()
    plugin = ActionModule(task, FakeConnection(), SimpleNamespace(check_mode=check_mode), loader=None, templar=templar,
                          shared_loader_obj=None)
    return plugin, templar


def task_vars_for(hosts, here="web1", play_hosts=None, **extra):
    """The task's variables on ``here``: its own inventory variables, hostvars and the play's hosts."""
    hostvars = FakeHostVars(hosts, template=lambda _host, _name, value: render(value))
    variables = dict(hosts.get(here, {}))
    variables.update(hostvars=hostvars, ansible_play_hosts_all=list(hosts) if play_hosts is None else play_hosts,
                     inventory_hostname=here)
    variables.update(extra)
    return variables, hostvars


def run(hosts, args=None, **kwargs):
    plugin, templar = make_plugin(args)
    task_vars, hostvars = task_vars_for(hosts, **kwargs)
    return plugin.run(task_vars=task_vars), templar, hostvars


def test_all_valid():
    result, _templar, hostvars = run({"web1": {"portwarden_allowlist": GOOD}, "web2": {"portwarden_allowlist": GOOD}},
                                     {"defaults": DEFAULTS})
    assert not result.get("failed")
    assert result["problems"] == []
    assert result["changed"] is False
    assert result["hosts"] == 2
    assert result["msg"] == "The input of all 2 targeted hosts is valid"
    # Each host's variables are read once, raw.
    assert sorted(hostvars.raw_gets) == ["web1", "web2"]
    assert hostvars.templated == []


def test_all_valid_in_check_mode():
    plugin, _templar = make_plugin({}, check_mode=True)
    task_vars, _hostvars = task_vars_for({"web1": {"portwarden_allowlist": GOOD}})
    result = plugin.run(task_vars=task_vars)
    assert result["problems"] == [] and not result.get("failed")


def test_a_bad_entry_on_another_host_fails_the_run_naming_host_and_entry():
    result, _templar, _hostvars = run({"web1": {"portwarden_allowlist": GOOD},
                                       "web2": {"portwarden_allowlist": [{"port": 22}, {"port": 70000}]}})
    assert result["failed"] is True
    assert result["problems"] == ["web2: portwarden_allowlist entry #2 (port: 70000): port 70000 is outside 1-65535"]
    assert result["msg"].startswith(
        "Invalid input (1 problem(s) among the 2 targeted hosts), so no host was changed: ")
    assert result["msg"].endswith("web2: portwarden_allowlist entry #2 (port: 70000): port 70000 is outside 1-65535")
    assert result["hosts"] == 2
    assert result["changed"] is False


def test_every_problem_of_every_host_is_counted_and_joined():
    result, _templar, _hostvars = run({"web1": {"portwarden_allowlist": [{"port": 0}]},
                                       "web2": {"portwarden_allowlist": GOOD},
                                       "db1": {"portwarden_allowlist": [{"port": 80, "proto": "sctp"}]}})
    assert result["failed"] is True
    assert [problem.split(":")[0] for problem in result["problems"]] == ["web1", "db1"]
    assert result["msg"].startswith("Invalid input (2 problem(s) among the 3 targeted hosts), so no host was changed: web1: ")
    assert "; db1: portwarden_allowlist entry #1 (port: 80)" in result["msg"]


def test_purpose_audit_words_the_message_for_an_audit():
    hosts = {"web1": {"portwarden_allowlist": GOOD}, "web2": {"portwarden_allowlist": [{"port": 70000}]}}
    result, _templar, _hostvars = run(hosts, {"purpose": "audit", "settings": False})
    assert result["failed"] is True
    assert result["msg"].startswith("Invalid input (1 problem(s) among the 2 audited hosts), so no host was audited: web2: ")
    hosts["web2"]["portwarden_allowlist"] = GOOD
    result, _templar, _hostvars = run(hosts, {"purpose": "audit"})
    assert result["msg"] == "The input of all 2 audited hosts is valid"


def test_settings_are_checked_only_when_asked():
    hosts = {"web1": {"portwarden_allowlist": GOOD},
             "web2": {"portwarden_allowlist": GOOD, "portwarden_firewall_zone": "bad zone"}}
    skipped, _templar, _hostvars = run(hosts, {"settings": False, "defaults": DEFAULTS})
    assert skipped["problems"] == []
    assert not skipped.get("failed")
    checked, _templar, _hostvars = run(hosts, {"settings": True, "defaults": DEFAULTS})
    assert checked["failed"] is True
    assert len(checked["problems"]) == 1
    assert checked["problems"][0].startswith("web2: portwarden_firewall_zone must be")


def test_a_setting_the_running_host_sees_from_the_play_applies_to_every_host():
    # Play vars are in task_vars, not in hostvars: a bad one is every host's problem.
    hosts = {"web1": {"portwarden_allowlist": GOOD}, "web2": {"portwarden_allowlist": GOOD}}
    result, _templar, _hostvars = run(hosts, {"defaults": DEFAULTS}, portwarden_firewall_log_rate="often")
    assert [problem.split(":")[0] for problem in result["problems"]] == ["web1", "web2"]
    assert all("portwarden_firewall_log_rate must be" in problem for problem in result["problems"])


def test_audit_exceptions_are_checked_only_when_asked():
    hosts = {"web1": {"portwarden_allowlist": GOOD},
             "web2": {"portwarden_allowlist": GOOD, "portwarden_audit_exceptions": "22/tcp"}}
    skipped, _templar, _hostvars = run(hosts)
    assert skipped["problems"] == []
    checked, _templar, _hostvars = run(hosts, {"exceptions": True})
    assert checked["failed"] is True
    assert checked["problems"] == ["web2: portwarden_audit_exceptions must be a list of entries, got a string \"22/tcp\""]


def test_a_bad_audit_exception_entry_is_named():
    hosts = {"web1": {"portwarden_allowlist": GOOD, "portwarden_audit_exceptions": [{"port": 70000}]}}
    result, _templar, _hostvars = run(hosts, {"exceptions": True, "settings": False})
    assert result["problems"]
    assert all(problem.startswith("web1: portwarden_audit_exceptions entry #1 (port: 70000): ")
               for problem in result["problems"])
    assert "web1: portwarden_audit_exceptions entry #1 (port: 70000): port 70000 is outside 1-65535" in result["problems"]


def test_a_host_without_any_allowlist_variable_is_reported():
    hosts = {"web1": {"portwarden_allowlist": GOOD}, "db1": {"portwarden_firewall_zone": "public"}}
    result, _templar, _hostvars = run(hosts, {"defaults": DEFAULTS})
    assert result["failed"] is True
    assert len(result["problems"]) == 1
    assert result["problems"][0].startswith("db1: portwarden_allowlist is not set (nor any portwarden_allowlist__* variable)")


def test_a_host_hostvars_does_not_know_is_reported_as_having_no_allowlist():
    result, _templar, hostvars = run({"web1": {"portwarden_allowlist": GOOD}}, play_hosts=["web1", "ghost"])
    assert "ghost" in hostvars.raw_gets
    assert result["hosts"] == 2
    assert [problem.split(":")[0] for problem in result["problems"]] == ["ghost"]
    assert "portwarden_allowlist is not set" in result["problems"][0]


def test_a_host_with_only_composed_variables_is_valid_and_their_entries_are_checked():
    hosts = {"web1": {"portwarden_allowlist": GOOD},
             "web2": {"portwarden_allowlist__10_base": [{"port": 22}], "portwarden_allowlist__90_host": [{"port": 22, "state": "absent"}]},
             "db1": {"portwarden_allowlist__50_db": [{"port": 5432}, {"port": "5432-5431"}]}}
    result, _templar, _hostvars = run(hosts)
    assert len(result["problems"]) == 1
    assert result["problems"][0].startswith("db1: portwarden_allowlist__50_db entry #2 (port: \"5432-5431\")")


def test_hosts_limits_the_check():
    hosts = {"web1": {"portwarden_allowlist": GOOD}, "web2": {"portwarden_allowlist": [{"port": 70000}]}}
    result, _templar, _hostvars = run(hosts, {"hosts": ["web1"]})
    assert result["problems"] == []
    assert result["hosts"] == 1
    assert result["msg"] == "The input of all 1 targeted hosts is valid"


def test_a_plain_allowlist_is_not_templated():
    allowlist = [{"port": 22, "comment": "ssh {not a template}"}]
    result, templar, hostvars = run({"web1": {"portwarden_allowlist": allowlist},
                                     "web2": {"portwarden_allowlist": [{"port": 443}]}}, {"settings": False})
    assert result["problems"] == []
    assert templar.calls == []
    assert hostvars.templated == []


def test_an_allowlist_holding_a_template_is_templated():
    templated = [{"port": "{{ ssh_port }}"}]
    hosts = {"web1": {"portwarden_allowlist": templated}, "web2": {"portwarden_allowlist": [{"port": "{{ bad_port }}"}]}}
    result, templar, hostvars = run(hosts, {"settings": False})
    # The running host's own view went through the templar, once, whole.
    assert templar.calls == [templated]
    # Other hosts' values through hostvars[host][name], and only those that hold a template.
    assert sorted(set(hostvars.templated)) == [("web1", "portwarden_allowlist"), ("web2", "portwarden_allowlist")]
    # What was checked is the templated value: 22 passes, 70000 is named.
    assert result["problems"] == ["web2: portwarden_allowlist entry #1 (port: 70000): port 70000 is outside 1-65535"]


def test_a_templated_setting_is_checked_as_templated():
    hosts = {"web1": {"portwarden_allowlist": GOOD, "portwarden_firewall_zone": "{{ zone }}"},
             "web2": {"portwarden_allowlist": GOOD, "portwarden_firewall_zone": "{{ zone }}"}}
    result, templar, hostvars = run(hosts, {"defaults": DEFAULTS})
    assert result["problems"] == []
    assert templar.calls == ["{{ zone }}"]
    assert ("web2", "portwarden_firewall_zone") in hostvars.templated


def test_allowlist_false_skips_the_allowlist_check():
    hosts = {"web1": {"portwarden_allowlist": GOOD}, "db1": {}, "web2": {"portwarden_allowlist": [{"port": 70000}]}}
    result, _templar, _hostvars = run(hosts, {"allowlist": False, "defaults": DEFAULTS})
    assert result["problems"] == []
    assert result["msg"] == "The input of all 3 targeted hosts is valid"


def test_the_running_hosts_templated_allowlist_is_templated_once_not_once_per_host():
    hosts = {"web%d" % number: {"portwarden_allowlist": GOOD} for number in range(1, 21)}
    hosts["web1"] = {"portwarden_allowlist": [{"port": "{{ ssh_port }}"}]}
    result, _templar, hostvars = run(hosts, {"settings": False})
    assert result["problems"] == []
    # Real HostVars recomputes all of the host's variables (raw_get) and templates the whole value on each access.
    assert hostvars.templated.count(("web1", "portwarden_allowlist")) <= 2


@pytest.mark.parametrize("args, words", [
    ({"purpose": "other"}, ["purpose", "other"]),
    ({"settings": "maybe"}, ["settings"]),
    ({"hosts": {"web1": 1}}, ["hosts"]),
    ({"defaults": "x"}, ["defaults"]),
    ({"bogus": True}, ["bogus"]),
])
def test_bad_arguments_fail_the_action(args, words):
    plugin, _templar = make_plugin(args)
    task_vars, _hostvars = task_vars_for({"web1": {"portwarden_allowlist": GOOD}})
    with pytest.raises(AnsibleActionFail) as caught:
        plugin.run(task_vars=task_vars)
    message = str(caught.value)
    for word in words:
        assert word in message
