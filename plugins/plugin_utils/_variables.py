# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Variables as an action plugin reads them: templated only when they hold a template.

ansible-core 2.19 templates a container value by value, whatever it holds: an allowlist of
10,000 entries costs most of a second each time it is templated, and a role used to
template it half a dozen times (argument specs, lookups, the fleet check, facts). An
action plugin receives the task's variables as written. ``resolve()`` hands a value on as
it is when no string in it could be a template - exactly what templating would return -
and templates it otherwise, so ``{{ ... }}`` in an allowlist keeps working.
"""

from __future__ import annotations

from collections.abc import Mapping

# Jinja's start strings, and the header that may change them for one string.
_MARKERS = ("{{", "{%", "{#")
_HEADER = "#jinja2:"


def may_template(value) -> bool:
    """Whether any string in ``value`` (keys included) could be a template; a fast, conservative scan."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "{" in item and any(marker in item for marker in _MARKERS) or item.startswith(_HEADER):
                return True
        elif isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
    return False


def resolve(templar, value):
    """``value`` as templating it would give, templated only when it may hold a template."""
    return templar.template(value) if may_template(value) else value


class HostView(Mapping):
    """One host's variables through ``hostvars``, each templated only when it needs it.

    ``hostvars[host][name]`` templates the whole value on every access; this reads the raw
    value once (``HostVars.raw_get``) and falls back to that templated access only for a
    value that may hold a template. Each name is resolved once: the fleet check reads the
    running host's view for every targeted host, and a 10,000-entry allowlist must be
    neither scanned nor templated again each time.
    """

    def __init__(self, hostvars, host: str):
        self._hostvars = hostvars
        self._host = host
        raw = hostvars.raw_get(host)
        self._raw = raw if isinstance(raw, Mapping) else {}
        self._resolved = {}

    def __getitem__(self, name):
        if name not in self._resolved:
            value = self._raw[name]
            self._resolved[name] = self._hostvars[self._host][name] if may_template(value) else value
        return self._resolved[name]

    def __contains__(self, name) -> bool:
        return name in self._raw

    def __iter__(self):
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)
