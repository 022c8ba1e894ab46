# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The /proc/net/{tcp,tcp6,udp,udp6} parser against real tables captured on Debian 11, 12 and 13."""

from __future__ import annotations

import socket
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.portwarden.hardening.plugins.module_utils.sockets import _procnet
from ansible_collections.portwarden.hardening.tests.unit.plugins.module_utils import sockets_fixtures as fx

TAIL = " 00000000:00000000 00:00000000 00000000   107        0 123456 1 0000000000000000 100 0 0 10 0"
V4 = socket.AF_INET
V6 = socket.AF_INET6


def text(raw) -> tuple:
    return socket.inet_ntop(raw.family, raw.address), raw.port


@pytest.mark.parametrize("suite", fx.SUITES)
@pytest.mark.parametrize("table, family, family_name", [("proc-net-tcp", V4, "ipv4"), ("proc-net-tcp6", V6, "ipv6")])
def test_tcp_table_equals_ss_in_every_state(suite, table, family, family_name):
    parsed = _procnet.parse_table(fx.read_text(suite, table), family)
    expected = sorted(
        (s["state"], s["address"], s["port"], s["inode"])
        for s in fx.parse_ss(fx.read_text(suite, "ss-tanpe.txt"), netid="tcp")
        if s["family"] == family_name
    )
    assert sorted((raw.state, *text(raw), raw.inode) for raw in parsed) == expected
    assert all(raw.ifindex == 0 and raw.v6only is None for raw in parsed)


@pytest.mark.parametrize("suite", fx.SUITES)
@pytest.mark.parametrize("table, family, family_name", [("proc-net-udp", V4, "ipv4"), ("proc-net-udp6", V6, "ipv6")])
def test_unconnected_udp_equals_ss(suite, table, family, family_name):
    parsed = _procnet.parse_table(fx.read_text(suite, table), family)
    expected = sorted(
        (s["address"], s["port"], s["inode"])
        for s in fx.parse_ss(fx.read_text(suite, "ss-tulpne.txt"))
        if s["protocol"] == "udp" and s["family"] == family_name
    )
    assert sorted((*text(raw), raw.inode) for raw in parsed if raw.state == 7) == expected


@pytest.mark.parametrize("suite", fx.SUITES)
def test_real_tables_hold_the_planted_edge_cases(suite):
    tcp6 = {(raw.state, *text(raw)) for raw in _procnet.parse_table(fx.read_text(suite, "proc-net-tcp6"), V6)}
    # An IPv4 client accepted by the dual-stack socket shows as an IPv4-mapped IPv6 address.
    assert (1, "::ffff:127.0.0.1", 18003) in tcp6
    # The link-local listener: the table has no scope, only the address.
    assert any(state == 10 and address.startswith("fe80::") and port == 18008 for state, address, port in tcp6)
    udp = {text(raw) for raw in _procnet.parse_table(fx.read_text(suite, "proc-net-udp"), V4)}
    assert ("0.0.0.0", 65535) in udp and ("127.0.0.53", 18009) in udp


@pytest.mark.parametrize("line, family, byteorder, address, port, state, uid, inode", [
    ("   0: 0100007F:0016 00000000:0000 0A" + TAIL, V4, "little", "127.0.0.1", 22, 10, 107, 123456),
    ("   0: 7F000001:0016 00000000:0000 0A" + TAIL, V4, "big", "127.0.0.1", 22, 10, 107, 123456),
    ("  12: 3500007F:0035 00000000:0000 07" + TAIL, V4, "little", "127.0.0.53", 53, 7, 107, 123456),
    ("0: 00000000:FFFF 00000000:0000 07" + TAIL, V4, "little", "0.0.0.0", 65535, 7, 107, 123456),
    ("   1: 0a00a8c0:01bb 0100a8c0:c350 01" + TAIL, V4, "little", "192.168.0.10", 443, 1, 107, 123456),
    ("   3: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A" + TAIL,
     V6, "little", "::", 22, 10, 107, 123456),
    ("   4: 00000000000000000000000001000000:0277 00000000000000000000000000000000:0000 0A" + TAIL,
     V6, "little", "::1", 631, 10, 107, 123456),
    ("   5: 0000000000000000FFFF00000100007F:4653 0000000000000000FFFF00000100007F:82F2 01" + TAIL,
     V6, "little", "::ffff:127.0.0.1", 18003, 1, 107, 123456),
    ("   6: 000080FE00000000FFAC420002461FFE:4658 00000000000000000000000000000000:0000 0A" + TAIL,
     V6, "little", "fe80::42:acff:fe1f:4602", 18008, 10, 107, 123456),
    ("   7: FE800000000000000042ACFFFE1F4602:4658 00000000000000000000000000000000:0000 0A" + TAIL,
     V6, "big", "fe80::42:acff:fe1f:4602", 18008, 10, 107, 123456),
    ("   8: b80d0120000000000000000001000000:0050 00000000000000000000000000000000:0000 0a" + TAIL,
     V6, "little", "2001:db8::1", 80, 10, 107, 123456),
    ("   9: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 4294967294 0 18446744073709551615 1",
     V4, "little", "127.0.0.1", 22, 10, 4294967294, 18446744073709551615),
])
def test_line_decoding(line, family, byteorder, address, port, state, uid, inode):
    raw = _procnet.parse_line(line, family, byteorder)
    assert (socket.inet_ntop(family, raw.address), raw.port, raw.state, raw.uid, raw.inode) == (address, port, state, uid, inode)
    assert (raw.family, raw.ifindex, raw.v6only) == (family, 0, None)


@pytest.mark.parametrize("line, family", [
    ("", V4),
    ("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode", V4),
    ("   0: 0100007F:0016 00000000:0000 0A", V4),                                    # truncated
    ("   0: 0100007F:0016 00000000:0000 0A" + TAIL, V6),                             # IPv4 address in tcp6
    ("   0: 00000000000000000000000000000000:0016 00000000:0000 0A" + TAIL, V4),     # IPv6 address in tcp
    ("   0: 0100007G:0016 00000000:0000 0A" + TAIL, V4),                             # not hex
    ("   0: 0100007F:00016 00000000:0000 0A" + TAIL, V4),                            # five-digit port
    ("   0: 0x00007F:0016 00000000:0000 0A" + TAIL, V4),
    ("   0: 0100007F:0016 00000000:0000 0A0" + TAIL, V4),
    ("   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 \u0661 0 5 1", V4),
    ("   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1_000 1", V4),
    ("   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 " + "9" * 5000, V4),
    ("   0:\u20030100007F:0016 00000000:0000 0A" + TAIL, V4),                        # non-ASCII space
    ("   0: 0100007F:0016 00000000:0000 0A" + TAIL, 99),                             # unknown family
])
def test_lines_that_are_not_sockets_raise_the_parse_error(line, family):
    with pytest.raises(_procnet.ProcNetParseError):
        _procnet.parse_line(line, family)


def test_table_skips_header_and_garbage_but_keeps_sockets():
    table = "\n".join([
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
        "   0: 0100007F:0016 00000000:0000 0A" + TAIL,
        "garbage \x00\xff",
        "   1: 0100007F:zz16 00000000:0000 0A" + TAIL,
        "   2: 00000000:0050 00000000:0000 0A" + TAIL,
        "",
    ])
    assert [text(raw) for raw in _procnet.parse_table(table, V4, "little")] == [("127.0.0.1", 22), ("0.0.0.0", 80)]


def test_read_table_reads_the_right_file(tmp_path):
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "udp6").write_text(fx.read_text("trixie", "proc-net-udp6"), encoding="ascii")
    rows = _procnet.read_table("udp", V6, str(tmp_path))
    assert {raw.port for raw in rows} == {18010}
    with pytest.raises(OSError):
        _procnet.read_table("tcp", V4, str(tmp_path))


@pytest.mark.skipif(sys.platform != "linux", reason="needs /proc/net")
def test_live_table_parses_without_skipping_sockets():
    with open("/proc/net/tcp", encoding="ascii") as handle:
        lines = handle.read().splitlines()
    assert len(_procnet.parse_table("\n".join(lines), V4)) == len(lines) - 1


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=300), st.sampled_from([V4, V6]))
def test_random_lines_only_raise_the_parse_error(line, family):
    try:
        raw = _procnet.parse_line(line, family)
    except _procnet.ProcNetParseError:
        return
    assert 0 <= raw.port <= 65535 and len(raw.address) == (4 if family == V4 else 16)


_REAL_LINES = [line for suite in fx.SUITES for line in fx.read_text(suite, "proc-net-tcp6").splitlines()[1:]]


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(_REAL_LINES),
       st.lists(st.tuples(st.integers(min_value=0, max_value=200), st.characters()), max_size=6))
def test_mutated_real_lines_only_raise_the_parse_error(line, edits):
    chars = list(line)
    for position, char in edits:
        if position < len(chars):
            chars[position] = char
    try:
        _procnet.parse_line("".join(chars), V6)
    except _procnet.ProcNetParseError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=120), max_size=20))
def test_random_tables_never_raise(lines):
    assert isinstance(_procnet.parse_table("\n".join(lines), V4), list)
