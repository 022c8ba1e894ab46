# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Per-backend checks and parsing: what each backend refuses, reads back and runs."""

from __future__ import annotations

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.firewall import _fw_firewalld as firewalld
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall import _fw_iptables as iptables
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall import _fw_nftables as nftables
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall import _fw_ufw as ufw
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_base import FirewallError


class Recorder:
    """A fake ``run``: answers from a table keyed by the command line, records every call."""

    def __init__(self, answers=None):
        self.answers = answers or {}
        self.calls = []

    def __call__(self, argv, data=None):
        self.calls.append(" ".join(argv))
        for prefix, answer in self.answers.items():
            if " ".join(argv).startswith(prefix):
                return answer
        return 0, "", ""


def which(name):
    return "/usr/sbin/" + name


# -- nftables ----------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "table inet portwarden {}\ndelete table inet portwarden\ntable inet portwarden {\n}\n",
    "#!/usr/sbin/nft -f\n# a { in a comment\ntable inet portwarden {\n\tchain input {\n\t\tlog prefix \"a } b\"\n\t}\n}\n",
    "add table inet portwarden; flush table inet portwarden\n",
])
def test_nftables_scope_accepts_our_table_only(text):
    nftables.check_scope(text)


@pytest.mark.parametrize("text, message", [
    ("flush ruleset\n", "line 1: 'flush ruleset'"),
    ("table inet portwarden {\n}\ntable ip filter {\n}\n", "line 3: 'table ip filter'"),
    ("table inet portwarden {\n}\ninclude \"/etc/nftables.conf\"\n", "line 3: 'include'"),
    ("table inet portwarden {\n}}\n", "unbalanced"),
    ("table inet portwarden {\n", "unclosed"),
    ("table portwarden {\n}\n", "'table portwarden'"),
])
def test_nftables_scope_refuses_everything_else(text, message):
    with pytest.raises(FirewallError, match=message.replace("(", r"\(")):
        nftables.check_scope(text)


@pytest.mark.parametrize("text, prefixed", [
    ("table inet portwarden {\n}\n", True),
    ("table inet portwarden {}\ndelete table inet portwarden\ntable inet portwarden {\n}\n", False),
    ("table inet portwarden {\n}", True),
])
def test_nftables_normalise_makes_every_load_a_replacement(text, prefixed):
    result = nftables.normalise(text)
    assert result.startswith(nftables.REPLACE_HEADER)
    assert result.endswith("\n")
    assert (result == nftables.REPLACE_HEADER + text.rstrip("\n") + "\n") is prefixed


@pytest.mark.parametrize("legacy_v4, found", [
    ("", []),
    ("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n", []),
    ("*filter\n:INPUT ACCEPT [0:0]\n:LEFTOVER - [0:0]\nCOMMIT\n", ["ipv4"]),
    ("*filter\n:INPUT DROP [0:0]\nCOMMIT\n", ["ipv4"]),
    ("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n", ["ipv4"]),
])
def test_legacy_rules_are_found(legacy_v4, found):
    run = Recorder({"/usr/sbin/iptables-legacy-save": (0, legacy_v4, ""), "/usr/sbin/ip6tables-legacy-save": (0, "", "")})
    assert nftables.legacy_rules_present(run, which) == found


# -- iptables ----------------------------------------------------------------------------

GOOD_RESTORE = "# comment\n*filter\n:PORTWARDEN-INPUT - [0:0]\n-A PORTWARDEN-INPUT -i lo -j ACCEPT\n-A PORTWARDEN-INPUT -j DROP\nCOMMIT\n"


def test_iptables_scope_accepts_our_chain():
    iptables.check_restore_scope(GOOD_RESTORE, "rules")


@pytest.mark.parametrize("text, message", [
    ("*nat\n:PORTWARDEN-INPUT - [0:0]\nCOMMIT\n", "only the filter table is ours"),
    ("*filter\n:INPUT DROP [0:0]\nCOMMIT\n", "declares a chain that is not ours"),
    ("*filter\n:PORTWARDEN-INPUT ACCEPT [0:0]\nCOMMIT\n", "declares a chain that is not ours"),
    ("*filter\n-A INPUT -j ACCEPT\nCOMMIT\n", "changes something that is not ours"),
    ("*filter\n-F\nCOMMIT\n", "changes something that is not ours"),
    ("-A PORTWARDEN-INPUT -j ACCEPT\n", "outside a '\\*filter' ... COMMIT block"),
])
def test_iptables_scope_refuses_everything_else(text, message):
    with pytest.raises(FirewallError, match=message):
        iptables.check_restore_scope(text, "rules")


def test_iptables_jump_is_appended_in_the_same_commit():
    assert iptables.with_jump(GOOD_RESTORE).splitlines()[-2:] == ["-A INPUT -j PORTWARDEN-INPUT", "COMMIT"]


IPSETS = ("create portwarden-tcp4-0 hash:net family inet maxelem 65536\nflush portwarden-tcp4-0\n"
          "add portwarden-tcp4-0 10.0.0.0/8\nadd portwarden-tcp4-0 192.0.2.0/24\n")


def test_ipsets_are_swapped_in_under_a_temporary_name():
    assert iptables.swap_script(iptables.parse_sets(IPSETS)).splitlines() == [
        "create portwarden-tcp4-0-n hash:net family inet maxelem 65536",
        "flush portwarden-tcp4-0-n",
        "add portwarden-tcp4-0-n 10.0.0.0/8",
        "add portwarden-tcp4-0-n 192.0.2.0/24",
        "create portwarden-tcp4-0 hash:net family inet maxelem 65536",
        "swap portwarden-tcp4-0-n portwarden-tcp4-0",
        "destroy portwarden-tcp4-0-n",
    ]


@pytest.mark.parametrize("text, message", [
    ("create docker-hosts hash:ip\n", "is not ours"),
    ("destroy portwarden-tcp4-0\n", "is not ours"),
    ("add portwarden-tcp4-0 10.0.0.0/8\n", "used before it is created"),
    ("create portwarden-%s hash:net\n" % ("x" * 19), "is not ours"),
])
def test_ipset_content_is_checked(text, message):
    with pytest.raises(FirewallError, match=message):
        iptables.parse_sets(text)


def test_iptables_current_reads_only_our_chain_jump_and_sets():
    save_v4 = ("*filter\n:INPUT ACCEPT [5:300]\n:PORTWARDEN-INPUT - [0:0]\n:f2b-sshd - [0:0]\n"
               "-A INPUT -p tcp -m multiport --dports 22 -j f2b-sshd\n-A INPUT -j PORTWARDEN-INPUT\n"
               "-A PORTWARDEN-INPUT -i lo -j ACCEPT\n-A f2b-sshd -j RETURN\nCOMMIT\n")
    ipset_save = ("create docker-x hash:ip family inet\ncreate portwarden-tcp4-0 hash:net family inet hashsize 1024 "
                  "maxelem 65536 bucketsize 12 initval 0x1234abcd\nadd portwarden-tcp4-0 192.0.2.0/24\n"
                  "add portwarden-tcp4-0 10.0.0.0/8\nadd docker-x 10.9.9.9\n")
    run = Recorder({
        "/usr/sbin/iptables-save -t filter": (0, save_v4, ""),
        "/usr/sbin/ip6tables-save -t filter": (0, "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n", ""),
        "/usr/sbin/ipset save": (0, ipset_save, ""),
    })
    backend = iptables.IptablesBackend(run, which)
    current = backend.current()
    assert current == (
        "# ipv4, jumps from INPUT: 1\n:PORTWARDEN-INPUT - [0:0]\n-A PORTWARDEN-INPUT -i lo -j ACCEPT\n"
        "# ipv6, jumps from INPUT: 0\n"
        "# ipsets\ncreate portwarden-tcp4-0 hash:net family inet hashsize 1024 maxelem 65536\n"
        "add portwarden-tcp4-0 10.0.0.0/8\nadd portwarden-tcp4-0 192.0.2.0/24\n"
    )
    parts = backend.parts_from_current(current)
    assert parts["content"] == "*filter\n:PORTWARDEN-INPUT - [0:0]\n-A PORTWARDEN-INPUT -i lo -j ACCEPT\nCOMMIT\n"
    assert parts["content_ipv6"] == "*filter\nCOMMIT\n"
    assert parse_names(parts["content_ipset"]) == ["portwarden-tcp4-0"]


def parse_names(text):
    return sorted(iptables.parse_sets(text))


def test_iptables_apply_adds_the_jump_only_where_it_is_missing_and_drops_stale_sets():
    save_v4 = "*filter\n:PORTWARDEN-INPUT - [0:0]\n-A INPUT -j PORTWARDEN-INPUT\nCOMMIT\n"
    run = Recorder({
        "/usr/sbin/iptables-save -t filter": (0, save_v4, ""),
        "/usr/sbin/ip6tables-save -t filter": (0, "*filter\nCOMMIT\n", ""),
        "/usr/sbin/ipset save": (0, "create portwarden-udp4-0 hash:net family inet\n", ""),
    })
    loaded = {}

    def recording_run(argv, data=None):
        if argv[0].endswith("-restore") and argv[1] == "--noflush":
            with open(argv[2], encoding="utf-8") as handle:
                loaded[argv[0]] = handle.read()
        if argv[1:3] == ["-exist", "restore"]:
            loaded["ipset"] = data
        return run(argv, data)

    backend = iptables.IptablesBackend(recording_run, which)
    backend.apply({"content": GOOD_RESTORE, "content_ipv6": GOOD_RESTORE, "content_ipset": IPSETS})
    assert "-A INPUT -j PORTWARDEN-INPUT" not in loaded["/usr/sbin/iptables-restore"]
    assert "-A INPUT -j PORTWARDEN-INPUT" in loaded["/usr/sbin/ip6tables-restore"]
    assert "swap portwarden-tcp4-0-n portwarden-tcp4-0" in loaded["ipset"]
    assert run.calls[-1] == "/usr/sbin/ipset destroy portwarden-udp4-0"


FORWARD_RESTORE = ("*filter\n:PORTWARDEN-INPUT - [0:0]\n:PORTWARDEN-FORWARD - [0:0]\n-A PORTWARDEN-INPUT -j DROP\n"
                   "-A PORTWARDEN-FORWARD -j DROP\nCOMMIT\n")


@pytest.mark.parametrize("save, docker_user, parts, expected", [
    # Forward filtering on, DOCKER-USER absent (Docker not started yet): created, jump inserted first.
    ("*filter\n-A INPUT -j PORTWARDEN-INPUT\nCOMMIT\n", 1, FORWARD_RESTORE,
     ["-w -N DOCKER-USER", "-w -I DOCKER-USER 1 -j PORTWARDEN-FORWARD"]),
    # Docker's chain is there: only the jump, at its top.
    ("*filter\n-A INPUT -j PORTWARDEN-INPUT\n-A DOCKER-USER -j RETURN\nCOMMIT\n", 0, FORWARD_RESTORE,
     ["-w -I DOCKER-USER 1 -j PORTWARDEN-FORWARD"]),
    # Already in place: nothing to do.
    ("*filter\n:PORTWARDEN-FORWARD - [0:0]\n-A INPUT -j PORTWARDEN-INPUT\n-A DOCKER-USER -j PORTWARDEN-FORWARD\n"
     "-A PORTWARDEN-FORWARD -j DROP\nCOMMIT\n", 0, FORWARD_RESTORE, []),
    # Turned off: the jump and the chain go; DOCKER-USER stays.
    ("*filter\n:PORTWARDEN-FORWARD - [0:0]\n-A INPUT -j PORTWARDEN-INPUT\n-A DOCKER-USER -j PORTWARDEN-FORWARD\n"
     "-A PORTWARDEN-FORWARD -j DROP\nCOMMIT\n", 0, GOOD_RESTORE,
     ["-w -D DOCKER-USER -j PORTWARDEN-FORWARD", "-w -F PORTWARDEN-FORWARD", "-w -X PORTWARDEN-FORWARD"]),
    # Off and never on: nothing about DOCKER-USER at all.
    ("*filter\n-A INPUT -j PORTWARDEN-INPUT\nCOMMIT\n", 1, GOOD_RESTORE, []),
])
def test_iptables_forward_chain_is_jumped_to_from_docker_user(save, docker_user, parts, expected):
    run = Recorder({
        "/usr/sbin/iptables-save -t filter": (0, save, ""),
        "/usr/sbin/ip6tables-save -t filter": (0, save, ""),
        "/usr/sbin/iptables -w -n -L DOCKER-USER": (docker_user, "", ""),
        "/usr/sbin/ip6tables -w -n -L DOCKER-USER": (docker_user, "", ""),
    })
    iptables.IptablesBackend(run, which).apply({"content": parts, "content_ipv6": parts})
    changes = [call.split(" ", 1)[1] for call in run.calls
               if call.startswith("/usr/sbin/iptables ") and " -L " not in call]
    assert changes == expected


def test_iptables_current_counts_the_docker_user_jump():
    save = ("*filter\n:PORTWARDEN-FORWARD - [0:0]\n:PORTWARDEN-INPUT - [0:0]\n-A INPUT -j PORTWARDEN-INPUT\n"
            "-A DOCKER-USER -j PORTWARDEN-FORWARD\nCOMMIT\n")
    run = Recorder({"/usr/sbin/iptables-save -t filter": (0, save, ""),
                    "/usr/sbin/ip6tables-save -t filter": (0, save.replace("-A DOCKER-USER -j PORTWARDEN-FORWARD\n", ""), "")})
    current = iptables.IptablesBackend(run, which).current()
    assert current.splitlines()[0] == "# ipv4, jumps from INPUT: 1, from DOCKER-USER: 1"
    assert "# ipv6, jumps from INPUT: 1, from DOCKER-USER: 0" in current


def test_iptables_warns_about_an_accept_everything_rule_before_its_jump():
    save = "*filter\n-A INPUT -j ACCEPT\n-A INPUT -j PORTWARDEN-INPUT\nCOMMIT\n"
    run = Recorder({"/usr/sbin/iptables --version": (0, "iptables v1.8.9 (legacy)", ""),
                    "/usr/sbin/iptables-save -t filter": (0, save, ""),
                    "/usr/sbin/ip6tables-save -t filter": (0, "*filter\nCOMMIT\n", "")})
    [warning] = iptables.IptablesBackend(run, which).facts()["warnings"]
    assert "accepts everything before portwarden's PORTWARDEN-INPUT chain" in warning
    assert "ipv4: -A INPUT -j ACCEPT" in warning


# -- ufw ---------------------------------------------------------------------------------

UFW_CONTENT = """# comment
default deny incoming
logging low
allow 22,8000:8100/tcp comment 'portwarden'
allow from 192.0.2.0/24 to any port 5432 proto tcp comment 'portwarden'
"""


def test_ufw_content_is_parsed_into_rules():
    wanted = ufw.parse_content(UFW_CONTENT)
    assert wanted["default"] == "deny" and wanted["logging"] == "low" and wanted["enabled"] == "yes"
    assert wanted["rules"] == {("tcp", ((22, 22), (8000, 8100)), None), ("tcp", ((5432, 5432),), "192.0.2.0/24")}


@pytest.mark.parametrize("content, message", [
    ("allow 22/tcp comment 'portwarden'\n", "no 'default deny|reject|allow incoming' line"),
    ("default deny incoming\nallow 99999/tcp comment 'portwarden'\n", "'99999' is not a port"),
    ("default deny incoming\nallow 30:20/tcp comment 'portwarden'\n", "'30:20' is not a port"),
    ("default deny incoming\nallow 22/tcp\n", "must carry comment 'portwarden'"),
    ("default deny incoming\ndeny 22/tcp comment 'portwarden'\n", "is not one of"),
    ("default deny incoming\nallow from 10.0.0.300 to any port 22 proto tcp comment 'portwarden'\n", "not an IPv4 or IPv6"),
    ("default deny incoming\nallow %s/tcp comment 'portwarden'\n" % ",".join(str(p) for p in range(1, 17)),
     "more than 15 ports"),
])
def test_ufw_content_errors_name_the_line(content, message):
    with pytest.raises(FirewallError, match=message):
        ufw.parse_content(content)


SHOW_ADDED = """Added user rules (see 'ufw status' for running firewall):
ufw allow 22/tcp
ufw allow 22,8000:8100/tcp comment 'portwarden'
ufw allow from 198.51.100.1 to any port 5432 proto tcp comment 'portwarden'
ufw allow from 10.0.0.0/8 port 1 to any port 22 proto tcp comment 'portwarden'
"""


@pytest.fixture
def ufw_host(tmp_path, monkeypatch):
    conf = tmp_path / "ufw.conf"
    defaults = tmp_path / "ufw"
    conf.write_text("ENABLED=no\nLOGLEVEL=low\n")
    defaults.write_text('IPV6=yes\nDEFAULT_INPUT_POLICY="DROP"\n')
    monkeypatch.setattr(ufw, "UFW_CONF", str(conf))
    monkeypatch.setattr(ufw, "UFW_DEFAULTS", str(defaults))
    return Recorder({"/usr/sbin/ufw show added": (0, SHOW_ADDED, "")})


def test_ufw_current_reads_only_rules_with_our_comment(ufw_host):
    current = ufw.UfwBackend(ufw_host, which).current()
    assert current == (
        "default deny incoming\nlogging low\nenabled no\n"
        "allow 22,8000:8100/tcp comment 'portwarden'\n"
        "allow from 198.51.100.1/32 to any port 5432 proto tcp comment 'portwarden'\n"
        "# unknown rule of ours: allow from 10.0.0.0/8 port 1 to any port 22 proto tcp comment 'portwarden'\n"
    )


def test_ufw_apply_adds_before_it_deletes_and_enables_last(ufw_host):
    ufw.UfwBackend(ufw_host, which).apply({"content": UFW_CONTENT})
    changes = [call for call in ufw_host.calls if call != "/usr/sbin/ufw show added"]
    assert changes[0] == "/usr/sbin/ufw allow from 192.0.2.0/24 to any port 5432 proto tcp comment portwarden"
    assert sorted(changes[1:3]) == [
        "/usr/sbin/ufw delete allow from 10.0.0.0/8 port 1 to any port 22 proto tcp comment portwarden",
        "/usr/sbin/ufw delete allow from 198.51.100.1 to any port 5432 proto tcp comment portwarden",
    ]
    assert changes[3:] == ["/usr/sbin/ufw --force enable"]


def test_ufw_in_sync_when_the_live_rules_match(ufw_host, tmp_path):
    (tmp_path / "ufw.conf").write_text("ENABLED=yes\nLOGLEVEL=low\n")
    ufw_host.answers["/usr/sbin/ufw show added"] = (0, "ufw allow 22,8000:8100/tcp comment 'portwarden'\n"
                                                       "ufw allow from 192.0.2.0/24 to any port 5432 proto tcp comment 'portwarden'\n", "")
    backend = ufw.UfwBackend(ufw_host, which)
    parts = {"content": UFW_CONTENT}
    assert backend.matches(parts, backend.current())
    assert not backend.matches({"content": UFW_CONTENT.replace("logging low", "logging off")}, backend.current())


# -- firewalld ---------------------------------------------------------------------------

ZONE = """<?xml version="1.0" encoding="utf-8"?>
<!-- a comment -->
<zone target="DROP">
  <short>portwarden</short>
  <port protocol="tcp" port="8080"/>
  <port protocol="tcp" port="9000-9001"/>
  <icmp-block-inversion/>
  <icmp-block name="echo-request"/>
  <icmp-block name="packet-too-big"/>
  <rule family="ipv4">
    <source address="10.0.0.0/8"/>
    <port protocol="tcp" port="5432"/>
    <accept/>
  </rule>
</zone>
"""
SETTINGS = {
    "target": "DROP",
    "icmp_block_inversion": True,
    "interfaces": set(),
    "services": set(),
    "ports": {"8080/tcp", "9000-9001/tcp"},
    "icmp_blocks": {"echo-request", "packet-too-big"},
    "rich_rules": {'rule family="ipv4" source address="10.0.0.0/8" port port="5432" protocol="tcp" accept'},
}
# What firewall-cmd --info-zone prints for it (lists in firewalld's own order).
INFO = "\n".join([
    "portwarden (active)",
    "  target: DROP",
    "  icmp-block-inversion: yes",
    "  interfaces: ",
    "  sources: ",
    "  services: ",
    "  ports: 9000-9001/tcp 8080/tcp",
    "  protocols: ",
    "  forward: no",
    "  masquerade: no",
    "  forward-ports: ",
    "  source-ports: ",
    "  icmp-blocks: packet-too-big echo-request",
    "  rich rules: ",
    '\trule family="ipv4" source address="10.0.0.0/8" port port="5432" protocol="tcp" accept',
]) + "\n"


def test_firewalld_zone_xml_and_info_zone_read_the_same():
    assert firewalld.zone_settings(ZONE) == SETTINGS
    # firewalld writes <forward/> into the zones it saves; it is firewalld's to decide.
    assert firewalld.zone_settings(ZONE.replace("</zone>", "<forward/></zone>")) == SETTINGS
    assert firewalld.info_settings(INFO) == SETTINGS


def test_firewalld_settings_written_back_as_xml_read_the_same():
    assert firewalld.zone_settings(firewalld.settings_xml(SETTINGS, "portwarden")) == SETTINGS


@pytest.mark.parametrize("content, message", [
    ("<zone><port", "not well-formed"),
    ("<service/>", "must be a <zone> document"),
    ("<zone><masquerade/></zone>", "<masquerade> is not supported"),
    ("<zone><rule><source address=\"10.0.0.0/8\"/><log prefix=\"x\"/><accept/></rule></zone>", "<log> in a rich rule is not supported"),
    ("<zone><rule><source address=\"10.0.0.0/8\"/></rule></zone>", "needs an action"),
])
def test_firewalld_validate_refuses_what_it_cannot_apply(content, message):
    backend = firewalld.FirewalldBackend(Recorder(), which)
    with pytest.raises(FirewallError, match=message):
        backend.validate({"content": content})


def test_firewalld_validate_passes_firewalld_s_complaint_on():
    run = Recorder({"/usr/sbin/firewall-offline-cmd": (102, "", "Configuration error: INVALID_PORT: port number in '99999' is too big\n")})
    backend = firewalld.FirewalldBackend(run, which)
    with pytest.raises(FirewallError, match="INVALID_PORT: port number in '99999' is too big"):
        backend.validate({"content": "<zone><port protocol=\"tcp\" port=\"99999\"/></zone>"})
    assert "--check-config" in run.calls[0]


def firewalld_host(permanent, runtime, default="portwarden"):
    return Recorder({
        "/usr/sbin/firewall-cmd --state": (0, "running\n", ""),
        "/usr/sbin/firewall-cmd --permanent --info-zone=portwarden": (0, permanent, "") if permanent else (112, "", "INVALID_ZONE"),
        "/usr/sbin/firewall-cmd --info-zone=portwarden": (0, runtime, "") if runtime else (112, "", "INVALID_ZONE"),
        "/usr/sbin/firewall-cmd --get-default-zone": (0, default + "\n", ""),
    })


def changes(run):
    return [call.replace("/usr/sbin/firewall-cmd ", "") for call in run.calls
            if "--info-zone" not in call and not call.endswith(("--state", "--get-default-zone"))]


def test_firewalld_changes_a_known_zone_in_place_additions_first_and_without_a_reload():
    old = INFO.replace("8080/tcp", "8443/tcp").replace("icmp-block-inversion: yes", "icmp-block-inversion: no")
    run = firewalld_host(old, old)
    firewalld.FirewalldBackend(run, which).apply({"content": ZONE})
    assert changes(run) == [
        "--permanent --zone=portwarden --add-port=8080/tcp",
        "--permanent --zone=portwarden --add-icmp-block-inversion",
        "--permanent --zone=portwarden --remove-port=8443/tcp",
        "--zone=portwarden --add-port=8080/tcp",
        "--zone=portwarden --add-icmp-block-inversion",
        "--zone=portwarden --remove-port=8443/tcp",
    ]


def test_firewalld_adds_a_new_zone_from_the_file_and_reloads_once(tmp_path, monkeypatch):
    monkeypatch.setattr(firewalld, "CONFIG_DIR", str(tmp_path))
    run = firewalld_host(None, None, default="public")
    firewalld.FirewalldBackend(run, which).apply({"content": ZONE})
    made = changes(run)
    assert made[0].startswith("--permanent --new-zone-from-file=") and made[0].endswith("/portwarden.xml --name=portwarden")
    assert made[1:] == ["--reload", "--set-default-zone=portwarden"]


def test_firewalld_reloads_for_a_new_target_only():
    run = firewalld_host(INFO.replace("target: DROP", "target: ACCEPT"), INFO.replace("target: DROP", "target: ACCEPT"))
    firewalld.FirewalldBackend(run, which).apply({"content": ZONE})
    assert changes(run) == ["--permanent --zone=portwarden --set-target=DROP", "--reload"]


def test_firewalld_in_sync_needs_runtime_permanent_and_default_zone():
    backend = firewalld.FirewalldBackend(firewalld_host(INFO, INFO), which)
    assert backend.matches({"content": ZONE}, None)
    backend = firewalld.FirewalldBackend(firewalld_host(INFO, INFO.replace("8080/tcp", "")), which)
    assert not backend.matches({"content": ZONE}, None)
    backend = firewalld.FirewalldBackend(firewalld_host(INFO, INFO, default="public"), which)
    assert not backend.matches({"content": ZONE}, None)


@pytest.mark.parametrize("zone", ["a" * 18, "bad zone", "../etc"])
def test_firewalld_zone_name_is_checked(zone):
    with pytest.raises(FirewallError, match="zone name"):
        firewalld.FirewalldBackend(Recorder(), which, options={"zone": zone})


def test_firewalld_snapshot_of_a_zone_changed_behind_our_back_is_zone_xml():
    changed = INFO.replace("8080/tcp", "8080/tcp 2222/tcp")
    backend = firewalld.FirewalldBackend(firewalld_host(changed, changed), which)
    current = backend.current()
    restored = firewalld.zone_settings(backend.parts_from_current(current)["content"])
    assert restored == dict(SETTINGS, ports={"8080/tcp", "2222/tcp", "9000-9001/tcp"})
