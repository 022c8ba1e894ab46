# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Where the drift-check reports live: ``latest.*`` in the report directory, the previous
run read back from ``latest.json``, and one timestamped JSON per run under ``history/``.

Files are written to a temporary name in the same directory and renamed over the old one,
so a CI job or a web server reading ``latest.html`` never sees half a file.
"""

from __future__ import annotations

import os
import re
import tempfile

from ansible_collections.portwarden.hardening.plugins.module_utils._reports import (
    load_json,
    make_run_id,
    parse_time,
    render_json,
)
from ansible_collections.portwarden.hardening.plugins.module_utils._reports_html import render_html
from ansible_collections.portwarden.hardening.plugins.module_utils._reports_junit import render_junit
from ansible_collections.portwarden.hardening.plugins.module_utils._reports_markdown import render_markdown
from ansible_collections.portwarden.hardening.plugins.module_utils._reports_prometheus import render_prometheus
from ansible_collections.portwarden.hardening.plugins.module_utils._reports_sarif import render_sarif

RENDERERS = {
    "json": render_json,
    "junit": render_junit,
    "html": render_html,
    "markdown": render_markdown,
    "prometheus": render_prometheus,
    "sarif": render_sarif,
}
FILE_NAMES = {
    "json": "latest.json",
    "junit": "latest.junit.xml",
    "html": "latest.html",
    "markdown": "latest.md",
    "prometheus": "latest.prom",
    "sarif": "latest.sarif",
}
HISTORY_DIR = "history"
_HISTORY_FILE = re.compile(r"^([0-9]{8}T[0-9]{6}Z)(?:-([0-9]+))?\.json$")


def read_previous(path: str) -> tuple:
    """``(document, warning)``; a missing file is the first run, not a problem."""
    if not path or not os.path.exists(path):
        return None, None
    try:
        with open(path, encoding="utf-8") as handle:
            document = load_json(handle.read())
    except (OSError, UnicodeDecodeError) as error:
        return None, "cannot read the previous report %s: %s" % (path, error)
    if document is None:
        return None, "the previous report %s is not valid JSON; changes since it are not reported" % path
    return document, None


def write_atomic(path: str, text: str, mode: int = 0o644) -> bool:
    """Write ``text`` to ``path`` unless it already holds exactly that; True when written."""
    data = text.encode("utf-8")
    try:
        with open(path, "rb") as handle:
            if handle.read() == data:
                return False
    except OSError:
        pass
    directory = os.path.dirname(path) or "."
    handle, temp = tempfile.mkstemp(prefix=".portwarden-", dir=directory)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    return True


def render_all(run, formats, options=None) -> dict:
    """``{format: text}``; ``options`` maps a format to its renderer's keyword arguments (junit: grouping)."""
    options = options or {}
    return {fmt: RENDERERS[fmt](run, **options.get(fmt, {})) for fmt in formats}


def _history_key(name: str) -> tuple:
    """Run files in run order: the stamp, then the same-second suffix (none = 1)."""
    match = _HISTORY_FILE.match(name)
    return (match.group(1), int(match.group(2) or 1))


def history_name(directory: str, stamp: str) -> str:
    """``<stamp>.json``, or ``<stamp>-N.json`` after the last run that started in the same second."""
    same = [_history_key(name)[1] for name in os.listdir(directory)
            if _HISTORY_FILE.match(name) and _history_key(name)[0] == stamp]
    if not same:
        return "%s.json" % stamp
    return "%s-%d.json" % (stamp, max(same) + 1)


def prune_history(directory: str, keep: int) -> list:
    """Delete the oldest run files beyond ``keep``; only names this module writes are touched."""
    if not os.path.isdir(directory):
        return []
    runs = sorted((name for name in os.listdir(directory) if _HISTORY_FILE.match(name)), key=_history_key)
    doomed = runs[:-keep] if keep > 0 else runs
    for name in doomed:
        os.unlink(os.path.join(directory, name))
    return [os.path.join(directory, name) for name in doomed]


def planned_paths(dest: str, formats) -> dict:
    return {fmt: os.path.join(dest, FILE_NAMES[fmt]) for fmt in formats}


def store(run, rendered: dict, dest: str, history: int) -> dict:
    """Write the rendered reports and the run's history copy; return what was written."""
    if rendered or history > 0:
        os.makedirs(dest, exist_ok=True)
    written = []
    for fmt, text in rendered.items():
        path = os.path.join(dest, FILE_NAMES[fmt])
        if write_atomic(path, text):
            written.append(path)
    history_file = None
    pruned = []
    if history > 0:
        directory = os.path.join(dest, HISTORY_DIR)
        os.makedirs(directory, exist_ok=True)
        # Named by the start time, not the run id, which a caller may have chosen freely.
        history_file = os.path.join(directory, history_name(directory, make_run_id(parse_time(run["started"]))))
        write_atomic(history_file, rendered.get("json") or render_json(run))
        written.append(history_file)
        pruned = prune_history(directory, history)
    return {"written": written, "history_file": history_file, "pruned": pruned}
