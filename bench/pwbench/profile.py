# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where listening_ports spends its time at the headline size, target side and controller side."""

from __future__ import annotations

import collections
import json
import os
import subprocess

from pwbench import docker
from pwbench import timing
from pwbench.host import REMOTE

# py-spy stack buckets for the controller, first match wins (frame names as py-spy prints them).
CONTROLLER_BUCKETS = (
    ("waiting on the host (SSH; the module runs there)", ("Connection._run", "Connection.exec_command", "Connection.put_file")),
    ("building the module payload (AnsiballZ)", ("modify_module", "_configure_module")),
    ("worker: decoding the module's JSON", ("_parse_returned_data",)),
    ("worker: strip_internal_keys / clean_facts / module_response_deepcopy",
     ("strip_internal_keys", "clean_facts", "module_response_deepcopy", "remove_internal_keys")),
    ("worker -> main: result queue (pickling)", ("FinalQueue.send_task_result", "_ForkingPickler", "Queue.put", "_recv_bytes", "Queue.get")),
    ("main: storing facts and results", ("_process_pending_results",)),
    ("main: callbacks (transform_to_native_types)", ("send_callback",)),
    ("start-up (imports, inventory, playbook)", ("_find_and_load", "PlaybookCLI", "InventoryManager")),
)


def target_phases(host, ansible, inventory, playbook, rounds: int) -> dict:
    """Keep the module as shipped, explode it, and time its phases inside the host."""
    docker.sh(host.name, "rm -rf /root/.ansible/tmp/ansible-tmp-*")
    ansible.playbook(inventory, playbook, ANSIBLE_KEEP_REMOTE_FILES="1")
    tmp = docker.sh(host.name, "ls -d /root/.ansible/tmp/ansible-tmp-*/ | head -1").strip()
    ansiballz = tmp + "AnsiballZ_listening_ports.py"
    docker.sh(host.name, "cd %s && python3 %s explode >/dev/null" % (tmp, ansiballz))
    out = docker.sh(host.name, "python3 %s/module_phases.py %s %sdebug_dir %d" % (REMOTE, ansiballz, tmp, rounds))
    docker.sh(host.name, "rm -rf /root/.ansible/tmp/ansible-tmp-*")
    return json.loads(out)


def controller_profile(py_spy: str, ansible, inventory, playbook, out_dir: str) -> dict:
    """Sample one ansible-playbook run (main process and workers) with py-spy; bucket the samples."""
    raw = os.path.join(out_dir, "controller-py-spy-%s.txt" % os.path.splitext(os.path.basename(playbook))[0])
    argv = [py_spy, "record", "--subprocesses", "--format", "raw", "--rate", "250", "-o", raw, "--",
            os.path.join(ansible.bin, "python"), os.path.join(ansible.bin, "ansible-playbook"), "-i", inventory, playbook]
    proc = subprocess.run(argv, check=False, env=ansible.env(), cwd=ansible.workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0 or not os.path.exists(raw):
        return {"error": (proc.stderr or proc.stdout).strip()[-800:]}
    buckets = collections.Counter()
    functions = collections.Counter()
    total = 0
    with open(raw, encoding="utf-8") as handle:
        for line in handle:
            stack, _sep, count = line.rstrip("\n").rpartition(" ")
            if not count.isdigit():
                continue
            count = int(count)
            total += count
            frames = stack.split(";")
            for label, needles in CONTROLLER_BUCKETS:
                if any(needle in frame for frame in frames for needle in needles):
                    buckets[label] += count
                    break
            else:
                buckets["other"] += count
            functions[frames[-1].split(" (")[0]] += count
    timing.log("controller profile: %d samples" % total)
    return {"samples": total, "rate": 250, "buckets": buckets.most_common(), "top_self": functions.most_common(12)}
