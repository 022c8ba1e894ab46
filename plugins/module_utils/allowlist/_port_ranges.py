# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Port-range maths: inclusive ``[lo, hi]`` ranges of port numbers, merged, searched, chunked, written.

Pure functions on ints, with no knowledge of the allowlist: the allowlist model, the
firewall model, the management-connection check and the firewall templates' filters all
use these. Ranges are lists ``[lo, hi]`` (tuples are accepted on input); a "merged" list is
sorted, with no two ranges overlapping or touching.
"""

from __future__ import annotations


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_port(value) -> bool:
    """Whether ``value`` is a port number, an int (not a bool) in 1-65535; for values a host returned."""
    return _is_int(value) and 0 < value <= 65535


def merge_ranges(ranges) -> list:
    """Sort and merge overlapping or adjacent inclusive ranges: [[1, 5], [6, 8]] -> [[1, 8]].

    Each item is ``[lo, hi]`` (a list or tuple of two ints) or a single int. Raises
    ValueError for anything else, or for a reversed range.
    """
    pairs = []
    for item in ranges:
        if _is_int(item):
            low = high = int(item)
        elif isinstance(item, (list, tuple)) and len(item) == 2 and all(_is_int(x) for x in item):
            low, high = int(item[0]), int(item[1])
        else:
            raise ValueError("not a port or an inclusive [lo, hi] range of ints: %r" % (item,))
        if low > high:
            raise ValueError("reversed range [%d, %d]" % (low, high))
        pairs.append((low, high))
    pairs.sort()
    merged = []
    for low, high in pairs:
        if merged and low <= merged[-1][1] + 1:
            if high > merged[-1][1]:
                merged[-1][1] = high
        else:
            merged.append([low, high])
    return merged


def is_merged(ranges) -> bool:
    """True when ``ranges`` is already what merge_ranges would return (lists of two ints, sorted, apart)."""
    previous = None
    for item in ranges:
        if not (isinstance(item, list) and len(item) == 2 and _is_int(item[0]) and _is_int(item[1])):
            return False
        if item[0] > item[1] or (previous is not None and item[0] <= previous + 1):
            return False
        previous = item[1]
    return True


def ranges_contain(ranges, port: int) -> bool:
    """True when ``port`` lies in ``ranges``, which must be merged (see merge_ranges).

    A binary search by hand: ``bisect`` takes no ``key`` before Python 3.10, and the ranges
    may be lists or tuples.
    """
    low, high = 0, len(ranges)
    while low < high:
        middle = (low + high) // 2
        if ranges[middle][0] <= port:
            low = middle + 1
        else:
            high = middle
    return low > 0 and port <= ranges[low - 1][1]


def multiport_chunks(ranges, limit: int) -> list:
    """Split merged ranges into groups that fit one multiport match of ``limit`` ports (a range counts two)."""
    chunks, current, weight = [], [], 0
    for low, high in ranges:
        cost = 1 if low == high else 2
        if current and weight + cost > limit:
            chunks.append(current)
            current, weight = [], 0
        current.append([low, high])
        weight += cost
    if current:
        chunks.append(current)
    return chunks


def port_spec(ranges, range_sep: str = ":") -> str:
    """[[22, 22], [8000, 8100]] -> "22,8000:8100" (iptables, ufw), or with range_sep="-" (firewalld, nft)."""
    return ",".join(str(low) if low == high else "%d%s%d" % (low, range_sep, high) for low, high in ranges)


def parse_port_list(text: str):
    """"22", "80,443" or "8000:8100" (as a firewall prints them) -> [(low, high), ...]; None when
    any part is not a port or an ascending range within 1-65535 (a host's text is not trusted)."""
    ranges = []
    for part in text.split(","):
        low, _sep, high = part.partition(":")
        try:
            low_port, high_port = int(low), int(high or low)
        except ValueError:
            return None
        if not 0 < low_port <= high_port <= 65535:
            return None
        ranges.append((low_port, high_port))
    return ranges or None
