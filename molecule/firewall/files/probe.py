# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Probe from a peer: read {"addresses": [...], "ports": ["tcp/8080", "udp/6000", ...],
"source": {"ipv4": ..., "ipv6": ...} (optional)} as JSON on stdin, try every port on every
address (from the given source addresses, else the primary ones) and print
{"<address> <proto>/<port>": true|false, ...}. True means the listener answered: a TCP
connection that delivered its banner, or a UDP reply. All probes run in parallel, so a
dropped port costs one timeout, not one per port."""
import json
import socket
import sys
import threading

TIMEOUT = 2.0


def answered(address, proto, port, source=None):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    with socket.socket(family, kind) as sock:
        sock.settimeout(TIMEOUT)
        if source:
            sock.bind((source, 0))
        try:
            if proto == "tcp":
                sock.connect((address, port))
                return sock.recv(64).startswith(b"portwarden")
            for _attempt in range(2):
                sock.sendto(b"probe\n", (address, port))
                try:
                    return sock.recvfrom(64)[0].startswith(b"portwarden")
                except socket.timeout:
                    continue
            return False
        except OSError:
            return False


def main():
    plan = json.load(sys.stdin)
    results = {}

    sources = plan.get("source") or {}

    def probe(address, port):
        proto, number = port.split("/")
        source = sources.get("ipv6" if ":" in address else "ipv4")
        results["%s %s" % (address, port)] = answered(address, proto, int(number), source)

    threads = [threading.Thread(target=probe, args=(a, p)) for a in plan["addresses"] for p in plan["ports"]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    json.dump(results, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()
