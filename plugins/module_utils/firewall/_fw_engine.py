# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""The apply sequence shared by every backend: validate, compare, snapshot, apply, persist.

``converge()`` is what the ``firewall_apply`` module runs. Its steps, in order:

1. normalise and **validate** the rendered ruleset (a ruleset that does not validate
   raises before anything is read or changed);
2. read what is **live** for the part we own and the record of the last apply;
3. decide whether the live ruleset is **in sync**: the backend decides when it can compare
   the live state with the rendered one directly (ufw, firewalld); otherwise the record
   must say that exactly this ruleset was applied and the live ruleset must still carry
   the fingerprint it had right after that apply (nftables, iptables: a listing read back
   from the kernel is not the text that was loaded);
4. build the **snapshot** of the previous state (``previous``), which a commit-confirmed
   wrapper hands back to the module to roll back;
5. unless in check mode: **apply** atomically when not in sync, record it, then
   **persist** (write the boot files) when asked.

With a ``guard`` (the commit-confirmed apply, see ``_fw_rollback.FirewallGuard``), a
rollback to the snapshot is armed right before the apply and its countdown restarted right
after it; an apply that fails half-way is rolled back at once; and the boot files are not
written here but handed to the guard, which writes them when the change is confirmed
(``persist_pending``), so a host that reboots before the confirmation loads the previous
ruleset. Backends whose tools write their own boot configuration as they apply (ufw,
firewalld: ``persists_on_apply``) have it held back: right after the apply the previous
files are put back and the new ones wait for the confirmation in the same way.

Parts are keyed by the module option that carries them (``content``, ``content_ipv6``,
``content_ipset``), so ``previous`` can be passed back to the module unchanged.
"""

from __future__ import annotations

import os

from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_base import (
    FirewallError,
    StateStore,
    read_text,
    remove_file,
    sha256,
)
from ansible_collections.portwarden.hardening.plugins.module_utils._atomic import write_atomic
from ansible_collections.portwarden.hardening.plugins.module_utils._constants import FIREWALL_STATE_DIR
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_firewalld import FirewalldBackend
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_iptables import IptablesBackend
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_nftables import NftablesBackend
from ansible_collections.portwarden.hardening.plugins.module_utils.firewall._fw_ufw import UfwBackend

# The one registry of backends: the ``backend`` option's choices, the classes the engine and
# the rollback build, and (a unit test checks) the rows of the role's backend table.
BACKENDS = {
    "nftables": NftablesBackend,
    "iptables": IptablesBackend,
    "ufw": UfwBackend,
    "firewalld": FirewalldBackend,
}
PATH_OPTIONS = {"content": "path", "content_ipv6": "path_ipv6", "content_ipset": "path_ipset"}
DEFAULT_STATE_DIR = FIREWALL_STATE_DIR
# Beside each boot file, a copy in <state_dir>/last-good/: the boot loaders fall back to it
# when the boot file does not load, so a damaged file never leaves a host without rules.
LAST_GOOD = "last-good"


def make_backend(name, run, which, options=None, tmpdir=None):
    if name not in BACKENDS:
        raise FirewallError("unknown firewall backend %r; use one of %s" % (name, ", ".join(sorted(BACKENDS))))
    options = dict(options or {})
    paths = {part: options.get(option) for part, option in PATH_OPTIONS.items() if options.get(option)}
    return BACKENDS[name](run, which, paths=paths, tmpdir=tmpdir, options=options)


def last_good_path(state_dir, path) -> str:
    return os.path.join(state_dir, LAST_GOOD, os.path.basename(path))


def _boot_files(backend, parts, state_dir) -> dict:
    """{path: text, or None for a file to remove}: the boot files and their last-good copies."""
    files = {}
    for part, path in sorted(backend.paths.items()):
        files[path] = files[last_good_path(state_dir, path)] = parts.get(part) or None
    return files


def _persist_needed(backend, parts, state_dir) -> bool:
    return any((read_text(path) or None) != text for path, text in _boot_files(backend, parts, state_dir).items())


def _persist(backend, parts, state_dir) -> None:
    for path, text in sorted(_boot_files(backend, parts, state_dir).items()):
        if text:
            write_atomic(path, text, mode=0o640, make_dirs=True)
        else:
            remove_file(path)


def _previous(backend, record, current) -> dict:
    if current is None:
        return {"present": False, "source": "absent"}
    if record is not None and record["live_sha256"] == sha256(current):
        return dict(record["applied"], present=True, source="applied")
    return dict(backend.parts_from_current(current), present=True, source="live")


def _diff(backend, previous, current, after) -> dict:
    if previous["source"] == "applied":
        before, header = backend.text(previous), "%s (last applied)" % backend.name
    elif previous["source"] == "live":
        before, header = current, "%s (live, not as portwarden last applied it)" % backend.name
    else:
        before, header = "", "%s (nothing of ours)" % backend.name
    return {"before": before, "after": after, "before_header": header, "after_header": "%s (rendered)" % backend.name}


def converge(backend, state="present", contents=None, persist=True, check_mode=False, state_dir=DEFAULT_STATE_DIR,
             guard=None) -> dict:
    """Bring the part of the firewall we own to ``state``; see the module docstring."""
    store = StateStore(state_dir, backend.name)
    result = {"backend": backend.name, "state": state, "applied": False, "persisted": False, "warnings": []}

    desired = None
    if state == "present":
        desired = backend.desired(**(contents or {}))
        try:
            backend.validate(desired)
        except FirewallError as error:
            raise FirewallError(
                "the rendered %s ruleset does not validate, nothing was changed: %s" % (backend.name, error),
                command=error.command,
                output=error.output,
            ) from None
    result["validated"] = state == "present"

    facts = backend.facts()
    result["warnings"].extend(facts.pop("warnings", []))
    result.update(facts)

    record = store.load()
    current = backend.current()
    previous = _previous(backend, record, current)
    result["previous"] = previous

    if state == "absent":
        on_disk = [path for path in _boot_files(backend, {}, state_dir) if read_text(path) is not None]
        live_change = backend.owns(current)
        persist_change = bool(on_disk) and not backend.persists_on_apply
        result["diff"] = _diff(backend, previous, current, "")
        if not check_mode:
            if live_change:
                backend.remove()
            if persist_change:
                for path in on_disk:
                    remove_file(path)
                try:
                    os.rmdir(os.path.join(state_dir, LAST_GOOD))
                except OSError:
                    pass
            store.clear()
        result.update(applied=live_change, persisted=persist_change, changed=live_change or persist_change)
        return result

    matches = backend.matches(desired, current)
    if matches is None:
        matches = (
            current is not None
            and record is not None
            and record["applied"] == desired
            and record["live_sha256"] == sha256(current)
        )
    persist_change = persist and not backend.persists_on_apply and _persist_needed(backend, desired, state_dir)
    result["in_sync"] = matches
    result["diff"] = _diff(backend, previous, current, backend.text(desired))
    if not check_mode:
        if not matches and guard is not None:
            result["rollback"] = guard.arm(
                backend, previous, desired, current, commit=_boot_files(backend, desired, state_dir) if persist_change else None
            )
            result["warnings"].extend(result["rollback"].get("notes", []))
            held = []
            try:
                backend.apply(desired, current)
                store.save(desired, backend.current())
                if backend.persists_on_apply:
                    held = guard.hold_boot_files(backend)
            except (FirewallError, OSError) as error:
                restored = guard.abort()
                raise FirewallError(
                    "applying the %s ruleset failed, so the snapshot taken before was restored at once (rolled back, "
                    "restore %s): %s" % (backend.name, "ok" if (restored.get("result") or {}).get("ok") else "reported errors", error),
                    command=getattr(error, "command", None),
                    output=getattr(error, "output", None),
                ) from None
            result["rollback"] = guard.applied()
            result["persist_pending"] = persist_change or bool(held)
            persist_change = False
        elif not matches:
            backend.apply(desired, current)
            store.save(desired, backend.current())
        elif record is None or record["applied"] != desired:
            # In sync by the backend's own comparison: remember it, so a rollback has an
            # exact snapshot, without touching the firewall.
            store.save(desired, current)
        if persist_change:
            _persist(backend, desired, state_dir)
    result.update(applied=not matches, persisted=persist_change,
                  changed=(not matches) or persist_change or bool(result.get("persist_pending")))
    return result
