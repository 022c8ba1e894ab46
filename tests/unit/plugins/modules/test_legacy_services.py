# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""legacy_services end to end against a simulated host (legacy_fakes): find, disable, reload once, prove closed."""

from __future__ import annotations

import itertools
import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.portwarden.hardening.plugins.module_utils.legacy import _inetd
from ansible_collections.portwarden.hardening.plugins.module_utils.legacy import _legacy_services as engine
from ansible_collections.portwarden.hardening.plugins.modules import legacy_services
from ansible_collections.portwarden.hardening.tests.unit.plugins.modules import legacy_fakes as fakes

PLANTED = ["telnet", "rsh", "rlogin", "rexec", "tftp", "talk", "finger", "echo", "daytime", "chargen", "ftp"]


@pytest.fixture
def module_on(monkeypatch, capsys):
    """Run the module against a FakeSystem; returns (exit code, result)."""
    def run(fake, args, check_mode=False, diff=False):
        ticks = itertools.count()

        def factory(dummy_run, write=None):
            return engine.Host(fake.run, root=str(fake.root), proc=str(fake.root / "proc"), gather=fake.gather, write=write,
                               systemd=fake.systemd, family="Debian", sleep=lambda seconds: None, clock=lambda: next(ticks))
        monkeypatch.setattr(legacy_services, "Host", factory)
        args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
        # ansible-core routes module warnings to the controller's display once controller
        # code is loaded in the same process (the filter tests do that); record them here.
        warned = []
        monkeypatch.setattr(legacy_services.AnsibleModule, "warn", lambda self, message: warned.append(message))
        with patch_module_args(args), pytest.raises(SystemExit) as caught:
            legacy_services.main()
        result = json.loads(capsys.readouterr().out)
        result["_warned"] = warned
        return caught.value.code, result
    return run


def warnings_of(result):
    return result["_warned"]


def listening_ports(fake):
    return sorted(set((item["port"], item["protocol"]) for item in fake.gather()[0]))


def test_check_mode_lists_every_planted_service_and_changes_nothing(tmp_path, module_on):
    fake = fakes.inetd_host(tmp_path)
    before = fake.text("/etc/inetd.conf")
    code, result = module_on(fake, {}, check_mode=True, diff=True)
    assert code == 0 and result["changed"] is True
    assert result["found"] == PLANTED + ["inetd"]
    assert result["disabled"] == PLANTED and result["review"] == ["inetd"]
    assert fake.text("/etc/inetd.conf") == before
    assert fake.mutations() == []
    [units_diff, inetd_diff] = result["diff"]
    assert units_diff["before"] == "tftpd-hpa.service: generated, active\nvsftpd.service: enabled, active\n"
    assert units_diff["after"] == "tftpd-hpa.service: masked, inactive\nvsftpd.service: masked, inactive\n"
    assert inetd_diff["after_header"] == "/etc/inetd.conf" and inetd_diff["after"].count(_inetd.MARKER) == 10
    assert result["reloads"] == ["inetd would be told to reread its configuration"]


def test_disable_closes_every_port_reloads_inetd_once_and_a_second_run_changes_nothing(tmp_path, module_on):
    fake = fakes.inetd_host(tmp_path)
    assert (23, "tcp") in listening_ports(fake) and (69, "udp") in listening_ports(fake)
    code, result = module_on(fake, {})
    assert code == 0 and result["changed"] is True
    assert listening_ports(fake) == [(22, "tcp")]
    assert [call for call in fake.calls if call[:2] == ["systemctl", "reload"]] == [["systemctl", "reload", "--", "inetd.service"]]
    assert fake.units["vsftpd.service"]["file_state"] == "masked" and fake.units["tftpd-hpa.service"]["load"] == "masked"
    assert fake.units["inetd.service"]["active"] == "active", "inetd is a review service: reloaded, never stopped"
    assert result["services"]["ftp"]["actions"] == ["stop vsftpd.service", "disable vsftpd.service", "mask vsftpd.service"]
    assert result["services"]["talk"]["actions"] == ["comment out /etc/inetd.conf line 31", "comment out /etc/inetd.conf line 32"]
    assert result["still_listening"] == []
    calls = len(fake.calls)
    code, again = module_on(fake, {})
    assert code == 0 and again["changed"] is False and again["disabled"] == []
    assert again["found"] == ["inetd"] and again["services"]["telnet"]["status"] == "disabled"
    assert fake.mutations(since=calls) == []


def test_keep_leaves_a_service_running_and_reports_it(tmp_path, module_on):
    fake = fakes.inetd_host(tmp_path)
    code, result = module_on(fake, {"keep": ["tftpd-hpa"]})
    assert code == 0 and result["kept"] == ["tftp"] and "tftp" not in result["disabled"]
    assert fake.units["tftpd-hpa.service"]["active"] == "active"
    assert listening_ports(fake) == [(22, "tcp"), (69, "udp")]


def test_services_selects_what_is_disabled_while_everything_is_reported(tmp_path, module_on):
    fake = fakes.inetd_host(tmp_path)
    code, result = module_on(fake, {"services": ["telnet", "shell"]})
    assert code == 0 and result["disabled"] == ["telnet", "rsh"]
    assert set(PLANTED) - {"telnet", "rsh"} <= set(result["found"])
    entries = dict((entry["service"], entry["state"]) for entry in _inetd.parse(fake.text("/etc/inetd.conf")))
    assert entries["telnet"] == entries["shell"] == "portwarden-off" and entries["login"] == "enabled"
    assert (513, "tcp") in listening_ports(fake) and (23, "tcp") not in listening_ports(fake)


@pytest.mark.parametrize("args, message", [
    ({"services": ["vsftp"]}, "services entry #1: unknown legacy service 'vsftp'"),
    ({"services": ["telnet", "telnet-server"], "keep": ["nope"]}, "services entry #2: unknown legacy service 'telnet-server'"),
    ({"keep": ["tftp", "nope"]}, "keep entry #2: unknown legacy service 'nope'"),
    ({"settle_timeout": -1}, "settle_timeout must be 0 or more"),
])
def test_bad_input_fails_naming_the_entry_and_touches_nothing(tmp_path, module_on, args, message):
    fake = fakes.inetd_host(tmp_path)
    code, result = module_on(fake, args)
    assert code == 1 and message in result["msg"]
    assert fake.calls == []


def test_an_xinetd_file_that_cannot_be_read_safely_fails_before_anything_changes(tmp_path, module_on):
    fake = fakes.xinetd_host(tmp_path)
    fake.put("/etc/xinetd.d/broken", "service broken\n{\n\tserver = /bin/true\n")
    code, result = module_on(fake, {})
    assert code == 1 and "broken" in result["msg"] and "never closed" in result["msg"]
    assert fake.mutations() == []


def test_audit_reports_and_never_changes(tmp_path, module_on):
    fake = fakes.inetd_host(tmp_path)
    code, result = module_on(fake, {"state": "audit"})
    assert code == 0 and result["changed"] is False and result["disabled"] == []
    assert result["found"] == PLANTED + ["inetd"]
    assert result["services"]["telnet"]["mechanisms"][0]["needs"] == ["comment out"]
    assert result["services"]["ftp"]["cis"]["item"] == "2.1.6"
    assert fake.mutations() == []


def test_a_listener_no_mechanism_starts_fails_the_run_naming_the_process(tmp_path, module_on):
    rogue = fakes.socket(23, "tcp", "in.telnetd", 999)
    fake = fakes.inetd_host(tmp_path, stubborn=[rogue])
    code, result = module_on(fake, {})
    assert code == 1
    assert "telnet: 23/tcp on 0.0.0.0 (in.telnetd pid 999)" in result["msg"]
    assert result["still_listening"] == [dict(engine._socket_summary(rogue), service="telnet")]
    code, result = module_on(fake, {}, check_mode=True)
    assert code == 0 and warnings_of(result) == [
        "telnet: 23/tcp on 0.0.0.0 (in.telnetd pid 999) listens but no mechanism found for it; it would still listen"]


def look_alike(port, process, exe, uid=1000, unit="session-3.scope"):
    return dict(fakes.socket(port, "tcp", process, 4242), uid=uid, user="eve", exe=exe, unit=unit)


@pytest.mark.parametrize("rogue", [
    # An unprivileged process calling itself telnetd, on a port of its own.
    look_alike(40000, "telnetd", "/home/eve/telnetd"),
    # ... on telnet's own port (Docker lets any user bind low ports), or running the real binary by hand.
    look_alike(23, "in.telnetd", "/usr/sbin/in.telnetd"),
    look_alike(40000, "in.telnetd", "/usr/sbin/in.telnetd"),
    # ... or from a unit of its own systemd manager (systemd-run --user --unit=telnet).
    look_alike(23, "telnetd", "/home/eve/telnetd", unit="user@1000.service/telnet.service"),
], ids=["own-port", "telnet-port", "real-binary", "user-unit"])
def test_an_unprivileged_look_alike_never_fails_the_run(tmp_path, module_on, rogue):
    fake = fakes.inetd_host(tmp_path, stubborn=[rogue])
    code, result = module_on(fake, {})
    assert code == 0, result.get("msg")
    assert result["still_listening"] == []
    assert all(rogue["pid"] not in [item.get("pid") for item in service["listening"]]
               for service in result["services"].values())


def test_xinetd_blocks_get_disable_yes_xinetd_reloads_once_and_rpcbind_only_when_named(tmp_path, module_on):
    fake = fakes.xinetd_host(tmp_path)
    code, result = module_on(fake, {})
    assert code == 0 and "rpcbind" in result["review"] and "rpcbind" not in result["disabled"]
    assert fake.units["rpcbind.socket"]["active"] == "active"
    assert [call for call in fake.calls if call[:2] == ["systemctl", "reload"]] == [["systemctl", "reload", "--", "xinetd.service"]]
    assert listening_ports(fake) == [(22, "tcp"), (111, "tcp"), (111, "udp")]
    assert "\tserver\t\t= /usr/sbin/in.rshd\n\tdisable\t\t= yes\n}" in fake.text("/etc/xinetd.d/rsh")
    code, result = module_on(fake, {"services": ["legacy", "rpcbind"]})
    assert code == 0 and result["disabled"] == ["rpcbind"]
    assert fake.units["rpcbind.socket"]["load"] == "masked" and listening_ports(fake) == [(22, "tcp")]
    stops = [call for call in fake.calls if call[:2] == ["systemctl", "stop"]]
    assert stops[-1] == ["systemctl", "stop", "--", "rpcbind.socket", "rpcbind.service"], "the socket stops first"


@pytest.mark.parametrize("host", [fakes.inetd_host, fakes.xinetd_host])
def test_check_mode_warns_about_no_socket_that_its_mechanisms_close(tmp_path, module_on, host):
    fake = host(tmp_path)
    code, result = module_on(fake, {"services": ["legacy", "rpcbind"]}, check_mode=True)
    assert code == 0 and warnings_of(result) == []
    code, result = module_on(fake, {"services": ["legacy", "rpcbind"]})
    assert code == 0 and result["still_listening"] == []


def test_naming_xinetd_masks_it_and_skips_the_pointless_reload(tmp_path, module_on):
    fake = fakes.xinetd_host(tmp_path)
    code, result = module_on(fake, {"services": ["legacy", "xinetd"]})
    assert code == 0 and "xinetd" in result["disabled"] and result["reloads"] == []
    assert fake.units["xinetd.service"]["load"] == "masked"


def test_an_alias_unit_is_reported_under_the_unit_it_stands_for(tmp_path, module_on):
    fake = fakes.xinetd_host(tmp_path, units={})
    fake.units["inetd.service"] = fakes.unit("inetd.service", file_state="generated", ident="xinetd.service")
    code, result = module_on(fake, {"state": "audit"})
    assert result["services"]["inetd"]["status"] == "absent"
    assert [mechanism["unit"] for mechanism in result["services"]["xinetd"]["mechanisms"]] == ["xinetd.service"]


def test_packages_go_only_when_nothing_else_goes_with_them(tmp_path, module_on):
    installed = ("telnetd", "inetutils-telnetd", "rpcbind", "nfs-common", "tftpd-hpa", "rsh-server")
    fake = fakes.xinetd_host(tmp_path, dpkg=dict((name, "ii ") for name in installed),
                             apt={"atftpd", "telnetd-ssl", "rsh-redone-server", "fingerd", "talkd", "cfingerd", "efingerd", "inetutils-talkd"},
                             removes={"rpcbind": ["nfs-common"], "inetutils-telnetd": ["telnetd"]})
    code, result = module_on(fake, {"services": ["legacy", "rpcbind"], "remove_packages": True})
    assert code == 0
    removal = result["services"]["rpcbind"]["package_removal"]
    assert removal["remove"] == [] and removal["kept"] == {"rpcbind": "removing rpcbind would also remove nfs-common"}
    assert result["services"]["telnet"]["package_removal"]["remove"] == ["telnetd", "inetutils-telnetd"]
    assert result["services"]["tftp"]["package_removal"]["unknown"] == ["tftpd"]
    assert "tftp: package name(s) tftpd unknown to dpkg and apt on this host (are the apt lists current?)" in warnings_of(result)
    [removal_call] = [call for call in fake.calls if call[:2] == ["apt-get", "remove"]]
    assert removal_call[removal_call.index("--") + 1:] == ["inetutils-telnetd", "rsh-server", "telnetd", "tftpd-hpa"]
    assert fake.dpkg["nfs-common"] == "ii " and fake.dpkg["telnetd"] == "rc "
    code, again = module_on(fake, {"services": ["legacy", "rpcbind"], "remove_packages": True})
    assert code == 0 and again["changed"] is False


def test_a_package_shared_with_a_kept_service_stays(tmp_path, module_on):
    fake = fakes.inetd_host(tmp_path, dpkg={"rsh-server": "ii "}, apt={"rsh-redone-server"})
    code, result = module_on(fake, {"keep": ["rlogin"], "remove_packages": True})
    assert code == 0
    assert result["services"]["rsh"]["package_removal"]["kept"] == {"rsh-server": "also serves rlogin, which is kept"}
    assert not [call for call in fake.calls if call[:2] == ["apt-get", "remove"]]


def test_check_mode_simulates_package_removal_without_removing(tmp_path, module_on):
    fake = fakes.inetd_host(tmp_path, dpkg={"vsftpd": "ii "})
    code, result = module_on(fake, {"services": ["ftp"], "remove_packages": True}, check_mode=True)
    assert code == 0 and "remove package vsftpd" in result["services"]["ftp"]["actions"]
    assert fake.dpkg["vsftpd"] == "ii " and fake.mutations() == []


def test_a_unit_an_admin_placed_in_etc_is_stopped_and_disabled_instead_of_masked(tmp_path, module_on):
    custom = fakes.unit("vsftpd.service", fragment="/etc/systemd/system/vsftpd.service")
    fake = fakes.inetd_host(tmp_path, units={"vsftpd.service": custom})
    code, result = module_on(fake, {"services": ["ftp"]})
    assert code == 0 and result["services"]["ftp"]["actions"] == ["stop vsftpd.service", "disable vsftpd.service"]
    assert fake.units["vsftpd.service"]["file_state"] == "disabled"
    code, again = module_on(fake, {"services": ["ftp"]})
    assert code == 0 and again["changed"] is False


def test_socket_activated_templates_are_masked_and_their_instances_stopped(tmp_path, module_on):
    fake = fakes.inetd_host(tmp_path, units={
        "telnet.socket": fakes.unit("telnet.socket"),
        "telnet@.service": fakes.unit("telnet@.service", file_state="static", active="inactive"),
        "telnet@0-172.31.1.2:23-172.31.1.3:40000.service": fakes.unit("telnet@0-172.31.1.2:23-172.31.1.3:40000.service", file_state="static"),
    })
    code, result = module_on(fake, {"services": ["telnet"]})
    assert code == 0
    assert result["services"]["telnet"]["actions"][:5] == [
        "stop telnet.socket", "disable telnet.socket", "mask telnet.socket", "stop telnet@.service", "mask telnet@.service"]
    assert ["systemctl", "stop", "--", "telnet.socket", "telnet@*.service"] in fake.calls
    assert fake.units["telnet@.service"]["load"] == "masked"
    assert fake.units["telnet@0-172.31.1.2:23-172.31.1.3:40000.service"]["active"] == "inactive"


def test_without_systemd_sysv_scripts_are_stopped_and_disabled(tmp_path, module_on):
    fake = fakes.FakeSystem(tmp_path, systemd=False, sysv={"tftpd-hpa": {"running": True}, "openbsd-inetd": {"running": True}},
                            listeners=[fakes.socket(69, "udp", "in.tftpd", 53, "tftpd-hpa.service")])
    for script in ("tftpd-hpa", "openbsd-inetd"):
        fake.put("/etc/init.d/%s" % script, "#!/bin/sh\n")
        fake.put("/etc/rc2.d/S01%s" % script, "")
    fake.put("/usr/sbin/update-rc.d", "")
    fake.put("/etc/inetd.conf", (fakes.FIXTURES / "inetd" / "openbsd-inetd-bookworm.conf").read_text())
    code, result = module_on(fake, {})
    assert code == 0, result.get("msg")
    assert result["services"]["tftp"]["actions"] == ["stop /etc/init.d/tftpd-hpa", "disable /etc/init.d/tftpd-hpa"]
    assert ["update-rc.d", "tftpd-hpa", "disable"] in fake.calls
    assert ["/etc/init.d/openbsd-inetd", "reload"] in fake.calls
    assert (tmp_path / "etc/rc2.d/K01tftpd-hpa").exists()
    assert result["services"]["inetd"]["status"] == "found" and "inetd" in result["review"]
    code, again = module_on(fake, {})
    assert code == 0 and again["changed"] is False


def test_unreadable_sockets_fail_the_run_before_anything_changes(tmp_path, module_on):
    fake = fakes.inetd_host(tmp_path)

    def broken(**dummy_options):
        raise OSError("netlink refused and /proc/net/tcp unreadable")
    fake.gather = broken
    code, result = module_on(fake, {})
    assert code == 1 and result["msg"] == "cannot read the listening sockets: netlink refused and /proc/net/tcp unreadable"
    assert fake.mutations() == []
