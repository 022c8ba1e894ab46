# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import datetime

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist import AllowlistError
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._audit_exceptions import (
    is_expired,
    parse_exceptions,
)

GOOD = {"port": 8080, "reason": "Vendor agent", "owner": "platform-team"}


def test_exception_is_normalised():
    [exception] = parse_exceptions([dict(GOOD, proto="TCP", address="2001:DB8::0010", process="java", expires="2026-06-30")])
    assert exception == {
        "index": 0,
        "label": "8080/tcp (Vendor agent)",
        "port": 8080,
        "ports": [[8080, 8080]],
        "proto": "tcp",
        "address": "2001:db8::10",
        "process": "java",
        "reason": "Vendor agent",
        "owner": "platform-team",
        "expires": "2026-06-30",
    }


@pytest.mark.parametrize("raw", [None, []])
def test_no_exceptions(raw):
    assert parse_exceptions(raw) == []


def test_yaml_date_is_accepted():
    """An unquoted 2026-06-30 reaches a filter as a datetime.date."""
    assert parse_exceptions([dict(GOOD, expires=datetime.date(2026, 6, 30))])[0]["expires"] == "2026-06-30"


@pytest.mark.parametrize(
    "changes, field, text",
    [
        ({"reason": None}, "reason", "reason: is required"),
        ({"reason": "  "}, "reason", "reason: must not be empty"),
        ({"owner": None}, "owner", "owner: is required"),
        ({"owner": 42}, "owner", "owner: must be a string, got an integer 42"),
        ({"expires": "30/06/2026"}, "expires", 'expires: "30/06/2026" is not a date written YYYY-MM-DD'),
        ({"expires": "2026-02-30"}, "expires", 'expires: "2026-02-30" is not a valid calendar date'),
        ({"expires": 20260630}, "expires", "expires: must be a date written YYYY-MM-DD, got an integer"),
        ({"expires": datetime.datetime(2026, 6, 30, 12, 0)}, "expires", "got a date and time"),
        ({"address": "192.0.2.0/24"}, "address", 'address: "192.0.2.0/24" is not an IPv4 or IPv6 address'),
        ({"address": 3232235777}, "address", "address: must be an IP address string"),
        ({"port": True}, "port", "true is a boolean, not a port"),
        ({"port": "ssh2"}, "port", 'unknown service name "ssh2"'),
        ({"port": 0}, "port", "port 0 is outside 1-65535"),
        ({"proto": "icmp"}, "proto", 'unknown protocol "icmp"'),
        ({"ticket": "CHG-1"}, "ticket", 'unknown key "ticket"'),
        ({"expiry": "2026-01-01"}, "expiry", 'unknown key "expiry" (did you mean "expires"?)'),
    ],
)
def test_bad_exception_is_rejected_naming_entry_and_field(changes, field, text):
    raw = dict(GOOD, **changes)
    raw = {key: value for key, value in raw.items() if value is not None}
    with pytest.raises(AllowlistError) as caught:
        parse_exceptions([GOOD, raw])
    assert str(caught.value).startswith("exceptions entry #2")
    assert text in str(caught.value)
    assert caught.value.field == field


@pytest.mark.parametrize("raw, text", [("x", "got a string"), ({"port": 1}, "got a mapping"), ([5], "entry #1: must be a mapping")])
def test_bad_exception_list_is_rejected(raw, text):
    with pytest.raises(AllowlistError, match=None) as caught:
        parse_exceptions(raw, var_name="portwarden_audit_exceptions")
    assert str(caught.value).startswith("portwarden_audit_exceptions")
    assert text in str(caught.value)


@pytest.mark.parametrize(
    "expires, today, expired",
    [(None, datetime.date(2099, 1, 1), False), ("2026-03-15", datetime.date(2026, 3, 15), False),
     ("2026-03-15", datetime.date(2026, 3, 16), True), ("2026-03-15", datetime.date(2025, 1, 1), False)],
)
def test_expiry_is_inclusive(expires, today, expired):
    assert is_expired({"expires": expires}, today) is expired
