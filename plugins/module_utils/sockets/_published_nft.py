# -*- coding: utf-8 -*-
# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Published ports from ``nft -j list ruleset``: native nat tables (kube-proxy's nftables mode, netavark).

Every base chain of type nat on the prerouting hook is walked, through jumps, gotos and
verdict maps. iptables-nft's translated rules (``xt`` expressions) are skipped: their DNAT
is read from iptables-save (``_published_iptables``). See ``_published`` for the items and
the limits on hostile input.
"""

from __future__ import annotations

import ipaddress
import json

from ansible_collections.portwarden.hardening.plugins.module_utils._constants import PROTOCOLS
from ansible_collections.portwarden.hardening.plugins.module_utils.sockets._published import (
    MAX_DEPTH,
    MAX_ITEMS,
    NatPath,
    family_of,
    raw_item,
    single_address,
)


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
        addresses = [single_address(item) for item in right["set"] if isinstance(item, str)]
        return [address for address in addresses if address] or None
    if isinstance(right, str) and single_address(right):
        return [single_address(right)]
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
            _nft_walk(table, base, NatPath(chains=(_table_name, base)), 0, families, found)
    return found


def _nft_walk(table: dict, chain: str, path: NatPath, depth: int, families: list, found: list):
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
                family = family_of(dnat["addr"], families)
                port = dnat.get("port") if isinstance(dnat.get("port"), int) and 0 < dnat.get("port") <= 65535 else None
                if family:
                    found.append(raw_item(path, family, str(ipaddress.ip_address(dnat["addr"])), port))
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
