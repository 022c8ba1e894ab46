# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The inetd.conf editor on files as Debian ships them (tests/unit/fixtures/legacy/inetd/)."""

from __future__ import annotations

import pathlib

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.legacy import _inetd

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "legacy" / "inetd"
ALL_FIXTURES = sorted(path.name for path in FIXTURES.glob("*.conf"))
LEGACY = {"telnet", "shell", "login", "exec", "talk", "ntalk", "finger", "echo", "chargen", "daytime", "tftp", "ftp",
          "rstatd", "rusersd", "walld", "uucp", "2323"}


def read(name: str) -> str:
    return (FIXTURES / name).read_bytes().decode("utf-8")


def summary(entries):
    return [(entry["service"], entry["line"], entry["state"]) for entry in entries]


@pytest.mark.parametrize("name, expected", [
    ("openbsd-inetd-bookworm.conf", [
        ("telnet", 25, "off"), ("shell", 28, "enabled"), ("login", 29, "enabled"), ("exec", 30, "enabled"),
        ("talk", 31, "enabled"), ("ntalk", 32, "enabled"), ("finger", 37, "enabled"),
    ]),
    ("openbsd-inetd-planted.conf", [
        ("echo", 17, "enabled"), ("chargen", 22, "enabled"), ("telnet", 25, "enabled"), ("shell", 28, "enabled"),
        ("login", 29, "enabled"), ("exec", 30, "enabled"), ("talk", 31, "enabled"), ("ntalk", 32, "enabled"),
        ("finger", 37, "enabled"), ("daytime", 48, "enabled"),
    ]),
    ("openbsd-inetd-rpc-uucp.conf", [
        ("uucp", 29, "off"), ("rusersd", 37, "enabled"), ("walld", 38, "enabled"), ("rstatd", 39, "enabled"),
    ]),
    ("inetutils-inetd.conf", [("telnet", 23, "off")]),
    ("odd-spacing.conf", [
        ("telnet", 6, "enabled"), ("ftp", 8, "enabled"), ("2323", 9, "enabled"), ("shell", 10, "off"),
        ("login", 11, "portwarden-off"), ("exec", 12, "enabled"), ("tftp", 14, "enabled"), ("rstatd", 16, "enabled"),
        ("smtp", 17, "enabled"), ("chargen", 18, "enabled"),
    ]),
])
def test_parse_finds_entries_and_their_state_but_not_plain_comments(name, expected):
    assert summary(_inetd.parse(read(name), name)) == expected


@pytest.mark.parametrize("line, fields", [
    ("telnet\tstream\ttcp\tnowait\troot\t/usr/sbin/tcpd\t/usr/sbin/telnetd",
     {"service": "telnet", "proto": "tcp", "family": "both", "program": "telnetd", "port": None, "hosts": None}),
    ("   telnet   stream   tcp6 nowait  root /usr/sbin/tcpd  /usr/sbin/telnetd",
     {"service": "telnet", "proto": "tcp", "family": "ipv6", "program": "telnetd"}),
    ("chargen dgram udp4 wait root internal   ", {"service": "chargen", "proto": "udp", "family": "ipv4", "program": "internal"}),
    ("tftp  dgram  udp6,rcvbuf=64k  wait  root  /usr/sbin/in.tftpd  in.tftpd -s /srv/tftp",
     {"service": "tftp", "proto": "udp", "family": "ipv6", "program": "in.tftpd", "protocol": "udp6,rcvbuf=64k"}),
    ("192.0.2.1,127.0.0.1:ftp stream tcp nowait root /usr/sbin/tcpd /usr/sbin/in.ftpd -l",
     {"service": "ftp", "hosts": "192.0.2.1,127.0.0.1", "program": "in.ftpd"}),
    ("[::1]:telnet stream tcp46 nowait root /usr/sbin/telnetd telnetd", {"service": "telnet", "hosts": "[::1]", "family": "both"}),
    ("2323\tstream\ttcp\tnowait\troot\t/usr/sbin/tcpd\t/usr/sbin/in.telnetd", {"service": "2323", "port": 2323, "program": "in.telnetd"}),
    ("rstatd/1-5\tdgram\trpc/udp\twait\tnobody\t/usr/sbin/tcpd\t/usr/sbin/rpc.rstatd",
     {"service": "rstatd", "version": "1-5", "rpc": True, "proto": "udp", "program": "rpc.rstatd"}),
    ("talk\t\tdgram\tudp\twait\tnobody.tty\t/usr/sbin/in.talkd\tin.talkd", {"service": "talk", "user": "nobody.tty", "program": "in.talkd"}),
])
def test_parse_fields_reads_each_field_form(line, fields):
    parsed = _inetd.parse_fields(line)
    for key, value in fields.items():
        assert parsed[key] == value, key


@pytest.mark.parametrize("line", [
    "", "# telnet stream tcp nowait root /usr/sbin/telnetd", "127.0.0.1:", "telnet stream tcp nowait root",
    "telnet banana tcp nowait root /usr/sbin/telnetd", "*:",
])
def test_parse_fields_rejects_what_is_not_an_entry(line):
    assert _inetd.parse_fields(line) is None


def disable_catalogued(text):
    return _inetd.disable(text, lambda entry: entry["service"] in LEGACY)


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_disable_only_prefixes_the_marker_and_keeps_every_other_byte(name):
    text = read(name)
    new_text, disabled = disable_catalogued(text)
    old_lines, new_lines = text.splitlines(True), new_text.splitlines(True)
    assert len(old_lines) == len(new_lines)
    touched = set()
    for entry in disabled:
        touched.update(range(entry["line"] - 1, entry["line"] - 1 + entry["lines"]))
    for index, (old, new) in enumerate(zip(old_lines, new_lines)):
        if index in touched:
            assert new == _inetd.MARKER + old
        else:
            assert new == old
    assert new_text.replace(_inetd.MARKER, "") == text.replace(_inetd.MARKER, "")


@pytest.mark.parametrize("name, services", [
    ("openbsd-inetd-bookworm.conf", ["shell", "login", "exec", "talk", "ntalk", "finger"]),
    ("openbsd-inetd-planted.conf", ["echo", "chargen", "telnet", "shell", "login", "exec", "talk", "ntalk", "finger", "daytime"]),
    ("openbsd-inetd-rpc-uucp.conf", ["rusersd", "walld", "rstatd"]),
    ("inetutils-inetd.conf", []),
    ("odd-spacing.conf", ["telnet", "ftp", "2323", "exec", "tftp", "rstatd", "chargen"]),
])
def test_disable_comments_out_enabled_entries_only_and_a_second_pass_changes_nothing(name, services):
    new_text, disabled = disable_catalogued(read(name))
    assert [entry["service"] for entry in disabled] == services
    again, disabled_again = disable_catalogued(new_text)
    assert again == new_text and disabled_again == []
    states = dict((entry["line"], entry["state"]) for entry in _inetd.parse(new_text))
    for entry in disabled:
        assert states[entry["line"]] == "portwarden-off"


def test_disable_leaves_update_inetd_lines_for_update_inetd():
    text = read("openbsd-inetd-rpc-uucp.conf")
    new_text, disabled = disable_catalogued(text)
    assert "#<off>#uucp\t\tstream" in new_text
    assert "uucp" not in [entry["service"] for entry in disabled]


def test_disable_marks_continuation_lines_too():
    text = read("odd-spacing.conf")
    new_text, dummy = _inetd.disable(text, lambda entry: entry["service"] == "exec")
    assert _inetd.MARKER + "exec stream tcp nowait.400 root /usr/sbin/tcpd /usr/sbin/in.rexecd\n" + _inetd.MARKER + "\t-l -L\n" in new_text
    [entry] = [entry for entry in _inetd.parse(new_text) if entry["service"] == "exec"]
    assert entry["state"] == "portwarden-off" and entry["lines"] == 2


def test_disable_keeps_the_entry_after_a_disabled_one_intact():
    text = "exec stream tcp nowait root /usr/sbin/in.rexecd\n\t-l\nfinger stream tcp nowait nobody /usr/sbin/in.fingerd\n"
    new_text, dummy = _inetd.disable(text, lambda entry: entry["service"] == "exec")
    assert new_text.endswith("\nfinger stream tcp nowait nobody /usr/sbin/in.fingerd\n")
    assert [entry["state"] for entry in _inetd.parse(new_text)] == ["portwarden-off", "enabled"]


@pytest.mark.parametrize("ending", ["\r\n", "\n", ""])
def test_disable_keeps_line_endings(ending):
    text = "# comment" + ending + "telnet stream tcp nowait root /usr/sbin/telnetd" + ending
    if not ending:
        text = "telnet stream tcp nowait root /usr/sbin/telnetd"
    new_text, disabled = _inetd.disable(text, lambda entry: True)
    assert len(disabled) == 1
    assert new_text == text.replace("telnet stream", _inetd.MARKER + "telnet stream")


def test_config_files_reads_inetd_conf_then_inetd_d_in_order(tmp_path):
    (tmp_path / "etc" / "inetd.d").mkdir(parents=True)
    (tmp_path / "etc" / "inetd.conf").write_text(read("inetutils-inetd.conf"))
    for name in ("telnet", "echo", ".portwarden-abc123"):
        (tmp_path / "etc" / "inetd.d" / name).write_text("telnet stream tcp nowait root /usr/sbin/telnetd\n")
    (tmp_path / "etc" / "inetd.d" / "subdir").mkdir()
    assert _inetd.config_files(str(tmp_path)) == [
        str(tmp_path / "etc" / "inetd.conf"),
        str(tmp_path / "etc" / "inetd.d" / "echo"),
        str(tmp_path / "etc" / "inetd.d" / "telnet"),
    ]


def test_config_files_is_empty_without_inetd(tmp_path):
    assert _inetd.config_files(str(tmp_path)) == []
