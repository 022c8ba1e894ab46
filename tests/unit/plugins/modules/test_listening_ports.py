# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The listening_ports module: options, facts, errors and check mode."""

from __future__ import annotations

import json
import os
import socket

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args

from ansible_collections.portwarden.hardening.plugins.action.listening_ports import ActionModule
from ansible_collections.portwarden.hardening.plugins.module_utils import _packed
from ansible_collections.portwarden.hardening.plugins.module_utils.sockets import _published, _sockets
from ansible_collections.portwarden.hardening.plugins.modules import listening_ports

# What gather() returns, and what the module returns: the command line once per process.
GATHERED = {
    "protocol": "tcp", "family": "ipv4", "address": "0.0.0.0", "interface": None, "port": 22, "v6only": None,
    "exposure": "wildcard", "dual_stack": False, "inode": 7, "pid": 1, "pids": [1], "process": "sshd",
    "exe": "/usr/sbin/sshd", "cmdline": "sshd -D", "truncated": False, "user": "root", "uid": 0, "unit": "ssh.service",
}
ITEM = {key: value for key, value in GATHERED.items() if key not in ("cmdline", "truncated")}
OWNERS = [{"pid": 1, "process": "sshd", "exe": "/usr/sbin/sshd", "cmdline": "sshd -D", "truncated": False,
           "user": "root", "uid": 0, "unit": "ssh.service"}]


PUBLISHED = {
    "protocol": "tcp", "family": "ipv4", "address": "0.0.0.0", "port": 8080, "exposure": "wildcard",
    "target_address": "172.18.0.2", "target_port": 8000, "targets": ["172.18.0.2:8000"], "source": "docker",
    "via": "dnat", "container_name": "web", "container_id": "81b4a71d6718",
}


def run_module(capsys, args: dict) -> dict:
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            listening_ports.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def recorded(monkeypatch):
    calls = []

    def fake_gather(**kwargs):
        calls.append(kwargs)
        return [dict(GATHERED)], "netlink"

    monkeypatch.setattr(listening_ports, "gather", fake_gather)
    monkeypatch.setattr(listening_ports, "gather_published", lambda: ([dict(PUBLISHED)], ["iptables-nft"]))
    return calls


@pytest.mark.parametrize("args, expected", [
    ({}, {"protocols": ["tcp", "udp"], "families": ["ipv4", "ipv6"], "include_loopback": True, "resolve_owners": True}),
    ({"protocols": ["udp"], "families": ["ipv6"], "include_loopback": False, "resolve_owners": False},
     {"protocols": ["udp"], "families": ["ipv6"], "include_loopback": False, "resolve_owners": False}),
    ({"_ansible_check_mode": True},
     {"protocols": ["tcp", "udp"], "families": ["ipv4", "ipv6"], "include_loopback": True, "resolve_owners": True}),
])
def test_options_reach_gather_and_facts_come_back(capsys, recorded, args, expected):
    result = run_module(capsys, args)
    assert recorded == [expected]
    assert result["changed"] is False and result["method"] == "netlink"
    assert result["ansible_facts"] == {"portwarden_listening": [ITEM], "portwarden_listening_owners": OWNERS,
                                       "portwarden_published": [PUBLISHED]}
    assert result["published_sources"] == ["iptables-nft"]
    assert "failed" not in result


def test_published_false_reads_no_nat_rules(capsys, recorded, monkeypatch):
    def refuse():
        raise AssertionError("the NAT rules were read")

    monkeypatch.setattr(listening_ports, "gather_published", refuse)
    result = run_module(capsys, {"published": False})
    assert result["ansible_facts"] == {"portwarden_listening": [ITEM], "portwarden_listening_owners": OWNERS}
    assert "published_sources" not in result


def test_published_items_are_returned_without_facts(capsys, recorded):
    result = run_module(capsys, {"set_facts": False})
    assert result["published"] == [PUBLISHED]
    assert "portwarden_published" not in result.get("ansible_facts", {})


def test_published_documentation_matches_the_items():
    returned = yaml.safe_load(listening_ports.RETURN)
    documented = returned["ansible_facts"]["contains"]["portwarden_published"]["contains"]
    assert list(documented) == list(_published.ITEM_FIELDS) == list(PUBLISHED)


@pytest.mark.parametrize("args, message", [
    ({"protocols": ["tcp", "sctp"]}, "sctp"),
    ({"families": ["inet"]}, "inet"),
    ({"include_loopback": "maybe"}, "include_loopback"),
    ({"bogus": 1}, "bogus"),
])
def test_bad_options_fail_and_name_the_value(capsys, recorded, args, message):
    result = run_module(capsys, args)
    assert result["failed"] is True and message in result["msg"]
    assert recorded == []


def test_source_errors_become_a_failure_message(capsys, monkeypatch):
    def failing(**_kwargs):
        raise _sockets.SocketsError("cannot read the socket table for tcp/ipv4: [Errno 2] No such file")

    monkeypatch.setattr(listening_ports, "gather", failing)
    result = run_module(capsys, {})
    assert result["failed"] is True
    assert result["msg"] == "cannot read the socket table for tcp/ipv4: [Errno 2] No such file"


def test_return_documentation_matches_the_items():
    returned = yaml.safe_load(listening_ports.RETURN)
    documented = returned["ansible_facts"]["contains"]["portwarden_listening"]["contains"]
    assert list(documented) == list(ITEM)
    assert list(returned["ansible_facts"]["sample"]["portwarden_listening"][0]) == list(ITEM)
    owners = returned["ansible_facts"]["contains"]["portwarden_listening_owners"]["contains"]
    assert list(owners) == list(_sockets.PROCESS_FIELDS) == list(OWNERS[0])
    assert list(returned["ansible_facts"]["sample"]["portwarden_listening_owners"][0]) == list(OWNERS[0])
    options = yaml.safe_load(listening_ports.DOCUMENTATION)["options"]
    assert options["protocols"]["choices"] == list(_sockets.PROTOCOLS)
    assert options["families"]["choices"] == list(_sockets.FAMILIES)
    assert options["fields"]["choices"] == list(_sockets.ITEM_FIELDS)
    assert set(_sockets.ITEM_FIELDS) == set(ITEM) | {"cmdline"}


@pytest.mark.parametrize("args, keys, resolve_owners", [
    ({"fields": ["port", "protocol", "address", "process"]}, ["protocol", "address", "port", "process"], True),
    ({"fields": ["pids"]}, ["pids"], True),
    # No owner key asked for: /proc/*/fd is not read.
    ({"fields": ["protocol", "address", "port", "exposure"]}, ["protocol", "address", "port", "exposure"], False),
    ({"fields": ["process"], "resolve_owners": False}, ["process"], False),
    ({"fields": ["port", "cmdline"]}, ["port"], True),
    ({}, list(ITEM), True),
])
def test_fields_choose_the_keys_and_whether_owners_are_read(capsys, recorded, args, keys, resolve_owners):
    result = run_module(capsys, args)
    assert recorded[0]["resolve_owners"] is resolve_owners
    [item] = result["ansible_facts"]["portwarden_listening"]
    assert list(item) == keys
    assert item == {key: ITEM[key] for key in keys}
    # The command lines come once per process, and only when cmdline is asked for.
    asked = args.get("fields") is None or "cmdline" in args["fields"]
    assert ("portwarden_listening_owners" in result["ansible_facts"]) is asked


@pytest.mark.parametrize("args, message", [
    ({"fields": ["port", "owner"]}, "owner"),
    ({"set_facts": "sometimes"}, "set_facts"),
])
def test_bad_new_options_fail_and_name_the_value(capsys, recorded, args, message):
    result = run_module(capsys, args)
    assert result["failed"] is True and message in result["msg"]
    assert recorded == []


@pytest.mark.parametrize("args, expected", [
    ({"set_facts": False}, {"listening": [ITEM], "owners": OWNERS}),
    ({"set_facts": False, "fields": ["port"]}, {"listening": [{"port": 22}]}),
    ({"set_facts": True}, {"ansible_facts": {"portwarden_listening": [ITEM], "portwarden_listening_owners": OWNERS,
                                             "portwarden_published": [PUBLISHED]}}),
])
def test_set_facts_false_returns_the_items_as_listening(capsys, recorded, args, expected):
    result = run_module(capsys, args)
    assert {key: result[key] for key in ("listening", "owners", "ansible_facts") if key in result} == expected


@pytest.mark.parametrize("args", [{}, {"set_facts": False}, {"fields": ["protocol", "port"]}])
def test_a_packed_result_unpacks_to_the_plain_one(capsys, monkeypatch, recorded, args):
    plain = run_module(capsys, args)
    monkeypatch.setenv(_packed.PACK_ENV, "1")
    packed = run_module(capsys, args)
    assert "ansible_facts" not in packed and "listening" not in packed
    assert isinstance(packed[_packed.PACKED_KEY], str)
    unpacked = dict(packed)
    assert _packed.unpack(unpacked, ActionModule.PACKED_KEYS, ActionModule.PACKED_FACTS) == []
    for result in (plain, unpacked):
        del result["invocation"]
    assert unpacked == plain


@pytest.mark.skipif(not os.path.isdir("/proc/net"), reason="needs Linux /proc")
def test_real_run_reports_a_socket_this_test_holds(capsys):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        inode = os.fstat(listener.fileno()).st_ino
        result = run_module(capsys, {"protocols": ["tcp"], "families": ["ipv4"]})
        port = listener.getsockname()[1]
    mine = [item for item in result["ansible_facts"]["portwarden_listening"] if item["inode"] == inode]
    assert result["method"] in ("netlink", "procfs")
    assert mine == [dict(mine[0], protocol="tcp", family="ipv4", address="127.0.0.1", port=port, exposure="loopback",
                         pid=os.getpid(), pids=[os.getpid()], exe=os.path.realpath("/proc/self/exe"))]
    assert list(mine[0]) == list(ITEM)
    [me] = [owner for owner in result["ansible_facts"]["portwarden_listening_owners"] if owner["pid"] == os.getpid()]
    assert me["truncated"] is False and me["cmdline"]
