# -*- coding: utf-8 -*-
# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""The firewall a host really enforces, whatever the backend: its common shape, how it is compared with the
allowlist, and what it means for each exposure.

Each backend reads its own live rules back and parses them into this shape
(``Backend.live_state`` in ``_fw_base``: ``nft -j list ruleset`` in ``_fw_nftables``,
``iptables-save``/``ip6tables-save`` in ``_fw_iptables``, ``ufw status verbose`` in
``_live_ufw``, ``firewall-cmd --list-all-zones`` and the services it names in
``_live_firewalld``). ``_live_firewall_host`` runs the reads; this module knows no backend.

Contract:

* ``empty_state(backend, rules_read=False, absent=...)`` - the shape: ``backend``,
  ``loaded`` (portwarden's rules are there), ``policy`` (``drop`` or ``accept``: what
  happens to a new connection no rule allows), ``open`` (``{proto: [(low, high)]}``,
  allowed from anyone), ``sources`` (``{(proto, family): [(network, [(low, high)])]}``; the
  network is an ipset's name when its members are not read), ``forward`` (whether published
  ports are filtered), ``accept_all`` (foreign rules that accept everything: ``where``,
  ``rule``, and ``bypasses``, whether our chain never sees what they accept), ``foreign``
  (ports accepted by rules outside portwarden's that packets meet first, such as ufw's
  before-rules: ``family``, ``proto``, ``ports``, ``source`` (None for anyone) and ``rule``;
  they count in the verdicts, not in the comparison with the allowlist), ``notes`` (what
  could not be read, for the report), ``enabled``
  (None unless the backend says), ``rules_read`` (whether the live rules were read at all,
  so they can be compared and judged), ``partial`` (some of portwarden's rules are there,
  not all) and ``absent`` (what is missing when they are not loaded, for the finding).
* ``compare(state, allowlist)`` - findings when the live rules differ from what the
  allowlist renders: a declared port that is not open, or a port open to anyone that is not
  declared. Extra source-restricted entries are not findings: the firewall role adds the
  management connection that way.
* ``verdict(item, state)`` - ``exposed`` (anyone), ``sources`` (only declared sources) or
  ``blocked`` for one listener or published item; ``unknown`` when the backend's live rules
  are not read.
* ``subtract(ranges, removed)`` - for first-match firewalls (ufw, firewalld's drop rich
  rules): what an allow still lets in after earlier drops.

Everything read comes from a managed host: the backends' parsers are defensive, never
raise on malformed input, and keep at most ``MAX_ENTRIES`` elements or rules.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.portwarden.hardening.plugins.module_utils._constants import PROTOCOLS

VERDICTS = ("exposed", "sources", "blocked", "unknown")
# The most set elements or rules a parser keeps from one listing.
MAX_ENTRIES = 100000


def empty_state(backend: str, rules_read: bool = False, absent: str = "none of them is there") -> dict:
    """The state before anything is read: nothing of ours loaded, every new connection accepted."""
    return {"backend": backend, "loaded": False, "policy": "accept", "open": {"tcp": [], "udp": []},
            "sources": {}, "forward": False, "accept_all": [], "foreign": [], "notes": [], "enabled": None,
            "rules_read": rules_read, "partial": False, "absent": absent}


def _in(ranges, port) -> bool:
    return any(low <= port <= high for low, high in ranges)


# Every port: what a rule without a port restriction opens.
ALL_PORTS = [(1, 65535)]


def subtract(ranges, removed) -> list:
    """The ports of ``ranges`` outside ``removed`` (for first-match firewalls: what a rule
    still allows after the earlier rules that drop some of its ports)."""
    left = []
    for low, high in ranges:
        pieces = [(low, high)]
        for cut_low, cut_high in removed:
            pieces = [piece for start, end in pieces for piece in
                      ((start, min(end, cut_low - 1)), (max(start, cut_high + 1), end)) if piece[0] <= piece[1]]
        left.extend(pieces)
    return left


# --- comparison and verdicts ---------------------------------------------------------------

def _declared(allowlist: list):
    """(open, sources) as the allowlist renders them: {proto: ranges}, {(proto, family): [(network, ranges)]}."""
    open_ports = {"tcp": [], "udp": []}
    sources = {}
    for entry in allowlist:
        proto = entry.get("proto")
        if proto not in open_ports:
            continue
        ranges = [tuple(pair) for pair in entry.get("ports") or []]
        if not entry.get("sources"):
            open_ports[proto].extend(ranges)
            continue
        listed = entry["sources"]
        if isinstance(listed, dict):  # the normalised shape: {ipv4: [...], ipv6: [...]}
            listed = [source for family in ("ipv4", "ipv6") for source in listed.get(family) or ()]
        if not listed:
            open_ports[proto].extend(ranges)
            continue
        for source in listed:
            try:
                network = ipaddress.ip_network(source, strict=False)
            except ValueError:
                continue
            sources.setdefault((proto, "ipv%d" % network.version), []).append((network, ranges))
    return open_ports, sources


def _covered(ranges, low, high) -> bool:
    """Is every port of low..high inside the union of ranges?"""
    port = low
    for start, end in sorted(ranges):
        if start <= port <= end:
            port = end + 1
            if port > high:
                return True
    return port > high


def _source_allowed(state_sources, proto, network, low, high, open_ranges) -> bool:
    if _covered(open_ranges, low, high):
        return True
    family = "ipv%d" % network.version
    for live_network, ranges in state_sources.get((proto, family), ()):
        if not isinstance(live_network, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
            return True  # an ipset: its members are not read, the port is source-restricted
        # nft 0.9.8 (Debian 11) lists an IPv6 prefix inside a concatenation with a wrong
        # length (2001:db8::/32 . 8081 shows as /64), so the declared network's first address
        # falling inside the listed one is taken as a match.
        if live_network.version == network.version and network.network_address in live_network:
            if _covered(ranges, low, high):
                return True
    return False


def compare(state: dict, allowlist: list) -> list:
    """Findings (text) where the live rules differ from what the allowlist renders."""
    declared_open, declared_sources = _declared(allowlist)
    differences = []
    for proto in PROTOCOLS:
        for low, high in declared_open[proto]:
            if not _covered(state["open"][proto], low, high):
                differences.append("%s/%s is declared open to anyone but the live firewall does not open it"
                                   % (_port_text(low, high), proto))
        for low, high in state["open"][proto]:
            if not _covered(declared_open[proto], low, high):
                differences.append("%s/%s is open to anyone in the live firewall but the allowlist does not say so"
                                   % (_port_text(low, high), proto))
    for (proto, _family), pairs in sorted(declared_sources.items(), key=lambda item: item[0]):
        for network, ranges in pairs:
            for low, high in ranges:
                if not _source_allowed(state["sources"], proto, network, low, high, state["open"][proto]):
                    differences.append("%s/%s from %s is declared but the live firewall does not allow it"
                                       % (_port_text(low, high), proto, network))
    return differences[:50]


def _port_text(low, high) -> str:
    return str(low) if low == high else "%d-%d" % (low, high)


def _families(item) -> list:
    if item.get("family") == "ipv6" and item.get("dual_stack"):
        return ["ipv4", "ipv6"]
    return [item.get("family")]


def verdict(item: dict, state: dict):
    """(verdict, reason) for one listener or published item under the live firewall state."""
    proto, port = item.get("protocol"), item.get("port")
    published = item.get("published") or {}
    forwarded = published.get("via") == "dnat"
    if state.get("enabled") is False:
        return "exposed", "the %s firewall is disabled" % state["backend"]
    if not state["rules_read"]:
        return "unknown", "the live rules of %s are not read%s" % (
            state["backend"], "" if state.get("enabled") is None else "; only whether it is enabled")
    if not state["loaded"]:
        return "exposed", "portwarden's firewall is not loaded"
    if forwarded and not state["forward"]:
        return "exposed", "published by DNAT: forwarded past the input chain, and forward filtering is off"
    families = _families(item)
    if not forwarded and any(entry["bypasses"] and entry["where"].split(" ")[0] in families
                             for entry in state["accept_all"]):
        return "exposed", "an earlier INPUT rule accepts everything before portwarden's chain"
    if state["policy"] != "drop":
        return "exposed", "portwarden's chain lets every new connection in (default policy accept)"
    if _in(state["open"].get(proto, ()), port):
        return "exposed", "open to anyone by the live firewall"
    foreign = [] if forwarded else [entry for entry in state.get("foreign", ())
                                    if entry["proto"] == proto and entry["family"] in families and _in(entry["ports"], port)]
    for entry in foreign:
        if entry["source"] is None:
            return "exposed", "accepted from anyone by a rule ahead of portwarden's: %s" % entry["rule"]
    for family in families:
        for _network, ranges in state["sources"].get((proto, family), ()):
            if _in(ranges, port):
                return "sources", "open to the declared sources only"
    if foreign:
        return "sources", "accepted from %s only, by a rule ahead of portwarden's: %s" % (
            foreign[0]["source"], foreign[0]["rule"])
    return "blocked", "listening, but the live firewall drops it" if not published else \
        "published, but the live firewall drops it"
