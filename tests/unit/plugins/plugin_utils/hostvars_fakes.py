# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""A fake of ansible-core's ``hostvars`` (HostVars) as the controller-side plugins use it.

``raw_get(host)`` gives a host's variables as written, or an ``Undefined`` (not a mapping)
for a host it does not know; ``hostvars[host][name]`` templates the value. Both record what
was asked, so a test can prove that a value was read raw and templated only when needed.
"""

from __future__ import annotations


class Undefined:
    """What HostVars.raw_get gives for a host it does not know (AnsibleUndefined): not a mapping."""


class FakeHostVars:
    """``raw``: {host: {name: value as written}}; ``template(host, name, value)``: what
    ``hostvars[host][name]`` gives (by default the value as written)."""

    def __init__(self, raw, template=None):
        self.raw = raw
        self.template = template or (lambda _host, _name, value: value)
        self.raw_gets = []   # hosts, in the order raw_get was called
        self.templated = []  # (host, name), in the order hostvars[host][name] was read

    def raw_get(self, host):
        self.raw_gets.append(host)
        return self.raw.get(host, Undefined())

    def __getitem__(self, host):
        outer = self

        class Templated:
            def __getitem__(self, name):
                outer.templated.append((host, name))
                return outer.template(host, name, outer.raw[host][name])

        return Templated()
