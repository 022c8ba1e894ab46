# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""One normalised firewall model built from allowlist entries, shared by every backend.

The model answers, per protocol, two questions: which ports are open to anyone, and which
(source network, port range) pairs are open to a source only. It is built so that every
backend can render it without further thought:

* port ranges are sorted and merged;
* a source-restricted range that a port open to anyone already covers is dropped;
* the (network, ports) pairs of one family are pairwise disjoint, because nftables
  rejects overlapping elements in an interval set, and overlapping networks for the same
  ports are collapsed (10.0.0.0/8 swallows 10.1.0.0/16).

Shape (all lists sorted, JSON-serialisable)::

    {
      "tcp": {
        "any": [[22, 22], [8000, 8100]],
        "sources": {
          "ipv4": [{"source": "192.0.2.0/24", "ports": [[5432, 5432]]}],
          "ipv6": [{"source": "2001:db8::/32", "ports": [[5432, 5432]]}],
        },
        "groups": {   # the same pairs, grouped by identical port ranges
          "ipv4": [{"ports": [[5432, 5432]], "sources": ["192.0.2.0/24"]}],
          "ipv6": [...],
        },
      },
      "udp": {...},
      "labels": ["22/tcp (SSH)", ...],     # every entry, for comments in rendered rules
      "entry_count": 3,
      "empty": False,                      # True when nothing at all is let in
    }

``extra_entries`` takes entries of the same normalised shape that do not come from the
user's allowlist (the management-port protection adds its entry there) and are merged in
exactly like allowlist entries.
"""

from __future__ import annotations

import ipaddress
from bisect import bisect_left

from ansible_collections.portwarden.hardening.plugins.module_utils._constants import FAMILIES, PROTOCOLS
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._port_ranges import merge_ranges

REQUIRED_KEYS = ("ports", "proto", "sources")


class FirewallModelError(ValueError):
    """An entry handed to the model is not a normalised allowlist entry."""


def _describe(entry, position: int) -> str:
    if isinstance(entry, dict) and entry.get("label"):
        return "entry #%d (%s)" % (position + 1, entry["label"])
    return "entry #%d" % (position + 1)


def _check_entry(entry, position: int) -> None:
    if not isinstance(entry, dict) or any(key not in entry for key in REQUIRED_KEYS):
        raise FirewallModelError(
            "%s is not a normalised allowlist entry (needs %s); pass the list through "
            "portwarden.hardening.allowlist first" % (_describe(entry, position), ", ".join(REQUIRED_KEYS))
        )
    if entry["proto"] not in PROTOCOLS:
        raise FirewallModelError("%s has an unknown protocol %r" % (_describe(entry, position), entry["proto"]))


def subtract_ranges(ranges, removed, highs=None) -> list:
    """``ranges`` minus ``removed``; both sorted and merged, result sorted and merged.

    ``highs``: the upper ends of ``removed``, when the caller subtracts the same ranges many
    times (a binary search then finds where to start, instead of a walk from the first).
    """
    if highs is None:
        highs = [high for _low, high in removed]
    result = []
    position = 0
    for low, high in ranges:
        position = bisect_left(highs, low, position)  # the first removed range that ends at or after low
        cursor = low
        scan = position
        while scan < len(removed) and removed[scan][0] <= high:
            if removed[scan][0] > cursor:
                result.append([cursor, removed[scan][0] - 1])
            cursor = max(cursor, removed[scan][1] + 1)
            scan += 1
        if cursor <= high:
            result.append([cursor, high])
    return result


def _network_key(network):
    return (int(network.network_address), network.prefixlen)


def _disjoint_pairs(pairs) -> list:
    """(network, [lo, hi]) pairs -> disjoint (collapsed networks, [lo, hi]) segments.

    A sweep over the port axis: between two consecutive range boundaries the set of
    networks is constant, so it is collapsed once per segment; neighbouring segments with
    the same networks are joined again.
    """
    events = {}
    for network, (low, high) in pairs:
        events.setdefault(low, []).append((1, network))
        events.setdefault(high + 1, []).append((-1, network))
    active = {}
    segments = []
    points = sorted(events)
    for index, point in enumerate(points):
        for delta, network in events[point]:
            count = active.get(network, 0) + delta
            if count:
                active[network] = count
            else:
                active.pop(network, None)
        if not active or index + 1 == len(points):
            continue
        networks = tuple(sorted(ipaddress.collapse_addresses(active), key=_network_key))
        end = points[index + 1] - 1
        if segments and segments[-1][0] == networks and segments[-1][1][1] == point - 1:
            segments[-1][1][1] = end
        else:
            segments.append((networks, [point, end]))
    return segments


def _by_source(segments) -> list:
    ranges = {}
    for networks, port_range in segments:
        for network in networks:
            ranges.setdefault(network, []).append(port_range)
    return [
        {"source": str(network), "ports": merge_ranges(ranges[network])}
        for network in sorted(ranges, key=_network_key)
    ]


def _by_ports(by_source) -> list:
    groups = {}
    for item in by_source:
        groups.setdefault(tuple(tuple(r) for r in item["ports"]), []).append(item["source"])
    return [
        {"ports": [list(r) for r in ports], "sources": groups[ports]}
        for ports in sorted(groups)
    ]


def build_model(entries, extra_entries=None) -> dict:
    """Build the firewall model from normalised allowlist entries (see module docstring)."""
    everything = list(entries or []) + list(extra_entries or [])
    open_ranges = {proto: [] for proto in PROTOCOLS}
    restricted = {(proto, family): [] for proto in PROTOCOLS for family in FAMILIES}
    labels = []
    for position, entry in enumerate(everything):
        _check_entry(entry, position)
        labels.append(entry.get("label") or "%s/%s" % (entry.get("port"), entry["proto"]))
        ranges = merge_ranges(entry["ports"])
        if entry["sources"] is None:
            open_ranges[entry["proto"]].extend(ranges)
            continue
        for family in FAMILIES:
            for source in entry["sources"].get(family) or []:
                network = ipaddress.ip_network(source, strict=False)
                restricted[(entry["proto"], family)].extend((network, list(r)) for r in ranges)

    model = {"labels": labels, "entry_count": len(everything)}
    for proto in PROTOCOLS:
        anyone = merge_ranges(open_ranges[proto])
        sources = {}
        groups = {}
        highs = [high for _low, high in anyone]
        for family in FAMILIES:
            pairs = []
            for network, port_range in restricted[(proto, family)]:
                pairs.extend((network, r) for r in subtract_ranges([port_range], anyone, highs))
            by_source = _by_source(_disjoint_pairs(pairs))
            sources[family] = by_source
            groups[family] = _by_ports(by_source)
        model[proto] = {"any": anyone, "sources": sources, "groups": groups}
    model["empty"] = model_is_empty(model)
    return model


def model_is_empty(model: dict) -> bool:
    """True when nothing at all is allowed in (every port closed to everyone)."""
    return not any(
        model[proto]["any"] or model[proto]["sources"]["ipv4"] or model[proto]["sources"]["ipv6"]
        for proto in PROTOCOLS
    )
