# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""gather(): socket items from captured kernel answers and /proc trees, checked against ss."""

from __future__ import annotations

import ipaddress
import os
import random
import shutil
import socket
import struct

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist import _drift
from ansible_collections.portwarden.hardening.plugins.module_utils.sockets import _netlink
from ansible_collections.portwarden.hardening.plugins.module_utils.sockets import _owners
from ansible_collections.portwarden.hardening.plugins.module_utils.sockets import _sockets
from ansible_collections.portwarden.hardening.tests.unit.plugins.module_utils import sockets_fixtures as fx

ITEM_KEYS = ["protocol", "family", "address", "interface", "port", "v6only", "exposure", "dual_stack", "inode",
             "pid", "pids", "process", "exe", "cmdline", "user", "uid", "unit"]
# As gather() returns them, before split_owners moves the command line out.
GATHERED_KEYS = ITEM_KEYS[:13] + ["cmdline", "truncated"] + ITEM_KEYS[14:]
OWNER_KEYS = ("pid", "process", "exe", "cmdline", "user", "uid", "unit")
DUMP_FILES = {
    (socket.AF_INET, socket.IPPROTO_TCP): "netlink-tcp-ipv4-listen.bin",
    (socket.AF_INET6, socket.IPPROTO_TCP): "netlink-tcp-ipv6-listen.bin",
    (socket.AF_INET, socket.IPPROTO_UDP): "netlink-udp-ipv4-unconn.bin",
    (socket.AF_INET6, socket.IPPROTO_UDP): "netlink-udp-ipv6-unconn.bin",
}
HEADER = struct.Struct("=IHHII")


class CapturedKernel:
    """Answers sock_diag dump requests with the datagrams captured in one suite."""

    def __init__(self, suite: str, refuse=()) -> None:
        self.suite = suite
        self.refuse = set(refuse)
        self.answer = b""
        self.closed = False

    def send(self, request: bytes) -> int:
        seq = HEADER.unpack_from(request)[3]
        family, protocol = request[16], request[17]
        if (family, protocol) in self.refuse:
            self.answer = _error_reply(seq)
            return len(request)
        data = fx.read_bytes(self.suite, DUMP_FILES[(family, protocol)])
        out = bytearray()
        offset = 0
        while offset < len(data):
            length, kind, flags, _seq, pid = HEADER.unpack_from(data, offset)
            step = (length + 3) & ~3
            out += HEADER.pack(length, kind, flags, seq, pid) + data[offset + HEADER.size:offset + step]
            offset += step
        self.answer = bytes(out)
        return len(request)

    def recv_into(self, buffer) -> int:
        answer, self.answer = self.answer, b""
        buffer[:len(answer)] = answer
        return len(answer)

    def close(self) -> None:
        self.closed = True


def _error_reply(seq: int) -> bytes:
    return HEADER.pack(36, _netlink.NLMSG_ERROR, 0, seq, 0) + struct.pack("=i", -2) + bytes(16)


def build_proc(suite: str, root) -> str:
    """A /proc look-alike with the suite's tables and, for every socket ss showed an owner for, that owner."""
    proc = root / "proc"
    (proc / "net").mkdir(parents=True)
    for table in ("tcp", "tcp6", "udp", "udp6"):
        shutil.copyfile(fx.path(suite, "proc-net-" + table), str(proc / "net" / table))
    (proc / "net" / "if_inet6").write_text("")
    (proc / "sys" / "net" / "ipv6").mkdir(parents=True)
    (proc / "sys" / "net" / "ipv6" / "bindv6only").write_text("0\n")
    captured = fx.path(suite, "proc")
    next_fd: dict = {}
    for entry in fx.parse_ss(fx.read_text(suite, "ss-tulpne.txt")):
        for name, pid in entry["users"]:
            base = proc / str(pid)
            if not base.exists():
                if os.path.isdir(os.path.join(captured, str(pid))):
                    shutil.copytree(os.path.join(captured, str(pid)), str(base))
                else:
                    base.mkdir()
                    (base / "stat").write_text("%d (%s) S 1 %d %d 0 -1 0\n" % (pid, name, pid, pid))
                    (base / "status").write_text("Name:\t%s\nUid:\t0\t0\t0\t0\n" % name)
                    (base / "cmdline").write_bytes(name.encode() + b"\0")
                    (base / "cgroup").write_text("0::/\n")
                (base / "fd").mkdir()
            next_fd[pid] = next_fd.get(pid, 2) + 1
            os.symlink("socket:[%d]" % entry["inode"], str(base / "fd" / str(next_fd[pid])))
    return str(proc)


@pytest.fixture
def host(monkeypatch, tmp_path):
    """Make gather() see a captured suite: its kernel answers, its /proc, its interfaces, systemd running."""

    def setup(suite, refuse=(), netlink=True):
        names = {index: name for name, index in fx.meta(suite)["interfaces"].items()}

        def if_indextoname(index):
            if index not in names:
                raise OSError(6, "No such device or address")
            return names[index]

        kernel = CapturedKernel(suite, refuse)
        if netlink:
            monkeypatch.setattr(_netlink, "open_socket", lambda: kernel)
        else:
            def refused():
                raise _netlink.SockDiagError("Protocol not supported", 93)
            monkeypatch.setattr(_netlink, "open_socket", refused)
        monkeypatch.setattr(_sockets.socket, "if_indextoname", if_indextoname)
        monkeypatch.setattr(_owners, "systemd_running", lambda root="/": True)
        return build_proc(suite, tmp_path / suite), kernel

    return setup


def ss_view(suite: str) -> list:
    """What ss showed, in the terms of our items."""
    out = []
    for entry in fx.parse_ss(fx.read_text(suite, "ss-tulpne.txt")):
        pids = sorted(pid for _name, pid in entry["users"])
        out.append((entry["protocol"], entry["family"], entry["address"], entry["interface"], entry["port"], entry["inode"],
                    pids, dict((pid, name) for name, pid in entry["users"])))
    return sorted(out, key=repr)


def item_view(items: list) -> list:
    out = []
    for item in items:
        # ss cuts the process name at its first ")" (it scans /proc/<pid>/stat with %[^)]).
        names = {pid: item["process"].split(")")[0] for pid in item["pids"]} if item["pid"] else {}
        out.append((item["protocol"], item["family"], item["address"], item["interface"], item["port"], item["inode"],
                    item["pids"], names))
    return sorted(out, key=repr)


@pytest.mark.parametrize("suite", fx.SUITES)
def test_netlink_gather_equals_ss(host, suite):
    proc, kernel = host(suite)
    items, method = _sockets.gather(proc=proc)
    assert method == "netlink" and kernel.closed
    assert item_view(items) == ss_view(suite)
    assert all(list(item) == GATHERED_KEYS for item in items)
    stars = {(e["protocol"], e["port"]) for e in fx.parse_ss(fx.read_text(suite, "ss-tulpne.txt")) if e["star"]}
    assert {(i["protocol"], i["port"]) for i in items if i["dual_stack"]} == stars
    v6only = {e["inode"]: e["v6only"] for e in fx.parse_ss(fx.read_text(suite, "ss-tulpne.txt")) if e["family"] == "ipv6"}
    assert {i["inode"]: i["v6only"] for i in items if i["family"] == "ipv6"} == v6only


@pytest.mark.parametrize("suite", fx.SUITES)
def test_procfs_gather_equals_ss_apart_from_what_the_tables_lack(host, suite):
    proc, _kernel = host(suite, netlink=False)
    items, method = _sockets.gather(proc=proc)
    assert method == "procfs"
    expected = [entry[:3] + (None,) + entry[4:] for entry in ss_view(suite)]   # no bound device in /proc/net
    assert item_view(items) == sorted(expected, key=repr)
    assert all(item["v6only"] is None for item in items)


@pytest.mark.parametrize("suite", fx.SUITES)
@pytest.mark.parametrize("port, protocol, expected", [
    (18001, "tcp", {"family": "ipv4", "address": "0.0.0.0", "exposure": "wildcard", "dual_stack": False, "v6only": None,
                    "process": "pw-v4", "unit": None, "user": "root", "uid": 0}),
    (18002, "tcp", {"family": "ipv6", "address": "::", "exposure": "wildcard", "dual_stack": False, "v6only": True}),
    (18003, "tcp", {"family": "ipv6", "address": "::", "exposure": "wildcard", "dual_stack": True, "v6only": False}),
    (18004, "udp", {"family": "ipv4", "address": "0.0.0.0", "exposure": "wildcard"}),
    (18005, "tcp", {"address": "127.0.0.1", "exposure": "loopback", "interface": None}),
    (18007, "tcp", {"process": "pw-probe", "unit": "pw-probe.service"}),
    (18008, "tcp", {"interface": "eth0", "exposure": "address", "v6only": True, "dual_stack": False}),
    (18009, "udp", {"address": "127.0.0.53", "interface": "lo", "exposure": "loopback"}),
    (18010, "udp", {"family": "ipv6", "address": "::", "dual_stack": True, "v6only": False}),
    (18011, "tcp", {"family": "ipv6", "address": "::ffff:127.0.0.1", "exposure": "loopback", "dual_stack": False,
                    "process": "pw) odd (name"}),
    (18012, "tcp", {"exposure": "address", "v6only": True}),
    (65535, "udp", {"address": "0.0.0.0", "exposure": "wildcard"}),
    (22, "tcp", {"process": "sshd", "unit": "ssh.service", "user": "root"}),
])
def test_planted_listeners(host, suite, port, protocol, expected):
    proc, _kernel = host(suite)
    items, _method = _sockets.gather(proc=proc)
    matching = [item for item in items if item["port"] == port and item["protocol"] == protocol]
    assert matching
    got = {key: matching[0][key] for key in expected}
    assert got == expected


@pytest.mark.parametrize("suite", fx.SUITES)
def test_pre_fork_socket_is_one_item_with_every_holder(host, suite):
    proc, _kernel = host(suite)
    items, _method = _sockets.gather(proc=proc)
    (item,) = [item for item in items if item["port"] == 18006]
    assert len(item["pids"]) == 4 and item["pids"] == sorted(item["pids"])
    assert item["pid"] == fx.meta(suite)["processes"]["pw-prefork"]


@pytest.mark.parametrize("suite", fx.SUITES)
def test_docker_resolver_is_reported_with_a_null_owner(host, suite):
    proc, _kernel = host(suite)
    items, _method = _sockets.gather(proc=proc)
    resolver = [item for item in items if item["address"] == "127.0.0.11"]
    assert {item["protocol"] for item in resolver} == {"tcp", "udp"}
    for item in resolver:
        assert item["pids"] == [] and all(item[key] is None for key in OWNER_KEYS)


@pytest.mark.parametrize("suite", fx.SUITES)
def test_loopback_filter(host, suite):
    proc, _kernel = host(suite)
    every, _method = _sockets.gather(proc=proc)
    exposed, _method = _sockets.gather(proc=proc, include_loopback=False)
    assert exposed == [item for item in every if item["exposure"] != "loopback"]
    assert {item["address"] for item in every if item["exposure"] == "loopback"} == {
        "127.0.0.1", "127.0.0.11", "127.0.0.53", "::ffff:127.0.0.1"}


@pytest.mark.parametrize("protocols, families, expected", [
    (["udp"], ["ipv6"], {("udp", "ipv6")}),
    (["tcp"], ["ipv4", "ipv6"], {("tcp", "ipv4"), ("tcp", "ipv6")}),
    (["udp", "udp"], ["ipv4"], {("udp", "ipv4")}),
])
def test_protocol_and_family_selection(host, protocols, families, expected):
    proc, _kernel = host("bookworm")
    items, _method = _sockets.gather(protocols, families, proc=proc)
    assert {(item["protocol"], item["family"]) for item in items} == expected


def test_without_owner_resolution_every_owner_field_is_null(host):
    proc, _kernel = host("bookworm")
    items, _method = _sockets.gather(proc=proc, resolve_owners=False)
    assert items and all(item["pids"] == [] and all(item[key] is None for key in OWNER_KEYS) for item in items)


def test_shared_owner_lists_are_not_aliased(host):
    proc, _kernel = host("bookworm")
    items, _method = _sockets.gather(proc=proc)
    sshd = [item for item in items if item["process"] == "sshd"]
    assert len(sshd) == 2 and sshd[0]["pids"] is not sshd[1]["pids"]


@pytest.mark.parametrize("refuse", [
    [(socket.AF_INET, socket.IPPROTO_UDP)],
    [(socket.AF_INET6, socket.IPPROTO_TCP)],
])
def test_any_refused_dump_falls_back_to_procfs_for_everything(host, refuse):
    proc, kernel = host("trixie", refuse=refuse)
    items, method = _sockets.gather(proc=proc)
    assert method == "procfs" and kernel.closed
    assert all(item["interface"] is None for item in items)


def test_without_ipv6_in_the_kernel_ipv6_is_simply_empty(host):
    proc, _kernel = host("trixie", refuse=[(socket.AF_INET6, socket.IPPROTO_TCP), (socket.AF_INET6, socket.IPPROTO_UDP)])
    for name in ("if_inet6", "tcp6", "udp6"):
        os.remove(os.path.join(proc, "net", name))
    for netlink in (True, False):
        items, method = _sockets.gather(proc=proc, use_netlink=netlink)
        assert method == ("netlink" if netlink else "procfs")
        assert items and {item["family"] for item in items} == {"ipv4"}


def test_no_source_at_all_is_an_error(host, tmp_path):
    host("trixie", netlink=False)
    with pytest.raises(_sockets.SocketsError, match="tcp/ipv4"):
        _sockets.gather(proc=str(tmp_path / "empty"))


@pytest.mark.parametrize("kwargs, message", [
    ({"protocols": ["tcp", "sctp"]}, r"protocols entry #2: unsupported value 'sctp' \(choose from tcp, udp\)"),
    ({"families": ["inet"]}, r"families entry #1: unsupported value 'inet'"),
    ({"protocols": "tcp"}, r"protocols must be a list"),
    ({"families": None}, r"families must be a list"),
    ({"protocols": []}, r"protocols must name at least one of tcp, udp"),
])
def test_bad_arguments_name_the_entry(kwargs, message):
    with pytest.raises(_sockets.SocketsError, match=message):
        _sockets.gather(**kwargs)


@pytest.mark.parametrize("packed, interface, exposure", [
    (bytes(4), None, "wildcard"),
    (bytes(4), "lo", "loopback"),          # SO_BINDTODEVICE lo: reachable from this host only
    (bytes(4), "eth0", "wildcard"),
    (bytes([127, 0, 0, 53]), "lo", "loopback"),
    (bytes([127, 255, 0, 1]), None, "loopback"),
    (bytes([192, 0, 2, 1]), None, "address"),
    (bytes(16), None, "wildcard"),
    (bytes(15) + b"\x01", None, "loopback"),
    (bytes(10) + b"\xff\xff" + bytes([127, 0, 0, 1]), None, "loopback"),
    (bytes(10) + b"\xff\xff" + bytes(4), None, "wildcard"),
    (bytes(10) + b"\xff\xff" + bytes([198, 51, 100, 7]), None, "address"),
    (socket.inet_pton(socket.AF_INET6, "fe80::1"), "eth0", "address"),
    (socket.inet_pton(socket.AF_INET6, "::2"), None, "address"),
])
def test_classify(packed, interface, exposure):
    assert _sockets.classify(packed, interface) == exposure


def _row(family, port, address, inode, state=10):
    return _netlink.DiagSocket(family, state, port, address, 0, 0, inode, None)


def test_one_item_per_inode_and_a_stable_order():
    rows = [
        ("udp", _row(socket.AF_INET, 53, bytes(4), 5, 7)),
        ("tcp", _row(socket.AF_INET6, 22, bytes(16), 2)),
        ("tcp", _row(socket.AF_INET, 22, bytes(4), 1)),
        ("tcp", _row(socket.AF_INET, 22, bytes(4), 1)),
        ("tcp", _row(socket.AF_INET, 22, bytes([10, 0, 0, 1]), 3)),
        ("tcp", _row(socket.AF_INET, 22, bytes([9, 0, 0, 1]), 4)),
        ("tcp", _row(socket.AF_INET, 8080, bytes(4), 6)),
    ]
    expected = [("tcp", 22, "0.0.0.0"), ("tcp", 22, "9.0.0.1"), ("tcp", 22, "10.0.0.1"), ("tcp", 22, "::"),
                ("tcp", 8080, "0.0.0.0"), ("udp", 53, "0.0.0.0")]
    for seed in range(5):
        shuffled = list(rows)
        random.Random(seed).shuffle(shuffled)
        items = _sockets._items(shuffled, True)
        assert [(item["protocol"], item["port"], item["address"]) for item in items] == expected


@pytest.mark.parametrize("bindv6only, ipv4_twin, dual_stack", [
    ("0", False, True),
    ("0", True, False),
    ("1", False, False),
])
def test_procfs_dual_stack_inference(tmp_path, bindv6only, ipv4_twin, dual_stack):
    (tmp_path / "net").mkdir()
    (tmp_path / "sys" / "net" / "ipv6").mkdir(parents=True)
    (tmp_path / "sys" / "net" / "ipv6" / "bindv6only").write_text(bindv6only + "\n")
    tail = " 00000000:00000000 00:00000000 00000000     0        0 %d 1 0000000000000000 100 0 0 10 0\n"
    (tmp_path / "net" / "tcp").write_text("header\n" + ("   0: 00000000:0050 00000000:0000 0A" + tail % 11 if ipv4_twin else ""))
    (tmp_path / "net" / "tcp6").write_text(
        "header\n   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A" + tail % 12)
    items, _method = _sockets.gather(["tcp"], ["ipv6"], proc=str(tmp_path), resolve_owners=False, use_netlink=False)
    assert [(item["inode"], item["v6only"], item["dual_stack"]) for item in items] == [(12, None, dual_stack)]


def _live_sockets():
    tcp4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp4.bind(("127.0.0.1", 0))
    tcp4.listen(1)
    dual = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    dual.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    dual.bind(("::", 0))
    dual.listen(1)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    return [("tcp", tcp4), ("tcp", dual), ("udp", udp)]


@pytest.mark.skipif(not os.path.exists("/proc/net/if_inet6"), reason="needs IPv6 on the test host")
@pytest.mark.parametrize("netlink", [True, False])
def test_live_gather_finds_sockets_this_test_holds(netlink):
    live = _live_sockets()
    try:
        items, method = _sockets.gather(use_netlink=netlink)
        by_inode = {item["inode"]: item for item in items}
        for protocol, sock in live:
            item = by_inode[os.fstat(sock.fileno()).st_ino]
            assert (item["protocol"], item["port"], item["pids"], item["pid"]) == (
                protocol, sock.getsockname()[1], [os.getpid()], os.getpid())
        dual = by_inode[os.fstat(live[1][1].fileno()).st_ino]
        assert dual["dual_stack"] is True
    finally:
        for _protocol, sock in live:
            sock.close()
    if netlink and method != "netlink":
        pytest.skip("the kernel here refuses sock_diag; procfs was used")


@pytest.mark.parametrize("fields, expected", [
    (None, tuple(ITEM_KEYS)),
    (["port", "protocol"], ("protocol", "port")),            # item order, not the order asked for
    (["process", "port", "process"], ("port", "process")),
    (list(reversed(ITEM_KEYS)), tuple(ITEM_KEYS)),
])
def test_choose_fields_keeps_item_order(fields, expected):
    assert _sockets.choose_fields(fields) == expected


@pytest.mark.parametrize("fields, message", [
    (["port", "owner"], r"fields entry #2: unsupported value 'owner'"),
    ([], r"fields must name at least one of protocol"),
    ("port", r"fields must be a list"),
])
def test_choose_fields_names_a_bad_field(fields, message):
    with pytest.raises(_sockets.SocketsError, match=message):
        _sockets.choose_fields(fields)


def test_item_fields_are_the_contract_keys():
    assert list(_sockets.ITEM_FIELDS) == ITEM_KEYS
    assert list(_sockets.GATHERED_FIELDS) == GATHERED_KEYS
    assert set(_sockets.OWNER_FIELDS) == set(OWNER_KEYS) | {"pids"}


@pytest.mark.parametrize("fields, keys", [
    (("protocol", "address", "port", "process"), ("protocol", "address", "port", "process")),
    (("port",), ("port",)),
    (("port", "cmdline"), ("port", "cmdline", "truncated")),
    (tuple(ITEM_KEYS), tuple(GATHERED_KEYS)),
])
def test_select_fields_keeps_one_item_per_socket_with_just_those_keys(host, fields, keys):
    proc, _kernel = host(fx.SUITES[-1])
    items, _method = _sockets.gather(proc=proc)
    selected = _sockets.select_fields(items, fields)
    assert len(selected) == len(items)
    assert all(sorted(item) == sorted(keys) for item in selected)
    assert selected == [{field: item[field] for field in keys} for item in items]


def test_split_owners_emits_each_command_line_once_per_process():
    owner = {"pid": 7, "pids": [7], "process": "big", "exe": "/usr/bin/big", "cmdline": "big " + "x" * 4000,
             "truncated": True, "user": "eve", "uid": 1000, "unit": None}
    items = [dict(owner, port=port) for port in range(50)] + [dict(owner, pid=None, pids=[], cmdline=None, port=99)]
    processes = _sockets.split_owners(items)
    assert processes == [{"pid": 7, "process": "big", "exe": "/usr/bin/big", "cmdline": owner["cmdline"],
                          "truncated": True, "user": "eve", "uid": 1000, "unit": None}]
    assert list(processes[0]) == list(_sockets.PROCESS_FIELDS)
    assert all("cmdline" not in item and "truncated" not in item for item in items)


@pytest.mark.parametrize("suite", fx.SUITES)
@pytest.mark.parametrize("netlink", [True, False])
def test_gathered_items_are_already_what_normalise_listening_makes_of_them(host, suite, netlink):
    """port_audit audits gathered items without normalise_listening; this is why that is safe.

    The one difference allowed is how an IPv4-mapped address is written: ipaddress writes
    ::ffff:7f00:1 before Python 3.13, while items keep the ::ffff:127.0.0.1 that ss prints.
    """
    proc, _kernel = host(suite, netlink=netlink)
    items, _method = _sockets.gather(proc=proc)
    normalised = _drift.normalise_listening(items)
    assert [dict(item, address=None) for item in normalised] == [dict(item, address=None) for item in items]
    assert [ipaddress.ip_address(item["address"]) for item in normalised] == [ipaddress.ip_address(item["address"]) for item in items]
    assert "::ffff:127.0.0.1" in [item["address"] for item in items]
