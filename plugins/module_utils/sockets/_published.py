# -*- coding: utf-8 -*-
# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Ports published by DNAT (Docker, Podman, CNI hostPort, Kubernetes NodePort): the ``published`` items.

A published port is exposure that no listening socket shows: the kernel rewrites the
destination in the nat PREROUTING hook and the connection is forwarded, never passing the
input hook (moby/moby#22054). Two readers follow every path from a nat prerouting chain to a
DNAT in the NAT rules the kernel really has, collecting the protocol, destination port and
address on the way: ``_published_iptables.from_iptables_save(text, family)`` (iptables-nft
and iptables-legacy alike) and ``_published_nft.from_nft_json(text)`` (native nftables
tables). Both return raw items (``raw_item``); ``published_items(raw, local_addresses)``
here keeps the ones aimed at this host and shapes them.

Everything read is hostile input: parsing is bounded (chain depth ``MAX_DEPTH``, item count
``MAX_ITEMS``) and a rule a reader does not understand is skipped, never an exception.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.portwarden.hardening.plugins.module_utils._constants import PROTOCOLS

# A published item, in key order.
ITEM_FIELDS = ("protocol", "family", "address", "port", "exposure", "target_address", "target_port", "targets",
               "source", "via", "container_name", "container_id")
# Limits on hostile input: chain nesting followed, and items kept.
MAX_DEPTH = 16
MAX_ITEMS = 4096
_ANY = {"ipv4": "0.0.0.0", "ipv6": "::"}


def _runtime(chains) -> str:
    """Which runtime made a path, from the chain and table names it passed through."""
    text = " ".join(chains).upper()
    for marker, name in (("KUBE", "kubernetes"), ("NETAVARK", "podman"), ("CNI-", "cni"), ("DOCKER", "docker")):
        if marker in text:
            return name
    return "other"


class NatPath:
    """Constraints collected along one path through the nat chains."""

    __slots__ = ("proto", "ports", "daddrs", "chains")

    def __init__(self, proto=None, ports=None, daddrs=None, chains=()):
        self.proto = proto          # "tcp", "udp" or None (any)
        self.ports = ports          # list of (low, high) or None (any)
        self.daddrs = daddrs        # list of address texts or None (any)
        self.chains = chains

    def narrow(self, proto=None, ports=None, daddrs=None):
        """The path with more constraints; None when they contradict (the rule cannot match here)."""
        if proto is not None and self.proto is not None and proto != self.proto:
            return None
        merged_ports = self.ports
        if ports is not None:
            if self.ports is None:
                merged_ports = ports
            else:
                merged_ports = [(max(a, c), min(b, d)) for a, b in self.ports for c, d in ports if max(a, c) <= min(b, d)]
                if not merged_ports:
                    return None
        merged_daddrs = self.daddrs
        if daddrs is not None:
            merged_daddrs = daddrs if self.daddrs is None else [a for a in self.daddrs if a in daddrs]
            if not merged_daddrs:
                return None
        return NatPath(proto if proto is not None else self.proto, merged_ports, merged_daddrs, self.chains)

    def into(self, chain):
        return NatPath(self.proto, self.ports, self.daddrs, self.chains + (chain,))


def raw_item(path: NatPath, family: str, target_address, target_port) -> dict:
    return {"protocol": path.proto, "family": family, "ports": path.ports, "daddrs": path.daddrs,
            "target_address": target_address, "target_port": target_port, "source": _runtime(path.chains)}


def single_address(text: str):
    """An address text without a /32 or /128 suffix; None for a network (not one address)."""
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    if network.num_addresses != 1:
        return None
    return str(network.network_address)


def family_of(address: str, families: list):
    try:
        version = ipaddress.ip_address(address).version
    except ValueError:
        return None
    family = "ipv4" if version == 4 else "ipv6"
    return family if family in families else None


def exposure_of(address: str) -> str:
    parsed = ipaddress.ip_address(address)
    if parsed.is_unspecified:
        return "wildcard"
    return "loopback" if parsed.is_loopback else "address"


def published_items(raw: list, local_addresses=None) -> list:
    """One item per (protocol, family, address, port) aimed at this host, sorted, capped at MAX_ITEMS.

    A path with no destination address is published on every address; one with addresses
    keeps only those in ``local_addresses`` (a Kubernetes ClusterIP is not this host's
    address, so service-to-service traffic is not exposure). A path without a protocol or a
    port (a whole-address DNAT) is left out: it is not a published port.
    """
    local = None if local_addresses is None else set(local_addresses)
    by_key, items = {}, []
    for entry in raw:
        if entry["protocol"] not in PROTOCOLS or not entry["ports"]:
            continue
        family = entry["family"]
        addresses = [_ANY[family]] if entry["daddrs"] is None else [
            address for address in entry["daddrs"]
            if family_of(address, [family]) and (local is None or address in local or ipaddress.ip_address(address).is_loopback)]
        for address in addresses:
            for low, high in entry["ports"]:
                for port in range(low, high + 1):
                    target_port = entry["target_port"] if entry["target_port"] else port
                    target = ("[%s]:%d" if ":" in entry["target_address"] else "%s:%d") % (entry["target_address"], target_port)
                    key = (entry["protocol"], family, address, port)
                    if key in by_key:
                        # A load-balanced port (a NodePort with several endpoints) is one exposure.
                        if target not in by_key[key]["targets"]:
                            by_key[key]["targets"].append(target)
                        continue
                    if len(items) >= MAX_ITEMS:
                        return sort_items(items)
                    by_key[key] = {"protocol": entry["protocol"], "family": family, "address": address, "port": port,
                                   "exposure": exposure_of(address), "target_address": entry["target_address"],
                                   "target_port": target_port, "targets": [target], "source": entry["source"],
                                   "via": "dnat", "container_name": None, "container_id": None}
                    items.append(by_key[key])
    return sort_items(items)


def sort_items(items: list) -> list:
    return sorted(items, key=lambda item: (item["protocol"], item["port"], item["family"], item["address"],
                                           item["target_address"] or "", item["target_port"] or 0))
