# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist import AllowlistError, parse_allowlist
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist_compose import (
    allowlist_variables,
    compose_allowlist,
)

ALL = "portwarden_allowlist"
WEB = "portwarden_allowlist__50_web"
DB = "portwarden_allowlist__50_db"
HOST = "portwarden_allowlist__90_host"


def ports(entries):
    return [(entry["port"], entry.get("proto", "tcp"), entry["origin"]) for entry in entries]


@pytest.mark.parametrize(
    "names, expected",
    [
        ([ALL, "portwarden_allowlist__b", "portwarden_allowlist__a"], [ALL, "portwarden_allowlist__a", "portwarden_allowlist__b"]),
        (["portwarden_allowlist__", "portwarden_allowlists", "portwarden_allowlist_x", "other"], []),
        ([HOST, WEB, DB], [DB, WEB, HOST]),
    ],
)
def test_variables_are_applied_in_name_order(names, expected):
    assert allowlist_variables(names) == expected


@pytest.mark.parametrize(
    "variables, expected",
    [
        # A host in two groups gets the union, in name order, each entry saying where it came from.
        (
            {ALL: [{"port": 22}], WEB: [{"port": 443}], DB: [{"port": 5432}], "unrelated": [{"port": 1}]},
            [(22, "tcp", ALL), (5432, "tcp", DB), (443, "tcp", WEB)],
        ),
        # A host_vars removal closes the port a group allowed.
        ({ALL: [{"port": 22}], WEB: [{"port": 443}], HOST: [{"port": 443, "state": "absent"}]}, [(22, "tcp", ALL)]),
        # A service name and its number are the same port.
        ({ALL: [{"port": "https"}], HOST: [{"port": 443, "state": "absent"}]}, []),
        ({ALL: [{"port": 443}], HOST: [{"port": "HTTPS", "state": "Absent"}]}, []),
        # A removal cuts a range into what remains.
        (
            {ALL: [{"port": "8000-8100"}], HOST: [{"port": "8050-8060", "state": "absent"}]},
            [("8000-8049", "tcp", ALL), ("8061-8100", "tcp", ALL)],
        ),
        ({ALL: [{"port": "8000-8100"}], HOST: [{"port": "8000-8099", "state": "absent"}]}, [(8100, "tcp", ALL)]),
        # Only the removal's protocol.
        ({ALL: [{"port": 53}, {"port": 53, "proto": "udp"}], HOST: [{"port": 53, "proto": "udp", "state": "absent"}]},
         [(53, "tcp", ALL)]),
        # Only what came before: a later variable may allow the port again.
        ({ALL: [{"port": 23, "state": "absent"}], HOST: [{"port": 23}]}, [(23, "tcp", HOST)]),
        # Order within one list counts too: the removal closes what came before it, not what follows.
        ({ALL: [{"port": 22}, {"port": "20-25", "state": "absent"}, {"port": 23}, {"port": 21, "state": "absent"},
                {"port": 24, "state": "absent"}]},
         [(23, "tcp", ALL)]),
        # Many removals at once (applied in one pass) cut the same as one by one.
        ({ALL: [{"port": "1-10"}], HOST: [{"port": p, "state": "absent"} for p in (2, 4, 6, 8, 10)]},
         [(1, "tcp", ALL), (3, "tcp", ALL), (5, "tcp", ALL), (7, "tcp", ALL), (9, "tcp", ALL)]),
        # Removing what is not there is no error.
        ({ALL: [{"port": 22}], HOST: [{"port": 23, "state": "absent", "comment": "never telnet"}]}, [(22, "tcp", ALL)]),
        # Every entry that covers the port goes, whatever its sources.
        ({ALL: [{"port": 22, "sources": ["10.0.0.0/8"]}, {"port": 22, "sources": ["192.0.2.0/24"]}],
          HOST: [{"port": 22, "state": "absent"}]}, []),
        # Explicit present, and an unset variable.
        ({ALL: None, WEB: [{"port": 80, "state": "present"}]}, [(80, "tcp", WEB)]),
        ({}, []),
    ],
)
def test_composition(variables, expected):
    assert ports(compose_allowlist(variables)) == expected


def test_entries_keep_their_keys_and_state_is_dropped():
    composed = compose_allowlist({ALL: [{"port": "8000-8100", "sources": ["10.0.0.0/8"], "process": "api", "comment": "APIs",
                                         "state": "present"}],
                                  HOST: [{"port": 8080, "state": "absent"}]})
    assert composed == [
        {"port": "8000-8079", "sources": ["10.0.0.0/8"], "process": "api", "comment": "APIs", "origin": ALL},
        {"port": "8081-8100", "sources": ["10.0.0.0/8"], "process": "api", "comment": "APIs", "origin": ALL},
    ]


def test_the_composed_list_is_a_valid_allowlist_that_records_the_origin():
    entries = parse_allowlist(compose_allowlist({ALL: [{"port": 22}], WEB: [{"port": "https", "required": True}]}))
    assert [(entry["port"], entry["origin"]) for entry in entries] == [(22, ALL), ("https", WEB)]
    assert parse_allowlist([{"port": 22}])[0]["origin"] is None


@pytest.mark.parametrize(
    "variables, messages",
    [
        ({WEB: [{"port": 70000}]}, ["portwarden_allowlist__50_web entry #1 (port: 70000): port 70000 is outside 1-65535"]),
        ({ALL: [{"port": 22}], HOST: [{"port": 22, "state": "gone"}]},
         ['portwarden_allowlist__90_host entry #1 (port: 22): state: must be "present" or "absent", got a string "gone"']),
        ({HOST: [{"port": 22, "state": "absent", "sources": ["10.0.0.0/8"]}]},
         ['portwarden_allowlist__90_host entry #1 (port: 22): "sources" is not allowed with state: absent, which closes '
          'the port for every source; remove the key or the state']),
        ({HOST: [{"port": 22, "state": "absent", "proto": "icmp"}]},
         ['portwarden_allowlist__90_host entry #1 (port: 22): proto: unknown protocol "icmp": use "tcp" or "udp" '
          '(one entry per protocol)']),
        ({WEB: {"port": 22}}, ["portwarden_allowlist__50_web must be a list of entries, got a mapping"]),
        ({WEB: ["22"]}, ['portwarden_allowlist__50_web entry #1: must be a mapping such as {port: 22, proto: tcp}, '
                         'got a string "22"']),
        ({WEB: [{"port": 22, "origin": "x"}]},
         ["portwarden_allowlist__50_web entry #1 (port: 22): origin is set by composition to the variable's name; remove it"]),
        # Every problem of every variable at once.
        ({ALL: [{"port": 0}], WEB: [{"port": 22}, {"port": "nosuchservice"}]},
         ["portwarden_allowlist entry #1 (port: 0): port 0 is outside 1-65535",
          'portwarden_allowlist__50_web entry #2 (port: "nosuchservice"): unknown service name "nosuchservice"; '
          "write the port number instead"]),
    ],
)
def test_errors_name_the_variable_and_the_entry(variables, messages):
    with pytest.raises(AllowlistError) as caught:
        compose_allowlist(variables)
    assert caught.value.errors == messages
