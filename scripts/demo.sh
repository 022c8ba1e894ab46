#!/usr/bin/env bash
# `make demo`: a guided tour on a local container fleet. `make demo-clean` removes it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/demo"
export ANSIBLE_CONFIG="$root/demo/ansible.cfg"
export PORTWARDEN_DEMO_REPORTS="$root/demo/reports"

step() { printf '\n\033[1m== %s\033[0m\n%s\n\n' "$1" "${2:-}"; }
play() { ansible-playbook -i inventory.yml "$@"; }

if [ "${1:-}" = clean ]; then
  docker rm -f $(docker ps -aq --filter label=portwarden.demo=true) >/dev/null 2>&1 || true
  docker network rm pw-demo >/dev/null 2>&1 || true
  rm -rf "$root/demo/reports"
  echo "demo fleet removed"
  exit 0
fi

step "1/4 Build the fleet" \
"Three Debian 12 hosts with systemd: web (nginx, and a dev server someone forgot),
db (PostgreSQL for the web tier, and a cache bound to every address instead of loopback),
oldbox (Telnet, rsh/rlogin and TFTP from inetd and tftpd-hpa), plus a peer that probes
them from outside. Each host's allowlist is in demo/host_vars/."
play fleet.yml

step "2/4 What really listens" \
"portwarden.hardening.listening_ports reads sockets from the kernel (netlink sock_diag)
and owners from /proc - no ss, netstat or lsof on the hosts."
play listening.yml

step "3/4 Drift check (read-only)" \
"portwarden.hardening.drift_check compares every host with its allowlist and writes the
fleet reports. Expect drift on all three hosts: the forgotten dev server, the cache on
every address, and Telnet/rsh/TFTP (critical)."
play "$root/playbooks/drift_check.yml" -l fleet

step "4/4 Probe from outside" \
"From the peer, over IPv4 and IPv6: what an attacker on the same network reaches today."
play probe.yml

printf '\n\033[1mReports:\033[0m %s/latest.html (open it in a browser), latest.json, latest.junit.xml, latest.md\n' "$PORTWARDEN_DEMO_REPORTS"
echo "Remove the fleet with: make demo-clean"
