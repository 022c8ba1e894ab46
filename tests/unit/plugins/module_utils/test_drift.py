# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import datetime
import time

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist import parse_allowlist
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._audit_exceptions import parse_exceptions
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._drift import (
    CONTROLS,
    ListeningError,
    compute_drift,
    exposed_families,
    normalise_listening,
    one_line,
    process_matches,
)

TODAY = datetime.date(2026, 3, 15)


def sock(port, protocol="tcp", address="0.0.0.0", process="sshd", **extra):
    """A socket item per the contract, with the fields _sockets.gather fills."""
    family = "ipv6" if ":" in address else "ipv4"
    if address in ("0.0.0.0", "::"):
        exposure = "wildcard"
    elif address.startswith("127.") or address == "::1":
        exposure = "loopback"
    else:
        exposure = "address"
    item = {
        "protocol": protocol, "family": family, "address": address, "interface": None, "port": port,
        "v6only": (False if address == "::" else None) if family == "ipv6" else None,
        "exposure": exposure, "dual_stack": False, "inode": 1000 + port,
        "pid": 100 if process else None, "pids": [100] if process else [], "process": process,
        "exe": None, "cmdline": None, "user": "root" if process else None, "uid": 0 if process else None,
        "unit": None,
    }
    item.update(extra)
    return item


def audit(allowlist, listening, exceptions=None, **kwargs):
    return compute_drift(parse_allowlist(allowlist), listening, parse_exceptions(exceptions), today=TODAY, **kwargs)


def ports_of(result, kind):
    return [(f["port"], f["protocol"], f.get("address")) for f in result["drift"][kind]]


def test_compliant_host():
    result = audit([{"port": 22, "process": "sshd", "required": True}], [sock(22), sock(22, address="::", v6only=True)])
    assert result["compliant"] is True
    assert result["drift"] == {"unexpected": [], "missing": [], "mismatched": []}
    assert result["summary"]["findings"] == 0 and result["summary"]["audited"] == 2


@pytest.mark.parametrize(
    "port, expected_unexpected",
    [(7999, True), (8000, False), (8050, False), (8100, False), (8101, True)],
)
def test_range_entries_allow_every_port_inside(port, expected_unexpected):
    result = audit([{"port": "8000-8100"}], [sock(port, process="app")])
    assert bool(result["drift"]["unexpected"]) is expected_unexpected


def test_overlapping_ranges_and_single_ports_together():
    allowlist = [{"port": "1000-2000"}, {"port": "1500-2500"}, {"port": 3000}, {"port": "https"}]
    listening = [sock(p, process="app") for p in (999, 1000, 1750, 2500, 2501, 3000, 443)]
    assert ports_of(audit(allowlist, listening), "unexpected") == [(999, "tcp", "0.0.0.0"), (2501, "tcp", "0.0.0.0")]


def test_protocol_matters():
    result = audit([{"port": 53, "proto": "tcp"}], [sock(53, "udp", process="named"), sock(53, "tcp", process="named")])
    assert ports_of(result, "unexpected") == [(53, "udp", "0.0.0.0")]


@pytest.mark.parametrize(
    "address, dual_stack, v6only, families, where",
    [
        ("0.0.0.0", False, None, ["ipv4"], "all IPv4 addresses (0.0.0.0)"),
        ("::", True, False, ["ipv4", "ipv6"], "all IPv6 and, dual-stack, all IPv4 addresses (::)"),
        ("::", False, True, ["ipv6"], "all IPv6 addresses (::, IPv6 only)"),
        ("192.0.2.10", False, None, ["ipv4"], "192.0.2.10"),
        ("2001:db8::10", False, None, ["ipv6"], "2001:db8::10"),
    ],
)
def test_dual_stack_wildcard_counts_as_ipv4_exposure(address, dual_stack, v6only, families, where):
    item = sock(8080, address=address, process="java", dual_stack=dual_stack, v6only=v6only)
    [finding] = audit([{"port": 22}], [item])["drift"]["unexpected"]
    assert finding["exposed_families"] == families
    assert exposed_families(item) == families
    assert where in finding["reason"]


@pytest.mark.parametrize(
    "item, severity",
    [
        (sock(8080, process="java"), "high"),
        (sock(8080, address="::", process="java", dual_stack=True), "high"),
        (sock(8080, address="::", process="java", v6only=True), "high"),
        (sock(8080, address="192.0.2.10", process="java"), "medium"),
        (sock(8080, address="fe80::1", process="java"), "medium"),
        (sock(23, process="inetd"), "critical"),
        (sock(23, address="192.0.2.10", process="inetd"), "critical"),
        (sock(69, "udp", process="in.tftpd"), "critical"),
        (sock(69, "tcp", process="something"), "high"),
        (sock(512, process="inetd"), "critical"),
        (sock(513, process="inetd"), "critical"),
        (sock(514, process="inetd"), "critical"),
        (sock(514, "udp", process="rsyslogd"), "high"),
        (sock(79, process="inetd"), "critical"),
        (sock(517, "udp", process="inetd"), "critical"),
        (sock(518, "udp", process="inetd"), "critical"),
        (sock(19, "udp", process="inetd"), "critical"),
        (sock(21, process="vsftpd"), "critical"),
        (sock(111, "udp", process="rpcbind"), "critical"),
        (sock(540, process="inetd"), "critical"),
    ],
)
def test_unexpected_severity(item, severity):
    [finding] = audit([{"port": 22}], [item])["drift"]["unexpected"]
    assert finding["severity"] == severity
    assert finding["controls"] == CONTROLS["unexpected"]
    assert finding["allowlist_entry"] is None


def test_legacy_port_is_named_in_the_reason():
    [finding] = audit([], [sock(23, process="inetd")])["drift"]["unexpected"]
    assert finding["reason"] == ("23/tcp is not in the allowlist; inetd (pid 100) listens on all IPv4 addresses (0.0.0.0); "
                                 "port of the legacy service telnet")


def test_finding_carries_every_socket_field():
    item = sock(8080, process="java", cmdline="java -jar app.jar", unit="app.service")
    [finding] = audit([], [item])["drift"]["unexpected"]
    for key, value in item.items():
        assert finding[key] == value


def test_controls_cover_cis_nist_and_stig():
    text = " ".join(CONTROLS["unexpected"])
    for needle in ("only approved services are listening", "firewall rules exist for all open ports", "CM-7", "SC-7(5)", "PPSM"):
        assert needle in text


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.53", "::1"])
def test_loopback_is_ignored_by_default_and_reported_when_asked(address):
    listening = [sock(5432, address=address, process="postgres")]
    assert audit([], listening)["compliant"] is True
    assert audit([], listening)["summary"]["audited"] == 0
    result = audit([], listening, ignore_loopback=False)
    assert ports_of(result, "unexpected") == [(5432, "tcp", address)]
    assert result["drift"]["unexpected"][0]["severity"] == "medium"


def test_wrong_process_is_mismatched():
    allowlist = [{"port": 80, "process": "nginx", "comment": "web"}]
    [finding] = audit(allowlist, [sock(80, process="python3")])["drift"]["mismatched"]
    assert finding["severity"] == "high"
    assert finding["allowlist_entry"]["label"] == "80/tcp (web)"
    assert finding["reason"] == "80/tcp is owned by python3 (pid 100); allowlist entry #1 (80/tcp (web)) expects nginx"
    assert finding["controls"] == CONTROLS["mismatched"]


def test_wrong_process_on_specific_address_is_medium():
    [finding] = audit([{"port": 80, "process": "nginx"}], [sock(80, address="192.0.2.1", process="python3")])["drift"]["mismatched"]
    assert finding["severity"] == "medium"


def test_unknown_owner_is_a_mismatch_when_a_process_is_expected():
    result = audit([{"port": 80, "process": "nginx"}, {"port": 81}], [sock(80, process=None), sock(81, process=None)])
    [finding] = result["drift"]["mismatched"]
    assert finding["port"] == 80
    assert finding["reason"].startswith("owner unknown:")
    assert finding["severity"] == "medium"


def test_an_entry_without_process_allows_any_owner():
    allowlist = [{"port": 80, "process": "nginx"}, {"port": "1-1024"}]
    assert audit(allowlist, [sock(80, process="python3")])["compliant"] is True


def test_any_expected_process_of_several_entries_matches():
    allowlist = [{"port": 80, "process": "nginx"}, {"port": 80, "process": "apache2"}]
    assert audit(allowlist, [sock(80, process="apache2")])["compliant"] is True
    [finding] = audit(allowlist, [sock(80, process="lighttpd")])["drift"]["mismatched"]
    assert "expects apache2 or nginx" in finding["reason"]


@pytest.mark.parametrize(
    "expected, item, matches",
    [
        ("sshd", sock(22, process="sshd"), True),
        ("sshd", sock(22, process="dropbear"), False),
        # A path is the real executable only: a name or an argv proves nothing.
        ("/usr/sbin/sshd", sock(22, process="sshd", exe="/usr/sbin/sshd"), True),
        ("/usr/sbin/sshd", sock(22, process="sshd"), False),
        ("/usr/sbin/sshd", sock(22, process="sshd", exe="/home/eve/sshd"), False),
        ("/usr/sbin/sshd", sock(22, process="x", cmdline="/usr/sbin/sshd -D"), False),
        ("/usr/sbin/sshd", sock(22, process="sshd", exe="/usr/sbin/sshd (deleted)"), False),
        ("sshd", sock(22, process="sshd:", exe="/usr/sbin/sshd"), True),
        ("sshd", sock(22, process="sshd:", cmdline="/usr/sbin/sshd -D"), False),
        # comm is cut to 15 characters by the kernel
        ("systemd-resolved", sock(53, process="systemd-resolve"), True),
        ("systemd-resolvexyz", sock(53, process="systemd-resolve"), True),
        ("systemd-networkd", sock(53, process="systemd-resolve"), False),
        ("ssh.socket", sock(22, process="systemd", unit="ssh.socket"), True),
        ("ssh.service", sock(22, process="sshd", unit="ssh.service"), True),
        ("ssh.service", sock(22, process="ssh.service", unit=None), False),
        # systemd-run --user --unit=ssh: a unit of the user's own manager.
        ("ssh.service", sock(22, process="sshd", unit="user@1000.service/ssh.service"), False),
        ("sshd", sock(22, process=None), False),
    ],
)
def test_process_matching(expected, item, matches):
    assert process_matches(expected, item) is matches


def test_required_but_missing():
    allowlist = [{"port": 22, "required": True, "process": "sshd"}, {"port": 443, "required": True}, {"port": 80}]
    result = audit(allowlist, [sock(22)])
    [finding] = result["drift"]["missing"]
    assert finding["port"] == 443 and finding["protocol"] == "tcp" and finding["ports"] == [[443, 443]]
    assert finding["reason"] == "443/tcp is required, but nothing listens on it (allowlist entry #2 (443/tcp))"
    assert finding["severity"] == "medium"
    assert finding["allowlist_entry"]["index"] == 1
    assert finding["controls"] == CONTROLS["missing"]
    assert result["compliant"] is False


def test_required_range_is_satisfied_by_any_port_in_it():
    allowlist = [{"port": "60000-61000", "proto": "udp", "required": True}]
    assert audit(allowlist, [sock(60500, "udp", process="mosh-server")])["compliant"] is True
    assert audit(allowlist, [sock(60500, "tcp", process="x")])["summary"]["missing"] == 1


def test_required_listening_only_on_loopback_is_missing_and_says_so():
    result = audit([{"port": 5432, "required": True}], [sock(5432, address="127.0.0.1", process="postgres")])
    [finding] = result["drift"]["missing"]
    assert "listens on loopback only" in finding["reason"]
    assert audit([{"port": 5432, "required": True}], [sock(5432, address="127.0.0.1")], ignore_loopback=False)["compliant"]


def test_required_with_wrong_owner_is_mismatched_not_missing():
    result = audit([{"port": 22, "required": True, "process": "sshd"}], [sock(22, process="dropbear")])
    assert result["summary"]["missing"] == 0 and result["summary"]["mismatched"] == 1


EXCEPTION = {"port": 8080, "reason": "Vendor agent until CHG-1234", "owner": "platform-team"}


@pytest.mark.parametrize(
    "exception, accepted",
    [
        (dict(EXCEPTION), True),
        (dict(EXCEPTION, expires="2026-03-15"), True),  # valid through its last day
        (dict(EXCEPTION, expires=datetime.date(2026, 12, 31)), True),
        (dict(EXCEPTION, expires="2026-03-14"), False),
        (dict(EXCEPTION, address="192.0.2.10"), True),
        (dict(EXCEPTION, address="192.0.2.11"), False),
        (dict(EXCEPTION, process="java"), True),
        (dict(EXCEPTION, process="python3"), False),
        (dict(EXCEPTION, proto="udp"), False),
        (dict(EXCEPTION, port="8000-8100"), True),
        (dict(EXCEPTION, port=8081), False),
    ],
)
def test_exceptions_accept_matching_findings_until_they_expire(exception, accepted):
    result = audit([], [sock(8080, address="192.0.2.10", process="java")], [exception])
    assert result["compliant"] is accepted
    assert len(result["accepted"]) == (1 if accepted else 0)
    if accepted:
        assert result["accepted"][0]["kind"] == "unexpected"
        assert result["accepted"][0]["exception"]["reason"] == "Vendor agent until CHG-1234"
        assert result["accepted"][0]["exception"]["owner"] == "platform-team"


def test_expired_exception_is_drift_again_with_its_reason():
    result = audit([], [sock(8080, process="java")], [dict(EXCEPTION, expires="2026-01-31")])
    [finding] = result["drift"]["unexpected"]
    assert finding["exception_expired"] is True
    assert finding["exception"]["expires"] == "2026-01-31"
    assert finding["reason"].endswith(
        "; the exception for it expired on 2026-01-31 (reason: Vendor agent until CHG-1234; owner: platform-team)")
    assert result["summary"]["expired_exceptions"] == 1
    assert result["summary"]["unused_exceptions"] == 0


def test_an_active_exception_wins_over_an_expired_one():
    exceptions = [dict(EXCEPTION, expires="2026-01-31"), dict(EXCEPTION, expires="2026-12-31")]
    result = audit([], [sock(8080, process="java")], exceptions)
    assert result["compliant"] and result["accepted"][0]["exception"]["expires"] == "2026-12-31"


def test_exceptions_cover_mismatched_and_missing_too():
    allowlist = [{"port": 80, "process": "nginx"}, {"port": 443, "required": True}]
    exceptions = [
        {"port": 80, "process": "caddy", "reason": "migration to caddy", "owner": "web"},
        {"port": "https", "reason": "TLS terminates on the load balancer this quarter", "owner": "web", "expires": "2026-06-30"},
        {"port": 9999, "reason": "nothing listens here", "owner": "web"},
    ]
    result = audit(allowlist, [sock(80, process="caddy")], exceptions)
    assert result["compliant"] is True
    assert sorted(item["kind"] for item in result["accepted"]) == ["mismatched", "missing"]
    assert result["summary"]["accepted"] == 2 and result["summary"]["unused_exceptions"] == 1


def test_summary_counts_and_one_line():
    allowlist = [{"port": 22, "required": True}, {"port": 80, "process": "nginx"}]
    listening = [sock(23, process="inetd"), sock(8080, process="java"), sock(9000, address="192.0.2.1", process="x"),
                 sock(80, process="python3")]
    result = audit(allowlist, listening)
    summary = result["summary"]
    assert (summary["unexpected"], summary["missing"], summary["mismatched"], summary["findings"]) == (3, 1, 1, 5)
    assert (summary["critical"], summary["high"], summary["medium"]) == (1, 2, 2)
    assert one_line(result) == "drift: 3 unexpected, 1 missing, 1 mismatched (1 critical, 2 high, 2 medium)"
    # Worst first.
    assert [f["port"] for f in result["drift"]["unexpected"]] == [23, 8080, 9000]


def test_one_line_when_compliant_with_accepted():
    result = audit([], [sock(8080, process="java")], [EXCEPTION])
    assert one_line(result) == "compliant; 1 accepted by exceptions"


def test_dual_stack_and_ipv4_twins_are_two_findings():
    listening = [sock(8080, process="java"), sock(8080, address="::", process="java", dual_stack=True)]
    assert len(audit([], listening)["drift"]["unexpected"]) == 2


def test_many_entries_and_sockets_stay_fast():
    allowlist = parse_allowlist([{"port": p} for p in range(1, 10001)] + [{"port": "20000-20100"}, {"port": "30000-40000", "proto": "udp"}])
    listening = [sock(p, process="app") for p in range(5000, 15000)] + [sock(p, "udp", process="app") for p in range(30500, 31500)]
    started = time.perf_counter()
    result = compute_drift(allowlist, listening, [], today=TODAY)
    assert time.perf_counter() - started < 5
    assert result["summary"]["unexpected"] == 4999  # 10001-14999


@pytest.mark.parametrize(
    "items, text",
    [
        ("x", "listening must be a list"),
        ([1], "listening item #1: must be a mapping"),
        ([{"protocol": "sctp", "address": "0.0.0.0", "port": 1}], "listening item #1: protocol must be tcp or udp"),
        ([{"protocol": "tcp", "address": "0.0.0.0", "port": "22"}], "port must be an integer"),
        ([{"protocol": "tcp", "address": "0.0.0.0", "port": True}], "port must be an integer"),
        ([{"protocol": "tcp", "address": "nowhere", "port": 22}], "address 'nowhere' is not an IP address"),
    ],
)
def test_bad_listening_items_are_rejected(items, text):
    with pytest.raises(ListeningError, match=None) as caught:
        normalise_listening(items)
    assert text in str(caught.value)


def test_listening_items_get_derived_fields():
    items = normalise_listening([
        {"protocol": "tcp", "address": "0.0.0.0", "port": 22},
        {"protocol": "udp", "address": "::1", "port": 53},
        {"protocol": "tcp", "address": "fe80::1%eth0", "port": 80},
    ])
    assert [(i["family"], i["exposure"], i["address"]) for i in items] == [
        ("ipv4", "wildcard", "0.0.0.0"), ("ipv6", "loopback", "::1"), ("ipv6", "address", "fe80::1")]
    assert items[0]["dual_stack"] is False and items[0]["process"] is None
