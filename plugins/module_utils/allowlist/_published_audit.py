# -*- coding: utf-8 -*-
# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Published ports in the audit: shape them like socket items, and count a proxied port once.

Contract: ``normalise_published(items)`` checks items given to port_audit (the
``portwarden_published`` fact) and raises ``PublishedError`` naming the bad item;
``as_audit_items(published)`` returns socket-shaped items carrying a ``published`` mapping,
which ``_drift`` audits like listeners; ``without_proxied(listening, published)`` leaves out
the userland-proxy listeners (``docker-proxy``) that serve a published port, so one
exposure is one finding.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from ansible_collections.portwarden.hardening.plugins.module_utils._constants import PROTOCOLS
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._port_ranges import is_port
from ansible_collections.portwarden.hardening.plugins.module_utils.sockets._published import ITEM_FIELDS

# Who holds a socket for a published port (comm): Docker's userland proxy, or dockerd itself,
# which binds the port to reserve it when the proxy is off; Podman's conmon and rootlessport.
# Such a listener is the published port itself, not a second exposure.
PROXY_PROCESSES = ("docker-proxy", "dockerd", "rootlessport", "conmon")
_PUBLISHED_KEYS = ("target_address", "target_port", "targets", "source", "via", "container_name", "container_id")


class PublishedError(ValueError):
    """A published item given to the audit (option ``published``) is not usable; names the item."""


def normalise_published(items) -> list:
    if isinstance(items, (str, Mapping)) or not isinstance(items, (list, tuple)):
        raise PublishedError("published must be a list of published items (the portwarden_published fact)")
    result = []
    for number, raw in enumerate(items, start=1):
        where = "published item #%d" % number
        if not isinstance(raw, Mapping):
            raise PublishedError("%s: must be a mapping with protocol, address and port" % where)
        item = {field: raw.get(field) for field in ITEM_FIELDS}
        if item["protocol"] not in PROTOCOLS:
            raise PublishedError("%s: protocol must be tcp or udp, got %r" % (where, item["protocol"]))
        port = item["port"]
        if not is_port(port):
            raise PublishedError("%s: port must be an integer 1-65535, got %r" % (where, port))
        try:
            address = ipaddress.ip_address(str(item["address"]))
        except ValueError:
            raise PublishedError("%s: address %r is not an IP address" % (where, item["address"])) from None
        item["address"] = str(address)
        item["family"] = "ipv%d" % address.version
        item["exposure"] = "loopback" if address.is_loopback else "wildcard" if address.is_unspecified else "address"
        for field in ("target_address", "source", "via", "container_name", "container_id"):
            if item[field] is not None and not isinstance(item[field], str):
                raise PublishedError("%s: %s must be a string or null" % (where, field))
        if not isinstance(item["targets"], list):
            item["targets"] = []
        result.append(item)
    return result


def as_audit_items(published: list) -> list:
    """Socket-shaped items for ``_drift``: no owning process, a ``published`` mapping instead."""
    items = []
    for item in published:
        items.append({
            "protocol": item["protocol"], "family": item["family"], "address": item["address"],
            "interface": None, "port": item["port"], "v6only": None, "exposure": item["exposure"],
            "dual_stack": False, "inode": None, "pid": None, "pids": [], "process": None, "cmdline": None,
            "user": None, "uid": None, "unit": None,
            "published": {key: item.get(key) for key in _PUBLISHED_KEYS},
        })
    return items


def without_proxied(listening: list, published: list) -> list:
    """Listening items minus the userland proxies' sockets for a published (protocol, port)."""
    ports = {(item["protocol"], item["port"]) for item in published}
    return [item for item in listening
            if not (item.get("process") in PROXY_PROCESSES and (item.get("protocol"), item.get("port")) in ports)]


def owner_text(item: Mapping) -> str:
    """``published by container web (81b4a71d6718) to 172.18.0.2:8000`` for a finding's reason."""
    published = item["published"]
    name = published.get("container_name")
    if name:
        who = "container %s (%s)" % (name, (published.get("container_id") or "")[:12])
    else:
        who = "%s DNAT (no container name)" % (published.get("source") or "a")
    targets = published.get("targets") or []
    return "published by %s to %s" % (who, ", ".join(targets[:4]) or published.get("target_address"))


def owner_matches(expected: str, item: Mapping) -> bool:
    """An allowlist ``process`` matches a published port by its container name."""
    return expected == (item.get("published") or {}).get("container_name")
