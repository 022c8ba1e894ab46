# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""portwarden_report_previous: a job that starts with an empty report directory still compares.

Runs the real drift_check playbook twice over the local connection (read-only), each time
into a fresh report directory, as AWX/AAP or CI jobs do. The second run reads the first
run's latest.json from a URL served by a real HTTP server, which wants a token header.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import pathlib
import subprocess
import sys
import threading

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
BINARY = pathlib.Path(sys.executable).parent / "ansible-playbook"
TOKEN = "Bearer artifact-store-token"


class Store(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the name http.server calls
        if self.headers.get("Authorization") != TOKEN:
            self.send_error(403)
            return
        super().do_GET()

    def log_message(self, *args):
        pass


def drift_check(tmp_path, name, extra_vars):
    extra = tmp_path / ("%s.json" % name)
    extra.write_text(json.dumps(dict({
        "ansible_python_interpreter": sys.executable, "ansible_become": False,
        "portwarden_allowlist": [{"port": 2, "required": True}],
        "portwarden_report_dir": str(tmp_path / name), "portwarden_report_formats": ["json", "html"],
    }, **extra_vars)))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0", ANSIBLE_STDOUT_CALLBACK="default")
    run = subprocess.run([str(BINARY), "-i", "pw-one,", "-c", "local", "-e", "@%s" % extra,
                          str(ROOT / "playbooks" / "drift_check.yml")],
                         capture_output=True, text=True, env=env, timeout=300, check=False, cwd=str(tmp_path))
    assert run.returncode == 0, run.stdout + run.stderr
    return run, json.loads((tmp_path / name / "latest.json").read_text())


@pytest.mark.skipif(not BINARY.exists(), reason="ansible-playbook is not installed next to this Python")
def test_a_fresh_job_compares_with_the_previous_run_from_a_url(tmp_path):
    _run, first = drift_check(tmp_path, "job1", {})
    assert first["changes"] is None  # a first run

    handler = functools.partial(Store, directory=str(tmp_path / "job1"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = "http://127.0.0.1:%d/latest.json" % server.server_address[1]
        previous = {"portwarden_report_previous": url, "portwarden_report_previous_headers": {"Authorization": TOKEN}}
        run, second = drift_check(tmp_path, "job2", previous)
        _run, third = drift_check(tmp_path, "job3", {"portwarden_report_previous": url.replace("latest", "nothing-yet")})
    finally:
        server.shutdown()
        server.server_close()
    assert not (tmp_path / "job2" / "history" / ("%s.json" % first["run_id"])).exists()  # nothing on disk to read
    assert second["changes"]["previous_run_id"] == first["run_id"]
    assert second["changes"]["hosts_added"] == []
    assert [brief["run_id"] for brief in second["history"]] == [first["run_id"]]
    assert "artifact-store-token" not in run.stdout + run.stderr
    page = (tmp_path / "job2" / "latest.html").read_text()
    assert '<table id="history"' in page
    # Nothing at the URL yet (HTTP 404) is a first run, not an error.
    assert third["changes"] is None
