# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""The bench host: one systemd container loaded with listening sockets and idle processes."""

from __future__ import annotations

import glob
import json
import os
import subprocess
import time

from pwbench import docker

TCP_BASE = 20000   # TCP ports 20000-29999
UDP_BASE = 11000   # UDP ports 11000-11999; both below the ephemeral range (Docker's DNS)
SPLIT = 4          # processes that share the plain (unshared) sockets
PREFORK = 3        # children of the pre-fork server: its sockets have 1 + 3 holders
REMOTE = "/opt/pwbench"
PSUTIL_VENV = "/opt/psutil-venv"


class BenchHost:
    def __init__(self, name: str, root: str, image: str) -> None:
        self.name = name
        self.root = root
        self.image = image
        self.address = None
        self.state = None

    def start(self, public_key: str) -> None:
        docker.start(self.name, self.image)
        docker.wait_booted(self.name)
        docker.authorise(self.name, public_key)
        self.address = docker.address(self.name)

    def install_helpers(self) -> None:
        """Target-side helpers, and the gatherer's module_utils to time it without Ansible."""
        lib = REMOTE + "/lib/ansible_collections/portwarden/hardening/plugins"
        docker.sh(self.name, "mkdir -p %s %s" % (REMOTE, lib))
        for path in sorted(glob.glob(os.path.join(self.root, "bench", "target", "*.py"))):
            docker.copy_in(self.name, path, REMOTE + "/")
        docker.copy_in(self.name, os.path.join(self.root, "plugins", "module_utils"), lib + "/")

    def install_psutil(self, wheel: str) -> str:
        """A scratch venv inside the host with psutil from a wheel copied in (no network)."""
        docker.copy_in(self.name, wheel, "/tmp/")
        site = docker.sh(self.name, "python3 -m venv --without-pip %s && %s/bin/python -c "
                         "'import sysconfig; print(sysconfig.get_paths()[\"purelib\"])'" % (PSUTIL_VENV, PSUTIL_VENV)).strip()
        docker.sh(self.name, "python3 -m zipfile -e /tmp/%s %s && %s/bin/python -c 'import psutil; print(psutil.__version__)'"
                  % (os.path.basename(wheel), site, PSUTIL_VENV))
        return docker.sh(self.name, "%s/bin/python -c 'import psutil; print(psutil.__version__)'" % PSUTIL_VENV).strip()

    def _units(self, tcp: int, udp: int) -> list:
        """(unit, tcp, udp, tcp_base, udp_base, prefork) for one load of sockets."""
        if tcp < 100:
            return [("bench-listen-0", tcp, udp, TCP_BASE, UDP_BASE, 0)]
        # One socket in a hundred belongs to a pre-fork server (shared by 4 processes);
        # the rest are split over SPLIT independent processes.
        shared_tcp, shared_udp = tcp // 100, udp // 100
        units = [("bench-listen-prefork", shared_tcp, shared_udp, TCP_BASE, UDP_BASE, PREFORK)]
        rest_tcp, rest_udp = tcp - shared_tcp, udp - shared_udp
        tcp_at, udp_at = TCP_BASE + shared_tcp, UDP_BASE + shared_udp
        for index in range(SPLIT):
            t = rest_tcp // SPLIT + (1 if index < rest_tcp % SPLIT else 0)
            u = rest_udp // SPLIT + (1 if index < rest_udp % SPLIT else 0)
            units.append(("bench-listen-%d" % index, t, u, tcp_at, udp_at, 0))
            tcp_at, udp_at = tcp_at + t, udp_at + u
        return units

    def load(self, tcp: int, udp: int, idle: int = 0) -> dict:
        """Replace the host's load: tcp/udp sockets in systemd units, plus idle processes."""
        docker.sh(self.name, "systemctl stop 'bench-*' 2>/dev/null; rm -f /run/bench-ready-*; true")
        units = self._units(tcp, udp)
        script = []
        for unit, t, u, tb, ub, prefork in units:
            script.append(
                "systemd-run --quiet --unit=%s -p LimitNOFILE=65536 python3 %s/listeners.py --tcp %d --udp %d "
                "--tcp-base %d --udp-base %d --prefork %d --ready /run/bench-ready-%s" % (unit, REMOTE, t, u, tb, ub, prefork, unit))
        if idle:
            script.append("systemd-run --quiet --unit=bench-idle -p TasksMax=infinity -p LimitNOFILE=65536 "
                          "python3 %s/idle_procs.py --count %d --ready /run/bench-ready-idle" % (REMOTE, idle))
        docker.sh(self.name, "\n".join(script))
        expected = len(units) + (1 if idle else 0)
        deadline = time.monotonic() + 300
        while int(docker.sh(self.name, "ls /run/bench-ready-* 2>/dev/null | wc -l").strip()) < expected:
            if time.monotonic() > deadline:
                raise RuntimeError("the bench load did not come up: %s" % docker.sh(self.name, "systemctl --no-pager status 'bench-*' | tail -30", check=False))
            time.sleep(0.5)
        sockets = int(docker.sh(self.name, "ss -Htuln | wc -l").strip())
        processes = int(docker.sh(self.name, "ls -d /proc/[0-9]* | wc -l").strip())
        self.state = {"tcp": tcp, "udp": udp, "idle": idle, "sockets": sockets, "processes": processes}
        return self.state

    def timeit(self, *argv, count_lines=False) -> dict:
        """Time a command as a process from inside the host (docker exec is not timed)."""
        args = ["exec", self.name, "python3", REMOTE + "/timeit.py"] + (["--count-lines"] if count_lines else []) + ["--", *argv]
        sample = json.loads(docker.docker(*args))
        if sample["rc"] != 0:
            raise RuntimeError("%s failed in %s: %s" % (" ".join(argv), self.name, sample["stderr"]))
        return sample

    def python(self, code: str, interpreter: str = "python3") -> dict:
        return self.timeit("env", "PYTHONPATH=%s/lib" % REMOTE, interpreter, "-c", code)


def psutil_wheel(bench_python: str, cache: str, version: str, machine: str) -> str:
    """Download (once) the psutil wheel for the host's CPU; it is abi3, so any CPython 3.6+."""
    os.makedirs(cache, exist_ok=True)
    found = glob.glob(os.path.join(cache, "psutil-%s-*%s*.whl" % (version, machine)))
    if not found:
        subprocess.run([bench_python, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps",
                        "--only-binary=:all:", "--platform", "manylinux2014_%s" % machine, "--python-version", "3.9",
                        "-d", cache, "psutil==%s" % version], check=True)
        found = glob.glob(os.path.join(cache, "psutil-%s-*%s*.whl" % (version, machine)))
    if not found:
        raise RuntimeError("no psutil %s wheel for %s in %s" % (version, machine, cache))
    return found[0]
