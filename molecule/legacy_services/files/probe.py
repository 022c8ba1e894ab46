# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Probe real daemons from a peer. Arguments: JSON [{"address", "proto", "port"}, ...].

Prints {"<address> <proto>/<port>": "open" | "refused" | "timeout" | "answer" | "silent"}.
TCP: "open" when the handshake completes (whatever the daemon then says). UDP port 69: a
TFTP read request for probe.txt; "answer" when any datagram comes back, "silent" otherwise.
The socket stays unconnected because a TFTP server answers from a new port (RFC 1350 TIDs).
Probes run in parallel, each bounded in time.
"""
import json
import socket
import struct
import sys
import threading

TIMEOUT = 3.0
TFTP_RRQ = struct.pack("!H", 1) + b"probe.txt\0octet\0"


def probe(address, proto, port):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    if proto == "tcp":
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(TIMEOUT)
            try:
                sock.connect((address, port))
                return "open"
            except ConnectionRefusedError:
                return "refused"
            except OSError:
                return "timeout"
    if port != 69:
        raise SystemExit("only TFTP (udp/69) has a UDP probe here")
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(TIMEOUT)
        for _attempt in range(2):
            try:
                sock.sendto(TFTP_RRQ, (address, port))
                sock.recvfrom(1024)
                return "answer"
            except socket.timeout:
                continue
        return "silent"


def main():
    targets = json.loads(sys.argv[1])
    results = {}

    def run(target):
        key = "%s %s/%d" % (target["address"], target["proto"], target["port"])
        results[key] = probe(target["address"], target["proto"], int(target["port"]))

    threads = [threading.Thread(target=run, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps(results, sort_keys=True))


if __name__ == "__main__":
    main()
