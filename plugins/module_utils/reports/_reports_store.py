# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Where the drift-check reports live: ``latest.*`` in the report directory, the previous
run read back from ``latest.json``, and one timestamped JSON per run under ``history/``.

Files are written to a temporary name in the same directory and renamed over the old one,
so a CI job or a web server reading ``latest.html`` never sees half a file.

Reports describe a fleet's weaknesses: files are private (``FILE_MODE``) and the
directories this code creates, and ``history/`` always, are private too (``DIRECTORY_MODE``).
A report directory that already existed keeps its mode: it may be shared (``/srv/reports``).
"""

from __future__ import annotations

import os
import re

from ansible_collections.portwarden.hardening.plugins.module_utils._atomic import write_atomic
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports import (
    load_json,
    make_run_id,
    parse_time,
    render_json,
)
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_html import render_html
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_junit import render_junit
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_markdown import render_markdown
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_prometheus import render_prometheus
from ansible_collections.portwarden.hardening.plugins.module_utils.reports._reports_sarif import render_sarif

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
FILE_MODE = 0o600
DIRECTORY_MODE = 0o700
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


def parse_mode(value, name: str) -> int:
    """A permission mode from an int or an octal string ("0600", "600"); ValueError naming ``name``."""
    if isinstance(value, int) and not isinstance(value, bool):
        mode = value
    else:
        text = str(value).strip()
        if not text or any(char not in "01234567" for char in text):
            raise ValueError("%s must be an octal mode such as 0600, got %r" % (name, value))
        mode = int(text, 8)
    if not 0 <= mode <= 0o7777:
        raise ValueError("%s must be an octal mode such as 0600, got %r" % (name, value))
    return mode


def write_if_changed(path: str, text: str, mode: int = FILE_MODE) -> bool:
    """Write ``text`` to ``path`` (atomically) unless it already holds exactly that with ``mode``; True when changed."""
    data = text.encode("utf-8")
    try:
        with open(path, "rb") as handle:
            if handle.read() == data:
                if os.stat(path).st_mode & 0o7777 == mode:
                    return False
                os.chmod(path, mode)
                return True
    except OSError:
        pass
    write_atomic(path, data, mode=mode)
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


def make_directory(path: str, mode: int, always: bool) -> bool:
    """Create ``path`` (and missing parents) with ``mode``; with ``always``, fix the mode of an existing one.

    Returns True when something changed.
    """
    changed = False
    if not os.path.isdir(path):
        parent = os.path.dirname(os.path.abspath(path))
        if parent and not os.path.isdir(parent):
            make_directory(parent, mode, False)
        os.mkdir(path, mode)
        always = changed = True
    if always and os.stat(path).st_mode & 0o7777 != mode:
        # mkdir's mode is cut by the umask; say exactly what was asked.
        os.chmod(path, mode)
        changed = True
    return changed


def store(run, rendered: dict, dest: str, history: int, mode: int = FILE_MODE,
          directory_mode: int = DIRECTORY_MODE) -> dict:
    """Write the rendered reports and the run's history copy; return what was written."""
    written = []
    if rendered or history > 0:
        if make_directory(dest, directory_mode, False):
            written.append(dest)
    for fmt, text in rendered.items():
        path = os.path.join(dest, FILE_NAMES[fmt])
        if write_if_changed(path, text, mode):
            written.append(path)
    history_file = None
    pruned = []
    if history > 0:
        directory = os.path.join(dest, HISTORY_DIR)
        make_directory(directory, directory_mode, True)
        # Earlier runs' copies were written with a laxer mode; they are as sensitive.
        for name in os.listdir(directory):
            older = os.path.join(directory, name)
            if _HISTORY_FILE.match(name) and os.path.isfile(older) and os.stat(older).st_mode & 0o7777 != mode:
                os.chmod(older, mode)
        # Named by the start time, not the run id, which a caller may have chosen freely.
        history_file = os.path.join(directory, history_name(directory, make_run_id(parse_time(run["started"]))))
        write_if_changed(history_file, rendered.get("json") or render_json(run), mode)
        written.append(history_file)
        pruned = prune_history(directory, history)
    return {"written": written, "history_file": history_file, "pruned": pruned}
