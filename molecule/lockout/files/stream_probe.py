# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Stream output over one SSH session and measure the longest silence.

The host prints a line every 0.1 s; this side notes when each line arrives. A firewall
change that drops established connections for a moment shows up as a gap (TCP
retransmits after 200 ms, 400 ms, ...), a cut session as an early end. Runs until the
stop file exists (or --max-seconds), then writes a JSON summary to --out. Its own TCP
connection (ControlPath=none), so no multiplexed session hides anything.

    stream_probe.py --host 172.31.9.2 --key id_ed25519 --ready r --stop s --out result.json
"""

import argparse
import json
import os
import selectors
import subprocess
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", default="22")
    parser.add_argument("--key", required=True)
    parser.add_argument("--ready", required=True, help="created once the first line arrived")
    parser.add_argument("--stop", required=True, help="the probe ends when this file exists")
    parser.add_argument("--out", required=True)
    parser.add_argument("--max-seconds", type=float, default=300.0)
    args = parser.parse_args()

    command = [
        "ssh", "-T", "-i", args.key, "-p", args.port,
        "-o", "ControlPath=none", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10",
        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
        "root@" + args.host,
        "while :; do date +%s.%N; sleep 0.1; done",
    ]
    ssh = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    selector = selectors.DefaultSelector()
    selector.register(ssh.stdout, selectors.EVENT_READ)
    started = time.monotonic()
    arrivals = []
    buffered = b""
    ended_early = False
    while time.monotonic() - started < args.max_seconds and not os.path.exists(args.stop):
        if not selector.select(timeout=0.05):
            continue
        chunk = os.read(ssh.stdout.fileno(), 65536)
        if not chunk:
            ended_early = True
            break
        now = time.monotonic()
        buffered += chunk
        while b"\n" in buffered:
            _line, buffered = buffered.split(b"\n", 1)
            arrivals.append(now)
            if len(arrivals) == 1:
                with open(args.ready, "w") as handle:
                    handle.write("streaming\n")
    ssh.kill()
    _out, err = ssh.communicate()
    gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:])]
    # Silence between the last line and the end counts too (a session that hung).
    if arrivals and not ended_early:
        gaps.append(time.monotonic() - arrivals[-1] if not os.path.exists(args.stop) else 0.0)
    summary = {
        "lines": len(arrivals),
        "seconds": round(time.monotonic() - started, 3),
        "max_gap": round(max(gaps) if gaps else float("inf"), 3),
        "ended_early": ended_early,
        "stderr": err.decode("utf-8", "replace").strip()[-500:],
    }
    with open(args.out, "w") as handle:
        json.dump(summary, handle)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
