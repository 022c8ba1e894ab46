# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Package removal decisions from dpkg-query, apt-cache and apt-get -s output (formats as on Debian 12)."""

from __future__ import annotations

import pytest

from ansible_collections.portwarden.hardening.plugins.module_utils.legacy import _legacy_packages as packages


class Apt:
    """dpkg/apt answers for a host: installed packages, known names, and what removing each takes along."""

    def __init__(self, installed, known=(), takes=None, fail_simulation=False):
        self.installed = set(installed)
        self.known = set(known)
        self.takes = dict(takes or {})
        self.fail_simulation = fail_simulation
        self.simulations = []

    def __call__(self, argv):
        names = argv[argv.index("--") + 1:]
        if argv[0] == "dpkg-query":
            lines = ["%s\t%s" % (name, "ii " if name in self.installed else "un ") for name in sorted(names)
                     if name in self.installed or name in self.known]
            missing = [name for name in names if name not in self.installed and name not in self.known]
            return (1 if missing else 0), "\n".join(lines) + "\n", "".join("dpkg-query: no packages found matching %s\n" % n for n in missing)
        if argv[0] == "apt-cache":
            return 0, "".join("%s:\n  Installed: (none)\n  Candidate: 1\n" % name for name in names if name in self.known), ""
        if argv[:2] == ["apt-get", "-s"]:
            self.simulations.append(names)
            if self.fail_simulation:
                return 100, "", "E: Unable to locate package %s" % names[0]
            going = set(names)
            for name in names:
                going.update(self.takes.get(name, ()))
            return 0, "NOTE: This is only a simulation!\n" + "".join("Remv %s [1.0]\n" % name for name in sorted(going)), ""
        raise AssertionError(argv)


@pytest.mark.parametrize("apt, wanted, protected, remove, kept", [
    (Apt({"telnetd", "inetutils-telnetd"}, takes={"inetutils-telnetd": ["telnetd"]}),
     {"telnet": ["telnetd", "inetutils-telnetd"]}, {}, ["inetutils-telnetd", "telnetd"], {}),
    (Apt({"rpcbind", "nfs-common"}, takes={"rpcbind": ["nfs-common"]}),
     {"rpcbind": ["rpcbind"]}, {}, [], {"rpcbind": {"rpcbind": "removing rpcbind would also remove nfs-common"}}),
    (Apt({"rpcbind", "nfs-common", "vsftpd"}, takes={"rpcbind": ["nfs-common"]}),
     {"rpcbind": ["rpcbind"], "ftp": ["vsftpd"]}, {}, ["vsftpd"], {"rpcbind": {"rpcbind": "removing rpcbind would also remove nfs-common"}}),
    (Apt({"openbsd-inetd", "talkd"}, takes={"openbsd-inetd": ["talkd"]}),
     {"inetd": ["openbsd-inetd"], "talk": ["talkd"]}, {}, ["openbsd-inetd", "talkd"], {}),
    (Apt({"rsh-server"}), {"rsh": ["rsh-server"]}, {"rsh-server": "also serves rlogin, which is kept"}, [],
     {"rsh": {"rsh-server": "also serves rlogin, which is kept"}}),
])
def test_plan_removes_only_sets_that_take_nothing_else_along(apt, wanted, protected, remove, kept):
    decided = packages.plan(apt, wanted, protected)
    assert decided["remove"] == remove
    assert dict((name, report["kept"]) for name, report in decided["services"].items() if report["kept"]) == kept


def test_plan_reports_unknown_names_instead_of_skipping_them():
    apt = Apt({"vsftpd"}, known={"proftpd-core"})
    report = packages.plan(apt, {"ftp": ["vsftpd", "proftpd-core", "vsftp"]}, {})["services"]["ftp"]
    assert report == {"installed": ["vsftpd"], "absent": ["proftpd-core"], "unknown": ["vsftp"], "remove": ["vsftpd"], "kept": {}}


def test_plan_keeps_everything_when_only_the_combination_drags_something_in():
    class Combined(Apt):
        def __call__(self, argv):
            rc, out, err = super().__call__(argv)
            names = argv[argv.index("--") + 1:] if "--" in argv else []
            if argv[:2] == ["apt-get", "-s"] and {"a", "b"} <= set(names):
                out += "Remv c [1.0]\n"
            return rc, out, err
    decided = packages.plan(Combined({"a", "b", "c"}), {"one": ["a"], "two": ["b"]}, {})
    assert decided["remove"] == []
    assert decided["services"]["one"]["kept"] == {"a": "removing the set together would also remove c"}


def test_a_failing_simulation_is_an_error_not_a_removal():
    with pytest.raises(packages.PackageError, match="apt-get -s remove vsftpd failed"):
        packages.plan(Apt({"vsftpd"}, fail_simulation=True), {"ftp": ["vsftpd"]}, {})


def test_nothing_installed_means_no_simulation():
    apt = Apt(set(), known={"vsftpd"})
    assert packages.plan(apt, {"ftp": ["vsftpd"]}, {})["remove"] == []
    assert apt.simulations == []
