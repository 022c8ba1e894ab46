# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Rule shapes the controller renders and the host backends read back: no host-side code.

The firewall filters (``plugins/filter/firewall.py``) run on the controller and only need
to know how a port list is split and spelled for iptables and ufw; the backends
(``_fw_iptables``, ``_fw_ufw``) parse and apply the same shapes on the host. Both import
them from here, so a filter never imports apply code and each shape has one owner.
"""

from __future__ import annotations

from ansible_collections.portwarden.hardening.plugins.module_utils._constants import FAMILIES, PROTOCOLS
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist import _port_ranges

# iptables' multiport match takes at most 15 ports, a range counting as two; ufw hands a
# port list to the same match, so the limit holds for both.
MULTIPORT_MAX = 15
# Every ipset of ours starts with this (the iptables backend refuses any other name).
SET_PREFIX = "portwarden-"
# The comment that marks a ufw rule as ours (the ufw backend never touches another rule).
UFW_TAG = "portwarden"


port_spec = _port_ranges.port_spec


def source_elements(model: dict, proto: str, family: str) -> list:
    """Flat, disjoint (source, [lo, hi]) pairs of one protocol and family of the model."""
    return [
        (item["source"], port_range)
        for item in model[proto]["sources"][family]
        for port_range in item["ports"]
    ]


def nft_set_element(port_range) -> str:
    """[22, 22] -> "22", [8000, 8100] -> "8000-8100": one element of an nftables port set."""
    low, high = port_range
    return str(low) if low == high else "%d-%d" % (low, high)


def nft_source_set_element(source, port_range) -> str:
    """("192.0.2.0/24", [5432, 5432]) -> "192.0.2.0/24 . 5432": one element of an nftables source set."""
    return "%s . %s" % (source, nft_set_element(port_range))


def nft_view(model) -> dict:
    """The nftables sets' elements: {proto: {"ports": [...], "sources": {family: [...]}}}."""
    view = {}
    for proto in PROTOCOLS:
        sources = {family: [nft_source_set_element(*pair) for pair in source_elements(model, proto, family)]
                   for family in FAMILIES}
        view[proto] = {"ports": [nft_set_element(port_range) for port_range in model[proto]["any"]], "sources": sources}
    return view


# A template's view of the model (``__portwarden_firewall_view``, chosen by ``view`` in the
# role's backend table): parts of the model already written in the backend's syntax, in
# Python, for templates that would otherwise format thousands of elements in Jinja from a
# model that ansible-core templates element by element (0.6 s at 10,000 entries for
# nftables). A template gives the same text without its view (the role_template lookup
# hands it none), through the filters that use the same functions.
VIEWS = {"nftables": nft_view}


def iptables_plan(model, family, ipset_min_sources=0) -> dict:
    """iptables rules and sets for one family.

    ``ipset_min_sources``: a source group (sources that share the same ports) with at
    least this many networks goes into an ipset; 0 disables ipsets.
    """
    suffix = "4" if family == "ipv4" else "6"
    rules, sets = [], []
    for proto in PROTOCOLS:
        for chunk in _port_ranges.multiport_chunks(model[proto]["any"], MULTIPORT_MAX):
            rules.append({"proto": proto, "dports": port_spec(chunk), "source": None, "set": None})
        for group in model[proto]["groups"][family]:
            specs = [port_spec(chunk) for chunk in _port_ranges.multiport_chunks(group["ports"], MULTIPORT_MAX)]
            if ipset_min_sources and len(group["sources"]) >= ipset_min_sources:
                name = "%s%s%s-%d" % (SET_PREFIX, proto, suffix, len([s for s in sets if s["proto"] == proto]))
                sets.append({
                    "name": name,
                    "proto": proto,
                    "family": "inet" if family == "ipv4" else "inet6",
                    "members": list(group["sources"]),
                })
                rules.extend({"proto": proto, "dports": spec, "source": None, "set": name} for spec in specs)
                continue
            for source in group["sources"]:
                rules.extend({"proto": proto, "dports": spec, "source": source, "set": None} for spec in specs)
    return {"rules": rules, "sets": sets}


def ufw_rule(proto, ports, source) -> str:
    """One ufw rule of ours (without the leading ``ufw``), tagged with our comment."""
    spec = port_spec(ports)
    if source is None:
        return "allow %s/%s comment '%s'" % (spec, proto, UFW_TAG)
    return "allow from %s to any port %s proto %s comment '%s'" % (source, spec, proto, UFW_TAG)
