# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bench containers: started like molecule/_shared/create.yml starts them, reached over SSH.

Every container and the network carry the label portwarden.bench=true, so bench/run.sh
can remove whatever a failed or interrupted run left behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import time

LABEL = "portwarden.bench=true"
NETWORK = "pw-bench"


def run(*argv, check=True, capture=True, input_text=None, timeout=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        list(argv), check=check, text=True, input=input_text, timeout=timeout,
        stdout=subprocess.PIPE if capture else None, stderr=subprocess.PIPE if capture else None,
    )


def docker(*argv, **kwargs) -> str:
    try:
        return run("docker", *argv, **kwargs).stdout or ""
    except subprocess.CalledProcessError as error:
        raise RuntimeError("docker %s failed: %s" % (" ".join(argv[:3]), (error.stderr or "").strip())) from None


def remove_all() -> None:
    """Remove every bench container and the bench network (leftovers included)."""
    ids = docker("ps", "-aq", "--filter", "label=" + LABEL).split()
    if ids:
        docker("rm", "-f", *ids)
    if docker("network", "ls", "-q", "--filter", "name=^%s$" % NETWORK).strip():
        docker("network", "rm", NETWORK, check=False)


def ensure_network() -> None:
    if not docker("network", "ls", "-q", "--filter", "name=^%s$" % NETWORK).strip():
        # No fixed subnet: Docker picks a free one, so the bench never clashes with the
        # networks of Molecule scenarios or the demo running on the same engine.
        docker("network", "create", "--label", LABEL, NETWORK)


def start(name: str, image: str) -> None:
    """Start one systemd container with the settings of molecule/_shared/create.yml."""
    docker("rm", "-f", name, check=False)
    docker(
        "run", "-d", "--name", name, "--hostname", name, "--label", LABEL,
        "--cap-add", "NET_ADMIN", "--cap-add", "SYS_ADMIN",
        "--tmpfs", "/run", "--tmpfs", "/run/lock",
        "-v", "/sys/fs/cgroup:/sys/fs/cgroup:ro", "-e", "container=docker",
        "--network", NETWORK, image, "/lib/systemd/systemd",
    )


def wait_booted(name: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while True:
        # Right after `docker run` systemd may not answer yet (empty output): ask again.
        out = docker("exec", name, "systemctl", "is-system-running", "--wait", check=False, timeout=timeout).strip()
        if out in ("running", "degraded"):
            break
        state = docker("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", name, check=False).strip()
        if not state.startswith("running"):
            raise RuntimeError("%s stopped while booting (%s); systemd exits with 255 when the kernel's "
                               "fs.inotify.max_user_instances is used up by other containers" % (name, state))
        if time.monotonic() > deadline:
            raise RuntimeError("%s did not boot: systemctl is-system-running says %r" % (name, out))
        time.sleep(1)
    deadline = time.monotonic() + 60
    while docker("exec", name, "systemctl", "is-active", "ssh.service", check=False).strip() != "active":
        if time.monotonic() > deadline:
            raise RuntimeError("sshd did not start in %s" % name)
        time.sleep(0.5)


def address(name: str) -> str:
    info = json.loads(docker("inspect", name))[0]
    return info["NetworkSettings"]["Networks"][NETWORK]["IPAddress"]


def authorise(name: str, public_key: str) -> None:
    docker("exec", "-i", name, "sh", "-c",
           "mkdir -p -m 700 /root/.ssh && cat > /root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys",
           input_text=public_key)


def sh(name: str, script: str, check=True, timeout=None) -> str:
    """Run a shell script inside the container; return its stdout."""
    return docker("exec", name, "bash", "-c", script, check=check, timeout=timeout)


def copy_in(name: str, source: str, dest: str) -> None:
    docker("cp", source, "%s:%s" % (name, dest))


def cpu_counter(name: str):
    """A callable returning the CPU seconds the container has used so far, or None when the
    engine's cgroup layout is unknown. Counts the module, sshd and everything else inside."""
    cid = docker("inspect", "-f", "{{.Id}}", name).strip()
    candidates = [
        ("/sys/fs/cgroup/cpuacct/docker/%s/cpuacct.usage" % cid, 1e-9),          # v1, cgroupfs driver
        ("/sys/fs/cgroup/cpu,cpuacct/docker/%s/cpuacct.usage" % cid, 1e-9),
        ("/sys/fs/cgroup/docker/%s/cpu.stat" % cid, 1e-6),                        # v2, cgroupfs driver
        ("/sys/fs/cgroup/system.slice/docker-%s.scope/cpu.stat" % cid, 1e-6),     # v2, systemd driver
    ]
    for path, scale in candidates:
        if os.path.exists(path):
            def read(path=path, scale=scale):
                with open(path, encoding="ascii") as handle:
                    text = handle.read()
                if path.endswith("cpu.stat"):
                    text = text.split("usage_usec", 1)[1].split()[0]
                return int(text.strip()) * scale
            return read
    return None
