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

from ansible_collections.portwarden.hardening.plugins.module_utils._constants import PROTOCOLS
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist import _port_ranges

# iptables' multiport match takes at most 15 ports, a range counting as two; ufw hands a
# port list to the same match, so the limit holds for both.
MULTIPORT_MAX = 15
# Every ipset of ours starts with this (the iptables backend refuses any other name).
SET_PREFIX = "portwarden-"
# The comment that marks a ufw rule as ours (the ufw backend never touches another rule).
UFW_TAG = "portwarden"


port_spec = _port_ranges.port_spec


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
