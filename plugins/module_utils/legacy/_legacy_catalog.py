# -*- coding: utf-8 -*-
# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""The legacy service catalog: every plaintext or obsolete network service we know how to find.

One entry per service. ``kind`` is "legacy" (disabled by default) or "review" (risky but
often needed: reported, disabled only when named). For each entry:

- ``ports``: (port, protocol) pairs it serves on; empty for RPC services whose ports
  rpcbind hands out at random;
- ``units``: systemd unit names that can start it (services, sockets, path units and
  ``name@.service`` templates of Accept=yes sockets);
- ``sysv``: /etc/init.d script names (on systemd hosts the generator turns each into
  ``<script>.service``);
- ``inetd`` / ``xinetd``: the service names it carries in inetd.conf and xinetd blocks
  (for RPC services the /etc/rpc name before the ``/version``);
- ``programs``: server program basenames, matched against inetd/xinetd server fields and
  against the owners of listening sockets;
- ``packages``: package names per distribution family (Ansible's ``os_family`` values);
  every Debian name was checked against the archives of Debian 11, 12 and 13;
- ``cis``: the item of the CIS Debian Linux 12 Benchmark v1.1.0 it maps to. That benchmark
  has no item of its own for the telnet, rsh, talk, finger or inetd-internal servers: they
  fall under 2.1.22 (only approved services listening on a network interface).
"""

from __future__ import annotations

CIS_BENCHMARK = "CIS Debian Linux 12 Benchmark v1.1.0"

_CIS_TITLES = {
    "2.1.2": "Ensure avahi daemon services are not in use",
    "2.1.6": "Ensure ftp server services are not in use",
    "2.1.10": "Ensure nis server services are not in use",
    "2.1.11": "Ensure print server services are not in use",
    "2.1.12": "Ensure rpcbind services are not in use",
    "2.1.15": "Ensure snmp services are not in use",
    "2.1.16": "Ensure tftp server services are not in use",
    "2.1.19": "Ensure xinetd services are not in use",
    "2.1.22": "Ensure only approved services are listening on a network interface",
    "2.2.1": "Ensure NIS Client is not installed",
}

_INTERNAL = "Internal inetd/xinetd service with no use today, and a traffic amplifier (UDP)."

_ENTRIES = (
    {
        "name": "telnet", "kind": "legacy", "aliases": ("telnetd",),
        "description": "Telnet remote login: credentials and session in clear text.",
        "ports": ((23, "tcp"),),
        "units": ("telnet.socket", "telnet@.service"),
        "sysv": (),
        "inetd": ("telnet",), "xinetd": ("telnet",),
        "programs": ("in.telnetd", "telnetd", "telnetlogin"),
        "packages": {"Debian": ("telnetd", "inetutils-telnetd", "telnetd-ssl"), "RedHat": ("telnet-server",), "Suse": ("telnet-server",)},
        "cis": "2.1.22",
    },
    {
        "name": "rsh", "kind": "legacy", "aliases": ("shell", "rshd"),
        "description": "BSD remote shell: host-based trust, no encryption.",
        "ports": ((514, "tcp"),),
        "units": ("rsh.socket", "rsh@.service"),
        "sysv": (),
        "inetd": ("shell", "cmd"), "xinetd": ("shell", "rsh"),
        "programs": ("in.rshd", "rshd"),
        "packages": {"Debian": ("rsh-server", "rsh-redone-server"), "RedHat": ("rsh-server",), "Suse": ("rsh-server",)},
        "cis": "2.1.22",
    },
    {
        "name": "rlogin", "kind": "legacy", "aliases": ("login", "rlogind"),
        "description": "BSD remote login: host-based trust, no encryption.",
        "ports": ((513, "tcp"),),
        "units": ("rlogin.socket", "rlogin@.service"),
        "sysv": (),
        "inetd": ("login",), "xinetd": ("login", "rlogin"),
        "programs": ("in.rlogind", "rlogind"),
        "packages": {"Debian": ("rsh-server", "rsh-redone-server"), "RedHat": ("rsh-server",), "Suse": ("rsh-server",)},
        "cis": "2.1.22",
    },
    {
        "name": "rexec", "kind": "legacy", "aliases": ("exec", "rexecd"),
        "description": "BSD remote execution: password in clear text.",
        "ports": ((512, "tcp"),),
        "units": ("rexec.socket", "rexec@.service"),
        "sysv": (),
        "inetd": ("exec",), "xinetd": ("exec", "rexec"),
        "programs": ("in.rexecd", "rexecd"),
        "packages": {"Debian": ("rsh-server",), "RedHat": ("rsh-server",), "Suse": ("rsh-server",)},
        "cis": "2.1.22",
    },
    {
        "name": "tftp", "kind": "legacy", "aliases": ("tftpd", "tftpd-hpa", "atftpd"),
        "description": "Trivial FTP: unauthenticated file transfer over UDP.",
        "ports": ((69, "udp"),),
        "units": ("tftp.socket", "tftp.service", "tftpd-hpa.service", "atftpd.socket", "atftpd.service"),
        "sysv": ("tftpd-hpa", "atftpd"),
        "inetd": ("tftp",), "xinetd": ("tftp",),
        "programs": ("in.tftpd", "tftpd", "atftpd", "in.tftpd-hpa"),
        "packages": {"Debian": ("tftpd-hpa", "atftpd", "tftpd"), "RedHat": ("tftp-server",), "Suse": ("tftp",)},
        "cis": "2.1.16",
    },
    {
        "name": "talk", "kind": "legacy", "aliases": ("ntalk", "talkd"),
        "description": "talk/ntalk terminal chat: unauthenticated, leaks user names.",
        "ports": ((517, "udp"), (518, "udp")),
        "units": ("talk.socket", "ntalk.socket", "ntalk.service"),
        "sysv": (),
        "inetd": ("talk", "ntalk"), "xinetd": ("talk", "ntalk"),
        "programs": ("in.talkd", "in.ntalkd", "talkd", "ntalkd"),
        "packages": {"Debian": ("talkd", "inetutils-talkd"), "RedHat": ("talk-server",), "Suse": ("talk-server",)},
        "cis": "2.1.22",
    },
    {
        "name": "finger", "kind": "legacy", "aliases": ("fingerd",),
        "description": "Finger user information: discloses accounts and login times.",
        "ports": ((79, "tcp"),),
        "units": ("finger.socket", "finger@.service", "cfingerd.service"),
        "sysv": ("cfingerd",),
        "inetd": ("finger",), "xinetd": ("finger",),
        "programs": ("in.fingerd", "fingerd", "cfingerd", "efingerd"),
        "packages": {"Debian": ("fingerd", "cfingerd", "efingerd"), "RedHat": ("finger-server",), "Suse": ("finger-server",)},
        "cis": "2.1.22",
    },
    {
        "name": "echo", "kind": "legacy", "aliases": (),
        "description": _INTERNAL,
        "ports": ((7, "tcp"), (7, "udp")),
        "units": ("echo.socket", "echo@.service"),
        "sysv": (),
        "inetd": ("echo",), "xinetd": ("echo",),
        "programs": (),
        "packages": {},
        "cis": "2.1.22",
    },
    {
        "name": "discard", "kind": "legacy", "aliases": (),
        "description": _INTERNAL,
        "ports": ((9, "tcp"), (9, "udp")),
        "units": ("discard.socket", "discard@.service"),
        "sysv": (),
        "inetd": ("discard", "sink", "null"), "xinetd": ("discard",),
        "programs": (),
        "packages": {},
        "cis": "2.1.22",
    },
    {
        "name": "daytime", "kind": "legacy", "aliases": (),
        "description": _INTERNAL,
        "ports": ((13, "tcp"), (13, "udp")),
        "units": ("daytime.socket", "daytime@.service"),
        "sysv": (),
        "inetd": ("daytime",), "xinetd": ("daytime",),
        "programs": (),
        "packages": {},
        "cis": "2.1.22",
    },
    {
        "name": "chargen", "kind": "legacy", "aliases": (),
        "description": _INTERNAL,
        "ports": ((19, "tcp"), (19, "udp")),
        "units": ("chargen.socket", "chargen@.service"),
        "sysv": (),
        "inetd": ("chargen", "ttytst", "source"), "xinetd": ("chargen",),
        "programs": (),
        "packages": {},
        "cis": "2.1.22",
    },
    {
        "name": "time", "kind": "legacy", "aliases": (),
        "description": _INTERNAL,
        "ports": ((37, "tcp"), (37, "udp")),
        "units": ("time.socket", "time@.service"),
        "sysv": (),
        "inetd": ("time", "timserver"), "xinetd": ("time",),
        "programs": (),
        "packages": {},
        "cis": "2.1.22",
    },
    {
        "name": "ftp", "kind": "legacy", "aliases": ("vsftpd", "proftpd", "pure-ftpd", "ftpd"),
        "description": "Plaintext FTP server: credentials and data in clear text.",
        "ports": ((21, "tcp"),),
        "units": ("vsftpd.service", "vsftpd.socket", "vsftpd@.service", "proftpd.service", "proftpd.socket",
                  "pure-ftpd.service", "ftpd.socket", "ftp.socket"),
        "sysv": ("vsftpd", "proftpd", "pure-ftpd"),
        "inetd": ("ftp",), "xinetd": ("ftp", "vsftpd", "proftpd"),
        "programs": ("vsftpd", "proftpd", "pure-ftpd", "in.ftpd", "ftpd"),
        "packages": {"Debian": ("vsftpd", "proftpd-core", "proftpd-basic", "pure-ftpd", "ftpd", "ftpd-ssl", "inetutils-ftpd"),
                     "RedHat": ("vsftpd", "proftpd", "pure-ftpd"), "Suse": ("vsftpd", "proftpd", "pure-ftpd")},
        "cis": "2.1.6",
    },
    {
        "name": "ypserv", "kind": "legacy", "aliases": ("nis-server", "yppasswdd", "ypxfrd"),
        "description": "NIS server: hands out password hashes to any client that knows the domain.",
        "ports": (),
        "units": ("ypserv.service", "yppasswdd.service", "ypxfrd.service"),
        "sysv": ("ypserv",),
        "inetd": (), "xinetd": (),
        "programs": ("ypserv", "rpc.yppasswdd", "rpc.ypxfrd"),
        "packages": {"Debian": ("ypserv",), "RedHat": ("ypserv",), "Suse": ("ypserv",)},
        "cis": "2.1.10",
    },
    {
        "name": "ypbind", "kind": "legacy", "aliases": ("nis", "nis-client"),
        "description": "NIS client: trusts unauthenticated NIS maps for accounts.",
        "ports": (),
        "units": ("ypbind.service", "nis.service"),
        "sysv": ("nis", "ypbind"),
        "inetd": (), "xinetd": (),
        "programs": ("ypbind",),
        "packages": {"Debian": ("ypbind-mt", "nis"), "RedHat": ("ypbind",), "Suse": ("ypbind",)},
        "cis": "2.2.1",
    },
    {
        "name": "rstatd", "kind": "legacy", "aliases": ("rstat",),
        "description": "RPC kernel statistics server: host information to anyone.",
        "ports": (),
        "units": ("rstatd.service",),
        "sysv": (),
        "inetd": ("rstatd", "rstat", "rup", "perfmeter"), "xinetd": ("rstatd",),
        "programs": ("rpc.rstatd", "rstatd"),
        "packages": {"Debian": ("rstatd",), "RedHat": ("rusers-server",), "Suse": ("rstatd",)},
        "cis": "2.1.22",
    },
    {
        "name": "rusersd", "kind": "legacy", "aliases": ("rusers",),
        "description": "RPC logged-in users server: leaks user names.",
        "ports": (),
        "units": ("rusersd.service",),
        "sysv": (),
        "inetd": ("rusersd", "rusers"), "xinetd": ("rusersd",),
        "programs": ("rpc.rusersd", "rusersd"),
        "packages": {"Debian": ("rusersd",), "RedHat": ("rusers-server",), "Suse": ("rusers-server",)},
        "cis": "2.1.22",
    },
    {
        "name": "rwalld", "kind": "legacy", "aliases": ("walld", "rwall"),
        "description": "RPC wall server: unauthenticated messages to every terminal.",
        "ports": (),
        "units": ("rwalld.service",),
        "sysv": (),
        "inetd": ("walld", "rwall", "rwalld"), "xinetd": ("rwalld", "walld"),
        "programs": ("rpc.rwalld", "rwalld"),
        "packages": {"Debian": ("rwalld",), "RedHat": ("rwall-server",), "Suse": ("rwall-server",)},
        "cis": "2.1.22",
    },
    {
        "name": "uucp", "kind": "legacy", "aliases": ("uucpd",),
        "description": "UUCP over TCP: plaintext login for an obsolete transfer system.",
        "ports": ((540, "tcp"),),
        "units": ("uucp.socket", "uucp@.service"),
        "sysv": (),
        "inetd": ("uucp",), "xinetd": ("uucp",),
        "programs": ("in.uucpd", "uucpd", "uucico"),
        "packages": {"Debian": ("uucp",), "RedHat": ("uucp",), "Suse": ("uucp",)},
        "cis": "2.1.22",
    },
    {
        "name": "rpcbind", "kind": "review", "aliases": ("portmap", "portmapper"),
        "description": "RPC port mapper: needed by NFSv3 clients and servers.",
        "ports": ((111, "tcp"), (111, "udp")),
        "units": ("rpcbind.socket", "rpcbind.service"),
        "sysv": ("rpcbind",),
        "inetd": (), "xinetd": (),
        "programs": ("rpcbind", "portmap"),
        "packages": {"Debian": ("rpcbind",), "RedHat": ("rpcbind",), "Suse": ("rpcbind",)},
        "cis": "2.1.12",
    },
    {
        "name": "snmpd", "kind": "review", "aliases": ("snmp",),
        "description": "SNMP agent: v1/v2c community strings travel in clear text.",
        "ports": ((161, "udp"),),
        "units": ("snmpd.service",),
        "sysv": ("snmpd",),
        "inetd": (), "xinetd": (),
        "programs": ("snmpd",),
        "packages": {"Debian": ("snmpd",), "RedHat": ("net-snmp",), "Suse": ("net-snmp",)},
        "cis": "2.1.15",
    },
    {
        "name": "avahi", "kind": "review", "aliases": ("avahi-daemon", "mdns"),
        "description": "mDNS/DNS-SD responder: advertises the host and its services on the LAN.",
        "ports": ((5353, "udp"),),
        "units": ("avahi-daemon.socket", "avahi-daemon.service"),
        "sysv": ("avahi-daemon",),
        "inetd": (), "xinetd": (),
        "programs": ("avahi-daemon",),
        "packages": {"Debian": ("avahi-daemon",), "RedHat": ("avahi",), "Suse": ("avahi",)},
        "cis": "2.1.2",
    },
    {
        "name": "cups", "kind": "review", "aliases": ("cupsd", "cups-browsed"),
        "description": "Print server: IPP on 631 and printer discovery.",
        "ports": ((631, "tcp"), (631, "udp")),
        "units": ("cups.socket", "cups.path", "cups.service", "cups-browsed.service"),
        "sysv": ("cups", "cups-browsed"),
        "inetd": (), "xinetd": (),
        "programs": ("cupsd", "cups-browsed"),
        "packages": {"Debian": ("cups-daemon", "cups-browsed", "cups"), "RedHat": ("cups",), "Suse": ("cups",)},
        "cis": "2.1.11",
    },
    {
        "name": "xinetd", "kind": "review", "aliases": (),
        "description": "Extended internet super-server: starts whatever /etc/xinetd.d enables.",
        "ports": (),
        "units": ("xinetd.service",),
        "sysv": ("xinetd",),
        "inetd": (), "xinetd": (),
        "programs": ("xinetd",),
        "packages": {"Debian": ("xinetd",), "RedHat": ("xinetd",), "Suse": ("xinetd",)},
        "cis": "2.1.19",
    },
    {
        "name": "inetd", "kind": "review", "aliases": ("openbsd-inetd", "inetutils-inetd"),
        "description": "Internet super-server: starts whatever inetd.conf enables.",
        "ports": (),
        "units": ("inetd.service", "inetutils-inetd.service"),
        "sysv": ("openbsd-inetd", "inetutils-inetd"),
        "inetd": (), "xinetd": (),
        "programs": ("inetd", "inetutils-inetd"),
        "packages": {"Debian": ("openbsd-inetd", "inetutils-inetd"), "RedHat": (), "Suse": ()},
        "cis": "2.1.22",
    },
)

# What a catalog entry is: a legacy service to disable, or one to review (not drift KINDS).
SERVICE_KINDS = ("legacy", "review")
FAMILIES = ("Debian", "RedHat", "Suse")


class CatalogError(ValueError):
    """A service name that the catalog does not know; the message names it."""


def entries() -> tuple:
    """Every catalog entry, in catalog order (legacy first, then review)."""
    return _ENTRIES


def entry(name: str) -> dict:
    """The entry for a catalog name or alias."""
    return _ENTRIES[_index()[resolve(name)]]


def names(kind=None) -> list:
    """Catalog names, optionally only those of one kind."""
    return [item["name"] for item in _ENTRIES if kind is None or item["kind"] == kind]


def resolve(name: str) -> str:
    """The catalog name for a name or alias (case-insensitive); CatalogError names a stranger."""
    key = str(name).strip().lower()
    found = _aliases().get(key)
    if found is None:
        raise CatalogError("unknown legacy service %r (known: %s)" % (name, ", ".join(names())))
    return found


def cis_title(item: str) -> str:
    return _CIS_TITLES.get(item, "")


def legacy_ports(include_review: bool = False) -> dict:
    """{(port, protocol): service name} for every fixed port of the catalog.

    The audit uses it to mark a listening legacy port as a critical finding. Review
    services (rpcbind, snmpd, ...) are left out unless asked for: they are often needed.
    """
    ports = {}
    for item in _ENTRIES:
        if item["kind"] == "legacy" or include_review:
            for port, proto in item["ports"]:
                ports.setdefault((port, proto), item["name"])
    return ports


def _index() -> dict:
    return dict((item["name"], position) for position, item in enumerate(_ENTRIES))


def _aliases() -> dict:
    table = {}
    for item in _ENTRIES:
        table[item["name"]] = item["name"]
    for item in _ENTRIES:
        for alias in item["aliases"]:
            table.setdefault(alias, item["name"])
    return table
