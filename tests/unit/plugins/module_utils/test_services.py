# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import builtins
import importlib
import re

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist import _services
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._services import (
    ALIASES,
    NAME_HINTS,
    SERVICES,
    service_names,
    service_ports,
)

# RFC 6335 section 5.1 service name syntax.
SERVICE_NAME = re.compile(r"^(?=.*[a-z])[a-z0-9](?:[a-z0-9]|-(?!-)){0,14}$")


@pytest.mark.parametrize(
    "name, proto, port",
    [
        ("ssh", "tcp", 22), ("telnet", "tcp", 23), ("smtp", "tcp", 25), ("domain", "tcp", 53), ("domain", "udp", 53),
        ("tftp", "udp", 69), ("http", "tcp", 80), ("kerberos", "tcp", 88), ("kerberos", "udp", 88),
        ("pop3", "tcp", 110), ("sunrpc", "udp", 111), ("ntp", "udp", 123), ("imap", "tcp", 143),
        ("snmp", "udp", 161), ("snmptrap", "udp", 162), ("ldap", "tcp", 389), ("https", "tcp", 443),
        ("https", "udp", 443), ("submissions", "tcp", 465), ("exec", "tcp", 512), ("login", "tcp", 513),
        ("shell", "tcp", 514), ("syslog", "udp", 514), ("submission", "tcp", 587), ("ldaps", "tcp", 636),
        ("rsync", "tcp", 873), ("imaps", "tcp", 993), ("pop3s", "tcp", 995), ("ftp", "tcp", 21),
        ("ftp-data", "tcp", 20), ("finger", "tcp", 79), ("uucp", "tcp", 540), ("talk", "udp", 517),
        ("nfs", "tcp", 2049), ("nfs", "udp", 2049), ("mysql", "tcp", 3306), ("postgresql", "tcp", 5432),
        ("redis", "tcp", 6379), ("ms-wbt-server", "tcp", 3389), ("rfb", "tcp", 5900), ("mdns", "udp", 5353),
        ("isakmp", "udp", 500), ("ipsec-nat-t", "udp", 4500), ("openvpn", "udp", 1194), ("radius", "udp", 1812),
        ("bgp", "tcp", 179), ("syslog-tls", "tcp", 6514), ("domain-s", "tcp", 853), ("memcache", "tcp", 11211),
        ("mongodb", "tcp", 27017), ("git", "tcp", 9418), ("zabbix-agent", "tcp", 10050), ("ssh", "udp", 22),
    ],
)
def test_well_known_names_resolve(name, proto, port):
    assert service_ports(name)[proto] == port


@pytest.mark.parametrize(
    "alias, name",
    [("www", "http"), ("postgres", "postgresql"), ("smtps", "submissions"), ("imap2", "imap"),
     ("whois", "nicname"), ("portmapper", "sunrpc"), ("krb5", "kerberos"), ("snmp-trap", "snmptrap")],
)
def test_aliases_resolve_like_their_name(alias, name):
    assert service_ports(alias) == service_ports(name)


def test_lookup_is_case_insensitive_and_strips():
    assert service_ports(" SSH ") == {"tcp": 22, "udp": 22}


@pytest.mark.parametrize("name", ["ssh2", "", "sftp", "http-alt", "x11", "dns"])
def test_unknown_and_deliberately_omitted_names(name):
    assert service_ports(name) == {}


@pytest.mark.parametrize("name", ["exec", "login", "shell", "redis", "submissions", "imap"])
def test_tcp_only_names_have_no_udp_port(name):
    assert "udp" not in service_ports(name)


def test_per_protocol_names_on_the_same_port_differ():
    assert service_ports("shell") == {"tcp": 514}
    assert service_ports("syslog") == {"udp": 514}
    assert service_ports("exec") == {"tcp": 512}
    assert service_ports("biff") == {"udp": 512}


def test_table_is_large_and_well_formed():
    assert len(SERVICES) >= 300
    for name, ports in SERVICES.items():
        assert SERVICE_NAME.match(name), name
        assert ports and set(ports) <= {"tcp", "udp"}, name
        assert all(1 <= port <= 65535 for port in ports.values()), name


def test_aliases_point_at_real_names():
    for alias, name in ALIASES.items():
        assert name in SERVICES and alias != name, alias


def test_hints_cover_only_names_that_do_not_resolve():
    assert not set(NAME_HINTS) & set(SERVICES)


def test_names_are_sorted_for_hints():
    names = service_names()
    assert names == sorted(names) and "ssh" in names


def test_the_host_services_file_is_never_read(monkeypatch):
    """Resolution must be the same on every host: the table never comes from /etc/services."""
    real_open = builtins.open

    def guarded_open(file, *args, **kwargs):
        assert "services" not in str(file), "read %s" % file
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    reloaded = importlib.reload(_services)
    assert reloaded.service_ports("ssh") == {"tcp": 22, "udp": 22}
