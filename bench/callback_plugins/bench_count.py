# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bench-only callback: record how many items each task returned, so the benchmark can
check that every contender saw the same sockets without printing megabytes of JSON."""

from __future__ import annotations

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: bench_count
type: aggregate
short_description: write per-task item counts to $PWBENCH_COUNT_FILE (benchmark use only)
description: Appends one JSON line per successful task with the length of every list fact it returned.
requirements: [enable in callbacks_enabled]
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_count"
    CALLBACK_NEEDS_ENABLED = True

    def v2_runner_on_ok(self, result):
        path = os.environ.get("PWBENCH_COUNT_FILE")
        if not path:
            return
        data = result.result
        counts = {key: len(value) for key, value in (data.get("ansible_facts") or {}).items() if isinstance(value, list)}
        drift = data.get("drift")
        if isinstance(drift, dict):
            counts.update({"drift_" + key: len(value) for key, value in drift.items() if isinstance(value, list)})
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"host": result.host.get_name(), "task": result.task.get_name(), "counts": counts}) + "\n")
