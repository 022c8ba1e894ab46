# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._port_ranges import (
    is_merged,
    merge_ranges,
    multiport_chunks,
    parse_port_list,
    port_spec,
    ranges_contain,
)


@pytest.mark.parametrize(
    "ranges, merged",
    [
        ([], []),
        ([[22, 22]], [[22, 22]]),
        ([[5, 10], [1, 3]], [[1, 3], [5, 10]]),
        ([[1, 5], [6, 8]], [[1, 8]]),
        ([[1, 5], [3, 8], [20, 30], [25, 26]], [[1, 8], [20, 30]]),
        ([(80, 80), (443, 443), (81, 81)], [[80, 81], [443, 443]]),
        ([22, 23, [24, 30]], [[22, 30]]),
        ([[1, 65535], [22, 22]], [[1, 65535]]),
    ],
)
def test_merge_ranges(ranges, merged):
    assert merge_ranges(ranges) == merged


@pytest.mark.parametrize("ranges", [[[5, 1]], [[True, 5]], [[1, 2, 3]], ["22"], [[1.0, 2]]])
def test_merge_ranges_rejects_bad_items(ranges):
    with pytest.raises(ValueError):
        merge_ranges(ranges)


@pytest.mark.parametrize(
    "port, expected",
    [(0, False), (1, True), (10, True), (11, False), (19, False), (20, True), (25, True), (30, True), (31, False), (65535, False)],
)
def test_ranges_contain(port, expected):
    assert ranges_contain([[1, 10], [20, 30]], port) is expected


def test_ranges_contain_empty():
    assert ranges_contain([], 22) is False


@pytest.mark.parametrize("ranges, expected", [
    ([], True), ([[22, 22]], True), ([[1, 3], [5, 10]], True),
    ([[1, 3], [4, 10]], False),      # touching: merge_ranges would join them
    ([[5, 10], [1, 3]], False),      # unsorted
    ([[3, 1]], False), ([(1, 3)], False), ([[True, 2]], False), ([22], False),
])
def test_is_merged(ranges, expected):
    assert is_merged(ranges) is expected
    if expected:
        assert merge_ranges(ranges) == ranges


@pytest.mark.parametrize("ranges, limit, chunks", [
    ([], 15, []),
    ([[1, 1], [3, 3], [5, 5]], 2, [[[1, 1], [3, 3]], [[5, 5]]]),
    ([[1, 2], [4, 4]], 2, [[[1, 2]], [[4, 4]]]),        # a range counts two ports
    ([[1, 1]] * 3, 15, [[[1, 1]] * 3]),
])
def test_multiport_chunks(ranges, limit, chunks):
    assert multiport_chunks(ranges, limit) == chunks


def test_port_spec():
    assert port_spec([[22, 22], [8000, 8100]]) == "22,8000:8100"
    assert port_spec([[22, 22], [8000, 8100]], range_sep="-") == "22,8000-8100"
    assert port_spec([]) == ""


@pytest.mark.parametrize("text, expected", [
    ("22", [(22, 22)]),
    ("80,443,8000:8100", [(80, 80), (443, 443), (8000, 8100)]),
    ("0", None),
    ("70000", None),
    ("9:1", None),
    ("22,x", None),
    ("", None),
])
def test_parse_port_list_reads_a_firewall_port_list_or_refuses_it_whole(text, expected):
    assert parse_port_list(text) == expected
