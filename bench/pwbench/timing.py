# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Alternating timers and the statistics every table reports (median, min, max, n)."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time


def log(message: str) -> None:
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), message), file=sys.stderr, flush=True)


def timed_process(argv, env=None, cwd=None, timeout=None) -> dict:
    """Run a controller-side command; wall seconds and the CPU its process tree used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    try:
        proc = subprocess.run(argv, check=False, env=env, cwd=cwd, timeout=timeout, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except subprocess.TimeoutExpired:
        # subprocess.run has killed the command; the caller decides what a timeout means.
        return {"wall": time.perf_counter() - start, "cpu": None, "rc": None, "stdout": "",
                "stderr": "timed out after %s s" % timeout}
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "rc": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}


def alternate(contenders, rounds: int, record, runs=None) -> None:
    """Run every contender once per round, rotating who goes first.

    contenders: list of (name, callable returning a sample dict). runs: {name: at most
    this many runs} for contenders too slow to repeat every round. record(name, round,
    sample) stores each sample. Rotating the order spreads the machine's background load
    (a shared machine) over all contenders instead of always hitting the same one.
    """
    runs = runs or {}
    done = {name: 0 for name, _fn in contenders}
    for round_no in range(rounds):
        shift = round_no % len(contenders)
        for name, fn in contenders[shift:] + contenders[:shift]:
            if done[name] >= runs.get(name, rounds):
                continue
            sample = fn()
            if sample is None:   # the contender declined (out of its time budget)
                done[name] = runs.get(name, rounds)
                continue
            sample["load"] = os.getloadavg()[0]
            done[name] += 1
            record(name, round_no, sample)


def summary(values) -> dict:
    values = [v for v in values if v is not None]
    if not values:
        return {"n": 0, "median": None, "min": None, "max": None}
    return {"n": len(values), "median": statistics.median(values), "min": min(values), "max": max(values)}
