# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Describe the machine the figures were taken on."""

from __future__ import annotations

import os
import platform
import subprocess


def _out(*argv) -> str:
    try:
        return subprocess.run(list(argv), check=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def describe(root: str, host_name: str | None = None) -> dict:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_kib = 0
    with open("/proc/meminfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    venv = os.path.join(root, ".venv", "bin")
    core = _out(os.path.join(venv, "python"), "-c", "import ansible; print(ansible.__version__)")
    ansible_pkg = _out(os.path.join(venv, "python"), "-c",
                       "import importlib.metadata as m; print(m.version('ansible'))")
    general = _out(os.path.join(venv, "python"), "-c",
                   "import json, os, importlib.util as u; "
                   "d = list(u.find_spec('ansible_collections.community.general').submodule_search_locations)[0]; "
                   "print(json.load(open(os.path.join(d, 'MANIFEST.json')))['collection_info']['version'])")
    info = {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "docker": _out("docker", "version", "--format", "{{.Server.Version}}"),
        "python": platform.python_version(),
        "controller_python": _out(os.path.join(venv, "python"), "-c", "import platform; print(platform.python_version())"),
        "ansible_core": core,
        "ansible": ansible_pkg,
        "community_general": general,
        "containers_running": len(_out("docker", "ps", "-q").split()),
        "load_start": os.getloadavg(),
    }
    if host_name:
        info["host_python"] = _out("docker", "exec", host_name, "python3", "-c", "import platform; print(platform.python_version())")
        info["host_ss"] = _out("docker", "exec", host_name, "ss", "-V")
        info["host_os"] = _out("docker", "exec", host_name, "sh", "-c", ". /etc/os-release; echo $PRETTY_NAME")
    return info


def code_state(root: str) -> dict:
    """Which collection code was measured: the commit, and a hash of the working tree's
    plugins/, roles/ and playbooks/ (they may change while a measure runs)."""
    import hashlib

    digest = hashlib.sha256()
    for top in ("plugins", "roles", "playbooks"):
        for base, dirs, files in os.walk(os.path.join(root, top)):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                path = os.path.join(base, name)
                digest.update(os.path.relpath(path, root).encode())
                with open(path, "rb") as handle:
                    digest.update(handle.read())
    commit = _out("git", "-C", root, "rev-parse", "--short", "HEAD")
    dirty = _out("git", "-C", root, "status", "--porcelain", "--", "plugins", "roles", "playbooks")
    return {"commit": commit, "tree": digest.hexdigest()[:12], "uncommitted_files": len(dirty.splitlines()) if dirty else 0}
