# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The backend contract: every registered backend implements it, on the host and in the role."""

from __future__ import annotations

import inspect
import pathlib

import pytest
import yaml

from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_base import Backend
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_engine import BACKENDS, make_backend
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall import _live_firewall_host
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._live_firewall import empty_state


ROLE = pathlib.Path(__file__).resolve().parents[4] / "roles" / "firewall"


def _role_table():
    return yaml.safe_load((ROLE / "vars" / "main.yml").read_text(encoding="utf-8"))["__portwarden_firewall_backends"]


def _no_tool(_name):
    return None


def _never_read(argv):
    pytest.fail("nothing should be read, but %s was" % " ".join(argv))


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_backend_implements_every_abstract_member(name):
    cls = BACKENDS[name]
    assert issubclass(cls, Backend)
    assert not cls.__abstractmethods__, "%s leaves %s unimplemented" % (name, sorted(cls.__abstractmethods__))
    assert cls.name == name
    assert isinstance(cls.persists_on_apply, bool)


def test_base_declares_the_restore_plan_and_persistence():
    abstract = Backend.__abstractmethods__
    assert {"desired", "validate", "current", "parts_from_current", "apply", "remove", "text", "restore_plan"} <= abstract
    for member in ("matches", "owns", "facts", "boot_files", "tool", "live_state"):
        assert inspect.getdoc(getattr(Backend, member))


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_backend_without_tools_builds_and_names_its_boot_files(name):
    backend = make_backend(name, run=None, which=_no_tool)
    files = backend.boot_files()
    assert files and all(path.startswith("/") for path in files)
    if not backend.persists_on_apply:
        assert files == sorted(backend.paths.values())


@pytest.mark.parametrize("output", [None, "", "garbage {[\x00"])
@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_backend_reads_the_live_firewall_into_the_common_shape(name, output):
    asked = []

    def read(argv):
        asked.append(argv)
        return output

    state = BACKENDS[name].live_state(read)
    assert state["backend"] == name and not state["loaded"]
    assert set(empty_state(name)) <= set(state)
    assert asked and all(isinstance(argv, tuple) and argv and all(isinstance(word, str) for word in argv) for argv in asked)


def test_a_backend_that_reads_nothing_is_judged_unknown(tmp_path, monkeypatch):
    # What a new backend gets until it implements live_state: no finding, every verdict unknown.
    fifth = type("FifthBackend", (Backend,), {"name": "fifth"})
    monkeypatch.setitem(_live_firewall_host.FIREWALL_BACKENDS, "fifth", fifth)
    listener = {"protocol": "tcp", "family": "ipv4", "address": "0.0.0.0", "port": 22, "exposure": "wildcard"}
    result = _live_firewall_host.check([], [listener], "fifth", str(tmp_path), read=_never_read)
    assert result["firewall"]["findings"] == [] and result["firewall"]["notes"] == []
    assert [(entry["verdict"], entry["reason"]) for entry in result["effective"]] == [
        ("unknown", "the live rules of fifth are not read")]


def test_role_table_has_one_row_per_registered_backend_with_the_same_keys():
    table = _role_table()
    assert sorted(table) == sorted(BACKENDS)
    keys = {name: sorted(row) for name, row in table.items()}
    assert len({tuple(row) for row in keys.values()}) == 1, keys


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_role_row_matches_the_backend(name):
    row = _role_table()[name]
    cls = BACKENDS[name]
    assert row["persists_itself"] == cls.persists_on_apply
    assert row["templates"] and row["templates"][0]["part"] == "content"
    for template in row["templates"]:
        assert (ROLE / "templates" / template["src"]).is_file(), template["src"]
    # A backend that does not persist itself is loaded at boot by our unit, from the
    # module's path options; one that does has its own service and no boot files of ours.
    if row["persists_itself"]:
        assert row["boot_loader"] is None and not row["paths"] and row["service"]
    else:
        assert (ROLE / "templates" / row["boot_loader"]).is_file()
        assert row["paths"] and set(row["paths"]) <= {"path", "path_ipv6", "path_ipset"} and row["companions"]


def test_public_choices_name_every_registered_backend():
    from ansible_collections.portwarden.hardening.plugins.modules import firewall_apply, port_audit

    options = yaml.safe_load(firewall_apply.DOCUMENTATION)["options"]
    assert sorted(options["backend"]["choices"]) == sorted(BACKENDS)
    options = yaml.safe_load(port_audit.DOCUMENTATION)["options"]
    assert sorted(options["firewall"]["choices"]) == sorted(["none", "auto"] + list(BACKENDS))
    specs = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))
    choices = specs["argument_specs"]["main"]["options"]["portwarden_firewall_backend"]["choices"]
    assert sorted(choices) == sorted(["auto"] + list(BACKENDS))
