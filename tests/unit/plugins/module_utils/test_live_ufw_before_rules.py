# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""ufw's before-rules, read from ``iptables-save -t filter`` / ``ip6tables-save -t filter`` (``_live_ufw``).

Captured from an enabled ufw 0.36.2 in portwarden/firewall-ufw:bookworm (iptables 1.8.9, nf_tables):
ufw-portwarden.v4/.v6: the stock /etc/ufw/before.rules and before6.rules with the rules of
ufw-portwarden.txt (DHCP client 68/udp, DHCPv6 client 546/udp from fe80::/10, mDNS 5353/udp
and UPnP 1900/udp to their multicast groups; ICMP; loopback; RELATED,ESTABLISHED).
ufw-before-accept-all.v4: the same after an admin added to before.rules, ahead of the DHCP rule,
``-s 198.51.100.0/24 -p tcp --dport 6379 -j ACCEPT``,
``-p udp -m multiport --dports 4000:4002,4100 -j ACCEPT`` and ``-j ACCEPT``, then ``ufw reload``.
"""

from __future__ import annotations

import os

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist import parse_allowlist
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall import _live_firewall
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall import _live_firewall_host
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall import _live_ufw as ufw

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "live_firewall")
ALLOWLIST = parse_allowlist([
    {"port": 22}, {"port": 8080}, {"port": "9000-9001", "proto": "udp"},
    {"port": 8081, "sources": ["192.0.2.0/24", "2001:db8::/32"]},
])
SAVE_V4 = ("iptables-save", "-t", "filter")
SAVE_V6 = ("ip6tables-save", "-t", "filter")


def read(name: str) -> str:
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def state_of(v4="ufw-portwarden.v4", v6="ufw-portwarden.v6", status="ufw-portwarden.txt"):
    return ufw.parse_live(read(status), {"ipv4": read(v4) if v4 else None, "ipv6": read(v6) if v6 else None})


def item(port, proto="udp", family="ipv4", dual_stack=False, via=None):
    found = {"protocol": proto, "family": family, "address": "0.0.0.0" if family == "ipv4" else "::", "port": port,
             "exposure": "wildcard", "dual_stack": dual_stack, "process": "avahi-daemon"}
    if via:
        found["published"] = {"via": via, "container_name": "web"}
    return found


def verdict(state, found):
    return _live_firewall.verdict(found, state)


def test_stock_before_rules_open_dhcp_mdns_and_upnp():
    state = state_of()
    assert state["notes"] == [] and state["accept_all"] == []
    opened = sorted((entry["family"], entry["proto"], entry["ports"], str(entry["source"])) for entry in state["foreign"])
    assert opened == [
        ("ipv4", "udp", [(68, 68)], "None"), ("ipv4", "udp", [(1900, 1900)], "None"),
        ("ipv4", "udp", [(5353, 5353)], "None"),
        ("ipv6", "udp", [(546, 546)], "fe80::/10"), ("ipv6", "udp", [(1900, 1900)], "None"),
        ("ipv6", "udp", [(5353, 5353)], "None"),
    ]


@pytest.mark.parametrize("found, expected", [
    (item(5353), "exposed"),                                   # mDNS: -d 224.0.0.251 still counts
    (item(5353, family="ipv6", dual_stack=True), "exposed"),   # avahi's dual-stack socket
    (item(68), "exposed"),                                     # DHCP client: --sport 67 is forgeable
    (item(1900, family="ipv6"), "exposed"),                    # UPnP to ff02::f
    (item(546, family="ipv6"), "sources"),                     # DHCPv6 client, from fe80::/10 only
    (item(546), "blocked"),                                    # no IPv4 rule for 546
    (item(5353, proto="tcp"), "blocked"),                      # the mDNS rule is udp only
    (item(5000), "blocked"),
    (item(22, proto="tcp"), "exposed"),                        # the listed rules still count
    (item(8081, proto="tcp"), "sources"),
])
def test_verdicts_count_the_before_rules(found, expected):
    assert verdict(state_of(), found)[0] == expected


def test_the_reason_names_the_before_rule():
    assert verdict(state_of(), item(5353)) == (
        "exposed", "accepted from anyone by a rule ahead of portwarden's: "
                   "-A ufw-before-input -d 224.0.0.251/32 -p udp -m udp --dport 5353 -j ACCEPT")
    assert verdict(state_of(), item(546, family="ipv6"))[1].startswith("accepted from fe80::/10 only")


def test_before_rules_are_not_compared_with_the_allowlist():
    # ufw's own accepts are not portwarden's rules: a default ufw host shows no drift.
    assert _live_firewall.compare(state_of(), ALLOWLIST) == []


def test_before_rules_come_before_a_listed_deny():
    status = read("ufw-portwarden.txt").replace(
        "22/tcp                     ALLOW IN", "5353/udp                   DENY IN     Anywhere\n22/tcp                     ALLOW IN", 1)
    state = ufw.parse_live(status, {"ipv4": read("ufw-portwarden.v4"), "ipv6": read("ufw-portwarden.v6")})
    assert verdict(state, item(5353))[0] == "exposed"


def test_an_admin_accept_everything_before_ours_is_a_finding():
    state = state_of(v4="ufw-before-accept-all.v4")
    assert state["accept_all"] == [
        {"where": "ipv4 ufw-before-input", "rule": "-A ufw-before-input -j ACCEPT", "bypasses": True}]
    result = _live_firewall_host.check(ALLOWLIST, [item(5000, proto="tcp"), item(5000, proto="tcp", family="ipv6")],
                                       "ufw", "/nonexistent", {
                                           ufw.LIVE_COMMAND: read("ufw-portwarden.txt"),
                                           SAVE_V4: read("ufw-before-accept-all.v4"),
                                           SAVE_V6: read("ufw-portwarden.v6")}.get)
    assert [finding["kind"] for finding in result["firewall"]["findings"]] == ["accept_all"]
    assert "-A ufw-before-input -j ACCEPT" in result["firewall"]["findings"][0]["reason"]
    assert [entry["verdict"] for entry in result["effective"]] == ["exposed", "blocked"]


def test_an_admin_port_rule_opens_to_its_source_and_multiport_to_anyone():
    state = state_of(v4="ufw-before-accept-all.v4")
    state["accept_all"] = []  # judged without the accept-everything, to see the port rules
    assert verdict(state, item(6379, proto="tcp")) == (
        "sources", "accepted from 198.51.100.0/24 only, by a rule ahead of portwarden's: "
                   "-A ufw-before-input -s 198.51.100.0/24 -p tcp -m tcp --dport 6379 -j ACCEPT")
    assert [verdict(state, item(port))[0] for port in (4000, 4002, 4003, 4100)] == [
        "exposed", "exposed", "blocked", "exposed"]


def test_dnat_published_ports_are_not_judged_by_input_rules():
    # A published port is forwarded: the before-rules of INPUT never see it.
    state = state_of()
    state["forward"] = True
    assert verdict(state, item(5353, via="dnat"))[0] == "blocked"


@pytest.mark.parametrize("saves, note", [
    (None, "ufw's before-rules (ipv4) are not counted: iptables-save could not be read"),
    ({"ipv4": None, "ipv6": None}, "ufw's before-rules (ipv6) are not counted: ip6tables-save could not be read"),
    ({"ipv4": "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n", "ipv6": "# nothing\n"},
     "ufw's before-rules (ipv4) are not counted: iptables-save shows no ufw-before-input chain"),
])
def test_without_iptables_save_the_listed_rules_alone_decide_and_a_note_says_so(saves, note):
    state = ufw.parse_live(read("ufw-portwarden.txt"), saves)
    assert note in state["notes"] and state["foreign"] == []
    assert verdict(state, item(5353))[0] == "blocked" and verdict(state, item(22, proto="tcp"))[0] == "exposed"


def test_the_notes_reach_the_report():
    result = _live_firewall_host.check(ALLOWLIST, [item(5353)], "ufw", "/nonexistent",
                                       {ufw.LIVE_COMMAND: read("ufw-portwarden.txt")}.get)
    assert "ufw's before-rules (ipv4) are not counted: iptables-save could not be read" in result["firewall"]["notes"]
    assert result["effective"][0]["verdict"] == "blocked"


def test_jumped_chains_are_followed_with_the_conditions_of_the_jump():
    save = "\n".join([
        "*filter", ":INPUT DROP [0:0]", ":ufw-before-input - [0:0]", ":ufw-user-input - [0:0]", ":admin - [0:0]",
        "-A INPUT -j ufw-before-input",
        "-A ufw-before-input -p tcp -m tcp --dport 5000 -j admin",
        "-A ufw-before-input -j ufw-user-input",
        "-A ufw-before-input -p tcp -m tcp --dport 7000 -j ACCEPT",  # after the user rules: not read
        "-A admin -s 203.0.113.0/24 -j ACCEPT",
        "COMMIT", ""])
    foreign, accept_all = ufw.before_rules(save, "ipv4")
    assert accept_all == [] and [(entry["proto"], entry["ports"], str(entry["source"])) for entry in foreign] == [
        ("tcp", [(5000, 5000)], "203.0.113.0/24")]


@pytest.mark.parametrize("rule", [
    "-A ufw-before-input -i lo -j ACCEPT",
    "-A ufw-before-input -p icmp -j ACCEPT",
    "-A ufw-before-input -p ipv6-icmp -j ACCEPT",
    "-A ufw-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
    "-A ufw-before-input -m state --state ESTABLISHED -j ACCEPT",
    "-A ufw-before-input -p tcp --dport 80 -j DROP",
])
def test_rules_that_admit_no_new_connection_from_outside_do_not_count(rule):
    save = "*filter\n:ufw-before-input - [0:0]\n-A INPUT -j ufw-before-input\n%s\nCOMMIT\n" % rule
    assert ufw.before_rules(save, "ipv4") == ([], [])


@pytest.mark.parametrize("rule, opened", [
    ("-A ufw-before-input -p udp -j ACCEPT", [("udp", [(1, 65535)], "None")]),
    ("-A ufw-before-input -s 10.0.0.0/8 -j ACCEPT", [("tcp", [(1, 65535)], "10.0.0.0/8"), ("udp", [(1, 65535)], "10.0.0.0/8")]),
    ("-A ufw-before-input ! -s 10.0.0.0/8 -p tcp --dport 443 -j ACCEPT", [("tcp", [(443, 443)], "None")]),
    ("-A ufw-before-input -i eth0 -p tcp --dport 443 -j ACCEPT", [("tcp", [(443, 443)], "None")]),
    ("-A ufw-before-input -s not-an-address -p tcp --dport 443 -j ACCEPT", [("tcp", [(443, 443)], "None")]),
    ("-A ufw-before-input -p tcp -m conntrack --ctstate NEW --dport 443 -j ACCEPT", [("tcp", [(443, 443)], "None")]),
])
def test_conservative_counting(rule, opened):
    save = "*filter\n:ufw-before-input - [0:0]\n-A INPUT -j ufw-before-input\n%s\nCOMMIT\n" % rule
    foreign, accept_all = ufw.before_rules(save, "ipv4")
    assert accept_all == [] and [(entry["proto"], entry["ports"], str(entry["source"])) for entry in foreign] == opened


LOOP = "*filter\n:ufw-before-input - [0:0]\n:a - [0:0]\n:b - [0:0]\n-A INPUT -j ufw-before-input\n" \
       "-A ufw-before-input -j a\n-A a -j b\n-A b -j a\n-A b -j ufw-before-input\nCOMMIT\n"
HOSTILE = [
    "", "\x00\xff garbage {[", "*filter\n-A ufw-before-input 'unterminated\n" * 100,
    "*filter\n:ufw-before-input - [0:0]\n-A INPUT -j ufw-before-input\n" + "-A ufw-before-input -p udp --dport 1 -j ACCEPT\n" * 20000,
    "*filter\n:ufw-before-input - [0:0]\n-A INPUT -j ufw-before-input\n-A ufw-before-input -p tcp --dport 99999:0 -j ACCEPT\n"
    "-A ufw-before-input -p tcp --dport -j\n-A ufw-before-input -j\n-A\n",
    LOOP,
    "*filter\n:ufw-before-input - [0:0]\n-A INPUT -j ufw-before-input\n"
    + "".join("-A ufw-before-input -j c%d\n-A c%d -j c%d\n" % (n, n, n + 1) for n in range(50)),
]


@pytest.mark.parametrize("save", HOSTILE)
def test_hostile_saves_never_raise_and_stay_bounded(save):
    state = ufw.parse_live(read("ufw-portwarden.txt"), {"ipv4": save, "ipv6": save})
    assert len(state["foreign"]) <= 2 * ufw.MAX_FOREIGN
    _live_firewall.compare(state, ALLOWLIST)
    verdict(state, item(5353))


def test_an_accept_everything_in_input_ahead_of_ufw_is_reported_where_it_is():
    save = ("*filter\n:ufw-before-input - [0:0]\n-A INPUT -m comment --comment admin -j ACCEPT\n"
            "-A INPUT -j ufw-before-input\nCOMMIT\n")
    assert ufw.before_rules(save, "ipv6", "ufw6") is None  # no ufw6 chain: not a ufw ruleset
    assert ufw.before_rules(save, "ipv4")[1] == [
        {"where": "ipv4 INPUT", "rule": "-A INPUT -m comment --comment admin -j ACCEPT", "bypasses": True}]
