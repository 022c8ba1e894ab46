# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""What every firewall backend shares: the contract (``Backend``), the error type, how commands run, files on disk.

Backends never import AnsibleModule. They are handed a ``run`` callable with the shape of
``AnsibleModule.run_command`` restricted to what they need::

    run(argv: list, data: str | None = None) -> (rc: int, stdout: str, stderr: str)

and a ``which`` callable (``which(name) -> path or None``). Tests hand them fakes.
"""

from __future__ import annotations

import abc
import hashlib
import json
import os
import re
import tempfile

from ansible_collections.portwarden.hardening.plugins.module_utils._atomic import write_atomic
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._live_firewall import empty_state

# Paths end up in generated shell scripts and systemd units (boot loaders, ExecStart=):
# absolute, only characters no shell or unit parser treats specially, no ".." component.
SAFE_PATH = re.compile(r"^/[A-Za-z0-9._+@/-]*$")
SAFE_PATH_HINT = "an absolute path of letters, digits and . _ + @ - / only, without '..'"
# Deleting a rule, chain or set that is not there is fine during a restore (restore plans).
MISSING_OK = [0, 1, 2]


class FirewallError(Exception):
    """A step failed; ``str(e)`` says which step and carries the tool's own message."""

    def __init__(self, message, command=None, output=None):
        super().__init__(message)
        self.command = command
        self.output = output


def sha256(text) -> str:
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()


def ensure_newline(text) -> str:
    text = text or ""
    return text if not text or text.endswith("\n") else text + "\n"


def path_problem(value, name):
    """Why ``value`` is not a safe path for option ``name``, or None when it is."""
    if value is None:
        return None
    if not isinstance(value, str) or not SAFE_PATH.match(value) or ".." in value.split("/") or "//" in value:
        return "%s must be %s, got %r" % (name, SAFE_PATH_HINT, value)
    return None


def check_paths(options, names) -> None:
    """Raise FirewallError naming every unsafe path option in ``names``."""
    problems = [problem for problem in (path_problem(options.get(name), name) for name in names) if problem]
    if problems:
        raise FirewallError("; ".join(problems) + "; nothing was changed")


def required_content(content, backend, what) -> str:
    """The one rendered file a single-file backend applies; raise FirewallError when it is empty."""
    if not (content or "").strip():
        raise FirewallError("the %s backend needs 'content' (%s)" % (backend, what))
    return content


def read_text(path):
    """File content, or None when the file does not exist."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def remove_file(path) -> bool:
    try:
        os.unlink(path)
        return True
    except FileNotFoundError:
        return False


class TemporaryText:
    """A temporary file holding ``text`` for tools that only read files (``nft -f``).

    ``display`` replaces the temporary path in the tool's messages, so an error points at
    "the rendered ruleset" instead of a random file name.
    """

    def __init__(self, text, suffix="", directory=None, display="rendered ruleset"):
        self.text = text
        self.suffix = suffix
        self.directory = directory
        self.display = display
        self.path = None

    def __enter__(self):
        handle, self.path = tempfile.mkstemp(prefix="portwarden-", suffix=self.suffix, dir=self.directory)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(self.text)
        return self

    def __exit__(self, *exc):
        if self.path and os.path.exists(self.path):
            os.unlink(self.path)

    def clean(self, message) -> str:
        return (message or "").replace(self.path or "\0", self.display)


def run_checked(run, argv, what, data=None, clean=None):
    """Run ``argv``; raise FirewallError naming ``what`` when it fails."""
    rc, out, err = run(argv, data=data)
    if rc != 0:
        output = (err or "").strip() or (out or "").strip()
        shown = " ".join(argv)
        if clean is not None:
            output, shown = clean(output), clean(shown)
        raise FirewallError("%s failed (%s, rc=%d): %s" % (what, shown, rc, output), command=argv, output=output)
    return out


def need(which, name, backend):
    """Path of a required tool, or a FirewallError that names the package-less backend."""
    path = which(name)
    if not path:
        raise FirewallError(
            "the %s backend needs '%s', which is not installed on this host (or not in PATH)" % (backend, name)
        )
    return path


class StateStore:
    """What the module applied last, per backend: ``<state_dir>/<backend>.json``.

    It holds the applied parts (the exact text that was loaded) and a fingerprint of the
    live ruleset right after the load. A later run compares both to decide that nothing
    changed; the applied text is also the exact snapshot a rollback restores, because a
    listing read back from the kernel is not always loadable as it was written (nft 0.9.8
    prints IPv6 prefixes shorter than /64 in concatenated sets as /64).
    """

    VERSION = 1

    def __init__(self, state_dir, backend):
        self.path = os.path.join(state_dir, "%s.json" % backend)

    def load(self):
        text = read_text(self.path)
        if text is None:
            return None
        try:
            record = json.loads(text)
        except ValueError:
            return None
        if not isinstance(record, dict) or record.get("version") != self.VERSION:
            return None
        if not isinstance(record.get("applied"), dict) or not isinstance(record.get("live_sha256"), str):
            return None
        return record

    def save(self, applied, live) -> None:
        record = {"version": self.VERSION, "applied": applied, "live_sha256": sha256(live)}
        write_atomic(self.path, json.dumps(record, sort_keys=True, indent=1) + "\n", mode=0o600, make_dirs=True)

    def clear(self) -> bool:
        return remove_file(self.path)


class Backend(abc.ABC):
    """The contract every firewall backend implements; ``_fw_engine.BACKENDS`` registers them.

    A backend owns one part of the host's firewall (a table, a chain, tagged rules, a zone)
    and everything the host needs to know about it: its tools, how it validates, reads,
    applies and removes that part, the files it boots from, how a commit-confirmed apply
    puts it back (``restore_plan``), and how the firewall the kernel enforces is read back
    for ``port_audit`` (``live_state``). The engine (``_fw_engine.converge``), the rollback
    (``_fw_rollback``) and the audit (``_live_firewall_host``) only call the members below,
    never a backend's privates.

    "Parts" are dicts keyed by the module option that carries them (``content``,
    ``content_ipv6``, ``content_ipset``); the role's table
    (``roles/firewall/vars/main.yml``, ``__portwarden_firewall_backends``) holds the
    deployment side of the same backend (packages, templates, units).
    """

    #: The ``backend`` option value and the key in ``_fw_engine.BACKENDS``.
    name = None
    #: True when the backend's own tools write its boot configuration as they apply (ufw,
    #: firewalld): the engine then writes no boot files, and a commit-confirmed apply holds
    #: ``boot_files()`` back until the change is confirmed.
    persists_on_apply = False

    def __init__(self, run, which, paths=None, tmpdir=None, options=None):
        """``run``/``which`` as described in this module's docstring; ``paths``: {part: boot
        file} from the module's path options (unset ones take the backend's defaults);
        ``tmpdir``: where temporary files go; ``options``: the module's options (zone, ...).
        Sets ``self.paths``: {part: boot file the engine writes}, empty when
        ``persists_on_apply``."""
        self.run = run
        self.which = which
        self.tmpdir = tmpdir
        self.paths = {}

    def tool(self, name) -> str:
        """Path of a tool this backend runs, or a FirewallError naming the missing tool."""
        return need(self.which, name, self.name)

    @abc.abstractmethod
    def desired(self, **contents) -> dict:
        """The rendered module options -> the parts to apply, normalised (trailing newline,
        atomic-replace header); raise FirewallError when a required part is missing."""

    @abc.abstractmethod
    def validate(self, parts) -> None:
        """Raise FirewallError unless ``parts`` only touch what is ours and the backend's
        own checker accepts them; changes nothing on the host."""

    @abc.abstractmethod
    def current(self):
        """The live state of our part as text (compared by fingerprint), or None when
        nothing of ours is there."""

    @abc.abstractmethod
    def parts_from_current(self, current) -> dict:
        """Parts that restore ``current``: the snapshot used when no exact record of the
        last apply exists."""

    def matches(self, parts, current):
        """True/False when the backend can compare ``parts`` with ``current`` itself; None
        (the default) lets the engine's record of the last apply decide."""
        return None

    def owns(self, current) -> bool:
        """Whether ``current`` holds anything of ours to remove (``state=absent``)."""
        return current is not None

    @abc.abstractmethod
    def apply(self, parts, current=None) -> None:
        """Make the live part equal ``parts``, as atomically as the tool allows; raise
        FirewallError naming the failed step."""

    @abc.abstractmethod
    def remove(self) -> None:
        """Remove everything of ours from the live firewall; leave the rest alone."""

    def facts(self) -> dict:
        """What the result reports about the host's firewall: ``mixed_backends`` and
        optional ``warnings`` (rules that bypass ours, a stopped daemon, ...)."""
        return {"mixed_backends": False}

    @abc.abstractmethod
    def text(self, parts) -> str:
        """``parts`` as one text for the diff."""

    def boot_files(self) -> list:
        """The files the host loads our part from at boot: the engine's boot files by
        default; a ``persists_on_apply`` backend lists the files its tool writes."""
        return sorted(self.paths.values())

    @abc.abstractmethod
    def restore_plan(self, previous, desired) -> dict:
        """The plan that puts the live firewall back to the snapshot ``previous`` after
        ``desired`` was (perhaps partly) applied, for ``_rollback``:
        ``{"files": [paths put back byte for byte], "payloads": {name: text}, "steps":
        [{"argv": [...], "stdin"/"ok_rc": ...}]}`` plus optional ``"restore_files":
        "after"``. It always goes back to the snapshot, never to an open firewall; it runs
        later, without this module, so every argv holds absolute tool paths."""

    @classmethod
    def live_state(cls, read, options=None) -> dict:
        """The firewall the kernel enforces, read back for ``port_audit`` (its drift check and
        verdicts), in the shape of ``_live_firewall.empty_state``. ``read(argv) -> text or
        None`` runs one read-only command (a tuple) on the host; None when it fails. A class
        method: the audit reads without what an apply needs (``run``, ``which``, paths).
        ``options``: what the audit knows of the firewall role's settings (``zone``).
        Parsing must never raise on what the host prints. The default reads nothing
        (``rules_read`` False): nothing is compared and every verdict is ``unknown``."""
        return empty_state(cls.name)
