# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""ufw backend: our rules through ufw's own commands, tagged ``comment 'portwarden'``.

The rendered content is a small list of ufw commands (without the leading ``ufw``)::

    default deny incoming
    logging low
    allow 22,80,8000:8100/tcp comment 'portwarden'
    allow from 192.0.2.0/24 to any port 5432 proto tcp comment 'portwarden'

* validate: every line must match that grammar (checked here; ufw's own checks run when
  a rule is added and would leave the other rules half done, so nothing reaches ufw
  unless every line is known good).
* current: ``ufw show added`` (the user rules, whether ufw is enabled or not) reduced to
  the rules carrying our comment, plus the incoming default, the log level and whether
  ufw is enabled. A rule without our comment is never touched.
* apply: missing rules are added first, then the default and the log level are set, then
  rules of ours that are no longer wanted are deleted, then ufw is enabled if it was not:
  nothing is closed before its replacement is open. ufw has no transaction for a set of
  rules; each command updates the running firewall by itself.
* persistence: ufw's own (``/etc/ufw/user*.rules``, ``ENABLED=yes``, ``ufw.service``).
  ufw writes them as it applies; a commit-confirmed apply puts the previous ones back
  until the change is confirmed (``boot_files()``), so a reboot in between boots the
  previous rules.
* live state (``port_audit``): ``ufw status verbose`` parsed by ``_live_ufw``: whether
  ufw is enabled, its incoming default and the rules that let connections in; when it is
  active, also ``iptables-save -t filter`` and ``ip6tables-save -t filter`` for ufw's
  before-rules, which the kernel runs ahead of the listed rules (``SAVE_COMMANDS``; all
  three reads are read-only).
"""

from __future__ import annotations

import ipaddress
import re
import shlex

from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._port_ranges import parse_port_list
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_base import (
    MISSING_OK,
    Backend,
    FirewallError,
    ensure_newline,
    required_content,
    read_text,
    run_checked,
)
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_rules import MULTIPORT_MAX, UFW_TAG as TAG
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_rules import ufw_rule as render_rule
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._live_ufw import LIVE_COMMAND, SAVE_COMMANDS, parse_live

UFW_CONF = "/etc/ufw/ufw.conf"
UFW_DEFAULTS = "/etc/default/ufw"
# What ufw loads at boot (rules, whether it is enabled, the defaults): the files a
# commit-confirmed apply holds back until the change is confirmed.
BOOT_FILES = ("/etc/ufw/user.rules", "/etc/ufw/user6.rules", UFW_CONF, UFW_DEFAULTS)
POLICIES = {"DROP": "deny", "REJECT": "reject", "ACCEPT": "allow"}
LOG_LEVELS = ("off", "on", "low", "medium", "high", "full")

_PORT = r"[0-9]{1,5}(?::[0-9]{1,5})?"
_PORTS = r"%s(?:,%s)*" % (_PORT, _PORT)
_COMMENT = r"comment\s+'(?P<comment>[^']*)'"
_ANY_SOURCE = re.compile(r"^allow\s+(?P<ports>%s)/(?P<proto>tcp|udp)(?:\s+%s)?$" % (_PORTS, _COMMENT))
_FROM_SOURCE = re.compile(
    r"^allow\s+from\s+(?P<source>[0-9A-Fa-f.:/]+)\s+to\s+any\s+port\s+(?P<ports>%s)\s+proto\s+(?P<proto>tcp|udp)"
    r"(?:\s+%s)?$" % (_PORTS, _COMMENT)
)
_DEFAULT = re.compile(r"^default\s+(?P<policy>deny|reject|allow)\s+incoming$")
_LOGGING = re.compile(r"^logging\s+(?P<level>%s)$" % "|".join(LOG_LEVELS))
_ENABLED = re.compile(r"^enabled\s+(?P<enabled>yes|no)$")


def _ports(text, where):
    ranges = parse_port_list(text)
    if ranges is None:
        raise FirewallError("%s: '%s' is not a port, an ascending range within 1-65535, or a list of them" % (where, text))
    if sum(1 if low == high else 2 for low, high in ranges) > MULTIPORT_MAX:
        raise FirewallError("%s: more than %d ports in one rule (a range counts as two)" % (where, MULTIPORT_MAX))
    return tuple(sorted(ranges))


def parse_rule(line, where="ufw rule"):
    """One ufw rule -> (proto, ports, source) with source None for anyone, or None."""
    match = _ANY_SOURCE.match(line) or _FROM_SOURCE.match(line)
    if not match:
        return None
    source = match.groupdict().get("source")
    if source is not None:
        try:
            source = str(ipaddress.ip_network(source, strict=False))
        except ValueError:
            raise FirewallError("%s: '%s' is not an IPv4 or IPv6 network" % (where, source)) from None
    return match.group("proto"), _ports(match.group("ports"), where), source, match.group("comment")


def parse_content(text) -> dict:
    """Rendered content -> {"default", "logging", "enabled", "rules": set of (proto, ports, source)}."""
    wanted = {"default": None, "logging": None, "enabled": "yes", "rules": set()}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = " ".join(raw.split())
        if not line or line.startswith("#"):
            continue
        where = "ufw content line %d" % number
        for key, pattern in (("default", _DEFAULT), ("logging", _LOGGING), ("enabled", _ENABLED)):
            match = pattern.match(line)
            if match:
                wanted[key] = match.group(1)
                break
        else:
            rule = parse_rule(line, where)
            if rule is None:
                raise FirewallError(
                    "%s: '%s' is not one of: default deny|reject|allow incoming; logging LEVEL; enabled yes|no; "
                    "allow PORTS/PROTO comment '%s'; allow from NETWORK to any port PORTS proto PROTO comment '%s'"
                    % (where, line, TAG, TAG)
                )
            if rule[3] != TAG:
                raise FirewallError("%s: every rule must carry comment '%s' (that is how portwarden finds its rules)"
                                    % (where, TAG))
            wanted["rules"].add(rule[:3])
    if wanted["default"] is None:
        raise FirewallError("ufw content has no 'default deny|reject|allow incoming' line")
    return wanted


def canonical(wanted) -> str:
    lines = ["default %s incoming" % wanted["default"]]
    if wanted.get("logging"):
        lines.append("logging %s" % wanted["logging"])
    lines.append("enabled %s" % wanted["enabled"])
    lines.extend(sorted(render_rule(*rule) for rule in wanted["rules"]))
    return "\n".join(lines) + "\n"


def _setting(text, key):
    match = re.search(r"^\s*%s\s*=\s*\"?([^\"\n]*)\"?\s*$" % re.escape(key), text or "", re.MULTILINE)
    return match.group(1).strip() if match else None


class UfwBackend(Backend):
    name = "ufw"
    persists_on_apply = True

    @property
    def ufw(self):
        return self.tool("ufw")

    def desired(self, content=None, **_other_parts) -> dict:
        return {"content": ensure_newline(required_content(content, self.name, "the rendered ufw rules"))}

    def validate(self, parts) -> None:
        parse_content(parts["content"])
        self.tool("ufw")

    def _live(self):
        out = run_checked(self.run, [self.ufw, "show", "added"], "reading the ufw rules")
        ours = {}
        for raw in out.splitlines():
            line = " ".join(raw.split())
            if not line.startswith("ufw ") or not line.endswith("comment '%s'" % TAG):
                continue
            line = line[4:]
            try:
                rule = parse_rule(line)
            except FirewallError:
                rule = None
            ours[rule[:3] if rule else ("unparsed", line)] = line
        conf = read_text(UFW_CONF)
        defaults = read_text(UFW_DEFAULTS)
        state = {
            "default": POLICIES.get((_setting(defaults, "DEFAULT_INPUT_POLICY") or "").upper(), "unknown"),
            "logging": _setting(conf, "LOGLEVEL") or "off",
            "enabled": "yes" if (_setting(conf, "ENABLED") or "").lower() == "yes" else "no",
            "rules": set(rule for rule in ours if rule[0] != "unparsed"),
            "ipv6": (_setting(defaults, "IPV6") or "yes").lower() == "yes",
        }
        return state, ours

    def current(self):
        state, ours = self._live()
        text = canonical(state)
        unparsed = sorted(line for key, line in ours.items() if key[0] == "unparsed")
        return text + "".join("# unknown rule of ours: %s\n" % line for line in unparsed)

    @staticmethod
    def owns(current) -> bool:
        """ufw itself is the host's; what is ours are the rules that carry our comment."""
        return any(line.startswith(("allow ", "# unknown rule")) for line in (current or "").splitlines())

    @staticmethod
    def parts_from_current(current) -> dict:
        return {"content": "".join(line + "\n" for line in current.splitlines() if not line.startswith("#"))}

    def matches(self, parts, current):
        wanted = parse_content(parts["content"])
        if wanted["logging"] is None:
            wanted = dict(wanted, logging=self._live()[0]["logging"])
        return canonical(wanted) == current

    def apply(self, parts, current=None) -> None:
        wanted = parse_content(parts["content"])
        state, ours = self._live()
        for rule in sorted(wanted["rules"] - set(ours), key=lambda r: render_rule(*r)):
            run_checked(self.run, [self.ufw] + shlex.split(render_rule(*rule)), "adding the ufw rule")
        if wanted["default"] != state["default"]:
            run_checked(self.run, [self.ufw, "default", wanted["default"], "incoming"], "setting ufw's incoming default")
        if wanted["logging"] and wanted["logging"] != state["logging"]:
            run_checked(self.run, [self.ufw, "logging", wanted["logging"]], "setting ufw's log level")
        for key in sorted(set(ours) - wanted["rules"], key=str):
            run_checked(self.run, [self.ufw, "delete"] + shlex.split(ours[key]), "deleting the ufw rule")
        if wanted["enabled"] == "yes" and state["enabled"] != "yes":
            run_checked(self.run, [self.ufw, "--force", "enable"], "enabling ufw")
        elif wanted["enabled"] == "no" and state["enabled"] == "yes":
            run_checked(self.run, [self.ufw, "disable"], "disabling ufw")

    def boot_files(self) -> list:
        """The files ufw writes as it applies and loads at boot."""
        return list(BOOT_FILES)

    def remove(self) -> None:
        _state, ours = self._live()
        for key in sorted(ours, key=str):
            run_checked(self.run, [self.ufw, "delete"] + shlex.split(ours[key]), "deleting the ufw rule")

    def facts(self) -> dict:
        if not self.which("ufw"):
            return {"mixed_backends": False}
        state, _ours = self._live()
        facts = {"mixed_backends": False}
        if not state["ipv6"]:
            facts["warnings"] = ["ufw has IPV6=no in %s: its rules do not cover IPv6" % UFW_DEFAULTS]
        return facts

    @classmethod
    def live_state(cls, read, options=None) -> dict:
        text = read(LIVE_COMMAND)
        if not (text or "").lstrip().lower().startswith("status: active"):
            return parse_live(text)
        return parse_live(text, {family: read(command) for family, command, _prefix in SAVE_COMMANDS})

    @staticmethod
    def text(parts) -> str:
        return parts.get("content") or ""

    def restore_plan(self, previous, desired) -> dict:
        """The rules the new ruleset removed are added back first, the default and the log
        level are set back, the rules it added are deleted, then ufw's own files are put back
        byte for byte, so ``ufw status`` reads as it did (ufw has no transaction; nothing is
        closed before the snapshot's rules are open again, and ufw is never stopped)."""
        old = parse_content(previous["content"])
        new = parse_content(desired["content"])
        ufw = self.ufw
        steps = [{"argv": [ufw] + shlex.split(render_rule(*rule))} for rule in sorted(old["rules"] - new["rules"], key=str)]
        if old["default"] in ("deny", "reject", "allow"):
            steps.append({"argv": [ufw, "default", old["default"], "incoming"]})
        if old["logging"]:
            steps.append({"argv": [ufw, "logging", old["logging"]]})
        steps += [{"argv": [ufw, "delete"] + shlex.split(render_rule(*rule)), "ok_rc": MISSING_OK}
                  for rule in sorted(new["rules"] - old["rules"], key=str)]
        if old["enabled"] == "no":
            steps.append({"argv": [ufw, "disable"]})
        return {"files": self.boot_files(), "payloads": {}, "steps": steps, "restore_files": "after"}
