# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The firewall_ruleset action: from the allowlist to the rendered nftables ruleset, on the controller.

Rendered with a real Templar over the role's defaults and the role's own nftables template.
The collection's filters (``portwarden.hardening.nft_elements`` ...) are found by
ansible-core's collection loader when ansible-playbook runs; pytest imports the collection
as a plain package, so the filter loader is handed the collection's FilterModule functions
for those names (``collection_filters``). Everything else is ansible-core's own templating.
"""

from __future__ import annotations

import pathlib
from types import SimpleNamespace

import pytest
import yaml
from ansible.errors import AnsibleActionFail
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import filter_loader
from ansible.template import Templar, trust_as_template

from ansible_collections.portwarden.hardening.plugins.action.firewall_ruleset import ActionModule
from ansible_collections.portwarden.hardening.plugins.filter import firewall as firewall_filters
from ansible_collections.portwarden.hardening.plugins.filter import ports as ports_filters
from ansible_collections.portwarden.hardening.plugins.module_utils.allowlist._allowlist import parse_allowlist
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall import _fw_rules
from ansible_collections.portwarden.hardening.plugins.modules import firewall_ruleset as firewall_ruleset_doc

ROOT = pathlib.Path(__file__).resolve().parents[4]
TEMPLATES = ROOT / "roles" / "firewall" / "templates"
DEFAULTS = yaml.safe_load((ROOT / "roles" / "firewall" / "defaults" / "main.yml").read_text())
NFT = {"part": "content", "src": "etc/nftables.d/portwarden.nft.j2", "family": None}
ALLOWLIST = [{"port": 22}, {"port": "8000-8010", "comment": "apis"}, {"port": 443, "sources": ["10.0.0.0/8"]},
             {"port": 53, "proto": "udp"}]
REMOVAL = [{"port": 8005, "state": "absent"}]


@pytest.fixture(autouse=True)
def collection_filters(monkeypatch):
    """The collection's filters under their FQCNs, as the collection loader would find them."""
    ours = {}
    for module in (firewall_filters, ports_filters):
        for name, function in module.FilterModule().filters().items():
            ours["portwarden.hardening." + name] = function
    original = filter_loader.get

    def get(name, *args, **kwargs):
        if name in ours:
            return filter_loader._wrap_func(name, name, ours[name])  # pylint: disable=protected-access
        return original(name, *args, **kwargs)

    monkeypatch.setattr(filter_loader, "get", get)


class FakeConnection:
    def __init__(self):
        self._shell = SimpleNamespace(tmpdir=None)


def make_plugin(args, task_vars, templates_dir=TEMPLATES):
    task = SimpleNamespace(args=dict(args), check_mode=False, async_val=0,
                           action="portwarden.hardening.firewall_ruleset", environment=None)
    loader = DataLoader()
    templar = Templar(loader=loader, variables=task_vars)
    plugin = ActionModule(task, FakeConnection(), SimpleNamespace(check_mode=False), loader=loader, templar=templar,
                          shared_loader_obj=None)
    needles = []

    def find_needle(dirname, needle):
        needles.append((dirname, needle))
        return str(pathlib.Path(templates_dir) / needle)

    plugin._find_needle = find_needle  # pylint: disable=protected-access
    return plugin, needles


def host_vars(**variables):
    task_vars = dict(DEFAULTS, inventory_hostname="web1")
    task_vars.update(variables)
    return task_vars


def run(args=None, **variables):
    args = dict({"templates": [NFT]}, **(args or {}))
    task_vars = host_vars(**variables)
    plugin, needles = make_plugin(args, task_vars)
    return plugin.run(task_vars=task_vars), needles


def elements(content, set_name):
    """The elements of one set in the rendered nftables text."""
    block = content.split("\tset %s {" % set_name, 1)[1].split("\n\t}", 1)[0]
    if "elements = {" not in block:
        return []
    inside = block.split("elements = {", 1)[1].split("}", 1)[0]
    return [item.strip() for item in inside.split(",") if item.strip()]


def test_the_allowlist_variables_are_composed_and_rendered():
    result, needles = run(portwarden_allowlist=ALLOWLIST, portwarden_allowlist__x=REMOVAL)
    content = result["rendered"]["content"]
    assert needles == [("templates", NFT["src"])]
    assert list(result["rendered"]) == ["content"]
    assert elements(content, "tcp_ports") == ["22", "8000-8004", "8006-8010"]
    assert elements(content, "tcp_sources_ipv4") == ["10.0.0.0/8 . 443"]
    assert elements(content, "tcp_sources_ipv6") == []
    assert elements(content, "udp_ports") == ["53"]
    assert "(entries: 5)" in content
    assert "#   8000-8004/tcp (apis)" in content
    assert "table inet portwarden {" in content
    # The role's defaults reach the template: policy drop, ping allowed, no forward chain.
    assert "policy drop;" in content
    assert "icmp type echo-request accept" in content
    assert "chain forward" not in content
    assert result["entry_count"] == 5
    assert result["empty"] is False
    assert result["kept"] == []
    assert result["warnings"] == []
    assert result["changed"] is False
    assert not result.get("failed")


# Both families, ranges, UDP, sources split by an open range, and the management connection.
VIEWED = ALLOWLIST + [{"port": "5000-5100", "sources": ["192.0.2.0/24", "2001:db8::/32"]}, {"port": 5050},
                      {"port": "60000-60010", "proto": "udp", "sources": ["198.51.100.7"]}]
SESSION = {"session": {"client_address": "203.0.113.9", "server_port": 2222}, "sshd_ports": [2222]}


def test_the_nftables_view_renders_the_same_text_as_the_filters():
    plain, _needles = run({"management": SESSION}, portwarden_allowlist=VIEWED, portwarden_firewall_forward=True)
    viewed, _needles = run({"management": SESSION, "templates": [dict(NFT, view="nftables")]}, portwarden_allowlist=VIEWED,
                           portwarden_firewall_forward=True)
    content = viewed["rendered"]["content"]
    assert content == plain["rendered"]["content"]
    assert elements(content, "tcp_sources_ipv6") == ["2001:db8::/32 . 5000-5049", "2001:db8::/32 . 5051-5100"]
    assert elements(content, "udp_sources_ipv4") == ["198.51.100.7/32 . 60000-60010"]
    assert "203.0.113.9/32 . 2222" in elements(content, "tcp_sources_ipv4")


def test_a_template_with_a_view_takes_the_elements_from_it(monkeypatch):
    view = {proto: {"ports": ["7%s" % proto], "sources": {"ipv4": ["v4%s" % proto], "ipv6": []}} for proto in ("tcp", "udp")}
    calls = []
    monkeypatch.setitem(_fw_rules.VIEWS, "nftables", lambda model: calls.append(model) or view)
    result, _needles = run({"templates": [dict(NFT, view="nftables"), dict(NFT, part="again", view="nftables")]},
                           portwarden_allowlist=ALLOWLIST)
    assert elements(result["rendered"]["content"], "tcp_ports") == ["7tcp"]
    assert elements(result["rendered"]["again"], "udp_sources_ipv4") == ["v4udp"]
    assert len(calls) == 1  # one view per run, whichever templates share it
    # A template without a view is left to the filters.
    result, _needles = run(portwarden_allowlist=ALLOWLIST)
    assert elements(result["rendered"]["content"], "tcp_ports") == ["22", "8000-8010"]


def test_the_documented_views_are_the_ones_there_are():
    options = yaml.safe_load(firewall_ruleset_doc.DOCUMENTATION)["options"]
    assert options["templates"]["suboptions"]["view"]["choices"] == sorted(_fw_rules.VIEWS)


def test_the_hosts_settings_change_the_rendering():
    result, _needles = run(portwarden_allowlist=[{"port": 22}], portwarden_firewall_allow_ping=False,
                           portwarden_firewall_default_policy="reject", portwarden_firewall_forward=True)
    content = result["rendered"]["content"]
    assert "echo-request" not in content
    assert "meta l4proto tcp reject with tcp reset" in content
    assert "chain forward_published {" in content


def test_an_allowlist_variable_holding_a_template_is_templated():
    result, _needles = run(portwarden_allowlist=[{"port": 22}],
                           portwarden_allowlist__web=[{"port": trust_as_template("{{ web_port }}")}], web_port=8443)
    assert elements(result["rendered"]["content"], "tcp_ports") == ["22", "8443"]
    assert result["entry_count"] == 2


def test_an_allowlist_that_allows_nothing_is_refused():
    removals = [{"port": "1-65535", "state": "absent"}, {"port": "1-65535", "proto": "udp", "state": "absent"}]
    with pytest.raises(AnsibleActionFail) as caught:
        run(portwarden_allowlist=ALLOWLIST, portwarden_allowlist__x=removals)
    message = str(caught.value)
    assert "portwarden_allowlist allows nothing" in message
    assert "close every port on web1" in message
    assert "portwarden_firewall_allow_empty: true" in message


def test_an_empty_allowlist_is_rendered_when_allowed():
    removals = [{"port": "1-65535", "state": "absent"}, {"port": "1-65535", "proto": "udp", "state": "absent"}]
    result, _needles = run({"allow_empty": True}, portwarden_allowlist=ALLOWLIST, portwarden_allowlist__x=removals)
    content = result["rendered"]["content"]
    assert result["empty"] is True
    assert result["entry_count"] == 0
    for name in ("tcp_ports", "udp_ports", "tcp_sources_ipv4", "tcp_sources_ipv6"):
        assert elements(content, name) == []
    assert "policy drop;" in content


def test_an_empty_allowlist_with_the_management_connection_kept_is_not_empty():
    # The role refused an empty model only after the management connection joined it.
    management = {"session": {"client_address": "192.0.2.7", "server_port": 22}}
    result, _needles = run({"management": management}, portwarden_allowlist=[{"port": 22, "state": "absent"}])
    assert result["empty"] is False
    assert result["entry_count"] == 1
    assert elements(result["rendered"]["content"], "tcp_sources_ipv4") == ["192.0.2.7/32 . 22"]
    assert elements(result["rendered"]["content"], "tcp_ports") == []


def test_an_empty_list_is_refused_too():
    with pytest.raises(AnsibleActionFail, match="allows nothing"):
        run(portwarden_allowlist=[])


def test_management_keeps_the_sessions_port_open_to_the_controller():
    management = {"session": {"client_address": "192.0.2.7", "server_port": 2222, "client_port": 40000,
                              "server_address": "192.0.2.1", "source": "SSH_CONNECTION"},
                  "sshd_ports": [], "connection_port": None, "remote": True}
    result, _needles = run({"management": management}, portwarden_allowlist=ALLOWLIST, portwarden_allowlist__x=REMOVAL)
    content = result["rendered"]["content"]
    assert "192.0.2.7/32 . 2222" in elements(content, "tcp_sources_ipv4")
    assert "2222" not in elements(content, "tcp_ports")
    assert result["kept"] == [{"port": 2222, "source": "192.0.2.7", "reasons": ["the SSH session Ansible runs over"]}]
    assert len(result["warnings"]) == 1
    assert "2222/tcp" in result["warnings"][0]
    assert "from 192.0.2.7" in result["warnings"][0]
    assert result["entry_count"] == 6


def test_management_with_a_mapped_address_and_sshd_ports():
    management = {"session": {"client_address": "::ffff:192.0.2.7", "server_port": 22}, "sshd_ports": [2222, 2222, 22]}
    result, _needles = run({"management": management}, portwarden_allowlist=[{"port": 22}])
    assert elements(result["rendered"]["content"], "tcp_sources_ipv4") == ["192.0.2.7/32 . 2222"]
    assert elements(result["rendered"]["content"], "tcp_sources_ipv6") == []
    assert [kept["port"] for kept in result["kept"]] == [2222]


def test_management_already_allowed_adds_nothing():
    management = {"session": {"client_address": "192.0.2.7", "server_port": 22}}
    result, _needles = run({"management": management}, portwarden_allowlist=ALLOWLIST)
    assert result["kept"] == []
    assert result["warnings"] == []
    assert result["entry_count"] == 4


def test_management_without_a_session_keeps_22_open_to_anyone():
    result, _needles = run({"management": {"session": None}}, portwarden_allowlist=[{"port": 443}])
    assert elements(result["rendered"]["content"], "tcp_ports") == ["22", "443"]
    assert [kept["port"] for kept in result["kept"]] == [22]
    assert "22/tcp" in result["warnings"][0]


@pytest.mark.parametrize("management, words", [
    ({"session": {"client_address": "not-an-ip", "server_port": 22}}, ["'not-an-ip'"]),
    ({"session": {"client_address": "192.0.2.7", "server_port": "22"}}, ["'server_port': '22'"]),
    ({"session": "192.0.2.7 22"}, ["the session must be a mapping or null"]),
    ({"session": None, "sshd_ports": ["22"]}, ["sshd_ports: '22' is not a port in 1-65535"]),
    ({"session": {"client_address": "192.0.2.7", "server_port": 22}, "sshd_ports": [70000]}, ["sshd_ports: 70000"]),
    ({"session": None, "sshd_ports": "22"}, ["sshd_ports must be a list of ports"]),
])
def test_a_hostile_management_report_is_refused_naming_the_host(management, words):
    with pytest.raises(AnsibleActionFail) as caught:
        run({"management": management}, portwarden_allowlist=ALLOWLIST)
    message = str(caught.value)
    assert message.startswith("the management connection web1 reported is not usable: ")
    for word in words:
        assert word in message


def test_duplicate_entries_are_warned_about():
    result, _needles = run(portwarden_allowlist=[{"port": 22}, {"port": 443}, {"port": 22}])
    assert result["warnings"] == [
        "portwarden_allowlist: entry #3 (22/tcp) duplicates entry #1 (22/tcp)"]
    assert elements(result["rendered"]["content"], "tcp_ports") == ["22", "443"]


def test_a_source_limit_voided_by_an_open_entry_is_warned_about():
    result, _needles = run(portwarden_allowlist=[{"port": 22}], portwarden_allowlist__x=[{"port": 22, "sources": ["10.0.0.0/8"]}])
    assert len(result["warnings"]) == 1
    assert "entry #2 (22/tcp) limits 22/tcp to some sources, but entry #1 (22/tcp) allows anyone" in result["warnings"][0]


def test_the_family_reaches_each_template(tmp_path):
    (tmp_path / "family.j2").write_text("family={{ 'null' if __portwarden_family is none else __portwarden_family }} "
                                        "entries={{ __portwarden_firewall_model.entry_count }}\n")
    templates = [{"part": "content", "src": "family.j2", "family": "ipv4"},
                 {"part": "content_ipv6", "src": "family.j2", "family": "ipv6"},
                 {"part": "content_ipset", "src": "family.j2"}]
    task_vars = host_vars(portwarden_allowlist=ALLOWLIST)
    plugin, needles = make_plugin({"templates": templates}, task_vars, templates_dir=tmp_path)
    result = plugin.run(task_vars=task_vars)
    assert result["rendered"] == {"content": "family=ipv4 entries=4\n", "content_ipv6": "family=ipv6 entries=4\n",
                                  "content_ipset": "family=null entries=4\n"}
    assert needles == [("templates", "family.j2")] * 3


@pytest.mark.parametrize("family", ["ipv5", "inet", ""])
def test_a_family_other_than_ipv4_ipv6_or_null_is_refused(family):
    with pytest.raises(AnsibleActionFail) as caught:
        run({"templates": [dict(NFT, family=family)]}, portwarden_allowlist=ALLOWLIST)
    assert "family must be ipv4, ipv6 or null, got %r" % family in str(caught.value)


def test_an_allowlist_option_as_written_is_used_instead_of_the_variables():
    result, _needles = run({"allowlist": [{"port": 2022}, {"port": 8443, "sources": ["192.0.2.0/24"]}]},
                           portwarden_allowlist=ALLOWLIST)
    content = result["rendered"]["content"]
    assert elements(content, "tcp_ports") == ["2022"]
    assert elements(content, "tcp_sources_ipv4") == ["192.0.2.0/24 . 8443"]
    assert elements(content, "udp_ports") == []
    assert result["entry_count"] == 2


def test_an_allowlist_option_already_normalised_is_used_without_any_variable():
    normalised = parse_allowlist([{"port": 2022}, {"port": "5000-5005", "proto": "udp"}])
    result, _needles = run({"allowlist": normalised})
    content = result["rendered"]["content"]
    assert elements(content, "tcp_ports") == ["2022"]
    assert elements(content, "udp_ports") == ["5000-5005"]
    assert result["entry_count"] == 2


def test_a_bad_allowlist_option_is_refused_naming_the_entry():
    with pytest.raises(AnsibleActionFail) as caught:
        run({"allowlist": [{"port": 22}, {"port": 70000}]}, portwarden_allowlist=ALLOWLIST)
    assert "entry #2 (port: 70000): port 70000 is outside 1-65535" in str(caught.value)


def test_a_bad_entry_is_refused_naming_the_variable_and_the_entry():
    with pytest.raises(AnsibleActionFail) as caught:
        run(portwarden_allowlist=ALLOWLIST, portwarden_allowlist__x=[{"port": 22, "state": "absent"}, {"port": "9-1"}])
    assert "portwarden_allowlist__x entry #2 (port: \"9-1\")" in str(caught.value)


def test_without_any_allowlist_variable_the_action_fails():
    with pytest.raises(AnsibleActionFail) as caught:
        run(portwarden_allowlists=[{"port": 22}])
    message = str(caught.value)
    assert "neither portwarden_allowlist nor any portwarden_allowlist__* variable is defined" in message
    assert "for web1" in message


@pytest.mark.parametrize("args, word", [
    ({"templates": None}, "templates"),
    ({"templates": [{"part": "content"}]}, "src"),
    # ansible-core's validate_argument_spec reports only the first error, which here does not
    # name the option ("dictionary requested, could not parse JSON or key=value").
    ({"management": "yes"}, "dictionary requested"),
    ({"management": {"session": None, "remote": "sometimes"}}, "remote"),
    ({"allow_empty": "perhaps"}, "allow_empty"),
    ({"templates": [dict(NFT, view="pf")]}, "view"),
    ({"bogus": 1}, "bogus"),
])
def test_bad_arguments_fail_the_action(args, word):
    with pytest.raises(AnsibleActionFail) as caught:
        run(args, portwarden_allowlist=ALLOWLIST)
    assert word in str(caught.value)
