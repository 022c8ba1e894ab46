# -*- coding: utf-8 -*-
# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Read what ``_published`` parses from this host: the NAT rules, its own addresses, and Docker's containers.

Contract: ``gather_published(proc)`` returns ``(items, sources)`` - the published items
with their container owners, and which readers answered (``iptables-nft``,
``iptables-legacy``, ``nftables``, ``docker-api``). Every reader is optional: a missing
binary, a refused socket or a malformed answer costs only that reader. Standard library
only; the Docker API is spoken over its unix socket with http.client.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import os
import socket
import subprocess

from ansible_collections.portwarden.hardening.plugins.module_utils._constants import PROTOCOLS
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._port_ranges import is_port
from ansible_collections.portwarden.hardening.plugins.module_utils.sockets import _published, _published_iptables, _published_nft

_PATHS = ("/usr/sbin", "/sbin", "/usr/bin", "/bin")
_TIMEOUT = 10
# An answer larger than this from a tool or the Docker API is not read at all.
_MAX_BYTES = 32 * 1024 * 1024
DOCKER_SOCKETS = ("/run/docker.sock", "/var/run/docker.sock")


def _binary(name: str):
    for directory in _PATHS:
        path = os.path.join(directory, name)
        if os.access(path, os.X_OK):
            return path
    return None


def _run(argv: list):
    """stdout of a command as text, or None when it is missing, fails or says too much."""
    binary = _binary(argv[0])
    if binary is None:
        return None
    try:
        done = subprocess.run([binary] + argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              timeout=_TIMEOUT, check=False, env={"LC_ALL": "C", "PATH": ":".join(_PATHS)})
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0 or len(done.stdout) > _MAX_BYTES:
        return None
    return done.stdout.decode("utf-8", "replace")


def _legacy_tables(proc: str, family: str) -> bool:
    """Whether legacy (x_tables) has a nat table; reading it otherwise could load kernel modules."""
    name = "ip_tables_names" if family == "ipv4" else "ip6_tables_names"
    try:
        with open(os.path.join(proc, "net", name)) as handle:
            return "nat" in handle.read().split()
    except OSError:
        return False


def local_addresses(proc: str = "/proc") -> set:
    """This host's own addresses (IPv4 from fib_trie's LOCAL routes, IPv6 from if_inet6)."""
    addresses = set()
    try:
        with open(os.path.join(proc, "net", "fib_trie")) as handle:
            previous = None
            for line in handle:
                text = line.strip()
                if text.startswith("|--") or text.startswith("+--"):
                    previous = text[3:].strip().split(" ")[0]
                elif text.startswith("/32 host LOCAL") and previous:
                    addresses.add(previous)
    except OSError:
        pass
    try:
        with open(os.path.join(proc, "net", "if_inet6")) as handle:
            for line in handle:
                hexed = line.split(" ")[0].strip()
                if len(hexed) == 32:
                    try:
                        addresses.add(str(ipaddress.IPv6Address(bytes.fromhex(hexed))))
                    except ValueError:
                        continue
    except OSError:
        pass
    return addresses


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str):
        http.client.HTTPConnection.__init__(self, "localhost", timeout=_TIMEOUT)
        self._path = path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(_TIMEOUT)
        sock.connect(self._path)
        self.sock = sock


def docker_containers(paths=DOCKER_SOCKETS):
    """Docker's running containers (``GET /containers/json``), or None when no engine answers."""
    for path in paths:
        if not os.path.exists(path):
            continue
        connection = _UnixConnection(path)
        try:
            connection.request("GET", "/containers/json")
            response = connection.getresponse()
            body = response.read(_MAX_BYTES + 1)
            if response.status != 200 or len(body) > _MAX_BYTES:
                continue
            containers = json.loads(body.decode("utf-8", "replace"))
        except (OSError, ValueError, http.client.HTTPException):
            continue
        finally:
            connection.close()
        return containers if isinstance(containers, list) else None
    return None


def _text(value, limit: int = 256):
    return value[:limit] if isinstance(value, str) else None


def _container_view(container) -> dict:
    """The parts of one container record we use, checked: name, id, addresses, port bindings."""
    if not isinstance(container, dict):
        return {}
    names = container.get("Names") if isinstance(container.get("Names"), list) else []
    name = next((_text(item).lstrip("/") for item in names if _text(item)), None)
    networks = (container.get("NetworkSettings") or {}).get("Networks") if isinstance(container.get("NetworkSettings"), dict) else None
    addresses = set()
    for network in (networks or {}).values() if isinstance(networks, dict) else ():
        for key in ("IPAddress", "GlobalIPv6Address"):
            if isinstance(network, dict) and _text(network.get(key)):
                addresses.add(network[key])
    ports = []
    for binding in container.get("Ports") if isinstance(container.get("Ports"), list) else ():
        if not isinstance(binding, dict) or binding.get("Type") not in PROTOCOLS:
            continue
        public, private = binding.get("PublicPort"), binding.get("PrivatePort")
        if not (is_port(public) and is_port(private)):
            continue
        try:
            address = str(ipaddress.ip_address(binding.get("IP") or "0.0.0.0"))
        except ValueError:
            continue
        ports.append((binding["Type"], address, public, private))
    return {"name": name, "id": _text(container.get("Id"), 64), "addresses": addresses, "ports": ports}


def attach_containers(items: list, containers) -> list:
    """Name each DNAT item's container; add the bindings only a userland proxy serves (no DNAT rule)."""
    views = [_container_view(container) for container in containers or ()]
    views = [view for view in views if view]
    by_target = {}
    for view in views:
        for proto, _address, _public, private in view["ports"]:
            for address in view["addresses"]:
                by_target[(proto, address, private)] = view
    for item in items:
        view = by_target.get((item["protocol"], item["target_address"], item["target_port"]))
        if view:
            item["container_name"], item["container_id"], item["source"] = view["name"], view["id"], "docker"
    covered = {(item["protocol"], item["family"], item["port"]) for item in items}
    extra = []
    for view in views:
        for proto, address, public, private in view["ports"]:
            family = "ipv6" if ":" in address else "ipv4"
            if (proto, family, public) in covered:
                continue
            covered.add((proto, family, public))
            target = sorted(view["addresses"])[0] if view["addresses"] else None
            extra.append({"protocol": proto, "family": family, "address": address, "port": public,
                          "exposure": _published.exposure_of(address), "target_address": target,
                          "target_port": private, "targets": ["%s:%d" % (target, private)] if target else [],
                          "source": "docker", "via": "proxy", "container_name": view["name"],
                          "container_id": view["id"]})
    return _published.sort_items(items + extra)


def gather_published(proc: str = "/proc", docker_sockets=DOCKER_SOCKETS):
    """(items, sources): every published port of this host, with its container when Docker names it."""
    raw, sources = [], []
    for family, tool in (("ipv4", "iptables"), ("ipv6", "ip6tables")):
        for variant in ("nft", "legacy"):
            if variant == "legacy" and not _legacy_tables(proc, family):
                continue
            text = _run(["%s-%s-save" % (tool, variant)])
            if text is None and variant == "nft":
                text = _run(["%s-save" % tool])  # before iptables 1.8 there is only one
            if text is not None:
                raw.extend(_published_iptables.from_iptables_save(text, family))
                sources.append("iptables-%s" % variant)
    text = _run(["nft", "-j", "list", "ruleset"])
    if text is not None:
        raw.extend(_published_nft.from_nft_json(text))
        sources.append("nftables")
    items = _published.published_items(raw, local_addresses(proc))
    containers = docker_containers(docker_sockets)
    if containers is not None:
        sources.append("docker-api")
    return attach_containers(items, containers), sorted(set(sources))
