# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The xinetd editor on Debian's shipped files, the scenario's service files and a constructed xinetd.conf."""

from __future__ import annotations

import pathlib
import shutil

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.legacy import _xinetd

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "legacy" / "xinetd"
DEBIAN = sorted(path.name for path in (FIXTURES / "debian" / "xinetd.d").iterdir())
PLANTED = sorted(path.name for path in (FIXTURES / "planted").iterdir())


def read(*parts) -> str:
    return FIXTURES.joinpath(*parts).read_bytes().decode("utf-8")


def everything(block):
    return True


@pytest.mark.parametrize("name", DEBIAN)
def test_debian_ships_every_service_disabled(name):
    parsed = _xinetd.parse(read("debian", "xinetd.d", name), name)
    assert parsed["services"], name
    assert all(not service["enabled"] for service in parsed["services"])
    new_text, disabled = _xinetd.disable(read("debian", "xinetd.d", name), everything, name)
    assert disabled == [] and new_text == read("debian", "xinetd.d", name)


@pytest.mark.parametrize("name, expected", [
    ("echo", [("echo", "echo-stream", True, "tcp", "internal"), ("echo", "echo-dgram", True, "udp", "internal")]),
    ("finger", [("finger", "finger", True, "tcp", "in.fingerd")]),
    ("rsh", [("shell", "shell", True, "tcp", "in.rshd"), ("login", "login", True, "tcp", "in.rlogind")]),
    ("talk", [("talk", "talk", True, "udp", "in.talkd"), ("ntalk", "ntalk", True, "udp", "in.ntalkd")]),
    ("telnet", [("telnet", "telnet", True, "tcp", "telnetd")]),
    ("tftp", [("tftp", "tftp", True, "udp", "in.tftpd")]),
])
def test_parse_reads_name_id_state_protocol_and_program(name, expected):
    services = _xinetd.parse(read("planted", name), name)["services"]
    assert [(s["name"], s["id"], s["enabled"], s["proto"], s["program"]) for s in services] == expected


def test_parse_reads_ports_families_and_flags():
    [telnet] = _xinetd.parse(read("planted", "telnet"))["services"]
    assert telnet["family"] == "ipv6" and telnet["attrs"]["flags"] == ["REUSE", "IPv6"]
    assert telnet["attrs"]["log_on_failure"] == ["USERID"]
    [udp] = _xinetd.parse(read("debian", "xinetd.d", "chargen-udp"))["services"]
    assert udp["port"] == 19 and udp["proto"] == "udp"


@pytest.mark.parametrize("name", PLANTED)
def test_disable_changes_only_disable_lines_and_a_second_pass_changes_nothing(name):
    text = read("planted", name)
    new_text, disabled = _xinetd.disable(text, everything, name)
    assert disabled and all(service["enabled"] for service in disabled)
    old_lines, new_lines = text.splitlines(True), new_text.splitlines(True)
    changed = [line for line in new_lines if line not in old_lines]
    assert changed and all(line.strip().replace("\t", " ").split() == ["disable", "=", "yes"] for line in changed)
    kept = [line for line in new_lines if line in old_lines]
    assert kept == [line for line in old_lines if line.strip().split()[:1] != ["disable"]]
    assert all(not service["enabled"] for service in _xinetd.parse(new_text)["services"])
    assert _xinetd.disable(new_text, everything, name) == (new_text, [])


def test_disable_rewrites_the_value_keeping_the_spacing():
    new_text, dummy = _xinetd.disable(read("planted", "telnet"), everything)
    assert "\tdisable\t\t= yes\n" in new_text and "disable\t\t= no" not in new_text


def test_disable_inserts_a_line_before_the_brace_when_the_block_has_none():
    text = read("planted", "rsh")
    new_text, disabled = _xinetd.disable(text, lambda service: service["name"] == "shell")
    assert [service["name"] for service in disabled] == ["shell"]
    assert "\tserver\t\t= /usr/sbin/in.rshd\n\tdisable\t\t= yes\n}\n" in new_text
    [shell, login] = _xinetd.parse(new_text)["services"]
    assert not shell["enabled"] and login["enabled"]


def test_disable_indents_an_inserted_line_like_a_space_indented_block():
    text = read("defaults.conf")
    new_text, disabled = _xinetd.disable(text, lambda service: service["name"] == "echo")
    assert "    wait        = yes\n    disable = yes\n}\n" in new_text
    assert [service["id"] for service in disabled] == ["echo-dgram"]


def test_disable_turns_a_capitalised_no_into_yes():
    new_text, disabled = _xinetd.disable(read("defaults.conf"), lambda service: service["name"] == "uucp")
    assert "  disable     = yes\n" in new_text and [service["port"] for service in disabled] == [540]


def test_a_block_off_through_its_flags_is_left_alone():
    services = _xinetd.parse(read("defaults.conf"))["services"]
    exec_block = [service for service in services if service["name"] == "exec"][0]
    assert exec_block["attrs"]["flags"] == ["REUSE", "DISABLE"] and not exec_block["enabled"]
    new_text, disabled = _xinetd.disable(read("defaults.conf"), lambda service: service["name"] == "exec")
    assert disabled == [] and new_text == read("defaults.conf")


@pytest.mark.parametrize("ident, enabled", [("echo-dgram", False), ("time-stream", False), ("echo-stream", True)])
def test_the_defaults_disabled_list_switches_services_off_by_id(ident, enabled):
    defaults = _xinetd.parse(read("defaults.conf"))["defaults"]
    assert defaults["attrs"]["disabled"] == ["echo-dgram", "time-stream"]
    service = {"id": ident, "enabled": True}
    assert _xinetd.effective_enabled(service, defaults) is enabled


@pytest.mark.parametrize("ident, enabled", [("telnet", True), ("finger", False)])
def test_a_defaults_enabled_list_switches_off_everything_else(ident, enabled):
    defaults = _xinetd.parse("defaults\n{\n\tenabled = telnet\n}\n")["defaults"]
    assert _xinetd.effective_enabled({"id": ident, "enabled": True}, defaults) is enabled
    assert _xinetd.effective_enabled({"id": ident, "enabled": True}, None) is True


def test_parse_reads_include_directives():
    assert _xinetd.parse(read("defaults.conf"))["includes"] == [("includedir", "/etc/xinetd.d"), ("include", "/etc/xinetd.local")]


def test_disable_keeps_crlf_line_endings():
    text = "service telnet\r\n{\r\n\tserver\t\t= /usr/sbin/telnetd\r\n}\r\n"
    new_text, dummy = _xinetd.disable(text, everything)
    assert new_text == "service telnet\r\n{\r\n\tserver\t\t= /usr/sbin/telnetd\r\n\tdisable\t\t= yes\r\n}\r\n"


@pytest.mark.parametrize("text, where", [
    ("service telnet\n{\n\tserver = /usr/sbin/telnetd\n", "the block that starts on line 1 is never closed"),
    ("service telnet\n\tserver = x\n}\n", "line 2: expected '{'"),
    ("service telnet\n{\n\tthis is not an attribute\n}\n", "line 3: expected 'attribute = value'"),
    ("servce telnet\n{\n}\n", "line 1: expected 'service NAME'"),
    ("service\n{\n}\n", "line 1: expected 'service NAME'"),
])
def test_unreadable_text_is_an_error_naming_file_and_line(text, where):
    with pytest.raises(_xinetd.XinetdError, match="^/etc/xinetd.d/bad.*" + where.replace("(", r"\(").replace("'", "'")):
        _xinetd.parse(text, "/etc/xinetd.d/bad")


def test_config_files_follows_includes_and_skips_dotted_and_backup_names(tmp_path):
    etc = tmp_path / "etc"
    (etc / "xinetd.d").mkdir(parents=True)
    shutil.copy(FIXTURES / "defaults.conf", etc / "xinetd.conf")
    for name in ("telnet", "echo", "telnet.dpkg-dist", "finger~", ".hidden"):
        shutil.copy(FIXTURES / "planted" / ("telnet" if "telnet" in name else "echo"), etc / "xinetd.d" / name)
    (etc / "xinetd.local").write_text("service finger\n{\n\tserver = /usr/sbin/in.fingerd\n}\n")
    assert _xinetd.config_files(str(tmp_path)) == [
        str(etc / "xinetd.conf"), str(etc / "xinetd.d" / "echo"), str(etc / "xinetd.d" / "telnet"), str(etc / "xinetd.local"),
    ]


def test_config_files_is_empty_without_xinetd(tmp_path):
    assert _xinetd.config_files(str(tmp_path)) == []
