# -*- coding: utf-8 -*-
# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""What listens on this host, and who owns it: the socket items of ``listening_ports``.

Sockets come from netlink sock_diag and, when the kernel refuses that, from /proc/net;
owners come from one pass over /proc/*/fd. See ``gather``.
"""

from __future__ import annotations

import os
import socket

from ansible_collections.portwarden.hardening.plugins.module_utils.sockets import _netlink
from ansible_collections.portwarden.hardening.plugins.module_utils.sockets import _owners
from ansible_collections.portwarden.hardening.plugins.module_utils.sockets import _procnet
from ansible_collections.portwarden.hardening.plugins.module_utils._constants import FAMILIES, PROTOCOLS

# Every key of a socket item, in the order items carry them.
# ``cmdline`` is a field to ask for, but is returned once per process (``split_owners``).
ITEM_FIELDS = ("protocol", "family", "address", "interface", "port", "v6only", "exposure", "dual_stack", "inode",
               "pid", "pids", "process", "exe", "cmdline", "user", "uid", "unit")
# The keys that need /proc/*/fd read to be known.
OWNER_FIELDS = ("pid", "pids", "process", "exe", "cmdline", "user", "uid", "unit")
# The keys of an item as gather() returns it: ``truncated`` says whether ``cmdline`` was cut,
# and leaves the item with it (split_owners).
GATHERED_FIELDS = ITEM_FIELDS[:ITEM_FIELDS.index("cmdline") + 1] + ("truncated",) + ITEM_FIELDS[ITEM_FIELDS.index("cmdline") + 1:]
# One entry per owning process, as split_owners returns them.
PROCESS_FIELDS = ("pid", "process", "exe", "cmdline", "truncated", "user", "uid", "unit")

_FAMILY_NUMBERS = {"ipv4": socket.AF_INET, "ipv6": socket.AF_INET6}
_FAMILY_NAMES = {socket.AF_INET: "ipv4", socket.AF_INET6: "ipv6"}
# Listening TCP sockets; UDP sockets that are bound and unconnected (kernel state CLOSE).
_WANTED_STATE = {"tcp": _netlink.TCP_LISTEN, "udp": _netlink.TCP_CLOSE}
_IPPROTO = {"tcp": socket.IPPROTO_TCP, "udp": socket.IPPROTO_UDP}

_V4_MAPPED_PREFIX = bytes(10) + b"\xff\xff"
_V4_ANY = bytes(4)
_V6_ANY = bytes(16)
_V6_LOOPBACK = bytes(15) + b"\x01"

_NO_OWNER = {"pid": None, "pids": (), "process": None, "exe": None, "cmdline": None, "truncated": False,
             "user": None, "uid": None, "unit": None}


class SocketsError(ValueError):
    """Bad gather() arguments, or no source of socket data could be read at all."""


def _choices(name: str, values, allowed: tuple) -> tuple:
    if isinstance(values, str) or values is None:
        raise SocketsError("%s must be a list, got %r" % (name, values))
    chosen = []
    for index, value in enumerate(values):
        if value not in allowed:
            raise SocketsError(
                "%s entry #%d: unsupported value %r (choose from %s)" % (name, index + 1, value, ", ".join(allowed))
            )
        if value not in chosen:
            chosen.append(value)
    if not chosen:
        raise SocketsError("%s must name at least one of %s" % (name, ", ".join(allowed)))
    return tuple(chosen)


def classify(packed: bytes, interface) -> str:
    """Return the exposure of a bound address: "loopback", "wildcard" or "address".

    A socket bound to the loopback device is loopback whatever its address; an IPv4-mapped
    IPv6 address is judged by its IPv4 part.
    """
    if interface == "lo":
        return "loopback"
    if len(packed) == 16 and packed[:12] == _V4_MAPPED_PREFIX:
        packed = packed[12:]
    if len(packed) == 4:
        if packed[0] == 127:
            return "loopback"
        return "wildcard" if packed == _V4_ANY else "address"
    if packed == _V6_LOOPBACK:
        return "loopback"
    return "wildcard" if packed == _V6_ANY else "address"


def _ipv6_present(proc: str) -> bool:
    # Without IPv6 in the kernel (ipv6.disable=1) there is neither an AF_INET6 diag handler
    # nor a tcp6 table; that is an empty answer, not a failure.
    return os.path.exists(proc + "/net/if_inet6")


def _from_netlink(protocols: tuple, families: tuple, proc: str) -> list:
    found = []
    sock = _netlink.open_socket()
    try:
        for protocol in protocols:
            for family in families:
                number = _FAMILY_NUMBERS[family]
                try:
                    sockets = _netlink.dump(number, _IPPROTO[protocol], 1 << _WANTED_STATE[protocol], sock)
                except _netlink.SockDiagError:
                    if family == "ipv6" and not _ipv6_present(proc):
                        continue
                    raise
                found.extend((protocol, raw) for raw in sockets)
    finally:
        sock.close()
    return found


def _from_procfs(protocols: tuple, families: tuple, proc: str) -> list:
    found = []
    for protocol in protocols:
        state = _WANTED_STATE[protocol]
        for family in families:
            try:
                rows = _procnet.read_table(protocol, _FAMILY_NUMBERS[family], proc)
            except OSError as exc:
                if family == "ipv6" and not _ipv6_present(proc):
                    continue
                raise SocketsError("cannot read the socket table for %s/%s: %s" % (protocol, family, exc))
            found.extend((protocol, raw) for raw in rows if raw.state == state)
    return found


def _ipv4_wildcard_ports(protocols: tuple, proc: str) -> set:
    """(protocol, port) of IPv4 wildcard sockets, read from /proc/net for the dual-stack guess."""
    ports = set()
    for protocol in protocols:
        try:
            rows = _procnet.read_table(protocol, socket.AF_INET, proc)
        except OSError:
            continue
        ports.update((protocol, raw.port) for raw in rows if raw.state == _WANTED_STATE[protocol] and raw.address == _V4_ANY)
    return ports


def _bindv6only(proc: str) -> bool:
    try:
        with open(proc + "/sys/net/ipv6/bindv6only", "r", encoding="ascii") as handle:
            return handle.read().strip() == "1"
    except (OSError, UnicodeDecodeError):
        return False


class _Names:
    """Packed address -> text and ifindex -> device name, each converted once."""

    def __init__(self) -> None:
        self.addresses: dict = {}
        self.interfaces: dict = {0: None}

    def address(self, family: int, packed: bytes) -> str:
        text = self.addresses.get(packed)
        if text is None:
            # inet_ntop is what ss prints too (::ffff:127.0.0.1, not ::ffff:7f00:1).
            text = self.addresses[packed] = socket.inet_ntop(family, packed)
        return text

    def interface(self, index: int):
        if index not in self.interfaces:
            try:
                self.interfaces[index] = socket.if_indextoname(index)
            except (OSError, OverflowError, ValueError):
                self.interfaces[index] = None
        return self.interfaces[index]


def _items(raw_sockets: list, include_loopback: bool) -> list:
    names = _Names()
    seen = set()
    keyed = []
    for protocol, raw in raw_sockets:
        if raw.inode:
            if (protocol, raw.inode) in seen:
                continue
            seen.add((protocol, raw.inode))
        interface = names.interface(raw.ifindex)
        exposure = classify(raw.address, interface)
        if exposure == "loopback" and not include_loopback:
            continue
        ipv6 = raw.family == socket.AF_INET6
        item = {
            "protocol": protocol,
            "family": _FAMILY_NAMES[raw.family],
            "address": names.address(raw.family, raw.address),
            "interface": interface,
            "port": raw.port,
            "v6only": raw.v6only if ipv6 else None,
            "exposure": exposure,
            "dual_stack": ipv6 and raw.address == _V6_ANY and raw.v6only is False,
            "inode": raw.inode,
        }
        keyed.append(((protocol, raw.port, raw.family, raw.address, interface or "", raw.inode), item))
    keyed.sort(key=lambda pair: pair[0])
    return [item for _key, item in keyed]


def _guess_dual_stack(items: list, protocols: tuple, proc: str) -> None:
    """Where the kernel did not say whether an IPv6 wildcard is v6only, infer dual_stack.

    A dual-stack [::]:P and an IPv4 0.0.0.0:P cannot normally both be bound, so an IPv4
    wildcard twin means v6only; otherwise the system default (net.ipv6.bindv6only) applies.
    """
    unknown = [item for item in items if item["dual_stack"] is False and item["v6only"] is None
               and item["family"] == "ipv6" and item["address"] == "::"]
    if not unknown:
        return
    twins = _ipv4_wildcard_ports(protocols, proc)
    default_v6only = _bindv6only(proc)
    for item in unknown:
        item["dual_stack"] = not default_v6only and (item["protocol"], item["port"]) not in twins


def _attach_owners(items: list, resolve_owners: bool, proc: str) -> None:
    owners = _owners.resolve({item["inode"] for item in items if item["inode"]}, proc) if resolve_owners else {}
    for item in items:
        owner = owners.get(item["inode"], _NO_OWNER)
        item.update(owner)
        item["pids"] = list(owner["pids"])


def choose_fields(fields) -> tuple:
    """Return the item keys to keep, in item order, for a ``fields`` list (None: every key).

    Raises SocketsError naming an unknown field.
    """
    if fields is None:
        return ITEM_FIELDS
    chosen = set(_choices("fields", fields, ITEM_FIELDS))
    return tuple(field for field in ITEM_FIELDS if field in chosen)


def select_fields(items: list, fields: tuple) -> list:
    """Items reduced to ``fields`` (from ``choose_fields``); the same list when that is every key.

    Every value an item carries costs Ansible time on the way back to the controller, so a
    caller that needs a few keys of 10,000 sockets asks for just those.
    """
    if fields == ITEM_FIELDS:
        return items
    if "cmdline" in fields:
        fields = fields + ("truncated",)
    return [{field: item[field] for field in fields} for item in items]


def split_owners(items: list) -> list:
    """Move each item's command line into one entry per owning process; return those entries.

    A process holding 50 sockets would otherwise carry its command line (up to
    ``_owners.CMDLINE_CAP``) 50 times. Items lose ``cmdline`` and ``truncated`` (in place);
    the entries (``PROCESS_FIELDS``, ascending by pid) keep them. Items without an owner or
    without a ``cmdline`` key add nothing.
    """
    processes = {}
    for item in items:
        if "cmdline" not in item:
            continue
        cmdline = item.pop("cmdline")
        truncated = bool(item.pop("truncated", False))
        pid = item.get("pid")
        if pid is None or pid in processes:
            continue
        processes[pid] = {"pid": pid, "process": item.get("process"), "exe": item.get("exe"), "cmdline": cmdline,
                          "truncated": truncated, "user": item.get("user"), "uid": item.get("uid"),
                          "unit": item.get("unit")}
    return [processes[pid] for pid in sorted(processes)]


def gather(protocols=PROTOCOLS, families=FAMILIES, include_loopback: bool = True,
           resolve_owners: bool = True, proc: str = "/proc", use_netlink: bool = True):
    """Return (items, method): every listening TCP and bound unconnected UDP socket.

    One item per socket inode (see the socket item contract), sorted by protocol, port,
    family, address, interface and inode. ``method`` is "netlink" or "procfs", the source
    the sockets came from. Raises SocketsError on bad arguments or when neither source can
    be read.
    """
    protocols = _choices("protocols", protocols, PROTOCOLS)
    families = _choices("families", families, FAMILIES)
    raw_sockets = None
    method = "procfs"
    if use_netlink:
        try:
            raw_sockets = _from_netlink(protocols, families, proc)
            method = "netlink"
        except _netlink.SockDiagError:
            raw_sockets = None
    if raw_sockets is None:
        raw_sockets = _from_procfs(protocols, families, proc)
    items = _items(raw_sockets, include_loopback)
    _guess_dual_stack(items, protocols, proc)
    _attach_owners(items, resolve_owners, proc)
    return items, method
