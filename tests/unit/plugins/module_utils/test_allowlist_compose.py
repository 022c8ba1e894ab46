# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import random

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist import AllowlistError, parse_allowlist
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist_compose import (
    allowlist_variables,
    compose_allowlist,
    compose_normalised,
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


# compose_normalised(): the normalised allowlist in one pass, the same as parsing the composed list.

NORMALISED_CASES = [
    # Several variables, in name order, indexes counted over the composed list.
    {ALL: [{"port": 22}, {"port": 53, "proto": "udp"}], WEB: [{"port": "https", "required": True}, {"port": 80}],
     DB: [{"port": 5432, "sources": ["10.0.0.0/8", "2001:db8::/32", "10.1.0.0/16"]}]},
    # A removal cuts a range into pieces; the pieces keep sources, comment, process and required.
    {ALL: [{"port": 22}, {"port": "8000-8100", "sources": ["10.0.0.0/8"], "process": "api", "comment": "APIs",
                          "required": True, "state": "present"}],
     HOST: [{"port": 8080, "state": "absent"}, {"port": "8090-8095", "state": "absent", "comment": "not these"}]},
    # Pieces of pieces: a later variable cuts what an earlier removal left.
    {ALL: [{"port": "1000-2000", "comment": "range"}], DB: [{"port": "1100-1199", "state": "absent"}],
     WEB: [{"port": 443}], HOST: [{"port": "1500-1500", "state": "absent"}, {"port": 2000, "state": "absent"}]},
    # Removals that remove whole entries, between entries that stay.
    {ALL: [{"port": 21}, {"port": 22}, {"port": 23, "comment": "telnet"}, {"port": "https"}],
     HOST: [{"port": 23, "state": "absent"}, {"port": 443, "state": "absent"}, {"port": 21, "state": "absent"}]},
    # A removal of the other protocol leaves the entry alone (the entry keeps its first parse).
    {ALL: [{"port": "60000-60010", "proto": "udp", "process": "mosh-server"}, {"port": "60000-60010"}],
     HOST: [{"port": 60005, "proto": "udp", "state": "absent"}]},
    # A removal before an entry does not touch it.
    {ALL: [{"port": 23, "state": "absent"}, {"port": 23, "sources": ["192.0.2.0/24"]}]},
    # An unset variable and other names are ignored.
    {ALL: None, WEB: [{"port": 80}], "portwarden_allowlists": [{"port": 1}], "other": 5},
    {},
]


@pytest.mark.parametrize("variables", NORMALISED_CASES)
def test_compose_normalised_is_parse_allowlist_of_compose_allowlist(variables):
    expected = parse_allowlist(compose_allowlist(variables))
    assert compose_normalised(variables) == expected


def test_compose_normalised_indexes_follow_the_composed_list_and_pieces_are_parsed():
    entries = compose_normalised({ALL: [{"port": 22}, {"port": "8000-8010", "sources": ["10.0.0.0/8"], "comment": "c"}],
                                  WEB: [{"port": 443}], HOST: [{"port": 8005, "state": "absent"}]})
    assert [(entry["index"], entry["port"], entry["ports"], entry["origin"], entry["label"]) for entry in entries] == [
        (0, 22, [[22, 22]], ALL, "22/tcp"),
        (1, "8000-8004", [[8000, 8004]], ALL, "8000-8004/tcp (c)"),
        (2, "8006-8010", [[8006, 8010]], ALL, "8006-8010/tcp (c)"),
        (3, 443, [[443, 443]], WEB, "443/tcp"),
    ]
    assert entries[1]["sources"] == entries[2]["sources"] == {"ipv4": ["10.0.0.0/8"], "ipv6": []}


def _random_entry(rng):
    proto = rng.choice([None, "tcp", "udp", "TCP"])
    low = rng.randint(1, 60)
    high = low + rng.choice([0, 0, 1, 5, 20])
    port = rng.choice([low, str(low), "%d-%d" % (low, high), "%d-%d" % (low, high)])
    entry = {"port": port}
    if proto is not None:
        entry["proto"] = proto
    if rng.random() < 0.35:
        entry["state"] = rng.choice(["absent", "Absent", " absent "])
        if rng.random() < 0.3:
            entry["comment"] = "closed %d" % low
        return entry
    if rng.random() < 0.2:
        entry["state"] = "present"
    if rng.random() < 0.3:
        entry["sources"] = rng.sample(["10.0.0.0/8", "10.1.0.0/16", "192.0.2.0/24", "2001:db8::/32", "198.51.100.7"],
                                      rng.randint(1, 3))
    if rng.random() < 0.3:
        entry["comment"] = rng.choice(["web", "", "  padded  "])
    if rng.random() < 0.2:
        entry["process"] = "daemon%d" % low
    if rng.random() < 0.2:
        entry["required"] = rng.choice([True, False])
    return entry


def test_compose_normalised_matches_parsing_the_composed_list_for_random_input():
    rng = random.Random(20260101)
    names = [ALL, "portwarden_allowlist__10_all", DB, WEB, HOST]
    removed = pieces = 0
    for _draw in range(600):
        variables = {name: [_random_entry(rng) for _entry in range(rng.randint(0, 6))]
                     for name in rng.sample(names, rng.randint(1, len(names)))}
        composed = compose_allowlist(variables)
        written = [dict({key: value for key, value in entry.items() if key != "state"}, origin=name)
                   for name, value in variables.items() for entry in value
                   if str(entry.get("state", "present")).strip().lower() == "present"]
        removed += any(entry not in composed for entry in written)
        pieces += any(entry not in written for entry in composed)
        assert compose_normalised(variables) == parse_allowlist(composed), variables
    # The random input did remove entries and cut ranges into pieces, not only append.
    assert removed > 100
    assert pieces > 50


ERROR_CASES = [
    {WEB: [{"port": 70000}]},
    {ALL: [{"port": 22}], HOST: [{"port": 22, "state": "gone"}]},
    {HOST: [{"port": 22, "state": "absent", "sources": ["10.0.0.0/8"]}]},
    {HOST: [{"port": 22, "state": "absent", "proto": "icmp"}]},
    {WEB: {"port": 22}},
    {WEB: ["22"]},
    {WEB: [{"port": 22, "origin": "x"}]},
    {ALL: [{"port": 0}], WEB: [{"port": 22}, {"port": "nosuchservice"}]},
    # A bad entry after a removal that cut an earlier one.
    {ALL: [{"port": "8000-8100"}], DB: [{"port": 8050, "state": "absent"}], HOST: [{"port": 22}, {"port": "22-", "proto": "udp"}]},
]


@pytest.mark.parametrize("variables", ERROR_CASES)
def test_compose_normalised_raises_as_compose_allowlist_does(variables):
    with pytest.raises(AllowlistError) as expected:
        compose_allowlist(variables)
    with pytest.raises(AllowlistError) as caught:
        compose_normalised(variables)
    assert caught.value.errors == expected.value.errors
    assert (caught.value.index, caught.value.field) == (expected.value.index, expected.value.field)


def test_compose_normalised_names_the_variable_and_the_entry():
    with pytest.raises(AllowlistError) as caught:
        compose_normalised({ALL: [{"port": 22}], WEB: [{"port": 443}, {"port": 70000}]})
    assert caught.value.errors == ["portwarden_allowlist__50_web entry #2 (port: 70000): port 70000 is outside 1-65535"]
    assert (caught.value.index, caught.value.field) == (1, "port")
