# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Doubtful allowlist entries: valid each on its own, suspicious together.

``doubts()`` takes normalised entries (``_allowlist.parse_allowlist``) and returns one
message per pair of entries of the same protocol whose ports overlap:

* a **duplicate** (same ports, same sources): harmless, but usually a copy-paste or a
  merge of two lists that no longer says what was meant;
* a **restriction without effect**: one entry limits a port to some sources while another
  opens it to anyone, so the firewall (which allows the union) ignores the limit;
* an **overlap** otherwise: both apply, and what is allowed is their union.

Ports are compared as ranges with a sweep, so 10,000 entries cost a sort, not 10^8 pairs;
at most ``LIMIT`` messages are returned, the last one saying how many more there are.
"""

from __future__ import annotations

LIMIT = 20
# Counting stops here: a list where everything overlaps everything needs no exact count.
CAP = 1000


def _span(lo, hi) -> str:
    return str(lo) if lo == hi else "%d-%d" % (lo, hi)


def _name(entry) -> str:
    return "entry #%d (%s)" % (entry["index"] + 1, entry["label"])


def _sources(entry):
    sources = entry.get("sources")
    if sources is None:
        return None
    return (tuple(sources.get("ipv4") or ()), tuple(sources.get("ipv6") or ()))


def _message(first, second, lo, hi, proto, var_name) -> str:
    where = "%s/%s" % (_span(lo, hi), proto)
    first_sources, second_sources = _sources(first), _sources(second)
    same_ports = sorted(map(tuple, first["ports"])) == sorted(map(tuple, second["ports"]))
    if same_ports and first_sources == second_sources:
        return "%s: %s duplicates %s" % (var_name, _name(second), _name(first))
    if (first_sources is None) != (second_sources is None):
        limited, anyone = (second, first) if first_sources is None else (first, second)
        return ("%s: %s limits %s to some sources, but %s allows anyone on it, so the limit has no effect"
                % (var_name, _name(limited), where, _name(anyone)))
    return "%s: %s and %s overlap on %s; both apply, so what is allowed there is their union" % (
        var_name, _name(first), _name(second), where)


def doubts(entries, var_name="portwarden_allowlist", limit=LIMIT) -> list:
    """Messages about duplicate and overlapping entries (see the module docstring)."""
    pairs = {}
    by_proto = {}
    for entry in entries or []:
        for lo, hi in entry.get("ports") or []:
            by_proto.setdefault(entry["proto"], []).append((lo, hi, entry))
    for proto in sorted(by_proto):
        active = []
        for lo, hi, entry in sorted(by_proto[proto], key=lambda item: (item[0], item[1], item[2]["index"])):
            if len(pairs) >= CAP:
                break
            active = [item for item in active if item[1] >= lo]
            for other_lo, other_hi, other in active:
                if other["index"] == entry["index"]:
                    continue
                key = (proto, min(other["index"], entry["index"]), max(other["index"], entry["index"]))
                if key not in pairs:
                    first, second = (other, entry) if other["index"] < entry["index"] else (entry, other)
                    pairs[key] = (first, second, max(lo, other_lo), min(hi, other_hi), proto)
            active.append((lo, hi, entry))
    ordered = [pairs[key] for key in sorted(pairs, key=lambda key: (key[1], key[2], key[0]))]
    messages = [_message(first, second, lo, hi, proto, var_name) for first, second, lo, hi, proto in ordered[:limit]]
    if len(ordered) > limit:
        messages.append("%s: %s%d more duplicate or overlapping pairs of entries" % (
            var_name, "at least " if len(ordered) >= CAP else "", len(ordered) - limit))
    return messages
