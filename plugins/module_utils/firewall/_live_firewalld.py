# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""firewalld's live zones, read back for port_audit and parsed into ``_live_firewall``'s shape.

Reads (firewalld 1.3 on Debian 12), all read-only: ``firewall-cmd --get-default-zone``
(fails when firewalld is not running: ``enabled`` False), ``firewall-cmd --list-all-zones``
(every zone's target, interfaces, sources, services, ports and rich rules at once), and
``firewall-cmd --info-service=NAME`` for each service named in a zone that applies (at
most ``MAX_SERVICES``), for its ports.

Which zones apply: firewalld gives a packet the zone bound to its source address, else
the zone bound to its interface, else the default zone. Every interface may carry traffic,
so the default zone and every zone bound to an interface count: what any of them opens is
open (``open``), and one with target ACCEPT lets everything in (``policy`` accept). A
zone bound to a source opens its ports to that source only (``sources``); with target
ACCEPT, all of them. Rich rules that accept a port or service from a source address go to
``sources``, without a source to ``open``. firewalld evaluates a zone's drop and reject
rich rules before its allows, so one without a source takes its ports out of the zone's
allows; one with a source leaves them open to everyone else.

``loaded``: portwarden's zone (``zone``: the firewall role's ``portwarden_firewall_zone``,
``DEFAULT_ZONE`` unless set) is the default zone or bound to an interface; ``partial``: it
exists but nothing sends traffic to it.
``forward`` stays False: DNAT-published ports (Docker) are not filtered by the zone.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.portwarden.hardening.plugins.module_utils._constants import FIREWALLD_ZONE_PATTERN, PROTOCOLS
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._live_firewall import (
    ALL_PORTS,
    MAX_ENTRIES,
    empty_state,
    subtract,
)
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._port_ranges import parse_port_list
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._firewalld_text import parse_block

DEFAULT_ZONE = "portwarden"
ZONE_NAME = re.compile(FIREWALLD_ZONE_PATTERN)
DEFAULT_ZONE_COMMAND = ("firewall-cmd", "--get-default-zone")
ZONES_COMMAND = ("firewall-cmd", "--list-all-zones")
# Service definitions read per audit: each is one command.
MAX_SERVICES = 32
# Drop rules subtracted per zone and protocol: more only leaves the allows whole (conservative), never slow.
MAX_DROPS = 1000
_NAME = re.compile(r"^[A-Za-z0-9_.+-]{1,64}$")
_ZONE_HEADER = re.compile(r"^(?P<name>[A-Za-z0-9_.+-]{1,64})(?: \((?P<marks>[a-z, ]*)\))?$")
_RICH = re.compile(
    r'^rule(?: family="(?P<family>ipv[46])")?(?: source address="(?P<source>[^"]+)")?'
    r'(?: (?:port port="(?P<port>[0-9-]+)" protocol="(?P<protocol>tcp|udp)"|service name="(?P<service>[^"]+)"))?'
    r'(?: log\b.*?)? (?P<action>accept|drop|reject)\b.*$'
)


def parse_zones(text: str) -> dict:
    """``--list-all-zones`` -> {zone: {"target", "interfaces", "sources", "services", "ports", "rich rules"}}."""
    blocks, block = {}, None
    for line in (text or "").splitlines()[:MAX_ENTRIES]:
        header = _ZONE_HEADER.match(line)
        if header:
            block = blocks.setdefault(header.group("name"), [])
        elif block is not None:
            block.append(line)
    return {name: _zone(lines) for name, lines in blocks.items()}


def _zone(lines) -> dict:
    values, rich = parse_block(lines)
    zone = {"target": (values.get("target") or ["default"])[0], "rich rules": rich}
    for key in ("interfaces", "sources", "services", "ports"):
        if key in values:
            zone[key] = values[key][:MAX_ENTRIES]
    return zone


def parse_service(text: str) -> dict:
    """``--info-service=NAME`` -> {proto: ranges} of its ports."""
    ports = {}
    for port in parse_block((text or "").splitlines()[:MAX_ENTRIES])[0].get("ports", []):
        _add_port(ports, port)
    return ports


def _add_port(ports: dict, text: str) -> None:
    """One "22/tcp" or "8000-8100/udp" into {proto: ranges}; anything else is skipped."""
    number, _sep, proto = text.partition("/")
    ranges = parse_port_list(number.replace("-", ":")) if proto in PROTOCOLS else None
    if ranges:
        ports.setdefault(proto, []).extend(ranges)


def _network(text):
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def _zone_ports(zone: dict, services: dict):
    """(allowed, rich) of one zone: {proto: ranges} open by its ports and services, and its
    rich rules as (action, network or None, {proto: ranges})."""
    allowed = {}
    for port in zone.get("ports") or ():
        _add_port(allowed, port)
    for name in zone.get("services") or ():
        for proto, ranges in services.get(name, {}).items():
            allowed.setdefault(proto, []).extend(ranges)
    rich = []
    for text in zone["rich rules"]:
        match = _RICH.match(text)
        if not match:
            continue
        network = _network(match.group("source")) if match.group("source") else None
        if match.group("source") and network is None:
            continue
        ports = {}
        if match.group("port"):
            _add_port(ports, "%s/%s" % (match.group("port"), match.group("protocol")))
        elif match.group("service"):
            ports = services.get(match.group("service"), {})
        else:  # no port and no service: the rule takes every port
            ports = {proto: ALL_PORTS for proto in PROTOCOLS}
        rich.append((match.group("action"), network, ports))
    return allowed, rich


def _judge_zone(state: dict, zone: dict, services: dict, network=None) -> None:
    """Add what one applied zone lets in: to anyone (``network`` None) or to the source it is bound to."""
    everything = zone["target"] == "ACCEPT"
    if everything and network is None:
        state["policy"] = "accept"
    allowed, rich = _zone_ports(zone, services)
    if everything:
        allowed = {proto: ALL_PORTS for proto in PROTOCOLS}
    dropped = {}
    for action, source, ports in rich:
        for proto, ranges in ports.items():
            if action != "accept" and source is None:
                dropped.setdefault(proto, []).extend(ranges)
            elif action == "accept" and (source is not None or network is not None):
                _grant(state, proto, source or network, ranges)
            elif action == "accept":
                allowed.setdefault(proto, []).extend(ranges)
    for proto, ranges in allowed.items():
        left = subtract(ranges, dropped.get(proto, ())[:MAX_DROPS])
        if network is not None:
            _grant(state, proto, network, left)
        else:
            state["open"][proto] = sorted(set(state["open"][proto]) | set(left))


def _grant(state: dict, proto: str, network, ranges) -> None:
    if ranges:
        family = "ipv%d" % network.version
        state["sources"].setdefault((proto, family), []).append((network, list(ranges)))


def services_needed(zones: dict, default_zone: str) -> list:
    """The services named by the zones that apply (and by their rich rules), at most ``MAX_SERVICES``."""
    names = set()
    for name, zone in zones.items():
        if name == default_zone or zone.get("interfaces") or zone.get("sources"):
            names.update(zone.get("services") or ())
            names.update(match.group("service") for match in map(_RICH.match, zone["rich rules"])
                         if match and match.group("service"))
    return sorted(name for name in names if _NAME.match(name))[:MAX_SERVICES]


def parse_live(default_zone: str, zones: dict, services: dict, zone: str = DEFAULT_ZONE) -> dict:
    """The reads -> the live state (``_live_firewall``): ``default_zone`` (None when firewalld is
    not running), ``zones`` (``parse_zones``) and ``services`` (a name -> ``parse_service``);
    ``zone`` is portwarden's."""
    state = empty_state("firewalld", rules_read=True,
                        absent="zone %s is not the default zone and no interface is bound to it" % zone)
    default_zone = (default_zone or "").strip()
    state["enabled"] = bool(default_zone)
    if not state["enabled"]:
        return state
    if default_zone not in zones:
        # The zones could not be read (or firewalld named a default it does not list):
        # nothing to judge, rather than everything blocked.
        state["rules_read"] = False
        return state
    ours = zones.get(zone)
    state["loaded"] = ours is not None and (default_zone == zone or bool(ours.get("interfaces")))
    state["partial"] = ours is not None and not state["loaded"]
    if ours is None:
        state["absent"] = "zone %s is absent" % zone
    state["policy"] = "drop"
    for name, zone in zones.items():
        if name == default_zone or zone.get("interfaces"):
            _judge_zone(state, zone, services)
        for source in zone.get("sources") or ():
            network = _network(source)
            if network is not None:  # an ipset (ipset:NAME) is not read
                _judge_zone(state, zone, services, network)
    return state
