# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""The management connection: what keeps the SSH session Ansible runs over open.

Two sources say which port and which address a firewall must never cut:

* the session itself (``_session.current_session``: ``SSH_CONNECTION``, or the sshd
  process that serves the session);
* the ports sshd listens on (a daemon moved to 2222 while the allowlist still says 22),
  from the socket reader the audit uses. Any user can name a process ``sshd`` or start
  ``systemd-run --user --unit=ssh``, so a listener counts only when it is proven sshd
  (``_owners.proven``: root, the real executable, a system unit), and a port learned this
  way is kept open to the controller's address only, never to anyone.

``protection()`` turns them into normalised allowlist entries (the shape of
``_allowlist.parse_entry``) for the ports the allowlist does not already open to the
controller, restricted to the controller's address when it is known.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist import AllowlistError, parse_port_ranges
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._port_ranges import is_port, merge_ranges, ranges_contain
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._session import normalise_address
from ansible_collections.portwarden.hardening.plugins.module_utils.sockets._owners import proven

# Socket activation (Ubuntu's ssh.socket) leaves the listener owned by systemd.
SSHD_UNITS = ("ssh.service", "sshd.service", "ssh.socket", "sshd.socket")
# Where Debian's openssh-server installs the listener (the real /proc/PID/exe; /sbin is a
# link to /usr/sbin on merged-/usr systems, and the kernel reports the resolved path).
SSHD_EXECUTABLES = ("/usr/sbin/sshd", "/sbin/sshd")


def sshd_ports(items, executables=SSHD_EXECUTABLES) -> list:
    """TCP ports sshd listens on, from socket items (the listening_ports contract); loopback ignored.

    Only a listener proven to be sshd counts: run by root from one of ``executables``, in a
    system unit (one of ``SSHD_UNITS`` when systemd names one). Its name proves nothing.
    """
    ports = set()
    for item in items or []:
        if item.get("protocol") != "tcp" or item.get("exposure") == "loopback":
            continue
        if proven(item, executables, SSHD_UNITS):
            ports.add(int(item["port"]))
    return sorted(ports)


def _networks(entry, family):
    return [ipaddress.ip_network(source, strict=False) for source in (entry["sources"] or {}).get(family) or []]


def tcp_port_entries(tcp_ports) -> list:
    """The TCP part of the firewall model as the entries covered() reads; every value is checked.

    ``tcp_ports`` is ``{"any": [[lo, hi], ...], "sources": {"ipv4": [{"source": net, "ports": [[lo, hi]]}],
    "ipv6": [...]}}`` (``_firewall_model.build_model()["tcp"]``; ``groups`` may be there and is
    ignored). Only ports and networks travel to the host, not the allowlist: its size does
    not matter to this module. Raises AllowlistError naming the bad item.
    """
    if not isinstance(tcp_ports, dict):
        raise AllowlistError("tcp_ports must be a mapping {any: [...], sources: {ipv4: [...], ipv6: [...]}}")
    entries = [{"proto": "tcp", "ports": parse_port_ranges(tcp_ports.get("any") or [], what="tcp_ports.any"), "sources": None}]
    sources = tcp_ports.get("sources") or {}
    if not isinstance(sources, dict) or set(sources) - {"ipv4", "ipv6"}:
        raise AllowlistError("tcp_ports.sources must be a mapping with the keys ipv4 and ipv6")
    for family, version in (("ipv4", 4), ("ipv6", 6)):
        items = sources.get(family) or []
        if not isinstance(items, list):
            raise AllowlistError("tcp_ports.sources.%s must be a list" % family)
        for position, item in enumerate(items, start=1):
            where = "tcp_ports.sources.%s item #%d" % (family, position)
            if not isinstance(item, dict) or not isinstance(item.get("source"), str):
                raise AllowlistError("%s must be a mapping {source: network, ports: [[lo, hi], ...]}" % where)
            try:
                network = ipaddress.ip_network(item["source"], strict=False)
            except ValueError:
                raise AllowlistError("%s: %r is not an IP network" % (where, item["source"])) from None
            if network.version != version:
                raise AllowlistError("%s: %s is not an %s network" % (where, item["source"], family))
            entries.append({"proto": "tcp", "ports": parse_port_ranges(item.get("ports"), what=where + " ports"),
                            "sources": {family: [str(network)]}})
    return entries


def covered(entries, port, address=None) -> bool:
    """Does an allowlist entry let ``address`` (None: anyone) reach ``port``/tcp?"""
    target = ipaddress.ip_address(address) if address else None
    for entry in entries:
        if entry.get("proto", "tcp") != "tcp" or not ranges_contain(merge_ranges(entry["ports"]), port):
            continue
        if entry.get("sources") is None:
            return True
        if target is None:
            continue
        family = "ipv4" if target.version == 4 else "ipv6"
        if any(target in network for network in _networks(entry, family)):
            return True
    return False


def checked_findings(session, ports):
    """A probe's ``session`` and ``sshd_ports`` as protection() takes them, checked value by value.

    They come from the managed host, which may be hostile: only a session with an IP
    ``client_address`` and a ``server_port`` in 1-65535, and ports in 1-65535, are taken.
    Raises AllowlistError naming the bad value.
    """
    if session is not None:
        if not isinstance(session, dict):
            raise AllowlistError("the session must be a mapping or null, got %r" % (session,))
        address = session.get("client_address")
        client = normalise_address(address) if isinstance(address, str) else None
        port = session.get("server_port")
        if client is None or not is_port(port):
            raise AllowlistError("the session needs an IP client_address and a server_port in 1-65535, got %r"
                                 % ({"client_address": address, "server_port": port},))
        session = {"client_address": client, "server_port": port}
    if not isinstance(ports, list):
        raise AllowlistError("sshd_ports must be a list of ports, got %r" % (ports,))
    for port in ports:
        if not is_port(port):
            raise AllowlistError("sshd_ports: %r is not a port in 1-65535" % (port,))
    return session, sorted(set(ports))


def protection(entries, session=None, connection_port=None, listening=(), remote=True, index=None) -> dict:
    """What to add to the allowlist so the management connection survives the new ruleset.

    ``entries``: the normalised allowlist. ``session``: current_session(). ``connection_port``:
    the port the controller connects to (``ansible_port``), when known. ``listening``: sshd's
    ports. ``remote``: whether the controller reaches the host over the network at all (not
    for ``local`` or ``docker exec`` connections).

    Ports learned from the host (``listening``) are kept open only to the controller's
    address, so they need a session; without one only the port the inventory names (or 22)
    is kept, and that one to anyone.

    Returns ``{"entries": [...], "kept": [{"port", "source", "reasons"}], "warning": str|None}``.
    """
    reasons = {}
    if session:
        reasons.setdefault(session["server_port"], []).append("the SSH session Ansible runs over")
    if connection_port and (remote or session):
        reasons.setdefault(int(connection_port), []).append("the port Ansible connects to (ansible_port)")
    if session:
        for port in listening:
            reasons.setdefault(int(port), []).append("sshd listens on it")
    if session or remote:
        if not reasons:
            reasons[22] = ["the default SSH port (no session or sshd listener was found)"]
    address = session["client_address"] if session else None
    missing = sorted(port for port in reasons if not covered(entries, port, address))
    result = {"entries": [], "kept": [], "warning": None}
    if not missing:
        return result
    if address:
        family = "ipv4" if ipaddress.ip_address(address).version == 4 else "ipv6"
        prefix = 32 if family == "ipv4" else 128
        sources = {"ipv4": [], "ipv6": []}
        sources[family] = ["%s/%d" % (address, prefix)]
        who = "from %s" % address
    else:
        sources = None
        who = "from anyone, because the controller's address could not be found"
    ports = merge_ranges([[port, port] for port in missing])
    written = ",".join(str(low) if low == high else "%d-%d" % (low, high) for low, high in ports)
    comment = "management connection %s, kept open by portwarden" % who
    result["entries"].append({
        "index": len(entries) if index is None else index,
        "label": "%s/tcp (%s)" % (written, comment),
        "port": written if "," in written or "-" in written else int(written),
        "ports": ports,
        "proto": "tcp",
        "sources": sources,
        "process": None,
        "required": False,
        "comment": comment,
    })
    result["kept"] = [{"port": port, "source": address, "reasons": reasons[port]} for port in missing]
    result["warning"] = (
        "portwarden_allowlist does not let the management connection in; the firewall keeps %s open %s (%s). "
        "Add %s to portwarden_allowlist, or set portwarden_firewall_protect_management: false to stop this."
        % (
            ", ".join("%d/tcp" % port for port in missing),
            who,
            "; ".join("%d: %s" % (port, ", ".join(reasons[port])) for port in missing),
            "them" if len(missing) > 1 else "it",
        )
    )
    return result
