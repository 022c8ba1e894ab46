# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run Ansible against bench containers over SSH and time it from the controller."""

from __future__ import annotations

import json
import os

from pwbench import timing


class Ansible:
    def __init__(self, root: str, workdir: str, key_file: str) -> None:
        self.root = root
        self.bench = os.path.join(root, "bench")
        self.workdir = workdir
        self.key_file = key_file
        self.bin = os.path.join(root, ".venv", "bin")
        self.count_file = os.path.join(workdir, "counts.jsonl")
        # Callables returning CPU seconds used so far inside the targets (see docker.cpu_counter).
        self.host_cpu = []

    def env(self, **extra) -> dict:
        env = dict(os.environ)
        env.update(
            PATH=self.bin + os.pathsep + env.get("PATH", ""),
            ANSIBLE_CONFIG=os.path.join(self.bench, "ansible.cfg"),
            ANSIBLE_COLLECTIONS_PATH=os.path.join(self.root, ".cache", "collections"),
            ANSIBLE_FORCE_COLOR="0",
            ANSIBLE_NOCOLOR="1",
            PWBENCH_COUNT_FILE=self.count_file,
            # Ad-hoc `ansible` loads enabled callbacks only with this (bench_count).
            ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
        )
        for name in ("ANSIBLE_PIPELINING", "ANSIBLE_FORKS"):
            env.pop(name, None)
        env.update({key: str(value) for key, value in extra.items()})
        return env

    def write_inventory(self, name: str, hosts: dict, group: str = "bench", group_vars: dict | None = None) -> str:
        """hosts: {inventory name: address}. Written as JSON (valid YAML)."""
        path = os.path.join(self.workdir, name)
        data = {"all": {
            "vars": {
                "ansible_user": "root",
                "ansible_ssh_private_key_file": self.key_file,
                # Fresh containers each run: their host keys are not worth remembering.
                "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR",
                "ansible_python_interpreter": "/usr/bin/python3",
            },
            "children": {group: {"hosts": {host: {"ansible_host": addr} for host, addr in hosts.items()},
                                 "vars": group_vars or {}}},
        }}
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1)
        return path

    def _counts_since(self, offset: int) -> dict:
        counts: dict = {}
        if not os.path.exists(self.count_file):
            return counts
        with open(self.count_file, encoding="utf-8") as handle:
            handle.seek(offset)
            for line in handle:
                for key, value in json.loads(line)["counts"].items():
                    counts[key] = counts.get(key, 0) + value
        return counts

    def _offset(self) -> int:
        return os.path.getsize(self.count_file) if os.path.exists(self.count_file) else 0

    def _run(self, argv, env_extra, timeout) -> dict:
        offset = self._offset()
        before = [probe() for probe in self.host_cpu]
        sample = timing.timed_process(argv, env=self.env(**env_extra), cwd=self.workdir, timeout=timeout)
        host_cpu = sum(probe() - start for probe, start in zip(self.host_cpu, before)) if self.host_cpu else None
        if sample["rc"] is None:
            raise TimeoutError("%s %s" % (" ".join(argv[:4]), sample["stderr"]))
        if sample["rc"] != 0:
            tail = (sample["stdout"] + sample["stderr"]).strip().splitlines()[-15:]
            raise RuntimeError("%s exited %d:\n%s" % (" ".join(argv[:4]), sample["rc"], "\n".join(tail)))
        counts = self._counts_since(offset)
        recap = "\n".join(line for line in sample["stdout"].splitlines() if "changed=" in line)
        return {"wall": sample["wall"], "cpu": sample["cpu"], "host_cpu": host_cpu, "counts": counts, "stdout": recap,
                "items": sum(v for k, v in counts.items() if not k.startswith("drift_")) or None}

    def playbook(self, inventory: str, playbook: str, *args, timeout=1800, **env_extra) -> dict:
        argv = [os.path.join(self.bin, "ansible-playbook"), "-i", inventory, playbook, *args]
        return self._run(argv, env_extra, timeout)

    def adhoc(self, inventory: str, pattern: str, module: str, module_args: str | None = None, timeout=600, **env_extra) -> dict:
        argv = [os.path.join(self.bin, "ansible"), "-i", inventory, pattern, "-m", module]
        if module_args:
            argv += ["-a", module_args]
        return self._run(argv, env_extra, timeout)
