# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Audit exceptions: known, accepted deviations from the allowlist, each with a reason and an owner.

An exception turns a finding into an *accepted* one until it expires; after that the finding
is drift again. Entries are validated as strictly as allowlist entries, with the same
messages, because a typo in an exception silently hides nothing but also accepts nothing.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
from collections.abc import Mapping

from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist import (
    DEFAULT_PROTO,
    AllowlistError,
    FieldProblem,
    describe_entry,
    describe_type,
    make_label,
    parse_port,
    parse_proto,
    parse_text,
    show_value,
    unknown_key_problems,
)

ALLOWED_KEYS = ("port", "proto", "address", "process", "reason", "owner", "expires")
_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")


def _parse_address(value):
    if value is None:
        return None
    if not isinstance(value, str):
        raise FieldProblem("address", "must be an IP address string, got %s" % describe_type(value))
    text = value.strip()
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise FieldProblem(
            "address", "%s is not an IPv4 or IPv6 address (one address, as the socket is bound; no prefix length)" % show_value(value)
        ) from None


def _parse_expires(value):
    """YAML turns an unquoted 2026-03-31 into a date; a quoted one stays a string. Accept both."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        raise FieldProblem("expires", "must be a date (YYYY-MM-DD), got a date and time %s" % value.isoformat())
    if isinstance(value, datetime.date):
        return value.isoformat()
    if not isinstance(value, str):
        raise FieldProblem("expires", "must be a date written YYYY-MM-DD, got %s" % describe_type(value))
    match = _DATE.match(value.strip())
    if not match:
        raise FieldProblem("expires", "%s is not a date written YYYY-MM-DD" % show_value(value))
    try:
        return datetime.date(int(match.group(1)), int(match.group(2)), int(match.group(3))).isoformat()
    except ValueError:
        raise FieldProblem("expires", "%s is not a valid calendar date" % show_value(value)) from None


def _required_text(raw: Mapping, key: str) -> str:
    text = parse_text(raw.get(key), key)
    if text is None:
        raise FieldProblem(key, "is required: say %s" % ("why the deviation is accepted" if key == "reason" else "who answers for it"))
    return text


def parse_exception(raw, index: int, var_name: str = "exceptions") -> dict:
    where = "%s entry #%d" % (var_name, index + 1)
    if not isinstance(raw, Mapping):
        raise AllowlistError(
            "%s: must be a mapping such as {port: 8080, reason: ..., owner: ...}, got %s" % (where, describe_type(raw)),
            index=index,
        )
    where += describe_entry(raw)
    problems = unknown_key_problems(raw, ALLOWED_KEYS)
    exception = {"index": index}
    proto = DEFAULT_PROTO
    try:
        proto = parse_proto(raw.get("proto"))
    except FieldProblem as problem:
        problems.append(problem)
    exception["proto"] = proto
    steps = (
        ("port", lambda: parse_port(raw.get("port"), proto)),
        ("address", lambda: _parse_address(raw.get("address"))),
        ("process", lambda: parse_text(raw.get("process"), "process")),
        ("reason", lambda: _required_text(raw, "reason")),
        ("owner", lambda: _required_text(raw, "owner")),
        ("expires", lambda: _parse_expires(raw.get("expires"))),
    )
    for key, step in steps:
        try:
            exception[key] = step()
        except FieldProblem as problem:
            problems.append(problem)
    if problems:
        raise AllowlistError(["%s: %s" % (where, problem.text()) for problem in problems], index=index, field=problems[0].field)
    written, ports = exception.pop("port")
    exception["port"] = written
    exception["ports"] = ports
    exception["label"] = make_label(written, proto, exception["reason"])
    order = ("index", "label", "port", "ports", "proto", "address", "process", "reason", "owner", "expires")
    return {key: exception[key] for key in order}


def parse_exceptions(raw, var_name: str = "exceptions") -> list:
    """Validate and normalise audit exceptions; ``None`` means none. Every problem at once."""
    if raw is None:
        return []
    if isinstance(raw, Mapping) or not isinstance(raw, (list, tuple)):
        raise AllowlistError("%s must be a list of entries, got %s" % (var_name, describe_type(raw)))
    exceptions = []
    errors = []
    first = None
    for index, item in enumerate(raw):
        try:
            exceptions.append(parse_exception(item, index, var_name))
        except AllowlistError as error:
            errors.extend(error.errors)
            first = first or error
    if first is not None:
        raise AllowlistError(errors, index=first.index, field=first.field)
    return exceptions


def is_expired(exception: Mapping, today: datetime.date) -> bool:
    """An exception is valid through its ``expires`` day and expired from the day after."""
    expires = exception.get("expires")
    return bool(expires) and datetime.date.fromisoformat(expires) < today
