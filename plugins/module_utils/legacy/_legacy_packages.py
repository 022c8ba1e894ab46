# -*- coding: utf-8 -*-
# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# This file is part of portwarden.hardening; it is private to the collection and may change without notice.
"""Remove the packages of disabled legacy services, but only when nothing else goes with them.

Masking already stops a service from starting; removing its package is the optional second
step. apt removes reverse dependencies silently (removing rpcbind takes nfs-common along,
removing nftables can take Docker), so every removal is simulated first (``apt-get -s``)
and a service whose removal would drag in a package outside the removal set keeps its
packages, with the reason reported. Names that neither dpkg nor apt know are reported as
``unknown`` instead of being skipped: a wrong name in a catalog otherwise removes nothing
and says nothing.
"""

from __future__ import annotations

import re

_REMOVE_LINE = re.compile(r"^Remv (\S+)")


class PackageError(RuntimeError):
    """apt or dpkg failed; the message carries the command and its output."""


def supported(family: str) -> bool:
    return family == "Debian"


def plan(run, wanted: dict, protected: dict) -> dict:
    """Decide what to remove.

    wanted: {service: [package names]} for the services being disabled.
    protected: {package: reason} for packages that other, not disabled, services still need.
    Returns {"services": {service: report}, "remove": [packages]} where a report is
    {installed, absent, unknown, remove, kept: {package: reason}}.
    """
    names = sorted(set(name for packages in wanted.values() for name in packages))
    status = _dpkg_status(run, names)
    unknown_to_dpkg = [name for name in names if name not in status]
    known_to_apt = _apt_known(run, unknown_to_dpkg)
    reports = {}
    candidates = {}
    for service, packages in wanted.items():
        report = {"installed": [], "absent": [], "unknown": [], "remove": [], "kept": {}}
        for name in packages:
            if name in status and status[name]:
                report["installed"].append(name)
            elif name in status or name in known_to_apt:
                report["absent"].append(name)
            else:
                report["unknown"].append(name)
        for name in report["installed"]:
            if name in protected:
                report["kept"][name] = protected[name]
            else:
                candidates.setdefault(service, []).append(name)
        reports[service] = report
    removal = _settle(run, candidates, reports)
    for service, packages in candidates.items():
        reports[service]["remove"] = [name for name in packages if name in removal]
    return {"services": reports, "remove": sorted(removal)}


def remove(run, packages) -> tuple:
    """apt-get remove the packages (no purge: their configuration stays, as with a manual removal)."""
    if not packages:
        return 0, "", ""
    return run(["apt-get", "remove", "-y", "-q", "--"] + list(packages))


def simulate(run, packages) -> set:
    """The packages ``apt-get -s remove`` says would go."""
    rc, out, err = run(["apt-get", "-s", "-y", "remove", "--"] + list(packages))
    if rc != 0:
        raise PackageError("apt-get -s remove %s failed (rc=%s): %s" % (" ".join(packages), rc, (err or out).strip()))
    return set(match.group(1) for match in (_REMOVE_LINE.match(line) for line in out.splitlines()) if match)


def _settle(run, candidates: dict, reports: dict) -> set:
    """Shrink the removal set until its simulation removes nothing outside it."""
    removal = set(name for packages in candidates.values() for name in packages)
    while removal:
        extra = simulate(run, sorted(removal)) - removal
        if not extra:
            return removal
        dropped = False
        for service in sorted(candidates):
            own = [name for name in candidates[service] if name in removal]
            if not own:
                continue
            dragged = sorted(simulate(run, own) - removal)
            if dragged:
                for name in own:
                    reports[service]["kept"][name] = "removing %s would also remove %s" % (", ".join(own), ", ".join(dragged))
                    removal.discard(name)
                dropped = True
        if not dropped:
            # Only the combination drags something in; keep everything rather than guess.
            for service, packages in candidates.items():
                for name in packages:
                    if name in removal:
                        reports[service]["kept"][name] = "removing the set together would also remove %s" % ", ".join(sorted(extra))
            return set()
    return removal


def _dpkg_status(run, names) -> dict:
    """{name: installed?} for every name dpkg has a record of."""
    if not names:
        return {}
    rc, out, err = run(["dpkg-query", "-W", "-f=${Package}\\t${db:Status-Abbrev}\\n", "--"] + list(names))
    # rc 1 only means some names were not found; those are reported on stderr.
    if rc not in (0, 1):
        raise PackageError("dpkg-query failed (rc=%s): %s" % (rc, (err or out).strip()))
    status = {}
    for line in out.splitlines():
        name, dummy, abbrev = line.partition("\t")
        # Second letter of db:Status-Abbrev: i installed; U/F/H/W/t half-installed states count too.
        status[name.split(":")[0]] = len(abbrev) > 1 and abbrev[1] in "iUFHWt"
    return status


def _apt_known(run, names) -> set:
    """Names apt-cache has any record of (installable, virtual, or gone from the archive)."""
    if not names:
        return set()
    rc, out, err = run(["apt-cache", "policy", "--"] + list(names))
    known = set()
    for line in out.splitlines():
        if line and not line[0].isspace() and line.endswith(":"):
            known.add(line[:-1])
    return known
