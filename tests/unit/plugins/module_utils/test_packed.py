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


def module(pack, no_log_values=()):
    return SimpleNamespace(params={_packed.PACK_OPTION: pack}, no_log_values=set(no_log_values))


@pytest.mark.parametrize("pack, no_log_values, packed", [
    (True, (), True),
    (False, (), False),
    (None, (), False),
    # remove_values could only mask a no_log value inside the text, not replace the whole value.
    (True, ("hunter2",), False),
])
def test_packs_only_when_asked_and_nothing_is_to_be_masked(pack, no_log_values, packed):
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
def test_unpack_restores_what_was_packed(values, already, expected):
    result = dict(copy.deepcopy(already), **_packed.result_values(module(True), copy.deepcopy(values)))
    # What the module prints and the controller reads back.
    result = json.loads(json.dumps(result))
    assert _packed.unpack(result) == expected


def test_an_unpacked_result_is_left_alone():
    result = {"changed": False, "ansible_facts": {"portwarden_listening": ITEMS}}
    assert _packed.unpack(copy.deepcopy(result)) == result


@pytest.mark.parametrize("text", ["[1, 2]", "{not json", 42])
def test_unreadable_packed_text_is_an_error(text):
    with pytest.raises(ValueError):
        _packed.unpack({_packed.PACKED_KEY: text})
