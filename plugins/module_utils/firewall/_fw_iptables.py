# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""iptables backend: our own ``PORTWARDEN-INPUT`` chain per family, one jump from INPUT.

* plan: what the templates render (``_fw_rules.iptables_plan``, controller-side).
* validate: the restore input may only declare and fill ``PORTWARDEN-*`` chains of the
  filter table and ``portwarden-*`` ipsets (checked here), then ``iptables-restore --test``.
  Rules that match an ipset are tested in a private network namespace where the sets are
  created first, because the test looks the sets up.
* current: our chains from ``iptables-save -t filter`` / ``ip6tables-save``, whether the
  jump is there, and our sets from ``ipset save``.
* apply: sets are filled under a temporary name and swapped in (atomic per set); each
  family is loaded with ``iptables-restore --noflush`` (declaring our chain flushes and
  refills only that chain, in one commit), appending the jump to INPUT in the same commit
  when it is missing (appended, so rules others put first, such as fail2ban's bans, still
  see packets before our chain accepts them). Works the same with iptables-nft and iptables-legacy: only the front-end
  commands are used. Other chains, Docker's and fail2ban's included, are not touched.
* forward filtering (published ports): when the restore input declares
  ``PORTWARDEN-FORWARD``, apply makes sure Docker's ``DOCKER-USER`` chain exists (Docker
  keeps a chain it finds, and never flushes it on restart) and inserts one jump to our
  chain at its top; when the input no longer declares it, the jump and the chain go.
* persistence: the restore inputs at ``path``/``path_ipv6`` and the sets at
  ``path_ipset``, loaded at boot by the role's ``portwarden-firewall.service``.
* live state (``port_audit``): ``iptables-save -t filter`` and ``ip6tables-save -t filter``
  parsed into ``_live_firewall``'s shape: whether each family declares our chain and jumps
  to it, what the chain accepts (an ipset's members are not read), whether DOCKER-USER
  jumps to our forward chain, and rules ahead of our jump that accept everything
  (``accept_all_before``, also behind the warning in ``facts()``).
"""

from __future__ import annotations

import ipaddress
import re
import shlex

from ansible_collections.portwarden.hardening.plugins.module_utils._constants import PROTOCOLS
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._port_ranges import parse_port_list
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_base import (
    MISSING_OK,
    Backend,
    FirewallError,
    TemporaryText,
    ensure_newline,
    run_checked,
)
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_nftables import legacy_rules_present
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_rules import SET_PREFIX
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._live_firewall import MAX_ENTRIES, empty_state

CHAIN = "PORTWARDEN-INPUT"
CHAIN_PREFIX = "PORTWARDEN-"
JUMP = "-A INPUT -j %s" % CHAIN
FORWARD_CHAIN = "PORTWARDEN-FORWARD"
# Docker's documented place for rules that must see published-port traffic first.
FORWARD_HOOK = "DOCKER-USER"
FORWARD_JUMP = "-A %s -j %s" % (FORWARD_HOOK, FORWARD_CHAIN)
DEFAULT_PATHS = {
    "content": "/etc/portwarden/iptables.v4",
    "content_ipv6": "/etc/portwarden/iptables.v6",
    "content_ipset": "/etc/portwarden/ipset.conf",
}
FAMILY_PARTS = (("ipv4", "content", "iptables"), ("ipv6", "content_ipv6", "ip6tables"))

_COUNTERS = re.compile(r"\s*\[\d+:\d+\]")
_SET_NAME = re.compile(r"^%s[A-Za-z0-9_.-]{1,18}$" % SET_PREFIX)
_SET_VOLATILE = re.compile(r"\s+(?:initval\s+0x[0-9a-fA-F]+|bucketsize\s+\d+)")
# Matches that leave a rule accepting every packet (of a protocol, on an interface).
_BROAD_OPTIONS = ("-p", "--protocol", "-i", "--in-interface", "-m", "--match", "--comment", "-c", "--set-counters")


def check_restore_scope(text, what) -> None:
    table = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("*"):
            table = line[1:]
            if table != "filter":
                raise FirewallError("%s line %d: only the filter table is ours, not '%s'" % (what, number, line))
            continue
        if line == "COMMIT":
            table = None
            continue
        if table is None:
            raise FirewallError("%s line %d: '%s' is outside a '*filter' ... COMMIT block" % (what, number, line))
        words = line.split()
        if line.startswith(":"):
            if not words[0][1:].startswith(CHAIN_PREFIX) or words[1:2] != ["-"]:
                raise FirewallError(
                    "%s line %d: '%s' declares a chain that is not ours; only %s* chains may be declared"
                    % (what, number, line, CHAIN_PREFIX)
                )
            continue
        if words[0] in ("-A", "--append") and len(words) > 1 and words[1].startswith(CHAIN_PREFIX):
            continue
        raise FirewallError(
            "%s line %d: '%s' changes something that is not ours; only '-A %s...' rules are allowed "
            "(portwarden adds the jump from INPUT itself)" % (what, number, line, CHAIN_PREFIX)
        )


def parse_sets(text) -> dict:
    """``ipset save`` style text -> {name: {"create": line, "members": [lines]}}, checked."""
    sets = {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        words = line.split()
        if len(words) < 2 or words[0] not in ("create", "add", "flush") or not _SET_NAME.match(words[1]):
            raise FirewallError(
                "ipset content line %d: '%s' is not ours; only 'create'/'add'/'flush' of %s* sets "
                "(at most 29 characters) are allowed" % (number, line, SET_PREFIX)
            )
        if words[0] == "create":
            sets[words[1]] = {"create": line, "members": []}
        elif words[0] == "add":
            if words[1] not in sets:
                raise FirewallError("ipset content line %d: set %s is used before it is created" % (number, words[1]))
            sets[words[1]]["members"].append(line)
    return sets


def swap_script(sets) -> str:
    """Fill each set under a temporary name and swap it in: the rules never see a half set."""
    lines = []
    for name in sorted(sets):
        temporary = name + "-n"
        create = sets[name]["create"].split()
        lines.append(" ".join(["create", temporary] + create[2:]))
        lines.append("flush %s" % temporary)
        lines.extend(" ".join(["add", temporary] + member.split()[2:]) for member in sets[name]["members"])
        lines.append(" ".join(["create", name] + create[2:]))
        lines.append("swap %s %s" % (temporary, name))
        lines.append("destroy %s" % temporary)
    return "\n".join(lines) + "\n"


def with_jump(text) -> str:
    """The restore input plus the jump from INPUT, added in the same commit.

    The jump is appended: rules already in INPUT (fail2ban's bans, inserted at the top)
    keep seeing packets before our chain accepts them; an accept in one chain is final.
    """
    lines = text.rstrip("\n").splitlines()
    for index in range(len(lines) - 1, -1, -1):
        if lines[index].strip() == "COMMIT":
            lines.insert(index, JUMP)
            return "\n".join(lines) + "\n"
    raise FirewallError("the iptables restore input has no COMMIT line")


def declares_forward(text) -> bool:
    """Whether a restore input declares our forward chain (forward filtering is on)."""
    return any(line.strip().startswith(":%s " % FORWARD_CHAIN) for line in (text or "").splitlines())


# --- the live chains, read back for port_audit (and for facts()) -----------------------
# filter_rules, rule_option and accepts_everything also read ufw's chains (_live_ufw).

def _tokens(line: str):
    try:
        return shlex.split(line)
    except ValueError:
        return None


def filter_rules(text: str) -> list:
    """(chain, tokens) of every rule of the filter table, in order."""
    rules, table = [], None
    for line in (text or "").splitlines():
        line = line.strip()
        if line.startswith("*"):
            table = line[1:]
        elif table == "filter" and line.startswith("-A "):
            tokens = _tokens(line)
            if tokens and len(tokens) > 2:
                rules.append((tokens[1], tokens[2:]))
        if len(rules) >= MAX_ENTRIES:
            break
    return rules


def rule_option(tokens: list, names) -> str:
    for index, token in enumerate(tokens[:-1]):
        if token in names and (index == 0 or tokens[index - 1] != "!"):
            return tokens[index + 1]
    return None


def accepts_everything(tokens: list) -> bool:
    if rule_option(tokens, ("-j", "--jump")) != "ACCEPT":
        return False
    if rule_option(tokens, ("-i", "--in-interface")) == "lo" or "!" in tokens:
        return False
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token in ("-j", "--jump"):
            index += 2
            continue
        if token not in _BROAD_OPTIONS:
            return False
        if token in ("-m", "--match") and tokens[index + 1:index + 2] not in (["comment"], ["tcp"], ["udp"]):
            return False
        index += 2
    return True


def accept_all_before(text: str, chain: str = CHAIN) -> list:
    """INPUT rules ahead of the jump to ``chain`` (or in all of INPUT when there is none) that accept everything."""
    found = []
    for rule_chain, tokens in filter_rules(text):
        if rule_chain != "INPUT":
            continue
        if rule_option(tokens, ("-j", "--jump")) == chain:
            break
        if accepts_everything(tokens):
            found.append("-A INPUT " + " ".join(shlex.quote(token) for token in tokens))
    return found


def parse_live(save_v4: str, save_v6: str) -> dict:
    """``iptables-save``/``ip6tables-save`` of the filter table -> the live state (``_live_firewall``):
    our PORTWARDEN-INPUT/-FORWARD chains and their jumps, per family (``families``), and rules
    that accept everything before our jump."""
    state = empty_state("iptables", rules_read=True, absent="chain %s or its jump from INPUT is absent" % CHAIN)
    state["families"] = {}
    forward_jumps = []
    for family, text in (("ipv4", save_v4), ("ipv6", save_v6)):
        rules = filter_rules(text)
        declared = any(line.strip().startswith(":%s " % CHAIN) for line in (text or "").splitlines())
        jumped = any(chain == "INPUT" and rule_option(tokens, ("-j", "--jump")) == CHAIN for chain, tokens in rules)
        ours = [tokens for chain, tokens in rules if chain == CHAIN]
        policy = "drop" if ours and rule_option(ours[-1], ("-j", "--jump")) in ("DROP", "REJECT") else "accept"
        state["families"][family] = {"declared": declared, "jumped": jumped, "policy": policy}
        forward_jumps.append(any(chain == FORWARD_HOOK and rule_option(tokens, ("-j", "--jump")) == FORWARD_CHAIN
                                 for chain, tokens in rules)
                             and any(chain == FORWARD_CHAIN for chain, tokens in rules))
        for item in accept_all_before(text):
            state["accept_all"].append({"where": "%s INPUT" % family, "rule": item, "bypasses": True})
        for tokens in ours:
            if rule_option(tokens, ("-j", "--jump")) != "ACCEPT":
                continue
            proto = rule_option(tokens, ("-p", "--protocol"))
            ports = rule_option(tokens, ("--dports", "--destination-ports", "--dport", "--destination-port"))
            ports = parse_port_list(ports) if ports else None
            if proto not in PROTOCOLS or not ports:
                continue
            source = rule_option(tokens, ("-s", "--source"))
            match_set = rule_option(tokens, ("--match-set",))
            if source is None and match_set is None:
                state["open"][proto] = sorted(set(state["open"][proto]) | set(ports))
                continue
            try:
                network = ipaddress.ip_network(source, strict=False) if source else None
            except ValueError:
                continue
            # An ipset's members are not read: the rule still proves the port is source-restricted.
            state["sources"].setdefault((proto, family), []).append((network if network else match_set, ports))
    families = state["families"].values()
    state["loaded"] = all(family["declared"] and family["jumped"] for family in families)
    state["partial"] = any(family["declared"] for family in families)
    state["policy"] = "drop" if all(family["policy"] == "drop" for family in families) else "accept"
    state["forward"] = all(forward_jumps)
    return state


class IptablesBackend(Backend):
    name = "iptables"
    persists_on_apply = False

    def __init__(self, run, which, paths=None, tmpdir=None, options=None):
        super().__init__(run, which, tmpdir=tmpdir)
        paths = paths or {}
        self.paths = {part: paths.get(part) or default for part, default in DEFAULT_PATHS.items()}

    def desired(self, content=None, content_ipv6=None, content_ipset=None, **_other_parts) -> dict:
        if not (content or "").strip() or not (content_ipv6 or "").strip():
            raise FirewallError("the iptables backend needs 'content' (IPv4) and 'content_ipv6' (IPv6) restore input")
        parts = {"content": ensure_newline(content), "content_ipv6": ensure_newline(content_ipv6)}
        if (content_ipset or "").strip():
            parts["content_ipset"] = ensure_newline(content_ipset)
        return parts

    def validate(self, parts) -> None:
        for family, part, _tool in FAMILY_PARTS:
            check_restore_scope(parts[part], "iptables %s restore input" % family)
        sets = parse_sets(parts.get("content_ipset"))
        if sets:
            self._validate_in_namespace(parts)
            return
        for _family, part, tool in FAMILY_PARTS:
            with TemporaryText(parts[part], directory=self.tmpdir) as tmp:
                run_checked(self.run, [self.tool(tool + "-restore"), "--test", "--noflush", tmp.path],
                            "validating the %s rules" % tool, clean=tmp.clean)

    def _validate_in_namespace(self, parts) -> None:
        """The test looks up every set a rule matches, so create them where nobody sees them."""
        unshare = self.tool("unshare")
        ipset = self.tool("ipset")
        with TemporaryText(parts["content_ipset"], directory=self.tmpdir, display="rendered ipsets") as sets_file, \
                TemporaryText(parts["content"], directory=self.tmpdir, display="rendered IPv4 rules") as v4, \
                TemporaryText(parts["content_ipv6"], directory=self.tmpdir, display="rendered IPv6 rules") as v6:
            script = "%s -exist restore -file %s && %s --test --noflush %s && %s --test --noflush %s" % (
                shlex.quote(ipset), shlex.quote(sets_file.path),
                shlex.quote(self.tool("iptables-restore")), shlex.quote(v4.path),
                shlex.quote(self.tool("ip6tables-restore")), shlex.quote(v6.path),
            )
            rc, out, err = self.run([unshare, "--net", "--", "/bin/sh", "-c", script])
            message = v6.clean(v4.clean(sets_file.clean((err or out or "").strip())))
            if rc != 0 and "unshare failed" in message:
                raise FirewallError(
                    "validating rules that match ipsets needs a private network namespace, which this host does not "
                    "allow (%s); turn ipsets off (portwarden_firewall_iptables_ipset: false)" % message
                )
            if rc != 0:
                raise FirewallError("validating the iptables rules and ipsets failed (rc=%d): %s" % (rc, message))

    def _chain_lines(self, tool):
        out = run_checked(self.run, [self.tool(tool + "-save"), "-t", "filter"], "reading the %s filter table" % tool)
        ours, jumps, forward_jumps = [], 0, 0
        for line in out.splitlines():
            if line.startswith(":" + CHAIN_PREFIX):
                ours.append(_COUNTERS.sub("", line) + " [0:0]")
            elif line.startswith("-A " + CHAIN_PREFIX):
                ours.append(line)
            elif line.strip() == JUMP:
                jumps += 1
            elif line.strip() == FORWARD_JUMP:
                forward_jumps += 1
        return ours, jumps, forward_jumps

    def _set_lines(self):
        ipset = self.which("ipset")
        if not ipset:
            return []
        rc, out, _err = self.run([ipset, "save"])
        if rc != 0:
            return []
        creates, members = [], []
        for line in out.splitlines():
            words = line.split()
            if len(words) >= 2 and words[1].startswith(SET_PREFIX):
                if words[0] == "create":
                    creates.append(_SET_VOLATILE.sub("", line))
                elif words[0] == "add":
                    members.append(line)
        return sorted(creates) + sorted(members)

    def _state(self):
        families = {}
        for family, _part, tool in FAMILY_PARTS:
            families[family] = self._chain_lines(tool)
        return families, self._set_lines()

    def current(self):
        families, sets = self._state()
        if not sets and not any(lines or jumps for lines, jumps, _forward in families.values()):
            return None
        text = []
        for family, (lines, jumps, forward_jumps) in sorted(families.items()):
            header = "# %s, jumps from INPUT: %d" % (family, jumps)
            if forward_jumps or any(line.startswith(":" + FORWARD_CHAIN + " ") for line in lines):
                header += ", from %s: %d" % (FORWARD_HOOK, forward_jumps)
            text.append(header)
            text.extend(lines)
        if sets:
            text.append("# ipsets")
            text.extend(sets)
        return "\n".join(text) + "\n"

    def parts_from_current(self, current) -> dict:
        sections = {"ipv4": [], "ipv6": [], "ipsets": []}
        section = None
        for line in current.splitlines():
            if line.startswith("# "):
                section = line[2:].split(",")[0]
                continue
            sections.setdefault(section, []).append(line)
        parts = {}
        for family, part, _tool in FAMILY_PARTS:
            parts[part] = "*filter\n%sCOMMIT\n" % "".join(line + "\n" for line in sections[family])
        if sections["ipsets"]:
            parts["content_ipset"] = "\n".join(sections["ipsets"]) + "\n"
        return parts

    @staticmethod
    def matches(parts, current):
        return None

    def apply(self, parts, current=None) -> None:
        families, live_sets = self._state()
        desired_sets = parse_sets(parts.get("content_ipset"))
        if desired_sets:
            ipset = self.tool("ipset")
            run_checked(self.run, [ipset, "-exist", "restore"], "loading the ipsets", data=swap_script(desired_sets))
        for family, part, tool in FAMILY_PARTS:
            text = parts[part] if families[family][1] else with_jump(parts[part])
            with TemporaryText(text, directory=self.tmpdir, display="rendered %s rules" % family) as tmp:
                run_checked(self.run, [self.tool(tool + "-restore"), "--noflush", tmp.path],
                            "loading the %s rules" % tool, clean=tmp.clean)
            self._settle_forward(tool, declares_forward(parts[part]), families[family])
        self._destroy_sets(live_sets, keep=desired_sets)

    def _settle_forward(self, tool, wanted, live) -> None:
        """One jump from DOCKER-USER to our forward chain when wanted; neither when not."""
        binary = self.tool(tool)
        if wanted:
            if live[2] == 1:
                return
            if self.run([binary, "-w", "-n", "-L", FORWARD_HOOK])[0] != 0:
                run_checked(self.run, [binary, "-w", "-N", FORWARD_HOOK], "creating %s" % FORWARD_HOOK)
            for _jump in range(live[2]):
                run_checked(self.run, [binary, "-w", "-D", FORWARD_HOOK, "-j", FORWARD_CHAIN],
                            "removing a duplicate jump to %s" % FORWARD_CHAIN)
            run_checked(self.run, [binary, "-w", "-I", FORWARD_HOOK, "1", "-j", FORWARD_CHAIN],
                        "inserting the jump to %s at the top of %s" % (FORWARD_CHAIN, FORWARD_HOOK))
            return
        for _jump in range(live[2]):
            run_checked(self.run, [binary, "-w", "-D", FORWARD_HOOK, "-j", FORWARD_CHAIN],
                        "removing the jump to %s" % FORWARD_CHAIN)
        if any(line.startswith(":" + FORWARD_CHAIN + " ") for line in live[0]):
            run_checked(self.run, [binary, "-w", "-F", FORWARD_CHAIN], "flushing %s" % FORWARD_CHAIN)
            run_checked(self.run, [binary, "-w", "-X", FORWARD_CHAIN], "deleting %s" % FORWARD_CHAIN)

    def _destroy_sets(self, live_sets, keep=()) -> None:
        names = sorted({line.split()[1] for line in live_sets if line.startswith("create ")} - set(keep))
        for name in names:
            run_checked(self.run, [self.tool("ipset"), "destroy", name], "removing the unused ipset %s" % name)

    def remove(self) -> None:
        families, live_sets = self._state()
        for family, _part, tool in FAMILY_PARTS:
            binary = self.tool(tool)
            for _jump in range(families[family][1]):
                run_checked(self.run, [binary, "-D", "INPUT", "-j", CHAIN], "removing the jump to %s" % CHAIN)
            for _jump in range(families[family][2]):
                run_checked(self.run, [binary, "-D", FORWARD_HOOK, "-j", FORWARD_CHAIN],
                            "removing the jump to %s" % FORWARD_CHAIN)
            chains = sorted({line.split()[0][1:] for line in families[family][0] if line.startswith(":")})
            for chain in chains:
                run_checked(self.run, [binary, "-F", chain], "flushing %s" % chain)
            for chain in chains:
                run_checked(self.run, [binary, "-X", chain], "deleting %s" % chain)
        self._destroy_sets(live_sets)

    def facts(self) -> dict:
        binary = self.tool("iptables")
        rc, out, _err = self.run([binary, "--version"])
        variant = "nf_tables" if "nf_tables" in out else "legacy"
        facts = {"iptables_variant": variant, "mixed_backends": False}
        # Our jump is appended to INPUT: a rule ahead of it that accepts everything means our
        # chain never sees those packets, and the allowlist is not enforced for them.
        ineffective = []
        for family, _part, tool in FAMILY_PARTS:
            rc, out, _err = self.run([self.tool(tool + "-save"), "-t", "filter"])
            if rc == 0:
                ineffective.extend("%s: %s" % (family, rule) for rule in accept_all_before(out, CHAIN))
        if ineffective:
            facts["warnings"] = [
                "a rule in INPUT accepts everything before portwarden's %s chain, so the allowlist is not enforced "
                "for what it accepts; remove it or move it after the jump (%s)" % (CHAIN, "; ".join(ineffective))
            ]
        if variant == "nf_tables":
            families = legacy_rules_present(self.run, self.which)
            if families:
                facts["mixed_backends"] = True
                facts["warnings"] = facts.get("warnings", []) + [
                    "iptables-legacy rules exist next to iptables-nft (%s); portwarden leaves them alone, but packets "
                    "must pass both" % ", ".join(families)
                ]
        return facts

    @classmethod
    def live_state(cls, read, options=None) -> dict:
        saves = [read((tool + "-save", "-t", "filter")) for _family, _part, tool in FAMILY_PARTS]
        return parse_live(*saves)

    @staticmethod
    def text(parts) -> str:
        sections = [("# IPv4 (iptables-restore --noflush)\n", parts.get("content")),
                    ("# IPv6 (ip6tables-restore --noflush)\n", parts.get("content_ipv6")),
                    ("# ipsets (ipset restore)\n", parts.get("content_ipset"))]
        return "".join(header + ensure_newline(body) for header, body in sections if body)

    def restore_plan(self, previous, desired) -> dict:
        """The snapshot's ipsets swapped in, ``iptables-restore --noflush`` and
        ``ip6tables-restore --noflush`` of the snapshot (one commit per family), then the
        ipsets only the new ruleset had are destroyed (no snapshot: our jumps and chains are
        removed)."""
        new_sets = set(parse_sets(desired.get("content_ipset")))
        plan = {"files": self.boot_files(), "payloads": {}, "steps": []}
        if previous.get("present"):
            old_sets = parse_sets(previous.get("content_ipset"))
            if old_sets:
                plan["payloads"]["ipsets"] = swap_script(old_sets)
                plan["steps"].append({"argv": [self.tool("ipset"), "-exist", "restore"], "stdin": {"payload": "ipsets"}})
            for _family, part, name in FAMILY_PARTS:
                plan["payloads"][name] = previous[part]
                plan["steps"].append({"argv": [self.tool(name + "-restore"), "--noflush", {"payload": name}]})
            gone = sorted(new_sets - set(old_sets))
        else:
            for _family, _part, name in FAMILY_PARTS:
                binary = self.tool(name)
                plan["steps"] += [
                    {"argv": [binary, "-D", "INPUT", "-j", CHAIN], "ok_rc": MISSING_OK},
                    {"argv": [binary, "-F", CHAIN], "ok_rc": MISSING_OK},
                    {"argv": [binary, "-X", CHAIN], "ok_rc": MISSING_OK},
                ]
            gone = sorted(new_sets)
        plan["steps"] += [{"argv": [self.tool("ipset"), "destroy", name], "ok_rc": MISSING_OK} for name in gone]
        return plan
