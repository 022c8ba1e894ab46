# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The listening_ports and port_audit action plugins: ask for a packed result, hand back the module's own."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from ansible_collections.portwarden.hardening.plugins.action import listening_ports, port_audit
from ansible_collections.portwarden.hardening.plugins.module_utils._packed import PACK_ENV, PACKED_KEY

ITEMS = [{"protocol": "tcp", "address": "0.0.0.0", "port": 22, "pids": [7], "process": "sshd"}]


class FakeConnection:
    def __init__(self, native_async=False):
        self.has_native_async = native_async
        self._shell = SimpleNamespace(tmpdir=None,
                                      env_prefix=lambda **env: " ".join("%s=%s" % item for item in sorted(env.items())))


class FakeTemplar:
    def template(self, value):
        return value


def make_plugin(plugin_module, args, module_result, async_val=0, native_async=False, environment=None):
    task = SimpleNamespace(args=args, check_mode=False, async_val=async_val, action=plugin_module.__name__,
                           environment=environment)
    plugin = plugin_module.ActionModule(task, FakeConnection(native_async), SimpleNamespace(check_mode=False),
                                        loader=None, templar=FakeTemplar())
    calls = []

    def execute_module(module_name=None, module_args=None, task_vars=None, wrap_async=False, **_kwargs):
        # As ansible-core's _execute_module does: the environment the module will run with.
        environment = {}
        prefix = plugin._compute_environment_string(environment)
        calls.append({"module_args": module_args, "wrap_async": wrap_async, "environment": environment, "prefix": prefix})
        packed = environment.get(PACK_ENV) == "1"
        result = dict(module_result(packed), invocation={"module_args": dict(module_args)})
        # The module's answer crosses the wire as JSON.
        return json.loads(json.dumps(result))

    plugin._execute_module = execute_module
    plugin._remove_tmp_path = lambda path: None
    return plugin, calls


def facts_result(packed):
    values = {"ansible_facts": {"portwarden_listening": ITEMS}}
    light = {"changed": False, "method": "netlink"}
    if packed:
        return dict(light, **{PACKED_KEY: json.dumps(values)})
    return dict(light, **values)


def audit_result(packed):
    values = {"drift": {"unexpected": ITEMS, "missing": [], "mismatched": []}, "accepted": [], "listening": ITEMS}
    light = {"changed": False, "compliant": False, "msg": "drift: 1 unexpected", "listening_count": 1}
    if packed:
        return dict(light, **{PACKED_KEY: json.dumps(values)})
    return dict(light, **values)


@pytest.mark.parametrize("plugin_module, module_result", [(listening_ports, facts_result), (port_audit, audit_result)])
def test_the_task_result_is_what_the_module_returns_unpacked(plugin_module, module_result):
    args = {"protocols": ["tcp"]}
    plugin, calls = make_plugin(plugin_module, dict(args), module_result)
    result = plugin.run(task_vars={})
    assert calls == [{"module_args": args, "wrap_async": 0, "environment": {PACK_ENV: "1"}, "prefix": PACK_ENV + "=1"}]
    expected = dict(module_result(False), invocation={"module_args": args})
    assert result == expected
    assert PACKED_KEY not in result


@pytest.mark.parametrize("native_async", [False, True])
def test_an_async_job_is_not_packed_because_async_status_reads_it(native_async):
    plugin, calls = make_plugin(listening_ports, {}, facts_result, async_val=30, native_async=native_async)
    result = plugin.run(task_vars={})
    assert PACK_ENV not in calls[0]["environment"]
    assert calls[0]["wrap_async"] is (not native_async)
    assert result["ansible_facts"]["portwarden_listening"] == ITEMS


@pytest.mark.parametrize("async_val, expected", [(0, "1"), (30, None)])
def test_the_plugin_alone_decides_packing_and_keeps_the_tasks_environment(async_val, expected):
    environment = [{"LANG": "C", PACK_ENV: "0"}, {"http_proxy": "http://proxy:3128"}]
    plugin, calls = make_plugin(listening_ports, {}, facts_result, async_val=async_val, environment=environment)
    result = plugin.run(task_vars={})
    assert calls[0]["environment"].get(PACK_ENV) == expected
    assert calls[0]["environment"]["LANG"] == "C" and calls[0]["environment"]["http_proxy"] == "http://proxy:3128"
    assert result["ansible_facts"]["portwarden_listening"] == ITEMS


def test_an_unreadable_packed_result_fails_the_task():
    plugin, _calls = make_plugin(listening_ports, {}, lambda packed: {"changed": False, PACKED_KEY: "{truncated"})
    result = plugin.run(task_vars={})
    assert result["failed"] is True
    assert result["msg"].startswith("the module's packed result could not be read")


@pytest.mark.parametrize("plugin_module, module_name", [(listening_ports, "listening_ports"), (port_audit, "port_audit")])
def test_the_packed_keys_are_the_modules_documented_result_keys(plugin_module, module_name):
    import importlib

    import yaml

    documented = yaml.safe_load(importlib.import_module(
        "ansible_collections.portwarden.hardening.plugins.modules.%s" % module_name).RETURN)
    assert plugin_module.ActionModule.PACKED_KEYS <= set(documented)
    facts = set((documented.get("ansible_facts") or {}).get("contains") or {})
    assert plugin_module.ActionModule.PACKED_FACTS == facts


def test_a_planted_add_host_is_dropped_with_a_warning(monkeypatch):
    planted = {"add_host": {"host_name": "victim", "host_vars": {"ansible_connection": "local"}},
               "ansible_facts": {"portwarden_listening": ITEMS, "ansible_connection": "local"}}
    warnings = []
    monkeypatch.setattr("ansible_collections.portwarden.hardening.plugins.plugin_utils._packed_action.display.warning",
                        warnings.append)
    plugin, _calls = make_plugin(listening_ports, {}, lambda packed: {"changed": False, PACKED_KEY: json.dumps(planted)})
    result = plugin.run(task_vars={})
    assert "add_host" not in result
    assert result["ansible_facts"] == {"portwarden_listening": ITEMS}
    assert len(warnings) == 1 and "add_host" in warnings[0] and "ansible_facts.ansible_connection" in warnings[0]
