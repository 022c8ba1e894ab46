# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""firewalld backend: one zone (``portwarden`` unless configured), rendered as zone XML.

* validate: the zone may hold only what this backend can apply (target, ports, services,
  interfaces, ICMP blocks and their inversion, rich rules with a source, a port and an
  action; ``<forward/>`` is left as firewalld sets it); then firewalld checks it with its own parser, ``firewall-offline-cmd
  --system-config DIR --check-config``, against a scratch copy of the configuration.
* current: the zone as firewalld runs it (``--info-zone``) and as it is configured
  (``--permanent --info-zone``), and the default zone.
* apply: a zone firewalld does not know yet is added from the rendered file
  (``--permanent --new-zone-from-file``) and loaded with ``firewall-cmd --reload`` (the
  only way a new zone reaches the running firewall). A known zone is changed in place,
  runtime and permanent alike, with firewall-cmd's add and remove options: additions first,
  removals last, and no reload. That matters because a firewalld reload flushes every
  iptables chain firewalld did not create (Docker's, fail2ban's) and drops the runtime
  rules others added; only a new zone or a new target still needs one.
* persistence: firewalld's own permanent configuration.
* live state (``port_audit``): the default zone, every zone (``--list-all-zones``) and
  the services they name, parsed by ``_live_firewalld``: what the zones that apply let in.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET

from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_base import (
    Backend,
    FirewallError,
    ensure_newline,
    required_content,
    read_text,
    remove_file,
    run_checked,
)
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall import _live_firewalld
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._firewalld_text import parse_block
from ansible_collections.portwarden.hardening.plugins.module_utils._atomic import write_atomic

CONFIG_DIR = "/etc/firewalld"
DEFAULT_ZONE = _live_firewalld.DEFAULT_ZONE
STOCK_DEFAULT_ZONE = "public"
# Setting -> (firewall-cmd add option, remove option, --info-zone key), in the order applied.
LISTS = (
    ("interfaces", "--add-interface", "--remove-interface", "interfaces"),
    ("services", "--add-service", "--remove-service", "services"),
    ("ports", "--add-port", "--remove-port", "ports"),
    ("icmp_blocks", "--add-icmp-block", "--remove-icmp-block", "icmp-blocks"),
    ("rich_rules", "--add-rich-rule", "--remove-rich-rule", "rich rules"),
)
_RULE_ACTIONS = ("accept", "drop", "reject")


def _rich_rule(rule, where) -> str:
    """A <rule> element -> the rich rule text firewalld prints for it."""
    family = rule.get("family")
    parts = ["rule"]
    if family:
        parts.append('family="%s"' % family)
    action = None
    for child in rule:
        if child.tag == "source" and set(child.attrib) == {"address"}:
            parts.append('source address="%s"' % child.get("address"))
        elif child.tag == "port" and set(child.attrib) == {"port", "protocol"}:
            parts.append('port port="%s" protocol="%s"' % (child.get("port"), child.get("protocol")))
        elif child.tag in _RULE_ACTIONS and not list(child) and not child.attrib and action is None:
            action = child.tag
        else:
            raise FirewallError("%s: <%s> in a rich rule is not supported; use a source address, a port and an action" % (where, child.tag))
    if action is None:
        raise FirewallError("%s: a rich rule needs an action (%s)" % (where, ", ".join(_RULE_ACTIONS)))
    return " ".join(parts + [action])


def zone_settings(text) -> dict:
    """Zone XML -> the settings this backend applies; anything else is refused."""
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as error:
        raise FirewallError("the firewalld zone XML is not well-formed: %s" % error) from None
    if root.tag != "zone":
        raise FirewallError("the firewalld content must be a <zone> document, not <%s>" % root.tag)
    settings = {"target": root.get("target") or "default", "icmp_block_inversion": False}
    settings.update({name: set() for name, _add, _remove, _key in LISTS})
    for position, element in enumerate(root, start=1):
        where = "zone element #%d" % position
        if element.tag in ("short", "description", "forward"):
            # Names, and intra-zone forwarding (routed traffic between the zone's own
            # interfaces), which firewalld turns on for a new zone: not ours to decide.
            continue
        if element.tag == "icmp-block-inversion":
            settings["icmp_block_inversion"] = True
        elif element.tag == "port":
            settings["ports"].add("%s/%s" % (element.get("port"), element.get("protocol")))
        elif element.tag in ("interface", "service", "icmp-block"):
            key = {"interface": "interfaces", "service": "services", "icmp-block": "icmp_blocks"}[element.tag]
            settings[key].add(element.get("name"))
        elif element.tag == "rule":
            settings["rich_rules"].add(_rich_rule(element, where))
        else:
            raise FirewallError("%s: <%s> is not supported by portwarden's firewalld backend" % (where, element.tag))
    return settings


def info_settings(text):
    """``firewall-cmd --info-zone`` output -> settings (None for no output)."""
    if not (text or "").strip():
        return None
    # The first line names the zone.
    values, rich = parse_block(text.splitlines()[1:])
    settings = {
        "target": (values.get("target") or ["default"])[0],
        "icmp_block_inversion": values.get("icmp-block-inversion") == ["yes"],
    }
    for name, _add, _remove, key in LISTS:
        settings[name] = set(rich if name == "rich_rules" else values.get(key) or [])
    return settings


def render_settings(settings) -> str:
    """Settings as sorted text, in --info-zone's layout (for diffs and fingerprints)."""
    if settings is None:
        return "(none)\n"
    lines = ["target: %s" % settings["target"],
             "icmp-block-inversion: %s" % ("yes" if settings["icmp_block_inversion"] else "no")]
    for name, _add, _remove, key in LISTS[:-1]:
        lines.append("%s: %s" % (key, " ".join(sorted(settings[name]))))
    lines.append("rich rules:")
    lines.extend("\t" + rule for rule in sorted(settings["rich_rules"]))
    return "\n".join(lines) + "\n"


def settings_xml(settings, zone) -> str:
    """Settings -> zone XML (to restore a zone read back from firewalld)."""
    root = ET.Element("zone")
    if settings["target"] != "default":
        root.set("target", settings["target"])
    ET.SubElement(root, "short").text = zone
    for name in sorted(settings["interfaces"]):
        ET.SubElement(root, "interface", name=name)
    for name in sorted(settings["services"]):
        ET.SubElement(root, "service", name=name)
    for port in sorted(settings["ports"]):
        number, _sep, protocol = port.partition("/")
        ET.SubElement(root, "port", protocol=protocol, port=number)
    if settings["icmp_block_inversion"]:
        ET.SubElement(root, "icmp-block-inversion")
    for name in sorted(settings["icmp_blocks"]):
        ET.SubElement(root, "icmp-block", name=name)
    for rule in sorted(settings["rich_rules"]):
        root.append(_rule_element(rule))
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


_RULE_TEXT = re.compile(
    r'^rule(?: family="(?P<family>ipv[46])")?(?: source address="(?P<source>[^"]+)")?'
    r'(?: port port="(?P<port>[^"]+)" protocol="(?P<protocol>[^"]+)")? (?P<action>accept|drop|reject)$'
)


def _rule_element(text):
    match = _RULE_TEXT.match(text)
    if not match:
        raise FirewallError("cannot restore the rich rule %r: portwarden only writes source, port and action" % text)
    rule = ET.Element("rule")
    if match.group("family"):
        rule.set("family", match.group("family"))
    if match.group("source"):
        ET.SubElement(rule, "source", address=match.group("source"))
    if match.group("port"):
        ET.SubElement(rule, "port", port=match.group("port"), protocol=match.group("protocol"))
    ET.SubElement(rule, match.group("action"))
    return rule


class FirewalldBackend(Backend):
    name = "firewalld"
    persists_on_apply = True

    def __init__(self, run, which, paths=None, tmpdir=None, options=None):
        super().__init__(run, which, tmpdir=tmpdir)
        options = options or {}
        self.zone = options.get("zone") or DEFAULT_ZONE
        if not _live_firewalld.ZONE_NAME.match(self.zone):
            raise FirewallError("firewalld zone name %r: use 1-17 letters, digits, '-' or '_'" % self.zone)
        self.make_default = options.get("firewalld_default_zone", True)
        self.paths = {"content": os.path.join(CONFIG_DIR, "zones", "%s.xml" % self.zone)}

    def _cmd(self):
        return self.tool("firewall-cmd")

    def _offline(self):
        return self.tool("firewall-offline-cmd")

    def desired(self, content=None, **_other_parts) -> dict:
        return {"content": ensure_newline(required_content(content, self.name, "the rendered zone XML"))}

    def validate(self, parts) -> None:
        zone_settings(parts["content"])
        scratch = tempfile.mkdtemp(prefix="portwarden-firewalld-", dir=self.tmpdir)
        try:
            os.makedirs(os.path.join(scratch, "zones"))
            conf = os.path.join(CONFIG_DIR, "firewalld.conf")
            if os.path.exists(conf):
                shutil.copy(conf, os.path.join(scratch, "firewalld.conf"))
            with open(os.path.join(scratch, "zones", "%s.xml" % self.zone), "w", encoding="utf-8") as handle:
                handle.write(parts["content"])
            rc, out, err = self.run([self._offline(), "--system-config", scratch, "--check-config"])
            if rc != 0:
                message = " ".join(line for line in (err + out).splitlines() if "rror" in line) or (err or out).strip()
                raise FirewallError("firewalld rejects the rendered zone %s: %s" % (self.zone, message.replace(scratch, "")))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def running(self) -> bool:
        rc, _out, _err = self.run([self._cmd(), "--state"])
        return rc == 0

    def _info(self, permanent):
        argv = [self._cmd()] + (["--permanent"] if permanent else []) + ["--info-zone=%s" % self.zone]
        rc, out, _err = self.run(argv)
        return info_settings(out) if rc == 0 else None

    def _default_zone(self, running):
        if running:
            return run_checked(self.run, [self._cmd(), "--get-default-zone"], "reading firewalld's default zone").strip()
        rc, out, _err = self.run([self._offline(), "--get-default-zone"])
        return out.strip() if rc == 0 else None

    def _state(self):
        running = self.running()
        return {
            "running": running,
            "runtime": self._info(False) if running else None,
            "permanent": self._info(True) if running else None,
            "default": self._default_zone(running),
            "file": os.path.exists(self.paths["content"]),
        }

    def current(self):
        state = self._state()
        if state["runtime"] is None and state["permanent"] is None and not state["file"]:
            return None
        if not state["running"]:
            return "# firewalld is not running\n# zone file: %s\n# default zone: %s\n" % (
                "present" if state["file"] else "absent", state["default"])
        return "# runtime\n%s# permanent\n%s# default zone: %s\n" % (
            render_settings(state["runtime"]), render_settings(state["permanent"]), state["default"])

    def parts_from_current(self, current) -> dict:
        """The zone as configured (else as running, else the file) as zone XML."""
        for section in ("# permanent\n", "# runtime\n"):
            if section in current:
                text = current.split(section, 1)[1].split("\n# ", 1)[0]
                if text.strip() != "(none)":
                    return {"content": settings_xml(info_settings("%s\n%s" % (self.zone, text)), self.zone)}
        return {"content": read_text(self.paths["content"]) or ""}

    def matches(self, parts, current):
        desired = zone_settings(parts["content"])
        state = self._state()
        return (
            state["running"]
            and state["runtime"] == desired
            and state["permanent"] == desired
            and (not self.make_default or state["default"] == self.zone)
        )

    def _change(self, have, desired, permanent) -> None:
        """Bring one side (runtime or permanent) of an existing zone to ``desired``."""
        base = [self._cmd()] + (["--permanent"] if permanent else []) + ["--zone=%s" % self.zone]
        what = "permanent" if permanent else "runtime"
        if permanent and have["target"] != desired["target"]:
            run_checked(self.run, base + ["--set-target=%s" % desired["target"]], "setting the %s target" % what)
        for name, add, _remove, _key in LISTS:
            added = sorted(desired[name] - have[name])
            if added:
                run_checked(self.run, base + ["%s=%s" % (add, value) for value in added], "adding %s %s" % (what, name))
        if have["icmp_block_inversion"] != desired["icmp_block_inversion"]:
            option = "--add-icmp-block-inversion" if desired["icmp_block_inversion"] else "--remove-icmp-block-inversion"
            run_checked(self.run, base + [option], "switching the %s ICMP block inversion" % what)
        for name, _add, remove, _key in LISTS:
            removed = sorted(have[name] - desired[name])
            if removed:
                run_checked(self.run, base + ["%s=%s" % (remove, value) for value in removed], "removing %s %s" % (what, name))

    def _add_zone(self, content) -> None:
        # firewalld checks the file's name as well as --name, so the file is <zone>.xml.
        scratch = tempfile.mkdtemp(prefix="portwarden-firewalld-", dir=self.tmpdir)
        try:
            path = os.path.join(scratch, "%s.xml" % self.zone)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(content)
            run_checked(self.run, [self._cmd(), "--permanent", "--new-zone-from-file=%s" % path, "--name=%s" % self.zone],
                        "adding the zone %s" % self.zone, clean=lambda text: text.replace(path, "rendered zone"))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def apply(self, parts, current=None) -> None:
        desired = zone_settings(parts["content"])
        if not self.running():
            write_atomic(self.paths["content"], parts["content"], mode=0o644, make_dirs=True)
            if self.make_default and self._default_zone(False) != self.zone:
                run_checked(self.run, [self._offline(), "--set-default-zone=%s" % self.zone], "making %s the default zone" % self.zone)
            return
        permanent = self._info(True)
        if permanent is None and os.path.exists(self.paths["content"]):
            # A zone file firewalld has not read yet (written while it was stopped or by
            # hand): let firewalld read it, then change it like any known zone.
            run_checked(self.run, [self._cmd(), "--reload"], "reloading firewalld")
            permanent = self._info(True)
        runtime = self._info(False)
        if permanent is None:
            self._add_zone(parts["content"])
        elif permanent != desired:
            self._change(permanent, desired, permanent=True)
        if runtime is None or runtime["target"] != desired["target"]:
            # A new zone, or a new target, reaches the running firewall only through a reload.
            run_checked(self.run, [self._cmd(), "--reload"], "reloading firewalld")
        elif runtime != desired:
            self._change(runtime, desired, permanent=False)
        if self.make_default and self._default_zone(True) != self.zone:
            run_checked(self.run, [self._cmd(), "--set-default-zone=%s" % self.zone], "making %s the default zone" % self.zone)

    def boot_files(self) -> list:
        """The files firewalld writes as it applies and loads at start: the permanent zone
        and firewalld.conf (the default zone)."""
        return [self.paths["content"], os.path.join(CONFIG_DIR, "firewalld.conf")]

    def remove(self) -> None:
        running = self.running()
        if self._default_zone(running) == self.zone:
            tool = [self._cmd()] if running else [self._offline()]
            run_checked(self.run, tool + ["--set-default-zone=%s" % STOCK_DEFAULT_ZONE],
                        "handing the default zone back to %s" % STOCK_DEFAULT_ZONE)
        if running and self._info(True) is not None:
            run_checked(self.run, [self._cmd(), "--permanent", "--delete-zone=%s" % self.zone], "deleting the zone %s" % self.zone)
            run_checked(self.run, [self._cmd(), "--reload"], "reloading firewalld")
        else:
            remove_file(self.paths["content"])

    def facts(self) -> dict:
        facts = {"mixed_backends": False}
        if self.which("firewall-cmd") and not self.running():
            facts["warnings"] = ["firewalld is not running: the zone is configured but enforces nothing until it starts"]
        return facts

    @classmethod
    def live_state(cls, read, options=None) -> dict:
        """The default zone (its read fails when firewalld is not running), every zone, then
        the ports of the services the zones that apply name: one command per service.
        ``options["zone"]`` is portwarden's zone (default ``portwarden``)."""
        zone = (options or {}).get("zone") or DEFAULT_ZONE
        default_zone = read(_live_firewalld.DEFAULT_ZONE_COMMAND)
        if not (default_zone or "").strip():
            return _live_firewalld.parse_live(None, {}, {}, zone)
        zones = _live_firewalld.parse_zones(read(_live_firewalld.ZONES_COMMAND))
        services = {name: _live_firewalld.parse_service(read(("firewall-cmd", "--info-service=%s" % name)))
                    for name in _live_firewalld.services_needed(zones, default_zone.strip())}
        return _live_firewalld.parse_live(default_zone, zones, services, zone)

    @staticmethod
    def text(parts) -> str:
        return parts.get("content") or ""

    def restore_plan(self, previous, desired) -> dict:
        """The zone file and ``firewalld.conf`` (the default zone) are put back, then
        ``firewall-cmd --reload``, which keeps established connections."""
        steps = [{"argv": [self._cmd(), "--reload"]}] if self.running() else []
        return {"files": self.boot_files(), "payloads": {}, "steps": steps}
