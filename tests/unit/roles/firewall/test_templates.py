# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The firewall role's templates, rendered from table-driven allowlists and compared with
the expected files in tests/unit/fixtures/firewall/<case>/.

The templates are rendered with Jinja2 and the filters Ansible and the collection provide,
the way the role's ``lookup('template')`` renders them (one test renders a case through
Ansible itself and compares). Set PORTWARDEN_REGENERATE_FIXTURES=1 to rewrite the
expected files after a deliberate template change, then review the diff.
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import sys

import jinja2
import pytest
import yaml
from ansible.plugins.filter.core import FilterModule as CoreFilters

from ansible_collections.portwarden.hardening.plugins.filter.firewall import FilterModule, firewall_model

ROOT = pathlib.Path(__file__).resolve().parents[4]
ROLE = ROOT / "roles" / "firewall"
FIXTURES = ROOT / "tests" / "unit" / "fixtures" / "firewall"
REGENERATE = os.environ.get("PORTWARDEN_REGENERATE_FIXTURES") == "1"

CASES = {
    "basic": {
        "portwarden_allowlist": [
            {"port": "ssh", "comment": "SSH"},
            {"port": 80},
            {"port": 443, "comment": "HTTPS"},
            {"port": "8000-8100", "comment": "application range"},
            {"port": 53, "proto": "udp", "comment": "DNS"},
            {"port": 123, "proto": "udp"},
        ],
    },
    "sources": {
        "portwarden_allowlist": [
            {"port": 22, "sources": ["192.0.2.0/24", "2001:db8::/32"], "comment": "SSH from the bastions"},
            {"port": 5432, "sources": ["198.51.100.7", "198.51.100.8", "203.0.113.0/28"], "comment": "database"},
            {"port": 6379, "sources": ["10.0.0.0/8", "10.1.0.0/16"], "comment": "redis"},
            {"port": 8080, "comment": "web"},
            {"port": "9000-9100", "proto": "udp", "sources": ["2001:db8:1::/48"], "comment": "telemetry"},
        ],
        "portwarden_firewall_log_drops": True,
        "__portwarden_firewall_ipset_min_sources": 2,
        "portwarden_firewall_firewalld_interfaces": ["eth0"],
    },
    "forward": {
        "portwarden_allowlist": [
            {"port": 22, "comment": "SSH"},
            {"port": 8080, "comment": "published web container"},
            {"port": 8081, "sources": ["192.0.2.0/24", "2001:db8::/32"], "comment": "published, bastions only"},
            {"port": "9000-9001", "proto": "udp"},
        ],
        "portwarden_firewall_forward": True,
        "portwarden_firewall_log_drops": True,
    },
    "reject_quiet": {
        "portwarden_allowlist": [{"port": 443}],
        "portwarden_firewall_default_policy": "reject",
        "portwarden_firewall_allow_ping": False,
        "portwarden_firewall_log_drops": True,
        "portwarden_firewall_log_rate": "1/second",
        "portwarden_firewall_log_burst": 3,
        "portwarden_firewall_log_prefix": "pw: ",
    },
}

# Template (relative to the role's templates/) -> (fixture name, extra variables).
ALLOWLIST_TEMPLATES = [
    ("etc/nftables.d/portwarden.nft.j2", "portwarden.nft", {}),
    ("etc/portwarden/iptables.rules.j2", "iptables.v4", {"__portwarden_family": "ipv4"}),
    ("etc/portwarden/iptables.rules.j2", "iptables.v6", {"__portwarden_family": "ipv6"}),
    ("etc/portwarden/ipset.conf.j2", "ipset.conf", {}),
    ("ufw/portwarden.rules.j2", "ufw.rules", {}),
    ("etc/firewalld/zones/portwarden.xml.j2", "portwarden.xml", {}),
]
BOOT_TEMPLATES = [
    ("etc/systemd/system/portwarden-firewall.service.j2", "portwarden-firewall.service.nftables", {"__portwarden_firewall_backend": "nftables"}),
    ("etc/systemd/system/portwarden-firewall.service.j2", "portwarden-firewall.service.iptables", {"__portwarden_firewall_backend": "iptables"}),
    ("etc/systemd/system/firewall.service.d/portwarden.conf.j2", "nftables.service.d-portwarden.conf", {"__portwarden_firewall_backend": "nftables"}),
    ("usr/local/sbin/portwarden-firewall-iptables.j2", "portwarden-firewall-iptables", {"__portwarden_firewall_backend": "iptables"}),
    ("usr/local/sbin/portwarden-firewall-nftables.j2", "portwarden-firewall-nftables", {"__portwarden_firewall_backend": "nftables"}),
]


def role_variables(case):
    """Role defaults, the case's settings, the model and what the role's own tasks set."""
    variables = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    variables.update({"ansible_managed": "Ansible managed", "__portwarden_firewall_ipset_min_sources": 0,
                      "__portwarden_firewall_tools": {"nft": "/usr/sbin/nft"}})
    variables.update(CASES[case])
    variables["__portwarden_firewall_model"] = firewall_model(variables["portwarden_allowlist"])
    return variables


def environment():
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(ROLE / "templates")),
        trim_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(CoreFilters().filters())
    env.filters.update({"portwarden.hardening." + name: function for name, function in FilterModule().filters().items()})
    return env


def role_vars_file():
    """vars/main.yml holds expressions; evaluate them like Ansible would."""
    return yaml.safe_load((ROLE / "vars" / "main.yml").read_text())


def evaluate(env, value, variables):
    """One vars/main.yml value as Ansible templates it: a lone ``{{ expression }}`` keeps
    its type (the backend table's rows are dicts and lists), other strings render as text."""
    if isinstance(value, dict):
        return {key: evaluate(env, item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [evaluate(env, item, variables) for item in value]
    if not isinstance(value, str):
        return value
    lone = re.fullmatch(r"\s*\{\{(.*)\}\}\s*", value, re.DOTALL)
    if lone and "{{" not in lone.group(1):
        return env.compile_expression(lone.group(1), undefined_to_none=False)(**variables)
    return env.from_string(value).render(variables).strip()


def render(template, variables):
    env = environment()
    variables = dict(variables)
    for name, value in role_vars_file().items():
        try:
            variables[name] = evaluate(env, value, variables)
            str(variables[name])  # an undefined result raises here, like a use in a template
        except jinja2.UndefinedError:
            continue  # needs the backend, which only the boot templates are given
    return env.get_template(template).render(variables)


def check(case, name, text):
    expected = FIXTURES / case / name
    if REGENERATE:
        expected.parent.mkdir(parents=True, exist_ok=True)
        expected.write_text(text)
    assert text == expected.read_text(), "%s/%s differs from the rendered template" % (case, name)


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("template, name, extra", ALLOWLIST_TEMPLATES, ids=[t[1] for t in ALLOWLIST_TEMPLATES])
def test_allowlist_templates(case, template, name, extra):
    check(case, name, render(template, dict(role_variables(case), **extra)))


@pytest.mark.parametrize("template, name, extra", BOOT_TEMPLATES, ids=[t[1] for t in BOOT_TEMPLATES])
def test_boot_templates(template, name, extra):
    check("boot", name, render(template, dict(role_variables("basic"), **extra)))


def test_rule_count_does_not_grow_with_the_allowlist():
    small = render("etc/nftables.d/portwarden.nft.j2", role_variables("basic"))
    variables = role_variables("basic")
    variables["__portwarden_firewall_model"] = firewall_model(
        [{"port": 1000 + n, "sources": ["10.%d.%d.0/24" % (n // 256, n % 256)]} for n in range(2000)]
        + [{"port": 20000 + 2 * n} for n in range(2000)]
    )
    large = render("etc/nftables.d/portwarden.nft.j2", variables)

    def rules(text):
        chain = text.split("chain input {", 1)[1]
        return [line for line in chain.splitlines()[1:] if line.strip() and not line.strip().startswith(("#", "}"))]

    assert len(rules(small)) == len(rules(large))
    assert len(re.findall(r"^\t\t\t[0-9a-f.:]+/[0-9]+ \. [0-9]+,?$", large, re.MULTILINE)) == 2000


@pytest.mark.skipif(shutil.which("ansible-playbook") is None and not os.path.exists(os.path.join(os.path.dirname(sys.executable), "ansible-playbook")),
                    reason="ansible-playbook is not installed")
def test_ansible_renders_the_templates_like_this_harness(tmp_path):
    """The role renders with lookup('template'); prove this harness renders the same text."""
    variables = role_variables("sources")
    playbook_vars = {key: value for key, value in variables.items() if key != "ansible_managed"}  # Ansible sets it
    outputs = {name: tmp_path / name for _template, name, _extra in ALLOWLIST_TEMPLATES}
    tasks = [
        {"ansible.builtin.copy": {"dest": str(outputs[name]), "content": "{{ lookup('ansible.builtin.template', '%s', template_vars=%r) }}"
                                  % (ROLE / "templates" / template, extra)}}
        for template, name, extra in ALLOWLIST_TEMPLATES
    ]
    playbook = tmp_path / "render.yml"
    playbook.write_text(yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "vars": playbook_vars, "tasks": tasks}]))
    binary = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    run = subprocess.run([binary if os.path.exists(binary) else "ansible-playbook", "-c", "local", str(playbook)],
                         env=env, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    for template, name, extra in ALLOWLIST_TEMPLATES:
        harness = render(template, dict(variables, **extra))
        assert outputs[name].read_text().rstrip("\n") == harness.rstrip("\n"), name


HOSTILE_DIRS = [
    "/etc/port warden",
    "/etc/$(touch pwned)",
    "/etc/`touch pwned`",
    "/etc/it's; touch pwned",
]


@pytest.mark.parametrize("directory", HOSTILE_DIRS, ids=["space", "dollar-paren", "backtick", "quote-semicolon"])
def test_iptables_loader_quotes_its_directory(tmp_path, directory):
    """Even a path the role would refuse reaches the boot script as one literal word."""
    text = render("usr/local/sbin/portwarden-firewall-iptables.j2",
                  dict(role_variables("basic"), __portwarden_firewall_backend="iptables", portwarden_firewall_iptables_dir=directory))
    assignment = next(line for line in text.splitlines() if line.startswith("rules_dir="))
    shown = subprocess.run(["sh", "-c", assignment + '\nprintf %s "$rules_dir"'], cwd=tmp_path,
                           capture_output=True, text=True, check=True).stdout
    assert shown == directory
    assert not (tmp_path / "pwned").exists()
    # The directory is only ever used through the quoted variable.
    assert text.count(directory) == 0 or text.count(directory) == 1
    body = text.split(assignment, 1)[1]
    assert directory not in body and "$rules_dir" in body
