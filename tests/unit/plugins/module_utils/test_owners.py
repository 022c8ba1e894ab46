# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Socket owners from /proc: the fd scan, process details, and systemd units."""

from __future__ import annotations

import os
import shutil
import socket

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.sockets import _owners
from ansible_collections.portwarden.hardening.tests.unit.plugins.module_utils import sockets_fixtures as fx

DOCKER = "/docker/599be865c5ade825a7842fb8deef99bb36bb7eb3146d7540fea2942f343a815d"


def make_process(proc, pid, fds=None, comm="daemon", ppid=1, uid=0, cmdline=b"daemon\0--flag\0",
                 cgroup="0::/system.slice/daemon.service\n"):
    """Write a /proc/<pid> look-alike: fd symlinks plus stat, status, cmdline and cgroup."""
    base = proc / str(pid)
    (base / "fd").mkdir(parents=True)
    for fd, target in (fds or {}).items():
        os.symlink(target, str(base / "fd" / str(fd)))
    (base / "stat").write_text("%d (%s) S %d %d %d 0 -1 4194560 0 0 0 0\n" % (pid, comm, ppid, pid, pid))
    (base / "status").write_text("Name:\t%s\nUmask:\t0022\nState:\tS\nUid:\t%d\t%d\t%d\t%d\nGid:\t0\t0\t0\t0\n" % (comm, uid + 1, uid, uid, uid))
    (base / "cmdline").write_bytes(cmdline)
    (base / "cgroup").write_text(cgroup)
    return base


@pytest.fixture
def proc(tmp_path):
    root = tmp_path / "proc"
    root.mkdir()
    (root / "self").symlink_to("1")
    (root / "net").mkdir()
    return root


def test_scan_finds_only_wanted_inodes_and_lists_every_holder(proc):
    make_process(proc, 300, {3: "socket:[1001]", 4: "socket:[1002]", 5: "/dev/null", 6: "pipe:[1003]"})
    make_process(proc, 301, {3: "socket:[1001]", 9: "socket:[1001]"}, ppid=300)
    make_process(proc, 42, {7: "socket:[1001]", 8: "anon_inode:[eventpoll]"})
    make_process(proc, 77, {0: "socket:[5555]"})
    assert _owners.scan({1001, 1002, 1003}, str(proc)) == {1001: [42, 300, 301], 1002: [300]}


@pytest.mark.parametrize("inodes", [set(), frozenset()])
def test_scan_of_nothing_reads_nothing(tmp_path, inodes):
    assert _owners.scan(inodes, str(tmp_path / "does-not-exist")) == {}


def test_unreadable_or_vanished_processes_own_nothing(proc):
    make_process(proc, 10, {3: "socket:[1]"})
    (proc / "11").mkdir()                                        # exited: no fd directory any more
    (proc / "12").mkdir()
    (proc / "12" / "fd").write_text("not a directory")           # open(O_DIRECTORY) fails like EACCES would
    base = make_process(proc, 13, {3: "socket:[1]"})
    (base / "stat").unlink()                                     # exited between the scan and the details
    make_process(proc, 14, {3: "socket:[2]"})
    os.remove(str(proc / "14" / "status"))
    owners = _owners.resolve({1, 2}, str(proc), systemd=True)
    assert owners[1]["pids"] == (10,)
    assert 2 not in owners


def test_socket_without_readable_owner_has_no_entry_at_all(proc):
    make_process(proc, 10, {3: "socket:[1]"})
    owners = _owners.resolve({1, 99}, str(proc), systemd=True)
    assert set(owners) == {1}


def test_owner_details_and_shared_socket(proc):
    make_process(proc, 900, {3: "socket:[7]"}, comm="nginx", ppid=1, uid=0, cmdline=b"nginx: master process /usr/sbin/nginx\0",
                 cgroup="0::/system.slice/nginx.service\n")
    # Workers with lower pids than the master (pid wrap-around) must not become the owner.
    for pid in (100, 101):
        make_process(proc, pid, {6: "socket:[7]"}, comm="nginx", ppid=900, uid=33, cmdline=b"nginx: worker process\0",
                     cgroup="0::/system.slice/nginx.service\n")
    owner = _owners.resolve({7}, str(proc), systemd=True)[7]
    assert owner == {
        "pid": 900, "pids": (100, 101, 900), "process": "nginx", "exe": None,
        "cmdline": "nginx: master process /usr/sbin/nginx", "truncated": False,
        "user": "root", "uid": 0, "unit": "nginx.service",
    }


def test_exe_is_the_real_executable_and_a_huge_cmdline_is_cut(proc):
    base = make_process(proc, 70, {3: "socket:[9]"}, comm="sshd", uid=1000,
                        cmdline=b"/usr/sbin/sshd\0" + b"A" * (1 << 20) + b"\0")
    os.symlink("/home/eve/sshd", str(base / "exe"))
    owner = _owners.resolve({9}, str(proc), systemd=True)[9]
    assert owner["exe"] == "/home/eve/sshd"
    assert owner["truncated"] is True
    assert len(owner["cmdline"].encode()) <= _owners.CMDLINE_CAP
    assert owner["cmdline"].startswith("/usr/sbin/sshd AAAA")


def test_unit_is_null_without_systemd_and_user_null_for_unknown_uid(proc):
    make_process(proc, 5, {3: "socket:[8]"}, uid=3999999, cmdline=b"")
    owner = _owners.resolve({8}, str(proc), systemd=False)[8]
    assert (owner["unit"], owner["uid"], owner["user"], owner["cmdline"]) == (None, 3999999, None, None)


@pytest.mark.parametrize("text, unit", [
    ("0::/system.slice/ssh.service\n", "ssh.service"),
    ("0::/init.scope\n", "init.scope"),
    ("0::/user.slice/user-1000.slice/session-3.scope\n", "session-3.scope"),
    # A user's own systemd manager: its units are named with it, so none passes for a system unit.
    ("0::/user.slice/user-1000.slice/user@1000.service/app.slice/app-foo@abc.service\n",
     "user@1000.service/app-foo@abc.service"),
    ("0::/user.slice/user-1000.slice/user@1000.service/app.slice/ssh.service\n", "user@1000.service/ssh.service"),
    ("0::/user.slice/user-1000.slice/user@1000.service/init.scope\n", "user@1000.service/init.scope"),
    ("0::/user.slice/user-1000.slice/user@1000.service\n", "user@1000.service"),
    ("0::/system.slice/docker-0123.scope/init.scope\n", "init.scope"),
    ("0::/system.slice/_cpu.service\n", "cpu.service"),                      # systemd's escape for a controller-like name
    ("0::/system.slice/containerd.service/kubepods-burstable\n", "containerd.service"),
    ("0::/system.slice/run-u12.service\n", "run-u12.service"),
    ("0::/system.slice/dev-sda2.swap\n", "dev-sda2.swap"),
    ("0::/\n", None),
    ("0::/docker/0123abcd\n", None),                                       # a container without systemd
    ("0::/system.slice/.service\n", None),
    ("12:pids:/system.slice/cron.service\n1:name=systemd:/system.slice/ssh.service\n0::/system.slice/other.service\n", "ssh.service"),
    ("1:name=systemd:" + DOCKER + "/system.slice/pw-probe.service\n0::" + DOCKER + "/system.slice/pw-probe.service\n",
     "pw-probe.service"),
    ("5:cpu,cpuacct:/\n", None),
    ("", None),
    ("garbage without colons", None),
])
def test_unit_from_cgroup(text, unit):
    assert _owners.unit_from_cgroup(text) == unit


@pytest.mark.parametrize("text, comm, ppid", [
    ("1 (systemd) S 0 1 1 0 -1 4194560", "systemd", 0),
    ("223 (pw) odd (name) S 1 223 223 0 -1 4194368", "pw) odd (name", 1),
    ("7 (a b c) R 3 7 7", "a b c", 3),
    ("8 () S 2 8 8", "", 2),
])
def test_parse_stat(text, comm, ppid):
    assert _owners.parse_stat(text) == (comm, ppid)


@pytest.mark.parametrize("text", ["no parentheses", "1 (x) S", "1 (x) S notanumber"])
def test_parse_stat_rejects_garbage(text):
    with pytest.raises((ValueError, IndexError)):
        _owners.parse_stat(text)


@pytest.mark.parametrize("text, uid", [
    ("Name:\tsshd\nUid:\t1000\t0\t0\t0\n", 0),
    ("Uid:\t0\t33\t33\t33\n", 33),
    ("Name:\tx\n", None),
    ("Uid:\t\n", None),
])
def test_effective_uid_from_status(text, uid):
    assert _owners.parse_status_uid(text) == uid


@pytest.mark.parametrize("data, cmdline", [
    (b"/usr/sbin/sshd\0-D\0", "/usr/sbin/sshd -D"),
    (b"sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups\0\0\0", "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"),
    (b"", None),
    (b"\0\0", None),
    (b"bad\xff\0utf8", "bad\ufffd utf8"),
])
def test_parse_cmdline(data, cmdline):
    assert _owners.parse_cmdline(data) == (cmdline, False)


@pytest.mark.parametrize("data, cap, expected", [
    (b"abcdef", 6, ("abcdef", False)),
    (b"abcdefg", 6, ("abcdef", True)),
    (b"ab\0cd\0ef", 5, ("ab cd", True)),
    ("x\u00e9".encode() * 3, 5, ("x\u00e9x\ufffd", True)),     # a character cut in half is replaced, not an error
])
def test_parse_cmdline_caps(data, cap, expected):
    assert _owners.parse_cmdline(data, cap) == expected


def owner(uid=0, exe="/usr/sbin/telnetd", unit="inetd.service", pid=5):
    return {"pid": pid, "uid": uid, "exe": exe, "unit": unit}


class _Stat:
    def __init__(self, uid=0, mode=0o100755):
        self.st_uid, self.st_mode = uid, mode


@pytest.mark.parametrize("candidate, stat, expected", [
    (owner(), _Stat(), True),
    (owner(uid=109, unit="rpcbind.service"), _Stat(), True),            # a daemon that dropped root, in a system service
    (owner(uid=1000, unit="session-3.scope"), _Stat(), False),          # a user running the real binary by hand
    (owner(uid=1000, unit="user@1000.service/telnetd.service"), _Stat(), False),
    (owner(uid=0, unit="user@0.service/telnetd.service"), _Stat(), False),
    (owner(exe="/home/eve/telnetd"), _Stat(), False),
    (owner(exe="/usr/sbin/nginx"), _Stat(), False),                     # not one of the programs
    (owner(), _Stat(uid=1000), False),                                  # a file a user owns
    (owner(), _Stat(mode=0o100777), False),                             # a file anyone may replace
    (owner(exe=None), _Stat(), False),
    (owner(uid=0, unit=None), _Stat(), True),                           # no systemd: root proves it
    (owner(uid=109, unit=None), _Stat(), False),
])
def test_proven_program(candidate, stat, expected):
    assert _owners.proven_program(candidate, ("telnetd", "in.telnetd"), stat=lambda path: stat) is expected


@pytest.mark.parametrize("suite", fx.SUITES)
def test_real_process_files(suite, tmp_path):
    """Process files captured in the containers: comm, cmdline, uid and unit as ss and systemd see them."""
    processes = fx.meta(suite)["processes"]
    proc = tmp_path / "proc"
    shutil.copytree(fx.path(suite, "proc"), str(proc))
    details = {comm: _owners.describe(pid, str(proc), systemd=True) for comm, pid in processes.items()}
    assert details["systemd"]["unit"] == "init.scope" and details["systemd"]["ppid"] == 0
    assert details["sshd"]["unit"] == "ssh.service" and details["sshd"]["user"] == "root"
    assert details["pw-probe"]["unit"] == "pw-probe.service"
    assert details["pw-v4"]["unit"] is None
    assert details["pw-v4"]["cmdline"] == "python3 /usr/local/bin/pw_listen.py --address 0.0.0.0 --port 18001 --name pw-v4"
    assert details["pw) odd (name"]["process"] == "pw) odd (name"
    assert all(detail["uid"] == 0 for detail in details.values())


def test_live_scan_finds_this_process(tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        inode = os.fstat(sock.fileno()).st_ino
        owners = _owners.resolve({inode})
    with open("/proc/self/comm", encoding="utf-8") as handle:
        comm = handle.read().rstrip("\n")
    assert owners[inode]["pids"] == (os.getpid(),)
    assert owners[inode]["process"] == comm
    assert owners[inode]["uid"] == os.geteuid()
