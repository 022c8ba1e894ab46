# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Variables as an action plugin reads them: templated only when some string in them may be a template."""

from __future__ import annotations

import pytest

from ansible_collections.portwarden.hardening.plugins.plugin_utils._variables import HostView, may_template, resolve
from ansible_collections.portwarden.hardening.tests.unit.plugins.plugin_utils.hostvars_fakes import FakeHostVars


class RecordingTemplar:
    """Records what it is asked to template and answers with a marker that says so."""

    def __init__(self):
        self.calls = []

    def template(self, value):
        self.calls.append(value)
        return ("templated", value)


PLAIN = [
    "",
    "plain text",
    "a lone { brace",
    "braces } and { but no marker",
    "{ {",
    "% # {",
    "#jinja",
    " #jinja2:x",
    22,
    None,
    True,
    3.5,
    [{"port": 22}, {"port": "8000-8100", "sources": ["10.0.0.0/8"], "comment": "{not a template}"}],
    {"{": "}", "key": ("{ x }", {"set": frozenset({"a{b"})})},
]


@pytest.mark.parametrize("value", PLAIN)
def test_plain_data_is_handed_on_as_the_same_object_without_templating(value):
    templar = RecordingTemplar()
    assert may_template(value) is False
    assert resolve(templar, value) is value
    assert templar.calls == []


TEMPLATED = [
    "{{ x }}",
    "text {% if x %}y{% endif %}",
    "a {# comment #}",
    "{{",
    "{%",
    "{#",
    "#jinja2: variable_start_string: '[%'\n[% x %]",
    "#jinja2:",
    [{"port": 22}, {"port": "{{ port }}"}],
    [{"port": 22, "sources": ["10.0.0.0/8", "{{ net }}"]}],
    {"outer": {"inner": [1, 2, {"deep": ("x", "a{#b")}]}},
    {"{{ key }}": 1},
    [{"port": 22, "{% raw %}": None}],
    ({"x": frozenset({"{{ y }}"})},),
    {"s": {"{{ z }}"}},
]


@pytest.mark.parametrize("value", TEMPLATED)
def test_a_value_holding_a_template_anywhere_is_templated_whole(value):
    templar = RecordingTemplar()
    assert may_template(value) is True
    assert resolve(templar, value) == ("templated", value)
    assert len(templar.calls) == 1
    assert templar.calls[0] is value


def test_the_header_counts_only_at_the_start():
    assert may_template("#jinja2:trim_blocks: false") is True
    assert may_template("x #jinja2:trim_blocks: false") is False


def test_a_long_plain_allowlist_is_not_templated():
    allowlist = [{"port": port, "comment": "service {%d}" % port} for port in range(1, 5001)]
    templar = RecordingTemplar()
    assert resolve(templar, allowlist) is allowlist
    assert templar.calls == []
    allowlist[-1]["comment"] = "{{ last }}"
    assert resolve(templar, allowlist) == ("templated", allowlist)


def test_host_view_reads_raw_values_once_and_templates_only_what_may_template():
    raw = {"web1": {"portwarden_allowlist": [{"port": 22}], "zone": "{{ zone_name }}", "count": 3}}
    hostvars = FakeHostVars(raw, template=lambda _host, _name, _value: "public")
    view = HostView(hostvars, "web1")
    assert hostvars.raw_gets == ["web1"]

    assert view["portwarden_allowlist"] is raw["web1"]["portwarden_allowlist"]
    assert view["count"] == 3
    assert hostvars.templated == []
    assert view["zone"] == "public"
    assert hostvars.templated == [("web1", "zone")]
    assert view["portwarden_allowlist"] is raw["web1"]["portwarden_allowlist"]
    assert view["zone"] == "public"
    # A templated value is templated once per view, however often it is read.
    assert hostvars.templated == [("web1", "zone")]
    # Still the one raw read.
    assert hostvars.raw_gets == ["web1"]


def test_host_view_is_a_mapping_of_the_raw_names():
    raw = {"web1": {"a": 1, "b": "{{ x }}"}}
    hostvars = FakeHostVars(raw, template=lambda _host, _name, _value: 2)
    view = HostView(hostvars, "web1")
    assert "a" in view and "b" in view
    assert "c" not in view
    assert sorted(view) == ["a", "b"]
    assert len(view) == 2
    assert dict(view) == {"a": 1, "b": 2}
    assert view.get("c", "default") == "default"
    with pytest.raises(KeyError):
        view["c"]  # pylint: disable=pointless-statement
    # Asking for a name the host does not have never reaches hostvars[host].
    assert hostvars.templated == [("web1", "b")]


@pytest.mark.parametrize("raw", [{}, {"web1": None}, {"web1": "not a mapping"}, {"web1": ["a", "b"]}])
def test_host_view_of_a_missing_host_is_empty(raw):
    hostvars = FakeHostVars(raw)
    view = HostView(hostvars, "web1")
    assert hostvars.raw_gets == ["web1"]
    assert len(view) == 0
    assert list(view) == []
    assert "a" not in view
    assert "portwarden_allowlist" not in view
    with pytest.raises(KeyError):
        view["a"]  # pylint: disable=pointless-statement
    assert hostvars.templated == []
