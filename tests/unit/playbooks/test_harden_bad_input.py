# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The harden playbook refuses a bad allowlist before any step touches a host.

Runs the real playbook against this machine over the local connection, in check mode as a
second safety net: the play must fail on the controller-side validation, name the
offending entry, and run none of the steps (legacy services, firewall, audit).
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
PLAYBOOK = ROOT / "playbooks" / "harden.yml"
BINARY = pathlib.Path(sys.executable).parent / "ansible-playbook"

BAD_ALLOWLISTS = [
    ([{"port": 22}, {"port": 99999}], ["99999", "entry #2"]),
    ([{"port": 22}, {"port": 80, "proto": "sctp"}], ["sctp", "entry #2"]),
    ([{"port": "8000-7000"}], ["8000-7000", "entry #1"]),
    ([{"port": 443, "sources": ["10.0.0.300/8"]}], ["10.0.0.300/8", "entry #1"]),
]


@pytest.mark.skipif(not BINARY.exists(), reason="ansible-playbook is not installed next to this Python")
@pytest.mark.parametrize("allowlist, words", BAD_ALLOWLISTS, ids=["port", "proto", "range", "source"])
def test_bad_allowlist_stops_the_play_before_any_step(tmp_path, allowlist, words):
    extra = tmp_path / "vars.json"
    extra.write_text(json.dumps({"portwarden_allowlist": allowlist, "ansible_python_interpreter": sys.executable,
                                 "portwarden_serial": 1}))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0", ANSIBLE_BECOME="false",
               ANSIBLE_STDOUT_CALLBACK="default")
    run = subprocess.run(
        [str(BINARY), "-i", "target,", "-c", "local", "--check", "-e", "ansible_become=false", "-e", "@%s" % extra, str(PLAYBOOK)],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )
    output = run.stdout + run.stderr
    assert run.returncode != 0, output
    for word in words:
        assert word in output, output
    # One line that names the entry, not ansible-core's "Finalization of task args ... caused by" chain.
    fatal = [line for line in output.splitlines() if line.startswith("fatal:")]
    assert len(fatal) == 1, output
    message = json.loads(fatal[0].split("=> ", 1)[1])["msg"]
    # The fleet-wide check fails first; its one line names the host and the entry.
    assert "portwarden_allowlist entry #" in message and "\n" not in message, message
    assert "Finalization" not in output and "caused by" not in output, output
    # No step ran: validation is the first task after fact gathering.
    for step in ("Disable legacy services on every mechanism", "Apply the ruleset", "Compare listening sockets with the allowlist"):
        assert step not in output, output
