# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pathlib
import re

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.legacy import _legacy_catalog as catalog

KEYS = {"name", "kind", "aliases", "description", "ports", "units", "sysv", "inetd", "xinetd", "programs", "packages", "cis"}
DOCS = pathlib.Path(__file__).resolve().parents[4] / "docs" / "legacy_services.md"
UNIT = re.compile(r"^[A-Za-z0-9:_.\\-]+(@)?\.(service|socket|path)$")


@pytest.mark.parametrize("name, kind", [
    ("telnet", "legacy"), ("rsh", "legacy"), ("rlogin", "legacy"), ("rexec", "legacy"), ("tftp", "legacy"),
    ("talk", "legacy"), ("finger", "legacy"), ("echo", "legacy"), ("discard", "legacy"), ("daytime", "legacy"),
    ("chargen", "legacy"), ("time", "legacy"), ("ftp", "legacy"), ("ypserv", "legacy"), ("ypbind", "legacy"),
    ("rstatd", "legacy"), ("rusersd", "legacy"), ("rwalld", "legacy"), ("uucp", "legacy"),
    ("rpcbind", "review"), ("snmpd", "review"), ("avahi", "review"), ("cups", "review"), ("xinetd", "review"),
    ("inetd", "review"),
])
def test_the_issue_s_services_are_catalogued_with_their_kind(name, kind):
    assert catalog.entry(name)["kind"] == kind


@pytest.mark.parametrize("item", catalog.entries(), ids=lambda item: item["name"])
def test_every_entry_is_complete_and_well_typed(item):
    assert set(item) == KEYS
    assert item["kind"] in catalog.SERVICE_KINDS
    assert item["description"].endswith(".")
    for port, proto in item["ports"]:
        assert 0 < port < 65536 and proto in ("tcp", "udp")
    for unit in item["units"]:
        assert UNIT.match(unit), unit
    for family, names in item["packages"].items():
        assert family in catalog.FAMILIES
        assert isinstance(names, tuple) and all(isinstance(name, str) and name for name in names)
    assert catalog.cis_title(item["cis"]), "CIS item %s has no title" % item["cis"]
    for field in ("aliases", "units", "sysv", "inetd", "xinetd", "programs"):
        assert isinstance(item[field], tuple), field


def test_names_and_aliases_point_at_exactly_one_entry():
    seen = {}
    for item in catalog.entries():
        for key in (item["name"],) + item["aliases"]:
            assert key not in seen, "%s is claimed by %s and %s" % (key, seen[key], item["name"])
            seen[key] = item["name"]


@pytest.mark.parametrize("field", ["inetd", "xinetd", "programs", "units"])
def test_no_two_entries_claim_the_same_mechanism(field):
    seen = {}
    for item in catalog.entries():
        for key in item[field]:
            assert key not in seen, "%s %s is claimed by %s and %s" % (field, key, seen[key], item["name"])
            seen[key] = item["name"]


@pytest.mark.parametrize("written, name", [
    ("telnet", "telnet"), ("TELNET", "telnet"), (" shell ", "rsh"), ("login", "rlogin"), ("exec", "rexec"),
    ("ntalk", "talk"), ("vsftpd", "ftp"), ("tftpd-hpa", "tftp"), ("nis", "ypbind"), ("portmap", "rpcbind"),
    ("openbsd-inetd", "inetd"), ("avahi-daemon", "avahi"),
])
def test_aliases_resolve_to_their_entry(written, name):
    assert catalog.resolve(written) == name


@pytest.mark.parametrize("written", ["vsftp", "telnetd-hpa", "", "legacy"])
def test_an_unknown_name_is_an_error_that_names_it(written):
    with pytest.raises(catalog.CatalogError, match=re.escape(repr(written))):
        catalog.resolve(written)


@pytest.mark.parametrize("key, name", [
    ((23, "tcp"), "telnet"), ((514, "tcp"), "rsh"), ((513, "tcp"), "rlogin"), ((512, "tcp"), "rexec"),
    ((69, "udp"), "tftp"), ((517, "udp"), "talk"), ((518, "udp"), "talk"), ((79, "tcp"), "finger"),
    ((7, "udp"), "echo"), ((19, "tcp"), "chargen"), ((21, "tcp"), "ftp"), ((540, "tcp"), "uucp"),
])
def test_legacy_ports_maps_each_port_to_its_service(key, name):
    assert catalog.legacy_ports()[key] == name


@pytest.mark.parametrize("key", [(111, "tcp"), (161, "udp"), (5353, "udp"), (631, "tcp"), (22, "tcp"), (69, "tcp")])
def test_legacy_ports_leaves_out_review_services_and_unrelated_ports(key):
    assert key not in catalog.legacy_ports()


def test_legacy_ports_can_include_review_services():
    ports = catalog.legacy_ports(include_review=True)
    assert ports[(111, "udp")] == "rpcbind" and ports[(161, "udp")] == "snmpd"
    assert ports[(23, "tcp")] == "telnet"


def test_ftp_carries_the_real_debian_package_name_not_a_guess():
    # CIS roles have shipped "vsftp" and removed nothing; the catalog must carry the real name.
    assert "vsftpd" in catalog.entry("ftp")["packages"]["Debian"]
    assert "vsftp" not in catalog.entry("ftp")["packages"]["Debian"]


def test_names_by_kind_partition_the_catalog():
    assert sorted(catalog.names("legacy") + catalog.names("review")) == sorted(catalog.names())
    assert "rpcbind" not in catalog.names("legacy")


@pytest.mark.parametrize("item", catalog.entries(), ids=lambda item: item["name"])
def test_the_docs_table_shows_each_entry_with_its_kind_ports_and_cis_item(item):
    rows = [line for line in DOCS.read_text().splitlines() if line.startswith("| `%s` |" % item["name"])]
    assert len(rows) == 1, "docs/legacy_services.md has no single row for %s" % item["name"]
    cells = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert cells[1] == item["kind"]
    assert cells[2] == (", ".join("%d/%s" % port for port in item["ports"]) or ("RPC" if item["kind"] == "legacy" else "-"))
    assert cells[3] == ", ".join("`%s`" % unit for unit in item["units"])
    assert cells[-1] == item["cis"]
