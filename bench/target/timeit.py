# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs inside the bench host (stdlib only): time one command as a process, from inside.
#
#   timeit.py [--count-lines] -- CMD ARG...
#
# Prints one JSON object: wall seconds, CPU seconds (user + system of the command, from
# wait4), its exit status, and either its stdout line count (--count-lines) or the last
# integer it printed. Timing from inside the host keeps `docker exec` out of the figure.
from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def main() -> int:
    args = sys.argv[1:]
    count_lines = False
    if args and args[0] == "--count-lines":
        count_lines, args = True, args[1:]
    if args and args[0] == "--":
        args = args[1:]
    start = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = child.stdout.read()
    err = child.stderr.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    text = out.decode("utf-8", "replace")
    if count_lines:
        items = len(text.splitlines())
    else:
        words = text.split()
        items = int(words[-1]) if words and words[-1].isdigit() else None
    json.dump({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rc": child.returncode,
               "items": items, "stderr": err.decode("utf-8", "replace")[-500:]}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
