# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The sock_diag decoder against real kernel answers captured on Debian 11, 12 and 13."""

from __future__ import annotations

import errno
import os
import socket
import struct
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.portwarden.hardening.plugins.module_utils.sockets import _netlink
from ansible_collections.portwarden.hardening.tests.unit.plugins.module_utils import sockets_fixtures as fx

HEADER = struct.Struct("=IHHII")
LISTEN_DUMPS = [
    ("netlink-tcp-ipv4-listen.bin", "tcp", "ipv4", socket.AF_INET),
    ("netlink-tcp-ipv6-listen.bin", "tcp", "ipv6", socket.AF_INET6),
    ("netlink-udp-ipv4-unconn.bin", "udp", "ipv4", socket.AF_INET),
    ("netlink-udp-ipv6-unconn.bin", "udp", "ipv6", socket.AF_INET6),
]


def decode_all(data: bytes, seq=None) -> list:
    found: list = []
    assert _netlink.decode(data, found, seq) is True
    return found


def messages(data: bytes) -> list:
    """Split a captured dump into its netlink messages."""
    out = []
    offset = 0
    while offset < len(data):
        length = HEADER.unpack_from(data, offset)[0]
        out.append(data[offset:offset + ((length + 3) & ~3)])
        offset += (length + 3) & ~3
    return out


def with_seq(message: bytes, seq: int, flags: int | None = None) -> bytes:
    length, kind, old_flags, _seq, pid = HEADER.unpack_from(message)
    return HEADER.pack(length, kind, old_flags if flags is None else flags, seq, pid) + message[HEADER.size:]


def nlmsg(kind: int, payload: bytes, seq: int = 1, flags: int = 2) -> bytes:
    body = HEADER.pack(HEADER.size + len(payload), kind, flags, seq, 0) + payload
    return body + bytes(-len(body) % 4)


def as_text(raw, interfaces: dict) -> tuple:
    names = {index: name for name, index in interfaces.items()}
    return (socket.inet_ntop(raw.family, raw.address), names.get(raw.ifindex), raw.port, raw.inode, raw.v6only)


@pytest.mark.skipif(sys.byteorder != "little", reason="golden bytes are little-endian")
def test_build_request_is_a_sock_diag_dump_of_listening_tcp():
    expected = bytes.fromhex("".join([
        "48000000", "1400", "0103", "05000000", "00000000",  # nlmsghdr: 72 bytes, SOCK_DIAG_BY_FAMILY, REQUEST|DUMP, seq 5
        "0a", "06", "00", "00", "00040000",                  # AF_INET6, IPPROTO_TCP, no extensions, states 1 << TCP_LISTEN
    ])) + bytes(48)                                          # inet_diag_sockid: match everything
    assert _netlink.build_request(socket.AF_INET6, socket.IPPROTO_TCP, 1 << _netlink.TCP_LISTEN, 5) == expected


@pytest.mark.parametrize("suite", fx.SUITES)
@pytest.mark.parametrize("name, protocol, family, family_number", LISTEN_DUMPS)
def test_decoded_dump_equals_ss(suite, name, protocol, family, family_number):
    decoded = decode_all(fx.read_bytes(suite, name))
    interfaces = fx.meta(suite)["interfaces"]
    expected = sorted(
        (s["address"], s["interface"], s["port"], s["inode"], s["v6only"])
        for s in fx.parse_ss(fx.read_text(suite, "ss-tulpne.txt"))
        if s["protocol"] == protocol and s["family"] == family
    )
    assert expected, "the capture must hold sockets of this kind"
    assert sorted(as_text(raw, interfaces) for raw in decoded) == expected
    assert {raw.family for raw in decoded} == {family_number}


@pytest.mark.parametrize("suite", fx.SUITES)
@pytest.mark.parametrize("name, family", [("netlink-tcp-ipv4-all.bin", "ipv4"), ("netlink-tcp-ipv6-all.bin", "ipv6")])
def test_decoded_full_tcp_dump_equals_ss_in_every_state(suite, name, family):
    decoded = decode_all(fx.read_bytes(suite, name))
    expected = sorted(
        (s["state"], s["address"], s["port"], s["inode"])
        for s in fx.parse_ss(fx.read_text(suite, "ss-tanpe.txt"), netid="tcp")
        if s["family"] == family
    )
    got = sorted((raw.state, socket.inet_ntop(raw.family, raw.address), raw.port, raw.inode) for raw in decoded)
    assert got == expected


@pytest.mark.parametrize("suite", fx.SUITES)
def test_ipv4_client_of_dual_stack_socket_decodes_as_mapped_address(suite):
    decoded = decode_all(fx.read_bytes(suite, "netlink-tcp-ipv6-all.bin"))
    accepted = [raw for raw in decoded if raw.state == _netlink.TCP_ESTABLISHED and raw.port == 18003]
    addresses = {socket.inet_ntop(socket.AF_INET6, raw.address) for raw in accepted}
    assert "::ffff:127.0.0.1" in addresses
    assert all(raw.address[:12] == bytes(10) + b"\xff\xff" for raw in accepted)


@pytest.mark.parametrize("suite", fx.SUITES)
@pytest.mark.parametrize("port, address_prefix, device, v6only", [
    (18002, "::", None, True),          # explicit IPV6_V6ONLY
    (18003, "::", None, False),         # dual-stack wildcard
    (18008, "fe80:", "eth0", True),     # link-local: the scope is the bound device
    (18011, "::ffff:127.0.0.1", None, False),
    (18012, "fd00:", None, True),
])
def test_ipv6_listener_details(suite, port, address_prefix, device, v6only):
    decoded = decode_all(fx.read_bytes(suite, "netlink-tcp-ipv6-listen.bin"))
    (raw,) = [raw for raw in decoded if raw.port == port]
    assert socket.inet_ntop(socket.AF_INET6, raw.address).startswith(address_prefix)
    assert raw.ifindex == (fx.meta(suite)["interfaces"][device] if device else 0)
    assert raw.v6only is v6only
    assert raw.state == _netlink.TCP_LISTEN


@pytest.mark.parametrize("suite", fx.SUITES)
def test_udp_bound_to_a_device_and_highest_port(suite):
    decoded = decode_all(fx.read_bytes(suite, "netlink-udp-ipv4-unconn.bin"))
    by_port = {raw.port: raw for raw in decoded}
    assert by_port[18009].ifindex == fx.meta(suite)["interfaces"]["lo"]
    assert socket.inet_ntop(socket.AF_INET, by_port[18009].address) == "127.0.0.53"
    assert by_port[65535].address == bytes(4)
    assert all(raw.state == _netlink.TCP_CLOSE and raw.v6only is None for raw in decoded)


def _diag_payload(family=socket.AF_INET6, attrs=b""):
    return struct.pack("=BBxx2s2s16s16sI8sIIIII", family, 10, b"\x00\x16", b"\x00\x00", bytes(16), bytes(16),
                       0, bytes(8), 0, 0, 0, 0, 99) + attrs


@pytest.mark.parametrize("data, message, code", [
    (b"", "empty", None),
    (b"\x10\x00\x00", "truncated netlink header", None),
    (HEADER.pack(8, 3, 2, 1, 0), "bad netlink message length", None),
    (HEADER.pack(400, 20, 2, 1, 0) + bytes(8), "bad netlink message length", None),
    (nlmsg(_netlink.NLMSG_ERROR, struct.pack("=i", -errno.EPERM) + bytes(16)), "Operation not permitted", errno.EPERM),
    (nlmsg(_netlink.NLMSG_ERROR, b"\x01"), "truncated netlink error", None),
    (nlmsg(_netlink.NLMSG_DONE, struct.pack("=i", -errno.ENOENT)), "No such file", errno.ENOENT),
    (nlmsg(_netlink.SOCK_DIAG_BY_FAMILY, bytes(40)), "truncated inet_diag_msg", None),
    (nlmsg(_netlink.SOCK_DIAG_BY_FAMILY, _diag_payload(family=socket.AF_UNIX)), "unexpected address family", None),
    (nlmsg(_netlink.SOCK_DIAG_BY_FAMILY, _diag_payload(attrs=struct.pack("=HH", 2, 11))), "malformed attribute", None),
    (nlmsg(_netlink.SOCK_DIAG_BY_FAMILY, _diag_payload(attrs=struct.pack("=HHB", 50, 11, 1))), "malformed attribute", None),
    (nlmsg(_netlink.SOCK_DIAG_BY_FAMILY, _diag_payload(), flags=2 | _netlink.NLM_F_DUMP_INTR), "changed during", errno.EAGAIN),
])
def test_bad_answers_raise_sock_diag_error(data, message, code):
    with pytest.raises(_netlink.SockDiagError, match=message) as caught:
        _netlink.decode(data, [])
    assert caught.value.errno == code


def test_interrupted_dump_is_its_own_error_type():
    data = nlmsg(_netlink.SOCK_DIAG_BY_FAMILY, _diag_payload(), flags=2 | _netlink.NLM_F_DUMP_INTR)
    with pytest.raises(_netlink.DumpInterrupted):
        _netlink.decode(data, [])


def test_acks_other_sequences_and_unknown_types_are_skipped():
    attrs = struct.pack("=HHB", 5, _netlink.INET_DIAG_SKV6ONLY, 1) + bytes(3)
    data = (
        nlmsg(_netlink.NLMSG_ERROR, struct.pack("=i", 0) + bytes(16), seq=4)
        + nlmsg(_netlink.SOCK_DIAG_BY_FAMILY, _diag_payload(), seq=3)
        + nlmsg(99, b"ignored", seq=4)
        + nlmsg(_netlink.SOCK_DIAG_BY_FAMILY, _diag_payload(attrs=attrs), seq=4)
    )
    found: list = []
    assert _netlink.decode(data, found, seq=4) is False
    assert found == [_netlink.DiagSocket(socket.AF_INET6, 10, 22, bytes(16), 0, 0, 99, True)]


class ReplaySocket:
    """A netlink socket stand-in that answers each request with captured datagrams."""

    def __init__(self, datagrams: list, interrupt_first: bool = False) -> None:
        self.datagrams = datagrams
        self.interrupt_first = interrupt_first
        self.pending: list = []
        self.requests: list = []

    def send(self, request: bytes) -> int:
        seq = HEADER.unpack_from(request)[3]
        self.requests.append(request)
        flags = None
        if self.interrupt_first and len(self.requests) == 1:
            flags = 2 | _netlink.NLM_F_DUMP_INTR
        self.pending = [with_seq(datagram, seq, flags) for datagram in self.datagrams]
        return len(request)

    def recv_into(self, buffer) -> int:
        datagram = self.pending.pop(0) if self.pending else b""
        buffer[:len(datagram)] = datagram
        return len(datagram)


@pytest.mark.parametrize("suite", fx.SUITES)
def test_dump_reads_message_per_datagram_until_done(suite):
    datagrams = messages(fx.read_bytes(suite, "netlink-tcp-ipv4-listen.bin"))
    replay = ReplaySocket(datagrams)
    got = _netlink.dump(socket.AF_INET, socket.IPPROTO_TCP, 1 << _netlink.TCP_LISTEN, replay)
    assert got == decode_all(fx.read_bytes(suite, "netlink-tcp-ipv4-listen.bin"))
    assert len(got) == len(datagrams) - 1
    assert replay.pending == []


def test_dump_redoes_an_interrupted_dump():
    datagrams = messages(fx.read_bytes("bookworm", "netlink-udp-ipv4-unconn.bin"))
    replay = ReplaySocket(datagrams, interrupt_first=True)
    got = _netlink.dump(socket.AF_INET, socket.IPPROTO_UDP, 1 << _netlink.TCP_CLOSE, replay)
    assert len(replay.requests) == 2
    assert len(got) == len(datagrams) - 1


def test_dump_without_end_of_dump_fails_instead_of_hanging():
    datagrams = messages(fx.read_bytes("bookworm", "netlink-udp-ipv4-unconn.bin"))[:-1]
    with pytest.raises(_netlink.SockDiagError, match="empty"):
        _netlink.dump(socket.AF_INET, socket.IPPROTO_UDP, 1 << _netlink.TCP_CLOSE, ReplaySocket(datagrams))


def test_dump_turns_socket_errors_into_sock_diag_error():
    class Refusing:
        def send(self, request):
            raise PermissionError(errno.EPERM, "denied")

    with pytest.raises(_netlink.SockDiagError) as caught:
        _netlink.dump(socket.AF_INET, socket.IPPROTO_TCP, 1, Refusing())
    assert caught.value.errno == errno.EPERM


def test_live_dump_finds_a_socket_this_test_opened():
    try:
        sock_diag = _netlink.open_socket()
    except _netlink.SockDiagError as exc:
        pytest.skip("no sock_diag here: %s" % exc)
    sock_diag.close()
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as listener:
        listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        listener.bind(("::", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        inode = os.fstat(listener.fileno()).st_ino
        found = _netlink.dump(socket.AF_INET6, socket.IPPROTO_TCP, 1 << _netlink.TCP_LISTEN)
    (mine,) = [raw for raw in found if raw.inode == inode]
    assert (mine.port, mine.address, mine.v6only, mine.uid) == (port, bytes(16), False, os.geteuid())


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_never_raise_anything_but_sock_diag_error(data):
    try:
        _netlink.decode(data, [])
    except _netlink.SockDiagError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(fx.SUITES), st.sampled_from([name for name, *_rest in LISTEN_DUMPS]),
       st.lists(st.tuples(st.integers(min_value=0, max_value=2000), st.integers(min_value=0, max_value=255)), max_size=8),
       st.integers(min_value=0, max_value=2000))
def test_corrupted_captures_never_raise_anything_but_sock_diag_error(suite, name, flips, cut):
    data = bytearray(fx.read_bytes(suite, name))
    for offset, value in flips:
        if offset < len(data):
            data[offset] = value
    try:
        _netlink.decode(bytes(data[:cut]), [])
    except _netlink.SockDiagError:
        pass
