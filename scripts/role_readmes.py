# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Generate roles/<role>/README.md from roles/<role>/meta/argument_specs.yml.

The argument specs are the single source of a role's variables (ansible-core validates
them at run time); the READMEs are rendered from them so the two cannot disagree.
`--check` exits 1 when a README is missing or stale (the unit tests run it that way).
"""
from __future__ import annotations

import pathlib
import sys

import yaml
from antsibull_docs_parser import dom, parser

ROOT = pathlib.Path(__file__).resolve().parents[1]
HEADER = "<!-- Generated from meta/argument_specs.yml by scripts/role_readmes.py; edit the specs, not this file. -->\n"


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    return f"{fence}{text}{fence}" if fence == "`" else f"{fence} {text} {fence}"


def _part(part) -> str:
    """One part of Ansible's doc markup (C(), O(), M(), ...) as Markdown."""
    if isinstance(part, dom.TextPart):
        return part.text
    if isinstance(part, dom.OptionNamePart):
        return _code(part.name + (f"={part.value}" if part.value is not None else ""))
    if isinstance(part, (dom.CodePart, dom.OptionValuePart, dom.ReturnValuePart, dom.EnvVariablePart)):
        return _code(getattr(part, "text", None) or getattr(part, "value", None) or getattr(part, "name", ""))
    if isinstance(part, dom.ModulePart):
        return _code(part.fqcn)
    if isinstance(part, dom.PluginPart):
        return _code(part.plugin.fqcn) + f" {part.plugin.type}"
    if isinstance(part, dom.ItalicPart):
        return f"*{part.text}*"
    if isinstance(part, dom.BoldPart):
        return f"**{part.text}**"
    if isinstance(part, dom.URLPart):
        return f"<{part.url}>"
    if isinstance(part, dom.LinkPart):
        return f"[{part.text}]({part.url})"
    if isinstance(part, dom.HorizontalLinePart):
        return "\n\n---\n\n"
    raise ValueError(f"doc markup the README generator does not know: {part!r}")


def _text(value) -> str:
    """Doc markup as Markdown, the way GitHub and Galaxy show a README."""
    paragraphs = value if isinstance(value, list) else [value or ""]
    rendered = []
    for paragraph in parser.parse(paragraphs, parser.Context(), errors="exception"):
        rendered.append("".join(_part(part) for part in paragraph))
    return " ".join(rendered)


def _cell(value) -> str:
    return _text(value).replace("|", "\\|").replace("\n", " ")


def _default(option: dict) -> str:
    if "default" not in option:
        return ""
    return "`" + yaml.safe_dump(option["default"], default_flow_style=True).strip().removesuffix("...").strip() + "`"


def render(role: str, specs: dict) -> str:
    lines = [HEADER, f"# Role `portwarden.hardening.{role}`", ""]
    for entry_point, spec in specs.items():
        if entry_point != "main":
            lines += [f"## Entry point `{entry_point}`", ""]
        lines += [_text(spec.get("short_description")), ""]
        if spec.get("description"):
            lines += [_text(spec["description"]), ""]
        options = spec.get("options") or {}
        if options:
            lines += ["| variable | type | required | default | description |", "| --- | --- | --- | --- | --- |"]
            for name, option in sorted(options.items()):
                kind = option.get("type", "str")
                if kind == "list" and option.get("elements"):
                    kind = f"list of {option['elements']}"
                choices = f" Choices: {', '.join(f'`{c}`' for c in option['choices'])}." if option.get("choices") else ""
                lines.append(
                    f"| `{name}` | {kind} | {'yes' if option.get('required') else 'no'} | {_default(option)} | "
                    f"{_cell(option.get('description'))}{choices} |"
                )
            lines.append("")
    lines += ["## Example", "", "```yaml", "- name: Apply the role", "  hosts: all",
              "  roles:", f"    - role: portwarden.hardening.{role}", "```", ""]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for spec_file in sorted(ROOT.glob("roles/*/meta/argument_specs.yml")):
        role = spec_file.parents[1].name
        specs = yaml.safe_load(spec_file.read_text())["argument_specs"]
        readme = spec_file.parents[1] / "README.md"
        wanted = render(role, specs)
        if readme.exists() and readme.read_text() == wanted:
            continue
        if check:
            stale.append(str(readme.relative_to(ROOT)))
        else:
            readme.write_text(wanted)
            print(f"wrote {readme.relative_to(ROOT)}")
    if stale:
        print("stale role READMEs (run scripts/role_readmes.py): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
