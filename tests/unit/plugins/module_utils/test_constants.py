# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Each shared constant has one owner, _constants, and the documentation says the same."""

from __future__ import annotations

import pathlib
import re

import pytest
import yaml

from ansible_collections.portwarden.hardening.plugins.module_utils import _constants
from ansible_collections.portwarden.hardening.plugins.modules import firewall_apply, firewall_rollback, port_audit

ROOT = pathlib.Path(__file__).resolve().parents[4]
OWNER = ROOT / "plugins" / "module_utils" / "_constants.py"


@pytest.mark.parametrize("name", ["PROTOCOLS", "KINDS", "SEVERITIES", "MULTIPORT_MAX", "ROLLBACK_DIR", "FIREWALL_STATE_DIR"])
def test_constant_is_defined_once(name):
    definition = re.compile(r"^%s\s*=" % name, re.MULTILINE)
    owners = [str(path.relative_to(ROOT)) for path in sorted((ROOT / "plugins").rglob("*.py"))
              if definition.search(path.read_text(encoding="utf-8"))]
    assert len(owners) == 1, owners


@pytest.mark.parametrize("value", [_constants.ROLLBACK_DIR, _constants.FIREWALL_STATE_DIR])
def test_directory_literal_appears_only_in_its_owner_and_documentation(value):
    for path in sorted((ROOT / "plugins").rglob("*.py")):
        if path == OWNER:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if value in line:
                assert line.lstrip().startswith(("default:", "sample:", "json:", "-")) or "C(" in line, (path, line)


@pytest.mark.parametrize("module, option, value", [
    (firewall_apply, "rollback_dir", _constants.ROLLBACK_DIR),
    (firewall_apply, "state_dir", _constants.FIREWALL_STATE_DIR),
    (firewall_rollback, "rollback_dir", _constants.ROLLBACK_DIR),
    (port_audit, "firewall_state_dir", _constants.FIREWALL_STATE_DIR),
])
def test_documented_defaults_are_the_constants(module, option, value):
    assert yaml.safe_load(module.DOCUMENTATION)["options"][option]["default"] == value
