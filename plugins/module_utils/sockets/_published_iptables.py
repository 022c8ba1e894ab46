# -*- coding: utf-8 -*-
# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Published ports from ``iptables-save``/``ip6tables-save`` text: its nat table, walked from PREROUTING.

iptables-nft and iptables-legacy print the same text. See ``_published`` for the items and
the limits on hostile input.
"""

from __future__ import annotations

import ipaddress
import shlex

from ansible_collections.portwarden.hardening.plugins.module_utils._constants import PROTOCOLS
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._port_ranges import parse_port_list
from ansible_collections.portwarden.hardening.plugins.module_utils.sockets._published import (
    MAX_DEPTH,
    MAX_ITEMS,
    NatPath,
    raw_item,
    single_address,
)


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
            rule["daddrs"] = None if negate or not single_address(value) else [single_address(value)]
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

    def walk(chain: str, path: NatPath, depth: int):
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
                    found.append(raw_item(narrowed, family, address, port))
            elif rule["target"] in chains and rule["target"] not in path.chains:
                walk(rule["target"], narrowed.into(rule["target"]), depth + 1)

    walk("PREROUTING", NatPath(chains=("PREROUTING",)), 0)
    return found
