# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""The previous run's JSON document, from a path or from an http(s) URL.

A drift check in AWX/AAP or CI starts in a fresh execution environment with an empty report
directory, so "what changed since the last run" needs the previous ``latest.json`` from
somewhere else: an artifact store, a web server, an object store's pre-signed URL. This
file fetches it. The contract matches ``_reports_store.read_previous``: ``(document, warning)``;
nothing there yet (a missing file, HTTP 404) is a first run, anything else that goes wrong
is a warning and the run goes on without the comparison. The document is untrusted input:
its size is capped and ``_reports.usable_previous`` checks its shape.
"""

from __future__ import annotations

import re

from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports import load_json
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_store import read_previous

# A run document of 10,000 hosts is far below this; anything larger is not ours.
MAX_BYTES = 64 * 1024 * 1024
_URL = re.compile(r"^https?://", re.IGNORECASE)


def open_url(url, **kwargs):
    """Ansible's open_url (proxies, TLS, redirects), imported on first use: this file is also
    imported where only the standard library is (the target-Python compile check), and
    reading a previous report from a path needs nothing more."""
    from ansible.module_utils.urls import open_url as ansible_open_url

    return ansible_open_url(url, **kwargs)


def is_url(source) -> bool:
    return isinstance(source, str) and bool(_URL.match(source.strip()))


def redact(url: str) -> str:
    """The URL without user:password@ and without a query (pre-signed URLs carry their secret there)."""
    text = re.sub(r"^(https?://)[^/@]*@", r"\1", url.strip(), flags=re.IGNORECASE)
    return text.split("?", 1)[0]


def fetch_previous(url: str, headers=None, timeout: int = 30, validate_certs: bool = True, opener=open_url) -> tuple:
    """``(document, warning)`` for an http(s) URL; HTTP 404 is a first run."""
    shown = redact(url)
    try:
        response = opener(url.strip(), headers=dict(headers or {}), timeout=timeout, validate_certs=validate_certs,
                          follow_redirects="safe")
        data = response.read(MAX_BYTES + 1)
    except Exception as error:  # pylint: disable=broad-except
        # urllib's HTTPError, URLError, ssl and socket errors all land here; none may stop the run.
        if getattr(error, "code", None) == 404:
            return None, None
        reason = getattr(error, "code", None) or getattr(error, "reason", None) or error
        return None, "cannot fetch the previous report %s: %s; changes since it are not reported" % (shown, reason)
    if len(data) > MAX_BYTES:
        return None, "the previous report %s is larger than %d bytes; changes since it are not reported" % (shown, MAX_BYTES)
    try:
        document = load_json(data.decode("utf-8"))
    except UnicodeDecodeError:
        document = None
    if document is None:
        return None, "the previous report %s is not valid JSON; changes since it are not reported" % shown
    return document, None


def load_previous(source: str, headers=None, timeout: int = 30, validate_certs: bool = True, opener=open_url) -> tuple:
    """``(document, warning)`` from a path or an http(s) URL."""
    if is_url(source):
        return fetch_previous(source, headers, timeout, validate_certs, opener)
    return read_previous(source)
