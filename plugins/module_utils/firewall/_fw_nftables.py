# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""nftables backend: our own ``table inet portwarden``, nothing else.

* validate: the ruleset may only create, replace or delete ``table inet portwarden``
  (checked here, so a hand-written ruleset cannot ``flush ruleset``), then ``nft -c -f``.
* current: ``nft list table inet portwarden`` (None when the table does not exist).
* apply: one ``nft -f`` of a file that starts with ``table inet portwarden {}`` +
  ``delete table inet portwarden``: the kernel applies the whole file as one transaction,
  so the old table is replaced by the new one or, when anything fails, left as it was.
  ``destroy table`` would say the same in one line but needs nft >= 1.0.8 and Linux >= 6.3
  (Debian 11 has 0.9.8, Debian 12 1.0.6); the two-line idiom works everywhere.
* persistence: the same file at ``path`` (default ``/etc/nftables.d/portwarden.nft``),
  loaded at boot by the role's ``portwarden-firewall.service``; ``/etc/nftables.conf`` and
  every other table are left alone.
* live state (``port_audit``): ``nft -j list ruleset`` parsed into ``_live_firewall``'s
  shape: our table's input policy, its port and source sets, whether it filters forwarded
  traffic, and foreign input chains with a rule that accepts everything. Forward filtering
  counts as on when our forward chain is hooked and every set of local addresses it
  judges by is filled by a prerouting chain of ours that runs before the DNAT.
"""

from __future__ import annotations

import ipaddress
import json
import re

from ansible_collections.portwarden.hardening.plugins.module_utils._constants import PROTOCOLS
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_base import (
    Backend,
    FirewallError,
    TemporaryText,
    ensure_newline,
    required_content,
    run_checked,
)
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._live_firewall import MAX_ENTRIES, empty_state

FAMILY = "inet"
TABLE = "portwarden"
DEFAULT_PATH = "/etc/nftables.d/portwarden.nft"
# What port_audit reads to judge the live firewall: the whole ruleset, foreign tables included.
LIVE_COMMAND = ("nft", "-j", "list", "ruleset")
REPLACE_HEADER = "table %s %s {}\ndelete table %s %s\n" % (FAMILY, TABLE, FAMILY, TABLE)

_OURS = r"table\s+%s\s+%s" % (FAMILY, TABLE)
_ALLOWED_TOP_LEVEL = re.compile(r"^(?:(?:add|create|delete|flush)\s+)?%s$" % _OURS)
_HAS_DELETE = re.compile(r"^\s*delete\s+%s\s*(?:#.*)?$" % _OURS, re.MULTILINE)
_MISSING_TABLE = re.compile(r"No such file or directory|does not exist", re.IGNORECASE)
# The DNAT runs at prerouting priority dstnat (-100); a chain that records the destination
# a packet arrived with must run before it.
DSTNAT_PRIORITY = -100


def top_level_statements(text):
    """Yield (line number, statement) for every statement outside braces.

    Comments and quoted strings are skipped, so a ``{`` in a log prefix or a comment does
    not confuse the brace count.
    """
    depth = 0
    line = 1
    start_line = 1
    current = []
    quote = False
    comment = False
    for char in text:
        if comment:
            if char == "\n":
                comment = False
            else:
                continue
        if quote:
            if char == '"':
                quote = False
            if char == "\n":
                line += 1
            continue
        if char == '"':
            quote = True
            continue
        if char == "#":
            comment = True
            continue
        if char == "{":
            if depth == 0:
                yield start_line, " ".join("".join(current).split())
                current = []
            depth += 1
            continue
        if char == "}":
            depth -= 1
            if depth < 0:
                raise FirewallError("nftables ruleset line %d: unbalanced '}'" % line)
            if depth == 0:
                current = []
            continue
        if depth == 0:
            if char in "\n;":
                statement = " ".join("".join(current).split())
                if statement:
                    yield start_line, statement
                current = []
            else:
                if not "".join(current).strip():
                    start_line = line
                current.append(char)
        if char == "\n":
            line += 1
    statement = " ".join("".join(current).split())
    if statement:
        yield start_line, statement
    if depth != 0:
        raise FirewallError("nftables ruleset: %d unclosed '{' at the end" % depth)


def check_scope(text) -> None:
    """Refuse a ruleset that would touch anything but ``table inet portwarden``."""
    for line, statement in top_level_statements(text):
        if not _ALLOWED_TOP_LEVEL.match(statement):
            raise FirewallError(
                "nftables ruleset line %d: '%s' is outside what portwarden manages; the ruleset may only "
                "create, replace or delete 'table %s %s' (never 'flush ruleset' or another table)"
                % (line, statement, FAMILY, TABLE)
            )


def normalise(text) -> str:
    """The ruleset as it is loaded and persisted: always replaces our table atomically."""
    text = ensure_newline(text)
    if not _HAS_DELETE.search(text):
        text = REPLACE_HEADER + text
    return text


def legacy_rules_present(run, which) -> list:
    """Families ("ipv4", "ipv6") whose iptables-legacy tables hold rules or chains."""
    found = []
    for family, tool in (("ipv4", "iptables-legacy-save"), ("ipv6", "ip6tables-legacy-save")):
        path = which(tool)
        if not path:
            continue
        rc, out, _err = run([path])
        if rc != 0:
            continue
        for line in out.splitlines():
            # A rule, a user chain ("-" policy) or a built-in chain that does not accept.
            if line.startswith("-A ") or (line.startswith(":") and line.split()[1:2] != ["ACCEPT"]):
                found.append(family)
                break
    return found


# --- the live ruleset, read back for port_audit -----------------------------------------

def _elements(elem, depth=0):
    """Set elements as Python values: ints, (low, high) ranges, networks, concatenations (tuples)."""
    values = []
    for value in elem if isinstance(elem, list) else ():
        if isinstance(value, dict) and "elem" in value and isinstance(value["elem"], dict):
            value = value["elem"].get("val")
        parsed = _element(value, depth)
        if parsed is not None:
            values.append(parsed)
        if len(values) >= MAX_ENTRIES:
            break
    return values


def _element(value, depth=0):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return (value, value) if 0 <= value <= 65535 else None
    if isinstance(value, str):
        try:
            return ipaddress.ip_network(value, strict=False)
        except ValueError:
            return None
    if isinstance(value, dict):
        if "range" in value and isinstance(value["range"], list) and len(value["range"]) == 2:
            low, high = value["range"]
            if isinstance(low, int) and isinstance(high, int):
                return (low, high)
            try:
                return ipaddress.summarize_address_range(ipaddress.ip_address(low), ipaddress.ip_address(high)).__next__()
            except (ValueError, TypeError, StopIteration):
                return None
        if "prefix" in value and isinstance(value["prefix"], dict):
            try:
                return ipaddress.ip_network("%s/%s" % (value["prefix"].get("addr"), value["prefix"].get("len")),
                                            strict=False)
            except ValueError:
                return None
        if "concat" in value and isinstance(value["concat"], list) and depth == 0:
            parts = tuple(_element(part, 1) for part in value["concat"])
            return parts if len(parts) == 2 and all(part is not None for part in parts) else None
    return None


def _is_accept_all(expressions) -> bool:
    """A rule with no match at all whose verdict is accept."""
    if not isinstance(expressions, list):
        return False
    kinds = [next(iter(expression)) for expression in expressions if isinstance(expression, dict) and expression]
    return bool(kinds) and kinds[-1] == "accept" and all(kind in ("counter", "accept", "log") for kind in kinds)


def parse_live(text: str) -> dict:
    """``nft -j list ruleset`` -> the live state (``_live_firewall``): our ``table inet portwarden``,
    and foreign input chains that accept everything."""
    state = empty_state("nftables", rules_read=True, absent="table %s %s is absent" % (FAMILY, TABLE))
    try:
        document = json.loads(text or "{}")
    except ValueError:
        return state
    objects = document.get("nftables") if isinstance(document, dict) else None
    chains, rules = {}, []
    for obj in objects if isinstance(objects, list) else ():
        if not isinstance(obj, dict) or len(obj) != 1:
            continue
        kind, body = next(iter(obj.items()))
        if not isinstance(body, dict):
            continue
        ours = body.get("family") == FAMILY and body.get("table") == TABLE
        if kind == "table" and body.get("family") == FAMILY and body.get("name") == TABLE:
            state["loaded"] = True
        elif kind == "chain" and isinstance(body.get("name"), str):
            chains[(body.get("family"), body.get("table"), body["name"])] = body
            if ours and body["name"] == "input":
                state["policy"] = "drop" if body.get("policy") == "drop" else "accept"
        elif kind == "set" and ours and isinstance(body.get("name"), str):
            _nft_set(state, body["name"], _elements(body.get("elem")))
        elif kind == "rule":
            rules.append(body)
    state["forward"] = _filters_forward(chains, [body for body in rules if body.get("family") == FAMILY
                                                 and body.get("table") == TABLE])
    rules = [body for body in rules if not (body.get("family") == FAMILY and body.get("table") == TABLE)]
    for body in rules:
        chain = chains.get((body.get("family"), body.get("table"), body.get("chain")))
        if chain and chain.get("hook") == "input" and chain.get("type") == "filter" and _is_accept_all(body.get("expr")):
            state["accept_all"].append({
                "where": "%s %s %s" % (body.get("family"), body.get("table"), body.get("chain")),
                "rule": "accept", "priority": chain.get("prio"),
                # An accept ends only its own base chain: the packet still meets ours.
                "bypasses": False,
            })
    if state["loaded"] and not any(name == "input" for (family, table, name) in chains if family == FAMILY and table == TABLE):
        state["policy"] = "accept"
    return state


def _expressions(body) -> list:
    expressions = body.get("expr")
    return [expression for expression in expressions if isinstance(expression, dict)] \
        if isinstance(expressions, list) else []


def _sets_judged_by(expressions) -> set:
    """Sets a rule matches a connection's original destination address against."""
    found = set()
    for expression in expressions:
        match = expression.get("match")
        left = match.get("left") if isinstance(match, dict) else None
        ct = left.get("ct") if isinstance(left, dict) else None
        if isinstance(ct, dict) and ct.get("dir") == "original" and ct.get("key") in ("ip daddr", "ip6 daddr") \
                and isinstance(match.get("right"), str) and match["right"].startswith("@"):
            found.add(match["right"][1:])
    return found


def _sets_filled_by(expressions) -> set:
    found = set()
    for expression in expressions:
        statement = expression.get("set")
        if isinstance(statement, dict) and statement.get("op") in ("add", "update") \
                and isinstance(statement.get("set"), str):
            found.add(statement["set"].lstrip("@"))
    return found


def _filters_forward(chains: dict, our_rules: list) -> bool:
    """Whether our table filters published ports: its forward chain is hooked, and every set
    of addresses it judges a DNAT'd connection's original destination by (the host's own
    addresses) is filled before the DNAT, else nothing is ever judged. A forward chain that
    judges by no such set judges every DNAT'd connection (as the table did before the host's
    own addresses were recorded)."""
    forward = chains.get((FAMILY, TABLE, "forward"))
    if not forward or forward.get("hook") != "forward":
        return False
    judged, filled = set(), set()
    for body in our_rules:
        expressions = _expressions(body)
        if body.get("chain") == "forward":
            judged |= _sets_judged_by(expressions)
        chain = chains.get((FAMILY, TABLE, body.get("chain"))) or {}
        priority = chain.get("prio")
        if chain.get("hook") == "prerouting" and isinstance(priority, int) and priority < DSTNAT_PRIORITY:
            filled |= _sets_filled_by(expressions)
    return judged <= filled


def _nft_set(state: dict, name: str, elements: list) -> None:
    proto, _sep, rest = name.partition("_")
    if proto not in PROTOCOLS:
        return
    if rest == "ports":
        state["open"][proto] = [element for element in elements if isinstance(element, tuple)
                                and all(isinstance(part, int) for part in element)]
    elif rest in ("sources_ipv4", "sources_ipv6"):
        family = rest.split("_")[1]
        state["sources"][(proto, family)] = [
            (element[0], [element[1]]) for element in elements
            if isinstance(element, tuple) and len(element) == 2 and isinstance(element[1], tuple)
            and not isinstance(element[0], tuple)]


class NftablesBackend(Backend):
    name = "nftables"
    persists_on_apply = False

    def __init__(self, run, which, paths=None, tmpdir=None, options=None):
        super().__init__(run, which, tmpdir=tmpdir)
        self.paths = {"content": (paths or {}).get("content") or DEFAULT_PATH}
        self._nft = None

    @property
    def nft(self):
        if self._nft is None:
            self._nft = self.tool("nft")
        return self._nft

    def desired(self, content=None, **_other_parts) -> dict:
        return {"content": normalise(required_content(content, self.name, "the rendered ruleset"))}

    def validate(self, parts) -> None:
        check_scope(parts["content"])
        with TemporaryText(parts["content"], suffix=".nft", directory=self.tmpdir) as tmp:
            run_checked(self.run, [self.nft, "-c", "-f", tmp.path], "validating the nftables ruleset", clean=tmp.clean)

    def current(self):
        rc, out, err = self.run([self.nft, "list", "table", FAMILY, TABLE])
        if rc == 0:
            return out
        if _MISSING_TABLE.search(err or ""):
            return None
        raise FirewallError("reading table %s %s failed (rc=%d): %s" % (FAMILY, TABLE, rc, (err or out).strip()))

    def parts_from_current(self, current) -> dict:
        """A listing made loadable; used as the snapshot only when no exact one is known."""
        return {"content": REPLACE_HEADER + ensure_newline(current)}

    # matches(): the default (None): a listing cannot be compared with the loaded text, so
    # the engine's record decides.

    def apply(self, parts, current=None) -> None:
        with TemporaryText(parts["content"], suffix=".nft", directory=self.tmpdir) as tmp:
            run_checked(self.run, [self.nft, "-f", tmp.path], "loading the nftables ruleset", clean=tmp.clean)

    def remove(self) -> None:
        with TemporaryText(REPLACE_HEADER, suffix=".nft", directory=self.tmpdir) as tmp:
            run_checked(self.run, [self.nft, "-f", tmp.path], "deleting table %s %s" % (FAMILY, TABLE), clean=tmp.clean)

    def facts(self) -> dict:
        families = legacy_rules_present(self.run, self.which)
        facts = {"mixed_backends": bool(families)}
        if families:
            facts["warnings"] = [
                "iptables-legacy rules exist next to nftables (%s); portwarden leaves them alone, but packets must "
                "pass both, so check them with iptables-legacy-save" % ", ".join(families)
            ]
        return facts

    @staticmethod
    def text(parts) -> str:
        return parts.get("content") or ""

    @classmethod
    def live_state(cls, read, options=None) -> dict:
        return parse_live(read(LIVE_COMMAND))

    def restore_plan(self, previous, desired) -> dict:
        """``nft -f`` of the snapshot, which starts with ``table inet portwarden {}`` +
        ``delete table inet portwarden``, so the restore is one atomic transaction (no
        snapshot: the same two lines alone remove our table)."""
        text = previous["content"] if previous.get("present") else REPLACE_HEADER
        if previous.get("source") == "live":
            # A listing read back from the kernel is not always loadable as printed; a snapshot
            # that cannot be restored is no safety net, so refuse before anything changes.
            with TemporaryText(text, suffix=".nft", directory=self.tmpdir, display="snapshot of the live table") as tmp:
                run_checked(self.run, [self.nft, "-c", "-f", tmp.path],
                            "checking that the live table can be restored (changed behind portwarden's back)",
                            clean=tmp.clean)
        return {
            "files": self.boot_files(),
            "payloads": {"ruleset.nft": text},
            "steps": [{"argv": [self.nft, "-f", {"payload": "ruleset.nft"}]}],
        }
