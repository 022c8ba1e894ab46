# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The packed result: packed only when asked and safe, and unpacked to exactly what was packed."""

from __future__ import annotations

import copy
import json
from types import SimpleNamespace

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils import _packed

ITEMS = [{"protocol": "tcp", "address": "::", "port": 22, "pids": [1, 2], "process": "sshd", "v6only": None,
          "cmdline": "sshd: /usr/sbin/sshd -D \"quoted\" \u00e9\u4e2d"}]


KEYS = frozenset(("ansible_facts", "listening", "drift", "accepted"))
FACTS = frozenset(("portwarden_listening",))


@pytest.fixture
def module(monkeypatch):
    """A stand-in AnsibleModule, run with PACK_ENV set to ``pack`` (None: unset)."""
    def make(pack, no_log_values=()):
        if pack is None:
            monkeypatch.delenv(_packed.PACK_ENV, raising=False)
        else:
            monkeypatch.setenv(_packed.PACK_ENV, pack)
        return SimpleNamespace(params={}, no_log_values=set(no_log_values))
    return make


@pytest.mark.parametrize("pack, no_log_values, packed", [
    ("1", (), True),
    ("0", (), False),
    ("true", (), False),
    (None, (), False),
    # remove_values could only mask a no_log value inside the text, not replace the whole value.
    ("1", ("hunter2",), False),
])
def test_packs_only_when_asked_and_nothing_is_to_be_masked(module, pack, no_log_values, packed):
    values = {"ansible_facts": {"portwarden_listening": ITEMS}}
    kwargs = _packed.result_values(module(pack, no_log_values), values)
    if packed:
        assert list(kwargs) == [_packed.PACKED_KEY] and isinstance(kwargs[_packed.PACKED_KEY], str)
    else:
        assert kwargs is values


@pytest.mark.parametrize("values, already, expected", [
    ({"listening": ITEMS}, {"changed": False}, {"changed": False, "listening": ITEMS}),
    ({"ansible_facts": {"portwarden_listening": ITEMS}}, {"changed": False},
     {"changed": False, "ansible_facts": {"portwarden_listening": ITEMS}}),
    # The interpreter discovery's fact stays next to ours.
    ({"ansible_facts": {"portwarden_listening": ITEMS}},
     {"ansible_facts": {"discovered_interpreter_python": "/usr/bin/python3"}},
     {"ansible_facts": {"discovered_interpreter_python": "/usr/bin/python3", "portwarden_listening": ITEMS}}),
    ({"drift": {"unexpected": ITEMS}, "accepted": [], "listening": []}, {"failed": True, "msg": "drift"},
     {"failed": True, "msg": "drift", "drift": {"unexpected": ITEMS}, "accepted": [], "listening": []}),
])
def test_unpack_restores_what_was_packed(module, values, already, expected):
    result = dict(copy.deepcopy(already), **_packed.result_values(module("1"), copy.deepcopy(values)))
    # What the module prints and the controller reads back.
    result = json.loads(json.dumps(result))
    assert _packed.unpack(result, KEYS, FACTS) == []
    assert result == expected


def test_an_unpacked_result_is_left_alone():
    result = {"changed": False, "ansible_facts": {"portwarden_listening": ITEMS}}
    copied = copy.deepcopy(result)
    assert _packed.unpack(copied, KEYS, FACTS) == []
    assert copied == result


@pytest.mark.parametrize("text", [
    "[1, 2]", "{not json", 42,
    # A lone surrogate: an escaped one, and a raw one (undecodable bytes read with surrogateescape).
    '{"listening": [{"process": "\\udc80"}]}',
    '{"listening": [{"process": "x\udcff"}]}',
    '{"listening": [{"\\uD800": 1}]}',
])
def test_unreadable_packed_text_is_an_error_and_merges_nothing(text):
    result = {"changed": False, _packed.PACKED_KEY: text}
    with pytest.raises(_packed.PackedError):
        _packed.unpack(result, KEYS, FACTS)
    assert result == {"changed": False}


def test_a_valid_surrogate_pair_is_valid_unicode():
    result = {_packed.PACKED_KEY: '{"listening": [{"process": "\\ud83d\\ude00"}]}'}
    assert _packed.unpack(result, KEYS, FACTS) == []
    assert result["listening"][0]["process"] == "\U0001f600"


PLANTED = [
    # (what the host packs, what is dropped, what the task result holds)
    ({"add_host": {"host_name": "victim", "host_vars": {"ansible_connection": "local"}}, "listening": []},
     ["add_host"], {"listening": []}),
    ({"add_group": "owned", "listening": []}, ["add_group"], {"listening": []}),
    ({"_ansible_no_log": False, "_ansible_verbose_always": True}, ["_ansible_no_log", "_ansible_verbose_always"], {}),
    ({"changed": True, "failed": False, "msg": "all good", "rc": 0}, ["changed", "failed", "msg", "rc"], {}),
    ({"listening": [{"port": 22, "_ansible_no_log": True}]}, ["listening[0]._ansible_no_log"],
     {"listening": [{"port": 22}]}),
    # The same key with its ASCII letters written as JSON escapes is the same key.
    ('{"listening": [{"\\u005fansible_no_log": true, "port": 1}]}', ["listening[0]._ansible_no_log"],
     {"listening": [{"port": 1}]}),
    ({"ansible_facts": {"portwarden_listening": [], "ansible_connection": "local", "ansible_host": "10.0.0.1"}},
     ["ansible_facts.ansible_connection", "ansible_facts.ansible_host"],
     {"ansible_facts": {"portwarden_listening": []}}),
    ({"ansible_facts": "not a mapping"}, ["ansible_facts"], {}),
]


@pytest.mark.parametrize("packed, dropped, expected", PLANTED)
def test_only_declared_keys_and_facts_are_taken(packed, dropped, expected):
    text = packed if isinstance(packed, str) else json.dumps(packed)
    result = {_packed.PACKED_KEY: text}
    assert sorted(_packed.unpack(result, KEYS, FACTS)) == sorted(dropped)
    assert result == expected


def test_declared_facts_are_cleaned_as_ansible_core_cleans_them():
    cleaned = []

    def clean_facts(facts):
        cleaned.append(sorted(facts))
        return {name: value for name, value in facts.items() if name != "portwarden_listening"}

    result = {_packed.PACKED_KEY: json.dumps({"ansible_facts": {"portwarden_listening": ITEMS}})}
    assert _packed.unpack(result, KEYS, FACTS, clean_facts) == ["ansible_facts.portwarden_listening"]
    assert cleaned == [["portwarden_listening"]]
    assert "ansible_facts" not in result
