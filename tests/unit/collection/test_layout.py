# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The public contract of DESIGN.md: names users type must exist and be documented."""
from __future__ import annotations

import pathlib

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[3]
ROLES = sorted(p for p in (ROOT / "roles").iterdir() if p.is_dir()) if (ROOT / "roles").is_dir() else []
MODULES = sorted((ROOT / "plugins" / "modules").glob("*.py"))


def test_galaxy_metadata_names_the_collection():
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text())
    assert (galaxy["namespace"], galaxy["name"]) == ("portwarden", "hardening")
    major, minor, patch = (int(part) for part in galaxy["version"].split("."))
    assert major >= 0 and minor >= 0 and patch >= 0
    for ignored in (".venv", ".cache", "molecule", "images"):
        assert ignored in galaxy["build_ignore"]


def test_runtime_declares_the_supported_ansible():
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    assert runtime["requires_ansible"].startswith(">=2.")


@pytest.mark.parametrize("role", ROLES, ids=lambda p: p.name)
def test_every_role_has_argument_specs_with_prefixed_variables(role):
    specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    assert "main" in specs
    for option in specs["main"].get("options", {}):
        assert option.startswith("portwarden_"), f"{role.name}: {option} is not prefixed portwarden_"
    defaults = role / "defaults" / "main.yml"
    if defaults.exists():
        for variable in yaml.safe_load(defaults.read_text()) or {}:
            assert variable.startswith(("portwarden_", "__portwarden_")), f"{role.name}: {variable}"


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.stem)
def test_every_module_is_documented_and_supports_check_mode(module):
    source = module.read_text()
    for block in ("DOCUMENTATION", "EXAMPLES", "RETURN"):
        assert f"{block} = " in source
    if "AnsibleModule(" in source:
        assert "supports_check_mode=True" in source
    else:
        # A controller-only action documented by a stub: its action plugin says it, and the
        # documentation names it as such.
        action = ROOT / "plugins" / "action" / module.name
        assert "_supports_check_mode = True" in action.read_text()
        assert "portwarden.hardening._attributes.controller" in source


def test_role_readmes_match_their_argument_specs():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "role_readmes.py"), "--check"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout
