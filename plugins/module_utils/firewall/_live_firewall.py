# -*- coding: utf-8 -*-
# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""The firewall a host really enforces, read back from the kernel, and what it means for each exposure.

Contract:

* ``nftables_state(json_text)`` and ``iptables_state(save_v4, save_v6)`` turn the live
  rules (``nft -j list ruleset``; ``iptables-save``/``ip6tables-save`` of the filter table)
  into one shape: ``loaded``, ``policy`` (``drop`` or ``accept``: what happens to a new
  connection no rule allows), ``open`` (``{proto: [(low, high)]}``, allowed from anyone),
  ``sources`` (``{(proto, family): [(network, [(low, high)])]}``), ``forward`` (whether
  published ports are filtered) and ``accept_all`` (foreign rules that accept everything
  before our chain).
* ``accept_all_before(save_text)`` - rules in INPUT ahead of the jump to our chain that
  accept every packet (issue: an earlier blanket ACCEPT makes our chain ineffective).
* ``compare(state, allowlist)`` - findings when the live rules differ from what the
  allowlist renders: a declared port that is not open, or a port open to anyone that is not
  declared. Extra source-restricted entries are not findings: the firewall role adds the
  management connection that way.
* ``verdict(item, state)`` - ``exposed`` (anyone), ``sources`` (only declared sources) or
  ``blocked`` for one listener or published item; ``unknown`` when the backend's live rules
  are not read.

Everything read here comes from a managed host: parsing is defensive, never raises on
malformed input, and caps what it keeps.
"""

from __future__ import annotations

import ipaddress
import json
import shlex

TABLE = "portwarden"
CHAIN = "PORTWARDEN-INPUT"
FORWARD_CHAIN = "PORTWARDEN-FORWARD"
FORWARD_HOOK = "DOCKER-USER"
VERDICTS = ("exposed", "sources", "blocked", "unknown")
_MAX_ENTRIES = 100000
# Matches that leave a rule accepting every packet (of a protocol, on an interface).
_BROAD_OPTIONS = ("-p", "--protocol", "-i", "--in-interface", "-m", "--match", "--comment", "-c", "--set-counters")


def empty_state(backend: str) -> dict:
    return {"backend": backend, "loaded": False, "policy": "accept", "open": {"tcp": [], "udp": []},
            "sources": {}, "forward": False, "accept_all": [], "enabled": None}


def _in(ranges, port) -> bool:
    return any(low <= port <= high for low, high in ranges)


# --- nftables -----------------------------------------------------------------------------

def _elements(elem, depth=0):
    """Set elements as Python values: ints, (low, high) ranges, networks, concatenations (tuples)."""
    values = []
    for value in elem if isinstance(elem, list) else ():
        if isinstance(value, dict) and "elem" in value and isinstance(value["elem"], dict):
            value = value["elem"].get("val")
        parsed = _element(value, depth)
        if parsed is not None:
            values.append(parsed)
        if len(values) >= _MAX_ENTRIES:
            break
    return values


def _element(value, depth=0):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return (value, value) if 0 <= value <= 65535 else None
    if isinstance(value, str):
        try:
            return ipaddress.ip_network(value, strict=False)
        except ValueError:
            return None
    if isinstance(value, dict):
        if "range" in value and isinstance(value["range"], list) and len(value["range"]) == 2:
            low, high = value["range"]
            if isinstance(low, int) and isinstance(high, int):
                return (low, high)
            try:
                return ipaddress.summarize_address_range(ipaddress.ip_address(low), ipaddress.ip_address(high)).__next__()
            except (ValueError, TypeError, StopIteration):
                return None
        if "prefix" in value and isinstance(value["prefix"], dict):
            try:
                return ipaddress.ip_network("%s/%s" % (value["prefix"].get("addr"), value["prefix"].get("len")),
                                            strict=False)
            except ValueError:
                return None
        if "concat" in value and isinstance(value["concat"], list) and depth == 0:
            parts = tuple(_element(part, 1) for part in value["concat"])
            return parts if len(parts) == 2 and all(part is not None for part in parts) else None
    return None


def _is_accept_all(expressions) -> bool:
    """A rule with no match at all whose verdict is accept."""
    if not isinstance(expressions, list):
        return False
    kinds = [next(iter(expression)) for expression in expressions if isinstance(expression, dict) and expression]
    return bool(kinds) and kinds[-1] == "accept" and all(kind in ("counter", "accept", "log") for kind in kinds)


def nftables_state(text: str) -> dict:
    """Our ``inet portwarden`` table from ``nft -j list ruleset``, and foreign input chains that accept everything."""
    state = empty_state("nftables")
    try:
        document = json.loads(text or "{}")
    except ValueError:
        return state
    objects = document.get("nftables") if isinstance(document, dict) else None
    chains, rules = {}, []
    for obj in objects if isinstance(objects, list) else ():
        if not isinstance(obj, dict) or len(obj) != 1:
            continue
        kind, body = next(iter(obj.items()))
        if not isinstance(body, dict):
            continue
        ours = body.get("family") == "inet" and body.get("table") == TABLE
        if kind == "table" and body.get("family") == "inet" and body.get("name") == TABLE:
            state["loaded"] = True
        elif kind == "chain" and isinstance(body.get("name"), str):
            chains[(body.get("family"), body.get("table"), body["name"])] = body
            if ours and body["name"] == "input":
                state["policy"] = "drop" if body.get("policy") == "drop" else "accept"
            if ours and body["name"] == "forward" and body.get("hook") == "forward":
                state["forward"] = True
        elif kind == "set" and ours and isinstance(body.get("name"), str):
            _nft_set(state, body["name"], _elements(body.get("elem")))
        elif kind == "rule" and not ours:
            rules.append(body)
    for body in rules:
        chain = chains.get((body.get("family"), body.get("table"), body.get("chain")))
        if chain and chain.get("hook") == "input" and chain.get("type") == "filter" and _is_accept_all(body.get("expr")):
            state["accept_all"].append({
                "where": "%s %s %s" % (body.get("family"), body.get("table"), body.get("chain")),
                "rule": "accept", "priority": chain.get("prio"),
                # An accept ends only its own base chain: the packet still meets ours.
                "bypasses": False,
            })
    if state["loaded"] and not any(name == "input" for (family, table, name) in chains if family == "inet" and table == TABLE):
        state["policy"] = "accept"
    return state


def _nft_set(state: dict, name: str, elements: list) -> None:
    proto, _sep, rest = name.partition("_")
    if proto not in ("tcp", "udp"):
        return
    if rest == "ports":
        state["open"][proto] = [element for element in elements if isinstance(element, tuple)
                                and all(isinstance(part, int) for part in element)]
    elif rest in ("sources_ipv4", "sources_ipv6"):
        family = rest.split("_")[1]
        state["sources"][(proto, family)] = [
            (element[0], [element[1]]) for element in elements
            if isinstance(element, tuple) and len(element) == 2 and isinstance(element[1], tuple)
            and not isinstance(element[0], tuple)]


# --- iptables -----------------------------------------------------------------------------

def _tokens(line: str):
    try:
        return shlex.split(line)
    except ValueError:
        return None


def _filter_rules(text: str) -> list:
    """(chain, tokens) of every rule of the filter table, in order."""
    rules, table = [], None
    for line in (text or "").splitlines():
        line = line.strip()
        if line.startswith("*"):
            table = line[1:]
        elif table == "filter" and line.startswith("-A "):
            tokens = _tokens(line)
            if tokens and len(tokens) > 2:
                rules.append((tokens[1], tokens[2:]))
        if len(rules) >= _MAX_ENTRIES:
            break
    return rules


def _option(tokens: list, names) -> str:
    for index, token in enumerate(tokens[:-1]):
        if token in names and (index == 0 or tokens[index - 1] != "!"):
            return tokens[index + 1]
    return None


def _accepts_everything(tokens: list) -> bool:
    if _option(tokens, ("-j", "--jump")) != "ACCEPT":
        return False
    if _option(tokens, ("-i", "--in-interface")) == "lo" or "!" in tokens:
        return False
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token in ("-j", "--jump"):
            index += 2
            continue
        if token not in _BROAD_OPTIONS:
            return False
        if token in ("-m", "--match") and tokens[index + 1:index + 2] not in (["comment"], ["tcp"], ["udp"]):
            return False
        index += 2
    return True


def accept_all_before(text: str, chain: str = CHAIN) -> list:
    """INPUT rules ahead of the jump to ``chain`` (or in all of INPUT when there is none) that accept everything."""
    found = []
    for rule_chain, tokens in _filter_rules(text):
        if rule_chain != "INPUT":
            continue
        if _option(tokens, ("-j", "--jump")) == chain:
            break
        if _accepts_everything(tokens):
            found.append("-A INPUT " + " ".join(shlex.quote(token) for token in tokens))
    return found


def _ranges(text: str) -> list:
    ranges = []
    for part in (text or "").split(","):
        low, _sep, high = part.partition(":")
        try:
            low_port, high_port = int(low), int(high or low)
        except ValueError:
            continue
        if 0 <= low_port <= high_port <= 65535:
            ranges.append((low_port, high_port))
    return ranges


def iptables_state(save_v4: str, save_v6: str) -> dict:
    """Our PORTWARDEN-INPUT/-FORWARD chains from iptables-save and ip6tables-save (filter table)."""
    state = empty_state("iptables")
    state["families"] = {}
    forward_jumps = []
    for family, text in (("ipv4", save_v4), ("ipv6", save_v6)):
        rules = _filter_rules(text)
        declared = any(line.strip().startswith(":%s " % CHAIN) for line in (text or "").splitlines())
        jumped = any(chain == "INPUT" and _option(tokens, ("-j", "--jump")) == CHAIN for chain, tokens in rules)
        ours = [tokens for chain, tokens in rules if chain == CHAIN]
        policy = "drop" if ours and _option(ours[-1], ("-j", "--jump")) in ("DROP", "REJECT") else "accept"
        state["families"][family] = {"declared": declared, "jumped": jumped, "policy": policy}
        forward_jumps.append(any(chain == FORWARD_HOOK and _option(tokens, ("-j", "--jump")) == FORWARD_CHAIN
                                 for chain, tokens in rules)
                             and any(chain == FORWARD_CHAIN for chain, tokens in rules))
        for item in accept_all_before(text):
            state["accept_all"].append({"where": "%s INPUT" % family, "rule": item, "bypasses": True})
        for tokens in ours:
            if _option(tokens, ("-j", "--jump")) != "ACCEPT":
                continue
            proto = _option(tokens, ("-p", "--protocol"))
            ports = _ranges(_option(tokens, ("--dports", "--destination-ports", "--dport", "--destination-port")))
            if proto not in ("tcp", "udp") or not ports:
                continue
            source = _option(tokens, ("-s", "--source"))
            match_set = _option(tokens, ("--match-set",))
            if source is None and match_set is None:
                state["open"][proto] = sorted(set(state["open"][proto]) | set(ports))
                continue
            try:
                network = ipaddress.ip_network(source, strict=False) if source else None
            except ValueError:
                continue
            # An ipset's members are not read: the rule still proves the port is source-restricted.
            state["sources"].setdefault((proto, family), []).append((network if network else match_set, ports))
    families = state["families"].values()
    state["loaded"] = all(family["declared"] and family["jumped"] for family in families)
    state["policy"] = "drop" if all(family["policy"] == "drop" for family in families) else "accept"
    state["forward"] = all(forward_jumps)
    return state


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
    for proto in ("tcp", "udp"):
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
    if state["backend"] in ("ufw", "firewalld"):
        return "unknown", "the live rules of %s are not read; only whether it is enabled" % state["backend"]
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
    for family in families:
        for _network, ranges in state["sources"].get((proto, family), ()):
            if _in(ranges, port):
                return "sources", "open to the declared sources only"
    return "blocked", "listening, but the live firewall drops it" if not published else \
        "published, but the live firewall drops it"
