# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Composition: one effective allowlist from ``portwarden_allowlist`` and ``portwarden_allowlist__*``.

The contract (docs/allowlist.md, "Composing allowlists"):

- The variables taking part are ``portwarden_allowlist`` and every variable whose name starts
  with ``portwarden_allowlist__``. They are applied in the order of their names (Python string
  order, so ``portwarden_allowlist`` itself comes first, then ``portwarden_allowlist__10_all``
  before ``portwarden_allowlist__90_host``).
- An entry without ``state`` (or ``state: present``) is appended as written, with ``origin``
  set to the variable's name.
- An entry with ``state: absent`` takes ``port`` and ``proto`` (and an optional ``comment``)
  and removes those ports, for every source, from the entries the earlier variables added:
  an entry it covers is dropped, a range it cuts is split into what remains. Removing what is
  not there is not an error, so a list in ``group_vars/all`` can say "never 23/tcp".

The result is a list of entries as a user writes them (plus ``origin``), which the
``_allowlist.parse_allowlist`` model, every module and every template accept as is. Every
entry of every variable is validated here, and a message names the variable and the entry.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist import (
    ALLOWED_KEYS,
    AllowlistError,
    FieldProblem,
    describe_entry,
    describe_type,
    parse_entry,
    parse_port,
    parse_proto,
    parse_text,
    show_value,
    unknown_key_problems,
)

BASE = "portwarden_allowlist"
PREFIX = BASE + "__"
STATES = ("present", "absent")
# What a removal may say: it closes a port for everyone, so sources/process/required have no meaning.
ABSENT_KEYS = ("port", "proto", "state", "comment")


def is_allowlist_variable(name) -> bool:
    """True for ``portwarden_allowlist`` and ``portwarden_allowlist__<something>``."""
    return isinstance(name, str) and (name == BASE or (name.startswith(PREFIX) and len(name) > len(PREFIX)))


def allowlist_variables(names) -> list:
    """The names that take part in composition, in the order they are applied."""
    return sorted(name for name in set(names) if is_allowlist_variable(name))


def _state_of(raw: Mapping, where: str) -> str:
    state = raw.get("state", "present")
    if not isinstance(state, str) or state.strip().lower() not in STATES:
        raise AllowlistError("%s: state: must be \"present\" or \"absent\", got %s" % (where, describe_type(state)))
    return state.strip().lower()


def _removal(raw: Mapping, index: int, name: str) -> dict:
    """Validate a ``state: absent`` entry; return its proto and port ranges."""
    where = "%s entry #%d%s" % (name, index + 1, describe_entry(raw))
    problems = unknown_key_problems(raw, ABSENT_KEYS)
    for problem in problems:
        if problem.field in ALLOWED_KEYS:
            problem.message = ("%s is not allowed with state: absent, which closes the port for every source; "
                               "remove the key or the state" % show_value(problem.field))
    removal = {"proto": "tcp", "ranges": []}
    try:
        removal["proto"] = parse_proto(raw.get("proto"))
    except FieldProblem as problem:
        problems.append(problem)
    try:
        removal["ranges"] = parse_port(raw.get("port"), removal["proto"])[1]
        parse_text(raw.get("comment"), "comment", allow_empty=True)
    except FieldProblem as problem:
        problems.append(problem)
    if problems:
        raise AllowlistError(["%s: %s" % (where, problem.text()) for problem in problems],
                             index=index, field=problems[0].field)
    return removal


def _subtract(ranges: list, cut: list) -> list:
    """Inclusive ranges minus inclusive ranges: [[8000, 8100]] - [[8080, 8080]] -> [[8000, 8079], [8081, 8100]]."""
    remaining = [list(pair) for pair in ranges]
    for low_cut, high_cut in cut:
        pieces = []
        for low, high in remaining:
            if high < low_cut or low > high_cut:
                pieces.append([low, high])
                continue
            if low < low_cut:
                pieces.append([low, low_cut - 1])
            if high > high_cut:
                pieces.append([high_cut + 1, high])
        remaining = pieces
    return remaining


def _apply_removals(composed: list, removals: list) -> list:
    """Remove the removals' ports from the composed entries (raw entry, proto, ranges, parsed) so far.

    An entry a removal cut is replaced by its pieces, whose ``parsed`` is None: they are
    entries nobody wrote, parsed again at the end.

    Consecutive removals are applied in one pass: subtracting commutes, and a long host list
    of removals over a long group list would otherwise cost entries x removals passes.
    """
    if not removals:
        return composed
    cuts = {}
    for removal in removals:
        cuts.setdefault(removal["proto"], []).extend(removal["ranges"])
    kept = []
    for raw, proto, ranges, parsed in composed:
        cut = cuts.get(proto)
        if not cut or not any(low <= high_cut and low_cut <= high for low, high in ranges for low_cut, high_cut in cut):
            kept.append((raw, proto, ranges, parsed))
            continue
        remaining = _subtract(ranges, cut)
        if remaining == ranges:
            kept.append((raw, proto, ranges, parsed))
            continue
        for low, high in remaining:
            piece = dict(raw, port=low if low == high else "%d-%d" % (low, high))
            kept.append((piece, proto, [[low, high]], None))
    return kept


def _compose(variables: Mapping) -> list:
    """(raw entry with origin, proto, ranges, parsed entry or None) of every composed entry; see compose_allowlist."""
    names = allowlist_variables(variables)
    composed = []
    pending = []  # removals not yet applied: consecutive ones go in one pass
    errors = []
    first = None
    for name in names:
        value = variables[name]
        if value is None:
            continue
        if isinstance(value, (str, Mapping)) or not isinstance(value, (list, tuple)):
            error = AllowlistError("%s must be a list of entries, got %s" % (name, describe_type(value)))
            errors.extend(error.errors)
            first = first or error
            continue
        for index, raw in enumerate(value):
            try:
                if not isinstance(raw, Mapping):
                    parse_entry(raw, index, name)  # raises the "must be a mapping" message
                if "origin" in raw:
                    raise AllowlistError("%s entry #%d%s: origin is set by composition to the variable's name; "
                                         "remove it" % (name, index + 1, describe_entry(raw)), index=index, field="origin")
                where = "%s entry #%d%s" % (name, index + 1, describe_entry(raw))
                if _state_of(raw, where) == "absent":
                    pending.append(_removal(raw, index, name))
                    continue
                entry = {key: raw[key] for key in raw if key != "state"}
                entry["origin"] = name
                parsed = parse_entry(entry, index, name)
                composed = _apply_removals(composed, pending)
                pending = []
                composed.append((entry, parsed["proto"], parsed["ports"], parsed))
            except AllowlistError as error:
                errors.extend(error.errors)
                first = first or error
    if first is not None:
        raise AllowlistError(errors, index=first.index, field=first.field)
    return _apply_removals(composed, pending)


def compose_allowlist(variables: Mapping) -> list:
    """The effective allowlist from ``{variable name: list}``, each entry as written plus ``origin``;
    other names in the mapping are ignored.

    Raises AllowlistError with one message per bad entry of every variable, each naming the
    variable and the entry (``portwarden_allowlist__web entry #2 (port: 70000): ...``).
    """
    return [raw for raw, _proto, _ranges, _parsed in _compose(variables)]


def compose_normalised(variables: Mapping) -> list:
    """``parse_allowlist(compose_allowlist(variables))``, without parsing every entry twice.

    Composition validates each entry as it goes; that result is kept (with its position in
    the composed list as ``index``), and only the pieces of an entry a removal cut are parsed.
    """
    return [dict(parsed, index=index) if parsed is not None else parse_entry(raw, index)
            for index, (raw, _proto, _ranges, parsed) in enumerate(_compose(variables))]
