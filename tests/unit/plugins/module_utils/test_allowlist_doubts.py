# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Duplicate and overlapping allowlist entries are named, each pair once."""

from __future__ import annotations

import time

import pytest

from ansible_collections.portwarden.hardening.plugins.filter.fleet import allowlist_doubts
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist import parse_allowlist
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist_doubts import LIMIT, doubts

CASES = [
    ([{"port": 22}, {"port": 443}, {"port": 53, "proto": "udp"}, {"port": 53}], []),
    ([{"port": 22}, {"port": "ssh"}], ["entry #2 (ssh/tcp) duplicates entry #1 (22/tcp)"]),
    ([{"port": 5432, "sources": ["10.0.0.0/8"]}, {"port": 5432, "sources": ["10.0.0.0/8"], "comment": "db"}],
     ["entry #2 (5432/tcp (db)) duplicates entry #1 (5432/tcp)"]),
    ([{"port": "8000-8100"}, {"port": 8080, "sources": ["192.0.2.0/24"]}],
     ["entry #2 (8080/tcp) limits 8080/tcp to some sources, but entry #1 (8000-8100/tcp) allows anyone on it, so the limit has no effect"]),
    ([{"port": 8080, "sources": ["192.0.2.0/24"]}, {"port": "8000-8100"}],
     ["entry #1 (8080/tcp) limits 8080/tcp to some sources, but entry #2 (8000-8100/tcp) allows anyone on it"]),
    ([{"port": "8000-8100"}, {"port": "8050-8200"}], ["entry #1 (8000-8100/tcp) and entry #2 (8050-8200/tcp) overlap on 8050-8100/tcp"]),
    ([{"port": 22, "sources": ["10.0.0.0/8"]}, {"port": 22, "sources": ["192.0.2.0/24"]}],
     ["entry #1 (22/tcp) and entry #2 (22/tcp) overlap on 22/tcp; both apply"]),
    ([{"port": 53, "proto": "udp"}, {"port": 53, "proto": "udp"}, {"port": 53, "proto": "udp"}],
     ["entry #2 (53/udp) duplicates entry #1", "entry #3 (53/udp) duplicates entry #1", "entry #3 (53/udp) duplicates entry #2"]),
]


@pytest.mark.parametrize("allowlist, expected", CASES,
                         ids=["none", "duplicate", "duplicate-sources", "void-limit", "void-limit-later", "overlap",
                              "sources-union", "triple"])
def test_doubts_name_both_entries(allowlist, expected):
    messages = doubts(parse_allowlist(allowlist))
    assert len(messages) == len(expected), messages
    for message, words in zip(messages, expected):
        assert message.startswith("portwarden_allowlist: ") and words in message, messages


def test_many_doubts_are_capped_and_counted():
    messages = doubts(parse_allowlist([{"port": 22}] * 30))
    assert len(messages) == LIMIT + 1
    assert messages[-1].startswith("portwarden_allowlist: at least ") or "more duplicate" in messages[-1]


def test_ten_thousand_distinct_entries_cost_a_sort():
    allowlist = parse_allowlist([{"port": 1 + number % 65000, "proto": "udp" if number >= 65000 else "tcp"} for number in range(10000)])
    started = time.monotonic()
    assert doubts(allowlist) == []
    assert time.monotonic() - started < 2.0


def test_the_filter_validates_and_can_stay_quiet():
    assert allowlist_doubts([{"port": 22}, {"port": 22}], warn=False) == ["portwarden_allowlist: entry #2 (22/tcp) duplicates entry #1 (22/tcp)"]
