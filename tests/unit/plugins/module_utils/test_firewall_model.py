# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The firewall model: what every backend renders, built from allowlist entries."""

from __future__ import annotations

import ipaddress
import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist import parse_allowlist
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._firewall_model import (
    FirewallModelError,
    build_model,
    subtract_ranges,
)
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_rules import source_elements


def model_of(raw, extra=None):
    return build_model(parse_allowlist(raw), parse_allowlist(extra) if extra else None)


@pytest.mark.parametrize("raw, proto, expected", [
    ([], "tcp", []),
    ([{"port": 22}], "tcp", [[22, 22]]),
    ([{"port": 22}, {"port": 23}, {"port": "20-21"}], "tcp", [[20, 23]]),
    ([{"port": "8000-8100"}, {"port": 8050}, {"port": 443}], "tcp", [[443, 443], [8000, 8100]]),
    ([{"port": 53, "proto": "udp"}, {"port": 53}], "udp", [[53, 53]]),
    ([{"port": "ssh"}, {"port": "https"}], "tcp", [[22, 22], [443, 443]]),
    # A source-restricted entry never opens a port to anyone.
    ([{"port": 5432, "sources": ["10.0.0.0/8"]}], "tcp", []),
])
def test_ports_open_to_anyone_are_merged(raw, proto, expected):
    assert model_of(raw)[proto]["any"] == expected


@pytest.mark.parametrize("raw, family, expected", [
    ([{"port": 5432, "sources": ["10.0.0.0/8", "2001:db8::/32"]}], "ipv4",
     [{"source": "10.0.0.0/8", "ports": [[5432, 5432]]}]),
    ([{"port": 5432, "sources": ["10.0.0.0/8", "2001:db8::/32"]}], "ipv6",
     [{"source": "2001:db8::/32", "ports": [[5432, 5432]]}]),
    # A wider network swallows a narrower one for the same ports.
    ([{"port": 5432, "sources": ["10.0.0.0/8"]}, {"port": 5432, "sources": ["10.1.0.0/16"]}], "ipv4",
     [{"source": "10.0.0.0/8", "ports": [[5432, 5432]]}]),
    # Overlapping networks with overlapping ranges become disjoint pairs.
    ([{"port": 5432, "sources": ["10.0.0.0/8"]}, {"port": "5430-5440", "sources": ["10.1.0.0/16"]}], "ipv4",
     [{"source": "10.0.0.0/8", "ports": [[5432, 5432]]},
      {"source": "10.1.0.0/16", "ports": [[5430, 5431], [5433, 5440]]}]),
    # Two halves of a network for the same port collapse into the network.
    ([{"port": 53, "sources": ["192.0.2.0/25", "192.0.2.128/25"]}], "ipv4",
     [{"source": "192.0.2.0/24", "ports": [[53, 53]]}]),
    # A port open to anyone needs no source element.
    ([{"port": 22}, {"port": 22, "sources": ["192.0.2.1"]}, {"port": "20-30", "sources": ["192.0.2.1"]}], "ipv4",
     [{"source": "192.0.2.1/32", "ports": [[20, 21], [23, 30]]}]),
    # Adjacent ranges of one source merge.
    ([{"port": "1000-1999", "sources": ["192.0.2.9"]}, {"port": "2000-2999", "sources": ["192.0.2.9"]}], "ipv4",
     [{"source": "192.0.2.9/32", "ports": [[1000, 2999]]}]),
])
def test_source_restricted_ports(raw, family, expected):
    assert model_of(raw)["tcp"]["sources"][family] == expected


def test_groups_collect_sources_that_share_ports():
    model = model_of([
        {"port": 5432, "sources": ["192.0.2.1", "198.51.100.0/24"]},
        {"port": 6379, "sources": ["192.0.2.1"]},
        {"port": 5432, "sources": ["203.0.113.7"]},
    ])
    assert model["tcp"]["groups"]["ipv4"] == [
        {"ports": [[5432, 5432]], "sources": ["198.51.100.0/24", "203.0.113.7/32"]},
        {"ports": [[5432, 5432], [6379, 6379]], "sources": ["192.0.2.1/32"]},
    ]


def test_extra_entries_merge_like_allowlist_entries():
    model = model_of([{"port": 80}], extra=[{"port": 2222, "sources": ["192.0.2.10"], "comment": "management"}])
    assert model["tcp"]["any"] == [[80, 80]]
    assert model["tcp"]["sources"]["ipv4"] == [{"source": "192.0.2.10/32", "ports": [[2222, 2222]]}]
    assert model["labels"] == ["80/tcp", "2222/tcp (management)"]
    assert model["entry_count"] == 2


@pytest.mark.parametrize("raw, empty", [
    ([], True),
    ([{"port": 22}], False),
    ([{"port": 53, "proto": "udp", "sources": ["2001:db8::1"]}], False),
])
def test_empty_says_whether_anything_is_let_in(raw, empty):
    assert model_of(raw)["empty"] is empty


def test_model_is_json_serialisable_and_independent_of_entry_order():
    raw = [{"port": 5432, "sources": ["10.0.0.0/8", "2001:db8::/32"]}, {"port": "8000-8100"}, {"port": 53, "proto": "udp"}]
    json.dumps(model_of(raw))
    first, second = model_of(raw), model_of(list(reversed(raw)))
    first.pop("labels")
    second.pop("labels")
    assert first == second


@pytest.mark.parametrize("entries, message", [
    ([{"port": 22}], "entry #1 is not a normalised allowlist entry"),
    ([{"ports": [[22, 22]], "proto": "sctp", "sources": None, "label": "22/sctp"}], "entry #1 (22/sctp) has an unknown protocol"),
    (["22/tcp"], "entry #1 is not a normalised"),
])
def test_raw_entries_are_refused(entries, message):
    with pytest.raises(FirewallModelError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build_model(entries)


# Property: for any allowlist, the model lets a (source, port) pair in exactly when some
# entry does, and the (network, range) elements of one family never overlap (nftables
# refuses overlapping elements in an interval set).
_networks = st.sampled_from(["10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3/32", "192.0.2.0/25", "192.0.2.128/25"])
_ports = st.integers(min_value=1, max_value=40)
_entry = st.builds(
    lambda low, span, sources: {"port": "%d-%d" % (low, low + span), "sources": sources or None},
    _ports, st.integers(min_value=0, max_value=8), st.lists(_networks, max_size=3),
)
_probe_addresses = ["10.0.0.1", "10.1.0.1", "10.1.2.1", "10.1.2.3", "192.0.2.1", "192.0.2.200", "203.0.113.1"]


@settings(max_examples=150, deadline=None)
@given(st.lists(_entry, max_size=8))
def test_model_allows_exactly_what_the_entries_allow(raw):
    entries = parse_allowlist(raw)
    model = build_model(entries)
    pairs = source_elements(model, "tcp", "ipv4")
    for index, (net_a, range_a) in enumerate(pairs):
        for net_b, range_b in pairs[index + 1:]:
            overlap_ports = range_a[0] <= range_b[1] and range_b[0] <= range_a[1]
            assert not (overlap_ports and ipaddress.ip_network(net_a).overlaps(ipaddress.ip_network(net_b)))
    for address in _probe_addresses:
        ip = ipaddress.ip_address(address)
        for port in range(1, 50):
            wanted = any(
                entry["ports"][0][0] <= port <= entry["ports"][0][1]
                and (entry["sources"] is None or any(ip in ipaddress.ip_network(n) for n in entry["sources"]["ipv4"]))
                for entry in entries
            )
            allowed = any(low <= port <= high for low, high in model["tcp"]["any"]) or any(
                ip in ipaddress.ip_network(net) and low <= port <= high for net, (low, high) in pairs
            )
            assert allowed == wanted, (address, port)


def _as_ranges(numbers):
    """A set of ports -> sorted, merged [lo, hi] ranges."""
    ranges = []
    for number in sorted(numbers):
        if ranges and number == ranges[-1][1] + 1:
            ranges[-1][1] = number
        else:
            ranges.append([number, number])
    return ranges


def _as_set(ranges):
    return {number for low, high in ranges for number in range(low, high + 1)}


def _random_ranges(rng, top):
    """Sorted, merged ranges over 1..top: a random set of ports, as dense or sparse as it comes."""
    density = rng.choice([0.05, 0.3, 0.7, 0.95])
    return _as_ranges(number for number in range(1, top + 1) if rng.random() < density)


@pytest.mark.parametrize("ranges, removed, expected", [
    ([[1, 10]], [], [[1, 10]]),
    ([[1, 10]], [[1, 10]], []),
    ([[1, 10]], [[3, 4]], [[1, 2], [5, 10]]),
    ([[1, 10]], [[0, 1], [10, 20]], [[2, 9]]),
    ([[1, 5], [8, 12]], [[4, 9]], [[1, 3], [10, 12]]),
    ([[5, 5]], [[1, 4], [6, 9]], [[5, 5]]),
    ([[1, 3], [20, 30], [50, 60]], [[2, 2], [25, 25], [27, 55], [70, 80]], [[1, 1], [3, 3], [20, 24], [26, 26], [56, 60]]),
])
def test_subtract_ranges_with_and_without_precomputed_highs(ranges, removed, expected):
    highs = [high for _low, high in removed]
    assert subtract_ranges(ranges, removed, highs) == expected
    assert subtract_ranges(ranges, removed) == expected


def test_subtract_ranges_matches_a_set_computation_for_random_ranges():
    rng = random.Random(4242)
    nonempty = 0
    for _draw in range(2000):
        top = rng.choice([10, 40, 200])
        ranges, removed = _random_ranges(rng, top), _random_ranges(rng, top)
        expected = _as_ranges(_as_set(ranges) - _as_set(removed))
        nonempty += bool(expected) and expected != ranges
        highs = [high for _low, high in removed]
        assert subtract_ranges(ranges, removed) == expected, (ranges, removed)
        assert subtract_ranges(ranges, removed, highs) == expected, (ranges, removed)
    # Most draws cut something and leave something.
    assert nonempty > 1000


def test_subtract_ranges_with_shared_highs_as_build_model_calls_it():
    # build_model subtracts the same "open to anyone" ranges from one range at a time,
    # computing their upper ends once.
    rng = random.Random(7)
    for _draw in range(200):
        anyone = _random_ranges(rng, 300)
        highs = [high for _low, high in anyone]
        for _cut in range(10):
            low = rng.randint(1, 300)
            port_range = [low, rng.randint(low, 300)]
            expected = _as_ranges(_as_set([port_range]) - _as_set(anyone))
            assert subtract_ranges([port_range], anyone, highs) == expected, (port_range, anyone)
        assert highs == [high for _low, high in anyone]  # not changed by the calls
