# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.

from __future__ import annotations


class ModuleDocFragment:
    """The allowlist option, documented once for every module that takes it."""

    DOCUMENTATION = r"""
options:
  allowlist:
    description:
      - What may listen - the inventory variable C(portwarden_allowlist), a list of entries.
      - Each entry is a mapping with these keys (any other key is an error).
      - C(port) (required) - an integer 1-65535, a quoted range C("8000-8100") (inclusive), or an IANA service name
        such as C(ssh) or C(https). Names resolve from a table shipped with the collection (facts from the IANA
        registry), never from the host's C(/etc/services), so every host resolves them the same way. A numeric
        string such as C("22") is accepted; a boolean, a float, C("2 2") or C("20:21") is not.
        Quote ranges - YAML 1.1 reads an unquoted C(20:21) as the number C(1221).
      - C(proto) - C(tcp) or C(udp); default C(tcp). Write one entry per protocol.
      - C(sources) - IPv4 and IPv6 addresses or CIDR networks allowed to connect; default anyone. Used by the
        firewall; the audit does not compare it with the bind address.
      - C(process) - the expected owner of the socket (a path, matched against the real executable
        C(/proc/PID/exe) only; a process name; or a systemd unit ending in C(.service) or C(.socket), never a unit
        of a user's own systemd); the audit reports a listener owned by anything else as mismatched.
      - C(required) - C(true) when the port must be listening; the audit reports it missing otherwise. Default
        C(false).
      - C(comment) - free text shown in reports and in rendered firewall rules.
      - Every entry is validated before anything happens; a bad one fails with a message that names the entry by its
        number and the port as written, and the field that is wrong.
      - The list as the P(portwarden.hardening.allowlist#filter) filter returns it (normalised, as the roles pass it
        on) is accepted too and goes through the same checks; its derived keys C(index), C(label) and C(ports) are
        checked against the rest of the entry or rebuilt, never trusted.
      - See C(docs/allowlist.md) in the collection for the full reference.
    type: list
    elements: raw
    required: true
"""
