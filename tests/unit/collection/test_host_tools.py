# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make test` runs on a fresh machine: every system command our scripts call is installed.

The Makefile and the shell scripts in scripts/, bench/ and .ci/ may call only commands that
a minimal Debian system has, that the project venv provides, or that a bootstrap script
installs (scripts/host-tools.txt says which package and which script). A developer machine
often has more (rsync, jq, nmap): this test fails there too, naming the file, the line and
the command, instead of CI failing on the next fresh machine.
"""
from __future__ import annotations

import pathlib
import re
import shlex
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
TABLE = ROOT / "scripts" / "host-tools.txt"

# Words that are not commands: shell keywords and builtins.
SHELL_WORDS = set(
    """
    ! [ [[ ]] { } . : alias break case cd command continue declare do done elif else esac eval exec exit
    export fi for function getopts hash if in local printf pwd read readonly return set shift source
    then time trap type typeset ulimit umask unset until wait while echo test true false let mapfile
    """.split()
)
# Wrappers whose first argument is itself a command.
WRAPPERS = {"exec", "command", "env", "setsid", "nohup", "nice", "xargs", "timeout", "flock", "time", "!"}
SEPARATORS = {";", "&&", "||", "|", "&", "(", ")", ";;", "|&", "then", "do", "else", "elif", "if", "while", "until", "{", "}", "!"}
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=")
HEREDOC = re.compile(r"<<-?\s*['\"]?([A-Za-z_]+)['\"]?")
ARITHMETIC = re.compile(r"\$\(\([^()]*(\([^()]*\)[^()]*)*\)\)")
FUNCTION = re.compile(r"^\s*(?:function\s+)?([A-Za-z_][\w-]*)\s*\(\)\s*\{?", re.M)


def read_table():
    """(command -> (package, installer)), and the commands of a minimal Debian system."""
    tools, minimal = {}, set()
    for line in TABLE.read_text().splitlines():
        if line.startswith("# minimal:"):
            minimal.update(line.split(":", 1)[1].split())
        elif line.strip() and not line.startswith("#"):
            command, package, installer = line.split()
            tools[command] = (package, installer)
    return tools, minimal


def _logical_lines(text: str):
    """(line number, shell text) with heredoc bodies dropped and quoted newlines joined."""
    lines = text.splitlines()
    index, pending, start = 0, "", 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not pending:
            start = index
        heredoc = HEREDOC.search(line)
        if heredoc and not line.lstrip().startswith("#"):
            delimiter = heredoc.group(1)
            while index < len(lines) and lines[index].strip() != delimiter:
                index += 1
            index += 1
            line = line[: heredoc.start()]
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        candidate = pending + line
        try:
            shlex.split(candidate, comments=True)
        except ValueError:  # an open quote: the string goes on over the next line
            pending = candidate + " "
            continue
        pending = ""
        yield start, candidate


def _case_patterns(tokens) -> set:
    """Indexes of the words of case patterns (`clean)`, `running|degraded)`)."""
    patterns, depth, segment = set(), 0, 0
    for index, token in enumerate(tokens):
        if token in (";", ";;", "&&", "||", "in"):
            segment = index + 1
        elif token == "(":
            depth += 1
        elif token == ")":
            if depth:
                depth -= 1
            else:
                patterns.update(range(segment, index))
                segment = index + 1
    return patterns


def shell_commands(text: str):
    """(line number, word) for every word in command position."""
    functions = set(FUNCTION.findall(text))
    found = []
    for lineno, line in _logical_lines(text):
        line = ARITHMETIC.sub(" ", line)
        # A command substitution starts a new command; keep its parentheses balanced.
        line = line.replace("$(", " ; ( ").replace("`", " ; ")
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        try:
            tokens = list(lexer)
        except ValueError:
            continue
        patterns = _case_patterns(tokens)
        expect, skip = True, 0
        for position, token in enumerate(tokens):
            if skip:
                skip -= 1
                continue
            if token in SEPARATORS:
                expect = True
                continue
            if not expect or position in patterns:
                continue
            if ASSIGNMENT.match(token):
                if token.endswith("=") and tokens[position + 1 : position + 2] == ["()"]:
                    skip = 1  # an empty array: name=()
                elif token.endswith("=") and tokens[position + 1 : position + 2] == ["("]:
                    rest = tokens[position:]  # an array: name=( ... ), perhaps over several lines
                    skip = rest.index(")") if ")" in rest else len(rest)
                continue
            expect = token in WRAPPERS
            if token in ("timeout", "flock"):
                skip = 1  # timeout DURATION CMD, flock FILE CMD
            if token in SHELL_WORDS or token in functions:
                continue
            if token.startswith(("$", "-", ">", "<", "/", ".")) or "/" in token or token[0].isdigit():
                continue  # a variable, an option, a redirection or a path into the checkout
            found.append((lineno, token))
    return found


def makefile_shell(text: str) -> str:
    """The recipe lines of a Makefile as shell: make's $(VAR) dropped, $$ turned into $."""
    recipes = []
    for line in text.splitlines():
        if line.startswith("\t"):
            line = line[1:].lstrip("@-")
            while re.search(r"\$\([^()$]*\)", line):  # make's $(VAR) and $(dir $(VAR)), innermost first
                line = re.sub(r"\$\([^()$]*\)", "/make-variable", line)
            recipes.append(line.replace("$$", "$"))
        else:
            recipes.append("")
    return "\n".join(recipes)


def sources():
    files = [ROOT / "Makefile", ROOT / ".ci" / "run"]
    for folder in ("scripts", "bench"):
        files += sorted((ROOT / folder).rglob("*.sh"))
    return files


def venv_commands():
    bin_dir = pathlib.Path(sys.prefix) / "bin"
    return {path.name for path in bin_dir.iterdir()} if bin_dir.is_dir() else set()


def unknown_commands(path_label: str, text: str, known: set):
    return [f"{path_label}:{lineno}: {word}" for lineno, word in shell_commands(text) if word not in known]


def known_commands():
    tools, minimal = read_table()
    return set(tools) | minimal | venv_commands()


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_command_a_script_calls_is_installed_by_the_bootstrap(path):
    text = path.read_text()
    if path.name == "Makefile":
        text = makefile_shell(text)
    unknown = unknown_commands(str(path.relative_to(ROOT)), text, known_commands())
    assert not unknown, (
        "commands that nothing installs on a fresh machine (add each to scripts/host-tools.txt with its "
        "Debian package and the bootstrap script that installs it, or do without): " + ", ".join(unknown)
    )


def test_the_guard_names_a_tool_nothing_installs():
    script = 'set -e\nfiles=$(git ls-files)\necho "$files" | rsync -a --files-from=- ./ "$dest/"\n'
    assert unknown_commands("scripts/example.sh", script, known_commands()) == ["scripts/example.sh:3: rsync"]


@pytest.mark.parametrize(
    "script, expected",
    [
        ("jq -r .name x.json", ["jq"]),
        ("if ! command -v nmap >/dev/null; then nmap -p 22 host; fi", ["nmap"]),
        ('out=$(curl -s "$url")', ["curl"]),
        ("timeout 5 nc -z host 22 || true", ["nc"]),
        ("flock /tmp/x.lock rsync a b", ["rsync"]),
        ("cat <<'EOF'\nrsync inside a heredoc is text\nEOF\nls", []),
        ('log "rsync is only words here"\nlog() { :; }', []),
        ('case "$1" in\n  clean) rm -rf x ;;\nesac', []),
        ('echo "a\nmultiline string naming rsync"', []),
        ("x=1 y=2 sort file", []),
    ],
)
def test_the_guard_reads_shell_as_shell(script, expected):
    words = [word for _lineno, word in shell_commands(script) if word not in read_table()[1]]
    assert [w for w in words if w not in ("cat", "ls", "rm", "echo")] == expected


def test_every_table_row_is_installed_by_the_script_it_names():
    tools = read_table()[0]
    for command, (package, installer) in tools.items():
        script = ROOT / installer
        assert script.is_file(), f"{command}: {installer} does not exist"
        text = script.read_text()
        if installer != "scripts/ensure-tools.sh":  # that one reads the table itself
            assert package in text, f"{command}: {installer} does not install {package}"


def test_the_makefile_runs_the_tools_bootstrap_first():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^tools:.*\n\t@scripts/ensure-tools\.sh", makefile, re.M)
    for target in ("collection", "docker"):
        assert re.search(rf"^{target}:[^\n]*\btools\b", makefile, re.M), f"{target} must depend on tools"
