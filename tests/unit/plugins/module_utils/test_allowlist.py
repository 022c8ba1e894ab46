# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist import (
    NORMALISED_KEYS,
    AllowlistError,
    ensure_allowlist,
    merge_ranges,
    parse_allowlist,
    parse_port_ranges,
)


def one(raw: dict) -> dict:
    return parse_allowlist([raw])[0]


@pytest.mark.parametrize(
    "port, proto, written, ports",
    [
        (22, "tcp", 22, [[22, 22]]),
        ("22", "tcp", 22, [[22, 22]]),
        (" 443 ", "tcp", 443, [[443, 443]]),
        (1, "tcp", 1, [[1, 1]]),
        (65535, "udp", 65535, [[65535, 65535]]),
        ("8000-8100", "tcp", "8000-8100", [[8000, 8100]]),
        ("53-53", "udp", "53-53", [[53, 53]]),
        ("ssh", "tcp", "ssh", [[22, 22]]),
        ("HTTPS", "tcp", "https", [[443, 443]]),
        ("domain", "udp", "domain", [[53, 53]]),
        ("ntp", "udp", "ntp", [[123, 123]]),
        ("syslog", "udp", "syslog", [[514, 514]]),
        ("shell", "tcp", "shell", [[514, 514]]),
        ("postgres", "tcp", "postgres", [[5432, 5432]]),
    ],
)
def test_port_forms_are_normalised(port, proto, written, ports):
    entry = one({"port": port, "proto": proto})
    assert entry["port"] == written
    assert entry["ports"] == ports
    assert entry["proto"] == proto


def test_entry_has_the_contract_shape_and_defaults():
    entry = one({"port": 22})
    assert entry == {
        "index": 0,
        "label": "22/tcp",
        "port": 22,
        "ports": [[22, 22]],
        "proto": "tcp",
        "sources": None,
        "process": None,
        "required": False,
        "comment": None,
        "origin": None,
    }


def test_full_entry_is_normalised():
    entry = one({
        "port": 22,
        "proto": "TCP",
        "sources": ["192.0.2.7/24", "2001:db8::1/32", "192.0.2.0/25", " 198.51.100.4 "],
        "process": "sshd",
        "required": True,
        "comment": "SSH from the bastion",
    })
    assert entry["label"] == "22/tcp (SSH from the bastion)"
    assert entry["proto"] == "tcp"
    # Host bits dropped, a covered network collapsed, a bare address made a /32, sorted.
    assert entry["sources"] == {"ipv4": ["192.0.2.0/24", "198.51.100.4/32"], "ipv6": ["2001:db8::/32"]}
    assert entry["process"] == "sshd"
    assert entry["required"] is True


def test_single_source_string_is_one_network():
    assert one({"port": 22, "sources": "2001:db8::/64"})["sources"] == {"ipv4": [], "ipv6": ["2001:db8::/64"]}


def test_index_and_label_follow_the_list():
    entries = parse_allowlist([{"port": 22}, {"port": "ssh", "proto": "tcp", "comment": "again"}, {"port": "60000-60010", "proto": "udp"}])
    assert [e["index"] for e in entries] == [0, 1, 2]
    assert [e["label"] for e in entries] == ["22/tcp", "ssh/tcp (again)", "60000-60010/udp"]


@pytest.mark.parametrize("raw", [[], ()])
def test_empty_allowlist_is_valid(raw):
    assert parse_allowlist(raw) == []


# Every bad-input class from the issue: (entry, field, text the message must contain).
BAD_ENTRIES = [
    # port outside 1-65535
    ({"port": 0}, "port", "port 0 is outside 1-65535"),
    ({"port": 65536}, "port", "port 65536 is outside 1-65535"),
    ({"port": -22}, "port", "port -22 is outside 1-65535"),
    ({"port": "70000"}, "port", 'port "70000" is outside 1-65535'),
    ({"port": "0-100"}, "port", 'port "0-100" is outside 1-65535'),
    ({"port": "100-65536"}, "port", 'port "100-65536" is outside 1-65535'),
    # reversed range
    ({"port": "8100-8000"}, "port", 'range "8100-8000" is reversed: write "8000-8100"'),
    # unknown protocol
    ({"port": 22, "proto": "icmp"}, "proto", 'proto: unknown protocol "icmp"'),
    ({"port": 22, "proto": "tcp/udp"}, "proto", 'unknown protocol "tcp/udp"'),
    ({"port": 22, "proto": 6}, "proto", "proto: must be \"tcp\" or \"udp\", got an integer 6"),
    # bad CIDR
    ({"port": 22, "sources": ["10.0.0.300/24"]}, "sources[1]", 'sources[1]: "10.0.0.300/24" is not an IPv4 or IPv6'),
    ({"port": 22, "sources": ["192.0.2.0/24", "192.0.2.0/33"]}, "sources[2]", 'sources[2]: "192.0.2.0/33"'),
    ({"port": 22, "sources": ["2001:db8::/129"]}, "sources[1]", '"2001:db8::/129" is not an IPv4 or IPv6'),
    ({"port": 22, "sources": ["bastion.example.com"]}, "sources[1]", '"bastion.example.com" is not an IPv4 or IPv6'),
    ({"port": 22, "sources": ["fe80::1%eth0"]}, "sources[1]", "zone index"),
    ({"port": 22, "sources": [167772160]}, "sources[1]", "got an integer 167772160, not an IPv4/IPv6 network"),
    ({"port": 22, "sources": []}, "sources", "must not be an empty list"),
    ({"port": 22, "sources": {"ipv4": ["192.0.2.0/24"]}}, "sources", "must be a list of IPv4/IPv6 networks, got a mapping"),
    # IPv4-mapped IPv6: such clients arrive as IPv4 packets, so the entry would never match
    ({"port": 22, "sources": ["::ffff:10.0.0.1"]}, "sources[1]",
     'IPv4-mapped IPv6 address: a client at that address reaches the host over IPv4, so the firewall would never match it; '
     'write "10.0.0.1" instead'),
    ({"port": 22, "sources": ["192.0.2.0/24", "::ffff:10.0.0.0/104"]}, "sources[2]", 'IPv4-mapped IPv6 network'),
    ({"port": 22, "sources": ["::ffff:10.0.0.0/104"]}, "sources[1]", 'write "10.0.0.0/8" instead'),
    ({"port": 22, "sources": ["::FFFF:192.0.2.1/128"]}, "sources[1]", 'write "192.0.2.1" instead'),
    # unknown service name, and one not defined for the protocol
    ({"port": "ssh2"}, "port", 'unknown service name "ssh2" (did you mean "ssh"?)'),
    ({"port": "sftp"}, "port", 'SFTP runs inside SSH: write "ssh" or 22'),
    ({"port": "dns", "proto": "udp"}, "port", 'the IANA name for DNS is "domain"'),
    ({"port": "no-such-service"}, "port", 'unknown service name "no-such-service"'),
    ({"port": "exec", "proto": "udp"}, "port", 'service "exec" has no udp port (it is 512/tcp)'),
    ({"port": "redis", "proto": "udp"}, "port", 'service "redis" has no udp port'),
    # unknown keys
    ({"port": 22, "protocol": "tcp"}, "protocol", 'unknown key "protocol" (did you mean "proto"?)'),
    ({"port": 22, "source": ["192.0.2.0/24"]}, "source", 'unknown key "source" (did you mean "sources"?)'),
    ({"port": 22, "state": "present"}, "state", 'unknown key "state"; allowed keys: port, proto, sources'),
    # wrong types: a boolean is not a port, "2 2" is not a port, a float is not a port
    ({"port": True}, "port", "true is a boolean, not a port"),
    ({"port": False}, "port", "false is a boolean, not a port"),
    ({"port": "2 2"}, "port", '"2 2" is not a port number, a range "a-b" or a service name'),
    ({"port": "8000 - 8100"}, "port", 'is not a port number, a range "a-b" or a service name'),
    ({"port": 22.0}, "port", "22.0 is a float, not a port number"),
    ({"port": "22/tcp"}, "port", '"22/tcp" is not a port number'),
    ({"port": [22, 23]}, "port", "got a list"),
    ({"port": {"from": 1}}, "port", "got a mapping"),
    # "20:21" as a string: the quoted form of a YAML 1.1 sexagesimal (unquoted it is 1221)
    ({"port": "20:21"}, "port", '"20:21" is not a port range: write "20-21"'),
    ({"port": None}, "port", 'missing required key "port"'),
    ({"comment": "no port"}, "port", 'missing required key "port"'),
    ({"port": 22, "required": "yes"}, "required", 'required: must be true or false, got a string "yes"'),
    ({"port": 22, "required": 1}, "required", "required: must be true or false, got an integer 1"),
    ({"port": 22, "process": ""}, "process", "process: must not be empty"),
    ({"port": 22, "process": ["sshd"]}, "process", "process: must be a string, got a list"),
    ({"port": 22, "comment": 2024}, "comment", "comment: must be a string, got an integer 2024"),
    ({"port": 22, "comment": "line\nbreak"}, "comment", "control character"),
]


@pytest.mark.parametrize("raw, field, text", BAD_ENTRIES)
def test_bad_entry_is_rejected_naming_entry_and_field(raw, field, text):
    allowlist = [{"port": 80}, {"port": 443}, raw]
    with pytest.raises(AllowlistError) as caught:
        parse_allowlist(allowlist)
    message = str(caught.value)
    assert message.startswith("portwarden_allowlist entry #3")
    assert text in message
    assert caught.value.index == 2
    assert caught.value.field == field


def test_message_names_the_port_as_written():
    with pytest.raises(AllowlistError) as caught:
        parse_allowlist([{"port": 22}, {"port": 80}, {"port": "ssh2"}])
    assert str(caught.value) == 'portwarden_allowlist entry #3 (port: "ssh2"): unknown service name "ssh2" (did you mean "ssh"?)'


def test_message_names_the_comment_too():
    with pytest.raises(AllowlistError) as caught:
        parse_allowlist([{"port": 22, "proto": "tpc", "comment": "SSH from the bastion"}])
    assert str(caught.value).startswith('portwarden_allowlist entry #1 (port: 22, comment: "SSH from the bastion"): proto:')


def test_every_bad_entry_is_reported_at_once():
    with pytest.raises(AllowlistError) as caught:
        parse_allowlist([{"port": 0}, {"port": 22}, {"port": 22, "proto": "icmp", "sources": ["x"]}])
    assert len(caught.value.errors) == 3
    assert caught.value.errors[0].startswith("portwarden_allowlist entry #1")
    assert caught.value.errors[1].startswith("portwarden_allowlist entry #3") and "proto" in caught.value.errors[1]
    assert caught.value.errors[2].startswith("portwarden_allowlist entry #3") and "sources[1]" in caught.value.errors[2]
    assert caught.value.index == 0


def test_var_name_appears_in_messages():
    with pytest.raises(AllowlistError, match=r"^allowlist entry #1 \(port: 0\)"):
        parse_allowlist([{"port": 0}], var_name="allowlist")


@pytest.mark.parametrize(
    "raw, text",
    [
        ("22", 'must be a list of entries, got a string "22"'),
        ({"port": 22}, "got a mapping; write each entry as a list item"),
        (None, "must be a list of entries, got null"),
        (22, "must be a list of entries, got an integer 22"),
        (True, "must be a list of entries, got a boolean true"),
    ],
)
def test_non_list_is_rejected(raw, text):
    with pytest.raises(AllowlistError) as caught:
        parse_allowlist(raw)
    assert str(caught.value).startswith("portwarden_allowlist must be a list")
    assert text in str(caught.value)
    assert caught.value.index is None


@pytest.mark.parametrize("item, text", [(22, "got an integer 22"), ("port: 22", 'got a string "port: 22"'), ([22], "got a list"), (None, "got null")])
def test_entry_that_is_not_a_mapping_is_rejected(item, text):
    with pytest.raises(AllowlistError) as caught:
        parse_allowlist([{"port": 22}, item])
    assert str(caught.value).startswith("portwarden_allowlist entry #2: must be a mapping")
    assert text in str(caught.value)


def test_range_maths_lives_in_its_own_module():
    from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist import _port_ranges

    assert merge_ranges is _port_ranges.merge_ranges


@pytest.mark.parametrize(
    "values, merged",
    [
        ([22, "80", "8000-8100", [8101, 8200]], [[22, 22], [80, 80], [8000, 8200]]),
        (["443", 443, "440-445"], [[440, 445]]),
        ([], []),
    ],
)
def test_parse_port_ranges(values, merged):
    assert parse_port_ranges(values) == merged


@pytest.mark.parametrize(
    "values, text",
    [
        ("22", "must be a list of ports or ranges"),
        ([True], "item #1: true is a boolean"),
        ([22, "2 2"], 'item #2: "2 2" is not a port number or a range'),
        (["ssh"], 'item #1: "ssh" is not a port number or a range'),
        (["20:21"], 'write "20-21"'),
        ([[10, 5]], "item #1: range [10, 5] is reversed"),
        ([[0, 5]], "item #1: port 0 is outside"),
        ([[1, 2, 3]], "is not a [lo, hi] pair"),
    ],
)
def test_parse_port_ranges_rejects(values, text):
    with pytest.raises(AllowlistError) as caught:
        parse_port_ranges(values)
    assert text in str(caught.value)


# -- ensure_allowlist: one idempotent entry point, normalised input re-checked -------------

_RAW_LISTS = [
    [{"port": 22}],
    [{"port": "ssh", "sources": ["10.0.0.0/8", "2001:db8::/32"], "process": "/usr/sbin/sshd", "required": True,
      "comment": "bastion"}],
    [{"port": "8000-8100", "proto": "udp"}, {"port": 53, "proto": "udp", "sources": "192.0.2.1"}],
    [],
]


@pytest.mark.parametrize("raw", _RAW_LISTS)
def test_ensure_allowlist_is_idempotent(raw):
    once = ensure_allowlist(raw)
    assert once == parse_allowlist(raw)
    assert ensure_allowlist(once) == once
    assert ensure_allowlist(ensure_allowlist(once)) == once
    assert all(list(entry) == list(NORMALISED_KEYS) for entry in once)


def test_the_firewall_roles_multi_port_management_entry_is_accepted():
    entry = {"index": 3, "label": "22,2222/tcp (management)", "port": "22,2222", "ports": [[22, 22], [2222, 2222]],
             "proto": "tcp", "sources": {"ipv4": ["192.0.2.10/32"], "ipv6": []}, "process": None, "required": False,
             "comment": "management"}
    assert ensure_allowlist([entry]) == [dict(entry, origin=None)]


def _normalised(**changes):
    entry = parse_allowlist([{"port": 22, "sources": ["10.0.0.0/8"], "comment": "ssh"}])[0]
    entry.update(changes)
    return entry


@pytest.mark.parametrize("entry, words", [
    (_normalised(ports=[[0, 70000]]), ["entry #1", "port 0 is outside"]),
    (_normalised(ports=[[22, 22], [23, 23]]), ["entry #1", "does not match"]),    # ports wider than the port says
    (_normalised(port=99999, ports=[[99999, 99999]]), ["entry #1", "99999"]),
    (_normalised(proto="sctp"), ["entry #1", "sctp"]),
    (_normalised(sources={"ipv4": ["10.0.0.300/8"], "ipv6": []}), ["entry #1", "10.0.0.300/8"]),
    (_normalised(sources={"ipv4": [], "ipv6": []}), ["entry #1", "sources"]),      # "normalised" to anyone-from-nowhere
    (_normalised(sources=["not-a-network"]), ["entry #1", "sources"]),
    (_normalised(comment="a\nb"), ["entry #1", "control character"]),
    (_normalised(required="yes"), ["entry #1", "required"]),
    (_normalised(ports="22"), ["entry #1", "ports"]),
    (dict(_normalised(), extra=1), ["entry #1", "extra"]),
])
def test_a_normalised_looking_entry_is_checked_again(entry, words):
    with pytest.raises(AllowlistError) as caught:
        ensure_allowlist([entry])
    for word in words:
        assert word in str(caught.value)


def test_a_forged_label_is_rebuilt_from_the_values():
    forged = _normalised(label="anything at all")
    assert ensure_allowlist([forged])[0]["label"] == "22/tcp (ssh)"


def test_sources_may_be_written_or_normalised_in_the_same_entry_shape():
    # Nothing decides by the keys whether an entry "is normalised": sources as written and
    # as the per-family mapping both go through the same checks to the same result.
    written = _normalised(sources=["10.0.0.0/8"])
    mapped = _normalised(sources={"ipv4": ["10.0.0.0/8"], "ipv6": []})
    assert ensure_allowlist([written]) == ensure_allowlist([mapped])


@pytest.mark.parametrize("drop", ["index", "label", "ports"])
def test_an_entry_with_some_derived_keys_is_normalised_the_same(drop):
    full = _normalised()
    partial = {key: value for key, value in full.items() if key != drop}
    assert ensure_allowlist([partial]) == ensure_allowlist([full])


def test_derived_keys_do_not_bypass_checks_of_a_raw_entry():
    with pytest.raises(AllowlistError) as caught:
        ensure_allowlist([{"port": "8000-7000", "index": 0, "label": "8000-7000/tcp", "ports": [[7000, 8000]]}])
    assert "entry #1" in str(caught.value) and "reversed" in str(caught.value)


def test_parse_allowlist_still_refuses_derived_keys_in_the_users_allowlist():
    with pytest.raises(AllowlistError) as caught:
        parse_allowlist([{"port": 22, "ports": [[22, 22]]}])
    assert "unknown key" in str(caught.value)
