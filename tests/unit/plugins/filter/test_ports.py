# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import datetime

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.portwarden.hardening.plugins.filter import ports
from ansible_collections.portwarden.hardening.plugins.filter.ports import (
    FilterModule,
    allowlist,
    audit_exceptions,
    compose_allowlist,
    port_ranges,
)


def test_filters_are_registered():
    assert set(FilterModule().filters()) == {"allowlist", "allowlist_errors", "audit_exceptions", "compose_allowlist", "port_ranges"}


def test_compose_allowlist_filter_reads_only_allowlist_variables():
    composed = compose_allowlist({"inventory_hostname": "web3", "portwarden_allowlist": [{"port": 22}],
                                  "portwarden_allowlist__b": [{"port": 22, "state": "absent"}, {"port": 443}]})
    assert composed == [{"port": 443, "origin": "portwarden_allowlist__b"}]


@pytest.mark.parametrize(
    "raw, text",
    [
        ({"portwarden_allowlist__web": [{"port": 70000}]}, "portwarden_allowlist__web entry #1 (port: 70000): port 70000"),
        ([{"port": 22}], "compose_allowlist expects a mapping"),
    ],
)
def test_compose_allowlist_filter_raises_filter_error(raw, text):
    with pytest.raises(AnsibleFilterError) as caught:
        compose_allowlist(raw)
    assert text in str(caught.value)


def test_allowlist_filter_normalises():
    [entry] = allowlist([{"port": "ssh", "sources": ["192.0.2.9/24"], "comment": "bastion"}])
    assert entry["ports"] == [[22, 22]]
    assert entry["sources"] == {"ipv4": ["192.0.2.0/24"], "ipv6": []}
    assert entry["label"] == "ssh/tcp (bastion)"


@pytest.mark.parametrize(
    "raw, text",
    [
        ([{"port": 22}, {"port": "ssh2"}], 'portwarden_allowlist entry #2 (port: "ssh2"): unknown service name "ssh2"'),
        ([{"port": True}], "portwarden_allowlist entry #1 (port: true): true is a boolean"),
        ("22", "portwarden_allowlist must be a list of entries"),
    ],
)
def test_allowlist_filter_raises_filter_error_naming_the_entry(raw, text):
    with pytest.raises(AnsibleFilterError) as caught:
        allowlist(raw)
    assert text in str(caught.value)


def test_allowlist_filter_var_name():
    with pytest.raises(AnsibleFilterError, match=r"^host_allowlist entry #1 \(port: 0\)"):
        allowlist([{"port": 0}], var_name="host_allowlist")


@pytest.mark.parametrize(
    "values, merged",
    [
        ([22, "80", "8000-8100", [8101, 8200]], [[22, 22], [80, 80], [8000, 8200]]),
        ([443, 22, 23, 24], [[22, 24], [443, 443]]),
        ([], []),
    ],
)
def test_port_ranges_filter(values, merged):
    assert port_ranges(values) == merged


@pytest.mark.parametrize("values, text", [([True], "item #1: true is a boolean"), ("22", "must be a list"), (["20:21"], 'write "20-21"')])
def test_port_ranges_filter_raises_filter_error(values, text):
    with pytest.raises(AnsibleFilterError) as caught:
        port_ranges(values)
    assert text in str(caught.value)


def test_audit_exceptions_filter_normalises_a_yaml_date():
    [exception] = audit_exceptions([{"port": 8080, "reason": "agent", "owner": "ops", "expires": datetime.date(2026, 6, 30)}])
    assert exception["expires"] == "2026-06-30" and exception["ports"] == [[8080, 8080]]


def test_audit_exceptions_filter_raises_filter_error_naming_the_entry():
    with pytest.raises(AnsibleFilterError, match=r"^portwarden_audit_exceptions entry #1 \(port: 8080\): owner: is required"):
        audit_exceptions([{"port": 8080, "reason": "agent"}])


@pytest.mark.parametrize(
    "raw, expected",
    [
        ([{"port": 22}], []),
        (
            [{"port": 22, "sources": ["10.0.0.0/8", "10.0.0.300/8"]}],
            ['portwarden_allowlist entry #1 (port: 22): sources[2]: "10.0.0.300/8" is not an IPv4 or IPv6 address or CIDR network'],
        ),
        ([{"port": 22}, {"port": 99999}, {"port": 80, "proto": "sctp"}], ["entry #2 (port: 99999)", "entry #3 (port: 80)"]),
    ],
    ids=["valid", "source", "two-entries"],
)
def test_allowlist_errors_returns_one_line_per_problem(raw, expected):
    errors = ports.allowlist_errors(raw)
    assert len(errors) == len(expected)
    for error, wanted in zip(errors, expected):
        assert wanted in error and "\n" not in error
