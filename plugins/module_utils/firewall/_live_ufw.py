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

ufw's own before-rules (``/etc/ufw/before.rules``, ``before6.rules``: DHCP client, multicast
DNS, UPnP, and whatever an admin adds) are not listed by ``ufw status``; the kernel runs them
before every listed rule. They are read from ``iptables-save -t filter`` and
``ip6tables-save -t filter`` (what is loaded, not the files). ufw's layout (0.36): INPUT
jumps to ``ufw-before-logging-input``, ``ufw-before-input`` (the before-rules, which end with
a jump to ``ufw-user-input``, the listed rules), then the after-rules. The walk
(``before_rules``) goes down INPUT in order, into every chain a rule jumps to (each chain
once, at most ``MAX_DEPTH`` deep), and stops at the first jump to ``ufw-user-input``
(``ufw6-`` for IPv6). How each ACCEPT it meets counts (the conditions of the jumps that led
to it included):

* ``-i lo``, ICMP, and conntrack/state matches that admit no new connection
  (RELATED, ESTABLISHED, INVALID) do not count.
* ``-p tcp|udp`` with ``--dport``/``--dports``: those ports, to its ``-s`` source, to
  anyone without one (a negated or unreadable source, or an ipset match, is anyone). ``-p tcp|udp`` without ports:
  every port of that protocol. A destination-address or multicast restriction, a
  ``--sport`` or an interface other than ``lo`` still counts as open (conservative: the port
  is reachable on some path, and a source port is forgeable). These go to ``foreign``: they
  decide verdicts (before the listed rules, so a listed DENY does not take them back), and
  are not compared with the allowlist (they are ufw's, not portwarden's).
* no protocol and no port (``-j ACCEPT`` alone, or only a comment): an ``accept_all``
  finding, as the iptables backend reports an accept-everything rule ahead of its chain.
  With only a source it opens every port to that source.

DROP and REJECT rules among the before-rules are not subtracted (conservative). What comes
after the jump to the listed rules (the after-rules, and INPUT rules appended behind ufw's
jumps; reached only when no listed rule matched) is not read. When iptables-save is
missing, fails or shows no ufw chain, the state says so in ``notes`` and the verdicts rest on
the listed rules alone, as before.
"""

from __future__ import annotations

import ipaddress
import re
import shlex

from ansible_collections.portwarden.hardening.plugins.module_utils._constants import PROTOCOLS
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_iptables import (
    accepts_everything,
    filter_rules,
    rule_option,
)
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_rules import UFW_TAG
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._live_firewall import (
    ALL_PORTS,
    MAX_ENTRIES,
    empty_state,
    subtract,
)
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._port_ranges import parse_port_list

LIVE_COMMAND = ("ufw", "status", "verbose")
# What the kernel runs before the listed rules, per family: (command, ufw's chain prefix).
SAVE_COMMANDS = (("ipv4", ("iptables-save", "-t", "filter"), "ufw"),
                 ("ipv6", ("ip6tables-save", "-t", "filter"), "ufw6"))
MAX_DEPTH = 8
# Before-rule ports kept per family: more only means fewer counted, never slow.
MAX_FOREIGN = 1000
_ICMP = ("icmp", "ipv6-icmp", "icmpv6", "icmp6", "1", "58")
_NOT_NEW = {"RELATED", "ESTABLISHED", "INVALID"}
_TERMINAL = ("ACCEPT", "DROP", "REJECT", "RETURN", "LOG", "NFLOG", "MARK", "CONNMARK", "CT", "TRACE")
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


# --- the before-rules, from iptables-save -------------------------------------------------

def _walk(chains: dict, chain: str, stop: str, prefix: list, seen: set, depth: int, found: list) -> bool:
    """Append (tokens, rule text) of each ACCEPT met in ``chain`` before a jump to ``stop``;
    True once that jump is met (the walk ends there)."""
    seen.add(chain)
    for tokens in chains.get(chain, ()):
        target = rule_option(tokens, ("-j", "--jump", "-g", "--goto"))
        if target == stop:
            return True
        if target == "ACCEPT":
            found.append((prefix + tokens, "-A %s %s" % (chain, " ".join(shlex.quote(token) for token in tokens))))
        elif target in chains and target not in seen and target not in _TERMINAL and depth < MAX_DEPTH:
            conditions = [token for index, token in enumerate(tokens)
                          if token not in ("-j", "--jump", "-g", "--goto") and
                          (index == 0 or tokens[index - 1] not in ("-j", "--jump", "-g", "--goto"))]
            if _walk(chains, target, stop, prefix + conditions, seen, depth + 1, found):
                return True
        if len(found) >= MAX_FOREIGN:
            return True
    return False


def _counted(tokens: list):
    """An ACCEPT's (protocols, ranges, source) as it counts (see the module doc), "all" for
    an accept-everything, or None when it admits no new connection from outside."""
    proto = (rule_option(tokens, ("-p", "--protocol")) or "").lower()
    if rule_option(tokens, ("-i", "--in-interface")) == "lo" or proto in _ICMP:
        return None
    states = rule_option(tokens, ("--ctstate", "--state"))
    if states and set(states.upper().split(",")) <= _NOT_NEW:
        return None
    ports = rule_option(tokens, ("--dports", "--destination-ports", "--dport", "--destination-port"))
    source = rule_option(tokens, ("-s", "--source"))
    if not proto and not ports and source is None and accepts_everything(tokens):
        return "all"
    protos = {"": PROTOCOLS, "all": PROTOCOLS, "6": ("tcp",), "17": ("udp",)}.get(proto, (proto,))
    protos = tuple(name for name in protos if name in PROTOCOLS)
    ranges = (parse_port_list(ports) if ports else None) or ALL_PORTS
    if source is not None:
        try:
            source = ipaddress.ip_network(source, strict=False)
        except ValueError:
            source = None  # unreadable: counted as anyone
    return (protos, ranges, source) if protos else None


def before_rules(save: str, family: str, prefix: str = "ufw"):
    """(foreign, accept_all) from one family's ``iptables-save -t filter``, or None when it
    shows no ufw chain."""
    chains = {}
    for chain, tokens in filter_rules(save):
        chains.setdefault(chain, []).append(tokens)
    declared = ":%s-before-input " % prefix
    if "%s-before-input" % prefix not in chains and not any(
            line.strip().startswith(declared) for line in (save or "").splitlines()[:MAX_ENTRIES]):
        return None
    found = []
    _walk(chains, "INPUT", "%s-user-input" % prefix, [], set(), 0, found)
    foreign, accept_all = [], []
    for tokens, rule in found:
        counted = _counted(tokens)
        if counted == "all":
            accept_all.append({"where": "%s %s" % (family, rule.split(" ")[1]), "rule": rule, "bypasses": True})
        elif counted:
            protos, ranges, source = counted
            foreign.extend({"family": family, "proto": proto, "ports": ranges, "source": source, "rule": rule}
                           for proto in protos)
    return foreign, accept_all


def parse_live(text: str, saves: dict = None) -> dict:
    """``ufw status verbose`` and ``{family: iptables-save text or None}`` -> the live state
    (``_live_firewall``); ``saves`` None: the before-rules were not read."""
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
    _add_before_rules(state, saves)
    return state


def _add_before_rules(state: dict, saves) -> None:
    for family, command, prefix in SAVE_COMMANDS:
        save = (saves or {}).get(family)
        read = before_rules(save, family, prefix) if save else None
        if read is None:
            state["notes"].append(
                "ufw's before-rules (%s) are not counted: %s" % (
                    family, "%s shows no %s-before-input chain" % (command[0], prefix) if save else
                    "%s could not be read" % command[0]))
            continue
        foreign, accept_all = read
        state["foreign"].extend(foreign)
        state["accept_all"].extend(accept_all)
