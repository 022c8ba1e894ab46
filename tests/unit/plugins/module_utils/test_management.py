# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import ipaddress
import os
import sys

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist import parse_allowlist
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._firewall_model import build_model
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._management import (
    checked_findings,
    covered,
    protection,
    sshd_ports,
    tcp_port_entries,
)
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._session import (
    current_session,
    established,
    parse_ssh_connection,
    session_from_proc,
)
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist import AllowlistError

CONTROLLER = "172.31.9.1"
SESSION = {"client_address": CONTROLLER, "client_port": 51234, "server_address": "172.31.9.2", "server_port": 22,
           "source": "SSH_CONNECTION"}
HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"


def proc_address(text):
    """The kernel's /proc/net/tcp spelling of an address (host-order 32-bit words)."""
    packed = ipaddress.ip_address(text).packed
    return "".join("%08X" % int.from_bytes(packed[i:i + 4], sys.byteorder) for i in range(0, len(packed), 4))


def tcp_line(number, local, local_port, remote, remote_port, state, inode):
    return "%4d: %s:%04X %s:%04X %s 00000000:00000000 02:00094F4B 00000000     0        0 %d 4 0000000000000000 20 4 1 10 -1\n" % (
        number, proc_address(local), local_port, proc_address(remote), remote_port, state, inode)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("172.31.9.1 51234 172.31.9.2 22", SESSION),
        ("2001:db8::10 40000 2001:db8::20 2222",
         dict(SESSION, client_address="2001:db8::10", client_port=40000, server_address="2001:db8::20", server_port=2222)),
        # sshd on a dual-stack socket may show an IPv4 peer as IPv4-mapped; the firewall sees IPv4.
        ("::ffff:172.31.9.1 51234 ::ffff:172.31.9.2 22", SESSION),
        ("fe80::1%eth0 5000 fe80::2%eth0 22",
         dict(SESSION, client_address="fe80::1", client_port=5000, server_address="fe80::2")),
        ("", None),
        (None, None),
        ("172.31.9.1 51234 172.31.9.2", None),
        ("172.31.9.1 port 172.31.9.2 22", None),
        ("not-an-address 1 172.31.9.2 22", None),
        ("172.31.9.1 51234 172.31.9.2 70000", None),
    ],
)
def test_parse_ssh_connection(text, expected):
    assert parse_ssh_connection(text) == expected


def test_established_reads_only_established_sockets():
    text = HEADER
    text += tcp_line(0, "0.0.0.0", 22, "0.0.0.0", 0, "0A", 100)          # the listener
    text += tcp_line(1, "172.31.9.2", 22, CONTROLLER, 51234, "01", 200)  # the session
    text += tcp_line(2, "172.31.9.2", 22, "172.31.9.7", 40000, "06", 300)  # TIME_WAIT
    assert established(text, 2) == {200: ("172.31.9.2", 22, CONTROLLER, 51234)}


def make_proc(root, tree, sockets, v6_sockets=""):
    """A fake /proc: ``tree`` maps pid -> (comm, ppid, [socket inodes])."""
    for pid, (comm, ppid, inodes) in tree.items():
        base = root / str(pid)
        (base / "fd").mkdir(parents=True)
        (base / "net").mkdir()
        (base / "stat").write_text("%d (%s) S %d %d %d 0 -1\n" % (pid, comm, ppid, pid, pid))
        for number, inode in enumerate(inodes):
            os.symlink("socket:[%d]" % inode, str(base / "fd" / str(number + 3)))
        os.symlink("/dev/null", str(base / "fd" / "0"))
        (base / "net" / "tcp").write_text(HEADER + sockets)
        (base / "net" / "tcp6").write_text(HEADER + v6_sockets)
    return str(root)


@pytest.mark.parametrize("session_process", ["sshd", "sshd-session"])
def test_session_from_proc_walks_up_through_sudo(tmp_path, session_process):
    # module (python3) <- sh <- sudo <- sh <- sshd: root@notty; SSH_CONNECTION is gone under sudo.
    sockets = tcp_line(0, "172.31.9.2", 22, CONTROLLER, 51234, "01", 777)
    proc = make_proc(tmp_path, {
        50: ("python3", 40, []),
        40: ("sh", 30, []),
        30: ("sudo", 20, [888]),
        20: ("sh", 10, []),
        10: (session_process, 5, [777, 999]),
        5: ("sshd", 1, [111]),
    }, sockets)
    found = session_from_proc(proc, pid=50)
    assert found == dict(SESSION, source="sshd process 10")


def test_session_from_proc_ipv6_and_mapped(tmp_path):
    v6 = tcp_line(0, "::ffff:172.31.9.2", 22, "::ffff:%s" % CONTROLLER, 51234, "01", 5)
    proc = make_proc(tmp_path, {9: ("python3", 8, []), 8: ("sshd", 1, [5])}, "", v6)
    assert session_from_proc(proc, pid=9) == dict(SESSION, source="sshd process 8")


@pytest.mark.parametrize("tree", [
    {9: ("python3", 8, []), 8: ("bash", 1, [5])},          # not under sshd (local, docker exec)
    {9: ("python3", 8, []), 8: ("sshd", 1, [])},           # sshd whose fds cannot be read
    {9: ("python3", 8, [])},                               # the parent is gone
])
def test_session_from_proc_finds_nothing_outside_ssh(tmp_path, tree):
    proc = make_proc(tmp_path, tree, tcp_line(0, "172.31.9.2", 22, CONTROLLER, 51234, "01", 5))
    assert session_from_proc(proc, pid=9) is None


def test_current_session_prefers_ssh_connection(tmp_path):
    proc = make_proc(tmp_path, {9: ("python3", 1, [])}, "")
    assert current_session({"SSH_CONNECTION": "172.31.9.1 51234 172.31.9.2 22"}, proc, pid=9) == SESSION
    assert current_session({}, proc, pid=9) is None


def item(port, process="sshd", unit="ssh.service", protocol="tcp", exposure="wildcard", uid=0,
         exe="/usr/sbin/sshd"):
    return {"protocol": protocol, "port": port, "process": process, "unit": unit, "exposure": exposure,
            "uid": uid, "exe": exe}


@pytest.mark.parametrize("items, expected", [
    ([item(22), item(22), item(2222)], [22, 2222]),
    ([item(2222, process="sshd-session", unit=None)], [2222]),      # no systemd: root and the executable
    ([item(22, exposure="loopback"), item(80, process="nginx", unit="nginx.service", exe="/usr/sbin/nginx")], []),
    ([item(22, protocol="udp")], []),
    ([], []),
    # Look-alikes: a name, a unit or an argv anyone can choose proves nothing.
    ([item(47022, uid=1000, exe="/home/eve/sshd", unit="session-3.scope")], []),
    ([item(47022, uid=1000, exe="/usr/sbin/sshd", unit=None)], []),              # a user running the real binary
    ([item(47022, uid=1000, exe="/usr/bin/python3.11", unit="user@1000.service/ssh.service")], []),
    ([item(47022, uid=0, exe="/usr/sbin/sshd", unit="user@0.service/ssh.service")], []),  # systemd-run --user
    ([item(47022, uid=0, exe="/tmp/sshd", unit="ssh.service")], []),
    ([item(47022, uid=0, exe="/usr/sbin/sshd (deleted)")], []),
    ([item(47022, uid=0, exe="/usr/sbin/sshd", unit="cron.service")], []),       # started from elsewhere
    ([item(47022, uid=None, exe=None, unit=None)], []),                          # unreadable owner
    # Socket activation: pid 1 holds every socket unit's socket, so it proves no port is sshd's.
    ([item(22, process="systemd", unit="init.scope", exe="/usr/lib/systemd/systemd")], []),
])
def test_sshd_ports_need_proof(items, expected):
    assert sshd_ports(items) == expected


ALLOWLIST = parse_allowlist([
    {"port": 80},
    {"port": "8000-8100"},
    {"port": 22, "sources": ["10.0.0.0/8", "2001:db8::/32"]},
    {"port": 2222, "proto": "udp"},
])


@pytest.mark.parametrize("port, address, expected", [
    (80, CONTROLLER, True),
    (8050, None, True),
    (22, "10.1.2.3", True),
    (22, "2001:db8::5", True),
    (22, CONTROLLER, False),
    (22, None, False),          # open to a source only: not to an unknown address
    (2222, CONTROLLER, False),  # udp does not carry SSH
    (443, CONTROLLER, False),
])
def test_covered(port, address, expected):
    assert covered(ALLOWLIST, port, address) is expected


@pytest.mark.parametrize("port, address, expected", [
    (80, CONTROLLER, True), (8050, None, True), (22, "10.1.2.3", True), (22, "2001:db8::5", True),
    (22, CONTROLLER, False), (22, None, False), (2222, CONTROLLER, False), (443, CONTROLLER, False),
])
def test_the_models_tcp_ports_answer_as_the_allowlist_does(port, address, expected):
    # What the firewall role sends instead of the whole allowlist.
    tcp = build_model(ALLOWLIST)["tcp"]
    assert covered(tcp_port_entries(tcp), port, address) is expected


def test_the_models_tcp_ports_give_the_same_protection_as_the_allowlist():
    for session, listening in ((SESSION, [22]), (None, [22]), (dict(SESSION, server_port=2222), [2222])):
        from_allowlist = protection(ALLOWLIST, session=session, connection_port=22, listening=listening)
        from_ports = protection(tcp_port_entries(build_model(ALLOWLIST)["tcp"]), session=session, connection_port=22,
                                listening=listening, index=len(ALLOWLIST))
        assert from_ports == from_allowlist


@pytest.mark.parametrize("tcp_ports, words", [
    ([], "must be a mapping"),
    ({"any": [[0, 22]]}, "tcp_ports.any"),
    ({"any": "22"}, "tcp_ports.any"),
    ({"sources": {"ipv5": []}}, "ipv4 and ipv6"),
    ({"sources": {"ipv4": [{"source": "10.0.0.300/8", "ports": [[22, 22]]}]}}, "tcp_ports.sources.ipv4 item #1"),
    ({"sources": {"ipv4": [{"source": "2001:db8::/32", "ports": [[22, 22]]}]}}, "not an ipv4 network"),
    ({"sources": {"ipv6": [{"source": "2001:db8::/32", "ports": [[22, 70000]]}]}}, "tcp_ports.sources.ipv6 item #1 ports"),
    ({"sources": {"ipv4": ["10.0.0.0/8"]}}, "tcp_ports.sources.ipv4 item #1"),
])
def test_bad_tcp_ports_are_refused_naming_the_item(tcp_ports, words):
    with pytest.raises(AllowlistError) as caught:
        tcp_port_entries(tcp_ports)
    assert words in str(caught.value)


def test_allowlist_without_ssh_keeps_the_session_port_open_to_the_controller_only():
    entries = parse_allowlist([{"port": 80}])
    found = protection(entries, session=SESSION, listening=[22])
    assert found["entries"] == [{
        "index": 1,
        "label": "22/tcp (management connection from 172.31.9.1, kept open by portwarden)",
        "port": 22,
        "ports": [[22, 22]],
        "proto": "tcp",
        "sources": {"ipv4": ["172.31.9.1/32"], "ipv6": []},
        "process": None,
        "required": False,
        "comment": "management connection from 172.31.9.1, kept open by portwarden",
    }]
    assert found["kept"] == [{"port": 22, "source": CONTROLLER,
                              "reasons": ["the SSH session Ansible runs over", "sshd listens on it"]}]
    assert "22/tcp" in found["warning"] and "from 172.31.9.1" in found["warning"]
    assert "portwarden_firewall_protect_management: false" in found["warning"]
    # The entry goes through the firewall model like an allowlist entry.
    model = build_model(entries, found["entries"])
    assert model["tcp"]["any"] == [[80, 80]]
    assert model["tcp"]["sources"]["ipv4"] == [{"source": "172.31.9.1/32", "ports": [[22, 22]]}]


def test_allowlist_that_opens_ssh_adds_nothing():
    found = protection(parse_allowlist([{"port": "ssh"}]), session=SESSION, connection_port=22, listening=[22])
    assert found == {"entries": [], "kept": [], "warning": None}


def test_sshd_on_2222_with_an_allowlist_naming_only_22():
    session = dict(SESSION, server_port=2222)
    found = protection(parse_allowlist([{"port": 22}]), session=session, connection_port=2222, listening=[2222])
    assert found["entries"][0]["ports"] == [[2222, 2222]]
    assert found["kept"][0]["reasons"] == [
        "the SSH session Ansible runs over", "the port Ansible connects to (ansible_port)", "sshd listens on it"]


def test_live_sshd_port_is_kept_even_when_ansible_uses_another():
    found = protection(parse_allowlist([{"port": 22}]), session=SESSION, connection_port=22, listening=[22, 2222])
    assert [item["port"] for item in found["kept"]] == [2222]
    assert found["kept"][0]["reasons"] == ["sshd listens on it"]


def test_restricted_ssh_that_excludes_the_controller_gets_the_controller_added():
    found = protection(ALLOWLIST, session=SESSION, listening=[22])
    assert found["entries"][0]["sources"] == {"ipv4": ["172.31.9.1/32"], "ipv6": []}


def test_ipv6_controller_is_kept_with_a_host_prefix():
    session = dict(SESSION, client_address="2001:db9::10", server_address="2001:db9::20")
    found = protection([], session=session)
    assert found["entries"][0]["sources"] == {"ipv4": [], "ipv6": ["2001:db9::10/128"]}


def test_several_ports_make_one_entry():
    found = protection([], session=SESSION, connection_port=2200, listening=[22, 23, 2222])
    assert found["entries"][0]["ports"] == [[22, 23], [2200, 2200], [2222, 2222]]
    assert found["entries"][0]["port"] == "22-23,2200,2222"


def test_without_a_session_a_remote_controller_keeps_the_port_open_to_anyone():
    found = protection(parse_allowlist([{"port": 80}]), session=None, connection_port=2222, listening=[22])
    assert found["entries"][0]["sources"] is None
    # A port learned from the host is never opened to anyone: only the inventory's port is.
    assert [item["port"] for item in found["kept"]] == [2222]
    assert "from anyone" in found["warning"]


@pytest.mark.parametrize("connection_port", [None, 22])
def test_a_learned_port_is_never_opened_beyond_the_controller(connection_port):
    without = protection([], session=None, connection_port=connection_port, listening=[47022])
    assert 47022 not in [kept["port"] for kept in without["kept"]]
    with_session = protection([], session=SESSION, connection_port=connection_port, listening=[47022])
    assert [entry["sources"] for entry in with_session["entries"]] == [{"ipv4": ["%s/32" % CONTROLLER], "ipv6": []}]
    assert 47022 in [kept["port"] for kept in with_session["kept"]]


def test_without_any_clue_a_remote_controller_keeps_22():
    found = protection([], session=None, remote=True)
    assert found["kept"] == [{"port": 22, "source": None,
                              "reasons": ["the default SSH port (no session or sshd listener was found)"]}]


def test_a_connection_no_firewall_can_cut_needs_nothing():
    # docker exec, local: no session, and sshd's port is the allowlist's business.
    assert protection([], session=None, connection_port=22, listening=[22], remote=False)["entries"] == []


# checked_findings(): what the probe reports comes from the managed host and is checked value by value.

@pytest.mark.parametrize("session, ports, expected", [
    (None, [], (None, [])),
    (None, [2222, 22, 2222, 22], (None, [22, 2222])),
    (SESSION, [22], ({"client_address": CONTROLLER, "server_port": 22}, [22])),
    # Only the two keys protection() reads are kept; an IPv4-mapped client is the IPv4 one.
    ({"client_address": "::ffff:192.0.2.7", "server_port": 2222, "client_port": 5, "source": "x", "extra": [1]},
     [65535, 1, 22],
     ({"client_address": "192.0.2.7", "server_port": 2222}, [1, 22, 65535])),
    ({"client_address": "2001:db8::7", "server_port": 65535}, [], ({"client_address": "2001:db8::7", "server_port": 65535}, [])),
    ({"client_address": "fe80::1%eth0", "server_port": 1}, [], ({"client_address": "fe80::1", "server_port": 1}, [])),
])
def test_checked_findings_accepts_and_normalises(session, ports, expected):
    original = None if session is None else dict(session)
    assert checked_findings(session, ports) == expected
    assert session == original  # the caller's mapping is not changed


def test_checked_findings_session_is_usable_by_protection():
    session, ports = checked_findings({"client_address": "::ffff:192.0.2.7", "server_port": 2222}, [2222])
    found = protection(parse_allowlist([{"port": 22}]), session=session, listening=ports)
    assert found["entries"][0]["sources"] == {"ipv4": ["192.0.2.7/32"], "ipv6": []}
    assert [kept["port"] for kept in found["kept"]] == [2222]


@pytest.mark.parametrize("session, ports, words", [
    ("192.0.2.7 22", [], ["the session must be a mapping or null", "'192.0.2.7 22'"]),
    ([{"client_address": "192.0.2.7", "server_port": 22}], [], ["the session must be a mapping or null"]),
    ({"client_address": "not-an-ip", "server_port": 22}, [], ["IP client_address", "'not-an-ip'"]),
    ({"client_address": "", "server_port": 22}, [], ["IP client_address", "'client_address': ''"]),
    ({"client_address": None, "server_port": 22}, [], ["IP client_address", "'client_address': None"]),
    ({"client_address": 3221225991, "server_port": 22}, [], ["'client_address': 3221225991"]),
    ({"server_port": 22}, [], ["'client_address': None"]),
    ({"client_address": "192.0.2.7"}, [], ["server_port in 1-65535", "'server_port': None"]),
    ({"client_address": "192.0.2.7", "server_port": True}, [], ["'server_port': True"]),
    ({"client_address": "192.0.2.7", "server_port": "22"}, [], ["'server_port': '22'"]),
    ({"client_address": "192.0.2.7", "server_port": 0}, [], ["'server_port': 0"]),
    ({"client_address": "192.0.2.7", "server_port": 65536}, [], ["'server_port': 65536"]),
    ({"client_address": "192.0.2.7", "server_port": 22.0}, [], ["'server_port': 22.0"]),
    (None, None, ["sshd_ports must be a list of ports, got None"]),
    (None, "22", ["sshd_ports must be a list of ports, got '22'"]),
    (None, (22,), ["sshd_ports must be a list of ports, got (22,)"]),
    (None, {22: True}, ["sshd_ports must be a list of ports"]),
    (None, [22, True], ["sshd_ports: True is not a port in 1-65535"]),
    (None, [False], ["sshd_ports: False is not a port"]),
    (None, ["22"], ["sshd_ports: '22' is not a port in 1-65535"]),
    (None, [22, 0], ["sshd_ports: 0 is not a port"]),
    (None, [70000], ["sshd_ports: 70000 is not a port"]),
    (None, [-22], ["sshd_ports: -22 is not a port"]),
    (None, [[22, 22]], ["sshd_ports: [22, 22] is not a port"]),
    # A good session does not excuse bad ports.
    ({"client_address": "192.0.2.7", "server_port": 22}, [22, 70000], ["sshd_ports: 70000"]),
])
def test_checked_findings_refuses_naming_the_bad_value(session, ports, words):
    with pytest.raises(AllowlistError) as caught:
        checked_findings(session, ports)
    for word in words:
        assert word in str(caught.value)
