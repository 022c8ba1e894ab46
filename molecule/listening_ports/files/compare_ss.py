# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Compare listening_ports' facts (a JSON file) with ``ss -Htulpne`` run right now on this host.

``-e`` only adds each socket's inode and v6only flag to ``ss -Htulpn``, so sockets can be
matched one to one. Every socket must be in both, with the same protocol, address,
interface, port and v6only, and the same owners: the set of pids and, for the reported
pid, its process name. Exits 1 and prints every difference otherwise.

Usage: python3 compare_ss.py FACTS_JSON
"""

import json
import re
import subprocess
import sys

USERS = re.compile(r'\("((?:[^"\\]|\\.)*)",pid=(\d+),fd=\d+\)')
INODE = re.compile(r"\bino:(\d+)")
V6ONLY = re.compile(r"\bv6only:([01])")


def ss_sockets():
    text = subprocess.run(["ss", "-Htulpne"], check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout
    sockets = {}
    for line in text.splitlines():
        fields = line.split()
        if not fields:
            continue
        host, _sep, port = fields[4].rpartition(":")
        interface = None
        if "%" in host:
            host, interface = host.rsplit("%", 1)
        host = host.strip("[]")
        v6only = V6ONLY.search(line)
        users = [(name, int(pid)) for name, pid in USERS.findall(line)]
        sockets[int(INODE.search(line).group(1))] = {
            "protocol": fields[0],
            # ss prints an IPv6 wildcard that also accepts IPv4 as "*".
            "address": "::" if host == "*" else host,
            "dual_stack": host == "*",
            "interface": interface,
            "port": int(port),
            "v6only": None if v6only is None else v6only.group(1) == "1",
            "pids": sorted(pid for _name, pid in users),
            "names": dict((pid, name) for name, pid in users),
            "line": " ".join(fields),
        }
    return sockets


def differences(items, sockets):
    problems = []
    seen = set()
    for item in items:
        label = "%s %s%s port %d (inode %d)" % (
            item["protocol"], item["address"], "%" + item["interface"] if item["interface"] else "", item["port"], item["inode"])
        theirs = sockets.get(item["inode"])
        if theirs is None:
            problems.append("only in the module: " + label)
            continue
        seen.add(item["inode"])
        for key in ("protocol", "address", "interface", "port", "pids"):
            if item[key] != theirs[key]:
                problems.append("%s: %s is %r, ss says %r" % (label, key, item[key], theirs[key]))
        if item["family"] == "ipv6" and item["v6only"] != theirs["v6only"]:
            problems.append("%s: v6only is %r, ss says %r" % (label, item["v6only"], theirs["v6only"]))
        if item["dual_stack"] != theirs["dual_stack"]:
            problems.append("%s: dual_stack is %r, ss prints %s" % (label, item["dual_stack"], theirs["line"].split()[4]))
        if item["pid"] is None:
            if theirs["pids"] or any(item[key] is not None for key in ("process", "exe", "user", "uid", "unit")):
                problems.append("%s: owner fields must all be null without an owner: %r" % (label, item))
        elif item["pid"] not in theirs["names"]:
            problems.append("%s: pid %r is not among ss's owners %r" % (label, item["pid"], theirs["pids"]))
        # ss cuts the name at its first ")" (it scans /proc/<pid>/stat with %[^)]).
        elif item["process"] is None or item["process"].split(")")[0] != theirs["names"][item["pid"]]:
            problems.append("%s: process is %r, ss says %r" % (label, item["process"], theirs["names"][item["pid"]]))
    for inode, theirs in sorted(sockets.items()):
        if inode not in seen:
            problems.append("only in ss: " + theirs["line"])
    return problems


def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        items = json.load(handle)
    sockets = ss_sockets()
    problems = differences(items, sockets)
    for problem in problems:
        print(problem)
    print("%d sockets from the module, %d from ss, %d differences" % (len(items), len(sockets), len(problems)))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
