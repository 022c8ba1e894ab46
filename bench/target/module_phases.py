# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs inside the bench host: where does listening_ports spend its time on the target?
#
#   module_phases.py ANSIBALLZ_FILE DEBUG_DIR ROUNDS
#
# ANSIBALLZ_FILE is the module exactly as Ansible shipped it (kept with
# ANSIBLE_KEEP_REMOTE_FILES=1), DEBUG_DIR its `explode`d copy. Prints JSON: the whole
# module run as a process, each phase of it timed without a profiler (median of ROUNDS),
# and the functions a cProfile run of the module ranks highest.
from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import runpy
import statistics
import subprocess
import sys
import time

MODULE = "ansible_collections.portwarden.hardening.plugins.modules.listening_ports"


# The collection's action plugin asks the module to return its bulky values as one JSON
# text through this environment variable (module_utils/_packed.py); versions without that
# transport have no such name in their module_utils.
PACK_ENV = "PORTWARDEN_PACK_RESULT"


def run_process(argv):
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=dict(os.environ, **{PACK_ENV: "1"}))
    out = child.stdout.read()
    _pid, _status, usage = os.wait4(child.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, len(out)


def main() -> int:
    ansiballz, debug_dir, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    result = {"process": [], "import": [], "gather": [], "sanitise": [], "encode": [], "packed": []}
    packed_source = os.path.join(debug_dir, "ansible_collections", "portwarden", "hardening", "plugins", "module_utils",
                                 "_packed.py")
    with open(packed_source, encoding="utf-8") if os.path.exists(packed_source) else io.StringIO() as handle:
        result["pack_option"] = PACK_ENV in handle.read()
    for _round in range(rounds):
        wall, cpu, size = run_process([sys.executable, ansiballz])
        result["process"].append({"wall": wall, "cpu": cpu})
        result["output_bytes"] = size
        code = ("import time; t = time.perf_counter(); import ansible.module_utils.basic; "
                "import ansible_collections.portwarden.hardening.plugins.module_utils.sockets._sockets; "
                "print(time.perf_counter() - t)")
        out = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=debug_dir),
                             stdout=subprocess.PIPE, check=True, text=True).stdout
        result["import"].append(float(out.split()[-1]))

    sys.path.insert(0, debug_dir)
    from ansible.module_utils import basic
    from ansible.module_utils.common.parameters import remove_values
    from ansible.module_utils.common import json as _json
    from ansible_collections.portwarden.hardening.plugins.module_utils.sockets._sockets import gather

    encoder = _json.get_module_encoder("legacy", _json.Direction.MODULE_TO_CONTROLLER)
    for _round in range(rounds):
        t0 = time.perf_counter()
        items, method = gather()
        t1 = time.perf_counter()
        # What AnsibleModule.exit_json does with every result: strip no_log values (a
        # walk over every value, even when the module has no no_log option), then encode.
        payload = remove_values({"changed": False, "method": method, "ansible_facts": {"portwarden_listening": items}}, set())
        t2 = time.perf_counter()
        json.dumps(payload, cls=encoder)
        t3 = time.perf_counter()
        # The packed transport: the bulky values as one text (plain C encoder), then the
        # same exit path, which now sees a handful of values.
        packed = {"changed": False, "method": method,
                  "_packed_result": json.dumps({"ansible_facts": {"portwarden_listening": items}}, separators=(",", ":"))}
        json.dumps(remove_values(packed, set()), cls=encoder)
        t4 = time.perf_counter()
        result["gather"].append(t1 - t0)
        result["sanitise"].append(t2 - t1)
        result["encode"].append(t3 - t2)
        result["packed"].append(t4 - t3)
    result["items"] = len(items)
    result["values"] = sum(len(item) for item in items)

    basic._ANSIBLE_ARGS = open(os.path.join(debug_dir, "args"), "rb").read()
    basic._ANSIBLE_PROFILE = "legacy"
    profiler = cProfile.Profile()
    stdout, sys.stdout = sys.stdout, io.StringIO()
    profiler.enable()
    try:
        runpy.run_module(MODULE, run_name="__main__", alter_sys=True)
    except SystemExit:
        pass
    profiler.disable()
    sys.stdout = stdout
    stats = pstats.Stats(profiler)
    total = sum(row[2] for row in stats.stats.values())
    top = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:15]
    result["profile_total"] = total
    result["profile_top"] = [
        {"function": "%s:%d(%s)" % (os.path.relpath(k[0], debug_dir) if k[0].startswith(debug_dir) else k[0], k[1], k[2]),
         "calls": v[1], "tottime": v[2], "cumtime": v[3]} for k, v in top]
    cum = {}
    for (path, _line, name), row in stats.stats.items():
        for label, want in (("gather", "gather"), ("remove_values", "remove_values"), ("exit_json", "exit_json"),
                            ("json_encode", "dumps")):
            if name == want and (label != "gather" or path.endswith("_sockets.py")):
                cum[label] = max(cum.get(label, 0.0), row[3])
    result["profile_cumulative"] = cum
    for key in ("import", "gather", "sanitise", "encode", "packed"):
        result[key] = statistics.median(result[key])
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
