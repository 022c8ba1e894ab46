# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""firewall-cmd's text answers: one ``key: value ...`` line per setting, rich rules on tab-indented lines.

``--info-zone``, ``--list-all-zones`` (one such block per zone, after a line naming it) and
``--info-service`` all print settings this way. The apply side (``_fw_firewalld``, which
compares the live zone with the rendered one) and the live read for ``port_audit``
(``_live_firewalld``) both read them here.
"""

from __future__ import annotations


def parse_block(lines) -> tuple:
    """The lines of one zone or service -> ({key: [words]}, [rich rules]).

    A key given twice keeps the words of both lines; a line without a colon is ignored.
    """
    values, rich = {}, []
    for line in lines:
        if line.startswith("\t"):
            rich.append(line.strip())
            continue
        key, sep, value = line.strip().partition(":")
        if sep:
            values.setdefault(key, []).extend(value.split())
    return values, rich
