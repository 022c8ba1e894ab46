# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The live firewall read back (nft JSON, iptables-save) from rulesets loaded into real Debian 12 containers.

The parsers live with their backends (``_fw_nftables.parse_live``, ``_fw_iptables.parse_live``
and ``accept_all_before``); the comparison and the verdicts in ``_live_firewall``; the reads
and the findings in ``_live_firewall_host``.

forward-nftables.json: tests/unit/fixtures/firewall/forward/portwarden.nft loaded with nft -f,
plus a foreign ``inet foreign`` input chain (priority -10) whose only rule accepts everything,
and one recorded local address in each of ``local_daddrs_ipv4``/``_ipv6`` (``nft add element``).
forward-nftables-bullseye.json: the same table listed by nft 0.9.8 on Debian 11.
forward-accept-all.v4/.v6: the forward case's iptables rules loaded with iptables-restore
--noflush, the jumps from INPUT and DOCKER-USER, ``-A INPUT -i eth0 -j ACCEPT`` before our
jump and ``-A INPUT -p tcp -j ACCEPT`` after it.
"""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.firewall import _fw_iptables as iptables
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall import _fw_nftables as nftables
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall import _live_firewall
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall import _live_firewall_host
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist import parse_allowlist

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "live_firewall")
FORWARD_ALLOWLIST = parse_allowlist([
    {"port": 22}, {"port": 8080}, {"port": 8081, "sources": ["192.0.2.0/24", "2001:db8::/32"]},
    {"port": "9000-9001", "proto": "udp"},
])


def read(name: str) -> str:
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def item(port, proto="tcp", family="ipv4", via=None, dual_stack=False):
    found = {"protocol": proto, "family": family, "address": "0.0.0.0" if family == "ipv4" else "::", "port": port,
             "exposure": "wildcard", "dual_stack": dual_stack, "process": "python3"}
    if via:
        found["published"] = {"via": via, "container_name": "web"}
    return found


@pytest.fixture(scope="module")
def nft_state():
    return nftables.parse_live(read("forward-nftables.json"))


@pytest.fixture(scope="module")
def ipt_state():
    return iptables.parse_live(read("forward-accept-all.v4"), read("forward-accept-all.v6"))


def test_nftables_table_is_read_back(nft_state):
    assert nft_state["loaded"] and nft_state["policy"] == "drop" and nft_state["forward"]
    assert nft_state["open"] == {"tcp": [(22, 22), (8080, 8080)], "udp": [(9000, 9001)]}
    assert [(str(net), ranges) for net, ranges in nft_state["sources"][("tcp", "ipv4")]] == [("192.0.2.0/24", [(8081, 8081)])]
    assert [(str(net), ranges) for net, ranges in nft_state["sources"][("tcp", "ipv6")]] == [("2001:db8::/32", [(8081, 8081)])]


def test_nftables_source_sets_are_read_back_from_a_real_listing():
    """nft -j list ruleset of a table with every kind of source element: prefixes, single
    addresses (no prefix object), and a port range inside the concatenation."""
    state = nftables.parse_live(read("sources-nftables.json"))
    assert state["loaded"] and state["policy"] == "drop" and not state["forward"]
    assert state["open"] == {"tcp": [(8080, 8080)], "udp": []}
    sources = {key: [(str(net), ranges) for net, ranges in value] for key, value in state["sources"].items()}
    assert sources[("tcp", "ipv4")] == [("10.0.0.0/8", [(6379, 6379)]), ("192.0.2.0/24", [(22, 22)]),
                                        ("198.51.100.7/32", [(5432, 5432)]), ("198.51.100.8/32", [(5432, 5432)]),
                                        ("203.0.113.0/28", [(5432, 5432)])]
    assert sources[("tcp", "ipv6")] == [("2001:db8::/32", [(22, 22)])]
    assert sources[("udp", "ipv4")] == []
    assert sources[("udp", "ipv6")] == [("2001:db8:1::/48", [(9000, 9100)])]


def without(document: dict, kind: str, chain: str) -> str:
    """The listing with our chain (kind "chain") or its rules (kind "rule") left out."""
    objects = [obj for obj in document["nftables"]
               if not (kind in obj and obj[kind].get("table") == "portwarden"
                       and obj[kind].get("name" if kind == "chain" else "chain") == chain)]
    return json.dumps({"nftables": objects})


def with_priority(document: dict, chain: str, priority: int) -> str:
    for obj in document["nftables"]:
        if "chain" in obj and obj["chain"].get("table") == "portwarden" and obj["chain"]["name"] == chain:
            obj["chain"]["prio"] = priority
    return json.dumps(document)


def judging_every_dnat(document: dict) -> str:
    """The forward chain as rendered before the host's own addresses were recorded: one rule,
    ``ct state new ct status dnat jump forward_published``, and no prerouting chain."""
    objects = []
    for obj in json.loads(without(document, "chain", "prerouting"))["nftables"]:
        rule = obj.get("rule")
        if rule and rule.get("table") == "portwarden" and rule["chain"] == "prerouting":
            continue
        if rule and rule.get("table") == "portwarden" and rule["chain"] == "forward":
            if any("ip6 daddr" in json.dumps(expression) for expression in rule["expr"]):
                continue
            rule["expr"] = [expression for expression in rule["expr"] if "ip daddr" not in json.dumps(expression)]
        objects.append(obj)
    return json.dumps({"nftables": objects})


def test_the_recorded_local_addresses_are_not_read_as_ports_or_sources(nft_state):
    assert set(nft_state["sources"]) == {("tcp", "ipv4"), ("tcp", "ipv6"), ("udp", "ipv4"), ("udp", "ipv6")}
    assert "192.0.2.10" in read("forward-nftables.json")


@pytest.mark.parametrize("listing, forward", [
    (json.dumps, True),
    (judging_every_dnat, True),
    # Without the prerouting chain no local address is recorded, so nothing is ever judged.
    (lambda document: without(document, "chain", "prerouting"), False),
    (lambda document: without(document, "rule", "prerouting"), False),
    # After the DNAT, fib would see the container's address, never the host's own.
    (lambda document: with_priority(document, "prerouting", -100), False),
    (lambda document: with_priority(document, "prerouting", 0), False),
    (lambda document: without(document, "chain", "forward"), False),
], ids=["rendered", "judging-every-dnat", "no-prerouting-chain", "no-prerouting-rules", "prerouting-at-dstnat",
        "prerouting-at-filter", "no-forward-chain"])
def test_forward_filtering_is_on_only_when_it_judges_published_ports(listing, forward):
    state = nftables.parse_live(listing(json.loads(read("forward-nftables.json"))))
    assert state["loaded"] and state["forward"] is forward


def test_a_foreign_nftables_accept_is_noted_but_does_not_bypass_ours(nft_state):
    assert nft_state["accept_all"] == [{"where": "inet foreign input", "rule": "accept", "priority": -10, "bypasses": False}]


def test_iptables_chains_are_read_back(ipt_state):
    assert ipt_state["loaded"] and ipt_state["policy"] == "drop" and ipt_state["forward"]
    assert ipt_state["open"] == {"tcp": [(22, 22), (8080, 8080)], "udp": [(9000, 9001)]}
    assert [(str(net), ranges) for net, ranges in ipt_state["sources"][("tcp", "ipv4")]] == [("192.0.2.0/24", [(8081, 8081)])]


def test_an_accept_everything_rule_before_our_jump_is_found_and_one_after_is_not(ipt_state):
    assert ipt_state["accept_all"] == [{"where": "ipv4 INPUT", "rule": "-A INPUT -i eth0 -j ACCEPT", "bypasses": True}]


@pytest.mark.parametrize("rules, expected", [
    ("-A INPUT -j ACCEPT\n-A INPUT -j PORTWARDEN-INPUT", ["-A INPUT -j ACCEPT"]),
    ("-A INPUT -m comment --comment 'let all in' -j ACCEPT", ["-A INPUT -m comment --comment 'let all in' -j ACCEPT"]),
    ("-A INPUT -i lo -j ACCEPT\n-A INPUT -j PORTWARDEN-INPUT", []),
    ("-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", []),
    ("-A INPUT -s 10.0.0.0/8 -j ACCEPT", []),
    ("-A INPUT -p tcp --dport 22 -j ACCEPT", []),
    ("-A INPUT ! -i eth0 -j ACCEPT", []),
    ("-A INPUT -j f2b-sshd\n-A INPUT -j DROP", []),
])
def test_accept_all_before_our_jump(rules, expected):
    assert iptables.accept_all_before("*filter\n%s\nCOMMIT\n" % rules) == expected


@pytest.mark.parametrize("allowlist, expected", [
    (FORWARD_ALLOWLIST, []),
    (parse_allowlist([{"port": 22}, {"port": 8081, "sources": ["192.0.2.0/24", "2001:db8::/32"]},
                      {"port": "9000-9001", "proto": "udp"}]),
     ["8080/tcp is open to anyone in the live firewall but the allowlist does not say so"]),
    (parse_allowlist([{"port": 22}, {"port": 8080}, {"port": 8081, "sources": ["198.51.100.0/24"]},
                      {"port": "9000-9002", "proto": "udp"}]),
     ["9000-9002/udp is declared open to anyone but the live firewall does not open it",
      "8081/tcp from 198.51.100.0/24 is declared but the live firewall does not allow it"]),
])
def test_compare_finds_what_differs_from_the_allowlist(nft_state, ipt_state, allowlist, expected):
    assert _live_firewall.compare(nft_state, allowlist) == expected
    assert _live_firewall.compare(ipt_state, allowlist) == expected


def test_debian_11_nft_listing_reads_the_same():
    # nft 0.9.8 lists 2001:db8::/32 . 8081 with a /64 prefix; that must not read as modified.
    state = nftables.parse_live(read("forward-nftables-bullseye.json"))
    assert state["loaded"] and state["forward"] and _live_firewall.compare(state, FORWARD_ALLOWLIST) == []


def test_extra_source_restricted_entries_are_not_a_difference(nft_state):
    # The firewall role adds the management connection that way.
    assert _live_firewall.compare(nft_state, parse_allowlist([{"port": 22}, {"port": 8080},
                                                              {"port": "9000-9001", "proto": "udp"}])) == []


@pytest.mark.parametrize("exposure, expected", [
    (item(22), "exposed"),
    (item(8081), "sources"),
    (item(8081, family="ipv6"), "sources"),
    (item(9090), "blocked"),
    (item(9000, proto="udp"), "exposed"),
    (item(9090, via="dnat"), "blocked"),
    (item(8080, via="dnat"), "exposed"),
    (item(9090, family="ipv6", via="proxy"), "blocked"),
])
def test_verdicts_under_our_nftables_table(nft_state, exposure, expected):
    assert _live_firewall.verdict(exposure, nft_state)[0] == expected


def test_an_earlier_accept_everything_rule_exposes_what_our_chain_would_block(ipt_state):
    assert _live_firewall.verdict(item(9090), ipt_state) == (
        "exposed", "an earlier INPUT rule accepts everything before portwarden's chain")
    assert _live_firewall.verdict(item(9090, family="ipv6"), ipt_state)[0] == "blocked"
    assert _live_firewall.verdict(item(9090, family="ipv6", dual_stack=True), ipt_state)[0] == "exposed"
    # Published ports take the forward path: the INPUT rule does not matter to them.
    assert _live_firewall.verdict(item(9090, via="dnat"), ipt_state)[0] == "blocked"


def test_published_ports_are_exposed_without_forward_filtering(nft_state):
    state = dict(nft_state, forward=False)
    assert _live_firewall.verdict(item(9090, via="dnat"), state) == (
        "exposed", "published by DNAT: forwarded past the input chain, and forward filtering is off")
    assert _live_firewall.verdict(item(9090), state)[0] == "blocked"


@pytest.mark.parametrize("text", ["", "nope", "{\"nftables\": [1, {\"set\": {\"family\": \"inet\", \"table\": \"portwarden\", "
                                  "\"name\": \"tcp_ports\", \"elem\": [true, 99999, {\"range\": [\"a\"]}, {\"concat\": 5}]}}]}"])
def test_hostile_nft_json_reads_as_not_loaded(text):
    state = nftables.parse_live(text)
    assert not state["loaded"] and state["open"]["tcp"] == []


def fake_reader(outputs):
    def read(command):
        return outputs.get(command[0])
    return read


def test_check_reports_a_flushed_table_on_a_hardened_host(tmp_path):
    (tmp_path / "last-good").mkdir()
    (tmp_path / "last-good" / "portwarden.nft").write_text("table inet portwarden {}\n")
    result = _live_firewall_host.check(FORWARD_ALLOWLIST, [item(9090)], "auto", str(tmp_path),
                                       fake_reader({"nft": '{"nftables": []}'}))
    assert [f["kind"] for f in result["firewall"]["findings"]] == ["missing"]
    assert "(table inet portwarden is absent)" in result["firewall"]["findings"][0]["reason"]
    assert result["effective"] == [{"protocol": "tcp", "family": "ipv4", "address": "0.0.0.0", "port": 9090,
                                    "kind": "listening", "owner": "python3", "verdict": "exposed",
                                    "reason": "portwarden's firewall is not loaded"}]


def test_check_on_a_host_never_hardened_is_no_finding(tmp_path):
    result = _live_firewall_host.check(FORWARD_ALLOWLIST, [item(22)], "auto", str(tmp_path), fake_reader({}))
    assert result["firewall"]["findings"] == [] and result["firewall"]["notes"] == ["no portwarden firewall on this host"]


def test_auto_judges_an_iptables_chain_without_its_jump_as_iptables(tmp_path):
    (tmp_path / "last-good").mkdir()
    (tmp_path / "last-good" / "iptables.v4").write_text("*filter\nCOMMIT\n")
    chain_only = "*filter\n:INPUT ACCEPT [0:0]\n:PORTWARDEN-INPUT - [0:0]\n-A PORTWARDEN-INPUT -j DROP\nCOMMIT\n"
    result = _live_firewall_host.check(FORWARD_ALLOWLIST, [item(22)], "auto", str(tmp_path),
                                       fake_reader({"nft": '{"nftables": []}', "iptables-save": chain_only}))
    assert result["firewall"]["backend"] == "iptables" and not result["firewall"]["loaded"]
    assert [f["reason"] for f in result["firewall"]["findings"]] == [
        "portwarden's iptables rules are not loaded (chain PORTWARDEN-INPUT or its jump from INPUT is absent); "
        "every port is as open as the rest of the ruleset leaves it"]


def test_check_finds_our_rules_modified_and_an_accept_all_first(tmp_path):
    outputs = {"iptables-save": read("forward-accept-all.v4"), "ip6tables-save": read("forward-accept-all.v6")}
    allowlist = parse_allowlist([{"port": 22}, {"port": 8081, "sources": ["192.0.2.0/24", "2001:db8::/32"]},
                                 {"port": "9000-9001", "proto": "udp"}])
    result = _live_firewall_host.check(allowlist, [item(9090), item(9091, via="dnat")], "auto", str(tmp_path),
                                       fake_reader(outputs))
    assert result["firewall"]["backend"] == "iptables"
    assert [f["kind"] for f in result["firewall"]["findings"]] == ["modified", "accept_all"]
    assert [e["verdict"] for e in result["effective"]] == ["exposed", "blocked"]
    assert result["firewall"]["verdicts"] == {"exposed": 1, "sources": 0, "blocked": 1, "unknown": 0}


@pytest.mark.parametrize("backend, output, kinds, verdict", [
    ("ufw", "Status: inactive\n", ["disabled"], "exposed"),
    ("ufw", "Status: active\n\nTo  Action  From\n", ["missing"], "exposed"),
    ("firewalld", None, ["disabled"], "exposed"),
])
def test_ufw_and_firewalld_are_checked_for_being_enabled(tmp_path, backend, output, kinds, verdict):
    command = "ufw" if backend == "ufw" else "firewall-cmd"
    result = _live_firewall_host.check(FORWARD_ALLOWLIST, [item(22)], backend, str(tmp_path), fake_reader({command: output}))
    assert [f["kind"] for f in result["firewall"]["findings"]] == kinds
    assert result["effective"][0]["verdict"] == verdict
