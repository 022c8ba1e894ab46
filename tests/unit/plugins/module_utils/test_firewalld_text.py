# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""firewall-cmd's key: value text, read once for the apply side and for the live read."""

from __future__ import annotations

from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._firewalld_text import parse_block
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_firewalld import info_settings
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._live_firewalld import parse_service, parse_zones

INFO_ZONE = """portwarden (active)
  target: DROP
  icmp-block-inversion: yes
  interfaces: eth0
  sources:
  services:
  ports: 22/tcp 8000-8100/udp
  rich rules:
\trule family="ipv4" source address="10.0.0.0/8" port port="5432" protocol="tcp" accept
"""


def test_a_block_gives_its_words_by_key_and_its_rich_rules():
    values, rich = parse_block(INFO_ZONE.splitlines()[1:])
    assert values["target"] == ["DROP"]
    assert values["ports"] == ["22/tcp", "8000-8100/udp"]
    assert values["sources"] == [] and values["rich rules"] == []
    assert rich == ['rule family="ipv4" source address="10.0.0.0/8" port port="5432" protocol="tcp" accept']


def test_a_key_given_twice_keeps_both_lines_and_lines_without_a_colon_are_ignored():
    values, rich = parse_block(["  ports: 22/tcp", "garbage line", "  ports: 80/tcp"])
    assert values == {"ports": ["22/tcp", "80/tcp"]} and rich == []


def test_the_apply_side_and_the_live_read_see_the_same_zone():
    settings = info_settings(INFO_ZONE)
    assert settings["target"] == "DROP" and settings["icmp_block_inversion"] is True
    assert settings["rich_rules"] == {'rule family="ipv4" source address="10.0.0.0/8" port port="5432" protocol="tcp" accept'}
    zone = parse_zones(INFO_ZONE)["portwarden"]
    assert zone["target"] == "DROP" and zone["interfaces"] == ["eth0"] and zone["ports"] == ["22/tcp", "8000-8100/udp"]
    assert zone["rich rules"] == sorted(settings["rich_rules"])


def test_lines_before_the_first_zone_and_a_zone_named_twice():
    zones = parse_zones("  ports: 1/tcp\n\trule stray\npublic\n  ports: 22/tcp\nwork\n  target: ACCEPT\npublic\n  services: ssh\n")
    assert zones == {"public": {"target": "default", "rich rules": [], "ports": ["22/tcp"], "services": ["ssh"]},
                     "work": {"target": "ACCEPT", "rich rules": []}}


def test_a_service_with_two_port_lines_opens_both():
    assert parse_service("ssh\n  ports: 22/tcp\n  ports: 2222/tcp 53/udp\n") == {"tcp": [(22, 22), (2222, 2222)], "udp": [(53, 53)]}
