# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters the firewall role's templates use; thin wrappers over module_utils."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.portwarden.hardening.plugins.module_utils._constants import PROTOCOLS
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist import AllowlistError, ensure_allowlist
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._port_ranges import multiport_chunks
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._firewall_model import (
    FirewallModelError,
    build_model,
)
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_rules import (
    MULTIPORT_MAX,
    iptables_plan as plan,
    nft_set_element,
    nft_source_set_element,
    port_spec as _port_spec,
    source_elements,
    ufw_rule as render_rule,
)


def _normalised(entries, what):
    """Entries as the model wants them: raw or normalised, every one is checked (ensure_allowlist)."""
    if entries is None:
        return []
    try:
        return ensure_allowlist(entries, var_name=what)
    except AllowlistError as error:
        raise AnsibleFilterError(str(error)) from None


def firewall_model(entries, extra_entries=None):
    try:
        return build_model(
            _normalised(entries, "portwarden_allowlist"),
            _normalised(extra_entries, "extra firewall entries"),
        )
    except FirewallModelError as error:
        raise AnsibleFilterError(str(error)) from None


def _check_ranges(ranges, what):
    if not isinstance(ranges, list) or not all(
        isinstance(r, (list, tuple)) and len(r) == 2 and all(isinstance(x, int) for x in r) for r in ranges
    ):
        raise AnsibleFilterError("%s expects merged [lo, hi] port ranges from portwarden.hardening.firewall_model" % what)
    return ranges


def nft_elements(ranges):
    """[[22, 22], [8000, 8100]] -> ["22", "8000-8100"]: nft set elements, one per item."""
    return [nft_set_element(port_range) for port_range in _check_ranges(ranges, "nft_elements")]


def nft_source_elements(model, proto, family):
    """Concatenated (source . port) elements of one protocol and family: ["192.0.2.0/24 . 5432", ...]."""
    try:
        pairs = source_elements(model, proto, family)
    except (KeyError, TypeError):
        raise AnsibleFilterError("nft_source_elements expects the model, 'tcp'|'udp' and 'ipv4'|'ipv6'") from None
    _check_ranges([port_range for _source, port_range in pairs], "nft_source_elements")
    return [nft_source_set_element(source, port_range) for source, port_range in pairs]


def port_spec(ranges, range_sep=":"):
    """[[22, 22], [8000, 8100]] -> "22,8000:8100" (iptables, ufw) or with range_sep="-" (firewalld)."""
    return _port_spec(_check_ranges(ranges, "port_spec"), range_sep=range_sep)


def port_chunks(ranges, limit=MULTIPORT_MAX):
    """Split ranges into groups of at most ``limit`` ports (a range counts two), multiport's limit."""
    return multiport_chunks(_check_ranges(ranges, "port_chunks"), limit)


def iptables_plan(model, family, ipset_min_sources=0):
    """Rules (and ipsets) of one family for the iptables templates."""
    if family not in ("ipv4", "ipv6"):
        raise AnsibleFilterError("iptables_plan: family must be 'ipv4' or 'ipv6', got %r" % (family,))
    return plan(model, family, ipset_min_sources=int(ipset_min_sources or 0))


def ufw_rules(model):
    """The ufw rule lines (without the leading 'ufw') for the model."""
    lines = []
    for proto in PROTOCOLS:
        for chunk in multiport_chunks(model[proto]["any"], MULTIPORT_MAX):
            lines.append(render_rule(proto, chunk, None))
        for family in ("ipv4", "ipv6"):
            for group in model[proto]["groups"][family]:
                for chunk in multiport_chunks(group["ports"], MULTIPORT_MAX):
                    lines.extend(render_rule(proto, chunk, source) for source in group["sources"])
    return lines


class FilterModule:
    def filters(self):
        return {
            "firewall_model": firewall_model,
            "nft_elements": nft_elements,
            "nft_source_elements": nft_source_elements,
            "port_spec": port_spec,
            "port_chunks": port_chunks,
            "iptables_plan": iptables_plan,
            "ufw_rules": ufw_rules,
        }
