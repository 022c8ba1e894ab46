# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters over the allowlist model: thin wrappers that turn our errors into AnsibleFilterError.

Documentation lives beside this file in allowlist.yml, allowlist_errors.yml, audit_exceptions.yml,
compose_allowlist.yml and port_ranges.yml.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist import (
    AllowlistError,
    ensure_allowlist,
    parse_port_ranges,
)
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist_compose import compose_allowlist as _compose
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._audit_exceptions import parse_exceptions


def allowlist(raw, var_name="portwarden_allowlist"):
    """Validate and normalise an allowlist (raw or already normalised; idempotent); fail naming every bad entry."""
    try:
        return ensure_allowlist(raw, var_name=var_name)
    except AllowlistError as error:
        raise AnsibleFilterError(str(error)) from None


def allowlist_errors(raw, var_name="portwarden_allowlist"):
    """Every problem of an allowlist, one line each; empty when it is valid.

    Roles fail with these through ansible.builtin.fail, so the user reads one line per bad
    entry instead of the templating error chain that a failing filter produces.
    """
    try:
        ensure_allowlist(raw, var_name=var_name)
    except AllowlistError as error:
        return [" ".join(message.split()) for message in error.errors]
    return []


def compose_allowlist(variables):
    """{variable name: list} (a host's hostvars too) -> the effective allowlist; fail naming every bad entry."""
    if not isinstance(variables, Mapping):
        raise AnsibleFilterError("compose_allowlist expects a mapping of variable names to lists, such as hostvars[host]")
    try:
        return _compose(variables)
    except AllowlistError as error:
        raise AnsibleFilterError(str(error)) from None


def port_ranges(values, var_name="port list"):
    """Ports and ranges (ints, "22", "a-b", [lo, hi]) -> sorted, merged [[lo, hi], ...]."""
    try:
        return parse_port_ranges(values, what=var_name)
    except AllowlistError as error:
        raise AnsibleFilterError(str(error)) from None


def audit_exceptions(raw, var_name="portwarden_audit_exceptions"):
    """Validate and normalise audit exceptions; fail naming every bad entry."""
    try:
        return parse_exceptions(raw, var_name=var_name)
    except AllowlistError as error:
        raise AnsibleFilterError(str(error)) from None


class FilterModule:
    """portwarden.hardening allowlist filters."""

    def filters(self):
        return {
            "allowlist": allowlist,
            "allowlist_errors": allowlist_errors,
            "audit_exceptions": audit_exceptions,
            "compose_allowlist": compose_allowlist,
            "port_ranges": port_ranges,
        }
