# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.portwarden.hardening.plugins.action.port_audit import ActionModule
from ansible_collections.portwarden.hardening.plugins.module_utils import _packed
from ansible_collections.portwarden.hardening.plugins.module_utils.sockets._sockets import SocketsError
from ansible_collections.portwarden.hardening.plugins.modules import port_audit

SSH = {"protocol": "tcp", "family": "ipv4", "address": "0.0.0.0", "port": 22, "exposure": "wildcard", "process": "sshd"}
TELNET = {"protocol": "tcp", "family": "ipv6", "address": "::", "port": 23, "exposure": "wildcard", "dual_stack": True,
          "v6only": False, "process": "inetd"}
RESOLVER = {"protocol": "udp", "family": "ipv4", "address": "127.0.0.53", "port": 53, "exposure": "loopback",
            "process": "systemd-resolve"}


def run_module(capsys, args):
    with patch_module_args(args), pytest.raises(SystemExit) as caught:
        port_audit.main()
    result = json.loads(capsys.readouterr().out)
    return caught.value.code, result


def test_compliant_with_given_listening(capsys):
    code, result = run_module(capsys, {"allowlist": [{"port": 22, "process": "sshd", "required": True}],
                                       "listening": [SSH, RESOLVER]})
    assert code == 0
    assert result["changed"] is False
    assert result["compliant"] is True
    assert result["method"] == "given"
    assert result["listening_count"] == 2 and len(result["listening"]) == 2
    assert result["summary"]["audited"] == 1
    assert result["msg"] == "compliant"


def test_drift_is_returned_without_failing_by_default(capsys):
    code, result = run_module(capsys, {"allowlist": [{"port": 22}], "listening": [SSH, TELNET]})
    assert code == 0
    assert result["compliant"] is False
    [finding] = result["drift"]["unexpected"]
    assert finding["port"] == 23 and finding["severity"] == "critical"
    assert finding["exposed_families"] == ["ipv4", "ipv6"]


def test_fail_on_drift_fails_with_a_summary_and_keeps_the_data(capsys):
    code, result = run_module(capsys, {"allowlist": [{"port": 22}], "listening": [SSH, TELNET], "fail_on_drift": True})
    assert code == 1
    assert result["failed"] is True and result["changed"] is False
    assert result["msg"] == "drift: 1 unexpected, 0 missing, 0 mismatched (1 critical)"
    assert result["drift"]["unexpected"][0]["port"] == 23


def test_fail_on_drift_passes_when_compliant(capsys):
    code, result = run_module(capsys, {"allowlist": [{"port": 22}, {"port": 23}], "listening": [SSH, TELNET],
                                       "fail_on_drift": True})
    assert code == 0 and result["compliant"] is True


def test_ignore_loopback_false_reports_loopback(capsys):
    _code, result = run_module(capsys, {"allowlist": [{"port": 22}], "listening": [SSH, RESOLVER], "ignore_loopback": False})
    assert [f["port"] for f in result["drift"]["unexpected"]] == [53]


def test_exceptions_are_reported_as_accepted(capsys):
    exceptions = [{"port": 23, "reason": "Decommissioning", "owner": "ops", "expires": "2999-01-01"}]
    _code, result = run_module(capsys, {"allowlist": [{"port": 22}], "listening": [SSH, TELNET], "exceptions": exceptions,
                                        "fail_on_drift": True})
    assert result["compliant"] is True
    assert result["accepted"][0]["exception"]["owner"] == "ops"


def test_expired_exception_fails_with_fail_on_drift(capsys):
    exceptions = [{"port": 23, "reason": "Decommissioning", "owner": "ops", "expires": "2000-01-01"}]
    code, result = run_module(capsys, {"allowlist": [{"port": 22}], "listening": [SSH, TELNET], "exceptions": exceptions,
                                       "fail_on_drift": True})
    assert code == 1
    assert "expired on 2000-01-01" in result["drift"]["unexpected"][0]["reason"]


@pytest.mark.parametrize(
    "args, text",
    [
        ({"allowlist": [{"port": 22}, {"port": "ssh2"}]}, 'allowlist entry #2 (port: "ssh2"): unknown service name "ssh2"'),
        ({"allowlist": [{"port": True}]}, "allowlist entry #1 (port: true): true is a boolean, not a port"),
        ({"allowlist": [{"port": 22, "proto": "icmp"}]}, 'unknown protocol "icmp"'),
        ({"allowlist": [{"port": 22, "sources": ["10.0.0.300/8"]}]}, 'sources[1]: "10.0.0.300/8"'),
        ({"allowlist": [{"port": 22, "protocol": "tcp"}]}, 'unknown key "protocol"'),
        ({"allowlist": [22]}, "allowlist entry #1: must be a mapping"),
        ({"allowlist": [{"port": 22}], "exceptions": [{"port": 23, "owner": "ops"}]}, "exceptions entry #1 (port: 23): reason: is required"),
        ({"allowlist": [{"port": 22}], "listening": [{"protocol": "tcp", "address": "x", "port": 1}]}, "listening item #1: address"),
    ],
)
def test_bad_input_fails_naming_the_entry(capsys, monkeypatch, args, text):
    def must_not_gather(*_args, **_kwargs):
        raise AssertionError("the host was read although the input is bad")

    monkeypatch.setattr(port_audit, "gather", must_not_gather)
    code, result = run_module(capsys, args)
    assert code == 1
    assert text in result["msg"]
    assert "Traceback" not in result["msg"] and "exception" not in result


def test_gathers_itself_when_listening_is_omitted(capsys, monkeypatch):
    calls = []

    def fake_gather(*args, **kwargs):
        calls.append((args, kwargs))
        return [dict(SSH, inode=1), dict(TELNET, inode=2)], "netlink"

    monkeypatch.setattr(port_audit, "gather", fake_gather)
    monkeypatch.setattr(port_audit, "gather_published", lambda: ([], ["iptables-nft"]))
    _code, result = run_module(capsys, {"allowlist": [{"port": 22}]})
    assert len(calls) == 1
    assert result["method"] == "netlink"
    assert result["summary"]["unexpected"] == 1
    assert result["published"] == [] and result["published_sources"] == ["iptables-nft"]


def test_gather_error_fails_cleanly(capsys, monkeypatch):
    def broken(*_args, **_kwargs):
        raise SocketsError("neither netlink nor /proc/net could be read")

    monkeypatch.setattr(port_audit, "gather", broken)
    code, result = run_module(capsys, {"allowlist": [{"port": 22}]})
    assert code == 1 and "could be read" in result["msg"]


def test_check_mode_returns_the_same_result(capsys):
    args = {"allowlist": [{"port": 22}], "listening": [SSH, TELNET]}
    _code, normal = run_module(capsys, args)
    _code, checked = run_module(capsys, dict(args, _ansible_check_mode=True))
    assert checked["changed"] is False
    assert checked["drift"] == normal["drift"] and checked["summary"] == normal["summary"]


def test_real_gather_on_this_machine():
    """The module's own gathering path runs against the test machine's kernel."""
    result = port_audit.run({"allowlist": [], "listening": None, "exceptions": [], "ignore_loopback": True})
    assert result["method"] in ("netlink", "procfs")
    assert result["listening_count"] == len(result["listening"])
    assert result["summary"]["unexpected"] == result["summary"]["audited"]


@pytest.mark.parametrize("args, ports", [
    ({}, [22, 53]),
    ({"return_listening": "all"}, [22, 53]),
    ({"return_listening": "audited"}, [22]),
    ({"return_listening": "audited", "ignore_loopback": False}, [22, 53]),
])
def test_return_listening_chooses_the_items(capsys, args, ports):
    _code, result = run_module(capsys, dict({"allowlist": [{"port": 22}], "listening": [SSH, RESOLVER]}, **args))
    assert [item["port"] for item in result["listening"]] == ports
    assert result["listening_count"] == 2


def test_return_listening_none_leaves_listening_out_but_not_the_findings(capsys):
    _code, result = run_module(capsys, {"allowlist": [{"port": 22}], "listening": [SSH, TELNET, RESOLVER],
                                        "return_listening": "none"})
    assert "listening" not in result
    assert result["listening_count"] == 3
    [finding] = result["drift"]["unexpected"]
    assert finding["port"] == 23 and finding["process"] == "inetd" and finding["v6only"] is False


@pytest.mark.parametrize("fields, keys", [
    (["port", "process", "protocol"], ["protocol", "port", "process"]),
    (["address", "exposure"], ["address", "exposure"]),
])
def test_listening_fields_choose_the_keys_of_listening_only(capsys, fields, keys):
    _code, result = run_module(capsys, {"allowlist": [{"port": 22}], "listening": [SSH, TELNET],
                                        "listening_fields": fields})
    assert [list(item) for item in result["listening"]] == [keys, keys]
    # Findings keep every key.
    assert {"cmdline", "pids", "dual_stack", "reason"} <= set(result["drift"]["unexpected"][0])


def test_a_bad_listening_field_fails_before_the_host_is_read(capsys, monkeypatch):
    def must_not_gather(*_args, **_kwargs):
        raise AssertionError("the host was read although the input is bad")

    monkeypatch.setattr(port_audit, "gather", must_not_gather)
    code, result = run_module(capsys, {"allowlist": [{"port": 22}], "listening_fields": ["port", "owner"]})
    assert code == 1 and "owner" in result["msg"]


@pytest.mark.parametrize("args, code", [
    ({}, 0),
    ({"fail_on_drift": True}, 1),
    ({"return_listening": "none", "fail_on_drift": True}, 1),
])
def test_a_packed_result_unpacks_to_the_plain_one(capsys, monkeypatch, args, code):
    args = dict({"allowlist": [{"port": 22}], "listening": [SSH, TELNET, RESOLVER]}, **args)
    plain_code, plain = run_module(capsys, args)
    monkeypatch.setenv(_packed.PACK_ENV, "1")
    packed_code, packed = run_module(capsys, args)
    assert plain_code == packed_code == code
    assert {"drift", "accepted", "listening"}.isdisjoint(packed)
    unpacked = dict(packed)
    assert _packed.unpack(unpacked, ActionModule.PACKED_KEYS, ActionModule.PACKED_FACTS) == []
    for result in (plain, unpacked):
        del result["invocation"]
    assert unpacked == plain


PUBLISHED_DENIED = {"protocol": "tcp", "family": "ipv4", "address": "0.0.0.0", "port": 9090, "exposure": "wildcard",
                    "target_address": "172.18.0.3", "target_port": 8000, "targets": ["172.18.0.3:8000"],
                    "source": "docker", "via": "dnat", "container_name": "web-denied", "container_id": "49909ab29ca9" * 5}
PUBLISHED_ALLOWED = dict(PUBLISHED_DENIED, port=8080, target_address="172.18.0.2", targets=["172.18.0.2:8000"],
                         container_name="web-allowed")
PROXY = {"protocol": "tcp", "family": "ipv4", "address": "0.0.0.0", "port": 9090, "exposure": "wildcard",
         "process": "docker-proxy"}


def test_published_ports_are_audited_and_a_proxy_listener_is_counted_once(capsys):
    _code, result = run_module(capsys, {"allowlist": [{"port": 22}, {"port": 8080}],
                                        "listening": [SSH, PROXY, dict(PROXY, process="dockerd", port=8080)],
                                        "published": [PUBLISHED_DENIED, PUBLISHED_ALLOWED]})
    [finding] = result["drift"]["unexpected"]
    assert finding["port"] == 9090 and finding["process"] is None
    assert finding["reason"] == ("9090/tcp is not in the allowlist; published by container web-denied (49909ab29ca9) "
                                 "to 172.18.0.3:8000, on all IPv4 addresses (0.0.0.0)")
    assert finding["published"]["container_name"] == "web-denied"
    assert result["summary"]["published"] == 2 and result["summary"]["audited"] == 3
    assert result["published_sources"] == ["given"]


def test_a_process_entry_matches_a_published_port_by_container_name(capsys):
    _code, result = run_module(capsys, {"allowlist": [{"port": 8080, "process": "web-allowed"},
                                                      {"port": 9090, "process": "nginx"}],
                                        "listening": [], "published": [PUBLISHED_DENIED, PUBLISHED_ALLOWED]})
    [finding] = result["drift"]["mismatched"]
    assert finding["port"] == 9090
    assert "expects the container nginx" in finding["reason"]


def test_given_listening_without_published_reads_no_nat_rules(capsys, monkeypatch):
    def refuse():
        raise AssertionError("the NAT rules were read")

    monkeypatch.setattr(port_audit, "gather_published", refuse)
    _code, result = run_module(capsys, {"allowlist": [{"port": 22}], "listening": [SSH]})
    assert result["compliant"] is True and "published" not in result


@pytest.mark.parametrize("published, message", [
    ("nope", "published"),
    ([{"protocol": "sctp", "address": "0.0.0.0", "port": 1}], "published item #1: protocol"),
    ([{"protocol": "tcp", "address": "0.0.0.0", "port": 0}], "published item #1: port"),
    ([{"protocol": "tcp", "address": "somewhere", "port": 80}], "published item #1: address"),
    ([{"protocol": "tcp", "address": "::", "port": 80, "container_name": 5}], "published item #1: container_name"),
])
def test_bad_published_items_fail_naming_the_item(capsys, published, message):
    code, result = run_module(capsys, {"allowlist": [{"port": 22}], "listening": [SSH], "published": published})
    assert code == 1 and message in result["msg"]


def test_firewall_findings_make_the_host_drift(capsys, monkeypatch):
    def fake_check(allowlist, items, backend, state_dir, zone):
        assert backend == "auto" and [item["port"] for item in items] == [22] and zone == "portwarden"
        return {"firewall": {"backend": "iptables", "loaded": True, "enabled": None, "forward": False, "notes": [],
                             "findings": [{"kind": "accept_all", "severity": "high", "reason": "ipv4 INPUT ..."}],
                             "verdicts": {"exposed": 1, "sources": 0, "blocked": 0, "unknown": 0}},
                "effective": [{"port": 22, "verdict": "exposed"}]}

    monkeypatch.setattr(port_audit, "check", fake_check)
    code, result = run_module(capsys, {"allowlist": [{"port": 22}], "listening": [SSH, RESOLVER], "firewall": "auto",
                                       "fail_on_drift": True})
    assert code == 1 and result["compliant"] is False
    assert result["msg"] == "drift: 0 unexpected, 0 missing, 0 mismatched (1 high); firewall: accept_all"
    assert result["summary"]["firewall"] == 1 and result["effective"] == [{"port": 22, "verdict": "exposed"}]


def test_the_firewalld_zone_is_passed_on_and_a_bad_name_fails(capsys, monkeypatch):
    zones = []

    def fake_check(allowlist, items, backend, state_dir, zone):
        zones.append(zone)
        return {"firewall": {"backend": "firewalld", "loaded": True, "enabled": True, "forward": False, "notes": [],
                             "findings": [], "verdicts": {"exposed": 1, "sources": 0, "blocked": 0, "unknown": 0}},
                "effective": []}

    monkeypatch.setattr(port_audit, "check", fake_check)
    code, _result = run_module(capsys, {"allowlist": [{"port": 22}], "listening": [SSH], "firewall": "firewalld",
                                        "firewall_zone": "myzone"})
    assert code == 0 and zones == ["myzone"]
    code, result = run_module(capsys, {"allowlist": [{"port": 22}], "listening": [SSH], "firewall": "firewalld",
                                       "firewall_zone": "my zone"})
    assert code == 1 and "firewall_zone must be 1-17 letters" in result["msg"] and zones == ["myzone"]
