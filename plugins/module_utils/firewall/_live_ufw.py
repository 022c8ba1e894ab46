# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""ufw's live rules, read back for port_audit: ``ufw status verbose`` parsed into ``_live_firewall``'s shape.

One read-only command says everything the verdicts need (ufw 0.36 on Debian 12)::

    Status: active
    Logging: on (low)
    Default: deny (incoming), allow (outgoing), deny (routed)
    New profiles: skip

    To                         Action      From
    --                         ------      ----
    22/tcp                     ALLOW IN    Anywhere                   # portwarden
    5432/tcp                   ALLOW IN    192.0.2.0/24               # portwarden
    53                         ALLOW IN    Anywhere
    22/tcp (v6)                ALLOW IN    Anywhere (v6)              # portwarden

* ``enabled``: ``Status: active`` (an inactive ufw lists no rules at all).
* ``policy``: the incoming default (deny and reject drop a new connection).
* ``loaded``: ufw is active and holds rules carrying our comment. Which of the allowlist's
  rules are missing is ``compare``'s business, as for the other backends.
* ``open``/``sources``: incoming ALLOW and LIMIT rules (LIMIT accepts, rate-limited). ufw
  is first-match in the listed order: a DENY or REJECT from anyone listed before an allow
  takes its ports out of that allow (per family). A deny from one source leaves the port
  open to everyone else, so it changes nothing here. Rules bound to an interface or to one
  destination address are counted as if they were not (conservative: they open the port
  on some path). Routed (FWD) and outgoing rules are not incoming.
* ``forward`` stays False: DNAT-published ports (Docker) are forwarded past ufw's input rules.

ufw's own ``before.rules`` (DHCP client, multicast DNS) are not listed and not read.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.portwarden.hardening.plugins.module_utils._constants import PROTOCOLS
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_rules import UFW_TAG
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._live_firewall import (
    MAX_ENTRIES,
    empty_state,
    subtract,
)
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._port_ranges import parse_port_list

LIVE_COMMAND = ("ufw", "status", "verbose")
ALL_PORTS = [(1, 65535)]
# Denies kept per protocol and family: a host listing more only makes the verdicts more
# conservative (later allows are counted whole), never slow.
MAX_DENIES = 1000
_RULE = re.compile(r"^(?P<to>.+?)\s+(?P<action>ALLOW|DENY|REJECT|LIMIT)(?: (?P<direction>IN|OUT|FWD))?\s+(?P<rest>.+)$")
_DEFAULT = re.compile(r"^Default:\s*(?P<policy>\w+) \(incoming\)")
# "22/tcp", "53", "80,443,8000:8100/tcp"; an application profile's name follows in brackets.
_PORTS = re.compile(r"^(?P<ports>[0-9:,]+)(?:/(?P<proto>tcp|udp))?$")


def _target(text: str):
    """The To column -> ({proto: ranges}, family) or None when it names no ports ufw can show."""
    family = "ipv6" if "(v6)" in text else "ipv4"
    text = re.sub(r"\s+on\s+\S+$", "", text.replace("(v6)", "")).strip()
    text = re.sub(r"\s*\(.*\)$", "", text).strip()  # an application profile: "22/tcp (OpenSSH)"
    words = text.split()
    if words and words[-1] == "Anywhere":
        return {proto: ALL_PORTS for proto in PROTOCOLS}, family
    match = _PORTS.match(words[-1]) if words else None
    ranges = parse_port_list(match.group("ports").strip(",")) if match else None
    if not ranges:
        return None
    protos = (match.group("proto"),) if match.group("proto") else PROTOCOLS
    return {proto: ranges for proto in protos}, family


def _source(text: str):
    """The From column (without the comment) -> None for anyone, a network, or False when unreadable."""
    words = text.split()
    if not words or words[0] == "Anywhere":
        return None
    try:
        return ipaddress.ip_network(words[0], strict=False)
    except ValueError:
        return False


def _rules(text: str):
    """(target, family, action, source, comment) of each incoming rule, in order."""
    for line in (text or "").splitlines()[:MAX_ENTRIES]:
        match = _RULE.match(line.strip())
        if not match or match.group("direction") not in (None, "IN"):
            continue
        rest, _sep, comment = match.group("rest").partition("#")
        target = _target(match.group("to"))
        source = _source(rest)
        if target is None or source is False:
            continue
        ports, family = target
        if source is not None:
            family = "ipv%d" % source.version
        yield ports, family, match.group("action"), source, comment.strip()


def parse_live(text: str) -> dict:
    """``ufw status verbose`` -> the live state (``_live_firewall``)."""
    state = empty_state("ufw", rules_read=True, absent="no ufw rule carries comment '%s'" % UFW_TAG)
    lines = (text or "").splitlines()
    state["enabled"] = bool(lines) and lines[0].strip().lower() == "status: active"
    if not state["enabled"]:
        return state
    for line in lines[:10]:
        match = _DEFAULT.match(line.strip())
        if match:
            state["policy"] = "accept" if match.group("policy") == "allow" else "drop"
    denied = {}
    open_ports = {proto: set() for proto in PROTOCOLS}
    for ports, family, action, source, comment in _rules(text):
        state["loaded"] = state["loaded"] or comment == UFW_TAG
        for proto, ranges in ports.items():
            earlier = denied.setdefault((proto, family), [])
            if action in ("DENY", "REJECT"):
                if source is None and len(earlier) < MAX_DENIES:
                    earlier.extend(ranges)
                continue
            allowed = subtract(ranges, earlier)
            if not allowed:
                continue
            if source is None:
                open_ports[proto].update(allowed)
            else:
                state["sources"].setdefault((proto, family), []).append((source, allowed))
    state["open"] = {proto: sorted(ranges) for proto, ranges in open_ports.items()}
    return state
