#!/usr/bin/env bash
# `make demo`: a guided tour on a local container fleet. `make demo-clean` removes it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/demo"
export ANSIBLE_CONFIG="$root/demo/ansible.cfg"
export PORTWARDEN_DEMO_REPORTS="$root/demo/reports"

# One demo fleet per machine (fixed container names): a second checkout waits its turn.
if [ -z "${PORTWARDEN_DEMO_LOCKED:-}" ]; then
  PORTWARDEN_DEMO_LOCKED=1 exec flock /tmp/portwarden-demo.lock "$root/scripts/demo.sh" "$@"
fi

step() { printf '\n\033[1m== %s\033[0m\n%s\n\n' "$1" "${2:-}"; }
play() { ansible-playbook -i inventory.yml "$@"; }

if [ "${1:-}" = clean ]; then
  docker rm -f $(docker ps -aq --filter label=portwarden.demo=true) >/dev/null 2>&1 || true
  docker network rm pw-demo >/dev/null 2>&1 || true
  rm -rf "$root/demo/reports"
  echo "demo fleet removed"
  exit 0
fi

step "1/7 Build the fleet" \
"Three Debian 12 hosts with systemd: web (nginx, and a dev server someone forgot),
db (PostgreSQL for the web tier, and a cache bound to every address instead of loopback),
oldbox (Telnet, rsh/rlogin and TFTP from inetd and tftpd-hpa), plus a peer that probes
them from outside. Each host's allowlist is in demo/host_vars/."
play fleet.yml

step "2/7 What really listens" \
"portwarden.hardening.listening_ports reads sockets from the kernel (netlink sock_diag)
and owners from /proc - no ss, netstat or lsof on the hosts."
play listening.yml

step "3/7 Drift check (read-only)" \
"portwarden.hardening.drift_check compares every host with its allowlist and writes the
fleet reports. Expect drift on all three hosts: the forgotten dev server, the cache on
every address, and Telnet/rsh/TFTP (critical)."
play "$root/playbooks/drift_check.yml" -l fleet

step "4/7 Harden" \
"portwarden.hardening.harden: legacy services off, then the firewall rendered from the
same allowlist (nftables, commit-confirmed: applied, proven over a fresh connection, and
rolled back by the host itself if that fails), then the audit of the whole fleet."
play "$root/playbooks/harden.yml" -l fleet -e portwarden_fail_on_drift=false

step "5/7 The owners fix their services" \
"A firewall hides a listener; it does not make it declared. The dev server is stopped
and the cache is bound to loopback, as the drift report asked."
play remediate.yml

step "6/7 Drift check again" \
"Now with portwarden_fail_on_drift=true: the exit status is 0 only if every host complies."
play "$root/playbooks/drift_check.yml" -l fleet -e portwarden_fail_on_drift=true

step "7/7 Probe from outside" \
"From the peer, over IPv4 and IPv6: every port that answers must be allowed, and every
required port must answer."
play probe.yml -e portwarden_demo_check=true

printf '\n\033[1mThe fleet complies.\033[0m Reports: %s/latest.html (open it in a browser), latest.json, latest.junit.xml, latest.md\n' "$PORTWARDEN_DEMO_REPORTS"
echo "Remove the fleet with: make demo-clean"
