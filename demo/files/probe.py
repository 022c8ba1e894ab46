"""Probe the fleet from the peer container and compare with each host's allowlist.

Reads JSON on stdin: {"peer": {"ipv4": ..., "ipv6": ...}, "probes": [[port, proto], ...],
"check": bool, "targets": [{"host", "ipv4", "ipv6", "allowlist": [normalised entries]}]}.
Prints a table; with "check" true, exits 1 when a port answers that the allowlist does not
allow, or a required allowed port does not answer.
"""
import ipaddress
import json
import socket
import sys

TFTP_READ = b"\x00\x01probe.txt\x00octet\x00"


def probe(address, port, proto):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    if proto == "tcp":
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(1.5)
            try:
                sock.connect((address, port))
                return "open"
            except ConnectionRefusedError:
                return "closed"
            except OSError:
                return "filtered"
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(1.5)
        try:
            # Not connected: a TFTP server answers from a new port (its transfer id).
            sock.sendto(TFTP_READ if port == 69 else b"portwarden-probe\n", (address, port))
            sock.recvfrom(2048)
            return "open"
        except ConnectionRefusedError:
            return "closed"
        except OSError:
            # No answer: a firewall dropped it, or nothing listens and ICMP errors are not
            # delivered to unconnected sockets.
            return "no answer"


def allowed(entries, port, proto, source):
    for entry in entries:
        if entry["proto"] != proto or not any(lo <= port <= hi for lo, hi in entry["ports"]):
            continue
        if entry["sources"] is None:
            return entry
        family = "ipv6" if ":" in source else "ipv4"
        if any(ipaddress.ip_address(source) in ipaddress.ip_network(net) for net in entry["sources"][family]):
            return entry
    return None


def main():
    spec = json.load(sys.stdin)
    failures = []
    print("%-8s %-9s %-10s %-10s %s" % ("host", "port", "IPv4", "IPv6", "allowlist says"))
    for target in spec["targets"]:
        for port, proto in spec["probes"]:
            results = {}
            verdicts = []
            for family in ("ipv4", "ipv6"):
                results[family] = probe(target[family], port, proto)
                entry = allowed(target["allowlist"], port, proto, spec["peer"][family])
                reachable = results[family] == "open"
                if reachable and entry is None:
                    failures.append("%s %s/%s answers over %s but is not allowed" % (target["host"], port, proto, family))
                if not reachable and entry is not None and entry.get("required"):
                    failures.append("%s %s/%s is allowed and required but does not answer over %s" % (target["host"], port, proto, family))
                verdicts.append(entry)
            said = "allowed" if verdicts[0] else "not allowed from here"
            print("%-8s %-9s %-10s %-10s %s" % (target["host"], "%s/%s" % (port, proto), results["ipv4"], results["ipv6"], said))
    if spec.get("check"):
        if failures:
            print("\nMISMATCH:\n  " + "\n  ".join(failures))
            sys.exit(1)
        print("\nEvery probe matches the allowlists.")


main()
