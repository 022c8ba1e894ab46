# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""ufw's and firewalld's live rules read back (``_live_ufw``, ``_live_firewalld``), from real Debian 12 containers.

ufw 0.36.2 (portwarden/firewall-ufw:bookworm), ``ufw status verbose``:
ufw-portwarden.txt: the rules the role renders for 22/tcp, 8080/tcp, 9000:9001/udp and 8081/tcp
from 192.0.2.0/24 and 2001:db8::/32, after ``default deny incoming``.
ufw-deny-first.txt: the same with ``ufw insert 1 reject 9000/udp`` (a reject listed before our allow).
ufw-mixed.txt: our rules among foreign ones: a deny from one source before our 22/tcp, 53 (both
protocols), LIMIT 2222/tcp, REJECT 25, a rule on eth0, an application profile (OpenSSH), a rule to
one destination address, everything from 203.0.113.0/24, 3005/udp denied after 3000:3010/udp is
allowed, OUT and FWD rules.
ufw-inactive.txt: after ``ufw disable``.
ufw's before-rules read from ``iptables-save``: test_live_ufw_before_rules.py.

firewalld 1.3.3 (portwarden/firewall-firewalld:bookworm), ``firewall-cmd --list-all-zones``:
firewalld-portwarden.zones: a zone as the role renders it (target DROP, 22/tcp, 8000-8100/tcp,
53/udp, 5432/tcp from 192.0.2.0/24 and 2001:db8::/32) made the default zone
(firewalld-default-zone.txt).
firewalld-mixed.zones: plus, at runtime, the service http and rich rules in our zone (https from
203.0.113.5, 22/tcp dropped from 203.0.113.0/24, 9000-9010/udp accepted from anyone, 8050/tcp
rejected from anyone, 6000/tcp from 2001:db8:1::/48 with a log), eth0 bound to public
(dhcpv6-client, ssh) and 198.51.100.0/24 bound to trusted (target ACCEPT).
firewalld-service-NAME.txt: ``firewall-cmd --info-service=NAME``.
"""

from __future__ import annotations

import os

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist import parse_allowlist
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall import _live_firewall
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall import _live_firewall_host
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall import _live_firewalld as firewalld
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall import _live_ufw as ufw
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_firewalld import FirewalldBackend
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_ufw import UfwBackend

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "live_firewall")
UFW_ALLOWLIST = parse_allowlist([
    {"port": 22}, {"port": 8080}, {"port": "9000-9001", "proto": "udp"},
    {"port": 8081, "sources": ["192.0.2.0/24", "2001:db8::/32"]},
])
ZONE_ALLOWLIST = parse_allowlist([
    {"port": 22}, {"port": "8000-8100"}, {"port": 53, "proto": "udp"},
    {"port": 5432, "sources": ["192.0.2.0/24", "2001:db8::/32"]},
])
SERVICES = ("http", "https", "ssh", "dhcpv6-client")


def read(name: str) -> str:
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def item(port, proto="tcp", family="ipv4", via=None):
    found = {"protocol": proto, "family": family, "address": "0.0.0.0" if family == "ipv4" else "::", "port": port,
             "exposure": "wildcard", "dual_stack": False, "process": "python3"}
    if via:
        found["published"] = {"via": via, "container_name": "web"}
    return found


def verdicts(state, *items):
    return [_live_firewall.verdict(found, state)[0] for found in items]


def firewalld_reader(zones="firewalld-portwarden.zones", default="firewalld-default-zone.txt"):
    """Answers firewall-cmd's reads from the fixtures; records what was asked."""
    asked = []
    outputs = {firewalld.DEFAULT_ZONE_COMMAND: read(default) if default else None,
               firewalld.ZONES_COMMAND: read(zones)}
    outputs.update({("firewall-cmd", "--info-service=%s" % name): read("firewalld-service-%s.txt" % name)
                    for name in SERVICES})

    def reader(command):
        asked.append(command)
        return outputs.get(tuple(command))
    reader.asked = asked
    return reader


# --- ufw -------------------------------------------------------------------------------------

def test_ufw_reads_the_rules_the_role_renders():
    state = ufw.parse_live(read("ufw-portwarden.txt"))
    assert state["enabled"] and state["rules_read"] and state["loaded"] and state["policy"] == "drop"
    assert state["open"] == {"tcp": [(22, 22), (8080, 8080)], "udp": [(9000, 9001)]}
    assert [(str(network), ranges) for network, ranges in state["sources"][("tcp", "ipv4")]] == [("192.0.2.0/24", [(8081, 8081)])]
    assert [(str(network), ranges) for network, ranges in state["sources"][("tcp", "ipv6")]] == [("2001:db8::/32", [(8081, 8081)])]
    assert _live_firewall.compare(state, UFW_ALLOWLIST) == []
    assert verdicts(state, item(22), item(8081), item(8081, family="ipv6"), item(5000), item(9000, "udp"),
                    item(8080, via="dnat")) == ["exposed", "sources", "sources", "blocked", "exposed", "exposed"]


def test_ufw_is_first_match_a_reject_listed_first_closes_the_allowed_port():
    state = ufw.parse_live(read("ufw-deny-first.txt"))
    assert state["open"]["udp"] == [(9001, 9001)]
    assert verdicts(state, item(9000, "udp"), item(9001, "udp")) == ["blocked", "exposed"]
    assert _live_firewall.compare(state, UFW_ALLOWLIST) == [
        "9000-9001/udp is declared open to anyone but the live firewall does not open it"]


def test_ufw_reads_foreign_rules_limit_profiles_interfaces_and_ignores_out_and_forward():
    state = ufw.parse_live(read("ufw-mixed.txt"))
    assert state["loaded"]
    # 53 without a protocol is both; LIMIT accepts; 9100 on eth0 and the OpenSSH profile count;
    # 25 is rejected; 3005/udp is denied only after 3000:3010 allowed it; 9999 (OUT) and 8080 (FWD) are not incoming.
    assert state["open"] == {
        "tcp": [(22, 22), (53, 53), (80, 80), (443, 443), (2222, 2222), (6000, 6000), (7777, 7777), (8000, 8100),
                (9100, 9100)],
        "udp": [(53, 53), (3000, 3010)]}
    # Everything from 203.0.113.0/24, except 25, rejected from anyone by an earlier rule.
    assert (("203.0.113.0/24", [(1, 24), (26, 65535)]) in
            [(str(network), ranges) for network, ranges in state["sources"][("tcp", "ipv4")]])
    # 9999 only from 203.0.113.0/24 (everything from it); 25 from nobody.
    assert verdicts(state, item(25), item(2222), item(9999), item(7000, "udp")) == ["blocked", "exposed", "sources", "sources"]
    findings = _live_firewall.compare(state, ZONE_ALLOWLIST)
    assert "53/tcp is open to anyone in the live firewall but the allowlist does not say so" in findings
    assert "5432/tcp from 192.0.2.0/24 is declared but the live firewall does not allow it" not in findings


def test_an_inactive_ufw_exposes_everything():
    state = ufw.parse_live(read("ufw-inactive.txt"))
    assert state["enabled"] is False and not state["loaded"]
    assert verdicts(state, item(22)) == ["exposed"]


def test_ufw_without_our_comment_is_not_loaded_and_a_default_allow_accepts():
    text = read("ufw-portwarden.txt").replace("# portwarden", "").replace("Default: deny", "Default: allow")
    state = ufw.parse_live(text)
    assert not state["loaded"] and state["policy"] == "accept"
    result = _live_firewall_host.check(UFW_ALLOWLIST, [item(22)], "ufw", "/nonexistent",
                                       lambda command: text if command == ufw.LIVE_COMMAND else None)
    assert [f["kind"] for f in result["firewall"]["findings"]] == ["missing"]
    assert "(no ufw rule carries comment 'portwarden')" in result["firewall"]["findings"][0]["reason"]


def test_ufw_backend_reads_the_status_then_the_filter_tables_of_an_active_ufw():
    asked = []
    outputs = {ufw.LIVE_COMMAND: read("ufw-portwarden.txt"), ("iptables-save", "-t", "filter"): read("ufw-portwarden.v4"),
               ("ip6tables-save", "-t", "filter"): read("ufw-portwarden.v6")}
    state = UfwBackend.live_state(lambda command: asked.append(command) or outputs.get(command))
    assert asked == [("ufw", "status", "verbose"), ("iptables-save", "-t", "filter"), ("ip6tables-save", "-t", "filter")]
    assert state["loaded"] and state["notes"] == []


def test_an_inactive_ufw_is_read_with_one_command():
    asked = []
    UfwBackend.live_state(lambda command: asked.append(command) or read("ufw-inactive.txt"))
    assert asked == [("ufw", "status", "verbose")]


# --- firewalld -------------------------------------------------------------------------------

def test_firewalld_reads_the_zone_the_role_renders():
    reader = firewalld_reader()
    state = FirewalldBackend.live_state(reader)
    # The zone names no service: two reads.
    assert reader.asked == [firewalld.DEFAULT_ZONE_COMMAND, firewalld.ZONES_COMMAND]
    assert state["enabled"] and state["rules_read"] and state["loaded"] and state["policy"] == "drop"
    assert state["open"] == {"tcp": [(22, 22), (8000, 8100)], "udp": [(53, 53)]}
    assert _live_firewall.compare(state, ZONE_ALLOWLIST) == []
    assert verdicts(state, item(22), item(5432), item(5432, family="ipv6"), item(5000), item(8080, via="dnat")) == [
        "exposed", "sources", "sources", "blocked", "exposed"]


def test_firewalld_judges_every_zone_that_applies_its_services_and_rich_rules():
    reader = firewalld_reader("firewalld-mixed.zones")
    state = FirewalldBackend.live_state(reader)
    assert sorted(command for command in reader.asked if command[1].startswith("--info-service")) == [
        ("firewall-cmd", "--info-service=%s" % name) for name in sorted(SERVICES)]
    # http (our zone), ssh and dhcpv6-client (public, bound to eth0), 9000-9010/udp by a rich rule,
    # 8050/tcp rejected from anyone by one.
    assert state["open"] == {"tcp": [(22, 22), (80, 80), (8000, 8049), (8051, 8100)],
                             "udp": [(53, 53), (546, 546), (9000, 9010)]}
    sources = {(proto, family): [(str(network), ranges) for network, ranges in pairs]
               for (proto, family), pairs in state["sources"].items()}
    assert ("203.0.113.5/32", [(443, 443)]) in sources[("tcp", "ipv4")]
    assert ("198.51.100.0/24", [(1, 65535)]) in sources[("udp", "ipv4")]  # the trusted zone's source
    assert ("2001:db8:1::/48", [(6000, 6000)]) in sources[("tcp", "ipv6")]  # a rich rule with a log
    # 8050 and 7000: only from 198.51.100.0/24 (the trusted zone); 8050 is rejected from everyone else.
    assert verdicts(state, item(80), item(8050), item(443), item(6000, family="ipv6"), item(7000)) == [
        "exposed", "sources", "sources", "sources", "sources"]
    assert verdicts(state, item(8050, family="ipv6"), item(7000, family="ipv6")) == ["blocked", "blocked"]
    assert _live_firewall.compare(state, ZONE_ALLOWLIST) == [
        "8000-8100/tcp is declared open to anyone but the live firewall does not open it",
        "80/tcp is open to anyone in the live firewall but the allowlist does not say so",
        "546/udp is open to anyone in the live firewall but the allowlist does not say so",
        "9000-9010/udp is open to anyone in the live firewall but the allowlist does not say so"]


def test_firewalld_not_running_exposes_everything():
    state = FirewalldBackend.live_state(firewalld_reader(default=None))
    assert state["enabled"] is False and verdicts(state, item(22)) == ["exposed"]


def test_firewalld_with_our_zone_unused_is_partial_and_an_accept_zone_lets_everything_in():
    zones = firewalld.parse_zones(read("firewalld-portwarden.zones"))
    state = firewalld.parse_live("public", zones, {"ssh": {"tcp": [(22, 22)]}})
    assert state["partial"] and not state["loaded"] and state["open"]["tcp"] == [(22, 22)]
    state = firewalld.parse_live("trusted", zones, {})
    assert state["policy"] == "accept" and verdicts(state, item(9999)) == ["exposed"]
    state = firewalld.parse_live("public", {"public": {"target": "default", "rich rules": []}}, {})
    assert state["absent"] == "zone portwarden is absent" and not state["partial"]


def renamed_zone_reader(name):
    """firewalld-portwarden.zones with the role's zone named ``name`` (portwarden_firewall_zone) and the default zone."""
    reader = firewalld_reader()
    zones = read("firewalld-portwarden.zones").replace("\nportwarden\n", "\n%s\n" % name)

    def renamed(command):
        reader.asked.append(command)
        return {firewalld.DEFAULT_ZONE_COMMAND: name + "\n", firewalld.ZONES_COMMAND: zones}.get(tuple(command))
    return renamed


def test_firewalld_reads_a_zone_not_named_portwarden_when_told_its_name(tmp_path):
    state = FirewalldBackend.live_state(renamed_zone_reader("myzone"), {"zone": "myzone"})
    assert state["loaded"] and state["open"] == {"tcp": [(22, 22), (8000, 8100)], "udp": [(53, 53)]}
    result = _live_firewall_host.check(ZONE_ALLOWLIST, [item(22)], "firewalld", str(tmp_path),
                                       renamed_zone_reader("myzone"), zone="myzone")
    assert result["firewall"]["loaded"] and result["firewall"]["findings"] == []
    assert [entry["verdict"] for entry in result["effective"]] == ["exposed"]
    state = _live_firewall_host.live_state("auto", renamed_zone_reader("myzone"), {"zone": "myzone"})
    assert state["backend"] == "firewalld" and state["loaded"]


def test_firewalld_without_the_zone_name_finds_portwarden_missing(tmp_path):
    result = _live_firewall_host.check(ZONE_ALLOWLIST, [item(22)], "firewalld", str(tmp_path),
                                       renamed_zone_reader("myzone"))
    assert not result["firewall"]["loaded"]
    assert [(finding["kind"], finding["reason"]) for finding in result["firewall"]["findings"]] == [(
        "missing", "portwarden's firewalld rules are not loaded (zone portwarden is absent); every port is as open as "
        "the rest of the ruleset leaves it")]


def test_auto_reads_ufw_then_firewalld_only_when_nftables_and_iptables_hold_nothing(tmp_path):
    outputs = {("nft", "-j", "list", "ruleset"): '{"nftables": []}', ufw.LIVE_COMMAND: read("ufw-portwarden.txt")}
    result = _live_firewall_host.check(UFW_ALLOWLIST, [item(22), item(5000)], "auto", str(tmp_path),
                                       lambda command: outputs.get(tuple(command)))
    assert result["firewall"]["backend"] == "ufw" and result["firewall"]["loaded"]
    assert [entry["verdict"] for entry in result["effective"]] == ["exposed", "blocked"]
    reader = firewalld_reader()
    state = _live_firewall_host.live_state("auto", reader)
    assert state["backend"] == "firewalld" and state["loaded"]
    # Neither holds our rules (ufw inactive, no firewall-cmd): nftables is judged, as before.
    state = _live_firewall_host.live_state("auto", lambda command: {
        ("nft", "-j", "list", "ruleset"): '{"nftables": []}', ufw.LIVE_COMMAND: "Status: inactive\n"}.get(tuple(command)))
    assert state["backend"] == "nftables" and not state["loaded"]


def test_auto_keeps_nftables_when_it_holds_our_table():
    asked = []
    table = '{"nftables": [{"table": {"family": "inet", "name": "portwarden"}}]}'
    state = _live_firewall_host.live_state("auto", lambda command: asked.append(command) or (
        table if command[0] == "nft" else None))
    assert state["backend"] == "nftables" and not any(command[0] in ("ufw", "firewall-cmd") for command in asked)


# --- hostile output --------------------------------------------------------------------------

HOSTILE = [
    None, "", "\x00\xff garbage {[", "Status: active\n" + "x" * 100000,
    "Status: active\nDefault: deny (incoming)\n" + "1:2:3/tcp ALLOW IN Anywhere # portwarden\n" * 1000,
    "Status: active\n" + "70000/tcp ALLOW IN Anywhere\n65535:1/udp ALLOW IN not-an-address\n Anywhere ALLOW IN\n",
    "Status: active\n" + "".join("%d/tcp DENY IN Anywhere\n" % port for port in range(1, 3000)) + "Anywhere ALLOW IN Anywhere\n",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_ufw_parser_never_raises(text):
    state = ufw.parse_live(text)
    assert set(_live_firewall.empty_state("ufw")) <= set(state)
    _live_firewall.compare(state, UFW_ALLOWLIST)
    verdicts(state, item(22))


@pytest.mark.parametrize("zones", HOSTILE + [
    "portwarden\n  target: DROP\n  ports: 22/tcp 99999/tcp -/udp 1-2-3/tcp x/sctp\n  sources: ipset:foo 300.1.1.1 ::/0\n"
    "  services: ../../etc ssh\n\trule family=\"ipv4\" source address=\"bad\" port port=\"22\" protocol=\"tcp\" accept\n"
    "\trule service name=\"nosuch\" accept\n\trule garbage\n",
    "\trule port port=\"22\" protocol=\"tcp\" accept\n  target: ACCEPT\n",
    "portwarden\n" + "\trule port port=\"1\" protocol=\"tcp\" drop\n" * 5000 + "  ports: 1-65535/tcp\n",
])
def test_firewalld_parser_never_raises(zones):
    parsed = firewalld.parse_zones(zones)
    needed = firewalld.services_needed(parsed, "portwarden")
    assert len(needed) <= firewalld.MAX_SERVICES and all("/" not in name for name in needed)
    state = firewalld.parse_live("portwarden", parsed, {"ssh": firewalld.parse_service(zones)})
    assert set(_live_firewall.empty_state("firewalld")) <= set(state)
    _live_firewall.compare(state, ZONE_ALLOWLIST)
    verdicts(state, item(22))
