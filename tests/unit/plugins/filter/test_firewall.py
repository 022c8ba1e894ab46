# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The firewall filters the role's templates use."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.portwarden.hardening.plugins.filter import firewall
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist import parse_allowlist

RAW = [
    {"port": 22, "comment": "SSH"},
    {"port": "8000-8100"},
    {"port": 5432, "sources": ["192.0.2.0/24", "198.51.100.7", "2001:db8::/32"]},
    {"port": 53, "proto": "udp", "sources": ["2001:db8::53"]},
]


def test_every_filter_is_registered():
    assert sorted(firewall.FilterModule().filters()) == [
        "firewall_model", "iptables_plan", "nft_elements", "nft_source_elements", "port_chunks", "port_spec", "ufw_rules",
    ]


def test_model_from_raw_and_from_normalised_entries_is_the_same():
    assert firewall.firewall_model(RAW) == firewall.firewall_model(parse_allowlist(RAW))


def test_model_takes_extra_entries():
    model = firewall.firewall_model(RAW, [{"port": 2222, "sources": ["203.0.113.9"]}])
    assert {"source": "203.0.113.9/32", "ports": [[2222, 2222]]} in model["tcp"]["sources"]["ipv4"]


@pytest.mark.parametrize("raw, message", [
    ([{"port": 22}, {"port": 70000}], "portwarden_allowlist entry #2 (port: 70000): port 70000 is outside 1-65535"),
    ([{"port": 22, "sources": ["10.0.0.300"]}], "entry #1 (port: 22): sources[1]"),
    ({"port": 22}, "must be a list"),
])
def test_bad_allowlist_fails_naming_the_entry(raw, message):
    with pytest.raises(AnsibleFilterError) as error:
        firewall.firewall_model(raw)
    assert message in str(error.value)


@pytest.mark.parametrize("ranges, expected", [
    ([], []),
    ([[22, 22]], ["22"]),
    ([[22, 23], [8000, 8100]], ["22-23", "8000-8100"]),
])
def test_nft_elements(ranges, expected):
    assert firewall.nft_elements(ranges) == expected


def test_nft_elements_refuses_what_is_not_a_range_list():
    with pytest.raises(AnsibleFilterError, match="merged"):
        firewall.nft_elements([22, 23])


@pytest.mark.parametrize("proto, family, expected", [
    ("tcp", "ipv4", ["192.0.2.0/24 . 5432", "198.51.100.7/32 . 5432"]),
    ("tcp", "ipv6", ["2001:db8::/32 . 5432"]),
    ("udp", "ipv6", ["2001:db8::53/128 . 53"]),
    ("udp", "ipv4", []),
])
def test_nft_source_elements(proto, family, expected):
    assert firewall.nft_source_elements(firewall.firewall_model(RAW), proto, family) == expected


@pytest.mark.parametrize("ranges, separator, expected", [
    ([[22, 22], [8000, 8100]], ":", "22,8000:8100"),
    ([[22, 22], [8000, 8100]], "-", "22,8000-8100"),
    ([], ":", ""),
])
def test_port_spec(ranges, separator, expected):
    assert firewall.port_spec(ranges, separator) == expected


@pytest.mark.parametrize("ranges, expected_sizes", [
    ([[p, p] for p in range(1, 16)], [15]),
    ([[p, p] for p in range(1, 17)], [15, 1]),
    # A range counts as two ports in a multiport match.
    ([[p, p] for p in range(1, 14)] + [[100, 200]], [14]),
    ([[p, p] for p in range(1, 15)] + [[100, 200]], [14, 1]),
    ([[1, 10]] * 8, [7, 1]),
])
def test_port_chunks_respect_the_multiport_limit(ranges, expected_sizes):
    chunks = firewall.port_chunks(ranges)
    assert [len(chunk) for chunk in chunks] == expected_sizes
    assert [r for chunk in chunks for r in chunk] == ranges


@pytest.mark.parametrize("minimum, expected_rules, expected_sets", [
    (0, [
        {"proto": "tcp", "dports": "22,8000:8100", "source": None, "set": None},
        {"proto": "tcp", "dports": "5432", "source": "192.0.2.0/24", "set": None},
        {"proto": "tcp", "dports": "5432", "source": "198.51.100.7/32", "set": None},
    ], []),
    (2, [
        {"proto": "tcp", "dports": "22,8000:8100", "source": None, "set": None},
        {"proto": "tcp", "dports": "5432", "source": None, "set": "portwarden-tcp4-0"},
    ], [{"name": "portwarden-tcp4-0", "proto": "tcp", "family": "inet", "members": ["192.0.2.0/24", "198.51.100.7/32"]}]),
    (3, [
        {"proto": "tcp", "dports": "22,8000:8100", "source": None, "set": None},
        {"proto": "tcp", "dports": "5432", "source": "192.0.2.0/24", "set": None},
        {"proto": "tcp", "dports": "5432", "source": "198.51.100.7/32", "set": None},
    ], []),
])
def test_iptables_plan_uses_ipsets_from_the_threshold(minimum, expected_rules, expected_sets):
    plan = firewall.iptables_plan(firewall.firewall_model(RAW), "ipv4", minimum)
    assert plan["rules"] == expected_rules
    assert plan["sets"] == expected_sets


def test_iptables_plan_ipv6_has_only_ipv6_sources():
    plan = firewall.iptables_plan(firewall.firewall_model(RAW), "ipv6")
    assert [rule["source"] for rule in plan["rules"]] == [None, "2001:db8::/32", "2001:db8::53/128"]


def test_iptables_plan_refuses_an_unknown_family():
    with pytest.raises(AnsibleFilterError, match="family"):
        firewall.iptables_plan(firewall.firewall_model(RAW), "inet")


def test_ufw_rules():
    assert firewall.ufw_rules(firewall.firewall_model(RAW)) == [
        "allow 22,8000:8100/tcp comment 'portwarden'",
        "allow from 192.0.2.0/24 to any port 5432 proto tcp comment 'portwarden'",
        "allow from 198.51.100.7/32 to any port 5432 proto tcp comment 'portwarden'",
        "allow from 2001:db8::/32 to any port 5432 proto tcp comment 'portwarden'",
        "allow from 2001:db8::53/128 to any port 53 proto udp comment 'portwarden'",
    ]
