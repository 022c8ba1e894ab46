# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""A small simulated host for the legacy_services tests: systemctl, SysV scripts, inetd, xinetd, dpkg/apt, sockets.

It answers the commands the engine runs the way the real tools do (output formats copied
from Debian 12), keeps unit and package state, and derives the listening sockets from that
state: a unit's sockets vanish when it stops, inetd's and xinetd's follow the configuration
they last (re)read.
"""

from __future__ import annotations

import fnmatch
import pathlib

from ansible_collections.portwarden.hardening.plugins.module_utils.legacy import _inetd
from ansible_collections.portwarden.hardening.plugins.module_utils.legacy import _xinetd

PORTS = {"telnet": 23, "shell": 514, "login": 513, "exec": 512, "talk": 517, "ntalk": 518, "finger": 79, "echo": 7,
         "chargen": 19, "daytime": 13, "tftp": 69, "ftp": 21, "uucp": 540}
FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "legacy"


def socket(port, protocol="tcp", process=None, pid=None, unit=None, address="0.0.0.0", family="ipv4", via=None):
    """A socket item as the gatherer reports it; ``via`` names the unit whose stop closes it (default: unit)."""
    return {"protocol": protocol, "family": family, "address": address, "port": port, "process": process, "pid": pid,
            "pids": [pid] if pid else [], "unit": unit, "exposure": "wildcard", "interface": None, "v6only": None,
            "dual_stack": False, "inode": port, "user": "root", "uid": 0, "cmdline": process, "_via": via or unit}


def unit(name, file_state="enabled", active="active", fragment=None, load="loaded", ident=None):
    return {"load": load, "active": active, "file_state": file_state, "id": ident or name,
            "fragment": fragment if fragment is not None else "/lib/systemd/system/%s" % name}


class FakeSystem:
    def __init__(self, root, units=None, systemd=True, listeners=None, dpkg=None, apt=None, removes=None, sysv=None,
                 stubborn=None):
        self.root = pathlib.Path(root)
        self.units = dict(units or {})
        self.systemd = systemd
        self.listeners = list(listeners or [])
        self.dpkg = dict(dpkg or {})
        self.apt = set(apt or ())
        self.removes = dict(removes or {})
        self.sysv = dict(sysv or {})
        self.stubborn = list(stubborn or [])
        self.calls = []
        self.inetd_seen = self._read_inetd()
        self.xinetd_seen = self._read_xinetd()

    # -- files --------------------------------------------------------------------------
    def put(self, path, text):
        target = self.root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))
        self.inetd_seen = self._read_inetd()
        self.xinetd_seen = self._read_xinetd()

    def text(self, path):
        return (self.root / path.lstrip("/")).read_bytes().decode("utf-8")

    def _read_inetd(self):
        services = []
        for path in _inetd.config_files(str(self.root)):
            for entry in _inetd.parse(pathlib.Path(path).read_text(), path):
                if entry["state"] == "enabled":
                    services.append((entry["port"] or PORTS.get(entry["service"]), entry["proto"]))
        return services

    def _read_xinetd(self):
        services = []
        for path in _xinetd.config_files(str(self.root)):
            try:
                blocks = _xinetd.parse(pathlib.Path(path).read_text(), path)["services"]
            except _xinetd.XinetdError:
                # xinetd logs a broken file and carries on with the rest.
                continue
            for block in blocks:
                if block["enabled"]:
                    services.append((block["port"] or PORTS.get(block["name"]), block["proto"]))
        return services

    # -- sockets --------------------------------------------------------------------------
    def gather(self, protocols=("tcp", "udp"), families=("ipv4", "ipv6"), include_loopback=True, resolve_owners=True):
        items = list(self.stubborn)
        for item in self.listeners:
            owner = item.get("_via")
            managed = owner in self.units or (not self.systemd and owner and owner.rsplit(".", 1)[0] in self.sysv)
            # Sockets of units this host does not manage (sshd) always listen.
            if not managed or self._running(owner):
                items.append(item)
        if self._running("inetd.service"):
            items.extend(socket(port, proto, "inetd", 35, "inetd.service") for port, proto in self.inetd_seen)
        if self._running("xinetd.service"):
            items.extend(socket(port, proto, "xinetd", 63, "xinetd.service") for port, proto in self.xinetd_seen)
        return items, "netlink"

    def _running(self, name):
        if self.systemd:
            state = self.units.get(name)
            return bool(state) and state["active"] == "active"
        script = name.rsplit(".", 1)[0]
        return self.sysv.get(script, {}).get("running", False)

    # -- commands -------------------------------------------------------------------------
    def run(self, argv):
        self.calls.append(list(argv))
        tool = argv[0]
        if tool == "systemctl":
            return self._systemctl(argv[1], argv[argv.index("--") + 1:] if "--" in argv else [])
        if tool.startswith("/etc/init.d/"):
            return self._script(tool.rsplit("/", 1)[1], argv[1])
        if tool == "update-rc.d":
            self.sysv[argv[1]]["links"] = []
            for link in self.root.glob("etc/rc?.d/S??%s" % argv[1]):
                link.rename(link.with_name("K01%s" % argv[1]))
            return 0, "", ""
        if tool == "dpkg-query":
            return self._dpkg_query(argv[argv.index("--") + 1:])
        if tool == "apt-cache":
            names = [name for name in argv[argv.index("--") + 1:] if name in self.apt or name in self.dpkg]
            return 0, "".join("%s:\n  Installed: (none)\n  Candidate: 1.0\n" % name for name in names), ""
        if tool == "apt-get":
            return self._apt_get(argv)
        raise AssertionError("unexpected command %r" % (argv,))

    def mutations(self, since=0):
        """Calls (from call number ``since`` on) that change the host: everything except queries."""
        queries = {("systemctl", "show"), ("systemctl", "list-unit-files"), ("systemctl", "list-units")}
        changing = []
        for call in self.calls[since:]:
            if tuple(call[:2]) in queries or call[0] in ("dpkg-query", "apt-cache") or call[:2] == ["apt-get", "-s"]:
                continue
            if call[0].startswith("/etc/init.d/") and call[1] == "status":
                continue
            changing.append(call)
        return changing

    def _systemctl(self, verb, names):
        if verb == "show":
            blocks = []
            for name in names:
                state = self.units.get(name)
                if state is None:
                    blocks.append("Id=%s\nLoadState=not-found\nActiveState=inactive\nSubState=dead\nFragmentPath=\nSourcePath=\nUnitFileState=\n" % name)
                else:
                    blocks.append("Id=%s\nLoadState=%s\nActiveState=%s\nSubState=running\nFragmentPath=%s\nSourcePath=\nUnitFileState=%s\n"
                                  % (state["id"], state["load"], state["active"], state["fragment"], state["file_state"]))
            return 0, "\n".join(blocks), ""
        if verb == "list-unit-files":
            lines = ["%s %s -" % (name, self.units[name]["file_state"]) for name in names if name in self.units]
            return (0 if lines else 1), "\n".join(lines) + ("\n" if lines else ""), ""
        if verb == "list-units":
            lines = []
            for name, state in sorted(self.units.items()):
                if "@." not in name and any(fnmatch.fnmatch(name, pattern) for pattern in names):
                    lines.append("%s %s %s running instance" % (name, state["load"], state["active"]))
            return 0, "\n".join(lines) + "\n", ""
        if verb in ("stop", "disable", "mask"):
            for pattern in names:
                for name in [name for name in self.units if fnmatch.fnmatch(name, pattern)]:
                    state = self.units[name]
                    if verb == "stop":
                        state["active"] = "inactive"
                    elif verb == "disable" and state["file_state"] in ("enabled", "generated", "indirect"):
                        state["file_state"] = "disabled"
                    elif verb == "mask":
                        if state["fragment"].startswith("/etc/systemd/system/"):
                            return 1, "", "Failed to mask unit: File %s already exists." % state["fragment"]
                        state.update(load="masked", file_state="masked")
            return 0, "", ""
        if verb == "reload":
            if names == ["inetd.service"]:
                self.inetd_seen = self._read_inetd()
            if names == ["xinetd.service"]:
                self.xinetd_seen = self._read_xinetd()
            return 0, "", ""
        raise AssertionError("unexpected systemctl %s" % verb)

    def _script(self, script, verb):
        state = self.sysv.setdefault(script, {"running": False})
        if verb == "status":
            return (0 if state.get("running") else 3), "", ""
        if verb == "stop":
            state["running"] = False
        if verb == "reload" and script in ("openbsd-inetd", "inetutils-inetd"):
            self.inetd_seen = self._read_inetd()
        return 0, "", ""

    def _dpkg_query(self, names):
        lines, errors = [], []
        for name in sorted(names):
            if name in self.dpkg:
                lines.append("%s\t%s" % (name, self.dpkg[name]))
            else:
                errors.append("dpkg-query: no packages found matching %s" % name)
        return (1 if errors else 0), "\n".join(lines) + "\n", "\n".join(errors)

    def _apt_get(self, argv):
        names = argv[argv.index("--") + 1:]
        going = set()
        for name in names:
            going.add(name)
            going.update(self.removes.get(name, ()))
        out = "".join("Remv %s [1.0]\n" % name for name in sorted(going))
        if "-s" in argv:
            return 0, "Reading package lists...\n" + out, ""
        for name in going:
            self.dpkg[name] = "rc "
        return 0, out, ""


def inetd_host(tmp_path, conf="openbsd-inetd-planted.conf", **kwargs):
    """The scenario's inetd host: planted inetd.conf, tftpd-hpa (generated unit) and vsftpd running."""
    units = {
        "inetd.service": unit("inetd.service"),
        "tftpd-hpa.service": unit("tftpd-hpa.service", file_state="generated", fragment="/run/systemd/generator.late/tftpd-hpa.service"),
        "vsftpd.service": unit("vsftpd.service"),
    }
    units.update(kwargs.pop("units", {}))
    listeners = [socket(69, "udp", "in.tftpd", 53, "tftpd-hpa.service"), socket(21, "tcp", "vsftpd", 46, "vsftpd.service", "::", "ipv6"),
                 socket(22, "tcp", "sshd", 47, "ssh.service")] + kwargs.pop("listeners", [])
    fake = FakeSystem(tmp_path, units=units, listeners=listeners, **kwargs)
    fake.put("/etc/inetd.conf", (FIXTURES / "inetd" / conf).read_text())
    (tmp_path / "run" / "systemd" / "system").mkdir(parents=True, exist_ok=True)
    return fake


def xinetd_host(tmp_path, **kwargs):
    """The scenario's xinetd host: Debian's xinetd.conf, the planted service files, rpcbind socket-activated."""
    units = {
        "xinetd.service": unit("xinetd.service", file_state="generated", fragment="/run/systemd/generator.late/xinetd.service"),
        "rpcbind.service": unit("rpcbind.service"),
        "rpcbind.socket": unit("rpcbind.socket"),
    }
    units.update(kwargs.pop("units", {}))
    # Socket activation: pid 1 holds rpcbind's sockets, its cgroup is init.scope.
    listeners = [socket(111, "tcp", "systemd", 1, "init.scope", via="rpcbind.socket"),
                 socket(111, "udp", "systemd", 1, "init.scope", via="rpcbind.socket"),
                 socket(22, "tcp", "sshd", 47, "ssh.service")]
    fake = FakeSystem(tmp_path, units=units, listeners=listeners, **kwargs)
    fake.put("/etc/xinetd.conf", (FIXTURES / "xinetd" / "debian" / "xinetd.conf").read_text())
    for path in (FIXTURES / "xinetd" / "planted").iterdir():
        fake.put("/etc/xinetd.d/%s" % path.name, path.read_text())
    return fake
