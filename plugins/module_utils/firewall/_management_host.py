# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Find on this host what the management connection needs: the module side of ``_management``.

``keep_open(entries, connection_port, remote)`` reads the SSH session the module runs over
and sshd's listening ports, and returns what ``_management.protection`` makes of them, as
``management_connection`` and ``firewall_probe`` return it: ``session``, ``sshd_ports``,
``entries`` and ``kept``, plus ``warnings``: the texts the module warns with (why the
reading was incomplete, and which ports are kept open).
"""

from __future__ import annotations

from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._management import protection, sshd_ports
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._session import current_session
from ansible_collections.portwarden.hardening.plugins.module_utils.sockets._sockets import SocketsError, gather


def keep_open(entries: list, connection_port=None, remote: bool = True) -> dict:
    problems = []
    try:
        listening, _method = gather(protocols=["tcp"], include_loopback=False)
    except SocketsError as error:
        problems.append("could not read the listening sockets, so sshd's ports are unknown: %s" % error)
        listening = []
    session = current_session()
    ports = sshd_ports(listening)
    if entries is None:  # the caller decides what to keep open (the firewall role, on the controller)
        return {"session": session, "sshd_ports": ports, "entries": [], "kept": [], "warnings": problems}
    found = protection(entries, session=session, connection_port=connection_port, listening=ports, remote=remote)
    return {"session": session, "sshd_ports": ports, "entries": found["entries"], "kept": found["kept"],
            "warnings": problems + ([found["warning"]] if found["warning"] else [])}
