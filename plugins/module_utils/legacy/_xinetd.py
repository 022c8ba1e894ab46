# -*- coding: utf-8 -*-
# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Read xinetd configuration and set ``disable = yes`` in service blocks, keeping every other byte.

xinetd.conf(5): ``service NAME`` followed by a ``{ ... }`` block of ``attribute op value``
lines (op ``=``, ``+=`` or ``-=``); a ``defaults`` block; ``include FILE`` and
``includedir DIR`` outside blocks. includedir reads every file of DIR whose name has no
dot and does not end in a tilde, in C-locale order.

A service is off when its block says ``disable = yes``, its ``flags`` carry ``DISABLE``,
its id is in the defaults' ``disabled`` list, or the defaults carry an ``enabled`` list
without it. Disabling rewrites the value of an existing ``disable`` line or, when the block
has none, inserts one just before the closing brace, indented like the block's attributes.
"""

from __future__ import annotations

import os
import re

XINETD_CONF = "/etc/xinetd.conf"

_ATTRIBUTE = re.compile(r"^(?P<lead>[ \t]*)(?P<key>[A-Za-z_]+)(?P<gap>[ \t]*)(?P<op>\+=|-=|=)(?P<sep>[ \t]*)(?P<value>.*?)(?P<tail>[ \t]*)$")
_HEADER = re.compile(r"^[ \t]*(?P<kind>service|defaults)(?:[ \t]+(?P<name>[^ \t{]+))?[ \t]*(?P<brace>\{)?[ \t]*$")
_DIRECTIVE = re.compile(r"^[ \t]*(?P<kind>includedir|include)[ \t]+(?P<target>\S+)[ \t]*$")


class XinetdError(ValueError):
    """A configuration text this editor cannot read safely; the message names file and line."""


def parse(text: str, path: str = "") -> dict:
    """Blocks and include directives of one xinetd configuration text.

    Returns {"services": [...], "defaults": {...} or None, "includes": [(kind, target)]}.
    A service carries name, id, line (of ``service``), open/close (0-based line indexes of
    the braces), attrs {key: [values]}, disable_lines (0-based indexes) and enabled (from
    its own block only; see ``effective_enabled`` for the defaults).
    """
    lines = [line.rstrip("\r\n") for line in text.splitlines(True)]
    services, includes = [], []
    defaults = None
    block = None
    pending = None
    for index, raw in enumerate(lines):
        stripped = raw.strip(" \t")
        if not stripped or stripped.startswith("#"):
            continue
        if block is None and pending is None:
            directive = _DIRECTIVE.match(raw)
            if directive:
                includes.append((directive.group("kind"), directive.group("target")))
                continue
            header = _HEADER.match(raw)
            if not header or (header.group("kind") == "service" and not header.group("name")):
                raise XinetdError("%s line %d: expected 'service NAME', 'defaults' or an include, got %r" % (path or "<text>", index + 1, raw))
            pending = {"kind": header.group("kind"), "name": header.group("name"), "line": index + 1, "path": path}
            if header.group("brace"):
                block, pending = _open(pending, index), None
            continue
        if pending is not None:
            if stripped != "{":
                raise XinetdError("%s line %d: expected '{' after line %d, got %r" % (path or "<text>", index + 1, pending["line"], raw))
            block, pending = _open(pending, index), None
            continue
        if stripped.startswith("}"):
            block["close"] = index
            if block["kind"] == "defaults":
                defaults = block
            else:
                services.append(_finish(block))
            block = None
            continue
        attribute = _ATTRIBUTE.match(raw)
        if not attribute:
            raise XinetdError("%s line %d: expected 'attribute = value' inside the block of line %d, got %r"
                              % (path or "<text>", index + 1, block["line"], raw))
        _apply(block, attribute, index)
    if block is not None or pending is not None:
        start = (block or pending)["line"]
        raise XinetdError("%s: the block that starts on line %d is never closed" % (path or "<text>", start))
    return {"services": services, "defaults": defaults, "includes": includes}


def effective_enabled(service: dict, defaults) -> bool:
    """Whether xinetd would run a service, given the defaults block (or None)."""
    if not service["enabled"]:
        return False
    if defaults is None:
        return True
    ident = service["id"]
    if ident in defaults["attrs"].get("disabled", []):
        return False
    if "enabled" in defaults["attrs"] and ident not in defaults["attrs"]["enabled"]:
        return False
    return True


def disable(text: str, wanted, path: str = "") -> tuple:
    """Set ``disable = yes`` in every enabled service block for which ``wanted(service)`` is true.

    Returns (new_text, disabled_services). Blocks that are already off by their own
    ``disable``/``flags`` are not touched.
    """
    parsed = parse(text, path)
    lines = text.splitlines(True)
    eol = _eol(lines)
    inserts = {}
    disabled = []
    for service in parsed["services"]:
        if not service["enabled"] or not wanted(service):
            continue
        if service["disable_lines"]:
            for index in service["disable_lines"]:
                lines[index] = _set_yes(lines[index])
        else:
            inserts[service["close"]] = _new_disable_line(lines, service, eol)
        disabled.append(service)
    if inserts:
        rebuilt = []
        for index, line in enumerate(lines):
            if index in inserts:
                rebuilt.append(inserts[index])
            rebuilt.append(line)
        lines = rebuilt
    return "".join(lines), disabled


def included_files(conf_text: str, conf_path: str, root: str = "/") -> list:
    """Files that an xinetd.conf text pulls in (include and includedir), as paths under root."""
    files = []
    for kind, target in parse(conf_text, conf_path)["includes"]:
        local = _under(root, target)
        if kind == "include":
            if os.path.isfile(local):
                files.append(local)
            continue
        if not os.path.isdir(local):
            continue
        for name in sorted(os.listdir(local)):
            full = os.path.join(local, name)
            if "." in name or name.endswith("~") or not os.path.isfile(full):
                continue
            files.append(full)
    return files


def config_files(root: str = "/") -> list:
    """/etc/xinetd.conf and every file it includes, when xinetd.conf exists under root."""
    conf = _under(root, XINETD_CONF)
    if not os.path.isfile(conf):
        return []
    with open(conf, "rb") as handle:
        text = handle.read().decode("utf-8", "surrogateescape")
    return [conf] + included_files(text, conf, root)


def _open(pending: dict, index: int) -> dict:
    block = dict(pending)
    block.update({"open": index, "close": None, "attrs": {}, "disable_lines": [], "attr_lines": []})
    return block


def _apply(block: dict, attribute, index: int) -> None:
    key = attribute.group("key")
    values = attribute.group("value").split()
    op = attribute.group("op")
    current = block["attrs"].get(key, [])
    if op == "=":
        current = values
    elif op == "+=":
        current = current + values
    else:
        current = [value for value in current if value not in values]
    block["attrs"][key] = current
    block["attr_lines"].append(index)
    if key == "disable":
        block["disable_lines"].append(index)


def _finish(block: dict) -> dict:
    attrs = block["attrs"]
    disable = attrs.get("disable", ["no"])
    # xinetd compares with strcmp: only a literal "yes" disables; anything else leaves it on.
    off = (disable[-1] == "yes" if disable else False) or "DISABLE" in attrs.get("flags", [])
    socket_type = (attrs.get("socket_type") or [None])[0]
    protocol = (attrs.get("protocol") or [None])[0]
    proto = protocol if protocol in ("tcp", "udp") else {"stream": "tcp", "dgram": "udp"}.get(socket_type)
    flags = attrs.get("flags", [])
    family = "ipv6" if "IPv6" in flags else "ipv4" if "IPv4" in flags else None
    port = (attrs.get("port") or [None])[0]
    server = (attrs.get("server") or [None])[0]
    types = attrs.get("type", [])
    return {
        "name": block["name"],
        "id": (attrs.get("id") or [block["name"]])[0],
        "path": block["path"],
        "line": block["line"],
        "open": block["open"],
        "close": block["close"],
        "attrs": attrs,
        "attr_lines": block["attr_lines"],
        "disable_lines": block["disable_lines"],
        "enabled": not off,
        "proto": proto,
        "family": family,
        "port": int(port) if port and port.isdigit() else None,
        "server": server,
        "program": "internal" if "INTERNAL" in types else (os.path.basename(server) if server else None),
        "rpc": "RPC" in types,
    }


def _set_yes(line: str) -> str:
    body = line.rstrip("\r\n")
    ending = line[len(body):]
    match = _ATTRIBUTE.match(body)
    return "%s%s%s=%syes%s%s" % (match.group("lead"), match.group("key"), match.group("gap"), match.group("sep"), match.group("tail"), ending)


def _new_disable_line(lines: list, service: dict, eol: str) -> str:
    lead, gap = "\t", "\t\t"
    if service["attr_lines"]:
        match = _ATTRIBUTE.match(lines[service["attr_lines"][0]].rstrip("\r\n"))
        lead = match.group("lead")
        # Line the value up like the block does: tabs after a tab-indented key, a space otherwise.
        gap = "\t\t" if "\t" in match.group("gap") or lead.startswith("\t") else " "
    return "%sdisable%s= yes%s" % (lead, gap, eol)


def _eol(lines: list) -> str:
    for line in lines:
        if line.endswith("\r\n"):
            return "\r\n"
        if line.endswith("\n"):
            return "\n"
    return "\n"


def _under(root: str, path: str) -> str:
    return os.path.join(root, path.lstrip("/")) if root not in ("", "/") else path
