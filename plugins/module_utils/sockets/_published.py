# -*- coding: utf-8 -*-
# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Ports published by DNAT (Docker, Podman, CNI hostPort, Kubernetes NodePort): the ``published`` items.

A published port is exposure that no listening socket shows: the kernel rewrites the
destination in the nat PREROUTING hook and the connection is forwarded, never passing the
input hook (moby/moby#22054). This file reads the NAT rules the kernel really has -
``iptables-save -t nat`` text (iptables-nft and iptables-legacy alike) and ``nft -j list
ruleset`` JSON for native nftables tables - and follows every path from a nat prerouting
chain to a DNAT, collecting the protocol, destination port and address on the way.

Contract: ``from_iptables_save(text, family)`` and ``from_nft_json(text)`` return raw items;
``published_items(raw, local_addresses)`` keeps the ones aimed at this host and shapes them.
Everything read here is hostile input: parsing is bounded (chain depth, item count) and a
rule it does not understand is skipped, never an exception.
"""

from __future__ import annotations

import ipaddress
import json
import shlex

from ansible_collections.portwarden.hardening.plugins.module_utils._constants import PROTOCOLS
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._port_ranges import parse_port_list

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


class _Path:
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
        return _Path(proto if proto is not None else self.proto, merged_ports, merged_daddrs, self.chains)

    def into(self, chain):
        return _Path(self.proto, self.ports, self.daddrs, self.chains + (chain,))


def _raw(path: _Path, family: str, target_address, target_port) -> dict:
    return {"protocol": path.proto, "family": family, "ports": path.ports, "daddrs": path.daddrs,
            "target_address": target_address, "target_port": target_port, "source": _runtime(path.chains)}


# --- iptables-save text -------------------------------------------------------------------

def _address(text: str):
    """An address text without a /32 or /128 suffix; None for a network (not one address)."""
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    if network.num_addresses != 1:
        return None
    return str(network.network_address)


def _destination(text: str):
    """(address, port) from DNAT's --to-destination (``a.b.c.d[-e.f.g.h][:p[-q]]``, ``[v6]:p``, ``v6``)."""
    port = None
    if text.startswith("["):
        address, _sep, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else None
    elif text.count(":") == 1:
        address, _sep, port = text.partition(":")
    else:
        address = text
    try:
        address = str(ipaddress.ip_address(address.split("-")[0]))
    except ValueError:
        return None, None
    try:
        port = int(port.split("-")[0]) if port else None
    except ValueError:
        port = None
    return address, port if port and 0 < port <= 65535 else None


_PORT_OPTIONS = ("--dport", "--destination-port", "--dports", "--destination-ports")


def _iptables_rule(tokens: list) -> dict:
    rule = {"proto": None, "ports": None, "daddrs": None, "target": None, "to": None}
    index, negate = 0, False
    while index < len(tokens):
        token = tokens[index]
        value = tokens[index + 1] if index + 1 < len(tokens) else ""
        if token == "!":
            negate = True
            index += 1
            continue
        if token in ("-p", "--protocol"):
            rule["proto"] = None if negate else (value if value in PROTOCOLS else "other")
        elif token in _PORT_OPTIONS:
            rule["ports"] = None if negate else parse_port_list(value)
        elif token in ("-d", "--destination"):
            rule["daddrs"] = None if negate or not _address(value) else [_address(value)]
        elif token in ("-j", "--jump", "-g", "--goto"):
            rule["target"] = value
        elif token == "--to-destination":
            rule["to"] = value
        negate = False
        # An option takes the next token as its value unless that is another option.
        index += 2 if token.startswith("-") and value and not value.startswith("-") else 1
    return rule


def from_iptables_save(text: str, family: str) -> list:
    """Raw published items from ``iptables-save``/``ip6tables-save`` output (only its nat table is read)."""
    chains, table = {}, None
    for line in (text or "").splitlines():
        line = line.strip()
        if line.startswith("*"):
            table = line[1:]
        elif table == "nat" and line.startswith("-A "):
            try:
                tokens = shlex.split(line)
            except ValueError:
                continue
            if len(tokens) > 2:
                chains.setdefault(tokens[1], []).append(_iptables_rule(tokens[2:]))
    found = []

    def walk(chain: str, path: _Path, depth: int):
        if depth > MAX_DEPTH or len(found) >= MAX_ITEMS:
            return
        for rule in chains.get(chain, ()):
            if rule["proto"] == "other":
                continue
            narrowed = path.narrow(rule["proto"], rule["ports"], rule["daddrs"])
            if narrowed is None:
                continue
            if rule["target"] == "DNAT" and rule["to"]:
                address, port = _destination(rule["to"])
                if address is not None:
                    found.append(_raw(narrowed, family, address, port))
            elif rule["target"] in chains and rule["target"] not in path.chains:
                walk(rule["target"], narrowed.into(rule["target"]), depth + 1)

    walk("PREROUTING", _Path(chains=("PREROUTING",)), 0)
    return found


# --- nft -j list ruleset --------------------------------------------------------------------

def _nft_ports(right, sets: dict):
    if isinstance(right, bool):
        return None
    if isinstance(right, int):
        return [(right, right)] if 0 < right <= 65535 else None
    if isinstance(right, dict) and "range" in right:
        low, high = (right["range"] + [None, None])[:2]
        return [(low, high)] if isinstance(low, int) and isinstance(high, int) and 0 < low <= high <= 65535 else None
    if isinstance(right, dict) and "set" in right:
        elements = right["set"]
    elif isinstance(right, str) and right.startswith("@"):
        elements = sets.get(right[1:], [])
    else:
        return None
    ranges = []
    for element in elements if isinstance(elements, list) else ():
        ranges.extend(_nft_ports(element, sets) or [])
    return ranges or None


def _nft_addresses(right, sets: dict):
    if isinstance(right, str) and right.startswith("@"):
        right = {"set": sets.get(right[1:], [])}
    if isinstance(right, dict) and isinstance(right.get("set"), list):
        addresses = [_address(item) for item in right["set"] if isinstance(item, str)]
        return [address for address in addresses if address] or None
    if isinstance(right, str) and _address(right):
        return [_address(right)]
    return None


def _nft_key(left):
    """What a match or map key compares: 'proto', 'port', 'daddr' or None."""
    if not isinstance(left, dict):
        return None
    payload = left.get("payload")
    if isinstance(payload, dict):
        if payload.get("field") == "dport" and payload.get("protocol") in ("tcp", "udp", "th"):
            return "port:" + payload["protocol"]
        if payload.get("field") == "daddr" and payload.get("protocol") in ("ip", "ip6"):
            return "daddr"
    meta = left.get("meta")
    if isinstance(meta, dict) and meta.get("key") == "l4proto":
        return "proto"
    return None


def _constraint(key: str, right, sets: dict):
    """(proto, ports, daddrs) for one compared value; False when it cannot be used."""
    if key == "proto":
        return (right, None, None) if right in PROTOCOLS else False
    if key.startswith("port:"):
        proto = key[5:] if key[5:] in PROTOCOLS else None
        ports = _nft_ports(right, sets)
        return (proto, ports, None) if ports else False
    if key == "daddr":
        daddrs = _nft_addresses(right, sets)
        return (None, None, daddrs) if daddrs else False
    return False


def _verdict_target(verdict):
    if isinstance(verdict, dict):
        for kind in ("jump", "goto"):
            if isinstance(verdict.get(kind), dict) and isinstance(verdict[kind].get("target"), str):
                return verdict[kind]["target"]
    return None


def from_nft_json(text: str) -> list:
    """Raw published items from ``nft -j list ruleset`` (native nat rules; iptables-nft's ``xt`` rules are skipped)."""
    try:
        document = json.loads(text or "{}")
    except ValueError:
        return []
    objects = document.get("nftables") if isinstance(document, dict) else None
    if not isinstance(objects, list):
        return []
    tables = {}
    for obj in objects:
        if not isinstance(obj, dict) or len(obj) != 1:
            continue
        kind, body = next(iter(obj.items()))
        if not isinstance(body, dict) or not isinstance(body.get("table"), str):
            continue
        table = tables.setdefault((body.get("family"), body["table"]), {"chains": {}, "sets": {}, "maps": {}, "bases": []})
        if kind == "chain" and isinstance(body.get("name"), str):
            table["chains"].setdefault(body["name"], [])
            if body.get("type") == "nat" and body.get("hook") == "prerouting":
                table["bases"].append(body["name"])
        elif kind == "rule" and isinstance(body.get("chain"), str) and isinstance(body.get("expr"), list):
            table["chains"].setdefault(body["chain"], []).append(body["expr"])
        elif kind in ("set", "map") and isinstance(body.get("name"), str):
            table["sets" if kind == "set" else "maps"][body["name"]] = body.get("elem") if isinstance(body.get("elem"), list) else []
    found = []
    for (family_name, _table_name), table in tables.items():
        families = {"ip": ["ipv4"], "ip6": ["ipv6"], "inet": ["ipv4", "ipv6"]}.get(family_name, [])
        for base in table["bases"]:
            _nft_walk(table, base, _Path(chains=(_table_name, base)), 0, families, found)
    return found


def _family_of(address: str, families: list):
    try:
        version = ipaddress.ip_address(address).version
    except ValueError:
        return None
    family = "ipv4" if version == 4 else "ipv6"
    return family if family in families else None


def _nft_walk(table: dict, chain: str, path: _Path, depth: int, families: list, found: list):
    if depth > MAX_DEPTH or len(found) >= MAX_ITEMS:
        return
    for expressions in table["chains"].get(chain, ()):
        if any(isinstance(expression, dict) and "xt" in expression for expression in expressions):
            continue  # iptables-nft's translation; its DNAT is read from iptables-save
        _nft_rule(table, expressions, path, depth, families, found)


def _nft_rule(table, expressions, path, depth, families, found):
    sets = table["sets"]
    for expression in expressions:
        if not isinstance(expression, dict):
            return
        if "match" in expression:
            match = expression["match"]
            if not isinstance(match, dict) or match.get("op") not in ("==", "in"):
                continue  # a negation or a comparison we do not model: stay broad
            key = _nft_key(match.get("left"))
            if key is None:
                continue
            constraint = _constraint(key, match.get("right"), sets)
            if constraint is False:
                continue
            path = path.narrow(*constraint)
            if path is None:
                return
        elif "dnat" in expression:
            dnat = expression["dnat"]
            if isinstance(dnat, dict) and isinstance(dnat.get("addr"), str):
                family = _family_of(dnat["addr"], families)
                port = dnat.get("port") if isinstance(dnat.get("port"), int) and 0 < dnat.get("port") <= 65535 else None
                if family:
                    found.append(_raw(path, family, str(ipaddress.ip_address(dnat["addr"])), port))
            return
        elif "vmap" in expression:
            _nft_vmap(table, expression["vmap"], path, depth, families, found)
            return
        elif _verdict_target(expression):
            target = _verdict_target(expression)
            if target not in path.chains:
                _nft_walk(table, target, path.into(target), depth + 1, families, found)
            if "goto" in expression:
                return
        elif any(verdict in expression for verdict in ("accept", "drop", "return", "reject")):
            return


def _nft_vmap(table, vmap, path, depth, families, found):
    if not isinstance(vmap, dict):
        return
    key, data = vmap.get("key"), vmap.get("data")
    parts = key["concat"] if isinstance(key, dict) and isinstance(key.get("concat"), list) else [key]
    keys = [_nft_key(part) for part in parts]
    if isinstance(data, str) and data.startswith("@"):
        elements = table["maps"].get(data[1:], [])
    elif isinstance(data, dict) and isinstance(data.get("set"), list):
        elements = data["set"]
    else:
        return
    for element in elements:
        if not isinstance(element, list) or len(element) != 2:
            continue
        values, verdict = element
        values = values["concat"] if isinstance(values, dict) and isinstance(values.get("concat"), list) else [values]
        branch = path
        for name, value in zip(keys, values):
            if name is None or branch is None:
                continue
            constraint = _constraint(name, value, table["sets"])
            if constraint is not False:
                branch = branch.narrow(*constraint)
        target = _verdict_target(verdict)
        if branch is not None and target and target not in branch.chains:
            _nft_walk(table, target, branch.into(target), depth + 1, families, found)


# --- shaping ----------------------------------------------------------------------------------

def _exposure(address: str) -> str:
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
            if _family_of(address, [family]) and (local is None or address in local or ipaddress.ip_address(address).is_loopback)]
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
                                   "exposure": _exposure(address), "target_address": entry["target_address"],
                                   "target_port": target_port, "targets": [target], "source": entry["source"],
                                   "via": "dnat", "container_name": None, "container_id": None}
                    items.append(by_key[key])
    return sort_items(items)


def sort_items(items: list) -> list:
    return sorted(items, key=lambda item: (item["protocol"], item["port"], item["family"], item["address"],
                                           item["target_address"] or "", item["target_port"] or 0))
