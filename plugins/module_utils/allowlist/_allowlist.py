# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""The allowlist model: parse, validate and normalise ``portwarden_allowlist``.

One place for every module, filter and template. Values arrive after YAML and Jinja have
had their way with them, so the checks here are strict about types: a boolean is not a
port, a float is not a port, and a string that is not exactly a number, an ``a-b`` range
or a service name is rejected instead of being coerced.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Mapping

from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._port_ranges import merge_ranges
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._services import (
    NAME_HINTS,
    service_names,
    service_ports,
)
from ansible_collections.portwarden.hardening.plugins.module_utils._constants import PROTOCOLS

PORT_MIN = 1
PORT_MAX = 65535
DEFAULT_PROTO = "tcp"
ALLOWED_KEYS = ("port", "proto", "sources", "process", "required", "comment", "origin")

_DIGITS = re.compile(r"^[0-9]+$")
_RANGE = re.compile(r"^([0-9]+)-([0-9]+)$")
_COLON_RANGE = re.compile(r"^([0-9]+)\s*:\s*([0-9]+)$")
# RFC 6335 section 5.1: 1-15 characters, letters, digits and hyphens, at least one
# letter, no leading/trailing or double hyphen.
_SERVICE_NAME = re.compile(r"^(?=.*[a-z])[a-z0-9](?:[a-z0-9]|-(?!-)){0,14}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class AllowlistError(ValueError):
    """Bad allowlist input. ``str(e)`` names the entry and the field.

    ``errors`` holds every problem found (one message each); ``index`` and ``field`` describe
    the first one (``index`` is 0-based, ``None`` when the problem is the list itself).
    """

    def __init__(self, errors, index=None, field=None):
        if isinstance(errors, str):
            errors = [errors]
        self.errors = list(errors)
        self.index = index
        self.field = field
        super().__init__("\n".join(self.errors))


def show_value(value) -> str:
    """Render a value the way the user would have typed it in YAML."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return type(value).__name__


def type_name(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "mapping"
    if isinstance(value, (list, tuple)):
        return "list"
    return type(value).__name__


def describe_type(value) -> str:
    """ "a string "x"", "an integer 22", "null": the type and value for a message."""
    if value is None:
        return "null"
    name = type_name(value)
    article = "an" if name[0] in "aeiou" else "a"
    if isinstance(value, (Mapping, list, tuple)):
        return "%s %s" % (article, name)
    return "%s %s %s" % (article, name, show_value(value))


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class FieldProblem(Exception):
    """One field of one entry is wrong; collected into an AllowlistError.

    ``named`` is true when the message already names the field (every port message does,
    and the entry's description shows the port the user wrote).
    """

    def __init__(self, field, message, named=False):
        super().__init__(message)
        self.field = field
        self.message = message
        self.named = named or field == "port"

    def text(self) -> str:
        return self.message if self.named else "%s: %s" % (self.field, self.message)


def check_port_number(number: int, written, field="port") -> int:
    if number < PORT_MIN or number > PORT_MAX:
        raise FieldProblem(field, "port %s is outside %d-%d" % (show_value(written), PORT_MIN, PORT_MAX))
    return number


def parse_port(value, proto: str = DEFAULT_PROTO, field: str = "port"):
    """Return ``(written, [[lo, hi]])`` for an int, ``"22"``, ``"a-b"`` or a service name.

    ``written`` is the normalised form for reports: an int for a single port, ``"lo-hi"``
    for a range, the lower-cased name for a service.
    """
    if value is None:
        raise FieldProblem(field, "missing required key \"port\"")
    if isinstance(value, bool):
        raise FieldProblem(field, "%s is a boolean, not a port (YAML reads yes/no/on/off as booleans)" % show_value(value))
    if is_int(value):
        number = check_port_number(int(value), value, field)
        return number, [[number, number]]
    if isinstance(value, float):
        raise FieldProblem(field, "%s is a float, not a port number" % show_value(value))
    if not isinstance(value, str):
        raise FieldProblem(field, "must be a port number, a range \"a-b\" or a service name, got %s" % describe_type(value))
    text = value.strip()
    if _DIGITS.match(text):
        number = check_port_number(int(text), value, field)
        return number, [[number, number]]
    match = _RANGE.match(text)
    if match:
        low, high = int(match.group(1)), int(match.group(2))
        check_port_number(low, value, field)
        check_port_number(high, value, field)
        if low > high:
            raise FieldProblem(field, "range %s is reversed: write \"%d-%d\"" % (show_value(value), high, low))
        return "%d-%d" % (low, high), [[low, high]]
    match = _COLON_RANGE.match(text)
    if match:
        raise FieldProblem(
            field,
            "%s is not a port range: write \"%s-%s\" (and quote it: unquoted 20:21 is the number 1221 in YAML 1.1)"
            % (show_value(value), match.group(1), match.group(2)),
        )
    name = text.lower()
    if not _SERVICE_NAME.match(name):
        raise FieldProblem(field, "%s is not a port number, a range \"a-b\" or a service name" % show_value(value))
    ports = service_ports(name)
    if not ports:
        close = difflib.get_close_matches(name, service_names(), n=3, cutoff=0.75)
        if name in NAME_HINTS:
            hint = "; %s" % NAME_HINTS[name]
        elif close:
            hint = " (did you mean %s?)" % " or ".join('"%s"' % c for c in close)
        else:
            hint = "; write the port number instead"
        raise FieldProblem(field, "unknown service name %s%s" % (show_value(value), hint))
    if proto not in ports:
        offered = ", ".join("%d/%s" % (ports[p], p) for p in sorted(ports))
        raise FieldProblem(
            field,
            "service %s has no %s port (it is %s); set proto or write the port number" % (show_value(value), proto, offered),
        )
    number = ports[proto]
    return name, [[number, number]]


def parse_proto(value) -> str:
    if value is None:
        return DEFAULT_PROTO
    if not isinstance(value, str):
        raise FieldProblem("proto", "must be \"tcp\" or \"udp\", got %s" % describe_type(value))
    proto = value.strip().lower()
    if proto not in PROTOCOLS:
        raise FieldProblem("proto", "unknown protocol %s: use \"tcp\" or \"udp\" (one entry per protocol)" % show_value(value))
    return proto


_MAPPED = ipaddress.ip_network("::ffff:0:0/96")


def _ipv4_mapped(network):
    """The IPv4 network an IPv4-mapped IPv6 one (``::ffff:10.0.0.1``) stands for, or None."""
    if network.version != 6 or not network.subnet_of(_MAPPED):
        return None
    ipv4 = ipaddress.ip_network("%s/%d" % (ipaddress.IPv4Address(int(network.network_address) & 0xFFFFFFFF), network.prefixlen - 96))
    return str(ipv4.network_address) if ipv4.num_addresses == 1 else str(ipv4)


def _parse_sources(value):
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise FieldProblem("sources", "must be a list of IPv4/IPv6 networks, got %s" % describe_type(value))
    if not value:
        raise FieldProblem("sources", "must not be an empty list; omit \"sources\" to allow any source")
    networks = {4: [], 6: []}
    for position, item in enumerate(value, start=1):
        field = "sources[%d]" % position
        if not isinstance(item, str):
            raise FieldProblem(field, "got %s, not an IPv4/IPv6 network" % describe_type(item))
        text = item.strip()
        if "%" in text:
            raise FieldProblem(field, "%s has a zone index (%%...), which a firewall source cannot use" % show_value(item))
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise FieldProblem(field, "%s is not an IPv4 or IPv6 address or CIDR network" % show_value(item)) from None
        mapped = _ipv4_mapped(network)
        if mapped is not None:
            raise FieldProblem(
                field,
                "%s is an IPv4-mapped IPv6 %s: a client at that address reaches the host over IPv4, so the firewall "
                "would never match it; write \"%s\" instead" % (show_value(item), "address" if network.num_addresses == 1 else "network", mapped),
            )
        networks[network.version].append(network)
    return {
        "ipv4": [str(n) for n in ipaddress.collapse_addresses(networks[4])],
        "ipv6": [str(n) for n in ipaddress.collapse_addresses(networks[6])],
    }


def parse_text(value, field: str, allow_empty: bool = False):
    if value is None:
        return None
    if not isinstance(value, str):
        raise FieldProblem(field, "must be a string, got %s" % describe_type(value))
    text = value.strip()
    if not text and not allow_empty:
        raise FieldProblem(field, "must not be empty; omit it instead")
    if _CONTROL.search(text):
        raise FieldProblem(field, "contains a control character (newline, tab, ...)")
    return text or None


def _parse_required(value) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise FieldProblem("required", "must be true or false, got %s" % describe_type(value))
    return value


def describe_entry(raw: Mapping) -> str:
    """The "(port: ..., comment: ...)" part of a message: how the user finds the entry."""
    parts = []
    if "port" in raw:
        parts.append("port: %s" % show_value(raw.get("port")))
    comment = raw.get("comment")
    if isinstance(comment, str) and comment.strip():
        parts.append("comment: %s" % show_value(comment.strip()))
    return " (%s)" % ", ".join(parts) if parts else ""


def unknown_key_problems(raw: Mapping, allowed) -> list:
    """One FieldProblem per key that is not in ``allowed``, with a "did you mean" hint."""
    problems = []
    for key in raw:
        if key in allowed:
            continue
        hint = ""
        if isinstance(key, str):
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = " (did you mean \"%s\"?)" % close[0] if close else ""
        problems.append(
            FieldProblem(str(key), "unknown key %s%s; allowed keys: %s" % (show_value(key), hint, ", ".join(allowed)), named=True)
        )
    return problems


def make_label(port, proto: str, comment) -> str:
    label = "%s/%s" % (port, proto)
    return "%s (%s)" % (label, comment) if comment else label


# The keys of a normalised entry (parse_entry's result), in their order. ``index``, ``label``
# and ``ports`` are derived: ensure_allowlist() takes them back as input, checks them and
# derives them again, so its output is valid input.
NORMALISED_KEYS = ("index", "label", "port", "ports", "proto", "sources", "process", "required", "comment", "origin")
_DERIVED_KEYS = ("index", "label", "ports")


def _parse_ports(value, proto: str):
    """``port`` of an entry: one port, range or service name, or several joined by commas ("22,2222").

    Commas are the written form of the firewall role's management entry (one entry for
    every port it keeps open); an allowlist written by hand has one port per entry.
    """
    if isinstance(value, str) and "," in value:
        parts = [parse_port(part, proto) for part in value.split(",")]
        return ",".join(str(part[0]) for part in parts), merge_ranges([pair for part in parts for pair in part[1]])
    return parse_port(value, proto)


def _parse_derived_ports(value, written, ranges):
    """``ports`` given with an entry (the normalised shape) must say what ``port`` says."""
    if value is None:
        return
    try:
        given = parse_port_ranges(value, what="ports")
    except AllowlistError as error:
        raise FieldProblem("ports", str(error), named=True) from None
    if given != merge_ranges(ranges):
        raise FieldProblem("ports", "port %s does not match ports %s" % (show_value(written), given), named=True)


def _parse_any_sources(value):
    """``sources`` as written (a list or one network) or as normalised ({ipv4: [...], ipv6: [...]})."""
    if isinstance(value, Mapping):
        if set(value) - {"ipv4", "ipv6"} or not all(isinstance(value.get(family) or [], (list, tuple)) for family in ("ipv4", "ipv6")):
            raise FieldProblem("sources", "must be a list of networks or {ipv4: [...], ipv6: [...]}, got %s" % describe_type(value))
        value = list(value.get("ipv4") or []) + list(value.get("ipv6") or [])
    return _parse_sources(value)


def parse_entry(raw, index: int, var_name: str = "portwarden_allowlist", normalised_input: bool = False) -> dict:
    """Validate and normalise one entry; raise AllowlistError naming it.

    With ``normalised_input`` the entry may also be in the shape this function returns:
    the derived keys are accepted and checked (``ports`` against ``port``; ``index`` kept
    when it is a count), ``label`` is rebuilt, and ``sources`` may be the per-family
    mapping. Every entry takes the same path, so nothing is trusted for its keys.
    """
    where = "%s entry #%d" % (var_name, index + 1)
    if not isinstance(raw, Mapping):
        raise AllowlistError(
            "%s: must be a mapping such as {port: 22, proto: tcp}, got %s" % (where, describe_type(raw)),
            index=index,
        )
    problems = unknown_key_problems({key: None for key in raw if not (normalised_input and key in _DERIVED_KEYS)}, ALLOWED_KEYS)

    given_index = raw.get("index") if normalised_input else None
    entry = {"index": given_index if is_int(given_index) and given_index >= 0 else index}
    proto = DEFAULT_PROTO
    try:
        proto = parse_proto(raw.get("proto"))
    except FieldProblem as problem:
        problems.append(problem)
    entry["proto"] = proto
    steps = (
        ("port", lambda: (_parse_ports if normalised_input else parse_port)(raw.get("port"), proto)),
        ("sources", lambda: (_parse_any_sources if normalised_input else _parse_sources)(raw.get("sources"))),
        ("process", lambda: parse_text(raw.get("process"), "process")),
        ("required", lambda: _parse_required(raw.get("required"))),
        ("comment", lambda: parse_text(raw.get("comment"), "comment", allow_empty=True)),
        # The variable the entry came from, set by _allowlist_compose.
        ("origin", lambda: parse_text(raw.get("origin"), "origin")),
    )
    for key, step in steps:
        try:
            entry[key] = step()
        except FieldProblem as problem:
            problems.append(problem)
    if normalised_input and "port" in entry:
        try:
            _parse_derived_ports(raw.get("ports"), raw.get("port"), entry["port"][1])
        except FieldProblem as problem:
            problems.append(problem)
    if problems:
        where += describe_entry(raw)  # only for the message: describing 10,000 good entries costs 0.1 s
        raise AllowlistError(
            ["%s: %s" % (where, problem.text()) for problem in problems],
            index=index,
            field=problems[0].field,
        )
    written, ports = entry.pop("port")
    entry["port"] = written
    entry["ports"] = ports
    entry["label"] = make_label(written, proto, entry["comment"])
    return {key: entry[key] for key in NORMALISED_KEYS}


def _parse_entries(raw, var_name: str, normalised_input: bool) -> list:
    """Every entry through parse_entry; every problem is reported at once, first entry first."""
    if isinstance(raw, Mapping):
        raise AllowlistError(
            "%s must be a list of entries, got a mapping; write each entry as a list item (\"- port: 22\")" % var_name
        )
    if not isinstance(raw, (list, tuple)):
        raise AllowlistError("%s must be a list of entries, got %s" % (var_name, describe_type(raw)))
    entries = []
    errors = []
    first = None
    for index, item in enumerate(raw):
        try:
            entries.append(parse_entry(item, index, var_name, normalised_input=normalised_input))
        except AllowlistError as error:
            errors.extend(error.errors)
            if first is None:
                first = error
    if first is not None:
        raise AllowlistError(errors, index=first.index, field=first.field)
    return entries


def parse_allowlist(raw, var_name: str = "portwarden_allowlist") -> list:
    """Validate and normalise a whole allowlist as the user wrote it."""
    return _parse_entries(raw, var_name, normalised_input=False)


def parse_port_ranges(values, what: str = "port list") -> list:
    """Ports written as ints, "22", "a-b" strings or [lo, hi] pairs -> merged ranges.

    Service names are not accepted here: without a protocol they are ambiguous.
    """
    if isinstance(values, (str, Mapping)) or not isinstance(values, (list, tuple)):
        raise AllowlistError("%s must be a list of ports or ranges, got %s" % (what, describe_type(values)))
    pairs = []
    for position, item in enumerate(values, start=1):
        field = "item #%d" % position
        try:
            if isinstance(item, (list, tuple)):
                if len(item) != 2 or not all(is_int(x) for x in item):
                    raise FieldProblem(field, "%s is not a [lo, hi] pair of integers" % show_value(item))
                low = check_port_number(int(item[0]), item[0], field)
                high = check_port_number(int(item[1]), item[1], field)
                if low > high:
                    raise FieldProblem(field, "range [%d, %d] is reversed" % (low, high))
                pairs.append([low, high])
                continue
            if isinstance(item, str) and not (_DIGITS.match(item.strip()) or _RANGE.match(item.strip())
                                              or _COLON_RANGE.match(item.strip())):
                raise FieldProblem(field, "%s is not a port number or a range \"a-b\"" % show_value(item))
            pairs.extend(parse_port(item, field=field)[1])
        except FieldProblem as problem:
            raise AllowlistError("%s %s: %s" % (what, problem.field, problem.message), field=problem.field) from None
    return merge_ranges(pairs)


def ensure_allowlist(raw, var_name: str = "portwarden_allowlist") -> list:
    """The allowlist normalised, whether it arrives as the user wrote it or already normalised.

    Idempotent: ``ensure_allowlist(ensure_allowlist(x)) == ensure_allowlist(x)``. It never
    guesses from an entry's keys whether the entry was normalised before: every entry goes
    through parse_entry, which takes the normalised shape as input too, checks every value
    again and derives ``label`` (and checks ``ports``) anew, so a hand-made or host-made
    "normalised" entry cannot skip validation. Raises AllowlistError naming every bad entry.
    """
    return _parse_entries(raw, var_name, normalised_input=True)
