# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""systemctl output as Debian 12's systemd 252 prints it, and what each unit state needs."""

from __future__ import annotations

import os

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.legacy import _legacy_units as units

# systemctl show --no-pager -p Id,LoadState,... -- telnet.socket vsftpd.service openbsd-inetd.service tftpd-hpa.service
SHOW = """Id=telnet.socket
LoadState=not-found
ActiveState=inactive
SubState=dead
FragmentPath=
SourcePath=
UnitFileState=

Id=vsftpd.service
LoadState=loaded
ActiveState=active
SubState=running
FragmentPath=/lib/systemd/system/vsftpd.service
SourcePath=
UnitFileState=enabled

Id=inetd.service
LoadState=loaded
ActiveState=active
SubState=running
FragmentPath=/lib/systemd/system/inetd.service
SourcePath=
UnitFileState=enabled

Id=tftpd-hpa.service
LoadState=loaded
ActiveState=active
SubState=running
FragmentPath=/run/systemd/generator.late/tftpd-hpa.service
SourcePath=/etc/init.d/tftpd-hpa
UnitFileState=generated
"""
LIST_UNIT_FILES = "uucp@.service static -\n"
LIST_UNITS = "uucp@0-172.31.1.2:540-172.31.1.3:41000.service loaded active running UUCP server (172.31.1.3:41000)\n"


class Recorder:
    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def __call__(self, argv):
        self.calls.append(argv)
        return self.answers.get(argv[1], (0, "", ""))


def test_query_units_reads_show_blocks_templates_and_instances():
    run = Recorder({"show": (0, SHOW, ""), "list-unit-files": (0, LIST_UNIT_FILES, ""), "list-units": (0, LIST_UNITS, "")})
    states = units.query_units(run, ["telnet.socket", "vsftpd.service", "openbsd-inetd.service", "tftpd-hpa.service",
                                     "uucp@.service", "telnet@.service"])
    assert states["telnet.socket"]["load"] == "not-found"
    assert states["vsftpd.service"]["file_state"] == "enabled" and states["vsftpd.service"]["active"] == "active"
    assert states["openbsd-inetd.service"]["id"] == "inetd.service"
    assert states["tftpd-hpa.service"]["source"] == "/etc/init.d/tftpd-hpa"
    assert states["uucp@.service"]["file_state"] == "static"
    assert states["uucp@.service"]["instances"] == ["uucp@0-172.31.1.2:540-172.31.1.3:41000.service"]
    assert states["telnet@.service"]["load"] == "not-found"
    assert run.calls[0][-5:] == ["--", "telnet.socket", "vsftpd.service", "openbsd-inetd.service", "tftpd-hpa.service"]
    assert run.calls[2][-2:] == ["uucp@*.service", "telnet@*.service"]


def test_query_units_refuses_output_it_cannot_map():
    run = Recorder({"show": (0, SHOW, "")})
    with pytest.raises(units.UnitQueryError):
        units.query_units(run, ["vsftpd.service"])


def state(load="loaded", active="active", file_state="enabled", fragment="/lib/systemd/system/x.service", instances=()):
    return {"unit": "x.service", "id": "x.service", "load": load, "active": active, "file_state": file_state,
            "fragment": fragment, "source": "", "instances": list(instances)}


@pytest.mark.parametrize("given, needs", [
    (state(), ["stop", "disable", "mask"]),
    (state(active="inactive", file_state="disabled"), ["mask"]),
    (state(file_state="static"), ["stop", "mask"]),
    (state(file_state="generated", fragment="/run/systemd/generator.late/x.service"), ["stop", "disable", "mask"]),
    (state(load="masked", active="inactive", file_state="masked"), []),
    (state(load="masked", active="active", file_state="masked"), ["stop"]),
    (state(load="not-found", active="inactive", file_state=""), []),
    (state(fragment="/etc/systemd/system/x.service"), ["stop", "disable"]),
    (state(active="inactive", file_state="disabled", fragment="/etc/systemd/system/x.service"), []),
    (state(active="inactive", file_state="static", instances=["x@1.service"]), ["stop", "mask"]),
])
def test_unit_needs_the_steps_that_make_it_unable_to_start(given, needs):
    assert units.unit_needs(given) == needs


def test_apply_units_stops_sockets_first_and_instances_by_pattern():
    run = Recorder({})
    errors = units.apply_units(run, {"x.service": ["stop", "mask"], "x.socket": ["stop", "disable", "mask"], "x@.service": ["stop", "mask"]})
    assert errors == []
    assert run.calls == [
        ["systemctl", "stop", "--", "x.socket", "x.service", "x@*.service"],
        ["systemctl", "disable", "--", "x.socket"],
        ["systemctl", "mask", "--", "x.service", "x.socket", "x@.service"],
    ]


def test_apply_units_reports_a_failing_step():
    run = Recorder({"mask": (1, "", "Failed to mask unit: File /etc/systemd/system/x.service already exists.")})
    [error] = units.apply_units(run, {"x.service": ["mask"]})
    assert "systemctl mask x.service failed (rc=1): Failed to mask unit" in error


def test_sysv_state_reads_runlevel_links_and_lsb_status(tmp_path):
    (tmp_path / "etc" / "init.d").mkdir(parents=True)
    (tmp_path / "etc" / "init.d" / "tftpd-hpa").write_text("#!/bin/sh\n")
    (tmp_path / "etc" / "rc3.d").mkdir()
    os.symlink("../init.d/tftpd-hpa", str(tmp_path / "etc" / "rc3.d" / "S01tftpd-hpa"))
    run = Recorder({"status": (0, "", "")})
    found = units.sysv_state(str(tmp_path), "tftpd-hpa", lambda argv: (0, "", ""))
    assert found["present"] and found["enabled"] and found["running"]
    assert units.sysv_needs(found) == ["stop", "disable"]
    stopped = units.sysv_state(str(tmp_path), "tftpd-hpa", lambda argv: (3, "", ""))
    assert units.sysv_needs(stopped) == ["disable"]
    assert not units.sysv_state(str(tmp_path), "vsftpd", run)["present"]


def fake_process(proc, pid, comm, ppid, uid=0, exe=None, namespace="pid:[4026531836]"):
    base = proc / str(pid)
    (base / "ns").mkdir(parents=True)
    (base / "stat").write_text("%d (%s) S %d 1 1 0 -1\n" % (pid, comm, ppid))
    (base / "status").write_text("Name:\t%s\nUid:\t%d\t%d\t%d\t%d\n" % (comm, uid, uid, uid, uid))
    os.symlink(exe or "/usr/sbin/%s" % comm, str(base / "exe"))
    os.symlink(namespace, str(base / "ns" / "pid"))


@pytest.fixture
def proc(tmp_path, monkeypatch):
    """A /proc look-alike whose executables all count as packaged (root-owned, in /usr/sbin)."""
    (tmp_path / "self" / "ns").mkdir(parents=True)
    os.symlink("pid:[4026531836]", str(tmp_path / "self" / "ns" / "pid"))
    monkeypatch.setattr(units._owners, "system_executable",
                        lambda owner, proc="/proc", stat=None: owner["exe"].startswith("/usr/sbin/"))
    return tmp_path


def test_main_pids_skips_an_inetd_child_serving_an_internal_service(proc):
    for pid, comm, ppid in ((1, "systemd", 0), (35, "inetd", 1), (80, "inetd", 35), (81, "in.rshd", 35), (90, "xinetd", 1)):
        fake_process(proc, pid, comm, ppid)
    assert units.main_pids(["inetd", "inetutils-inetd"], str(proc)) == [35]
    assert units.main_pids(["xinetd"], str(proc)) == [90]
    assert units.main_pids(["inetd"], str(proc / "missing")) == []


@pytest.mark.parametrize("uid, exe, namespace, signalled", [
    (0, "/usr/sbin/inetd", "pid:[4026531836]", True),
    (1000, "/usr/sbin/inetd", "pid:[4026531836]", False),       # a user running the real binary
    (1000, "/home/eve/inetd", "pid:[4026531836]", False),       # a look-alike named inetd
    (0, "/tmp/inetd", "pid:[4026531836]", False),               # root, but not the packaged program
    (0, "/usr/sbin/inetd (deleted)", "pid:[4026531836]", False),
    (0, "/usr/sbin/inetd", "pid:[4026532999]", False),          # another pid namespace (a container's inetd)
])
def test_only_a_root_owned_packaged_inetd_in_our_pid_namespace_is_signalled(
        proc, monkeypatch, uid, exe, namespace, signalled):
    fake_process(proc, 1, "systemd", 0, exe="/usr/lib/systemd/systemd")
    fake_process(proc, 35, "inetd", 1, uid=uid, exe=exe, namespace=namespace)
    sent = []
    monkeypatch.setattr(units.os, "kill", lambda pid, number: sent.append((pid, number)))
    monkeypatch.delattr(units.os, "pidfd_open", raising=False)
    outcome = units.reload_superserver(lambda argv: (0, "", ""), False, [], [], ["inetd"], str(proc), str(proc))
    assert sent == ([(35, units.signal.SIGHUP)] if signalled else [])
    assert outcome == ({"how": "SIGHUP to pid 35", "error": None} if signalled else {"how": None, "error": None})
