# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""What users read renders: ansible-doc for every plugin, EXAMPLES that parse, READMEs in Markdown."""
from __future__ import annotations

import ast
import json
import os
import pathlib
import re
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[3]
MODULES = sorted((ROOT / "plugins" / "modules").glob("*.py"))
FILTER_DOCS = sorted((ROOT / "plugins" / "filter").glob("*.yml"))
ANSIBLE_DOC = pathlib.Path(sys.executable).parent / "ansible-doc"


def _module_examples(path: pathlib.Path) -> str:
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "EXAMPLES":
            return node.value.value
    raise AssertionError(f"{path.name} has no EXAMPLES")


def _examples() -> list:
    examples = [pytest.param(_module_examples(path), id=f"module {path.stem}") for path in MODULES]
    examples += [pytest.param(yaml.safe_load(path.read_text())["EXAMPLES"], id=f"filter {path.stem}") for path in FILTER_DOCS]
    return examples


@pytest.mark.parametrize("examples", _examples())
def test_examples_are_a_list_of_named_tasks(examples):
    tasks = yaml.safe_load(examples)
    assert isinstance(tasks, list) and tasks, "EXAMPLES must be a YAML list of tasks"
    for task in tasks:
        assert isinstance(task, dict) and task.get("name"), f"an example without a name: {task!r}"
        assert any("." in key for key in task), f"an example that calls nothing by FQCN: {task['name']}"


def _ansible_doc(kind: str, names: list) -> dict:
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"), ANSIBLE_NOCOLOR="1")
    result = subprocess.run(
        [str(ANSIBLE_DOC), "--json", "-t", kind, *names], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("kind, plugins", [("module", MODULES), ("filter", FILTER_DOCS)], ids=["modules", "filters"])
def test_ansible_doc_renders_every_plugin(kind, plugins):
    names = [f"portwarden.hardening.{path.stem}" for path in plugins]
    docs = _ansible_doc(kind, names)
    assert sorted(docs) == sorted(names)
    for name, doc in docs.items():
        assert doc["doc"]["short_description"], name
        assert isinstance(yaml.safe_load(doc["examples"]), list), name
        # Nothing internal is documented: a leading underscore marks what users must not set
        # (a filter's _input, its piped value, is the documented convention, not internal).
        internal = [option for option in doc["doc"].get("options") or {} if option.startswith("_") and option != "_input"]
        assert not internal, f"{name} documents internal options: {internal}"


@pytest.mark.parametrize("readme", sorted(ROOT.glob("roles/*/README.md")), ids=lambda p: p.parent.name)
def test_role_readmes_hold_markdown_not_ansible_markup(readme):
    raw = re.findall(r"\b[ICMOVPUELB]\([^)]*\)|\bRV\([^)]*\)", readme.read_text())
    assert not raw, f"raw doc markup in {readme.relative_to(ROOT)}: {raw[:5]}"
