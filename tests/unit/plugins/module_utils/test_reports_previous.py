# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The previous run from a path or a URL: served by a real HTTP server on the loopback address."""

from __future__ import annotations

import http.server
import json
import threading

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.reports import _reports_previous
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_previous import is_url, load_previous, redact

DOCUMENT = {"schema": "portwarden.hardening/drift-run", "run_id": "20260125T120000Z", "hosts": {}}


class Store(http.server.BaseHTTPRequestHandler):
    """/latest.json serves DOCUMENT; /private.json only with the right token; /broken is not JSON; /huge is too big."""

    def do_GET(self):  # noqa: N802 - the name http.server calls
        routes = {
            "/latest.json": (200, json.dumps(DOCUMENT).encode()),
            "/broken": (200, b"{truncated"),
            "/binary": (200, b"\xff\xfe\x00"),
            "/error": (500, b"oops"),
        }
        if self.path.startswith("/private.json"):
            ok = self.headers.get("Authorization") == "Bearer s3cret"
            status, body = (200, json.dumps(DOCUMENT).encode()) if ok else (403, b"no")
        elif self.path == "/huge":
            status, body = 200, b"[" + b"0," * 40 + b"0]"
        else:
            status, body = routes.get(self.path.split("?")[0], (404, b"not found"))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def base():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Store)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "source, url",
    [("https://store/x.json", True), ("HTTP://store/x", True), ("/srv/reports/latest.json", False),
     ("ftp://store/x", False), ("latest.json", False), (None, False)],
)
def test_is_url(source, url):
    assert is_url(source) is url


def test_redact_leaves_out_credentials_and_query():
    assert redact("https://user:pw@store.example/r/latest.json?X-Amz-Signature=abc") == "https://store.example/r/latest.json"


def test_fetches_the_document(base):
    assert load_previous(base + "/latest.json") == (DOCUMENT, None)


def test_sends_the_headers(base):
    assert load_previous(base + "/private.json", headers={"Authorization": "Bearer s3cret"}) == (DOCUMENT, None)
    document, warning = load_previous(base + "/private.json?token=hidden")
    assert document is None
    assert warning == "cannot fetch the previous report %s/private.json: 403; changes since it are not reported" % base


def test_not_found_is_a_first_run(base):
    assert load_previous(base + "/nothing-yet.json") == (None, None)


@pytest.mark.parametrize(
    "path, words",
    [
        ("/broken", "is not valid JSON"),
        ("/binary", "is not valid JSON"),
        ("/error", ": 500;"),
    ],
)
def test_bad_answers_are_warnings(base, path, words):
    document, warning = load_previous(base + path)
    assert document is None
    assert words in warning


def test_oversized_documents_are_refused(base, monkeypatch):
    monkeypatch.setattr(_reports_previous, "MAX_BYTES", 32)
    document, warning = load_previous(base + "/huge")
    assert document is None
    assert "larger than 32 bytes" in warning


def test_unreachable_store_is_a_warning():
    # Port 9 on the loopback address: nothing listens (connection refused).
    document, warning = load_previous("http://127.0.0.1:9/latest.json", timeout=5)
    assert document is None
    assert warning.startswith("cannot fetch the previous report http://127.0.0.1:9/latest.json:")


def test_paths_still_work(tmp_path):
    path = tmp_path / "latest.json"
    assert load_previous(str(path)) == (None, None)
    path.write_text(json.dumps(DOCUMENT))
    assert load_previous(str(path)) == (DOCUMENT, None)
