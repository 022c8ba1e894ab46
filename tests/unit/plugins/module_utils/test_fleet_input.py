# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fleet-wide input check: every host's allowlist and settings, each problem naming its host."""

from __future__ import annotations

import pathlib

import pytest
import yaml

from ansible_collections.portwarden.hardening.plugins.filter.fleet import UNSET, fleet_problems
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._fleet_input import resolve
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_settings import NAMES, settings_problems

ROOT = pathlib.Path(__file__).resolve().parents[4]
DEFAULTS = yaml.safe_load((ROOT / "roles" / "firewall" / "defaults" / "main.yml").read_text())
GOOD = [{"port": 22}, {"port": 443}]

FLEETS = [
    # (hostvars, effective on the running host, expected lines)
    ({"web1": {"portwarden_allowlist": GOOD}, "web2": {"portwarden_allowlist": GOOD}}, {}, []),
    (
        {"web1": {"portwarden_allowlist": GOOD}, "web2": {"portwarden_allowlist": GOOD},
         "db1": {"portwarden_allowlist": [{"port": 22}, {"port": "5432-5431"}]}},
        {},
        ["db1: portwarden_allowlist entry #2 (port: \"5432-5431\")"],
    ),
    (
        {"web1": {"portwarden_allowlist": [{"port": 99999}]}, "db1": {"portwarden_allowlist": [{"port": 80, "proto": "sctp"}]}},
        {},
        ["web1: portwarden_allowlist entry #1 (port: 99999)", "db1: portwarden_allowlist entry #1 (port: 80)"],
    ),
    ({"web1": {"portwarden_allowlist": GOOD}, "db1": {}}, {}, ["db1: portwarden_allowlist is not set"]),
    (
        {"web1": {"portwarden_allowlist": GOOD}, "db1": {"portwarden_allowlist": GOOD, "portwarden_firewall_zone": "bad zone"}},
        {},
        ["db1: portwarden_firewall_zone must be"],
    ),
    (
        {"web1": {"portwarden_allowlist": GOOD},
         "db1": {"portwarden_allowlist": GOOD, "portwarden_firewall_iptables_dir": "/etc/$(reboot)"}},
        {},
        ["db1: portwarden_firewall_iptables_dir must be an absolute path"],
    ),
    # A play var seen by the running host applies to hosts that set nothing.
    ({"web1": {"portwarden_allowlist": GOOD}, "db1": {"portwarden_allowlist": GOOD}},
     {"portwarden_firewall_log_rate": "often"},
     ["web1: portwarden_firewall_log_rate must be", "db1: portwarden_firewall_log_rate must be"]),
    # The running host's own bad inventory value is not blamed on hosts that set nothing.
    ({"web1": {"portwarden_allowlist": GOOD, "portwarden_firewall_zone": "bad zone"}, "db1": {"portwarden_allowlist": GOOD}},
     {"portwarden_firewall_zone": "bad zone"},
     ["web1: portwarden_firewall_zone must be"]),
]


@pytest.mark.parametrize("hostvars, effective, expected", FLEETS,
                         ids=["all-good", "last-of-three-bad", "two-bad", "unset", "zone", "path", "play-var", "own-inventory"])
def test_fleet_problems_name_every_host_and_entry(hostvars, effective, expected):
    here = next(iter(hostvars))
    seen = dict({name: UNSET for name in NAMES}, portwarden_allowlist=hostvars[here].get("portwarden_allowlist", UNSET))
    seen.update({name: DEFAULTS[name] for name in NAMES if name in DEFAULTS})
    seen.update(hostvars[here])
    seen.update(effective)
    lines = fleet_problems(hostvars, list(hostvars), here=here, effective=seen, defaults=DEFAULTS)
    assert len(lines) == len(expected), lines
    for line, start in zip(lines, expected):
        assert line.startswith(start), lines


def test_play_level_value_overrides_every_inventory_value():
    # The running host's inventory says one thing, it sees another: a play var wins for all.
    here_vars = {"portwarden_firewall_zone": "inv"}
    assert resolve("portwarden_firewall_zone", {"portwarden_firewall_zone": "other"}, here_vars,
                   {"portwarden_firewall_zone": "play"}, DEFAULTS) == "play"
    assert resolve("portwarden_firewall_zone", {}, here_vars, {"portwarden_firewall_zone": "inv"}, DEFAULTS) == DEFAULTS["portwarden_firewall_zone"]


SETTINGS = [
    ({}, []),
    (DEFAULTS, []),
    ({"portwarden_firewall_log_rate": "5/fortnight"}, ["portwarden_firewall_log_rate"]),
    ({"portwarden_firewall_log_prefix": "x" * 29}, ["portwarden_firewall_log_prefix"]),
    ({"portwarden_firewall_iptables_ipset": "maybe"}, ["portwarden_firewall_iptables_ipset"]),
    ({"portwarden_firewall_default_policy": "open"}, ["portwarden_firewall_default_policy"]),
    ({"portwarden_firewall_firewalld_interfaces": ["eth0", "much-too-long-name"]}, ["portwarden_firewall_firewalld_interfaces"]),
    ({"portwarden_firewall_firewalld_interfaces": "eth0"}, ["portwarden_firewall_firewalld_interfaces"]),
    ({"portwarden_firewall_rollback_timeout": -1}, ["portwarden_firewall_rollback_timeout"]),
    ({"portwarden_firewall_rollback_timeout": "30"}, []),
    ({"portwarden_firewall_rollback_timeout": True}, ["portwarden_firewall_rollback_timeout"]),
    ({"portwarden_firewall_nftables_path": "etc/relative.nft"}, ["portwarden_firewall_nftables_path"]),
    ({"portwarden_firewall_nftables_path": "/etc/nftables.d/../../root/x"}, ["portwarden_firewall_nftables_path"]),
    ({"portwarden_firewall_state_dir": "/var/lib/port warden"}, ["portwarden_firewall_state_dir"]),
    ({"portwarden_firewall_iptables_dir": "/etc/`id`"}, ["portwarden_firewall_iptables_dir"]),
    ({"portwarden_firewall_iptables_dir": "/etc/pw;reboot"}, ["portwarden_firewall_iptables_dir"]),
    ({"portwarden_firewall_iptables_dir": "/srv/fw-rules_v2.d"}, []),
]


@pytest.mark.parametrize("settings, bad", SETTINGS)
def test_settings_problems_name_each_bad_setting(settings, bad):
    problems = settings_problems(settings)
    assert [problem.split(" ", 1)[0].rstrip(":") for problem in problems] == bad


def test_the_fleet_check_validates_the_composed_allowlist():
    hostvars = {
        "web1": {"portwarden_allowlist__all": [{"port": 22}], "portwarden_allowlist__web": [{"port": 443}]},
        "web2": {"portwarden_allowlist__all": [{"port": 22}], "portwarden_allowlist__web": [{"port": 99999}]},
        "db1": {"portwarden_allowlist__all": [{"port": 22}], "portwarden_allowlist__zz": [{"port": 22, "state": "absent"}]},
    }
    problems = fleet_problems(hostvars, ["web1", "web2", "db1"], settings=False)
    assert len(problems) == 1
    assert problems[0].startswith("web2: portwarden_allowlist__web entry #1 (port: 99999)")


def test_the_audit_check_names_bad_exceptions_and_can_leave_the_allowlist_alone():
    # The audit role: exceptions checked, firewall settings not; inside harden the allowlist
    # was checked by an earlier step (allowlist=False).
    hostvars = {
        "web1": {"portwarden_allowlist": GOOD, "portwarden_audit_exceptions": [{"port": 8081, "reason": "planted"}]},
        "web2": {"portwarden_allowlist": [{"port": 99999}], "portwarden_firewall_zone": "bad zone"},
        "db1": {"portwarden_allowlist": GOOD, "portwarden_audit_exceptions": {"port": 22}},
    }
    problems = fleet_problems(hostvars, list(hostvars), settings=False, exceptions=True)
    assert len(problems) == 3, problems
    assert problems[0].startswith("web1: portwarden_audit_exceptions entry #1 (port: 8081)") and "owner" in problems[0]
    assert problems[1].startswith("web2: portwarden_allowlist entry #1 (port: 99999)")
    assert problems[2].startswith("db1: portwarden_audit_exceptions must be a list")
    without_allowlist = fleet_problems(hostvars, list(hostvars), settings=False, allowlist=False, exceptions=True)
    assert [line.split(":", 1)[0] for line in without_allowlist] == ["web1", "db1"]
    # Unset exceptions are none; the role default (an empty list) is valid too.
    assert fleet_problems({"web1": {"portwarden_allowlist": GOOD}}, ["web1"], settings=False, exceptions=True) == []
    assert fleet_problems({"web1": {"portwarden_allowlist": GOOD}}, ["web1"], settings=False, exceptions=True,
                          defaults={"portwarden_audit_exceptions": []}) == []
